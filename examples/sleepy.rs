//! sleepy: `GET /<ms>` answers after `<ms>` milliseconds.
//!
//! `<ms>` is decimal digits only (at most 60,000 are slept); any other
//! request (`GET /+5`, `GET /soon`, another method) gets 400 and the
//! connection closes, gracefully: what the client still sends is read and
//! dropped (for up to 5 s and 1 MiB) until it closes its side, as a close
//! with unread input would reset the connection and could destroy the 400.
//!
//! The classic threads-vs-events demonstration: 10,000 clients each waiting
//! a second cost 10,000 threads (and their stacks) in a thread-per-connection
//! server, and 10,000 small tasks here, on one thread.
//!
//! ```text
//! sleepy [--port PORT] [--threads N] [--idle-ms MS]
//! ```
//!
//! `--port 0` picks a free port; the bound address is printed on stdout's
//! first line.
//!
//! Each connection is one `#[tamed]` function: read a request head, sleep,
//! answer, and again (keep-alive) until the client closes. While it sleeps
//! or waits for the next request a connection holds no read buffer: reads
//! go into one buffer shared by all connections of its loop.
//! A client that goes away during a sleep keeps its connection (in
//! CLOSE-WAIT) until the sleep ends, as a thread per connection would:
//! the sleep does not watch the socket. One that sent several requests at
//! once (pipelined) before it left keeps it for two sleeps: the first
//! response is written into the half-closed socket without an error, and
//! the next request, already read, is slept before its write fails.
//!
//! `--threads N` (default 1) runs N loops, one thread each, each with its
//! own listener on the port (`SO_REUSEPORT`: the kernel spreads new
//! connections over them) and its own read buffer; a connection stays on
//! the loop that accepted it, and the loops share nothing.
//!
//! A client gets `--idle-ms` (default 60,000) to send each whole request
//! head, counted from when the connection starts waiting for it (at
//! accept, or after the previous response), and as long to take each
//! response; a connection that does not is closed. Partial data does not
//! restart the count, so a client sending a byte now and then cannot hold
//! a connection forever. Failing accepts (out of file descriptors, most
//! likely) are retried with a growing pause and reported at most once a
//! second, with a count.
//!
//! sleepy has no graceful shutdown: SIGINT and SIGTERM end it at once (their
//! default action), and the sleeps under way are not answered (knot shows
//! the graceful way, with `tame::at_signal`).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tame::net::{TcpListener, TcpStream};
use tame::{add_timeout, mkevent, tamed, tvars, twait, Timeout};
use tame_suite::log_line;
use tame_suite::{http, FailureReport};

/// Longest sleep we grant (a client cannot park a connection for days).
const MAX_SLEEP_MS: u64 = 60_000;
/// The first pause after a failed accept; each failure in a row doubles
/// it, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(1);
const MAX_BACKOFF: Duration = Duration::from_millis(200);
/// At most one line about failing accepts this often.
const REPORT_EVERY: Duration = Duration::from_secs(1);

