//! proxy forwards real TCP connections: the example binary is started in
//! front of a std server on a thread of the test, and spoken to with plain
//! sockets. Read timeouts on the clients are guards against hangs only.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

#[path = "support/example.rs"]
mod example;
use example::{read_once, Server};

/// How long a client waits for a byte before the test fails as hung.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// A std server on `127.0.0.1`, each connection handled by `serve` on a
/// thread of its own. Its threads live as long as the test process.
fn upstream(serve: fn(TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || serve(conn));
        }
    });
    addr
}

/// Sends back everything it reads, as it reads it; at the end of the
/// client's stream, ends its own.
fn echo(mut conn: TcpStream) {
    let mut input = conn.try_clone().unwrap();
    if std::io::copy(&mut input, &mut conn).is_ok() {
        let _ = conn.shutdown(Shutdown::Write);
    }
}

/// Says nothing until the end of the request's stream, then describes
/// the request and closes: a reply proves that the end got through.
fn reply_after_eof(mut conn: TcpStream) {
    let mut request = Vec::new();
    if conn.read_to_end(&mut request).is_ok() {
        let _ = conn.write_all(describe(&request).as_bytes());
    }
}

fn describe(bytes: &[u8]) -> String {
    let sum = bytes
        .iter()
        .fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(b.into()));
    format!("{} bytes, hash {sum:x}\n", bytes.len())
}

/// The proxy in front of `to`, with these flags besides `--listen` and
/// `--to`; its stderr lines are watched.
fn proxy(to: SocketAddr, flags: &[&str]) -> Server {
    let to = to.to_string();
    let mut args = vec!["--listen", "127.0.0.1:0", "--to", &to];
    args.extend_from_slice(flags);
    example::start_watching_stderr("proxy", &args, None)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(HANG_GUARD)).unwrap();
    s
}

/// Writes `msg` and reads it back (through an echo).
fn round_trip(s: &mut TcpStream, msg: &[u8]) {
    s.write_all(msg).unwrap();
    let mut back = vec![0; msg.len()];
    s.read_exact(&mut back).unwrap();
    assert_eq!(back, msg);
}

/// A payload of `len` bytes that differs from connection to connection
/// (`seed`), so that crossed streams would show.
fn payload(seed: u32, len: u32) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 7 + seed * 13) % 251) as u8)
        .collect()
}

/// Sends `data` on its own thread (so that the echo can flow back while
/// it is sent), ends the stream, and reads everything that comes back.
fn echoed(s: &mut TcpStream, data: &[u8]) -> Vec<u8> {
    std::thread::scope(|scope| {
        let mut w = s.try_clone().unwrap();
        scope.spawn(move || {
            w.write_all(data).unwrap();
            w.shutdown(Shutdown::Write).unwrap();
        });
        let mut back = Vec::new();
        s.read_to_end(&mut back).unwrap();
        back
    })
}

/// `conns` connections at once, each echoing its own payload of `len`
/// bytes through the proxy, byte for byte.
fn echo_through(addr: SocketAddr, conns: u32, len: u32) {
    std::thread::scope(|scope| {
        for seed in 0..conns {
            scope.spawn(move || {
                let data = payload(seed, len);
                let back = echoed(&mut connect(addr), &data);
                assert!(back == data, "connection {seed}: the echo differs");
            });
        }
    });
}

/// A new connection to `addr` is refused: nothing listens there any more.
fn assert_refused(addr: SocketAddr) {
    let err = TcpStream::connect(addr).expect_err("no longer accepting");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

fn send_signal(srv: &Server, sig: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(srv.pid() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, sig).unwrap();
}

#[test]
fn bytes_come_back_byte_for_byte_on_several_connections_at_once() {
    let srv = proxy(upstream(echo), &[]);
    // 300 KiB each way: more than one 16 KiB buffer of the copy, and more
    // than loopback takes in one write.
    echo_through(srv.addr, 8, 300 << 10);
    // One line per connection when it ends, with both counts.
    for _ in 0..8 {
        srv.wait_for_stderr("done: 307200 bytes to");
    }
}

#[test]
fn a_half_close_reaches_the_server_and_its_reply_still_comes_back() {
    let srv = proxy(upstream(reply_after_eof), &[]);
    let mut s = connect(srv.addr);
    let request = payload(1, 100 << 10);
    s.write_all(&request).unwrap();
    // The server answers only once it reads the end of the request: the
    // proxy must pass the half close on and keep the other way open.
    s.shutdown(Shutdown::Write).unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, describe(&request));
    srv.wait_for_stderr(&format!("done: {} bytes to", request.len()));
}

