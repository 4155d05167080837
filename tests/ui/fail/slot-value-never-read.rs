// A slot's value that nothing reads, or that is overwritten before it is
// read, draws rustc's "value assigned is never read" at the slot, as the
// plain function's `n = give(1);` does: for a value without drop glue
// (`u32`, `bool`) as for one with it.
#![deny(unused)]
use tame::{mkevent, tamed, twait, Event};

fn give<T>(v: T, ev: Event<T>) {
    ev.trigger(v)
}

#[tamed]
fn never_read() {
    let mut n = 0u32;
    twait! { give(1u32, mkevent!(n)); }
}

#[tamed]
fn overwritten() -> bool {
    let mut b = false;
    twait! { give(true, mkevent!(b)); }
    b = false;
    b
}

fn main() {
    never_read();
    overwritten(Event::from_fn(|_: Option<bool>| ()));
    tame::run();
}
