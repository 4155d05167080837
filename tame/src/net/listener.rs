//! [`TcpListener`]: a listening TCP socket on the loop.

use std::fmt;
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::rc::Rc;

use super::TcpStream;
use crate::driver::Ready;
use crate::io::op::{self, Op, Progress, Watch};
use crate::io::source::{Handle, Source};
use crate::io::sys;
use crate::Event;

/// A TCP socket listening for connections, accepting them through events on
/// this thread's loop.
///
/// [`close`](Self::close) cancels a waiting [`accept`](Self::accept): its
/// event comes back untriggered, and the socket closes (new connections are
/// refused). Dropping the listener instead lets an accept whose event is
/// live go on until it delivers a connection (see the [`io` module
/// docs](crate::io)); close a listener to stop accepting. `!Send`, like
/// [`TcpStream`].
///
/// # Examples
///
/// ```
/// use tame::net::{TcpListener, TcpStream};
///
/// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
/// let addr = listener.local_addr().unwrap();
/// let r = tame::Rendezvous::<&str>::new();
/// let (accepted, conn) = r.event_with_slot("accepted");
/// let (connected, client) = r.event_with_slot("connected");
/// listener.accept(accepted);
/// TcpStream::connect(addr, connected);
/// tame::run();
/// let (server_side, peer) = conn.take().unwrap().unwrap();
/// let client: TcpStream = client.take().unwrap().unwrap();
/// assert_eq!(peer, client.local_addr().unwrap());
/// # drop(server_side);
/// ```
pub struct TcpListener {
    io: Handle,
}

