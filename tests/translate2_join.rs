//! Borrows around twaits, as a plain function has them.
//!
//! An `if`, `match` or `let .. else` whose branches that wait all leave
//! (`return`, `break`, `continue`): the code after it is reached only from
//! the branch that did not wait, so a borrow made before it lives on after
//! it, and values keep Rust's drop order.
//!
//! Pieces of a line taken by a chain of std's methods
//! (`line.split(',').next().unwrap_or("")`, `split_once(..).unwrap_or(..)`,
//! `split(' ').collect()`) and not used after a twait are borrows, not
//! values kept to their scope's end across it.

#![deny(warnings)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use tame::{mkevent, tamed, twait};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

// ---- a borrow made before the construct, used after it

/// `let .. else` whose `else` waits, then leaves: `x` borrows `v`.
#[tamed]
fn first_plus_one(v: Vec<u32>) -> u32 {
    let Some(x) = v.first() else {
        twait! { tame::asap(mkevent!()); }
        return 0;
    };
    *x + 1
}

/// The same borrow made by a `let` before an `if` whose waiting branch
/// leaves.
#[tamed]
fn longest_or_wait(words: Vec<String>, wait_first: bool) -> usize {
    let longest = words.iter().map(String::as_str).max_by_key(|w| w.len());
    if wait_first && longest.is_none() {
        twait! { tame::asap(mkevent!()); }
        return usize::MAX;
    }
    longest.map_or(0, str::len)
}

/// A `match` with one arm that goes on and others that wait and leave; a
/// map entry borrowed before it is read after it.
#[tamed]
fn lookup(map: HashMap<&'static str, String>, key: &'static str) -> Result<String, String> {
    let entry = map.get(key);
    match key.len() {
        0 => {
            twait! { tame::asap(mkevent!()); }
            return Err("empty key".to_string());
        }
        1 => {
            twait! { tame::asap(mkevent!()); }
            return Err("short key".to_string());
        }
        _ => {}
    }
    entry.cloned().ok_or_else(|| format!("no {key}"))
}

#[test]
fn a_borrow_made_before_a_construct_whose_waiting_branches_leave_is_usable_after_it() {
    on_fresh_loop(|| {
        assert_eq!(tame::run_with(|ev| first_plus_one(vec![4, 5], ev)), Some(5));
        assert_eq!(tame::run_with(|ev| first_plus_one(Vec::new(), ev)), Some(0));

        let words = || vec!["a".to_string(), "abc".to_string()];
        assert_eq!(
            tame::run_with(|ev| longest_or_wait(words(), true, ev)),
            Some(3)
        );
        assert_eq!(
            tame::run_with(|ev| longest_or_wait(Vec::new(), true, ev)),
            Some(usize::MAX)
        );
        assert_eq!(
            tame::run_with(|ev| longest_or_wait(Vec::new(), false, ev)),
            Some(0)
        );

        let map = || HashMap::from([("key", "value".to_string())]);
        assert_eq!(
            tame::run_with(|ev| lookup(map(), "key", ev)),
            Some(Ok("value".to_string()))
        );
        assert_eq!(
            tame::run_with(|ev| lookup(map(), "", ev)),
            Some(Err("empty key".to_string()))
        );
        assert_eq!(
            tame::run_with(|ev| lookup(map(), "k", ev)),
            Some(Err("short key".to_string()))
        );
        assert_eq!(
            tame::run_with(|ev| lookup(map(), "other", ev)),
            Some(Err("no other".to_string()))
        );
    });
}

/// A command dispatch: several arms go on (counting, logging), the one
/// that waits leaves; the borrow made before the `match` is read after it.
#[tamed]
fn dispatch(names: Vec<String>, cmd: u8, mut counted: u32) -> Option<(usize, u32, Vec<String>)> {
    let first = names.first();
    let mut log = Vec::new();
    match cmd {
        b'q' => {
            twait! { tame::asap(mkevent!()); }
            return None;
        }
        b'+' => counted += 1,
        b'l' => log.push(format!("{first:?}")),
        _ => {}
    }
    Some((first.map_or(0, String::len), counted, log))
}

#[test]
fn a_match_with_several_arms_that_go_on_and_one_that_waits_and_leaves_keeps_a_borrow() {
    on_fresh_loop(|| {
        let names = || vec!["ann".to_string()];
        let ann = || vec!["Some(\"ann\")".to_string()];
        assert_eq!(
            tame::run_with(|ev| dispatch(names(), b'+', 1, ev)),
            Some(Some((3, 2, vec![])))
        );
        assert_eq!(
            tame::run_with(|ev| dispatch(names(), b'l', 1, ev)),
            Some(Some((3, 1, ann())))
        );
        assert_eq!(
            tame::run_with(|ev| dispatch(names(), b'x', 1, ev)),
            Some(Some((3, 1, vec![])))
        );
        assert_eq!(
            tame::run_with(|ev| dispatch(names(), b'q', 1, ev)),
            Some(None)
        );
    });
}

