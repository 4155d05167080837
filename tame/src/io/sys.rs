//! Every descriptor syscall of [`crate::io`] and [`crate::net`]: reads and
//! writes, sockets, pipes, flags. (The loop's own calls, epoll, eventfd and
//! signalfd, live in `driver/epoll.rs`.) All through rustix; `EINTR` is
//! retried here, so no caller sees it.

use std::io;
use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

use rustix::io::Errno;
use rustix::net::{
    AddressFamily, RecvFlags, SendFlags, Shutdown, SocketAddrAny, SocketAddrUnix, SocketFlags,
    SocketType,
};

fn retry<T>(mut f: impl FnMut() -> rustix::io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(Errno::INTR) => continue,
            r => return r.map_err(io::Error::from),
        }
    }
}

// ---- descriptors ----

// A socket is read with `recv(MSG_DONTWAIT)` and written with
// `send(MSG_DONTWAIT)`: each call is non-blocking whatever the open file
// description's mode, so the description of a socket the process shares
// (its standard output on a socket of journald's, descriptors 0 and 1 of
// inetd's) may stay blocking for std's `println!` and the other holders.

/// Reads once into the spare capacity of `buf` (appending).
pub(crate) fn read(fd: BorrowedFd<'_>, buf: &mut Vec<u8>, socket: bool) -> io::Result<usize> {
    if socket {
        retry(|| {
            rustix::net::recv(
                fd,
                rustix::buffer::spare_capacity(&mut *buf),
                RecvFlags::DONTWAIT,
            )
            .map(|(n, _)| n)
        })
    } else {
        retry(|| rustix::io::read(fd, rustix::buffer::spare_capacity(&mut *buf)))
    }
}

/// Reads once into the spare capacity of `buf`, at most `max` bytes of
/// it: nothing past them is read (they are another reader's).
pub(crate) fn read_at_most(
    fd: BorrowedFd<'_>,
    buf: &mut Vec<u8>,
    max: usize,
    socket: bool,
) -> io::Result<usize> {
    let len = buf.len();
    let spare = buf.spare_capacity_mut();
    let room = spare.len().min(max);
    let n = if socket {
        retry(|| {
            rustix::net::recv(fd, &mut spare[..room], RecvFlags::DONTWAIT)
                .map(|((filled, _), _)| filled.len())
        })?
    } else {
        retry(|| rustix::io::read(fd, &mut spare[..room]).map(|(filled, _)| filled.len()))?
    };
    // SAFETY: the kernel wrote the first `n` bytes of the spare capacity
    // (`filled` is them), which follow the `len` initialized ones.
    unsafe { buf.set_len(len + n) };
    Ok(n)
}

/// Reads once into `buf`.
pub(crate) fn read_slice(fd: BorrowedFd<'_>, buf: &mut [u8], socket: bool) -> io::Result<usize> {
    if socket {
        retry(|| rustix::net::recv(fd, &mut *buf, RecvFlags::DONTWAIT).map(|(n, _)| n))
    } else {
        retry(|| rustix::io::read(fd, &mut *buf))
    }
}

/// Writes once. A socket is written with `send(MSG_NOSIGNAL)`, as std does,
/// so that a reset peer is an error and never a `SIGPIPE`.
pub(crate) fn write(fd: BorrowedFd<'_>, buf: &[u8], socket: bool) -> io::Result<usize> {
    if socket {
        retry(|| rustix::net::send(fd, buf, SendFlags::NOSIGNAL | SendFlags::DONTWAIT))
    } else {
        retry(|| rustix::io::write(fd, buf))
    }
}

/// A close-on-exec duplicate of `fd`.
pub(crate) fn dup(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    retry(|| rustix::io::fcntl_dupfd_cloexec(fd, 0))
}

