//! Translator 2's forms that the old translator rejected or got wrong:
//! shadowing as in Rust, a slot variable declared without a value,
//! `mkevent!` inside another macro's arguments, and by-value receivers
//! inside `twait! {}`. Where the body has a plain twin (`mod plain`), the
//! test checks that both leave the same trace.

#![deny(warnings)]
// `vec![mkevent!(), ..]` is the form under test.
#![allow(clippy::useless_vec)]

use std::rc::Rc;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{as_plain, deliver, delivered, later, noting, settle, tick};

mod tamed {
    use super::*;

    #[tamed]
    pub fn hidden_outer_used_after(t: Trace) {
        let n = String::from("outer");
        loop {
            let n = 5;
            twait! { tick(&t, "waited", mkevent!()); }
            if n > 3 {
                break;
            }
        }
        log(&t, n);
    }

    #[tamed]
    pub fn rebinding(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let x = 1;
        twait! { tick(&t, "wait 1", mkevent!()); }
        let x = x + 1;
        later(&t, &r, 10);
        let x = x + twait!(r).unwrap_or(0);
        twait! { tick(&t, "wait 2", mkevent!()); }
        let x = format!("x = {x}");
        log(&t, x);
    }

    #[tamed]
    pub fn parameter_shadowed(t: Trace, n: &'static str) {
        let n: u32 = n.parse().unwrap_or(0);
        twait! { tick(&t, "waited", mkevent!()); }
        let n = n * 2;
        log(&t, format!("n = {n}"));
    }

    #[tamed]
    pub fn arm_binding_shadows(t: Trace, v: Option<u32>) {
        let x = 1;
        match v {
            Some(x) => {
                twait! { tick(&t, "waited", mkevent!()); }
                log(&t, format!("arm x = {x}"));
            }
            None => log(&t, "none"),
        }
        log(&t, format!("outer x = {x}"));
    }

    #[tamed]
    pub fn inner_built_from_outer(t: Trace) {
        let a = String::from("outer");
        {
            let a = format!("{a}+inner");
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, a);
        }
        twait! { tick(&t, "waited again", mkevent!()); }
        log(&t, a);
    }

    #[tamed]
    pub fn shadowed_in_loop_body(t: Trace) {
        let i = 0u32;
        let mut count = 0;
        while count < 2 {
            let i = i + count * 10;
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, format!("inner i = {i}"));
            count += 1;
        }
        log(&t, format!("outer i = {i}"));
    }

    #[tamed]
    pub fn uninit_slot_in_loop(t: Trace) {
        let mut v: u32;
        let mut total = 0;
        for i in 1..3 {
            twait! { deliver(&t, i * 10, mkevent!(v)); }
            total += v;
            log(&t, format!("v = {v}"));
        }
        log(&t, format!("total = {total}"));
    }

    #[tamed]
    pub fn uninit_two_slots(t: Trace) {
        let mut n: u32;
        let mut s: String;
        twait! { deliver(&t, (1, "one".to_string()), mkevent!(n, s)); }
        log(&t, format!("{n} {s}"));
        twait! {
            deliver(&t, 2, mkevent!(n));
            deliver(&t, "two".to_string(), mkevent!(s));
        }
        log(&t, format!("{n} {s}"));
    }
}

mod plain {
    use super::*;

    pub fn hidden_outer_used_after(t: Trace) {
        let n = String::from("outer");
        loop {
            let n = 5;
            log(&t, "waited");
            if n > 3 {
                break;
            }
        }
        log(&t, n);
    }

    pub fn rebinding(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let x = 1;
        log(&t, "wait 1");
        let x = x + 1;
        later(&t, &r, 10);
        let x = x + settle(&r).unwrap_or(0);
        log(&t, "wait 2");
        let x = format!("x = {x}");
        log(&t, x);
    }

    pub fn parameter_shadowed(t: Trace, n: &'static str) {
        let n: u32 = n.parse().unwrap_or(0);
        log(&t, "waited");
        let n = n * 2;
        log(&t, format!("n = {n}"));
    }

    pub fn arm_binding_shadows(t: Trace, v: Option<u32>) {
        let x = 1;
        match v {
            Some(x) => {
                log(&t, "waited");
                log(&t, format!("arm x = {x}"));
            }
            None => log(&t, "none"),
        }
        log(&t, format!("outer x = {x}"));
    }

