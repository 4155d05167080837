//! `TcpListener::bind_reuse_port`: one port, one listener per thread's
//! loop, every connection answered by one of them.

use std::io::Read;
use std::net::SocketAddr;

use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, twait};

#[test]
fn listeners_bound_with_reuse_port_share_a_port_that_a_plain_bind_cannot_take() {
    let a = TcpListener::bind_reuse_port("127.0.0.1:0").unwrap();
    let addr = a.local_addr().unwrap();
    let b = TcpListener::bind_reuse_port(addr).unwrap();
    assert_eq!(b.local_addr().unwrap(), addr);
    let plain = std::net::TcpListener::bind(addr);
    assert_eq!(
        plain.err().map(|e| e.kind()),
        Some(std::io::ErrorKind::AddrInUse)
    );
}

#[tamed]
fn answer_with(listener: TcpListener, name: &'static str) {
    loop {
        let accepted: std::io::Result<(TcpStream, SocketAddr)>;
        twait! { listener.accept(mkevent!(accepted)); }
        if let Ok((conn, _)) = accepted {
            let _ = conn.try_write(name.as_bytes());
        }
    }
}

#[test]
fn two_loops_on_two_threads_answer_every_connection_to_the_port() {
    let first = TcpListener::bind_reuse_port("127.0.0.1:0").unwrap();
    let addr = first.local_addr().unwrap();
    let second = TcpListener::bind_reuse_port(addr).unwrap();
    for (listener, name) in [(first, "one"), (second, "two")] {
        let l = listener.into_std().unwrap();
        // The servers run until the test process ends.
        std::thread::spawn(move || {
            answer_with(TcpListener::from_std(l).unwrap(), name);
            tame::run();
        });
    }
    let mut by = [0usize; 2];
    for _ in 0..200 {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        let mut name = String::new();
        c.read_to_string(&mut name).unwrap();
        match name.as_str() {
            "one" => by[0] += 1,
            "two" => by[1] += 1,
            other => panic!("answered by {other:?}"),
        }
    }
    assert_eq!(by[0] + by[1], 200);
}
