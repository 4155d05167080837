//! The loop's timers: a hierarchical timing wheel (as in tokio and the
//! Linux kernel) over a slab of entries, exact in its order.
//!
//! # Structure
//!
//! Time is counted in ticks of one millisecond since the clock's origin.
//! The wheel has [`LEVELS`] levels of 64 slots; a slot of level `L` spans
//! `64^L` ticks, so level 0 holds the next 64 ms one tick per slot and the
//! eighth level reaches past the 584 years a `u64` of nanoseconds holds.
//! Each slot is a doubly linked list of entries (links are slab indices),
//! and each level has a 64-bit mask of its occupied slots, so that the next
//! slot to expire is found with a few `trailing_zeros` whatever the number
//! of timers. An entry sits in the level of the highest 6-bit group in
//! which its tick differs from the wheel's `elapsed` tick; when `elapsed`
//! reaches a slot of a higher level, its entries move down (cascade), as
//! the kernel's comments in `kernel/time/timer.c` describe. Arming and
//! cancelling are O(1) and cost the same whatever else is armed.
//!
//! # Exactness
//!
//! An entry keeps its exact deadline (nanoseconds) and its arming order
//! (`seq`); its tick is the deadline rounded *up*, so a slot that is due
//! holds only entries whose deadlines have passed (a timer never fires
//! early; it fires at most a tick late, which the backend's
//! whole-millisecond timeout costs anyway). The entries that fall due in
//! one turn are collected into a batch and sorted by `(deadline, seq)`
//! (they usually are already), so timers fire in deadline order and ties
//! in arming order, across slots and levels. An entry armed with a deadline
//! that has passed goes where its tick says, as any: to the `overdue` list
//! if the wheel has passed that tick (it fires on the loop's next turn),
//! else to that tick's slot, where it fires with the entries of earlier
//! deadlines that wait for the same tick, after them.
//!
//! # Cancelled timers
//!
//! An armed entry *watches* its event, as a parked fd wait does (see the
//! module docs of [`super`]): when the event dies untriggered (its
//! rendezvous is cancelled or dropped), its owner reports the entry's id
//! and the loop removes the entry at once: a cancelled timer stops counting
//! as armed and frees its entry at the time it is cancelled, long before
//! its deadline. The slab gives its memory back when it is mostly empty
//! ([`Timers::compact`], at the loop's next turn), so a million cancelled
//! timers cost no lasting memory.
//!
//! # Handles
//!
//! A [`Timer`](crate::time::Timer) handle names its entry by index and
//! `seq` ([`Key`]). Compaction moves entries to new indices; it notes where
//! the entries of live handles went (`moved`, by `seq`), so a handle still
//! finds its entry. That table is empty unless a compaction happened while
//! handles were out, and loses an entry when it is disarmed.
//!
//! A handle moves its entry to a new deadline ([`Timers::reset`]) in
//! place: unlinked from its list and linked into the one of its new tick,
//! at the same index and with the same `seq`, so its key, the id its event
//! watches and its place among equal deadlines stay what they were, and
//! nothing is allocated.

use std::collections::HashMap;

use super::{Token, WaitId};
use crate::event::Event;

/// Nanoseconds per tick.
const TICK: u64 = 1_000_000;
/// Slots per level, and the bits of a tick each level resolves.
const SLOTS: usize = 64;
const BITS: u32 = 6;
/// Enough levels for every tick of a `u64` of nanoseconds (2^44 ms).
const LEVELS: usize = 8;

/// The latest deadline: the last whole tick of a `u64` of nanoseconds
/// (584 years); later ones are clamped to it.
const END_OF_TIME: u64 = u64::MAX / TICK * TICK;

/// "No entry", in links and list heads.
const NIL: u32 = u32::MAX;

/// Where an entry is ([`Entry::loc`]): `level * 64 + slot` for a slot of
/// the wheel, or one of these.
const OVERDUE: u16 = (LEVELS * SLOTS) as u16;
/// Collected into the turn's batch, about to fire.
const DUE: u16 = OVERDUE + 1;
/// Not an armed timer: a free entry of the slab.
const FREE: u16 = OVERDUE + 2;

/// The tag of a timer's [`WaitId`]: registration tokens never have it
/// (their generation stays below 2^28, see `registry::next_generation`), and a
/// rendezvous keeps its own flag in bit 63.
pub(super) const TIMER_ID: u64 = 1 << 62;
/// The bits of an id that hold (the low bits of) the entry's `seq`, so that
/// an id of an entry that is gone does not reach the one that took its
/// place in the slab.
const ID_SEQ_MASK: u64 = (1 << 30) - 1;

