//! Descriptors on the loop: [`Fd`] for any file descriptor (pipes, stdin
//! and ttys, eventfds, regular files, sockets), [`pipe`], [`stdin`],
//! [`stdout`], [`stderr`],
//! signals ([`at_signal`]), and the layer that
//! [`tame::net`](crate::net) is built on.
//!
//! Byte streams in general: the [`ReadStream`] and [`WriteStream`] traits
//! (the read and write sides of an `Fd`, a TCP or Unix stream, a split
//! half), [`copy()`] and [`copy_bidirectional`] between streams (a proxy),
//! and [`LineReader`], which reads lines and keeps what it read past them.
//!
//! # How the layer works
//!
//! Every descriptor the loop waits on belongs to a *source*: the descriptor
//! itself, its registration with the loop (under a token from a slab, not
//! its fd number), and a slot per kind of readiness (read, write, hang-up)
//! holding the operation that waits for it. A handle ([`Fd`], a
//! [`TcpStream`](crate::net::TcpStream), a listener, one half of a split
//! stream) owns a reference to its source; so does every operation in
//! flight, which also owns its buffer and the caller's event. An operation
//! first tries its syscall; if the descriptor would block, it parks in its
//! slot, and when the backend reports readiness the loop hands it to the
//! source, which runs the operation again until it is done and triggers its
//! event. A source is registered once, at its first wait, for every kind
//! and edge-triggered (epoll's `EPOLLET`): the backend reports changes, and
//! the source remembers what it was told until a syscall says `EAGAIN` (or
//! a TCP read leaves room in its buffer, no urgent data pending). Parking after `EAGAIN` then
//! costs no syscall at all; a wait that would park on readiness the source
//! was told of and nothing used up (a readiness wait after a partial read,
//! or a read made behind the handle's back) asks the backend to look again
//! rather than trust it or lose it.
//! The loop counts the parked operations whose events are live; an event
//! that dies untriggered (its rendezvous cancelled or dropped) tells the
//! loop, which drops its operation on the next turn. So
//! [`run`](crate::run) knows when nothing can happen any more without
//! scanning anything, and a descriptor is closed by whoever holds it last
//! (its handle or an operation), never behind the loop's back.
//!
//! # Dropping versus closing
//!
//! * **`close()`** cancels every operation of the handle at once (their
//!   events come back untriggered, their buffers are dropped) and closes
//!   the descriptor. (A regular file's readiness wait, which would have
//!   ended on the loop's next turn, comes back at once too; the descriptor
//!   closes at that turn.) A half of a split stream closes its side: its
//!   operations, and a [`copy()`] that uses that side. A wait whose slots were moved into the operation
//!   (`read(buf, mkevent!(buf, n))`) has no value for them then, and
//!   panics: where another task may close the handle, wait for an
//!   `Option` of the whole value (`mkevent!(got).map(Some)`, `None` when
//!   closed).
//! * **Dropping** a handle cancels nothing that can still deliver: an
//!   operation whose event is live (a read, a write, an accept, a
//!   readiness or hang-up wait) goes on, keeps the descriptor open, and
//!   delivers its result; the descriptor closes after it. Operations whose
//!   events are dead (their rendezvous cancelled or dropped, their task
//!   gone) are cancelled at once; one whose event dies later is cancelled
//!   on the loop's next turn, as any operation whose event dies (the
//!   descriptor closes then, after its last operation).
//!
//! This is what makes `twait! { conn.read(buf, mkevent!(got)); }` safe even
//! where the translator hands `conn` over to the operation (a handle used
//! only as the receiver inside the block and not after it is dropped at the
//! `twait`): the read still completes, and so does
//! `twait! { child_pipe.hung_up(mkevent!(r)); }` used to wait for the
//! writers of a pipe to close it (which is not a process's end: a process
//! may close its output early, and a child it started may hold the pipe
//! after it exited; see [`Signal::Chld`] for that).
//! The flip side: an operation that may never complete (an
//! accept, a read from a silent peer) keeps its descriptor, and `run()`
//! going, until it completes or its event dies; `close()` the handle, or
//! cancel the rendezvous (as a timeout does), to stop it.
//!
//! # Cancellation
//!
//! An operation owns its buffer, so an operation cancelled before it is
//! done (its event dead: [`with_timeout`](crate::with_timeout) or
//! [`add_timeout`](crate::add_timeout) gave up, its rendezvous was dropped,
//! its task cancelled) drops the buffer with it. A `read` cancelled so
//! loses nothing of the stream (it reads only when it can deliver at
//! once, and a read whose event is dead does not read), but whatever the
//! `Vec` held goes; a `read_until` also loses the bytes it read before the
//! delimiter came; a `write_all` may have written part of its buffer, and
//! nobody learns how much.
//!
//! ## Races on a rendezvous
//!
//! A race written as tokio's `select!` is (a read and a deadline on one
//! rendezvous, `twait!(r)` for the first, then `r` dropped) has one more
//! way to lose data. An operation that completed is no longer cancelled:
//! it read the bytes (or accepted the connection) and triggered its event,
//! and its id waits in the rendezvous behind the winner's. That happens
//! when the operation completes in the same turn of the loop as the
//! winner, before the function that waits runs: the socket became
//! readable in the turn the deadline fired. Dropping (or
//! [`cancel`](crate::Rendezvous::cancel)ling) the rendezvous then drops
//! the operation's value with its id: the bytes of a `read`, the line of a
//! [`LineReader::read_line`], the connection of an `accept` (closed
//! unanswered) are gone, neither delivered nor left in the descriptor.
//! The ways that lose nothing:
//!
//! * **Take what else is queued before the rendezvous goes**: after the
//!   winner, `while r.queued() > 0 { twait!(r); }` (see
//!   [`queued`](crate::Rendezvous::queued)); an operation's id that comes
//!   out there stored its value as a winner's does, and the function uses
//!   it (or keeps it for the next round) before it drops `r`.
//! * **Put the timeout on the operation itself**, with an event of its
//!   own: `read(buf, add_timeout(d, mkevent!(got)))` or
//!   [`with_timeout`](crate::with_timeout). The race is decided inside
//!   the event, which gets exactly one outcome: an operation that
//!   completed in the turn the time ran out wins (the time runs out on the
//!   next turn), and one whose time ran out first is dead and reads
//!   nothing.
//! * **Race a readiness wait**, which holds no data, and read once it won:
//!   `readable(mkevent!(r, Id::Readable, ready))`, then `try_read` (as
//!   below). (A listener has no readiness wait of its own: race its
//!   `accept` with one of the first two ways.)
//!
//! Where the bytes matter, put the timeout on a readiness wait, which holds
//! no data, and read with `try_read` into a buffer you keep:
//! `readable(add_timeout(d, mkevent!(ready)))`, then `try_read`, as below;
//! [`LineReader`] keeps what it read between lines in the same way. On the
//! write side, `try_write` what fits and wait with `writable`.
//!
//! ```
//! use std::io::{self, Write};
//! use std::rc::Rc;
//! use std::time::Duration;
//! use tame::net::TcpStream;
//! use tame::{mkevent, tamed, twait, Timeout};
//!
//! /// Reads up to a `\n`, giving up on a peer silent for `idle`; what came
//! /// before a timeout stays in `buf`.
//! #[tamed]
//! fn line_within(conn: Rc<TcpStream>, buf: Vec<u8>, idle: Duration) -> (Vec<u8>, io::Result<usize>) {
//!     let mut buf = buf;
//!     loop {
//!         if let Some(i) = buf.iter().position(|&b| b == b'\n') {
//!             return (buf, Ok(i + 1));
//!         }
//!         let mut ready: Result<io::Result<()>, Timeout> = Err(Timeout);
//!         twait! { conn.readable(tame::add_timeout(idle, mkevent!(ready))); }
//!         if ready.is_err() {
//!             return (buf, Err(io::ErrorKind::TimedOut.into()));
//!         }
//!         let mut chunk = [0; 512];
//!         match conn.try_read(&mut chunk) {
//!             Ok(0) => return (buf, Ok(0)),
//!             Ok(n) => buf.extend_from_slice(&chunk[..n]),
//!             Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
//!             Err(e) => return (buf, Err(e)),
//!         }
//!     }
//! }
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
//! let conn = Rc::new(TcpStream::from_std(listener.accept().unwrap().0).unwrap());
//! peer.write_all(b"hel").unwrap();
//! let idle = Duration::from_millis(20);
//! let (buf, got) = tame::run_with(|done| line_within(conn.clone(), Vec::new(), idle, done)).unwrap();
//! assert_eq!(got.unwrap_err().kind(), io::ErrorKind::TimedOut);
//! peer.write_all(b"lo\n").unwrap();
//! let (buf, got) = tame::run_with(|done| line_within(conn, buf, idle, done)).unwrap();
//! assert_eq!(&buf[..got.unwrap()], b"hello\n"); // nothing lost
//! ```
//!
//! # Examples
//!
//! A pipe, written by one tamed function and read by another:
//!
//! ```
//! use std::io;
//! use tame::io::{pipe, Fd};
//! use tame::{mkevent, tamed, tvars, twait, Event};
//!
//! #[tamed]
//! fn writer(w: Fd) {
//!     tvars! { let mut sent: (&'static [u8], io::Result<()>) = (&[], Ok(())); }
//!     twait! { w.write_all(&b"through the pipe\n"[..], mkevent!(sent)); }
//!     w.close(); // the reader then sees the end of the stream
//! }
//!
//! #[tamed]
//! fn reader(r: Fd, done: Event<Vec<u8>>) {
//!     tvars! { let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0)); }
//!     twait! { r.read_until(Vec::new(), b"\n", 1024, mkevent!(got)); }
//!     r.close();
//!     done.trigger(got.0);
//! }
//!
//! let (r, w) = pipe().unwrap();
//! let rdv = tame::Rendezvous::<()>::new();
//! let (done, line) = rdv.event_with_slot(());
//! reader(r, done);
//! writer(w);
//! tame::run();
//! assert_eq!(line.take().unwrap(), b"through the pipe\n");
//! ```

