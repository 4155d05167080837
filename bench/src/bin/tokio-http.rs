//! tokio-http: the tokio peer of `knot`, of the same design: one
//! `current_thread` runtime, one task per connection, keep-alive and
//! pipelining, files cached in memory with their responses prepared, the
//! same request-head parser. With `--buffer per-conn` (the default, the
//! plain tokio design) each connection owns a 4 KiB read buffer for its
//! whole life; with `--buffer shared` it waits for readability and reads
//! into one buffer shared by all connections, as knot does, so an idle
//! connection holds no buffer. Like knot, every wait for a request is
//! bounded by an idle timeout (`--idle-ms`, default 30 s; 0: none).
//!
//! `--threads N` (N > 1, `--buffer per-conn` only) runs tokio's usual
//! multi-core design instead: one `multi_thread` runtime with N workers
//! (work stealing), one listener, `tokio::spawn` per connection. The file
//! cache is then one per worker thread (a thread-local, as each of knot's
//! loops has its own), so no lock and no shared counter is on the request
//! path.
//!
//! ```text
//! tokio-http --root DIR --port PORT [--buffer per-conn|shared] [--idle-ms MS] [--threads N]
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::ops::Deref;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tame_bench::http::{self, Parsed};
use tame_bench::{error_response, not_found, Accepts, Buffer, Flags, Prepared, READ_BUF};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::spawn_local;

/// The served directory and its cache of prepared responses. (`pub(crate)`,
/// like [`serve_shared`], for `task-size`, which includes this file as a
/// module to measure that task.)
pub(crate) struct Site {
    pub(crate) root: PathBuf,
    pub(crate) idle: Option<Duration>,
    pub(crate) files: RefCell<HashMap<String, Option<Rc<Prepared>>>>,
}

impl Site {
    fn file(&self, path: &str) -> Option<Rc<Prepared>> {
        if let Some(f) = self.files.borrow().get(path) {
            return f.clone();
        }
        let f = Prepared::load(&self.root, path).map(Rc::new);
        self.files.borrow_mut().insert(path.to_owned(), f.clone());
        f
    }
}

/// Where a connection finds a file's prepared responses and its idle
/// timeout: `Rc<Site>` on the `current_thread` runtime, `Arc<Shared>` (with a
/// cache per worker thread) on the `multi_thread` one.
trait Files {
    type File: Deref<Target = Prepared>;
    fn file(&self, path: &str) -> Option<Self::File>;
    fn idle(&self) -> Option<Duration>;
}

impl Files for Rc<Site> {
    type File = Rc<Prepared>;
    fn file(&self, path: &str) -> Option<Rc<Prepared>> {
        Site::file(self, path)
    }
    fn idle(&self) -> Option<Duration> {
        self.idle
    }
}

/// `--threads N`: what the worker threads share (read-only).
struct Shared {
    root: PathBuf,
    idle: Option<Duration>,
}

thread_local! {
    /// `--threads N`: this worker thread's cache of prepared responses.
    static FILES: RefCell<HashMap<String, Option<Arc<Prepared>>>> = RefCell::new(HashMap::new());
}

impl Files for Arc<Shared> {
    type File = Arc<Prepared>;
    fn file(&self, path: &str) -> Option<Arc<Prepared>> {
        FILES.with(|files| {
            if let Some(f) = files.borrow().get(path) {
                return f.clone();
            }
            let f = Prepared::load(&self.root, path).map(Arc::new);
            files.borrow_mut().insert(path.to_owned(), f.clone());
            f
        })
    }
    fn idle(&self) -> Option<Duration> {
        self.idle
    }
}

/// What to write for one request head.
enum Reply<F> {
    File(F, http::Method, bool),
    Other(Vec<u8>, bool),
}

impl<F: Deref<Target = Prepared>> Reply<F> {
    fn bytes(&self) -> &[u8] {
        match self {
            Reply::File(f, m, ka) => f.get(*m, *ka),
            Reply::Other(v, _) => v,
        }
    }

    fn keep_alive(&self) -> bool {
        match self {
            Reply::File(_, _, ka) | Reply::Other(_, ka) => *ka,
        }
    }
}

/// The reply to the request at the start of `buf`, and how many bytes it
/// took; `None` if no complete head is there yet.
fn answer<S: Files>(site: &S, buf: &[u8]) -> Option<(Reply<S::File>, usize)> {
    match http::parse_request(buf) {
        Ok(Parsed::Incomplete) => None,
        Ok(Parsed::Complete { head, consumed }) => {
            let reply = match site.file(head.path) {
                Some(f) => Reply::File(f, head.method, head.keep_alive),
                None => Reply::Other(not_found(head.method, head.keep_alive), head.keep_alive),
            };
            Some((reply, consumed))
        }
        // Closes after the answer; nothing after it is looked at.
        Err(e) => Some((Reply::Other(error_response(e), false), buf.len())),
    }
}

/// `f`, given up (`None`) if it takes longer than `idle`: the idle timeout
/// knot arms around each read (a connection that sends nothing, or only
/// part of a head, for that long is closed).
async fn within<F: Future>(idle: Option<Duration>, f: F) -> Option<F::Output> {
    match idle {
        Some(limit) => tokio::time::timeout(limit, f).await.ok(),
        None => Some(f.await),
    }
}

