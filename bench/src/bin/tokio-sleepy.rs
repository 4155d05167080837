//! tokio-sleepy: the tokio peer of `sleepy`: `GET /<ms>` answers after
//! `<ms>` milliseconds; one `current_thread` runtime, one task per
//! connection (with its 4 KiB read buffer), keep-alive.
//!
//! ```text
//! tokio-sleepy --port PORT
//! ```

use std::time::Duration;

use tame_bench::http::{self, ParseError, Parsed};
use tame_bench::{error_response, sleepy_request, sleepy_response, Accepts, Flags, READ_BUF};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn serve(mut stream: TcpStream) {
    let mut buf = vec![0u8; READ_BUF];
    let mut filled = 0;
    loop {
        match stream.read(&mut buf[filled..]).await {
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
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    let out = sleepy_response(ms, keep_alive);
                    if stream.write_all(&out).await.is_err() || !keep_alive {
                        return;
                    }
                }
                Err(out) => {
                    let _ = stream.write_all(&out).await;
                    return;
                }
            }
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            // A head longer than 4 KiB: not a sleepy request.
            let _ = stream
                .write_all(&error_response(ParseError::HeadTooLarge))
                .await;
            return;
        }
    }
}

fn main() {
    let flags = Flags::parse("tokio-sleepy --port PORT", Accepts::default());
    let std_listener = flags.listen();
    std_listener.set_nonblocking(true).expect("nonblocking");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::from_std(std_listener).expect("listener");
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::task::spawn_local(serve(stream));
                }
                Err(e) => {
                    eprintln!("tokio-sleepy: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    });
}
