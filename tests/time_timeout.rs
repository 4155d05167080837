//! The native `add_timeout` and `with_timeout` (and their `*_then`
//! variants): each way the race can go, what is released when, and that
//! nothing keeps `run()` waiting.

use std::cell::Cell;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::Duration;

use tame::sync::Channel;
use tame::time::{add_timeout_then, with_timeout_then};
use tame::{add_timeout, with_timeout, Event, Interest, Rendezvous, Timeout};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn the_event_wins_ok_and_the_timer_is_disarmed_at_once() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<Result<u8, Timeout>>(());
        let wrapped = add_timeout(HOUR, ev);
        assert_eq!(tame::__timer_entries(), 1);
        wrapped.trigger(7);
        assert_eq!(
            tame::__timer_entries(),
            0,
            "unlinked when the race was decided"
        );
        assert_eq!(slot.take(), Some(Ok(7)));
        tame::run(); // nothing left: returns at once (the watchdog says so)
    });
}

#[test]
fn the_time_runs_out_err_timeout_and_a_late_trigger_is_a_no_op() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<Result<u8, Timeout>>(());
        let wrapped = add_timeout(Duration::from_millis(2), ev);
        assert!(wrapped.is_live());
        tame::run();
        assert_eq!((r.try_next(), slot.take()), (Some(()), Some(Err(Timeout))));
        assert!(!wrapped.is_live(), "dead once the time ran out");
        wrapped.trigger(1);
        assert_eq!((r.try_next(), slot.take()), (None, None));
    });
}

#[test]
fn dropping_the_returned_event_drops_the_callers_untriggered_and_disarms() {
    on_fresh_loop(|| {
        let r = Rendezvous::<&str>::new();
        let (ev, slot) = r.event_with_slot::<Result<u8, Timeout>>("dropped");
        drop(add_timeout(HOUR, ev));
        assert_eq!(tame::__timer_entries(), 0);
        assert_eq!(r.try_next(), Some("dropped"));
        assert_eq!(slot.take(), None);
        tame::run();
    });
}

#[test]
fn cancelling_the_callers_rendezvous_releases_the_timer_at_once() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (ev, _slot) = r.event_with_slot::<Result<u8, Timeout>>(());
        let wrapped = add_timeout(HOUR, ev);
        r.cancel();
        assert_eq!(tame::__timer_entries(), 0, "freed when cancelled");
        assert!(!wrapped.is_live());
        // The hour-long timer is gone: run() returns at once.
        tame::run();
        drop(wrapped);
    });
}

#[test]
fn a_dead_event_is_not_armed() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (ev, _slot) = r.event_with_slot::<Result<u8, Timeout>>(());
        r.cancel();
        let wrapped = add_timeout(HOUR, ev);
        assert_eq!(tame::__timer_entries(), 0);
        assert!(!wrapped.is_live());
        tame::run();
    });
}

