//! A slot with a value whose variable is not `mut`: rustc's one error, at
//! the slot, with its fix (`let mut x`), as the plain function's
//! assignment gets (the machine's copy of the assignment gave a second).
use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn f(done: Event<u32>) {
    let x = 0u32;
    twait! { tame::asap(mkevent!(x).map(|()| 5)); }
    done.trigger(x);
}

fn main() {}
