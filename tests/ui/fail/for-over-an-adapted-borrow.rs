//! A `for` loop with a twait over a borrowing iterator behind adapters
//! (`v.iter().cloned()`), or over `by_ref()` of an iterator of the
//! function's, or over a borrow through a guard (`hub.borrow().iter()`,
//! where indices or a clone of `hub` would not do): tame's error at the
//! iterator, with the fix (it was rustc's, naming the machine's state).
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use tame::{mkevent, tamed, twait};

#[tamed]
fn total_len(v: Vec<String>) -> usize {
    let mut n = 0;
    for s in v.iter().cloned() {
        twait! { tame::asap(mkevent!()); }
        n += s.len();
    }
    n
}

#[tamed]
fn head_then_rest(v: Vec<u32>) -> (Vec<u32>, Vec<u32>) {
    let mut it = v.into_iter();
    let mut head = vec![];
    for x in it.by_ref() {
        twait! { tame::asap(mkevent!()); }
        head.push(x);
        if x == 2 {
            break;
        }
    }
    (head, it.collect())
}

#[tamed]
fn name_lengths(hub: Rc<RefCell<BTreeMap<u32, String>>>) -> usize {
    let mut n = 0;
    for (_id, name) in hub.borrow().iter() {
        twait! { tame::asap(mkevent!()); }
        n += name.len();
    }
    n
}

fn main() {}
