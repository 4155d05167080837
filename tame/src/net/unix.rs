//! [`UnixListener`] and [`UnixStream`]: Unix domain stream sockets on the
//! loop.
//!
//! What they have, as the TCP types have it:
//!
//! * [`UnixListener`][]: [`bind`](UnixListener::bind),
//!   [`from_std`](UnixListener::from_std) / [`into_std`](UnixListener::into_std),
//!   [`local_addr`](UnixListener::local_addr),
//!   [`accept`](UnixListener::accept) (the stream alone: a client's address
//!   is almost always unnamed), [`try_accept`](UnixListener::try_accept),
//!   [`close`](UnixListener::close).
//! * [`UnixStream`][]: [`connect`](UnixStream::connect),
//!   [`pair`](UnixStream::pair), [`from_std`](UnixStream::from_std) /
//!   [`into_std`](UnixStream::into_std), the waits
//!   ([`readable`](UnixStream::readable), [`writable`](UnixStream::writable),
//!   [`hung_up`](UnixStream::hung_up)), the reads and writes
//!   ([`try_read`](UnixStream::try_read), [`try_write`](UnixStream::try_write),
//!   [`read`](UnixStream::read), [`write`](UnixStream::write),
//!   [`write_all`](UnixStream::write_all),
//!   [`read_until`](UnixStream::read_until)),
//!   [`local_addr`](UnixStream::local_addr),
//!   [`peer_addr`](UnixStream::peer_addr),
//!   [`take_error`](UnixStream::take_error),
//!   [`shutdown`](UnixStream::shutdown),
//!   [`into_split`](UnixStream::into_split) (the halves have the addresses
//!   too, and reunite), [`close`](UnixStream::close).
//!
//! Addresses are std's [`SocketAddr`](std_unix::SocketAddr). Nothing
//! TCP-only (`set_nodelay`, `set_linger`, `unacknowledged`). No
//! `SCM_RIGHTS` or credentials: use std's or rustix's calls on the
//! descriptor ([`AsFd`]). No datagram socket (`UnixDatagram`) is provided:
//! std's, made non-blocking, can be waited on with
//! [`tame::wait_on_fd`](crate::wait_on_fd) or taken over by
//! [`tame::io::Fd`](crate::io::Fd) (see its docs on datagrams). No
//! abstract names (a path starting with a NUL byte is refused, as by
//! std's `bind` and `connect`): bind or connect with std's
//! `bind_addr`/`connect_addr` and an address made by
//! `std::os::linux::net::SocketAddrExt::from_abstract_name`,
//! then take the socket over with `from_std`.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net as std_unix;
use std::path::Path;
use std::rc::Rc;

use super::split::{ReadHalf, WriteHalf};
use crate::driver::Ready;
use crate::io::op::{self, Op, Progress, Watch};
use crate::io::source::{Handle, Source};
use crate::io::stream::sealed::{Sealed, SourceOf};
use crate::io::stream::{ReadStream, WriteStream};
use crate::io::{ops, sys};
use crate::Event;

/// A Unix domain socket listening for connections, accepting them through
/// events on this thread's loop. As [`TcpListener`](super::TcpListener):
/// [`close`](Self::close) cancels a waiting accept; dropping the listener
/// lets an accept whose event is live go on. The socket file is not
/// removed when the listener closes (remove it yourself, as with std).
///
/// # Examples
///
/// ```
/// use tame::net::{UnixListener, UnixStream};
///
/// let path = std::env::temp_dir().join(format!("tame-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path).unwrap();
/// let r = tame::Rendezvous::<&str>::new();
/// let (accepted, server_side) = r.event_with_slot("accepted");
/// let (connected, client) = r.event_with_slot("connected");
/// listener.accept(accepted);
/// UnixStream::connect(&path, connected);
/// tame::run();
/// let server_side: UnixStream = server_side.take().unwrap().unwrap();
/// let client: UnixStream = client.take().unwrap().unwrap();
/// assert_eq!(client.try_write(b"hi").unwrap(), 2);
/// # drop(server_side);
/// std::fs::remove_file(&path).unwrap();
/// ```
pub struct UnixListener {
    io: Handle,
}

