//! The trace the behaviour tests record what happened into, in order, and
//! compare with the exact sequence they expect.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// What happened, in order, as short strings.
pub type Trace = Rc<RefCell<Vec<String>>>;

/// Appends `what` to the trace.
pub fn log(t: &Trace, what: impl Into<String>) {
    t.borrow_mut().push(what.into());
}

/// Runs `f` with a fresh trace, then the loop; returns the trace.
pub fn traced(f: impl FnOnce(Trace)) -> Vec<String> {
    let t = Trace::default();
    f(t.clone());
    tame::run();
    let out = t.borrow().clone();
    out
}

/// `n` milliseconds, for timers with distinct delays.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
