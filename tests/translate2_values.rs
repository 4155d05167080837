//! Translator 2 accepts a twait in any expression of the function's own
//! body, and the expression means what it means in Rust: the value it
//! computes and the order of its side effects (operands and arguments left
//! to right, `&&`/`||` short-circuit). Each tamed function has a plain twin
//! in `mod plain`, the same body with `twait!(r)` replaced by `settle(&r)`
//! (run the loop, take the id) and `twait! { tick(&t, "w", mkevent!()); }`
//! by `log(&t, "w");`; the tests check both leave the same trace, and pin it.

#![deny(warnings)]
// The bodies pin syntactic forms (a `match` on a twait, a `loop` left by
// `break value`), in the tamed functions and their plain twins alike;
// clippy would rewrite them into other forms.
#![allow(
    clippy::manual_unwrap_or,
    clippy::manual_unwrap_or_default,
    clippy::never_loop,
    clippy::while_let_loop
)]

use std::fmt::Write;

use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{as_plain, deliver, delivered, later, settle, tick};

/// Logs `what`, returns `v`: an operand whose evaluation shows in the trace.
fn note(t: &Trace, what: &str, v: u32) -> u32 {
    log(t, what);
    v
}

/// Logs `what`, returns `v`.
fn check(t: &Trace, what: &str, v: bool) -> bool {
    log(t, what);
    v
}

fn add3(a: u32, b: u32, c: u32) -> u32 {
    a * 100 + b * 10 + c
}

pub struct Num(u32);

impl Num {
    fn plus(self, b: u32) -> u32 {
        self.0 + b
    }
}

pub struct Point {
    x: u32,
    y: u32,
}

/// A table whose `Index` logs each read: an element operand shows in the
/// trace where it is read.
pub struct Logged(Trace, Vec<u32>);

impl std::ops::Index<usize> for Logged {
    type Output = u32;
    fn index(&self, i: usize) -> &u32 {
        log(&self.0, format!("index {i}"));
        &self.1[i]
    }
}

mod tamed {
    use super::*;

    #[tamed]
    pub fn if_value_bare(t: Trace, c: bool) {
        let r = Rendezvous::<u32>::new();
        if c {
            later(&t, &r, 7);
        }
        let x = if c { twait!(r) } else { None };
        log(&t, format!("x = {x:?}"));
    }

    #[tamed]
    pub fn if_value(t: Trace, c: bool) {
        let r = Rendezvous::<u32>::new();
        if c {
            later(&t, &r, 7);
        }
        log(&t, "before");
        let x = if c {
            log(&t, "then");
            let id = twait!(r);
            log(&t, "then resumed");
            id.map(|i| i * 2)
        } else {
            log(&t, "else");
            None
        };
        log(&t, format!("x = {x:?}"));
    }

