//! [`Fd`]: any file descriptor on the loop (Tamer's `tamer::fd`).

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::ops;
use super::shared_std::{self, Std};
use super::source::{Handle, Source};
use super::stream::sealed::{Sealed, SourceOf};
use super::stream::{ReadStream, WriteStream};
use super::sys;
use crate::driver::Ready;
use crate::Event;

/// Any file descriptor on this thread's loop: a pipe end, stdin or a tty,
/// an eventfd, a regular file, a socket. Reads, writes and readiness waits
/// report through events, with owned buffers (as on
/// [`TcpStream`](crate::net::TcpStream)).
///
/// | call | event value |
/// |---|---|
/// | [`readable`](Self::readable) / [`writable`](Self::writable) / [`hung_up`](Self::hung_up) | `io::Result<()>` |
/// | [`read`](Self::read) | `(Vec<u8>, io::Result<usize>)` |
/// | [`write`](Self::write) | `(B, io::Result<usize>)` |
/// | [`write_all`](Self::write_all) | `(B, io::Result<()>)` |
/// | [`read_until`](Self::read_until) | `(Vec<u8>, io::Result<usize>)` |
///
/// * The descriptor is made non-blocking. A regular file never blocks:
///   its operations complete at once and its readiness waits end on the
///   loop's next turn; till then such a wait holds its kind as any wait
///   does (a [`close`](Self::close) in between hands it back untriggered,
///   and the descriptor is closed at that turn).
/// * At most one operation per kind (read side, write side, hang-up) waits
///   at a time; another one with a live event gets `ResourceBusy`.
/// * [`close`](Self::close) cancels the waiting operations (their events
///   come back untriggered) and closes the descriptor. Dropping the `Fd`
///   lets the operations whose events are live finish first (see the
///   [module docs](super)).
///
/// # Byte streams, not datagrams
///
/// Its reads and writes are made for byte streams (pipes, ttys, stream
/// sockets, regular files), where a short read leaves the rest for the
/// next one and `Ok(0)` is the end of the stream. On a datagram socket (a
/// `UnixDatagram`, a raw or packet socket) each read takes one datagram
/// whole, and what does not fit in the room the buffer has is lost
/// without an error: [`read`](Self::read) into a `Vec` with no spare
/// capacity makes room for 4 KiB only. Give it room for the largest
/// datagram yourself (`Vec::with_capacity(max)`), and take `Ok(0)` for an
/// empty datagram, not an end: a datagram socket has none. (For UDP,
/// [`UdpSocket`](crate::net::UdpSocket) reserves room for the largest one
/// itself and gives the sender's address.)
///
/// # Examples
///
/// An eventfd (made with rustix here) counting wake-ups:
///
/// ```
/// use std::io;
/// use tame::io::Fd;
///
/// let efd = rustix::event::eventfd(0, rustix::event::EventfdFlags::empty()).unwrap();
/// let fd = Fd::new(efd).unwrap();
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(());
/// fd.read(Vec::with_capacity(8), ev); // waits: the counter is 0
/// assert_eq!(fd.try_write(&3u64.to_ne_bytes()).unwrap(), 8);
/// tame::run();
/// let (buf, n) = slot.take().unwrap();
/// assert_eq!((n.unwrap(), u64::from_ne_bytes(buf[..8].try_into().unwrap())), (8, 3));
/// ```
///
/// A datagram socket, read with room for its largest datagram; an empty
/// datagram reads as `Ok(0)` and is no end:
///
/// ```
/// use std::io;
/// use tame::io::Fd;
///
/// let (ours, theirs) = std::os::unix::net::UnixDatagram::pair().unwrap();
/// let fd = Fd::new(ours).unwrap();
/// theirs.send(&[7; 10_000]).unwrap();
/// theirs.send(b"").unwrap();
/// theirs.send(b"next").unwrap();
/// let r = tame::Rendezvous::<()>::new();
/// let mut sizes = Vec::new();
/// for _ in 0..3 {
///     let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(());
///     fd.read(Vec::with_capacity(65_536), ev);
///     tame::run();
///     sizes.push(slot.take().unwrap().1.unwrap());
/// }
/// assert_eq!(sizes, [10_000, 0, 4]);
/// ```
pub struct Fd {
    io: Handle,
}

