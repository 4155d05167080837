//! Tamed functions written in edition 2015, each beside the plain function
//! with the same body, whose result it must give. The forms are those whose
//! expansion names `core` (an `Option` slot, a `for` loop, `?`, a `match`
//! producing a value, a by-value `self`) and a wait's `line!()`.

#[macro_use]
extern crate tame;
#[cfg(test)]
#[macro_use]
extern crate tame_edition2024;

use tame::{tamed, Event, Rendezvous};

/// `Some(x)`, a turn of the loop later.
#[tamed]
pub fn some_of(x: i32) -> Option<i32> {
    twait! { tame::asap(mkevent!()); }
    Some(x)
}

/// Sums `v` up to its first negative, a twait per item, through a slot.
#[tamed]
pub fn sum_until_negative(v: Vec<i32>) -> i32 {
    tvars! { let mut got: Option<i32> = None; }
    let mut sum = 0;
    for x in v {
        twait! { some_of(x, mkevent!(got)); }
        match got {
            Some(n) if n < 0 => break,
            Some(n) => sum += n,
            None => {}
        }
    }
    sum
}

pub fn sum_until_negative_plain(v: Vec<i32>) -> i32 {
    let mut sum = 0;
    for x in v {
        match Some(x) {
            Some(n) if n < 0 => break,
            Some(n) => sum += n,
            None => {}
        }
    }
    sum
}

/// Parses both, waiting between: `?` and a `match` as a value.
#[tamed]
pub fn parse_both(a: String, b: String) -> Result<u32, std::num::ParseIntError> {
    let x: u32 = a.parse()?;
    let r = Rendezvous::<u8>::new();
    tame::asap(r.event(7));
    let which = match twait!(r) {
        Some(7) => 1,
        _ => 2,
    };
    let y: u32 = b.parse()?;
    Ok(x * 10 + y + which)
}

pub fn parse_both_plain(a: String, b: String) -> Result<u32, std::num::ParseIntError> {
    let x: u32 = a.parse()?;
    let y: u32 = b.parse()?;
    Ok(x * 10 + y + 1)
}

/// A counter whose by-value method waits (the machine bounds `Self: Sized`).
pub struct Counter(pub u32);

impl Counter {
    /// `self` by value, kept across a twait, and `Self` returned.
    #[tamed]
    pub fn bumped(self) -> Self {
        twait! { tame::asap(mkevent!()); }
        Counter(self.0 + 1)
    }
}

/// Hands `(label, n)` to `done` once a turn of the loop has passed.
#[tamed]
pub fn labelled(n: u32, done: Event<(String, u32)>) {
    twait! { tame::asap(mkevent!()); }
    done.trigger((format!("n{}", n), n));
}

/// Keeps only the number of `labelled`'s pair (`_` drops the label).
#[tamed]
pub fn number_of(n: u32) -> u32 {
    tvars! { let got: u32; }
    twait! { labelled(n, mkevent!(_, got)); }
    got
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    type Log = Rc<RefCell<Vec<&'static str>>>;

    struct Noisy(&'static str, Log);

    impl Drop for Noisy {
        fn drop(&mut self) {
            self.1.borrow_mut().push(self.0);
        }
    }

    impl Noisy {
        fn value(&self) -> u32 {
            1
        }
    }

    made_with_a_callers_block!(callers_block, callers_block_plain, log: Log, {
        let g = Noisy("g", log.clone());
        g.value() + Noisy("t", log.clone()).value()
    });

    /// A block written here, in a tamed function an edition 2024 crate's
    /// macro makes: its tail's temporary `t` lives to the end of the
    /// `let` it is the value of, after the block's local `g`, as this
    /// edition has it (and the plain twin does), not 2024's order.
    #[test]
    fn a_block_written_here_keeps_this_editions_tail_rule_in_a_2024_macro() {
        let (tamed, plain) = (Log::default(), Log::default());
        let got = value_of(|d| callers_block(tamed.clone(), d));
        assert_eq!(got, Some(callers_block_plain(plain.clone())));
        assert_eq!(*tamed.borrow(), ["g", "t"]);
        assert_eq!(*tamed.borrow(), *plain.borrow());
    }

    fn value_of<T: 'static, F: FnOnce(Event<T>)>(f: F) -> Option<T> {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot(());
        f(ev);
        tame::run();
        slot.take()
    }

    #[test]
    fn loops_slots_and_matches_mean_what_they_mean_plain() {
        for v in &[vec![], vec![1, 2, -1, 5], vec![4, 5]] {
            let want = sum_until_negative_plain(v.clone());
            assert_eq!(value_of(|d| sum_until_negative(v.clone(), d)), Some(want));
        }
    }

    #[test]
    fn question_marks_return_the_error() {
        for &(a, b) in &[("1", "2"), ("x", "2"), ("1", "y")] {
            let want = parse_both_plain(a.into(), b.into());
            let got = value_of(|d| parse_both(a.into(), b.into(), d)).unwrap();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn a_by_value_method_and_an_underscore_slot() {
        assert_eq!(value_of(|d| Counter(41).bumped(d)).map(|c| c.0), Some(42));
        assert_eq!(value_of(|d| number_of(5, d)), Some(5));
    }
}
