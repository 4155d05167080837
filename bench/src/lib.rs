//! Shared pieces of the peer servers in `src/bin/`: the request-head parser
//! of `knot` and `sleepy` (the same file, so every server does the same work
//! per request), command-line flags and the prepared responses of a file.

#[path = "../../src/http.rs"]
pub mod http;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// knot's default idle timeout (`--idle-ms`), which the file-server peers
/// share: knot arms a timeout around every read, so they do too.
pub const DEFAULT_IDLE_MS: u64 = 30_000;

/// The flags every server takes: `--port PORT` and, for the file servers,
/// `--root DIR` (and `--buffer`, where a server offers the choice).
pub struct Flags {
    pub root: Option<PathBuf>,
    pub port: u16,
    pub buffer: Buffer,
    /// `--idle-ms MS`: close a connection idle for this long (`None`: never,
    /// from `--idle-ms 0`). Default 30 s, knot's default.
    pub idle: Option<Duration>,
    /// `--threads N`: worker threads (default 1).
    pub threads: usize,
}

/// Where a server reads requests into (`--buffer per-conn|shared`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buffer {
    /// One 4 KiB buffer per connection, held for its whole life: the plain
    /// design (tokio with a 4 KiB read buffer per connection).
    PerConn,
    /// Wait for readability, read into one buffer shared by all
    /// connections, keep only an unfinished head: what knot does.
    Shared,
}

/// What a server's command line may contain besides `--port`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accepts {
    /// `--root DIR`, required.
    pub root: bool,
    /// `--buffer per-conn|shared` (default per-conn).
    pub buffer: bool,
    /// `--idle-ms MS` (default 30000, as knot; 0: no idle timeout).
    pub idle: bool,
    /// `--threads N` (default 1).
    pub threads: bool,
}

impl Flags {
    /// Parses `std::env::args()`; prints usage and exits on anything else.
    /// `usage` is the one-line synopsis of the binary.
    pub fn parse(usage: &str, accepts: Accepts) -> Flags {
        let mut flags = Flags {
            root: None,
            port: 8080,
            buffer: Buffer::PerConn,
            idle: Some(Duration::from_millis(DEFAULT_IDLE_MS)),
            threads: 1,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--root" if accepts.root => flags.root = args.next().map(PathBuf::from),
                "--port" => match args.next().map(|p| p.parse()) {
                    Some(Ok(p)) => flags.port = p,
                    _ => fail(usage, "--port needs a number"),
                },
                "--buffer" if accepts.buffer => match args.next().as_deref() {
                    Some("per-conn") => flags.buffer = Buffer::PerConn,
                    Some("shared") => flags.buffer = Buffer::Shared,
                    _ => fail(usage, "--buffer is per-conn or shared"),
                },
                "--idle-ms" if accepts.idle => match args.next().map(|p| p.parse()) {
                    Some(Ok(0)) => flags.idle = None,
                    Some(Ok(ms)) => flags.idle = Some(Duration::from_millis(ms)),
                    _ => fail(usage, "--idle-ms needs a number"),
                },
                "--threads" if accepts.threads => match args.next().map(|n| n.parse()) {
                    Some(Ok(n)) if n > 0 => flags.threads = n,
                    _ => fail(usage, "--threads needs a number, at least 1"),
                },
                "-h" | "--help" => {
                    println!("usage: {usage}\n(port 0 picks a free one; the bound address is printed on stdout's first line)");
                    std::process::exit(0);
                }
                other => fail(usage, &format!("unknown argument {other:?}")),
            }
        }
        if accepts.root && !flags.root.as_deref().is_some_and(Path::is_dir) {
            fail(usage, "--root DIR (a directory) is required");
        }
        flags
    }

    /// Binds 127.0.0.1:PORT with std, raises the listen backlog as tame's
    /// listeners do (see [`raise_backlog`]) and prints the bound address.
    pub fn listen(&self) -> std::net::TcpListener {
        let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], self.port)))
            .and_then(|l| raise_backlog(&l).map(|()| l))
            .unwrap_or_else(|e| {
                eprintln!("cannot listen on port {}: {e}", self.port);
                std::process::exit(1)
            });
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        println!("{addr}");
        use std::io::Write;
        std::io::stdout().flush().expect("stdout");
        listener
    }
}

