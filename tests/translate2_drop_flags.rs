//! A variable moved on some paths and not on others, with a twait before
//! the end of its scope: Rust drops it at that end exactly when no path
//! moved it (a drop flag), and so must a tamed function, where the states
//! after the twait carry the value only on the paths that kept it. Each
//! tamed function has a plain twin (see `translate2_drops.rs`); both must
//! leave the same trace for every choice of path.

#![deny(warnings)]

use std::cell::RefCell;
use std::rc::Rc;

use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{as_plain, deliver, delivered, later, tick, Noisy};

fn consume(n: Noisy, t: &Trace) {
    log(t, format!("consumed {}", n.name));
}

/// Hands `n` and `k` to `ev` on the loop's next turn, logging `handed
/// <name>`: a lock or a permit that comes through an event.
fn hand_over(t: &Trace, n: Noisy, k: u32, ev: tame::Event<(Noisy, u32)>) {
    let t = t.clone();
    tame::asap(tame::Event::from_fn(move |_: Option<()>| {
        log(&t, format!("handed {}", n.name));
        ev.trigger((n, k));
    }));
}

/// The plain twin of [`hand_over`].
fn handed(t: &Trace, n: Noisy, k: u32) -> (Noisy, u32) {
    log(t, format!("handed {}", n.name));
    (n, k)
}

/// A number from a call: not a literal, not a variable.
fn step(n: u32) -> u32 {
    n * 2
}

/// A `String` made by a call on a number: it borrows nothing.
fn format_n(n: u32) -> String {
    format!("n{n}")
}

mod tamed {
    use super::*;

    #[tamed]
    pub fn cast_initialized(t: Trace, c: u32) {
        for i in 0..3u32 {
            // A cast to a type with a drop is not a number.
            let g = Box::new(Noisy::new(format!("g{i}"), &t)) as Box<dyn std::any::Any>;
            let h = Noisy::new(format!("h{i}"), &t) as Noisy;
            if i == c {
                drop(g);
            }
            twait! { tick(&t, "waited", mkevent!()); }
            if i + 1 == c {
                drop(h);
            }
            log(&t, format!("end {i}"));
        }
    }

