//! An `if`/`match` statement whose branches end in a value that the
//! statement discards (`if c { eat(a); n + 1 } else { 0 };`), around a
//! twait or moving a variable on some paths: each branch's tail becomes a
//! statement of the machine, which must not draw `unused_must_use` the
//! body as written does not draw.
#![deny(warnings)]

use tame::{mkevent, tamed, twait};

fn eat(s: String) -> usize {
    s.len()
}

#[tamed]
fn discards(c: bool, n: u32, s: String) {
    if c {
        eat(s);
        n + 1
    } else {
        0
    };
    match n {
        0 => {
            twait! { tame::asap(mkevent!()); }
            n * 2
        }
        _ => n,
    };
    twait! { tame::asap(mkevent!()); }
}

fn main() {
    discards(true, 1, String::from("x"));
    tame::run();
}
