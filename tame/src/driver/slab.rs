//! A slab: values stored under small integer keys that stay valid until
//! removed, with O(1) insert and remove and freed keys reused.
//!
//! The loop keys its registrations by slab index (plus a generation, so that
//! a reused index is told apart from the registration it replaced), and a
//! rendezvous keeps the watch ids of its events in one.
//!
//! The free slots are a doubly linked list, so that any one can be taken
//! out of it: the free slots at the end are given back as soon as they are
//! at the end (a burst is over once its last value goes, even with a
//! listener or a long-lived task still stored in front of it).

/// A slot: a value, or a link of the free list.
enum Entry<T> {
    Used(T),
    Free { prev: u32, next: u32 },
}

/// Values under `u32` keys.
pub(crate) struct Slab<T> {
    entries: Vec<Entry<T>>,
    /// The first free slot (`NONE`: none; then the next insert pushes).
    free: u32,
    len: u32,
}

const NONE: u32 = u32::MAX;

/// An emptied slab keeps a buffer this small, so that one that goes
/// between empty and one entry does not allocate each time.
const KEEP: usize = 16;

impl<T> Slab<T> {
    pub(crate) const fn new() -> Self {
        Slab {
            entries: Vec::new(),
            free: NONE,
            len: 0,
        }
    }

    /// Stores `value` and returns its key.
    ///
    /// # Panics
    ///
    /// With more than `u32::MAX - 1` values stored at once.
    #[inline]
    pub(crate) fn insert(&mut self, value: T) -> u32 {
        self.len += 1;
        if self.free != NONE {
            let key = self.free;
            self.unlink(key);
            self.entries[key as usize] = Entry::Used(value);
            key
        } else {
            let key = u32::try_from(self.entries.len())
                .ok()
                .filter(|&k| k != NONE)
                .expect("fewer than 4 billion slab entries");
            self.entries.push(Entry::Used(value));
            key
        }
    }

    /// Takes the value under `key` out, if there is one.
    #[inline]
    pub(crate) fn remove(&mut self, key: u32) -> Option<T> {
        let slot = self.entries.get_mut(key as usize)?;
        if matches!(slot, Entry::Free { .. }) {
            return None;
        }
        let free = Entry::Free {
            prev: NONE,
            next: self.free,
        };
        let Entry::Used(value) = std::mem::replace(slot, free) else {
            unreachable!("checked above")
        };
        if self.free != NONE {
            self.set_prev(self.free, key);
        }
        self.free = key;
        self.len -= 1;
        if self.len == 0 && self.entries.capacity() > KEEP {
            // Empty again after a burst: give the memory back (a burst of
            // registrations or watches costs nothing once it is over).
            self.entries = Vec::new();
            self.free = NONE;
        } else if key as usize + 1 == self.entries.len() {
            self.trim();
        }
        Some(value)
    }

    /// Takes the free slot `key` out of the free list.
    #[inline]
    fn unlink(&mut self, key: u32) {
        let Entry::Free { prev, next } = self.entries[key as usize] else {
            unreachable!("the free list holds a used slot")
        };
        if prev == NONE {
            self.free = next;
        } else {
            self.set_next(prev, next);
        }
        if next != NONE {
            self.set_prev(next, prev);
        }
    }

    #[inline]
    fn set_prev(&mut self, key: u32, to: u32) {
        if let Entry::Free { prev, .. } = &mut self.entries[key as usize] {
            *prev = to;
        }
    }

    #[inline]
    fn set_next(&mut self, key: u32, to: u32) {
        if let Entry::Free { next, .. } = &mut self.entries[key as usize] {
            *next = to;
        }
    }