/// A new open file description of the character device (a terminal)
/// `fd` is open on, non-blocking and close-on-exec, read-only; `None` if
/// `fd` is no character device, or one that never makes a reader wait
/// (`/dev/null`) and cannot be opened again. A terminal's descriptors 0,
/// 1 and 2 share one description, whose `O_NONBLOCK` would make the
/// program's own `println!` fail with `WouldBlock`; this one is the
/// reader's alone (see [`reopen_or_refuse`] for the errors).
pub(crate) fn reopen_char_device(fd: BorrowedFd<'_>) -> io::Result<Option<OwnedFd>> {
    use rustix::fs::{FileType, OFlags};
    let stat = retry(|| rustix::fs::fstat(fd))?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::CharacterDevice {
        return Ok(None);
    }
    reopen_or_refuse(fd, &stat, OFlags::RDONLY)
}

/// A new open file description for writing, non-blocking and
/// close-on-exec, of the terminal (any character device) or the pipe `fd`
/// is open on; `None` if it is neither (a regular file, whose offset the
/// description holds and must share; a socket, which cannot be opened
/// again), or a character device that never makes a writer wait
/// (`/dev/null`) and cannot be opened again. The `O_NONBLOCK` of this one
/// then touches nothing else: not the program's own `println!`, not the
/// parent's end of the pipe (see [`reopen_or_refuse`] for the errors).
pub(crate) fn reopen_for_writing(fd: BorrowedFd<'_>) -> io::Result<Option<OwnedFd>> {
    use rustix::fs::{FileType, OFlags};
    let stat = retry(|| rustix::fs::fstat(fd))?;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::CharacterDevice | FileType::Fifo => reopen_or_refuse(fd, &stat, OFlags::WRONLY),
        _ => Ok(None),
    }
}

/// The device number of `/dev/ptmx` (and of `/dev/pts/ptmx`): a
/// descriptor of it is a pseudo-terminal's master end.
const PTMX: (u32, u32) = (5, 2);

/// `fd` (a character device or a pipe, `stat` its status) opened again
/// with `access` (see [`reopen`]).
///
/// # Errors
///
/// For a terminal or a pipe that cannot be opened again (`/proc` not
/// mounted; a pipe or terminal of another user's, after the program
/// changed its user): a duplicate, made non-blocking, would share its mode
/// with std's handles of the same descriptor, and make `println!` (or
/// `eprintln!`, or a read of `std::io::stdin()`) fail with `WouldBlock`
/// whenever the other end is slow. And for a pseudo-terminal's master end,
/// which opened again would be a new terminal, not this one.
fn reopen_or_refuse(
    fd: BorrowedFd<'_>,
    stat: &rustix::fs::Stat,
    access: rustix::fs::OFlags,
) -> io::Result<Option<OwnedFd>> {
    use rustix::fs::FileType;
    use std::io::IsTerminal;
    let n = fd.as_raw_fd();
    let rdev = stat.st_rdev;
    let kind = if FileType::from_raw_mode(stat.st_mode) == FileType::Fifo {
        "a pipe"
    } else if (rustix::fs::major(rdev), rustix::fs::minor(rdev)) == PTMX {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "descriptor {n} is a pseudo-terminal's master end, which opened again \
                 would be a new terminal, and made non-blocking would make std's own \
                 handles of it fail with WouldBlock: use it through std (in \
                 `tame::spawn_blocking`)"
            ),
        ));
    } else if fd.is_terminal() {
        "a terminal"
    } else {
        // Never makes a reader or writer wait: a duplicate's mode is
        // harmless to share.
        return Ok(reopen(fd, access).ok());
    };
    match reopen(fd, access) {
        Ok(own) => Ok(Some(own)),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!(
                "descriptor {n} is {kind} that cannot be opened again through \
                 /proc/self/fd ({e}); made non-blocking, it would make std's own handles \
                 of it (`println!`) fail with WouldBlock: use it through std (in \
                 `tame::spawn_blocking`)"
            ),
        )),
    }
}

