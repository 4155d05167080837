//! Time: the loop's clock, timers, virtual time for tests, and timeouts.
//!
//! # The loop's clock
//!
//! [`now()`] is the loop's time, read once per loop turn (Tamer's
//! `recent()`), and [`timer`] counts from it. So timers armed in one turn
//! fire in the order of their durations, however long the code between two
//! arms took, and arming a timer reads no clock more than once a turn. The
//! loop reads the clock after each poll for readiness, which is where time
//! passes; a turn that does not poll (work is queued and nothing waits on
//! a descriptor, so nothing could be ready sooner) reads it where it is
//! first used in the turn (a `now()`, a timer armed). What runs in the
//! turn sees that reading until it yields: a task that computes for 50 ms
//! after it sees the time of the reading, not 50 ms later.
//! Outside [`run`](crate::run) there are no turns: the clock is read at its
//! first use after the loop last ran, and that reading holds until the loop
//! runs again, so the code before `run()` counts as one turn (as in Tamer).
//!
//! # Timers
//!
//! Timers live in a hierarchical timing wheel (as in tokio and the Linux
//! kernel) whose arm and cancel cost the same whatever else is armed. They
//! fire in deadline order, ties in arming order, never before their
//! deadline and usually one to two milliseconds after it: a deadline is
//! rounded up to the end of its millisecond (the wheel's tick), and the
//! loop's wait for readiness counts whole milliseconds from a moment
//! inside one (tokio's timers round the same two ways). A loop kept busy
//! fires them later, at its next turn. A timer is
//! cancelled by its [`Timer`] handle, if it was armed with one, or by
//! cancelling (or dropping) the rendezvous of its event, or whatever else
//! makes its event dead: it stops counting as armed at once,
//! so [`run`](crate::run) does not wait for it, and its entry is free for
//! the next timer then, not at its deadline. A million cancelled timers
//! cost no lasting memory: the table of timers gives back what it no
//! longer needs at the loop's next turn (a program that arms and cancels
//! them outside [`run`](crate::run) gets it back once the loop turns).
//!
//! The clock's range has two ends. A deadline more than a century ahead
//! (`Duration::MAX`, a "never") is armed a century ahead: no real clock
//! gets there, and a paused clock that jumps to it goes on working after.
//! Such jumps, and [`advance`], add up: the loop's clock may go 484 years
//! past its start (a century short of its range, so that a "never" armed
//! there still has its place); a move past that panics, as an `Instant`
//! does past its range, rather than leave the clock stuck.
//! A deadline more than a day before the loop first read its clock on
//! this thread counts as that day: such deadlines fire at once, in arming
//! order.
//!
//! A [`Timer`] handle also moves its timer to a new deadline
//! ([`Timer::reset`], [`Timer::reset_at`]), as cheaply as it cancels it:
//! an idle timeout is one timer that each sign of activity pushes back.
//! [`Interval`] ticks every period, on the loop's clock, with a policy
//! for the ticks it missed ([`MissedTicks`]).
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

use std::cell::Cell;
use std::fmt;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::driver;
use crate::event::Event;
use crate::rendezvous::{Delivery, Receipt};

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
/// equal ones in arming order. The loop's timers count whole milliseconds
/// (see [`timer_at`]): `timer(Duration::ZERO, ev)`, like any duration
/// under what is left of the current millisecond, fires once that
/// millisecond has ended (the loop's wait counts whole milliseconds: about
/// 1 to 2 ms later), as tokio's `sleep` does; to
/// trigger `ev` on the loop's next turn, use [`asap`](crate::asap).
///
/// To cancel a timer, arm it with [`Timer::after`] instead and drop the
/// handle, or cancel (or drop) the rendezvous its event belongs to: the
/// timer then stops counting as armed at once, so [`run`](crate::run) does
/// not wait for it, and its entry is freed. A timer whose event is already
/// dead is not armed at all.
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

