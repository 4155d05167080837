// A misuse the translator reports: a parameter that borrows.
#[macro_use]
extern crate tame;

use tame::tamed;

#[tamed]
fn show(s: &str) {
    twait! { tame::asap(mkevent!()); }
    println!("{}", s);
}

fn main() {
    show("x");
}
