// A variable without a value, filled by a slot on one path of the block and
// assigned on the other: the assigned value would not survive the wait.
use tame::{mkevent, tamed, twait, Event};

fn one(ev: Event<u32>) {
    ev.trigger(1);
}

#[tamed]
fn either(c: bool) -> u32 {
    let v: u32;
    twait! {
        if c { one(mkevent!(v)); } else { v = 5; }
    }
    v
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    either(true, r.event(()).map(|_| ()));
}