/// Triggers `ev` once the loop's time reaches `deadline`.
///
/// The loop's timers count whole milliseconds of its clock: a timer fires
/// on the first turn at which the loop's time has reached its deadline
/// rounded up to a whole millisecond, in deadline order with the timers
/// due in that turn (ties in arming order). So a deadline already reached
/// whose millisecond has passed fires on the loop's next turn, and one
/// within the current millisecond ([`now()`] itself, which
/// `timer(Duration::ZERO, ..)` arms, included) fires once that
/// millisecond has ended (about 1 to 2 ms later: the loop's wait counts
/// whole milliseconds), as tokio's timers do: never ahead
/// of a timer of an earlier deadline that waits for the same millisecond.
/// To trigger an event on the loop's next turn, use
/// [`asap`](crate::asap).
///
/// While the time is [virtual](pause), take deadlines from [`now()`]. A
/// paused clock stands on a whole millisecond (until an
/// [`advance`] by a fraction of one), so there a deadline of [`now()`]
/// fires on the next turn, and no time passes.
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

/// A future ready `dur` after the loop's [`now()`], for async code that
/// runs on tame's loop (a future given to [`spawn`](crate::spawn)):
/// tokio's `time::sleep`. Armed when it is made, as [`timer`] arms;
/// dropping it before it is ready cancels the timer. A tamed function
/// waits with `twait! { tame::timer(dur, mkevent!()); }` instead.
///
/// Only tame's loop makes it ready: awaited under another executor that
/// blocks the thread, it waits for good (see [`event_future`](crate::event_future)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot(());
/// let start = tame::now();
/// tame::spawn(
///     async move {
///         tame::time::sleep(Duration::from_millis(5)).await;
///         tame::now() - start
///     },
///     ev,
/// );
/// tame::run();
/// assert!(slot.take().unwrap() >= Duration::from_millis(5));
/// ```
pub fn sleep(dur: Duration) -> Sleep {
    let (ev, fut) = crate::event_future();
    timer(dur, ev);
    Sleep { fut, done: false }
}

/// As [`sleep`], ready at `deadline` (tokio's `time::sleep_until`): as
/// [`timer_at`] arms.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let deadline = tame::now() + Duration::from_millis(3);
/// let r = tame::Rendezvous::<()>::new();
/// tame::spawn(tame::time::sleep_until(deadline), r.event(()));
/// tame::run();
/// assert!(tame::now() >= deadline);
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    let (ev, fut) = crate::event_future();
    timer_at(deadline, ev);
    Sleep { fut, done: false }
}

/// The future of [`sleep`] and [`sleep_until`]; dropping it cancels its
/// timer. Once ready it stays ready: polled again, it is ready again (as
/// tokio's `Sleep`, which a `select!` loop over `&mut sleep` relies on).
#[must_use = "a sleep does nothing unless awaited (dropping it cancels its timer)"]
pub struct Sleep {
    fut: crate::EventFuture<()>,
    /// It was ready.
    done: bool,
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").finish_non_exhaustive()
    }
}