impl Fd {
    /// Takes `fd` over and makes it non-blocking. The mode belongs to the
    /// open file description, which a duplicate shares with its original:
    /// for the process's standard input and output, use [`stdin`] and
    /// [`stdout`], which leave the program's other descriptors (and its
    /// parent's) as they were.
    ///
    /// # Errors
    ///
    /// If `fcntl` or `fstat` on it fails, which an open descriptor does
    /// not do in practice (an `OwnedFd` is open by its contract); a
    /// descriptor the loop cannot wait on (epoll refuses regular files and
    /// most devices) is not an error: such a descriptor never blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// # drop(fd);
    /// ```
    pub fn new(fd: impl Into<OwnedFd>) -> io::Result<Fd> {
        let fd = fd.into();
        sys::set_nonblocking(fd.as_fd(), true)?;
        let socket = sys::is_socket(fd.as_fd())?;
        Ok(Fd {
            io: Handle::new(Source::new(fd, socket)),
        })
    }

    /// Triggers `ev` with `Ok(())` once the descriptor is readable (or the
    /// other end hung up, or an error is pending: the next read says which).
    ///
    /// Readiness may turn out spurious: a [`try_read`](Self::try_read)
    /// after it can still give `WouldBlock`; wait again then.
    ///
    /// # Errors
    ///
    /// Through `ev`: `ResourceBusy` if another read-side operation waits;
    /// an error of the loop's backend.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let (reader, mut writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// fd.readable(ev);
    /// writer.write_all(b"x").unwrap();
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn readable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::READ, ev);
    }

    /// Triggers `ev` with `Ok(())` once the descriptor is writable (or an
    /// error is pending).
    ///
    /// # Errors
    ///
    /// As for [`readable`](Self::readable), on the write side.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_reader, writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(writer).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// fd.writable(ev);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn writable(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::WRITE, ev);
    }

    /// Triggers `ev` with `Ok(())` once the other end hung up: a pipe's
    /// other end closed, a socket's peer shut down its side or closed, or an
    /// error is pending (Tamer's `at_fd_shutdown`). Independent of reads
    /// and writes: it may wait while a read waits. It is the kernel's report
    /// that the read side is shut down (`EPOLLRDHUP`), which does not say
    /// by whom: a socket's own `shutdown` of its read side counts too.
    ///
    /// A regular file never hangs up: the wait is refused with
    /// `InvalidInput`.
    ///
    /// # Errors
    ///
    /// As for [`readable`](Self::readable), on the hang-up slot.
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// fd.hung_up(ev);
    /// drop(writer);
    /// tame::run();
    /// assert!(slot.take().unwrap().is_ok());
    /// ```
    pub fn hung_up(&self, ev: Event<io::Result<()>>) {
        ops::ready(self.io.src(), Ready::HUP, ev);
    }

    /// Reads what is there into `buf`, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing can be read now; any other read error.
    /// `Ok(0)` is the end of the stream (or an empty `buf`; on a datagram
    /// socket, an empty datagram: see [the type's docs](Self#byte-streams-not-datagrams)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// let err = fd.try_read(&mut [0; 8]).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        ops::try_read(self.io.src(), buf)
    }

    /// Writes what fits now from `buf`, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing fits now; `BrokenPipe` if nobody reads any
    /// more (as a Rust program ignores `SIGPIPE`: one that sets it back to
    /// its default is killed by it instead, writing to a pipe, as with
    /// std; a socket's writes never raise it); any other write error.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_reader, writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(writer).unwrap();
    /// assert_eq!(fd.try_write(b"hi").unwrap(), 2);
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        ops::try_write(self.io.src(), buf)
    }

    /// Reads once into the spare capacity of `buf` (appending), waiting for
    /// readiness as needed, and gives `buf` back through `ev` with the
    /// count. A `buf` with no spare capacity (`Vec::new()`) waits for
    /// readiness before 4 KiB are reserved; `Ok(0)` is the end of the
    /// stream. As [`TcpStream::read`](crate::net::TcpStream::read).
    ///
    /// For byte streams: on a datagram socket a read takes one datagram,
    /// cut silently to the room `buf` has (so 4 KiB for a `Vec::new()`),
    /// and `Ok(0)` is an empty datagram. Give `buf` room for the largest
    /// datagram (see [the type's docs](Self#byte-streams-not-datagrams)).
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: read errors; `ResourceBusy` if another
    /// read-side operation waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let (reader, mut writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// fd.read(Vec::new(), ev);
    /// writer.write_all(b"abc").unwrap();
    /// tame::run();
    /// let (buf, n) = slot.take().unwrap();
    /// assert_eq!((&buf[..], n.unwrap()), (&b"abc"[..], 3));
    /// ```
    pub fn read(&self, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<usize>)>) {
        ops::read(self.io.src(), buf, ev);
    }

    /// Writes once from `buf` (waiting for writability if nothing fits) and
    /// gives `buf` back through `ev` with the count, which may be short. As
    /// [`TcpStream::write`](crate::net::TcpStream::write).
    ///
    /// # Errors
    ///
    /// Through `ev`, with the buffer: `BrokenPipe`, ...; `ResourceBusy` if
    /// another write-side operation waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_reader, writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(writer).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// fd.write(b"hello".to_vec(), ev);
    /// assert_eq!(slot.take().unwrap().1.unwrap(), 5); // it fit: done at once
    /// ```
    pub fn write<B>(&self, buf: B, ev: Event<(B, io::Result<usize>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write(self.io.src(), buf, ev);
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
    /// Through `ev`, with the buffer: the first write error, or `WriteZero`;
    /// `ResourceBusy` if another write-side operation waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// let (mut reader, writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(writer).unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// fd.write_all(vec![7u8; 200_000], ev); // more than a pipe holds
    /// let drain = std::thread::spawn(move || {
    ///     let mut all = Vec::new();
    ///     reader.read_to_end(&mut all).unwrap();
    ///     all.len()
    /// });
    /// tame::run();
    /// assert!(slot.take().unwrap().1.is_ok());
    /// fd.close();
    /// assert_eq!(drain.join().unwrap(), 200_000);
    /// ```
    pub fn write_all<B>(&self, buf: B, ev: Event<(B, io::Result<()>)>)
    where
        B: AsRef<[u8]> + 'static,
    {
        ops::write_all(self.io.src(), buf, ev);
    }

    /// Reads (appending to `buf`) until `buf` contains `delim`, and gives
    /// `buf` back through `ev` with the length of the part that ends with
    /// the first `delim` (`Ok(0)`: the stream ended first). Reads never make
    /// `buf` grow past `limit + 1` bytes (unless its capacity was larger
    /// already: a read fills the capacity it has). As
    /// [`TcpStream::read_until`](crate::net::TcpStream::read_until).
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
    /// record of `limit` bytes at the end of the stream is no error); `InvalidInput` for an empty `delim`; read errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// let (reader, mut writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// writer.write_all(b"one\ntwo").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// fd.read_until(Vec::new(), b"\n", 100, ev);
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

    /// Closes the descriptor: the waiting operations are cancelled (their
    /// events come back untriggered), then it is closed.
    ///
    /// A task reading with `fd.read(buf, mkevent!(buf, n))` while another
    /// may close the handle has no value for `buf` then (it was moved into
    /// the read, and the read is gone): its wait panics. Such a reader
    /// waits for an `Option` of the whole value instead, `None` when
    /// closed: `let mut got = None;` with `mkevent!(got).map(Some)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// let r = tame::Rendezvous::<&str>::new();
    /// fd.readable(r.event_with_slot("read").0);
    /// fd.close();
    /// assert_eq!(r.try_next(), Some("read")); // came back, untriggered
    /// tame::run(); // nothing left to wait for
    /// ```
    pub fn close(self) {
        self.io.close();
    }

    /// Cancels the waiting operations (as [`close`](Self::close)) and gives
    /// the descriptor back, still non-blocking (a socket [`stdin`],
    /// [`stdout`] or [`stderr`] gave, in the mode it had: see there): the
    /// very one the `Fd` held
    /// (the same fd number: nothing to fail for want of a free one).
    ///
    /// # Errors
    ///
    /// Only when an operation still under way holds the descriptor (this is
    /// called from a callback that one of its own operations runs as it
    /// delivers, or a readiness wait on a regular file or a
    /// [`copy`](fn@crate::io::copy) over it, which end on the loop's next
    /// turn, was just cancelled): the descriptor given back is
    /// then a duplicate (a new fd number), since the original stays open
    /// until that operation is done, and duplicating can fail (`EMFILE`).
    /// The original then closes once the operation lets go of it, as if the
    /// `Fd` had been closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (reader, _writer) = std::io::pipe().unwrap();
    /// let fd = tame::io::Fd::new(reader).unwrap();
    /// let owned: std::os::fd::OwnedFd = fd.into_owned().unwrap();
    /// # drop(owned);
    /// ```
    pub fn into_owned(self) -> io::Result<OwnedFd> {
        self.io.into_fd()
    }
}

impl AsFd for Fd {
    /// The descriptor, for calls this type lacks. A wait made on it with
    /// [`tame::wait_on_fd`](crate::wait_on_fd) holds a duplicate of its own
    /// and is not cancelled by [`close`](Fd::close).
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.io.fd().as_raw_fd()
    }
}

