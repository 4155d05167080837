//! `tame::stop()` and `tame::run_once()`: leaving the loop early with the
//! work kept, and driving it one turn at a time.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

type Log = Rc<RefCell<Vec<String>>>;

/// Ticks every 10 ms (of the paused clock) and stops the loop at every
/// third tick, with its own next tick still armed.
#[tamed]
fn ticker(log: Log) {
    let mut n = 0;
    loop {
        twait! { tame::timer(Duration::from_millis(10), mkevent!()); }
        n += 1;
        log.borrow_mut().push(format!("tick {n}"));
        if n % 3 == 0 {
            tame::stop();
        }
    }
}

#[test]
fn stop_from_inside_a_task_returns_from_run_and_keeps_the_work() {
    on_fresh_loop(|| {
        tame::time::pause();
        let log = Log::default();
        let hour = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(3600), hour.event(()));
        ticker(log.clone());
        tame::run();
        assert_eq!(*log.borrow(), ["tick 1", "tick 2", "tick 3"]);
        assert_eq!(tame::blocked().len(), 1, "the ticker still waits");
        assert_eq!(hour.pending(), 1, "the timer is still armed");

        // A later run() goes on where the first stopped, and stops again.
        tame::run();
        assert_eq!(log.borrow().len(), 6);
        // The ticker never ends by itself; dropping the hour's rendezvous
        // and stopping once more leaves the loop for good.
        drop(hour);
        tame::run();
        assert_eq!(log.borrow().len(), 9);
    });
}

#[test]
fn stop_before_run_stops_the_next_run_after_one_turn() {
    on_fresh_loop(|| {
        let r = Rendezvous::<u32>::new();
        tame::asap(r.event(1));
        tame::timer(Duration::from_secs(3600), r.event(2));
        tame::stop();
        tame::run();
        assert_eq!(r.try_next(), Some(1), "one turn ran");
        assert_eq!(r.pending(), 1);
    });
}

#[test]
fn run_once_runs_one_turn_and_says_whether_work_remains() {
    on_fresh_loop(|| {
        tame::time::pause();
        let r = Rendezvous::<&str>::new();
        tame::asap(r.event("asap"));
        tame::timer(Duration::from_millis(50), r.event("timer"));

        // The queued event runs; the timer is not due, and a zero timeout
        // does not wait for it.
        assert!(tame::run_once(Some(Duration::ZERO)));
        assert_eq!(r.try_next(), Some("asap"));
        assert_eq!(r.try_next(), None);

        // Without a timeout the turn waits for the timer (on the paused
        // clock: a jump) and runs it; nothing is left.
        assert!(!tame::run_once(None));
        assert_eq!(r.try_next(), Some("timer"));
        assert!(!tame::run_once(None), "an idle loop returns at once");
    });
}

#[test]
fn run_once_returns_false_for_a_turn_that_called_stop() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(3600), r.event(()));
        tame::asap(Event::from_fn(|_| tame::stop()));
        assert!(!tame::run_once(None));
        // The request was consumed by that turn.
        assert!(tame::run_once(Some(Duration::ZERO)));
        assert_eq!(r.pending(), 1);
    });
}

#[test]
#[should_panic(expected = "tame::run_once() called from inside a task or a callback the loop runs")]
fn run_once_from_inside_a_task_panics() {
    tame::asap(Event::from_fn(|_| {
        tame::run_once(Some(Duration::ZERO));
    }));
    tame::run();
}

/// `run_with` nested is refused in its own name, before it starts its
/// function (the function's start is not a side effect of the refusal).
#[test]
#[should_panic(expected = "tame::run_with() called from inside a task or a callback the loop runs")]
fn run_with_from_inside_a_task_panics_before_starting_its_function() {
    tame::asap(Event::from_fn(|_| {
        tame::run_with(|done: Event<u32>| {
            panic!("the function was started: {done:?}");
        });
    }));
    tame::run();
}

#[test]
fn a_run_once_turn_waits_past_readiness_that_nothing_waited_for() {
    on_fresh_loop(|| {
        // A read pending on a fresh socket: epoll reports the socket
        // writable at once (edge-triggered, every kind registered), which
        // no wait here wants. The turn must go on waiting, for the timer.
        let (a, _b) = tame::net::UnixStream::pair().unwrap();
        let reads = Rendezvous::<()>::new();
        let (ev, _got) = reads.event_with_slot::<(Vec<u8>, std::io::Result<usize>)>(());
        a.read(Vec::new(), ev);
        let timers = Rendezvous::<&str>::new();
        tame::timer(Duration::from_millis(20), timers.event("timer"));
        assert!(tame::run_once(Some(Duration::from_secs(60))));
        assert_eq!(
            timers.try_next(),
            Some("timer"),
            "the turn ended before the timer fired"
        );
        assert_eq!(reads.queued(), 0, "the read is still waiting");
        drop(a);
    });
}

/// Gives 7 after a 100 ms nap.
#[tamed]
fn nap_then_seven() -> u8 {
    twait! { tame::timer(Duration::from_millis(100), mkevent!()); }
    7
}