impl std::future::Future for Sleep {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.done {
            // (Polled again once over: a completion the spawned future's
            // budget counts, as its first one was.)
            if !crate::compat::spend_budget(cx) {
                return std::task::Poll::Pending;
            }
            return std::task::Poll::Ready(());
        }
        // Its event comes back untriggered only when the loop is gone:
        // then there is no time left to wait for either.
        let ready = std::pin::Pin::new(&mut self.fut).poll(cx).map(drop);
        self.done = ready.is_ready();
        ready
    }
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
/// whole arm and cancel allocates nothing. [`reset`](Timer::reset) and
/// [`reset_at`](Timer::reset_at) move an armed timer to a new deadline
/// just as cheaply (an idle timeout), and [`detach`](Timer::detach) lets
/// the timer run without its handle.
///
/// A `Timer` belongs to the thread that armed it (`!Send`), like its event.
///
/// An event of a [`Rendezvous`](crate::Rendezvous) that comes back
/// untriggered brings its id back all the same: `twait!(r)` returns the id
/// of a timer whose handle was dropped, at once, as if it had fired. A loop
/// that pushes an idle timeout back by arming a new `Timer` in the old
/// one's place (`idle = Timer::after(..)`, tokio's habit of making a new
/// `sleep`) drops the old handle, and its id comes back on the next
/// `twait!(r)`: move the deadline with [`reset`](Timer::reset) instead, or
/// give each timer an id of its own (a counter in it) to tell a stale one.
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
#[must_use = "dropping a Timer cancels it: keep the handle (a `let` in a `twait! {}` block \
              lasts to the block's end, which cancels it too), detach() it, or arm a plain \
              `tame::timer(d, ev)`"]
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
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Timer;
    ///
    /// let r = tame::Rendezvous::<&str>::new();
    /// let soon = Timer::after(Duration::from_millis(1), r.event("soon"));
    /// let _later = Timer::after(Duration::from_secs(3600), r.event("later"));
    /// assert!(soon.is_armed());
    /// soon.detach(); // fires without the handle
    /// tame::run_once(None);
    /// assert_eq!(r.try_next(), Some("soon"));
    /// ```
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

    /// Moves the timer's deadline to `dur` from [`now()`], earlier or
    /// later, keeping its event; returns whether it was still armed.
    ///
    /// This makes an idle timeout: each sign of activity pushes the
    /// deadline back, and the timer fires only once `dur` passes without
    /// any ([`add_timeout`] around each read bounds each read instead). The
    /// timer fires at its new deadline, in deadline order with the others;
    /// among equal deadlines it keeps the place it got when it was first
    /// armed. Like [`cancel`](Timer::cancel), a reset moves the entry in
    /// the timer wheel then and there: no allocation, no trip through the
    /// loop. A deadline already reached fires as [`timer_at`] says: on the
    /// loop's next turn if its millisecond has passed, else
    /// (`reset(Duration::ZERO)` included) once the current millisecond has
    /// ended (about 1 to 2 ms later), after the timers of earlier deadlines that
    /// wait for it.
    ///
    /// A timer that fired, was cancelled or lost its event has no event any
    /// more (events are one-shot): `reset` returns `false` and arms
    /// nothing. To time something again, arm a new `Timer` with a new
    /// event.
    ///
    /// `reset` takes a duration, as [`Timer::after`] does;
    /// [`reset_at`](Timer::reset_at) takes a deadline, as [`Timer::at`]
    /// (and tokio's `Sleep::reset`) do.
    ///
    /// # Examples
    ///
    /// A connection that is closed after 50 ms with no activity: three bits
    /// of activity 40 ms apart each push the deadline back, so it is idle
    /// only at 120 + 50 ms.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Timer;
    /// use tame::{tamed, twait, Rendezvous};
    ///
    /// #[derive(Clone, Copy)]
    /// enum Wake {
    ///     Activity,
    ///     Idle,
    /// }
    ///
    /// #[tamed]
    /// fn serve(quiet: Duration) -> u32 {
    ///     let r = Rendezvous::<Wake>::new();
    ///     let mut idle = Timer::after(quiet, r.event(Wake::Idle));
    ///     for ms in [40, 80, 120] {
    ///         tame::timer(Duration::from_millis(ms), r.event(Wake::Activity));
    ///     }
    ///     let mut served = 0;
    ///     while let Some(Wake::Activity) = twait!(r) {
    ///         served += 1;
    ///         assert!(idle.reset(quiet), "not idle yet: still armed");
    ///     }
    ///     served
    /// }
    ///
    /// tame::time::pause();
    /// let start = tame::now();
    /// let quiet = Duration::from_millis(50);
    /// assert_eq!(tame::run_with(|done| serve(quiet, done)), Some(3));
    /// assert_eq!(tame::now() - start, Duration::from_millis(170));
    /// tame::time::resume();
    /// ```
    #[must_use = "a timer that fired is not armed again: `false` says its event is on its way"]
    pub fn reset(&mut self, dur: Duration) -> bool {
        self.key
            .is_some_and(|key| driver::timer_reset_after(key, dur))
    }

    /// Moves the timer's deadline to `deadline`, earlier or later, keeping
    /// its event; returns whether it was still armed. See
    /// [`reset`](Timer::reset): the same, with a deadline instead of a
    /// duration. While the time is [virtual](pause), take deadlines from
    /// [`now()`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Timer;
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let mut t = Timer::after(Duration::from_secs(3600), r.event(()));
    /// let soon = tame::now() + Duration::from_millis(2);
    /// assert!(t.reset_at(soon)); // an hour became 2 ms
    /// tame::run();
    /// assert_eq!(r.try_next(), Some(()));
    /// assert!(tame::now() >= soon);
    /// // It fired: its event is spent, so there is nothing to move.
    /// assert!(!t.reset_at(soon + Duration::from_secs(1)));
    /// assert!(!t.is_armed());
    /// ```
    #[must_use = "a timer that fired is not armed again: `false` says its event is on its way"]
    pub fn reset_at(&mut self, deadline: Instant) -> bool {
        self.key
            .is_some_and(|key| driver::timer_reset_at(key, deadline))
    }

    /// Disarms the timer, as dropping the handle does; returns whether it
    /// was still armed (so its event was handed back untriggered now).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Timer;
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot::<()>(());
    /// let t = Timer::after(Duration::from_secs(3600), ev);
    /// assert!(t.cancel()); // it was armed
    /// assert_eq!(r.try_next(), Some(())); // its event came back...
    /// assert_eq!(slot.take(), None); // ...untriggered
    /// tame::run(); // nothing left to wait for
    /// ```
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

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(t) = self.pending.take() {
            t.detach();
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

/// Ticks every `period`, on the loop's clock: each [`tick`](Interval::tick)
/// arms a timer for the next tick of the schedule `start`, `start +
/// period`, `start + 2 × period`, ... with the caller's event.
///
/// * **The first tick** of [`Interval::new(period)`](Interval::new) comes
///   one period from [`now()`], as Go's `Ticker` and JavaScript's
///   `setInterval` have it (tokio's `interval` ticks at once instead):
///   each tick marks a period passed. For a first tick right away (as a
///   timer due now fires), start the schedule now:
///   [`Interval::at(tame::now(), period)`](Interval::at).
/// * **Missed ticks**: a tick whose time passed before `tick` was called
///   for it (a tick's work, or the loop, took longer than a period) is
///   skipped by default, so the next tick keeps to the schedule and a
///   stall of an hour is not followed by a flood of the ticks it spanned;
///   [`set_missed_ticks`](Interval::set_missed_ticks) with
///   [`MissedTicks::Burst`] delivers them all at once instead (tokio's
///   default). See [`MissedTicks`].
/// * **One tick pending**: the `Interval` keeps the [`Timer`] of the last
///   tick it armed, so `tick` returns nothing to hold (a handle returned
///   from every tick would be noise); [`reset`](Interval::reset) moves
///   it. A `tick` while the previous tick is still pending disarms that
///   one (its event comes back untriggered, as [`Timer::cancel`] hands it
///   back) and arms the new one for the same time: the schedule moves on
///   only by ticks that fired, so an interval raced against something
///   that comes more often than its period still ticks on time (tokio's
///   `tick` is cancel-safe alike). Race it with a rendezvous of the round
///   (made in the loop's body), or, on one rendezvous that lives across
///   rounds, arm the tick again only once its id came back:
///   a rendezvous gives the id of an event dropped untriggered as it
///   gives a triggered one's, so a tick re-armed each round on it comes
///   back at once, a tick that did not happen, round after round. A tick that fires in the same turn as
///   the event that wins the race comes back to the round's rendezvous
///   too; if that rendezvous is dropped (or cancelled) with the tick's id
///   not taken after its waiter took the winner's (an event of
///   [`Rendezvous::event`](crate::Rendezvous::event), as `mkevent!(r, id)`
///   makes), the tick was never seen, and the next `tick` delivers it
///   again, at once. (Of an event of another kind, or a rendezvous whose
///   waiter took no id, a tick that fired counts as seen.) Dropping the
///   `Interval` leaves a
///   pending tick to fire when it is due, as an operation of one of
///   tame's descriptors goes on after its handle is dropped:
///   `twait! { every.tick(mkevent!()); }` waits for the tick also where
///   `every` is not used after the wait (a tamed function may drop a
///   receiver there, see the `tamed` docs).
/// * **Liveness**: a pending tick whose event dies (its rendezvous is
///   cancelled or dropped) is disarmed at once, as any timer: an
///   `Interval` keeps [`run`](crate::run) going only while someone waits
///   for its tick. It did not fire, so the next `tick` is due when it
///   was.
///
/// The schedule counts on the loop's clock ([`now()`]), never the wall
/// clock, so [`pause`] and [`advance`] drive it in tests.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tame::time::Interval;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn heartbeat(beats: usize) -> Vec<Duration> {
///     let start = tame::now();
///     let mut every = Interval::new(Duration::from_secs(10));
///     let mut at = Vec::new();
///     while at.len() < beats {
///         twait! { every.tick(mkevent!()); }
///         at.push(tame::now() - start);
///     }
///     at
/// }
///
/// tame::time::pause();
/// let at = tame::run_with(|done| heartbeat(3, done)).unwrap();
/// assert_eq!(at, [10, 20, 30].map(Duration::from_secs));
/// tame::time::resume();
/// ```
#[derive(Debug)]
pub struct Interval {
    /// When the tick of `pending` is due; with none pending, when the next
    /// tick to arm is due, before the missed-tick policy.
    next: Instant,
    period: Duration,
    missed: MissedTicks,
    /// The timer of the last tick armed (it may have fired since, or been
    /// disarmed with its event).
    pending: Option<Timer>,
    /// The tick of `pending` fired: set by its event on the way to the
    /// caller's. A timer that is no longer armed may have fired or lost its
    /// event, and only a tick that fired moves the schedule on.
    fired: Rc<Cell<bool>>,
    /// Whether the id of `pending`'s event, a rendezvous' plain event, was
    /// taken by its waiter: a tick that fired and came back, but whose
    /// rendezvous was dropped with its id not taken (it came in the same
    /// turn as the event that won the round), was never seen, and comes
    /// again.
    receipt: Option<Receipt>,
}

/// What an [`Interval`] does with ticks whose time passed before
/// [`tick`](Interval::tick) was called for them: the loop was busy, or the
/// work done for a tick took longer than a period.
///
/// A tick due exactly now has not passed: it fires with either policy,
/// as any timer due now does (when the current millisecond ends, see
/// [`timer_at`]).
///
/// # Examples
///
/// ```
/// use tame::time::MissedTicks;
///
/// assert_eq!(MissedTicks::default(), MissedTicks::Skip);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MissedTicks {
    /// The ticks whose time passed are dropped: the tick armed is the
    /// first one of the schedule (`start + k × period`) at or after
    /// [`now()`], so the ticks keep their phase and a stall costs nothing
    /// but the ticks it spanned. The default: what a server's periodic
    /// housekeeping wants.
    ///
    /// "Passed" is judged by [`now()`], the turn's reading: a tick's work
    /// that computes without waiting (no twait between the tick and the
    /// next `tick` call) does not move it, so the next tick is armed as if
    /// no time had passed and fires late, at once, before the schedule
    /// goes on; a wait in between (or [`advance`] on a paused clock) lets
    /// it be skipped.
    #[default]
    Skip,
    /// Every tick is delivered: each `tick` arms the next tick of the
    /// schedule, which, if its time passed, fires at once (on the loop's
    /// next turn, or when the current millisecond ends for a tick within
    /// it: see [`timer_at`]), until the ticks catch up with the clock.
    /// tokio's default: what counting periods wants.
    Burst,
}