    #[tamed]
    pub fn match_scrutinee(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 7);
        }
        let v = match twait!(r) {
            Some(i) => i,
            None => 0,
        };
        log(&t, format!("v = {v}"));
    }

    #[tamed]
    pub fn loop_value(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let mut n = 0;
        let c = loop {
            later(&t, &r, n);
            let id = twait!(r).unwrap_or(99);
            n += 1;
            if id == 2 {
                break id * 10;
            }
        };
        log(&t, format!("c = {c}, n = {n}"));
    }

    #[tamed]
    pub fn labeled_loop_value(t: Trace, wanted: u32) {
        let r = Rendezvous::<u32>::new();
        let found = 'search: loop {
            for i in 0..3 {
                later(&t, &r, i);
                if twait!(r) == Some(wanted) {
                    break 'search i * 100;
                }
                log(&t, format!("not {i}"));
            }
            break 999;
        };
        log(&t, format!("found = {found}"));
    }

    #[tamed]
    pub fn block_value(t: Trace) {
        let mut v = 1;
        log(&t, format!("v = {v}"));
        let v = {
            twait! { deliver(&t, 21, mkevent!(v)); }
            v * 2
        };
        log(&t, format!("v = {v}"));
    }

    #[tamed]
    pub fn call_args(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 2);
        let n = add3(
            note(&t, "first", 1),
            twait!(r).unwrap_or(0),
            note(&t, "third", 3),
        );
        log(&t, format!("n = {n}"));
    }

    #[tamed]
    pub fn operands(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 5);
        let a = Num(note(&t, "receiver", 10)).plus(twait!(r).unwrap_or(0));
        later(&t, &r, 6);
        let b = note(&t, "left", 20) + twait!(r).unwrap_or(0);
        later(&t, &r, 7);
        let pair = (note(&t, "tuple 0", 1), twait!(r), note(&t, "tuple 2", 3));
        later(&t, &r, 8);
        let p = Point {
            x: note(&t, "field x", 1),
            y: twait!(r).unwrap_or(0),
        };
        let names = ["zero", "one", "two"];
        later(&t, &r, 2);
        let picked = names[twait!(r).map_or(0, |i| i as usize)];
        log(
            &t,
            format!(
                "a = {a}, b = {b}, pair = {pair:?}, p = ({}, {}), picked = {picked}",
                p.x, p.y
            ),
        );
    }

    #[tamed]
    pub fn elements(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let v = Logged(t.clone(), vec![1, 2, 3, 4, 5, 6, 7]);
        later(&t, &r, 10);
        let call = add3(v[0], twait!(r).unwrap_or(0), note(&t, "third", 3));
        later(&t, &r, 20);
        let sum = v[1] + twait!(r).unwrap_or(0);
        later(&t, &r, 30);
        let tuple = (v[2], twait!(r).unwrap_or(0));
        later(&t, &r, 40);
        let p = Point {
            x: v[3],
            y: twait!(r).unwrap_or(0),
        };
        later(&t, &r, 50);
        let wrapped = Some((v[4] as u64, twait!(r).unwrap_or(0)));
        later(&t, &r, 60);
        let arr = [-(v[5] as i64), twait!(r).unwrap_or(0) as i64];
        let mut w = vec![1u32, 2];
        later(&t, &r, 70);
        // A later operand that changes the element does not reach the copy.
        let changed = (w[0], {
            w[0] += 10;
            twait!(r).unwrap_or(0)
        });
        later(&t, &r, 80);
        // Compared by reference: read where it is, after the twait, as a
        // place (see the README).
        let same = v[6] == twait!(r).unwrap_or(0);
        // The value of an assignment is read first.
        later(&t, &r, 1);
        let mut slots = [0u32; 3];
        slots[twait!(r).unwrap_or(0) as usize] = v[6];
        // Std's formatting macros borrow their arguments: an element that
        // is no `Copy` stays a place.
        let names = [String::from("a")];
        later(&t, &r, 90);
        let said = format!("{} {:?}", names[0], twait!(r).unwrap_or(0));
        let mut bufs = vec![String::new()];
        later(&t, &r, 91);
        write!(bufs[0], "{}", twait!(r).unwrap_or(0)).unwrap();
        // An element of a field under `#[cfg]` stays under it.
        #[allow(unused_variables)]
        let empty: Vec<u32> = Vec::new();
        later(&t, &r, 92);
        let q = Point {
            #[cfg(any())]
            x: empty[0],
            #[cfg(not(any()))]
            x: 0,
            y: twait!(r).unwrap_or(0),
        };
        // A field of an element too, its index read then.
        let pts = [Point { x: 1, y: 0 }, Point { x: 5, y: 0 }];
        let mut i = 0;
        later(&t, &r, 93);
        let fx = (pts[i].x, {
            i = 1;
            twait!(r).unwrap_or(0)
        });
        log(
            &t,
            format!(
                "{call} {sum} {tuple:?} ({}, {}) {wrapped:?} {arr:?} {changed:?} {w:?} {same} \
                 {slots:?} {said} {bufs:?} ({}, {}) {fx:?} {i}",
                p.x, p.y, q.x, q.y
            ),
        );
    }

    #[tamed]
    pub fn push_twait(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let mut got = Vec::new();
        for i in 0..3 {
            later(&t, &r, i);
            got.push(twait!(r).unwrap_or(99));
        }
        log(&t, format!("got = {got:?}"));
    }

    #[tamed]
    pub fn if_let_else(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 4);
        }
        if let Some(i) = twait!(r) {
            log(&t, format!("some {i}"));
        } else {
            log(&t, "none");
        }
        log(&t, "after if let");
    }

    #[tamed]
    pub fn while_let(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 0);
        let mut seen = Vec::new();
        while let Some(i) = twait!(r) {
            seen.push(i);
            if i < 2 {
                later(&t, &r, i + 1);
            }
        }
        log(&t, format!("seen = {seen:?}"));
    }

    #[tamed]
    pub fn match_arm_values(t: Trace, x: Option<u32>) {
        let r = Rendezvous::<u32>::new();
        let v = match x {
            Some(n) if n > 10 => {
                later(&t, &r, n);
                twait!(r).map_or(0, |i| i + 1)
            }
            Some(n) => {
                twait! { tick(&t, "tick", mkevent!()); }
                n * 2
            }
            None => twait!(r).unwrap_or(7),
        };
        log(&t, format!("v = {v}"));
    }

    #[tamed]
    pub fn short_circuit(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 1);
        let a = check(&t, "left of && is false", false) && twait!(r).is_some();
        log(&t, format!("a = {a}, pending {}", r.pending()));
        let b = check(&t, "left of || is true", true) || twait!(r).is_some();
        log(&t, format!("b = {b}, pending {}", r.pending()));
        if check(&t, "left of && is true", true) && twait!(r).is_some() {
            log(&t, format!("waited, pending {}", r.pending()));
        }
        let d = check(&t, "left of || is false", false) || twait!(r).is_some();
        log(&t, format!("d = {d}"));
    }

    #[tamed]
    pub fn match_break(t: Trace, xs: Vec<u32>) {
        let mut xs = xs;
        let mut sum = 0;
        loop {
            let n = match xs.first() {
                Some(&n) => n,
                None => break,
            };
            xs.remove(0);
            twait! { tick(&t, "waited", mkevent!()); }
            sum += n;
            log(&t, format!("sum = {sum}"));
        }
    }

    #[tamed]
    pub fn break_ends_loop(t: Trace) {
        let mut i = 0;
        loop {
            twait! { tick(&t, "waited", mkevent!()); }
            i += 1;
            log(&t, format!("i = {i}"));
            if i == 3 {
                break;
            }
        }
    }

    #[tamed]
    pub fn jumps_across_twaits(t: Trace) {
        let mut i = 0;
        let mut kept = Vec::new();
        while i < 4 {
            i += 1;
            twait! { tick(&t, format!("wait {i}"), mkevent!()); }
            if i % 2 == 0 {
                continue;
            }
            kept.push(i);
        }
        let mut stack = vec![3, 1, 2];
        'outer: while let Some(x) = stack.pop() {
            for j in 0..x {
                twait! { tick(&t, format!("x {x} j {j}"), mkevent!()); }
                if j == 1 {
                    continue 'outer;
                }
                if x == 1 {
                    break 'outer;
                }
            }
            log(&t, format!("inner loop ran out for {x}"));
        }
        log(&t, format!("kept = {kept:?}, left = {stack:?}"));
    }

    #[tamed]
    pub fn let_else(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 3);
        }
        let Some(i) = twait!(r) else {
            log(&t, "nothing came back");
            return;
        };
        log(&t, format!("got {i}"));
    }

    #[tamed]
    pub fn value_or_return(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 5);
        }
        let v = match twait!(r) {
            Some(i) => i,
            None => return,
        };
        log(&t, format!("v = {v}"));
    }

    #[tamed]
    pub fn nested_value_positions(t: Trace, c: bool) {
        let r = Rendezvous::<u32>::new();
        if c {
            later(&t, &r, 4);
        }
        let v = if c {
            match twait!(r) {
                Some(i) => {
                    let doubled = {
                        twait! { tick(&t, "inner block", mkevent!()); }
                        i * 2
                    };
                    doubled + 1
                }
                None => 0,
            }
        } else {
            100
        };
        log(&t, format!("v = {v}"));
    }
}

