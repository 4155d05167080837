//! `asap` and `wait_on_fd`: the ways to have the loop trigger an event when
//! something is ready (timers are in [`crate::time`]).

use std::io;
use std::os::fd::AsFd;

use crate::driver;
use crate::event::Event;
use crate::io::Interest;

/// Triggers `ev` on the loop's next turn, after the tasks and events already
/// queued (Tamer's `at_asap`): the way for a long computation to let others
/// run. Never from inside this call. The next turn starts by polling the
/// loop's descriptors and reading its clock: what the fds woke runs before
/// the yielded code, and so do the timers due then. So a
/// computation that yields this way lets I/O and timers through at each
/// yield (as tokio's `yield_now` does), and [`now`](crate::now) after the
/// yield is a new reading. A future spawned on the loop that wakes itself
/// while polled yields the same way.
///
/// # Examples
///
/// ```
/// let r = tame::Rendezvous::<u8>::new();
/// tame::asap(r.event(1));
/// assert_eq!(r.try_next(), None); // not yet: only when the loop runs its queue
/// tame::run();
/// assert_eq!(r.try_next(), Some(1));
/// ```
#[inline]
pub fn asap(ev: Event) {
    driver::fire_next_turn(ev);
}

/// Triggers `ev` once `fd` is readable, writable or hung up, as `interest`
/// says.
///
/// One-shot: wait again for the next readiness. Error and hang-up
/// conditions count as ready, so the next read or write reports them. A
/// regular file is always ready (`ev` triggers on the loop's next turn;
/// `Interest::HangUp` on one is refused).
///
/// The wait holds a duplicate of `fd` of its own, registered with the loop
/// until the wait ends: several waits on one descriptor may be pending at
/// once, and closing `fd` meanwhile cannot confuse the loop (the duplicate
/// keeps the file open until the wait ends). To give up a wait, cancel (or
/// drop) the rendezvous of its event: the loop then drops it and its
/// duplicate on its next turn, and [`run`](crate::run) no longer waits for
/// it. For descriptors a program owns, [`tame::io::Fd`](crate::io::Fd) and
/// the types of [`tame::net`](crate::net) wait without a duplicate and can
/// be closed with their waits.
///
/// # Errors
///
/// An fd that cannot be waited on (closed, not pollable, out of
/// descriptors for the duplicate) is an `Err` returned at once, and `ev` is
/// dropped (it reports back untriggered).
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
///
/// let (a, mut b) = UnixStream::pair().unwrap();
/// let r = tame::Rendezvous::<&str>::new();
/// tame::wait_on_fd(&a, tame::Interest::Read, r.event("readable")).unwrap();
/// b.write_all(b"x").unwrap();
/// tame::run();
/// assert_eq!(r.try_next(), Some("readable"));
/// ```
pub fn wait_on_fd(fd: impl AsFd, interest: Interest, ev: Event) -> io::Result<()> {
    crate::io::wait_on_fd(fd.as_fd(), interest, ev)
}
