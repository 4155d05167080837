//! Giving back the memory a burst left in a queue.
//!
//! A `VecDeque` keeps the capacity of its longest moment: a channel that
//! once held a hundred thousand values, or a rendezvous that once had as
//! many events back, would keep that buffer for as long as it lives (a
//! chat server's outbox of a client that lagged once, until the client
//! goes). The queues that values come out of one at a time shrink as they
//! empty instead, as the loop's own ready queues do.

use std::collections::VecDeque;

/// The capacity a queue keeps however empty it gets: small queues are not
/// reallocated back and forth.
const KEPT: usize = 64;

/// Takes the front value of `q`, then shrinks `q` if it is down to a
/// quarter of its capacity (to twice its length, at least [`KEPT`]): each
/// shrink halves the buffer at least, after as many pops as the values it
/// moves, so a pop stays O(1) amortized.
#[inline]
pub(crate) fn pop_front<T>(q: &mut VecDeque<T>) -> Option<T> {
    let v = q.pop_front()?;
    if q.capacity() > KEPT && q.len() <= q.capacity() / 4 {
        shrink(q);
    }
    Some(v)
}

/// Shrinks `q` as [`pop_front`] does, after values left it some other
/// way (a `retain`).
pub(crate) fn after_removal<T>(q: &mut VecDeque<T>) {
    if q.capacity() > KEPT && q.len() <= q.capacity() / 4 {
        shrink(q);
    }
}

#[cold]
fn shrink<T>(q: &mut VecDeque<T>) {
    q.shrink_to((q.len() * 2).max(KEPT));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drained_burst_gives_its_buffer_back_and_keeps_the_order() {
        let mut q: VecDeque<u32> = (0..100_000).collect();
        let burst = q.capacity();
        for want in 0..100_000 {
            assert_eq!(pop_front(&mut q), Some(want));
        }
        assert_eq!(pop_front(&mut q), None);
        assert!(q.capacity() <= 2 * KEPT, "kept {} of {burst}", q.capacity());
    }

    #[test]
    fn a_small_queue_keeps_its_buffer() {
        let mut q: VecDeque<u32> = VecDeque::with_capacity(KEPT);
        let cap = q.capacity();
        for round in 0..100 {
            q.push_back(round);
            assert_eq!(pop_front(&mut q), Some(round));
        }
        assert_eq!(q.capacity(), cap);
    }
}