mod plain {
    use super::*;

    pub fn if_value_bare(t: Trace, c: bool) {
        let r = Rendezvous::<u32>::new();
        if c {
            later(&t, &r, 7);
        }
        let x = if c { settle(&r) } else { None };
        log(&t, format!("x = {x:?}"));
    }

    pub fn if_value(t: Trace, c: bool) {
        let r = Rendezvous::<u32>::new();
        if c {
            later(&t, &r, 7);
        }
        log(&t, "before");
        let x = if c {
            log(&t, "then");
            let id = settle(&r);
            log(&t, "then resumed");
            id.map(|i| i * 2)
        } else {
            log(&t, "else");
            None
        };
        log(&t, format!("x = {x:?}"));
    }

    pub fn match_scrutinee(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 7);
        }
        let v = match settle(&r) {
            Some(i) => i,
            None => 0,
        };
        log(&t, format!("v = {v}"));
    }

    pub fn loop_value(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let mut n = 0;
        let c = loop {
            later(&t, &r, n);
            let id = settle(&r).unwrap_or(99);
            n += 1;
            if id == 2 {
                break id * 10;
            }
        };
        log(&t, format!("c = {c}, n = {n}"));
    }

    pub fn labeled_loop_value(t: Trace, wanted: u32) {
        let r = Rendezvous::<u32>::new();
        let found = 'search: loop {
            for i in 0..3 {
                later(&t, &r, i);
                if settle(&r) == Some(wanted) {
                    break 'search i * 100;
                }
                log(&t, format!("not {i}"));
            }
            break 999;
        };
        log(&t, format!("found = {found}"));
    }

    pub fn block_value(t: Trace) {
        let mut v = 1;
        log(&t, format!("v = {v}"));
        let v = {
            v = delivered(&t, 21);
            v * 2
        };
        log(&t, format!("v = {v}"));
    }

    pub fn call_args(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 2);
        let n = add3(
            note(&t, "first", 1),
            settle(&r).unwrap_or(0),
            note(&t, "third", 3),
        );
        log(&t, format!("n = {n}"));
    }

    pub fn operands(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 5);
        let a = Num(note(&t, "receiver", 10)).plus(settle(&r).unwrap_or(0));
        later(&t, &r, 6);
        let b = note(&t, "left", 20) + settle(&r).unwrap_or(0);
        later(&t, &r, 7);
        let pair = (note(&t, "tuple 0", 1), settle(&r), note(&t, "tuple 2", 3));
        later(&t, &r, 8);
        let p = Point {
            x: note(&t, "field x", 1),
            y: settle(&r).unwrap_or(0),
        };
        let names = ["zero", "one", "two"];
        later(&t, &r, 2);
        let picked = names[settle(&r).map_or(0, |i| i as usize)];
        log(
            &t,
            format!(
                "a = {a}, b = {b}, pair = {pair:?}, p = ({}, {}), picked = {picked}",
                p.x, p.y
            ),
        );
    }

    pub fn elements(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let v = Logged(t.clone(), vec![1, 2, 3, 4, 5, 6, 7]);
        later(&t, &r, 10);
        let call = add3(v[0], settle(&r).unwrap_or(0), note(&t, "third", 3));
        later(&t, &r, 20);
        let sum = v[1] + settle(&r).unwrap_or(0);
        later(&t, &r, 30);
        let tuple = (v[2], settle(&r).unwrap_or(0));
        later(&t, &r, 40);
        let p = Point {
            x: v[3],
            y: settle(&r).unwrap_or(0),
        };
        later(&t, &r, 50);
        let wrapped = Some((v[4] as u64, settle(&r).unwrap_or(0)));
        later(&t, &r, 60);
        let arr = [-(v[5] as i64), settle(&r).unwrap_or(0) as i64];
        let mut w = vec![1u32, 2];
        later(&t, &r, 70);
        // A later operand that changes the element does not reach the copy.
        let changed = (w[0], {
            w[0] += 10;
            settle(&r).unwrap_or(0)
        });
        later(&t, &r, 80);
        // (Read after the twait, in the tamed function.)
        let got = settle(&r).unwrap_or(0);
        let same = v[6] == got;
        // The value of an assignment is read first.
        later(&t, &r, 1);
        let mut slots = [0u32; 3];
        slots[settle(&r).unwrap_or(0) as usize] = v[6];
        // Std's formatting macros borrow their arguments: an element that
        // is no `Copy` stays a place.
        let names = [String::from("a")];
        later(&t, &r, 90);
        let said = format!("{} {:?}", names[0], settle(&r).unwrap_or(0));
        let mut bufs = vec![String::new()];
        later(&t, &r, 91);
        write!(bufs[0], "{}", settle(&r).unwrap_or(0)).unwrap();
        // An element of a field under `#[cfg]` stays under it.
        #[allow(unused_variables)]
        let empty: Vec<u32> = Vec::new();
        later(&t, &r, 92);
        let q = Point {
            #[cfg(any())]
            x: empty[0],
            #[cfg(not(any()))]
            x: 0,
            y: settle(&r).unwrap_or(0),
        };
        // A field of an element too, its index read then.
        let pts = [Point { x: 1, y: 0 }, Point { x: 5, y: 0 }];
        let mut i = 0;
        later(&t, &r, 93);
        let fx = (pts[i].x, {
            i = 1;
            settle(&r).unwrap_or(0)
        });
        log(
            &t,
            format!(
                "{call} {sum} {tuple:?} ({}, {}) {wrapped:?} {arr:?} {changed:?} {w:?} {same} \
                 {slots:?} {said} {bufs:?} ({}, {}) {fx:?} {i}",
                p.x, p.y, q.x, q.y
            ),
        );
    }

    pub fn push_twait(t: Trace) {
        let r = Rendezvous::<u32>::new();
        let mut got = Vec::new();
        for i in 0..3 {
            later(&t, &r, i);
            got.push(settle(&r).unwrap_or(99));
        }
        log(&t, format!("got = {got:?}"));
    }

    pub fn if_let_else(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 4);
        }
        if let Some(i) = settle(&r) {
            log(&t, format!("some {i}"));
        } else {
            log(&t, "none");
        }
        log(&t, "after if let");
    }

    pub fn while_let(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 0);
        let mut seen = Vec::new();
        while let Some(i) = settle(&r) {
            seen.push(i);
            if i < 2 {
                later(&t, &r, i + 1);
            }
        }
        log(&t, format!("seen = {seen:?}"));
    }

    pub fn match_arm_values(t: Trace, x: Option<u32>) {
        let r = Rendezvous::<u32>::new();
        let v = match x {
            Some(n) if n > 10 => {
                later(&t, &r, n);
                settle(&r).map_or(0, |i| i + 1)
            }
            Some(n) => {
                log(&t, "tick");
                n * 2
            }
            None => settle(&r).unwrap_or(7),
        };
        log(&t, format!("v = {v}"));
    }

    pub fn short_circuit(t: Trace) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 1);
        let a = check(&t, "left of && is false", false) && settle(&r).is_some();
        log(&t, format!("a = {a}, pending {}", r.pending()));
        let b = check(&t, "left of || is true", true) || settle(&r).is_some();
        log(&t, format!("b = {b}, pending {}", r.pending()));
        if check(&t, "left of && is true", true) && settle(&r).is_some() {
            log(&t, format!("waited, pending {}", r.pending()));
        }
        let d = check(&t, "left of || is false", false) || settle(&r).is_some();
        log(&t, format!("d = {d}"));
    }

    pub fn match_break(t: Trace, xs: Vec<u32>) {
        let mut xs = xs;
        let mut sum = 0;
        loop {
            let n = match xs.first() {
                Some(&n) => n,
                None => break,
            };
            xs.remove(0);
            log(&t, "waited");
            sum += n;
            log(&t, format!("sum = {sum}"));
        }
    }

    pub fn break_ends_loop(t: Trace) {
        let mut i = 0;
        loop {
            log(&t, "waited");
            i += 1;
            log(&t, format!("i = {i}"));
            if i == 3 {
                break;
            }
        }
    }

    pub fn jumps_across_twaits(t: Trace) {
        let mut i = 0;
        let mut kept = Vec::new();
        while i < 4 {
            i += 1;
            log(&t, format!("wait {i}"));
            if i % 2 == 0 {
                continue;
            }
            kept.push(i);
        }
        let mut stack = vec![3, 1, 2];
        'outer: while let Some(x) = stack.pop() {
            for j in 0..x {
                log(&t, format!("x {x} j {j}"));
                if j == 1 {
                    continue 'outer;
                }
                if x == 1 {
                    break 'outer;
                }
            }
            log(&t, format!("inner loop ran out for {x}"));
        }
        log(&t, format!("kept = {kept:?}, left = {stack:?}"));
    }

    pub fn let_else(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 3);
        }
        let Some(i) = settle(&r) else {
            log(&t, "nothing came back");
            return;
        };
        log(&t, format!("got {i}"));
    }

    pub fn value_or_return(t: Trace, arm: bool) {
        let r = Rendezvous::<u32>::new();
        if arm {
            later(&t, &r, 5);
        }
        let v = match settle(&r) {
            Some(i) => i,
            None => return,
        };
        log(&t, format!("v = {v}"));
    }

    pub fn nested_value_positions(t: Trace, c: bool) {
        let r = Rendezvous::<u32>::new();
        if c {
            later(&t, &r, 4);
        }
        let v = if c {
            match settle(&r) {
                Some(i) => {
                    let doubled = {
                        log(&t, "inner block");
                        i * 2
                    };
                    doubled + 1
                }
                None => 0,
            }
        } else {
            100
        };
        log(&t, format!("v = {v}"));
    }
}