#[test]
fn a_connection_to_an_upstream_that_refuses_is_closed() {
    // A port nothing listens on: bound, then closed.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let srv = proxy(closed, &[]);
    let mut s = connect(srv.addr);
    match read_once(&mut s, &mut [0; 16]) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected the end of the stream or a reset, got {other:?}"),
    }
    let line = srv.wait_for_stderr("cannot connect");
    assert!(line.contains("refused"), "{line}");
}

#[test]
fn a_connect_that_takes_too_long_is_given_up_and_the_client_closed() {
    // An upstream whose accept queue is full: with a backlog of 0 Linux
    // queues one connection and drops the SYNs of the next ones, whose
    // connects then hang (retrying) instead of failing.
    let full = TcpListener::bind("127.0.0.1:0").unwrap();
    rustix::net::listen(&full, 0).unwrap();
    let _queued = TcpStream::connect(full.local_addr().unwrap()).unwrap();
    let srv = proxy(full.local_addr().unwrap(), &["--connect-ms", "200"]);
    let mut s = connect(srv.addr);
    match read_once(&mut s, &mut [0; 16]) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected the end of the stream or a reset, got {other:?}"),
    }
    srv.wait_for_stderr("timed out after 200 ms");
}

#[test]
fn sigterm_stops_accepting_lets_an_open_connection_finish_then_exits_0() {
    let mut srv = proxy(upstream(echo), &[]);
    let mut open = connect(srv.addr);
    // Echoed: the proxy accepted it and is connected upstream.
    round_trip(&mut open, b"before");
    send_signal(&srv, rustix::process::Signal::TERM);
    srv.wait_for_stderr("stopped accepting");
    assert_refused(srv.addr);
    // The open connection still works, both ways, to its end.
    round_trip(&mut open, b"after the signal");
    let rest = echoed(&mut open, b"and the last bytes");
    assert_eq!(rest, b"and the last bytes");
    // 6 + 16 + 18 bytes each way.
    srv.wait_for_stderr("done: 40 bytes to");
    // Nothing is left: the proxy exits by itself.
    let status = srv.wait_exit();
    assert!(status.success(), "the proxy exited with {status}");
}

/// After the first SIGINT (or SIGTERM) the proxy drains; a second one ends
/// it at once (the signal's own action, given back by `Signal::restore`),
/// with a connection still open. With several loops too: only the main
/// thread, which outlives the other loops, unblocks the signals.
fn a_second_signal_ends_the_proxy(threads: &str, sig: rustix::process::Signal) {
    let mut srv = proxy(upstream(echo), &["--threads", threads]);
    let mut open = connect(srv.addr);
    round_trip(&mut open, b"held open");
    send_signal(&srv, sig);
    // Said after the signals have their own action back.
    srv.wait_for_stderr("stopped accepting");
    send_signal(&srv, sig);
    let status = srv.wait_exit();
    assert_eq!(status.signal(), Some(sig.as_raw()), "{status}");
    // The exit closed the connection.
    match read_once(&mut open, &mut [0; 16]) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected the end of the stream or a reset, got {other:?}"),
    }
}

#[test]
fn a_second_sigint_ends_the_proxy_with_a_connection_still_open() {
    a_second_signal_ends_the_proxy("1", rustix::process::Signal::INT);
}

#[test]
fn with_two_threads_a_second_sigint_ends_the_proxy_too() {
    a_second_signal_ends_the_proxy("2", rustix::process::Signal::INT);
}

#[test]
fn a_second_sigterm_ends_the_proxy_too() {
    a_second_signal_ends_the_proxy("1", rustix::process::Signal::TERM);
}

