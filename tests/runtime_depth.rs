//! Chains of synchronous work of any length run in bounded stack: events
//! completing events, and tamed functions calling tamed functions that
//! finish without blocking, and asking whether a chain of events is live.
//! Test threads have a 2 MiB stack, where a recursive chain of this length
//! would overflow long before its end.

use std::cell::Cell;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::Duration;

use tame::task::Slot;
use tame::{mkevent, tamed, twait, Event, Interest, Rendezvous};

const LINKS: u32 = 1_000_000;

/// An event that records what it got, and the outer end of a chain of
/// `LINKS` maps around it, each adding one.
fn map_chain(seen: &Rc<Cell<Option<u32>>>) -> Event<u32> {
    let s = seen.clone();
    let mut ev: Event<u32> = Event::from_fn(move |v| s.set(v));
    for _ in 0..LINKS {
        ev = ev.map(|v: u32| v + 1);
    }
    ev
}

/// The same with `from_fn` callbacks that trigger the next event, or drop
/// it when dropped.
fn callback_chain(seen: &Rc<Cell<Option<u32>>>) -> Event<u32> {
    let s = seen.clone();
    let mut ev: Event<u32> = Event::from_fn(move |v| s.set(v));
    for _ in 0..LINKS {
        let next = ev;
        ev = Event::from_fn(move |v: Option<u32>| {
            if let Some(v) = v {
                next.trigger(v + 1);
            }
        });
    }
    ev
}

#[test]
fn a_million_maps_trigger_and_drop() {
    let seen = Rc::new(Cell::new(None));
    map_chain(&seen).trigger(0);
    assert_eq!(seen.get(), Some(LINKS));

    seen.set(Some(7));
    drop(map_chain(&seen));
    assert_eq!(seen.get(), None, "the innermost event reports as dropped");
}

#[test]
fn a_million_callbacks_trigger_and_drop() {
    let seen = Rc::new(Cell::new(None));
    callback_chain(&seen).trigger(0);
    assert_eq!(seen.get(), Some(LINKS));

    seen.set(Some(7));
    drop(callback_chain(&seen));
    assert_eq!(seen.get(), None, "the innermost event reports as dropped");
}

/// A chain of `n` maps, each adding one, around an event of `r` whose
/// value comes to the slot.
fn maps_around(r: &Rendezvous<()>, n: u32) -> (Event<u32>, Slot<u32>) {
    let (mut ev, slot) = r.event_with_slot::<u32>(());
    for _ in 0..n {
        ev = ev.map(|v: u32| v + 1);
    }
    (ev, slot)
}

#[test]
fn a_long_map_chain_is_asked_whether_it_is_live_in_bounded_stack() {
    // Whether a chain of maps is live is the innermost event's answer:
    // `is_live`, arming a timer and parking a wait on a descriptor (which
    // watch it, and unwatch it when it fires) ask it. Asked down the chain
    // by recursion, 100,000 levels overflowed a 2 MiB stack; this thread
    // has 256 KiB.
    const DEEP: u32 = 100_000;
    let small = std::thread::Builder::new().stack_size(256 * 1024);
    let body = move || {
        let r = Rendezvous::<()>::new();
        let (timed, timed_slot) = maps_around(&r, DEEP);
        assert!(timed.is_live());
        tame::timer(Duration::from_millis(1), timed.map(|()| 0));
        assert_eq!(tame::__timer_entries(), 1);

        let (parked, parked_slot) = maps_around(&r, DEEP);
        let (a, b) = UnixStream::pair().unwrap();
        tame::wait_on_fd(&a, Interest::Read, parked.map(|()| 0)).unwrap();
        assert_eq!(tame::__live_waits(), 1);
        tame::asap(Event::from_fn(move |_| (&b).write_all(b"x").unwrap()));
        tame::run();
        assert_eq!(timed_slot.take(), Some(DEEP));
        assert_eq!(parked_slot.take(), Some(DEEP));
        assert_eq!(tame::__live_waits(), 0);

        // Dead at its innermost event: dead, and not armed.
        let gone = Rendezvous::<()>::new();
        let (dead, _slot) = maps_around(&gone, DEEP);
        gone.cancel();
        assert!(!dead.is_live());
        tame::timer(Duration::from_secs(3600), dead.map(|()| 0));
        assert_eq!(tame::__timer_entries(), 0);
        tame::run();
    };
    small.spawn(body).unwrap().join().unwrap();
}

/// Counts down to zero through `n` nested calls, none of which blocks.
#[tamed]
fn depth(n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let below: u32;
    twait! { depth(n - 1, mkevent!(below)); }
    below + 1
}

#[test]
fn a_million_nested_synchronous_tamed_calls() {
    let got = Rc::new(Cell::new(None));
    let g = got.clone();
    depth(LINKS, Event::from_fn(move |v| g.set(v)));
    tame::run();
    assert_eq!(got.get(), Some(LINKS));
    assert!(tame::blocked().is_empty());
}

#[tamed]
fn shallow(n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let below: u32;
    twait! { shallow(n - 1, mkevent!(below)); }
    below + 1
}

#[test]
fn a_shallow_synchronous_chain_still_finishes_inline() {
    // Within the bound a chain completes before the outermost call
    // returns, with no loop turn, as a plain call would.
    let got = Rc::new(Cell::new(None));
    let g = got.clone();
    shallow(50, Event::from_fn(move |v| g.set(v)));
    assert_eq!(got.get(), Some(50));
}

