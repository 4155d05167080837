//! sleepy answers `GET /<ms>` after `<ms>` milliseconds, many clients at
//! once on its one thread (or on each of its `--threads`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[path = "support/example.rs"]
mod example;

#[path = "support/fd_limit.rs"]
mod fd_limit;

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

/// Opens 300 connections, sends every request, then reads every answer:
/// every client sleeps at the same time.
fn three_hundred_sleeping_clients_are_all_answered(srv: &example::Server) {
    fd_limit::allow_fds(300);
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
fn three_hundred_sleeping_clients_are_all_answered_by_one_thread() {
    let srv = example::start("sleepy", &["--port", "0"], None);
    three_hundred_sleeping_clients_are_all_answered(&srv);
    assert_eq!(example::threads(&srv), 1);
}

#[test]
fn with_two_threads_three_hundred_sleeping_clients_are_all_answered() {
    // Two loops, each with its own listener on the port: the kernel hands
    // each a share of the 300 connections (by a hash of their addresses),
    // so a loop that did not accept on its listener would leave its share
    // unanswered (the read timeout fails the test).
    let srv = example::start("sleepy", &["--port", "0", "--threads", "2"], None);
    three_hundred_sleeping_clients_are_all_answered(&srv);
    // (Counted after the clients: the address is announced before the
    // second loop's thread is started.)
    assert_eq!(example::threads(&srv), 2, "one thread per loop");
}

#[test]
fn help_names_the_flags() {
    let out = std::process::Command::new(example::example("sleepy"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in ["--port", "--threads", "--idle-ms"] {
        assert!(help.contains(flag), "--help does not mention {flag}");
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

#[test]
fn only_digits_are_milliseconds() {
    // `u64::from_str` takes a leading `+`: `GET /+5` slept 5 ms.
    let srv = example::start("sleepy", &["--port", "0"], None);
    for path in ["/+5", "/-5", "/5ms", "/ 5", "/", "/%35", "/5/"] {
        let resp = get(srv.addr, path);
        assert!(
            resp.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{path}: {resp}"
        );
    }
    let resp = get(srv.addr, "/007");
    assert!(resp.ends_with("slept 7 ms\n"), "{resp}");
}

#[test]
fn a_head_request_gets_its_400_without_a_body() {
    // RFC 9110 section 9.3.2: no content in a response to HEAD, an error
    // included; a HEAD cut off past the head limit is known as one too.
    let srv = example::start("sleepy", &["--port", "0"], None);
    let long_head = format!("HEAD /{} HTTP/1.1\r\n", "5".repeat(9000));
    for request in [
        "HEAD /5 HTTP/1.1\r\n\r\n",
        "HEAD /x HTTP/1.1\r\nBad\r\n\r\n",
        &long_head,
    ] {
        let mut s = TcpStream::connect(srv.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let out = String::from_utf8_lossy(&read_to_close(&mut s)).into_owned();
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(out.ends_with("\r\n\r\n"), "a body after the head: {out}");
    }
    // A GET's 400 still has its body.
    let resp = get(srv.addr, "/x");
    assert!(resp.ends_with("usage: GET /<milliseconds>\n"), "{resp}");
}

#[test]
fn a_head_past_the_limit_behind_a_request_in_one_write_gets_400_at_once() {
    // The idle limit (60 s by default) is past the read timeout: a server
    // that waited for more bytes instead of answering fails the test.
    let srv = example::start("sleepy", &["--port", "0"], None);
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut batch = b"GET /0 HTTP/1.1\r\n\r\n".to_vec();
    batch.extend(std::iter::repeat_n(b'x', 9000));
    s.write_all(&batch).unwrap();
    let out = String::from_utf8_lossy(&read_to_close(&mut s)).into_owned();
    assert!(out.contains("slept 0 ms"), "{out}");
    assert!(out.contains("HTTP/1.1 400 Bad Request"), "{out}");
}

/// A head far past the limit, still being sent when sleepy answers: the
/// 400 arrives whole and the connection ends cleanly, with no reset (sleepy
/// closed with unread input, whose reset could destroy the 400 and fail
/// the client's write).
#[test]
fn a_client_still_sending_gets_its_400_and_a_clean_close() {
    let srv = example::start("sleepy", &["--port", "0"], None);
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = b"GET /1 HTTP/1.1\r\nX: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 200_000));
    head.extend(b"\r\n\r\n");
    s.write_all(&head)
        .expect("the client's whole head is taken (read and dropped), not reset");
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let out = String::from_utf8_lossy(&read_to_close(&mut s)).into_owned();
    assert!(out.starts_with("HTTP/1.1 400 Bad Request"), "{out}");
    assert!(out.ends_with("usage: GET /<milliseconds>\n"), "{out}");
}

/// Reads `s` to its end: what the server sent before it closed.
fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    s.read_to_end(&mut all)
        .expect("the server closes the connection (the read timeout fails the test)");
    all
}

#[test]
fn a_silent_client_is_closed_after_the_idle_limit() {
    let srv = example::start("sleepy", &["--port", "0", "--idle-ms", "300"], None);
    // Silent from the start.
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    assert_eq!(read_to_close(&mut s), b"");
    // Silent after an answered request: the limit counts from the answer.
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET /1 HTTP/1.1\r\n\r\n").unwrap();
    let out = String::from_utf8(read_to_close(&mut s)).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.ends_with("slept 1 ms\n"), "{out}");
}

#[test]
fn a_client_dripping_its_head_is_closed_after_the_idle_limit() {
    // A byte every 20 ms never finishes a head; each byte arriving must not
    // restart the count, or the connection is held forever.
    let srv = example::start("sleepy", &["--port", "0", "--idle-ms", "300"], None);
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut writer = s.try_clone().unwrap();
    let drip = std::thread::spawn(move || {
        let mut sent = 0;
        // Ends when the server has closed (a write fails) or at a bound
        // far past the limit (then the read below has failed the test).
        while sent < 1000 && writer.write_all(b"x").is_ok() {
            sent += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    assert_eq!(read_to_close(&mut s), b"", "closed without an answer");
    drop(s);
    drip.join().unwrap();
}

#[test]
fn out_of_fds_it_reports_a_few_lines_and_serves_again_once_idle_clients_close() {
    let srv =
        example::start_with_fd_limit("sleepy", &["--port", "0", "--idle-ms", "500"], None, 32);
    let start = Instant::now();
    // More silent clients than sleepy has fds: accepts fail until the idle
    // limit closes some.
    let silent: Vec<TcpStream> = (0..60)
        .map(|_| TcpStream::connect(srv.addr).unwrap())
        .collect();
    srv.wait_for_stderr("failed accepts");
    // A request behind them in the backlog is answered in the end.
    assert!(get(srv.addr, "/1").ends_with("slept 1 ms\n"));
    drop(silent);
    // One line a second at most, not one per failed accept (a hundred a
    // second, which is what a 10 ms retry used to print).
    srv.assert_reported_once_a_second_at_most("failed accepts", start);
}

#[test]
fn help_documents_every_flag() {
    example::assert_help_mentions("sleepy", &["--port", "--threads", "--idle-ms"]);
}

#[test]
fn a_flag_out_of_range_or_missing_is_a_usage_error_saying_what_it_takes() {
    for (args, says) in [
        (
            &["--port", "70000"][..],
            "--port \"70000\": not a number it can take (a whole number from 0 to 65535)",
        ),
        (&["--port"], "--port needs a number"),
        (
            &["--threads", "0"],
            "--threads \"0\": not a number it can take (a whole number from 1 to 18446744073709551615)",
        ),
        (
            &["--idle-ms", "18446744073709551616"],
            "--idle-ms \"18446744073709551616\": not a number it can take (a whole number from 1 to 18446744073709551615)",
        ),
    ] {
        let out = std::process::Command::new(example::example("sleepy"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(
            err.contains("usage: sleepy [--port PORT]"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn more_loops_than_its_fds_allow_is_an_error_at_startup_not_after_announcing() {
    example::assert_too_few_fds_for_its_loops_is_an_error_at_startup(
        "sleepy",
        &["--port", "0", "--threads", "16"],
    );
}
