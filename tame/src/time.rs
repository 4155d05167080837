//! Time: the loop's clock, timers, virtual time for tests, and timeouts.
//!
//! # The loop's clock
//!
//! [`now()`] is the loop's time, read once per loop turn (Tamer's
//! `recent()`), and [`timer`] counts from it. So timers armed in one turn
//! fire in the order of their durations, however long the code between two
//! arms took, and arming a timer reads no clock. The loop reads the clock
//! after each poll for readiness, which is where time passes; a task that
//! computes for 50 ms sees the time it was resumed at until it yields.
//! Outside [`run`](crate::run) there are no turns: the clock is read at its
//! first use after the loop last ran, and that reading holds until the loop
//! runs again, so the code before `run()` counts as one turn (as in Tamer).
//!
//! # Timers
//!
//! Timers live in a hierarchical timing wheel (as in tokio and the Linux
//! kernel) whose arm and cancel cost the same whatever else is armed. They
//! fire in deadline order, ties in arming order, never before their
//! deadline and at most about a millisecond after it (the wheel's tick, which
//! the wait for readiness, in whole milliseconds, costs anyway). A timer is
//! cancelled by its [`Timer`] handle, if it was armed with one, or by
//! cancelling (or dropping) the rendezvous of its event, or whatever else
//! makes its event dead: it stops counting as armed at once,
//! so [`run`](crate::run) does not wait for it, and its memory is freed
//! then, not at its deadline. A million cancelled timers cost no lasting
//! memory.
//!
//! # Virtual time
//!
//! For tests, [`pause`] stops the loop's clock (Tamer's `time_virtual`,
//! tokio's `time::pause`): from then on the time moves only by [`advance`],
//! or, when the loop has nothing ready (no task runnable, and the fds,
//! still polled on every turn but without blocking, have nothing to
//! report), by a jump to the time the next timer is due. A 30 s timeout or
//! hours of timers then pass in microseconds, while fd waits keep working.
//! [`resume`] lets the clock run again from the virtual time. The clock is
//! the thread's loop's: other threads keep their own.
//!
//! While the time is virtual, compute instants from [`now()`], not
//! `Instant::now()`: the loop's time runs ahead of the real clock.
//!
//! # Timeouts
//!
//! [`add_timeout`] (the paper's figure 5) and
//! [`with_timeout`] (Tamer's) wrap an event with a
//! deadline. They are native: one allocation holds the caller's event and
//! the key of its timer, and the race is decided by unlinking the timer (no
//! task, no rendezvous). [`add_timeout_then`] and [`with_timeout_then`] also
//! run an action when the time runs out, such as closing the socket that the
//! wrapped operation waits on, so that the operation does not outlive its
//! timeout.
//!
//! # Examples
//!
//! An hour of virtual time, in no time: a timeout that wins over a slow
//! timer, on a paused clock.
//!
//! ```
//! use std::time::Duration;
//! use tame::time::Timeout;
//! use tame::{mkevent, tamed, twait};
//!
//! #[tamed]
//! fn slow_or_not() -> Result<(), Timeout> {
//!     let mut res = Ok(());
//!     twait! {
//!         let ev = tame::add_timeout(Duration::from_secs(60), mkevent!(res));
//!         tame::timer(Duration::from_secs(3600), ev);
//!     }
//!     res
//! }
//!
//! tame::time::pause();
//! let start = tame::now();
//! let r = tame::Rendezvous::<()>::new();
//! let (ev, out) = r.event_with_slot(());
//! slow_or_not(ev);
//! tame::run(); // the hour-long timer went with the timeout
//! assert_eq!(out.take(), Some(Err(Timeout)));
//! assert_eq!(tame::now() - start, Duration::from_secs(60));
//! tame::time::resume();
//! ```

use std::fmt;
use std::io;
use std::time::{Duration, Instant};

use crate::driver;
use crate::event::Event;

pub use crate::timeout::{add_timeout, add_timeout_then, with_timeout, with_timeout_then};

/// The loop's time: the clock reading of the current loop turn (Tamer's
/// `recent()`).
///
/// Timers count from it: [`timer(dur, ev)`](timer) fires `ev` at
/// `now() + dur`. Inside the loop it holds for the whole turn; before
/// [`run`](crate::run) it is read at its first use (after the loop last
/// ran) and holds until the loop runs. While [`paused`](pause) it is the
/// virtual time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let a = tame::now();
/// std::thread::sleep(Duration::from_millis(2));
/// // Still the same turn: the loop has not run.
/// assert_eq!(tame::now(), a);
///
/// let r = tame::Rendezvous::<()>::new();
/// tame::timer(Duration::from_millis(5), r.event(()));
/// tame::run();
/// assert!(tame::now() >= a + Duration::from_millis(5));
/// ```
pub fn now() -> Instant {
    driver::now()
}

