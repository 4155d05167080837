//! A slot whose name another `let` hides where its rendezvous is waited
//! on is still assigned by that wait: its `mut` is needed, and
//! `unused_mut` does not say otherwise.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn read_after_the_inner_block(done: Event<u32>) {
    let r = Rendezvous::<()>::new();
    let mut x = 0u32;
    mkevent!(r, (), x).trigger(7);
    {
        let x = 5u32;
        twait!(r);
        assert_eq!(x, 5);
    }
    done.trigger(x);
}

#[tamed]
fn hidden_for_good(done: Event<u32>) {
    let r = Rendezvous::<()>::new();
    let mut x = 0u32;
    mkevent!(r, (), x).trigger(7);
    let x = x + 5;
    twait!(r);
    done.trigger(x);
}

fn give_pair(done: Event<(u32, u32)>) {
    done.trigger((3, 4));
}

/// Two slots, one hidden at the wait; a borrow of a slot alive where its
/// event is made; a slot whose type alone gives the event's (`into()`).
#[tamed]
fn hidden_among_others(done: Event<(u32, u32, String)>) {
    let r = Rendezvous::<()>::new();
    let mut a = 0u32;
    let mut b = 0u32;
    let mut s = String::from("old");
    let before = &b;
    give_pair(mkevent!(r, (), a, b));
    assert_eq!(*before, 0);
    mkevent!(r, (), s).trigger("new".into());
    for a in 0..1u32 {
        let s = a;
        twait!(r);
        twait!(r);
        assert_eq!(s, 0);
    }
    done.trigger((a, b, s));
}

fn main() {
    assert_eq!(tame::run_with(read_after_the_inner_block), Some(7));
    assert_eq!(tame::run_with(hidden_for_good), Some(5));
    assert_eq!(tame::run_with(hidden_among_others), Some((3, 4, "new".to_string())));
}
