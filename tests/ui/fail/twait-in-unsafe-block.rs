//! `twait!` inside an `unsafe { .. }` block: the function is cut into
//! states at each twait, and an `unsafe` block cannot be cut in two. Keep
//! the unsafe code in its own block before or after the `twait!`.
use std::time::Duration;
use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn read_after_delay(ptr: *const u32, done: Event<u32>) {
    let v = unsafe {
        twait! { tame::timer(Duration::from_millis(5), mkevent!()); }
        *ptr
    };
    done.trigger(v);
}

fn main() {}
