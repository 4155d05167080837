//! The loop's clock and timers, as the rest of the crate arms and reads
//! them (`crate::time`, the timeouts, the operations' deadlines).

use std::time::{Duration, Instant};

use super::*;

/// Arms a timer for `dur` after the loop's time (the turn's clock reading).
pub(crate) fn timer_after(dur: Duration, ev: Event<()>) {
    arm(ev, |_, now| now.saturating_add(duration_ns(dur)));
}

/// Arms a timer for `deadline`.
pub(crate) fn timer_at(deadline: Instant, ev: Event<()>) {
    arm(ev, |clock, _| clock.ns_of(deadline));
}

/// Arms a timer for the deadline `when` computes from the clock and the
/// turn's time. A dead event is not armed, and is dropped with no borrow
/// held; so is every event armed while the thread's loop is torn down
/// (by a drop that runs then), which could never fire.
fn arm(ev: Event<()>, when: impl FnOnce(&Clock, u64) -> u64) {
    arm_entry(ev, when, false);
}

/// [`arm`], for a [`Timer`](crate::time::Timer) handle: returns the key
/// that names the entry, if the timer was armed.
fn arm_entry(ev: Event<()>, when: impl FnOnce(&Clock, u64) -> u64, handle: bool) -> Option<Key> {
    let mut ev = Some(ev);
    let armed = LOOP.try_with(|l| {
        let now = l.clock.now_ns();
        let deadline = when(&l.clock, now).min(now.saturating_add(FAR_NS));
        let ev = ev.take()?;
        // The borrow ends with this statement, so that a dead event, which
        // `insert` hands back, is dropped by `ok()` with no borrow held.
        let inserted = l.timers.borrow_mut().insert(deadline, ev, handle);
        nudge(l);
        inserted.ok()
    });
    // An event never armed (the loop is gone) is dropped here.
    if let Some(ev) = ev {
        drop_for_gone_loop(ev);
    }
    armed.ok().flatten()
}

/// Arms a timer for `dur` after the loop's time, named by the returned key
/// (a [`Timer`](crate::time::Timer) handle's).
pub(crate) fn timer_handle_after(dur: Duration, ev: Event<()>) -> Option<Key> {
    arm_entry(ev, |_, now| now.saturating_add(duration_ns(dur)), true)
}

/// Arms a timer for `deadline`, named by the returned key.
pub(crate) fn timer_handle_at(deadline: Instant, ev: Event<()>) -> Option<Key> {
    arm_entry(ev, |clock, _| clock.ns_of(deadline), true)
}

/// Whether the timer `key` names is still armed.
pub(crate) fn timer_is_armed(key: Key) -> bool {
    LOOP.try_with(|l| l.timers.try_borrow().is_ok_and(|t| t.is_armed(key)))
        .unwrap_or(false)
}

/// Moves the armed timer `key` names to `dur` after the loop's time,
/// keeping its event. Returns whether it was still armed (if not, nothing
/// is armed).
pub(crate) fn timer_reset_after(key: Key, dur: Duration) -> bool {
    move_entry(key, |_, now| now.saturating_add(duration_ns(dur)))
}

/// Moves the armed timer `key` names to `deadline`, keeping its event.
pub(crate) fn timer_reset_at(key: Key, deadline: Instant) -> bool {
    move_entry(key, |clock, _| clock.ns_of(deadline))
}

/// Moves the entry `key` names to the deadline `when` computes, as
/// [`arm_entry`] computes it. No event changes hands, so no user code can
/// run: the borrow is held throughout.
fn move_entry(key: Key, when: impl FnOnce(&Clock, u64) -> u64) -> bool {
    LOOP.try_with(|l| {
        let now = l.clock.now_ns();
        let deadline = when(&l.clock, now).min(now.saturating_add(FAR_NS));
        // Free whenever a handle is in reach (see `timer_disarm`).
        l.timers
            .try_borrow_mut()
            .is_ok_and(|mut t| t.reset(key, deadline))
    })
    .unwrap_or(false)
}

/// Disarms the timer `key` names: its event is dropped, untriggered, with
/// no borrow of the loop held. Returns whether it was still armed.
pub(crate) fn timer_disarm(key: Key) -> bool {
    let ev = LOOP
        .try_with(|l| {
            // Nothing that holds this borrow runs user code, so it is free
            // whenever a handle can be dropped.
            let ev = l.timers.try_borrow_mut().ok()?.disarm(key)?;
            ev.unwatch();
            Some(ev)
        })
        .ok()
        .flatten();
    let was_armed = ev.is_some();
    drop(ev);
    was_armed
}

/// Disarms the timer whose entry watches under `id` (a native
/// `add_timeout` whose race was decided). Its event is dropped here, with
/// no borrow held.
pub(crate) fn cancel_timer(id: WaitId) {
    let ev = LOOP
        .try_with(|l| l.timers.try_borrow_mut().ok()?.remove(id))
        .ok()
        .flatten();
    drop(ev);
}

/// The loop's time (the turn's clock reading); the real clock once the
/// thread's loop is gone.
pub(crate) fn now() -> Instant {
    LOOP.try_with(|l| l.clock.now())
        .unwrap_or_else(|_| Instant::now())
}

/// Virtual time: see [`crate::time::pause`].
pub(crate) fn pause() {
    // A no-op during thread teardown, when the loop is gone.
    let _ = LOOP.try_with(|l| l.clock.pause());
}

/// See [`crate::time::resume`].
pub(crate) fn resume() {
    // A no-op during thread teardown, when the loop is gone.
    let _ = LOOP.try_with(|l| l.clock.resume());
}

/// See [`crate::time::advance`].
pub(crate) fn advance(dur: Duration) {
    // A no-op during thread teardown, when the loop is gone.
    let _ = LOOP.try_with(|l| l.clock.advance(dur));
}

/// See [`crate::time::is_paused`].
pub(crate) fn is_paused() -> bool {
    LOOP.try_with(|l| l.clock.is_paused()).unwrap_or(false)
}
