//! The loop's clock: read once per turn (Tamer's `recent()`), real or
//! virtual.
//!
//! # Why once per turn
//!
//! Timers count from the loop's clock, not from `Instant::now()` at each
//! call, so that timers armed in one turn fire in the order of their
//! durations (a timer armed after another with a shorter duration fires
//! first, however long the code between the two took), and so that arming a
//! timer costs no clock read. The loop reads the clock after each poll of
//! its backend, which is when the time may have moved; a turn that skips
//! the poll (work queued, no descriptor waited on) marks the clock stale and
//! reads it at its first use in the turn. What runs in the turn sees that
//! reading. Outside [`run`](crate::run) there are no turns: the
//! clock is read at its first use after the loop last ran (or ever), and
//! that reading holds until the loop runs, so the code before `run()` is one
//! turn, as in Tamer.
//!
//! # Time as the loop sees it
//!
//! Instants are nanoseconds since the clock's origin (a day before its
//! first real reading on this thread, see [`ORIGIN_MARGIN`]), in a `u64`
//! (584 years). The loop's time is
//! `real + offset`: the offset is 0 until virtual time is used, and
//! [`advance`](Clock::advance) and [`resume`](Clock::resume) change it so
//! that the loop's time never goes back. While [`paused`](Clock::pause) the
//! time moves only by `advance` and by the loop's jumps to its next timer
//! (done in `super::run`).

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Nanoseconds in a millisecond: [`Clock::pause`] aligns the time to it, so
/// that whole-millisecond durations armed while paused land exactly on the
/// timer wheel's ticks (see `super::timers`).
const MS: u64 = 1_000_000;

/// How long before its first reading the clock's origin lies: instants
/// taken before the loop's clock was first used (a test's `base =
/// Instant::now()` followed by `timer_at(base + ..)`) keep their exact
/// order, instead of all counting as the origin.
const ORIGIN_MARGIN: Duration = Duration::from_secs(24 * 3600);

pub(super) struct Clock {
    /// The real instant of nanosecond 0; set at the first reading.
    origin: Cell<Option<Instant>>,
    /// The turn's reading, in nanoseconds since the origin.
    now_ns: Cell<u64>,
    /// Read afresh at the next use: the loop is not running and the clock
    /// was not read since it last ran.
    stale: Cell<bool>,
    /// Virtual time: only `advance` and the loop's jumps move the time.
    paused: Cell<bool>,
    /// Loop time minus real time, in nanoseconds (negative after a pause
    /// that `advance` did not make up for). An `i128`: a loop time
    /// centuries ahead of the real one is more than an `i64` holds.
    offset: Cell<i128>,
    /// While paused: how old the turn's reading the pause froze was (the
    /// real time that passed since, which no pause made up).
    pause_age: Cell<u64>,
    /// While paused: `advance` or a jump moved the time.
    moved: Cell<bool>,
}

impl Clock {
    pub(super) const fn new() -> Clock {
        Clock {
            origin: Cell::new(None),
            now_ns: Cell::new(0),
            stale: Cell::new(true),
            paused: Cell::new(false),
            offset: Cell::new(0),
            pause_age: Cell::new(0),
            moved: Cell::new(false),
        }
    }

    fn origin(&self) -> Instant {
        match self.origin.get() {
            Some(o) => o,
            None => {
                let now = Instant::now();
                let o = now.checked_sub(ORIGIN_MARGIN).unwrap_or(now);
                self.origin.set(Some(o));
                o
            }
        }
    }

    /// The loop's time now, read from the real clock (not stored). While
    /// paused: the stored time.
    pub(super) fn read_ns(&self) -> u64 {
        if self.paused.get() {
            return self.now_ns.get();
        }
        let origin = self.origin();
        let real = duration_ns(Instant::now().saturating_duration_since(origin));
        let t = (i128::from(real) + self.offset.get()).clamp(0, i128::from(u64::MAX));
        let t = u64::try_from(t).unwrap_or(u64::MAX);
        // Never back: a resume after a pause made the offset match the
        // stored time, but a real clock read earlier than that is possible
        // within the same nanosecond arithmetic.
        t.max(self.now_ns.get())
    }

