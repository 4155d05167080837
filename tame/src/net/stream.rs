//! [`TcpStream`]: a connected TCP socket on the loop.

use std::fmt;
use std::io::{self, Write};
use std::net::{self, Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::rc::Rc;

use super::op::{self, retry, Op, Shared};
use super::{sys, READ_CHUNK};
use crate::{Event, Interest};

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
/// | [`read`](Self::read) | `(Vec<u8>, io::Result<usize>)` |
/// | [`write`](Self::write) | `(B, io::Result<usize>)` |
/// | [`write_all`](Self::write_all) | `(B, io::Result<()>)` |
/// | [`read_until`](Self::read_until) | `(Vec<u8>, io::Result<usize>)` |
///
/// Buffers are moved into the operation and come back through its event, so
/// an operation never borrows from its caller and a `#[tamed]` function can
/// keep the buffer in its state.
///
/// * Errors (including a reset peer) are delivered through the event, never
///   as a panic. A peer that closed its side makes reads give `Ok(0)`.
/// * At most one operation per direction may wait at a time (one reader
///   and one writer may wait at once). A second one that has to wait gets
///   `ErrorKind::ResourceBusy` through its event.
/// * Dropping the stream, or [`close`](Self::close), cancels the waiting
///   operations: their events come back **untriggered** (a `twait` on them
///   ends; the slots keep their old values; moved-in buffers are dropped;
///   at once for single operations, on the next turn for the tamed
///   helpers).
/// * A single operation (`accept`, `connect`, `readable`, `writable`,
///   `read`, `write`) whose event is dead (its rendezvous was cancelled) no
///   longer keeps [`run`](crate::run) going. The tamed helpers
///   (`write_all`, `read_until`) do: close the stream to stop them.
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
/// # Keep the stream alive while it waits
///
/// Because dropping cancels, whoever started an operation keeps the stream
/// until the operation's event came back. In a `#[tamed]` function, mind
/// the translator's drop rule: a binding that is not used after a `twait`
/// is dropped *at* it, so a stream used only inside the `twait!{}` block
/// would cancel its own operation. Use it afterwards, typically by ending
/// with an explicit [`close`](Self::close):
///
/// ```
/// # use std::io;
/// # use tame::{mkevent, tamed, twait, tvars, net::TcpStream};
/// #[tamed]
/// fn greet(conn: TcpStream) {
///     tvars! { let mut sent: (&'static [u8], io::Result<()>) = (&[], Ok(())); }
///     twait! { conn.write_all(&b"hello\n"[..], mkevent!(sent)); }
///     conn.close(); // (borrowed in the block, `conn` lived until here anyway)
/// }
/// # let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// # let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
/// # greet(TcpStream::from_std(s).unwrap());
/// # tame::run();
/// ```
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
    io: Rc<Shared<net::TcpStream>>,
}