impl Sealed for Fd {
    fn source(&self) -> SourceOf<'_> {
        SourceOf(self.io.src())
    }
}

impl ReadStream for Fd {}

impl WriteStream for Fd {}

/// A TCP stream as a plain descriptor handle: what code that picks its
/// stream's type at run time (TCP or Unix) holds, as a tokio user would
/// hold a `Box<dyn AsyncRead + AsyncWrite>` (the stream traits are not
/// object safe: their methods are generic). No syscall: the same
/// descriptor, the same source, its waiting operations untouched; what is
/// lost is the socket's own calls (`peer_addr`, `shutdown`, ...), which
/// [`as_fd`](AsFd::as_fd) still reaches through std or rustix.
///
/// # Examples
///
/// ```
/// use tame::io::Fd;
/// use tame::net::{TcpListener, TcpStream, UnixStream};
///
/// let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let client = std::net::TcpStream::connect(tcp.local_addr().unwrap()).unwrap();
/// let (a, _b) = UnixStream::pair().unwrap();
/// let conns: Vec<Fd> = vec![
///     TcpStream::from_std(client).unwrap().into(),
///     a.into(),
/// ];
/// for c in &conns {
///     assert_eq!(c.try_write(b"hi").unwrap(), 2);
/// }
/// ```
impl From<crate::net::TcpStream> for Fd {
    fn from(s: crate::net::TcpStream) -> Fd {
        Fd {
            io: s.into_handle(),
        }
    }
}

