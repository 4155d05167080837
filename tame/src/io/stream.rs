//! [`ReadStream`] and [`WriteStream`]: the read side and the write side of
//! a byte stream, whatever handle holds it.

use std::io;

use super::ops;
use crate::Event;

/// What a read (`read`, `read_until`) delivers: the buffer back, and the
/// count of bytes it added or the error.
///
/// A name for the slot's type, which a `tvars!` declaration, a struct
/// field or a timeout's `Result<ReadOutcome, Timeout>` would otherwise
/// spell out (and clippy's `type_complexity` would flag).
///
/// # Examples
///
/// ```
/// use tame::io::{pipe, ReadOutcome};
/// use tame::{mkevent, tamed, tvars, twait};
///
/// #[tamed]
/// fn first_chunk(r: tame::io::Fd) -> Vec<u8> {
///     tvars! { let mut got: ReadOutcome = (Vec::new(), Ok(0)); }
///     twait! { r.read(Vec::with_capacity(16), mkevent!(got)); }
///     got.0
/// }
///
/// let (r, w) = pipe().unwrap();
/// w.try_write(b"chunk").unwrap();
/// assert_eq!(tame::run_with(|done| first_chunk(r, done)).unwrap(), b"chunk");
/// ```
pub type ReadOutcome = (Vec<u8>, io::Result<usize>);

/// What a `write` of a buffer of type `B` delivers: the buffer back, and
/// the count of bytes written or the error.
///
/// # Examples
///
/// ```
/// let sent: tame::io::WriteOutcome<&[u8]> = (&b"abc"[..], Ok(3));
/// assert_eq!(sent.1.unwrap(), sent.0.len());
/// ```
pub type WriteOutcome<B> = (B, io::Result<usize>);

/// What a `write_all` of a buffer of type `B` delivers: the buffer back,
/// and `Ok(())` once all of it was written, or the error.
///
/// # Examples
///
/// ```
/// use tame::io::{pipe, WriteAllOutcome};
/// use tame::{mkevent, tamed, tvars, twait};
///
/// #[tamed]
/// fn say(w: tame::io::Fd) -> std::io::Result<()> {
///     tvars! { let mut sent: WriteAllOutcome<Vec<u8>> = (Vec::new(), Ok(())); }
///     twait! { w.write_all(b"said".to_vec(), mkevent!(sent)); }
///     sent.1
/// }
///
/// let (r, w) = pipe().unwrap();
/// tame::run_with(|done| say(w, done)).unwrap().unwrap();
/// let mut buf = [0u8; 8];
/// assert_eq!(r.try_read(&mut buf).unwrap(), 4);
/// ```
pub type WriteAllOutcome<B> = (B, io::Result<()>);

pub(crate) mod sealed {
    use std::rc::Rc;

    use crate::io::source::Source;

    /// What [`copy`](fn@crate::io::copy) and
    /// [`LineReader`](crate::io::LineReader) need of a handle beyond its
    /// public operations: its source, whose `Rc` an operation that
    /// outlives the call keeps (so the descriptor stays open while it runs,
    /// as for any operation in flight). Only tame's handles have a source,
    /// so only they implement the stream traits: public in a private
    /// module, this trait cannot be named, nor implemented, outside the
    /// crate.
    pub trait Sealed {
        fn source(&self) -> SourceOf<'_>;
    }

    /// A handle's source, as [`Sealed::source`] gives it (a public type of
    /// a private module, whose field only the crate sees: the source stays
    /// crate-private).
    pub struct SourceOf<'a>(pub(crate) &'a Rc<Source>);
}