type Io = Rc<Shared<net::TcpStream>>;

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
    /// then abandoned (and its socket closed) when it ends.
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
        match sys::start_connect(addr) {
            Err(e) => ev.trigger(Err(e)),
            Ok(sys::Connecting::Done(sock)) => ev.trigger(Ok(TcpStream {
                io: Shared::new(sock),
            })),
            Ok(sys::Connecting::InProgress(sock)) => {
                op::wait(&Shared::new(sock), Interest::Write, ConnectOp { ev });
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
        Ok(TcpStream {
            io: Shared::new(stream),
        })
    }

    /// Cancels the stream's waiting operations (their events come back
    /// untriggered) and gives back the std stream, still non-blocking.
    ///
    /// # Errors
    ///
    /// If an operation of this very loop turn still holds the socket, the fd
    /// is duplicated, which can fail (`EMFILE`).
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
        let io = self.io.clone();
        drop(self); // closes our handle's claim and cancels the waits
        Shared::into_inner(io)
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
        op::wait_ready(&self.io, Interest::Read, ev);
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
        op::wait_ready(&self.io, Interest::Write, ev);
    }

    /// Reads what is there into `buf` without waiting (`EINTR` is retried).
    ///
    /// # Errors
    ///
    /// `ErrorKind::WouldBlock` if nothing can be read now (wait with
    /// [`readable`](Self::readable)); any other read error. `Ok(0)` means
    /// the peer shut down its side (or `buf` is empty).
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
        let sock = self.io.sock()?;
        retry(|| rustix::io::read(sock, &mut *buf).map_err(io::Error::from))
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
        try_write(&self.io, buf)
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
        let op = ReadOp { buf, ev };
        if op.buf.capacity() == op.buf.len() {
            op::wait(&self.io, Interest::Read, op);
        } else {
            op.resume(&self.io);
        }
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
        WriteOp { buf, ev }.resume(&self.io);
    }

    /// Writes all of `buf`, waiting for writability as often as needed, and
    /// gives `buf` back through `ev`.
    ///
    /// A `#[tamed]` function (it shows in [`blocked`](crate::blocked) while
    /// it waits). A write that fits completes before the call returns. If
    /// the stream is closed meanwhile, `ev` comes back untriggered on the
    /// loop's next turn.
    ///
    /// # Errors
    ///
    /// Delivered through `ev` with the buffer: the first write error
    /// (`BrokenPipe`, `ConnectionReset`, ...), or `WriteZero` if the socket
    /// accepts no more bytes. How much was written before an error is not
    /// reported.
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
        super::helpers::write_all(self.io.clone(), buf, ev);
    }

    /// Reads (appending to `buf`) until `buf` contains `delim`, and gives
    /// `buf` back through `ev` with the length of the part that ends with
    /// the first `delim`.
    ///
    /// * `Ok(n)`: `buf[..n]` ends with the first occurrence of `delim`.
    ///   Bytes after it (`buf[n..]`) were read too; keep them for the next
    ///   message (`buf.drain(..n)`), they are searched first next time.
    /// * `Ok(0)`: the peer shut down its side before a `delim` came; `buf`
    ///   holds what arrived (empty for a clean close between messages).
    ///
    /// The whole of `buf` is searched, bytes already in it included, so a
    /// message that is already there completes at once without a read.
    /// Reads never make `buf` grow past `limit` (unless its capacity was
    /// larger already). Like [`read`](Self::read), an empty `Vec` waits for
    /// readability before it allocates, so an idle connection holds no
    /// buffer. `delim` is any owned byte string (`b"\r\n\r\n"`, `vec![0]`).
    ///
    /// The reading loop is a `#[tamed]` function (it shows in
    /// [`blocked`](crate::blocked) while it waits). Called with an empty
    /// `Vec` (no capacity), it first waits for data with a plain wait
    /// (about 100 bytes, no task), so an idle keep-alive connection costs
    /// little. If the stream is closed meanwhile, `ev` comes back
    /// untriggered (at once while idle, else on the loop's next turn).
    ///
    /// # Errors
    ///
    /// Delivered through `ev` with the buffer: `InvalidData` if no `delim`
    /// ends within the first `limit` bytes; `InvalidInput` if `delim` is
    /// empty; read errors.
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
        if buf.capacity() == 0 && !delim.as_ref().is_empty() {
            // Idle: wait for data with a plain wait node (no task, no
            // buffer), and start the tamed loop only once data is there.
            let start = StartReadUntil {
                buf,
                delim,
                limit,
                ev,
            };
            op::wait(&self.io, Interest::Read, start);
        } else {
            super::helpers::read_until(self.io.clone(), buf, delim, limit, ev);
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
    /// let stream = tame::net::TcpStream::from_std(s).unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.sock()?.peer_addr()
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
        self.io.sock()?.local_addr()
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
        self.io.sock()?.set_nodelay(nodelay)
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
        self.io.sock()?.nodelay()
    }

    /// Shuts down the read side, the write side or both. Shutting down the
    /// write side sends FIN: the peer reads `Ok(0)` after the data already
    /// sent. Waiting operations are not cancelled; they see the shutdown.
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
        self.io.sock()?.shutdown(how)
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
        self.io.sock()?.take_error()
    }

    /// Closes the stream: the waiting operations are cancelled (their
    /// events come back untriggered, so nothing waits on them forever),
    /// then the socket is closed. Dropping the stream does the same.
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
        drop(self);
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        self.io.close();
    }
}

