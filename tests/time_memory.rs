//! A million cancelled timers cost no lasting memory: a cancelled timer's
//! entry goes when it is cancelled, and the timers' slab gives its memory
//! back once it is mostly empty, even while other timers stay armed.
//! Counted with a counting allocator (deterministic: no RSS sampling), in
//! virtual time (no waiting).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use tame::{Event, Rendezvous, Timeout};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator, only counting sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: usize = 1_000_000;
const HOUR: Duration = Duration::from_secs(3600);
/// What may stay: the loop's fixed parts and small buffers, far below a
/// million of anything.
const SMALL: isize = 128 * 1024;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Arms a timer of `after` whose callback records the heap then, relative
/// to `base`.
fn measure_at(after: Duration, base: isize, seen: &Rc<Cell<isize>>) {
    let seen = seen.clone();
    tame::timer(after, Event::from_fn(move |_| seen.set(live() - base)));
}

// One test (the allocator's count is the whole process's; tests run on
// threads at once).
#[test]
fn a_million_cancelled_timers_cost_no_lasting_memory() {
    tame::time::pause();

    // 1. A million timers, each on its own rendezvous, cancelled while a
    //    few others stay armed; the heap is looked at from a survivor's
    //    callback, while the survivors are still armed.
    let seen = Rc::new(Cell::new(isize::MAX));
    let survivors = Rendezvous::<()>::new();
    let base = live();
    for k in 0..10 {
        tame::timer(HOUR + Duration::from_secs(k), survivors.event(()));
    }
    measure_at(HOUR, base, &seen);
    let rs: Vec<Rendezvous<()>> = (0..N).map(|_| Rendezvous::new()).collect();
    for r in &rs {
        tame::timer(HOUR, r.event(()));
    }
    assert_eq!(tame::__timer_entries(), N + 11);
    drop(rs);
    assert_eq!(tame::__timer_entries(), 11, "freed when cancelled");
    tame::run();
    eprintln!(
        "1: {} bytes left while the survivors were armed",
        seen.get()
    );
    assert!(
        seen.get() < SMALL,
        "{} bytes left while the survivors were armed",
        seen.get()
    );
    assert_eq!(std::iter::from_fn(|| survivors.try_next()).count(), 10);

    // 2. A million timers of one rendezvous, cancelled at once.
    let seen = Rc::new(Cell::new(isize::MAX));
    let base = live();
    let r = Rendezvous::<u32>::new();
    for _ in 0..N {
        tame::timer(HOUR, r.event(0));
    }
    r.cancel();
    measure_at(Duration::from_secs(1), base, &seen);
    tame::run();
    eprintln!("2: {} bytes left", seen.get());
    assert!(seen.get() < SMALL, "{} bytes left", seen.get());
    drop(r);

    // 3. A million timeouts, each decided (half by their event, half by
    //    being dropped).
    let base = live();
    let r = Rendezvous::<()>::new();
    for i in 0..N {
        let (ev, _slot) = r.event_with_slot::<Result<usize, Timeout>>(());
        let wrapped = tame::add_timeout(HOUR, ev);
        if i % 2 == 0 {
            wrapped.trigger(i);
        }
        let _ = r.try_next();
    }
    let seen = Rc::new(Cell::new(isize::MAX));
    measure_at(Duration::from_secs(1), base, &seen);
    tame::run();
    eprintln!("3: {} bytes left", seen.get());
    assert!(seen.get() < SMALL, "{} bytes left", seen.get());
    assert_eq!(tame::__timer_entries(), 0);
}
