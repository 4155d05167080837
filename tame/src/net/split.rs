//! [`ReadHalf`] and [`WriteHalf`]: a stream split between a reader task and
//! a writer task.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::net as std_unix;

use super::{TcpStream, UnixStream};
use crate::driver::Ready;
use crate::io::source::Handle;
use crate::io::stream::sealed::{Sealed, SourceOf};
use crate::io::stream::{ReadStream, WriteStream};
use crate::io::{ops, sys};
use crate::Event;

/// The read side of a stream split with
/// [`TcpStream::into_split`] or [`UnixStream::into_split`]: reads,
/// `read_until`, readiness and hang-up waits.
///
/// It owns its operations: [`close`](Self::close) cancels them (their
/// events come back untriggered) without touching the write half; dropping
/// it lets the ones whose events are live finish. When the write half is
/// closed or dropped, the writing direction is shut down (the peer reads
/// the end of the stream) once its writes in flight are done, while this
/// half goes on reading the replies, as with tokio's `OwnedWriteHalf`. The
/// socket closes when both halves are gone and their operations done.
///
/// # Examples
///
/// A reader task and a writer task on one connection:
///
/// ```
/// use std::io;
/// use tame::net::{ReadHalf, TcpStream, WriteHalf};
/// use tame::{mkevent, tamed, tvars, twait, Event};
///
/// #[tamed]
/// fn read_line(r: ReadHalf<TcpStream>, done: Event<Vec<u8>>) {
///     tvars! { let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0)); }
///     twait! { r.read_until(Vec::new(), b"\n", 1024, mkevent!(got)); }
///     r.close();
///     done.trigger(got.0);
/// }
///
/// #[tamed]
/// fn send_line(w: WriteHalf<TcpStream>) {
///     tvars! { let mut sent: (&'static [u8], io::Result<()>) = (&[], Ok(())); }
///     twait! { w.write_all(&b"hello\n"[..], mkevent!(sent)); }
///     w.close();
/// }
///
/// // Both halves of one side talk to the other side, an echo by std.
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let conn = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
/// let echo = std::thread::spawn(move || {
///     let (mut s, _) = listener.accept().unwrap();
///     std::io::copy(&mut s.try_clone().unwrap(), &mut s).unwrap();
/// });
/// let (r, w) = TcpStream::from_std(conn).unwrap().into_split();
/// let rdv = tame::Rendezvous::<()>::new();
/// let (done, line) = rdv.event_with_slot(());
/// read_line(r, done);
/// send_line(w);
/// tame::run();
/// assert_eq!(line.take().unwrap(), b"hello\n");
/// echo.join().unwrap();
/// ```
pub struct ReadHalf<S> {
    io: Handle,
    stream: PhantomData<fn() -> S>,
}

/// The write side of a split stream: writes, `write_all`, writability,
/// `shutdown`. See [`ReadHalf`] for how the halves close.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
/// let mut peer = listener.accept().unwrap().0;
/// let (_r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
/// assert_eq!(w.try_write(b"hi").unwrap(), 2);
/// w.shutdown().unwrap(); // FIN: the peer reads the end of the stream
/// let mut got = Vec::new();
/// peer.read_to_end(&mut got).unwrap();
/// assert_eq!(got, b"hi");
/// ```
pub struct WriteHalf<S> {
    io: Handle,
    stream: PhantomData<fn() -> S>,
}

impl<S> ReadHalf<S> {
    pub(crate) fn new(io: Handle) -> Self {
        ReadHalf {
            io,
            stream: PhantomData,
        }
    }

