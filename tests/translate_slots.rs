//! Slots: where `mkevent!` stores an event's value, and when.

#![deny(warnings)]

use std::time::Duration;

use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

/// Triggers `ev` with `v` after `ms` milliseconds.
#[tamed]
fn deliver<T: 'static>(ms: u64, v: T, ev: Event<T>) {
    twait! { tame::timer(Duration::from_millis(ms), mkevent!()); }
    ev.trigger(v);
}

#[tamed]
fn two_slots(t: Trace) {
    let mut n = 0u32;
    let mut s = String::new();
    twait! { deliver(2, (7, "seven".to_string()), mkevent!(n, s)); }
    log(&t, format!("{n} {s}"));
}

#[test]
fn one_event_fills_two_slots() {
    assert_eq!(traced(two_slots), ["7 seven"]);
}

/// Slots declared by one typed pattern, without a value: each is of its
/// own part's type (each was given the whole tuple's type: "expected
/// `(u32, String)`, found `u32`").
#[tamed]
fn two_slots_of_a_typed_pattern(t: Trace) {
    let (n, s): (u32, String);
    twait! { deliver(2, (7, "seven".to_string()), mkevent!(n, s)); }
    log(&t, format!("{n} {s}"));
}

#[test]
fn slots_declared_by_a_typed_pattern_get_their_parts_types() {
    assert_eq!(traced(two_slots_of_a_typed_pattern), ["7 seven"]);
}

/// A type whose name only starts with `Rendezvous`.
#[derive(Debug, Default)]
struct RendezvousPlan {
    place: String,
}

/// Slots of a `twait! {}` block, one made by a constructor of a type whose
/// name starts with `Rendezvous`, one a parameter of such a type: slots
/// like any other, filled at the block's wait (they were taken for
/// rendezvous, as if declared by `Rendezvous::new()`, and their events for
/// explicit ones).
#[tamed]
fn slots_of_a_rendezvous_named_type(t: Trace, mut q: Option<RendezvousPlan>) {
    let mut p = Some(RendezvousPlan::default());
    let (mut n, mut m) = (0, 0);
    let plan = RendezvousPlan {
        place: "here".into(),
    };
    twait! {
        deliver(2, (Some(plan), 3u32), mkevent!(p, n));
        deliver(1, (Some(RendezvousPlan::default()), 4u32), mkevent!(q, m));
    }
    log(
        &t,
        format!("{:?} {n} {} {m}", p.map(|x| x.place), q.is_some()),
    );
}

#[test]
fn a_type_named_like_a_rendezvous_is_not_one() {
    assert_eq!(
        traced(|t| slots_of_a_rendezvous_named_type(t, None)),
        ["Some(\"here\") 3 true 4"]
    );
}

/// Sites of several slots, each value to its slot in order (the slot
/// count is checked against the value's parts; this is what it must still
/// let through): three, a `_` among them, eight, and a rendezvous' site.
#[tamed]
fn many_slots(t: Trace) {
    let (mut a, mut b, mut c) = (0u8, String::new(), 0u64);
    let (mut d, mut e) = (0u8, 0u8);
    let mut h = [0u16; 8];
    twait! {
        deliver(1, (1, "two".to_string(), 3), mkevent!(a, b, c));
        deliver(2, (4, 5u8, 6), mkevent!(d, _, e));
        deliver(
            3,
            (10, 11, 12, 13, 14, 15, 16, 17),
            mkevent!(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]),
        );
    }
    log(&t, format!("{a} {b} {c} {d} {e} {h:?}"));
    let r = Rendezvous::<char>::new();
    let (mut x, mut y, mut z) = (0i32, 0i32, 0i32);
    deliver(1, (-1, -2, -3), mkevent!(r, 'k', x, y, z));
    let id = twait!(r);
    log(&t, format!("{id:?} {x} {y} {z}"));
}

#[test]
fn every_value_of_a_many_slot_site_is_stored() {
    assert_eq!(
        traced(many_slots),
        [
            "1 two 3 4 6 [10, 11, 12, 13, 14, 15, 16, 17]",
            "Some('k') -1 -2 -3"
        ]
    );
}

struct Point {
    x: i32,
    y: i32,
    name: (String, u8),
}