#[test]
fn with_two_threads_connections_are_served_and_sigterm_stops_every_loop() {
    let mut srv = proxy(upstream(echo), &["--threads", "2"]);
    // The kernel spreads connections over the two loops' listeners by a
    // hash of their addresses: a loop that did not serve would leave its
    // share unanswered (the hang guard fails the test).
    echo_through(srv.addr, 16, 64 << 10);
    let mut open: Vec<TcpStream> = (0..8).map(|_| connect(srv.addr)).collect();
    for s in &mut open {
        round_trip(s, b"before");
    }
    assert_eq!(example::threads(&srv), 2, "one thread per loop");
    // Only the main loop gets the signal; the line comes once both loops
    // closed their listeners, so that no connection reaches either.
    send_signal(&srv, rustix::process::Signal::TERM);
    srv.wait_for_stderr("stopped accepting");
    assert_refused(srv.addr);
    // The open connections, wherever they are, still work to their end.
    for s in &mut open {
        round_trip(s, b"after the signal");
        assert_eq!(echoed(s, b"bye"), b"bye");
    }
    let status = srv.wait_exit();
    assert!(status.success(), "the proxy exited with {status}");
}

#[test]
fn help_names_the_flags_and_bad_flags_exit_2() {
    example::assert_help_mentions(
        "proxy",
        &[
            "--listen",
            "--to",
            "--threads",
            "--connect-ms",
            "--idle-ms",
            "Ctrl-C",
        ],
    );
    let exe = example::example("proxy");
    for bad in [
        "--listen 127.0.0.1:0",
        "--listen 127.0.0.1:0 --to 127.0.0.1:1 --threads 0",
        "--listen 127.0.0.1:0 --to 127.0.0.1:1 --connect-ms soon",
        "--listen 127.0.0.1:0 --to nowhere",
        "--frobnicate",
    ] {
        let out = std::process::Command::new(&exe)
            .args(bad.split(' '))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("proxy: "), "{bad:?}: {err}");
        assert!(out.stdout.is_empty(), "{bad:?}: no address announced");
    }
}

#[test]
fn with_an_idle_limit_a_quiet_connection_is_closed_and_shutdown_does_not_wait_for_it() {
    let mut srv = proxy(upstream(echo), &["--idle-ms", "200"]);
    let mut quiet = connect(srv.addr);
    round_trip(&mut quiet, b"then nothing");
    // Nothing moves either way: the proxy gives up on it and resets it
    // (neither stream ended: an end of stream would be a lie).
    srv.wait_for_stderr("nothing moved either way");
    match read_once(&mut quiet, &mut [0; 16]) {
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected a reset, got {other:?}"),
    }
    // Another quiet one, open when SIGTERM comes: the drain ends with it.
    let mut open = connect(srv.addr);
    round_trip(&mut open, b"held open");
    send_signal(&srv, rustix::process::Signal::TERM);
    srv.wait_for_stderr("stopped accepting");
    let status = srv.wait_exit();
    assert!(status.success(), "the proxy exited with {status}");
}

/// Closes `s` with a reset (SO_LINGER 0) instead of a FIN.
fn reset(s: TcpStream) {
    rustix::net::sockopt::set_socket_linger(&s, Some(Duration::ZERO)).unwrap();
    drop(s);
}

/// Reads the request's first bytes, sends the start of a reply, and resets
/// the connection: a server that died halfway.
fn reset_halfway(mut conn: TcpStream) {
    let mut request = [0; 5];
    conn.read_exact(&mut request).unwrap();
    conn.write_all(b"partial").unwrap();
    reset(conn);
}

#[test]
fn a_reset_from_the_server_reaches_the_client_as_a_reset() {
    let srv = proxy(upstream(reset_halfway), &[]);
    let mut s = connect(srv.addr);
    s.write_all(b"hello").unwrap();
    // Whatever part of the reply got through, the end is a reset: a clean
    // end of stream would pass the cut reply off as whole.
    let mut got = Vec::new();
    let end = s.read_to_end(&mut got);
    assert!(
        matches!(&end, Err(e) if e.kind() == ErrorKind::ConnectionReset),
        "expected a reset after {:?}, got {end:?}",
        String::from_utf8_lossy(&got)
    );
    srv.wait_for_stderr("failed");
}