/// Triggers `ev` once `dur` has passed, counted from [`now()`].
///
/// Timers armed in one loop turn fire in the order of their durations,
/// equal ones in arming order. To cancel a timer, arm it with
/// [`Timer::after`] instead and drop the handle, or cancel (or drop) the
/// rendezvous its event belongs to: the timer then stops counting as armed
/// at once, so [`run`](crate::run) does not wait for it, and its entry is
/// freed. A timer whose event is already dead is not armed at all.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let r = tame::Rendezvous::<&str>::new();
/// let start = Instant::now();
/// tame::timer(Duration::from_millis(20), r.event("slow"));
/// tame::timer(Duration::from_millis(1), r.event("fast"));
/// tame::run();
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// assert_eq!(r.try_next(), Some("fast"));
/// assert_eq!(r.try_next(), Some("slow"));
/// ```
pub fn timer(dur: Duration, ev: Event) {
    driver::timer_after(dur, ev);
}

/// Triggers `ev` once the loop's time reaches `deadline` (at once, on the
/// loop's next turn, if it already has).
///
/// While the time is [virtual](pause), take deadlines from [`now()`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let r = tame::Rendezvous::<()>::new();
/// let deadline = tame::now() + Duration::from_millis(3);
/// tame::timer_at(deadline, r.event(()));
/// tame::run();
/// assert_eq!(r.try_next(), Some(()));
/// assert!(tame::now() >= deadline);
/// ```
pub fn timer_at(deadline: Instant, ev: Event) {
    driver::timer_at(deadline, ev);
}

/// A timer that its handle can cancel: [`Timer::after`] and [`Timer::at`]
/// arm it as [`timer`] and [`timer_at`] do, and dropping the handle (or
/// [`cancel`](Timer::cancel)) before it fires disarms it and hands its
/// event back untriggered, as dropping an event does. tokio's `Sleep` is
/// cancelled the same way.
///
/// Cancelling costs no allocation and no trip through the loop: the entry
/// is unlinked from the wheel then and there. Armed with an event of a
/// `twait! {}` block (`mkevent!()`), which costs no allocation either, the
/// whole arm and cancel allocates nothing. [`detach`](Timer::detach) lets
/// the timer run without its handle.
///
/// A `Timer` belongs to the thread that armed it (`!Send`), like its event.
///
/// # Examples
///
/// An alarm that the first answer makes moot: the handle of the losing
/// timer disarms it at once, not when its 30 s are up (and `run()` does
/// not wait for it).
///
/// ```
/// use std::time::{Duration, Instant};
/// use tame::time::Timer;
/// use tame::{tamed, twait, Rendezvous};
///
/// #[tamed]
/// fn race() -> &'static str {
///     let r = Rendezvous::<&'static str>::new();
///     let alarm = Timer::after(Duration::from_secs(30), r.event("alarm"));
///     tame::timer(Duration::from_millis(1), r.event("answer"));
///     let first = twait!(r).unwrap();
///     assert!(alarm.cancel()); // still armed: disarmed now
///     first
/// }
///
/// let start = Instant::now();
/// let (ev, fut) = tame::event_future();
/// race(ev);
/// tame::run();
/// assert!(start.elapsed() < Duration::from_secs(30));
/// # drop(fut);
/// ```
///
/// Inside a `twait! {}` block, a cancelled timer's event counts as back:
///
/// ```
/// use std::time::Duration;
/// use tame::time::Timer;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn changed_my_mind() {
///     twait! { Timer::after(Duration::from_secs(30), mkevent!()).cancel(); }
///     // Here at once: nothing of the block is still out.
/// }
///
/// changed_my_mind();
/// assert!(tame::blocked().is_empty());
/// ```
#[must_use = "dropping a Timer cancels it: keep the handle, or detach() it"]
pub struct Timer {
    key: Option<driver::Key>,
    /// `!Send`: the entry is this thread's loop's.
    _thread: std::marker::PhantomData<*const ()>,
}

impl Timer {
    /// Arms a timer that triggers `ev` once `dur` has passed, counted from
    /// [`now()`], unless the handle is dropped first. A dead event (its
    /// rendezvous gone) is not armed: the handle is then already
    /// [disarmed](Timer::is_armed).
    pub fn after(dur: Duration, ev: Event) -> Timer {
        Timer {
            key: driver::timer_handle_after(dur, ev),
            _thread: std::marker::PhantomData,
        }
    }

    /// Arms a timer that triggers `ev` once the loop's time reaches
    /// `deadline`, unless the handle is dropped first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Timer;
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let t = Timer::at(tame::now() + Duration::from_millis(1), r.event(()));
    /// t.detach(); // fires without its handle
    /// tame::run();
    /// assert_eq!(r.try_next(), Some(()));
    /// ```
    pub fn at(deadline: Instant, ev: Event) -> Timer {
        Timer {
            key: driver::timer_handle_at(deadline, ev),
            _thread: std::marker::PhantomData,
        }
    }