/// A Unix stream as a plain descriptor handle, as a TCP stream is (see
/// `From<TcpStream>`).
impl From<crate::net::UnixStream> for Fd {
    fn from(s: crate::net::UnixStream) -> Fd {
        Fd {
            io: s.into_handle(),
        }
    }
}

impl fmt::Debug for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fd").field("fd", &self.as_raw_fd()).finish()
    }
}

/// A pipe on the loop: (read end, write end), both non-blocking and
/// close-on-exec.
///
/// Its ends are for the loop: given to a child process
/// (`Stdio::from(w.into_owned()?)`) an end stays non-blocking, and a
/// program that does not expect it loses data (`EAGAIN` on a full pipe).
/// For a child's input or output, take the pipes `Command` makes
/// (`Stdio::piped()`) and put the parent's end on the loop with
/// [`Fd::new`].
///
/// # Errors
///
/// Out of descriptors (`EMFILE`, `ENFILE`).
///
/// # Examples
///
/// ```
/// let (r, w) = tame::io::pipe().unwrap();
/// let rdv = tame::Rendezvous::<()>::new();
/// let (ev, slot) = rdv.event_with_slot(());
/// r.read(Vec::new(), ev);
/// assert_eq!(w.try_write(b"ping").unwrap(), 4);
/// tame::run();
/// assert_eq!(slot.take().unwrap().0, b"ping");
/// ```
pub fn pipe() -> io::Result<(Fd, Fd)> {
    let (r, w) = sys::pipe()?;
    let end = |fd| Fd {
        io: Handle::new(Source::new(fd, false)),
    };
    Ok((end(r), end(w)))
}