/// Whether a wait id is a timer's.
pub(super) fn is_timer(id: WaitId) -> bool {
    id.0 & TIMER_ID != 0
}

/// Below this many slab entries the slab is never compacted.
const MIN_COMPACT: usize = 1024;

/// One armed timer (48 bytes).
pub(crate) struct Entry {
    /// Nanoseconds since the clock's origin.
    deadline: u64,
    /// Arming order: breaks ties between equal deadlines, and tells an id
    /// of this entry from one of an entry that held its index before.
    seq: u64,
    prev: u32,
    /// The next entry of its list (or, for a free entry, of the free list).
    next: u32,
    loc: u16,
    /// A [`Key`] names this entry (a `Timer` handle holds it).
    handle: bool,
    event: Event<()>,
}

impl Entry {
    /// A new entry, in no list yet (`link` puts it in one).
    fn unlinked(deadline: u64, seq: u64, handle: bool, event: Event<()>) -> Entry {
        Entry {
            deadline,
            seq,
            prev: NIL,
            next: NIL,
            loc: FREE,
            handle,
            event,
        }
    }
}

/// What a [`Timer`](crate::time::Timer) handle holds: its entry's index
/// when it was armed and the entry's `seq`, which no other entry has.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key {
    index: u32,
    seq: u64,
}

/// One entry of the turn's batch of due timers.
#[derive(Clone, Copy)]
pub(super) struct Due {
    deadline: u64,
    seq: u64,
    index: u32,
}

/// The loop's timers.
pub(crate) struct Timers {
    entries: Vec<Entry>,
    /// The first free entry (`NIL`: none; then an insert pushes).
    free: u32,
    /// Armed entries (in the wheel, overdue, or due in the current batch).
    len: usize,
    heads: [[u32; SLOTS]; LEVELS],
    occupied: [u64; LEVELS],
    /// Entries whose deadline had passed when they were armed.
    overdue: u32,
    /// The tick up to which the wheel has been processed: every entry in
    /// the wheel has a later tick.
    elapsed: u64,
    next_seq: u64,
    /// The buffer of the turn's batch, kept between turns.
    batch: Vec<Due>,
    /// A batch is out (being fired): its entries are in no list, so the
    /// slab must not be compacted.
    batch_out: bool,
    /// Where compaction moved the entries that handles name, by `seq`.
    moved: Option<HashMap<u64, u32>>,
}

