//! knot answers real HTTP clients correctly: the example binary is started
//! on a free port and spoken to over loopback with plain sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

#[path = "support/example.rs"]
mod example;

#[path = "support/fd_limit.rs"]
mod fd_limit;

#[path = "../examples/knot/files.rs"]
#[allow(dead_code)]
mod files;
use example::{read_once, start, start_watching_stderr, Server, TempDir};

fn knot(idle_ms: u64) -> Server {
    knot_with(idle_ms, false)
}

fn knot_with(idle_ms: u64, watch_stderr: bool) -> Server {
    knot_flags(&["--idle-ms", &idle_ms.to_string()], watch_stderr)
}

/// knot serving a fresh directory, with these flags besides `--root` and
/// `--port`.
fn knot_flags(flags: &[&str], watch_stderr: bool) -> Server {
    knot_serving(&[], flags, watch_stderr)
}

/// As [`knot_flags`], with these files besides `index.html` and
/// `sub/a.txt`.
fn knot_serving(files: &[(&str, &[u8])], flags: &[&str], watch_stderr: bool) -> Server {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("knot-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>knot</h1>\n").unwrap();
    std::fs::write(dir.join("sub/a.txt"), "hello from a\n").unwrap();
    for (name, body) in files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let root = dir.to_str().unwrap().to_owned();
    let mut args = vec!["--root", &root, "--port", "0"];
    args.extend_from_slice(flags);
    if watch_stderr {
        start_watching_stderr("knot", &args, Some(TempDir(dir)))
    } else {
        start("knot", &args, Some(TempDir(dir)))
    }
}

/// One response: status code, headers (lowercased names), body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read_response(r: &mut BufReader<TcpStream>, head_request: bool) -> Response {
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).expect("header line");
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (n, v) = h.split_once(':').expect("header has a colon");
        headers.push((n.to_ascii_lowercase(), v.trim().to_owned()));
    }
    // A `u64`: a HEAD of a file past 4 GiB says its length on any target.
    let len: u64 = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .expect("every response has Content-Length");
    let body_len = if head_request {
        0
    } else {
        usize::try_from(len).unwrap()
    };
    let mut body = vec![0; body_len];
    r.read_exact(&mut body).expect("body");
    Response {
        status,
        headers,
        body,
    }
}

fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let srv = knot(30_000);
    let (mut s, mut r) = connect(srv.addr);
    for path in ["/", "/sub/a.txt", "/index.html"] {
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let resp = read_response(&mut r, false);
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(resp.header("connection"), Some("keep-alive"));
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let srv = knot(30_000);
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(b"GET /sub/a.txt HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let a = read_response(&mut r, false);
    let b = read_response(&mut r, false);
    let c = read_response(&mut r, false);
    assert_eq!((a.status, a.body.as_slice()), (200, &b"hello from a\n"[..]));
    assert_eq!(b.status, 404);
    assert_eq!(
        (c.status, c.body.as_slice()),
        (200, &b"<h1>knot</h1>\n"[..])
    );
    assert_eq!(c.header("connection"), Some("close"));
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the server closes after Connection: close");
}

#[test]
fn a_response_larger_than_the_socket_takes_is_finished_then_the_next_request_served() {
    // 8 MiB: more than loopback's socket buffers hold, so most of it is
    // written as the client reads (knot's write_rest), which then hands
    // the connection back with the pipelined request it already read.
    let big: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
    let srv = knot_serving(&[("big.bin", &big)], &["--idle-ms", "30000"], false);
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(
        b"GET /big.bin HTTP/1.1\r\n\r\nGET /sub/a.txt HTTP/1.1\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let first = read_response(&mut r, false);
    assert_eq!(first.status, 200);
    assert!(first.body == big, "the big file, whole and in order");
    let second = read_response(&mut r, false);
    assert_eq!(
        (second.status, second.body.as_slice()),
        (200, &b"hello from a\n"[..])
    );
    assert!(read_to_eof(&mut r).unwrap().is_empty());
}

#[test]
fn clients_that_never_read_a_large_response_cost_no_copy_of_it() {
    // 8 MiB, cached after the first GET; then clients ask for it and read
    // nothing: each holds what the socket buffers took and, in knot, a
    // reference to the cached response (a copy would be ~8 MiB each).
    const CLIENTS: usize = 16;
    let big = vec![b'k'; 8 << 20];
    let srv = knot_serving(&[("big.bin", &big)], &["--idle-ms", "30000"], false);
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(b"GET /big.bin HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut r, false).body.len(), big.len());
    let before = srv.rss_kib();
    let clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| {
            let mut c = TcpStream::connect(srv.addr).unwrap();
            c.write_all(b"GET /big.bin HTTP/1.1\r\n\r\n").unwrap();
            c
        })
        .collect();
    // Each client's first bytes have come: knot has written what the socket
    // took and waits to write the rest.
    for c in &clients {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut b = [0u8; 1];
        assert_eq!(c.peek(&mut b).expect("the response begins"), 1);
    }
    // The head of the last request read: its write is under way too.
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(b"GET /sub/a.txt HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut r, false).status, 200);
    let grew_kib = srv.rss_kib().saturating_sub(before);
    let copies_kib = (CLIENTS * big.len() / 1024) as u64;
    assert!(
        grew_kib < copies_kib / 4,
        "knot grew by {grew_kib} KiB with {CLIENTS} clients not reading (copies would be {copies_kib} KiB)"
    );
    drop(clients);
}

#[test]
fn head_gives_the_headers_of_get_without_a_body() {
    let srv = knot(30_000);
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(b"HEAD /sub/a.txt HTTP/1.1\r\n\r\nGET /sub/a.txt HTTP/1.1\r\n\r\n")
        .unwrap();
    let head = read_response(&mut r, true);
    let get = read_response(&mut r, false);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("13"));
    assert_eq!(head.header("content-type"), get.header("content-type"));
    assert_eq!(get.body, b"hello from a\n");
}

/// A HEAD of a file not read yet is answered from its metadata: a file
/// larger than the machine's memory (a sparse 1 TiB one) gets its length,
/// and knot goes on serving. The head's buffer reserved room for the body
/// it announced, and the process aborted ("memory allocation of
/// 1099511627904 bytes failed"), every connection with it.
#[test]
fn a_head_of_a_file_larger_than_memory_gets_its_length_and_knot_goes_on() {
    let dir = std::env::temp_dir().join(format!("knot-test-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>knot</h1>\n").unwrap();
    let huge: u64 = 1 << 40;
    std::fs::File::create(dir.join("huge.img"))
        .and_then(|f| f.set_len(huge))
        .expect("a sparse file of 1 TiB in the temporary directory");
    let root = dir.to_str().unwrap().to_owned();
    let srv = start(
        "knot",
        &["--root", &root, "--port", "0"],
        Some(TempDir(dir)),
    );
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(b"HEAD /huge.img HTTP/1.1\r\n\r\nGET /index.html HTTP/1.1\r\n\r\n")
        .unwrap();
    let head = read_response(&mut r, true);
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(huge.to_string().as_str())
    );
    let get = read_response(&mut r, false);
    assert_eq!(get.body, b"<h1>knot</h1>\n");
}

#[test]
fn bad_requests_get_their_status_and_the_connection_closes() {
    let srv = knot(30_000);
    let many_headers: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
    let huge_header = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(10_000));
    let cases: Vec<(String, u16)> = vec![
        ("NONSENSE\r\n\r\n".into(), 400),
        ("GET / HTTP/1.1\r\nno-colon-here\r\n\r\n".into(), 400),
        // Lines ended with LF alone (`printf .. | nc`): 400 at once, not
        // 408 when the head's time is up.
        ("GET / HTTP/1.0\n\n".into(), 400),
        ("DELETE / HTTP/1.1\r\n\r\n".into(), 405),
        (
            "GET / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody".into(),
            413,
        ),
        (format!("GET / HTTP/1.1\r\n{many_headers}\r\n"), 431),
        (huge_header, 431),
        ("GET / HTTP/3.0\r\n\r\n".into(), 505),
        ("GET /../../etc/passwd HTTP/1.1\r\n\r\n".into(), 400),
    ];
    for (req, want) in cases {
        let (mut s, mut r) = connect(srv.addr);
        s.write_all(req.as_bytes()).unwrap();
        let resp = read_response(&mut r, false);
        assert_eq!(resp.status, want, "request {:?}", &req[..req.len().min(40)]);
        let mut rest = Vec::new();
        let _ = r.read_to_end(&mut rest);
        assert!(rest.is_empty(), "closed after {want}");
    }
}

/// Sends `req` on a new connection: the response (read as to a HEAD
/// request if `head_request`, without a body) and what followed it until
/// the server closed.
fn refused(srv: &Server, req: &[u8], head_request: bool) -> (Response, Vec<u8>) {
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(req).unwrap();
    let resp = read_response(&mut r, head_request);
    let rest = read_to_eof(&mut r).expect("a clean close after an error");
    (resp, rest)
}

#[test]
fn error_responses_to_head_requests_have_no_body() {
    // RFC 9110 §9.3.2: the response to HEAD MUST NOT have content. Each
    // error closes the connection, so whatever follows the head is a body.
    // The Content-Length is the GET's, as the RFC allows. (The 408 comes
    // when the head's 300 ms are up; the others' requests are sent in one
    // write.)
    let srv = knot_flags(&["--idle-ms", "30000", "--head-ms", "300"], false);
    let many_headers: String = (0..65).map(|i| format!("X-{i}: y\r\n")).collect();
    let cases: Vec<(String, u16)> = vec![
        (
            "HEAD /sub/a.txt HTTP/1.1\r\nContent-Length: 1\r\n\r\nx".into(),
            413,
        ),
        ("HEAD /sub/a.txt HTTP/1.2\r\n\r\n".into(), 505),
        (
            format!("HEAD /sub/a.txt HTTP/1.1\r\n{many_headers}\r\n"),
            431,
        ),
        (
            "HEAD /sub/a.txt HTTP/1.1\r\nContent-Length: x\r\n\r\n".into(),
            400,
        ),
        (format!("HEAD /{} HTTP/1.1\r\n\r\n", "a".repeat(9000)), 414),
        ("HEAD /sub/a.txt HTTP/1.1\r\nX-Unfinished: y".into(), 408),
    ];
    for (req, want) in cases {
        let what = &req[..req.len().min(40)];
        let (head, rest) = refused(&srv, req.as_bytes(), true);
        assert_eq!(head.status, want, "{what:?}");
        assert!(
            rest.is_empty(),
            "{what:?}: {want} to HEAD has a body: {:?}",
            String::from_utf8_lossy(&rest)
        );
        // The same as GET: the body whose length the HEAD's head gave.
        let (get, rest) = refused(&srv, req.replacen("HEAD", "GET", 1).as_bytes(), false);
        assert_eq!(get.status, want, "{what:?} as GET");
        assert!(rest.is_empty());
        assert!(!get.body.is_empty());
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{what:?}"
        );
    }
    // A request line refused before its method is known has a body.
    let (resp, rest) = refused(&srv, b"HEAD\r\n\r\n", false);
    assert_eq!(
        (resp.status, resp.body.as_slice()),
        (400, &b"400 Bad Request\n"[..])
    );
    assert!(rest.is_empty());
}

#[test]
fn a_405_says_which_methods_are_allowed() {
    // RFC 9110 §15.5.6: a 405 MUST have an Allow field.
    let srv = knot(30_000);
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let (resp, rest) = refused(
            &srv,
            format!("{method} /sub/a.txt HTTP/1.1\r\n\r\n").as_bytes(),
            false,
        );
        assert_eq!(resp.status, 405, "{method}");
        assert_eq!(resp.header("allow"), Some("GET, HEAD"), "{method}");
        assert!(rest.is_empty(), "closed after the 405");
    }
}

