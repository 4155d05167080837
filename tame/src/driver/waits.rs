//! The loop's count of live waits, and the reports of waits whose events
//! died (see the module docs of [`super`] for how they fit together).
//!
//! A wait is counted from when it is parked with a live event until it
//! fires, is cancelled, or is reaped after its event died. The owner of a
//! dying event reports the wait's id ([`WaitId`]: the token of the
//! registration it is parked on); the loop reaps the reported
//! registrations at the top of its next turn.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use super::{Slab, WaitId};

pub(super) struct Waits {
    /// Parked waits whose events are live.
    live: Cell<usize>,
    /// How many counted waits ever ended: a turn tells from it whether
    /// what epoll reported completed anything.
    ended: Cell<u64>,
    /// Waits whose events died, to be reaped.
    deaths: RefCell<Vec<WaitId>>,
    /// The watches of a rendezvous beyond its first (which it keeps
    /// itself), by the rendezvous' address: rare, so kept out of every
    /// rendezvous. Made on first use.
    extra: RefCell<Option<HashMap<usize, Slab<WaitId>>>>,
}

impl Waits {
    pub(super) const fn new() -> Waits {
        Waits {
            live: Cell::new(0),
            ended: Cell::new(0),
            deaths: RefCell::new(Vec::new()),
            extra: RefCell::new(None),
        }
    }

    pub(super) fn live(&self) -> usize {
        self.live.get()
    }

    pub(super) fn parked(&self) {
        self.live.set(self.live.get() + 1);
    }

    pub(super) fn ended(&self) {
        self.live.set(self.live.get() - 1);
        self.ended.set(self.ended.get() + 1);
    }

    /// How many counted waits ended so far.
    pub(super) fn ended_count(&self) -> u64 {
        self.ended.get()
    }

    pub(super) fn died(&self, ids: impl IntoIterator<Item = WaitId>) {
        self.deaths.borrow_mut().extend(ids);
    }

    /// Whether deaths were reported since they were last taken.
    pub(super) fn any_deaths(&self) -> bool {
        !self.deaths.borrow().is_empty()
    }

    /// The deaths reported so far (and forgotten here).
    pub(super) fn take_deaths(&self) -> Vec<WaitId> {
        std::mem::take(&mut *self.deaths.borrow_mut())
    }

    pub(super) fn watch_extra(&self, owner: usize, id: WaitId) -> u32 {
        let mut extra = self.extra.borrow_mut();
        let by_owner = extra.get_or_insert_with(HashMap::new);
        by_owner.entry(owner).or_default().insert(id)
    }

    pub(super) fn unwatch_extra(&self, owner: usize, key: u32) {
        let mut extra = self.extra.borrow_mut();
        if let Some(ids) = extra.as_mut().and_then(|e| e.get_mut(&owner)) {
            ids.remove(key);
        }
    }

    /// The extra watches of `owner` are over, and nobody is told.
    pub(super) fn extra_forgotten(&self, owner: usize) {
        let mut extra = self.extra.borrow_mut();
        if let Some(e) = extra.as_mut() {
            e.remove(&owner);
        }
        Self::shrink(&mut extra);
    }

    /// A map of the extra watches that emptied gives its memory back (a
    /// burst of them, such as the timers' compaction watching every armed
    /// timer's task again, would keep a table for as many owners for the
    /// thread's life); one mostly empty shrinks to fit.
    fn shrink(extra: &mut Option<HashMap<usize, Slab<WaitId>>>) {
        if let Some(e) = extra {
            if e.is_empty() {
                *extra = None;
            } else if e.capacity() > 64 && e.len() < e.capacity() / 4 {
                e.shrink_to(e.len() * 2);
            }
        }
    }

    /// The extra watches of `owner`, left in the table.
    pub(super) fn peek_extra(&self, owner: usize) -> Vec<WaitId> {
        let extra = self.extra.borrow();
        let ids = extra.as_ref().and_then(|e| e.get(&owner));
        ids.map(|ids| ids.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The extra watches of the rendezvous at `owner` died with its epoch:
    /// their ids, taken out of the table.
    pub(super) fn take_extra(&self, owner: usize) -> Vec<WaitId> {
        let mut extra = self.extra.borrow_mut();
        let ids = extra.as_mut().and_then(|e| e.remove(&owner));
        Self::shrink(&mut extra);
        ids.map(|mut ids| ids.drain().collect()).unwrap_or_default()
    }
}

/// The waits watching the events of one owner (a rendezvous' epoch, a
/// task's implicit join): usually none or one, so the first id is kept
/// inline (0: none; ids are never 0), and if more are watched at once the
/// loop keeps them, by the owner's address, and the `MORE` bit says so.
pub(crate) struct WatchSet(Cell<u64>);

/// [`WatchSet`]: the loop holds more ids for this owner (ids never have
/// this bit).
const MORE: u64 = 1 << 63;

/// The key of the first watch (kept inline); the loop's keys for the
/// others stay below it.
pub(crate) const FIRST: u32 = u32::MAX - 1;
/// The key of an event that no wait watches.
pub(crate) const UNWATCHED: u32 = u32::MAX;

impl WatchSet {
    pub(crate) const fn new() -> WatchSet {
        WatchSet(Cell::new(0))
    }

    /// Remembers `id`; returns the key to [`unwatch`](Self::unwatch) it with.
    /// (Inlined: a task's join watched by its callee, on every call of a
    /// tamed function, is this much.)
    #[inline]
    pub(crate) fn watch(&self, owner: usize, id: WaitId) -> u32 {
        let w = self.0.get();
        if w & !MORE == 0 {
            self.0.set(w | id.0);
            FIRST
        } else {
            self.0.set(w | MORE);
            super::watch_extra(owner, id)
        }
    }

    pub(crate) fn unwatch(&self, owner: usize, key: u32) {
        if key == FIRST {
            self.0.set(self.0.get() & MORE);
        } else if key != UNWATCHED {
            super::unwatch_extra(owner, key);
        }
    }

    /// The watched events died: reports every watch, and forgets them.
    #[inline]
    pub(crate) fn report_dead(&self, owner: usize) {
        let w = self.0.replace(0);
        if w != 0 {
            report(w, owner);
        }
    }

    /// The tasks among the watches (see `driver::is_task_wait`), and
    /// those behind a timeout's timer among them (see
    /// `driver::tasks_of_watch`), left watching.
    pub(crate) fn task_watchers(&self, owner: usize) -> Vec<WaitId> {
        let w = self.0.get();
        let first = super::Token(w & !MORE);
        let mut ids = Vec::new();
        if first.0 != 0 {
            ids.extend(super::tasks_of_watch(first));
        }
        if w & MORE != 0 {
            ids.extend(super::extra_task_watches(owner));
        }
        ids
    }

    /// The watched events are all back: forgets every watch, silently.
    #[inline]
    pub(crate) fn forget(&self, owner: usize) {
        let w = self.0.replace(0);
        if w & MORE != 0 {
            super::extra_watches_forgotten(owner);
        }
    }
}

#[cold]
fn report(w: u64, owner: usize) {
    let first = w & !MORE;
    if first != 0 {
        super::waits_died([super::Token(first)]);
    }
    if w & MORE != 0 {
        super::extra_watches_died(owner);
    }
}