impl Interval {
    /// An interval whose first tick comes `period` from [`now()`], then
    /// every `period`.
    ///
    /// # Panics
    ///
    /// If `period` is zero: an interval of no time would tick on every
    /// loop turn forever.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Interval;
    ///
    /// let start = tame::now();
    /// let r = tame::Rendezvous::<()>::new();
    /// let mut every = Interval::new(Duration::from_millis(2));
    /// every.tick(r.event(()));
    /// tame::run();
    /// assert_eq!(r.try_next(), Some(()));
    /// assert!(tame::now() >= start + Duration::from_millis(2));
    /// ```
    #[track_caller]
    pub fn new(period: Duration) -> Interval {
        Interval::at(later(now(), period), period)
    }

    /// An interval whose first tick is due at `start`, then every `period`.
    /// `Interval::at(tame::now(), period)` ticks first as a timer due now
    /// fires: once the current millisecond has ended, about 1 to 2 ms later (on a
    /// paused clock, on the loop's next turn; see [`timer_at`]). A `start`
    /// already past counts as missed ticks ([`MissedTicks`]).
    ///
    /// # Panics
    ///
    /// If `period` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Interval;
    ///
    /// tame::time::pause();
    /// let start = tame::now();
    /// let r = tame::Rendezvous::<()>::new();
    /// let mut every = Interval::at(start, Duration::from_secs(60));
    /// every.tick(r.event(()));
    /// tame::run(); // the first tick is due now: no time passes
    /// assert_eq!(r.try_next(), Some(()));
    /// assert_eq!(tame::now(), start);
    /// tame::time::resume();
    /// ```
    #[track_caller]
    pub fn at(start: Instant, period: Duration) -> Interval {
        assert!(
            !period.is_zero(),
            "tame::time::Interval: the period must not be zero"
        );
        Interval {
            next: start,
            period,
            missed: MissedTicks::default(),
            pending: None,
            fired: Rc::new(Cell::new(false)),
            receipt: None,
        }
    }

