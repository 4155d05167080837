//! `#[tamed]` on an `extern "C"` (or any other non-Rust ABI) function: a
//! tamed function gets an event parameter for its value and returns at
//! its first twait that waits, so the exported symbol would not be the
//! function it claims to be. Keep the `extern` function plain and have it
//! start a tamed one.
use std::time::Duration;
use tame::{mkevent, tamed, twait};

#[tamed]
pub extern "C" fn add_one(x: u32) -> u32 {
    twait! { tame::timer(Duration::from_millis(1), mkevent!()); }
    x + 1
}

#[tamed]
extern "system" fn also_system(x: u32) {
    twait! { tame::timer(Duration::from_millis(u64::from(x)), mkevent!()); }
}

fn main() {}