#[test]
fn connect_to_an_authority_and_options_asterisk_are_405_too() {
    // RFC 9112 §3.2.3, §3.2.4: targets valid for these methods alone. They
    // were 400, while knot's docs say methods HTTP defines get 405.
    let srv = knot(30_000);
    for req in [
        &b"CONNECT x:80 HTTP/1.1\r\nHost: x:80\r\n\r\n"[..],
        b"CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let what = String::from_utf8_lossy(req);
        let (resp, rest) = refused(&srv, req, false);
        assert_eq!(resp.status, 405, "{what}");
        assert_eq!(resp.header("allow"), Some("GET, HEAD"), "{what}");
        assert!(rest.is_empty(), "closed after the 405");
    }
    // For any other method they are no target.
    for req in [
        &b"GET x:80 HTTP/1.1\r\n\r\n"[..],
        b"HEAD * HTTP/1.1\r\n\r\n",
        b"OPTIONS x:80 HTTP/1.1\r\n\r\n",
    ] {
        let head_request = req.starts_with(b"HEAD");
        let (resp, _) = refused(&srv, req, head_request);
        assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(req));
    }
}

#[test]
fn content_length_lines_that_disagree_are_400() {
    // RFC 9112 §6.3: the body's length cannot be known (it was 413).
    let srv = knot(30_000);
    let (resp, rest) = refused(
        &srv,
        b"GET /sub/a.txt HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nbody",
        false,
    );
    assert_eq!(resp.status, 400);
    assert!(rest.is_empty());
    // The same length twice: a body, as one line would say.
    let (resp, _) = refused(
        &srv,
        b"GET /sub/a.txt HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nbody",
        false,
    );
    assert_eq!(resp.status, 413);
}

#[test]
fn a_file_named_with_a_trailing_slash_is_404() {
    // As open(2) says ENOTDIR (and nginx 404): `Path::components` dropped
    // the slash, and these were the file.
    let srv = knot(30_000);
    let (mut s, mut r) = connect(srv.addr);
    for path in [
        "/sub/a.txt/",
        "/sub/a.txt%2F",
        "/index.html/",
        "/sub/a.txt//",
    ] {
        write!(s, "GET {path} HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut r, false).status, 404, "{path}");
    }
    // Asked for rightly first, then with the slash: still 404 (the cache
    // of request paths does not answer for it).
    for path in ["/sub/a.txt", "/sub/a.txt/"] {
        write!(s, "GET {path} HTTP/1.1\r\n\r\n").unwrap();
        let want = if path.ends_with('/') { 404 } else { 200 };
        assert_eq!(read_response(&mut r, false).status, want, "{path}");
    }
}

#[test]
fn dot_segments_are_resolved_and_paths_no_file_can_have_are_400() {
    let srv = knot(30_000);
    let (mut s, mut r) = connect(srv.addr);
    // As nginx: `.` dropped, `..` takes the segment before it away.
    for path in [
        "/./sub/a.txt",
        "/sub/./a.txt",
        "/x/../sub/a.txt",
        "/sub/%2e%2e/sub/a.txt",
    ] {
        write!(s, "GET {path} HTTP/1.1\r\n\r\n").unwrap();
        let resp = read_response(&mut r, false);
        assert_eq!(
            (resp.status, &resp.body[..]),
            (200, &b"hello from a\n"[..]),
            "{path}"
        );
    }
    // Above the root, a bad escape, a NUL, not UTF-8: no file has that
    // path, and the request is wrong, not the file missing (nginx: 400).
    for path in [
        "/../index.html",
        "/sub/../../x",
        "/100%.txt",
        "/%zz",
        "/a%00b",
        "/%ff",
    ] {
        let (resp, _) = refused(
            &srv,
            format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes(),
            false,
        );
        assert_eq!(resp.status, 400, "{path}");
    }
}

#[test]
fn a_file_knot_may_not_read_is_403_and_the_connection_stays_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("knot-test-403-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (name, mode) in [("secret.txt", 0o000), ("open.txt", 0o644)] {
        std::fs::write(dir.join(name), "x\n").unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    // A directory knot's user may not search: what is in it is forbidden
    // too, not missing.
    std::fs::create_dir_all(dir.join("closed")).unwrap();
    std::fs::write(dir.join("closed/index.html"), "x\n").unwrap();
    std::fs::set_permissions(dir.join("closed"), std::fs::Permissions::from_mode(0o700)).unwrap();
    let root = dir.to_str().unwrap().to_owned();
    let srv = example::start_unprivileged(
        "knot",
        &["--root", &root, "--port", "0"],
        Some(TempDir(dir)),
    );
    let (mut s, mut r) = connect(srv.addr);
    for (method, path, want) in [
        ("GET", "/secret.txt", 403),
        ("HEAD", "/secret.txt", 403),
        ("GET", "/open.txt", 200),
        ("GET", "/missing.txt", 404),
        ("GET", "/closed/index.html", 403),
        ("GET", "/closed/", 403),
    ] {
        write!(s, "{method} {path} HTTP/1.1\r\n\r\n").unwrap();
        let resp = read_response(&mut r, method == "HEAD");
        assert_eq!(resp.status, want, "{method} {path}");
        assert_eq!(
            resp.header("connection"),
            Some("keep-alive"),
            "{method} {path}"
        );
    }
}

/// A named pipe where a file was found, or in place: 404 at once, and the
/// loop goes on. Opened by name with a blocking `open`, a pipe switched in
/// after the lookup waited for a writer, and stalled the loop for good.
#[test]
fn a_named_pipe_is_missing_and_opening_it_does_not_wait_for_a_writer() {
    let dir = std::env::temp_dir().join(format!("knot-test-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
    )
    .unwrap();
    // The open itself, as knot makes it once its lookup found a file.
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || tx.send(files::open_regular(&path).map(|_| ())));
    let opened = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("opening a named pipe waited for a writer");
    assert_eq!(opened.unwrap_err().kind(), std::io::ErrorKind::NotFound);
    let root = dir.to_str().unwrap().to_owned();
    std::fs::write(dir.join("a.txt"), "a\n").unwrap();
    let srv = start(
        "knot",
        &["--root", &root, "--port", "0"],
        Some(TempDir(dir)),
    );
    let (mut s, mut r) = connect(srv.addr);
    for (method, path, want) in [
        ("GET", "/fifo", 404),
        ("HEAD", "/fifo", 404),
        ("GET", "/a.txt", 200),
    ] {
        write!(s, "{method} {path} HTTP/1.1\r\n\r\n").unwrap();
        let resp = read_response(&mut r, method == "HEAD");
        assert_eq!(resp.status, want, "{method} {path}");
    }
}

/// A file is read up to the length it had when it was opened: one that a
/// writer keeps growing is not read for as long as the writer goes on
/// (the loop stalled, its memory growing with the file).
#[test]
fn a_file_growing_while_it_is_read_is_read_up_to_its_length_when_opened() {
    let path = std::env::temp_dir().join(format!("knot-test-grow-{}", std::process::id()));
    std::fs::write(&path, "first\n").unwrap();
    let opened = files::open_regular(&path).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"written after the open\n")
        .unwrap();
    assert_eq!(files::read_opened(opened).unwrap(), b"first\n");
    std::fs::remove_file(&path).unwrap();
    // A file whose metadata gives no length is read to its end.
    let status = files::read_regular(std::path::Path::new("/proc/self/status")).unwrap();
    assert!(
        status.starts_with(b"Name:"),
        "{}",
        String::from_utf8_lossy(&status)
    );
}