/// Given its value in one arm that goes on: Rust drops it at its scope's
/// end exactly when that arm ran, also across a later twait (the arms that
/// go on meet in a state of their own, which carries it as a flag).
#[tamed]
fn assigned_in_one_arm(log: Log, k: u8) {
    let _guard: Noisy;
    match k {
        0 => _guard = Noisy(log.clone(), "guard"),
        1 => {
            twait! { tame::asap(mkevent!()); }
            return;
        }
        _ => log.borrow_mut().push("none"),
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
}

fn assigned_in_one_arm_plain(log: Log, k: u8) {
    let _guard: Noisy;
    match k {
        0 => _guard = Noisy(log.clone(), "guard"),
        1 => return,
        _ => log.borrow_mut().push("none"),
    }
    log.borrow_mut().push("end");
}

#[test]
fn a_value_given_in_one_of_the_arms_that_go_on_is_dropped_at_its_scopes_end() {
    on_fresh_loop(|| {
        for k in 0..3 {
            assert_same_drops(
                |log| assigned_in_one_arm(log, k),
                |log| assigned_in_one_arm_plain(log, k),
            );
        }
    });
}

// ---- inside a loop, with a twait after the construct

/// In a loop body: the waiting branch `continue`s; the borrow is used after
/// the `if`, and a later twait in the same body keeps working.
#[tamed]
fn sum_of_firsts(rows: Vec<Vec<u32>>) -> (u32, usize) {
    let mut sum = 0;
    let mut waited = 0;
    #[allow(clippy::needless_range_loop)] // a borrowing `for` cannot wait
    for i in 0..rows.len() {
        let first = rows[i].first();
        if first.is_none() {
            twait! { tame::asap(mkevent!()); }
            waited += 1;
            continue;
        }
        sum += first.copied().unwrap_or_default();
        twait! { tame::asap(mkevent!()); }
    }
    (sum, waited)
}

#[test]
fn a_loop_body_goes_on_after_a_construct_whose_waiting_branch_continues() {
    on_fresh_loop(|| {
        let rows = vec![vec![1, 2], Vec::new(), vec![10], Vec::new(), vec![100]];
        assert_eq!(tame::run_with(|ev| sum_of_firsts(rows, ev)), Some((111, 2)));
    });
}

// ---- drops keep Rust's order

type Log = Rc<RefCell<Vec<&'static str>>>;

struct Noisy(Log, &'static str);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.0.borrow_mut().push(self.1);
    }
}

/// Runs the tamed function (then the loop) and its plain twin, each with a
/// log of its own: the same drops, in the same order.
fn assert_same_drops(tamed: impl FnOnce(Log), plain: impl FnOnce(Log)) {
    let tamed_log = Log::default();
    tamed(tamed_log.clone());
    tame::run();
    let plain_log = Log::default();
    plain(plain_log.clone());
    assert_eq!(*tamed_log.borrow(), *plain_log.borrow());
}

/// `a` lives across the whole body; `b` is moved in the waiting branch,
/// dropped at the end on the other path; a twait after the construct keeps
/// both to the end.
#[tamed]
fn drops_around(log: Log, wait_and_leave: bool) {
    let a = Noisy(log.clone(), "a");
    let b = Noisy(log.clone(), "b");
    if wait_and_leave {
        drop(b);
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push("left");
        return;
    }
    log.borrow_mut().push("after");
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
    let _ = &a;
}

/// The plain function `drops_around` must behave as.
fn drops_around_plain(log: Log, wait_and_leave: bool) {
    let a = Noisy(log.clone(), "a");
    let b = Noisy(log.clone(), "b");
    if wait_and_leave {
        drop(b);
        log.borrow_mut().push("left");
        return;
    }
    log.borrow_mut().push("after");
    log.borrow_mut().push("end");
    let _ = &a;
}

#[test]
fn values_around_a_construct_whose_waiting_branch_leaves_drop_as_in_the_plain_function() {
    on_fresh_loop(|| {
        for wait_and_leave in [false, true] {
            assert_same_drops(
                |log| drops_around(log, wait_and_leave),
                |log| drops_around_plain(log, wait_and_leave),
            );
        }
    });
}

// ---- pieces of a line, used before a twait only

#[tamed]
fn first_field_len(line: String) -> usize {
    let first = line.split(',').next().unwrap_or("");
    let n = first.len();
    twait! { tame::asap(mkevent!()); }
    n
}

#[tamed]
fn nick(msg: String) -> String {
    let name = msg.strip_prefix("/nick ").unwrap_or("anon");
    let owned = name.to_string();
    twait! { tame::asap(mkevent!()); }
    owned
}

