//! `#[tamed]` on a test: the harness calls it, it returns at its first
//! twait that waits, and the test passes there with the rest unrun. A
//! plain `#[test]` runs the tamed function with `tame::run_with`.
use tame::{mkevent, tamed, twait};

#[tamed]
#[test]
fn checks_after_a_wait() {
    twait! { tame::asap(mkevent!()); }
    assert_eq!(1 + 1, 3);
}

fn main() {}