/// A client spelling one file in thousands of long ways (doubled
/// slashes) makes knot remember none of the long spellings: each of the
/// 4,096 it remembered could be 8 KiB, 32 MiB a loop held for good.
#[test]
fn long_spellings_of_a_path_are_not_remembered() {
    const SPELLINGS: usize = 4200;
    let srv = knot_serving(&[("small.txt", b"small\n")], &["--idle-ms", "30000"], false);
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(b"GET /small.txt HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r, false).status, 200);
    let before = srv.rss_kib();
    for k in 0..SPELLINGS {
        // One write a request: written in pieces, each would wait for the
        // last one's ACK (Nagle), delayed 40 ms.
        let request = format!("GET {}small.txt HTTP/1.1\r\n\r\n", "/".repeat(3900 + k));
        s.write_all(request.as_bytes()).unwrap();
        assert_eq!(read_response(&mut r, false).body, b"small\n");
    }
    let grew_kib = srv.rss_kib().saturating_sub(before);
    // Remembered, they took about 16 MiB (4,096 of 4 KiB and more).
    assert!(
        grew_kib < 4096,
        "knot grew by {grew_kib} KiB after {SPELLINGS} long spellings of one path"
    );
}

/// The wall clock's second now.
fn wall_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Asserts that `resp` has a `Date` of a second from `from` to `to`;
/// returns it.
fn dated_between(resp: &Response, from: u64, to: u64, what: &str) -> String {
    let date = resp
        .header("date")
        .unwrap_or_else(|| panic!("{what}: no Date"));
    assert!(
        (from..=to).any(|t| tame_suite::http::imf_fixdate(t) == date.as_bytes()),
        "{what}: Date {date:?} is not of a second from {from} to {to}"
    );
    date.to_owned()
}

#[test]
fn every_response_is_dated_now_and_a_cached_files_date_follows_the_clock() {
    let srv = knot(30_000);
    let (mut s, mut r) = connect(srv.addr);
    let from = wall_secs();
    let mut first = None;
    for (req, head_request, status) in [
        ("GET /sub/a.txt", false, 200),
        ("HEAD /sub/a.txt", true, 200),
        ("HEAD /index.html", true, 200), // not read yet: from its metadata
        ("GET /missing", false, 404),
        ("GET /sub", false, 301),
    ] {
        write!(s, "{req} HTTP/1.1\r\n\r\n").unwrap();
        let resp = read_response(&mut r, head_request);
        assert_eq!(resp.status, status, "{req}");
        let date = dated_between(&resp, from, wall_secs(), req);
        first.get_or_insert(date);
    }
    let (resp, _) = refused(&srv, b"DELETE / HTTP/1.1\r\n\r\n", false);
    assert_eq!(resp.status, 405);
    dated_between(&resp, from, wall_secs(), "a 405");
    // The cached responses are dated again in a later second.
    std::thread::sleep(Duration::from_millis(1_100));
    let later = wall_secs();
    write!(s, "GET /sub/a.txt HTTP/1.1\r\n\r\n").unwrap();
    let resp = read_response(&mut r, false);
    let date = dated_between(&resp, later, wall_secs(), "the cached file, a second later");
    assert_ne!(Some(date), first);
    let (resp, _) = refused(&srv, b"DELETE / HTTP/1.1\r\n\r\n", false);
    dated_between(&resp, later, wall_secs(), "the cached 405, a second later");
}

#[test]
fn a_directory_named_without_its_trailing_slash_is_redirected_to_it() {
    // As nginx: 301 to the path with the slash (and the query), so that the
    // index's relative links resolve under the directory. It served the
    // index at `/sub` itself.
    let srv = knot_serving(&[("sub/index.html", b"sub index\n")], &[], false);
    let (mut s, mut r) = connect(srv.addr);
    for (path, location) in [
        ("/sub", "/sub/"),
        ("/sub?x=1&y", "/sub/?x=1&y"),
        ("//sub", "/sub/"),
        ("/s%75b", "/s%75b/"),
    ] {
        write!(s, "GET {path} HTTP/1.1\r\n\r\n").unwrap();
        let resp = read_response(&mut r, false);
        assert_eq!(resp.status, 301, "{path}");
        assert_eq!(resp.header("location"), Some(location), "{path}");
        // Not an error: the connection stays open.
        assert_eq!(resp.header("connection"), Some("keep-alive"), "{path}");
        assert!(!resp.body.is_empty());
    }
    // HEAD: the same head, no body (the next response follows at once).
    write!(s, "HEAD /sub HTTP/1.1\r\n\r\nGET /sub/ HTTP/1.1\r\n\r\n").unwrap();
    let head = read_response(&mut r, true);
    assert_eq!((head.status, head.header("location")), (301, Some("/sub/")));
    let index = read_response(&mut r, false);
    assert_eq!(
        (index.status, index.body.as_slice()),
        (200, &b"sub index\n"[..])
    );
    // The root is `/`, named with its slash.
    write!(s, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r, false).status, 200);
}