#[test]
fn a_timed_out_fd_wait_is_dropped_not_left_parked() {
    // add_timeout around a read that never completes: once the time runs
    // out, the loop drops the parked wait (its event is dead), so run()
    // returns and nothing is left counted.
    on_fresh_loop(|| {
        let (a, _b) = UnixStream::pair().unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<Result<(), Timeout>>(());
        tame::wait_on_fd(
            &a,
            Interest::Read,
            add_timeout(Duration::from_millis(2), ev),
        )
        .unwrap();
        assert_eq!(tame::__live_waits(), 1);
        tame::run();
        assert_eq!(slot.take(), Some(Err(Timeout)));
        assert_eq!(tame::__live_waits(), 0);
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn an_fd_wait_that_completes_in_time_disarms_the_timeout() {
    on_fresh_loop(|| {
        let (a, mut b) = UnixStream::pair().unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<Result<(), Timeout>>(());
        tame::wait_on_fd(&a, Interest::Read, add_timeout(HOUR, ev)).unwrap();
        b.write_all(b"x").unwrap();
        tame::run(); // the hour-long timer does not hold it
        assert_eq!(slot.take(), Some(Ok(())));
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn cancelling_the_callers_rendezvous_releases_a_wrapped_fd_wait_and_its_timer() {
    on_fresh_loop(|| {
        let (a, _b) = UnixStream::pair().unwrap();
        let r = Rc::new(Rendezvous::<()>::new());
        let (ev, _slot) = r.event_with_slot::<Result<(), Timeout>>(());
        tame::wait_on_fd(&a, Interest::Read, add_timeout(HOUR, ev)).unwrap();
        let r2 = r.clone();
        tame::asap(Event::from_fn(move |_| r2.cancel()));
        tame::run(); // neither the wait nor the hour keeps it
        assert_eq!(tame::__live_waits(), 0);
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn with_timeout_forwards_or_drops() {
    on_fresh_loop(|| {
        let r = Rendezvous::<&str>::new();
        let (fast, fast_slot) = r.event_with_slot::<u8>("fast");
        let (slow, slow_slot) = r.event_with_slot::<u8>("slow");
        with_timeout(HOUR, fast).trigger(1);
        let late = with_timeout(Duration::from_millis(2), slow);
        tame::run();
        assert_eq!(r.try_next(), Some("fast"));
        assert_eq!(r.try_next(), Some("slow")); // dropped: reports its id
        assert_eq!((fast_slot.take(), slow_slot.take()), (Some(1), None));
        late.trigger(2); // too late
        assert_eq!(slow_slot.take(), None);
    });
}

#[test]
fn the_then_action_runs_only_when_the_time_runs_out() {
    on_fresh_loop(|| {
        let runs = Rc::new(Cell::new(0));

        // Times out: the action runs, before the caller's event gets its
        // Err (its rendezvous has nothing back yet when the action runs).
        let timing_out = Rc::new(Rendezvous::<()>::new());
        let (ev, slot) = timing_out.event_with_slot::<Result<(), Timeout>>(());
        let (n, t) = (runs.clone(), timing_out.clone());
        let timed_out = add_timeout_then(Duration::from_millis(1), ev, move || {
            assert_eq!(t.queued(), 0, "the action runs first");
            n.set(n.get() + 1);
        });

        // Wins, is dropped, or its caller dies: no action.
        let r = Rendezvous::<()>::new();
        let (ev, _) = r.event_with_slot::<Result<(), Timeout>>(());
        let n = runs.clone();
        add_timeout_then(HOUR, ev, move || n.set(n.get() + 10)).trigger(());
        let (ev, _) = r.event_with_slot::<u8>(());
        let n = runs.clone();
        drop(with_timeout_then(HOUR, ev, move || n.set(n.get() + 100)));
        let dead = Rendezvous::<()>::new();
        let (ev, _) = dead.event_with_slot::<u8>(());
        let n = runs.clone();
        let orphan = with_timeout_then(Duration::from_millis(1), ev, move || n.set(n.get() + 1000));
        dead.cancel();

        tame::run();
        assert_eq!(runs.get(), 1);
        assert_eq!(slot.take(), Some(Err(Timeout)));
        assert_eq!(timing_out.try_next(), Some(()));
        drop((timed_out, orphan));
    });
}

#[test]
fn a_million_decided_timeouts_leave_no_timer_behind() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        for i in 0..1_000_000u32 {
            let (ev, slot) = r.event_with_slot::<Result<u32, Timeout>>(());
            if i % 2 == 0 {
                add_timeout(HOUR, ev).trigger(i);
            } else {
                drop(add_timeout(HOUR, ev));
            }
            assert_eq!(r.try_next(), Some(()));
            assert_eq!(slot.take(), (i % 2 == 0).then_some(Ok(i)));
        }
        assert_eq!(tame::__timer_entries(), 0);
        tame::run();
    });
}

#[test]
fn timeouts_inside_timeouts_unwind_in_order() {
    on_fresh_loop(|| {
        let r = Rendezvous::<&str>::new();
        let (ev, slot) = r.event_with_slot::<Result<Result<u8, Timeout>, Timeout>>("outer");
        // The inner deadline (2 ms) comes first; the outer one (an hour)
        // is disarmed when the inner delivers its Err.
        let inner = add_timeout(Duration::from_millis(2), add_timeout(HOUR, ev));
        tame::run();
        assert_eq!(r.try_next(), Some("outer"));
        assert_eq!(slot.take(), Some(Ok(Err(Timeout))));
        assert_eq!(tame::__timer_entries(), 0);
        drop(inner);
    });
}

/// An operation (a tamed function whose own timer ends it) raced against a
/// deadline, after the loop was held up past both: both timers come due
/// in one turn. The operation's was due first, so it wins, as tokio's
/// `timeout` polls its future before looking at the deadline.
#[test]
fn an_operation_due_before_its_deadline_wins_though_both_come_due_in_one_turn() {
    #[tame::tamed]
    fn op(after: Duration, done: Event<u32>) {
        tame::twait! { tame::timer(after, tame::mkevent!()); }
        done.trigger(42);
    }

    for (op_ms, deadline_ms) in [(2, 10), (9, 10), (10, 10)] {
        on_fresh_loop(move || {
            tame::time::pause();
            let r = Rendezvous::<()>::new();
            let (ev, slot) = r.event_with_slot::<Result<u32, Timeout>>(());
            // The deadline is armed first: on a tie it comes first in the
            // batch too.
            let wrapped = add_timeout(Duration::from_millis(deadline_ms), ev);
            op(Duration::from_millis(op_ms), wrapped);
            // The loop was busy elsewhere: by its next turn both are due.
            tame::time::advance(Duration::from_millis(20));
            tame::run();
            assert_eq!(
                slot.take(),
                Some(Ok(42)),
                "op at {op_ms} ms, deadline at {deadline_ms} ms"
            );
        });
    }
}

/// The same, with the operation's end passed up through tamed functions
/// that call one another (the one whose timer ends it wakes its caller,
/// which triggers the event under the deadline): each is queued behind the
/// settling of the deadline, which looked only once and timed the
/// operation out. tokio polls the whole chain before its deadline.
#[test]
fn an_operation_due_before_its_deadline_wins_through_tamed_callers_too() {
    #[tame::tamed]
    fn op(after: Duration) -> u32 {
        tame::twait! { tame::timer(after, tame::mkevent!()); }
        42
    }
    #[tame::tamed]
    fn up(depth: u32, after: Duration) -> u32 {
        let mut v = 0;
        if depth == 0 {
            tame::twait! { op(after, tame::mkevent!(v)); }
        } else {
            tame::twait! { up(depth - 1, after, tame::mkevent!(v)); }
        }
        v
    }

    for depth in [0, 1, 4] {
        for (op_ms, deadline_ms) in [(2, 10), (10, 10)] {
            on_fresh_loop(move || {
                tame::time::pause();
                let r = Rendezvous::<()>::new();
                let (ev, slot) = r.event_with_slot::<Result<u32, Timeout>>(());
                let wrapped = add_timeout(Duration::from_millis(deadline_ms), ev);
                up(depth, Duration::from_millis(op_ms), wrapped);
                tame::time::advance(Duration::from_millis(20));
                tame::run();
                assert_eq!(
                    slot.take(),
                    Some(Ok(42)),
                    "{depth} callers up, op at {op_ms} ms, deadline at {deadline_ms} ms"
                );
            });
        }
    }
}

/// A deadline whose settling finds the turn busy with work that goes on
/// and on (two tasks handing a count back and forth through channels,
/// each hand-off queued in the same turn) still times out while that work
/// goes on: the turn's budget ends the settling's wait.
#[test]
fn a_settling_deadline_is_not_held_off_by_a_turn_that_never_empties() {
    #[tame::tamed]
    fn pass_on(mine: Channel<u32>, theirs: Channel<u32>, left: Rc<Cell<u32>>) {
        loop {
            let mut n = 0;
            tame::twait! { mine.recv(tame::mkevent!(n)); }
            left.set(n);
            if n == 0 {
                break;
            }
            theirs.send(n - 1);
        }
    }
    on_fresh_loop(|| {
        let (a, b) = (Channel::new(), Channel::new());
        let left = Rc::new(Cell::new(u32::MAX));
        pass_on(a.clone(), b.clone(), left.clone());
        pass_on(b.clone(), a.clone(), left.clone());
        let at_timeout = Rc::new(Cell::new(None));
        let seen = (at_timeout.clone(), left.clone());
        let _never = add_timeout(
            Duration::from_millis(1),
            Event::from_fn(move |res: Option<Result<(), Timeout>>| {
                assert_eq!(res, Some(Err(Timeout)));
                seen.0.set(Some(seen.1.get()));
            }),
        );
        a.send(2_000_000);
        tame::run();
        let left_then = at_timeout.get().expect("the deadline fired");
        assert!(left_then > 0, "it waited for the hand-offs to end");
        assert_eq!(left.get(), 0);
    });
}

#[test]
fn a_deadline_due_alone_still_times_out_and_runs_its_action_once() {
    on_fresh_loop(|| {
        tame::time::pause();
        let ran = Rc::new(Cell::new(0));
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<Result<u32, Timeout>>(());
        let counted = ran.clone();
        let wrapped = add_timeout_then(Duration::from_millis(10), ev, move || {
            counted.set(counted.get() + 1);
        });
        // The operation's timer is due a turn after the deadline's.
        tame::timer(Duration::from_millis(30), wrapped.map(|()| 42));
        tame::time::advance(Duration::from_millis(20));
        tame::run();
        assert_eq!((slot.take(), ran.get()), (Some(Err(Timeout)), 1));
    });
}

#[test]
fn a_panicking_action_still_times_the_callers_event_out() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<Result<u8, Timeout>>(());
        let wrapped = add_timeout_then(Duration::from_millis(1), ev, || {
            panic!("the action panics");
        });
        let err = std::panic::catch_unwind(tame::run).unwrap_err();
        let msg = err
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| err.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(msg.contains("the action panics"), "{msg}");
        // The caller got its time-out, not an untriggered drop.
        assert_eq!(slot.take(), Some(Err(Timeout)));
        assert_eq!(r.try_next(), Some(()));
        assert!(!wrapped.is_live());
        tame::run(); // nothing left
    });
}

/// Turns of the loop until `n` timeouts due together have all timed out.
fn turns_to_time_out(n: usize) -> usize {
    tame::time::pause();
    let r = Rendezvous::<()>::new();
    let mut slots = Vec::new();
    let mut held = Vec::new();
    for _ in 0..n {
        let (ev, slot) = r.event_with_slot::<Result<u32, Timeout>>(());
        held.push(add_timeout(Duration::from_millis(5), ev));
        slots.push(slot);
    }
    tame::time::advance(Duration::from_millis(5));
    let mut turns = 0;
    while !slots.iter().all(|s| s.is_back()) {
        assert!(turns < 100, "{n} timeouts never timed out");
        tame::run_once(Some(Duration::ZERO));
        turns += 1;
    }
    for s in &slots {
        assert_eq!(s.take(), Some(Err(Timeout)));
    }
    drop(held);
    tame::time::resume();
    turns
}

/// Timeouts due at one deadline settle together, in as many turns as one
/// alone: each settling went behind the others queued in its turn, round
/// and round until the turn's budget (1,024 runs) was spent, and they
/// timed out only in the turn after.
#[test]
fn timeouts_due_together_settle_in_the_turns_one_takes() {
    on_fresh_loop(|| {
        let one = turns_to_time_out(1);
        assert_eq!(turns_to_time_out(3), one);
        assert_eq!(turns_to_time_out(100), one);
    });
}
