//! Chains of synchronous work of any length run in bounded stack: events
//! completing events, and tamed functions calling tamed functions that
//! finish without blocking. Test threads have a 2 MiB stack, where a
//! recursive chain of this length would overflow long before its end.

use std::cell::Cell;
use std::rc::Rc;

use tame::{mkevent, tamed, twait, Event};

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