#[test]
fn a_request_target_too_long_is_414_and_header_fields_too_large_431() {
    // RFC 9112 §3: a request-target longer than the server parses MUST be
    // 414. Sent whole, and in two writes that each fit in the limit (then
    // it is refused as it reaches the limit, before it ends).
    let srv = knot(30_000);
    let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(10_000));
    let (resp, rest) = refused(&srv, long.as_bytes(), false);
    assert_eq!(resp.status, 414);
    assert!(rest.is_empty());
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(&long.as_bytes()[..5000]).unwrap();
    // Once this is answered, knot has read the first write on its own.
    let (probe, _) = refused(&srv, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false);
    assert_eq!(probe.status, 200);
    // The rest may be refused before it is all written: lingering close
    // takes it.
    s.write_all(&long.as_bytes()[5000..]).unwrap();
    assert_eq!(read_response(&mut r, false).status, 414);
    assert!(read_to_eof(&mut r).unwrap().is_empty());
    // A short request line with header fields past the limit: 431.
    let (resp, _) = refused(
        &srv,
        format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(10_000)).as_bytes(),
        false,
    );
    assert_eq!(resp.status, 431);
}

#[test]
fn more_than_one_host_line_or_an_invalid_host_is_400() {
    // RFC 9112 §3.2: MUST be 400.
    let srv = knot(30_000);
    for req in [
        &b"GET /sub/a.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"[..],
        b"GET /sub/a.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        b"GET /sub/a.txt HTTP/1.1\r\nHost: a b\r\n\r\n",
        b"GET /sub/a.txt HTTP/1.1\r\nHost: a/b\r\n\r\n",
    ] {
        let (resp, rest) = refused(&srv, req, false);
        assert_eq!(resp.status, 400, "{:?}", String::from_utf8_lossy(req));
        assert!(rest.is_empty());
    }
    // One valid Host (or none: there is one site) is served.
    let (resp, _) = refused(
        &srv,
        b"GET /sub/a.txt HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\r\n",
        false,
    );
    assert_eq!(resp.status, 200);
}

#[test]
fn methods_http_does_not_define_are_501_not_405() {
    // RFC 9110 §9.1: a method not recognized SHOULD be 501; methods are
    // case-sensitive, so `get` is one.
    let srv = knot(30_000);
    for method in ["FOO", "get", "head"] {
        let (resp, rest) = refused(
            &srv,
            format!("{method} /sub/a.txt HTTP/1.1\r\n\r\n").as_bytes(),
            false,
        );
        assert_eq!(resp.status, 501, "{method}");
        assert!(rest.is_empty(), "closed after the 501");
    }
}

#[test]
fn a_slowloris_client_is_dropped_after_the_idle_timeout_while_others_are_served() {
    let srv = knot(300);
    // The slow client sends half a request head and stalls.
    let (mut slow, mut slow_r) = connect(srv.addr);
    slow.write_all(b"GET / HTTP/1.1\r\nHost: sl").unwrap();
    // Others keep being served meanwhile.
    for _ in 0..5 {
        let (mut s, mut r) = connect(srv.addr);
        s.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        assert_eq!(read_response(&mut r, false).status, 200);
    }
    // The slow client's request times out: 408, then the server closes the
    // connection (EOF); the read timeout of 10 s only guards against a hang.
    assert_eq!(read_response(&mut slow_r, false).status, 408);
    let mut rest = Vec::new();
    let n = slow_r
        .read_to_end(&mut rest)
        .expect("the server closes the idle connection");
    assert_eq!(n, 0, "nothing after the 408");
}

/// Reads to the end of the stream: Ok if it ended with the server's FIN,
/// Err if it ended with a reset.
fn read_to_eof(r: &mut BufReader<TcpStream>) -> std::io::Result<Vec<u8>> {
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).map(|_| rest)
}

#[test]
fn a_request_and_junk_past_the_head_limit_in_one_write_get_the_431_at_once() {
    // Issue 12: the 431 came only when the client sent one more byte (or
    // never: the idle timeout closed the connection). With an idle timeout
    // of ten minutes, waiting for it would fail this test (the client's
    // read timeout is 10 s).
    let srv = knot(600_000);
    let (mut s, mut r) = connect(srv.addr);
    let mut one_write = b"GET / HTTP/1.1\r\n\r\n".to_vec();
    one_write.extend_from_slice(&[b'x'; 8192]);
    s.write_all(&one_write).unwrap();
    assert_eq!(read_response(&mut r, false).status, 200);
    assert_eq!(read_response(&mut r, false).status, 431);
    assert!(
        read_to_eof(&mut r).unwrap().is_empty(),
        "closed after the 431"
    );
}

#[test]
fn huge_heads_sent_in_one_write_get_their_431_and_a_clean_close_not_a_reset() {
    // Issue 12: closing with the rest of the head unread sent a reset,
    // which destroys the 431 if the client has not read it yet (here: the
    // client reads only once it has written everything). Lingering close
    // drains the input first.
    let srv = knot(30_000);
    let long_line = format!(
        "GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(256 * 1024)
    );
    let many_lines = format!(
        "GET / HTTP/1.1\r\n{}\r\n",
        (0..5000)
            .map(|i| format!("X-{i}: y\r\n"))
            .collect::<String>()
    );
    for req in [long_line, many_lines] {
        let (mut s, mut r) = connect(srv.addr);
        s.write_all(req.as_bytes())
            .expect("the server reads (and discards) the whole head");
        assert_eq!(read_response(&mut r, false).status, 431);
        let rest = read_to_eof(&mut r).expect("a clean close, not a reset");
        assert!(rest.is_empty());
    }
}