#[test]
fn twait_as_the_value_of_an_if_branch() {
    assert_eq!(
        as_plain(
            |t| tamed::if_value_bare(t, true),
            |t| plain::if_value_bare(t, true)
        ),
        ["fire 7", "x = Some(7)"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::if_value_bare(t, false),
            |t| plain::if_value_bare(t, false)
        ),
        ["x = None"]
    );
}

#[test]
fn an_if_value_with_statements_around_the_twait() {
    assert_eq!(
        as_plain(|t| tamed::if_value(t, true), |t| plain::if_value(t, true)),
        ["before", "then", "fire 7", "then resumed", "x = Some(14)"]
    );
    assert_eq!(
        as_plain(|t| tamed::if_value(t, false), |t| plain::if_value(t, false)),
        ["before", "else", "x = None"]
    );
}

#[test]
fn twait_as_a_match_scrutinee_in_a_let() {
    assert_eq!(
        as_plain(
            |t| tamed::match_scrutinee(t, true),
            |t| plain::match_scrutinee(t, true)
        ),
        ["fire 7", "v = 7"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::match_scrutinee(t, false),
            |t| plain::match_scrutinee(t, false)
        ),
        ["v = 0"]
    );
}

#[test]
fn a_loop_with_a_twait_yields_its_break_value() {
    assert_eq!(
        as_plain(tamed::loop_value, plain::loop_value),
        ["fire 0", "fire 1", "fire 2", "c = 20, n = 3"]
    );
}

