//! What `std::net` cannot do: start a TCP connection without blocking the
//! thread, and listen with a long accept queue.
//!
//! `std::net::TcpStream::connect` blocks until the handshake is over, and std
//! has no way to make an unconnected socket. So this file calls `socket(2)`
//! and `connect(2)` of the C library (which std links already) and hands the
//! fd to std at once. Everything else (`SO_ERROR`, `TCP_NODELAY`, shutdown,
//! reads and writes) goes through std or rustix. With rustix's `net` feature
//! this file would shrink to two safe calls (`socket_with` + `connect`).

use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::raw::{c_int, c_void};

use rustix::io::FdFlags;

const AF_INET: c_int = 2;
const AF_INET6: c_int = 10;
#[cfg(not(any(target_arch = "mips", target_arch = "mips32r6", target_arch = "mips64")))]
const SOCK_STREAM: c_int = 1;
#[cfg(any(target_arch = "mips", target_arch = "mips32r6", target_arch = "mips64"))]
const SOCK_STREAM: c_int = 2;
const EINPROGRESS: i32 = rustix::io::Errno::INPROGRESS.raw_os_error();
const EINTR: i32 = rustix::io::Errno::INTR.raw_os_error();

extern "C" {
    fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int;
    fn connect(fd: c_int, addr: *const c_void, len: u32) -> c_int;
    fn listen(fd: c_int, backlog: c_int) -> c_int;
}

/// Raises a listening socket's accept queue to the kernel's maximum
/// (`net.core.somaxconn`; Linux caps larger values silently). std listens
/// with a backlog of 128, too short for thousands of clients connecting at
/// once: the rest would see their SYNs dropped and retry a second later.
/// Calling `listen(2)` again on a listening socket just updates it.
pub(super) fn raise_backlog(listener: &net::TcpListener) -> io::Result<()> {
    // SAFETY: listen(2) takes the fd of a socket we borrow and an integer.
    if unsafe { listen(listener.as_raw_fd(), c_int::MAX) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `struct sockaddr_in` (Linux layout, fields in network order where the
/// kernel wants them).
#[repr(C)]
struct SockaddrIn {
    family: u16,
    port: [u8; 2],
    addr: [u8; 4],
    zero: [u8; 8],
}

/// `struct sockaddr_in6`.
#[repr(C)]
struct SockaddrIn6 {
    family: u16,
    port: [u8; 2],
    flowinfo: u32,
    addr: [u8; 16],
    scope_id: u32,
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
        SocketAddr::V4(_) => AF_INET,
        SocketAddr::V6(_) => AF_INET6,
    };
    // SAFETY: socket(2) takes plain integers and returns a new fd or -1.
    let raw = unsafe { socket(domain, SOCK_STREAM, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a fresh fd that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // The flags are set after socket(2) rather than with SOCK_CLOEXEC |
    // SOCK_NONBLOCK, whose values differ between architectures.
    rustix::io::fcntl_setfd(&fd, FdFlags::CLOEXEC)?;
    let sock = net::TcpStream::from(fd);
    sock.set_nonblocking(true)?;
    let result = match addr {
        SocketAddr::V4(a) => {
            let sa = SockaddrIn {
                family: AF_INET as u16,
                port: a.port().to_be_bytes(),
                addr: a.ip().octets(),
                zero: [0; 8],
            };
            // SAFETY: `sa` is a valid sockaddr_in that outlives the call, and
            // the length passed is its size.
            unsafe {
                connect(
                    raw,
                    (&sa as *const SockaddrIn).cast(),
                    size_of::<SockaddrIn>() as u32,
                )
            }
        }
        SocketAddr::V6(a) => {
            let sa = SockaddrIn6 {
                family: AF_INET6 as u16,
                port: a.port().to_be_bytes(),
                // As std does: the flow label is passed through unchanged.
                flowinfo: a.flowinfo(),
                addr: a.ip().octets(),
                scope_id: a.scope_id(),
            };
            // SAFETY: as above, for sockaddr_in6.
            unsafe {
                connect(
                    raw,
                    (&sa as *const SockaddrIn6).cast(),
                    size_of::<SockaddrIn6>() as u32,
                )
            }
        }
    };
    if result == 0 {
        return Ok(Connecting::Done(sock));
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        // An interrupted connect goes on asynchronously, like EINPROGRESS.
        Some(EINPROGRESS) | Some(EINTR) => Ok(Connecting::InProgress(sock)),
        _ => Err(err),
    }
}