#[test]
fn a_head_trickled_byte_by_byte_gets_408_at_its_deadline() {
    // Issue 12: the idle timeout was re-armed by every read, so one byte a
    // second held a connection for hours. The head deadline does not move:
    // 408, then the connection closes. (The idle timeout here is ten
    // minutes; the client sends a byte every 20 ms until it is answered.)
    let srv = knot_flags(&["--idle-ms", "600000", "--head-ms", "300"], false);
    let (mut s, mut r) = connect(srv.addr);
    let head = format!("GET / HTTP/1.1\r\nX-Slow: {}", "a".repeat(100_000));
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickle = {
        let answered = answered.clone();
        std::thread::spawn(move || {
            // At most 60 s of trickling (3,000 bytes): a guard, not a bound
            // the test relies on.
            for b in head.bytes().take(3000) {
                if answered.load(std::sync::atomic::Ordering::Relaxed) || s.write_all(&[b]).is_err()
                {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            false
        })
    };
    r.get_ref()
        .set_read_timeout(Some(Duration::from_secs(90)))
        .unwrap();
    let resp = read_response(&mut r, false);
    answered.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(resp.status, 408);
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(
        trickle.join().unwrap(),
        "answered before the trickle ran out"
    );
    assert!(
        read_to_eof(&mut r).unwrap().is_empty(),
        "closed after the 408"
    );
}

#[test]
fn help_documents_every_flag() {
    example::assert_help_mentions(
        "knot",
        &[
            "--root",
            "--port",
            "--threads",
            "--idle-ms",
            "--head-ms",
            "--linger-ms",
            "--linger-bytes",
        ],
    );
}

/// A request under way on a connection of its own: half its head is in
/// (`GET /sub/a.txt`, one header, no blank line yet).
fn a_request_under_way(srv: &Server) -> (TcpStream, BufReader<TcpStream>) {
    let (mut busy, busy_r) = connect(srv.addr);
    busy.write_all(b"GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // A round trip on another connection, accepted after the busy one:
    // knot runs its tasks in order, so by the time this is answered it has
    // read the half head (and counts the request as under way).
    let (mut probe, mut probe_r) = connect(srv.addr);
    probe
        .write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut probe_r, false).status, 200);
    (busy, busy_r)
}

/// SIGINT or SIGTERM: knot stops accepting, finishes the request under way
/// (its connection closes after the response), ends idle keep-alive
/// connections, and exits 0 once their clients have closed.
fn shuts_down_gracefully_on(sig: rustix::process::Signal) {
    // Lingering longer than `wait_exit` waits: knot exits because the
    // clients closed.
    let mut srv = knot_flags(&["--idle-ms", "30000", "--linger-ms", "600000"], true);
    // An idle keep-alive connection: one request answered, then quiet.
    let (mut idle, mut idle_r) = connect(srv.addr);
    idle.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut idle_r, false).status, 200);
    let (mut busy, mut busy_r) = a_request_under_way(&srv);

    let pid = rustix::process::Pid::from_raw(srv.pid() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, sig).unwrap();
    // knot says so once its listener is closed: from then on connections
    // are refused.
    srv.wait_for_stderr("no new connections");
    let refused = std::net::TcpStream::connect(srv.addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The request under way is finished, and its connection closes.
    busy.write_all(b"\r\n").unwrap();
    let resp = read_response(&mut busy_r, false);
    assert_eq!(
        (resp.status, resp.body.as_slice()),
        (200, &b"hello from a\n"[..])
    );
    assert_eq!(resp.header("connection"), Some("close"));
    let mut rest = Vec::new();
    busy_r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    // The idle connection ends too (its writing side: knot is still
    // there to read what the client might send).
    assert_eq!(
        read_once(&mut idle_r, &mut [0; 16]).unwrap(),
        0,
        "the idle connection is ended"
    );
    // Once both clients have closed, knot exits 0.
    drop((busy, busy_r, idle, idle_r));
    let status = srv.wait_exit();
    assert!(status.success(), "knot exited with {status}");
}

/// A client that has not read its last response yet, and sends its next
/// request on the keep-alive connection as knot shuts down, still gets
/// that response whole, then the end of the stream. Had knot closed the
/// socket with the response still in its send queue (the client's small
/// receive buffer is full), the kernel would answer the request with a
/// reset and drop the rest of the response.
#[test]
fn a_response_not_yet_taken_survives_a_request_sent_into_a_shutdown() {
    let body: Vec<u8> = (0..128 << 10).map(|i: u32| (i % 251) as u8).collect();
    // Lingering longer than `wait_exit` waits: knot exits because the
    // client closed.
    let mut srv = knot_serving(
        &[("mid.bin", &body)],
        &["--idle-ms", "30000", "--linger-ms", "600000"],
        true,
    );
    let (mut s, mut r) = connect(srv.addr);
    rustix::net::sockopt::set_socket_recv_buffer_size(&s, 4096).unwrap();
    s.write_all(b"GET /mid.bin HTTP/1.1\r\n\r\n").unwrap();
    // The response is under way (its first bytes are in, not read).
    assert!(!r.fill_buf().unwrap().is_empty());

    let pid = rustix::process::Pid::from_raw(srv.pid() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    srv.wait_for_stderr("no new connections");
    s.write_all(b"GET /sub/a.txt HTTP/1.1\r\n\r\n").unwrap();
    let resp = read_response(&mut r, false);
    assert_eq!(resp.status, 200);
    assert!(resp.body == body, "the file, whole and in order");
    // Then the end of the stream; before it, if knot was still writing
    // the first response when the second request came, the second's
    // response, saying the connection closes.
    let rest = read_to_eof(&mut r).expect("the end of the stream, not a reset");
    if !rest.is_empty() {
        let mut second = BufReader::new(&rest[..]);
        let head = String::from_utf8_lossy(second.fill_buf().unwrap()).to_lowercase();
        assert!(
            head.starts_with("http/1.1 200") && head.contains("connection: close"),
            "{head}"
        );
    }
    drop((s, r));
    let status = srv.wait_exit();
    assert!(status.success(), "knot exited with {status}");
}

/// An idle client that never closes: knot exits `--linger-ms` after the
/// last request (here at once), closing it, and says nothing more than
/// that it is done (the exit dropped the parked connection's wait after
/// the connection table, whose use then panicked, once per connection).
#[test]
fn an_idle_client_that_never_closes_is_closed_by_the_exit_quietly() {
    let mut srv = knot_flags(&["--idle-ms", "30000", "--linger-ms", "0"], true);
    let (mut idle, mut idle_r) = connect(srv.addr);
    idle.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut idle_r, false).status, 200);
    let pid = rustix::process::Pid::from_raw(srv.pid() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = srv.wait_exit();
    assert!(status.success(), "knot exited with {status}");
    // Every line it wrote (the reader ends at the pipe's end).
    let said: Vec<String> = srv.stderr_lines().iter().collect();
    assert!(
        said.iter().all(|l| !l.contains("panicked")),
        "knot said: {said:#?}"
    );
    assert!(said.iter().any(|l| l.contains("knot: done")), "{said:#?}");
    drop((idle, idle_r));
}