#[test]
fn a_labeled_break_with_a_value_leaves_the_outer_loop_from_an_inner_one() {
    assert_eq!(
        as_plain(
            |t| tamed::labeled_loop_value(t, 1),
            |t| plain::labeled_loop_value(t, 1)
        ),
        ["fire 0", "not 0", "fire 1", "found = 100"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::labeled_loop_value(t, 7),
            |t| plain::labeled_loop_value(t, 7)
        ),
        [
            "fire 0",
            "not 0",
            "fire 1",
            "not 1",
            "fire 2",
            "not 2",
            "found = 999"
        ]
    );
}

#[test]
fn a_block_with_a_twait_block_inside_yields_its_tail_value() {
    assert_eq!(
        as_plain(tamed::block_value, plain::block_value),
        ["v = 1", "fire 21", "v = 42"]
    );
}

#[test]
fn call_arguments_around_a_twait_are_evaluated_left_to_right() {
    assert_eq!(
        as_plain(tamed::call_args, plain::call_args),
        ["first", "fire 2", "third", "n = 123"]
    );
}

/// An element taken by value before a twait (an argument, an operand of
/// `+`, a tuple's, a field's, a wrapped one, one negated) is read before
/// it, as Rust reads it: through an `Index` impl, whose panic (a missing
/// key) then comes before the later operands run, and a later operand
/// that changes the element does not reach the value read.
#[test]
fn elements_taken_by_value_before_a_twait_are_read_before_it() {
    assert_eq!(
        as_plain(tamed::elements, plain::elements),
        [
            "index 0",
            "fire 10",
            "third",
            "index 1",
            "fire 20",
            "index 2",
            "fire 30",
            "index 3",
            "fire 40",
            "index 4",
            "fire 50",
            "index 5",
            "fire 60",
            "fire 70",
            "fire 80",
            "index 6",
            "index 6",
            "fire 1",
            "fire 90",
            "fire 91",
            "fire 92",
            "fire 93",
            "203 22 (3, 30) (4, 40) Some((5, 50)) [-6, 60] (1, 70) [11, 2] false \
             [0, 7, 0] a 90 [\"91\"] (0, 92) (1, 93) 1"
        ]
    );
}

