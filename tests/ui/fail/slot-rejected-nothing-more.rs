// A slot refused by #[tamed] is its one error: nothing more from rustc
// about what the rejected mkevent! stands for (no cast of a reference, no
// `_` in an expression, no `mut` said to be unneeded on the variable meant
// for the slot).
use tame::{mkevent, tamed, twait, Event};

fn give(ev: Event<u32>) {
    ev.trigger(7);
}

fn pair(ev: Event<(u32, u32)>) {
    ev.trigger((1, 2));
}

#[tamed]
fn cast() -> u64 {
    let mut x = 0u64;
    twait! { give(mkevent!(x as u32)); }
    x
}

#[tamed]
fn wrapped() -> Option<u32> {
    let mut r = 0u32;
    twait! { give(mkevent!(Some(r))); }
    Some(r)
}

#[tamed]
fn double_comma() -> u32 {
    let mut a = 0u32;
    let mut b = 0u32;
    twait! { pair(mkevent!(a,,b)); }
    a + b
}

#[tamed]
fn dropped_outside_a_block() {
    tame::asap(mkevent!(_));
    twait! { tame::asap(mkevent!()); }
}

fn main() {}
