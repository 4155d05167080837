//! `twait!` in a match guard: a guard is evaluated while rustc is
//! choosing an arm, where the function cannot stop and resume. Wait
//! before the `match` (`let next = twait!(r);`) and compare the value in
//! the guard, or wait inside the arm.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn expect_reply(expected: u32, done: Event<bool>) {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, expected));
    let ok = match Some(expected) {
        Some(id) if twait!(r) == Some(id) => true,
        _ => false,
    };
    done.trigger(ok);
}

fn main() {}
