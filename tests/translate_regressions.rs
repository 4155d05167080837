//! Regression tests: one per translator bug found by the behaviour tests,
//! named for the bug, plus forms that sit next to them.

#![deny(warnings)]
// Each regression keeps the shape of the program that showed the bug.
#![allow(clippy::never_loop, clippy::needless_late_init)]

use std::cell::RefCell;
use std::rc::Rc;

use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

// Bug: items declared in the body (`use`, `const`, `fn`, `struct`) stayed
// in the state whose code declared them, so the code after a twait did not
// see them (E0425/E0599, and an "unused import" warning).
#[tamed]
fn items(t: Trace) {
    use std::fmt::Write;
    const N: u32 = 3;
    fn helper(x: u32) -> u32 {
        x * 2
    }
    struct Local {
        v: u32,
    }
    let mut s = String::new();
    twait! { tame::asap(mkevent!()); }
    let l = Local { v: helper(N) };
    write!(s, "{}", l.v).unwrap();
    loop {
        const K: u32 = 4;
        twait! { tame::asap(mkevent!()); }
        write!(s, " {K}").unwrap();
        break;
    }
    log(&t, s);
}

#[test]
fn items_declared_in_the_body_are_visible_after_a_twait() {
    assert_eq!(traced(items), ["6 4"]);
}

// Bug: `let y;` (no type) assigned only after a twait was also emitted,
// unassigned, in the state before, where rustc cannot infer its type
// (E0282).
#[tamed]
fn late_init(t: Trace) {
    let k = 10u32;
    let f = move |a: u32| a + k;
    let y;
    twait! { tame::asap(mkevent!()); }
    y = f(1);
    twait! { tame::asap(mkevent!()); }
    log(&t, format!("{y}"));
}

#[tamed]
fn late_init_nested(t: Trace, c: bool) {
    let y;
    if c {
        y = "then";
    } else {
        y = "else";
    }
    twait! { tame::asap(mkevent!()); }
    log(&t, y);
}

#[test]
fn let_without_type_assigned_after_a_twait_infers_its_type() {
    assert_eq!(traced(late_init), ["11"]);
    assert_eq!(traced(|t| late_init_nested(t, true)), ["then"]);
    assert_eq!(traced(|t| late_init_nested(t, false)), ["else"]);
}

// Bug: inside `twait!{}`, `mkevent!(self.r, 5, self.x)` was taken for three
// slots (the rendezvous is a field, of a type the macro cannot see), and
// `5` was reported as "not a place".
struct Holder {
    r: Rendezvous<u8>,
    x: u32,
}

impl Holder {
    #[tamed]
    fn go(mut self, t: Trace, ev: Event<u32>) {
        twait! {
            mkevent!(self.r, 5, self.x).trigger(7);
            tame::asap(mkevent!());
        }
        let id = twait!(self.r);
        log(&t, format!("{id:?} {}", self.x));
        ev.trigger(self.x);
    }
}

#[test]
fn explicit_rendezvous_field_event_inside_a_twait_block() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    let t = Trace::default();
    Holder {
        r: Rendezvous::new(),
        x: 0,
    }
    .go(t.clone(), ev);
    tame::run();
    assert_eq!(*t.borrow(), ["Some(5) 7"]);
    assert_eq!(slot.take(), Some(7));
}

// Forms next to the bugs above.

#[tamed]
fn while_method_on_twait(t: Trace) {
    tvars! { let r = Rendezvous::<u8>::new(); }
    tame::asap(mkevent!(r, 1));
    tame::asap(mkevent!(r, 2));
    let mut n = 0;
    while twait!(r).is_some() {
        n += 1;
    }
    log(&t, format!("{n}"));
}

#[test]
fn while_condition_calls_a_method_on_twait() {
    assert_eq!(traced(while_method_on_twait), ["2"]);
}

#[tamed]
fn arm_is_a_twait_block(t: Trace, x: Option<u8>) {
    match x {
        Some(v) => twait! { tame::asap(mkevent!()); log(&t, format!("in {v}")); },
        None => log(&t, "none"),
    }
    log(&t, "end");
}

#[test]
fn match_arm_whose_body_is_a_twait_block() {
    assert_eq!(
        traced(|t| arm_is_a_twait_block(t, Some(1))),
        ["in 1", "end"]
    );
    assert_eq!(traced(|t| arm_is_a_twait_block(t, None)), ["none", "end"]);
}

#[tamed]
fn else_if_let_twait(t: Trace, a: bool) {
    tvars! { let r = Rendezvous::<u8>::new(); }
    tame::asap(mkevent!(r, 3));
    if a {
        log(&t, "a");
    } else if let Some(x) = twait!(r) {
        log(&t, format!("got {x}"));
    }
    log(&t, "end");
}

#[test]
fn else_if_let_on_twait() {
    assert_eq!(traced(|t| else_if_let_twait(t, false)), ["got 3", "end"]);
    assert_eq!(traced(|t| else_if_let_twait(t, true)), ["a", "end"]);
}

// Bug: a `let` whose value came from a method chain over a borrow was taken
// for a borrow kept across the twait, whatever the last method returned:
// `v.iter().sum()`, `cell.get()`, `shared.borrow().len()` were rejected.
#[tamed]
fn owned_results_of_borrowing_chains(t: Trace, v: Vec<u32>, cell: Rc<std::cell::Cell<u8>>) {
    let shared = RefCell::new(vec![1, 2]);
    let total: u32 = v.iter().map(|x| x * 2).sum();
    let n = cell.get();
    let len = shared.borrow().len();
    let word = "  padded ".trim().to_string();
    let first = v.first().copied();
    let mut rest = v.clone().into_iter().skip(1).peekable();
    twait! { tame::asap(mkevent!()); }
    let next = rest.next();
    log(&t, format!("{total} {n} {len} {word} {first:?} {next:?}"));
}

#[test]
fn owned_values_computed_from_borrows_cross_a_twait() {
    let cell = Rc::new(std::cell::Cell::new(9));
    assert_eq!(
        traced(|t| owned_results_of_borrowing_chains(t, vec![1, 2, 3], cell)),
        ["12 9 2 padded Some(1) Some(2)"]
    );
}

// Bug: the slots of `mkevent!(r, id, slot)` were stored only at a
// `twait!(r)` spelled with the same tokens; `twait!(*r)` (r: Rc<Rendezvous>)
// or `mkevent!(&r, ..)` left the slot silently unwritten.
#[tamed]
fn deref_rendezvous(t: Trace, r: Rc<Rendezvous<u8>>) {
    let mut x = 0;
    mkevent!(r, 1, x).trigger(5);
    let id = twait!(*r);
    log(&t, format!("{id:?} {x}"));
}

#[tamed]
fn ref_rendezvous(t: Trace) {
    let r = Rendezvous::<u8>::new();
    let mut x = 0;
    mkevent!(&r, 1, x).trigger(6);
    let id = twait!(r);
    log(&t, format!("{id:?} {x}"));
}

#[test]
fn slots_are_stored_whatever_the_rendezvous_is_spelled() {
    assert_eq!(
        traced(|t| deref_rendezvous(t, Rc::new(Rendezvous::new()))),
        ["Some(1) 5"]
    );
    assert_eq!(traced(ref_rendezvous), ["Some(1) 6"]);
}
