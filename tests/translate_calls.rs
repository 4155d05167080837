//! Calling tamed functions: methods, generics, calls inside `twait!{}`,
//! eager start.

#![deny(warnings)]

use std::fmt::Debug;
use std::rc::Rc;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, ms, Trace};

struct Worker {
    name: String,
    done: u32,
}

impl Worker {
    #[tamed]
    fn run(mut self, rounds: u32, t: Trace) {
        for _ in 0..rounds {
            twait! { tame::asap(mkevent!()); }
            self.done += 1;
        }
        log(&t, format!("{} did {}", self.name, self.done));
    }

    #[tamed]
    fn shared(self: Rc<Self>, t: Trace, ev: Event<usize>) {
        twait! { tame::timer(ms(2), mkevent!()); }
        log(
            &t,
            format!("{} shared by {}", self.name, Rc::strong_count(&self)),
        );
        ev.trigger(self.name.len());
    }
}

#[test]
fn method_with_self_by_value() {
    let t = Trace::default();
    Worker {
        name: "w".into(),
        done: 0,
    }
    .run(3, t.clone());
    tame::run();
    assert_eq!(*t.borrow(), ["w did 3"]);
}

#[test]
fn method_with_rc_self() {
    let t = Trace::default();
    let w = Rc::new(Worker {
        name: "rc".into(),
        done: 0,
    });
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    w.clone().shared(t.clone(), ev);
    drop(w);
    tame::run();
    assert_eq!(*t.borrow(), ["rc shared by 1"]);
    assert_eq!(slot.take(), Some(2));
}

#[tamed]
fn echo<T: Clone + Debug + 'static>(x: T, t: Trace, ev: Event<T>) {
    let copy = x.clone();
    twait! { tame::timer(ms(1), mkevent!()); }
    log(&t, format!("echo {copy:?}"));
    ev.trigger(x);
}

#[tamed]
fn pair<A, B>(a: A, b: B, ev: Event<(B, A)>)
where
    A: 'static,
    B: 'static,
{
    twait! { tame::asap(mkevent!()); }
    ev.trigger((b, a));
}

#[tamed]
fn generic_caller(t: Trace) {
    let mut s = String::new();
    let mut n = 0u8;
    let mut swapped = (0u32, ' ');
    twait! {
        echo("hi".to_string(), t.clone(), mkevent!(s));
        echo(7u8, t.clone(), mkevent!(n));
        pair('c', 3u32, mkevent!(swapped));
    }
    log(&t, format!("{s} {n} {swapped:?}"));
}

#[test]
fn generic_tamed_functions() {
    let t = Trace::default();
    generic_caller(t.clone());
    tame::run();
    assert_eq!(*t.borrow(), ["echo \"hi\"", "echo 7", "hi 7 (3, 'c')"]);
}

#[tamed]
fn child(name: &'static str, delay: u64, t: Trace, ev: Event<String>) {
    log(&t, format!("{name} starts"));
    twait! { tame::timer(ms(delay), mkevent!()); }
    log(&t, format!("{name} ends"));
    ev.trigger(name.to_uppercase());
}

#[tamed]
fn parent(t: Trace) {
    let mut a = String::new();
    let mut b = String::new();
    log(&t, "parent starts");
    twait! {
        child("a", 3, t.clone(), mkevent!(a));
        log(&t, "between calls");
        child("b", 1, t.clone(), mkevent!(b));
    }
    log(&t, format!("parent got {a} {b}"));
}

#[test]
fn tamed_calls_inside_a_twait_block() {
    let t = Trace::default();
    parent(t.clone());
    tame::run();
    assert_eq!(
        *t.borrow(),
        [
            "parent starts",
            "a starts",
            "between calls",
            "b starts",
            "b ends",
            "a ends",
            "parent got A B"
        ]
    );
}

#[tamed]
fn eager(t: Trace) {
    log(&t, "body before twait");
    twait! { tame::asap(mkevent!()); }
    log(&t, "body after twait");
}

#[test]
fn a_tamed_call_runs_up_to_its_first_twait_before_returning() {
    let t = Trace::default();
    log(&t, "before call");
    eager(t.clone());
    log(&t, "after call");
    tame::run();
    assert_eq!(
        *t.borrow(),
        [
            "before call",
            "body before twait",
            "after call",
            "body after twait"
        ]
    );
}

#[tamed]
fn no_twait_taken(t: Trace, wait: bool) {
    log(&t, "start");
    if wait {
        twait! { tame::asap(mkevent!()); }
    }
    log(&t, "end");
}

#[test]
fn a_tamed_call_that_never_blocks_finishes_inside_the_call() {
    let t = Trace::default();
    no_twait_taken(t.clone(), false);
    log(&t, "returned");
    assert!(tame::blocked().is_empty());
    tame::run();
    assert_eq!(*t.borrow(), ["start", "end", "returned"]);
}

#[tamed]
fn pattern_params((a, b): (u32, String), Wrapper(c): Wrapper, t: Trace) {
    twait! { tame::asap(mkevent!()); }
    log(&t, format!("{a} {b} {c}"));
}

struct Wrapper(i8);

#[test]
fn pattern_parameters() {
    let t = Trace::default();
    pattern_params((1, "two".into()), Wrapper(-3), t.clone());
    tame::run();
    assert_eq!(*t.borrow(), ["1 two -3"]);
}

#[tamed]
fn impl_trait_param(f: impl FnOnce(u32) -> String, t: Trace) {
    twait! { tame::asap(mkevent!()); }
    log(&t, f(5));
}

#[test]
fn impl_trait_parameters() {
    let t = Trace::default();
    let suffix = String::from("!");
    impl_trait_param(move |n| format!("{n}{suffix}"), t.clone());
    tame::run();
    assert_eq!(*t.borrow(), ["5!"]);
}
