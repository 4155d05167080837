// A twait after a `return` is unreachable: reported at the twait, where
// the plain function's code would be, not at `#[tamed]`.
#![deny(unreachable_code)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    println!("a");
    return;
    twait! { tame::asap(mkevent!()); }
}

fn main() {
    f();
    tame::run();
}
