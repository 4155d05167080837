//! The descriptor and signal rows of the public contract (the names and
//! signatures programs we have not seen are written against), used exactly
//! as spelled there: if this file stops compiling, the contract broke.
#![deny(warnings)]
// The spelled-out types are the point of this file.
#![allow(clippy::type_complexity)]

use std::io;
use std::net::SocketAddr;
use std::path::Path;

use tame::net::{UdpSocket, UnixListener, UnixStream};
use tame::{Event, Signal};

#[test]
fn the_descriptor_rows_of_the_design_are_reachable_as_written() {
    // at_signal(sig: tame::Signal, ev: Event) -> io::Result<()>
    let at: fn(Signal, Event) -> io::Result<()> = tame::at_signal;
    let _ = (
        at,
        [
            Signal::Int,
            Signal::Term,
            Signal::Hup,
            Signal::Usr1,
            Signal::Usr2,
        ],
    );

    // UdpSocket: bind, local_addr, connect, send_to, recv_from, send, recv.
    let sock: UdpSocket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = sock.local_addr().unwrap();
    let connected: io::Result<()> = sock.connect(addr);
    connected.unwrap();
    let send_to: fn(&UdpSocket, Vec<u8>, SocketAddr, Event<(Vec<u8>, io::Result<usize>)>) =
        UdpSocket::send_to::<Vec<u8>>;
    let recv_from: fn(&UdpSocket, Vec<u8>, Event<(Vec<u8>, io::Result<(usize, SocketAddr)>)>) =
        UdpSocket::recv_from;
    let send: fn(&UdpSocket, &'static [u8], Event<(&'static [u8], io::Result<usize>)>) =
        UdpSocket::send::<&'static [u8]>;
    let recv: fn(&UdpSocket, Vec<u8>, Event<(Vec<u8>, io::Result<usize>)>) = UdpSocket::recv;
    let _ = (send_to, recv_from, send, recv);

    // UnixListener::bind(path), accept(&self, ev: Event<io::Result<UnixStream>>);
    // UnixStream::connect(path, ev: Event<io::Result<UnixStream>>), and the
    // stream operations of TcpStream.
    let bind: fn(&Path) -> io::Result<UnixListener> = |p| UnixListener::bind(p);
    let accept: fn(&UnixListener, Event<io::Result<UnixStream>>) = UnixListener::accept;
    let connect: fn(&Path, Event<io::Result<UnixStream>>) = |p, ev| UnixStream::connect(p, ev);
    let read: fn(&UnixStream, Vec<u8>, Event<(Vec<u8>, io::Result<usize>)>) = UnixStream::read;
    let write: fn(&UnixStream, Vec<u8>, Event<(Vec<u8>, io::Result<usize>)>) =
        UnixStream::write::<Vec<u8>>;
    let write_all: fn(&UnixStream, Vec<u8>, Event<(Vec<u8>, io::Result<()>)>) =
        UnixStream::write_all::<Vec<u8>>;
    let read_until: fn(
        &UnixStream,
        Vec<u8>,
        &'static [u8],
        usize,
        Event<(Vec<u8>, io::Result<usize>)>,
    ) = UnixStream::read_until::<&'static [u8]>;
    let close: fn(UnixStream) = UnixStream::close;
    let _ = (
        bind, accept, connect, read, write, write_all, read_until, close,
    );

    // A TcpStream splits into read and write halves owned by two tasks.
    let split: fn(
        tame::net::TcpStream,
    ) -> (
        tame::net::ReadHalf<tame::net::TcpStream>,
        tame::net::WriteHalf<tame::net::TcpStream>,
    ) = tame::net::TcpStream::into_split;
    let _ = split;

    // Any descriptor through one type, with a hang-up interest.
    let _fd: fn(std::os::fd::OwnedFd) -> io::Result<tame::io::Fd> = tame::io::Fd::new;
    let _pipe: fn() -> io::Result<(tame::io::Fd, tame::io::Fd)> = tame::io::pipe;
    let _hup = tame::Interest::HangUp;
    sock.close();
}
