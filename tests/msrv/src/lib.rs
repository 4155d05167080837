//! Tamed functions in the forms whose expansion an older rustc linted
//! differently from today's, under `#![deny(warnings)]`: `.ci/run` builds
//! and tests this crate with the oldest toolchain the workspace declares
//! (`rust-version`), where a false warning is an error. Each function's
//! test says what it gives, on any toolchain.

#![deny(warnings)]

use tame::{mkevent, tamed, twait, Rendezvous};

/// `x * 2`, a turn of the loop later.
#[tamed]
pub fn double(x: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    x * 2
}

/// Two events raced on a rendezvous, each with a slot; the slots are read
/// after the first twait only (after the second, the store into `a` is
/// one the rest of the function does not read).
#[tamed]
pub fn race() -> (Option<char>, u32, Option<char>) {
    let r = Rendezvous::<char>::new();
    let mut a = 0;
    double(1, mkevent!(r, 'a', a));
    let first = twait!(r);
    let seen = a;
    let second = twait!(r);
    (first, seen, second)
}

/// A `twait! {}` block's slot, read after it, then waits that follow.
#[tamed]
pub fn block() -> u32 {
    let mut got = 0;
    twait! { double(5, mkevent!(got)); }
    let seen = got;
    twait! { double(6, mkevent!(got)); }
    seen + got
}

/// A slot filled in a loop, the last round's value never read.
#[tamed]
pub fn rounds(n: u32) -> u32 {
    let mut sum = 0;
    for i in 0..n {
        let r = Rendezvous::<()>::new();
        let mut v = 0;
        double(i, mkevent!(r, (), v));
        if twait!(r).is_some() && i + 1 < n {
            sum += v;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_race_gives_its_slot_after_the_first_twait() {
        assert_eq!(tame::run_with(race), Some((Some('a'), 2, None)));
    }

    #[test]
    fn the_blocks_fill_their_slot_in_turn() {
        assert_eq!(tame::run_with(block), Some(10 + 12));
    }

    #[test]
    fn the_rounds_sum_all_but_the_last() {
        assert_eq!(tame::run_with(|ev| rounds(4, ev)), Some(2 * (1 + 2)));
    }
}
