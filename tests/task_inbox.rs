//! `tame::task::Inbox`, the queue behind `mkevent!(r, id, slot)` sites, as a
//! hand-written state machine uses it: a value whose id the rendezvous handed
//! out is the taker's until popped, a cancel notwithstanding.

use std::cell::Cell;
use std::rc::Rc;

use tame::task::Inbox;
use tame::Rendezvous;

/// A value that counts its drops.
struct Counted(u32, Rc<Cell<u32>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.set(self.1.get() + 1);
    }
}

fn value(inbox_value: Option<(Counted, ())>) -> Option<u32> {
    inbox_value.map(|(c, ())| c.0)
}

#[test]
fn a_taken_value_outlives_the_cancel_an_untaken_one_does_not() {
    let drops = Rc::new(Cell::new(0));
    let r = Rendezvous::<usize>::new();
    let mut inbox = Inbox::<Counted, ()>::new();
    inbox.event(&r, 0, ()).trigger(Counted(10, drops.clone()));
    inbox.event(&r, 1, ()).trigger(Counted(11, drops.clone()));
    assert_eq!(r.try_next(), Some(0));
    r.cancel();
    assert_eq!(value(inbox.pop_returned(&r)), Some(10));
    assert_eq!(value(inbox.pop_returned(&r)), None);
    assert_eq!(
        drops.get(),
        2,
        "both dropped once: 10 by us, 11 with its epoch"
    );
    // The next epoch's values come after.
    inbox.event(&r, 2, ()).trigger(Counted(12, drops.clone()));
    assert_eq!(r.try_next(), Some(2));
    assert_eq!(value(inbox.pop_returned(&r)), Some(12));
}

#[test]
fn values_kept_over_several_cancels_come_out_oldest_first() {
    let r = Rendezvous::<usize>::new();
    let mut inbox = Inbox::<u32, ()>::new();
    for round in 0..3 {
        inbox.event(&r, round, ()).trigger(round as u32);
        inbox.event(&r, 100, ()).trigger(100);
        assert_eq!(r.try_next(), Some(round));
        r.cancel();
    }
    inbox.event(&r, 3, ()).trigger(3);
    assert_eq!(r.try_next(), Some(3));
    let popped: Vec<_> = std::iter::from_fn(|| inbox.pop_returned(&r)).collect();
    assert_eq!(popped, [(0, ()), (1, ()), (2, ()), (3, ())]);
}

#[test]
fn take_required_after_a_cancel_is_the_last_taken_value() {
    let r = Rendezvous::<()>::new();
    let mut inbox = Inbox::<u32, ()>::new();
    inbox.event(&r, (), ()).trigger(1);
    inbox.event(&r, (), ()).trigger(2);
    inbox.event(&r, (), ()).trigger(3);
    assert_eq!((r.try_next(), r.try_next()), (Some(()), Some(())));
    r.cancel();
    assert_eq!(inbox.take_required("n", &r), (2, ()));
}

#[test]
fn a_kept_value_is_its_own_rendezvous_only() {
    // One site, its events going to two rendezvous by turns.
    let a = Rendezvous::<&str>::new();
    let b = Rendezvous::<&str>::new();
    let mut inbox = Inbox::<&str, ()>::new();
    inbox.event(&a, "a", ()).trigger("of a");
    inbox.event(&b, "b", ()).trigger("of b");
    assert_eq!((a.try_next(), b.try_next()), (Some("a"), Some("b")));
    a.cancel();
    assert_eq!(inbox.pop_returned(&b), Some(("of b", ())));
    assert_eq!(inbox.pop_returned(&b), None);
    assert_eq!(inbox.pop_returned(&a), Some(("of a", ())));
}

#[test]
fn a_dropped_rendezvous_leaves_nothing_for_the_next() {
    let drops = Rc::new(Cell::new(0));
    let mut inbox = Inbox::<Counted, ()>::new();
    for round in 0..64 {
        let r = Rendezvous::<u32>::new();
        inbox
            .event(&r, round, ())
            .trigger(Counted(round, drops.clone()));
        assert_eq!(r.try_next(), Some(round));
        r.cancel();
        drop(r);
        // A new rendezvous (often at the dropped one's address) has no
        // value yet: the kept one was its predecessor's.
        let next = Rendezvous::<u32>::new();
        assert_eq!(value(inbox.pop_returned(&next)), None, "round {round}");
        assert_eq!(drops.get(), round + 1, "round {round}'s value went");
    }
}

