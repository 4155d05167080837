// A variable only added to after a twait is "assigned to, but never used",
// as in a plain function: nothing the translator adds reads it.
#![deny(unused)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn count_only() {
    let mut count = 0;
    twait! { tame::asap(mkevent!()); }
    count += 1;
}

fn main() {
    count_only();
    tame::run();
}
