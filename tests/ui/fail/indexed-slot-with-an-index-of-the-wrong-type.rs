//! An indexed slot whose index is not a `usize`: rustc's error, reported
//! twice (the lint shadow's store, the machine's), both at the index; the
//! machine's pointed at `#[tamed]` alone.
use tame::{mkevent, tamed, twait, Event};

fn get_u32(ev: Event<u32>) {
    ev.trigger(5);
}

#[tamed]
fn work() {
    let mut v = vec![0u32; 3];
    let i = 1u32;
    twait! { get_u32(mkevent!(v[i])); }
    println!("{v:?}");
}

fn main() {}
