//! sleepy answers `GET /<ms>` after `<ms>` milliseconds, many clients at
//! once on its one thread.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[path = "support/example.rs"]
mod example;

fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn a_request_is_answered_no_sooner_than_it_asked() {
    let srv = example::start("sleepy", &["--port", "0"], None);
    let t = Instant::now();
    let resp = get(srv.addr, "/150");
    // A lower bound is behaviour (it slept), not a speed claim.
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    assert!(resp.ends_with("slept 150 ms\n"), "{resp}");
}

#[test]
fn three_hundred_sleeping_clients_are_all_answered_by_one_thread() {
    let srv = example::start("sleepy", &["--port", "0"], None);
    // Open all connections first and send every request, then read: every
    // client sleeps at the same time.
    let mut conns: Vec<TcpStream> = (0..300)
        .map(|i| {
            let mut s = TcpStream::connect(srv.addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            write!(
                s,
                "GET /{} HTTP/1.1\r\nConnection: close\r\n\r\n",
                100 + i % 7
            )
            .unwrap();
            s
        })
        .collect();
    for (i, s) in conns.iter_mut().enumerate() {
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(
            out.ends_with(&format!("slept {} ms\n", 100 + i % 7)),
            "{out}"
        );
    }
}

#[test]
fn keep_alive_and_bad_requests() {
    let srv = example::start("sleepy", &["--port", "0"], None);
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /soon HTTP/1.1\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let statuses: Vec<&str> = out.matches("HTTP/1.1 ").map(|_| "").collect();
    assert_eq!(statuses.len(), 3, "{out}");
    assert!(
        out.contains("slept 1 ms") && out.contains("slept 2 ms"),
        "{out}"
    );
    assert!(out.contains("400 Bad Request"), "{out}");
}