mod copy;
mod fd;
mod lines;
pub(crate) mod op;
pub(crate) mod ops;
mod shared_std;
mod signal;
mod slots;
pub(crate) mod source;
pub(crate) mod stream;
pub(crate) mod sys;

pub use copy::{copy, copy_bidirectional, copy_bidirectional_idle};
pub use fd::{pipe, stderr, stdin, stdout, Fd};
pub use lines::LineReader;
pub use signal::{at_signal, CommandExt, Signal};
pub use stream::{ReadOutcome, ReadStream, WriteAllOutcome, WriteOutcome, WriteStream};

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use crate::driver::Ready;
use crate::Event;

/// Which readiness a wait is for.
///
/// # Examples
///
/// ```
/// use tame::{wait_on_fd, Interest, Rendezvous};
///
/// let (reader, writer) = std::io::pipe().unwrap();
/// let r = Rendezvous::<&str>::new();
/// wait_on_fd(&writer, Interest::Write, r.event("writable")).unwrap(); // room in the pipe
/// wait_on_fd(&reader, Interest::Read, r.event("readable")).unwrap(); // nothing written yet
/// tame::run_once(Some(std::time::Duration::from_millis(10)));
/// assert_eq!(r.try_next(), Some("writable"));
/// assert_eq!(r.try_next(), None);
/// # drop((reader, writer, r));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Interest {
    /// Readable (or hung up, or in error: the next read reports it).
    Read,
    /// Writable (or in error: the next write reports it).
    Write,
    /// The other end hung up: a socket's peer shut down its side or closed,
    /// a pipe's other end closed, or an error is pending (Tamer's
    /// `at_fd_shutdown`). It is the kernel's report that the read side is
    /// shut down (`EPOLLRDHUP`), which does not say by whom: a socket's own
    /// `shutdown` of its read side (`Shutdown::Read` or `Both`) counts too.
    HangUp,
}