#[tamed]
fn field_slots(t: Trace) {
    let mut p = Point {
        x: 0,
        y: 0,
        name: (String::new(), 0),
    };
    twait! {
        deliver(3, 10, mkevent!(p.x));
        deliver(1, -4, mkevent!(p.y));
        deliver(2, ("origin".to_string(), 9), mkevent!(p.name.0, p.name.1));
    }
    log(&t, format!("{} {} {} {}", p.x, p.y, p.name.0, p.name.1));
}

#[test]
fn field_paths_as_slots() {
    assert_eq!(traced(field_slots), ["10 -4 origin 9"]);
}

#[tamed]
fn index_captured(t: Trace) {
    let mut v = vec![0; 4];
    let mut i = 0;
    twait! {
        deliver(3, 10, mkevent!(v[i]));
        i += 1;
        deliver(1, 20, mkevent!(v[i]));
        i = 3;
    }
    log(&t, format!("{v:?} i={i}"));
}

#[test]
fn index_is_evaluated_when_the_event_is_made() {
    assert_eq!(traced(index_captured), ["[10, 20, 0, 0] i=3"]);
}

#[tamed]
fn index_captured_explicit(t: Trace) {
    tvars! {
        let r = Rendezvous::<char>::new();
        let mut v = vec![String::new(); 3];
        let mut i = 2;
    }
    deliver(2, "late".to_string(), mkevent!(r, 'a', v[i]));
    i = 0;
    deliver(1, "early".to_string(), mkevent!(r, 'b', v[i]));
    i = 1;
    let first = twait!(r);
    log(&t, format!("{first:?} {v:?} i={i}"));
    let second = twait!(r);
    log(&t, format!("{second:?} {v:?}"));
}

#[test]
fn index_is_captured_for_explicit_rendezvous_events() {
    assert_eq!(
        traced(index_captured_explicit),
        [
            "Some('b') [\"early\", \"\", \"\"] i=1",
            "Some('a') [\"early\", \"\", \"late\"]"
        ]
    );
}

// Indexes that name the slots, as Tame's figures write them.
#[allow(clippy::needless_range_loop)]
#[tamed]
fn nested_index(t: Trace) {
    let mut grid = vec![vec![0u64; 3]; 2];
    twait! {
        for i in 0..2 {
            for j in 0..3 {
                let k = (i * 3 + j) as u64;
                deliver(10 - k, k * k, mkevent!(grid[i][j]));
            }
        }
    }
    log(&t, format!("{grid:?}"));
}

#[test]
fn nested_indices_in_loops_inside_the_block() {
    assert_eq!(traced(nested_index), ["[[0, 1, 4], [9, 16, 25]]"]);
}

#[tamed]
fn dropped_in_block(t: Trace) {
    let mut kept = String::from("old");
    let mut got = String::from("old");
    twait! {
        let ev = mkevent!(kept);
        drop::<Event<String>>(ev);
        deliver(1, "new".to_string(), mkevent!(got));
    }
    log(&t, format!("{kept} {got}"));
}

#[test]
fn dropped_event_completes_the_twait_and_keeps_the_old_value() {
    assert_eq!(traced(dropped_in_block), ["old new"]);
}

#[tamed]
fn all_dropped(t: Trace) {
    let mut x = 5;
    twait! {
        let ev: Event<i32> = mkevent!(x);
        drop(ev);
    }
    log(&t, format!("x={x}"));
}

#[test]
fn twait_with_every_event_dropped_does_not_hang() {
    assert_eq!(traced(all_dropped), ["x=5"]);
}

#[tamed]
fn dropped_explicit(t: Trace) {
    tvars! {
        let r = Rendezvous::<u32>::new();
        let mut x = 1;
    }
    let ev: Event<i32> = mkevent!(r, 9, x);
    deliver(2, 42, mkevent!(r, 10, x));
    drop(ev);
    let id = twait!(r);
    log(&t, format!("{id:?} x={x}"));
    let id = twait!(r);
    log(&t, format!("{id:?} x={x}"));
    let id = twait!(r);
    log(&t, format!("{id:?}"));
}

#[test]
fn dropped_explicit_event_still_reports_its_id() {
    assert_eq!(
        traced(dropped_explicit),
        ["Some(9) x=1", "Some(10) x=42", "None"]
    );
}

#[tamed]
fn slot_stored_before_next_statement(t: Trace) {
    tvars! { let r = Rendezvous::<()>::new(); let mut a = 0; let mut b = 0; }
    deliver(1, 1, mkevent!(r, (), a));
    deliver(2, 2, mkevent!(r, (), b));
    twait!(r);
    log(&t, format!("a={a} b={b}"));
    twait!(r);
    log(&t, format!("a={a} b={b}"));
}

