//! The workspace's root package: it owns `examples/` and `tests/` and holds
//! what they share. Not published; users depend on the `tame` crate alone.

// The README's Rust examples are compiled as doctests of this package.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod http;

use std::io::Write;
use std::net::SocketAddr;

/// What the example servers (knot, sleepy) do at start: listen on
/// `127.0.0.1:port` (0 picks a free port), print the bound address as
/// stdout's first line (the tests and `bench/run` read it), or exit with a
/// message naming `program` if the port cannot be had.
pub fn listen_and_announce(program: &str, port: u16) -> tame::net::TcpListener {
    let listener = match tame::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{program}: cannot listen on port {port}: {e}");
            std::process::exit(1);
        }
    };
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("{addr}");
    std::io::stdout().flush().expect("stdout");
    listener
}
