//! The ready queue's storage: a FIFO ring whose entries are written in
//! place.
//!
//! `VecDeque::push_back` would do, but for the way it moves the entry: the
//! entry must survive the call that may grow the buffer (and be dropped if
//! that call panics), so it is built in a temporary on the stack first and
//! copied into the buffer afterwards. The copy reads 16 bytes that two
//! 8-byte stores (the entry's tag and the first half of its fat pointer)
//! have just written, which the CPU cannot forward from its store buffer:
//! a stall of a dozen cycles or more on every wake-up, more than half of
//! the cycles `schedule` took (`perf annotate` on the event round trip of
//! `examples/microbench`). Here the room is made first ([`Ring::push_back_with`]),
//! and the entry is built straight into it.

use std::mem::MaybeUninit;

/// A FIFO queue in a ring buffer whose length is a power of two.
pub(super) struct Ring<T> {
    buf: Vec<MaybeUninit<T>>,
    /// Index of the first entry.
    head: usize,
    len: usize,
}

/// The first buffer's length.
const FIRST: usize = 16;

impl<T> Ring<T> {
    pub(super) const fn new() -> Self {
        Ring {
            buf: Vec::new(),
            head: 0,
            len: 0,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// How many entries fit before the buffer grows.
    pub(super) fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Appends `make()`'s entry at the back. The room is made before the
    /// entry is made, so that nothing that may unwind runs while the entry
    /// exists: it is built where it is stored.
    #[inline]
    pub(super) fn push_back_with(&mut self, make: impl FnOnce() -> T) {
        if self.len == self.buf.len() {
            self.grow();
        }
        let i = (self.head + self.len) & (self.buf.len() - 1);
        self.buf[i].write(make());
        self.len += 1;
    }

    #[inline]
    pub(super) fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let i = self.head;
        self.head = (i + 1) & (self.buf.len() - 1);
        self.len -= 1;
        // SAFETY: the `len` entries from `head` on (wrapping) are
        // initialized, and this one leaves that range before it is read, so
        // it is read once.
        Some(unsafe { self.buf[i].assume_init_read() })
    }

    /// Moves the entries into a buffer of `cap` entries (a power of two
    /// that holds them): smaller, to give memory back.
    ///
    /// # Panics
    ///
    /// If `cap` is not such a number: `pop_front`'s reads rely on it, in
    /// release builds too (a rare call, so the check costs nothing).
    #[cold]
    pub(super) fn shrink_to(&mut self, cap: usize) {
        assert!(cap.is_power_of_two() && cap >= self.len);
        if cap < self.buf.len() {
            self.move_to(cap);
        }
    }

    /// Doubles the buffer, moving the entries to the front of the new one.
    #[cold]
    fn grow(&mut self) {
        self.move_to((self.buf.len() * 2).max(FIRST));
    }

    /// Moves the entries to the front of a new buffer of `cap` entries.
    fn move_to(&mut self, cap: usize) {
        let mut buf = Vec::with_capacity(cap);
        while let Some(v) = self.pop_front() {
            buf.push(MaybeUninit::new(v));
        }
        let len = buf.len();
        buf.resize_with(cap, MaybeUninit::uninit);
        self.buf = buf;
        self.head = 0;
        self.len = len;
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        while let Some(v) = self.pop_front() {
            drop(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;
    use std::rc::Rc;

    #[test]
    fn entries_come_out_in_order_across_growth_and_wrap_around() {
        let mut r = Ring::new();
        let mut next_in = 0;
        let mut next_out = 0;
        // Interleaved pushes and pops wrap the head around the buffer
        // several times and grow it from 16 to 64 entries.
        for round in 0..40 {
            for _ in 0..(round % 7) + 2 {
                r.push_back_with(|| next_in);
                next_in += 1;
            }
            for _ in 0..(round % 5) + 1 {
                if let Some(v) = r.pop_front() {
                    assert_eq!(v, next_out);
                    next_out += 1;
                }
            }
        }
        while let Some(v) = r.pop_front() {
            assert_eq!(v, next_out);
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
        assert!(r.is_empty());
    }

    #[test]
    fn shrinking_keeps_the_entries_in_order() {
        let mut r = Ring::new();
        for i in 0..100 {
            r.push_back_with(|| i);
        }
        // The head wraps around a buffer of 128, then the ring shrinks.
        for _ in 0..90 {
            r.pop_front();
        }
        for i in 100..130 {
            r.push_back_with(|| i);
        }
        assert_eq!(r.capacity(), 128);
        r.shrink_to(64);
        assert_eq!(r.capacity(), 64);
        let out: Vec<i32> = std::iter::from_fn(|| r.pop_front()).collect();
        assert_eq!(out, (90..130).collect::<Vec<_>>());
    }

    #[test]
    fn entries_left_in_a_dropped_ring_are_dropped() {
        let shared = Rc::new(());
        let mut r = Ring::new();
        for _ in 0..20 {
            r.push_back_with(|| shared.clone());
        }
        r.pop_front();
        assert_eq!(Rc::strong_count(&shared), 20);
        drop(r);
        assert_eq!(Rc::strong_count(&shared), 1);
    }
}