/// `fd`'s file opened again through `/proc/self/fd`, with `access`,
/// non-blocking and close-on-exec.
fn reopen(fd: BorrowedFd<'_>, access: rustix::fs::OFlags) -> io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
    let flags = access | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    retry(|| rustix::fs::open(path.as_str(), flags, Mode::empty()))
}

/// Sets or clears `O_NONBLOCK`.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    retry(|| rustix::io::ioctl_fionbio(fd, on))
}

/// Whether `O_NONBLOCK` is set.
pub(crate) fn is_nonblocking(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let flags = retry(|| rustix::fs::fcntl_getfl(fd))?;
    Ok(flags.contains(rustix::fs::OFlags::NONBLOCK))
}

/// Whether `fd` is a socket.
pub(crate) fn is_socket(fd: BorrowedFd<'_>) -> io::Result<bool> {
    match rustix::net::sockopt::socket_type(fd) {
        Ok(_) => Ok(true),
        Err(Errno::NOTSOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A pipe, both ends non-blocking and close-on-exec: (read end, write end).
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    use rustix::pipe::PipeFlags;
    retry(|| rustix::pipe::pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK))
}

// ---- sockets ----

/// std leaves an IPv6 flow label in `sin6_flowinfo` as given (and reads it
/// back so), rustix converts it to and from network order: converting
/// either way keeps our addresses equal to std's.
fn flow_as_std(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(mut a) => {
            a.set_flowinfo(u32::from_be(a.flowinfo()));
            SocketAddr::V6(a)
        }
        v4 => v4,
    }
}

fn inet(addr: Option<SocketAddrAny>) -> io::Result<SocketAddr> {
    let addr = addr.ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
    let addr = SocketAddr::try_from(addr)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not an IP socket address"))?;
    Ok(flow_as_std(addr))
}

/// The address a socket is bound to.
pub(crate) fn local_addr(fd: BorrowedFd<'_>) -> io::Result<SocketAddr> {
    inet(Some(retry(|| rustix::net::getsockname(fd))?))
}

/// The address a socket is connected to.
pub(crate) fn peer_addr(fd: BorrowedFd<'_>) -> io::Result<SocketAddr> {
    inet(retry(|| rustix::net::getpeername(fd))?)
}

/// Takes the socket's pending error (`SO_ERROR`).
pub(crate) fn take_error(fd: BorrowedFd<'_>) -> io::Result<Option<io::Error>> {
    Ok(retry(|| rustix::net::sockopt::socket_error(fd))?
        .err()
        .map(io::Error::from))
}

/// How many bytes written to the socket `fd` its peer has not yet
/// acknowledged (`SIOCOUTQ`): a count that falls shows the peer reading,
/// however slowly.
pub(crate) fn unacknowledged(fd: BorrowedFd<'_>) -> io::Result<usize> {
    // `SIOCOUTQ`, which Linux numbers as `TIOCOUTQ`.
    const SIOCOUTQ: rustix::ioctl::Opcode = 0x5411;
    let n = retry(|| {
        // SAFETY: `SIOCOUTQ` writes one `int` into the pointer it is given,
        // and the getter gives it one.
        unsafe {
            let getter = rustix::ioctl::Getter::<SIOCOUTQ, std::ffi::c_int>::new();
            rustix::ioctl::ioctl(fd, getter)
        }
    })?;
    Ok(usize::try_from(n).unwrap_or(0))
}

pub(crate) fn set_nodelay(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    retry(|| rustix::net::sockopt::set_tcp_nodelay(fd, on))
}

pub(crate) fn nodelay(fd: BorrowedFd<'_>) -> io::Result<bool> {
    retry(|| rustix::net::sockopt::tcp_nodelay(fd))
}

pub(crate) fn set_linger(
    fd: BorrowedFd<'_>,
    linger: Option<std::time::Duration>,
) -> io::Result<()> {
    retry(|| rustix::net::sockopt::set_socket_linger(fd, linger))
}

