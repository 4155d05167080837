//! A `break;` ending the last loop of a tamed function, as rustfmt writes
//! it, compiles without an "unnecessary trailing semicolon" warning (issue
//! 8, item 3).
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

#[tamed]
fn count_to(n: u32, seen: Rc<Cell<u32>>) {
    let mut i = 0;
    loop {
        twait! { tame::asap(mkevent!()); }
        i += 1;
        seen.set(i);
        if i == n {
            break;
        }
    }
}

#[tamed]
fn count_while(n: u32, seen: Rc<Cell<u32>>) {
    let mut i = 0;
    while i < 100 {
        twait! { tame::asap(mkevent!()); }
        i += 1;
        if i == n {
            seen.set(i);
            break;
        }
    }
}

fn main() {
    let a = Rc::new(Cell::new(0));
    let b = Rc::new(Cell::new(0));
    count_to(3, a.clone());
    count_while(4, b.clone());
    tame::run();
    assert_eq!((a.get(), b.get()), (3, 4));
}
