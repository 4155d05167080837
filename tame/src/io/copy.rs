//! [`copy`], [`copy_bidirectional`] and [`copy_bidirectional_idle`]:
//! everything one stream gives, written to another (a proxy's work).
//!
//! Each direction is a `#[tamed]` function ([`pump`]) rather than an
//! operation state machine: it moves between two descriptors (a read on
//! one, a write on the other), which the operations of [`super::op`],
//! each parked on one source, do not, and a tamed function gets the rest
//! for free: it watches its `done` event and is cancelled when that dies,
//! which drops its buffer and cancels the read or write it waits for; and
//! an operation whose event comes back untriggered (its handle was closed)
//! leaves the slot's old value, an error, in place.

use std::cell::Cell;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::ops;
use super::source::{Source, ALL};
use super::stream::{ReadStream, WriteStream};
use super::sys;
use crate::driver::{self, Ready};
use crate::time::Timer;
use crate::{mkevent, tamed, twait, Event, Rendezvous};

/// The size of the buffer each direction of a copy reads into and writes
/// from, over and over.
const BUFFER_SIZE: usize = 16 * 1024;

/// How many rounds (a read and the write of what it gave) a direction does
/// while the loop gets no turn before it yields to it: a read and a write
/// that both complete at once do not wait, so a copy from a source that
/// always has data to a sink that always takes it would otherwise keep the
/// thread's other tasks, timers and descriptors waiting until it ends. 32
/// rounds move at most 512 KiB; a copy that waits for its descriptors
/// (the common case) gives the loop its turns anyway and never yields.
const ROUNDS_PER_TURN: u32 = 32;

/// Copies everything `from` gives until the end of its stream to `to`,
/// then triggers `ev` with the number of bytes copied.
///
/// The handles are borrowed for the call only: the copy's reads and
/// writes keep the descriptors open while it runs, as every operation in
/// flight does (dropping a handle does not stop it). It reads into one
/// buffer of 16 KiB, allocated at the start and reused for every chunk,
/// and writes each chunk in full before it reads again.
///
/// * **At the end of `from`'s stream the copy does not shut down `to`**
///   (nor close it): the caller decides, usually with
///   [`shutdown(Shutdown::Write)`](crate::net::TcpStream::shutdown) as in
///   the example, or by closing `to`. (tokio's `copy` does not either.)
/// * **Cancelling**: if `ev` dies (its rendezvous cancelled or dropped, a
///   timeout gave up on it, the tamed function waiting for it was
///   cancelled), the copy stops on the loop's next turn: its buffer is
///   dropped, the read or write it waited for is cancelled, and nothing
///   more is triggered. Bytes it had read and not yet written (up to one
///   16 KiB chunk) go with the buffer, and the count of bytes that got
///   across is not reported: both streams stay usable, but what `to`
///   received is no longer what `from` held (tokio's `copy` is the same).
///   Where a copy given up must not lose bytes, write the loop yourself
///   (a `read`, then a `write_all` of what it got) and stop between them.
/// * **Closing** `from` or `to` with `close()` ends the copy at once with
///   an error (`ConnectionAborted`), whatever it waits for then (to read
///   `from`, to write `to`): it lets go of both descriptors on the loop's
///   next turn, so the closed one is closed then.
/// * `from` and `to` may be the same full-duplex stream (an echo), or the
///   two halves of one.
/// * **Fairness**: a copy whose reads and writes keep completing at once
///   (a source that always has data, a sink that always takes it) lets the
///   loop take a turn every 32 chunks (at most 512 KiB), as a
///   [`tame::asap`](crate::asap) yield would, so that the thread's other
///   tasks, timers and descriptors are not held up until it ends.
///
/// # Errors
///
/// Through `ev`: the first read or write error (the count of bytes copied
/// before it is not reported); `ConnectionAborted` if `from` or `to` was
/// closed under the copy; `ResourceBusy` if another read waits on `from`
/// or another write on `to`.
///
/// # Examples
///
/// A pipe's contents sent on a socket, which is then shut down:
///
/// ```
/// use std::io;
/// use std::net::Shutdown;
/// use tame::io::{copy, Fd};
/// use tame::net::UnixStream;
/// use tame::{mkevent, tamed, twait};
///
/// /// Sends everything `input` gives on `conn`, then the end of the stream.
/// #[tamed]
/// fn forward(input: Fd, conn: UnixStream) -> io::Result<u64> {
///     let mut copied: io::Result<u64> = Ok(0);
///     twait! { copy(&input, &conn, mkevent!(copied)); }
///     let n = copied?;
///     conn.shutdown(Shutdown::Write)?; // copy leaves that to its caller
///     Ok(n)
/// }
///
/// let (r, w) = tame::io::pipe().unwrap();
/// let (ours, theirs) = UnixStream::pair().unwrap();
/// w.try_write(b"through a pipe and a socket").unwrap();
/// w.close(); // the end of the pipe's stream
/// let copied = tame::run_with(|done| forward(r, ours, done)).unwrap();
/// assert_eq!(copied.unwrap(), 27);
/// let mut buf = [0; 64];
/// assert_eq!(theirs.try_read(&mut buf).unwrap(), 27);
/// assert_eq!(theirs.try_read(&mut buf).unwrap(), 0); // shut down
/// ```
pub fn copy<R, W>(from: &R, to: &W, ev: Event<io::Result<u64>>)
where
    R: ReadStream,
    W: WriteStream,
{
    let (from, to) = (from.source().0.clone(), to.source().0.clone());
    let ev = ended_by_close(&to, Ready::WRITE, "writes to", ev);
    let ev = ended_by_close(&from, Ready::READ, "reads from", ev);
    pump(from, to, AtEnd::Stop, None, ev);
}