pub(crate) fn linger(fd: BorrowedFd<'_>) -> io::Result<Option<std::time::Duration>> {
    retry(|| rustix::net::sockopt::socket_linger(fd))
}

pub(crate) fn set_ttl(fd: BorrowedFd<'_>, ttl: u32) -> io::Result<()> {
    ttl_in_range(ttl)?;
    retry(|| rustix::net::sockopt::set_ip_ttl(fd, ttl))
}

/// A TTL above 255 is refused here: the kernel takes the option as an
/// `int`, and `u32::MAX` is -1 there, its "back to the default".
fn ttl_in_range(ttl: u32) -> io::Result<()> {
    if ttl > 255 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a TTL is 255 at most, not {ttl}"),
        ));
    }
    Ok(())
}

pub(crate) fn ttl(fd: BorrowedFd<'_>) -> io::Result<u32> {
    retry(|| rustix::net::sockopt::ip_ttl(fd))
}

pub(crate) fn set_broadcast(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    retry(|| rustix::net::sockopt::set_socket_broadcast(fd, on))
}

pub(crate) fn broadcast(fd: BorrowedFd<'_>) -> io::Result<bool> {
    retry(|| rustix::net::sockopt::socket_broadcast(fd))
}

/// Joins (`join`) or leaves an IPv4 multicast group on the interface with
/// the address `interface` (`0.0.0.0`: the kernel's choice).
pub(crate) fn multicast_v4(
    fd: BorrowedFd<'_>,
    group: &std::net::Ipv4Addr,
    interface: &std::net::Ipv4Addr,
    join: bool,
) -> io::Result<()> {
    if join {
        retry(|| rustix::net::sockopt::set_ip_add_membership(fd, group, interface))
    } else {
        retry(|| rustix::net::sockopt::set_ip_drop_membership(fd, group, interface))
    }
}

/// Joins or leaves an IPv6 multicast group on the interface of index
/// `interface` (0: the kernel's choice).
pub(crate) fn multicast_v6(
    fd: BorrowedFd<'_>,
    group: &std::net::Ipv6Addr,
    interface: u32,
    join: bool,
) -> io::Result<()> {
    if join {
        retry(|| rustix::net::sockopt::set_ipv6_add_membership(fd, group, interface))
    } else {
        retry(|| rustix::net::sockopt::set_ipv6_drop_membership(fd, group, interface))
    }
}

pub(crate) fn set_multicast_loop_v4(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    retry(|| rustix::net::sockopt::set_ip_multicast_loop(fd, on))
}

pub(crate) fn multicast_loop_v4(fd: BorrowedFd<'_>) -> io::Result<bool> {
    retry(|| rustix::net::sockopt::ip_multicast_loop(fd))
}

pub(crate) fn set_multicast_ttl_v4(fd: BorrowedFd<'_>, ttl: u32) -> io::Result<()> {
    ttl_in_range(ttl)?;
    retry(|| rustix::net::sockopt::set_ip_multicast_ttl(fd, ttl))
}

pub(crate) fn multicast_ttl_v4(fd: BorrowedFd<'_>) -> io::Result<u32> {
    retry(|| rustix::net::sockopt::ip_multicast_ttl(fd))
}

pub(crate) fn set_multicast_loop_v6(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    retry(|| rustix::net::sockopt::set_ipv6_multicast_loop(fd, on))
}

pub(crate) fn multicast_loop_v6(fd: BorrowedFd<'_>) -> io::Result<bool> {
    retry(|| rustix::net::sockopt::ipv6_multicast_loop(fd))
}

pub(crate) fn shutdown(fd: BorrowedFd<'_>, how: std::net::Shutdown) -> io::Result<()> {
    let how = match how {
        std::net::Shutdown::Read => Shutdown::Read,
        std::net::Shutdown::Write => Shutdown::Write,
        std::net::Shutdown::Both => Shutdown::Both,
    };
    retry(|| rustix::net::shutdown(fd, how))
}