#[test]
fn receivers_left_operands_tuple_and_struct_fields_before_a_twait_are_evaluated_first() {
    assert_eq!(
        as_plain(tamed::operands, plain::operands),
        [
            "receiver",
            "fire 5",
            "left",
            "fire 6",
            "tuple 0",
            "fire 7",
            "tuple 2",
            "field x",
            "fire 8",
            "fire 2",
            "a = 15, b = 26, pair = (1, Some(7), 3), p = (1, 8), picked = two"
        ]
    );
}

#[test]
fn a_method_call_on_a_local_takes_a_twait_as_its_argument() {
    assert_eq!(
        as_plain(tamed::push_twait, plain::push_twait),
        ["fire 0", "fire 1", "fire 2", "got = [0, 1, 2]"]
    );
}

#[test]
fn if_let_on_a_twait_takes_the_else_branch_when_nothing_is_outstanding() {
    assert_eq!(
        as_plain(
            |t| tamed::if_let_else(t, true),
            |t| plain::if_let_else(t, true)
        ),
        ["fire 4", "some 4", "after if let"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::if_let_else(t, false),
            |t| plain::if_let_else(t, false)
        ),
        ["none", "after if let"]
    );
}

#[test]
fn while_let_on_a_twait_runs_until_nothing_is_outstanding() {
    assert_eq!(
        as_plain(tamed::while_let, plain::while_let),
        ["fire 0", "fire 1", "fire 2", "seen = [0, 1, 2]"]
    );
}

