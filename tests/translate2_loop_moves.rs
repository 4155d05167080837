//! A loop without a twait that moves a variable and gives it another
//! value before it goes round again or leaves (`for x in xs { send(batch);
//! batch = Vec::new(); }`) leaves the variable with a value on every path,
//! as Rust's own analysis finds: that value lives across a later twait to
//! the end of its scope, as in a plain function. And in a loop with a
//! twait, a value given just before a `break` is the one the code after
//! the loop reads, not the one the statement found. Each tamed function
//! here has a plain twin; both must leave the same trace for every `k`.

#![deny(warnings)]

use tame::{mkevent, tamed, twait};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{as_plain, tick, Noisy};

fn consume(n: Noisy, t: &Trace) {
    log(t, format!("consumed {}", n.name));
}

/// A user's macro that may expand to `break`.
macro_rules! break_if {
    ($c:expr) => {
        if $c {
            break;
        }
    };
}

mod tamed {
    use super::*;

    #[tamed]
    pub fn moved_and_given_again_each_round_of_a_for_loop(t: Trace, k: u32) {
        let mut a = Noisy::new("a0", &t);
        for i in 0..k {
            consume(a, &t);
            a = Noisy::new(format!("a{}", i + 1), &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn given_then_moved_in_a_loop_that_breaks_after_the_assignment(t: Trace, k: u32) {
        let mut x;
        let mut n = 0;
        loop {
            x = Noisy::new(format!("x{n}"), &t);
            n += 1;
            if n > k {
                break;
            }
            consume(x, &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_and_given_again_in_a_branch_of_a_for_loop(t: Trace, k: u32) {
        let mut batch = Noisy::new("batch0", &t);
        for i in 0..4 {
            if i % 2 == k % 2 {
                consume(batch, &t);
                batch = Noisy::new(format!("batch{}", i + 1), &t);
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_and_given_again_in_a_while_loop_with_continue(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        let mut n = 0;
        while n < k {
            n += 1;
            if n == 2 {
                continue;
            }
            consume(x, &t);
            x = Noisy::new(format!("x{n}"), &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_and_given_again_in_nested_loops_inside_a_branch(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        if k > 0 {
            for i in 0..k {
                for j in 0..2 {
                    consume(x, &t);
                    x = Noisy::new(format!("x{i}{j}"), &t);
                }
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_and_given_again_before_a_labeled_break_out_of_two_loops(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        'outer: for i in 0..3 {
            for j in 0..3 {
                consume(x, &t);
                x = Noisy::new(format!("x{i}{j}"), &t);
                if i * 3 + j == k {
                    break 'outer;
                }
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn moved_and_given_again_inside_a_closure_called_in_a_loop(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        let mut swap = |n: u32| {
            consume(
                std::mem::replace(&mut x, Noisy::new(format!("x{n}"), &t)),
                &t,
            );
        };
        for i in 0..k {
            swap(i + 1);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// rustc refused this one (E0382): the state after the twait kept
    /// `b`, moved, as if the `break` read the value the `if` found.
    #[tamed]
    pub fn moved_waited_and_given_before_a_break(t: Trace, k: u32) {
        let mut b = Noisy::new("b0", &t);
        for i in 0..k {
            consume(b, &t);
            twait! { tick(&t, "waited", mkevent!()); }
            if i == 1 {
                b = Noisy::new(format!("x{i}"), &t);
                break;
            }
            b = Noisy::new(format!("b{i}"), &t);
        }
        log(&t, format!("after {}", b.name));
    }

    /// A `continue` to the outer loop from an inner one that does not
    /// touch `b`: `b` there is what the inner loop's head held.
    #[tamed]
    pub fn given_again_in_one_inner_loop_and_continued_from_another(t: Trace, k: u32) {
        let mut b = Noisy::new("b0", &t);
        'outer: for n in 0..k {
            for i in 0..3 {
                if i == n {
                    consume(b, &t);
                    b = Noisy::new(format!("b{n}"), &t);
                    break;
                }
            }
            for j in 0..2 {
                if j == 1 {
                    continue 'outer;
                }
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// std's macros that give values (`cfg!`, `line!`) cannot `break`.
    #[tamed]
    pub fn moved_and_given_again_beside_std_macros(t: Trace, k: u32) {
        let mut a = Noisy::new("a0", &t);
        for i in 0..k {
            consume(a, &t);
            a = Noisy::new(format!("a{}", i + line!() - line!()), &t);
            if cfg!(debug_assertions) {
                a.touch();
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// A macro of the user's may `break` where the translator does not see:
    /// the loop is not taken to leave a value (the value is dropped at the
    /// twait, as for a loop that moves and breaks), and the function
    /// compiles.
    #[tamed]
    pub fn moved_before_a_macro_that_may_break(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        for i in 0..3 {
            consume(x, &t);
            break_if!(i == k);
            x = Noisy::new(format!("x{}", i + 1), &t);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }
}

mod plain {
    use super::*;

    pub fn moved_and_given_again_beside_std_macros(t: Trace, k: u32) {
        let mut a = Noisy::new("a0", &t);
        for i in 0..k {
            consume(a, &t);
            a = Noisy::new(format!("a{}", i + line!() - line!()), &t);
            if cfg!(debug_assertions) {
                a.touch();
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn given_again_in_one_inner_loop_and_continued_from_another(t: Trace, k: u32) {
        let mut b = Noisy::new("b0", &t);
        'outer: for n in 0..k {
            for i in 0..3 {
                if i == n {
                    consume(b, &t);
                    b = Noisy::new(format!("b{n}"), &t);
                    break;
                }
            }
            for j in 0..2 {
                if j == 1 {
                    continue 'outer;
                }
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moved_waited_and_given_before_a_break(t: Trace, k: u32) {
        let mut b = Noisy::new("b0", &t);
        for i in 0..k {
            consume(b, &t);
            log(&t, "waited");
            if i == 1 {
                b = Noisy::new(format!("x{i}"), &t);
                break;
            }
            b = Noisy::new(format!("b{i}"), &t);
        }
        log(&t, format!("after {}", b.name));
    }

    pub fn moved_and_given_again_each_round_of_a_for_loop(t: Trace, k: u32) {
        let mut a = Noisy::new("a0", &t);
        for i in 0..k {
            consume(a, &t);
            a = Noisy::new(format!("a{}", i + 1), &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn given_then_moved_in_a_loop_that_breaks_after_the_assignment(t: Trace, k: u32) {
        let mut x;
        let mut n = 0;
        loop {
            x = Noisy::new(format!("x{n}"), &t);
            n += 1;
            if n > k {
                break;
            }
            consume(x, &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moved_and_given_again_in_a_branch_of_a_for_loop(t: Trace, k: u32) {
        let mut batch = Noisy::new("batch0", &t);
        for i in 0..4 {
            if i % 2 == k % 2 {
                consume(batch, &t);
                batch = Noisy::new(format!("batch{}", i + 1), &t);
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moved_and_given_again_in_a_while_loop_with_continue(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        let mut n = 0;
        while n < k {
            n += 1;
            if n == 2 {
                continue;
            }
            consume(x, &t);
            x = Noisy::new(format!("x{n}"), &t);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moved_and_given_again_in_nested_loops_inside_a_branch(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        if k > 0 {
            for i in 0..k {
                for j in 0..2 {
                    consume(x, &t);
                    x = Noisy::new(format!("x{i}{j}"), &t);
                }
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moved_and_given_again_before_a_labeled_break_out_of_two_loops(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        'outer: for i in 0..3 {
            for j in 0..3 {
                consume(x, &t);
                x = Noisy::new(format!("x{i}{j}"), &t);
                if i * 3 + j == k {
                    break 'outer;
                }
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moved_and_given_again_inside_a_closure_called_in_a_loop(t: Trace, k: u32) {
        let mut x = Noisy::new("x0", &t);
        let mut swap = |n: u32| {
            consume(
                std::mem::replace(&mut x, Noisy::new(format!("x{n}"), &t)),
                &t,
            );
        };
        for i in 0..k {
            swap(i + 1);
        }
        log(&t, "waited");
        log(&t, "end");
    }
}

#[test]
fn moved_and_given_again_each_round_of_a_for_loop() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_and_given_again_each_round_of_a_for_loop(t, k),
            |t| plain::moved_and_given_again_each_round_of_a_for_loop(t, k),
        );
    }
}

#[test]
fn given_then_moved_in_a_loop_that_breaks_after_the_assignment() {
    for k in 0..4 {
        as_plain(
            |t| tamed::given_then_moved_in_a_loop_that_breaks_after_the_assignment(t, k),
            |t| plain::given_then_moved_in_a_loop_that_breaks_after_the_assignment(t, k),
        );
    }
}

#[test]
fn moved_and_given_again_in_a_branch_of_a_for_loop() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_and_given_again_in_a_branch_of_a_for_loop(t, k),
            |t| plain::moved_and_given_again_in_a_branch_of_a_for_loop(t, k),
        );
    }
}

#[test]
fn moved_and_given_again_in_a_while_loop_with_continue() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_and_given_again_in_a_while_loop_with_continue(t, k),
            |t| plain::moved_and_given_again_in_a_while_loop_with_continue(t, k),
        );
    }
}

#[test]
fn moved_and_given_again_in_nested_loops_inside_a_branch() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_and_given_again_in_nested_loops_inside_a_branch(t, k),
            |t| plain::moved_and_given_again_in_nested_loops_inside_a_branch(t, k),
        );
    }
}

#[test]
fn moved_and_given_again_before_a_labeled_break_out_of_two_loops() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_and_given_again_before_a_labeled_break_out_of_two_loops(t, k),
            |t| plain::moved_and_given_again_before_a_labeled_break_out_of_two_loops(t, k),
        );
    }
}

#[test]
fn moved_and_given_again_inside_a_closure_called_in_a_loop() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_and_given_again_inside_a_closure_called_in_a_loop(t, k),
            |t| plain::moved_and_given_again_inside_a_closure_called_in_a_loop(t, k),
        );
    }
}

#[test]
fn moved_waited_and_given_before_a_break() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_waited_and_given_before_a_break(t, k),
            |t| plain::moved_waited_and_given_before_a_break(t, k),
        );
    }
}

#[test]
fn given_again_in_one_inner_loop_and_continued_from_another() {
    for k in 0..4 {
        as_plain(
            |t| tamed::given_again_in_one_inner_loop_and_continued_from_another(t, k),
            |t| plain::given_again_in_one_inner_loop_and_continued_from_another(t, k),
        );
    }
}

#[test]
fn moved_and_given_again_beside_std_macros() {
    for k in 0..4 {
        as_plain(
            |t| tamed::moved_and_given_again_beside_std_macros(t, k),
            |t| plain::moved_and_given_again_beside_std_macros(t, k),
        );
    }
}

#[test]
fn a_macro_that_may_break_keeps_the_loop_compiling_and_drops_each_value_once() {
    for k in 0..4 {
        let got = trace::traced(|t| tamed::moved_before_a_macro_that_may_break(t, k));
        let consumed = got.iter().filter(|e| e.starts_with("consumed")).count();
        let dropped = got.iter().filter(|e| e.starts_with("drop")).count();
        // Each value made is consumed or dropped on its own, once.
        let made = if k < 3 { k + 1 } else { 4 } as usize;
        assert_eq!(consumed, made.min(3), "{got:?}");
        assert_eq!(dropped, made, "{got:?}");
        assert_eq!(got.last().map(String::as_str), Some("end"), "{got:?}");
    }
}