    /// As [`TcpStream::read`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// r.read(Vec::new(), ev);
    /// b.try_write(b"hey").unwrap();
    /// tame::run();
    /// assert_eq!(slot.take().unwrap().0, b"hey");
    /// ```
    pub fn read(&self, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<usize>)>) {
        ops::read(self.io.src(), buf, ev);
    }

    /// As [`TcpStream::read_until`].
    ///
    /// Cancelled before it is done (its event dead: a timeout gave up, its
    /// rendezvous was dropped), it drops `buf` with what it held and the
    /// bytes it read: see [cancellation](crate::io#cancellation) for a wait
    /// with a timeout that loses nothing.
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read_until`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// b.try_write(b"line\nmore").unwrap();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// r.read_until(Vec::new(), b"\n", 64, ev);
    /// tame::run();
    /// let (buf, n) = slot.take().unwrap();
    /// assert_eq!(&buf[..n.unwrap()], b"line\n");
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

    /// As [`TcpStream::readable`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::readable`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// r.readable(ev);
    /// b.try_write(b"x").unwrap();
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn readable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::READ, ev);
    }

    /// As [`TcpStream::hung_up`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::hung_up`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// r.hung_up(ev);
    /// b.close();
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn hung_up(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::HUP, ev);
    }

    /// As [`TcpStream::try_read`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::try_read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// assert_eq!(r.try_read(&mut [0; 4]).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // A short read drains a TCP stream, not a Unix one (`Source::drained`).
        ops::try_read_stream(self.io.src(), buf)
    }

    /// Cancels this half's waiting operations (their events come back
    /// untriggered), ends a [`copy`](crate::io::copy) that reads from it
    /// (with `ConnectionAborted`, as closing a whole stream does), and
    /// lets it go. The write half is not affected.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, w) = a.into_split();
    /// let rdv = tame::Rendezvous::<&str>::new();
    /// r.readable(rdv.event_with_slot("read").0);
    /// r.close();
    /// assert_eq!(rdv.try_next(), Some("read"));
    /// assert_eq!(w.try_write(b"still open").unwrap(), 10);
    /// ```
    pub fn close(self) {
        self.io.close();
    }
}

impl ReadHalf<TcpStream> {
    /// Puts the halves back together into the stream they came from;
    /// `Err` gives them back if they are halves of different streams.
    ///
    /// # Errors
    ///
    /// The two halves, if they do not belong together.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// let stream = r.reunite(w).ok().unwrap();
    /// # drop(stream);
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn reunite(
        self,
        write: WriteHalf<TcpStream>,
    ) -> Result<TcpStream, (ReadHalf<TcpStream>, WriteHalf<TcpStream>)> {
        match Handle::reunite(self.io, write.io) {
            Ok(io) => Ok(TcpStream::from_handle(io)),
            Err((r, w)) => Err((ReadHalf::new(r), WriteHalf::new(w))),
        }
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (r, _w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// assert_eq!(r.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        sys::peer_addr(self.io.fd())
    }

    /// The local address of the stream.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let local = s.local_addr().unwrap();
    /// let (r, _w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// assert_eq!(r.local_addr().unwrap(), local);
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.io.fd())
    }
}

