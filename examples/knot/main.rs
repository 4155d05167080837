//! knot: a small HTTP/1.1 static file server on one thread (the paper's
//! benchmark application), each connection one `#[tamed]` function.
//!
//! ```text
//! knot --root DIR --port PORT   (0 picks a free port; the bound address is printed on stdout's first line)
//! ```
//!
//! * GET and HEAD, keep-alive (HTTP/1.1 by default, 1.0 on request),
//!   pipelined requests answered in order, `Content-Length` always.
//! * Bad requests get 400, other methods 405, bodies 413, heads over 8 KiB
//!   or 64 header lines 431, other HTTP versions 505; then the connection
//!   closes.
//! * A connection idle for longer than `--idle-ms` (default 30 s; 0: no
//!   limit) is closed (`add_timeout` around each read), so a slow client
//!   cannot hold one forever.
//! * Files are read once and kept in memory with their response heads (like
//!   Knot's cache): a request costs one read and one write syscall.
//! * An idle keep-alive connection holds no read buffer: it waits for
//!   readability, then reads into one buffer shared by all connections and
//!   keeps only an unfinished head.
//! * SIGINT or SIGTERM shuts it down cleanly: it stops accepting (the
//!   listening socket closes), lets the requests under way finish (their
//!   connections close after the response), and exits with status 0 once
//!   none is left. Idle keep-alive connections are closed by the exit.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, tvars, twait, Rendezvous, Signal, Timeout};
use tame_suite::http::{self, Head, Method, ParseError};

/// What the accept loop wakes up for.
#[derive(Debug, Clone, Copy)]
enum Wake {
    Accepted,
    Signal(Signal),
}

/// Accepts connections until SIGINT or SIGTERM, then stops accepting and
/// lets the site drain.
#[tamed]
fn accept_loop(listener: TcpListener, site: Rc<Site>) {
    tvars! {
        let r = Rendezvous::<Wake>::new();
        let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into());
    }
    for sig in [Signal::Int, Signal::Term] {
        if let Err(e) = tame::at_signal(sig, mkevent!(r, Wake::Signal(sig))) {
            eprintln!("knot: cannot watch {sig}: {e}");
        }
    }
    listener.accept(mkevent!(r, Wake::Accepted, accepted));
    loop {
        match twait!(r) {
            Some(Wake::Accepted) => {
                match std::mem::replace(&mut accepted, Err(io::ErrorKind::NotConnected.into())) {
                    Ok((stream, _peer)) => {
                        let _ = stream.set_nodelay(true);
                        serve(stream, site.clone());
                    }
                    Err(e) => {
                        // Out of fds, most likely: back off instead of spinning.
                        eprintln!("knot: accept: {e}");
                        twait! { tame::timer(Duration::from_millis(10), mkevent!()); }
                    }
                }
                listener.accept(mkevent!(r, Wake::Accepted, accepted));
            }
            Some(Wake::Signal(sig)) => {
                // Closing the listener refuses new connections and cancels
                // the accept that waits.
                listener.close();
                eprintln!("knot: {sig}: no new connections; finishing the requests under way");
                break;
            }
            None => break,
        }
    }
    // Cancelling `r` drops the other signal's wait (and, if the loop ended
    // otherwise, the accept's).
    r.cancel();
    Shutdown::drain();
}

