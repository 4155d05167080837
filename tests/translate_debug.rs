//! What the translator tells the runtime for debugging: `tame::blocked()`
//! names the function and the twait's file:line; a panic names the function.

#![deny(warnings)]

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

type Handed = Rc<RefCell<Vec<Event>>>;

/// Hands `ev` to the test, which triggers it when it wants.
fn hand_out(to: &Handed, ev: Event) {
    to.borrow_mut().push(ev);
}

#[tamed]
fn waits_for_three(to: Handed, line: Rc<Cell<u32>>) {
    line.set(line!() + 1);
    twait! {
        hand_out(&to, mkevent!());
        hand_out(&to, mkevent!());
        hand_out(&to, mkevent!());
    }
    line.set(line!() + 1);
    twait! { hand_out(&to, mkevent!()); }
}

#[test]
fn blocked_reports_function_site_and_outstanding_count() {
    let to = Handed::default();
    let line = Rc::new(Cell::new(0));
    waits_for_three(to.clone(), line.clone());
    let b = tame::blocked();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].site.function, "waits_for_three");
    assert_eq!(b[0].site.file, file!());
    assert_eq!(b[0].site.line, line.get());
    assert_eq!(b[0].waiting_for, 3);

    let first = to.borrow_mut().remove(0);
    first.trigger(());
    assert_eq!(tame::blocked()[0].waiting_for, 2);
    drop(to.borrow_mut().remove(0));
    assert_eq!(tame::blocked()[0].waiting_for, 1);
    let last = to.borrow_mut().remove(0);
    last.trigger(());
    tame::run();

    // Now at the second twait.
    let b = tame::blocked();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].site.line, line.get());
    assert_eq!(b[0].waiting_for, 1);
    assert_eq!(
        b[0].to_string(),
        format!(
            "waits_for_three at {}:{} waiting for 1 event",
            file!(),
            line.get()
        )
    );
    let ev = to.borrow_mut().remove(0);
    ev.trigger(());
    tame::run();
    assert!(tame::blocked().is_empty());
}

#[tamed]
fn waits_on_rendezvous(to: Handed, line: Rc<Cell<u32>>) {
    tvars! { let r = Rendezvous::<u8>::new(); }
    hand_out(&to, mkevent!(r, 1));
    hand_out(&to, mkevent!(r, 2));
    line.set(line!() + 1);
    let first = twait!(r);
    assert_eq!(first, Some(2));
}

#[test]
fn blocked_reports_an_explicit_rendezvous_twait() {
    let to = Handed::default();
    let line = Rc::new(Cell::new(0));
    waits_on_rendezvous(to.clone(), line.clone());
    let b = tame::blocked();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].site.function, "waits_on_rendezvous");
    assert_eq!(b[0].site.line, line.get());
    assert_eq!(b[0].waiting_for, 2);
    let second = to.borrow_mut().remove(1);
    second.trigger(());
    tame::run();
    assert!(tame::blocked().is_empty());
    to.borrow_mut().clear();
}

#[tamed]
fn boom(after: bool) {
    if after {
        twait! { tame::asap(mkevent!()); }
    }
    panic!("kaboom {}", 42);
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn panic_after_a_twait_propagates_out_of_run_with_the_function_name() {
    boom(true);
    let err = panic::catch_unwind(tame::run).expect_err("run() panics");
    let msg = panic_text(err);
    assert!(msg.contains("boom"), "{msg}");
    assert!(msg.contains("kaboom 42"), "{msg}");
    assert_eq!(msg, "tamed function `boom` panicked: kaboom 42");
}

#[test]
fn panic_before_the_first_twait_propagates_out_of_the_call() {
    let err = panic::catch_unwind(AssertUnwindSafe(|| boom(false))).expect_err("the call panics");
    assert_eq!(panic_text(err), "tamed function `boom` panicked: kaboom 42");
}

#[tamed]
fn outer_of_boom() {
    twait! { tame::asap(mkevent!()); }
    boom(false);
}

#[test]
fn panic_in_a_nested_call_names_the_innermost_function() {
    outer_of_boom();
    let err = panic::catch_unwind(tame::run).expect_err("run() panics");
    assert_eq!(panic_text(err), "tamed function `boom` panicked: kaboom 42");
}
