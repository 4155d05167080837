//! The drop rule is Rust's: a binding is dropped at the end of its scope,
//! twaits or not, in reverse order of declaration; one moved out before a
//! twait is not kept.

#![deny(warnings)]

use std::rc::Rc;

use tame::{mkevent, tamed, tvars, twait, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

/// Records its drop into the trace.
struct Noisy {
    name: &'static str,
    t: Trace,
}

impl Noisy {
    fn new(name: &'static str, t: &Trace) -> Noisy {
        Noisy { name, t: t.clone() }
    }
}

impl Drop for Noisy {
    fn drop(&mut self) {
        log(&self.t, format!("drop {}", self.name));
    }
}

#[tamed]
fn unused_after_twait(t: Trace) {
    let a = Noisy::new("a", &t);
    log(&t, format!("made {}", a.name));
    twait! {
        tame::asap(mkevent!());
        log(&t, "block ran");
    }
    log(&t, "resumed");
}

#[test]
fn binding_not_used_after_a_twait_is_still_dropped_at_its_scope_end() {
    assert_eq!(
        traced(unused_after_twait),
        ["made a", "block ran", "resumed", "drop a"]
    );
}

#[tamed]
fn last_use_then_twait(t: Trace) {
    let a = Noisy::new("a", &t);
    twait! { tame::asap(mkevent!()); }
    log(&t, format!("use {}", a.name));
    twait! { tame::asap(mkevent!()); }
    log(&t, "after second twait");
}

#[test]
fn binding_used_between_twaits_is_dropped_at_its_scope_end_not_at_the_next_twait() {
    assert_eq!(
        traced(last_use_then_twait),
        ["use a", "after second twait", "drop a"]
    );
}

#[tamed]
fn end_of_block(t: Trace) {
    {
        let a = Noisy::new("a", &t);
        twait! { tame::asap(mkevent!()); }
        log(&t, format!("use {}", a.name));
        log(&t, "end of block");
    }
    log(&t, "after block");
    twait! { tame::asap(mkevent!()); }
    log(&t, "end");
}

#[test]
fn binding_used_after_a_twait_is_dropped_at_the_end_of_its_block() {
    assert_eq!(
        traced(end_of_block),
        ["use a", "end of block", "drop a", "after block", "end"]
    );
}

#[tamed]
fn kept_to_function_end(t: Trace, done: Rc<Noisy>) {
    let a = Noisy::new("a", &t);
    twait! { tame::asap(mkevent!()); }
    log(&t, format!("use {}", a.name));
    log(&t, format!("last statement ({})", done.name));
}

#[test]
fn binding_lives_to_the_end_of_the_function_not_the_task() {
    let t = Trace::default();
    let done = Rc::new(Noisy::new("param", &t));
    kept_to_function_end(t.clone(), done);
    tame::run();
    assert_eq!(
        *t.borrow(),
        ["use a", "last statement (param)", "drop a", "drop param"]
    );
}

#[tamed]
fn guard_kept(t: Trace) {
    {
        let _guard = Noisy::new("guard", &t);
        let plain = Noisy::new("plain", &t);
        log(&t, format!("made {}", plain.name));
        twait! { tame::asap(mkevent!()); }
        log(&t, "resumed");
        twait! { tame::asap(mkevent!()); }
        log(&t, "resumed again");
    }
    log(&t, "after block");
}

#[test]
fn bindings_of_a_block_are_dropped_at_its_end_in_reverse_order() {
    assert_eq!(
        traced(guard_kept),
        [
            "made plain",
            "resumed",
            "resumed again",
            "drop plain",
            "drop guard",
            "after block"
        ]
    );
}

#[tamed]
fn per_iteration(t: Trace) {
    for name in ["x", "y"] {
        let n = Noisy::new(name, &t);
        twait! { tame::asap(mkevent!()); }
        log(&t, format!("use {}", n.name));
    }
    log(&t, "loop done");
}

#[test]
fn loop_body_bindings_are_dropped_each_iteration() {
    assert_eq!(
        traced(per_iteration),
        ["use x", "drop x", "use y", "drop y", "loop done"]
    );
}

#[tamed]
fn slot_value_replaced(t: Trace) {
    tvars! { let r = Rendezvous::<()>::new(); }
    let mut held = Noisy::new("old", &t);
    let ev = mkevent!(r, (), held);
    ev.trigger(Noisy::new("new", &t));
    twait!(r);
    log(&t, format!("holding {}", held.name));
}

#[test]
fn storing_into_a_slot_drops_the_old_value() {
    assert_eq!(
        traced(slot_value_replaced),
        ["drop old", "holding new", "drop new"]
    );
}

#[tamed]
fn param_unused(t: Trace, p: Noisy) {
    log(&t, format!("param {}", p.name));
    twait! { tame::asap(mkevent!()); }
    log(&t, "resumed");
}

#[test]
fn parameter_not_used_after_a_twait_lives_to_the_end_of_the_function() {
    let t = Trace::default();
    param_unused(t.clone(), Noisy::new("p", &t));
    log(&t, "returned");
    tame::run();
    assert_eq!(*t.borrow(), ["param p", "returned", "resumed", "drop p"]);
}
