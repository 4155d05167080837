//! `None => break,` in a `let ... = match` inside a loop with a twait, the
//! loop ending the function (issue 8, item 2).
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

#[tamed]
fn drain(mut xs: Vec<u32>, sum: Rc<Cell<u32>>) {
    loop {
        let n = match xs.first() {
            Some(&n) => n,
            None => break,
        };
        xs.remove(0);
        twait! { tame::asap(mkevent!()); }
        sum.set(sum.get() + n);
    }
}

fn main() {
    let sum = Rc::new(Cell::new(0));
    drain(vec![1, 2, 3], sum.clone());
    tame::run();
    assert_eq!(sum.get(), 6);
}