/// The read side of a byte stream: [`Fd`](super::Fd),
/// [`TcpStream`](crate::net::TcpStream),
/// [`UnixStream`](crate::net::UnixStream) and
/// [`ReadHalf`](crate::net::ReadHalf).
///
/// Its methods are the handles' own event-style reads (the inherent methods
/// of the same names do the same); the trait is for code that works on any
/// of them: [`copy`](fn@super::copy), [`LineReader`](super::LineReader), and
/// helpers of your own, generic over `S: ReadStream`. It is sealed: tame's
/// handles implement it, and an `Rc`, a `Box` or a reference of one does;
/// other types cannot (the operations run on the handle's descriptor in
/// this thread's loop).
///
/// It is no trait object (`dyn ReadStream`): its methods are generic. Code
/// that picks its stream's type at run time turns the stream into an
/// [`Fd`](super::Fd) (`Fd::from(tcp_stream)`, no syscall), the one type
/// for every kind of descriptor.
///
/// # Examples
///
/// A helper of your own that counts the bytes of any stream to its end,
/// through one buffer it reuses, used here on a pipe (it works the same on
/// a socket or a read half):
///
/// ```
/// use std::io;
/// use tame::io::ReadStream;
/// use tame::{mkevent, tamed, twait};
///
/// /// How many bytes `from` gives until its end.
/// #[tamed]
/// fn byte_count<S: ReadStream>(from: S) -> io::Result<u64> {
///     let mut total = 0;
///     let mut got: (Vec<u8>, io::Result<usize>) = (Vec::with_capacity(4096), Ok(0));
///     loop {
///         got.0.clear();
///         twait! { from.read(std::mem::take(&mut got.0), mkevent!(got)); }
///         match std::mem::replace(&mut got.1, Ok(0))? {
///             0 => return Ok(total), // the end of the stream
///             n => total += n as u64,
///         }
///     }
/// }
///
/// let (r, w) = tame::io::pipe().unwrap();
/// w.try_write(b"all of it").unwrap();
/// w.close(); // the end of the stream, after what was written
/// let n = tame::run_with(|done| byte_count(r, done)).unwrap();
/// assert_eq!(n.unwrap(), 9);
/// ```
pub trait ReadStream: sealed::Sealed {
    /// Reads once into the spare capacity of `buf` (appending), waiting for
    /// readiness as needed, and gives `buf` back through `ev` with the
    /// count; `Ok(0)` is the end of the stream. As
    /// [`TcpStream::read`](crate::net::TcpStream::read).
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: read errors; `ResourceBusy` if another
    /// read-side operation waits on the descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::io::ReadStream;
    ///
    /// fn start_read(from: &impl ReadStream, ev: tame::Event<(Vec<u8>, std::io::Result<usize>)>) {
    ///     from.read(Vec::new(), ev);
    /// }
    ///
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// b.try_write(b"hi").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// start_read(&a, ev);
    /// tame::run();
    /// assert_eq!(slot.take().unwrap().0, b"hi");
    /// ```
    fn read(&self, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<usize>)>) {
        ops::read(self.source().0, buf, ev);
    }

    /// Reads (appending to `buf`) until `buf` contains `delim`, and gives
    /// `buf` back through `ev` with the length of the part that ends with
    /// the first `delim` (`Ok(0)`: the stream ended first). As
    /// [`TcpStream::read_until`](crate::net::TcpStream::read_until); for
    /// lines with the bytes after them kept for the next call, see
    /// [`LineReader`](super::LineReader).
    ///
    /// Cancelled before it is done (its event dead: a timeout gave up, its
    /// rendezvous was dropped), it drops `buf` with what it held and the
    /// bytes it read: see [cancellation](crate::io#cancellation) for a wait
    /// with a timeout that loses nothing.
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: `InvalidData` if more than `limit`
    /// bytes came and no `delim` ends within the first `limit` (a final
    /// record of `limit` bytes at the end of the stream is no error); `InvalidInput` for an empty `delim`;
    /// `ResourceBusy` if another read-side operation waits; read errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::io::ReadStream;
    ///
    /// let (r, w) = tame::io::pipe().unwrap();
    /// w.try_write(b"key=value;rest").unwrap();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// ReadStream::read_until(&r, Vec::new(), b";", 64, ev);
    /// tame::run();
    /// let (buf, n) = slot.take().unwrap();
    /// assert_eq!(&buf[..n.unwrap()], b"key=value;");
    /// ```
    fn read_until<D>(
        &self,
        buf: Vec<u8>,
        delim: D,
        limit: usize,
        ev: Event<(Vec<u8>, io::Result<usize>)>,
    ) where
        D: AsRef<[u8]> + 'static,
    {
        ops::read_until(self.source().0, buf, delim, limit, ev);
    }

    /// Reads until the end of the stream (appending to `buf`), and gives
    /// `buf` back through `ev` with how many bytes were read: tokio's
    /// `read_to_end`, for a stream that ends (a pipe from a child process,
    /// a response whose connection closes after it), with a limit, since a
    /// peer decides how much comes.
    ///
    /// As with [`read_until`](Self::read_until), a cancelled read (its
    /// event dead) drops `buf` with what it held and the bytes it read.
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer and what it read: `InvalidData` if
    /// more than `limit` bytes come before the end (`buf` then holds the
    /// first `limit` of them and one more: the read stops there);
    /// `ResourceBusy` if another
    /// read-side operation waits; read errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::io::ReadStream;
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn all_of(from: tame::io::Fd) -> io::Result<String> {
    ///     let got: (Vec<u8>, io::Result<usize>);
    ///     twait! { from.read_to_end(Vec::new(), 1 << 20, mkevent!(got)); }
    ///     let (bytes, n) = got;
    ///     n?;
    ///     String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    /// }
    ///
    /// let (r, w) = tame::io::pipe().unwrap();
    /// w.try_write(b"all of it").unwrap();
    /// w.close(); // the end of the stream
    /// let text = tame::run_with(|done| all_of(r, done)).unwrap();
    /// assert_eq!(text.unwrap(), "all of it");
    /// ```
    fn read_to_end(&self, buf: Vec<u8>, limit: usize, ev: Event<(Vec<u8>, io::Result<usize>)>) {
        ops::read_to_end(self.source().0, buf, limit, ev);
    }

    /// Reads exactly `n` bytes (appending them to `buf`), and gives `buf`
    /// back through `ev`: tokio's `read_exact`, for a protocol that says
    /// how long what comes is (a fixed header, a length-prefixed frame).
    /// It reads no byte past the `n`th: those are the next reader's. The
    /// buffer grows as the bytes come, so a length a peer sent costs no
    /// memory before its bytes do.
    ///
    /// As with [`read_until`](Self::read_until), a cancelled read (its
    /// event dead) drops `buf` with what it held and the bytes it read.
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer and what it read: `UnexpectedEof` if
    /// the stream ends before the `n` bytes came; `ResourceBusy` if
    /// another read-side operation waits; read errors.
    ///
    /// # Examples
    ///
    /// A frame of a length-prefixed protocol: two bytes of length, then
    /// the payload.
    ///
    /// ```
    /// use std::io;
    /// use tame::io::ReadStream;
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn frame<S: ReadStream>(from: S) -> io::Result<Vec<u8>> {
    ///     let head: (Vec<u8>, io::Result<()>);
    ///     twait! { from.read_exact(Vec::new(), 2, mkevent!(head)); }
    ///     let (head, got) = head;
    ///     got?;
    ///     let len = usize::from(u16::from_be_bytes([head[0], head[1]]));
    ///     let body: (Vec<u8>, io::Result<()>);
    ///     twait! { from.read_exact(Vec::new(), len, mkevent!(body)); }
    ///     let (body, got) = body;
    ///     got?;
    ///     Ok(body)
    /// }
    ///
    /// let (r, w) = tame::io::pipe().unwrap();
    /// w.try_write(b"\x00\x05hello, and the next frame").unwrap();
    /// let got = tame::run_with(|done| frame(r, done)).unwrap();
    /// assert_eq!(got.unwrap(), b"hello");
    /// ```
    fn read_exact(&self, buf: Vec<u8>, n: usize, ev: Event<(Vec<u8>, io::Result<()>)>) {
        ops::read_exact(self.source().0, buf, n, ev);
    }
}

/// The write side of a byte stream: [`Fd`](super::Fd),
/// [`TcpStream`](crate::net::TcpStream),
/// [`UnixStream`](crate::net::UnixStream) and
/// [`WriteHalf`](crate::net::WriteHalf).
///
/// As [`ReadStream`] for reads: the handles' own event-style writes, for
/// [`copy`](fn@super::copy) and for helpers of your own generic over
/// `S: WriteStream`. Sealed: tame's handles implement it, and an `Rc`, a
/// `Box` or a reference of one does; other types cannot. No trait object
/// either: see [`ReadStream`] for the way to a type chosen at run time.
///
/// # Examples
///
/// A helper of your own that sends a list of messages, one after the
/// other, on any stream:
///
/// ```
/// use std::io;
/// use tame::io::WriteStream;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn send_all<S: WriteStream>(to: S, messages: Vec<&'static [u8]>) -> io::Result<()> {
///     for m in messages {
///         let sent: (&'static [u8], io::Result<()>);
///         twait! { to.write_all(m, mkevent!(sent)); }
///         let (_, result) = sent;
///         result?;
///     }
///     Ok(())
/// }
///
/// let (a, b) = tame::net::UnixStream::pair().unwrap();
/// let (_, w) = a.into_split();
/// let sent = tame::run_with(|done| send_all(w, vec![b"one ", b"two"], done)).unwrap();
/// assert!(sent.is_ok());
/// let mut buf = [0; 16];
/// let n = b.try_read(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"one two");
/// ```
pub trait WriteStream: sealed::Sealed {
    /// Writes once from `buf` (waiting for writability if nothing fits) and
    /// gives `buf` back through `ev` with the count, which may be short. As
    /// [`TcpStream::write`](crate::net::TcpStream::write).
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: `BrokenPipe`, `ConnectionReset`, ...;
    /// `ResourceBusy` if another write-side operation waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::io::WriteStream;
    ///
    /// let (r, w) = tame::io::pipe().unwrap();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// WriteStream::write(&w, &b"abc"[..], ev);
    /// assert_eq!(slot.take().unwrap().1.unwrap(), 3); // it fit: done at once
    /// assert_eq!(r.try_read(&mut [0; 8]).unwrap(), 3);
    /// ```
    fn write<B>(&self, buf: B, ev: Event<(B, io::Result<usize>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write(self.source().0, buf, ev);
    }

    /// Writes all of `buf`, waiting for writability as often as needed,
    /// and gives `buf` back through `ev`. As
    /// [`TcpStream::write_all`](crate::net::TcpStream::write_all).
    ///
    /// Cancelled before it is done (its event dead), it may have written
    /// part of `buf`, and nobody learns how much: see
    /// [cancellation](crate::io#cancellation).
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: the first write error, or
    /// `WriteZero`; `ResourceBusy` if another write-side operation waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::io::WriteStream;
    ///
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = rdv.event_with_slot(());
    /// WriteStream::write_all(&a, b"everything".to_vec(), ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().1.is_ok());
    /// assert_eq!(b.try_read(&mut [0; 16]).unwrap(), 10);
    /// ```
    fn write_all<B>(&self, buf: B, ev: Event<(B, io::Result<()>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write_all(self.source().0, buf, ev);
    }
}

/// A stream shared through an `Rc` is a stream: generic code can hand one
/// handle to a task that reads and one to a task that writes (each side
/// still takes one operation at a time, as on the handle itself).
///
/// # Examples
///
/// ```
/// use std::io;
/// use std::rc::Rc;
/// use tame::io::{ReadStream, WriteStream};
/// use tame::{mkevent, tamed, twait};
///
/// /// Writes `msg` and reads what comes back, on any stream.
/// #[tamed]
/// fn ask<S: ReadStream + WriteStream + 'static>(conn: S, msg: &'static [u8]) -> Vec<u8> {
///     let conn = Rc::new(conn);
///     let sent: (&[u8], io::Result<()>);
///     let got: (Vec<u8>, io::Result<usize>);
///     twait! {
///         conn.write_all(msg, mkevent!(sent));
///         conn.clone().read(Vec::with_capacity(16), mkevent!(got));
///     }
///     sent.1.unwrap();
///     got.0
/// }
///
/// let (a, b) = tame::net::UnixStream::pair().unwrap();
/// b.try_write(b"pong").unwrap();
/// assert_eq!(tame::run_with(|done| ask(a, b"ping", done)).unwrap(), b"pong");
/// ```
impl<S: ReadStream> ReadStream for std::rc::Rc<S> {}

/// A stream shared through an `Rc` is a stream (see `ReadStream` for
/// `Rc<S>`).
impl<S: WriteStream> WriteStream for std::rc::Rc<S> {}

impl<S: sealed::Sealed> sealed::Sealed for std::rc::Rc<S> {
    fn source(&self) -> sealed::SourceOf<'_> {
        (**self).source()
    }
}

/// A boxed stream is a stream.
impl<S: ReadStream> ReadStream for Box<S> {}

/// A boxed stream is a stream.
impl<S: WriteStream> WriteStream for Box<S> {}

impl<S: sealed::Sealed> sealed::Sealed for Box<S> {
    fn source(&self) -> sealed::SourceOf<'_> {
        (**self).source()
    }
}

/// A borrowed stream is a stream: a plain helper generic over
/// `S: ReadStream` takes `&stream` and leaves the stream with its caller.
/// (What outlives the call, a tamed function or a
/// [`LineReader`](super::LineReader), needs `S: 'static`: share the stream
/// through an `Rc` there.)
impl<S: ReadStream> ReadStream for &S {}

/// A borrowed stream is a stream.
impl<S: WriteStream> WriteStream for &S {}

impl<S: sealed::Sealed> sealed::Sealed for &S {
    fn source(&self) -> sealed::SourceOf<'_> {
        (**self).source()
    }
}
