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

fn main() {
    assert_eq!(tame::run_with(read_after_the_inner_block), Some(7));
    assert_eq!(tame::run_with(hidden_for_good), Some(5));
}