#[test]
fn values_popped_after_cancels_are_dropped_once_and_nothing_piles_up() {
    let drops = Rc::new(Cell::new(0));
    let r = Rendezvous::<u32>::new();
    let mut inbox = Inbox::<Counted, ()>::new();
    for round in 0..1000 {
        inbox
            .event(&r, round, ())
            .trigger(Counted(round, drops.clone()));
        assert_eq!(r.try_next(), Some(round));
        r.cancel();
        assert_eq!(value(inbox.pop_returned(&r)), Some(round));
    }
    assert_eq!(drops.get(), 1000);
    drop(inbox);
    drop(r);
    assert_eq!(drops.get(), 1000);
}

#[test]
fn an_id_whose_drop_panics_leaves_no_value_to_the_next_rendezvous() {
    /// An id whose drop panics, for the one left queued.
    struct Id(bool);
    impl Drop for Id {
        fn drop(&mut self) {
            if self.0 && !std::thread::panicking() {
                panic!("the id's drop panics");
            }
        }
    }
    let mut inbox = Inbox::<&str, ()>::new();
    let r = Rendezvous::<Id>::new();
    inbox
        .event(&r, Id(false), ())
        .trigger("of the dropped rendezvous");
    assert!(r.try_next().is_some());
    inbox.event(&r, Id(true), ()).trigger("queued, not taken");
    let dropping = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(r)));
    assert!(dropping.is_err());
    // Whatever address the next rendezvous gets, the values are not its.
    for _ in 0..16 {
        let next = Rendezvous::<Id>::new();
        let mut other = Inbox::<u8, ()>::new();
        other.event(&next, Id(false), ()).trigger(0);
        assert!(next.try_next().is_some());
        assert_eq!(inbox.pop_returned(&next), None);
    }
}

#[test]
fn a_value_nobody_pops_does_not_hold_up_the_stale_ones_behind_it() {
    let drops = Rc::new(Cell::new(0));
    let mut inbox = Inbox::<Counted, ()>::new();
    // `a`'s taken value stays at the front: nobody pops it.
    let a = Rendezvous::<u32>::new();
    inbox.event(&a, 0, ()).trigger(Counted(0, drops.clone()));
    assert_eq!(a.try_next(), Some(0));
    a.cancel();
    // Another rendezvous' values whose ids never come out.
    let r = Rendezvous::<u32>::new();
    for round in 1..=100 {
        inbox
            .event(&r, round, ())
            .trigger(Counted(round, drops.clone()));
        r.cancel();
        assert_eq!(value(inbox.pop_returned(&r)), None);
        assert_eq!(drops.get(), round, "round {round}'s value went at once");
    }
    assert_eq!(value(inbox.pop_returned(&a)), Some(0));
}

#[test]
fn a_stale_value_whose_drop_panics_leaves_the_one_popped_in_place() {
    /// A value whose drop panics if told to.
    struct V(&'static str, bool);
    impl Drop for V {
        fn drop(&mut self) {
            if self.1 && !std::thread::panicking() {
                panic!("the value's drop panics");
            }
        }
    }
    let mut inbox = Inbox::<V, ()>::new();
    let gone = Rendezvous::<u32>::new();
    inbox.event(&gone, 0, ()).trigger(V("stale", true));
    drop(gone);
    let r = Rendezvous::<u32>::new();
    inbox.event(&r, 1, ()).trigger(V("taken", false));
    assert_eq!(r.try_next(), Some(1));
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        inbox.pop_returned(&r).map(|(v, ())| v.0)
    }));
    assert!(first.is_err(), "the stale value's drop panicked");
    assert_eq!(inbox.pop_returned(&r).map(|(v, ())| v.0), Some("taken"));
}
