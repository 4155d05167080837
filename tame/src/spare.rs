//! Finished tasks, kept for the tasks started next.
//!
//! A task is one `Rc` allocation, and a program that runs a short-lived
//! tamed function per request or per round trip would free one and
//! allocate one of the same type each time, and enter it in the loop's
//! table of blocked tasks and take it out again. A task that ends while
//! the loop holds its only reference is kept here instead, done (its state
//! dropped, so it holds nothing), and the next task of the same type takes
//! over its allocation and its entry in that table (see
//! `crate::task::start`).
//!
//! What is kept is bounded ([`SHELVES`] types at once, [`KEEP`] tasks
//! each, none bigger than [`MAX_SIZE`], whose allocation costs little
//! next to filling it); a task that finds no room is dropped as usual, and
//! so are those left when the thread ends.

use std::any::TypeId;
use std::cell::RefCell;
use std::mem::size_of;
use std::rc::Rc;

/// How many types are kept at once; a type's shelf is chosen by its size.
const SHELVES: usize = 8;

/// How many values of one type are kept.
const KEEP: usize = 16;

/// The biggest value kept, in bytes.
const MAX_SIZE: usize = 1024;

/// Values of one type: each of the first `len` pointers comes from
/// `Rc::into_raw` of an `Rc<T>` with `TypeId::of::<T>() == ty`, and stands
/// for that `Rc`.
struct Shelf {
    ty: Option<TypeId>,
    len: usize,
    cells: [*const (); KEEP],
    /// Drops one of `cells` (`drop_rc::<T>` for the shelf's type).
    drop: unsafe fn(*const ()),
}

struct Spare([Shelf; SHELVES], Closed);

/// The loop's teardown began ([`close`]): nothing more is kept, so no
/// task is started in the memory of one whose entry in the loop's table
/// of blocked tasks went with the table.
#[derive(Clone, Copy, PartialEq)]
struct Closed(bool);

impl Drop for Spare {
    fn drop(&mut self) {
        for shelf in &mut self.0 {
            let len = std::mem::take(&mut shelf.len);
            for &raw in &shelf.cells[..len] {
                // SAFETY: see `Shelf`; `drop` is the one for its type, and
                // the pointer left the shelf (`len` is 0).
                unsafe { (shelf.drop)(raw) };
            }
        }
    }
}

const EMPTY: Shelf = Shelf {
    ty: None,
    len: 0,
    cells: [std::ptr::null(); KEEP],
    drop: drop_rc::<()>,
};

thread_local! {
    static SPARE: RefCell<Spare> = const { RefCell::new(Spare([EMPTY; SHELVES], Closed(false))) };
}

#[inline]
fn shelf_of<T>() -> usize {
    (size_of::<T>() / 8) % SHELVES
}

/// Drops the `Rc<T>` that `raw` stands for.
///
/// # Safety
///
/// `raw` comes from `Rc::into_raw` of an `Rc<T>`, and is not used again.
unsafe fn drop_rc<T>(raw: *const ()) {
    // SAFETY: as the caller promises, which is what `Rc::from_raw` asks.
    drop(unsafe { Rc::from_raw(raw.cast::<T>()) });
}

/// A kept `T`, if there is one.
#[inline]
pub(crate) fn take<T: 'static>() -> Option<Rc<T>> {
    if size_of::<T>() > MAX_SIZE {
        return None;
    }
    let raw = SPARE
        .try_with(|s| {
            let mut s = s.try_borrow_mut().ok()?;
            let shelf = &mut s.0[shelf_of::<T>()];
            if shelf.len == 0 || shelf.ty != Some(TypeId::of::<T>()) {
                return None;
            }
            shelf.len -= 1;
            Some(shelf.cells[shelf.len])
        })
        .ok()
        .flatten()?;
    // SAFETY: the pointer comes from `Rc::into_raw` of an `Rc<T>` (the
    // shelf's type is `T`'s), and it left the shelf.
    Some(unsafe { Rc::from_raw(raw.cast::<T>()) })
}