impl AsFd for TcpStream {
    /// The socket's fd, for [`tame::wait_on_fd`](crate::wait_on_fd) and
    /// socket options std lacks. Waits made on it directly are cancelled
    /// by [`close`](TcpStream::close) too.
    fn as_fd(&self) -> BorrowedFd<'_> {
        // The handle exists, so the socket is not closed.
        self.io.raw().as_fd()
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TcpStream");
        d.field("fd", &self.as_raw_fd());
        if let Ok(addr) = self.local_addr() {
            d.field("local", &addr);
        }
        if let Ok(addr) = self.peer_addr() {
            d.field("peer", &addr);
        }
        d.finish()
    }
}

pub(super) fn try_write(io: &Io, buf: &[u8]) -> io::Result<usize> {
    let mut sock = io.sock()?;
    retry(|| sock.write(buf))
}

/// Reads once into the spare capacity of `buf`. If there is none, first
/// reserves `room` bytes (at least one).
pub(super) fn read_into(io: &Io, buf: &mut Vec<u8>, room: usize) -> io::Result<usize> {
    let sock = io.sock()?;
    if buf.capacity() == buf.len() {
        buf.reserve_exact(room.max(1));
    }
    retry(|| {
        rustix::io::read(sock, rustix::buffer::spare_capacity(&mut *buf)).map_err(io::Error::from)
    })
}

/// `connect`: waits for the handshake to end, then reports how it went.
struct ConnectOp {
    ev: Event<io::Result<TcpStream>>,
}

impl Op<net::TcpStream> for ConnectOp {
    fn resume(self, io: &Io) {
        let sock = io.raw();
        match sock.take_error() {
            Ok(Some(e)) | Err(e) => self.ev.trigger(Err(e)),
            Ok(None) => match sock.peer_addr() {
                Ok(_) => self.ev.trigger(Ok(TcpStream { io: io.clone() })),
                // Not connected and no error yet: readiness was spurious.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    op::wait(io, Interest::Write, self)
                }
                Err(e) => self.ev.trigger(Err(e)),
            },
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger(Err(err));
    }

    fn is_live(&self) -> bool {
        self.ev.is_live()
    }
}

/// `read_until` on an empty buffer: the idle wait before the tamed loop.
struct StartReadUntil<D> {
    buf: Vec<u8>,
    delim: D,
    limit: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
}

impl<D: AsRef<[u8]> + 'static> Op<net::TcpStream> for StartReadUntil<D> {
    fn resume(self, io: &Io) {
        super::helpers::read_until(io.clone(), self.buf, self.delim, self.limit, self.ev);
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn is_live(&self) -> bool {
        self.ev.is_live()
    }
}

/// `read`: one read into the buffer's spare capacity.
struct ReadOp {
    buf: Vec<u8>,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
}

impl Op<net::TcpStream> for ReadOp {
    fn resume(mut self, io: &Io) {
        match read_into(io, &mut self.buf, READ_CHUNK) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => op::wait(io, Interest::Read, self),
            r => self.ev.trigger((self.buf, r)),
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn is_live(&self) -> bool {
        self.ev.is_live()
    }
}

/// `write`: one write from the buffer.
struct WriteOp<B> {
    buf: B,
    ev: Event<(B, io::Result<usize>)>,
}

impl<B: AsRef<[u8]> + 'static> Op<net::TcpStream> for WriteOp<B> {
    fn resume(self, io: &Io) {
        match try_write(io, self.buf.as_ref()) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => op::wait(io, Interest::Write, self),
            r => self.ev.trigger((self.buf, r)),
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn is_live(&self) -> bool {
        self.ev.is_live()
    }
}