impl TcpListener {
    /// Binds a listening socket to `addr` (port 0 picks a free port; see
    /// [`local_addr`](Self::local_addr)), non-blocking.
    ///
    /// The accept queue is as long as the kernel allows
    /// (`net.core.somaxconn`, 4096 by default), not std's 128, so that
    /// thousands of clients connecting at once are not made to retry.
    ///
    /// Otherwise this is std's `bind` (which sets `SO_REUSEADDR`); a host name in
    /// `addr` is resolved with std's blocking resolver, so call it at
    /// start-up, not from a running task.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `PermissionDenied`, address resolution errors, ...
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let listener = net::TcpListener::bind(addr)?;
        sys::raise_backlog(listener.as_fd())?;
        TcpListener::from_std(listener)
    }

    /// Binds a listening socket to `addr` with `SO_REUSEPORT`, so that
    /// several listeners, one per thread, can share the port: the kernel
    /// hands each new connection to one of them. This is how a server uses
    /// more than one core with tame: one loop per thread, each with its own
    /// listener and its own state, nothing shared on the request path (see
    /// the example).
    ///
    /// Every listener sharing the port must be bound this way, by the same
    /// user; and any socket so bound by that user joins the port, another
    /// copy of the server included:
    /// [`bind_reuse_port_group`](Self::bind_reuse_port_group) binds a
    /// server's listeners and refuses a port anything holds. The first
    /// address `addr` resolves to that can be bound is used.
    ///
    /// The kernel picks a listener for a connection by its addresses, not
    /// by which loop is free, and queues it there: connections queued on a
    /// listener that closes while the others stay open are reset (unless
    /// the `net.ipv4.tcp_migrate_req` sysctl is on), and a listener whose
    /// loop stopped accepting but did not close it keeps getting its share,
    /// which waits. Stop the loops together (a
    /// [`Latch`](crate::sync::Latch) they all wait on), or close a
    /// listener as its loop stops accepting.
    ///
    /// # Errors
    ///
    /// `AddrInUse` (the port is held by a socket without `SO_REUSEPORT`),
    /// `PermissionDenied`, address resolution errors, ...
    ///
    /// # Examples
    ///
    /// Two loops on two threads serve one port, each answering with its
    /// own name:
    ///
    /// ```
    /// use std::io::Read;
    /// use tame::net::{TcpListener, TcpStream};
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn serve(listener: TcpListener, name: &'static str) {
    ///     loop {
    ///         let accepted: std::io::Result<(TcpStream, std::net::SocketAddr)>;
    ///         twait! { listener.accept(mkevent!(accepted)); }
    ///         if let Ok((conn, _)) = accepted {
    ///             let _ = conn.try_write(name.as_bytes());
    ///         }
    ///     }
    /// }
    ///
    /// let addr = "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap();
    /// let first = TcpListener::bind_reuse_port(addr).unwrap();
    /// let addr = first.local_addr().unwrap();
    /// let second = TcpListener::bind_reuse_port(addr).unwrap();
    /// for (listener, name) in [(first, "one"), (second, "two")] {
    ///     // A listener belongs to the loop that waits on it: it crosses to
    ///     // its thread as a std listener.
    ///     let l = listener.into_std().unwrap();
    ///     std::thread::spawn(move || {
    ///         serve(TcpListener::from_std(l).unwrap(), name);
    ///         tame::run();
    ///     });
    /// }
    /// for _ in 0..20 {
    ///     let mut c = std::net::TcpStream::connect(addr).unwrap();
    ///     let mut name = String::new();
    ///     c.read_to_string(&mut name).unwrap();
    ///     assert!(name == "one" || name == "two"); // whichever the kernel chose
    /// }
    /// ```
    pub fn bind_reuse_port(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match sys::tcp_listen_reuse_port(a) {
                Ok(fd) => {
                    return Ok(TcpListener {
                        io: Handle::new(Source::new(fd, true)),
                    })
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to")
        }))
    }

    /// Binds `n` listeners to `addr` with `SO_REUSEPORT`, one per loop of a
    /// server that runs `n` loops (see [`bind_reuse_port`](Self::bind_reuse_port)),
    /// as std listeners, to cross to their threads
    /// ([`from_std`](Self::from_std) there). They are non-blocking already
    /// (a std `accept` on one gives `WouldBlock` when no connection waits).
    ///
    /// Unlike `n` calls of `bind_reuse_port`, it refuses a port that
    /// anything holds already: any socket of the same user bound with
    /// `SO_REUSEPORT` may join a port's group, so a second copy of a server
    /// would otherwise start on the first one's port and silently take
    /// part of its connections. (The check is a plain bind of the port,
    /// closed before the group is bound.) With port 0 the first listener
    /// gets a free port, and the others join it.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the port is held (by another group too),
    /// `InvalidInput` if `n` is 0, `PermissionDenied`, ...
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::net::TcpListener;
    ///
    /// let addr = "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap();
    /// let group = TcpListener::bind_reuse_port_group(addr, 2).unwrap();
    /// let port = group[0].local_addr().unwrap().port();
    /// assert_eq!(group[1].local_addr().unwrap().port(), port);
    /// // A second server on the same port is refused, not let in.
    /// let at = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    /// let err = TcpListener::bind_reuse_port_group(at, 2).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// ```
    pub fn bind_reuse_port_group(addr: SocketAddr, n: usize) -> io::Result<Vec<net::TcpListener>> {
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a group of listeners needs at least one",
            ));
        }
        if addr.port() != 0 {
            // Fails with `AddrInUse` if any socket listens there, whatever
            // its options; closed at once (a listener that accepted
            // nothing leaves no connection behind).
            drop(net::TcpListener::bind(addr)?);
        }
        let first = net::TcpListener::from(sys::tcp_listen_reuse_port(addr)?);
        let bound = first.local_addr()?;
        let mut group = vec![first];
        for _ in 1..n {
            group.push(net::TcpListener::from(sys::tcp_listen_reuse_port(bound)?));
        }
        Ok(group)
    }

    /// Wraps a std listener, making it non-blocking.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let listener = tame::net::TcpListener::from_std(std_listener).unwrap();
    /// # drop(listener);
    /// ```
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Handle::new(Source::new(OwnedFd::from(listener), true)),
        })
    }

    /// Cancels a waiting accept (its event comes back untriggered) and gives
    /// back the std listener, still non-blocking, on the very descriptor it
    /// held (the same fd number: nothing to fail for want of a free one).
    ///
    /// # Errors
    ///
    /// Only when an operation still under way holds the descriptor (this is
    /// called from a callback that one of its own operations runs as it
    /// delivers): the std listener then gets a duplicate (a new fd number),
    /// since the original stays open until that operation is done, and
    /// duplicating can fail (`EMFILE`). The original then closes once the
    /// operation lets go of it, as if the handle had been closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std_listener = listener.into_std().unwrap();
    /// # drop(std_listener);
    /// ```
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        Ok(net::TcpListener::from(self.io.into_fd()?))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.io.fd())
    }

    /// Sets `IP_TTL`, which the connections it accepts inherit (std's
    /// `TcpListener::set_ttl`).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a value the kernel refuses (above 255); as
    /// `setsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// listener.set_ttl(32).unwrap();
    /// assert_eq!(listener.ttl().unwrap(), 32);
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        sys::set_ttl(self.io.fd(), ttl)
    }

    /// The listener's `IP_TTL` (std's `TcpListener::ttl`).
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// assert!(listener.ttl().unwrap() > 0);
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        sys::ttl(self.io.fd())
    }

    /// Accepts one connection and triggers `ev` with it (made non-blocking)
    /// and the peer's address.
    ///
    /// A connection already waiting is accepted at once (`ev` triggers
    /// before `accept` returns); otherwise the listener waits to be readable
    /// first. A connection aborted by its peer before it was accepted
    /// (`ECONNABORTED`) is skipped silently. Call `accept` again for the
    /// next connection (a server loops: accept, start a handler, accept).
    ///
    /// # Errors
    ///
    /// Delivered through `ev`: `EMFILE`/`ENFILE` (out of file
    /// descriptors), `ENOBUFS`, ...; `ResourceBusy` if another accept is
    /// already waiting. After an error such as `EMFILE` the connection is
    /// still queued and the listener still readable: retrying at once would
    /// spin, so back off first (say, [`tame::timer`](crate::timer) for a few
    /// milliseconds, or until a connection closes).
    ///
    /// # Racing
    ///
    /// An accept that loses a race on a rendezvous (a `select!` whose
    /// rendezvous is dropped after the winner) is cancelled without taking
    /// a connection, unless it accepted one in the same turn as the
    /// winner: its id then waits behind the winner's in the rendezvous,
    /// and dropping the rendezvous closes that connection unanswered. Take
    /// what is queued before the rendezvous goes (`while r.queued() > 0 {
    /// twait!(r); }`), or time the accept itself with
    /// [`add_timeout`](crate::add_timeout): see
    /// [`tame::io`](crate::io#races-on-a-rendezvous).
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// listener.accept(ev);
    /// tame::run();
    /// let (_stream, peer) = slot.take().unwrap().unwrap();
    /// assert_eq!(peer, client.local_addr().unwrap());
    /// ```
    pub fn accept(&self, ev: Event<io::Result<(TcpStream, SocketAddr)>>) {
        op::start(self.io.src(), AcceptOp { ev });
    }

    /// Accepts a connection that is already waiting, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no connection is waiting; as for
    /// [`accept`](Self::accept) otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let err = listener.try_accept().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// ```
    pub fn try_accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        try_accept(self.io.src())
    }

    /// Closes the listener: a waiting accept is cancelled (its event comes
    /// back untriggered), then the socket is closed. Dropping the listener
    /// cancels only an accept whose event is dead (see the type's docs).
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<&str>::new();
    /// listener.accept(r.event_with_slot("accept").0);
    /// listener.close();
    /// assert_eq!(r.try_next(), Some("accept"));
    /// tame::run(); // returns: nothing waits any more
    /// ```
    pub fn close(self) {
        self.io.close();
    }
}

impl AsFd for TcpListener {
    /// The socket's fd. A wait made on it with
    /// [`tame::wait_on_fd`](crate::wait_on_fd) holds a duplicate of its own
    /// and is not cancelled by [`close`](TcpListener::close).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::debug_socket(f, "TcpListener", self.as_raw_fd(), self.local_addr(), None)
    }
}

fn try_accept(src: &Source) -> io::Result<(TcpStream, SocketAddr)> {
    let (fd, addr) = sys::accept_inet(src.fd())?;
    Ok((TcpStream::from_fd(fd), addr))
}

/// `accept`: one connection, waiting for the listener to be readable.
struct AcceptOp {
    ev: Event<io::Result<(TcpStream, SocketAddr)>>,
}

impl Op for AcceptOp {
    fn kind(&self) -> Ready {
        Ready::READ
    }

    fn attempt(self, src: &Rc<Source>, _ready: bool) -> Progress<Self> {
        match try_accept(src) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Progress::Blocked(self, Ready::READ),
            r => {
                self.ev.trigger(r);
                Progress::Done
            }
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger(Err(err));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}
