//! A guard moved (released) on some paths and not on others is still held
//! across the twait on the others, as in a plain function; a guard that
//! borrows a local cannot be kept across a twait, and the error says which
//! paths keep it. Release it on every path before the twait, or take it
//! again after.
use std::cell::RefCell;

use tame::{mkevent, tamed, twait};

#[tamed]
fn update(release_early: bool) {
    let counts = RefCell::new(vec![0u32]);
    let mut guard = counts.borrow_mut();
    guard[0] += 1;
    if release_early {
        drop(guard);
    }
    twait! { tame::asap(mkevent!()); }
    println!("{}", counts.borrow()[0]);
}

fn main() {}
