//! A function that returns a value but ends with a `twait! {}` block (a
//! statement): rustc's "expected `u32`, found `()`", the machine's report
//! of it at the block, not at `#[tamed]`.
use tame::{mkevent, tamed, twait};

#[tamed]
fn work() -> u32 {
    twait! { tame::asap(mkevent!()); }
}

fn main() {}
