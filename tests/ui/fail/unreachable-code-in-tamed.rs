#![deny(unreachable_code)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    twait! { tame::asap(mkevent!()); }
    return;
    println!("never");
}

fn main() {
    f();
    tame::run();
}