    /// Whether the timer is still armed: it has not fired, been cancelled,
    /// or lost its event (a timer whose event dies is disarmed then).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Timer;
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let t = Timer::after(Duration::from_secs(60), r.event(()));
    /// assert!(t.is_armed());
    /// r.cancel(); // its event is dead: nothing to fire for
    /// assert!(!t.is_armed());
    /// ```
    pub fn is_armed(&self) -> bool {
        self.key.is_some_and(driver::timer_is_armed)
    }

    /// Disarms the timer, as dropping the handle does; returns whether it
    /// was still armed (so its event was handed back untriggered now).
    pub fn cancel(mut self) -> bool {
        self.key.take().is_some_and(driver::timer_disarm)
    }

    /// Lets the timer fire without its handle, as [`timer`] would have.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Timer;
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// Timer::after(Duration::from_millis(1), r.event(())).detach();
    /// tame::run(); // waits for the detached timer
    /// assert_eq!(r.try_next(), Some(()));
    /// ```
    pub fn detach(mut self) {
        self.key = None;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            driver::timer_disarm(key);
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("armed", &self.is_armed())
            .finish()
    }
}

/// Stops this thread's loop clock: virtual time, for tests (Tamer's
/// `time_virtual`, tokio's `time::pause`).
///
/// From now on the loop's time moves only by [`advance`], or, when the loop
/// has nothing ready (no task runnable; fds are still polled on every turn,
/// without blocking), by a jump to when its next timer is due. Timers of
/// hours then fire in microseconds, in order, and fd waits keep working
/// meanwhile. The time is paused on a whole millisecond, so durations of
/// whole milliseconds armed while paused are exact: after a 30 s timer
/// fires, [`now()`] is exactly 30 s later. Pausing a paused clock does
/// nothing.
///
/// A loop that waits only for another thread (a future woken from there)
/// while a timer is armed jumps to that timer, as tokio's paused clock does.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// tame::time::pause();
/// let start = tame::now();
/// let r = tame::Rendezvous::<&str>::new();
/// tame::timer(Duration::from_secs(3600), r.event("an hour"));
/// tame::timer(Duration::from_secs(30), r.event("30 s"));
/// tame::run(); // returns at once: nothing else to wait for
/// assert_eq!(r.try_next(), Some("30 s"));
/// assert_eq!(r.try_next(), Some("an hour"));
/// assert_eq!(tame::now() - start, Duration::from_secs(3600));
/// tame::time::resume();
/// ```
pub fn pause() {
    driver::pause();
}

/// Lets this thread's loop clock run again after [`pause`], from the
/// virtual time it stands at (the loop's time stays ahead of, or behind,
/// the real clock by what the pause made up). Resuming a running clock does
/// nothing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// tame::time::pause();
/// tame::time::advance(Duration::from_secs(60));
/// let virtual_now = tame::now();
/// tame::time::resume();
/// assert!(!tame::time::is_paused());
/// // The time goes on from the virtual time, never back.
/// let r = tame::Rendezvous::<()>::new();
/// tame::timer(Duration::from_millis(1), r.event(()));
/// tame::run();
/// assert!(tame::now() > virtual_now);
/// ```
pub fn resume() {
    driver::resume();
}

/// Moves this thread's loop clock forward by `dur`, paused or not. Timers
/// that fall due fire on the loop's next turn, in deadline order.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// tame::time::pause();
/// let start = tame::now();
/// let r = tame::Rendezvous::<u32>::new();
/// tame::timer(Duration::from_secs(10), r.event(10));
/// tame::timer(Duration::from_secs(20), r.event(20));
/// tame::time::advance(Duration::from_secs(15));
/// assert_eq!(tame::now() - start, Duration::from_secs(15));
/// assert_eq!(r.try_next(), None); // due, but fires on the loop's next turn
/// tame::run();
/// assert_eq!(r.try_next(), Some(10));
/// assert_eq!(r.try_next(), Some(20)); // after a jump to 20 s
/// assert_eq!(tame::now() - start, Duration::from_secs(20));
/// tame::time::resume();
/// ```
pub fn advance(dur: Duration) {
    driver::advance(dur);
}

/// Whether this thread's loop clock is [paused](pause).
///
/// # Examples
///
/// ```
/// assert!(!tame::time::is_paused());
/// tame::time::pause();
/// assert!(tame::time::is_paused());
/// tame::time::resume();
/// ```
pub fn is_paused() -> bool {
    driver::is_paused()
}

/// The error [`add_timeout`] delivers when time ran out
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
