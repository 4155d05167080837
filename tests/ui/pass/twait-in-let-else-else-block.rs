//! A twait in the `else` block of a `let ... else` (the block diverges with
//! `break`, `continue` or `return` after waiting), as in a pool's `get`:
//! `let Some(conn) = idle.pop() else { ..connect, twait..; break fresh; };`.
//! README: twait in any expression of the function's own body.
#![deny(warnings)]
use std::cell::RefCell;
use tame::{mkevent, tamed, twait, Event};

fn answer(x: u32, ev: Event<u32>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(x)));
}

#[tamed]
fn take_or_make(idle: RefCell<Vec<u32>>, done: Event<Vec<u32>>) {
    let mut got = Vec::new();
    while got.len() < 3 {
        let Some(v) = idle.borrow_mut().pop() else {
            let fresh;
            twait! { answer(100 + got.len() as u32, mkevent!(fresh)); }
            got.push(fresh);
            continue;
        };
        got.push(v);
    }
    done.trigger(got);
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    take_or_make(RefCell::new(vec![7]), ev);
    tame::run();
    assert_eq!(slot.take().unwrap(), [7, 101, 102]);
}