impl WriteHalf<TcpStream> {
    /// As [`ReadHalf::reunite`], from this side: the halves back together
    /// into the stream they came from; `Err` gives them back (read half
    /// first) if they are halves of different streams.
    ///
    /// # Errors
    ///
    /// The two halves, if they do not belong together.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// let stream = w.reunite(r).ok().unwrap();
    /// # drop(stream);
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn reunite(
        self,
        read: ReadHalf<TcpStream>,
    ) -> Result<TcpStream, (ReadHalf<TcpStream>, WriteHalf<TcpStream>)> {
        read.reunite(self)
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (_r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// assert_eq!(w.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        sys::peer_addr(self.io.fd())
    }

    /// The local address of the stream.
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let local = s.local_addr().unwrap();
    /// let (_r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// assert_eq!(w.local_addr().unwrap(), local);
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.io.fd())
    }

    // What concerns writing is on the write half, so that a split stream
    // (the usual shape of a server that answers while it reads) can still
    // turn Nagle off and watch a slow reader. `SO_LINGER` is not: the half
    // shuts the writing direction down as it goes, so with a linger of zero
    // the peer would read a clean end of stream before the reset; to abort,
    // `reunite` the halves and set it on the stream.

    /// As [`TcpStream::set_nodelay`]: small writes go out at once.
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (_r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// w.set_nodelay(true).unwrap();
    /// assert!(w.nodelay().unwrap());
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        sys::set_nodelay(self.io.fd(), nodelay)
    }

    /// As [`TcpStream::nodelay`].
    ///
    /// # Errors
    ///
    /// As `getsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (_r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// assert!(!w.nodelay().unwrap());
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        sys::nodelay(self.io.fd())
    }

    /// As [`TcpStream::unacknowledged`]: how many of the bytes written the
    /// peer has not yet acknowledged.
    ///
    /// # Errors
    ///
    /// As `ioctl(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (_r, w) = tame::net::TcpStream::from_std(s).unwrap().into_split();
    /// assert_eq!(w.unacknowledged().unwrap(), 0); // nothing written yet
    /// ```
    pub fn unacknowledged(&self) -> io::Result<usize> {
        sys::unacknowledged(self.io.fd())
    }
}

impl ReadHalf<UnixStream> {
    /// Puts the halves back together into the stream they came from;
    /// `Err` gives them back if they are halves of different streams.
    ///
    /// # Errors
    ///
    /// The two halves, if they do not belong together.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, w) = a.into_split();
    /// let a = r.reunite(w).ok().unwrap();
    /// # drop(a);
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn reunite(
        self,
        write: WriteHalf<UnixStream>,
    ) -> Result<UnixStream, (ReadHalf<UnixStream>, WriteHalf<UnixStream>)> {
        match Handle::reunite(self.io, write.io) {
            Ok(io) => Ok(UnixStream::from_handle(io)),
            Err((r, w)) => Err((ReadHalf::new(r), WriteHalf::new(w))),
        }
    }

    /// The address of the peer; as
    /// [`UnixStream::peer_addr`](UnixStream::peer_addr).
    ///
    /// # Errors
    ///
    /// As `getpeername(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// assert!(r.peer_addr().unwrap().is_unnamed());
    /// ```
    pub fn peer_addr(&self) -> io::Result<std_unix::SocketAddr> {
        super::unix::peer_addr(self.io.fd())
    }

    /// The address of the socket's own end; as
    /// [`UnixStream::local_addr`](UnixStream::local_addr).
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, _w) = a.into_split();
    /// assert!(r.local_addr().unwrap().is_unnamed());
    /// ```
    pub fn local_addr(&self) -> io::Result<std_unix::SocketAddr> {
        super::unix::local_addr(self.io.fd())
    }
}

impl WriteHalf<UnixStream> {
    /// As [`ReadHalf::reunite`], from this side: the halves back together
    /// into the stream they came from; `Err` gives them back (read half
    /// first) if they are halves of different streams.
    ///
    /// # Errors
    ///
    /// The two halves, if they do not belong together.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (r, w) = a.into_split();
    /// let a = w.reunite(r).ok().unwrap();
    /// # drop(a);
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn reunite(
        self,
        read: ReadHalf<UnixStream>,
    ) -> Result<UnixStream, (ReadHalf<UnixStream>, WriteHalf<UnixStream>)> {
        read.reunite(self)
    }

    /// The address of the peer; as
    /// [`UnixStream::peer_addr`](UnixStream::peer_addr).
    ///
    /// # Errors
    ///
    /// As `getpeername(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// assert!(w.peer_addr().unwrap().is_unnamed());
    /// ```
    pub fn peer_addr(&self) -> io::Result<std_unix::SocketAddr> {
        super::unix::peer_addr(self.io.fd())
    }

