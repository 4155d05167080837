//! `#[tamed(...)]` with an argument it does not know: its one option is
//! `crate = path`. Write a bare `#[tamed]`; a description for `tame::blocked()` goes on the
//! wait instead: `twait!(r, "text")` or `twait! { "text"; .. }`.
use std::time::Duration;
use tame::{mkevent, tamed, twait};

#[tamed(name = "heartbeat")]
fn heartbeat() {
    loop {
        twait! { tame::timer(Duration::from_secs(1), mkevent!()); }
        println!("alive");
    }
}

fn main() {}
