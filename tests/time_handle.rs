//! `tame::Timer`: a timer that its handle cancels. Cancelling disarms the
//! entry at once (no memory held, nothing for `run()` to wait for) and hands
//! the event back untriggered; a timer that fired or lost its event is no
//! longer armed; `detach` lets it fire.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use tame::{mkevent, tamed, twait, Event, Rendezvous, Timer};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

const HOUR: Duration = Duration::from_secs(3600);

/// An event that records what it was given (`Some(())` if triggered,
/// `None` if dropped).
fn recorder() -> (Event, Rc<Cell<Option<Option<()>>>>) {
    let seen = Rc::new(Cell::new(None));
    let s = seen.clone();
    (Event::from_fn(move |v| s.set(Some(v))), seen)
}

#[test]
fn dropping_the_handle_disarms_the_timer_and_hands_the_event_back() {
    on_fresh_loop(|| {
        let (ev, seen) = recorder();
        let t = Timer::after(HOUR, ev);
        assert!(t.is_armed());
        assert_eq!(tame::__timer_entries(), 1);
        drop(t);
        assert_eq!(tame::__timer_entries(), 0, "unlinked when dropped");
        assert_eq!(seen.get(), Some(None), "handed back untriggered");
        tame::run(); // nothing to wait for (the watchdog says if it did)
    });
}

#[test]
fn cancel_says_whether_the_timer_was_still_armed() {
    on_fresh_loop(|| {
        let (ev, seen) = recorder();
        let t = Timer::after(Duration::from_millis(1), ev);
        tame::run();
        assert_eq!(seen.get(), Some(Some(())), "it fired");
        assert!(!t.is_armed());
        assert!(!t.cancel(), "a timer that fired cannot be cancelled");

        let (ev, seen) = recorder();
        let t = Timer::after(HOUR, ev);
        assert!(t.cancel());
        assert_eq!(seen.get(), Some(None));
    });
}

#[test]
fn a_detached_timer_fires_without_its_handle() {
    on_fresh_loop(|| {
        let (ev, seen) = recorder();
        Timer::after(Duration::from_millis(1), ev).detach();
        assert_eq!(tame::__timer_entries(), 1);
        tame::run();
        assert_eq!(seen.get(), Some(Some(())));
    });
}

#[test]
fn a_timer_whose_event_dies_is_disarmed_and_its_handle_knows() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let t = Timer::after(HOUR, r.event(()));
        drop(r);
        assert!(!t.is_armed());
        assert_eq!(tame::__timer_entries(), 0);
        assert!(!t.cancel());

        // Armed with an event already dead: not armed at all.
        let r = Rendezvous::<()>::new();
        let ev = r.event(());
        r.cancel();
        assert!(!Timer::after(HOUR, ev).is_armed());
    });
}

#[test]
fn every_timer_of_a_cancelled_rendezvous_is_disarmed_at_once() {
    on_fresh_loop(|| {
        // Many timers on one rendezvous (all but the first are watched
        // beyond its inline watch), and one behind an fd wait.
        let (a, _b) = tame::io::pipe().unwrap();
        let r = Rendezvous::<u32>::new();
        a.readable(r.event_with_slot(0).0);
        let mut timers: Vec<Timer> = (1..=1000).map(|i| Timer::after(HOUR, r.event(i))).collect();
        assert_eq!(tame::__timer_entries(), 1000);
        r.cancel();
        assert!(timers.iter().all(|t| !t.is_armed()));
        assert_eq!(tame::__timer_entries(), 0, "their memory goes with them");
        assert!(!timers.pop().unwrap().cancel());
    });
}

#[test]
fn a_handle_cancels_the_right_timer_among_many_and_after_the_slab_compacts() {
    on_fresh_loop(|| {
        let r = Rendezvous::<usize>::new();
        let mut handles: Vec<Option<Timer>> = (0..5_000)
            .map(|i| {
                Some(Timer::after(
                    HOUR + Duration::from_millis(i as u64),
                    r.event(i),
                ))
            })
            .collect();
        // Cancel all but every 1000th, in a scrambled order, so that the
        // slab compacts with live handles out.
        for k in 0..5_000 {
            let i = (k * 7_919) % 5_000;
            if i % 1_000 != 0 {
                assert!(handles[i].take().unwrap().cancel(), "timer {i}");
            }
        }
        assert_eq!(tame::__timer_entries(), 5);
        // Drained: the cancelled timers' ids came back (dropped events of a
        // rendezvous still report their ids).
        assert_eq!(std::iter::from_fn(|| r.try_next()).count(), 4_995);
        // One turn of the loop: it compacts the slab, now 5 armed entries in
        // 5,000, moving the survivors.
        tame::run_once(Some(Duration::ZERO));
        // Cancel the survivor 2000 after the compaction; the others fire.
        assert!(handles[2_000].take().unwrap().cancel());
        assert_eq!(r.try_next(), Some(2_000));
        for h in handles.into_iter().flatten() {
            h.detach();
        }
        tame::time::pause();
        tame::run();
        tame::time::resume();
        let fired: Vec<usize> = std::iter::from_fn(|| r.try_next()).collect();
        assert_eq!(fired, [0, 1_000, 3_000, 4_000]);
    });
}

/// Arms a 30 s timer with one of its `twait!` block's events and cancels it
/// in the same block: the block is over at once.
#[tamed]
fn changes_its_mind(done: Event) {
    twait! { Timer::after(Duration::from_secs(30), mkevent!()).cancel(); }
    done.trigger(());
}

#[test]
fn a_cancelled_timer_of_a_twait_block_counts_as_back() {
    on_fresh_loop(|| {
        let (ev, seen) = recorder();
        changes_its_mind(ev);
        assert_eq!(seen.get(), Some(Some(())), "done without yielding");
        assert!(tame::blocked().is_empty());
    });
}
