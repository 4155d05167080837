//! A slot of an explicit-rendezvous event needs a value before the event
//! is made: its value arrives at the `twait!(r)` that returns its id, and
//! which `twait!(r)` that is cannot be known when the function is
//! translated, so rustc could not prove `a` assigned where it is read.
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

fn main() {}
