//! [`TcpStream`]: a connected TCP socket on the loop.

use std::fmt;
use std::io;
use std::net::{self, Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::rc::Rc;
use std::time::Duration;

use super::split::{ReadHalf, WriteHalf};
use crate::driver::Ready;
use crate::io::op::{self, Op, Progress, Watch};
use crate::io::source::{Handle, Source};
use crate::io::stream::sealed::{Sealed, SourceOf};
use crate::io::stream::{ReadStream, WriteStream};
use crate::io::{ops, sys};
use crate::Event;

/// A TCP connection whose reads, writes and readiness waits report through
/// events on this thread's loop.
///
/// Made by [`TcpStream::connect`], [`TcpListener::accept`](super::TcpListener::accept)
/// or [`TcpStream::from_std`]. The socket is non-blocking underneath.
///
/// # Operations and their events
///
/// | call | event value |
/// |---|---|
/// | [`readable`](Self::readable) / [`writable`](Self::writable) | `io::Result<()>` |
/// | [`read`](Self::read) | `(Vec<u8>, io::Result<usize>)` ([`ReadOutcome`](crate::io::ReadOutcome)) |
/// | [`write`](Self::write) | `(B, io::Result<usize>)` ([`WriteOutcome<B>`](crate::io::WriteOutcome)) |
/// | [`write_all`](Self::write_all) | `(B, io::Result<()>)` ([`WriteAllOutcome<B>`](crate::io::WriteAllOutcome)) |
/// | [`read_until`](Self::read_until) | `(Vec<u8>, io::Result<usize>)` ([`ReadOutcome`](crate::io::ReadOutcome)) |
///
/// Buffers are moved into the operation and come back through its event, so
/// an operation never borrows from its caller and a `#[tamed]` function can
/// keep the buffer in its state.
///
/// * Errors (including a reset peer) are delivered through the event, never
///   as a panic. A peer that closed its side makes reads give `Ok(0)`.
/// * At most one operation per direction may wait at a time (one reader
///   and one writer may wait at once). Another one of that direction,
///   started while one waits, gets `ErrorKind::ResourceBusy` through its
///   event, even one that could complete at once: it would overtake the
///   one waiting (the `try_` methods do not wait, and are not refused).
/// * [`close`](Self::close) cancels the waiting operations: their events
///   come back **untriggered** (a `twait` on them ends; the slots keep
///   their old values; moved-in buffers are dropped), and the socket closes.
/// * **Dropping** the stream cancels nothing that can still deliver: an
///   operation whose event is live (a read, a write, a readiness wait) goes
///   on, keeps the socket open and delivers; the socket closes after it.
///   Operations whose events are dead (their rendezvous was cancelled) are
///   cancelled at once; one whose event dies later, on the loop's next
///   turn (the socket closes then, after its last operation). So
///   `twait! { conn.read(buf, mkevent!(got)); }` completes even where
///   `conn` is dropped at the `twait` (see the [`io` module
///   docs](crate::io)).
/// * An operation whose event is dead no longer keeps
///   [`run`](crate::run) going.
///
/// # Idle connections hold no buffer
///
/// [`read`](Self::read) and [`read_until`](Self::read_until) given a `Vec`
/// with no spare capacity (such as `Vec::new()`) wait for the socket to be
/// readable *before* they allocate. A server waiting for the next request
/// of 10,000 idle keep-alive connections that way holds no read buffer: per
/// connection only the stream (one small allocation) and the wait (one
/// small allocation) remain. [`readable`](Self::readable) plus
/// [`try_read`](Self::try_read) into a shared buffer is the other way.
///
/// # A reader task and a writer task
///
/// [`into_split`](Self::into_split) gives a [`ReadHalf`] and a
/// [`WriteHalf`], each owned by one task; dropping or closing both closes
/// the socket.
///
/// `TcpStream` is `!Send`: it belongs to the thread whose loop it uses. Move
/// a connection to another thread with [`into_std`](Self::into_std).
///
/// # Examples
///
/// An echo round trip on loopback, with callbacks (a `#[tamed]` function
/// would `twait!` on the events instead):
///
/// ```
/// use std::net::SocketAddr;
/// use tame::net::{TcpListener, TcpStream};
/// use tame::Event;
///
/// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
/// let addr = listener.local_addr().unwrap();
///
/// // Server: accept one connection, echo one read back.
/// listener.accept(Event::from_fn(|r: Option<std::io::Result<(TcpStream, SocketAddr)>>| {
///     let (conn, _) = r.unwrap().unwrap();
///     let conn = std::rc::Rc::new(conn);
///     let c = conn.clone();
///     conn.read(Vec::new(), Event::from_fn(move |r: Option<(Vec<u8>, std::io::Result<usize>)>| {
///         let (buf, _) = r.unwrap();
///         // The stream must live until the write is done: the callback
///         // keeps a reference.
///         let keep = c.clone();
///         c.write_all(buf, Event::from_fn(move |_| drop(keep)));
///     }));
/// }));
///
/// // Client.
/// let r = tame::Rendezvous::<()>::new();
/// let (done, reply) = r.event_with_slot::<Vec<u8>>(());
/// TcpStream::connect(addr, Event::from_fn(move |s: Option<std::io::Result<TcpStream>>| {
///     let s = std::rc::Rc::new(s.unwrap().unwrap());
///     let s2 = s.clone();
///     s.write_all(b"ping".to_vec(), Event::from_fn(move |_| {
///         let s3 = s2.clone();
///         s2.read_until(Vec::new(), b"ng", 64, Event::from_fn(move |r: Option<(Vec<u8>, _)>| {
///             drop(s3);
///             done.trigger(r.unwrap().0);
///         }));
///     }));
/// }));
/// tame::run();
/// assert_eq!(reply.take().unwrap(), b"ping");
/// # drop(listener);
/// ```
pub struct TcpStream {
    io: Handle,
}

impl TcpStream {
    /// Starts connecting to `addr` without blocking the thread, and triggers
    /// `ev` with the connected stream once the handshake is over.
    ///
    /// The socket is made non-blocking and the connect started; then the
    /// stream waits to be writable and checks `SO_ERROR`
    /// ([`take_error`](Self::take_error)).
    ///
    /// Takes a resolved address: resolve names with [`tame::dns`](crate::dns)
    /// first (std's resolver would block the loop). To give up after a while,
    /// wrap `ev` with [`add_timeout`](crate::add_timeout): the attempt is
    /// then abandoned (and its socket closed) when it ends. An `ev` already
    /// dead (its rendezvous cancelled) starts nothing.
    ///
    /// # Errors
    ///
    /// Delivered through `ev`: a socket that cannot be made (`EMFILE`), a
    /// refused connection (`ConnectionRefused`), an unreachable network, or a
    /// handshake that timed out in the kernel.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::net::{TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// TcpStream::connect(listener.local_addr().unwrap(), ev);
    /// tame::run();
    /// let stream: TcpStream = slot.take().unwrap().unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// ```
    pub fn connect(addr: SocketAddr, ev: Event<io::Result<TcpStream>>) {
        // Nobody would take the stream: no connection is made (the peer
        // would see one opened and closed), as a dead event's read reads
        // nothing.
        if !ev.is_live() {
            return;
        }
        match sys::tcp_connect(addr) {
            Err(e) => ev.trigger(Err(e)),
            Ok(sys::Connecting::Done(fd)) => ev.trigger(Ok(TcpStream::from_fd(fd))),
            Ok(sys::Connecting::InProgress(fd)) => {
                op::start(&Source::new(fd, true), ConnectOp { ev, to: addr });
            }
        }
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
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(std_stream).unwrap();
    /// # drop(stream);
    /// ```
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream::from_fd(OwnedFd::from(stream)))
    }

    /// Cancels the stream's waiting operations (their events come back
    /// untriggered) and gives back the std stream, still non-blocking, on
    /// the very descriptor it held (the same fd number: nothing to fail for
    /// want of a free one).
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
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let s = tame::net::TcpStream::from_std(s).unwrap().into_std().unwrap();
    /// s.set_nonblocking(false).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        Ok(net::TcpStream::from(self.io.into_fd()?))
    }

    /// Triggers `ev` with `Ok(())` once the stream is readable: data
    /// arrived, the peer shut down its side, or an error is pending (the
    /// next read reports which).
    ///
    /// Readiness may turn out spurious: a [`try_read`](Self::try_read) after
    /// it can still give `WouldBlock`; wait again then. This wait holds no
    /// buffer.
    ///
    /// # Errors
    ///
    /// `ErrorKind::ResourceBusy` through `ev` if another read-side operation
    /// is already waiting; any error of the loop's `epoll_ctl`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(listener.accept().unwrap().0).unwrap();
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// stream.readable(ev);
    /// peer.write_all(b"hi").unwrap();
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// let mut buf = [0; 8];
    /// assert_eq!(stream.try_read(&mut buf).unwrap(), 2);
    /// ```
    pub fn readable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::READ, ev);
    }

    /// Triggers `ev` with `Ok(())` once the stream is writable (or in
    /// error: the next write reports it).
    ///
    /// # Errors
    ///
    /// As for [`readable`](Self::readable), on the write side.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// stream.writable(ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn writable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::WRITE, ev);
    }

    /// Reads what is there into `buf` without waiting (`EINTR` is retried).
    ///
    /// # Errors
    ///
    /// `ErrorKind::WouldBlock` if nothing can be read now (wait with
    /// [`readable`](Self::readable)); any other read error. `Ok(0)` means
    /// the peer shut down its side, or `buf` is empty (at once, whether or
    /// not bytes are queued, as std's `Read` contract allows).
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// let err = stream.try_read(&mut [0; 16]).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        ops::try_read_stream(self.io.src(), buf)
    }

    /// Writes what fits now from `buf` without waiting (`EINTR` is retried).
    ///
    /// Uses `send(2)` with `MSG_NOSIGNAL` (as std does): a reset peer is an
    /// `Err`, never a `SIGPIPE`.
    ///
    /// # Errors
    ///
    /// `ErrorKind::WouldBlock` if the send buffer is full (wait with
    /// [`writable`](Self::writable)); `BrokenPipe`/`ConnectionReset` if the
    /// peer is gone; any other write error.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert_eq!(stream.try_write(b"hello").unwrap(), 5);
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        ops::try_write_stream(self.io.src(), buf)
    }

    /// Reads once into the spare capacity of `buf` (appending: bytes
    /// already in `buf` stay), waiting for readiness as needed, and gives
    /// `buf` back through `ev` with the number of bytes read.
    ///
    /// * If `buf` has spare capacity, the read is tried at once.
    /// * If it has none (`Vec::new()`, or full), the read first waits for
    ///   the stream to be readable and only then reserves room (at least
    ///   4 KiB): an idle connection waiting this way holds no buffer.
    ///
    /// `Ok(0)` means the peer shut down its side. Reuse a buffer with
    /// `buf.clear()`, which keeps its capacity (and so reads at once).
    /// Unlike `std::io::Read::read`, it does not write over what `buf`
    /// holds: the bytes read are `buf[old_len..]`, so a zero-filled
    /// `vec![0; 512]` reads after its 512 zeros (use
    /// `Vec::with_capacity(512)`).
    ///
    /// # Errors
    ///
    /// Delivered through `ev` with the buffer: read errors such as
    /// `ConnectionReset`; `ResourceBusy` if another read-side operation is
    /// waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(listener.accept().unwrap().0).unwrap();
    /// peer.write_all(b"abc").unwrap();
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// stream.read(b"<".to_vec(), ev);
    /// tame::run();
    /// let (buf, n) = slot.take().unwrap();
    /// assert_eq!((buf.as_slice(), n.unwrap()), (&b"<abc"[..], 3));
    /// ```
    pub fn read(&self, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<usize>)>) {
        ops::read(self.io.src(), buf, ev);
    }

    /// Writes once from `buf` (tried at once; if the send buffer is full,
    /// after waiting for writability) and gives `buf` back through `ev`
    /// with the number of bytes written, which may be fewer than
    /// `buf.as_ref().len()`. See [`write_all`](Self::write_all).
    ///
    /// `B` is any owned byte buffer: `Vec<u8>`, `&'static [u8]`,
    /// `Rc<[u8]>`, `String`, ...
    ///
    /// # Errors
    ///
    /// Delivered through `ev` with the buffer: `BrokenPipe`,
    /// `ConnectionReset`, ...; `ResourceBusy` if another write-side
    /// operation is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// stream.write(&b"hello"[..], ev);
    /// let (_buf, n) = slot.take().unwrap(); // a write that fits completes at once
    /// assert_eq!(n.unwrap(), 5);
    /// ```
    pub fn write<B>(&self, buf: B, ev: Event<(B, io::Result<usize>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write(self.io.src(), buf, ev);
    }

    /// Writes all of `buf`, waiting for writability as often as needed, and
    /// gives `buf` back through `ev`.
    ///
    /// A write that fits completes before the call returns; the rest waits
    /// in one parked operation (one allocation, reused between partial
    /// writes). If the stream is closed meanwhile, `ev` comes back
    /// untriggered at once.
    ///
    /// Cancelled before it is done (its event dead), it may have written
    /// part of `buf`, and nobody learns how much: see
    /// [cancellation](crate::io#cancellation).
    ///
    /// # Errors
    ///
    /// Delivered through `ev` with the buffer: the first write error
    /// (`BrokenPipe`, `ConnectionReset`, ...), or `WriteZero` if the socket
    /// accepts no more bytes; `ResourceBusy` (nothing written) if another
    /// write-side operation waits (two tasks writing to one shared stream:
    /// give the writes to one task, through a
    /// [`Channel`](crate::sync::Channel)). How much was written before an
    /// error is not reported.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let mut peer = listener.accept().unwrap().0;
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// stream.write_all(vec![7u8; 100_000], ev);
    /// let reader = std::thread::spawn(move || {
    ///     let mut got = Vec::new();
    ///     peer.read_to_end(&mut got).unwrap();
    ///     got.len()
    /// });
    /// tame::run();
    /// assert!(slot.take().unwrap().1.is_ok());
    /// drop(stream);
    /// assert_eq!(reader.join().unwrap(), 100_000);
    /// ```
    pub fn write_all<B>(&self, buf: B, ev: Event<(B, io::Result<()>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write_all(self.io.src(), buf, ev);
    }

    /// Reads (appending to `buf`) until `buf` contains `delim`, and gives
    /// `buf` back through `ev` with the length of the part that ends with
    /// the first `delim`.
    ///
    /// * `Ok(n)`: `buf[..n]` ends with the first occurrence of `delim`.
    ///   Bytes after it (`buf[n..]`) were read too; keep them for the next
    ///   message (`buf.drain(..n)`), they are searched first next time.
    /// * `Ok(0)`: the peer shut down its side before a `delim` came; `buf`
    ///   holds what arrived (empty for a clean close between messages): a
    ///   final record without its `delim`, of at most `limit` bytes.
    ///
    /// The whole of `buf` is searched, bytes already in it included, so a
    /// message that is already there completes at once without a read.
    /// `limit` bytes with no `delim` are not an error yet: the end of the
    /// stream may come next, and make them the final record (as
    /// [`LineReader`](crate::io::LineReader) gives a final line of `limit`
    /// bytes); so `read_until` reads one byte more to tell, and that byte
    /// is the error. Reads never make `buf` grow past `limit + 1` bytes
    /// (unless its capacity was larger already). Like [`read`](Self::read), an empty `Vec` waits for
    /// readability before it allocates, so an idle connection holds no
    /// buffer. `delim` is any owned byte string (`b"\r\n\r\n"`, `vec![0]`).
    ///
    /// While it waits, it is one parked operation holding the buffer, the
    /// delimiter and the event (about 100 bytes with an empty `Vec`), so an
    /// idle keep-alive connection costs little. If the stream is closed
    /// meanwhile, `ev` comes back untriggered at once.
    ///
    /// Cancelled before it is done (its event dead: a timeout gave up, its
    /// rendezvous was dropped), it drops `buf` with what it held and the
    /// bytes it read: see [cancellation](crate::io#cancellation) for a wait
    /// with a timeout that loses nothing.
    ///
    /// # Errors
    ///
    /// Delivered through `ev` with the buffer: `InvalidData` if more than
    /// `limit` bytes came and no `delim` ends within the first `limit`; `InvalidInput` if `delim` is
    /// empty; `ResourceBusy` if another read-side operation waits; read
    /// errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(listener.accept().unwrap().0).unwrap();
    /// peer.write_all(b"GET / HTTP/1.1\r\n\r\nGET /b").unwrap();
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// stream.read_until(Vec::new(), b"\r\n\r\n", 8192, ev);
    /// tame::run();
    /// let (buf, n) = slot.take().unwrap();
    /// let n = n.unwrap();
    /// assert_eq!(&buf[..n], b"GET / HTTP/1.1\r\n\r\n");
    /// assert_eq!(&buf[n..], b"GET /b");
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert!(stream.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        sys::local_addr(self.io.fd())
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm): small writes go out
    /// at once. Servers that answer with one write per request want it.
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// stream.set_nodelay(true).unwrap();
    /// assert!(stream.nodelay().unwrap());
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        sys::set_nodelay(self.io.fd(), nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert!(!stream.nodelay().unwrap());
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        sys::nodelay(self.io.fd())
    }

    /// Sets `IP_TTL`: the time-to-live of the IPv4 packets it sends (std's
    /// `TcpStream::set_ttl`).
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)` (`InvalidInput` for 0 or more than 255).
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// stream.set_ttl(32).unwrap();
    /// assert_eq!(stream.ttl().unwrap(), 32);
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        sys::set_ttl(self.io.fd(), ttl)
    }

    /// The `IP_TTL` of the packets it sends.
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert!(stream.ttl().unwrap() > 0);
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        sys::ttl(self.io.fd())
    }

    /// Sets `SO_LINGER`: what closing the stream does with data not yet
    /// sent. `None` (the default) closes at once and lets the kernel send
    /// what is left in the background, then a FIN. `Some(Duration::ZERO)`
    /// makes the close abort the connection: what is unsent is discarded
    /// and the peer gets a reset (`ECONNRESET` on its next read or write),
    /// which is how a proxy passes on a reset it saw, or how a server tells
    /// a client that the response it got is cut short. A longer duration
    /// makes `close(2)` block the thread until the data is acknowledged or
    /// the time is up: avoid it on the loop's thread.
    ///
    /// # Errors
    ///
    /// As `setsockopt(2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// use std::time::Duration;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (accepted, _) = listener.accept().unwrap();
    /// let stream = tame::net::TcpStream::from_std(accepted).unwrap();
    /// stream.set_linger(Some(Duration::ZERO)).unwrap();
    /// drop(stream); // a reset, not an end of stream
    /// let err = client.read(&mut [0; 8]).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        sys::set_linger(self.io.fd(), linger)
    }

    /// The `SO_LINGER` setting ([`set_linger`](Self::set_linger)).
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert_eq!(stream.linger().unwrap(), None);
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.io.fd())
    }

    /// How many of the bytes written the peer has not yet acknowledged
    /// (`SIOCOUTQ`). A count that falls shows the peer reading, however
    /// slowly, where waiting for writability alone would not: the kernel
    /// reports a full send buffer writable again only once a good part of
    /// it (about a third) is free, which a slow reader may take longer to
    /// free than an idle limit lasts.
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert_eq!(stream.unacknowledged().unwrap(), 0); // nothing written yet
    /// ```
    pub fn unacknowledged(&self) -> io::Result<usize> {
        sys::unacknowledged(self.io.fd())
    }

    /// Shuts down the read side, the write side or both. Shutting down the
    /// write side sends FIN: the peer reads `Ok(0)` after the data already
    /// sent. Waiting operations are not cancelled; they see the shutdown
    /// (shutting down the read side ends a [`hung_up`](Self::hung_up) wait
    /// as if the peer had hung up).
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let mut peer = listener.accept().unwrap().0;
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// stream.shutdown(std::net::Shutdown::Write).unwrap();
    /// assert_eq!(peer.read(&mut [0; 4]).unwrap(), 0);
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        sys::shutdown(self.io.fd(), how)
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert!(stream.take_error().unwrap().is_none());
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        sys::take_error(self.io.fd())
    }

    /// Closes the stream: the waiting operations are cancelled (their
    /// events come back untriggered, so nothing waits on them forever),
    /// then the socket is closed. Dropping the stream instead lets the
    /// operations whose events are live finish first (see the type's docs).
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    ///
    /// let r = tame::Rendezvous::<&str>::new();
    /// stream.readable(r.event_with_slot("read").0);
    /// stream.close();
    /// assert_eq!(r.try_next(), Some("read")); // came back, untriggered
    /// tame::run(); // nothing left to wait for
    /// ```
    pub fn close(self) {
        self.io.close();
    }

    /// Splits the stream into a read half and a write half, so that one
    /// task can read while another writes, each owning its half.
    ///
    /// Each half cancels only its own operations when closed; the socket
    /// closes once both halves are gone (and their operations done).
    /// [`WriteHalf::shutdown`] sends FIN while the read half goes on
    /// reading. [`ReadHalf::reunite`] puts them back together.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(listener.accept().unwrap().0).unwrap();
    /// let (reader, writer) = stream.into_split();
    ///
    /// let r = tame::Rendezvous::<&str>::new();
    /// let (got, got_slot) = r.event_with_slot("read");
    /// let (sent, _) = r.event_with_slot("written");
    /// reader.read(Vec::new(), got);
    /// writer.write_all(&b"pong"[..], sent);
    /// peer.write_all(b"ping").unwrap();
    /// tame::run();
    /// assert_eq!(got_slot.take().unwrap().0, b"ping");
    /// let mut buf = [0; 4];
    /// peer.read_exact(&mut buf).unwrap();
    /// assert_eq!(&buf, b"pong");
    /// ```
    pub fn into_split(self) -> (ReadHalf<TcpStream>, WriteHalf<TcpStream>) {
        let (read, write) = self.into_handle().split();
        (ReadHalf::new(read), WriteHalf::new(write))
    }

    /// Triggers `ev` with `Ok(())` once the peer hung up: it shut down its
    /// side or closed the connection (or an error is pending). Independent
    /// of reads: a task can wait for it while another reads (Tamer's
    /// `at_fd_shutdown`).
    ///
    /// It is the kernel's report (`EPOLLRDHUP`) that the read side of the
    /// connection is shut down, which does not say by whom: a
    /// [`shutdown`](Self::shutdown) of this stream's own read side
    /// (`Shutdown::Read` or `Both`) triggers it too, while the peer may
    /// still be connected and sending.
    ///
    /// # Errors
    ///
    /// Through `ev`: `ResourceBusy` if another hang-up wait is pending.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = tame::net::TcpStream::from_std(listener.accept().unwrap().0).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// stream.hung_up(ev);
    /// drop(peer);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn hung_up(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::HUP, ev);
    }

    pub(crate) fn from_fd(fd: OwnedFd) -> TcpStream {
        TcpStream::from_handle(Handle::new(Source::new(fd, true)))
    }

    pub(crate) fn from_handle(io: Handle) -> TcpStream {
        io.src().short_reads_drain();
        TcpStream { io }
    }

    pub(crate) fn into_handle(self) -> Handle {
        self.io
    }
}

