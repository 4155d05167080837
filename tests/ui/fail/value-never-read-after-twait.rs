// The value given before the twait is never read: rustc says so once, and
// says nothing about the variable, which is used (the machine does not keep
// it across the twait, since it is assigned again after).
#![deny(unused)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    let mut x = 1;
    twait! { tame::asap(mkevent!()); }
    x = 2;
    println!("{x}");
}

fn main() {
    f();
    tame::run();
}
