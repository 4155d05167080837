// `twait!` inside another macro's arguments is refused with one error,
// saying what to do (and no second error claiming it is outside a tamed
// function).
use tame::{tamed, twait, Event, Rendezvous};

#[tamed]
fn f(r: Rendezvous<u32>, done: Event<Vec<Option<u32>>>) {
    done.trigger(vec![twait!(r)]);
}

fn main() {}
