//! A `let` disabled by `#[cfg(..)]` is not a binding: the earlier binding
//! of the same name is the one in scope, as in a plain function.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn scaled(x: u32, done: Event<u32>) {
    let factor = 2;
    #[cfg(test)]
    let factor = 100; // a bigger one under test
    twait! { tame::asap(mkevent!()); }
    done.trigger(x * factor);
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    scaled(21, ev);
    tame::run();
    assert_eq!(slot.take(), Some(42));
}
