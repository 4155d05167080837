//! thread-sleepy: the thread-per-connection peer of `sleepy`: `GET /<ms>`
//! answers after `<ms>` milliseconds; blocking std sockets, one thread per
//! connection (with its 4 KiB read buffer), keep-alive.
//!
//! ```text
//! thread-sleepy --port PORT
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use tame_bench::http;
use tame_bench::{sleepy_request, sleepy_response, Flags, READ_BUF};

fn serve(mut stream: TcpStream) {
    let mut buf = vec![0u8; READ_BUF];
    let mut filled = 0;
    loop {
        match stream.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        let mut start = 0;
        while let Some(end) = http::head_end(&buf[start..filled]) {
            let request = sleepy_request(&buf[start..start + end]);
            start += end;
            match request {
                Ok((ms, keep_alive)) => {
                    std::thread::sleep(Duration::from_millis(ms));
                    let out = sleepy_response(ms, keep_alive);
                    if stream.write_all(&out).is_err() || !keep_alive {
                        return;
                    }
                }
                Err(out) => {
                    let _ = stream.write_all(&out);
                    return;
                }
            }
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            return; // a head longer than the buffer: not a sleepy request
        }
    }
}

fn main() {
    let flags = Flags::parse("thread-sleepy --port PORT", false);
    let listener = flags.listen();
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = std::thread::Builder::new().spawn(move || serve(stream)) {
                    eprintln!("thread-sleepy: spawn: {e}");
                }
            }
            Err(e) => {
                eprintln!("thread-sleepy: accept: {e}");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}