impl Interest {
    pub(crate) fn ready(self) -> Ready {
        match self {
            Interest::Read => Ready::READ,
            Interest::Write => Ready::WRITE,
            Interest::HangUp => Ready::HUP,
        }
    }
}

/// [`crate::wait_on_fd`]: a one-shot wait on a duplicate of `fd`, in a
/// source of its own that no handle owns (the wait's operation holds it,
/// so it closes when the wait ends).
pub(crate) fn wait_on_fd(fd: BorrowedFd<'_>, interest: Interest, ev: Event<()>) -> io::Result<()> {
    let registered = (|| {
        let dup = sys::dup(fd)?;
        let socket = sys::is_socket(dup.as_fd())?;
        let src = source::Source::new(dup, socket);
        // Registered now, so that a descriptor the backend refuses is an
        // error returned here rather than an event dropped later.
        if src.register()? && interest == Interest::HangUp {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a never-blocking descriptor (a regular file, /dev/null) never hangs up",
            ));
        }
        Ok(src)
    })();
    let src = match registered {
        Ok(src) => src,
        Err(e) => {
            crate::driver::drop_refused(ev);
            return Err(e);
        }
    };
    op::start(
        &src,
        ops::RawWait {
            kind: interest.ready(),
            ev,
        },
    );
    Ok(())
}
