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
    }

    pub(super) fn died(&self, ids: impl IntoIterator<Item = WaitId>) {
        self.deaths.borrow_mut().extend(ids);
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

    /// The extra watches of the rendezvous at `owner` died with its epoch.
    pub(super) fn extra_died(&self, owner: usize) {
        let ids = self
            .extra
            .borrow_mut()
            .as_mut()
            .and_then(|e| e.remove(&owner));
        if let Some(mut ids) = ids {
            self.deaths.borrow_mut().extend(ids.drain());
        }
    }
}
