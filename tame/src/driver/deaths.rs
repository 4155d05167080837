//! Counting live waits, and reaping those whose events died untriggered
//! (see "How `run()` knows what is live" in the module above).

use std::collections::HashMap;

use super::*;

/// A wait was parked with a live event: count it.
pub(crate) fn wait_parked() {
    let _ = LOOP.try_with(|l| l.waits.parked());
}

/// A counted wait ended (fired, was cancelled, or was reaped).
pub(crate) fn wait_ended() {
    let _ = LOOP.try_with(|l| l.waits.ended());
}

/// The events of these waits died untriggered: reap them on the next turn
/// (a timer's at once: a cancelled timer frees its entry when it is
/// cancelled).
pub(crate) fn waits_died(ids: impl IntoIterator<Item = WaitId>) {
    let _ = LOOP.try_with(|l| {
        for id in ids {
            if timers::is_timer(id) {
                timer_died(l, id);
            } else {
                // Listed before the callees dooming the task dooms in
                // turn (see `doomed`): a caller's locals drop before its
                // callees'.
                l.waits.died([id]);
                if id.0 & TASK_ID != 0 {
                    doom_watching_task(l, id);
                }
            }
        }
        // Reported between the steps of a loop driven by another one (its
        // task cancelled ours): that loop, parked on `loop_fd`, must step
        // this one for the reaping to drop what the dead waits held.
        if l.waits.any_deaths() {
            nudge(l);
        }
    });
}

/// An event that lives while any of several events does (`tame::all`):
/// one of them dying reports a death that the event has not died.
pub(crate) trait PartlyLive {
    fn still_live(&self) -> bool;
}

/// The events of [`watch_partly`], by the id of the task that watches
/// them: a death reported for an id looks at that task's only, and a new
/// one costs no look at the others (a look at all of them each time made
/// a program with many tasks given `tame::all` fan-outs quadratic: 100,000
/// took 11 s to start and 17 s to cancel). Those of events gone
/// (delivered, dropped) are dropped whenever the table has doubled since
/// it was last swept, so it holds about twice the live ones at most.
pub(crate) struct Partly {
    by_id: Option<HashMap<WaitId, Vec<Weak<dyn PartlyLive>>>>,
    /// Entries, over all ids.
    len: usize,
    /// The length at which the next entry sweeps the table first.
    sweep_at: usize,
}

/// Below this many entries [`Partly`] is not swept.
const PARTLY_FIRST_SWEEP: usize = 64;

impl Partly {
    pub(super) const fn new() -> Partly {
        Partly {
            by_id: None,
            len: 0,
            sweep_at: PARTLY_FIRST_SWEEP,
        }
    }

    fn push(&mut self, id: WaitId, event: Weak<dyn PartlyLive>) {
        let by_id = self.by_id.get_or_insert_with(HashMap::new);
        if self.len >= self.sweep_at {
            by_id.retain(|_, events| {
                events.retain(|e| e.strong_count() > 0);
                !events.is_empty()
            });
            self.len = by_id.values().map(Vec::len).sum();
            release_if_empty(by_id);
            self.sweep_at = (2 * self.len).max(PARTLY_FIRST_SWEEP);
        }
        by_id.entry(id).or_default().push(event);
        self.len += 1;
    }

    fn forget(&mut self, id: WaitId) {
        let Some(by_id) = self.by_id.as_mut() else {
            return;
        };
        if let Some(events) = by_id.remove(&id) {
            self.len -= events.len();
            release_if_empty(by_id);
        }
    }

    /// The events the task watching with `id` watches.
    fn of(&self, id: WaitId) -> &[Weak<dyn PartlyLive>] {
        (self.by_id.as_ref())
            .and_then(|by_id| by_id.get(&id))
            .map_or(&[], Vec::as_slice)
    }
}

/// The table of [`Partly`] empty again after a burst: its memory goes too.
fn release_if_empty(by_id: &mut HashMap<WaitId, Vec<Weak<dyn PartlyLive>>>) {
    if by_id.is_empty() && by_id.capacity() > PARTLY_FIRST_SWEEP {
        *by_id = HashMap::new();
    }
}

