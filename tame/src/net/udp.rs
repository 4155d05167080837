//! [`UdpSocket`]: datagrams on the loop.

use std::fmt;
use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::rc::Rc;

use crate::driver::Ready;
use crate::io::op::{self, Op, Progress, Watch};
use crate::io::source::{Handle, Source};
use crate::io::{ops, sys};
use crate::Event;

/// What a receive reserves when its buffer has no room: the largest UDP
/// payload, so that no datagram is cut.
const MAX_DATAGRAM: usize = 65_536;

/// What a [`recv_from`](UdpSocket::recv_from) delivers: the buffer back,
/// and the datagram's length and sender, or the error.
///
/// A name for the slot's type (clippy's `type_complexity` flags it spelled
/// out inside a timeout's `Result<_, Timeout>`).
///
/// # Examples
///
/// ```
/// use std::io;
/// use tame::net::RecvFromOutcome;
///
/// let got: RecvFromOutcome = (Vec::new(), Err(io::ErrorKind::NotConnected.into()));
/// assert!(got.1.is_err());
/// ```
pub type RecvFromOutcome = (Vec<u8>, io::Result<(usize, SocketAddr)>);

/// A UDP socket whose sends, receives and readiness waits report through
/// events on this thread's loop, with owned buffers (as on
/// [`TcpStream`](super::TcpStream)).
///
/// | call | event value |
/// |---|---|
/// | [`send_to`](Self::send_to) / [`send`](Self::send) | `(B, io::Result<usize>)` ([`WriteOutcome<B>`](crate::io::WriteOutcome)) |
/// | [`recv_from`](Self::recv_from) | `(Vec<u8>, io::Result<(usize, SocketAddr)>)` ([`RecvFromOutcome`]) |
/// | [`recv`](Self::recv) | `(Vec<u8>, io::Result<usize>)` ([`ReadOutcome`](crate::io::ReadOutcome)) |
/// | [`readable`](Self::readable) / [`writable`](Self::writable) | `io::Result<()>` |
///
/// * A receive takes one datagram into the buffer's spare capacity
///   (appending). A buffer with no spare capacity waits for a datagram
///   before 64 KiB are reserved; a datagram longer than the room given is
///   cut, as with `recv(2)`, and nothing says so (the length is the room
///   given, as for a datagram that fitted exactly): give no spare capacity,
///   or as much as the largest datagram the protocol allows and one byte
///   more, so that a full buffer means a datagram too long.
/// * One receive and one send may wait at a time; another one with a live
///   event gets `ResourceBusy`.
/// * [`close`](Self::close) cancels the waiting operations (their events
///   come back untriggered). Dropping the socket lets those whose events
///   are live finish first (see the [`io` module docs](crate::io)); a
///   receive whose event dies (say, an [`add_timeout`](crate::add_timeout)
///   ran out) is cancelled on the loop's next turn.
///
/// # Examples
///
/// An echo of one datagram:
///
/// ```
/// use std::io;
/// use std::net::SocketAddr;
/// use tame::net::{RecvFromOutcome, UdpSocket};
/// use tame::{mkevent, tamed, tvars, twait, Event};
///
/// #[tamed]
/// fn echo_one(sock: UdpSocket) {
///     tvars! {
///         let mut got: RecvFromOutcome = (Vec::new(), Err(io::ErrorKind::NotConnected.into()));
///         let mut sent: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
///     }
///     twait! { sock.recv_from(Vec::new(), mkevent!(got)); }
///     if let Ok((_, from)) = got.1 {
///         twait! { sock.send_to(std::mem::take(&mut got.0), from, mkevent!(sent)); }
///     }
///     sock.close();
/// }
///
/// #[tamed]
/// fn ask(server: SocketAddr, done: Event<Vec<u8>>) {
///     tvars! {
///         let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
///         let mut sent: (&'static [u8], io::Result<usize>) = (&[], Ok(0));
///         let mut got: RecvFromOutcome = (Vec::new(), Err(io::ErrorKind::NotConnected.into()));
///     }
///     twait! {
///         sock.send_to(&b"marco"[..], server, mkevent!(sent));
///         sock.recv_from(Vec::new(), mkevent!(got));
///     }
///     sock.close();
///     done.trigger(got.0);
/// }
///
/// let server = UdpSocket::bind("127.0.0.1:0").unwrap();
/// let addr = server.local_addr().unwrap();
/// echo_one(server);
/// let r = tame::Rendezvous::<()>::new();
/// let (done, reply) = r.event_with_slot(());
/// ask(addr, done);
/// tame::run();
/// assert_eq!(reply.take().unwrap(), b"marco");
/// ```
pub struct UdpSocket {
    io: Handle,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port), non-blocking.
    /// A host name in `addr` is resolved with std's blocking resolver, so
    /// give an address, or call it at start-up.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `PermissionDenied`, address resolution errors, ...
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// assert_ne!(sock.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        UdpSocket::from_std(net::UdpSocket::bind(addr)?)
    }

    /// Wraps a std socket, making it non-blocking.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// let std_sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let sock = tame::net::UdpSocket::from_std(std_sock).unwrap();
    /// # drop(sock);
    /// ```
    pub fn from_std(sock: net::UdpSocket) -> io::Result<UdpSocket> {
        sock.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: Handle::new(Source::new(OwnedFd::from(sock), true)),
        })
    }

    /// Cancels the waiting operations (their events come back untriggered)
    /// and gives back the std socket, still non-blocking, on the very
    /// descriptor it held (the same fd number: nothing to fail for want of
    /// a free one).
    ///
    /// # Errors
    ///
    /// Only when an operation still under way holds the descriptor (this is
    /// called from a callback that one of its own operations runs as it
    /// delivers): the std socket then gets a duplicate (a new fd number),
    /// since the original stays open until that operation is done, and
    /// duplicating can fail (`EMFILE`). The original then closes once the
    /// operation lets go of it, as if the handle had been closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let std_sock = sock.into_std().unwrap();
    /// std_sock.set_nonblocking(false).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<net::UdpSocket> {
        Ok(net::UdpSocket::from(self.io.into_fd()?))
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// assert!(sock.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.io.fd())
    }

    /// The address the socket is connected to.
    ///
    /// # Errors
    ///
    /// `NotConnected` if it is not connected.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// sock.connect("127.0.0.1:53").unwrap();
    /// assert_eq!(sock.peer_addr().unwrap().port(), 53);
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        sys::peer_addr(self.io.fd())
    }

    /// Sets `SO_BROADCAST`: whether datagrams may be sent to a broadcast
    /// address (std's `UdpSocket::set_broadcast`).
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    /// sock.set_broadcast(true).unwrap();
    /// assert!(sock.broadcast().unwrap());
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        sys::set_broadcast(self.io.fd(), on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// assert!(!sock.broadcast().unwrap());
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        sys::broadcast(self.io.fd())
    }

    /// Sets `IP_TTL`: the time-to-live of the IPv4 datagrams it sends
    /// (std's `UdpSocket::set_ttl`).
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` (`InvalidInput` for 0 or more than 255).
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// sock.set_ttl(16).unwrap();
    /// assert_eq!(sock.ttl().unwrap(), 16);
    /// let err = sock.set_ttl(256).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        sys::set_ttl(self.io.fd(), ttl)
    }

    /// The `IP_TTL` of the datagrams it sends.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// assert!(sock.ttl().unwrap() > 0);
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        sys::ttl(self.io.fd())
    }

    /// Joins the IPv4 multicast group `group` on the interface whose address
    /// is `interface` (`Ipv4Addr::UNSPECIFIED`: the one the kernel routes
    /// the group through); datagrams sent to the group and the socket's port
    /// are received from then on (std's `UdpSocket::join_multicast_v4`).
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` with `IP_ADD_MEMBERSHIP` gives them (std's do
    /// the same): `InvalidInput` for an address that is not a multicast
    /// group, `AddrInUse` for a group joined already on that interface, and
    /// on Linux `ENODEV` (`raw_os_error() == Some(19)`, no kind of its own)
    /// for an interface address the host does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use tame::net::UdpSocket;
    ///
    /// let group = Ipv4Addr::new(239, 255, 42, 99);
    /// let sock = UdpSocket::bind("0.0.0.0:0").unwrap();
    /// sock.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    /// sock.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    /// ```
    pub fn join_multicast_v4(&self, group: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        sys::multicast_v4(self.io.fd(), group, interface, true)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4) on `interface`.
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` with `IP_DROP_MEMBERSHIP`: `AddrNotAvailable` for
    /// a group the socket has not joined there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    ///
    /// let group = Ipv4Addr::new(239, 255, 42, 98);
    /// let sock = tame::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    /// let err = sock.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrNotAvailable);
    /// ```
    pub fn leave_multicast_v4(&self, group: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        sys::multicast_v4(self.io.fd(), group, interface, false)
    }

    /// Joins the IPv6 multicast group `group` on the interface of index
    /// `interface` (0: the kernel's choice); std's
    /// `UdpSocket::join_multicast_v6`.
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` with `IPV6_ADD_MEMBERSHIP`: `InvalidInput` for an
    /// address that is not a multicast group, an error for an IPv4 socket or
    /// an interface index the host does not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    ///
    /// let sock = tame::net::UdpSocket::bind("[::1]:0").unwrap();
    /// let group: Ipv6Addr = "ff02::1:3".parse().unwrap();
    /// sock.join_multicast_v6(&group, 0).unwrap();
    /// sock.leave_multicast_v6(&group, 0).unwrap();
    /// ```
    pub fn join_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        sys::multicast_v6(self.io.fd(), group, interface, true)
    }

    /// Leaves an IPv6 multicast group joined with
    /// [`join_multicast_v6`](Self::join_multicast_v6) on `interface`.
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` with `IPV6_DROP_MEMBERSHIP`: an error for a group
    /// the socket has not joined there.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("[::1]:0").unwrap();
    /// let group: std::net::Ipv6Addr = "ff02::1:4".parse().unwrap();
    /// assert!(sock.leave_multicast_v6(&group, 0).is_err());
    /// ```
    pub fn leave_multicast_v6(&self, group: &Ipv6Addr, interface: u32) -> io::Result<()> {
        sys::multicast_v6(self.io.fd(), group, interface, false)
    }

    /// Sets `IP_MULTICAST_LOOP`: whether the IPv4 multicast datagrams it
    /// sends are delivered to sockets of this host that joined the group too
    /// (on by default).
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    /// assert!(sock.multicast_loop_v4().unwrap());
    /// sock.set_multicast_loop_v4(false).unwrap();
    /// assert!(!sock.multicast_loop_v4().unwrap());
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        sys::set_multicast_loop_v4(self.io.fd(), on)
    }

    /// Whether `IP_MULTICAST_LOOP` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    /// assert!(sock.multicast_loop_v4().unwrap());
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        sys::multicast_loop_v4(self.io.fd())
    }

    /// Sets `IP_MULTICAST_TTL`: how many routers the IPv4 multicast
    /// datagrams it sends may cross (1 by default: the local network only).
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` (`InvalidInput` for more than 255).
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    /// assert_eq!(sock.multicast_ttl_v4().unwrap(), 1);
    /// sock.set_multicast_ttl_v4(4).unwrap();
    /// assert_eq!(sock.multicast_ttl_v4().unwrap(), 4);
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        sys::set_multicast_ttl_v4(self.io.fd(), ttl)
    }

    /// The `IP_MULTICAST_TTL` of the multicast datagrams it sends.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    /// assert_eq!(sock.multicast_ttl_v4().unwrap(), 1);
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        sys::multicast_ttl_v4(self.io.fd())
    }

    /// Sets `IPV6_MULTICAST_LOOP`, [`set_multicast_loop_v4`]'s IPv6 twin.
    ///
    /// [`set_multicast_loop_v4`]: Self::set_multicast_loop_v4
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` (an error for an IPv4 socket).
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("[::1]:0").unwrap();
    /// sock.set_multicast_loop_v6(false).unwrap();
    /// assert!(!sock.multicast_loop_v6().unwrap());
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        sys::set_multicast_loop_v6(self.io.fd(), on)
    }

    /// Whether `IPV6_MULTICAST_LOOP` is set.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)` (an error for an IPv4 socket).
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("[::1]:0").unwrap();
    /// assert!(sock.multicast_loop_v6().unwrap());
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        sys::multicast_loop_v6(self.io.fd())
    }

    /// Connects the socket to `addr` (the first address that works):
    /// [`send`](Self::send) goes there, and only datagrams from there are
    /// received from then on (a datagram from elsewhere that was queued
    /// before is still received: Linux does not empty the queue). No
    /// packet is sent, so this does not wait.
    ///
    /// # Errors
    ///
    /// An unreachable network, address resolution errors (a host name is
    /// resolved with std's blocking resolver).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let b = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// a.connect(b.local_addr().unwrap()).unwrap();
    /// ```
    pub fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match sys::udp_connect(self.io.fd(), addr) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")
        }))
    }

    /// Sends `buf` as one datagram to `addr` (at once if the socket takes
    /// it, else after waiting for writability) and gives `buf` back through
    /// `ev` with the count.
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: a datagram too large for the socket
    /// (`EMSGSIZE`, over 65,507 bytes on IPv4), an unreachable network,
    /// ...; `ResourceBusy` if another send waits. `io::ErrorKind` has no
    /// kind for `EMSGSIZE` (its `kind()` is uncategorized, which cannot be
    /// matched): match `err.raw_os_error() == Some(libc::EMSGSIZE)` (90
    /// on Linux), as the second example does.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.send_to(&b"hi"[..], b.local_addr().unwrap(), ev);
    /// assert_eq!(slot.take().unwrap().1.unwrap(), 2); // sent at once
    /// let mut buf = [0; 8];
    /// assert_eq!(b.recv(&mut buf).unwrap(), 2);
    /// ```
    ///
    /// A datagram too large, told by its errno:
    ///
    /// ```
    /// use rustix::io::Errno; // or libc::EMSGSIZE
    ///
    /// let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let to = "127.0.0.1:9".parse().unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.send_to(vec![0; 70_000], to, ev);
    /// tame::run();
    /// let err = slot.take().unwrap().1.unwrap_err();
    /// assert_eq!(err.raw_os_error(), Some(Errno::MSGSIZE.raw_os_error()));
    /// ```
    pub fn send_to<B>(&self, buf: B, addr: SocketAddr, ev: Event<(B, io::Result<usize>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        op::start(self.io.src(), SendToOp { buf, addr, ev });
    }

    /// Receives one datagram into the spare capacity of `buf` (appending)
    /// and gives `buf` back through `ev` with its length and source. What
    /// `buf` held stays: the datagram is `buf[old_len..]`, so start from
    /// `Vec::with_capacity(n)` or a cleared buffer, not `vec![0; n]`.
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: receive errors (on some systems an
    /// ICMP error from an earlier send, such as `ConnectionRefused`);
    /// `ResourceBusy` if another receive waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// sock.recv_from(Vec::new(), ev);
    /// peer.send_to(b"datagram", sock.local_addr().unwrap()).unwrap();
    /// tame::run();
    /// let (buf, res) = slot.take().unwrap();
    /// let (n, from) = res.unwrap();
    /// assert_eq!((&buf[..n], from), (&b"datagram"[..], peer.local_addr().unwrap()));
    /// ```
    // The type is spelled out as the public contract pins it.
    #[allow(clippy::type_complexity)]
    pub fn recv_from(&self, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<(usize, SocketAddr)>)>) {
        op::start(
            self.io.src(),
            RecvOp {
                buf,
                recv: sys::recv_from,
                ev,
            },
        );
    }

    /// Sends `buf` as one datagram to the connected address; as
    /// [`send_to`](Self::send_to).
    ///
    /// # Errors
    ///
    /// Through `ev`: as `send_to`; `ConnectionRefused` after an ICMP port
    /// unreachable for an earlier datagram. On a socket that is not
    /// connected, the kernel's `EDESTADDRREQ`, as std's `UdpSocket::send`
    /// gives it: std has no stable `ErrorKind` for it (its `kind()` is
    /// neither `NotConnected` nor anything a program can match), so match
    /// the code, `raw_os_error() == Some(libc::EDESTADDRREQ)` (89 on
    /// Linux).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    ///
    /// // Not connected yet: EDESTADDRREQ.
    /// let (ev, slot) = r.event_with_slot(());
    /// a.send(b"one".to_vec(), ev);
    /// let err = slot.take().unwrap().1.unwrap_err();
    /// let edestaddrreq = rustix::io::Errno::DESTADDRREQ.raw_os_error();
    /// assert_eq!(err.raw_os_error(), Some(edestaddrreq));
    ///
    /// a.connect(b.local_addr().unwrap()).unwrap();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.send(b"one".to_vec(), ev);
    /// assert_eq!(slot.take().unwrap().1.unwrap(), 3);
    /// ```
    pub fn send<B>(&self, buf: B, ev: Event<(B, io::Result<usize>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write(self.io.src(), buf, ev);
    }

    /// Receives one datagram from the connected address into the spare
    /// capacity of `buf`; as [`recv_from`](Self::recv_from).
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: receive errors, `ConnectionRefused`
    /// after an ICMP port unreachable for an earlier datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// a.connect(b.local_addr().unwrap()).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.recv(Vec::new(), ev);
    /// b.send_to(b"back", a.local_addr().unwrap()).unwrap();
    /// tame::run();
    /// let (buf, n) = slot.take().unwrap();
    /// assert_eq!(&buf[..n.unwrap()], b"back");
    /// ```
    pub fn recv(&self, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<usize>)>) {
        op::start(
            self.io.src(),
            RecvOp {
                buf,
                recv: sys::recv,
                ev,
            },
        );
    }

    /// Sends one datagram to `addr` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the socket's buffer is full; any other send error.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// assert_eq!(a.try_send_to(b"x", b.local_addr().unwrap()).unwrap(), 1);
    /// ```
    pub fn try_send_to(&self, buf: &[u8], addr: SocketAddr) -> io::Result<usize> {
        let r = sys::send_to(self.io.fd(), buf, addr);
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.io.src().would_block(Ready::WRITE);
        }
        r
    }

    /// Receives one datagram that is already there, without waiting, into
    /// `buf`, as std's and tokio's do: the length and the sender come back,
    /// and the rest of a datagram longer than `buf` is lost.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is there; any other receive error.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let mut buf = [0u8; 512];
    /// let err = sock.try_recv_from(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// // On loopback the datagram is queued before `send_to` returns.
    /// peer.send_to(b"ping", sock.local_addr().unwrap()).unwrap();
    /// let (n, from) = sock.try_recv_from(&mut buf).unwrap();
    /// assert_eq!((&buf[..n], from), (&b"ping"[..], peer.local_addr().unwrap()));
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let r = sys::recv_from_slice(self.io.fd(), buf);
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.io.src().would_block(Ready::READ);
        }
        r
    }

    /// Sends one datagram to the connected address without waiting; as
    /// [`try_send_to`](Self::try_send_to), for a socket that
    /// [`connect`](Self::connect)ed.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the socket's buffer is full; the error `EDESTADDRREQ`
    /// if it is not connected (see [`send`](Self::send)); any other send
    /// error.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// a.connect(b.local_addr().unwrap()).unwrap();
    /// assert_eq!(a.try_send(b"x").unwrap(), 1);
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        let r = sys::write(self.io.fd(), buf, true);
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.io.src().would_block(Ready::WRITE);
        }
        r
    }

    /// Receives one datagram from the connected address that is already
    /// there, without waiting; as [`try_recv_from`](Self::try_recv_from)
    /// (the rest of a datagram longer than `buf` is lost), for a socket
    /// that [`connect`](Self::connect)ed.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is there; `ConnectionRefused` after an ICMP port
    /// unreachable for an earlier datagram; any other receive error.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// sock.connect(peer.local_addr().unwrap()).unwrap();
    /// let mut buf = [0u8; 512];
    /// let err = sock.try_recv(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///
    /// // On loopback the datagram is queued before `send_to` returns.
    /// peer.send_to(b"ping", sock.local_addr().unwrap()).unwrap();
    /// let n = sock.try_recv(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], b"ping");
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let r = sys::read_slice(self.io.fd(), buf, true);
        if matches!(&r, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.io.src().would_block(Ready::READ);
        }
        r
    }

    /// Triggers `ev` with `Ok(())` once a datagram (or an error) is there.
    ///
    /// # Errors
    ///
    /// Through `ev`: `ResourceBusy` if a receive waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// sock.readable(ev);
    /// std::net::UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"x", sock.local_addr().unwrap()).unwrap();
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn readable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::READ, ev);
    }

    /// Triggers `ev` with `Ok(())` once a datagram can be sent.
    ///
    /// # Errors
    ///
    /// As [`readable`](Self::readable), on the send side.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// sock.writable(ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn writable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::WRITE, ev);
    }

    /// Closes the socket: the waiting operations are cancelled (their
    /// events come back untriggered), then it is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<&str>::new();
    /// sock.recv_from(Vec::new(), r.event_with_slot("recv").0);
    /// sock.close();
    /// assert_eq!(r.try_next(), Some("recv"));
    /// tame::run();
    /// ```
    pub fn close(self) {
        self.io.close();
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::debug_socket(f, "UdpSocket", self.as_raw_fd(), self.local_addr(), None)
    }
}

