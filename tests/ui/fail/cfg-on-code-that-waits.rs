//! `#[cfg(..)]` on a statement or a match arm that waits: the machine cuts
//! such code into states the `cfg` does not reach, so it would run in the
//! builds without it. An error at the attribute, with the two ways out.
#![allow(unexpected_cfgs)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn count(limit: u32) -> u32 {
    let mut n = 0;
    #[cfg(feature = "slow")]
    for _ in 0..3 {
        twait! { tame::asap(mkevent!()); }
        n += 1;
    }
    #[cfg(debug_assertions)]
    {
        n += 1; // no wait: removed with its `cfg`, as in a plain function
    }
    while n < limit {
        twait! { tame::asap(mkevent!()); }
        n += 1;
    }
    match n {
        #[cfg(feature = "slow")]
        1 => {
            twait! { tame::asap(mkevent!()); }
            20
        }
        _ => n,
    }
}

fn main() {}