/// Listens again with the largest backlog the kernel grants
/// (`net.core.somaxconn`, 4096 here; larger values are capped silently),
/// as `tame::net::TcpListener` does: std listens with 128, which drops SYNs
/// when thousands of clients connect at once and costs them a 1 s (then 3 s,
/// 7 s) retransmit. The peers must not pay that when tame does not.
pub fn raise_backlog(listener: &std::net::TcpListener) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    extern "C" {
        // listen(2), from the C library std already links.
        fn listen(fd: std::os::raw::c_int, backlog: std::os::raw::c_int) -> std::os::raw::c_int;
    }
    // SAFETY: `listen` takes a descriptor and an int and touches no memory
    // of ours; the descriptor is valid while `listener` is borrowed, and
    // listening again on a listening socket only updates its backlog.
    let rc = unsafe { listen(listener.as_raw_fd(), std::os::raw::c_int::MAX) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn fail(usage: &str, problem: &str) -> ! {
    eprintln!("{problem}\nusage: {usage}");
    std::process::exit(2)
}

/// The four prepared responses of a file, indexed by `[keep_alive as usize]`:
/// with the body (GET) and head only (HEAD). Like knot's cache of a small
/// file (bench/run serves one of about 600 bytes): a request costs one read
/// and one write.
pub struct Prepared {
    pub full: [Vec<u8>; 2],
    pub head_only: [Vec<u8>; 2],
}

impl Prepared {
    /// Reads the file `path` names under `root`, or `None` if there is none.
    pub fn load(root: &Path, path: &str) -> Option<Prepared> {
        let file = http::resolve(root, path)?;
        let body = std::fs::read(&file).ok()?;
        let ctype = http::content_type(&file);
        let make = |keep: bool, with_body: bool| {
            let mut v = http::response_head(200, "OK", ctype, body.len() as u64, keep);
            if with_body {
                v.extend_from_slice(&body);
            }
            v
        };
        Some(Prepared {
            full: [make(false, true), make(true, true)],
            head_only: [make(false, false), make(true, false)],
        })
    }

    /// The response to `method` on this file.
    pub fn get(&self, method: http::Method, keep_alive: bool) -> &[u8] {
        let ka = usize::from(keep_alive);
        match method {
            http::Method::Get => &self.full[ka],
            _ => &self.head_only[ka],
        }
    }
}

/// The 404 response.
pub fn not_found(method: http::Method, keep_alive: bool) -> Vec<u8> {
    let body = b"not found\n";
    let mut v = http::response_head(
        404,
        "Not Found",
        "text/plain",
        body.len() as u64,
        keep_alive,
    );
    if method == http::Method::Get {
        v.extend_from_slice(body);
    }
    v
}

/// An error response; the connection closes after it.
pub fn error_response(e: http::ParseError) -> Vec<u8> {
    let (code, reason) = e.status();
    let body = format!("{code} {reason}\n");
    let mut v = http::response_head(code, reason, "text/plain", body.len() as u64, false);
    v.extend_from_slice(body.as_bytes());
    v
}

/// What `sleepy` answers to `GET /<ms>` (the same bytes as the tame one).
pub fn sleepy_response(ms: u64, keep_alive: bool) -> Vec<u8> {
    let body = format!("slept {ms} ms\n");
    let conn = if keep_alive { "keep-alive" } else { "close" };
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {conn}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Longest sleep granted, as in `sleepy`.
pub const MAX_SLEEP_MS: u64 = 60_000;

/// What sleepy does with a parsed head: `Ok((ms, keep_alive))` for
/// `GET /<ms>`, or the error response to send before closing.
pub fn sleepy_request(head: &http::Head<'_>) -> Result<(u64, bool), Vec<u8>> {
    // Digits only, as sleepy (`u64::from_str` would take a leading `+`).
    let digits = head
        .path
        .strip_prefix('/')
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
    match digits.map(str::parse::<u64>) {
        Some(Ok(ms)) => Ok((ms.min(MAX_SLEEP_MS), head.keep_alive)),
        _ => Err(error_response(http::ParseError::BadRequest)),
    }
}

/// The size of a connection's read buffer in the peer servers (the plain
/// design: one per connection, held while idle).
pub const READ_BUF: usize = 4096;
