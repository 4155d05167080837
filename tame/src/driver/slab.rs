//! A slab: values stored under small integer keys that stay valid until
//! removed, with O(1) insert and remove and freed keys reused.
//!
//! The loop keys its registrations by slab index (plus a generation, so that
//! a reused index is told apart from the registration it replaced), and a
//! rendezvous keeps the watch ids of its events in one.

/// A slot: a value, or the index of the next free slot.
enum Entry<T> {
    Used(T),
    Free(u32),
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
            let slot = &mut self.entries[key as usize];
            let Entry::Free(next) = *slot else {
                unreachable!("the free list points at a used slot")
            };
            self.free = next;
            *slot = Entry::Used(value);
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
        if matches!(slot, Entry::Free(_)) {
            return None;
        }
        let Entry::Used(value) = std::mem::replace(slot, Entry::Free(self.free)) else {
            unreachable!("checked above")
        };
        self.free = key;
        self.len -= 1;
        if self.len == 0 && self.entries.capacity() > KEEP {
            // Empty again after a burst: give the memory back (a burst of
            // registrations or watches costs nothing once it is over).
            self.entries = Vec::new();
            self.free = NONE;
        }
        Some(value)
    }

    pub(crate) fn get(&self, key: u32) -> Option<&T> {
        match self.entries.get(key as usize)? {
            Entry::Used(v) => Some(v),
            Entry::Free(_) => None,
        }
    }

    /// The values stored, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Used(v) => Some(v),
            Entry::Free(_) => None,
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
                Entry::Free(_) => None,
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
    fn an_emptied_slab_frees_its_memory() {
        let mut s = Slab::new();
        let keys: Vec<u32> = (0..1000).map(|i| s.insert(i)).collect();
        for k in keys {
            s.remove(k);
        }
        assert_eq!(s.entries.capacity(), 0);
    }
}
