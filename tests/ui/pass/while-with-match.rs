//! A `while` whose body has a twait, then a `match`, compiles without
//! warnings (trybuild reports warnings of pass cases as failures only if
//! denied, so they are denied here).
#![deny(warnings)]
use tame::{mkevent, tamed, tvars, twait};

#[tamed]
fn counted(n: usize) {
    tvars! { let mut i = 0; }
    while i < n {
        twait! { tame::asap(mkevent!()); }
        match i % 2 {
            0 => println!("even"),
            _ => println!("odd"),
        }
        i += 1;
    }
}

#[tamed]
fn bounded<T>(value: T)
where
    T: Clone + std::fmt::Debug,
{
    twait! { tame::asap(mkevent!()); }
    println!("{:?}", value.clone());
}

fn main() {
    counted(3);
    bounded(5u8);
    tame::run();
}
