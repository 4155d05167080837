//! What the translator-2 tests share: values that log their drop, events
//! that log when they fire, and running a tamed function beside its plain
//! twin (the same body as an ordinary Rust function, each `twait` replaced
//! by what it waits for), which is the oracle the design promises: code
//! inside `#[tamed]` means what it means in a plain function.
#![allow(dead_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};

use tame::{Event, Rendezvous};

use crate::trace::{log, traced, Trace};

/// Logs `drop <name>` when dropped.
pub struct Noisy {
    pub name: String,
    pub t: Trace,
}

impl Noisy {
    pub fn new(name: impl Into<String>, t: &Trace) -> Noisy {
        Noisy {
            name: name.into(),
            t: t.clone(),
        }
    }

    /// A use through `&self` (a guard's or permit's "note"): a borrow.
    pub fn touch(&self) {}

    /// An operation through `&self` given an event: fires it on the
    /// loop's next turn.
    pub fn touch_with(&self, ev: Event) {
        tame::asap(ev);
    }
}

impl Drop for Noisy {
    fn drop(&mut self) {
        log(&self.t, format!("drop {}", self.name));
    }
}

/// `ev`, logging `what` when it fires.
pub fn noting(t: &Trace, what: impl Into<String>, ev: Event) -> Event {
    let t = t.clone();
    let what = what.into();
    ev.map(move |()| log(&t, what))
}

/// Fires `ev` on the loop's next turn, logging `what` as it fires. In a
/// tamed body `twait! { tick(&t, "w", mkevent!()); }` is a real wait; its
/// plain twin is `log(&t, "w");`.
pub fn tick(t: &Trace, what: impl Into<String>, ev: Event) {
    tame::asap(noting(t, what, ev));
}

/// Triggers `ev` with `v` on the loop's next turn, logging `fire <v>`. The
/// plain twin of `twait! { deliver(&t, v, mkevent!(x)); }` is
/// `x = delivered(&t, v);`.
pub fn deliver<T: std::fmt::Debug + 'static>(t: &Trace, v: T, ev: Event<T>) {
    let t = t.clone();
    tame::asap(Event::from_fn(move |_: Option<()>| {
        log(&t, format!("fire {v:?}"));
        ev.trigger(v);
    }));
}

/// The plain twin of [`deliver`]: logs the same and returns `v`.
pub fn delivered<T: std::fmt::Debug>(t: &Trace, v: T) -> T {
    log(t, format!("fire {v:?}"));
    v
}

/// Makes an event of `r` with id `id` that fires on the loop's next turn,
/// logging `fire <id>`.
pub fn later(t: &Trace, r: &Rendezvous<u32>, id: u32) {
    tame::asap(noting(t, format!("fire {id}"), r.event(id)));
}

/// The plain twin of `twait!(r)`: runs the loop until nothing is left to
/// do, then takes the first id that came back (`None` if nothing was
/// outstanding). Only for plain twins, called outside any task, with at most
/// one event of `r` outstanding.
pub fn settle(r: &Rendezvous<u32>) -> Option<u32> {
    tame::run();
    r.try_next()
}

/// Runs the tamed function and then its plain twin, each with a fresh
/// trace and the loop run to the end; checks that they leave the same
/// trace and returns it.
pub fn as_plain(tamed: impl FnOnce(Trace), plain: impl FnOnce(Trace)) -> Vec<String> {
    let got = traced(tamed);
    let want = traced(plain);
    assert_eq!(
        got, want,
        "the tamed function (left) does not do what the same body does as a plain function (right)"
    );
    got
}

/// Like [`as_plain`] for bodies that panic: each run is expected to panic
/// (inside the call or out of `run()`), and the traces must match.
pub fn as_plain_panicking(tamed: impl FnOnce(Trace), plain: impl FnOnce(Trace)) -> Vec<String> {
    let run = |f: Box<dyn FnOnce(Trace)>| {
        let t = Trace::default();
        let t2 = t.clone();
        let outcome = catch_unwind(AssertUnwindSafe(move || {
            f(t2);
            tame::run();
        }));
        assert!(outcome.is_err(), "expected a panic");
        let out = t.borrow().clone();
        out
    };
    let got = run(Box::new(tamed));
    let want = run(Box::new(plain));
    assert_eq!(
        got, want,
        "the tamed function (left) does not drop what the same body drops as a plain function (right)"
    );
    got
}