    pub fn inner_built_from_outer(t: Trace) {
        let a = String::from("outer");
        {
            let a = format!("{a}+inner");
            log(&t, "waited");
            log(&t, a);
        }
        log(&t, "waited again");
        log(&t, a);
    }

    pub fn shadowed_in_loop_body(t: Trace) {
        let i = 0u32;
        let mut count = 0;
        while count < 2 {
            let i = i + count * 10;
            log(&t, "waited");
            log(&t, format!("inner i = {i}"));
            count += 1;
        }
        log(&t, format!("outer i = {i}"));
    }

    pub fn uninit_slot_in_loop(t: Trace) {
        let mut v: u32;
        let mut total = 0;
        for i in 1..3 {
            v = delivered(&t, i * 10);
            total += v;
            log(&t, format!("v = {v}"));
        }
        log(&t, format!("total = {total}"));
    }

    pub fn uninit_two_slots(t: Trace) {
        let mut n: u32;
        let mut s: String;
        (n, s) = delivered(&t, (1, "one".to_string()));
        log(&t, format!("{n} {s}"));
        n = delivered(&t, 2);
        s = delivered(&t, "two".to_string());
        log(&t, format!("{n} {s}"));
    }
}

// ---- 3. shadowing ----

#[test]
fn an_outer_binding_hidden_inside_a_loop_is_used_after_the_loop() {
    assert_eq!(
        as_plain(
            tamed::hidden_outer_used_after,
            plain::hidden_outer_used_after
        ),
        ["waited", "outer"]
    );
}

#[test]
fn let_x_equals_x_plus_one_across_twaits() {
    assert_eq!(
        as_plain(tamed::rebinding, plain::rebinding),
        ["wait 1", "fire 10", "wait 2", "x = 12"]
    );
}

#[test]
fn a_parameter_shadowed_by_a_local_of_another_type() {
    assert_eq!(
        as_plain(
            |t| tamed::parameter_shadowed(t, "21"),
            |t| plain::parameter_shadowed(t, "21")
        ),
        ["waited", "n = 42"]
    );
}

#[test]
fn a_match_arm_binding_hides_an_outer_one_only_inside_the_arm() {
    assert_eq!(
        as_plain(
            |t| tamed::arm_binding_shadows(t, Some(7)),
            |t| plain::arm_binding_shadows(t, Some(7))
        ),
        ["waited", "arm x = 7", "outer x = 1"]
    );
}

#[test]
fn an_inner_binding_built_from_the_outer_one_of_the_same_name() {
    assert_eq!(
        as_plain(tamed::inner_built_from_outer, plain::inner_built_from_outer),
        ["waited", "outer+inner", "waited again", "outer"]
    );
}

#[test]
fn a_loop_body_binding_shadowing_an_outer_one_each_iteration() {
    assert_eq!(
        as_plain(tamed::shadowed_in_loop_body, plain::shadowed_in_loop_body),
        [
            "waited",
            "inner i = 0",
            "waited",
            "inner i = 10",
            "outer i = 0"
        ]
    );
}

// ---- 4. a slot declared without a value ----

#[test]
fn a_variable_declared_without_a_value_is_a_slot_written_before_it_is_read() {
    assert_eq!(
        as_plain(tamed::uninit_slot_in_loop, plain::uninit_slot_in_loop),
        ["fire 10", "v = 10", "fire 20", "v = 20", "total = 30"]
    );
}

#[test]
fn two_variables_declared_without_values_filled_by_one_event_then_by_two() {
    assert_eq!(
        as_plain(tamed::uninit_two_slots, plain::uninit_two_slots),
        [
            "fire (1, \"one\")",
            "1 one",
            "fire 2",
            "fire \"two\"",
            "2 two"
        ]
    );
}

// ---- 5. mkevent! inside another macro's arguments ----

/// Fires each event on the loop's next turn.
fn all_asap(evs: Vec<Event>) {
    for ev in evs {
        tame::asap(ev);
    }
}

/// Triggers the i-th event with i + 1, at once.
fn number(evs: Vec<Event<u32>>) {
    for (i, ev) in evs.into_iter().enumerate() {
        ev.trigger(i as u32 + 1);
    }
}

macro_rules! identity {
    ($e:expr) => {
        $e
    };
}