/// Copies `a`'s input to `b` and `b`'s input to `a` at once, then triggers
/// `ev` with the two counts, `(a to b, b to a)`.
///
/// For two full-duplex streams (a proxy between two connections):
/// [`TcpStream`](crate::net::TcpStream),
/// [`UnixStream`](crate::net::UnixStream), or an [`Fd`](super::Fd)
/// holding a connected stream socket. Each direction works as
/// [`copy`] (one 16 KiB buffer each; the handles borrowed for the call
/// only; the copy stops when `ev` dies), except at its end:
///
/// * **When one direction reaches the end of its input, the other
///   stream's write side is shut down** (`shutdown(Shutdown::Write)`), so
///   its peer reads the end of the stream too, and the other direction
///   goes on copying until its own input ends (a request sent, then its
///   reply).
/// * `ev` is triggered once both directions ended, with both counts, or at
///   the first error of either: the other direction is then stopped (its
///   read or write cancelled), and neither stream is shut down or closed
///   by the error.
///
/// # Errors
///
/// Through `ev`: the first error of either direction, as [`copy`] gives
/// them (`ConnectionAborted`, "a stream it copies was closed", once either
/// stream is closed with `close()`), or of a shutdown (`ENOTSOCK` for an `Fd` that is not a socket;
/// `ConnectionReset` if the peer reset the connection before the end of
/// the stream could be passed on to it).
///
/// # Examples
///
/// A proxy between a client and a server, each on a socket pair:
///
/// ```
/// use std::net::Shutdown;
/// use tame::io::copy_bidirectional;
/// use tame::net::UnixStream;
///
/// let (client, front) = UnixStream::pair().unwrap();
/// let (back, server) = UnixStream::pair().unwrap();
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, counts) = r.event_with_slot(());
/// copy_bidirectional(&front, &back, ev);
/// client.try_write(b"request").unwrap();
/// client.shutdown(Shutdown::Write).unwrap(); // the server will see it
/// server.try_write(b"response!").unwrap();
/// server.shutdown(Shutdown::Write).unwrap(); // the client will see it
/// tame::run();
/// assert_eq!(counts.take().unwrap().unwrap(), (7, 9));
/// let mut buf = [0; 16];
/// assert_eq!(server.try_read(&mut buf).unwrap(), 7);
/// assert_eq!(server.try_read(&mut buf).unwrap(), 0); // the end, passed on
/// assert_eq!(client.try_read(&mut buf).unwrap(), 9);
/// assert_eq!(client.try_read(&mut buf).unwrap(), 0);
/// ```
pub fn copy_bidirectional<A, B>(a: &A, b: &B, ev: Event<io::Result<(u64, u64)>>)
where
    A: ReadStream + WriteStream,
    B: ReadStream + WriteStream,
{
    let (a, b) = (a.source().0.clone(), b.source().0.clone());
    let ev = ended_by_close(&a, ALL, "copies", ev);
    let ev = ended_by_close(&b, ALL, "copies", ev);
    both_ways(a, b, None, ev);
}

