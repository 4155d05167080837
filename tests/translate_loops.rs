//! Loops that block many times, and loops whose twaits never block: a
//! million already-triggered twaits run on a small stack (inside `run()`,
//! yielding to the loop after each 128, the budget of twaits that did not
//! wait).

#![deny(warnings)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[tamed]
fn yielder(tag: char, n: u32, out: Rc<RefCell<String>>) {
    let mut i = 0;
    while i < n {
        twait! { tame::asap(mkevent!()); }
        out.borrow_mut().push(tag);
        i += 1;
    }
}

#[test]
fn ten_thousand_yields_interleave_in_fifo_order() {
    let out = Rc::new(RefCell::new(String::new()));
    yielder('a', 10_000, out.clone());
    yielder('b', 10_000, out.clone());
    tame::run();
    let s = out.borrow();
    assert_eq!(s.len(), 20_000);
    assert_eq!(*s, "ab".repeat(10_000));
}

#[tamed]
fn for_yielder(n: u64, sum: Rc<Cell<u64>>) {
    let mut total = 0;
    for i in 0..n {
        let v;
        twait! { tame::asap(mkevent!()); v = i; }
        total += v;
    }
    sum.set(total);
}

#[test]
fn for_loop_blocking_ten_thousand_times() {
    let sum = Rc::new(Cell::new(0));
    for_yielder(10_000, sum.clone());
    assert_eq!(sum.get(), 0);
    tame::run();
    assert_eq!(sum.get(), (0..10_000).sum::<u64>());
}

const MILLION: u64 = 1_000_000;

#[tamed]
fn ready_join_loop(n: u64, done: Rc<Cell<u64>>) {
    let mut count = 0;
    let mut got = 0u64;
    for i in 0..n {
        twait! { mkevent!(got).trigger(i); }
        count += got - i + 1;
    }
    done.set(count);
}

#[tamed]
fn ready_rendezvous_loop(n: u64, done: Rc<Cell<u64>>) {
    tvars! { let r = Rendezvous::<u64>::new(); let mut count = 0; }
    loop {
        if count == n {
            break;
        }
        r.event(count).trigger(());
        if let Some(id) = twait!(r) {
            count = id + 1;
        }
    }
    done.set(count);
}

#[tamed]
fn ready_while_let(n: u64, done: Rc<Cell<u64>>) {
    tvars! { let r = Rendezvous::<()>::new(); let mut count = 0; }
    r.event(()).trigger(());
    while let Some(()) = twait!(r) {
        count += 1;
        if count < n {
            r.event(()).trigger(());
        }
    }
    done.set(count);
}

/// Runs `f` on a thread with a 256 KiB stack.
fn small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn a_million_ready_twait_blocks_do_not_yield_or_grow_the_stack() {
    small_stack(|| {
        let done = Rc::new(Cell::new(0));
        ready_join_loop(MILLION, done.clone());
        // Finished inside the call: no twait yielded to the loop (outside
        // `run()` the budget of twaits that did not wait does not apply).
        assert_eq!(done.get(), MILLION);
        assert!(tame::blocked().is_empty());
        tame::run();
    });
}

#[test]
fn a_million_ready_rendezvous_twaits_do_not_yield_or_grow_the_stack() {
    small_stack(|| {
        let done = Rc::new(Cell::new(0));
        ready_rendezvous_loop(MILLION, done.clone());
        assert_eq!(done.get(), MILLION);
        let done = Rc::new(Cell::new(0));
        ready_while_let(MILLION, done.clone());
        assert_eq!(done.get(), MILLION);
        tame::run();
    });
}

#[test]
fn inside_run_a_million_ready_twaits_yield_now_and_then_in_a_small_stack() {
    small_stack(|| {
        let (done, done2) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let (d, d2) = (done.clone(), done2.clone());
        // Started inside `run()`: they take turns, 128 twaits at a time.
        tame::asap(tame::Event::from_fn(move |_: Option<()>| {
            ready_join_loop(MILLION, d);
            ready_rendezvous_loop(MILLION, d2);
        }));
        tame::run();
        assert_eq!((done.get(), done2.get()), (MILLION, MILLION));
    });
}

#[tamed]
fn countdown(n: u32, ev: Event<u32>) {
    if n == 0 {
        ev.trigger(0);
        return;
    }
    let mut below = 0;
    twait! { countdown(n - 1, mkevent!(below)); }
    ev.trigger(below + 1);
}

#[test]
fn deep_chain_of_tamed_calls_that_complete_at_once() {
    small_stack(|| {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot(());
        countdown(20, ev);
        tame::run();
        assert_eq!(slot.take(), Some(20));
    });
}