#[tamed]
fn events_in_macros(t: Trace) {
    twait! {
        all_asap(vec![
            noting(&t, "first", mkevent!()),
            noting(&t, "second", mkevent!()),
        ]);
    }
    log(&t, "both came back");
    let mut a: u32 = 0;
    let mut b: u32 = 0;
    log(&t, format!("a = {a}, b = {b}"));
    twait! { number(vec![mkevent!(a), mkevent!(b)]); }
    log(&t, format!("a = {a}, b = {b}"));
    twait! {
        for ev in vec![mkevent!(), noting(&t, "from the for", mkevent!())] {
            tame::asap(ev);
        }
    }
    twait! { tame::asap(identity!(noting(&t, "through identity!", mkevent!()))); }
    log(&t, "done");
}

#[test]
fn mkevent_inside_vec_and_user_macros_joins_the_twait_block() {
    assert_eq!(
        traced(events_in_macros),
        [
            "first",
            "second",
            "both came back",
            "a = 0, b = 0",
            "a = 1, b = 2",
            "from the for",
            "through identity!",
            "done"
        ]
    );
}

#[tamed]
fn explicit_events_in_vec(t: Trace) {
    let r = Rendezvous::<u32>::new();
    let mut x: u32 = 0;
    log(&t, format!("x = {x}"));
    let evs = vec![mkevent!(r, 1), mkevent!(r, 2)];
    all_asap(evs);
    number(vec![mkevent!(r, 3, x)]);
    let first = twait!(r);
    let second = twait!(r);
    let third = twait!(r);
    let fourth = twait!(r);
    log(
        &t,
        format!("{first:?} {second:?} {third:?} {fourth:?} x = {x}"),
    );
}

#[test]
fn mkevent_with_an_explicit_rendezvous_inside_vec() {
    assert_eq!(
        traced(explicit_events_in_vec),
        ["x = 0", "Some(3) Some(1) Some(2) None x = 1"]
    );
}

// ---- 6. by-value receivers inside twait! {} ----

pub struct Limiter {
    t: Trace,
}

impl Limiter {
    #[tamed]
    fn acquire(self: Rc<Self>, done: Event<()>) {
        log(
            &self.t,
            format!("acquire ({} refs)", Rc::strong_count(&self)),
        );
        twait! { tame::asap(mkevent!()); }
        done.trigger(());
    }
}

#[tamed]
fn use_limiter(t: Trace, limiter: Rc<Limiter>) {
    twait! { limiter.acquire(mkevent!()); }
    log(&t, "acquired");
}

#[test]
fn an_rc_receiver_moved_into_a_tamed_method_inside_a_twait_block() {
    let t = Trace::default();
    let limiter = Rc::new(Limiter { t: t.clone() });
    use_limiter(t.clone(), limiter.clone());
    tame::run();
    assert_eq!(*t.borrow(), ["acquire (2 refs)", "acquired"]);
    assert_eq!(Rc::strong_count(&limiter), 1);
}

#[tamed]
fn limited_rounds(t: Trace, limiter: Rc<Limiter>) {
    for i in 0..3 {
        let l = limiter.clone();
        twait! { l.acquire(mkevent!()); }
        log(&t, format!("round {i}"));
    }
}

#[test]
fn a_receiver_moved_inside_a_twait_block_in_a_loop_body() {
    let t = Trace::default();
    let limiter = Rc::new(Limiter { t: t.clone() });
    limited_rounds(t.clone(), limiter.clone());
    tame::run();
    assert_eq!(
        *t.borrow(),
        [
            "acquire (3 refs)",
            "round 0",
            "acquire (3 refs)",
            "round 1",
            "acquire (3 refs)",
            "round 2"
        ]
    );
    assert_eq!(Rc::strong_count(&limiter), 1);
}

/// A value sent away and answered with another: `send` consumes it.
pub struct Token(u32);

impl Token {
    fn send(self, ev: Event<Token>) {
        let n = self.0;
        tame::asap(Event::from_fn(move |_: Option<()>| {
            ev.trigger(Token(n + 1))
        }));
    }

    #[tamed]
    fn bounce(self) -> Token {
        twait! { tame::asap(mkevent!()); }
        Token(self.0 * 2)
    }
}

#[tamed]
fn relay(t: Trace) {
    let mut back = Token(0);
    log(&t, format!("start with {}", back.0));
    for i in 1..3 {
        let tok = Token(i * 10);
        twait! { tok.send(mkevent!(back)); }
        log(&t, format!("back {}", back.0));
    }
    let tok = Token(back.0);
    twait! { tok.bounce(mkevent!(back)); }
    log(&t, format!("bounced {}", back.0));
}

