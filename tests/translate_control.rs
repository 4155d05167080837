//! The translator's control flow: every form with a `twait` inside, each
//! pinned by the exact trace it leaves. Events are driven by timers with
//! distinct delays (no ties) or `tame::asap`.

#![deny(warnings)]

use tame::{mkevent, tamed, tvars, twait, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, ms, traced, Trace};

// ---- if / else ----

#[tamed]
fn if_else(x: u32, t: Trace) {
    log(&t, format!("start {x}"));
    if x > 5 {
        twait! { tame::timer(ms(2), mkevent!()); }
        log(&t, format!("big {x}"));
    } else {
        log(&t, "small");
        twait! { tame::asap(mkevent!()); }
        log(&t, format!("small after {x}"));
    }
    log(&t, format!("end {x}"));
}

#[test]
fn if_else_runs_the_taken_branch_then_joins() {
    assert_eq!(traced(|t| if_else(9, t)), ["start 9", "big 9", "end 9"]);
    assert_eq!(
        traced(|t| if_else(1, t)),
        ["start 1", "small", "small after 1", "end 1"]
    );
}

#[tamed]
fn if_without_else(x: u32, t: Trace) {
    if x.is_multiple_of(2) {
        twait! { tame::asap(mkevent!()); }
        log(&t, "even");
    }
    log(&t, format!("done {x}"));
}

#[test]
fn if_without_else_falls_through() {
    assert_eq!(traced(|t| if_without_else(2, t)), ["even", "done 2"]);
    assert_eq!(traced(|t| if_without_else(3, t)), ["done 3"]);
}

#[tamed]
fn else_if_chain(x: u32, t: Trace) {
    let label = format!("x={x}");
    if x == 0 {
        log(&t, "zero");
    } else if x == 1 {
        twait! { tame::timer(ms(1), mkevent!()); }
        log(&t, format!("one {label}"));
    } else if x == 2 {
        log(&t, "two");
        twait! { tame::asap(mkevent!()); }
        twait! { tame::asap(mkevent!()); }
        log(&t, format!("two {label}"));
    } else {
        log(&t, "many");
    }
    log(&t, format!("after {label}"));
}

#[test]
fn else_if_chain_takes_one_branch() {
    assert_eq!(traced(|t| else_if_chain(0, t)), ["zero", "after x=0"]);
    assert_eq!(traced(|t| else_if_chain(1, t)), ["one x=1", "after x=1"]);
    assert_eq!(
        traced(|t| else_if_chain(2, t)),
        ["two", "two x=2", "after x=2"]
    );
    assert_eq!(traced(|t| else_if_chain(7, t)), ["many", "after x=7"]);
}

#[tamed]
fn if_let_body(v: Option<String>, t: Trace) {
    if let Some(name) = v {
        twait! { tame::asap(mkevent!()); }
        log(&t, format!("hello {name}"));
    } else {
        log(&t, "nobody");
    }
}

#[test]
fn if_let_binding_crosses_the_twait() {
    assert_eq!(
        traced(|t| if_let_body(Some("ann".into()), t)),
        ["hello ann"]
    );
    assert_eq!(traced(|t| if_let_body(None, t)), ["nobody"]);
}

// Deferred initialization across a twait is the form under test.
#[allow(clippy::needless_late_init)]
#[tamed]
fn deferred_init(c: bool, t: Trace) {
    let y: String;
    if c {
        twait! { tame::asap(mkevent!()); }
        y = "waited".to_string();
    } else {
        y = "direct".to_string();
    }
    log(&t, y);
}

#[test]
fn deferred_init_assigned_in_both_branches() {
    assert_eq!(traced(|t| deferred_init(true, t)), ["waited"]);
    assert_eq!(traced(|t| deferred_init(false, t)), ["direct"]);
}

// ---- match ----

enum Cmd {
    Sleep(u64, String),
    Say(String),
    Quit,
}

#[tamed]
fn match_arms(cmds: Vec<Cmd>, t: Trace) {
    for cmd in cmds {
        match cmd {
            Cmd::Sleep(n, who) => {
                twait! { tame::timer(ms(n), mkevent!()); }
                log(&t, format!("{who} slept {n}"));
            }
            Cmd::Say(s) if s.len() > 3 => {
                twait! { tame::asap(mkevent!()); }
                log(&t, format!("long {s}"));
            }
            Cmd::Say(s) => log(&t, format!("short {s}")),
            Cmd::Quit => {
                log(&t, "quit");
                return;
            }
        }
        log(&t, "next");
    }
    log(&t, "end of commands");
}

#[test]
fn match_arm_bindings_cross_the_twait() {
    let cmds = || {
        vec![
            Cmd::Sleep(3, "bob".into()),
            Cmd::Say("hi".into()),
            Cmd::Say("hello".into()),
        ]
    };
    assert_eq!(
        traced(|t| match_arms(cmds(), t)),
        [
            "bob slept 3",
            "next",
            "short hi",
            "next",
            "long hello",
            "next",
            "end of commands"
        ]
    );
    let mut with_quit = cmds();
    with_quit.insert(1, Cmd::Quit);
    assert_eq!(
        traced(|t| match_arms(with_quit, t)),
        ["bob slept 3", "next", "quit"]
    );
}