impl AsFd for TcpStream {
    /// The socket's fd, for socket options this type lacks. A wait made on
    /// it with [`tame::wait_on_fd`](crate::wait_on_fd) holds a duplicate of
    /// its own and is not cancelled by [`close`](TcpStream::close).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl Sealed for TcpStream {
    fn source(&self) -> SourceOf<'_> {
        SourceOf(self.io.src())
    }
}

impl ReadStream for TcpStream {}

impl WriteStream for TcpStream {}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (local, peer) = (self.local_addr(), Some(self.peer_addr()));
        super::debug_socket(f, "TcpStream", self.as_raw_fd(), local, peer)
    }
}

/// `connect`: waits for the handshake to end, then reports how it went.
struct ConnectOp {
    ev: Event<io::Result<TcpStream>>,
    /// Where to: asked again when the socket says neither.
    to: SocketAddr,
}

impl Op for ConnectOp {
    fn kind(&self) -> Ready {
        Ready::WRITE
    }

    fn attempt(self, src: &Rc<Source>, ready: bool) -> Progress<Self> {
        if !ready {
            return Progress::Wait(self, Ready::WRITE);
        }
        match sys::take_error(src.fd()) {
            Ok(Some(e)) | Err(e) => self.ev.trigger(Err(e)),
            Ok(None) => match sys::peer_addr(src.fd()) {
                Ok(_) => self
                    .ev
                    .trigger(Ok(TcpStream::from_handle(Handle::new(src.clone())))),
                // Not connected and no error: the handshake is under
                // way and the readiness was spurious, or it never started
                // (an interrupted first `connect` the kernel did not take
                // leaves a socket that epoll reports hung up, and would
                // report no more): connect again, which tells them apart.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    match sys::connect_again(src.fd(), self.to) {
                        Ok(false) => return Progress::Blocked(self, Ready::WRITE),
                        Ok(true) => self
                            .ev
                            .trigger(Ok(TcpStream::from_handle(Handle::new(src.clone())))),
                        Err(e) => self.ev.trigger(Err(e)),
                    }
                }
                Err(e) => self.ev.trigger(Err(e)),
            },
        }
        Progress::Done
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger(Err(err));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::net::SocketAddr;
    use std::os::fd::OwnedFd;

    use super::{ConnectOp, TcpStream};
    use crate::io::op;
    use crate::io::source::Source;
    use crate::Rendezvous;

    /// A socket whose first `connect` the kernel never took (an `EINTR`
    /// before it did; a tracer injecting one makes exactly this): epoll
    /// reports it hung up and writable once, it has no error and no peer.
    fn never_connected(to: SocketAddr) -> OwnedFd {
        let domain = match to {
            SocketAddr::V4(_) => rustix::net::AddressFamily::INET,
            SocketAddr::V6(_) => rustix::net::AddressFamily::INET6,
        };
        let flags = rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC;
        rustix::net::socket_with(domain, rustix::net::SocketType::STREAM, flags, None).unwrap()
    }

    #[test]
    fn a_connect_the_kernel_never_started_is_made_again_not_waited_on_forever() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let to = listener.local_addr().unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot::<io::Result<TcpStream>>(());
        op::start(
            &Source::new(never_connected(to), true),
            ConnectOp { ev, to },
        );
        // Turns until it comes back, for at most half a minute (a loopback
        // handshake takes microseconds; the wait that never ended would
        // keep `run()` from returning).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !got.is_back() && std::time::Instant::now() < deadline {
            crate::run_once(Some(std::time::Duration::from_secs(1)));
        }
        let stream = got.take().expect("the connect came back").unwrap();
        assert_eq!(stream.peer_addr().unwrap(), to);
        let (_, from) = listener.accept().unwrap();
        assert_eq!(from, stream.local_addr().unwrap());
    }
}
