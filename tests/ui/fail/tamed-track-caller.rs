//! `#[track_caller]` on a tamed function: its body runs as a task of the
//! loop, so the caller's location cannot reach it.
use tame::{mkevent, tamed, twait};

#[track_caller]
#[tamed]
fn checked(n: u32) -> u32 {
    assert!(n > 0, "n must be positive");
    twait! { tame::asap(mkevent!()); }
    n
}

fn main() {
    let _ = tame::run_with(|done| checked(1, done));
}