/// [`copy_bidirectional`] that gives up when nothing has moved either way
/// for `idle`: what a proxy needs so that a connection both of whose ends
/// went quiet (or away without a word) does not stay open forever, nor
/// hold up a graceful shutdown.
///
/// Any chunk read or written in either direction counts as activity and
/// pushes the limit back, and so do bytes written that a socket's peer
/// acknowledges since the last look
/// ([`TcpStream::unacknowledged`](crate::net::TcpStream::unacknowledged)): a
/// slow reader takes data long before the kernel reports a full send
/// buffer writable again (the timer looks once a period, so such a fall
/// behind new writes may give one more period); a direction that has ended (its input at its
/// end) leaves the other to keep the copy alive. When the limit is
/// reached, `ev` gets an error of kind [`TimedOut`](io::ErrorKind::TimedOut)
/// and both directions are stopped, as after any error (neither stream is
/// shut down or closed: the caller decides). The time is the loop's
/// ([`tame::now`](crate::now)), so virtual time drives it in tests. The
/// check costs one timer per copy, re-armed only when it comes due, not
/// one per chunk.
///
/// Choose `idle` well above the peers' acknowledgement interval. While a
/// send buffer is full, progress toward a TCP peer is judged by the bytes
/// it acknowledges, and a peer that reads steadily but slowly acknowledges
/// in coarse steps: its kernel opens its receive window again (and so
/// acknowledges) only once the reader has freed about a segment's worth,
/// so the gap between two steps is about the segment size over the rate
/// the reader takes data at, and grows as the reader slows (8 KiB every
/// 200 to 370 ms has been seen; on loopback, whose segments are up to
/// 64 KiB, a reader of 10 KB/s acknowledges every 3 to 6 s). An `idle`
/// below that gap counts that peer as idle, and the copy fails with
/// `TimedOut` although data moves: for a stream that may be read at a
/// trickle, allow the segment size over the slowest rate to be served.
///
/// A side is read only while its direction has room for what it reads:
/// once its stream has ended, or while its direction waits to write to a
/// peer that is not reading, a reset it gets is seen only when the copy
/// next reads it or writes to it (as with tokio's `copy_bidirectional`).
/// So a peer that half-closed and then reset while the other side says
/// nothing, or that reset while the other side would not take its bytes,
/// keeps the copy until that side moves, or until `idle` runs out (the
/// reason to have one).
///
/// # Panics
///
/// If `idle` is zero.
///
/// # Examples
///
/// A copy between two socket pairs whose outer ends say nothing, on
/// virtual time (the hour passes at once):
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use tame::io::copy_bidirectional_idle;
/// use tame::net::UnixStream;
///
/// tame::time::pause();
/// let (_client, front) = UnixStream::pair().unwrap();
/// let (back, _server) = UnixStream::pair().unwrap();
/// let start = tame::now();
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, got) = r.event_with_slot(());
/// copy_bidirectional_idle(&front, &back, Duration::from_secs(3600), ev);
/// tame::run();
/// let err = got.take().unwrap().unwrap_err();
/// assert_eq!(err.kind(), io::ErrorKind::TimedOut);
/// assert_eq!(tame::now() - start, Duration::from_secs(3600));
/// # tame::time::resume();
/// ```
#[track_caller]
pub fn copy_bidirectional_idle<A, B>(
    a: &A,
    b: &B,
    idle: Duration,
    ev: Event<io::Result<(u64, u64)>>,
) where
    A: ReadStream + WriteStream,
    B: ReadStream + WriteStream,
{
    assert!(
        !idle.is_zero(),
        "copy_bidirectional_idle: the idle limit must not be zero"
    );
    let (a, b) = (a.source().0.clone(), b.source().0.clone());
    let ev = ended_by_close(&a, ALL, "copies", ev);
    let ev = ended_by_close(&b, ALL, "copies", ev);
    both_ways(a, b, Some(idle), ev);
}