/// What the upstream of the test below read after the client's first bytes.
static AFTER_RESET: std::sync::Mutex<Option<std::sync::mpsc::Sender<std::io::Result<usize>>>> =
    std::sync::Mutex::new(None);

fn read_after_hello(mut conn: TcpStream) {
    conn.set_read_timeout(Some(HANG_GUARD)).unwrap();
    let mut hello = [0; 5];
    conn.read_exact(&mut hello).unwrap();
    conn.write_all(b"ok").unwrap();
    let then = conn.read(&mut [0; 16]);
    if let Some(tx) = AFTER_RESET.lock().unwrap().as_ref() {
        let _ = tx.send(then);
    }
}

#[test]
fn a_reset_from_the_client_reaches_the_server_as_a_reset() {
    let (tx, rx) = std::sync::mpsc::channel();
    *AFTER_RESET.lock().unwrap() = Some(tx);
    let srv = proxy(upstream(read_after_hello), &[]);
    let mut s = connect(srv.addr);
    s.write_all(b"hello").unwrap();
    // The server's "ok" says the hello went all the way through.
    let mut ok = [0; 2];
    s.read_exact(&mut ok).unwrap();
    reset(s);
    let then = rx.recv_timeout(HANG_GUARD).expect("the server read again");
    assert!(
        matches!(&then, Err(e) if e.kind() == ErrorKind::ConnectionReset),
        "expected a reset, got {then:?}"
    );
    srv.wait_for_stderr("failed");
}

/// The server of [`a_reset_after_a_half_close_reaches_the_server_as_a_reset`]:
/// told when the client has reset, and where to say what its last read got.
type AfterHalfClose = (
    std::sync::mpsc::Receiver<()>,
    std::sync::mpsc::Sender<std::io::Result<usize>>,
);
static AFTER_HALF_CLOSE: std::sync::Mutex<Option<AfterHalfClose>> = std::sync::Mutex::new(None);

/// Reads the request to its end, replies "ok", and once the client is gone
/// writes more (which the proxy cannot pass on), then waits for its socket
/// to report an error (a reset: the proxy's end of stream came before, so a
/// plain close would report nothing new) and says what that error is.
fn more_after_the_end(mut conn: TcpStream) {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    conn.set_read_timeout(Some(HANG_GUARD)).unwrap();
    let mut request = Vec::new();
    conn.read_to_end(&mut request).unwrap();
    conn.write_all(b"ok").unwrap();
    let (gone, tx) = AFTER_HALF_CLOSE.lock().unwrap().take().unwrap();
    gone.recv_timeout(HANG_GUARD).unwrap();
    conn.write_all(b"more").unwrap();
    let guard = Timespec {
        tv_sec: HANG_GUARD.as_secs() as i64,
        tv_nsec: 0,
    };
    let mut fds = [PollFd::new(&conn, PollFlags::empty())];
    let _ = poll(&mut fds, Some(&guard));
    let error = conn.take_error().unwrap();
    let _ = tx.send(error.map_or(Ok(0), Err));
}

#[test]
fn a_reset_after_a_half_close_reaches_the_server_as_a_reset() {
    // The client ends its side, takes the reply, and resets: the proxy's
    // write of the server's next bytes then fails with `BrokenPipe` (not
    // `ConnectionReset`), which must reach the server as a reset too.
    let (gone_tx, gone_rx) = std::sync::mpsc::channel();
    let (tx, rx) = std::sync::mpsc::channel();
    *AFTER_HALF_CLOSE.lock().unwrap() = Some((gone_rx, tx));
    let srv = proxy(upstream(more_after_the_end), &[]);
    let mut s = connect(srv.addr);
    s.write_all(b"hello").unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut ok = [0; 2];
    s.read_exact(&mut ok).unwrap();
    reset(s);
    gone_tx.send(()).unwrap();
    let then = rx.recv_timeout(HANG_GUARD * 2).expect("the server looked");
    // A reset on a socket whose peer had ended its side reads as EPIPE
    // (Linux's choice), a reset before that as ECONNRESET.
    assert!(
        matches!(&then, Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe)),
        "expected a reset, got {then:?}"
    );
    srv.wait_for_stderr("failed");
}

