//! `twait!(a, b)` trying to wait on two rendezvous at once: `twait!(r)`
//! takes one rendezvous and optionally a description string
//! (`twait!(r, "a reply")`). Make the events of both operations on one
//! rendezvous, with ids that tell them apart.
use std::time::Duration;
use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn first_of_two() {
    let fast = Rendezvous::<u32>::new();
    let slow = Rendezvous::<u32>::new();
    tame::timer(Duration::from_millis(10), mkevent!(fast, 1));
    tame::timer(Duration::from_millis(20), mkevent!(slow, 2));
    let first = twait!(fast, slow);
    println!("{first:?}");
}

fn main() {}
