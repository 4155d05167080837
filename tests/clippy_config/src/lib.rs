//! Tamed functions in a crate whose `clippy.toml` disallows
//! `std::mem::replace` and `unreachable!`: the state machine takes its
//! state out, and marks the points nothing reaches, through tame's own
//! functions, so the lints stay the user's (`cargo clippy --workspace
//! --all-targets -- -D warnings` reports any use at `#[tamed]`).
//!
//! Also: clippy's `cognitive_complexity` (threshold 1 here) cannot see the
//! body of a tamed function, which is in a closure, and does not score
//! the wrapper instead; `arithmetic_side_effects` knows a local's value
//! across a twait as it knows it without one (`let x = 5; .. x + 1` is not
//! reported).
#![warn(clippy::cognitive_complexity)]
use tame::{mkevent, tamed, twait, Event};

/// The sum of the numbers below `n` up to 3, with a yield per number: a
/// loop left by `break`, a `let ... else`, and a value.
#[tamed]
pub fn sum_to_three(n: u32) -> u32 {
    let mut t = 0;
    for i in 0..n {
        twait! { tame::asap(mkevent!()); }
        if i == 3 {
            break;
        }
        t += i;
    }
    let Some(x) = Some(t) else { return 0 };
    twait! { tame::asap(mkevent!()); }
    x
}

/// One more than five, after a yield: an addition clippy knows cannot
/// overflow.
#[warn(clippy::arithmetic_side_effects)]
#[tamed]
pub fn six() -> u32 {
    let x = 5u32;
    twait! { tame::asap(mkevent!()); }
    x + 1
}

/// A method taking `self` that waits in a `match`.
pub struct Doubler(pub u32);

impl Doubler {
    /// Twice the value, after a yield.
    #[tamed]
    pub fn double(self, done: Event<u32>) {
        let v = match self.0 {
            0 => 0,
            n => {
                twait! { tame::asap(mkevent!()); }
                n * 2
            }
        };
        done.trigger(v);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    // Its `assert_eq!`s are branches clippy counts.
    #[allow(clippy::cognitive_complexity)]
    fn the_functions_run() {
        assert_eq!(tame::run_with(|d| super::sum_to_three(5, d)), Some(3));
        assert_eq!(tame::run_with(|d| super::Doubler(4).double(d)), Some(8));
        assert_eq!(tame::run_with(super::six), Some(6));
    }
}
