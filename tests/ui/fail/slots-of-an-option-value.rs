// A slot of `u32` among two for an event of `(Option<u32>, u32)`: the
// mismatch is at the slot, and rustc's help (`.expect("REASON")`) is there
// too, not on `#[tamed]` (it suggested `#[tamed].expect("REASON")`).
use tame::{mkevent, tamed, twait, Event};

fn lookup(ev: Event<(Option<u32>, u32)>) {
    ev.trigger((Some(1), 2));
}

#[tamed]
fn f() -> u32 {
    let mut a = 0u32;
    let mut b = 0u32;
    twait! { lookup(mkevent!(a, b)); }
    a + b
}

fn main() {}
