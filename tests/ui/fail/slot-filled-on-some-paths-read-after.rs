// A variable filled by a slot in one branch of the block only, then read:
// rustc's own "possibly-uninitialized", as for the plain function.
use tame::{mkevent, tamed, twait, Event};

fn one(ev: Event<u32>) {
    ev.trigger(1);
}

#[tamed]
fn maybe(c: bool) -> u32 {
    let v: u32;
    twait! {
        if c { one(mkevent!(v)); }
    }
    v
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    maybe(true, r.event(()).map(|_| ()));
}