    /// Takes the turn's reading, the one that every timer armed in the
    /// turn counts from (a turn that sleeps also reads the clock to know
    /// how long).
    pub(super) fn refresh(&self) {
        self.stale.set(false);
        if !self.paused.get() {
            self.now_ns.set(self.read_ns());
        }
    }

    /// The loop is about to stop running: the next use outside it reads the
    /// clock again.
    pub(super) fn mark_stale(&self) {
        self.stale.set(true);
    }

    /// The turn's time in nanoseconds since the origin.
    #[inline]
    pub(super) fn now_ns(&self) -> u64 {
        if self.stale.get() {
            self.refresh();
        }
        self.now_ns.get()
    }

    /// The turn's time as an `Instant`.
    pub(super) fn now(&self) -> Instant {
        let ns = self.now_ns();
        self.instant(ns)
    }

    /// The `Instant` of a time in nanoseconds since the origin.
    pub(super) fn instant(&self, ns: u64) -> Instant {
        self.origin() + Duration::from_nanos(ns)
    }

    /// Nanoseconds since the origin of `t` (0 if it is before the origin).
    pub(super) fn ns_of(&self, t: Instant) -> u64 {
        duration_ns(t.saturating_duration_since(self.origin()))
    }

    pub(super) fn is_paused(&self) -> bool {
        self.paused.get()
    }

    /// Whether the time is not the real clock's: paused, or moved by
    /// `advance` (or left behind by a pause) since.
    pub(super) fn is_virtual(&self) -> bool {
        self.paused.get() || self.offset.get() != 0
    }

    /// Freezes the time at the turn's reading, rounded up to a whole
    /// millisecond (see [`MS`]), so that timers armed in the turn before
    /// and after the pause keep the order of their durations. That reading
    /// may be old (read at the turn's start, or outside the loop when
    /// `now()` last read it): its age is kept for [`resume`](Self::resume),
    /// which would otherwise take it for time the pause made up, and leave
    /// the clock behind by it for good.
    pub(super) fn pause(&self) {
        if self.paused.get() {
            return;
        }
        let turn = self.now_ns();
        self.pause_age.set(self.read_ns().saturating_sub(turn));
        self.moved.set(false);
        let t = turn.div_ceil(MS).saturating_mul(MS);
        self.now_ns.set(t);
        self.paused.set(true);
        self.stale.set(false);
    }

    /// Lets the time run again from where it stands.
    ///
    /// A time ahead of where it would be by less than a millisecond is
    /// only the pause's rounding (nothing moved it on): the time goes on as
    /// before the pause once the clock catches up (it never goes back, see
    /// [`read_ns`](Self::read_ns)), rather than stay that much ahead, a
    /// lead that each pause and resume would add to.
    pub(super) fn resume(&self) {
        if !self.paused.get() {
            return;
        }
        self.paused.set(false);
        // The frozen time, as of the real instant the pause was made.
        let t = self.now_ns.get().saturating_add(self.pause_age.replace(0));
        let real = duration_ns(Instant::now().saturating_duration_since(self.origin()));
        // Where the time would be had it not paused (the offset is left
        // as it was while paused).
        let running = i128::from(real) + self.offset.get();
        let lead = i128::from(t) - running;
        // (An `advance` of less than a millisecond is kept too.)
        if self.moved.replace(false) || !(0..i128::from(MS)).contains(&lead) {
            self.offset.set(diff(t, real));
        }
    }

    /// Moves the time forward by `dur`, paused or not.
    pub(super) fn advance(&self, dur: Duration) {
        let t = self.now_ns().saturating_add(duration_ns(dur).min(FAR_NS));
        self.jump_to(t);
    }

