#![deny(unused_mut)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    let mut n = 5;
    twait! { tame::asap(mkevent!()); }
    println!("{n}");
}

fn main() {
    f();
    tame::run();
}
