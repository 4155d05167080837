//! knot under faults and abuse, on loopback: a well-behaved client is
//! answered throughout while other clients reset connections mid-request
//! and mid-response, half-close them, flood the server, and hold more
//! connections open with slow heads than knot has file descriptors; then
//! knot's fds are back to what they were before.
//!
//! knot runs as a process (built as `tests/examples_knot.rs` does) with an
//! open-files limit of [`FD_LIMIT`], and with idle and head timeouts of a
//! minute, so that what frees fds under the slow clients is knot shedding
//! connections, not a timeout. Every phase is bounded by counts, not by
//! time; the waits are guards against hangs. The figures (the well-behaved
//! client's answers and worst latency, knot's fds and RSS before and after)
//! are printed, not asserted.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

#[path = "support/example.rs"]
mod example;
use example::{start_with_fd_limit, Server, TempDir};

/// knot's open-files limit: about 120 connections.
const FD_LIMIT: u64 = 128;
/// Slow clients: more than knot has fds.
const SLOW_CLIENTS: usize = 200;
const INDEX: &[u8] = b"<h1>knot</h1>\n";
const BIG_LEN: usize = 4 << 20;

fn knot() -> Server {
    let dir = std::env::temp_dir().join(format!("knot-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.join("big.bin"), vec![b'b'; BIG_LEN]).unwrap();
    let root = dir.to_str().unwrap().to_owned();
    start_with_fd_limit(
        "knot",
        &[
            "--root",
            &root,
            "--port",
            "0",
            "--idle-ms",
            "60000",
            "--head-ms",
            "60000",
            "--linger-ms",
            "2000",
        ],
        Some(TempDir(dir)),
        FD_LIMIT,
    )
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(20))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    s.set_write_timeout(Some(Duration::from_secs(20)))?;
    Ok(s)
}

/// Closes `s` with a reset (SO_LINGER 0) instead of a FIN.
fn reset(s: TcpStream) {
    rustix::net::sockopt::set_socket_linger(&s, Some(Duration::ZERO)).unwrap();
    drop(s);
}

/// Status and body of the response read to the end of the stream.
fn response(mut s: TcpStream) -> io::Result<(u16, Vec<u8>)> {
    let mut all = Vec::new();
    s.read_to_end(&mut all)?;
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::other(format!("no response head in {} bytes", all.len())))?;
    let status = std::str::from_utf8(&all[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other("bad status line"))?;
    Ok((status, all.split_off(end + 4)))
}

/// One GET with `Connection: close`.
fn get(addr: SocketAddr, path: &str) -> io::Result<(u16, Vec<u8>)> {
    let mut s = connect(addr)?;
    write!(s, "GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n")?;
    response(s)
}

/// A client that asks for `/` on a new connection over and over until
/// stopped, and remembers every failure and its worst latency.
struct WellBehaved {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    thread: JoinHandle<(Vec<String>, Duration)>,
}

impl WellBehaved {
    fn start(addr: SocketAddr) -> WellBehaved {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, answered) = (stop.clone(), answered.clone());
            thread::spawn(move || {
                let (mut failures, mut worst) = (Vec::new(), Duration::ZERO);
                while !stop.load(Ordering::Relaxed) {
                    let t0 = Instant::now();
                    match get(addr, "/") {
                        Ok((200, body)) if body == INDEX => {
                            worst = worst.max(t0.elapsed());
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        other => failures.push(format!("{other:?}")),
                    }
                    // Pacing, not synchronisation.
                    thread::sleep(Duration::from_millis(10));
                }
                (failures, worst)
            })
        };
        WellBehaved {
            stop,
            answered,
            thread,
        }
    }

    /// Returns once `n` more requests have been answered (a guard of a
    /// minute turns a stall into a failure).
    fn answers(&self, n: usize, during: &str) {
        let want = self.answered.load(Ordering::Relaxed) + n;
        let guard = Instant::now() + Duration::from_secs(60);
        while self.answered.load(Ordering::Relaxed) < want {
            assert!(
                Instant::now() < guard,
                "the well-behaved client was not answered {n} times during {during}"
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    fn finish(self) -> (usize, Vec<String>, Duration) {
        self.stop.store(true, Ordering::Relaxed);
        let (failures, worst) = self.thread.join().unwrap();
        (self.answered.load(Ordering::Relaxed), failures, worst)
    }
}

/// Keeps `n` connections open with a head that never ends, one byte at a
/// time, reconnecting each one knot closes, until stopped. Returns how many
/// times it had to reconnect.
fn slow_clients(addr: SocketAddr, n: usize, stop: Arc<AtomicBool>) -> JoinHandle<usize> {
    thread::spawn(move || {
        let open = || -> Option<TcpStream> {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(20)).ok()?;
            s.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").ok()?;
            s.set_nonblocking(true).ok()?;
            Some(s)
        };
        let mut conns: Vec<Option<TcpStream>> = (0..n).map(|_| open()).collect();
        let mut reconnects = 0;
        while !stop.load(Ordering::Relaxed) {
            for c in &mut conns {
                let alive = c.as_mut().is_some_and(|s| {
                    // Nothing to read while knot waits for the head; end of
                    // stream (or an answer, or an error) once it gave up.
                    let waiting = matches!(s.read(&mut [0; 64]), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
                    waiting && s.write(b"a").is_ok()
                });
                if !alive {
                    *c = open();
                    reconnects += 1;
                }
            }
            thread::sleep(Duration::from_millis(50));
        }
        reconnects
    })
}

/// The lines knot wrote to stderr so far, gathered into `seen`; returns
/// once one contains `needle` (a guard of a minute).
fn stderr_until(srv: &Server, needle: &str, seen: &mut Vec<String>) {
    let guard = Instant::now() + Duration::from_secs(60);
    loop {
        let left = guard.saturating_duration_since(Instant::now());
        match srv.stderr_lines().recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(needle);
                if seen.len() < 1000 {
                    seen.push(line);
                }
                if found {
                    return;
                }
            }
            Err(e) => panic!("no stderr line with {needle:?}: {e}"),
        }
    }
}

#[test]
fn knot_serves_a_well_behaved_client_through_resets_half_closes_a_flood_and_slowloris_at_its_fd_limit(
) {
    let srv = knot();
    let (addr, pid) = (srv.addr, srv.pid());
    // Warm up: the file cache, the loop's timer.
    assert_eq!(get(addr, "/").unwrap(), (200, INDEX.to_vec()));
    assert_eq!(get(addr, "/big.bin").unwrap().1.len(), BIG_LEN);
    let (fds_before, rss_before) = (fds(pid), srv.rss_kib());

    let good = WellBehaved::start(addr);
    good.answers(3, "warm-up");

    // Resets in the middle of a request head.
    for _ in 0..50 {
        let mut s = connect(addr).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x").unwrap();
        reset(s);
    }
    good.answers(3, "resets mid-request");

    // Resets in the middle of a response (4 MiB: more than the socket
    // buffers hold, so knot is still writing).
    for _ in 0..20 {
        let mut s = connect(addr).unwrap();
        s.write_all(b"GET /big.bin HTTP/1.1\r\n\r\n").unwrap();
        let mut some = [0; 4096];
        s.read_exact(&mut some).unwrap();
        reset(s);
    }
    good.answers(3, "resets mid-response");

    // Half-close: the request, then the client's FIN. The response comes
    // whole, then knot's FIN (a reset would be an Err here).
    for _ in 0..20 {
        let mut s = connect(addr).unwrap();
        s.write_all(b"GET /big.bin HTTP/1.1\r\n\r\n").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let (status, body) = response(s).expect("the whole response, then FIN");
        assert_eq!((status, body.len()), (200, BIG_LEN));
    }
    // Half a head, then FIN: knot closes without an answer.
    for _ in 0..20 {
        let mut s = connect(addr).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).expect("FIN, not a reset");
        assert!(rest.is_empty());
    }
    good.answers(3, "half-closes");

    // A flood: 8 clients, each 50 requests on one keep-alive connection
    // and 25 on new connections, as fast as knot answers.
    let flood: Vec<JoinHandle<usize>> = (0..8)
        .map(|_| {
            thread::spawn(move || {
                let mut ok = 0;
                let mut s = connect(addr).unwrap();
                let mut r = io::BufReader::new(s.try_clone().unwrap());
                for _ in 0..50 {
                    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
                    let mut head = [0; 128];
                    let want = b"HTTP/1.1 200 OK\r\n";
                    r.read_exact(&mut head[..want.len()]).unwrap();
                    // The rest of this response: its head and body.
                    let mut line = String::new();
                    let mut len = 0;
                    loop {
                        line.clear();
                        io::BufRead::read_line(&mut r, &mut line).unwrap();
                        if let Some(v) = line.strip_prefix("Content-Length: ") {
                            len = v.trim().parse().unwrap();
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).unwrap();
                    ok += usize::from(&head[..want.len()] == want && body == INDEX);
                }
                for _ in 0..25 {
                    ok += usize::from(matches!(get(addr, "/"), Ok((200, _))));
                }
                ok
            })
        })
        .collect();
    let flooded: usize = flood.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(flooded, 8 * 75, "every flood request answered");
    good.answers(3, "the flood");

    // Slowloris at the fd limit: more slow clients than knot has fds. knot
    // must shed connections to accept the well-behaved client's, and say
    // so on stderr once, not once per failed accept.
    let mut stderr = Vec::new();
    let stop_slow = Arc::new(AtomicBool::new(false));
    let slow_since = Instant::now();
    let slow = slow_clients(addr, SLOW_CLIENTS, stop_slow.clone());
    stderr_until(&srv, "connections shed", &mut stderr);
    good.answers(10, "slowloris at the fd limit");
    let fds_at_limit = fds(pid);
    stop_slow.store(true, Ordering::Relaxed);
    let reconnects = slow.join().unwrap();
    good.answers(3, "the end of slowloris");

    let (answered, failures, worst) = good.finish();
    assert!(
        failures.is_empty(),
        "the well-behaved client failed {} of {} times: {:?}",
        failures.len(),
        answered + failures.len(),
        &failures[..failures.len().min(5)]
    );

    // Every connection closed: knot's fds come back to what they were
    // (lingering connections close within --linger-ms).
    let guard = Instant::now() + Duration::from_secs(60);
    while fds(pid) != fds_before {
        assert!(
            Instant::now() < guard,
            "knot holds {} fds, {} before",
            fds(pid),
            fds_before
        );
        thread::sleep(Duration::from_millis(20));
    }
    let rss_after = srv.rss_kib();
    // Whatever knot wrote meanwhile; the accept reports are rate-limited.
    while let Ok(line) = srv.stderr_lines().try_recv() {
        stderr.push(line);
    }
    // One when accepts start failing, then at most one every 10 s.
    let accept_lines = stderr.iter().filter(|l| l.contains("accept")).count();
    let allowed = 1 + slow_since.elapsed().as_secs() as usize / 10;
    assert!(
        (1..=allowed).contains(&accept_lines),
        "{accept_lines} lines about failed accepts (at most {allowed}): {stderr:?}"
    );
    eprintln!(
        "knot faults: well-behaved client {answered}/{answered} answered, worst latency {worst:?}; \
         fds {fds_before} before, {fds_at_limit} at the limit ({FD_LIMIT}), {} after; \
         RSS {rss_before} KiB before, {rss_after} KiB after; slow clients reconnected {reconnects} times",
        fds(pid)
    );
}