#[tamed]
fn key_value(line: String) -> String {
    let (k, v) = line.split_once('=').unwrap_or_default();
    let kv = format!("{k}:{v}");
    twait! { tame::asap(mkevent!()); }
    kv
}

#[tamed]
fn word_counts(line: String) -> (usize, usize, String) {
    let words: Vec<&str> = line.split(' ').collect();
    let n = words.len();
    let trimmed = line.split(' ').map(str::trim).collect::<Vec<_>>();
    let m = trimmed.len();
    // Owned, by its turbofish: kept across the twait.
    let joined = line.split(' ').collect::<String>();
    twait! { tame::asap(mkevent!()); }
    (n, m, joined)
}

#[test]
fn pieces_of_a_line_used_before_a_twait_only_are_borrows_not_kept_values() {
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(|ev| first_field_len("ab,c".into(), ev)),
            Some(2)
        );
        assert_eq!(
            tame::run_with(|ev| first_field_len(String::new(), ev)),
            Some(0)
        );
        assert_eq!(
            tame::run_with(|ev| nick("/nick ann".into(), ev)),
            Some("ann".into())
        );
        assert_eq!(
            tame::run_with(|ev| nick("hello".into(), ev)),
            Some("anon".into())
        );
        assert_eq!(
            tame::run_with(|ev| key_value("a=1".into(), ev)),
            Some("a:1".into())
        );
        assert_eq!(
            tame::run_with(|ev| key_value("a".into(), ev)),
            Some(":".into())
        );
        assert_eq!(
            tame::run_with(|ev| word_counts("a b c".into(), ev)),
            Some((3, 3, "abc".into()))
        );
    });
}

// ---- more shapes of the same

/// A waiting `let .. else`, then a twait: `x` borrows `v` (judged by
/// what the `let` was given, not by the machine's temporary holding it),
/// so it is not kept across the later twait, where it is not used.
#[tamed]
fn first_len_then_wait(v: Vec<String>) -> usize {
    let Some(x) = v.first() else {
        twait! { tame::asap(mkevent!()); }
        return 0;
    };
    let n = x.len();
    twait! { tame::asap(mkevent!()); }
    n
}

/// `v.get(i).ok_or_else(..)?` borrows `v`.
#[tamed]
fn len_at(v: Vec<String>, i: usize) -> Result<usize, String> {
    let x = v.get(i).ok_or_else(|| format!("no {i}"))?;
    let n = x.len();
    twait! { tame::asap(mkevent!()); }
    Ok(n)
}

/// `o.unwrap_or(&fallback)` borrows the fallback.
#[tamed]
fn name_len(o: Option<&'static str>, fallback: String) -> usize {
    let name = o.unwrap_or(&fallback);
    let n = name.len();
    twait! { tame::asap(mkevent!()); }
    n
}

/// An `else if` chain whose waiting branches leave, the last `else` going
/// on: the borrow lives on after it.
#[tamed]
fn chain(v: Vec<u32>, k: u8) -> u32 {
    let first = v.first();
    if k == 0 {
        twait! { tame::asap(mkevent!()); }
        return 100;
    } else if k == 1 {
        twait! { tame::asap(mkevent!()); }
        return 101;
    } else {
        // goes on
    }
    first.copied().unwrap_or_default()
}

/// A waiting branch that ends in a `match` whose arms all return.
#[tamed]
fn returns_by_match(v: Vec<u32>, k: u8) -> u32 {
    let first = v.first();
    if k < 2 {
        twait! { tame::asap(mkevent!()); }
        match k {
            0 => return 200,
            _ => return 201,
        }
    }
    first.copied().unwrap_or_default()
}

#[test]
fn borrows_around_let_else_ok_or_fallbacks_else_if_chains_and_returning_matches() {
    on_fresh_loop(|| {
        let words = || vec!["abc".to_string()];
        assert_eq!(
            tame::run_with(|ev| first_len_then_wait(words(), ev)),
            Some(3)
        );
        assert_eq!(
            tame::run_with(|ev| first_len_then_wait(Vec::new(), ev)),
            Some(0)
        );
        assert_eq!(tame::run_with(|ev| len_at(words(), 0, ev)), Some(Ok(3)));
        assert_eq!(
            tame::run_with(|ev| len_at(words(), 1, ev)),
            Some(Err("no 1".into()))
        );
        assert_eq!(
            tame::run_with(|ev| name_len(Some("ab"), "xyz".into(), ev)),
            Some(2)
        );
        assert_eq!(
            tame::run_with(|ev| name_len(None, "xyz".into(), ev)),
            Some(3)
        );
        for (k, want) in [(0, 100), (1, 101), (2, 7)] {
            assert_eq!(tame::run_with(|ev| chain(vec![7], k, ev)), Some(want));
        }
        for (k, want) in [(0, 200), (1, 201), (2, 7)] {
            assert_eq!(
                tame::run_with(|ev| returns_by_match(vec![7], k, ev)),
                Some(want)
            );
        }
    });
}

