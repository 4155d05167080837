//! knot's file cache cannot be made to grow by a client: one file asked for
//! under hundreds of spellings is kept once, and asking for thousands of
//! missing files keeps nothing. (Before, the cache was keyed by the request
//! path: each spelling held its own copy of the file, each 404 an entry.)
//!
//! The figures are knot's RSS growth, asserted against bounds far from both
//! what the old cache took (hundreds of MiB, tens of MiB) and what the new
//! one takes (close to nothing).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

#[path = "support/example.rs"]
mod example;
use example::{start, Server, TempDir};

const BIG_LEN: usize = 512 << 10;

fn knot() -> Server {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("knot-cache-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("big.bin"), vec![b'b'; BIG_LEN]).unwrap();
    let root = dir.to_str().unwrap().to_owned();
    start(
        "knot",
        &["--root", &root, "--port", "0"],
        Some(TempDir(dir)),
    )
}

/// Asks for each of `paths` on one keep-alive connection; returns the
/// status and body length of each response.
fn get_all(server: &Server, paths: &[String]) -> Vec<(u16, usize)> {
    let s = TcpStream::connect(server.addr).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let mut out = Vec::new();
    for path in paths {
        // One write per request (pieces would wait on delayed ACKs).
        w.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut len = 0;
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        out.push((status, len));
    }
    out
}

/// `/big.bin` spelled `n` ways: letters percent-escaped or not, and one to
/// three leading slashes.
fn spellings(n: usize) -> Vec<String> {
    let name = b"big.bin";
    let mut out = Vec::new();
    'all: for slashes in 1..=3 {
        for mask in 0u32..(1 << name.len()) {
            let mut p = "/".repeat(slashes);
            for (i, &c) in name.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    p.push_str(&format!("%{c:02X}"));
                } else {
                    p.push(c as char);
                }
            }
            out.push(p);
            if out.len() == n {
                break 'all;
            }
        }
    }
    out
}

#[test]
fn one_file_under_many_spellings_is_cached_once() {
    let server = knot();
    // Warm: the file is read and its responses prepared once.
    assert_eq!(get_all(&server, &["/big.bin".to_owned()]), [(200, BIG_LEN)]);
    let before = server.rss_kib();
    let paths = spellings(300);
    let got = get_all(&server, &paths);
    assert!(got.iter().all(|&r| r == (200, BIG_LEN)), "{got:?}");
    let grown = server.rss_kib().saturating_sub(before);
    // A copy per spelling would be 300 x 1 MiB (two prepared responses
    // with the body each).
    assert!(
        grown < 32 << 10,
        "knot grew by {grown} KiB for 300 spellings of one file"
    );
}

#[test]
fn missing_files_are_not_remembered() {
    let server = knot();
    assert_eq!(get_all(&server, &["/nothing".to_owned()]), [(404, 10)]);
    let before = server.rss_kib();
    let pad = "x".repeat(1000);
    let paths: Vec<String> = (0..20_000).map(|i| format!("/missing-{i}-{pad}")).collect();
    let got = get_all(&server, &paths);
    assert!(got.iter().all(|&(status, _)| status == 404));
    let grown = server.rss_kib().saturating_sub(before);
    // An entry per path would be over 20 MiB.
    assert!(
        grown < 8 << 10,
        "knot grew by {grown} KiB for 20,000 missing paths"
    );
}

/// One response on `r`: status, header fields (lowercased names) and body
/// (none for a HEAD request).
fn read_response(
    r: &mut BufReader<TcpStream>,
    head_request: bool,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        let (n, v) = line.split_once(':').unwrap();
        headers.push((n.to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .expect("Content-Length");
    let mut body = vec![0; if head_request { 0 } else { len }];
    r.read_exact(&mut body).unwrap();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Issue 114: each file was kept twice (a close and a keep-alive response,
/// each with the whole body): one HEAD of a 200 MB file took 400 MB. Files
/// over 64 KiB are now kept once and written head, then body; smaller
/// ones are still kept as whole responses. Both are served right, by GET
/// and HEAD, on keep-alive and closing connections.
#[test]
fn a_large_file_is_kept_once_and_served_whole_by_get_and_head() {
    const LARGE: usize = 32 << 20;
    let sizes = [64 << 10, (64 << 10) + 1, LARGE];
    let files: Vec<(String, Vec<u8>)> = sizes
        .iter()
        .map(|&len| {
            let body = (0..len).map(|i| (i % 251) as u8).collect();
            (format!("f{len}.bin"), body)
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("knot-cache-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in &files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let root = dir.to_str().unwrap().to_owned();
    let server = start(
        "knot",
        &["--root", &root, "--port", "0"],
        Some(TempDir(dir)),
    );
    let before = server.rss_kib();
    for (name, body) in &files {
        let what = format!("{name} ({} bytes)", body.len());
        let len = body.len().to_string();
        // Keep-alive: GET, HEAD, GET on one connection.
        let s = TcpStream::connect(server.addr).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        for method in ["GET", "HEAD", "GET"] {
            w.write_all(format!("{method} /{name} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .unwrap();
            let head_request = method == "HEAD";
            let (status, headers, got) = read_response(&mut r, head_request);
            assert_eq!(status, 200, "{method} {what}");
            assert_eq!(header(&headers, "content-length"), Some(len.as_str()));
            assert_eq!(header(&headers, "connection"), Some("keep-alive"));
            if !head_request {
                assert!(
                    got == *body,
                    "{method} {what}: the file, whole and in order"
                );
            }
        }
        // Closing: one request a connection, then the end of the stream.
        for method in ["GET", "HEAD"] {
            let s = TcpStream::connect(server.addr).unwrap();
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            w.write_all(
                format!("{method} /{name} HTTP/1.1\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .unwrap();
            let head_request = method == "HEAD";
            let (status, headers, got) = read_response(&mut r, head_request);
            assert_eq!(status, 200, "{method} {what}, closing");
            assert_eq!(header(&headers, "content-length"), Some(len.as_str()));
            assert_eq!(header(&headers, "connection"), Some("close"));
            if !head_request {
                assert!(got == *body, "{method} {what}, closing: the file, whole");
            }
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).unwrap();
            assert!(
                rest.is_empty(),
                "{method} {what}: nothing after the response"
            );
        }
    }
    // About one copy of the files (32 MiB and a little), not two.
    let grown = server.rss_kib().saturating_sub(before);
    let one_copy = (sizes.iter().sum::<usize>() / 1024) as u64;
    assert!(
        grown < one_copy * 3 / 2,
        "knot grew by {grown} KiB for files of {one_copy} KiB (two copies would be {} KiB)",
        2 * one_copy
    );
}
