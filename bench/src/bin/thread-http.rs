//! thread-http: the thread-per-connection peer of `knot`: blocking std
//! sockets, one thread per connection, keep-alive and pipelining, files
//! cached in memory with their responses prepared, the same request-head
//! parser, a 4 KiB read buffer per connection, knot's idle timeout
//! (`--idle-ms`, default 30 s; 0: none) as the socket's read timeout.
//!
//! ```text
//! thread-http --root DIR --port PORT [--idle-ms MS]
//! ```

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tame_bench::http::{self, Parsed};
use tame_bench::{error_response, not_found, Accepts, Flags, Prepared, READ_BUF};

/// The served directory and its cache, shared by the connection threads.
struct Site {
    root: PathBuf,
    files: Mutex<HashMap<String, Option<Arc<Prepared>>>>,
}

impl Site {
    fn file(&self, path: &str) -> Option<Arc<Prepared>> {
        let mut files = self.files.lock().expect("cache lock");
        if let Some(f) = files.get(path) {
            return f.clone();
        }
        let f = Prepared::load(&self.root, path).map(Arc::new);
        files.insert(path.to_owned(), f.clone());
        f
    }
}

/// Answers the request at the start of `buf`: `Some((keep_open, used))`
/// once a complete head was there and answered, `None` if none is yet.
fn answer(stream: &mut TcpStream, site: &Site, buf: &[u8]) -> Option<(bool, usize)> {
    let (bytes, keep_alive, used) = match http::parse_request(buf) {
        Ok(Parsed::Incomplete) => return None,
        Ok(Parsed::Complete { head, consumed }) => match site.file(head.path) {
            Some(f) => {
                let written = stream.write_all(f.get(head.method, head.keep_alive));
                return Some((written.is_ok() && head.keep_alive, consumed));
            }
            None => (
                not_found(head.method, head.keep_alive),
                head.keep_alive,
                consumed,
            ),
        },
        Err(e) => (error_response(e), false, buf.len()),
    };
    Some((stream.write_all(&bytes).is_ok() && keep_alive, used))
}

/// Closes after a last response: FIN first, then read and drop what the
/// client still sends (at most 64 KiB, for at most a second). Closing with
/// unread input makes the kernel send a reset, which can destroy the
/// response (a 431 for an oversized head) before the client reads it.
fn linger_close(mut stream: TcpStream) {
    if stream.shutdown(Shutdown::Write).is_err()
        || stream
            .set_read_timeout(Some(Duration::from_secs(1)))
            .is_err()
    {
        return;
    }
    let mut sink = [0u8; 1024];
    let mut left = 64 * 1024;
    while left > 0 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => left -= n.min(left),
        }
    }
}

fn serve(mut stream: TcpStream, site: &Site) {
    let mut buf = vec![0u8; READ_BUF];
    let mut filled = 0;
    loop {
        match stream.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        let mut start = 0;
        while let Some((keep_open, used)) = answer(&mut stream, site, &buf[start..filled]) {
            start += used;
            if !keep_open {
                return linger_close(stream);
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

fn main() {
    let flags = Flags::parse(
        "thread-http --root DIR --port PORT [--idle-ms MS]",
        Accepts {
            root: true,
            idle: true,
            ..Accepts::default()
        },
    );
    let listener = flags.listen();
    let site = Arc::new(Site {
        root: flags.root.expect("checked by Flags::parse"),
        files: Mutex::new(HashMap::new()),
    });
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                // The idle timeout, kept by the kernel (SO_RCVTIMEO): a
                // read that waits longer fails and the thread ends.
                let _ = stream.set_read_timeout(flags.idle);
                let site = site.clone();
                if let Err(e) = std::thread::Builder::new().spawn(move || serve(stream, &site)) {
                    eprintln!("thread-http: spawn: {e}");
                }
            }
            Err(e) => {
                eprintln!("thread-http: accept: {e}");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}