// ---- a long `else if` chain

/// Forty links, each waiting and leaving: whether each link's join is
/// inline is worked out once (asked of the rest of the chain at every
/// link, it took time exponential in the chain's length).
#[tamed]
fn long_chain(k: u32, v: Vec<u32>) -> u32 {
    let first = v.first();
    if k == 0 {
        twait! { tame::asap(mkevent!()); }
        return 100;
    } else if k == 1 {
        twait! { tame::asap(mkevent!()); }
        return 101;
    } else if k == 2 {
        twait! { tame::asap(mkevent!()); }
        return 102;
    } else if k == 3 {
        twait! { tame::asap(mkevent!()); }
        return 103;
    } else if k == 4 {
        twait! { tame::asap(mkevent!()); }
        return 104;
    } else if k == 5 {
        twait! { tame::asap(mkevent!()); }
        return 105;
    } else if k == 6 {
        twait! { tame::asap(mkevent!()); }
        return 106;
    } else if k == 7 {
        twait! { tame::asap(mkevent!()); }
        return 107;
    } else if k == 8 {
        twait! { tame::asap(mkevent!()); }
        return 108;
    } else if k == 9 {
        twait! { tame::asap(mkevent!()); }
        return 109;
    } else if k == 10 {
        twait! { tame::asap(mkevent!()); }
        return 110;
    } else if k == 11 {
        twait! { tame::asap(mkevent!()); }
        return 111;
    } else if k == 12 {
        twait! { tame::asap(mkevent!()); }
        return 112;
    } else if k == 13 {
        twait! { tame::asap(mkevent!()); }
        return 113;
    } else if k == 14 {
        twait! { tame::asap(mkevent!()); }
        return 114;
    } else if k == 15 {
        twait! { tame::asap(mkevent!()); }
        return 115;
    } else if k == 16 {
        twait! { tame::asap(mkevent!()); }
        return 116;
    } else if k == 17 {
        twait! { tame::asap(mkevent!()); }
        return 117;
    } else if k == 18 {
        twait! { tame::asap(mkevent!()); }
        return 118;
    } else if k == 19 {
        twait! { tame::asap(mkevent!()); }
        return 119;
    } else if k == 20 {
        twait! { tame::asap(mkevent!()); }
        return 120;
    } else if k == 21 {
        twait! { tame::asap(mkevent!()); }
        return 121;
    } else if k == 22 {
        twait! { tame::asap(mkevent!()); }
        return 122;
    } else if k == 23 {
        twait! { tame::asap(mkevent!()); }
        return 123;
    } else if k == 24 {
        twait! { tame::asap(mkevent!()); }
        return 124;
    } else if k == 25 {
        twait! { tame::asap(mkevent!()); }
        return 125;
    } else if k == 26 {
        twait! { tame::asap(mkevent!()); }
        return 126;
    } else if k == 27 {
        twait! { tame::asap(mkevent!()); }
        return 127;
    } else if k == 28 {
        twait! { tame::asap(mkevent!()); }
        return 128;
    } else if k == 29 {
        twait! { tame::asap(mkevent!()); }
        return 129;
    } else if k == 30 {
        twait! { tame::asap(mkevent!()); }
        return 130;
    } else if k == 31 {
        twait! { tame::asap(mkevent!()); }
        return 131;
    } else if k == 32 {
        twait! { tame::asap(mkevent!()); }
        return 132;
    } else if k == 33 {
        twait! { tame::asap(mkevent!()); }
        return 133;
    } else if k == 34 {
        twait! { tame::asap(mkevent!()); }
        return 134;
    } else if k == 35 {
        twait! { tame::asap(mkevent!()); }
        return 135;
    } else if k == 36 {
        twait! { tame::asap(mkevent!()); }
        return 136;
    } else if k == 37 {
        twait! { tame::asap(mkevent!()); }
        return 137;
    } else if k == 38 {
        twait! { tame::asap(mkevent!()); }
        return 138;
    } else if k == 39 {
        twait! { tame::asap(mkevent!()); }
        return 139;
    }
    first.copied().unwrap_or_default()
}

#[test]
fn a_long_else_if_chain_whose_links_wait_and_leave_keeps_a_borrow() {
    on_fresh_loop(|| {
        for k in [0, 17, 39] {
            assert_eq!(
                tame::run_with(|ev| long_chain(k, vec![7], ev)),
                Some(k + 100)
            );
        }
        assert_eq!(tame::run_with(|ev| long_chain(40, vec![7], ev)), Some(7));
    });
}
