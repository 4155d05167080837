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

use tame_bench::http::{self, ParseError, Parsed};
use tame_bench::{error_response, sleepy_request, sleepy_response, Accepts, Flags, READ_BUF};

fn serve(mut stream: TcpStream) {
    let mut buf = vec![0u8; READ_BUF];
    let mut filled = 0;
    loop {
        match stream.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        let mut start = 0;
        loop {
            let request = match http::parse_request(&buf[start..filled]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Complete { head, consumed }) => {
                    start += consumed;
                    sleepy_request(&head)
                }
                Err(e) => Err(error_response(e)),
            };
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
            // A head longer than 4 KiB: not a sleepy request.
            let _ = stream.write_all(&error_response(ParseError::HeadTooLarge));
            return;
        }
    }
}

fn main() {
    let flags = Flags::parse("thread-sleepy --port PORT", Accepts::default());
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