/// A level with a big frame (in a debug build, about 200 KB: the array is
/// copied several times): 64 of them would not fit in a 2 MiB stack.
#[tamed]
fn heavy(n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let frame = std::hint::black_box([1u8; 8 * 1024]);
    let here = u32::from(frame[n as usize % frame.len()]);
    let below: u32;
    twait! { heavy(n - 1, mkevent!(below)); }
    below + here
}

#[test]
fn a_chain_of_levels_with_big_frames_is_bounded_by_stack_too() {
    let got = Rc::new(Cell::new(None));
    let g = got.clone();
    heavy(10_000, Event::from_fn(move |v| g.set(v)));
    tame::run();
    assert_eq!(got.get(), Some(10_000));
}

/// A fan-out built as waiters come, `acc = tame::all(vec![acc, ev])`,
/// nests one level per waiter: triggering it, dropping it, asking whether
/// it is live and arming a timer with it (which watches it, then unwatches
/// it) walk every level in bounded stack. Each level was a few frames of
/// recursion: 5,000 waiters overflowed a 2 MiB stack; this thread has
/// 256 KiB.
#[test]
fn a_fan_out_nested_a_level_per_waiter_runs_in_bounded_stack() {
    const WAITERS: usize = 100_000;
    let small = std::thread::Builder::new().stack_size(256 * 1024);
    let body = move || {
        let r = Rendezvous::<()>::new();
        let nested = |r: &Rendezvous<()>| {
            let mut slots = Vec::new();
            let mut acc: Option<Event<u32>> = None;
            for _ in 0..WAITERS {
                let (ev, slot) = r.event_with_slot::<u32>(());
                slots.push(slot);
                acc = Some(match acc.take() {
                    None => ev,
                    Some(a) => tame::all(vec![a, ev]),
                });
            }
            (acc.unwrap(), slots)
        };
        let got = |slots: &[Slot<u32>]| slots.iter().filter(|s| s.take() == Some(5)).count();

        let (ev, slots) = nested(&r);
        assert!(ev.is_live());
        ev.trigger(5);
        assert_eq!(got(&slots), WAITERS);

        let (ev, slots) = nested(&r);
        drop(ev);
        assert_eq!(got(&slots), 0);

        let (ev, slots) = nested(&r);
        tame::timer(Duration::from_millis(1), ev.map(|()| 5));
        assert_eq!(tame::__timer_entries(), 1);
        tame::run();
        assert_eq!(got(&slots), WAITERS);

        // Dead at every leaf: dead, and not armed.
        let gone = Rendezvous::<()>::new();
        let (dead, _slots) = nested(&gone);
        gone.cancel();
        assert!(!dead.is_live());
        tame::timer(Duration::from_secs(3600), dead.map(|()| 5));
        assert_eq!(tame::__timer_entries(), 0);
        tame::run();
        assert_eq!(r.queued(), 3 * WAITERS);
    };
    small.spawn(body).unwrap().join().unwrap();
}

/// Events made cancellable, each in turn (a layer per level that may give
/// up), reach the innermost when triggered or dropped, in bounded stack.
#[test]
fn cancellable_events_nested_deep_trigger_and_drop() {
    const DEEP: usize = 100_000;
    let small = std::thread::Builder::new().stack_size(256 * 1024);
    let body = move || {
        let r = Rendezvous::<()>::new();
        let nested = |r: &Rendezvous<()>| {
            let (mut ev, slot) = r.event_with_slot::<u32>(());
            let mut handles = Vec::new();
            for _ in 0..DEEP {
                let (outer, cancel) = tame::cancellable(ev);
                handles.push(cancel);
                ev = outer;
            }
            (ev, slot, handles)
        };
        let (ev, slot, _handles) = nested(&r);
        ev.trigger(5);
        assert_eq!(slot.take(), Some(5));
        let (ev, slot, _handles) = nested(&r);
        drop(ev);
        assert_eq!(slot.take(), None);
        assert_eq!(r.queued(), 2);
    };
    small.spawn(body).unwrap().join().unwrap();
}

/// `n` nested callers, each waiting for the next in a `twait! {}` block;
/// the last waits for a value of `jobs`.
#[tamed]
fn waiting_link(n: u32, jobs: tame::sync::Channel<u32>) -> u32 {
    let v: u32;
    if n == 0 {
        twait! { jobs.recv(mkevent!(v)); }
    } else {
        twait! { waiting_link(n - 1, jobs, mkevent!(v)); }
    }
    v
}

/// Cancelling the top of a long chain of waiting callers reaches the
/// bottom at once (a value sent in the same turn stays in the channel), in
/// bounded stack: each caller, doomed, reports its callee doomed in a
/// loop, not by recursion (a chain of 10,000 overflowed the stack).
#[test]
fn cancelling_a_long_chain_of_waiting_callers_takes_bounded_stack() {
    let jobs = tame::sync::Channel::new();
    let r = Rendezvous::<()>::new();
    let (ev, cancel) = tame::cancellable(r.event_with_slot::<u32>(()).0);
    waiting_link(20_000, jobs.clone(), ev);
    tame::run_once(Some(Duration::ZERO));
    cancel.cancel();
    jobs.send(7);
    tame::run();
    assert_eq!(jobs.try_recv(), Some(7));
    assert!(tame::blocked().is_empty());
}
