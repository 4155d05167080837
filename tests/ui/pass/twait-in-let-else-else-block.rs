//! A twait in the `else` block of a `let ... else` (the block diverges with
//! `break`, `continue` or `return` after waiting). DESIGN.md: "twait may
//! appear in any statement or expression of the function's own body".
//!
//! Found by tests/program_kv.rs (a pool's `get`: `let Some(conn) =
//! self.idle.borrow_mut().pop() else { ..connect, twait..; break fresh; };`).
//! Observed: "error: twait! cannot be used in the `else` of a `let ...
//! else`; use a `match` instead" (a clear message, but the form is
//! ordinary Rust and the contract allows it).
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