/// The process's standard input on the loop.
///
/// A terminal (or another character device) is opened again, read-only: the
/// `Fd` has an open file description of its own, and its `O_NONBLOCK`
/// touches nothing else. A socket (descriptors 0 and 1 of a server that
/// inetd or systemd started on a connection) is a duplicate whose mode
/// stays as it is: each of its reads and writes asks not to block
/// (`MSG_DONTWAIT`), and std's handles of the socket block as before.
/// Otherwise (a pipe, a regular file) it is a duplicate of descriptor 0,
/// and making it non-blocking changes the open file description it shares
/// with other processes (a parent's pipe, a child started meanwhile that
/// reads the same stdin: its reads then fail with `EAGAIN`; give it
/// `Stdio::null()` or a pipe of its own) and with every other `Fd` that
/// `stdin()` gave, on any thread.
/// So the mode is set back when **the last of these `Fd`s** (and every
/// operation on them) is gone, if it was blocking when they were made:
/// dropping one while another still reads leaves the description
/// non-blocking for that one. [`into_owned`](Fd::into_owned) gives the
/// descriptor away non-blocking, and then nothing sets the mode back. A
/// program that exits with such an `Fd` alive (say, through
/// `std::process::exit`, or killed by a signal: Ctrl-C, `timeout`) leaves
/// it non-blocking, for whatever reads the pipe next (`{ prog; cat; }`
/// in a shell: `cat` fails with `EAGAIN`).
///
/// Read the input through one or the other: what `std::io::stdin()` read
/// already (it buffers up to 8 KiB past what it gave out, a header read
/// with its `read_line` included) is in std's buffer, and this `Fd` reads
/// after it. Bytes in hand go first with
/// [`LineReader::with_buffer`](crate::io::LineReader::with_buffer).
///
/// # Errors
///
/// If descriptor 0 is closed (by the program itself: a Rust program
/// starts with `/dev/null` on a standard descriptor its parent left
/// closed) or cannot be duplicated; if it is a terminal
/// that cannot be opened again (`/proc` not mounted, or a terminal of
/// another user's after the program changed its user: a duplicate made
/// non-blocking would make the program's own `println!` fail with
/// `WouldBlock`), or a pseudo-terminal's master end (opened again, it
/// would be a new terminal), with an error that says so. Read such an
/// input through std, in [`spawn_blocking`](crate::spawn_blocking).
///
/// # Examples
///
/// The lines of the input, the last one too if it has no newline; a line
/// too long for the limit is reported and skipped:
///
/// ```
/// use std::io;
/// use tame::io::{LineReader, ReadStream};
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn lines<S: ReadStream + 'static>(input: LineReader<S>) -> io::Result<Vec<Vec<u8>>> {
///     let mut lines = Vec::new();
///     loop {
///         let line: io::Result<Option<Vec<u8>>>;
///         twait! { input.read_line(4096, mkevent!(line)); }
///         match line {
///             // The final line may lack its newline: it comes as it is.
///             Ok(Some(line)) => lines.push(line),
///             Ok(None) => return Ok(lines), // the end of the input
///             Err(e) if e.kind() == io::ErrorKind::InvalidData => {
///                 eprintln!("a line longer than 4096 bytes, skipped");
///                 input.skip_line();
///             }
///             Err(e) => return Err(e),
///         }
///     }
/// }
///
/// // A program reads its own input:
/// //     let input = LineReader::new(tame::io::stdin()?);
/// // Here a pipe stands in for it.
/// let (r, w) = tame::io::pipe().unwrap();
/// let long = vec![b'x'; 5000];
/// w.try_write(&[&b"first\n"[..], &long, b"\nlast, no newline"].concat()).unwrap();
/// w.close();
/// let got = tame::run_with(|done| lines(LineReader::new(r), done)).unwrap();
/// assert_eq!(got.unwrap(), [&b"first\n"[..], b"last, no newline"]);
/// ```
pub fn stdin() -> io::Result<Fd> {
    let stdin = io::stdin();
    let own = sys::reopen_char_device(stdin.as_fd())?;
    std_handle(Std::In, stdin.as_fd(), own)
}