#[test]
fn a_by_value_self_receiver_inside_a_twait_block_with_a_slot() {
    assert_eq!(
        traced(relay),
        ["start with 0", "back 11", "back 21", "bounced 42"]
    );
}

pub struct Pool {
    name: &'static str,
    t: Trace,
}

impl Pool {
    #[tamed]
    fn ready(self: Rc<Self>, done: Event) {
        log(&self.t, format!("{} ready check", self.name));
        twait! { tame::asap(mkevent!()); }
        done.trigger(());
    }

    #[tamed]
    fn serve(self: Rc<Self>) {
        twait! { self.clone().ready(mkevent!()); }
        log(
            &self.t,
            format!("{} serving ({} refs)", self.name, Rc::strong_count(&self)),
        );
        twait! { self.ready(mkevent!()); }
    }
}

#[test]
fn rc_self_receivers_inside_a_tamed_method_taking_rc_self() {
    let t = Trace::default();
    let pool = Rc::new(Pool {
        name: "pool",
        t: t.clone(),
    });
    pool.clone().serve();
    tame::run();
    assert_eq!(
        *t.borrow(),
        [
            "pool ready check",
            "pool serving (2 refs)",
            "pool ready check"
        ]
    );
    assert_eq!(Rc::strong_count(&pool), 1);
}

// ---- destructuring assignment of every pattern form ----

/// `[a, _] = ..`, `S { x: a } = ..` and `W(a) = ..` write `a` as
/// `(a, _) = ..` does: a variable declared without a value is given one,
/// and the value it held before is dropped there, the new one at the end of
/// its scope.
#[allow(unused_assignments)]
mod destructuring {
    use super::*;
    use twin::Noisy;

    pub struct Pair<T> {
        pub a: T,
        pub b: T,
    }

    pub struct Wrap<T>(pub T, pub T);

    pub struct Holder {
        pub n: Noisy,
    }

    pub struct Wrapped(pub Noisy);

    pub mod tamed {
        use super::*;

        #[tamed]
        pub fn declared_then_written(t: Trace, k: u32) {
            let (c, d, e, f, b, g, h);
            [c, _, .., d] = [k, 0, 0, k + 1];
            Pair { a: e, b } = Pair { a: k + 2, b: k + 3 };
            Pair { a: f, .. } = Pair { a: k + 4, b: 0 };
            (Wrap(g, _), [[h, _]]) = (Wrap(k + 5, 0), [[k + 6, 0]]);
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, format!("{c} {d} {e} {b} {f} {g} {h}"));
        }

        #[tamed]
        pub fn overwritten(t: Trace) {
            let mut a = Noisy::new("old a", &t);
            let mut s = Noisy::new("old s", &t);
            let mut w = Noisy::new("old w", &t);
            a.touch();
            s.touch();
            w.touch();
            [a, _] = [Noisy::new("new a", &t), Noisy::new("spare", &t)];
            Holder { n: s } = Holder {
                n: Noisy::new("new s", &t),
            };
            Wrapped(w) = Wrapped(Noisy::new("new w", &t));
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, "after");
        }
    }

    pub mod plain {
        use super::*;

        pub fn declared_then_written(t: Trace, k: u32) {
            let (c, d, e, f, b, g, h);
            [c, _, .., d] = [k, 0, 0, k + 1];
            Pair { a: e, b } = Pair { a: k + 2, b: k + 3 };
            Pair { a: f, .. } = Pair { a: k + 4, b: 0 };
            (Wrap(g, _), [[h, _]]) = (Wrap(k + 5, 0), [[k + 6, 0]]);
            log(&t, "waited");
            log(&t, format!("{c} {d} {e} {b} {f} {g} {h}"));
        }

        pub fn overwritten(t: Trace) {
            let mut a = Noisy::new("old a", &t);
            let mut s = Noisy::new("old s", &t);
            let mut w = Noisy::new("old w", &t);
            a.touch();
            s.touch();
            w.touch();
            [a, _] = [Noisy::new("new a", &t), Noisy::new("spare", &t)];
            Holder { n: s } = Holder {
                n: Noisy::new("new s", &t),
            };
            Wrapped(w) = Wrapped(Noisy::new("new w", &t));
            log(&t, "waited");
            log(&t, "after");
        }
    }
}

