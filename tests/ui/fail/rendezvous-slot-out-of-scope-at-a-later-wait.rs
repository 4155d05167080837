//! A rendezvous' slot declared in an inner block, with another `twait!(r)`
//! on the same rendezvous after the block: every such wait stores the
//! slot (the translator cannot tell which returns its id), and that one
//! cannot see it.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn give(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

#[tamed]
fn inner_slot() {
    let r = Rendezvous::<u32>::new();
    {
        let mut s = 0u32;
        give(5, mkevent!(r, 1, s));
        let _ = twait!(r);
        println!("{s}");
    }
    tame::asap(r.event(2));
    let _ = twait!(r);
}

fn main() {
    inner_slot();
}
