//! `return` inside a `twait! {}` block ends the function there, as in a
//! plain block: the wait does not happen, and the rest does not run.
#![deny(warnings)]

use std::cell::RefCell;
use std::rc::Rc;

use tame::{mkevent, tamed, twait};

#[tamed]
fn f(stop: bool, log: Rc<RefCell<Vec<&'static str>>>) {
    twait! {
        if stop {
            log.borrow_mut().push("returned in the block");
            return;
        }
        tame::asap(mkevent!());
    }
    log.borrow_mut().push("after the wait");
}

fn main() {
    let log = Rc::new(RefCell::new(Vec::new()));
    f(true, log.clone());
    f(false, log.clone());
    tame::run();
    assert_eq!(*log.borrow(), ["returned in the block", "after the wait"]);
}