/// The process's standard output on the loop, for writes that must not
/// block it (a pipe whose reader is slow).
///
/// A terminal (any character device) or a pipe is opened again,
/// write-only: the `Fd` has an open file description of its own, and its
/// `O_NONBLOCK` touches nothing else; the program's own `println!` and the
/// parent's end of the pipe stay as they were. A socket (journald's, for
/// a service of systemd's; inetd's connection) is a duplicate whose mode
/// stays as it is: each write asks not to block (`MSG_DONTWAIT`), and
/// `println!` on the same socket blocks as before, rather than failing
/// with `WouldBlock` when the reader is slow. A regular file, whose offset
/// the description holds, is a duplicate of descriptor 1 whose mode is
/// shared as [`stdin`]'s is (`O_NONBLOCK` changes nothing for a regular
/// file): set back when **the last of the `Fd`s `stdout()` gave** is
/// gone, if it was blocking when they were made. Writes through it and
/// `print!`s may interleave at any byte: flush `std::io::stdout()` before
/// writing through the `Fd`.
///
/// # Errors
///
/// If descriptor 1 is closed (by the program itself, as for [`stdin`])
/// or cannot be duplicated; if it is a terminal
/// or a pipe that cannot be opened again (`/proc` not mounted, or a pipe
/// or terminal of another user's after the program changed its user: a
/// duplicate made non-blocking would make the program's own `println!`
/// fail with `WouldBlock` whenever the reader is slow), or a
/// pseudo-terminal's master end (opened again, it would be a new
/// terminal), with an error that says so. Write to such an output through
/// std, in [`spawn_blocking`](crate::spawn_blocking).
///
/// # Examples
///
/// ```
/// use std::io;
/// use tame::io::{Fd, WriteAllOutcome};
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn say(out: Fd, text: &'static str) -> io::Result<usize> {
///     let wrote: WriteAllOutcome<Vec<u8>>;
///     twait! { out.write_all(text.as_bytes().to_vec(), mkevent!(wrote)); }
///     wrote.1?;
///     Ok(text.len())
/// }
///
/// let out = tame::io::stdout().unwrap();
/// let n = tame::run_with(|done| say(out, "hello from the loop\n", done)).unwrap();
/// assert_eq!(n.unwrap(), 20);
/// ```
pub fn stdout() -> io::Result<Fd> {
    let stdout = io::stdout();
    let own = sys::reopen_for_writing(stdout.as_fd())?;
    std_handle(Std::Out, stdout.as_fd(), own)
}

/// The process's standard error on the loop, for diagnostics written
/// without blocking it: [`stdout`] for descriptor 2, in every respect (a
/// terminal or a pipe is opened again, write-only, so `eprintln!` and the
/// parent's end stay blocking; a socket, journald's under systemd, is a
/// duplicate whose mode stays as it is, each write asking not to block;
/// a regular file is a duplicate whose mode is set back when the last
/// `Fd` `stderr()` gave is gone).
///
/// Writes through it and `eprint!`s may interleave at any byte.
///
/// # Errors
///
/// As [`stdout`]'s, for descriptor 2.
///
/// # Examples
///
/// ```
/// use std::io;
/// use tame::io::{Fd, WriteAllOutcome};
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn warn(err: Fd, text: String) -> io::Result<()> {
///     let wrote: WriteAllOutcome<Vec<u8>>;
///     twait! { err.write_all(text.into_bytes(), mkevent!(wrote)); }
///     wrote.1
/// }
///
/// let err = tame::io::stderr().unwrap();
/// let line = "warning: written by the loop\n".to_string();
/// tame::run_with(|done| warn(err, line, done)).unwrap().unwrap();
/// ```
pub fn stderr() -> io::Result<Fd> {
    let stderr = io::stderr();
    let own = sys::reopen_for_writing(stderr.as_fd())?;
    std_handle(Std::Err, stderr.as_fd(), own)
}

/// A handle of the standard descriptor `which` (`fd`): `own`, a
/// description of its own, if one could be opened; else a duplicate of
/// `fd`, counted with the others so that the last to go sets the shared
/// mode back (see `shared_std`).
fn std_handle(which: Std, fd: BorrowedFd<'_>, own: Option<OwnedFd>) -> io::Result<Fd> {
    if let Some(own) = own {
        return Fd::new(own);
    }
    // A socket (journald's for standard output, inetd's for both): its
    // description keeps its mode, which std's `println!` and the other
    // holders rely on; each read and write of the loop's asks not to
    // block (`MSG_DONTWAIT`, see `sys::read`).
    if sys::is_socket(fd)? {
        return Ok(Fd {
            io: Handle::new(Source::new(sys::dup(fd)?, true)),
        });
    }
    shared_std::add(which, sys::dup(fd)?, |dup| {
        let fd = Fd::new(dup)?;
        fd.io.src().count_as_shared(which);
        Ok(fd)
    })
}
