//! An `unsafe` block may wait (the machine then runs in an `unsafe` block
//! of its own), but an unsafe operation outside the user's blocks is still
//! rustc's E0133, once, at the operation.
use std::time::Duration;
use tame::{mkevent, tamed, twait, Event};

unsafe fn bump(x: u32) -> u32 {
    x + 1
}

#[tamed]
fn read_after_delay(ptr: *const u32, done: Event<u32>) {
    let v = unsafe {
        twait! { tame::timer(Duration::from_millis(5), mkevent!()); }
        *ptr
    };
    done.trigger(bump(v));
}

fn main() {}
