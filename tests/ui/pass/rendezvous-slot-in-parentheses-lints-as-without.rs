//! A rendezvous' slot written in parentheses, `mkevent!(r, id, (a))`, is
//! the variable `a`: a store at the waits, which no lint follows, as
//! `mkevent!(r, id, a)` is (it drew "value assigned to `a` is never read"
//! at the slot, for the value the second twait stores and nothing reads).
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn give(v: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    v
}

#[tamed]
fn paren() -> u32 {
    let r = Rendezvous::<()>::new();
    let mut a = 0;
    give(1, mkevent!(r, (), (a)));
    twait!(r);
    let seen = a;
    twait!(r);
    seen
}

fn main() {
    assert_eq!(tame::run_with(paren), Some(1));
}
