//! tokio-http: the tokio peer of `knot`, of the same design: one
//! `current_thread` runtime, one task per connection, keep-alive and
//! pipelining, files cached in memory with their responses prepared, the
//! same request-head parser. Each connection owns a 4 KiB read buffer for
//! its whole life (the plain tokio design; knot holds none while idle).
//!
//! ```text
//! tokio-http --root DIR --port PORT
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use tame_bench::http::{self, ParseError};
use tame_bench::{error_response, not_found, Flags, Prepared, READ_BUF};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The served directory and its cache of prepared responses.
struct Site {
    root: PathBuf,
    files: RefCell<HashMap<String, Option<Rc<Prepared>>>>,
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

/// What to write for one request head.
enum Reply {
    File(Rc<Prepared>, http::Method, bool),
    Other(Vec<u8>, bool),
}

impl Reply {
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

fn answer(site: &Site, raw: &[u8]) -> Reply {
    match http::parse(raw) {
        Ok(head) => match site.file(head.path) {
            Some(f) => Reply::File(f, head.method, head.keep_alive),
            None => Reply::Other(not_found(head.method, head.keep_alive), head.keep_alive),
        },
        Err(e) => Reply::Other(error_response(e), false),
    }
}

async fn serve(mut stream: TcpStream, site: Rc<Site>) {
    let mut buf = vec![0u8; READ_BUF];
    let mut filled = 0;
    loop {
        match stream.read(&mut buf[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        // Answer every complete head in the buffer, in order.
        let mut start = 0;
        while let Some(end) = http::head_end(&buf[start..filled]) {
            let reply = answer(&site, &buf[start..start + end]);
            start += end;
            if stream.write_all(reply.bytes()).await.is_err() || !reply.keep_alive() {
                return;
            }
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            if buf.len() >= http::HEAD_LIMIT {
                let _ = stream
                    .write_all(&error_response(ParseError::HeadTooLarge))
                    .await;
                return;
            }
            buf.resize(http::HEAD_LIMIT, 0);
        }
    }
}

fn main() {
    let flags = Flags::parse("tokio-http --root DIR --port PORT", true);
    let std_listener = flags.listen();
    std_listener.set_nonblocking(true).expect("nonblocking");
    let site = Rc::new(Site {
        root: flags.root.expect("checked by Flags::parse"),
        files: RefCell::new(HashMap::new()),
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::from_std(std_listener).expect("listener");
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::task::spawn_local(serve(stream, site.clone()));
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
