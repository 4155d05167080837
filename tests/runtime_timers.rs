//! Timers and `asap`: deadline order, cancelled timers that neither keep
//! `run()` waiting nor keep memory, `asap` after the tasks already queued.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use tame::task::{self, TwaitSite};
use tame::{Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

#[test]
fn timers_fire_in_deadline_order_and_ties_in_arming_order() {
    let r = Rendezvous::<u32>::new();
    let base = Instant::now();
    for (id, ms) in [(0, 5), (1, 1), (2, 3), (3, 1), (4, 0), (5, 3)] {
        tame::timer_at(base + Duration::from_millis(ms), r.event(id));
    }
    tame::run();
    let ids: Vec<u32> = std::iter::from_fn(|| r.try_next()).collect();
    assert_eq!(ids, [4, 1, 3, 2, 5, 0]);
    assert!(base.elapsed() >= Duration::from_millis(5));
}

#[test]
fn hundred_thousand_timers_half_cancelled_survivors_fire_in_deadline_order() {
    on_fresh_loop(|| {
        const N: u64 = 50_000;
        let base = Instant::now();
        let live = Rendezvous::<u64>::new();
        let dead = Rendezvous::<u64>::new();
        for i in 0..N {
            // A permutation of 0..N: deadlines are armed out of order, spread
            // over 50 ms, all distinct.
            let k = (i * 7919) % N;
            tame::timer_at(base + Duration::from_micros(k), live.event(k));
            tame::timer(Duration::from_secs(3600), dead.event(k));
        }
        assert_eq!(tame::__timer_entries(), 2 * N as usize);
        assert_eq!(dead.pending(), N as usize);
        dead.cancel();
        assert_eq!(dead.pending(), 0);
        // The cancelled timers are an hour away; run() must not wait for
        // them (on_fresh_loop fails the test if it does).
        tame::run();
        let fired: Vec<u64> = std::iter::from_fn(|| live.try_next()).collect();
        assert_eq!(fired.len(), N as usize);
        assert!(
            fired.iter().copied().eq(0..N),
            "survivors in deadline order"
        );
        assert_eq!(dead.try_next(), None);
        assert_eq!(tame::__timer_entries(), 0, "cancelled entries are freed");
    });
}

#[test]
fn timer_of_a_dropped_rendezvous_does_not_keep_run_waiting() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(3600), r.event(()));
        drop(r);
        tame::run();
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn timer_of_a_dropped_event_future_does_not_keep_run_waiting() {
    on_fresh_loop(|| {
        let (ev, fut) = tame::event_future::<()>();
        tame::timer(Duration::from_secs(3600), ev);
        drop(fut);
        tame::run();
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn timer_cancelled_from_inside_the_loop_stops_counting_as_armed() {
    on_fresh_loop(|| {
        let slow = Rc::new(Rendezvous::<&str>::new());
        tame::timer(Duration::from_secs(3600), slow.event("slow"));
        let s = slow.clone();
        tame::timer(
            Duration::from_millis(1),
            Event::from_fn(move |_| s.cancel()),
        );
        tame::run();
        assert_eq!(slow.try_next(), None);
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn live_timer_behind_many_cancelled_ones_still_fires() {
    on_fresh_loop(|| {
        let dead = Rendezvous::<()>::new();
        for _ in 0..1000 {
            tame::timer(Duration::from_millis(1), dead.event(()));
        }
        dead.cancel();
        let live = Rendezvous::<&str>::new();
        tame::timer(Duration::from_millis(2), live.event("live"));
        tame::run();
        assert_eq!(live.try_next(), Some("live"));
    });
}

#[test]
fn timer_armed_while_timers_fire_waits_for_the_next_turn() {
    // Regression: a timer armed (already due) by a timer's callback fired in
    // the same pass, so a chain of them kept the loop to itself: what the
    // callbacks queued (here an `asap` each) ran only after the whole chain,
    // or never, for an endless chain. A pass over the due timers fires the
    // links armed before it only; a turn has two (at its start, before what
    // yielded to it comes back, and after its ready work), and what a link
    // yields runs on the next turn, before that turn's second pass.
    fn timer_chain(t: Trace, left: u32, at: Instant) {
        tame::timer_at(
            at,
            Event::from_fn(move |_| {
                log(&t, format!("t{left}"));
                let t2 = t.clone();
                tame::asap(Event::from_fn(move |_| log(&t2, format!("x{left}"))));
                if left > 0 {
                    timer_chain(t, left - 1, at);
                }
            }),
        );
    }
    let t: Trace = Rc::default();
    timer_chain(t.clone(), 3, Instant::now() - Duration::from_secs(1));
    tame::run();
    assert_eq!(
        *t.borrow(),
        ["t3", "t2", "x3", "t1", "t0", "x2", "x1", "x0"],
        "one link of the chain per pass"
    );
}

#[test]
fn cancelled_timers_drop_their_events_outside_the_loop_borrow() {
    // Regression (from the heap's sweep): dead entries were dropped under
    // the loop's borrow of its timers, and a dead event's rendezvous id is
    // user code: an id whose Drop arms a timer panicked with "already
    // mutably borrowed". Now a cancelled timer's entry goes when the death
    // is reported (at once for the rendezvous' first watch, on the next
    // turn for the others), its event dropped with no borrow held.
    struct ArmsOnDrop(Rc<RefCell<u32>>);
    impl Drop for ArmsOnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() += 1;
            tame::timer(Duration::ZERO, Event::from_fn(|_| ()));
        }
    }
    on_fresh_loop(|| {
        let dropped = Rc::new(RefCell::new(0));
        let dead = Rendezvous::<ArmsOnDrop>::new();
        for _ in 0..5000 {
            tame::timer(
                Duration::from_secs(3600),
                dead.event(ArmsOnDrop(dropped.clone())),
            );
        }
        dead.cancel();
        assert!(*dropped.borrow() > 0, "dropped when cancelled");
        tame::run();
        assert_eq!(*dropped.borrow(), 5000);
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn asap_triggers_after_the_tasks_already_queued() {
    static SITE: TwaitSite = TwaitSite::new("queued", file!(), line!());
    let t: Trace = Rc::default();
    let held: Rc<RefCell<Vec<Event>>> = Rc::default();
    for name in ["x", "y"] {
        let (h, t2) = (held.clone(), t.clone());
        let mut started = false;
        task::start("queued", move |cx| {
            if !started {
                started = true;
                h.borrow_mut().push(cx.join_event());
            }
            if cx.wait_join(&SITE).is_pending() {
                return Poll::Pending;
            }
            log(&t2, name);
            Poll::Ready(())
        });
    }
    // Both tasks are queued now; the asap event goes behind them.
    for ev in held.borrow_mut().drain(..) {
        ev.trigger(());
    }
    let t2 = t.clone();
    tame::asap(Event::from_fn(move |v: Option<()>| {
        log(&t2, format!("asap {v:?}"))
    }));
    assert!(t.borrow().is_empty(), "asap never triggers at once");
    tame::run();
    assert_eq!(*t.borrow(), ["x", "y", "asap Some(())"]);
}

#[test]
fn tasks_yielding_with_asap_take_turns() {
    static SITE: TwaitSite = TwaitSite::new("yielder", file!(), line!());
    let t: Trace = Rc::default();
    for name in ["a", "b"] {
        let t2 = t.clone();
        let mut round = 0;
        let mut waiting = false;
        task::start("yielder", move |cx| loop {
            if waiting {
                if cx.wait_join(&SITE).is_pending() {
                    return Poll::Pending;
                }
                waiting = false;
            }
            log(&t2, format!("{name}{round}"));
            round += 1;
            if round == 3 {
                return Poll::Ready(());
            }
            tame::asap(cx.join_event());
            waiting = true;
        });
    }
    tame::run();
    assert_eq!(*t.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn timer_at_a_past_instant_fires_on_the_next_turn() {
    let r = Rendezvous::<()>::new();
    tame::timer_at(Instant::now() - Duration::from_secs(1), r.event(()));
    assert_eq!(r.try_next(), None);
    tame::run();
    assert_eq!(r.try_next(), Some(()));
}

#[test]
fn timer_entry_size() {
    let size = tame::__timer_entry_size();
    println!("timer entry: {size} bytes");
    assert!(
        size <= 48,
        "a timer entry is a deadline, a sequence number and an event"
    );
}

#[test]
fn timer_with_a_mapped_event_of_a_cancelled_rendezvous_stops_counting_as_armed() {
    // Regression: `Event::map` wrapped the event in a callback, which is
    // always live, so a timer armed with it kept run() waiting after its
    // rendezvous was cancelled.
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<u8>(());
        let mapped: Event<()> = ev.map(|()| 1);
        assert!(mapped.is_live());
        tame::timer(Duration::from_secs(3600), mapped);
        r.cancel();
        tame::run();
        assert_eq!(tame::__timer_entries(), 0);
        assert_eq!(slot.take(), None);
        // And a live mapped event still delivers.
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<u8>(());
        tame::timer(Duration::ZERO, ev.map(|()| 7));
        tame::run();
        assert_eq!((r.try_next(), slot.take()), (Some(()), Some(7)));
    });
}