#[test]
fn a_run_once_turn_runs_the_task_its_timer_woke_and_waits_only_when_nothing_ran() {
    on_fresh_loop(|| {
        tame::time::pause();
        let start = tame::now();
        // Something else keeps the loop waiting: a timer an hour away.
        let hour = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(3600), hour.event(()));
        let got = Rc::new(RefCell::new(None));
        let g = got.clone();
        nap_then_seven(Event::from_fn(move |v| *g.borrow_mut() = v));
        // Turns until the value is there (the wheel may wake the loop on
        // its way to the timer): the turn in which the nap's timer fires
        // also runs the task it woke, which delivers the value. (The task
        // ran a turn later, and that turn went on to wait towards the hour.)
        while got.borrow().is_none() {
            assert!(tame::run_once(None));
        }
        assert_eq!(*got.borrow(), Some(7));
        assert_eq!(tame::now() - start, Duration::from_millis(100));
        // A turn in which something was ready does not wait afterwards.
        tame::asap(Event::from_fn(|_| {}));
        assert!(tame::run_once(None));
        assert_eq!(tame::now() - start, Duration::from_millis(100), "no wait");
        hour.cancel();
    });
}

#[test]
fn a_stop_asked_in_a_run_that_a_panic_ended_does_not_stop_the_next() {
    on_fresh_loop(|| {
        tame::asap(Event::from_fn(|_: Option<()>| {
            tame::stop();
            panic!("a panic after the stop");
        }));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(tame::run));
        assert!(outcome.is_err());
        // The next run goes on until nothing is left: the timer fires.
        let fired = Rc::new(Cell::new(false));
        let f = fired.clone();
        tame::timer(
            Duration::from_millis(5),
            Event::from_fn(move |_: Option<()>| f.set(true)),
        );
        tame::run();
        assert!(fired.get());
    });
}

#[test]
fn a_stop_asked_outside_the_loop_is_taken_by_the_next_run_once() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(3600), r.event(()));
        tame::stop();
        assert!(!tame::run_once(Some(Duration::ZERO)), "stopped");
        assert!(tame::run_once(Some(Duration::ZERO)), "taken: work remains");
        assert_eq!(r.pending(), 1);
    });
}

/// Counts its drops.
struct Dropped(Rc<Cell<u32>>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[tamed]
fn five_later(drops: Rc<Cell<u32>>) -> u32 {
    let _held = Dropped(drops);
    twait! { tame::timer(Duration::from_millis(10), mkevent!()); }
    5
}

/// `run_with` stopped before its value came: `None`, and its function,
/// whose event went with `run_with`, is cancelled on the next turn (as a
/// tokio `block_on`'s future is dropped), not left to finish.
#[test]
fn run_with_stopped_before_its_value_returns_none_and_its_function_is_cancelled() {
    on_fresh_loop(|| {
        tame::time::pause();
        let drops = Rc::new(Cell::new(0));
        tame::asap(Event::from_fn(|_| tame::stop()));
        let got = tame::run_with(|done| five_later(drops.clone(), done));
        assert_eq!((got, drops.get()), (None, 0));
        assert!(!tame::run_once(Some(Duration::ZERO)), "nothing left");
        assert_eq!(drops.get(), 1, "cancelled: its variables dropped");
    });
}

/// `run_until` returns the value as soon as it comes, with the rest of
/// the work left where it was (a ticker still ticking), which a later
/// `run_once` goes on with.
#[test]
fn run_until_returns_with_the_value_and_leaves_the_rest() {
    on_fresh_loop(|| {
        tame::time::pause();
        let log: Log = Rc::default();
        ticker(log.clone());
        let drops = Rc::new(Cell::new(0));
        let got = tame::run_until(|done| five_later(drops.clone(), done));
        assert_eq!((got, drops.get()), (Some(5), 1));
        assert_eq!(*log.borrow(), ["tick 1"], "ticked once in the 10 ms");
        assert!(tame::run_once(None), "the ticker is still armed");
        assert_eq!(*log.borrow(), ["tick 1", "tick 2"]);
    });
}

/// `run_until` with a value triggered while its function starts returns
/// it without a turn of the loop; with an event dropped untriggered, or
/// a function that waits on what nothing will ever do, `None`.
#[test]
fn run_until_at_once_and_without_a_value() {
    on_fresh_loop(|| {
        let ran = Rc::new(Cell::new(false));
        let r = ran.clone();
        tame::asap(Event::from_fn(move |_| r.set(true)));
        assert_eq!(tame::run_until(|done: Event<u32>| done.trigger(7)), Some(7));
        assert_eq!(tame::run_until(|done: Event<u32>| drop(done)), None);
        assert!(!ran.get(), "no turn ran");
        let never = Rendezvous::<()>::new();
        let kept = never.event(());
        assert_eq!(
            tame::run_until(|done| stuck(never, done)),
            None,
            "deadlocked"
        );
        assert!(ran.get(), "a turn ran while it waited");
        drop(kept);
    });
}

/// Waits on `r`, whose only event its caller keeps untriggered.
#[tamed]
fn stuck(r: Rendezvous<()>) -> u32 {
    twait!(r);
    1
}

/// `run_until` stopped before its value came: `None`, and its function
/// is cancelled on the next turn, as with `run_with`.
#[test]
fn run_until_stopped_before_its_value_returns_none_and_its_function_is_cancelled() {
    on_fresh_loop(|| {
        tame::time::pause();
        let drops = Rc::new(Cell::new(0));
        tame::asap(Event::from_fn(|_| tame::stop()));
        let got = tame::run_until(|done| five_later(drops.clone(), done));
        assert_eq!((got, drops.get()), (None, 0));
        assert!(!tame::run_once(Some(Duration::ZERO)), "nothing left");
        assert_eq!(drops.get(), 1, "cancelled: its variables dropped");
    });
}
