use std::cell::RefCell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

// A guard chosen between two (`if`, `match`, a block) is a guard as a
// straight `a.borrow_mut()` is: kept across a twait, it is tame's error.
#[tamed]
fn f(a: Rc<RefCell<u32>>, b: Rc<RefCell<u32>>, c: bool) {
    let _g = if c { a.borrow_mut() } else { b.borrow_mut() };
    twait! { tame::asap(mkevent!()); }
}

fn main() {}
