//! [`WaitQueue`]: the waiters of a [`Mutex`](super::Mutex),
//! [`Semaphore`](super::Semaphore) or [`Channel`](super::Channel), in the
//! order they came, forgetting those nobody listens to any more.
//!
//! A waiter whose event died (its rendezvous dropped after a timeout gave
//! up) is skipped when it reaches the head. One that dies behind a head
//! that stays (a lock held for an hour, a channel nobody sends on, polled
//! with a timeout) would stay queued as long: the queue sweeps such waiters
//! out whenever it has doubled since its last sweep, so it holds at most
//! about twice its live waiters, at a constant cost per waiter.

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::Event;

/// What a queue holds: something whose event may die.
pub(crate) trait Waiter {
    /// Whether triggering its event would still reach anybody.
    fn is_live(&self) -> bool;
}

impl<T> Waiter for Event<T> {
    fn is_live(&self) -> bool {
        Event::is_live(self)
    }
}

/// Below this many waiters a queue is not swept.
const FIRST_SWEEP: usize = 32;

/// A FIFO of waiters that drops the dead ones (see the module's docs).
///
/// A dead waiter is not dropped where it is found, under the borrow of
/// the queue its owner holds: its event's drop is user code (a `map`
/// closure's captures: a permit, a guard, a value whose `Drop` sends on the
/// same channel), which may use the same primitive. It is set aside, for
/// [`bury`] to drop once the owner's borrow is released.
pub(crate) struct WaitQueue<W> {
    waiters: VecDeque<W>,
    /// The length at which the next push sweeps the queue first.
    sweep_at: usize,
    /// Dead waiters taken out, not dropped yet (see [`bury`]).
    dead: Vec<W>,
}

/// Drops the dead waiters `q` set aside, with no borrow of it held (see
/// [`WaitQueue`]). Call it after every use of a queue that may skip or
/// sweep waiters, once the borrow is released.
pub(crate) fn bury<W>(q: &RefCell<WaitQueue<W>>) -> bool {
    let dead = match q.try_borrow_mut() {
        Ok(mut q) if !q.dead.is_empty() => std::mem::take(&mut q.dead),
        _ => return false,
    };
    drop(dead);
    true
}

impl<W: Waiter> WaitQueue<W> {
    pub(crate) fn new() -> Self {
        WaitQueue {
            waiters: VecDeque::new(),
            sweep_at: FIRST_SWEEP,
            dead: Vec::new(),
        }
    }

    /// Queues `w` behind the others.
    pub(crate) fn push_back(&mut self, w: W) {
        if self.waiters.len() >= self.sweep_at {
            let all = std::mem::take(&mut self.waiters);
            for w in all {
                if w.is_live() {
                    self.waiters.push_back(w);
                } else {
                    self.dead.push(w);
                }
            }
            self.sweep_at = (2 * self.waiters.len()).max(FIRST_SWEEP);
        }
        self.waiters.push_back(w);
    }

    /// The first live waiter, the dead ones before it set aside.
    pub(crate) fn front_live(&mut self) -> Option<&W> {
        while self.waiters.front().is_some_and(|w| !w.is_live()) {
            self.dead.extend(self.waiters.pop_front());
        }
        self.waiters.front()
    }

    /// Takes the first live waiter, the dead ones before it set aside.
    pub(crate) fn pop_live(&mut self) -> Option<W> {
        self.front_live()?;
        self.waiters.pop_front()
    }

    /// Takes every waiter, live or not.
    pub(crate) fn take_all(&mut self) -> VecDeque<W> {
        self.sweep_at = FIRST_SWEEP;
        std::mem::take(&mut self.waiters)
    }

    /// How many are queued, counting dead ones not swept yet.
    pub(crate) fn len(&self) -> usize {
        self.waiters.len()
    }
}

impl<W: Waiter> Default for WaitQueue<W> {
    fn default() -> Self {
        WaitQueue::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct W(bool);

    impl Waiter for W {
        fn is_live(&self) -> bool {
            self.0
        }
    }

    #[test]
    fn dead_waiters_behind_a_live_head_stay_within_twice_the_live_ones() {
        let mut q = WaitQueue::new();
        q.push_back(W(true));
        for _ in 0..100_000 {
            q.push_back(W(false));
            assert!(q.len() <= FIRST_SWEEP + 1, "{}", q.len());
        }
        for _ in 0..1000 {
            q.push_back(W(true));
        }
        for _ in 0..100_000 {
            q.push_back(W(false));
            assert!(q.len() <= 2 * 1001 + 1, "{}", q.len());
        }
        // Order kept: the live head is still first.
        assert!(q.pop_live().is_some_and(|w| w.0));
    }

    #[test]
    fn the_head_skips_dead_waiters() {
        let mut q = WaitQueue::new();
        q.push_back(W(false));
        q.push_back(W(false));
        q.push_back(W(true));
        assert!(q.front_live().is_some());
        assert_eq!(q.len(), 1);
        assert!(q.pop_live().is_some());
        assert!(q.pop_live().is_none());
        assert_eq!(q.len(), 0);
    }
}
