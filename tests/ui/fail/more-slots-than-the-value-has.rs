// Three slots for a pair: the error is at the slot with no field to fill it.
use tame::{mkevent, tamed, twait, Event};

fn pair(ev: Event<(u32, u32)>) {
    ev.trigger((1, 2));
}

#[tamed]
fn sum() -> u32 {
    let mut a = 0;
    let mut b = 0;
    let mut c = 0;
    twait! { pair(mkevent!(a, b, c)); }
    a + b + c
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    sum(r.event(()).map(|_| ()));
}
