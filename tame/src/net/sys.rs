//! What `std::net` cannot do: start a TCP connection without blocking the
//! thread, and listen with a long accept queue.
//!
//! `std::net::TcpStream::connect` blocks until the handshake is over, and std
//! has no way to make an unconnected socket. So this file makes the socket
//! and starts the connect with rustix's `net` API, and hands the fd to std at
//! once. Everything else (`SO_ERROR`, `TCP_NODELAY`, shutdown, reads and
//! writes) goes through std or rustix elsewhere.

use std::io;
use std::net::{self, SocketAddr};

use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};

/// Raises a listening socket's accept queue to the kernel's maximum
/// (`net.core.somaxconn`; Linux caps larger values silently). std listens
/// with a backlog of 128, too short for thousands of clients connecting at
/// once: the rest would see their SYNs dropped and retry a second later.
/// Calling `listen(2)` again on a listening socket just updates it.
pub(super) fn raise_backlog(listener: &net::TcpListener) -> io::Result<()> {
    rustix::net::listen(listener, i32::MAX)?;
    Ok(())
}

/// Whether a non-blocking connect finished at once or is under way.
pub(super) enum Connecting {
    /// Connected already (can happen on loopback).
    Done(net::TcpStream),
    /// `EINPROGRESS`: wait for writability, then check `SO_ERROR`.
    InProgress(net::TcpStream),
}

/// Makes a non-blocking, close-on-exec TCP socket and starts connecting it
/// to `addr`.
pub(super) fn start_connect(addr: SocketAddr) -> io::Result<Connecting> {
    let domain = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let fd = rustix::net::socket_with(
        domain,
        SocketType::STREAM,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    )?;
    // std passes a V6 flow label into `sin6_flowinfo` unchanged (and reads it
    // back unchanged in `peer_addr`), while rustix converts it to network
    // order. Undo that so `connect` behaves like std's.
    let addr = match addr {
        SocketAddr::V6(mut a) => {
            a.set_flowinfo(u32::from_be(a.flowinfo()));
            SocketAddr::V6(a)
        }
        v4 => v4,
    };
    let result = rustix::net::connect(&fd, &addr);
    let sock = net::TcpStream::from(fd);
    match result {
        Ok(()) => Ok(Connecting::Done(sock)),
        // An interrupted connect goes on asynchronously, like EINPROGRESS.
        Err(Errno::INPROGRESS | Errno::INTR) => Ok(Connecting::InProgress(sock)),
        Err(e) => Err(e.into()),
    }
}
