//! An `impl Trait` inside a tamed function's return type: the value goes
//! through an `Event<T>`, which needs a type.
use std::fmt::Display;
use tame::{mkevent, tamed, twait};

#[tamed]
fn boxed() -> Box<impl Display> {
    twait! { tame::asap(mkevent!()); }
    Box::new(5u32)
}

fn main() {}