/// The task watching with `id` watches `event` itself, which lives while
/// any of several events does; those events are watched with
/// [`partly_id`]`(id)`, and the death of one of them cancels the task only
/// if `event` (or another fan-out the task watches) has no live listener
/// left. Without this, one listener of a `tame::all` going cancelled the
/// work whose result the others waited for.
pub(crate) fn watch_partly(id: WaitId, event: Weak<dyn PartlyLive>) {
    let _ = PARTLY_WATCHED.try_with(|w| w.set(true));
    let _ = LOOP.try_with(|l| l.partly.borrow_mut().push(id, event));
}

thread_local! {
    /// Whether [`watch_partly`] was ever called on this thread: until then
    /// a task that ends (every one) has nothing to forget there, and finds
    /// it out without a look at the loop.
    static PARTLY_WATCHED: Cell<bool> = const { Cell::new(false) };
}

/// Whether [`watch_partly`] was ever called on this thread (else a task
/// that ends has nothing to [`forget_partly`]).
#[inline]
pub(crate) fn any_partly() -> bool {
    PARTLY_WATCHED.with(Cell::get)
}

/// The task watching with `id` ended: the events of [`watch_partly`] it
/// watched go (a burst of such tasks leaves none behind).
#[cold]
pub(crate) fn forget_partly(id: WaitId) {
    let _ = LOOP.try_with(|l| {
        if let Ok(mut partly) = l.partly.try_borrow_mut() {
            partly.forget(id);
        }
    });
}

/// Whether a death reported for `id` leaves the task alive: only a death
/// under one of its fan-outs ([`PARTLY`]) can, when each fan-out it
/// watches and still holds has a live listener left (one of them dead is
/// an event of the task's dead, as a plain one's death is). A fan-out gone
/// (delivered, or handed on and dropped) says nothing.
fn partly_alive(l: &Loop, id: WaitId) -> bool {
    if !is_partly(id) {
        return false;
    }
    let events: Vec<Weak<dyn PartlyLive>> = match l.partly.try_borrow() {
        Ok(partly) => partly.of(task_of(id)).to_vec(),
        _ => return false,
    };
    // (No borrow held: looking at an event's liveness runs no user code,
    // but asks other cells.)
    !events
        .iter()
        .any(|e| e.upgrade().is_some_and(|e| !e.still_live()))
}

/// The task watching with `id` is cancelled on the loop's next reaping;
/// until then its events report dead, so that what would be given to it
/// (a channel's value, a permit) goes to the next waiter instead of to a
/// task that will never take it. (Nothing of the task runs meanwhile: the
/// loop reaps before it runs anything else.)
fn doom_watching_task(l: &Loop, id: WaitId) {
    if partly_alive(l, id) {
        return;
    }
    let id = task_of(id);
    // (A report made while the table is borrowed leaves the task to the
    // reaping alone.)
    let Ok(blocked) = l.blocked.try_borrow() else {
        return;
    };
    let Some(&task) = blocked.get(id.0 as u32) else {
        return;
    };
    drop(blocked);
    let task = registered_task(task);
    if task.header().watch_id() == Some(id) && task.header().doom() {
        doomed(l, task);
    }
}

/// `task` was just doomed: the functions it waits for (those it started
/// with its `twait!{}` block's events, or with events of the rendezvous
/// its `twait!(r)` waits on when that goes with it) are doomed now too,
/// not when the loop next reaps it: a callee still waiting would otherwise
/// be taken for a live receiver meanwhile (a channel's value given to it,
/// then lost when the reaping cancels it). Only tasks are told: the other
/// waits on those events (a timer, a read) end when the task is reaped, as
/// before, so that nothing of the user's (an event's drop) runs here, and
/// a caller's locals still drop before its callees'. A chain of callers
/// of any length is followed in a loop, not by recursion, which would
/// take stack for every level.
fn doomed(l: &Loop, task: TaskRef) {
    l.dooming.borrow_mut().push(task);
    if l.reporting_dooms.replace(true) {
        return;
    }
    loop {
        let next = l.dooming.borrow_mut().pop();
        let Some(task) = next else { break };
        for id in task.header().task_watchers() {
            // Reaped after the caller (whose death is listed already).
            l.waits.died([id]);
            doom_watching_task(l, id);
        }
    }
    l.reporting_dooms.set(false);
}

