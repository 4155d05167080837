//! `mkevent!` inside another macro's arguments joins the twait block
//! (issue 8, item 4).
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait, Event};

fn all_asap(evs: Vec<Event>) {
    for ev in evs {
        tame::asap(ev);
    }
}

#[tamed]
fn joined(fired: Rc<Cell<u32>>, done: Rc<Cell<bool>>) {
    let f1 = fired.clone();
    let f2 = fired.clone();
    twait! {
        all_asap(vec![
            mkevent!().map(move |()| f1.set(f1.get() + 1)),
            mkevent!().map(move |()| f2.set(f2.get() + 1)),
        ]);
    }
    assert_eq!(fired.get(), 2);
    twait! {
        for ev in vec![mkevent!(), mkevent!()] {
            tame::asap(ev);
        }
    }
    done.set(true);
}

fn main() {
    let fired = Rc::new(Cell::new(0));
    let done = Rc::new(Cell::new(false));
    joined(fired.clone(), done.clone());
    assert_eq!(fired.get(), 0);
    tame::run();
    assert!(done.get());
}