/// Makes room for a datagram; `false` if there is none and the socket was
/// not reported readable yet (wait before allocating).
fn room(buf: &mut Vec<u8>, ready: bool) -> bool {
    if buf.capacity() > buf.len() {
        return true;
    }
    if ready {
        buf.reserve_exact(MAX_DATAGRAM);
    }
    ready
}

/// A receive into the spare capacity of `buf`, by `recv` (`recv_from`,
/// which also says who sent it, or a connected socket's `recv`).
struct RecvOp<R> {
    buf: Vec<u8>,
    recv: fn(BorrowedFd<'_>, &mut Vec<u8>) -> io::Result<R>,
    ev: Event<(Vec<u8>, io::Result<R>)>,
}

impl<R: 'static> Op for RecvOp<R> {
    fn kind(&self) -> Ready {
        Ready::READ
    }

    fn attempt(mut self, src: &Rc<Source>, ready: bool) -> Progress<Self> {
        if !room(&mut self.buf, ready) {
            return Progress::Wait(self, Ready::READ);
        }
        match (self.recv)(src.fd(), &mut self.buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Progress::Blocked(self, Ready::READ),
            r => {
                self.ev.trigger((self.buf, r));
                Progress::Done
            }
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

struct SendToOp<B> {
    buf: B,
    addr: SocketAddr,
    ev: Event<(B, io::Result<usize>)>,
}

impl<B: AsRef<[u8]> + 'static> Op for SendToOp<B> {
    fn kind(&self) -> Ready {
        Ready::WRITE
    }

    fn attempt(self, src: &Rc<Source>, _ready: bool) -> Progress<Self> {
        match sys::send_to(src.fd(), self.buf.as_ref(), self.addr) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                Progress::Blocked(self, Ready::WRITE)
            }
            r => {
                self.ev.trigger((self.buf, r));
                Progress::Done
            }
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}