impl Timers {
    pub(crate) const fn new() -> Self {
        Timers {
            entries: Vec::new(),
            free: NIL,
            len: 0,
            heads: [[NIL; SLOTS]; LEVELS],
            occupied: [0; LEVELS],
            overdue: NIL,
            elapsed: 0,
            next_seq: 0,
            batch: Vec::new(),
            batch_out: false,
            moved: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Empties the timers, handing back every armed timer's event (a free
    /// entry's reports nowhere), for the loop's teardown to drop one at a
    /// time.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = Event<()>> {
        let entries = std::mem::replace(self, Timers::new()).entries;
        entries.into_iter().map(|e| e.event)
    }

    fn id(index: u32, seq: u64) -> WaitId {
        Token(TIMER_ID | (seq & ID_SEQ_MASK) << 32 | u64::from(index))
    }

    /// The entry an id names, if it is still armed.
    fn lookup(&self, id: WaitId) -> Option<u32> {
        let index = id.0 as u32;
        let e = self.entries.get(index as usize)?;
        (e.loc != FREE && (e.seq & ID_SEQ_MASK) == (id.0 >> 32) & ID_SEQ_MASK).then_some(index)
    }

    /// Arms a timer for `deadline` (nanoseconds since the clock's origin).
    /// The entry watches `event`; a dead event is
    /// not armed but handed back, for the caller to drop once it no longer
    /// borrows the loop (dropping an event can run user code).
    pub(crate) fn insert(
        &mut self,
        deadline: u64,
        event: Event<()>,
        handle: bool,
    ) -> Result<Key, Event<()>> {
        // The end of time is a whole tick, so that its tick's start is
        // representable (and due when the time gets there).
        let deadline = deadline.min(END_OF_TIME);
        let seq = self.next_seq;
        let index = match self.free {
            NIL => u32::try_from(self.entries.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("fewer than 4 billion timers armed at once"),
            free => free,
        };
        if !event.watch(Self::id(index, seq)) {
            return Err(event);
        }
        self.next_seq += 1;
        if index == self.free {
            // Fields written one by one: a free entry's event reports
            // nowhere, and its links are set by `link`.
            let e = &mut self.entries[index as usize];
            self.free = e.next;
            e.deadline = deadline;
            e.seq = seq;
            e.handle = handle;
            e.event = event;
        } else {
            self.entries
                .push(Entry::unlinked(deadline, seq, handle, event));
        }
        self.len += 1;
        // By its tick, like any: a deadline that has passed inside the
        // tick the wheel has not reached fires with that tick's entries,
        // after those with earlier deadlines (not on the next turn, ahead
        // of them); one whose tick the wheel has passed is overdue.
        let tick = deadline.div_ceil(TICK);
        if tick <= self.elapsed {
            self.link(index, OVERDUE);
        } else {
            self.link_tick(index, tick);
        }
        Ok(Key { index, seq })
    }

    /// Moves the entry `key` names to `deadline` (clamped as in
    /// [`insert`](Self::insert)), keeping its
    /// event, its watch and its `seq`, if it is still armed; returns
    /// whether it was.
    ///
    /// The entry stays at its index and keeps its `seq`, so its key and the
    /// id its event watches stay valid and nothing is re-watched or
    /// allocated: it is unlinked and linked again, as a cancel and an arm
    /// would do minus the event. Keeping `seq` keeps its place among equal
    /// deadlines: ties still fire in the order the timers were first
    /// armed. An entry collected into the batch being fired (reset by an
    /// earlier timer's callback) leaves the batch: `fire` finds it no
    /// longer due and skips it, and it fires at its new deadline, on a
    /// later turn at the earliest, as a timer armed by a callback does.
    pub(crate) fn reset(&mut self, key: Key, deadline: u64) -> bool {
        let Some(index) = self.find(key) else {
            return false;
        };
        // A batch entry is in no list: `unlink` leaves it alone, and
        // linking it anew takes it out of the batch (its `loc` is no longer
        // `DUE`).
        self.unlink(index);
        let deadline = deadline.min(END_OF_TIME);
        self.entries[index as usize].deadline = deadline;
        // Linked where `insert` links a new entry (never into the batch
        // being fired). Written out, not shared with `insert` through a
        // helper: the compiler kept such a helper out of line in `insert`,
        // a call more on every arm.
        // By its tick, like any: a deadline that has passed inside the
        // tick the wheel has not reached fires with that tick's entries,
        // after those with earlier deadlines (not on the next turn, ahead
        // of them); one whose tick the wheel has passed is overdue.
        let tick = deadline.div_ceil(TICK);
        if tick <= self.elapsed {
            self.link(index, OVERDUE);
        } else {
            self.link_tick(index, tick);
        }
        true
    }

    /// The index of the armed entry `key` names, if it is still armed
    /// (not fired, not removed).
    fn find(&self, key: Key) -> Option<u32> {
        let armed = |i: u32| {
            self.entries
                .get(i as usize)
                .is_some_and(|e| e.loc != FREE && e.seq == key.seq)
        };
        if armed(key.index) {
            return Some(key.index);
        }
        let moved = *self.moved.as_ref()?.get(&key.seq)?;
        armed(moved).then_some(moved)
    }

    /// Whether the entry `key` names is still armed.
    pub(crate) fn is_armed(&self, key: Key) -> bool {
        self.find(key).is_some()
    }

    /// Disarms the entry `key` names and returns its event (still watched:
    /// the caller unwatches or drops it), if it is still armed.
    pub(crate) fn disarm(&mut self, key: Key) -> Option<Event<()>> {
        let index = self.find(key)?;
        Some(self.take(index))
    }

    /// Disarms the entry `id` names and returns its event (still watched:
    /// the caller unwatches or drops it), if it is still armed.
    pub(crate) fn remove(&mut self, id: WaitId) -> Option<Event<()>> {
        let index = self.lookup(id)?;
        Some(self.take(index))
    }

    /// The tasks behind the event of the timer with `id` (see
    /// [`Sink::tasks_behind`](crate::event::Sink::tasks_behind)).
    pub(crate) fn tasks_behind(&self, id: WaitId) -> Vec<WaitId> {
        self.lookup(id)
            .map(|index| self.entries[index as usize].event.tasks_behind())
            .unwrap_or_default()
    }

    /// Disarms the entry `id` names if its event is dead, and returns the
    /// event (for the caller to drop outside its borrow of the loop). A
    /// report of a death may be stale (the entry fired meanwhile) or only
    /// partial (an event of `all()` lives while any of its events does).
    pub(crate) fn remove_if_dead(&mut self, id: WaitId) -> Option<Event<()>> {
        let index = self.lookup(id)?;
        if self.entries[index as usize].event.is_live() {
            return None;
        }
        Some(self.take(index))
    }

    /// Unlinks and frees the entry at `index`, returning its event.
    fn take(&mut self, index: u32) -> Event<()> {
        self.unlink(index);
        let free = self.free;
        let e = &mut self.entries[index as usize];
        e.loc = FREE;
        e.next = free;
        let (handle, seq) = (std::mem::replace(&mut e.handle, false), e.seq);
        let event = std::mem::replace(&mut e.event, Event::none());
        self.free = index;
        self.len -= 1;
        if handle {
            if let Some(moved) = &mut self.moved {
                moved.remove(&seq);
                if moved.is_empty() {
                    self.moved = None;
                }
            }
        }
        event
    }

    fn link_tick(&mut self, index: u32, tick: u64) {
        let level = level_for(self.elapsed, tick);
        let slot = (tick >> (BITS * level as u32)) as usize % SLOTS;
        self.link(index, (level * SLOTS + slot) as u16);
    }

    /// Pushes the entry at `index` at the head of the list `loc`.
    ///
    /// Inlined: `reset`'s call made the compiler keep it out of line in
    /// `insert`, a call more on every arm (as the disassembly showed).
    #[inline]
    fn link(&mut self, index: u32, loc: u16) {
        let head = self.head_mut(loc);
        let old = std::mem::replace(head, index);
        {
            let e = &mut self.entries[index as usize];
            e.loc = loc;
            e.prev = NIL;
            e.next = old;
        }
        if old != NIL {
            self.entries[old as usize].prev = index;
        }
        if loc < OVERDUE {
            self.occupied[loc as usize / SLOTS] |= 1 << (loc as usize % SLOTS);
        }
    }

    fn unlink(&mut self, index: u32) {
        let (loc, prev, next) = {
            let e = &self.entries[index as usize];
            (e.loc, e.prev, e.next)
        };
        if loc == DUE {
            return;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        }
        if prev != NIL {
            self.entries[prev as usize].next = next;
        } else {
            *self.head_mut(loc) = next;
            if next == NIL && loc < OVERDUE {
                self.occupied[loc as usize / SLOTS] &= !(1 << (loc as usize % SLOTS));
            }
        }
    }

    fn head_mut(&mut self, loc: u16) -> &mut u32 {
        if loc == OVERDUE {
            &mut self.overdue
        } else {
            &mut self.heads[loc as usize / SLOTS][loc as usize % SLOTS]
        }
    }

    /// Takes the whole list `loc`, leaving it empty; returns its first entry.
    fn take_list(&mut self, loc: u16) -> u32 {
        let head = std::mem::replace(self.head_mut(loc), NIL);
        if loc < OVERDUE {
            self.occupied[loc as usize / SLOTS] &= !(1 << (loc as usize % SLOTS));
        }
        head
    }

    /// The first slot to expire: its level, slot and start tick. Entries of
    /// a lower level always come before those of a higher one (a level-`L`
    /// entry lies in `elapsed`'s current window of level `L + 1` but not of
    /// level `L`), so the lowest occupied level has it.
    fn next_expiration(&self) -> Option<(usize, usize, u64)> {
        let level = self.occupied.iter().position(|&o| o != 0)?;
        let slot = self.occupied[level].trailing_zeros() as usize;
        let slot_bits = BITS * level as u32;
        let window = self.elapsed >> (slot_bits + BITS) << (slot_bits + BITS);
        Some((level, slot, window + ((slot as u64) << slot_bits)))
    }

    /// When the loop must look at its timers next (nanoseconds since the
    /// origin): now if any is overdue, else when the first slot expires (a
    /// slot of a higher level expires when its entries must move down).
    pub(crate) fn next_wake(&self) -> Option<u64> {
        // (Most turns of a program without timers ask: no level to scan.)
        if self.len == 0 {
            return None;
        }
        if self.overdue != NIL {
            return Some(0);
        }
        let (_, _, tick) = self.next_expiration()?;
        Some(tick.saturating_mul(TICK))
    }

    /// Collects the timers due at `now` (every overdue one, every slot whose
    /// tick has come), in deadline order, ties in arming order. They stay
    /// armed (counted, their ids valid) until [`fire`](Self::fire) takes
    /// them one by one, so that a timer cancelled by an earlier one's
    /// callback does not fire. Timers armed from now on wait for the next
    /// batch.
    pub(super) fn collect_due(&mut self, now: u64) -> Vec<Due> {
        let mut batch = std::mem::take(&mut self.batch);
        batch.clear();
        self.batch_out = true;
        if self.len == 0 {
            return batch;
        }
        let head = self.take_list(OVERDUE);
        self.collect_list(head, &mut batch);
        let n = now / TICK;
        while let Some((level, slot, start)) = self.next_expiration() {
            if start > n {
                break;
            }
            let loc = (level * SLOTS + slot) as u16;
            let mut i = self.take_list(loc);
            self.elapsed = start;
            if level == 0 {
                self.collect_list(i, &mut batch);
                continue;
            }
            // Cascade: move the slot's entries down, or into the batch if
            // their own tick is the slot's start.
            while i != NIL {
                let next = self.entries[i as usize].next;
                let tick = self.entries[i as usize].deadline.div_ceil(TICK);
                if tick <= self.elapsed {
                    self.push_due(i, &mut batch);
                } else {
                    self.link_tick(i, tick);
                }
                i = next;
            }
        }
        self.elapsed = self.elapsed.max(n);
        if !batch.is_sorted_by_key(|d| (d.deadline, d.seq)) {
            batch.sort_unstable_by_key(|d| (d.deadline, d.seq));
        }
        batch
    }

    fn collect_list(&mut self, mut i: u32, batch: &mut Vec<Due>) {
        while i != NIL {
            let next = self.entries[i as usize].next;
            self.push_due(i, batch);
            i = next;
        }
    }

    fn push_due(&mut self, index: u32, batch: &mut Vec<Due>) {
        let e = &mut self.entries[index as usize];
        e.loc = DUE;
        batch.push(Due {
            deadline: e.deadline,
            seq: e.seq,
            index,
        });
    }

    /// Takes a collected timer out to fire it: its event, if it is still
    /// armed (not cancelled since it was collected).
    pub(super) fn fire(&mut self, due: Due) -> Option<Event<()>> {
        let e = self.entries.get(due.index as usize)?;
        (e.loc == DUE && e.seq == due.seq).then(|| self.take(due.index))
    }

    /// Puts back the batch's buffer (and the timers of it that did not
    /// fire, if a callback panicked: they fire on a later turn).
    pub(super) fn return_batch(&mut self, mut batch: Vec<Due>, unfired: usize) {
        for &due in &batch[batch.len() - unfired..] {
            if self
                .entries
                .get(due.index as usize)
                .is_some_and(|e| e.loc == DUE && e.seq == due.seq)
            {
                self.link(due.index, OVERDUE);
            }
        }
        batch.clear();
        self.batch_out = false;
        if batch.capacity() > 4 * MIN_COMPACT {
            batch = Vec::new();
        }
        self.batch = batch;
    }

    /// Gives memory back once the slab is mostly empty: the armed entries
    /// move to the front of a smaller slab, and each is watched under its
    /// new id (its event forgets the old one). O(armed), done only when
    /// fewer than a quarter of the entries are armed, so O(1) amortized
    /// over the removals that emptied them. Returns the events found dead
    /// meanwhile (not re-armed), for the caller to drop outside its borrow.
    #[must_use = "drop the dead events outside the loop's borrow"]
    #[inline]
    pub(crate) fn compact(&mut self) -> Vec<Event<()>> {
        // Asked every turn: the test is inlined, the work is not.
        let cap = self.entries.len();
        if cap <= MIN_COMPACT || self.len >= cap / 4 || self.batch_out {
            return Vec::new();
        }
        self.compact_now()
    }

    #[inline(never)]
    fn compact_now(&mut self) -> Vec<Event<()>> {
        let mut old = std::mem::take(&mut self.entries);
        self.entries = Vec::with_capacity((2 * self.len).max(MIN_COMPACT / 4));
        self.free = NIL;
        self.len = 0;
        let mut lists = Vec::with_capacity(LEVELS * SLOTS + 1);
        lists.push(self.take_list(OVERDUE));
        for loc in 0..OVERDUE {
            if self.occupied[loc as usize / SLOTS] & (1 << (loc as usize % SLOTS)) != 0 {
                lists.push(self.take_list(loc));
            }
        }
        let mut dead = Vec::new();
        let mut moved = HashMap::new();
        for mut i in lists {
            while i != NIL {
                let e = &mut old[i as usize];
                let next = e.next;
                let event = std::mem::replace(&mut e.event, Event::none());
                // The old id dies with the old slab: the event forgets it
                // before it learns the new one.
                event.unwatch();
                match self.rearm(e.deadline, e.seq, event, e.handle) {
                    Ok(index) if e.handle => {
                        moved.insert(e.seq, index);
                    }
                    Ok(_) => {}
                    Err(event) => dead.push(event),
                }
                i = next;
            }
        }
        self.moved = (!moved.is_empty()).then_some(moved);
        dead
    }

    /// Arms an entry again with its old deadline and arming order (in
    /// [`compact`](Self::compact)); its tick has not come yet, or it is
    /// overdue.
    fn rearm(
        &mut self,
        deadline: u64,
        seq: u64,
        event: Event<()>,
        handle: bool,
    ) -> Result<u32, Event<()>> {
        let index = u32::try_from(self.entries.len()).expect("fewer timers than before");
        if !event.watch(Self::id(index, seq)) {
            return Err(event);
        }
        self.entries
            .push(Entry::unlinked(deadline, seq, handle, event));
        self.len += 1;
        let tick = deadline.div_ceil(TICK);
        if tick <= self.elapsed {
            self.link(index, OVERDUE);
        } else {
            self.link_tick(index, tick);
        }
        Ok(index)
    }

    /// The slab's size in entries, free ones included (for tests).
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.entries.len()
    }
}

/// The level of the wheel an entry with `tick` goes to: the highest 6-bit
/// group in which it differs from `elapsed` (`tick > elapsed`).
fn level_for(elapsed: u64, tick: u64) -> usize {
    let masked = (elapsed ^ tick) | (SLOTS as u64 - 1);
    let significant = 63 - masked.leading_zeros();
    ((significant / BITS) as usize).min(LEVELS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    type Log = Rc<RefCell<Vec<u64>>>;

    fn event(log: &Log, tag: u64) -> Event<()> {
        let log = log.clone();
        Event::from_fn(move |v: Option<()>| {
            if v.is_some() {
                log.borrow_mut().push(tag);
            }
        })
    }

    /// Fires everything due at `now`, as the loop does.
    fn fire_at(t: &mut Timers, now: u64) {
        let batch = t.collect_due(now);
        for &due in &batch {
            if let Some(ev) = t.fire(due) {
                ev.trigger(());
            }
        }
        t.return_batch(batch, 0);
    }

    /// Runs the timers' time forward until none is left, firing each as
    /// the loop does; returns the tick at which each fired, in order.
    fn fire_all(t: &mut Timers) -> Vec<u64> {
        let mut now = 0;
        let mut fired = Vec::new();
        while let Some(w) = t.next_wake() {
            now = now.max(w);
            let batch = t.collect_due(now);
            for &due in &batch {
                if let Some(ev) = t.fire(due) {
                    ev.unwatch();
                    ev.trigger(());
                    fired.push(now / TICK);
                }
            }
            t.return_batch(batch, 0);
        }
        fired
    }

    #[test]
    fn timers_fire_in_deadline_order_across_levels() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        // Deadlines from 1 ms to ~3 days, armed in a scrambled order, so
        // every level of the wheel holds some.
        let deadlines: Vec<u64> = (0..2000u64)
            .map(|i| ((i * 7919) % 2000 + 1) * 123_456_789)
            .collect();
        for &d in &deadlines {
            t.insert(d, event(&log, d), false).unwrap();
        }
        assert_eq!(t.len(), 2000);
        let mut now = 0;
        while let Some(w) = t.next_wake() {
            now = now.max(w);
            fire_at(&mut t, now);
        }
        let mut sorted = deadlines.clone();
        sorted.sort();
        assert_eq!(*log.borrow(), sorted);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn a_timer_never_fires_before_its_deadline() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        t.insert(5_100_000, event(&log, 1), false).unwrap();
        fire_at(&mut t, 5_099_999);
        assert!(log.borrow().is_empty());
        // Its tick is 6 ms (rounded up): it fires once the slot is due.
        assert_eq!(t.next_wake(), Some(6_000_000));
        fire_at(&mut t, 6_000_000);
        assert_eq!(*log.borrow(), [1]);
    }

    #[test]
    fn ties_fire_in_arming_order_even_after_a_cascade() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        let d = 100 * TICK;
        // Armed at 0: lands on level 1. The second, armed at 90 ms with the
        // same deadline, lands on level 0 directly.
        t.insert(d, event(&log, 1), false).unwrap();
        fire_at(&mut t, 90 * TICK);
        t.insert(d, event(&log, 2), false).unwrap();
        fire_at(&mut t, d);
        assert_eq!(*log.borrow(), [1, 2]);
    }

