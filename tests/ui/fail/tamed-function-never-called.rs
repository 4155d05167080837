// A tamed function nobody calls is dead code, as a plain one is (and
// `#[expect(dead_code)]` on it is then fulfilled).
#![deny(dead_code)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn never_called() {
    twait! { tame::asap(mkevent!()); }
}

#[expect(dead_code)]
#[tamed]
fn expected_unused() {
    twait! { tame::asap(mkevent!()); }
}

fn main() {}
