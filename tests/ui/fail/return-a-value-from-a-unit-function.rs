//! `return n;` in a tamed function with no return type: the mismatch is
//! reported at `n`, as for a plain function (rustc reported the body's
//! end first, "expected `u32`, found `()`", and suggested returning `n`
//! there), and once (the machine's copy of the report, "return type
//! inferred to be `()`" at `#[tamed]`, came second).
use tame::{mkevent, tamed, twait};

#[tamed]
fn f(n: u32) {
    twait! { tame::asap(mkevent!()); }
    if n > 1 {
        return n;
    }
    println!("{n}");
}

fn main() {}