    #[test]
    fn overdue_timers_fire_in_the_next_batch_in_order() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        fire_at(&mut t, 50 * TICK);
        t.insert(10 * TICK, event(&log, 10), false).unwrap();
        t.insert(5 * TICK, event(&log, 5), false).unwrap();
        t.insert(50 * TICK, event(&log, 50), false).unwrap();
        assert!(t.next_wake().is_some_and(|w| w <= 50 * TICK), "due now");
        fire_at(&mut t, 50 * TICK);
        assert_eq!(*log.borrow(), [5, 10, 50]);
    }

    #[test]
    fn a_passed_deadline_does_not_overtake_an_earlier_one_waiting_for_its_tick() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        t.insert(5_300_000, event(&log, 1), false).unwrap();
        fire_at(&mut t, 5_500_000);
        assert!(log.borrow().is_empty(), "its tick (6 ms) has not come");
        // Armed at 5.5 ms for 5.5 ms (`timer(Duration::ZERO)`): due, but
        // after the one of 5.3 ms.
        t.insert(5_500_000, event(&log, 2), false).unwrap();
        fire_at(&mut t, 5_700_000);
        assert!(log.borrow().is_empty(), "not ahead of the 5.3 ms one");
        fire_at(&mut t, 6_000_000);
        assert_eq!(*log.borrow(), [1, 2]);
    }

    #[test]
    fn removing_an_entry_unlinks_it_and_frees_its_slot() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        let r = crate::Rendezvous::<()>::new();
        t.insert(3 * TICK, r.event(()), false).unwrap();
        t.insert(3 * TICK, event(&log, 2), false).unwrap();
        // The rendezvous' first watch is the id of entry 0.
        let id = Timers::id(0, 0);
        assert!(t.remove_if_dead(id).is_none(), "still live");
        r.cancel();
        let ev = t.remove_if_dead(id).expect("dead now");
        drop(ev);
        assert!(t.remove(id).is_none(), "gone");
        assert_eq!(t.len(), 1);
        fire_at(&mut t, 3 * TICK);
        assert_eq!(*log.borrow(), [2]);
        // The freed slot is reused; the old id does not reach the new entry.
        t.insert(4 * TICK, event(&log, 3), false).unwrap();
        assert!(t.remove(id).is_none());
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_mostly_empty_slab_is_compacted() {
        let mut t = Timers::new();
        let rs: Vec<crate::Rendezvous<()>> =
            (0..10_000).map(|_| crate::Rendezvous::new()).collect();
        for (i, r) in rs.iter().enumerate() {
            t.insert((i as u64 + 1) * TICK, r.event(()), false).unwrap();
        }
        // Keep every hundredth; the others' entries go.
        for (i, r) in rs.iter().enumerate() {
            if i % 100 != 0 {
                r.cancel();
                drop(t.remove_if_dead(Timers::id(i as u32, i as u64)));
            }
        }
        assert_eq!(t.len(), 100);
        assert!(t.compact().is_empty());
        assert!(
            t.capacity() <= MIN_COMPACT,
            "slab of {} entries",
            t.capacity()
        );
        // The survivors keep their deadlines and fire in order.
        let fired = fire_all(&mut t);
        let expected: Vec<u64> = (0..100).map(|k| k * 100 + 1).collect();
        assert_eq!(fired, expected);
        assert!(rs.iter().step_by(100).all(|r| r.try_next() == Some(())));
    }

    /// `n` timers armed with handles, the i-th due at tick i + 1, each with
    /// an event of its own rendezvous (returned, so the events stay live).
    fn handles_one_tick_apart(t: &mut Timers, n: usize) -> (Vec<crate::Rendezvous<()>>, Vec<Key>) {
        let rs: Vec<crate::Rendezvous<()>> = (0..n).map(|_| crate::Rendezvous::new()).collect();
        let keys = rs
            .iter()
            .enumerate()
            .map(|(i, r)| t.insert((i as u64 + 1) * TICK, r.event(()), true).unwrap())
            .collect();
        (rs, keys)
    }

    #[test]
    fn a_handle_finds_its_entry_after_compaction_moved_it() {
        let mut t = Timers::new();
        let (_rs, keys) = handles_one_tick_apart(&mut t, 4_000);
        // Disarm all but every 500th: the survivors move in the compaction.
        for (i, &k) in keys.iter().enumerate() {
            if i % 500 != 0 {
                assert!(t.disarm(k).is_some());
                assert!(!t.is_armed(k), "a disarmed key stays disarmed");
            }
        }
        assert!(t.compact().is_empty());
        assert!(t.capacity() <= MIN_COMPACT);
        let survivors: Vec<Key> = keys.iter().copied().step_by(500).collect();
        assert!(survivors.iter().all(|&k| t.is_armed(k)));
        // A moved entry is found and disarmed; the others still fire.
        drop(t.disarm(survivors[1]));
        assert!(!t.is_armed(survivors[1]));
        assert_eq!(t.len(), survivors.len() - 1);
        let fired = fire_all(&mut t);
        // Entry 500 (due at tick 501) was disarmed; the rest fired in order.
        assert_eq!(fired, [1, 1001, 1501, 2001, 2501, 3001, 3501]);
        assert!(survivors.iter().all(|&k| !t.is_armed(k)));
        assert!(t.moved.is_none(), "the table of moves empties with them");
    }

    #[test]
    fn a_reset_entry_fires_at_its_new_deadline_and_in_deadline_order() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        let a = t.insert(10 * TICK, event(&log, 10), true).unwrap();
        t.insert(20 * TICK, event(&log, 20), false).unwrap();
        let c = t.insert(300 * TICK, event(&log, 300), true).unwrap();
        // Later within level 0, and earlier from level 2 down to level 0.
        assert!(t.reset(a, 25 * TICK));
        assert!(t.reset(c, 5 * TICK));
        assert_eq!(t.len(), 3, "moved, not added");
        assert_eq!(fire_all(&mut t), [5, 20, 25]);
        assert_eq!(*log.borrow(), [300, 20, 10]);
        // Fired: nothing left to move, and nothing is armed by trying.
        assert!(!t.reset(a, 40 * TICK));
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn a_reset_keeps_the_entry_s_place_among_equal_deadlines() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        let first = t.insert(50 * TICK, event(&log, 1), true).unwrap();
        t.insert(7 * TICK, event(&log, 2), false).unwrap();
        assert!(t.reset(first, 7 * TICK));
        fire_at(&mut t, 7 * TICK);
        assert_eq!(*log.borrow(), [1, 2], "armed first, fires first");
    }

    #[test]
    fn an_entry_reset_while_its_batch_fires_leaves_the_batch() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        t.insert(TICK, event(&log, 1), false).unwrap();
        let b = t.insert(2 * TICK, event(&log, 2), true).unwrap();
        let batch = t.collect_due(2 * TICK);
        assert_eq!(batch.len(), 2);
        // The first one's callback (here, the test) pushes the second back.
        t.fire(batch[0]).unwrap().trigger(());
        assert!(t.reset(b, 9 * TICK));
        assert!(t.fire(batch[1]).is_none(), "no longer due");
        // Not relinked as unfired either: it stays where the reset put it.
        t.return_batch(batch, 1);
        assert_eq!(t.len(), 1);
        assert_eq!(t.next_wake(), Some(9 * TICK));
        fire_at(&mut t, 9 * TICK);
        assert_eq!(*log.borrow(), [1, 2]);
    }

    #[test]
    fn an_entry_reset_into_the_past_is_overdue() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        let k = t.insert(60 * TICK, event(&log, 1), true).unwrap();
        fire_at(&mut t, 30 * TICK);
        assert!(t.reset(k, 10 * TICK));
        assert_eq!(t.next_wake(), Some(0), "due on the next turn");
        fire_at(&mut t, 30 * TICK);
        assert_eq!(*log.borrow(), [1]);
    }

    #[test]
    fn a_handle_moves_its_entry_after_compaction_moved_it() {
        let mut t = Timers::new();
        let (rs, keys) = handles_one_tick_apart(&mut t, 2_000);
        for (i, &k) in keys.iter().enumerate() {
            if i % 1_000 != 0 {
                drop(t.disarm(k));
            }
        }
        assert!(t.compact().is_empty());
        assert!(t.moved.is_some(), "the survivors moved");
        // Entry 0 (due at tick 1) goes after entry 1000 (tick 1001).
        assert!(t.reset(keys[0], 3_000 * TICK));
        assert_eq!(fire_all(&mut t), [1_001, 3_000]);
        assert!(rs[0].try_next().is_some() && rs[1_000].try_next().is_some());
    }

    #[test]
    fn a_timer_at_the_end_of_time_is_due_there() {
        let log: Log = Rc::default();
        let mut t = Timers::new();
        t.insert(u64::MAX, event(&log, 1), false).unwrap();
        // Woken at each cascade on the way down, then at the deadline.
        let mut wakes = Vec::new();
        while let Some(w) = t.next_wake() {
            wakes.push(w);
            fire_at(&mut t, w);
        }
        assert_eq!(*log.borrow(), [1]);
        assert_eq!(wakes.last(), Some(&END_OF_TIME));
        assert!(wakes.len() <= LEVELS, "{wakes:?}");
    }

    #[test]
    fn level_for_picks_the_highest_differing_group() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(63, 64), 1);
        assert_eq!(level_for(64, 127), 0);
        assert_eq!(level_for(0, 1 << 36), 6);
        assert_eq!(level_for(0, u64::MAX / TICK), 7);
    }

    #[test]
    fn an_entry_is_48_bytes() {
        // On a 64-bit target; on a 32-bit one, 40 where a `u64` is aligned
        // to 8 bytes (powerpc, arm), 36 where to 4 (i686).
        let expected = match (
            cfg!(target_pointer_width = "64"),
            std::mem::align_of::<u64>(),
        ) {
            (true, _) => 48,
            (false, 8) => 40,
            (false, _) => 36,
        };
        assert_eq!(std::mem::size_of::<Entry>(), expected);
    }
}