/// One connection: read a request head, answer it, again until the client
/// closes, errs, idles out or asks to close.
///
/// While waiting for bytes the connection holds no buffer: it waits for
/// readability (with the idle timeout), then reads what arrived into the
/// site's one shared buffer and keeps only an unfinished head. Responses
/// are written at once when the socket takes them (the common case), and
/// through `write_all` when it does not.
#[tamed]
fn serve(stream: TcpStream, site: Rc<Site>) {
    // Unfinished request head (empty, no allocation, while idle), and the
    // mark of a request under way (held from its first bytes to the end of
    // its response). The other variables are declared where they are used,
    // so that an idle connection's state holds only what waiting needs.
    tvars! {
        let mut pending: Vec<u8> = Vec::new();
        let mut busy: Option<Busy> = None;
    }
    loop {
        let step = site.next_step(&stream, &mut pending);
        if matches!(step, Step::Respond(_)) || !pending.is_empty() {
            busy.get_or_insert_with(Busy::new);
        }
        match step {
            Step::Respond(reply) => {
                let keep_alive = reply.keep_alive && !Shutdown::draining();
                let wrote = write_now(&stream, &reply.bytes);
                // What is left to write was copied: the prepared response
                // need not be kept while the rest waits for the socket.
                drop(reply);
                match wrote {
                    Ok(None) => {}
                    Ok(Some(left)) => {
                        // The socket took part of it: wait and write the rest.
                        let mut rest = left;
                        let mut written: io::Result<()> = Ok(());
                        twait! { stream.write_all(std::mem::take(&mut rest), mkevent!(rest, written)); }
                        if written.is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                }
                if !keep_alive {
                    return;
                }
            }
            Step::Wait => {
                if pending.is_empty() {
                    // Idle: no request under way.
                    busy = None;
                    if Shutdown::draining() {
                        return;
                    }
                }
                let mut ready: Result<io::Result<()>, Timeout> = Err(Timeout);
                if site.idle.is_zero() {
                    twait! { stream.readable(mkevent!(ready).map(Ok)); }
                } else {
                    twait! { stream.readable(tame::add_timeout(site.idle, mkevent!(ready))); }
                }
                // Timed out (idle or a slow head), or the socket failed.
                if !matches!(ready, Ok(Ok(()))) {
                    return;
                }
            }
            Step::Close => return,
        }
    }
}

/// What a connection does next.
enum Step {
    /// Write this response (then go on, or close if it says so).
    Respond(Reply),
    /// Wait for more bytes.
    Wait,
    /// The client closed or the socket failed.
    Close,
}

/// Writes `bytes` if the socket takes them now; `Some(rest)` if it took
/// only part (or nothing) and the caller must wait to write the rest.
fn write_now(stream: &TcpStream, bytes: &[u8]) -> io::Result<Option<Vec<u8>>> {
    match stream.try_write(bytes) {
        Ok(n) if n == bytes.len() => Ok(None),
        Ok(n) => Ok(Some(bytes[n..].to_vec())),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Some(bytes.to_vec())),
        Err(e) => Err(e),
    }
}

/// A response ready to write.
struct Reply {
    bytes: Rc<[u8]>,
    keep_alive: bool,
}

/// A file with its responses prepared, for keep-alive and for close.
struct Cached {
    full: [Rc<[u8]>; 2],
    head_only: [Rc<[u8]>; 2],
}

/// Marks a request under way while it lives. Zero-sized (the counts are
/// the thread's, as the loop is): an idle connection's state does not grow.
struct Busy;

impl Busy {
    fn new() -> Busy {
        SHUTDOWN.with(|s| s.in_flight.set(s.in_flight.get() + 1));
        Busy
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        SHUTDOWN.with(|s| s.in_flight.set(s.in_flight.get() - 1));
        Shutdown::exit_if_drained();
    }
}

/// The graceful shutdown's state.
struct Shutdown {
    /// Requests under way (see [`Busy`]).
    in_flight: Cell<usize>,
    /// Shutting down: no more keep-alive; exit when `in_flight` is 0.
    draining: Cell<bool>,
}

thread_local! {
    static SHUTDOWN: Shutdown = const {
        Shutdown { in_flight: Cell::new(0), draining: Cell::new(false) }
    };
}

impl Shutdown {
    fn draining() -> bool {
        SHUTDOWN.with(|s| s.draining.get())
    }

