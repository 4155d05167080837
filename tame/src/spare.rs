//! The memory of finished tasks, kept for the tasks started next.
//!
//! A task is one `Rc` allocation, and a program that runs a short-lived
//! tamed function per request or per round trip would free one and
//! allocate one of the same size each time. A task that ends while the
//! loop holds its only reference leaves its allocation here instead, its
//! value dropped in place, and the next task whose cell has the same size
//! and alignment takes it over: `Rc::from_raw` takes back the pointer of
//! an `Rc<U>` as an `Rc<T>` when `T` and `U` have the same size and
//! alignment, which is what the allocation's layout depends on.
//!
//! What is kept is bounded ([`SHELVES`] layouts, [`KEEP`] cells each); a
//! cell that finds no room is freed as usual. The cells left when the
//! thread ends are freed with it.

use std::cell::RefCell;
use std::mem::{align_of, size_of, MaybeUninit};
use std::rc::Rc;

/// How many layouts are kept at once; a layout's shelf is chosen by its
/// size.
const SHELVES: usize = 8;

/// How many cells of one layout are kept.
const KEEP: usize = 16;

/// Cells of one layout: each of the first `len` pointers comes from
/// `Rc::into_raw` of an `Rc<MaybeUninit<X>>`, for some `X` of this size
/// and alignment.
struct Shelf {
    size: usize,
    align: usize,
    len: usize,
    cells: [*const (); KEEP],
    /// Frees one of `cells` (an `Rc<MaybeUninit<X>>` dropped: only the
    /// layout matters).
    free: unsafe fn(*const ()),
}

struct Spare([Shelf; SHELVES]);

impl Drop for Spare {
    fn drop(&mut self) {
        for shelf in &mut self.0 {
            for &raw in &shelf.cells[..shelf.len] {
                // SAFETY: see `Shelf`; `free` is the one for its layout.
                unsafe { (shelf.free)(raw) };
            }
            shelf.len = 0;
        }
    }
}

const EMPTY: Shelf = Shelf {
    size: 0,
    align: 0,
    len: 0,
    cells: [std::ptr::null(); KEEP],
    free: free::<()>,
};

thread_local! {
    static SPARE: RefCell<Spare> = const { RefCell::new(Spare([EMPTY; SHELVES])) };
}

#[inline]
fn shelf_of(size: usize) -> usize {
    (size / 8) % SHELVES
}

/// Drops an `Rc<MaybeUninit<T>>` given by its raw pointer: frees its
/// allocation (the value is uninitialized, nothing is dropped).
///
/// # Safety
///
/// `raw` comes from `Rc::into_raw` of an `Rc<MaybeUninit<U>>` with `U` of
/// `T`'s size and alignment, and its reference is not used again.
unsafe fn free<T>(raw: *const ()) {
    // SAFETY: as the caller promises, which is what `Rc::from_raw` asks.
    drop(unsafe { Rc::from_raw(raw.cast::<MaybeUninit<T>>()) });
}

/// A kept allocation for a `T`, if there is one: an `Rc` whose value is
/// uninitialized and that nothing else refers to.
#[inline]
pub(crate) fn take<T>() -> Option<Rc<MaybeUninit<T>>> {
    let (size, align) = (size_of::<T>(), align_of::<T>());
    let raw = SPARE
        .try_with(|s| {
            let mut s = s.try_borrow_mut().ok()?;
            let shelf = &mut s.0[shelf_of(size)];
            if shelf.size != size || shelf.align != align || shelf.len == 0 {
                return None;
            }
            shelf.len -= 1;
            Some(shelf.cells[shelf.len])
        })
        .ok()
        .flatten()?;
    // SAFETY: the pointer comes from `Rc::into_raw` of an
    // `Rc<MaybeUninit<U>>` with `U` of `T`'s size and alignment (the
    // shelf's), which `Rc::from_raw` allows; it left the shelf, so the
    // reference it stood for is this `Rc`'s alone.
    Some(unsafe { Rc::from_raw(raw.cast::<MaybeUninit<T>>()) })
}

/// Keeps `cell`'s allocation for a later [`take`], or frees it if there
/// is no room. The callers pass an `Rc` with no other reference (if it had
/// one, [`new_rc`] would not use it).
pub(crate) fn put<T>(cell: Rc<MaybeUninit<T>>) {
    let (size, align) = (size_of::<T>(), align_of::<T>());
    let raw = Rc::into_raw(cell).cast::<()>();
    let kept = SPARE
        .try_with(|s| {
            let Ok(mut s) = s.try_borrow_mut() else {
                return false;
            };
            let shelf = &mut s.0[shelf_of(size)];
            if shelf.len == 0 {
                shelf.size = size;
                shelf.align = align;
                shelf.free = free::<T>;
            } else if shelf.size != size || shelf.align != align || shelf.len == KEEP {
                return false;
            }
            shelf.cells[shelf.len] = raw;
            shelf.len += 1;
            true
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: `raw` comes from `Rc::into_raw` of an
        // `Rc<MaybeUninit<T>>`, and was not kept.
        unsafe { free::<T>(raw) };
    }
}

/// `Rc::new(value)`, in a kept allocation if there is one of `T`'s layout.
#[inline]
pub(crate) fn new_rc<T>(value: T) -> Rc<T> {
    match take::<T>() {
        Some(mut cell) => match Rc::get_mut(&mut cell) {
            Some(slot) => {
                slot.write(value);
                // SAFETY: the value was just written.
                unsafe { cell.assume_init() }
            }
            None => Rc::new(value),
        },
        None => Rc::new(value),
    }
}

#[cfg(test)]
mod tests {
    use super::{new_rc, put};
    use std::rc::Rc;

    #[test]
    fn a_kept_cell_is_taken_by_a_value_of_the_same_layout() {
        let first = Rc::<[u64; 5]>::new_uninit();
        let at = Rc::as_ptr(&first).cast::<u8>();
        put(first);
        let second = new_rc((1u64, 2u64, 3u64, 4u64, 5u64));
        assert_eq!(Rc::as_ptr(&second).cast::<u8>(), at);
        assert_eq!(*second, (1, 2, 3, 4, 5));
        // Taken: the next value of that layout gets a cell of its own.
        let third = new_rc([0u64; 5]);
        assert_ne!(Rc::as_ptr(&third).cast::<u8>(), at);
    }
}