#[tamed]
fn accept_loop(listener: TcpListener, idle: Duration) {
    tvars! {
        let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into());
        let mut backoff = FIRST_BACKOFF;
        let mut failures = FailureReport::new(REPORT_EVERY);
    }
    loop {
        twait! { listener.accept(mkevent!(accepted)); }
        match std::mem::replace(&mut accepted, Err(io::ErrorKind::NotConnected.into())) {
            Ok((stream, _peer)) => {
                backoff = FIRST_BACKOFF;
                serve(stream, idle);
            }
            Err(e) => {
                // Out of fds, most likely: they come back as connections
                // close (the idle limit closes silent ones), so wait
                // instead of spinning, and say so without flooding stderr.
                failures.failed(move |n| {
                    format!(
                        "sleepy: accept: {e} ({n} failed accepts since the last report; \
                         at most one report a second)"
                    )
                });
                twait! { tame::timer(backoff, mkevent!()); }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

#[tamed]
fn serve(stream: TcpStream, idle: Duration) {
    tvars! {
        let mut pending: Vec<u8> = Vec::new();
        let mut ready: Result<io::Result<()>, Timeout> = Ok(Ok(()));
        let mut rest: Vec<u8> = Vec::new();
        let mut written: Result<(Vec<u8>, io::Result<()>), Timeout> = Err(Timeout);
        let mut drained = false;
        // When the connection started waiting for the request head it has
        // not finished sending.
        let mut waiting_since = tame::now();
    }
    loop {
        let step = next_request(&stream, &mut pending, &mut drained);
        match step {
            Step::Answer(request) => {
                if let Request::Sleep { ms, .. } = request {
                    twait! { tame::timer(Duration::from_millis(ms), mkevent!()); }
                }
                {
                    // The response ends here, written or moved into `rest`:
                    // a write that has to wait holds only what is left.
                    let out = response(&request);
                    match stream.try_write(&out) {
                        Ok(n) if n == out.len() => {}
                        Ok(n) => rest = out[n..].to_vec(),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => rest = out,
                        Err(_) => return,
                    }
                }
                if !rest.is_empty() {
                    twait! {
                        stream.write_all(std::mem::take(&mut rest), add_timeout(idle, mkevent!(written)));
                    }
                    // The buffer came back with the result, sent: dropped
                    // here, not held while the connection waits.
                    if !matches!(
                        std::mem::replace(&mut written, Err(Timeout)),
                        Ok((_, Ok(())))
                    ) {
                        return;
                    }
                }
                if let Request::Bad { .. } = request {
                    // The client may still be sending (a head too long,
                    // pipelined requests): closing with unread input would
                    // reset the connection, and could destroy the 400.
                    linger(stream);
                    return;
                }
                if !request.keep_alive() {
                    return;
                }
                waiting_since = tame::now();
            }
            Step::Wait => {
                let left = idle.saturating_sub(tame::now() - waiting_since);
                if left.is_zero() {
                    return;
                }
                twait! { stream.readable(add_timeout(left, mkevent!(ready))); }
                if !matches!(ready, Ok(Ok(()))) {
                    return;
                }
            }
            Step::Close => return,
        }
    }
}

/// How long, and how much, a connection closing after a 400 reads what
/// its client still sends before it closes.
const LINGER: Duration = Duration::from_secs(5);
const LINGER_BYTES: usize = 1 << 20;

/// Closes `stream` gracefully after a 400: shuts down its writing side (the
/// client sees the response, then the end of the stream), reads and
/// discards what the client still sends until it closes its side, or
/// [`LINGER_BYTES`] were read, or [`LINGER`] passed; then closes.
#[tamed]
fn linger(stream: TcpStream) {
    if stream.shutdown(std::net::Shutdown::Write).is_err() {
        return;
    }
    let deadline = tame::now() + LINGER;
    let mut drained = 0;
    loop {
        let read = SCRATCH.with(|scratch| stream.try_read(&mut scratch.borrow_mut()));
        match read {
            Ok(0) => return,
            Ok(n) => {
                drained += n;
                if drained >= LINGER_BYTES {
                    return;
                }
            }
            Err(e) if tame_suite::must_wait(&e) => {
                let left = deadline.saturating_duration_since(tame::now());
                let mut ready: Result<io::Result<()>, Timeout> = Err(Timeout);
                twait! { stream.readable(add_timeout(left, mkevent!(ready))); }
                if !matches!(ready, Ok(Ok(()))) {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

/// What a connection does next.
enum Step {
    Answer(Request),
    Wait,
    Close,
}

thread_local! {
    /// The one read buffer of all connections of this thread's loop: while
    /// a connection sleeps or waits it holds no buffer, only an unfinished
    /// request head.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 16 * 1024]);
}

/// Takes the next request head out of `pending`, reading what arrived if
/// none is complete yet.
///
/// `drained`: the read that gave the last head left room in the buffer, so
/// the socket had nothing more. Then the connection waits instead of
/// reading: the read could only say `EAGAIN`, and the wait after it costs
/// no syscall.
fn next_request(stream: &TcpStream, pending: &mut Vec<u8>, drained: &mut bool) -> Step {
    if let Some(end) = http::head_end(pending) {
        let request = parse(&pending[..end]);
        pending.drain(..end);
        if pending.is_empty() {
            *pending = Vec::new();
        }
        return Step::Answer(request);
    }
    // Bytes already held that can no longer be a head within the limit are
    // refused now, whether or not the socket was drained.
    if pending.len() >= http::HEAD_LIMIT {
        return Step::Answer(Request::bad(pending));
    }
    if std::mem::take(drained) {
        return Step::Wait;
    }
    let read = SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        stream.try_read(&mut scratch).map(|n| {
            pending.extend_from_slice(&scratch[..n]);
            (n, n < scratch.len())
        })
    });
    match read {
        Ok((0, _)) => Step::Close,
        Ok((_, short)) if http::head_end(pending).is_some() => {
            let step = next_request(stream, pending, drained);
            // A wait reads again after it; a head answered from this read
            // leaves the socket drained if the read was short.
            *drained = short;
            step
        }
        Ok(_) if pending.len() >= http::HEAD_LIMIT => Step::Answer(Request::bad(pending)),
        Ok(_) => Step::Wait,
        Err(e) if tame_suite::must_wait(&e) => Step::Wait,
        Err(_) => Step::Close,
    }
}

/// What a request asks for.
enum Request {
    Sleep {
        ms: u64,
        keep_alive: bool,
    },
    /// Anything else; `head`: a HEAD request, whose response has no body
    /// (RFC 9110 section 9.3.2).
    Bad {
        head: bool,
    },
}

impl Request {
    /// The bad request whose bytes start `raw`.
    fn bad(raw: &[u8]) -> Request {
        Request::Bad {
            head: http::request_method(raw) == Some(http::Method::Head),
        }
    }

    fn keep_alive(&self) -> bool {
        matches!(
            self,
            Request::Sleep {
                keep_alive: true,
                ..
            }
        )
    }
}

/// `GET /<ms>`, parsed by the parser knot uses (`Connection` handled as
/// there); anything else is a bad request.
fn parse(raw: &[u8]) -> Request {
    let Ok(head) = http::parse(raw) else {
        return Request::bad(raw);
    };
    let ms = head.path.strip_prefix('/').and_then(milliseconds);
    match (head.method, ms) {
        (http::Method::Get, Some(ms)) => Request::Sleep {
            ms: ms.min(MAX_SLEEP_MS),
            keep_alive: head.keep_alive,
        },
        (method, _) => Request::Bad {
            head: method == http::Method::Head,
        },
    }
}

/// `digits` as a number of milliseconds: digits only (`u64::from_str`
/// would take a leading `+`); a number past `u64::MAX` is `u64::MAX` (the
/// caller caps it anyway).
fn milliseconds(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

fn response(request: &Request) -> Vec<u8> {
    match request {
        Request::Sleep { ms, keep_alive } => {
            let body = format!("slept {ms} ms\n");
            let conn = if *keep_alive { "keep-alive" } else { "close" };
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {conn}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }
        Request::Bad { head } => {
            let body = "usage: GET /<milliseconds>\n";
            let mut out = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            if !head {
                out.push_str(body);
            }
            out.into_bytes()
        }
    }
}

fn main() {
    let mut port: u16 = 8080;
    let mut threads: usize = 1;
    let mut idle = Duration::from_secs(60);
    let mut args = tame_suite::args();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = number("--port", args.next(), 0),
            "--threads" => threads = number("--threads", args.next(), 1),
            "--idle-ms" => idle = Duration::from_millis(number("--idle-ms", args.next(), 1)),
            "-h" | "--help" => {
                tame_suite::print_help(
                    "sleepy: GET /<ms> answers after <ms> milliseconds (one task per connection, one loop per thread)\n\n\
                     usage: sleepy [--port PORT] [--threads N] [--idle-ms MS]\n  \
                     --port PORT    port on 127.0.0.1 (default 8080; 0 picks a free one); the bound address is printed on stdout's first line\n  \
                     --threads N    N loops on N threads, each with its own listener on the port (SO_REUSEPORT) (default 1)\n  \
                     --idle-ms MS   time a client has to send each request head and to take each response (default 60000)\n",
                );
                return;
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let mut listeners = tame_suite::listen_loops("sleepy", port, threads).into_iter();
    let first = listeners.next().expect("one listener per loop");
    // Loops 1..N on threads of their own, loop 0 on this one; the address
    // is announced once every loop has started.
    for (i, l) in listeners.enumerate() {
        tame_suite::spawn_loop(format!("sleepy-{}", i + 1), move || {
            accept_loop(TcpListener::from_std(l).expect("a listener"), idle);
        });
    }
    tame_suite::prepare_loop("sleepy");
    let listener = TcpListener::from_std(first).expect("a listener");
    tame_suite::announce(
        listener
            .local_addr()
            .expect("a bound listener has an address"),
    );
    accept_loop(listener, idle);
    tame::run();
}

/// A number flag's value, from `least` up (or the usage error saying so).
fn number<T: tame_suite::FlagNumber>(flag: &str, v: Option<String>, least: u64) -> T {
    tame_suite::number_flag(flag, v, least).unwrap_or_else(|problem| usage(&problem))
}

fn usage(problem: &str) -> ! {
    log_line!(
        "sleepy: {problem}\nusage: sleepy [--port PORT] [--threads N] [--idle-ms MS] (try --help)"
    );
    std::process::exit(2);
}