#[test]
fn array_struct_and_tuple_struct_destructuring_give_a_late_declared_variable_its_value() {
    assert_eq!(
        as_plain(
            |t| destructuring::tamed::declared_then_written(t, 10),
            |t| destructuring::plain::declared_then_written(t, 10)
        ),
        ["waited", "10 11 12 13 14 15 16"]
    );
}

#[test]
fn a_value_written_by_array_struct_or_tuple_struct_destructuring_lives_to_scope_end() {
    let trace = as_plain(
        destructuring::tamed::overwritten,
        destructuring::plain::overwritten,
    );
    assert_eq!(
        trace[trace.len() - 5..],
        ["waited", "after", "drop new w", "drop new s", "drop new a"]
    );
}

// ---- an `unsafe` block that waits

mod unsafe_block {
    use super::*;
    use twin::Noisy;

    /// Reads through a raw pointer; `unsafe` to call.
    ///
    /// # Safety
    ///
    /// `p` points to a live `u32`.
    unsafe fn read(p: *const u32) -> u32 {
        // SAFETY: the caller's promise.
        unsafe { *p }
    }

    pub mod tamed {
        use super::*;

        #[tamed]
        pub fn waits_inside(t: Trace, cell: Rc<u32>) {
            let p = Rc::as_ptr(&cell);
            // SAFETY: `cell` keeps the value alive for the whole function.
            let v = unsafe {
                let g = Noisy::new("g", &t);
                let before = read(p);
                twait! { tick(&t, "waited", mkevent!()); }
                g.touch();
                before + *p
            };
            log(&t, format!("v {v}"));
        }

        /// An `unsafe` block's value that moves `g` on some paths, with
        /// no twait in it: `g` lives to its scope's end where it was not
        /// moved, across the twait after.
        #[tamed]
        pub fn value_moves(t: Trace, cell: Rc<u32>, c: bool) {
            let g = Noisy::new("g", &t);
            let p = Rc::as_ptr(&cell);
            // SAFETY: `cell` keeps the value alive for the whole function.
            let v = unsafe {
                if c {
                    drop(g);
                    read(p)
                } else {
                    2
                }
            };
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, format!("v {v}"));
        }
    }

    pub mod plain {
        use super::*;

        pub fn waits_inside(t: Trace, cell: Rc<u32>) {
            let p = Rc::as_ptr(&cell);
            // SAFETY: `cell` keeps the value alive for the whole function.
            let v = unsafe {
                let g = Noisy::new("g", &t);
                let before = read(p);
                log(&t, "waited");
                g.touch();
                before + *p
            };
            log(&t, format!("v {v}"));
        }

        pub fn value_moves(t: Trace, cell: Rc<u32>, c: bool) {
            let g = Noisy::new("g", &t);
            let p = Rc::as_ptr(&cell);
            // SAFETY: `cell` keeps the value alive for the whole function.
            let v = unsafe {
                if c {
                    drop(g);
                    read(p)
                } else {
                    2
                }
            };
            log(&t, "waited");
            log(&t, format!("v {v}"));
        }
    }
}

/// An `unsafe` block's value that moves a variable on some paths keeps
/// the variable to its scope's end on the others (it was dropped at the
/// next twait).
#[test]
fn an_unsafe_blocks_value_that_moves_on_some_paths() {
    for c in [false, true] {
        as_plain(
            |t| unsafe_block::tamed::value_moves(t, Rc::new(1), c),
            |t| unsafe_block::plain::value_moves(t, Rc::new(1), c),
        );
    }
    assert_eq!(
        as_plain(
            |t| unsafe_block::tamed::value_moves(t, Rc::new(1), false),
            |t| unsafe_block::plain::value_moves(t, Rc::new(1), false)
        ),
        ["waited", "v 2", "drop g"]
    );
}

/// A twait inside an `unsafe` block: the block's code runs on both sides
/// of it, its local dropped at the block's end, as in a plain function.
#[test]
fn an_unsafe_block_may_wait() {
    assert_eq!(
        as_plain(
            |t| unsafe_block::tamed::waits_inside(t, Rc::new(21)),
            |t| unsafe_block::plain::waits_inside(t, Rc::new(21))
        ),
        ["waited", "drop g", "v 42"]
    );
}