#[test]
fn explicit_slots_are_written_when_twait_returns() {
    assert_eq!(
        traced(slot_stored_before_next_statement),
        ["a=1 b=0", "a=1 b=2"]
    );
}

#[tamed]
fn slot_in_loop_reused(t: Trace) {
    let mut got = Vec::new();
    let mut cur = 0u64;
    for k in 1..4u64 {
        twait! { deliver(4 - k, k * 100, mkevent!(cur)); }
        got.push(cur);
    }
    log(&t, format!("{got:?}"));
}

#[test]
fn a_slot_is_refilled_on_each_iteration() {
    assert_eq!(traced(slot_in_loop_reused), ["[100, 200, 300]"]);
}

#[tamed]
fn tvars_typed(t: Trace) {
    tvars! {
        let mut parts: Vec<u64> = vec![0; 2];
    }
    twait! {
        deliver(2, 5, mkevent!(parts[0]));
        deliver(1, 6, mkevent!(parts[1]));
    }
    let total: u64 = parts.iter().sum();
    log(&t, format!("{total}"));
}

#[test]
fn typed_tvars_hold_slots() {
    assert_eq!(traced(tvars_typed), ["11"]);
}

/// A round per iteration, each with a rendezvous of its own: a race whose
/// loser's value came back but was never taken (round 0) must not keep the
/// later rounds' values of the same site out of their slot.
#[tamed]
fn rounds_with_a_lost_value() -> Vec<(Option<u8>, u32)> {
    let mut out = Vec::new();
    for i in 0..3u32 {
        let r = Rendezvous::<u8>::new();
        let mut v = u32::MAX;
        let a = mkevent!(r, 0);
        let b = mkevent!(r, 1, v);
        if i == 0 {
            a.trigger(());
            b.trigger(100);
        } else {
            b.trigger(100 + i);
            drop(a);
        }
        let w = twait!(r);
        out.push((w, v));
    }
    out
}

#[test]
fn a_value_left_in_a_dropped_rendezvous_does_not_hold_up_the_next_rounds() {
    let got = tame::run_with(rounds_with_a_lost_value).unwrap();
    assert_eq!(got, [(Some(0), u32::MAX), (Some(1), 101), (Some(1), 102)]);
}

/// The same rendezvous, cancelled with a value not taken: the value is
/// gone with the events of before the cancel, and the next event's value
/// is the one stored.
#[tamed]
fn cancelled_with_a_value_not_taken() -> (Option<u8>, Option<u8>, u32) {
    let r = Rendezvous::<u8>::new();
    let mut v = 0u32;
    let mut first = None;
    for i in 0..2u32 {
        let a = mkevent!(r, 0);
        let b = mkevent!(r, 1, v);
        a.trigger(());
        b.trigger(10 + i);
        let w = twait!(r);
        if i == 0 {
            first = w;
            // b's id and value are dropped with the epoch.
            r.cancel();
        } else {
            return (first, w, v);
        }
    }
    unreachable!()
}

#[test]
fn a_value_not_taken_before_a_cancel_is_never_stored() {
    let (first, second, v) = tame::run_with(cancelled_with_a_value_not_taken).unwrap();
    assert_eq!((first, second), (Some(0), Some(0)));
    // Only ids 0 have come back since: neither b's value is stored.
    assert_eq!(v, 0);
}

/// A number slot used up by value after the wait that filled it, with a
/// later `twait!(r)` that fills it no more: as a plain function, nothing
/// reads it unassigned, so nothing is refused (it was "has no value yet").
#[tamed]
fn number_slot_used_up_then_another_wait() -> (Option<u8>, u32, Option<u8>) {
    let r = Rendezvous::<u8>::new();
    let mut a = 100u32;
    let e1: Event<u32> = mkevent!(r, 1, a);
    e1.trigger(1);
    let x = twait!(r);
    let seen = (x, a);
    let y = twait!(r);
    (seen.0, seen.1, y)
}

#[test]
fn a_number_slot_read_before_a_later_wait_only_is_not_refused() {
    assert_eq!(
        tame::run_with(number_slot_used_up_then_another_wait),
        Some((Some(1), 1, None))
    );
}