#[tamed]
fn match_value_after(x: Option<u32>, t: Trace) {
    let doubled = match x {
        Some(v) => v * 2,
        None => 0,
    };
    match x {
        Some(v) if v > 10 => {
            twait! { tame::asap(mkevent!()); }
            log(&t, format!("big {v}"));
        }
        Some(v) => {
            twait! { tame::timer(ms(1), mkevent!()); }
            log(&t, format!("small {v}"));
        }
        None => {}
    }
    log(&t, format!("doubled {doubled}"));
}

#[test]
fn match_guard_and_join() {
    assert_eq!(
        traced(|t| match_value_after(Some(11), t)),
        ["big 11", "doubled 22"]
    );
    assert_eq!(
        traced(|t| match_value_after(Some(3), t)),
        ["small 3", "doubled 6"]
    );
    assert_eq!(traced(|t| match_value_after(None, t)), ["doubled 0"]);
}

// ---- loops ----

#[tamed]
fn plain_loop(t: Trace) {
    let mut i = 0;
    loop {
        twait! { tame::asap(mkevent!()); }
        i += 1;
        if i == 3 {
            break;
        }
        log(&t, format!("iteration {i}"));
    }
    log(&t, format!("left at {i}"));
}

#[test]
fn loop_with_break() {
    assert_eq!(
        traced(plain_loop),
        ["iteration 1", "iteration 2", "left at 3"]
    );
}

#[tamed]
fn while_loop(n: u32, t: Trace) {
    let mut i = 0;
    let mut acc = Vec::new();
    while i < n {
        i += 1;
        if i == 2 {
            continue;
        }
        twait! { tame::timer(ms(u64::from(i)), mkevent!()); }
        acc.push(i);
    }
    log(&t, format!("{acc:?}"));
}

#[test]
fn while_with_continue() {
    assert_eq!(traced(|t| while_loop(4, t)), ["[1, 3, 4]"]);
    assert_eq!(traced(|t| while_loop(0, t)), ["[]"]);
}

#[tamed]
fn while_let_twait(t: Trace) {
    tvars! { let r = Rendezvous::<u32>::new(); }
    tame::timer(ms(3), mkevent!(r, 30));
    tame::timer(ms(1), mkevent!(r, 10));
    tame::timer(ms(2), mkevent!(r, 20));
    while let Some(i) = twait!(r) {
        log(&t, format!("got {i}"));
    }
    log(&t, "drained");
}

#[test]
fn while_let_over_twait_drains_the_rendezvous() {
    assert_eq!(
        traced(while_let_twait),
        ["got 10", "got 20", "got 30", "drained"]
    );
}

#[tamed]
fn for_loop(names: Vec<&'static str>, t: Trace) {
    let mut count = 0;
    for (i, name) in names.into_iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        twait! { tame::timer(ms(5 - i as u64), mkevent!()); }
        log(&t, format!("{i}:{name}"));
        count += 1;
    }
    log(&t, format!("count {count}"));
}

#[test]
fn for_keeps_its_iterator_in_the_state() {
    assert_eq!(
        traced(|t| for_loop(vec!["a", "", "c", "d"], t)),
        ["0:a", "2:c", "3:d", "count 3"]
    );
}

#[tamed]
fn for_over_range(t: Trace) {
    for i in 0..3u64 {
        for j in (0..2u64).rev() {
            twait! { tame::timer(ms(1 + i * 2 + j), mkevent!()); }
            log(&t, format!("{i}{j}"));
        }
    }
}

#[test]
fn nested_for_loops() {
    assert_eq!(traced(for_over_range), ["01", "00", "11", "10", "21", "20"]);
}

#[tamed]
fn labeled(t: Trace) {
    let mut seen = Vec::new();
    'outer: for i in 0..4u32 {
        let mut j = 0;
        loop {
            j += 1;
            if j > 3 {
                break;
            }
            twait! { tame::asap(mkevent!()); }
            if i == 1 {
                continue 'outer;
            }
            if i == 3 && j == 2 {
                break 'outer;
            }
            seen.push(format!("{i}.{j}"));
        }
        seen.push(format!("end {i}"));
    }
    log(&t, seen.join(" "));
}

#[test]
fn labeled_break_and_continue_out_of_nested_loops() {
    assert_eq!(traced(labeled), ["0.1 0.2 0.3 end 0 2.1 2.2 2.3 end 2 3.1"]);
}

#[tamed]
fn labeled_in_plain_stmt(t: Trace) {
    let mut n = 0;
    'a: loop {
        twait! { tame::asap(mkevent!()); }
        n += 1;
        // A plain inner loop (no twait) that jumps to the spine loop.
        for k in 0..10 {
            if n == 2 && k == 1 {
                continue 'a;
            }
            if n == 4 && k == 2 {
                break 'a;
            }
        }
        log(&t, format!("n={n}"));
    }
    log(&t, format!("out n={n}"));
}