/// `ev`, the event of a copy over `src`, made to end the copy when `src`
/// is closed (`close()`), or the half of it with a side of `sides` (the
/// side the copy uses), whatever the copy waits for then, on that
/// descriptor or another: the event the copy holds dies, so the copy is
/// cancelled on the loop's next turn (and lets go of its descriptors),
/// and `ev` gets the copy's error for a stream it `what` closed under it.
fn ended_by_close<T: 'static>(
    src: &Source,
    sides: Ready,
    what: &'static str,
    ev: Event<io::Result<T>>,
) -> Event<io::Result<T>> {
    // Dropped untriggered: the cancel below, or the copy cancelled
    // because `ev` died (then the trigger goes nowhere).
    let ev = ev.then(
        move |res: Option<io::Result<T>>, ev: Event<io::Result<T>>| {
            ev.trigger(res.unwrap_or_else(|| Err(closed(what))));
        },
    );
    let (ev, cancel) = crate::cancellable(ev);
    src.on_close(sides, cancel.downgrade());
    ev
}

/// What a direction does at the end of its input.
#[derive(Clone, Copy)]
enum AtEnd {
    /// Nothing: [`copy`] leaves `to` to its caller.
    Stop,
    /// Shuts down `to`'s write side, passing the end on.
    ShutDown,
}

/// The two directions of [`copy_bidirectional`], on one rendezvous: the
/// first error ends the function, which drops the rendezvous, so the other
/// direction's event dies and that direction is cancelled.
#[tamed]
fn both_ways(a: Rc<Source>, b: Rc<Source>, idle: Option<Duration>) -> io::Result<(u64, u64)> {
    let r = Rendezvous::<usize>::new();
    // Each is replaced by its direction's result (a direction's event is
    // dropped untriggered only when this function ends first).
    let mut results: [io::Result<u64>; 2] = [Ok(0), Ok(0)];
    // When a chunk last moved either way, if there is an idle limit: the
    // directions write it, the idle timer reads it.
    let moved = idle.map(|_| Rc::new(Cell::new(crate::now())));
    // And what the sockets' peers had not acknowledged at the idle timer's
    // last look, and when: a count that falls is a peer reading (see
    // `unacknowledged`).
    let ends = [a.clone(), b.clone()];
    let (mut queued, mut last_look) = (unacknowledged(&ends), crate::now());
    pump(
        a.clone(),
        b.clone(),
        AtEnd::ShutDown,
        moved.clone(),
        mkevent!(r, 0, results[0]),
    );
    pump(
        b,
        a,
        AtEnd::ShutDown,
        moved.clone(),
        mkevent!(r, 1, results[1]),
    );
    let mut idle_timer = None;
    if let Some(limit) = idle {
        idle_timer = Some(Timer::after(limit, mkevent!(r, IDLE)));
    }
    let mut directions_left = 2;
    while let Some(id) = twait!(r) {
        if id == IDLE {
            let (Some(limit), Some(moved)) = (idle, &moved) else {
                unreachable!("the idle timer is armed only with an idle limit")
            };
            // The bytes the peers have not acknowledged, against the last
            // look: fewer is a reader taking some of what was written (too
            // little for its end to be writable again): activity. More,
            // after writes since the last look, may hide such a fall: one
            // more period to tell. (Writes in the turn of the last look
            // count: their `moved` is that turn's time, the look's.)
            let now = crate::now();
            let now_queued = unacknowledged(&ends);
            let fell = now_queued < queued;
            let hidden = now_queued > queued && moved.get() >= last_look;
            if fell || hidden {
                moved.set(now);
            }
            (queued, last_look) = (now_queued, now);
            let due = crate::time::later(moved.get(), limit);
            if now >= due {
                // Dropping `r` as this returns stops both directions.
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("copy: nothing moved either way for {limit:?}"),
                ));
            }
            idle_timer = Some(Timer::at(due, mkevent!(r, IDLE)));
            continue;
        }
        if results[id].is_err() {
            break;
        }
        directions_left -= 1;
        if directions_left == 0 {
            break;
        }
    }
    drop(idle_timer);
    let [a_to_b, b_to_a] = results;
    Ok((a_to_b?, b_to_a?))
}

