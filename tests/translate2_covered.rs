//! Forms that reached parts of the translator no other test reached (a
//! coverage run of `tame-macros` over the test suite): a `break` inside a
//! macro's statement that leaves a scope hiding a kept name, a moving `if`
//! whose first statement is an inner construct that waits and leaves, slot
//! places behind a deref and in parentheses. Each tamed function has a
//! plain twin (each twait's tick a `log`), and both must leave one trace.

#![deny(warnings)]

use tame::{mkevent, tamed, twait};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{as_plain, deliver, delivered, tick, Noisy};

/// Consumes a value: logs, then drops it.
fn consume(n: Noisy, t: &Trace) {
    log(t, format!("consumed {}", n.name));
}

mod tamed {
    use super::*;

    /// An `assert!` whose argument is a block that hides `x` and breaks out
    /// of the loop; the outer `x` is kept across the twait.
    #[tamed]
    pub fn break_in_a_macro_statement(t: Trace) {
        let x = Noisy::new("x", &t);
        let mut i = 0;
        loop {
            twait! { tick(&t, "waited", mkevent!()); }
            i += 1;
            assert!(
                {
                    let x = i;
                    if x > 2 {
                        break;
                    }
                    x
                } < 10
            );
            log(&t, format!("i {i} {}", x.name));
        }
        log(&t, format!("after {}", x.name));
    }

    /// An `if` that moves `a`, whose first statement is an `if` that waits
    /// and goes round again.
    #[tamed]
    pub fn inner_if_waits_and_continues(t: Trace) {
        for i in 0..3 {
            let a = Noisy::new(format!("a{i}"), &t);
            if i != 1 {
                if i == 2 {
                    twait! { tick(&t, "waited", mkevent!()); }
                    continue;
                }
                consume(a, &t);
            } else {
                log(&t, "else");
            }
            log(&t, "after");
        }
    }

    /// The same with a `match` that waits and goes round again.
    #[tamed]
    #[allow(clippy::single_match)] // the form under test
    pub fn inner_match_waits_and_continues(t: Trace) {
        for i in 0..3 {
            let a = Noisy::new(format!("a{i}"), &t);
            if i != 1 {
                match i {
                    2 => {
                        twait! { tick(&t, "waited", mkevent!()); }
                        continue;
                    }
                    _ => {}
                }
                consume(a, &t);
            } else {
                log(&t, "else");
            }
            log(&t, "after");
        }
    }

    /// Slots behind a `Box`'s deref and in parentheses.
    #[tamed]
    #[allow(unused_parens)] // the parenthesized slot is the form under test
    pub fn slots_behind_a_deref(t: Trace) {
        let mut b = Box::new(0u32);
        let mut x = 1u32;
        let mut pair = Box::new((Noisy::new("pair", &t), 0u8));
        twait! {
            deliver(&t, 9u32, mkevent!(*b));
            deliver(&t, 8u32, mkevent!((x)));
            deliver(&t, 7u8, mkevent!((*pair).1));
        }
        log(&t, format!("b {} x {x} pair {}", *b, pair.1));
    }
}

mod plain {
    use super::*;

    pub fn break_in_a_macro_statement(t: Trace) {
        let x = Noisy::new("x", &t);
        let mut i = 0;
        loop {
            log(&t, "waited");
            i += 1;
            assert!(
                {
                    let x = i;
                    if x > 2 {
                        break;
                    }
                    x
                } < 10
            );
            log(&t, format!("i {i} {}", x.name));
        }
        log(&t, format!("after {}", x.name));
    }

    pub fn inner_if_waits_and_continues(t: Trace) {
        for i in 0..3 {
            let a = Noisy::new(format!("a{i}"), &t);
            if i != 1 {
                if i == 2 {
                    log(&t, "waited");
                    continue;
                }
                consume(a, &t);
            } else {
                log(&t, "else");
            }
            log(&t, "after");
        }
    }

    #[allow(clippy::single_match)]
    pub fn inner_match_waits_and_continues(t: Trace) {
        for i in 0..3 {
            let a = Noisy::new(format!("a{i}"), &t);
            if i != 1 {
                match i {
                    2 => {
                        log(&t, "waited");
                        continue;
                    }
                    _ => {}
                }
                consume(a, &t);
            } else {
                log(&t, "else");
            }
            log(&t, "after");
        }
    }

    pub fn slots_behind_a_deref(t: Trace) {
        let mut b = Box::new(0u32);
        let mut pair = Box::new((Noisy::new("pair", &t), 0u8));
        *b = delivered(&t, 9u32);
        let x = delivered(&t, 8u32);
        (*pair).1 = delivered(&t, 7u8);
        log(&t, format!("b {} x {x} pair {}", *b, pair.1));
    }
}

#[test]
fn a_break_in_a_macro_statement_leaves_the_loop_and_keeps_the_outer_binding() {
    assert_eq!(
        as_plain(
            tamed::break_in_a_macro_statement,
            plain::break_in_a_macro_statement
        ),
        ["waited", "i 1 x", "waited", "i 2 x", "waited", "after x", "drop x"]
    );
}

#[test]
fn an_if_whose_inner_construct_waits_and_continues_moves_on_the_other_paths() {
    let want = [
        "consumed a0",
        "drop a0",
        "after",
        "else",
        "after",
        "drop a1",
        "waited",
        "drop a2",
    ];
    assert_eq!(
        as_plain(
            tamed::inner_if_waits_and_continues,
            plain::inner_if_waits_and_continues
        ),
        want
    );
    assert_eq!(
        as_plain(
            tamed::inner_match_waits_and_continues,
            plain::inner_match_waits_and_continues
        ),
        want
    );
}

#[test]
fn slots_behind_a_deref_and_in_parentheses_are_filled() {
    assert_eq!(
        as_plain(tamed::slots_behind_a_deref, plain::slots_behind_a_deref),
        ["fire 9", "fire 8", "fire 7", "b 9 x 8 pair 7", "drop pair"]
    );
}