#[test]
fn jumps_from_plain_loops_to_the_spine() {
    assert_eq!(traced(labeled_in_plain_stmt), ["n=1", "n=3", "out n=4"]);
}

#[tamed]
fn return_in_loop(limit: u32, t: Trace) {
    let mut i = 0;
    loop {
        twait! { tame::asap(mkevent!()); }
        i += 1;
        if i == limit {
            log(&t, format!("return at {i}"));
            return;
        }
    }
}

#[test]
fn return_from_inside_a_loop() {
    assert_eq!(traced(|t| return_in_loop(3, t)), ["return at 3"]);
}

#[tamed]
fn return_in_match(x: Result<u32, String>, t: Trace) {
    match x {
        Ok(v) => {
            twait! { tame::asap(mkevent!()); }
            log(&t, format!("ok {v}"));
        }
        Err(e) => {
            twait! { tame::asap(mkevent!()); }
            log(&t, format!("err {e}"));
            return;
        }
    }
    log(&t, "after match");
}

#[test]
fn return_from_a_match_arm() {
    assert_eq!(
        traced(|t| return_in_match(Ok(1), t)),
        ["ok 1", "after match"]
    );
    assert_eq!(traced(|t| return_in_match(Err("no".into()), t)), ["err no"]);
}

#[tamed]
fn nested_blocks(t: Trace) {
    let outer = String::from("outer");
    {
        let inner = String::from("inner");
        {
            twait! { tame::asap(mkevent!()); }
            log(&t, format!("{inner} {outer}"));
        }
        twait! { tame::timer(ms(1), mkevent!()); }
        log(&t, format!("{inner} again"));
    }
    log(&t, outer);
}

#[test]
fn nested_blocks_keep_their_scopes() {
    assert_eq!(
        traced(nested_blocks),
        ["inner outer", "inner again", "outer"]
    );
}

#[tamed]
fn labeled_block(skip: bool, t: Trace) {
    'blk: {
        twait! { tame::asap(mkevent!()); }
        if skip {
            break 'blk;
        }
        log(&t, "not skipped");
    }
    log(&t, "after block");
}

#[test]
fn break_out_of_a_labeled_block() {
    assert_eq!(traced(|t| labeled_block(true, t)), ["after block"]);
    assert_eq!(
        traced(|t| labeled_block(false, t)),
        ["not skipped", "after block"]
    );
}

#[tamed]
fn shadowing(t: Trace) {
    let x = 1;
    twait! { tame::asap(mkevent!()); }
    let x = x + 10;
    twait! { tame::asap(mkevent!()); }
    let x = format!("x={x}");
    twait! { tame::asap(mkevent!()); }
    log(&t, x);
}

#[test]
fn shadowed_bindings_across_twaits() {
    assert_eq!(traced(shadowing), ["x=11"]);
}

// ---- twait!(r) as an expression ----

#[tamed]
fn let_id(t: Trace) {
    tvars! { let r = Rendezvous::<&'static str>::new(); }
    tame::timer(ms(2), mkevent!(r, "slow"));
    tame::timer(ms(1), mkevent!(r, "fast"));
    let id = twait!(r);
    log(&t, format!("{id:?}"));
    let id = twait!(r);
    log(&t, format!("{id:?}"));
    let id = twait!(r);
    log(&t, format!("{id:?}"));
}

#[test]
fn let_id_takes_ids_in_trigger_order_then_none() {
    assert_eq!(traced(let_id), ["Some(\"fast\")", "Some(\"slow\")", "None"]);
}

#[tamed]
fn if_let_twait(t: Trace) {
    tvars! { let r = Rendezvous::<u8>::new(); }
    tame::asap(mkevent!(r, 7));
    if let Some(x) = twait!(r) {
        twait! { tame::asap(mkevent!()); }
        log(&t, format!("some {x}"));
    } else {
        log(&t, "none");
    }
    if let Some(x) = twait!(r) {
        log(&t, format!("again {x}"));
    } else {
        log(&t, "none");
    }
}

#[test]
fn if_let_on_twait() {
    assert_eq!(traced(if_let_twait), ["some 7", "none"]);
}

#[tamed]
fn match_twait(t: Trace) {
    tvars! { let r = Rendezvous::<u8>::new(); }
    tame::timer(ms(2), mkevent!(r, 2));
    tame::timer(ms(1), mkevent!(r, 1));
    loop {
        match twait!(r) {
            Some(1) => log(&t, "one"),
            Some(n) => {
                twait! { tame::asap(mkevent!()); }
                log(&t, format!("other {n}"));
            }
            None => break,
        }
    }
    log(&t, "done");
}

#[test]
fn match_on_twait() {
    assert_eq!(traced(match_twait), ["one", "other 2", "done"]);
}

#[tamed]
fn twait_in_expression(t: Trace) {
    tvars! { let r = Rendezvous::<u32>::new(); }
    tame::asap(mkevent!(r, 5));
    let total = 100 + twait!(r).unwrap_or(0);
    log(&t, format!("total {total}"));
}

#[test]
fn twait_inside_a_let_expression() {
    assert_eq!(traced(twait_in_expression), ["total 105"]);
}