impl UnixListener {
    /// Binds a listening socket to the file `path` (which must not exist),
    /// non-blocking, with the kernel's longest accept queue.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if `path` exists, `PermissionDenied`, `InvalidInput`
    /// for a path too long for a socket address or an empty one (std binds
    /// an empty path to a name of the kernel's choosing, in the abstract
    /// namespace, that nothing can find: an unset variable's path, say),
    /// ...
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("tame-doc-bind-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = tame::net::UnixListener::bind(&path).unwrap();
    /// listener.close();
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        if path.as_ref().as_os_str().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an empty path names no socket",
            ));
        }
        let listener = std_unix::UnixListener::bind(path)?;
        sys::raise_backlog(listener.as_fd())?;
        UnixListener::from_std(listener)
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
    /// let path = std::env::temp_dir().join(format!("tame-doc-std-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    /// let listener = tame::net::UnixListener::from_std(std_listener).unwrap();
    /// # drop(listener);
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn from_std(listener: std_unix::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
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
    /// let path = std::env::temp_dir().join(format!("tame-doc-into-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = tame::net::UnixListener::bind(&path).unwrap();
    /// let std_listener = listener.into_std().unwrap();
    /// # drop(std_listener);
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std_unix::UnixListener> {
        Ok(std_unix::UnixListener::from(self.io.into_fd()?))
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
    /// let path = std::env::temp_dir().join(format!("tame-doc-addr-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = tame::net::UnixListener::bind(&path).unwrap();
    /// assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<std_unix::SocketAddr> {
        local_addr(self.io.fd())
    }

    /// Accepts one connection and triggers `ev` with it (non-blocking).
    /// A connection already waiting is accepted at once; otherwise the
    /// listener waits to be readable first. As
    /// [`TcpListener::accept`](super::TcpListener::accept).
    ///
    /// # Errors
    ///
    /// Through `ev`: `EMFILE`/`ENFILE`, ...; `ResourceBusy` if another
    /// accept is already waiting.
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
    /// let path = std::env::temp_dir().join(format!("tame-doc-acc-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = tame::net::UnixListener::bind(&path).unwrap();
    /// let _client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// listener.accept(ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn accept(&self, ev: Event<io::Result<UnixStream>>) {
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
    /// let path = std::env::temp_dir().join(format!("tame-doc-try-acc-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = tame::net::UnixListener::bind(&path).unwrap();
    /// let err = listener.try_accept().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// let _client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    /// let stream = listener.try_accept().unwrap();
    /// assert!(stream.peer_addr().unwrap().as_pathname().is_none());
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn try_accept(&self) -> io::Result<UnixStream> {
        let (fd, _) = sys::accept(self.io.fd())?;
        Ok(UnixStream::from_fd(fd))
    }

    /// Closes the listener: a waiting accept is cancelled (its event comes
    /// back untriggered), then the socket is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("tame-doc-close-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let listener = tame::net::UnixListener::bind(&path).unwrap();
    /// let r = tame::Rendezvous::<&str>::new();
    /// listener.accept(r.event_with_slot("accept").0);
    /// listener.close();
    /// assert_eq!(r.try_next(), Some("accept"));
    /// tame::run();
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn close(self) {
        self.io.close();
    }
}

/// `accept`: one connection, waiting for the listener to be readable.
struct AcceptOp {
    ev: Event<io::Result<UnixStream>>,
}

impl Op for AcceptOp {
    fn kind(&self) -> Ready {
        Ready::READ
    }

