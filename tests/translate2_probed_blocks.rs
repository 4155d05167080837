//! Shapes a random differential search found (each checked against the
//! same function without `#[tamed]`): a block statement whose last
//! expression is a construct that gives `()` (a `loop`, an `if` that moves
//! a variable on some paths), and a `for` loop left after a twait in its
//! body.

use tame::{mkevent, tamed, twait};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{tick, Noisy};

/// A block whose last expression is a `loop` that waits: the block gives
/// `()`, and is a statement (its value was once taken for one to keep).
#[tamed]
fn tamed_a(t: Trace, k: u32) {
    {
        let mut i = 0;
        loop {
            twait! { tick(&t, "w", mkevent!()); }
            i += 1;
            if i > k {
                break;
            }
        }
    }
    log(&t, "end");
}

fn plain_a(t: Trace, k: u32) {
    {
        let mut i = 0;
        loop {
            log(&t, "w");
            i += 1;
            if i > k {
                break;
            }
        }
    }
    log(&t, "end");
}

/// The same with the twait first in the loop.
#[tamed]
fn tamed_b(t: Trace) {
    {
        let mut n = 0;
        loop {
            twait! { tick(&t, "w", mkevent!()); }
            n += 1;
            if n == 2 {
                break;
            }
        }
    }
    log(&t, "end");
}

fn plain_b(t: Trace) {
    {
        let mut n = 0;
        loop {
            log(&t, "w");
            n += 1;
            if n == 2 {
                break;
            }
        }
    }
    log(&t, "end");
}

#[test]
fn a_block_statement_ending_in_a_loop_that_waits_is_a_statement() {
    for k in 0..2 {
        assert_eq!(traced(|t| tamed_a(t, k)), traced(|t| plain_a(t, k)));
        assert_eq!(traced(tamed_b), traced(plain_b));
    }
}

#[tamed]
fn tamed_f(t: Trace) {
    let jobs = vec![Noisy::new("a", &t), Noisy::new("b", &t)];
    for job in jobs {
        log(&t, format!("item {}", job.name));
        if job.name == "a" {
            twait! { tick(&t, "w", mkevent!()); }
            log(&t, "found");
            break;
        }
    }
    log(&t, "after");
}

fn plain_f(t: Trace) {
    let jobs = vec![Noisy::new("a", &t), Noisy::new("b", &t)];
    for job in jobs {
        log(&t, format!("item {}", job.name));
        if job.name == "a" {
            log(&t, "w");
            log(&t, "found");
            break;
        }
    }
    log(&t, "after");
}

#[test]
fn a_for_loops_remaining_items_are_dropped_where_the_loop_ends() {
    // Plain: ["item a", "w", "found", "drop a", "drop b", "after"]: `b`,
    // not taken yet, goes with the loop, not at the twait.
    assert_eq!(traced(tamed_f), traced(plain_f));
}

fn consume(n: Noisy, t: &Trace) {
    log(t, format!("consumed {}", n.name));
}

#[tamed]
fn tamed_g(t: Trace, k: u32) {
    let c = Noisy::new("c", &t);
    {
        twait! { tick(&t, "w1", mkevent!()); }
        if k == 2 {
            consume(c, &t);
        }
    }
    twait! { tick(&t, "w2", mkevent!()); }
    log(&t, "end");
}

fn plain_g(t: Trace, k: u32) {
    let c = Noisy::new("c", &t);
    {
        log(&t, "w1");
        if k == 2 {
            consume(c, &t);
        }
    }
    log(&t, "w2");
    log(&t, "end");
}

#[test]
fn a_move_on_some_paths_after_a_twait_in_a_block_keeps_the_drop_flag() {
    for k in 0..3 {
        let got = traced(|t| tamed_g(t, k));
        let want = traced(|t| plain_g(t, k));
        // Plain, k=0: ["w1", "w2", "end", "drop c"]: `c` lives to its
        // scope's end on the paths that did not move it.
        assert_eq!(got, want, "k={k}");
    }
}
