//! loadgen: the connection-count load of `bench/run`, on a tokio
//! `current_thread` runtime.
//!
//! ```text
//! loadgen idle ADDR N         N keep-alive connections, one GET /index.html
//!                             answered on each, then held open (idle) until
//!                             stdin closes; prints "ready" once all are idle
//! loadgen sleepers ADDR N MS  N connections at once, each GET /MS; prints
//!                             "wall_ms: T ok: K errors: E" when all are answered
//! ```
//!
//! Raise the open-files limit first (`ulimit -n 20000` for 10,000).

use std::io::{self, Read};
use std::net::SocketAddr;
use std::time::Instant;

use tame_bench::http;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::{spawn_local, JoinHandle};

/// Connections opened at once in `idle` mode (more would overflow the
/// servers' listen backlog and wait for SYN retransmits).
const CONNECT_BATCH: usize = 200;

/// Connects, sends `GET path`, reads the whole response (head and
/// `Content-Length` bytes of body), returns the open connection.
async fn request(addr: SocketAddr, path: &str) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(req.as_bytes()).await?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = http::head_end(&buf) {
            break end;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| io::ErrorKind::InvalidData)?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(io::Error::other(format!(
            "unexpected response: {}",
            head.lines().next().unwrap_or("")
        )));
    }
    let len: usize = head
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .ok_or(io::ErrorKind::InvalidData)?;
    let mut have = buf.len() - end;
    while have < len {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        have += n;
    }
    Ok(stream)
}

async fn idle(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut open = Vec::with_capacity(n);
    while open.len() < n {
        let batch = CONNECT_BATCH.min(n - open.len());
        let tasks: Vec<JoinHandle<io::Result<TcpStream>>> = (0..batch)
            .map(|_| spawn_local(request(addr, "/index.html")))
            .collect();
        for t in tasks {
            match t.await.expect("request task") {
                Ok(s) => open.push(s),
                Err(e) => {
                    eprintln!("loadgen: connection {}: {e}", open.len());
                    std::process::exit(1);
                }
            }
        }
    }
    open
}

async fn sleepers(addr: SocketAddr, n: usize, ms: u64) -> (usize, usize) {
    let path = format!("/{ms}");
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let path = path.clone();
            spawn_local(async move { request(addr, &path).await.map(drop) })
        })
        .collect();
    let (mut ok, mut errors) = (0, 0);
    for t in tasks {
        match t.await.expect("request task") {
            Ok(()) => ok += 1,
            Err(e) => {
                if errors == 0 {
                    eprintln!("loadgen: first error: {e}");
                }
                errors += 1;
            }
        }
    }
    (ok, errors)
}

fn usage() -> ! {
    eprintln!("usage: loadgen idle ADDR N | loadgen sleepers ADDR N MS");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr: SocketAddr = match args.get(1).map(|a| a.parse()) {
        Some(Ok(a)) => a,
        _ => usage(),
    };
    let n: usize = match args.get(2).map(|a| a.parse()) {
        Some(Ok(n)) => n,
        _ => usage(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    match args[0].as_str() {
        "idle" if args.len() == 3 => {
            let open = local.block_on(&rt, idle(addr, n));
            println!("ready");
            // Hold the connections until stdin closes (or a signal ends us).
            let _ = io::stdin().read_to_end(&mut Vec::new());
            drop(open);
        }
        "sleepers" if args.len() == 4 => {
            let ms: u64 = args[3].parse().unwrap_or_else(|_| usage());
            let start = Instant::now();
            let (ok, errors) = local.block_on(&rt, sleepers(addr, n, ms));
            let wall = start.elapsed().as_millis();
            println!("wall_ms: {wall} ok: {ok} errors: {errors}");
            if errors > 0 {
                std::process::exit(1);
            }
        }
        _ => usage(),
    }
}
