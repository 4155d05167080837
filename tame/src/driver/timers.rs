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

    pub(crate) fn insert(&mut self, deadline: Instant, event: Event<()>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            deadline,
            seq,
            event,
        });
        if self.heap.len() >= self.compact_at {
            self.compact();
        }
    }

    /// Sweeps out dead entries: O(n), done once the heap doubled since the
    /// last sweep, so O(1) amortized per insert. It keeps the heap within
    /// twice the live timers, so cancelled timers cost no lasting memory
    /// even when their deadlines are far away. Dropping a dead event runs
    /// no user code (its sink ignores it), so this is safe under the
    /// loop's borrow.
    fn compact(&mut self) {
        self.heap.retain(|e| e.event.is_live());
        let len = self.heap.len();
        if self.heap.capacity() > 4 * len.max(MIN_COMPACT) {
            self.heap.shrink_to(2 * len.max(MIN_COMPACT));
        }
        self.compact_at = (2 * len).max(MIN_COMPACT);
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

    /// Pops one entry due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Entry> {
        if self.heap.peek().is_some_and(|e| e.deadline <= now) {
            self.heap.pop()
        } else {
            None
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}
