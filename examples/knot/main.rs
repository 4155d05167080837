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
//!   readability with an empty `Vec`.

mod http;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, tvars, twait, Timeout};

use http::{Head, Method, ParseError};

/// What a connection's read delivers: the buffer and what the read did,
/// or `Timeout` if the client was idle too long.
type ReadResult = Result<(Vec<u8>, io::Result<usize>), Timeout>;

#[tamed]
fn accept_loop(listener: TcpListener, site: Rc<Site>) {
    tvars! { let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into()); }
    loop {
        twait! { listener.accept(mkevent!(accepted)); }
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
    }
}

/// One connection: read a request head, answer it, again until the client
/// closes, errs, idles out or asks to close.
#[tamed]
fn serve(stream: TcpStream, site: Rc<Site>) {
    tvars! {
        let mut buf: Vec<u8> = Vec::new();
        let mut got: ReadResult = Err(Timeout);
        let mut out: Rc<[u8]> = Rc::from(&b""[..]);
        let mut written: io::Result<()> = Ok(());
    }
    loop {
        if site.idle.is_zero() {
            twait! {
                let read = mkevent!(got).map(Ok);
                stream.read_until(std::mem::take(&mut buf), b"\r\n\r\n", http::HEAD_LIMIT, read);
            }
        } else {
            twait! {
                let read = tame::add_timeout(site.idle, mkevent!(got));
                stream.read_until(std::mem::take(&mut buf), b"\r\n\r\n", http::HEAD_LIMIT, read);
            }
        }
        let (b, res) = match std::mem::replace(&mut got, Err(Timeout)) {
            Ok(pair) => pair,
            Err(Timeout) => return, // idle too long
        };
        buf = b;
        let reply = match res {
            Ok(0) => return, // the client closed
            Ok(n) => {
                let reply = site.answer(&buf[..n]);
                buf.drain(..n);
                reply
            }
            // No end of head within the limit.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                site.error(ParseError::HeadTooLarge)
            }
            Err(_) => return,
        };
        if buf.is_empty() {
            // Idle connections hold no buffer.
            buf = Vec::new();
        }
        let keep_alive = reply.keep_alive;
        out = reply.bytes;
        twait! { stream.write_all(out.clone(), mkevent!(out, written)); }
        if written.is_err() || !keep_alive {
            return;
        }
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

/// The served directory and its cache.
struct Site {
    root: PathBuf,
    idle: Duration,
    files: RefCell<HashMap<String, Option<Rc<Cached>>>>,
    errors: RefCell<HashMap<u16, Rc<[u8]>>>,
}

impl Site {
    fn answer(&self, raw: &[u8]) -> Reply {
        let head = match http::parse(raw) {
            Ok(h) => h,
            Err(e) => return self.error(e),
        };
        self.respond(&head)
    }

    fn respond(&self, head: &Head<'_>) -> Reply {
        let keep_alive = head.keep_alive;
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
                     --idle-ms MS   close a connection idle for MS milliseconds (default 30000; 0: never)"
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
    let listener = match TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("knot: cannot listen on port {port}: {e}");
            std::process::exit(1);
        }
    };
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("{addr}");
    io::stdout().flush().expect("stdout");
    let site = Rc::new(Site {
        root,
        idle: Duration::from_millis(idle_ms),
        files: RefCell::new(HashMap::new()),
        errors: RefCell::new(HashMap::new()),
    });
    accept_loop(listener, site);
    tame::run();
}

fn usage(problem: &str) -> ! {
    eprintln!("knot: {problem}\nusage: knot --root DIR --port PORT (try --help)");
    std::process::exit(2);
}