#[test]
fn match_arms_with_twaits_yield_their_values() {
    let run = |x: Option<u32>| {
        as_plain(
            move |t| tamed::match_arm_values(t, x),
            move |t| plain::match_arm_values(t, x),
        )
    };
    assert_eq!(run(Some(11)), ["fire 11", "v = 12"]);
    assert_eq!(run(Some(3)), ["tick", "v = 6"]);
    assert_eq!(run(None), ["v = 7"]);
}

#[test]
fn a_twait_on_the_right_of_and_or_runs_only_when_the_left_does_not_decide() {
    assert_eq!(
        as_plain(tamed::short_circuit, plain::short_circuit),
        [
            "left of && is false",
            "a = false, pending 1",
            "left of || is true",
            "b = true, pending 1",
            "left of && is true",
            "fire 1",
            "waited, pending 0",
            "left of || is false",
            "d = false"
        ]
    );
}

#[test]
fn a_match_arm_that_breaks_as_rustfmt_writes_it_ends_the_loop_and_the_function() {
    assert_eq!(
        as_plain(
            |t| tamed::match_break(t, vec![3, 4]),
            |t| plain::match_break(t, vec![3, 4])
        ),
        ["waited", "sum = 3", "waited", "sum = 7"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::match_break(t, vec![]),
            |t| plain::match_break(t, vec![])
        ),
        Vec::<String>::new()
    );
}

#[test]
fn a_break_statement_ending_the_last_loop_of_the_function() {
    assert_eq!(
        as_plain(tamed::break_ends_loop, plain::break_ends_loop),
        ["waited", "i = 1", "waited", "i = 2", "waited", "i = 3"]
    );
}

#[test]
fn continue_and_labeled_jumps_after_twaits() {
    assert_eq!(
        as_plain(tamed::jumps_across_twaits, plain::jumps_across_twaits),
        [
            "wait 1",
            "wait 2",
            "wait 3",
            "wait 4",
            "x 2 j 0",
            "x 2 j 1",
            "x 1 j 0",
            "kept = [1, 3], left = [3]"
        ]
    );
}

#[test]
fn let_else_on_a_twait_runs_the_else_block_when_nothing_comes_back() {
    assert_eq!(
        as_plain(|t| tamed::let_else(t, true), |t| plain::let_else(t, true)),
        ["fire 3", "got 3"]
    );
    assert_eq!(
        as_plain(|t| tamed::let_else(t, false), |t| plain::let_else(t, false)),
        ["nothing came back"]
    );
}

#[test]
fn a_return_in_a_match_arm_on_a_twait_ends_the_function() {
    assert_eq!(
        as_plain(
            |t| tamed::value_or_return(t, true),
            |t| plain::value_or_return(t, true)
        ),
        ["fire 5", "v = 5"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::value_or_return(t, false),
            |t| plain::value_or_return(t, false)
        ),
        Vec::<String>::new()
    );
}