/// Where the upstream of the test below says how its read after the
/// stall ended.
static AFTER_STALL: std::sync::Mutex<Option<std::sync::mpsc::Sender<std::io::Result<usize>>>> =
    std::sync::Mutex::new(None);

/// Reads the request's first bytes, sends the first half of a reply (whose
/// end would be the end of the stream), then reads until its stream ends
/// and says how it ended.
fn half_a_reply_then_stall(mut conn: TcpStream) {
    conn.set_read_timeout(Some(HANG_GUARD)).unwrap();
    let mut request = [0; 5];
    conn.read_exact(&mut request).unwrap();
    conn.write_all(b"first half").unwrap();
    let then = conn.read_to_end(&mut Vec::new());
    if let Some(tx) = AFTER_STALL.lock().unwrap().as_ref() {
        let _ = tx.send(then);
    }
}

#[test]
fn a_transfer_stalled_halfway_is_reset_on_both_sides_at_the_idle_limit() {
    let (tx, rx) = std::sync::mpsc::channel();
    *AFTER_STALL.lock().unwrap() = Some(tx);
    let srv = proxy(upstream(half_a_reply_then_stall), &["--idle-ms", "200"]);
    let mut s = connect(srv.addr);
    s.write_all(b"hello").unwrap();
    let mut half = [0; 10];
    s.read_exact(&mut half).unwrap();
    // Then nothing moves: the proxy gives up. The client's reply and the
    // server's request were both cut: each side sees a reset, not an end
    // of stream that would pass what it got off as whole.
    let end = s.read_to_end(&mut Vec::new());
    assert!(
        matches!(&end, Err(e) if e.kind() == ErrorKind::ConnectionReset),
        "the client expected a reset, got {end:?}"
    );
    let then = rx.recv_timeout(HANG_GUARD).expect("the server read again");
    assert!(
        matches!(&then, Err(e) if e.kind() == ErrorKind::ConnectionReset),
        "the server expected a reset, got {then:?}"
    );
    srv.wait_for_stderr("nothing moved either way");
}

#[test]
fn out_of_fds_it_reports_a_line_a_second_at_most_and_serves_again() {
    let to = upstream(echo).to_string();
    let args = ["--listen", "127.0.0.1:0", "--to", &to];
    let srv = example::start_with_fd_limit("proxy", &args, None, 32);
    let start = std::time::Instant::now();
    // More clients than the proxy has fds: once they are taken, either its
    // accepts fail or the accept takes the last fd and the connect to the
    // upstream fails (which, depends on how many fds were left: an odd
    // number leaves one for an accept and none for its connect). Both are
    // counted in one report.
    let held: Vec<TcpStream> = (0..40).map(|_| connect(srv.addr)).collect();
    let needle = "failed attempts to accept or to connect upstream";
    srv.wait_for_stderr(needle);
    std::thread::sleep(Duration::from_millis(1500));
    drop(held);
    // Served again once they are gone. Until their relays have ended, and
    // the connections queued behind them (which their clients closed) have
    // been accepted and closed, a new client may still find no fd left for
    // its upstream and be closed at once, not left hanging: it tries again.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut s = connect(srv.addr);
        let mut back = [0; 5];
        let tried = s.write_all(b"again").and_then(|()| s.read_exact(&mut back));
        match tried {
            Ok(()) => {
                assert_eq!(&back, b"again");
                break;
            }
            Err(e) => {
                assert!(
                    matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof
                    ),
                    "a client the proxy could not serve yet expected to be closed, got {e:?}"
                );
                assert!(
                    std::time::Instant::now() < deadline,
                    "not served again 10 s after the other clients left"
                );
            }
        }
    }
    // One line a second at most, not one per retry (a hundred a second)
    // nor one per client closed for want of an fd for its upstream.
    srv.assert_reported_once_a_second_at_most(needle, start);
}

#[test]
fn more_loops_than_its_fds_allow_is_an_error_at_startup_not_after_announcing() {
    example::assert_too_few_fds_for_its_loops_is_an_error_at_startup(
        "proxy",
        &[
            "--listen",
            "127.0.0.1:0",
            "--to",
            "127.0.0.1:9",
            "--threads",
            "8",
        ],
    );
}