    #[tamed]
    pub fn assigned_then_moved_in_a_branch(t: Trace, k: u32) {
        let mut a = Noisy::new("a", &t);
        a.touch();
        if k & 1 == 1 {
            a = Noisy::new("a2", &t);
            if k & 2 == 2 {
                consume(a, &t);
            }
        }
        let mut b = Noisy::new("b", &t);
        b.touch();
        if k & 4 == 4 {
            b = Noisy::new("b2", &t);
            consume(b, &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// rustc refused this one (E0382 at the twait): the machine stored
    /// `a` as assigned after the `if`.
    #[tamed]
    #[allow(unused_assignments)]
    pub fn assigned_moved_and_maybe_given_again_in_a_branch(t: Trace, k: u32) {
        let mut a = Noisy::new("a0", &t);
        a.touch();
        if k == 0 {
            a = Noisy::new("a1", &t);
        } else {
            a = Noisy::new("a2", &t);
            consume(a, &t);
            if k == 1 {
                a = Noisy::new("a3", &t);
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    #[allow(unused_assignments)]
    pub fn moved_then_given_in_each_branch(t: Trace, k: u32) {
        let mut b = Noisy::new("b0", &t);
        b.touch();
        if k == 2 {
            consume(b, &t);
            b = Noisy::new("b1", &t);
        } else {
            consume(b, &t);
            b = Noisy::new("b2", &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn late_init_moved_in_a_branch(t: Trace, k: u32) -> u32 {
        let a;
        let b: Noisy;
        let c;
        let mut n = 0;
        if k & 1 == 1 {
            a = Noisy::new("a", &t);
            consume(a, &t);
            n += 1;
        }
        if k & 2 == 2 {
            b = Noisy::new("b", &t);
            consume(b, &t);
            n += 2;
        } else {
            c = Noisy::new("c", &t);
            if k & 4 == 4 {
                consume(c, &t);
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
        n
    }

    #[tamed]
    pub fn waiting_values_as_temporaries(t: Trace, c: bool) {
        let _ = {
            twait! { tick(&t, "waited", mkevent!()); }
            Noisy::new("ignored", &t)
        };
        log(&t, "after ignored");
        let n = {
            twait! { tick(&t, "waited", mkevent!()); }
            Noisy::new("receiver", &t)
        }
        .name
        .len();
        log(&t, format!("after receiver {n}"));
        match if c {
            twait! { tick(&t, "waited", mkevent!()); }
            Noisy::new("scrutinee", &t)
        } else {
            Noisy::new("scrutinee", &t)
        }
        .name
        .as_str()
        {
            "" => log(&t, "unnamed"),
            _ => log(&t, "matched"),
        }
        log(&t, "end");
    }

    #[tamed]
    pub fn if_moves(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        if c {
            consume(a, &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn match_moves_in_one_arm(t: Trace, k: u32) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        match k {
            0 => consume(a, &t),
            1 => {
                log(&t, "arm 1");
                consume(b, &t);
            }
            _ => log(&t, "no move"),
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// A waiting `if` whose `else if` chain moves `y` on one path and
    /// gives a number computed from a parameter, not a literal.
    #[tamed]
    pub fn else_if_number_value(t: Trace, k: u32, n: u32) {
        let y = Noisy::new("y", &t);
        let v = if k == 0 {
            twait! { tick(&t, "waited", mkevent!()); }
            1
        } else if k == 1 {
            consume(y, &t);
            n + 1
        } else {
            step(n)
        };
        log(&t, format!("v {v}"));
        twait! { tick(&t, "waited again", mkevent!()); }
        log(&t, "end");
    }

    /// The same with values made in place, not numbers.
    #[tamed]
    pub fn else_if_made_value(t: Trace, k: u32) {
        let y = Noisy::new("y", &t);
        let v = if k == 0 {
            twait! { tick(&t, "waited", mkevent!()); }
            String::from("zero")
        } else if k == 1 {
            consume(y, &t);
            String::new()
        } else {
            format_n(k)
        };
        log(&t, format!("v {v}"));
        twait! { tick(&t, "waited again", mkevent!()); }
        log(&t, "end");
    }

    /// A block's value that moves `y` on some paths (`let v = { if .. };`).
    #[tamed]
    pub fn block_value_moves(t: Trace, c: bool, n: u32) {
        let y = Noisy::new("y", &t);
        let v = {
            if c {
                consume(y, &t);
                n
            } else {
                2
            }
        };
        log(&t, format!("v {v}"));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// A `break`'s value out of a waiting loop that moves `y` on some
    /// paths.
    #[tamed]
    pub fn break_value_moves(t: Trace, c: bool) {
        let y = Noisy::new("y", &t);
        let mut round = 0;
        let v = loop {
            twait! { tick(&t, "in loop", mkevent!()); }
            round += 1;
            if round < 2 {
                continue;
            }
            break if c {
                consume(y, &t);
                2
            } else {
                3
            };
        };
        log(&t, format!("v {v}"));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn else_if_chain(t: Trace, k: u32) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        if k == 0 {
            consume(a, &t);
        } else if k == 1 {
            consume(b, &t);
        } else if k == 2 {
            drop(a);
            drop(b);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn across_two_twaits_in_order(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        if c {
            drop(a);
        }
        twait! { tick(&t, "wait 1", mkevent!()); }
        let z = Noisy::new("z", &t);
        z.touch();
        twait! { tick(&t, "wait 2", mkevent!()); }
        b.touch();
        log(&t, "end");
    }

    #[tamed]
    pub fn inner_scope(t: Trace, c: bool) {
        let outer = Noisy::new("outer", &t);
        {
            let inner = Noisy::new("inner", &t);
            if c {
                consume(inner, &t);
            }
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, "end of block");
        }
        outer.touch();
        log(&t, "end");
    }

    #[tamed]
    pub fn if_let_moves(t: Trace, v: Option<u32>) {
        let a = Noisy::new("a", &t);
        if let Some(n) = v {
            log(&t, format!("got {n}"));
            consume(a, &t);
        } else {
            log(&t, "none");
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_in_a_loop_with_a_twait(t: Trace, at: u32) {
        let g = Noisy::new("g", &t);
        for i in 0..3 {
            twait! { tick(&t, format!("wait {i}"), mkevent!()); }
            if i == at {
                consume(g, &t);
                break;
            }
        }
        twait! { tick(&t, "after loop", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_in_a_branch_that_waits(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        if c {
            twait! { tick(&t, "in branch", mkevent!()); }
            consume(a, &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn nested_ifs(t: Trace, c: bool, d: bool) {
        let a = Noisy::new("a", &t);
        if c {
            log(&t, "c");
            if d {
                consume(a, &t);
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn on_a_rendezvous(t: Trace, c: bool) {
        let r: Rendezvous<u32> = Rendezvous::new();
        let a = Noisy::new("a", &t);
        if c {
            consume(a, &t);
        }
        later(&t, &r, 7);
        let id = twait!(r);
        log(&t, format!("id {id:?}"));
    }

    #[tamed]
    pub fn returns_early_on_some_paths(t: Trace, k: u32) -> u32 {
        let a = Noisy::new("a", &t);
        if k == 0 {
            consume(a, &t);
        } else if k == 1 {
            return 1;
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
        2
    }
    #[tamed]
    pub fn moved_then_continue(t: Trace, k: u32) {
        let mut i = 0;
        loop {
            i += 1;
            if i == 4 {
                break;
            }
            let x = Noisy::new(format!("x{i}"), &t);
            if i == k {
                consume(x, &t);
                continue;
            }
            twait! { tick(&t, format!("wait {i}"), mkevent!()); }
            log(&t, format!("end of {i}"));
        }
        log(&t, "end");
    }

    #[tamed]
    pub fn guarded_arm_moves(t: Trace, v: Option<Noisy>, k: u32) {
        let a = Noisy::new("a", &t);
        match v {
            Some(n) if k == 0 => {
                consume(n, &t);
                consume(a, &t);
            }
            Some(n) => log(&t, format!("kept {}", n.name)),
            None => {}
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn assigned_again_after_the_twait(t: Trace, c: bool) {
        let mut a = Noisy::new("a1", &t);
        if c {
            consume(a, &t);
        }
        twait! { tick(&t, "wait 1", mkevent!()); }
        a = Noisy::new("a2", &t);
        log(&t, "assigned");
        twait! { tick(&t, "wait 2", mkevent!()); }
        log(&t, format!("end {}", a.name));
    }

    #[tamed]
    pub fn moved_then_assigned_and_used_in_a_branch(t: Trace, d: bool) {
        let mut a = Noisy::new("a1", &t);
        consume(a, &t);
        twait! { tick(&t, "waited", mkevent!()); }
        if d {
            a = Noisy::new("a2", &t);
            log(&t, format!("now {}", a.name));
        }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_on_a_path_that_returns(t: Trace, bad: bool) {
        let a = Noisy::new("a", &t);
        if bad {
            consume(a, &t);
            return;
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn a_number_used_last_in_the_twait(t: Trace, c: bool, k: u32) {
        let a = Noisy::new("a", &t);
        let n = k + 1;
        if c {
            consume(a, &t);
        }
        twait! { tick(&t, format!("waited {k} {n}"), mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn twait_in_the_condition(t: Trace, v: u32) {
        let r: Rendezvous<u32> = Rendezvous::new();
        let a = Noisy::new("a", &t);
        later(&t, &r, v);
        match twait!(r) {
            Some(1) => consume(a, &t),
            _ => log(&t, "other"),
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn if_let_moves_out_of_its_scrutinee(t: Trace, ok: bool) {
        let res: Result<Noisy, Noisy> = if ok {
            Ok(Noisy::new("ok", &t))
        } else {
            Err(Noisy::new("err", &t))
        };
        if let Ok(v) = res {
            consume(v, &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn arms_that_bind_by_value(t: Trace, k: u32) {
        let msg = match k {
            0 => Msg::Data(Noisy::new("data", &t)),
            _ => Msg::Idle(Noisy::new("idle", &t)),
        };
        match msg {
            Msg::Data(d) => consume(d, &t),
            Msg::Idle(_) => log(&t, "idle"),
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn slots_in_branches_of_a_twait_block(t: Trace, c: bool) -> u32 {
        let g = Noisy::new("g", &t);
        let mut v = 0;
        twait! {
            if c {
                consume(g, &t);
                deliver(&t, 1, mkevent!(v));
            } else {
                deliver(&t, 2, mkevent!(v));
            }
        }
        log(&t, "after");
        v
    }

    #[tamed]
    pub fn rendezvous_slots_in_branches(t: Trace, c: bool) -> u32 {
        let g = Noisy::new("g", &t);
        let mut v = 0;
        let r = Rendezvous::<()>::new();
        if c {
            consume(g, &t);
            deliver(&t, 1, mkevent!(r, (), v));
        } else {
            deliver(&t, 2, mkevent!(r, (), v));
        }
        twait!(r);
        log(&t, "after");
        v
    }

    #[tamed]
    pub fn nested_if_with_a_bare_variable(t: Trace, c: bool, d: bool) {
        let x = Noisy::new("x", &t);
        let y = if c {
            if d {
                x
            } else {
                Noisy::new("q", &t)
            }
        } else {
            Noisy::new("z", &t)
        };
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("y={}", y.name));
    }

    #[tamed]
    pub fn let_if_with_a_bare_variable(t: Trace, c: bool) {
        let x = Noisy::new("x", &t);
        let y = if c { x } else { Noisy::new("other", &t) };
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("y={}", y.name));
    }

    #[tamed]
    pub fn assigned_on_some_paths(t: Trace, c: bool) {
        let _first = Noisy::new("first", &t);
        let x;
        if c {
            x = Noisy::new("x", &t);
            log(&t, format!("took {}", x.name));
        }
        let _second = Noisy::new("second", &t);
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn filled_by_a_slot_on_some_paths(t: Trace, c: bool) {
        let _first = Noisy::new("first", &t);
        let _guard;
        let _k;
        twait! {
            if c {
                hand_over(&t, Noisy::new("guard", &t), 7, mkevent!(_guard, _k));
            }
            tick(&t, "tick", mkevent!());
        }
        let _second = Noisy::new("second", &t);
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn filled_on_some_turns_of_a_loop(t: Trace, ks: Vec<u32>) {
        let _first = Noisy::new("first", &t);
        let mut _guard;
        let mut _k: u32;
        for k in ks {
            twait! {
                if k > 0 {
                    hand_over(&t, Noisy::new(format!("g{k}"), &t), k, mkevent!(_guard, _k));
                }
                tick(&t, "tick", mkevent!());
            }
            twait! { tick(&t, "waited", mkevent!()); }
        }
        log(&t, "end");
    }

    #[tamed]
    pub fn filled_on_some_turns_until_a_break(t: Trace, ks: Vec<u32>) {
        let mut _guard;
        let mut i = 0;
        loop {
            let k = ks[i];
            i += 1;
            twait! {
                if k % 2 == 1 {
                    hand_over(&t, Noisy::new(format!("g{k}"), &t), k, mkevent!(_guard, _));
                }
            }
            if k == 0 {
                break;
            }
            twait! { tick(&t, "waited", mkevent!()); }
        }
        let _after = Noisy::new("after", &t);
        twait! { tick(&t, "end", mkevent!()); }
    }

    #[tamed]
    pub fn underscore_assignment(t: Trace) {
        let h = Noisy::new("h", &t);
        _ = h;
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn let_else_on_a_variable(t: Trace, ok: bool) {
        let res: Result<Noisy, Noisy> = if ok {
            Ok(Noisy::new("ok", &t))
        } else {
            Err(Noisy::new("err", &t))
        };
        let Ok(v) = res else {
            let _local = Noisy::new("local", &t);
            twait! { tick(&t, "else", mkevent!()); }
            return;
        };
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("got {}", v.name));
    }

    #[tamed]
    pub fn let_else_on_a_tuple_value(t: Trace, ok: bool) {
        let (Some(v), _) = (ok.then(|| Noisy::new("v", &t)), Noisy::new("side", &t)) else {
            twait! { tick(&t, "else", mkevent!()); }
            return;
        };
        log(&t, "after");
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("got {}", v.name));
    }

    #[tamed]
    pub fn beside_a_slot_with_a_value(t: Trace, c: bool) {
        let _guard;
        let mut k = 0;
        twait! {
            if c {
                hand_over(&t, Noisy::new("guard", &t), 7, mkevent!(_guard, k));
            }
            tick(&t, "tick", mkevent!());
        }
        log(&t, format!("k={k}"));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn filled_by_slots_in_some_arms_in_a_loop(t: Trace, ks: Vec<u32>) {
        for k in ks {
            let _guard;
            let _k: u32;
            twait! {
                match k {
                    0 => hand_over(&t, Noisy::new("zero", &t), 0, mkevent!(_guard, _k)),
                    1 => hand_over(&t, Noisy::new("one", &t), 1, mkevent!(_guard, _k)),
                    _ => log(&t, "none"),
                }
            }
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, "next");
        }
        log(&t, "end");
    }

    #[tamed]
    pub fn in_a_twait_block(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        twait! {
            let note = format!("noted {}", b.name);
            log(&t, note);
            if c {
                consume(a, &t);
            }
            tick(&t, "waited", mkevent!());
        }
        log(&t, "end");
    }

    #[tamed]
    pub fn arms_of_a_twait_block(t: Trace, k: u32) {
        let a = Noisy::new("a", &t);
        twait! {
            match k {
                0 => {
                    consume(a, &t);
                    tick(&t, "waited 0", mkevent!());
                }
                _ => tick(&t, "waited", mkevent!()),
            }
        }
        log(&t, "end");
    }

    #[tamed]
    pub fn in_a_block(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        {
            log(&t, "in block");
            if c {
                consume(a, &t);
            }
            log(&t, "after if");
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn calls_a_fn_once_closure(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let t2 = t.clone();
        let done = move || consume(g, &t2);
        let boxed: Box<dyn FnOnce()> = Box::new({
            let t3 = t.clone();
            move || log(&t3, "boxed ran")
        });
        let h = Noisy::new("h", &t);
        let t4 = t.clone();
        let peek = move || log(&t4, format!("peek {}", h.name));
        peek();
        boxed();
        if c {
            done();
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn a_let_whose_value_moves_on_some_paths(t: Trace, code: u32) -> u32 {
        let conn = Noisy::new("conn", &t);
        let body = Noisy::new("body", &t);
        let status: u32 = match code {
            200 | 204 => {
                consume(body, &t);
                code
            }
            _ => 500,
        };
        let n = if status == 500 { 1 } else { 0 };
        twait! { tick(&t, "waited", mkevent!()); }
        conn.touch();
        status + n
    }

    impl Owner {
        #[tamed]
        pub fn maybe_close(self, t: Trace, c: bool) {
            self.0.touch();
            if c {
                drop(self);
            }
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, "end");
        }
    }
}

/// A message whose one variant is moved out of by a `match`.
pub enum Msg {
    Data(Noisy),
    Idle(Noisy),
}

/// Owns a value; its tamed method may give itself up.
pub struct Owner(Noisy);

mod plain {
    use super::*;

    pub fn moved_then_continue(t: Trace, k: u32) {
        let mut i = 0;
        loop {
            i += 1;
            if i == 4 {
                break;
            }
            let x = Noisy::new(format!("x{i}"), &t);
            if i == k {
                consume(x, &t);
                continue;
            }
            log(&t, format!("wait {i}"));
            log(&t, format!("end of {i}"));
        }
        log(&t, "end");
    }

    pub fn guarded_arm_moves(t: Trace, v: Option<Noisy>, k: u32) {
        let a = Noisy::new("a", &t);
        match v {
            Some(n) if k == 0 => {
                consume(n, &t);
                consume(a, &t);
            }
            Some(n) => log(&t, format!("kept {}", n.name)),
            None => {}
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn assigned_again_after_the_twait(t: Trace, c: bool) {
        let mut a = Noisy::new("a1", &t);
        if c {
            consume(a, &t);
        }
        log(&t, "wait 1");
        a = Noisy::new("a2", &t);
        log(&t, "assigned");
        log(&t, "wait 2");
        log(&t, format!("end {}", a.name));
    }

    pub fn moved_then_assigned_and_used_in_a_branch(t: Trace, d: bool) {
        let mut a = Noisy::new("a1", &t);
        consume(a, &t);
        log(&t, "waited");
        if d {
            a = Noisy::new("a2", &t);
            log(&t, format!("now {}", a.name));
        }
        log(&t, "end");
    }

    pub fn moved_on_a_path_that_returns(t: Trace, bad: bool) {
        let a = Noisy::new("a", &t);
        if bad {
            consume(a, &t);
            return;
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn a_number_used_last_in_the_twait(t: Trace, c: bool, k: u32) {
        let a = Noisy::new("a", &t);
        let n = k + 1;
        if c {
            consume(a, &t);
        }
        log(&t, format!("waited {k} {n}"));
        log(&t, "end");
    }

    pub fn twait_in_the_condition(t: Trace, v: u32) {
        let a = Noisy::new("a", &t);
        log(&t, format!("fire {v}"));
        match Some(v) {
            Some(1) => consume(a, &t),
            _ => log(&t, "other"),
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn if_let_moves_out_of_its_scrutinee(t: Trace, ok: bool) {
        let res: Result<Noisy, Noisy> = if ok {
            Ok(Noisy::new("ok", &t))
        } else {
            Err(Noisy::new("err", &t))
        };
        if let Ok(v) = res {
            consume(v, &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn arms_that_bind_by_value(t: Trace, k: u32) {
        let msg = match k {
            0 => Msg::Data(Noisy::new("data", &t)),
            _ => Msg::Idle(Noisy::new("idle", &t)),
        };
        match msg {
            Msg::Data(d) => consume(d, &t),
            Msg::Idle(_) => log(&t, "idle"),
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn slots_in_branches_of_a_twait_block(t: Trace, c: bool) -> u32 {
        let g = Noisy::new("g", &t);
        let v = if c {
            consume(g, &t);
            delivered(&t, 1)
        } else {
            delivered(&t, 2)
        };
        log(&t, "after");
        v
    }

    pub fn nested_if_with_a_bare_variable(t: Trace, c: bool, d: bool) {
        let x = Noisy::new("x", &t);
        let y = if c {
            if d {
                x
            } else {
                Noisy::new("q", &t)
            }
        } else {
            Noisy::new("z", &t)
        };
        log(&t, "waited");
        log(&t, format!("y={}", y.name));
    }

    pub fn let_if_with_a_bare_variable(t: Trace, c: bool) {
        let x = Noisy::new("x", &t);
        let y = if c { x } else { Noisy::new("other", &t) };
        log(&t, "waited");
        log(&t, format!("y={}", y.name));
    }

    pub fn assigned_on_some_paths(t: Trace, c: bool) {
        let _first = Noisy::new("first", &t);
        let x;
        if c {
            x = Noisy::new("x", &t);
            log(&t, format!("took {}", x.name));
        }
        let _second = Noisy::new("second", &t);
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn filled_by_a_slot_on_some_paths(t: Trace, c: bool) {
        let _first = Noisy::new("first", &t);
        let _guard;
        let _k;
        {
            if c {
                (_guard, _k) = handed(&t, Noisy::new("guard", &t), 7);
            }
            log(&t, "tick");
        }
        let _second = Noisy::new("second", &t);
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn filled_on_some_turns_of_a_loop(t: Trace, ks: Vec<u32>) {
        let _first = Noisy::new("first", &t);
        let mut _guard;
        let mut _k: u32;
        for k in ks {
            // What came is stored when the block's wait ends.
            let came = (k > 0).then(|| handed(&t, Noisy::new(format!("g{k}"), &t), k));
            log(&t, "tick");
            if let Some(v) = came {
                (_guard, _k) = v;
            }
            log(&t, "waited");
        }
        log(&t, "end");
    }

    pub fn filled_on_some_turns_until_a_break(t: Trace, ks: Vec<u32>) {
        let mut _guard;
        let mut i = 0;
        loop {
            let k = ks[i];
            i += 1;
            if k % 2 == 1 {
                (_guard, _) = handed(&t, Noisy::new(format!("g{k}"), &t), k);
            }
            if k == 0 {
                break;
            }
            log(&t, "waited");
        }
        let _after = Noisy::new("after", &t);
        log(&t, "end");
    }

    pub fn underscore_assignment(t: Trace) {
        let h = Noisy::new("h", &t);
        _ = h;
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn let_else_on_a_variable(t: Trace, ok: bool) {
        let res: Result<Noisy, Noisy> = if ok {
            Ok(Noisy::new("ok", &t))
        } else {
            Err(Noisy::new("err", &t))
        };
        let Ok(v) = res else {
            let _local = Noisy::new("local", &t);
            log(&t, "else");
            return;
        };
        log(&t, "waited");
        log(&t, format!("got {}", v.name));
    }

    pub fn let_else_on_a_tuple_value(t: Trace, ok: bool) {
        let (Some(v), _) = (ok.then(|| Noisy::new("v", &t)), Noisy::new("side", &t)) else {
            log(&t, "else");
            return;
        };
        log(&t, "after");
        log(&t, "waited");
        log(&t, format!("got {}", v.name));
    }

    pub fn beside_a_slot_with_a_value(t: Trace, c: bool) {
        let _guard;
        let mut k = 0;
        {
            if c {
                (_guard, k) = handed(&t, Noisy::new("guard", &t), 7);
            }
            log(&t, "tick");
        }
        log(&t, format!("k={k}"));
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn filled_by_slots_in_some_arms_in_a_loop(t: Trace, ks: Vec<u32>) {
        for k in ks {
            let _guard;
            let _k: u32;
            match k {
                0 => (_guard, _k) = handed(&t, Noisy::new("zero", &t), 0),
                1 => (_guard, _k) = handed(&t, Noisy::new("one", &t), 1),
                _ => log(&t, "none"),
            }
            log(&t, "waited");
            log(&t, "next");
        }
        log(&t, "end");
    }

    pub fn in_a_twait_block(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        {
            let note = format!("noted {}", b.name);
            log(&t, note);
            if c {
                consume(a, &t);
            }
            log(&t, "waited");
        }
        log(&t, "end");
    }

    pub fn arms_of_a_twait_block(t: Trace, k: u32) {
        let a = Noisy::new("a", &t);
        match k {
            0 => {
                consume(a, &t);
                log(&t, "waited 0");
            }
            _ => log(&t, "waited"),
        }
        log(&t, "end");
    }

    pub fn in_a_block(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        {
            log(&t, "in block");
            if c {
                consume(a, &t);
            }
            log(&t, "after if");
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn calls_a_fn_once_closure(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let t2 = t.clone();
        let done = move || consume(g, &t2);
        let boxed: Box<dyn FnOnce()> = Box::new({
            let t3 = t.clone();
            move || log(&t3, "boxed ran")
        });
        let h = Noisy::new("h", &t);
        let t4 = t.clone();
        let peek = move || log(&t4, format!("peek {}", h.name));
        peek();
        boxed();
        if c {
            done();
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn a_let_whose_value_moves_on_some_paths(t: Trace, code: u32) -> u32 {
        let conn = Noisy::new("conn", &t);
        let body = Noisy::new("body", &t);
        let status: u32 = match code {
            200 | 204 => {
                consume(body, &t);
                code
            }
            _ => 500,
        };
        let n = if status == 500 { 1 } else { 0 };
        log(&t, "waited");
        conn.touch();
        status + n
    }

    impl Owner {
        pub fn maybe_close_plain(self, t: Trace, c: bool) {
            self.0.touch();
            if c {
                drop(self);
            }
            log(&t, "waited");
            log(&t, "end");
        }
    }

    pub fn cast_initialized(t: Trace, c: u32) {
        for i in 0..3u32 {
            let g = Box::new(Noisy::new(format!("g{i}"), &t)) as Box<dyn std::any::Any>;
            let h = Noisy::new(format!("h{i}"), &t) as Noisy;
            if i == c {
                drop(g);
            }
            log(&t, "waited");
            if i + 1 == c {
                drop(h);
            }
            log(&t, format!("end {i}"));
        }
    }

    pub fn assigned_then_moved_in_a_branch(t: Trace, k: u32) {
        let mut a = Noisy::new("a", &t);
        a.touch();
        if k & 1 == 1 {
            a = Noisy::new("a2", &t);
            if k & 2 == 2 {
                consume(a, &t);
            }
        }
        let mut b = Noisy::new("b", &t);
        b.touch();
        if k & 4 == 4 {
            b = Noisy::new("b2", &t);
            consume(b, &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    #[allow(unused_assignments)]
    pub fn moved_then_given_in_each_branch(t: Trace, k: u32) {
        let mut b = Noisy::new("b0", &t);
        b.touch();
        if k == 2 {
            consume(b, &t);
            b = Noisy::new("b1", &t);
        } else {
            consume(b, &t);
            b = Noisy::new("b2", &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn late_init_moved_in_a_branch(t: Trace, k: u32) -> u32 {
        let a;
        let b: Noisy;
        let c;
        let mut n = 0;
        if k & 1 == 1 {
            a = Noisy::new("a", &t);
            consume(a, &t);
            n += 1;
        }
        if k & 2 == 2 {
            b = Noisy::new("b", &t);
            consume(b, &t);
            n += 2;
        } else {
            c = Noisy::new("c", &t);
            if k & 4 == 4 {
                consume(c, &t);
            }
        }
        log(&t, "waited");
        log(&t, "end");
        n
    }

    pub fn waiting_values_as_temporaries(t: Trace, c: bool) {
        let _ = {
            log(&t, "waited");
            Noisy::new("ignored", &t)
        };
        log(&t, "after ignored");
        let n = {
            log(&t, "waited");
            Noisy::new("receiver", &t)
        }
        .name
        .len();
        log(&t, format!("after receiver {n}"));
        match if c {
            log(&t, "waited");
            Noisy::new("scrutinee", &t)
        } else {
            Noisy::new("scrutinee", &t)
        }
        .name
        .as_str()
        {
            "" => log(&t, "unnamed"),
            _ => log(&t, "matched"),
        }
        log(&t, "end");
    }

    pub fn if_moves(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        if c {
            consume(a, &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn match_moves_in_one_arm(t: Trace, k: u32) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        match k {
            0 => consume(a, &t),
            1 => {
                log(&t, "arm 1");
                consume(b, &t);
            }
            _ => log(&t, "no move"),
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn else_if_number_value(t: Trace, k: u32, n: u32) {
        let y = Noisy::new("y", &t);
        let v = if k == 0 {
            log(&t, "waited");
            1
        } else if k == 1 {
            consume(y, &t);
            n + 1
        } else {
            step(n)
        };
        log(&t, format!("v {v}"));
        log(&t, "waited again");
        log(&t, "end");
    }

    pub fn else_if_made_value(t: Trace, k: u32) {
        let y = Noisy::new("y", &t);
        let v = if k == 0 {
            log(&t, "waited");
            String::from("zero")
        } else if k == 1 {
            consume(y, &t);
            String::new()
        } else {
            format_n(k)
        };
        log(&t, format!("v {v}"));
        log(&t, "waited again");
        log(&t, "end");
    }

    pub fn block_value_moves(t: Trace, c: bool, n: u32) {
        let y = Noisy::new("y", &t);
        let v = {
            if c {
                consume(y, &t);
                n
            } else {
                2
            }
        };
        log(&t, format!("v {v}"));
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn break_value_moves(t: Trace, c: bool) {
        let y = Noisy::new("y", &t);
        let mut round = 0;
        let v = loop {
            log(&t, "in loop");
            round += 1;
            if round < 2 {
                continue;
            }
            break if c {
                consume(y, &t);
                2
            } else {
                3
            };
        };
        log(&t, format!("v {v}"));
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn else_if_chain(t: Trace, k: u32) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        if k == 0 {
            consume(a, &t);
        } else if k == 1 {
            consume(b, &t);
        } else if k == 2 {
            drop(a);
            drop(b);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn across_two_twaits_in_order(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        if c {
            drop(a);
        }
        log(&t, "wait 1");
        let z = Noisy::new("z", &t);
        z.touch();
        log(&t, "wait 2");
        b.touch();
        log(&t, "end");
    }

    pub fn inner_scope(t: Trace, c: bool) {
        let outer = Noisy::new("outer", &t);
        {
            let inner = Noisy::new("inner", &t);
            if c {
                consume(inner, &t);
            }
            log(&t, "waited");
            log(&t, "end of block");
        }
        outer.touch();
        log(&t, "end");
    }

    pub fn if_let_moves(t: Trace, v: Option<u32>) {
        let a = Noisy::new("a", &t);
        if let Some(n) = v {
            log(&t, format!("got {n}"));
            consume(a, &t);
        } else {
            log(&t, "none");
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moved_in_a_loop_with_a_twait(t: Trace, at: u32) {
        let g = Noisy::new("g", &t);
        for i in 0..3 {
            log(&t, format!("wait {i}"));
            if i == at {
                consume(g, &t);
                break;
            }
        }
        log(&t, "after loop");
        log(&t, "end");
    }

    pub fn moved_in_a_branch_that_waits(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        if c {
            log(&t, "in branch");
            consume(a, &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn nested_ifs(t: Trace, c: bool, d: bool) {
        let a = Noisy::new("a", &t);
        if c {
            log(&t, "c");
            if d {
                consume(a, &t);
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn on_a_rendezvous(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        if c {
            consume(a, &t);
        }
        log(&t, "fire 7");
        log(&t, "id Some(7)");
    }

    pub fn returns_early_on_some_paths(t: Trace, k: u32) -> u32 {
        let a = Noisy::new("a", &t);
        if k == 0 {
            consume(a, &t);
        } else if k == 1 {
            return 1;
        }
        log(&t, "waited");
        log(&t, "end");
        2
    }
}

#[test]
fn a_value_moved_in_an_if_is_dropped_at_its_scope_end_when_the_if_did_not_move_it() {
    assert_eq!(
        as_plain(|t| tamed::if_moves(t, false), |t| plain::if_moves(t, false)),
        ["waited", "end", "drop a"]
    );
    assert_eq!(
        as_plain(|t| tamed::if_moves(t, true), |t| plain::if_moves(t, true)),
        ["consumed a", "drop a", "waited", "end"]
    );
}

#[test]
fn a_match_that_moves_in_some_arms_keeps_the_others_values_to_their_scope_end() {
    for k in 0..3 {
        as_plain(
            |t| tamed::match_moves_in_one_arm(t, k),
            |t| plain::match_moves_in_one_arm(t, k),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::match_moves_in_one_arm(t, 2),
            |t| plain::match_moves_in_one_arm(t, 2)
        ),
        ["no move", "waited", "end", "drop b", "drop a"]
    );
}

/// A number computed by a branch that moves on some paths (an `else if`
/// chain in a waiting `if`'s value, a block's value, a `break`'s value),
/// or values made by calls on literals and numbers: the paths that did
/// not move keep the variable to its scope's end.
#[test]
fn a_number_valued_construct_that_moves_keeps_what_it_did_not_move() {
    for k in 0..3 {
        as_plain(
            |t| tamed::else_if_number_value(t, k, 5),
            |t| plain::else_if_number_value(t, k, 5),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::else_if_number_value(t, 2, 5),
            |t| plain::else_if_number_value(t, 2, 5)
        ),
        ["v 10", "waited again", "end", "drop y"]
    );
    for k in 0..3 {
        as_plain(
            |t| tamed::else_if_made_value(t, k),
            |t| plain::else_if_made_value(t, k),
        );
    }
    for c in [false, true] {
        as_plain(
            |t| tamed::block_value_moves(t, c, 7),
            |t| plain::block_value_moves(t, c, 7),
        );
        as_plain(
            |t| tamed::break_value_moves(t, c),
            |t| plain::break_value_moves(t, c),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::break_value_moves(t, false),
            |t| plain::break_value_moves(t, false)
        ),
        ["in loop", "in loop", "v 3", "waited", "end", "drop y"]
    );
}

#[test]
fn each_branch_of_an_else_if_chain_keeps_what_it_did_not_move() {
    for k in 0..4 {
        as_plain(
            |t| tamed::else_if_chain(t, k),
            |t| plain::else_if_chain(t, k),
        );
    }
}

#[test]
fn a_value_kept_on_some_paths_drops_in_declaration_order_after_later_twaits() {
    assert_eq!(
        as_plain(
            |t| tamed::across_two_twaits_in_order(t, false),
            |t| plain::across_two_twaits_in_order(t, false)
        ),
        ["wait 1", "wait 2", "end", "drop z", "drop b", "drop a"]
    );
    as_plain(
        |t| tamed::across_two_twaits_in_order(t, true),
        |t| plain::across_two_twaits_in_order(t, true),
    );
}

#[test]
fn a_value_of_an_inner_block_moved_on_some_paths_drops_at_that_block_end() {
    for c in [false, true] {
        as_plain(|t| tamed::inner_scope(t, c), |t| plain::inner_scope(t, c));
    }
}

#[test]
fn an_if_let_that_moves_in_its_then_branch_only() {
    for v in [None, Some(3)] {
        as_plain(|t| tamed::if_let_moves(t, v), |t| plain::if_let_moves(t, v));
    }
}

#[test]
fn a_value_moved_before_a_break_out_of_a_waiting_loop() {
    for at in 0..4 {
        as_plain(
            |t| tamed::moved_in_a_loop_with_a_twait(t, at),
            |t| plain::moved_in_a_loop_with_a_twait(t, at),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::moved_in_a_loop_with_a_twait(t, 9),
            |t| plain::moved_in_a_loop_with_a_twait(t, 9)
        ),
        ["wait 0", "wait 1", "wait 2", "after loop", "end", "drop g"]
    );
}

#[test]
fn a_value_moved_in_a_branch_that_waits_is_kept_by_the_other_branch() {
    for c in [false, true] {
        as_plain(
            |t| tamed::moved_in_a_branch_that_waits(t, c),
            |t| plain::moved_in_a_branch_that_waits(t, c),
        );
    }
}

#[test]
fn nested_ifs_that_move_on_one_path() {
    for (c, d) in [(false, false), (true, false), (true, true), (false, true)] {
        as_plain(
            |t| tamed::nested_ifs(t, c, d),
            |t| plain::nested_ifs(t, c, d),
        );
    }
}

#[test]
fn a_value_of_a_loop_body_moved_before_a_continue_lives_to_the_iteration_end() {
    for k in [0, 2] {
        as_plain(
            |t| tamed::moved_then_continue(t, k),
            |t| plain::moved_then_continue(t, k),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::moved_then_continue(t, 2),
            |t| plain::moved_then_continue(t, 2)
        ),
        [
            "wait 1",
            "end of 1",
            "drop x1",
            "consumed x2",
            "drop x2",
            "wait 3",
            "end of 3",
            "drop x3",
            "end"
        ]
    );
}

#[test]
fn a_guarded_arm_that_moves() {
    for k in [0, 1] {
        as_plain(
            |t| tamed::guarded_arm_moves(t.clone(), Some(Noisy::new("v", &t)), k),
            |t| plain::guarded_arm_moves(t.clone(), Some(Noisy::new("v", &t)), k),
        );
        as_plain(
            |t| tamed::guarded_arm_moves(t, None, k),
            |t| plain::guarded_arm_moves(t, None, k),
        );
    }
}

#[test]
fn a_method_that_gives_up_self_on_some_paths() {
    for c in [false, true] {
        as_plain(
            |t| Owner(Noisy::new("self", &t)).maybe_close(t, c),
            |t| Owner(Noisy::new("self", &t)).maybe_close_plain(t, c),
        );
    }
}

/// An arm that assigns the variable again takes the value out of its
/// flag into the variable itself: the old value is dropped at the
/// assignment, as in Rust.
#[test]
fn a_value_kept_on_some_paths_is_dropped_when_assigned_again() {
    assert_eq!(
        as_plain(
            |t| tamed::assigned_again_after_the_twait(t, false),
            |t| plain::assigned_again_after_the_twait(t, false)
        ),
        ["wait 1", "drop a1", "assigned", "wait 2", "end a2", "drop a2"]
    );
    as_plain(
        |t| tamed::assigned_again_after_the_twait(t, true),
        |t| plain::assigned_again_after_the_twait(t, true),
    );
}

/// A variable moved out, then given a new value and used inside a branch
/// after a twait: the use reads the new value, so the old one is not
/// needed at the twait (this was rustc's "use of moved value").
#[test]
fn a_moved_variable_assigned_and_used_in_one_branch() {
    for d in [false, true] {
        as_plain(
            |t| tamed::moved_then_assigned_and_used_in_a_branch(t, d),
            |t| plain::moved_then_assigned_and_used_in_a_branch(t, d),
        );
    }
}

/// A move on a path that returns leaves the value where the function
/// goes on: no flag is needed, and none is made.
#[test]
fn a_value_moved_only_on_a_path_that_returns_is_kept_where_the_function_goes_on() {
    assert_eq!(
        as_plain(
            |t| tamed::moved_on_a_path_that_returns(t, false),
            |t| plain::moved_on_a_path_that_returns(t, false)
        ),
        ["waited", "end", "drop a"]
    );
    as_plain(
        |t| tamed::moved_on_a_path_that_returns(t, true),
        |t| plain::moved_on_a_path_that_returns(t, true),
    );
}

/// Values that need no drop (a parameter, a number) used for the last
/// time before the twait are carried to it beside the flag.
#[test]
fn a_flag_beside_numbers_used_last_before_the_twait() {
    for c in [false, true] {
        as_plain(
            |t| tamed::a_number_used_last_in_the_twait(t, c, 4),
            |t| plain::a_number_used_last_in_the_twait(t, c, 4),
        );
    }
}

/// The twait in the `match`'s scrutinee goes first; the match, ordinary
/// code then, still keeps what its other arms did not move.
#[test]
fn a_match_on_a_twait_that_moves_in_one_arm() {
    for v in [0, 1] {
        as_plain(
            |t| tamed::twait_in_the_condition(t, v),
            |t| plain::twait_in_the_condition(t, v),
        );
    }
}

/// `if let Ok(v) = res` moves `res` only when it matches: an `Err` is
/// dropped at the end of `res`'s scope.
#[test]
fn a_pattern_that_binds_by_value_moves_its_scrutinee_only_when_it_matches() {
    assert_eq!(
        as_plain(
            |t| tamed::if_let_moves_out_of_its_scrutinee(t, false),
            |t| plain::if_let_moves_out_of_its_scrutinee(t, false)
        ),
        ["waited", "end", "drop err"]
    );
    as_plain(
        |t| tamed::if_let_moves_out_of_its_scrutinee(t, true),
        |t| plain::if_let_moves_out_of_its_scrutinee(t, true),
    );
    for k in [0, 1] {
        as_plain(
            |t| tamed::arms_that_bind_by_value(t, k),
            |t| plain::arms_that_bind_by_value(t, k),
        );
    }
}

/// `let y = if c { x } else { .. };`: the branch's value is the variable
/// itself; the path that did not move it keeps it to its scope's end (it
/// was dropped at the twait).
#[test]
fn a_let_whose_branch_value_is_a_variable_moves_it_on_that_path_only() {
    assert_eq!(
        as_plain(
            |t| tamed::let_if_with_a_bare_variable(t, false),
            |t| plain::let_if_with_a_bare_variable(t, false)
        ),
        ["waited", "y=other", "drop other", "drop x"]
    );
    as_plain(
        |t| tamed::let_if_with_a_bare_variable(t, true),
        |t| plain::let_if_with_a_bare_variable(t, true),
    );
    for (c, d) in [(false, false), (true, false), (true, true)] {
        as_plain(
            |t| tamed::nested_if_with_a_bare_variable(t, c, d),
            |t| plain::nested_if_with_a_bare_variable(t, c, d),
        );
    }
}

/// A variable declared without a value and given one on some paths only
/// (`let _permit; if limited { _permit = take(); }`): where it got one, it
/// keeps it to its scope's end, across the twait (it was dropped there).
#[test]
fn a_variable_given_its_value_on_some_paths_keeps_it_to_its_scope_end() {
    assert_eq!(
        as_plain(
            |t| tamed::assigned_on_some_paths(t, true),
            |t| plain::assigned_on_some_paths(t, true)
        ),
        [
            "took x",
            "waited",
            "end",
            "drop second",
            "drop x",
            "drop first"
        ]
    );
    as_plain(
        |t| tamed::assigned_on_some_paths(t, false),
        |t| plain::assigned_on_some_paths(t, false),
    );
}

/// A variable declared without a value and filled by a slot on some paths
/// of a `twait! {}` block only, and not read after (a lock or permit taken
/// through an event when needed, held for its drop): where it came, it is
/// held to its scope's end, across the next twait (it was dropped there).
#[test]
fn a_variable_filled_by_a_slot_on_some_paths_keeps_it_to_its_scope_end() {
    assert_eq!(
        as_plain(
            |t| tamed::filled_by_a_slot_on_some_paths(t, true),
            |t| plain::filled_by_a_slot_on_some_paths(t, true)
        ),
        [
            "handed guard",
            "tick",
            "waited",
            "end",
            "drop second",
            "drop guard",
            "drop first"
        ]
    );
    as_plain(
        |t| tamed::filled_by_a_slot_on_some_paths(t, false),
        |t| plain::filled_by_a_slot_on_some_paths(t, false),
    );
    // Beside a slot with a value: where no event was made, that one keeps
    // its value (it was "no value came for `_guard`").
    for c in [false, true] {
        as_plain(
            |t| tamed::beside_a_slot_with_a_value(t, c),
            |t| plain::beside_a_slot_with_a_value(t, c),
        );
    }
    // Sites in several arms fill one variable; each turn of the loop
    // drops what came at its own end.
    let trace = as_plain(
        |t| tamed::filled_by_slots_in_some_arms_in_a_loop(t, vec![0, 2, 1]),
        |t| plain::filled_by_slots_in_some_arms_in_a_loop(t, vec![0, 2, 1]),
    );
    assert_eq!(trace[..4], ["handed zero", "waited", "next", "drop zero"]);
}

/// An `if`/`match` inside a `twait! {}` block that moves a variable on
/// some paths: the paths that did not move it keep it to its scope's end,
/// after the wait (it was dropped at the wait).
#[test]
fn a_move_on_some_paths_inside_a_twait_block() {
    for c in [false, true] {
        as_plain(
            |t| tamed::in_a_twait_block(t, c),
            |t| plain::in_a_twait_block(t, c),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::in_a_twait_block(t, false),
            |t| plain::in_a_twait_block(t, false)
        ),
        ["noted b", "waited", "end", "drop b", "drop a"]
    );
    for k in 0..2 {
        as_plain(
            |t| tamed::arms_of_a_twait_block(t, k),
            |t| plain::arms_of_a_twait_block(t, k),
        );
    }
}

/// A branch that moves a variable and makes an event with a slot (of the
/// block, or of a rendezvous): the other branches keep the variable to
/// its scope's end (it was dropped at the wait).
#[test]
fn a_move_on_some_paths_beside_events_with_slots() {
    for c in [false, true] {
        let want = if c { 1 } else { 2 };
        // What each tamed function's event got.
        let got = Rc::new(RefCell::new(Vec::new()));
        let record = |got: &Rc<RefCell<Vec<u32>>>| {
            let got = got.clone();
            tame::Event::from_fn(move |v: Option<u32>| got.borrow_mut().extend(v))
        };
        let ev = record(&got);
        as_plain(
            move |t| tamed::slots_in_branches_of_a_twait_block(t, c, ev),
            move |t| assert_eq!(plain::slots_in_branches_of_a_twait_block(t, c), want),
        );
        let ev = record(&got);
        as_plain(
            move |t| tamed::rendezvous_slots_in_branches(t, c, ev),
            move |t| assert_eq!(plain::slots_in_branches_of_a_twait_block(t, c), want),
        );
        assert_eq!(*got.borrow(), [want, want]);
    }
}

#[test]
fn a_move_on_some_paths_inside_a_block_statement() {
    for c in [false, true] {
        as_plain(|t| tamed::in_a_block(t, c), |t| plain::in_a_block(t, c));
    }
}

/// Calling a `FnOnce` closure moves it (this was rustc's "use of moved
/// value" at the twait); one called on some paths keeps what it captured
/// to its scope's end on the others; calling a `Fn` closure borrows it, so
/// what it captured lives to its scope's end.
#[test]
fn a_fn_once_closure_called_before_a_twait() {
    for c in [false, true] {
        as_plain(
            |t| tamed::calls_a_fn_once_closure(t, c),
            |t| plain::calls_a_fn_once_closure(t, c),
        );
    }
}

/// `let status = match .. { .. => { consume(body); 0 } .. };`: the value
/// goes through a temporary each arm assigns, and the arms that did not
/// move `body` keep it to its scope's end.
#[test]
fn a_let_initialized_by_a_match_that_moves_in_some_arms() {
    for code in [200, 404] {
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = got.clone();
        as_plain(
            move |t| {
                let ev = tame::Event::from_fn(move |v: Option<u32>| g.borrow_mut().push(v));
                tamed::a_let_whose_value_moves_on_some_paths(t, code, ev);
            },
            |t| {
                plain::a_let_whose_value_moves_on_some_paths(t, code);
            },
        );
        assert_eq!(*got.borrow(), [Some(if code == 200 { 200 } else { 501 })]);
    }
}

#[test]
fn a_flag_is_carried_across_a_rendezvous_wait() {
    assert_eq!(
        as_plain(
            |t| tamed::on_a_rendezvous(t, false),
            |t| plain::on_a_rendezvous(t, false)
        ),
        ["fire 7", "id Some(7)", "drop a"]
    );
}

#[test]
fn a_flag_with_a_return_on_another_path() {
    for k in 0..3 {
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = got.clone();
        as_plain(
            move |t| {
                let ev = tame::Event::from_fn(move |v: Option<u32>| g.borrow_mut().push(v));
                tamed::returns_early_on_some_paths(t, k, ev);
            },
            |t| {
                plain::returns_early_on_some_paths(t, k);
            },
        );
        assert_eq!(*got.borrow(), [Some(if k == 1 { 1 } else { 2 })]);
    }
}

#[tamed]
fn cancelled_while_waiting(t: Trace, c: bool) -> u32 {
    let a = Noisy::new("a", &t);
    let b = Noisy::new("b", &t);
    if c {
        consume(b, &t);
    }
    twait! { tame::timer(std::time::Duration::from_secs(3600), mkevent!()); }
    a.touch();
    1
}

/// A function cancelled while it waits drops the value its flag holds with
/// its state, in reverse order of declaration as its scope would.
#[test]
fn a_cancelled_function_drops_a_value_its_flag_holds() {
    for (c, want) in [
        (false, vec!["drop b", "drop a"]),
        (true, vec!["consumed b", "drop b", "drop a"]),
    ] {
        let trace = traced(|t| {
            let (ev, fut) = tame::event_future::<u32>();
            cancelled_while_waiting(t, c, ev);
            drop(fut);
        });
        assert_eq!(trace, want);
    }
}

/// A variable declared before a loop and filled by a slot on some of its
/// turns holds what came until the next value replaces it or its scope
/// ends (it was dropped at the next twait).
#[test]
fn a_variable_filled_on_some_turns_of_a_loop_keeps_it_until_replaced() {
    assert_eq!(
        as_plain(
            |t| tamed::filled_on_some_turns_of_a_loop(t, vec![1, 0, 2]),
            |t| plain::filled_on_some_turns_of_a_loop(t, vec![1, 0, 2])
        ),
        [
            "handed g1",
            "tick",
            "waited",
            "tick",
            "waited",
            "handed g2",
            "tick",
            "drop g1",
            "waited",
            "end",
            "drop g2",
            "drop first"
        ]
    );
    for ks in [vec![0], vec![2, 0], vec![0, 1]] {
        as_plain(
            |t| tamed::filled_on_some_turns_of_a_loop(t, ks.clone()),
            |t| plain::filled_on_some_turns_of_a_loop(t, ks.clone()),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::filled_on_some_turns_until_a_break(t, vec![3, 2, 0]),
            |t| plain::filled_on_some_turns_until_a_break(t, vec![3, 2, 0])
        ),
        [
            "handed g3",
            "waited",
            "waited",
            "end",
            "drop after",
            "drop g3"
        ]
    );
    for ks in [vec![0], vec![2, 0], vec![1, 3, 0], vec![1, 2, 5, 0]] {
        as_plain(
            |t| tamed::filled_on_some_turns_until_a_break(t, ks.clone()),
            |t| plain::filled_on_some_turns_until_a_break(t, ks.clone()),
        );
    }
}

/// `_ = h;` moves nothing, as `let _ = h;`: `h` lives to its scope's end
/// (it was dropped at the next twait).
#[test]
fn an_underscore_assignment_moves_nothing() {
    assert_eq!(
        as_plain(tamed::underscore_assignment, plain::underscore_assignment),
        ["waited", "end", "drop h"]
    );
}

/// `let P = var else { .. }` leaves the variable alone where the pattern
/// does not match (it lives to its scope's end, after the `else` block's
/// locals); `let P = value else { .. }` drops what the pattern leaves of
/// the value at the statement's end (it lived to the next twait).
#[test]
fn a_let_else_leaves_a_variable_and_drops_the_rest_of_a_value() {
    assert_eq!(
        as_plain(
            |t| tamed::let_else_on_a_variable(t, false),
            |t| plain::let_else_on_a_variable(t, false)
        ),
        ["else", "drop local", "drop err"]
    );
    as_plain(
        |t| tamed::let_else_on_a_variable(t, true),
        |t| plain::let_else_on_a_variable(t, true),
    );
    assert_eq!(
        as_plain(
            |t| tamed::let_else_on_a_tuple_value(t, true),
            |t| plain::let_else_on_a_tuple_value(t, true)
        ),
        ["drop side", "after", "waited", "got v", "drop v"]
    );
    as_plain(
        |t| tamed::let_else_on_a_tuple_value(t, false),
        |t| plain::let_else_on_a_tuple_value(t, false),
    );
}

/// A variable initialized by a cast (`as Box<dyn Any>`) has the drop of
/// its type: it lives to its scope's end, or to where it moved.
#[test]
fn a_cast_initialized_variable_lives_to_its_scope_end() {
    for c in 0..4 {
        as_plain(
            |t| tamed::cast_initialized(t, c),
            |t| plain::cast_initialized(t, c),
        );
    }
    let trace = as_plain(
        |t| tamed::cast_initialized(t, 9),
        |t| plain::cast_initialized(t, 9),
    );
    assert_eq!(trace[..4], ["waited", "end 0", "drop h0", "drop g0"]);
}

/// A variable given a new value and then moved inside a branch
/// (`if c { a = make(); eat(a) }`) still holds its first value on the
/// paths that skip the branch: dropped at its scope's end, after the
/// twait, not at it.
#[test]
fn a_variable_assigned_then_moved_in_a_branch_keeps_its_value_on_the_other_paths() {
    for k in 0..8 {
        as_plain(
            |t| tamed::assigned_then_moved_in_a_branch(t, k),
            |t| plain::assigned_then_moved_in_a_branch(t, k),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::assigned_then_moved_in_a_branch(t, 0),
            |t| plain::assigned_then_moved_in_a_branch(t, 0)
        ),
        ["waited", "end", "drop b", "drop a"]
    );
}

/// A branch that moves a variable and then assigns it leaves it assigned
/// (`if c { eat(b); b = make(); } else { .. }`), not moved.
#[test]
fn a_variable_moved_then_given_a_value_in_every_branch_lives_to_its_scope_end() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_then_given_in_each_branch(t, k),
            |t| plain::moved_then_given_in_each_branch(t, k),
        );
    }
}

/// A branch that assigns a variable, moves it and assigns it again on some
/// paths only (`else { a = make(); eat(a); if c { a = make() } }`) does
/// not leave it assigned: the function compiles (the machine stored a
/// variable rustc knew could be moved), and each value is dropped once.
/// (Where the value lives after the `if` only Rust's flag knows: it is
/// dropped at the twait, as the README says of such a variable.)
#[test]
fn a_branch_that_assigns_moves_and_maybe_assigns_again_compiles_and_drops_each_value_once() {
    for k in 0..3 {
        let got = traced(|t| tamed::assigned_moved_and_maybe_given_again_in_a_branch(t, k));
        let made: &[&str] = match k {
            0 => &["a0", "a1"],
            1 => &["a0", "a2", "a3"],
            _ => &["a0", "a2"],
        };
        for name in made {
            let drops = got.iter().filter(|e| **e == format!("drop {name}")).count();
            assert_eq!(drops, 1, "{name} in {got:?}");
        }
        assert!(got.contains(&"end".to_string()), "{got:?}");
    }
}

/// The value of an expression that waits, used as a value the statement
/// does not keep (`let _ = ..`, a method's receiver, a `match`'s
/// scrutinee) is a temporary of that statement: dropped at its end, not
/// at the next twait.
#[test]
fn a_waiting_value_the_statement_does_not_keep_is_dropped_at_its_end() {
    for c in [false, true] {
        as_plain(
            |t| tamed::waiting_values_as_temporaries(t, c),
            |t| plain::waiting_values_as_temporaries(t, c),
        );
    }
    let trace = as_plain(
        |t| tamed::waiting_values_as_temporaries(t, false),
        |t| plain::waiting_values_as_temporaries(t, false),
    );
    assert_eq!(trace[..3], ["waited", "drop ignored", "after ignored"]);
}

/// A variable declared without a value, given one and moved in a branch
/// (`let a; if c { a = make(); eat(a); }`), holds nothing on any path
/// after it: the tamed function compiles (rustc could not infer the type
/// of a kept value that was never there) and drops what is left, `c`
/// where the `else` kept it, at the scope's end.
#[test]
fn a_late_initialized_variable_moved_in_a_branch_holds_nothing_after_it() {
    for k in 0..8 {
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = got.clone();
        let want = Rc::new(RefCell::new(Vec::new()));
        let w = want.clone();
        let trace = as_plain(
            move |t| {
                let ev = tame::Event::from_fn(move |v: Option<u32>| g.borrow_mut().push(v));
                tamed::late_init_moved_in_a_branch(t, k, ev);
            },
            move |t| {
                w.borrow_mut()
                    .push(Some(plain::late_init_moved_in_a_branch(t, k)))
            },
        );
        assert_eq!(*got.borrow(), *want.borrow());
        if k == 0 {
            assert_eq!(trace, ["waited", "end", "drop c"]);
        }
    }
}