/// What the peers of `ends` have not acknowledged of what was written to
/// them, together (an end that is no socket counts none).
fn unacknowledged(ends: &[Rc<Source>; 2]) -> usize {
    ends.iter()
        .map(|e| sys::unacknowledged(e.fd()).unwrap_or(0))
        .sum()
}

/// The id the idle timer's event carries on [`both_ways`]' rendezvous (the
/// directions' are 0 and 1).
const IDLE: usize = 2;

#[tamed]
fn pump(
    from: Rc<Source>,
    to: Rc<Source>,
    at_end: AtEnd,
    moved: Option<Rc<Cell<Instant>>>,
) -> io::Result<u64> {
    // Till the copy ends (or is cancelled), a write half of `to` dropped
    // meanwhile does not shut the stream down under it.
    let writing = to.copy_writes();
    let mut buf = Vec::with_capacity(BUFFER_SIZE);
    let mut copied = 0u64;
    let mut budget = Budget::new();
    loop {
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), undelivered());
        twait! { ops::read(&from, buf, mkevent!(got)); }
        let (filled, n) = got;
        if n.map_err(|e| explain(e, "reads from"))? == 0 {
            break;
        }
        if let Some(moved) = &moved {
            moved.set(crate::now());
        }
        let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), undelivered());
        twait! { ops::write_all(&to, filled, mkevent!(sent)); }
        let (mut emptied, written) = sent;
        written.map_err(|e| explain(e, "writes to"))?;
        if let Some(moved) = &moved {
            // A slow reader at `to` that still takes the bytes is activity.
            moved.set(crate::now());
        }
        copied += emptied.len() as u64;
        emptied.clear();
        buf = emptied;
        if budget.spent() {
            twait! { crate::asap(mkevent!()); }
        }
    }
    if matches!(at_end, AtEnd::ShutDown) {
        if to.is_closed() {
            return Err(closed("writes to"));
        }
        sys::shutdown(to.fd(), Shutdown::Write).map_err(passing_the_end_on)?;
    }
    drop(writing);
    Ok(copied)
}

/// A shutdown's `ENOTCONN` after the writes went through: the peer reset
/// the connection meanwhile (a client that sent its request and closed
/// before the reply came), which its reads and writes call
/// `ConnectionReset`; a bare `NotConnected` would read as a socket never
/// connected.
fn passing_the_end_on(err: io::Error) -> io::Error {
    if err.kind() == io::ErrorKind::NotConnected {
        io::Error::new(
            io::ErrorKind::ConnectionReset,
            format!(
                "copy: the peer was gone before the end of the stream could be passed on ({err})"
            ),
        )
    } else {
        err
    }
}

/// The rounds a direction did since the loop last started a turn (see
/// [`ROUNDS_PER_TURN`]).
struct Budget {
    /// The loop's turn count when the rounds were counted from.
    turn: u64,
    rounds: u32,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            turn: driver::turns(),
            rounds: 0,
        }
    }

    /// Counts a round; whether the direction is to yield now. A turn of the
    /// loop since the count began (the direction waited for a descriptor,
    /// or yielded) starts it again.
    fn spent(&mut self) -> bool {
        let turn = driver::turns();
        if turn != self.turn {
            self.turn = turn;
            self.rounds = 0;
        }
        self.rounds += 1;
        self.rounds >= ROUNDS_PER_TURN
    }
}

/// What a slot holds until its operation delivers, and keeps if the
/// operation's event comes back untriggered: its handle was closed. A bare
/// kind, so that no chunk pays an allocation for it; [`explain`] gives it
/// its message.
fn undelivered<T>() -> io::Result<T> {
    Err(io::ErrorKind::ConnectionAborted.into())
}

/// `err`, or the error of a copy whose stream was closed under it if `err`
/// is [`undelivered`]'s (a bare kind: no operation makes one).
fn explain(err: io::Error, what: &str) -> io::Error {
    let bare = err.raw_os_error().is_none() && err.get_ref().is_none();
    if bare && err.kind() == io::ErrorKind::ConnectionAborted {
        closed(what)
    } else {
        err
    }
}

/// The error of a copy whose stream was closed under it.
fn closed(what: &str) -> io::Error {
    let which = if what == "copies" { "a" } else { "the" };
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        format!("copy: {which} stream it {what} was closed"),
    )
}