/// The ids of the tasks among the watches of `owner`'s events beyond the
/// first (see [`watch_extra`]), left in place.
pub(crate) fn extra_task_watches(owner: usize) -> Vec<WaitId> {
    let ids = LOOP
        .try_with(|l| l.waits.peek_extra(owner))
        .unwrap_or_default();
    ids.into_iter().flat_map(tasks_of_watch).collect()
}

/// The task a watch is, or the tasks behind a timer's (a timeout around a
/// tamed function's result event: see `Sink::tasks_behind`).
pub(crate) fn tasks_of_watch(id: WaitId) -> Vec<WaitId> {
    if is_task_wait(id) {
        return vec![id];
    }
    if !timers::is_timer(id) {
        return Vec::new();
    }
    LOOP.try_with(|l| {
        l.timers
            .try_borrow()
            .map(|t| t.tasks_behind(id))
            .unwrap_or_default()
    })
    .unwrap_or_default()
}

/// The event of the timer with `id` died: its entry goes, and the event is
/// dropped with no borrow of the loop held. If the timers are borrowed
/// (nothing that borrows them reports deaths, but a report must never
/// panic), the next turn's reaping takes it.
fn timer_died(l: &Loop, id: WaitId) {
    let dead = match l.timers.try_borrow_mut() {
        Ok(mut timers) => timers.remove_if_dead(id),
        Err(_) => {
            l.waits.died([id]);
            return;
        }
    };
    drop(dead);
}

/// Remembers a watch of the rendezvous at `owner` beyond its first; returns
/// the key to [`unwatch_extra`] it with.
pub(crate) fn watch_extra(owner: usize, id: WaitId) -> u32 {
    LOOP.try_with(|l| l.waits.watch_extra(owner, id))
        .unwrap_or(UNWATCHED)
}

/// Forgets a watch made with [`watch_extra`].
pub(crate) fn unwatch_extra(owner: usize, key: u32) {
    let _ = LOOP.try_with(|l| l.waits.unwatch_extra(owner, key));
}

/// The extra watches of `owner` are over without a death.
pub(crate) fn extra_watches_forgotten(owner: usize) {
    let _ = LOOP.try_with(|l| l.waits.extra_forgotten(owner));
}

/// The rendezvous at `owner` ended its epoch: its extra watches died, and
/// go as its first does (a timer's entry at once, so that a cancelled
/// rendezvous' timers all stop counting as armed when it is cancelled).
pub(crate) fn extra_watches_died(owner: usize) {
    let ids = LOOP.try_with(|l| l.waits.take_extra(owner));
    if let Ok(ids) = ids {
        waits_died(ids);
    }
}

/// Drops the waits whose events died (reported by [`waits_died`]).
pub(super) fn reap_deaths(l: &Loop) {
    loop {
        let ids = l.waits.take_deaths();
        if ids.is_empty() {
            return;
        }
        let mut reaping = Reaping { l, ids, next: 0 };
        while let Some(&id) = reaping.ids.get(reaping.next) {
            reaping.next += 1;
            // Reaping drops the wait's operation, which is user code: no
            // borrow of the loop is held here.
            if timers::is_timer(id) {
                timer_died(l, id);
            } else if id.0 & TASK_ID != 0 {
                if partly_alive(l, id) {
                    continue;
                }
                if let Some(task) = watching_task(l, id) {
                    task.cancel_watched();
                }
            } else if let Some(seq) = waiter_seq(id) {
                if let Some(reg) = registration_at(l, id) {
                    reg.reap_waiter(seq);
                }
            } else if let Some(reg) = registration(l, id) {
                reg.reap();
            }
        }
    }
}

/// The deaths [`reap_deaths`] took: if reaping one panics (a cancelled
/// task's local whose drop panics), those not reaped yet are reported
/// again, for the next turn, rather than lost with the panic.
struct Reaping<'a> {
    l: &'a Loop,
    ids: Vec<WaitId>,
    next: usize,
}

impl Drop for Reaping<'_> {
    fn drop(&mut self) {
        if self.next < self.ids.len() {
            self.l.waits.died(self.ids.drain(self.next..));
        }
    }
}
