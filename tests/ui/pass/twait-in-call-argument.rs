//! `f(a, twait!(r), b)`: arguments are evaluated left to right.
#![deny(warnings)]
use std::cell::RefCell;
use std::rc::Rc;
use tame::{tamed, twait, Event, Rendezvous};

type Log = Rc<RefCell<Vec<&'static str>>>;

fn note(log: &Log, what: &'static str, v: u32) -> u32 {
    log.borrow_mut().push(what);
    v
}

fn add3(a: u32, b: Option<u32>, c: u32) -> u32 {
    a * 100 + b.unwrap_or(0) * 10 + c
}

#[tamed]
fn args(log: Log, r: Rendezvous<u32>, done: Event<u32>) {
    let n = add3(note(&log, "first", 1), twait!(r), note(&log, "third", 3));
    done.trigger(n);
}

fn main() {
    let log = Log::default();
    let r = Rendezvous::new();
    let l = log.clone();
    tame::asap(r.event(2).map(move |()| l.borrow_mut().push("fired")));
    let out = Rendezvous::<()>::new();
    let (ev, slot) = out.event_with_slot(());
    args(log.clone(), r, ev);
    tame::run();
    assert_eq!(slot.take(), Some(123));
    assert_eq!(*log.borrow(), ["first", "fired", "third"]);
}