    fn attempt(self, src: &Rc<Source>, _ready: bool) -> Progress<Self> {
        match sys::accept(src.fd()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Progress::Blocked(self, Ready::READ),
            r => {
                self.ev.trigger(r.map(|(fd, _)| UnixStream::from_fd(fd)));
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

/// A connected Unix domain stream socket on the loop: reads, writes and
/// waits report through events with owned buffers, exactly as on
/// [`TcpStream`](super::TcpStream), whose docs give the details (what
/// `close` and dropping do, idle reads that hold no buffer, one operation
/// per direction).
///
/// # Examples
///
/// ```
/// use tame::net::UnixStream;
///
/// let (a, b) = UnixStream::pair().unwrap();
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot(());
/// b.read_until(Vec::new(), b"\n", 64, ev);
/// let (sent, _) = r.event_with_slot(());
/// a.write_all(&b"over a socketpair\n"[..], sent);
/// tame::run();
/// assert_eq!(slot.take().unwrap().0, b"over a socketpair\n");
/// ```
pub struct UnixStream {
    io: Handle,
}

impl UnixStream {
    /// Starts connecting to the socket file `path` without blocking and
    /// triggers `ev` with the stream once connected.
    ///
    /// # Errors
    ///
    /// Through `ev`: `NotFound` (no such file), `ConnectionRefused` (nobody
    /// listens, or the file is not a socket: connect(2) says `ECONNREFUSED`
    /// for a regular file too), `WouldBlock` (the listener's queue is
    /// full), a path too long for a socket address.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("tame-doc-conn-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// tame::net::UnixStream::connect(&path, ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn connect(path: impl AsRef<Path>, ev: Event<io::Result<UnixStream>>) {
        // Nobody would take the stream: no connection is made.
        if !ev.is_live() {
            return;
        }
        match sys::unix_connect(path.as_ref()) {
            Err(e) => ev.trigger(Err(e)),
            Ok(sys::Connecting::Done(fd)) => ev.trigger(Ok(UnixStream::from_fd(fd))),
            Ok(sys::Connecting::InProgress(fd)) => {
                op::start(&Source::new(fd, true), ConnectOp { ev });
            }
        }
    }

    /// A pair of connected streams (`socketpair(2)`).
    ///
    /// # Errors
    ///
    /// Out of descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// a.try_write(b"x").unwrap();
    /// assert_eq!(b.try_read(&mut [0; 1]).unwrap(), 1);
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std_unix::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a connected std stream, making it non-blocking.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = tame::net::UnixStream::from_std(a).unwrap();
    /// # drop(a);
    /// ```
    pub fn from_std(stream: std_unix::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream::from_fd(OwnedFd::from(stream)))
    }

    /// Cancels the waiting operations (their events come back untriggered)
    /// and gives back the std stream, still non-blocking, on the very
    /// descriptor it held (the same fd number: nothing to fail for want of
    /// a free one).
    ///
    /// # Errors
    ///
    /// Only when an operation still under way holds the descriptor (this is
    /// called from a callback that one of its own operations runs as it
    /// delivers, or a [`copy`](fn@crate::io::copy) over the stream, which ends
    /// with it and lets go on the loop's next turn, is under way): the std
    /// stream then gets a duplicate (a new fd number),
    /// since the original stays open until that operation is done, and
    /// duplicating can fail (`EMFILE`). The original then closes once the
    /// operation lets go of it, as if the handle had been closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let a = a.into_std().unwrap();
    /// a.set_nonblocking(false).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std_unix::UnixStream> {
        Ok(std_unix::UnixStream::from(self.io.into_fd()?))
    }

    /// As [`TcpStream::readable`](super::TcpStream::readable).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::readable`](super::TcpStream::readable).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.readable(ev);
    /// b.try_write(b"x").unwrap();
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn readable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::READ, ev);
    }

    /// As [`TcpStream::writable`](super::TcpStream::writable).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::writable`](super::TcpStream::writable).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.writable(ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn writable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::WRITE, ev);
    }

    /// As [`TcpStream::hung_up`](super::TcpStream::hung_up).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::hung_up`](super::TcpStream::hung_up).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.hung_up(ev);
    /// b.close();
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn hung_up(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::HUP, ev);
    }

    /// As [`TcpStream::try_read`](super::TcpStream::try_read).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::try_read`](super::TcpStream::try_read).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// assert_eq!(a.try_read(&mut [0; 4]).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        ops::try_read_stream(self.io.src(), buf)
    }

    /// As [`TcpStream::try_write`](super::TcpStream::try_write).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::try_write`](super::TcpStream::try_write).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// assert_eq!(a.try_write(b"abc").unwrap(), 3);
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        ops::try_write_stream(self.io.src(), buf)
    }

    /// As [`TcpStream::read`](super::TcpStream::read).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read`](super::TcpStream::read).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// b.try_write(b"abc").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.read(Vec::new(), ev);
    /// tame::run();
    /// assert_eq!(slot.take().unwrap().0, b"abc");
    /// ```
    pub fn read(&self, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<usize>)>) {
        ops::read(self.io.src(), buf, ev);
    }

    /// As [`TcpStream::write`](super::TcpStream::write).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write`](super::TcpStream::write).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.write(&b"abc"[..], ev);
    /// assert_eq!(slot.take().unwrap().1.unwrap(), 3);
    /// ```
    pub fn write<B>(&self, buf: B, ev: Event<(B, io::Result<usize>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write(self.io.src(), buf, ev);
    }

    /// As [`TcpStream::write_all`](super::TcpStream::write_all).
    ///
    /// Cancelled before it is done (its event dead), it may have written
    /// part of `buf`, and nobody learns how much: see
    /// [cancellation](crate::io#cancellation).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write_all`](super::TcpStream::write_all).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.write_all(b"everything".to_vec(), ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().1.is_ok());
    /// assert_eq!(b.try_read(&mut [0; 16]).unwrap(), 10);
    /// ```
    pub fn write_all<B>(&self, buf: B, ev: Event<(B, io::Result<()>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write_all(self.io.src(), buf, ev);
    }

    /// As [`TcpStream::read_until`](super::TcpStream::read_until).
    ///
    /// Cancelled before it is done (its event dead: a timeout gave up, its
    /// rendezvous was dropped), it drops `buf` with what it held and the
    /// bytes it read: see [cancellation](crate::io#cancellation) for a wait
    /// with a timeout that loses nothing.
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read_until`](super::TcpStream::read_until).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// b.try_write(b"one\ntwo").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// a.read_until(Vec::new(), b"\n", 64, ev);
    /// tame::run();
    /// let (buf, n) = slot.take().unwrap();
    /// assert_eq!(&buf[..n.unwrap()], b"one\n");
    /// ```
    pub fn read_until<D>(
        &self,
        buf: Vec<u8>,
        delim: D,
        limit: usize,
        ev: Event<(Vec<u8>, io::Result<usize>)>,
    ) where
        D: AsRef<[u8]> + 'static,
    {
        ops::read_until(self.io.src(), buf, delim, limit, ev);
    }

    /// The address of the socket's own end: unnamed for a connecting
    /// client or a [`pair`](Self::pair), the listener's path for an
    /// accepted stream.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// assert!(a.local_addr().unwrap().is_unnamed());
    /// ```
    pub fn local_addr(&self) -> io::Result<std_unix::SocketAddr> {
        local_addr(self.io.fd())
    }

    /// The address of the peer: the listener's path for a client that
    /// connected to one, unnamed for an accepted stream or a
    /// [`pair`](Self::pair).
    ///
    /// # Errors
    ///
    /// As `getpeername(2)`: `NotConnected` on a socket that is not
    /// connected.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("tame-doc-peer-{}.sock", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    /// let s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    /// let s = tame::net::UnixStream::from_std(s).unwrap();
    /// assert_eq!(s.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<std_unix::SocketAddr> {
        peer_addr(self.io.fd())
    }

    /// Takes the socket's pending error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// assert!(a.take_error().unwrap().is_none());
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.io.fd())
    }

    /// Shuts down the read side, the write side or both.
    ///
    /// Unlike a TCP stream's, it succeeds even if the peer is gone (Linux
    /// shuts down a Unix stream whatever its peer did): the next read says
    /// so (the end of the stream, or `ConnectionReset` if the peer left
    /// data unread), a write `BrokenPipe`.
    ///
    /// # Errors
    ///
    /// What `shutdown(2)` reports; on Linux a Unix stream's never fails for
    /// want of a connection (one that was never connected is shut down
    /// too, as std's is).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// a.shutdown(std::net::Shutdown::Write).unwrap();
    /// assert_eq!(b.try_read(&mut [0; 4]).unwrap(), 0);
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        sys::shutdown(self.io.fd(), how)
    }

    /// Splits the stream into a read half and a write half, one per task
    /// (see [`TcpStream::into_split`](super::TcpStream::into_split)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, w) = a.into_split();
    /// w.try_write(b"x").unwrap();
    /// assert_eq!(b.try_read(&mut [0; 1]).unwrap(), 1);
    /// # drop(r);
    /// ```
    pub fn into_split(self) -> (ReadHalf<UnixStream>, WriteHalf<UnixStream>) {
        let (read, write) = self.io.split();
        (ReadHalf::new(read), WriteHalf::new(write))
    }

    /// Closes the stream: the waiting operations are cancelled (their
    /// events come back untriggered), then the socket is closed. Dropping
    /// the stream instead lets the operations whose events are live finish
    /// first.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// a.close();
    /// assert_eq!(b.try_read(&mut [0; 1]).unwrap(), 0);
    /// ```
    pub fn close(self) {
        self.io.close();
    }

    pub(crate) fn from_fd(fd: OwnedFd) -> UnixStream {
        UnixStream {
            io: Handle::new(Source::new(fd, true)),
        }
    }

    pub(crate) fn from_handle(io: Handle) -> UnixStream {
        UnixStream { io }
    }

    pub(crate) fn into_handle(self) -> Handle {
        self.io
    }
}