    /// Starts the shutdown: connections close after their response, and
    /// the process exits once no request is under way.
    fn drain() {
        SHUTDOWN.with(|s| s.draining.set(true));
        Shutdown::exit_if_drained();
    }

    fn exit_if_drained() {
        if SHUTDOWN.with(|s| s.draining.get() && s.in_flight.get() == 0) {
            // The idle keep-alive connections still wait for a next request
            // that will not be served: exiting closes them.
            eprintln!("knot: done");
            std::process::exit(0);
        }
    }
}

/// The served directory and its cache.
struct Site {
    root: PathBuf,
    idle: Duration,
    files: RefCell<HashMap<String, Option<Rc<Cached>>>>,
    errors: RefCell<HashMap<u16, Rc<[u8]>>>,
    /// The one read buffer of all connections (one thread, one read at a time).
    scratch: RefCell<Vec<u8>>,
}

impl Site {
    /// The next request of a connection whose unfinished bytes are
    /// `pending`: answered from what is there, or read from the socket (into
    /// the shared buffer) if nothing complete is.
    fn next_step(&self, stream: &TcpStream, pending: &mut Vec<u8>) -> Step {
        if pending.is_empty() {
            // Read into the shared buffer, answer straight from it, and
            // keep only what follows the first head.
            let mut scratch = self.scratch.borrow_mut();
            match stream.try_read(&mut scratch) {
                Ok(0) => Step::Close,
                Ok(n) => match http::head_end(&scratch[..n]) {
                    Some(end) => {
                        pending.extend_from_slice(&scratch[end..n]);
                        Step::Respond(self.answer(&scratch[..end]))
                    }
                    None => {
                        pending.extend_from_slice(&scratch[..n]);
                        self.incomplete(pending)
                    }
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Step::Wait,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => Step::Wait,
                Err(_) => Step::Close,
            }
        } else if let Some(end) = http::head_end(pending) {
            // A pipelined request is already here.
            let reply = self.answer(&pending[..end]);
            pending.drain(..end);
            if pending.is_empty() {
                *pending = Vec::new(); // idle connections hold no buffer
            }
            Step::Respond(reply)
        } else {
            let mut scratch = self.scratch.borrow_mut();
            match stream.try_read(&mut scratch) {
                Ok(0) => Step::Close,
                Ok(n) => {
                    pending.extend_from_slice(&scratch[..n]);
                    drop(scratch);
                    match http::head_end(pending) {
                        Some(_) => self.next_step(stream, pending),
                        None => self.incomplete(pending),
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Step::Wait,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => Step::Wait,
                Err(_) => Step::Close,
            }
        }
    }

    /// A head that has not ended yet: wait for more, unless it is too long.
    fn incomplete(&self, pending: &mut Vec<u8>) -> Step {
        if pending.len() >= http::HEAD_LIMIT {
            pending.clear();
            Step::Respond(self.error(ParseError::HeadTooLarge))
        } else {
            Step::Wait
        }
    }

    fn answer(&self, raw: &[u8]) -> Reply {
        let head = match http::parse(raw) {
            Ok(h) => h,
            Err(e) => return self.error(e),
        };
        self.respond(&head)
    }

    fn respond(&self, head: &Head<'_>) -> Reply {
        // While shutting down, every response says the connection closes.
        let keep_alive = head.keep_alive && !Shutdown::draining();
        let ka = usize::from(keep_alive);
        match head.method {
            Method::Get | Method::Head => {}
            Method::Other => return self.error(ParseError::MethodNotAllowed),
        }
        let file = self.file(head.path);
        let bytes = match (&file, head.method) {
            (Some(f), Method::Get) => f.full[ka].clone(),
            (Some(f), _) => f.head_only[ka].clone(),
            (None, _) => {
                let body = b"not found\n";
                let mut v =
                    http::response_head(404, "Not Found", "text/plain", body.len(), keep_alive);
                if head.method == Method::Get {
                    v.extend_from_slice(body);
                }
                Rc::from(v)
            }
        };
        Reply { bytes, keep_alive }
    }

    /// The cached responses of `path`, reading the file on first use.
    fn file(&self, path: &str) -> Option<Rc<Cached>> {
        if let Some(c) = self.files.borrow().get(path) {
            return c.clone();
        }
        let cached = http::resolve(&self.root, path)
            .and_then(|p| std::fs::read(&p).ok().map(|body| (p, body)))
            .map(|(p, body)| {
                let ctype = http::content_type(&p);
                let make = |keep: bool, with_body: bool| -> Rc<[u8]> {
                    let mut v = http::response_head(200, "OK", ctype, body.len(), keep);
                    if with_body {
                        v.extend_from_slice(&body);
                    }
                    Rc::from(v)
                };
                Rc::new(Cached {
                    full: [make(false, true), make(true, true)],
                    head_only: [make(false, false), make(true, false)],
                })
            });
        self.files
            .borrow_mut()
            .insert(path.to_owned(), cached.clone());
        cached
    }

    /// An error response; the connection closes after it.
    fn error(&self, e: ParseError) -> Reply {
        let (code, reason) = e.status();
        let bytes = self
            .errors
            .borrow_mut()
            .entry(code)
            .or_insert_with(|| {
                let body = format!("{code} {reason}\n");
                let mut v = http::response_head(code, reason, "text/plain", body.len(), false);
                v.extend_from_slice(body.as_bytes());
                Rc::from(v)
            })
            .clone();
        Reply {
            bytes,
            keep_alive: false,
        }
    }
}

fn main() {
    let mut root: Option<PathBuf> = None;
    let mut port: u16 = 8080;
    let mut idle_ms: u64 = 30_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => {
                root = Some(
                    args.next()
                        .map(PathBuf::from)
                        .unwrap_or_else(|| usage("--root needs a directory")),
                )
            }
            "--port" => {
                port = match args.next().map(|p| p.parse()) {
                    Some(Ok(p)) => p,
                    _ => usage("--port needs a number"),
                }
            }
            "--idle-ms" => {
                idle_ms = match args.next().map(|p| p.parse()) {
                    Some(Ok(p)) => p,
                    _ => usage("--idle-ms needs a number"),
                }
            }
            "-h" | "--help" => {
                println!(
                    "knot: an HTTP/1.1 static file server on one thread, one tamed function per connection\n\n\
                     usage: knot --root DIR --port PORT [--idle-ms MS]\n  \
                     --root DIR     the directory to serve (files are cached in memory on first request)\n  \
                     --port PORT    port on 127.0.0.1 (0 picks a free one); the bound address is printed on stdout's first line\n  \
                     --idle-ms MS   close a connection idle for MS milliseconds (default 30000; 0: never)\n\n\
                     SIGINT or SIGTERM: stop accepting, finish the requests under way, exit 0"
                );
                return;
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let Some(root) = root else {
        usage("--root DIR is required")
    };
    if !root.is_dir() {
        usage(&format!("{} is not a directory", root.display()));
    }
    // Before anything else: a signal that comes early then waits for the
    // accept loop instead of ending the process.
    for sig in [Signal::Int, Signal::Term] {
        if let Err(e) = sig.block() {
            eprintln!("knot: cannot block {sig}: {e}");
        }
    }
    let listener = tame_suite::listen_and_announce("knot", port);
    let site = Rc::new(Site {
        root,
        idle: Duration::from_millis(idle_ms),
        files: RefCell::new(HashMap::new()),
        errors: RefCell::new(HashMap::new()),
        scratch: RefCell::new(vec![0; 16 * 1024]),
    });
    accept_loop(listener, site);
    tame::run();
}

fn usage(problem: &str) -> ! {
    eprintln!("knot: {problem}\nusage: knot --root DIR --port PORT (try --help)");
    std::process::exit(2);
}
