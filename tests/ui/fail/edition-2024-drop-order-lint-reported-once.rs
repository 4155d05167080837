// A lint of the 2024 edition's drop-order changes (denied here) is reported
// once, at the user's `while let`, as for the plain function: not a second
// time for the machine's copy of the loop (at `#[tamed]`), and the machine's
// loop draws no `if_let_rescope`, which a `while let` never does.
#![deny(tail_expr_drop_order, if_let_rescope)]

use tame::{mkevent, tamed, twait};

pub struct Loud(pub u32);

impl Drop for Loud {
    fn drop(&mut self) {}
}

#[tamed]
fn drain(mut v: Vec<Loud>) {
    while let Some(x) = v.pop() {
        twait! { tame::asap(mkevent!()); }
        let _ = x.0;
    }
}

fn main() {
    drain(Vec::new());
}