/// Raises a listening socket's accept queue to the kernel's maximum
/// (`net.core.somaxconn`; Linux caps larger values silently). std listens
/// with a backlog of 128, too short for thousands of clients connecting at
/// once: the rest would see their SYNs dropped and retry a second later.
/// Calling `listen(2)` again on a listening socket just updates it.
pub(crate) fn raise_backlog(fd: BorrowedFd<'_>) -> io::Result<()> {
    retry(|| rustix::net::listen(fd, i32::MAX))
}

/// A non-blocking, close-on-exec TCP socket listening on `addr` with
/// `SO_REUSEADDR` and `SO_REUSEPORT`: several of them (one per thread's
/// loop) can listen on one port, and the kernel spreads the connections.
pub(crate) fn tcp_listen_reuse_port(addr: SocketAddr) -> io::Result<OwnedFd> {
    let domain = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let fd = retry(|| rustix::net::socket_with(domain, SocketType::STREAM, flags, None))?;
    rustix::net::sockopt::set_socket_reuseaddr(&fd, true)?;
    rustix::net::sockopt::set_socket_reuseport(&fd, true)?;
    retry(|| rustix::net::bind(&fd, &flow_as_std(addr)))?;
    raise_backlog(fd.as_fd())?;
    Ok(fd)
}

/// Accepts a connection, non-blocking and close-on-exec, with the peer's
/// address. A connection aborted before it was accepted is skipped.
pub(crate) fn accept(fd: BorrowedFd<'_>) -> io::Result<(OwnedFd, Option<SocketAddrAny>)> {
    loop {
        let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
        match retry(|| rustix::net::acceptfrom_with(fd, flags)) {
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            r => return r,
        }
    }
}

/// Accepts an IP connection: the stream's fd and the peer's address.
pub(crate) fn accept_inet(fd: BorrowedFd<'_>) -> io::Result<(OwnedFd, SocketAddr)> {
    let (conn, addr) = accept(fd)?;
    Ok((conn, inet(addr)?))
}

/// Whether a non-blocking connect finished at once or is under way.
pub(crate) enum Connecting {
    /// Connected already (can happen on loopback).
    Done(OwnedFd),
    /// Under way: wait for writability, then check `SO_ERROR`.
    InProgress(OwnedFd),
}

fn finish_connect(fd: OwnedFd, result: rustix::io::Result<()>) -> io::Result<Connecting> {
    match result {
        Ok(()) => Ok(Connecting::Done(fd)),
        // An interrupted connect goes on asynchronously, like EINPROGRESS.
        Err(Errno::INPROGRESS | Errno::INTR) => Ok(Connecting::InProgress(fd)),
        Err(e) => Err(e.into()),
    }
}

/// Asks a connecting TCP socket that reports neither a connection nor an
/// error to connect to `addr` again: `true` if it is connected now
/// (`EISCONN`), `false` if the handshake is under way (`EALREADY`, or
/// `EINPROGRESS` for one the first call never started: an `EINTR` before
/// the kernel took it). Interrupted itself, it is made again at once
/// (then `EALREADY` if the kernel took it): one the kernel did not take
/// would leave a socket epoll reports nothing more of.
pub(crate) fn connect_again(fd: BorrowedFd<'_>, addr: SocketAddr) -> io::Result<bool> {
    let addr = flow_as_std(addr);
    loop {
        return match rustix::net::connect(fd, &addr) {
            Ok(()) | Err(Errno::ISCONN) => Ok(true),
            Err(Errno::ALREADY | Errno::INPROGRESS) => Ok(false),
            Err(Errno::INTR) => continue,
            Err(e) => Err(e.into()),
        };
    }
}

