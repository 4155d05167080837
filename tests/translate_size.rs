//! How big a tamed function's task is, next to the same function written as
//! an `async fn`. A counting global allocator records the size of the first
//! allocation a call makes: the task (header + closure holding the state).
//!
//! Run with `cargo test --test translate_size -- --nocapture` to see the
//! numbers.

#![deny(warnings)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use futures_core::Stream;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

struct Recording;

thread_local! {
    /// Sizes of this thread's allocations while recording (first 8).
    static SIZES: Cell<[usize; 8]> = const { Cell::new([0; 8]) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static ON: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator; the bookkeeping only touches
// const-initialized thread-locals (no allocation, no reentrancy).
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.with(Cell::get) {
            let n = COUNT.with(Cell::get);
            if n < 8 {
                SIZES.with(|s| {
                    let mut a = s.get();
                    a[n] = layout.size();
                    s.set(a);
                });
            }
            COUNT.with(|c| c.set(n + 1));
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Recording = Recording;

/// The sizes of the allocations `f` makes, in order (at most 8).
fn allocations(f: impl FnOnce()) -> Vec<usize> {
    COUNT.with(|c| c.set(0));
    ON.with(|o| o.set(true));
    f();
    ON.with(|o| o.set(false));
    let n = COUNT.with(Cell::get).min(8);
    SIZES.with(|s| s.get()[..n].to_vec())
}

type Answers = Vec<Option<String>>;

/// The lookup both versions call: answers after a timer.
fn lookup(name: String, ev: Event<Option<String>>) {
    tame::timer(
        Duration::from_millis(1),
        Event::from_fn(move |_| ev.trigger(Some(name))),
    );
}

/// The paper's windowed multidns (figure 4).
#[tamed]
fn multidns_win(names: Vec<String>, window: usize, done: Event<Answers>) {
    tvars! {
        let mut sent = 0;
        let mut recv = 0;
        let mut a = vec![None; names.len()];
        let r = Rendezvous::<()>::new();
    }
    while recv < names.len() {
        if sent < names.len() && sent - recv < window {
            lookup(names[sent].clone(), mkevent!(r, (), a[sent]));
            sent += 1;
        } else {
            twait!(r);
            recv += 1;
        }
    }
    done.trigger(a);
}

/// The same, as an `async fn` over the same primitives.
async fn multidns_win_async(names: Vec<String>, window: usize, done: Event<Answers>) {
    let mut sent = 0;
    let mut recv = 0;
    let mut a: Answers = vec![None; names.len()];
    let mut r = Rendezvous::<usize>::new();
    let mut slots = Vec::new();
    while recv < names.len() {
        if sent < names.len() && sent - recv < window {
            let (ev, slot) = r.event_with_slot(sent);
            lookup(names[sent].clone(), ev);
            slots.push(slot);
            sent += 1;
        } else {
            let id = std::future::poll_fn(|cx| Pin::new(&mut r).poll_next(cx)).await;
            if let Some(i) = id {
                a[i] = slots[i].take().flatten();
            }
            recv += 1;
        }
    }
    done.trigger(a);
}

/// No state at all: the task's fixed cost.
#[tamed]
fn empty(ev: Event) {
    twait! { tame::asap(mkevent!()); }
    ev.trigger(());
}

fn names() -> Vec<String> {
    (0..4).map(|i| format!("n{i}")).collect()
}

#[test]
fn windowed_multidns_state_is_smaller_than_the_async_fn() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    let names = names();
    let tamed = allocations(|| multidns_win(names, 2, ev));
    tame::run();
    assert_eq!(slot.take().map(|a| a.len()), Some(4));
    let tamed_task = tamed[0];

    let (ev, _slot) = r.event_with_slot(());
    let fut = multidns_win_async(names_for_async(), 2, ev);
    let future_size = std::mem::size_of_val(&fut);
    let (done, done_slot) = r.event_with_slot(());
    let spawned = allocations(|| tame::spawn(fut, done));
    tame::run();
    assert_eq!(done_slot.take(), Some(()));

    let (ev, _s) = r.event_with_slot(());
    let empty_task = allocations(|| empty(ev))[0];
    tame::run();

    println!("windowed multidns, one allocation per call:");
    println!("  #[tamed] task (header + state closure): {tamed_task} bytes");
    println!("  #[tamed] task with no state at all:     {empty_task} bytes");
    println!(
        "  => the tamed state itself:              ~{} bytes",
        tamed_task - empty_task
    );
    println!("  async fn future (size_of_val):          {future_size} bytes");
    println!(
        "  async fn under tame::spawn (its task):  {} bytes (allocations: {spawned:?})",
        spawned.iter().max().copied().unwrap_or(0)
    );
    assert!(
        tamed_task - empty_task < future_size,
        "{tamed_task} vs {future_size}"
    );
}

fn names_for_async() -> Vec<String> {
    names()
}

#[tamed]
fn holder(keep: Rc<()>, big: [u8; 512], done: Event) {
    let sum: u32 = big.iter().map(|&b| u32::from(b)).sum();
    twait! { tame::asap(mkevent!()); }
    done.trigger(());
    drop(keep);
    assert_eq!(sum, 0);
}

#[test]
fn state_holds_only_what_crosses_a_twait() {
    // `big` is not used after the twait: the state's largest variant is
    // the start (which holds it), so it is in the task, but nothing else is.
    let r = Rendezvous::<()>::new();
    let (ev, _s) = r.event_with_slot(());
    let keep = Rc::new(());
    let task = allocations(|| holder(keep, [0; 512], ev))[0];
    tame::run();
    println!("task holding a 512-byte parameter until its first twait: {task} bytes");
    assert!((512..512 + 256).contains(&task), "{task}");
}
