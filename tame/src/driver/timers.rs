//! The timer queue: a binary heap of deadlines, O(log n) insert.
//!
//! Cancelling a timer is cancelling (or dropping) the rendezvous of its
//! event; the entry then is dead. Dead entries are skipped when they reach
//! the top of the heap (no later than their deadline), and `run()` prunes
//! the top before deciding whether any timer is still armed, so a dead timer
//! never keeps the loop alive.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::event::Event;

/// One armed timer. Ties break by insertion order.
pub(crate) struct Entry {
    pub(crate) deadline: Instant,
    seq: u64,
    pub(crate) event: Event<()>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    // Reversed: the heap's top is the earliest deadline.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.deadline, other.seq).cmp(&(self.deadline, self.seq))
    }
}

/// The loop's timers.
pub(crate) struct Timers {
    heap: BinaryHeap<Entry>,
    next_seq: u64,
    /// When the heap grows to this size, dead entries are swept out.
    compact_at: usize,
}

/// Below this many entries the heap is never swept.
const MIN_COMPACT: usize = 4096;

impl Timers {
    pub(crate) const fn new() -> Self {
        Timers {
            heap: BinaryHeap::new(),
            next_seq: 0,
            compact_at: MIN_COMPACT,
        }
    }

    /// Arms a timer. Returns the dead entries a sweep took out (usually
    /// none), for the caller to drop once it no longer borrows the loop:
    /// dropping a dead event drops its rendezvous id, which is user code.
    #[must_use = "drop the swept entries outside the loop's borrow"]
    pub(crate) fn insert(&mut self, deadline: Instant, event: Event<()>) -> Vec<Entry> {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            deadline,
            seq,
            event,
        });
        if self.heap.len() >= self.compact_at {
            self.compact()
        } else {
            Vec::new()
        }
    }

    /// Sweeps out dead entries: O(n), done once the heap doubled since the
    /// last sweep, so O(1) amortized per insert. It keeps the heap within
    /// twice the live timers, so cancelled timers cost no lasting memory
    /// even when their deadlines are far away. The dead entries are
    /// returned, not dropped here (see [`insert`](Self::insert)).
    fn compact(&mut self) -> Vec<Entry> {
        let mut entries = std::mem::take(&mut self.heap).into_vec();
        let dead: Vec<Entry> = entries.extract_if(.., |e| !e.event.is_live()).collect();
        self.heap = BinaryHeap::from(entries);
        let len = self.heap.len();
        if self.heap.capacity() > 4 * len.max(MIN_COMPACT) {
            self.heap.shrink_to(2 * len.max(MIN_COMPACT));
        }
        self.compact_at = (2 * len).max(MIN_COMPACT);
        dead
    }

    /// Removes dead entries from the top, returning them so the caller drops
    /// them outside any borrow of the loop.
    pub(crate) fn pop_dead_top(&mut self) -> Option<Entry> {
        if self.heap.peek().is_some_and(|e| !e.event.is_live()) {
            self.heap.pop()
        } else {
            None
        }
    }

    /// The earliest deadline, if any timer is queued.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.deadline)
    }

    /// The sequence number the next armed timer gets: entries below it were
    /// armed before now.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Pops one entry due at `now` that was armed before `armed_before` (a
    /// [`next_seq`](Self::next_seq) taken earlier), so that timers armed by
    /// the callbacks of this pass wait for the next turn.
    pub(crate) fn pop_due(&mut self, now: Instant, armed_before: u64) -> Option<Entry> {
        if self
            .heap
            .peek()
            .is_some_and(|e| e.deadline <= now && e.seq < armed_before)
        {
            self.heap.pop()
        } else {
            None
        }
    }

    /// Gives memory back once most entries are gone, so that a burst of
    /// timers (a million cancelled ones) costs nothing once they are popped.
    pub(crate) fn shrink(&mut self) {
        let (len, cap) = (self.heap.len(), self.heap.capacity());
        if cap > MIN_COMPACT && len < cap / 4 {
            self.heap.shrink_to(len * 2);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}