/// Makes a non-blocking, close-on-exec TCP socket and starts connecting it
/// to `addr` (std's `connect` would block the thread for the handshake).
pub(crate) fn tcp_connect(addr: SocketAddr) -> io::Result<Connecting> {
    let domain = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let fd = retry(|| rustix::net::socket_with(domain, SocketType::STREAM, flags, None))?;
    let result = rustix::net::connect(&fd, &flow_as_std(addr));
    finish_connect(fd, result)
}

/// Makes a non-blocking, close-on-exec Unix stream socket and starts
/// connecting it to `path`.
pub(crate) fn unix_connect(path: &Path) -> io::Result<Connecting> {
    // std's checks and errors (InvalidInput for a path too long for
    // `sun_path` or with a NUL in it), as `UnixListener::bind` gives them;
    // an empty path would be taken for an unnamed socket and be refused.
    std::os::unix::net::SocketAddr::from_pathname(path)?;
    if path.as_os_str().is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an empty path names no socket",
        ));
    }
    let addr = SocketAddrUnix::new(path)?;
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let fd =
        retry(|| rustix::net::socket_with(AddressFamily::UNIX, SocketType::STREAM, flags, None))?;
    let result = rustix::net::connect(&fd, &addr);
    finish_connect(fd, result)
}

/// Connects a datagram socket (no handshake: it only sets the default
/// destination and filters what is received).
pub(crate) fn udp_connect(fd: BorrowedFd<'_>, addr: SocketAddr) -> io::Result<()> {
    retry(|| rustix::net::connect(fd, &flow_as_std(addr)))
}

/// Receives one datagram into the spare capacity of `buf` (appending), with
/// its source. A datagram longer than the room is cut, as with recv(2).
/// (`MSG_DONTWAIT` on every datagram call, as on a stream's: see above.)
pub(crate) fn recv_from(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> io::Result<(usize, SocketAddr)> {
    let (n, _, addr) = retry(|| {
        rustix::net::recvfrom(
            fd,
            rustix::buffer::spare_capacity(&mut *buf),
            RecvFlags::DONTWAIT,
        )
    })?;
    Ok((n, inet(addr)?))
}

/// Receives one datagram into `buf` (the rest of a longer one is lost).
pub(crate) fn recv_from_slice(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
) -> io::Result<(usize, SocketAddr)> {
    let (n, _, addr) = retry(|| rustix::net::recvfrom(fd, &mut *buf, RecvFlags::DONTWAIT))?;
    Ok((n, inet(addr)?))
}

/// Receives one datagram from the connected peer into the spare capacity
/// of `buf`.
pub(crate) fn recv(fd: BorrowedFd<'_>, buf: &mut Vec<u8>) -> io::Result<usize> {
    let (n, _) = retry(|| {
        rustix::net::recv(
            fd,
            rustix::buffer::spare_capacity(&mut *buf),
            RecvFlags::DONTWAIT,
        )
    })?;
    Ok(n)
}

/// Sends one datagram to `addr`.
pub(crate) fn send_to(fd: BorrowedFd<'_>, buf: &[u8], addr: SocketAddr) -> io::Result<usize> {
    let addr = flow_as_std(addr);
    retry(|| rustix::net::sendto(fd, buf, SendFlags::NOSIGNAL | SendFlags::DONTWAIT, &addr))
}

/// Runs `f` on a std view of `fd`, for calls rustix does not cover (Unix
/// socket addresses, which only std makes into its `SocketAddr`). The view
/// is the very descriptor, not a duplicate: nothing to fail for want of a
/// free fd.
pub(crate) fn with_view<T: FromRawFd, R>(fd: BorrowedFd<'_>, f: impl FnOnce(&T) -> R) -> R {
    // SAFETY: `fd` is open for the whole call (it is borrowed for it); the
    // view is never dropped, so it never closes it, and `f` sees it only
    // by reference, so it cannot move it out and drop it.
    let view = ManuallyDrop::new(unsafe { T::from_raw_fd(fd.as_raw_fd()) });
    f(&view)
}
