// A parameter the body never uses is reported at its name, as in a plain
// function, also when it needs a drop (the machine moves it into its state).
#![deny(unused_variables)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn f(names: Vec<String>, n: u32) {
    twait! { tame::asap(mkevent!()); }
    println!("{n}");
}

fn main() {
    f(Vec::new(), 1);
    tame::run();
}