    /// Moves the time forward to `t` (never back).
    ///
    /// # Panics
    ///
    /// If `t` is past [`LAST_NS`]: the time could not move on from there.
    pub(super) fn jump_to(&self, t: u64) {
        let now = self.now_ns();
        if t <= now {
            return;
        }
        assert!(
            t <= LAST_NS,
            "tame: the loop's clock cannot move past {} years after its start (it would move \
             from {} to {} years): `advance` and a paused clock's jumps to far timers \
             (`Duration::MAX` is armed a century ahead) add up, as do a paused clock's jumps \
             to the ticks of a timer that arms itself again (an `Interval`, a task looping on \
             a timer), which never lets `run` return: stop that task when the test is done \
             with it (`tame::blocked()` names it)",
            LAST_NS / YEAR_NS,
            now / YEAR_NS,
            t / YEAR_NS,
        );
        self.now_ns.set(t);
        if self.paused.get() {
            self.moved.set(true);
        } else {
            self.offset.set(self.offset.get() + diff(t, now));
        }
    }
}

/// How far ahead a deadline or an `advance` may go: a century. A timer
/// for later (`Duration::MAX`, a user's "never") is armed a century ahead,
/// which no real clock reaches; a paused clock that jumps to it, or an
/// `advance` by more, stops there, with centuries of range left, rather
/// than at the end of the `u64` range, where it could not move again and
/// every timer armed after would fire at once.
pub(super) const FAR_NS: u64 = 100 * YEAR_NS;

/// The latest time the clock may move to, by [`Clock::advance`] or a jump:
/// a century short of the `u64` range (584 years), so that every deadline
/// armed from there, a century ahead at most, still has its place. A time
/// past it would leave the clock stuck and every timer due at once: the
/// move panics instead, as `Instant + Duration` does past its range.
pub(super) const LAST_NS: u64 = u64::MAX - FAR_NS;

/// Nanoseconds in a year of 365 days.
const YEAR_NS: u64 = 365 * 24 * 3600 * 1_000_000_000;

/// A duration in nanoseconds, saturating at `u64::MAX` (584 years). (In
/// `u64` arithmetic: `as_nanos` is a `u128`, dearer on every timer armed.)
#[inline]
pub(super) fn duration_ns(d: Duration) -> u64 {
    d.as_secs()
        .checked_mul(1_000_000_000)
        .and_then(|ns| ns.checked_add(u64::from(d.subsec_nanos())))
        .unwrap_or(u64::MAX)
}

/// `a - b`, exactly.
fn diff(a: u64, b: u64) -> i128 {
    i128::from(a) - i128::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reading_holds_until_refreshed() {
        let c = Clock::new();
        let a = c.now_ns();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(c.now_ns(), a, "one reading per turn");
        c.refresh();
        assert!(c.now_ns() >= a + 2 * MS);
    }

    #[test]
    fn paused_time_moves_only_by_advance_and_never_goes_back() {
        let c = Clock::new();
        c.now_ns();
        c.pause();
        let t = c.now_ns();
        assert_eq!(t % MS, 0, "paused on a whole millisecond");
        std::thread::sleep(Duration::from_millis(2));
        c.refresh();
        assert_eq!(c.now_ns(), t);
        c.advance(Duration::from_secs(30));
        assert_eq!(c.now_ns(), t + 30_000 * MS);
        c.resume();
        c.refresh();
        assert!(
            c.now_ns() >= t + 30_000 * MS,
            "resumed from the virtual time"
        );
        c.jump_to(0);
        assert!(c.now_ns() >= t + 30_000 * MS, "never back");
    }

    #[test]
    fn advance_while_running_moves_the_time_for_good() {
        let c = Clock::new();
        let a = c.now_ns();
        c.advance(Duration::from_secs(3600));
        c.refresh();
        assert!(c.now_ns() >= a + 3_600_000 * MS);
    }
}