    /// Arms the next tick: `ev` is triggered when it is due (see
    /// [`MissedTicks`] for a tick whose time has passed). A tick still
    /// pending from an earlier call is disarmed first: its event comes back
    /// untriggered, and this call's tick is due when that one was. So is
    /// it after a tick whose event died before it fired; a dead `ev` arms
    /// nothing, and leaves the tick to the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Interval;
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn three_ticks(mut every: Interval) -> Interval {
    ///     let mut n = 0;
    ///     while n < 3 {
    ///         twait! { every.tick(mkevent!()); }
    ///         n += 1;
    ///     }
    ///     every
    /// }
    ///
    /// tame::time::pause();
    /// let start = tame::now();
    /// let every = Interval::new(Duration::from_millis(250));
    /// let every = tame::run_with(|done| three_ticks(every, done)).unwrap();
    /// assert_eq!(tame::now() - start, Duration::from_millis(750));
    /// assert_eq!(every.period(), Duration::from_millis(250));
    /// tame::time::resume();
    /// ```
    pub fn tick(&mut self, ev: Event) {
        let mut again = false;
        if let Some(pending) = self.pending.take() {
            // A tick still armed is disarmed here (its event comes back
            // untriggered). One that did not fire, either way, leaves its
            // time to this one: a tick raced against other events each
            // round must not lose its place every round it loses. Nor does
            // one that fired but was never seen (its id forgotten with its
            // rendezvous): it comes again, however late.
            let receipt = self.receipt.take();
            let seen = receipt.is_none_or(|r| r.get() != Delivery::Forgotten);
            if !pending.cancel() && self.fired.get() {
                if seen {
                    self.next = later(self.next, self.period);
                } else {
                    again = true;
                }
            }
        }
        let now = now();
        let mut due = self.next;
        if due < now && self.missed == MissedTicks::Skip && !again {
            due = first_at_or_after(due, self.period, now);
        }
        self.receipt = ev.receipt();
        self.next = due;
        self.fired.set(false);
        // Whether it fired is told by its event: a timer that is no longer
        // armed may have fired, or lost its event.
        let fired = self.fired.clone();
        let ev = ev.map(move |()| fired.set(true));
        self.pending = Some(Timer::at(due, ev));
    }

    /// The time between two ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let every = tame::time::Interval::new(Duration::from_secs(5));
    /// assert_eq!(every.period(), Duration::from_secs(5));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What is done with missed ticks ([`MissedTicks::Skip`] unless
    /// [set](Interval::set_missed_ticks)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::{Interval, MissedTicks};
    ///
    /// let every = Interval::new(Duration::from_secs(1));
    /// assert_eq!(every.missed_ticks(), MissedTicks::Skip);
    /// ```
    pub fn missed_ticks(&self) -> MissedTicks {
        self.missed
    }

    /// Sets what is done with missed ticks from the next
    /// [`tick`](Interval::tick) on.
    ///
    /// # Examples
    ///
    /// Ten seconds of missed ticks of a 4 s interval (the time goes by
    /// [`advance`] while nobody ticks): with `Burst`, the ticks of 4 s and
    /// 8 s fire at once, then 12 s keeps to the schedule.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::{Interval, MissedTicks};
    /// use tame::Rendezvous;
    ///
    /// tame::time::pause();
    /// let start = tame::now();
    /// let mut every = Interval::new(Duration::from_secs(4));
    /// every.set_missed_ticks(MissedTicks::Burst);
    /// tame::time::advance(Duration::from_secs(10));
    /// let mut at = Vec::new();
    /// for _ in 0..3 {
    ///     let r = Rendezvous::<()>::new();
    ///     every.tick(r.event(()));
    ///     tame::run();
    ///     at.push((tame::now() - start).as_secs());
    /// }
    /// assert_eq!(at, [10, 10, 12]);
    /// tame::time::resume();
    /// ```
    pub fn set_missed_ticks(&mut self, missed: MissedTicks) {
        self.missed = missed;
    }

    /// Starts the schedule again from now: the next tick comes one period
    /// from [`now()`], and then every period. A tick still pending is moved
    /// there, keeping its event ([`Timer::reset`]); otherwise the next
    /// [`tick`](Interval::tick) arms it for then.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::time::Interval;
    ///
    /// tame::time::pause();
    /// let start = tame::now();
    /// let r = tame::Rendezvous::<()>::new();
    /// let mut every = Interval::new(Duration::from_secs(10));
    /// every.tick(r.event(())); // due at 10 s
    /// tame::time::advance(Duration::from_secs(7));
    /// every.reset(); // now due at 17 s
    /// tame::run();
    /// assert_eq!(tame::now() - start, Duration::from_secs(17));
    /// tame::time::resume();
    /// ```
    pub fn reset(&mut self) {
        let next = later(now(), self.period);
        let moved = self.pending.as_mut().is_some_and(|t| t.reset_at(next));
        if !moved {
            // Fired or disarmed: the next `tick` arms the tick of `next`.
            self.pending = None;
        }
        self.next = next;
    }
}

/// `t + d`; if an `Instant` cannot hold that, a century after `t`: no
/// clock gets there, and the timer wheel clamps deadlines to 584 years
/// from the loop's start anyway. (`Duration::MAX` is a period a user may
/// well write for "never"; an `Instant` that cannot even take a century
/// more, which no clock reaches, stays as it is.)
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    t.checked_add(d)
        .or_else(|| t.checked_add(CENTURY))
        .unwrap_or(t)
}

