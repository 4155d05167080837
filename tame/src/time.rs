//! Timers, `asap`, fd waits: the ways to get an event triggered by the loop.

use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use crate::driver;
use crate::event::Event;
use crate::io::Interest;

/// Triggers `ev` once `dur` has passed.
///
/// To cancel a timer, cancel (or drop) the rendezvous its event belongs to:
/// the timer then stops counting as armed at once, so [`run`](crate::run)
/// does not wait for it, and its entry is freed no later than its deadline.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let r = tame::Rendezvous::<&str>::new();
/// tame::timer(Duration::from_millis(20), r.event("slow"));
/// tame::timer(Duration::from_millis(1), r.event("fast"));
/// let start = Instant::now();
/// tame::run();
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// assert_eq!(r.try_next(), Some("fast"));
/// assert_eq!(r.try_next(), Some("slow"));
/// ```
pub fn timer(dur: Duration, ev: Event) {
    let deadline = Instant::now().checked_add(dur).unwrap_or_else(far_future);
    driver::timer_at(deadline, ev);
}

/// Triggers `ev` once `deadline` has passed (at once, on the loop's next
/// turn, if it already has).
///
/// # Examples
///
/// ```
/// let r = tame::Rendezvous::<()>::new();
/// tame::timer_at(std::time::Instant::now(), r.event(()));
/// tame::run();
/// assert_eq!(r.try_next(), Some(()));
/// ```
pub fn timer_at(deadline: Instant, ev: Event) {
    driver::timer_at(deadline, ev);
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Triggers `ev` on the loop's next turn, after the tasks already queued
/// (Tamer's `at_asap`): the way for a long computation to let others run.
///
/// # Examples
///
/// ```
/// let r = tame::Rendezvous::<u8>::new();
/// tame::asap(r.event(1));
/// assert_eq!(r.try_next(), None); // not yet: only on the loop's next turn
/// tame::run();
/// assert_eq!(r.try_next(), Some(1));
/// ```
pub fn asap(ev: Event) {
    driver::asap(ev);
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

/// The error [`add_timeout`](crate::add_timeout) delivers when time ran out
/// before the event was triggered.
///
/// # Examples
///
/// ```
/// let e = tame::Timeout;
/// assert_eq!(e.to_string(), "timed out");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Timeout;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl std::error::Error for Timeout {}

impl From<Timeout> for io::Error {
    fn from(_: Timeout) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, Timeout)
    }
}
