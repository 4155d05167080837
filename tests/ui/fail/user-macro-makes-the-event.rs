//! A `twait! {}` block whose event a macro of the user's makes (`ev!(got)`
//! expanding to `mkevent!(got)`): the macro expands after `#[tamed]` has
//! rewritten the body, so the block makes no event the translator sees.
//! The error is at the macro's call and says to write `mkevent!` there.
use tame::{mkevent, tamed, twait, Event};

macro_rules! ev {
    ($s:ident) => {
        mkevent!($s)
    };
}

fn give(v: u32, e: Event<u32>) {
    e.trigger(v);
}

#[tamed]
fn f(x: u32) -> u32 {
    let mut got = 0;
    twait! { give(x, ev!(got)); }
    got
}

fn main() {}
