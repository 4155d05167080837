#![deny(unused_variables)]
use tame::{mkevent, tamed, twait};

// `m` is reported once, as in a plain function: the machine's copy of the
// `let` (a variable assigned where the `if` ends) says nothing of its own.
#[tamed]
fn f(c: bool) {
    for i in 0..2u32 {
        twait! { tame::asap(mkevent!()); }
        let m = if c { 2 } else { i };
        let n;
        n = i + 1;
    }
}

fn main() {
    f(true);
    tame::run();
}
