//! `twait!()` with empty parentheses: the parenthesized form waits on a
//! rendezvous, which must be named (`twait!(r)`). To wait for the events
//! made in a block, use braces: `twait! { .. mkevent!() .. }`.
use std::time::Duration;
use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn nap() {
    let r = Rendezvous::<()>::new();
    tame::timer(Duration::from_millis(10), mkevent!(r, ()));
    twait!();
    println!("awake");
}

fn main() {}
