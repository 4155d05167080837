//! A twait in the arguments of std's macros that take a list of
//! expressions (`assert_eq!`, `println!`, `format!`, `write!`, `vec!`, ..):
//! the arguments are evaluated in order, as in a plain function, those
//! before the twait before it, a variable named there borrowed by the macro
//! (not moved), and the macro sees the twait's value. Each tamed function
//! has a plain twin whose `twait!(r)` is a call logging the same.

#![deny(warnings)]

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{as_plain, later, tick};

/// An operand with an effect, to see when it is evaluated.
fn step(t: &Trace, what: &str) -> String {
    log(t, format!("eval {what}"));
    what.to_string()
}

/// The plain twin's `twait!(r)`: what the tamed one's event brings, logged
/// as its firing is.
fn waited(t: &Trace, id: u32) -> Option<u32> {
    log(t, format!("fire {id}"));
    Some(id)
}

mod tamed {
    use super::*;

    #[tamed]
    pub fn in_std_macros(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let name = String::from("name");
        later(&t, &r, 1);
        assert_eq!(twait!(r), Some(1));
        later(&t, &r, 2);
        let line = format!("{} {:?} {name} {}", step(&t, "a"), twait!(r), name.len());
        log(&t, line);
        later(&t, &r, 3);
        let mut out = String::new();
        write!(out, "{x:?}/{y}", y = step(&t, "y"), x = twait!(r)).unwrap();
        log(&t, out);
        later(&t, &r, 4);
        later(&t, &r, 5);
        let v = vec![twait!(r), twait!(r)];
        log(&t, format!("{v:?}"));
        later(&t, &r, 6);
        assert!(twait!(r) == Some(6), "{} is still here", name);
        let n = 0u32;
        log(
            &t,
            format!(
                "{:?}",
                twait! {
                    tick(&t, "block", mkevent!());
                }
            ),
        );
        log(&t, format!("end {name} {n}"));
    }

    /// `debug_assert!`: its twait, like all of it, only with
    /// `debug_assertions`.
    #[tamed]
    pub fn debug_asserting(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 8);
        debug_assert!(twait!(r) == Some(8));
        debug_assert_eq!(step(&t, "left"), "left");
        log(&t, "end");
    }

    #[tamed]
    pub fn failing_assert(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 7);
        assert!(twait!(r).is_none());
    }
}

mod plain {
    use super::*;

    pub fn in_std_macros(t: Trace) {
        let name = String::from("name");
        assert_eq!(waited(&t, 1), Some(1));
        let line = format!(
            "{} {:?} {name} {}",
            step(&t, "a"),
            waited(&t, 2),
            name.len()
        );
        log(&t, line);
        let mut out = String::new();
        write!(out, "{x:?}/{y}", y = step(&t, "y"), x = waited(&t, 3)).unwrap();
        log(&t, out);
        let v = vec![waited(&t, 4), waited(&t, 5)];
        log(&t, format!("{v:?}"));
        assert!(waited(&t, 6) == Some(6), "{} is still here", name);
        let n = 0u32;
        log(
            &t,
            format!("{:?}", {
                log(&t, "block");
            }),
        );
        log(&t, format!("end {name} {n}"));
    }
}

#[test]
fn a_twait_in_std_macros_arguments_is_evaluated_in_order() {
    let trace = as_plain(tamed::in_std_macros, plain::in_std_macros);
    assert_eq!(
        trace,
        [
            "fire 1",
            "eval a",
            "fire 2",
            "a Some(2) name 4",
            "eval y",
            "fire 3",
            "Some(3)/y",
            "fire 4",
            "fire 5",
            "[Some(4), Some(5)]",
            "fire 6",
            "block",
            "()",
            "end name 0"
        ]
    );
}

/// `debug_assert!` with a twait in it waits with `debug_assertions` only,
/// as nothing of it runs without (the event made before it fires either
/// way).
#[test]
fn a_twait_in_debug_assert_runs_only_with_debug_assertions() {
    let trace = trace::traced(tamed::debug_asserting);
    if cfg!(debug_assertions) {
        assert_eq!(trace, ["fire 8", "eval left", "end"]);
    } else {
        assert_eq!(trace, ["end", "fire 8"]);
    }
}

/// `assert!(cond)` with a twait in `cond` fails saying the condition as
/// written, as a plain `assert!` does.
#[test]
fn a_failing_assert_with_a_twait_shows_the_condition_written() {
    let t = Trace::default();
    tamed::failing_assert(t);
    let panic = catch_unwind(AssertUnwindSafe(tame::run)).expect_err("the assertion fails");
    let msg = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(msg.contains("assertion failed: twait!"), "{msg}");
    assert!(msg.contains(".is_none()"), "{msg}");
}
