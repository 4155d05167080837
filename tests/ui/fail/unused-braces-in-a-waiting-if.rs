#![deny(unused_braces)]
use tame::{mkevent, tamed, twait};

fn show(n: u32) {
    println!("{n}");
}

// Reported once, at the user's braces: the machine's assignment of the
// branch's value must not report them again in its own words.
#[tamed]
fn f(c: bool) {
    show(if c { { 3 } } else {
        twait! { tame::asap(mkevent!()); }
        0
    });
}

fn main() {
    f(true);
    tame::run();
}