/// Closes after a last response: FIN first, then read and drop what the
/// client still sends (at most 64 KiB, for at most a second) before the
/// socket closes. Closing with unread input makes the kernel send a reset,
/// which can destroy the response (a 431 for an oversized head) before the
/// client reads it.
async fn linger_close(mut stream: TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let drain = async {
        let mut sink = [0u8; 1024];
        let mut left = 64 * 1024;
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(n) => left -= n.min(left),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

/// `--buffer per-conn`: a 4 KiB buffer for the connection's whole life
/// (grown to the head limit for a long head).
async fn serve<S: Files>(mut stream: TcpStream, site: S) {
    let mut buf = vec![0u8; READ_BUF];
    let mut filled = 0;
    loop {
        match within(site.idle(), stream.read(&mut buf[filled..])).await {
            None | Some(Ok(0) | Err(_)) => return,
            Some(Ok(n)) => filled += n,
        }
        // Answer every complete head in the buffer, in order.
        let mut start = 0;
        while let Some((reply, used)) = answer(&site, &buf[start..filled]) {
            start += used;
            if stream.write_all(reply.bytes()).await.is_err() {
                return;
            }
            if !reply.keep_alive() {
                return linger_close(stream).await;
            }
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            // parse_request refuses a head before it outgrows HEAD_LIMIT.
            buf.resize(http::HEAD_LIMIT, 0);
        }
    }
}

/// `--buffer shared`: knot's design on tokio. Wait for readability, read
/// into the one buffer of all connections, answer from there, and keep only
/// an unfinished head (or pipelined rest): an idle connection holds no
/// buffer at all.
pub(crate) async fn serve_shared(
    mut stream: TcpStream,
    site: Rc<Site>,
    scratch: Rc<RefCell<Vec<u8>>>,
) {
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let reply = if pending.is_empty() {
            if !matches!(within(site.idle, stream.readable()).await, Some(Ok(()))) {
                return;
            }
            let mut scratch = scratch.borrow_mut();
            let n = match stream.try_read(&mut scratch) {
                Ok(0) => return,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(_) => return,
            };
            match answer(&site, &scratch[..n]) {
                Some((reply, used)) => {
                    pending.extend_from_slice(&scratch[used..n]);
                    reply
                }
                None => {
                    pending.extend_from_slice(&scratch[..n]);
                    continue;
                }
            }
        } else if let Some((reply, used)) = answer(&site, &pending) {
            pending.drain(..used);
            if pending.is_empty() {
                pending = Vec::new(); // idle connections hold no buffer
            }
            reply
        } else {
            if !matches!(within(site.idle, stream.readable()).await, Some(Ok(()))) {
                return;
            }
            let scratch = &mut scratch.borrow_mut()[..];
            match stream.try_read(scratch) {
                Ok(0) => return,
                Ok(n) => pending.extend_from_slice(&scratch[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
            continue;
        };
        // The scratch borrow ended above: other connections may read while
        // this one writes.
        if stream.write_all(reply.bytes()).await.is_err() {
            return;
        }
        if !reply.keep_alive() {
            return linger_close(stream).await;
        }
    }
}

fn main() {
    let flags = Flags::parse(
        "tokio-http --root DIR --port PORT [--buffer per-conn|shared] [--idle-ms MS] [--threads N]",
        Accepts {
            root: true,
            buffer: true,
            idle: true,
            threads: true,
        },
    );
    if flags.threads > 1 && flags.buffer == Buffer::Shared {
        eprintln!("tokio-http: --buffer shared is for one thread (its buffer is the loop's)");
        std::process::exit(2);
    }
    let buffer = flags.buffer;
    let std_listener = flags.listen();
    std_listener.set_nonblocking(true).expect("nonblocking");
    let root = flags.root.expect("checked by Flags::parse");
    if flags.threads > 1 {
        return multi_thread(std_listener, root, flags.idle, flags.threads);
    }
    let site = Rc::new(Site {
        root,
        idle: flags.idle,
        files: RefCell::new(HashMap::new()),
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::from_std(std_listener).expect("listener");
        let scratch = Rc::new(RefCell::new(vec![0u8; READ_BUF]));
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    match buffer {
                        Buffer::PerConn => spawn_local(serve(stream, site.clone())),
                        Buffer::Shared => {
                            spawn_local(serve_shared(stream, site.clone(), scratch.clone()))
                        }
                    };
                }
                Err(e) => {
                    eprintln!("tokio-http: accept: {e}");
                    // Out of fds, most likely: back off instead of spinning.
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
        }
    });
}

/// `--threads N`: a `multi_thread` runtime of `threads` workers, the accept
/// loop a task on it (not the `block_on` future, which would run on this
/// thread, a worker more), `tokio::spawn` per connection.
fn multi_thread(
    std_listener: std::net::TcpListener,
    root: PathBuf,
    idle: Option<Duration>,
    threads: usize,
) {
    let shared = Arc::new(Shared { root, idle });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let accepting = tokio::spawn(async move {
            let listener = TcpListener::from_std(std_listener).expect("listener");
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(serve(stream, shared.clone()));
                    }
                    Err(e) => {
                        eprintln!("tokio-http: accept: {e}");
                        // Out of fds, most likely: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
        accepting.await.expect("the accept loop");
    });
}