/// The address a Unix socket is bound to, as std gives it.
pub(super) fn local_addr(fd: BorrowedFd<'_>) -> io::Result<std_unix::SocketAddr> {
    sys::with_view(fd, std_unix::UnixStream::local_addr)
}

/// The address a Unix socket is connected to, as std gives it.
pub(super) fn peer_addr(fd: BorrowedFd<'_>) -> io::Result<std_unix::SocketAddr> {
    sys::with_view(fd, std_unix::UnixStream::peer_addr)
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl Sealed for UnixStream {
    fn source(&self) -> SourceOf<'_> {
        SourceOf(self.io.src())
    }
}

impl ReadStream for UnixStream {}

impl WriteStream for UnixStream {}

impl fmt::Debug for UnixStream {
    /// The descriptor and both ends' addresses, as std's shows them
    /// (`"/run/app.sock" (pathname)`, `(unnamed)`), and as the TCP types
    /// show theirs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (local, peer) = (self.local_addr(), Some(self.peer_addr()));
        super::debug_socket(f, "UnixStream", self.as_raw_fd(), local, peer)
    }
}

impl fmt::Debug for UnixListener {
    /// The descriptor and the path it listens on, as std's shows them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::debug_socket(f, "UnixListener", self.as_raw_fd(), self.local_addr(), None)
    }
}

/// `connect`: waits for the connection to be made, then checks `SO_ERROR`.
struct ConnectOp {
    ev: Event<io::Result<UnixStream>>,
}

impl Op for ConnectOp {
    fn kind(&self) -> Ready {
        Ready::WRITE
    }

    fn attempt(self, src: &Rc<Source>, ready: bool) -> Progress<Self> {
        if !ready {
            return Progress::Wait(self, Ready::WRITE);
        }
        let result = match sys::take_error(src.fd()) {
            Ok(Some(e)) | Err(e) => Err(e),
            Ok(None) => Ok(UnixStream::from_handle(Handle::new(src.clone()))),
        };
        self.ev.trigger(result);
        Progress::Done
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger(Err(err));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}
