use std::time::Duration;
use tame::{mkevent, tamed, twait};

#[tamed]
fn nap(ms: u64) {
    twait! { tame::timer(Duration::from_millis(ms), mkevent!()); }
}

// `nap` returns nothing and takes no event: the block would make no event,
// wait for nothing, and go on while `nap` still sleeps.
#[tamed]
fn caller() {
    twait! { nap(50); }
    println!("after the nap?");
}

fn main() {
    caller();
    tame::run();
}