#[test]
fn twaits_nested_in_value_positions_inside_value_positions() {
    assert_eq!(
        as_plain(
            |t| tamed::nested_value_positions(t, true),
            |t| plain::nested_value_positions(t, true)
        ),
        ["fire 4", "inner block", "v = 9"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::nested_value_positions(t, false),
            |t| plain::nested_value_positions(t, false)
        ),
        ["v = 100"]
    );
}

/// `break;` out of a loop whose value is used gives it `()`, as in Rust;
/// the translator gave it nothing, and the loop's value was a name of its
/// own that did not exist ("cannot find value").
#[tamed]
fn a_unit_loop_left_by_a_bare_break(limit: u32) -> (u32, ()) {
    let mut n = 0;
    // (The shape under test; clippy says of it what it says of a plain
    // function's.)
    #[allow(clippy::let_unit_value)]
    let done = loop {
        n += 1;
        twait! { tame::asap(mkevent!()); }
        if n > limit {
            break;
        }
    };
    (n, done)
}

#[test]
fn a_bare_break_gives_a_used_loop_its_unit_value() {
    assert_eq!(
        tame::run_with(|d| a_unit_loop_left_by_a_bare_break(3, d)),
        Some((4, ()))
    );
}

/// The same with the `break;` right after a twait (a statement of the
/// machine's own), out of a loop and out of a labeled block.
#[tamed]
fn unit_values_left_right_after_a_twait(c: bool) -> ((), ()) {
    // (The shape under test, as above.)
    #[allow(clippy::let_unit_value)]
    let looped = loop {
        twait! { tame::asap(mkevent!()); }
        break;
    };
    #[allow(clippy::let_unit_value)]
    let blocked: () = 'b: {
        if c {
            twait! { tame::asap(mkevent!()); }
            break 'b;
        }
    };
    (looped, blocked)
}

#[test]
fn a_bare_break_right_after_a_twait_gives_the_unit_value_too() {
    for c in [true, false] {
        assert_eq!(
            tame::run_with(|d| unit_values_left_right_after_a_twait(c, d)),
            Some(((), ()))
        );
    }
}

/// A `let .. else` whose `else` waits, on a place indexed by an operand
/// that is more than a variable (`i + 1`): the operand is evaluated once,
/// first, and the place tested where it is (not moved into a temporary,
/// which a slice cannot be, nor an element of a `Vec`).
#[tamed]
fn ends_after(v: Vec<u32>, i: usize) -> u32 {
    let [a, .., b] = v[i + 1..] else {
        twait! { tame::asap(mkevent!()); }
        return 0;
    };
    a + b
}

#[tamed]
fn name_len_after(names: Vec<Option<String>>, i: usize) -> usize {
    let Some(ref n) = names[i + 1] else {
        twait! { tame::asap(mkevent!()); }
        return 0;
    };
    n.len()
}

#[test]
fn a_let_else_on_a_place_indexed_by_an_expression_tests_it_in_place() {
    assert_eq!(
        tame::run_with(|d| ends_after(vec![9, 1, 2, 5], 0, d)),
        Some(6)
    );
    assert_eq!(tame::run_with(|d| ends_after(vec![9, 1], 0, d)), Some(0));
    let names = || vec![None, Some("ab".to_string()), None];
    assert_eq!(tame::run_with(|d| name_len_after(names(), 0, d)), Some(2));
    assert_eq!(tame::run_with(|d| name_len_after(names(), 1, d)), Some(0));
}

/// `break` with a value out of a loop that waits, from a block that
/// declares again a name the function keeps: the value reaches the loop
/// (the README listed this as rustc's E0381 at the loop).
#[tamed]
fn break_value_from_a_block_that_hides_a_name(c: bool, k: u32) -> u32 {
    let total = k;
    let found = loop {
        twait! { tame::asap(mkevent!()); }
        if c {
            let total = 99;
            assert_eq!(total, 99);
            break 100;
        }
        break total;
    };
    found + total
}

#[test]
fn a_break_value_from_a_block_that_hides_a_kept_name_reaches_the_loop() {
    let got = |c| tame::run_with(|d| break_value_from_a_block_that_hides_a_name(c, 1, d));
    assert_eq!(got(true), Some(101));
    assert_eq!(got(false), Some(2));
}