    /// The last slot was freed: the free slots at the end go, each in
    /// O(1) (a slot pushed is trimmed at most once), and the buffer
    /// shrinks once it is four times longer than needed.
    #[cold]
    fn trim(&mut self) {
        while let Some(Entry::Free { .. }) = self.entries.last() {
            let last = (self.entries.len() - 1) as u32;
            self.unlink(last);
            self.entries.pop();
        }
        let need = self.entries.len().max(KEEP);
        if self.entries.capacity() > 4 * need {
            self.entries.shrink_to(2 * need);
        }
    }

    pub(crate) fn get(&self, key: u32) -> Option<&T> {
        match self.entries.get(key as usize)? {
            Entry::Used(v) => Some(v),
            Entry::Free { .. } => None,
        }
    }

    /// The values stored, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Used(v) => Some(v),
            Entry::Free { .. } => None,
        })
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// Takes every value out, leaving the slab empty.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = T> {
        self.free = NONE;
        self.len = 0;
        std::mem::take(&mut self.entries)
            .into_iter()
            .filter_map(|e| match e {
                Entry::Used(v) => Some(v),
                Entry::Free { .. } => None,
            })
    }
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Slab;

    #[test]
    fn keys_are_reused_and_removed_values_come_back_once() {
        let mut s = Slab::new();
        let a = s.insert("a");
        let b = s.insert("b");
        assert_eq!(s.remove(a), Some("a"));
        assert_eq!(s.remove(a), None);
        let c = s.insert("c");
        assert_eq!(c, a, "a freed key is reused");
        assert_eq!(s.get(b), Some(&"b"));
        assert_eq!(s.len(), 2);
        let mut all: Vec<_> = s.drain().collect();
        all.sort();
        assert_eq!(all, ["b", "c"]);
        assert_eq!(s.len(), 0);
        assert_eq!(s.insert("d"), 0);
    }

    #[test]
    fn a_burst_over_with_values_left_in_front_gives_its_memory_back() {
        let mut s = Slab::new();
        let keys: Vec<u32> = (0..10_000).map(|i| s.insert(i)).collect();
        // The first value stays (a listener), and one in the middle goes
        // last (the burst's longest connection).
        for &k in keys[1..].iter().rev() {
            if k != 5_000 {
                s.remove(k);
            }
        }
        assert_eq!(s.len(), 2);
        assert_eq!(s.entries.len(), 5_001, "the free tail is gone");
        s.remove(5_000);
        assert_eq!(s.entries.len(), 1);
        assert!(
            s.entries.capacity() <= 2 * super::KEEP,
            "{}",
            s.entries.capacity()
        );
        assert_eq!(s.get(0), Some(&0));
        let again: Vec<u32> = (0..100).map(|i| s.insert(i)).collect();
        for (i, k) in again.iter().enumerate() {
            assert_eq!(s.get(*k), Some(&i));
        }
        assert_eq!(s.remove(0), Some(0));
        assert_eq!(s.len(), 100);
    }

    #[test]
    fn free_slots_in_the_middle_are_reused_and_never_lost() {
        let mut s = Slab::new();
        let keys: Vec<u32> = (0..1_000).map(|i| s.insert(i)).collect();
        // Every other one freed, then the tail: the free slots left in
        // the middle must all still be found, and no key handed out twice.
        for &k in keys.iter().step_by(2) {
            s.remove(k);
        }
        for &k in keys[900..].iter().skip(1).step_by(2) {
            s.remove(k);
        }
        assert_eq!(s.entries.len(), 900);
        let mut got: Vec<u32> = (0..450).map(|i| s.insert(i)).collect();
        got.sort();
        got.dedup();
        assert_eq!(got.len(), 450);
        assert!(got.iter().all(|&k| k < 899), "the holes are filled first");
        assert_eq!(s.entries.len(), 900);
    }

    #[test]
    fn an_emptied_slab_frees_its_memory() {
        let mut s = Slab::new();
        let keys: Vec<u32> = (0..1000).map(|i| s.insert(i)).collect();
        for k in keys {
            s.remove(k);
        }
        assert_eq!(s.entries.capacity(), 0);
    }
}
