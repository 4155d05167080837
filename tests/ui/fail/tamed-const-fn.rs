//! `#[tamed]` on a `const fn`: a tamed function starts a state machine on
//! the event loop, which cannot happen at compile time. Write a plain
//! `fn` (and keep any constant part in a separate `const fn`).
use std::time::Duration;
use tame::{mkevent, tamed, twait, Event};

#[tamed]
const fn pause(ms: u64, done: Event<u64>) {
    twait! { tame::timer(Duration::from_millis(ms), mkevent!()); }
    done.trigger(ms);
}

fn main() {}