/// The first tick of the schedule `due + k × period` at or after `now`
/// (`due < now`).
fn first_at_or_after(due: Instant, period: Duration, now: Instant) -> Instant {
    let behind = (now - due).as_nanos();
    let period_ns = period.as_nanos();
    let skipped = behind.div_ceil(period_ns) * period_ns;
    later(
        due,
        Duration::from_nanos(u64::try_from(skipped).unwrap_or(u64::MAX)),
    )
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
/// while a timer is armed jumps to that timer, as tokio's paused clock does;
/// but while a [`spawn_blocking`](crate::spawn_blocking) job whose result
/// is waited for runs, the clock holds still and the loop waits for the
/// job (its work takes real time: a timeout around it does not fire
/// first), as tokio's does for its blocking tasks.
///
/// An fd wait is not such a job: a reply on its way from another thread
/// or process (a UDP server there, a peer that is still working) does not
/// hold the clock, which jumps over the timers that would wait for it. A
/// DNS lookup ([`Resolver::lookup_ip`](crate::dns::Resolver::lookup_ip))
/// asking a nameserver on another thread thus retransmits and reaches its
/// deadline in virtual time before the reply comes, and fails with a
/// timeout. With a paused clock, run such a peer on the same loop (a test
/// DNS server with
/// [`Builder::start`](crate::dns::server::Builder::start), not
/// [`spawn`](crate::dns::server::Builder::spawn)), or do not pause.
///
/// A timer that arms itself again (an [`Interval`], a task that loops on
/// [`timer`]: a cache's hourly purge) never leaves the loop
/// with nothing to wait for, so [`run`](crate::run) and
/// [`run_with`](crate::run_with) do not return, and a paused clock jumps
/// from tick to tick as fast as the loop turns, centuries ahead, until
/// it can go no further (a panic that says so). Stop such a task when the
/// test is done with it (drop its rendezvous, [`stop`](crate::stop) the
/// loop), or step the clock with [`advance`] and
/// [`run_once`](crate::run_once).
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
/// the real clock by what the pause made up: [`advance`], its jumps to
/// timers, the real time that passed meanwhile). A pause with nothing of
/// that only rounded the time up to its millisecond: the clock stands
/// there until the real one catches up, and goes on as before the pause,
/// so pausing and resuming again and again does not run it ahead.
/// Resuming a running clock does nothing.
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

/// Moves this thread's loop clock forward by `dur` (a century at most, as
/// far as a timer may be armed: see [Timers](self#timers)), paused or not.
///
/// Timers that fall due fire on the loop's next turn, in deadline order
/// (one due within the millisecond the clock now stands in fires when that
/// millisecond ends: see [`timer_at`]); the tasks they wake run in it,
/// or, past the 1,024 a turn runs (see [`run_once`](crate::run_once)), in
/// the turns after.
///
/// # Panics
///
/// If the clock would pass 484 years after its start (see
/// [Timers](self#timers)): five `advance(Duration::MAX)` do.
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
