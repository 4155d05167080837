//! A `#[tamed]` function returning `impl Trait`: its value reaches the
//! caller through an `Event<T>`, which needs a nameable type. Name the
//! type (`-> Vec<u32>`) or return a `Box<dyn Trait>`.
use std::time::Duration;
use tame::{mkevent, tamed, twait};

#[tamed]
fn slow_numbers(n: u32) -> impl Iterator<Item = u32> {
    twait! { tame::timer(Duration::from_millis(10), mkevent!()); }
    0..n
}

fn main() {}