/// Every connection ends with a line on stderr; with stderr a pipe whose
/// reader has gone (`proxy ... 2>&1 | head`), each such line fails. The
/// proxy panicked at the first ("failed printing to stderr"), exiting with
/// status 101 and cutting every open connection with a clean end of
/// stream; it goes on serving.
#[test]
fn a_proxy_whose_stderr_reader_is_gone_goes_on_serving() {
    let to = upstream(echo);
    let mut srv = example::start_with_stderr_gone(
        "proxy",
        &["--listen", "127.0.0.1:0", "--to", &to.to_string()],
    );
    // One connection open across the others' ends (and their lines).
    let mut kept = connect(srv.addr);
    round_trip(&mut kept, b"first");
    for i in 0..5u8 {
        let mut s = connect(srv.addr);
        round_trip(&mut s, &[b'a' + i; 100]);
        s.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{rest:?}");
    }
    round_trip(&mut kept, b"still through");
    assert!(srv.is_running(), "the proxy exited");
}

/// Runs the proxy with `args` to its end, which must come by itself (a
/// usage error, `--help`); its status and stderr. One still running after
/// [`HANG_GUARD`] is killed and fails the test.
fn run_to_end(args: &[&str]) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(example::example("proxy"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        stderr.read_to_string(&mut err).unwrap();
        err
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("proxy {args:?} still running after {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status.code(), reader.join().unwrap())
}

#[test]
fn a_proxy_pointed_at_its_own_address_is_a_usage_error() {
    // A port this test holds for a moment, then frees for the proxy.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (listen, to) in [
        (format!("127.0.0.1:{port}"), format!("127.0.0.1:{port}")),
        (format!("0.0.0.0:{port}"), format!("127.0.0.1:{port}")),
        (format!("127.0.0.1:{port}"), format!("0.0.0.0:{port}")),
    ] {
        let (code, err) = run_to_end(&["--listen", &listen, "--to", &to]);
        assert_eq!(code, Some(2), "{listen} -> {to}: {err}");
        assert!(
            err.contains(&format!("--to {to} is the proxy's own address")),
            "{listen} -> {to}: {err}"
        );
    }
}

#[test]
fn a_proxy_to_another_address_on_its_own_port_relays() {
    // An echo on 127.0.0.2, the proxy on 127.0.0.1, the same port.
    let listener = TcpListener::bind("127.0.0.2:0").unwrap();
    let to = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || echo(conn));
        }
    });
    let (listen, to) = (format!("127.0.0.1:{}", to.port()), to.to_string());
    let srv = example::start_watching_stderr("proxy", &["--listen", &listen, "--to", &to], None);
    round_trip(&mut connect(srv.addr), b"the same port, another address");
    drop(srv);
    // The unspecified address of the other family: a connect to `[::]`
    // reaches `[::1]`, not the proxy's `127.0.0.1`.
    let listen = format!("127.0.0.1:{}", to.rsplit(':').next().unwrap());
    let to = format!("[::]:{}", to.rsplit(':').next().unwrap());
    example::start_watching_stderr("proxy", &["--listen", &listen, "--to", &to], None);
}

#[test]
fn help_is_answered_wherever_it_stands_before_any_address_is_resolved() {
    let (code, err) = run_to_end(&["--to", "no-such-host.invalid:1", "--help"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_number_out_of_range_is_a_usage_error_saying_what_it_takes() {
    for (flag, value) in [
        ("--threads", "0"),
        ("--threads", "99999999999999999999999"),
        ("--connect-ms", "18446744073709551616"),
        ("--idle-ms", "-1"),
    ] {
        let (code, err) = run_to_end(&[
            "--listen",
            "127.0.0.1:0",
            "--to",
            "127.0.0.1:1",
            flag,
            value,
        ]);
        assert_eq!(code, Some(2), "{flag} {value}: {err}");
        let says = format!(
            "{flag} {value:?}: not a number it can take (a whole number from 1 to 18446744073709551615)"
        );
        assert!(err.contains(&says), "{err}");
    }
}