    /// The address of the socket's own end; as
    /// [`UnixStream::local_addr`](UnixStream::local_addr).
    ///
    /// # Errors
    ///
    /// As `getsockname(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// assert!(w.local_addr().unwrap().is_unnamed());
    /// ```
    pub fn local_addr(&self) -> io::Result<std_unix::SocketAddr> {
        super::unix::local_addr(self.io.fd())
    }
}

impl<S> WriteHalf<S> {
    pub(crate) fn new(io: Handle) -> Self {
        WriteHalf {
            io,
            stream: PhantomData,
        }
    }

    /// As [`TcpStream::write`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// w.write(&b"abc"[..], ev);
    /// assert_eq!(slot.take().unwrap().1.unwrap(), 3);
    /// ```
    pub fn write<B>(&self, buf: B, ev: Event<(B, io::Result<usize>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write(self.io.src(), buf, ev);
    }

    /// As [`TcpStream::write_all`].
    ///
    /// Cancelled before it is done (its event dead), it may have written
    /// part of `buf`, and nobody learns how much: see
    /// [cancellation](crate::io#cancellation).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write_all`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// w.write_all(b"all of it".to_vec(), ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().1.is_ok());
    /// let mut buf = [0; 9];
    /// assert_eq!(b.try_read(&mut buf).unwrap(), 9);
    /// ```
    pub fn write_all<B>(&self, buf: B, ev: Event<(B, io::Result<()>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write_all(self.io.src(), buf, ev);
    }

    /// As [`TcpStream::writable`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::writable`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// w.writable(ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn writable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::WRITE, ev);
    }

    /// As [`TcpStream::try_write`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::try_write`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// assert_eq!(w.try_write(b"x").unwrap(), 1);
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        // Both stream types split: a short write fills the socket.
        ops::try_write_stream(self.io.src(), buf)
    }

    /// Shuts down the write direction (FIN): the peer reads the end of the
    /// stream after what was written; the read half goes on reading.
    ///
    /// # Errors
    ///
    /// `NotConnected` if a TCP connection is gone (reset). A Unix stream
    /// shuts down whatever its peer did (Linux reports nothing there): its
    /// next read or write says that the peer is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// w.shutdown().unwrap();
    /// assert_eq!(b.try_read(&mut [0; 4]).unwrap(), 0);
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        sys::shutdown(self.io.fd(), Shutdown::Write)
    }

    /// Cancels this half's waiting operations (their events come back
    /// untriggered), ends a [`copy`](crate::io::copy) that writes to it
    /// (with `ConnectionAborted`), shuts the writing direction down (the
    /// peer reads the end of the stream) and lets the half go. The read
    /// half is not affected. Dropping the half shuts down the same way,
    /// after the writes still in flight, a copy to it included (which
    /// borrowed the half for the call only, and goes on to its end).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = tame::net::UnixStream::pair().unwrap();
    /// let (_r, w) = a.into_split();
    /// w.close();
    /// ```
    pub fn close(self) {
        self.io.close();
    }
}

impl<S> AsFd for ReadHalf<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl<S> AsFd for WriteHalf<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl<S> AsRawFd for ReadHalf<S> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.fd().as_raw_fd()
    }
}

impl<S> AsRawFd for WriteHalf<S> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.fd().as_raw_fd()
    }
}

impl<S> Sealed for ReadHalf<S> {
    fn source(&self) -> SourceOf<'_> {
        SourceOf(self.io.src())
    }
}

/// The read side of the split stream: its reads go through this half.
impl<S> ReadStream for ReadHalf<S> {}

impl<S> Sealed for WriteHalf<S> {
    fn source(&self) -> SourceOf<'_> {
        SourceOf(self.io.src())
    }
}

/// The write side of the split stream: its writes go through this half.
impl<S> WriteStream for WriteHalf<S> {}

impl<S> fmt::Debug for ReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf")
            .field("fd", &self.io.fd().as_raw_fd())
            .finish()
    }
}

impl<S> fmt::Debug for WriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf")
            .field("fd", &self.io.fd().as_raw_fd())
            .finish()
    }
}
