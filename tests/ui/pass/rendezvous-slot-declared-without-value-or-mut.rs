//! `let a;` (no value, no `mut`) as the slot of an explicit-rendezvous
//! event: the event is one-shot, so `a` is assigned once, as a deferred
//! `let a; ... a = v;` in a plain function.
//!
//! Found by tests/program_chat.rs (`let (alice, bob, carol);` filled by
//! `mkevent!(done, "alice", alice)`). Observed: error[E0384] cannot assign
//! twice to immutable variable `a`, pointing at `#[tamed]` (help: `let mut
//! a`).
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn answer(x: u32, ev: Event<u32>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(x)));
}

#[tamed]
fn both(done: Event<(u32, u32)>) {
    let r = Rendezvous::<&'static str>::new();
    let a;
    let b;
    answer(1, mkevent!(r, "a", a));
    answer(2, mkevent!(r, "b", b));
    twait!(r);
    twait!(r);
    done.trigger((a, b));
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    both(ev);
    tame::run();
    assert_eq!(slot.take().unwrap(), (1, 2));
}
