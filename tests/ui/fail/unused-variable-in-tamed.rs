#![deny(unused_variables)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    let x = 5;
    twait! { tame::asap(mkevent!()); }
    println!("resumed");
}

fn main() {
    f();
    tame::run();
}
