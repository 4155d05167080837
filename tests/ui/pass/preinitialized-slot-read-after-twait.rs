//! The usual slot idiom: a variable with an initial value, written through
//! `mkevent!` and read after the twait, compiles without warnings (the
//! initial value is what the slot keeps if the event is dropped, so it is
//! not "never read").
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait, Event};

fn answer(x: u32, ev: Event<u32>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(x)));
}

fn forget(ev: Event<u32>) {
    drop(ev);
}

#[tamed]
fn read_slots(out: Rc<Cell<(u32, u32)>>) {
    let mut a = 0;
    let mut b = 7;
    twait! {
        answer(5, mkevent!(a));
        forget(mkevent!(b));
    }
    out.set((a, b));
}

fn main() {
    let out = Rc::new(Cell::new((0, 0)));
    read_slots(out.clone());
    tame::run();
    assert_eq!(out.get(), (5, 7));
}