/// With its stderr gone (a pipe whose reader closed: a log collector that
/// died), SIGTERM still drains and exits 0: the messages are dropped
/// (writing them panicked, and knot died with 101 with its responses cut).
#[test]
fn sigterm_with_stderr_gone_still_drains_and_exits_0() {
    let dir = std::env::temp_dir().join(format!("knot-test-{}-stderr-gone", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/a.txt"), "hello from a\n").unwrap();
    let root = example::TempDir(dir);
    let mut child = std::process::Command::new(example::example("knot"))
        .args(["--root", root.0.to_str().unwrap(), "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The read end of its stderr, closed at once.
    drop(child.stderr.take());
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr: SocketAddr = first.trim().parse().unwrap();
    let (mut busy, mut busy_r) = connect(addr);
    busy.write_all(b"GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // A round trip on another connection: by its answer, knot has read
    // the half head (see `a_request_under_way`).
    let (mut probe, mut probe_r) = connect(addr);
    probe
        .write_all(b"GET /sub/a.txt HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut probe_r, false).status, 200);
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    // (No stderr to say when the listener is closed: the request is
    // finished whether or not its end came before the signal.)
    busy.write_all(b"\r\n").unwrap();
    let resp = read_response(&mut busy_r, false);
    assert_eq!(
        (resp.status, resp.body.as_slice()),
        (200, &b"hello from a\n"[..])
    );
    drop((busy, busy_r, probe, probe_r));
    let status = child.wait().unwrap();
    assert!(status.success(), "knot exited with {status}");
}

/// After the first SIGINT (or SIGTERM) knot drains; a second one ends it
/// at once (the signal's own action, given back on the first), a request
/// still under way.
fn a_second_signal_ends_knot_while_it_drains(sig: rustix::process::Signal) {
    let mut srv = knot_with(30_000, true);
    let _busy = a_request_under_way(&srv);
    let pid = rustix::process::Pid::from_raw(srv.pid() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, sig).unwrap();
    // Said after the signals have their own action back.
    srv.wait_for_stderr("no new connections");
    rustix::process::kill_process(pid, sig).unwrap();
    let status = srv.wait_exit();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(sig.as_raw()),
        "{status}"
    );
}

#[test]
fn a_second_sigint_ends_knot_while_it_drains() {
    a_second_signal_ends_knot_while_it_drains(rustix::process::Signal::INT);
}

#[test]
fn a_second_sigterm_ends_knot_while_it_drains() {
    a_second_signal_ends_knot_while_it_drains(rustix::process::Signal::TERM);
}

#[test]
fn sigterm_stops_accepting_finishes_requests_under_way_and_exits_0() {
    shuts_down_gracefully_on(rustix::process::Signal::TERM);
}

#[test]
fn sigint_stops_accepting_finishes_requests_under_way_and_exits_0() {
    shuts_down_gracefully_on(rustix::process::Signal::INT);
}

#[test]
fn with_two_threads_many_connections_held_at_once_are_all_answered() {
    // The clients here, and knot, which inherits the limit.
    fd_limit::allow_fds(300);
    let srv = knot_flags(&["--threads", "2"], false);
    // Two loops, each with its own listener on the port: the kernel hands
    // each a share of the connections (by a hash of their addresses), so a
    // loop that did not serve would leave its share unanswered (the
    // client's read timeout fails the test).
    let mut conns: Vec<(TcpStream, BufReader<TcpStream>)> =
        (0..300).map(|_| connect(srv.addr)).collect();
    for (s, _) in &mut conns {
        s.write_all(b"GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
    }
    // Every connection answered once and kept alive, then asked again.
    for (s, r) in &mut conns {
        let resp = read_response(r, false);
        assert_eq!(
            (resp.status, resp.body.as_slice()),
            (200, &b"hello from a\n"[..])
        );
        assert_eq!(resp.header("connection"), Some("keep-alive"));
        s.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
    }
    for (_, r) in &mut conns {
        let resp = read_response(r, false);
        assert_eq!(
            (resp.status, resp.body.as_slice()),
            (200, &b"<h1>knot</h1>\n"[..])
        );
        assert!(
            read_to_eof(r).unwrap().is_empty(),
            "closed after the second"
        );
    }
    // (Counted after the clients: the address is announced before the
    // second loop's thread is started.)
    assert_eq!(example::threads(&srv), 2, "one thread per loop");
}

#[test]
fn with_two_threads_sigterm_finishes_the_requests_under_way_on_every_loop_and_exits_0() {
    // The requests under way are responses of 8 MiB, more than loopback's
    // socket buffers hold (tcp_wmem's largest is 4 MiB), to clients that
    // stop reading after the first bytes: knot cannot finish them until
    // the clients read on. Eight of them: the kernel spreads them over both
    // loops (all on one loop has a chance of 1 in 128; the test still
    // checks everything else then).
    let big: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
    let mut srv = knot_serving(
        &[("big.bin", &big)],
        &["--threads", "2", "--idle-ms", "30000"],
        true,
    );
    // Idle keep-alive connections: one request answered, then quiet.
    let mut idle: Vec<(TcpStream, BufReader<TcpStream>)> = (0..8)
        .map(|_| {
            let (mut s, mut r) = connect(srv.addr);
            s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
            assert_eq!(read_response(&mut r, false).status, 200);
            (s, r)
        })
        .collect();
    let mut busy: Vec<(TcpStream, BufReader<TcpStream>)> = (0..8)
        .map(|_| {
            let (mut s, mut r) = connect(srv.addr);
            s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            // The first bytes of the response are in (not consumed): the
            // request is under way.
            assert!(!r.fill_buf().unwrap().is_empty());
            (s, r)
        })
        .collect();
    assert_eq!(example::threads(&srv), 2, "one thread per loop");

    let pid = rustix::process::Pid::from_raw(srv.pid() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    // knot says so once every loop has closed its listener (only the first
    // loop gets the signal; it tells the other): then connections are
    // refused.
    srv.wait_for_stderr("no new connections");
    let refused = std::net::TcpStream::connect(srv.addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // Every response under way is finished (decided before the signal, it
    // says keep-alive), then its connection closes: the process did not
    // exit while one loop still had work.
    for (_, r) in &mut busy {
        let resp = read_response(r, false);
        assert_eq!(resp.status, 200);
        assert!(resp.body == big, "the big file, whole and in order");
        assert!(
            read_to_eof(r).unwrap().is_empty(),
            "closed after the response"
        );
    }
    for (_, r) in &mut idle {
        assert_eq!(
            read_once(r, &mut [0; 16]).unwrap(),
            0,
            "the idle connection is ended"
        );
    }
    // Once every client has closed, knot exits 0.
    drop((busy, idle));
    let status = srv.wait_exit();
    assert!(status.success(), "knot exited with {status}");
}

/// A client that reads its response steadily but slowly (a small receive
/// buffer, and reads of 4 KiB every 20 ms, make a slow link on loopback:
/// at most 200 KB/s, so the 50 MB response is far from read when the
/// client stops) is not taken for an idle one:
/// knot's send buffer frees the third the kernel waits for before saying
/// writable only after seconds, but what the client acknowledges meanwhile
/// counts as taking its response. (The client would see knot's close only
/// after reading what was queued, so knot's own sockets are counted.)
#[test]
fn a_slow_but_steady_reader_keeps_its_connection() {
    let big = vec![b'x'; 50 << 20];
    // (An idle limit well above the client's pauses and a loaded
    // machine's stalls: the client here really reads all along, and
    // knot's wait for room lasts seconds, longer than the limit.)
    let srv = knot_serving(&[("big.bin", &big)], &["--idle-ms", "1500"], false);
    let sockets = || {
        std::fs::read_dir(format!("/proc/{}/fd", srv.pid()))
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|l| l.to_string_lossy().starts_with("socket:"))
            .count()
    };
    // The small buffer is set before connecting, so that the window the
    // connection opens with is small too: shrunk after, it leaves data
    // the client's side had taken in flight to be dropped and sent again
    // after growing backoffs, a link that stalls for seconds.
    let fd = rustix::net::socket(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::STREAM,
        None,
    )
    .unwrap();
    rustix::net::sockopt::set_socket_recv_buffer_size(&fd, 4096).unwrap();
    rustix::net::connect(&fd, &srv.addr).unwrap();
    let mut s = TcpStream::from(fd);
    s.write_all(b"GET /big.bin HTTP/1.1\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let before = sockets();
    let start = std::time::Instant::now();
    let (mut got, mut buf) = (0usize, vec![0u8; 4 << 10]);
    while start.elapsed() < Duration::from_secs(5) {
        match s.read(&mut buf) {
            Ok(0) => panic!("the connection ended after {got} bytes"),
            Ok(n) => {
                got += n;
                std::thread::sleep(Duration::from_millis(20));
            }
            // Retried, as std's `read_exact` retries: a read a signal
            // interrupted says nothing of the server.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("after {got} bytes: {e}"),
        }
    }
    assert!(got > 0, "the client read nothing");
    assert_eq!(
        sockets(),
        before,
        "knot closed the connection of a reading client"
    );
}

#[test]
fn a_second_knot_with_threads_on_a_port_in_use_exits_with_an_error() {
    // With `--threads` the listeners share their port (SO_REUSEPORT), which
    // any socket of the same user may join: a second copy must still be
    // refused, as with one thread, not let in to take half the connections.
    let first = knot_flags(&["--threads", "2"], false);
    let port = first.addr.port().to_string();
    for threads in ["2", "1"] {
        let mut second = std::process::Command::new(example::example("knot"))
            .args(["--root", ".", "--port", &port, "--threads", threads])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // It exits at once; one that serves instead is stopped after a
        // minute (and the test fails).
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = second.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = second.kill();
                break second.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut err = String::new();
        second
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(status.code(), Some(1), "--threads {threads}: {err}");
        assert!(err.contains("in use"), "--threads {threads}: {err}");
    }
}

#[test]
fn a_number_out_of_range_is_a_usage_error_saying_what_it_takes() {
    // (Any directory: the flags are judged first.)
    let dir = std::env::temp_dir().to_str().unwrap().to_owned();
    for (flag, value, least, largest) in [
        ("--port", "70000", 0, "65535"),
        ("--idle-ms", "-1", 0, "18446744073709551615"),
        ("--threads", "-1", 1, "18446744073709551615"),
        ("--threads", "0", 1, "18446744073709551615"),
    ] {
        let out = std::process::Command::new(example::example("knot"))
            .args(["--root", &dir, flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8(out.stderr).unwrap();
        let says = format!(
            "{flag} {value:?}: not a number it can take (a whole number from {least} to {largest})"
        );
        assert!(err.contains(&says), "{err}");
        assert!(
            err.contains("usage: knot --root DIR [--port PORT]"),
            "{err}"
        );
    }
}

#[test]
fn a_head_of_a_large_file_does_not_read_it() {
    let dir = std::env::temp_dir().join(format!("knot-test-head-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A gigabyte, sparse: nothing to read from disk, all to hold in memory.
    let big = std::fs::File::create(dir.join("big.bin")).unwrap();
    big.set_len(1 << 30).unwrap();
    drop(big);
    let root = dir.to_str().unwrap().to_owned();
    let srv = start(
        "knot",
        &["--root", &root, "--port", "0"],
        Some(TempDir(dir)),
    );
    let before = srv.rss_kib();
    let (mut s, mut r) = connect(srv.addr);
    s.write_all(b"HEAD /big.bin HTTP/1.1\r\n\r\n").unwrap();
    let head = read_response(&mut r, true);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("1073741824"));
    assert_eq!(
        head.header("content-type"),
        Some("application/octet-stream")
    );
    let grew_kib = srv.rss_kib().saturating_sub(before);
    assert!(
        grew_kib < 64 * 1024,
        "knot grew by {grew_kib} KiB for a HEAD"
    );
}

#[test]
fn more_loops_than_its_fds_allow_is_an_error_at_startup_not_after_announcing() {
    example::assert_too_few_fds_for_its_loops_is_an_error_at_startup(
        "knot",
        &["--port", "0", "--root", ".", "--threads", "16"],
    );
}
