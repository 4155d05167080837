//! A permit held across a twait stays held until the end of its scope
//! (issue 8, item 5).
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

struct Permit(Rc<Cell<u32>>);

impl Permit {
    fn new(held: &Rc<Cell<u32>>) -> Permit {
        held.set(held.get() + 1);
        Permit(held.clone())
    }

    fn note(&self) -> u32 {
        self.0.get()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

#[tamed]
fn work(held: Rc<Cell<u32>>, max: Rc<Cell<u32>>) {
    {
        let permit = Permit::new(&held);
        max.set(max.get().max(permit.note()));
        twait! { tame::asap(mkevent!()); }
        max.set(max.get().max(held.get()));
    }
}

fn main() {
    let held = Rc::new(Cell::new(0));
    let max = Rc::new(Cell::new(0));
    work(held.clone(), max.clone());
    work(held.clone(), max.clone());
    assert_eq!(held.get(), 2, "both permits held while both tasks wait");
    tame::run();
    assert_eq!(held.get(), 0);
    assert_eq!(max.get(), 2);
}