/// Keeps `value` for a later [`take`], or drops it if there is no room. A
/// shelf holding another type is emptied for it: the type finished last is
/// the likelier to be started next.
#[inline]
pub(crate) fn put<T: 'static>(value: Rc<T>) {
    if size_of::<T>() > MAX_SIZE {
        return;
    }
    let raw = Rc::into_raw(value).cast::<()>();
    // `Some(kept)`, or `None` if the shelf holds another type.
    let kept = SPARE
        .try_with(|s| {
            let Ok(mut s) = s.try_borrow_mut() else {
                return Some(false);
            };
            let closed = s.1;
            let shelf = &mut s.0[shelf_of::<T>()];
            if shelf.len == 0 {
                if closed.0 {
                    return Some(false);
                }
                shelf.ty = Some(TypeId::of::<T>());
                shelf.drop = drop_rc::<T>;
            } else if shelf.ty != Some(TypeId::of::<T>()) {
                return None;
            } else if shelf.len == KEEP {
                return Some(false);
            }
            shelf.cells[shelf.len] = raw;
            shelf.len += 1;
            Some(true)
        })
        .unwrap_or(Some(false));
    match kept {
        Some(true) => {}
        // Dropped with no borrow held: a task's drop reaches the loop.
        // SAFETY: `raw` comes from `Rc::into_raw` of an `Rc<T>`, and was
        // not kept.
        Some(false) => unsafe { drop_rc::<T>(raw) },
        // SAFETY: as above.
        None => unsafe { put_on_emptied::<T>(raw) },
    }
}

/// [`put`] for a shelf that holds another type: empties it, then puts the
/// `Rc<T>` that `raw` stands for.
///
/// # Safety
///
/// `raw` comes from `Rc::into_raw` of an `Rc<T>`, and is not used again.
#[cold]
#[inline(never)]
unsafe fn put_on_emptied<T: 'static>(raw: *const ()) {
    empty_shelf(shelf_of::<T>());
    // SAFETY: as the caller promises.
    put(unsafe { Rc::from_raw(raw.cast::<T>()) });
}

/// Drops everything kept and keeps nothing from now on: the loop's
/// teardown began (see [`Closed`]).
pub(crate) fn close() {
    let _ = SPARE.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.1 = Closed(true);
        }
    });
    for index in 0..SHELVES {
        empty_shelf(index);
    }
}

/// Empties shelf `index`, dropping what it held (with no borrow held).
#[cold]
fn empty_shelf(index: usize) {
    let held = SPARE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        Some(std::mem::replace(&mut s.0[index], EMPTY))
    });
    if let Ok(Some(held)) = held {
        let mut one = Spare([EMPTY; SHELVES], Closed(true));
        one.0[0] = held;
        // Its `Drop` drops what the shelf held.
        drop(one);
    }
}

#[cfg(test)]
mod tests {
    use super::{put, take};
    use std::rc::Rc;

    #[test]
    fn a_kept_value_is_taken_by_its_type_only() {
        let first = Rc::new([7u64; 5]);
        let at = Rc::as_ptr(&first);
        put(first);
        // Another type of the same size finds nothing.
        assert!(take::<(u64, u64, u64, u64, u64)>().is_none());
        let again = take::<[u64; 5]>().expect("kept");
        assert_eq!(Rc::as_ptr(&again), at);
        assert_eq!(*again, [7; 5]);
        assert!(take::<[u64; 5]>().is_none());
    }

    #[test]
    fn a_type_put_last_takes_the_shelf_over() {
        let old = Rc::new([3u64; 6]);
        let weak = Rc::downgrade(&old);
        put(old);
        put(Rc::new((1u64, 2u64, 3u64, 4u64, 5u64, 6u64)));
        assert!(
            weak.upgrade().is_none(),
            "the other type's value was dropped"
        );
        assert!(take::<[u64; 6]>().is_none());
        assert_eq!(
            *take::<(u64, u64, u64, u64, u64, u64)>().expect("kept"),
            (1, 2, 3, 4, 5, 6)
        );
    }

    #[test]
    fn a_big_value_is_not_kept() {
        put(Rc::new([0u8; super::MAX_SIZE + 1]));
        assert!(take::<[u8; super::MAX_SIZE + 1]>().is_none());
    }

    #[test]
    fn a_shelf_keeps_a_bounded_number() {
        for _ in 0..super::KEEP + 5 {
            put(Rc::new([1u32; 3]));
        }
        let mut n = 0;
        while take::<[u32; 3]>().is_some() {
            n += 1;
        }
        assert_eq!(n, super::KEEP);
    }
}
