//! The timer toolkit: `Timer::reset`/`reset_at` (a timer moved to a new
//! deadline, keeping its event: the idle timeout), `time::Interval`
//! (periodic ticks, with a policy for missed ones) and `time::sleep`
//! (the timer as a future, for async code on the loop).
//!
//! Every test runs on virtual time (`pause`/`advance`) under a watchdog of
//! a few seconds and asserts the virtual time at which things fired, so no
//! assertion depends on the speed of the machine.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::time::{Interval, MissedTicks, Timer};
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;

/// Runs `f` on a fresh loop with its clock paused, failing if it takes more
/// than five seconds of wall time (it stands for minutes of virtual time).
fn virtual_test(f: impl FnOnce() + Send + 'static) {
    watchdog::on_fresh_loop_within(Duration::from_secs(5), || {
        tame::time::pause();
        f();
    });
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// What fired, and when (virtual seconds since the log's start).
#[derive(Clone)]
struct Log {
    start: Instant,
    seen: Rc<RefCell<Vec<(&'static str, u64)>>>,
}

impl Log {
    fn new() -> Log {
        Log {
            start: tame::now(),
            seen: Rc::default(),
        }
    }

    /// An event that records `what` at the loop's time when triggered (and
    /// nothing when dropped untriggered).
    fn event(&self, what: &'static str) -> Event {
        let log = self.clone();
        Event::from_fn(move |v: Option<()>| {
            if v.is_some() {
                log.seen.borrow_mut().push((what, log.elapsed()));
            }
        })
    }

    fn elapsed(&self) -> u64 {
        let d = tame::now() - self.start;
        assert_eq!(d.subsec_nanos(), 0, "whole seconds only: {d:?}");
        d.as_secs()
    }

    fn seen(&self) -> Vec<(&'static str, u64)> {
        self.seen.borrow().clone()
    }
}

// ---- Timer::reset ----

#[test]
fn a_timer_reset_later_fires_at_the_new_deadline_not_the_old_one() {
    virtual_test(|| {
        let log = Log::new();
        let mut t = Timer::after(secs(10), log.event("timer"));
        // A probe at the old deadline: the timer has not fired by then.
        tame::timer(secs(10), log.event("old deadline"));
        assert!(t.reset(secs(30)));
        assert!(t.is_armed());
        tame::run();
        assert_eq!(log.seen(), [("old deadline", 10), ("timer", 30)]);
        assert_eq!(log.elapsed(), 30);
    });
}

#[test]
fn a_timer_reset_earlier_fires_then_and_leaves_nothing_at_the_old_deadline() {
    virtual_test(|| {
        let log = Log::new();
        let mut t = Timer::after(secs(3600), log.event("timer"));
        tame::time::advance(secs(2));
        // Counted from the time of the reset, not of the arming.
        assert!(t.reset(secs(5)));
        tame::run();
        assert_eq!(log.seen(), [("timer", 7)]);
        // run() returned at 7 s: no entry was left to wait for at an hour.
        assert_eq!(log.elapsed(), 7);
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn reset_at_moves_a_timer_to_an_instant() {
    virtual_test(|| {
        let log = Log::new();
        let mut t = Timer::at(log.start + secs(50), log.event("timer"));
        assert!(t.reset_at(log.start + secs(20)));
        tame::run();
        assert_eq!(log.seen(), [("timer", 20)]);
    });
}

#[test]
fn a_timer_reset_into_the_past_fires_on_the_next_turn() {
    virtual_test(|| {
        let log = Log::new();
        let mut t = Timer::after(secs(60), log.event("timer"));
        tame::time::advance(secs(5));
        assert!(t.reset_at(log.start + secs(1)));
        assert!(log.seen().is_empty(), "not fired from inside reset");
        tame::run();
        assert_eq!(log.seen(), [("timer", 5)]);
    });
}

#[test]
fn resetting_a_fired_or_dead_timer_returns_false_and_arms_nothing() {
    virtual_test(|| {
        let log = Log::new();
        // Fired.
        let mut fired = Timer::after(secs(1), log.event("fired"));
        tame::run();
        assert!(!fired.reset(secs(10)));
        assert!(!fired.reset_at(tame::now() + secs(10)));
        assert!(!fired.is_armed());

        // Cancelled by its event's death (its rendezvous cancelled).
        let r = Rendezvous::<()>::new();
        let mut dead = Timer::after(secs(10), r.event(()));
        r.cancel();
        assert!(!dead.reset(secs(10)));
        assert!(!dead.is_armed());

        // Armed with an event that was dead already: never armed.
        let r = Rendezvous::<()>::new();
        let ev = r.event(());
        r.cancel();
        let mut never = Timer::after(secs(10), ev);
        assert!(!never.reset(secs(10)));

        assert_eq!(tame::__timer_entries(), 0, "no reset armed anything");
        tame::run(); // nothing to wait for: no time passes
        assert_eq!(log.seen(), [("fired", 1)]);
        assert_eq!(log.elapsed(), 1);
    });
}

#[test]
fn timers_fire_in_deadline_order_after_resets() {
    virtual_test(|| {
        let log = Log::new();
        let mut a = Timer::after(secs(10), log.event("a"));
        let mut b = Timer::after(secs(20), log.event("b"));
        let mut c = Timer::after(secs(30), log.event("c"));
        let mut d = Timer::after(secs(40), log.event("d"));
        let mut e = Timer::after(secs(5000), log.event("e"));
        tame::timer(secs(25), log.event("plain"));
        assert!(a.reset(secs(45))); // later, past the others
        assert!(e.reset(secs(5))); // from far away to first
        assert!(c.reset(secs(30))); // where it was
        assert!(b.reset(secs(60)));
        assert!(b.reset(secs(15))); // twice: the last reset counts
        assert!(d.reset(secs(45))); // ties with `a`, armed before `d`
        tame::run();
        assert_eq!(
            log.seen(),
            [
                ("e", 5),
                ("b", 15),
                ("plain", 25),
                ("c", 30),
                ("a", 45),
                ("d", 45),
            ]
        );
        assert_eq!(log.elapsed(), 45);
    });
}

#[test]
fn a_timer_reset_by_a_callback_in_the_turn_it_falls_due_fires_at_its_new_deadline() {
    virtual_test(|| {
        let log = Log::new();
        let idle: Rc<RefCell<Option<Timer>>> = Rc::default();
        // Armed first, so it fires first in the turn at 10 s in which
        // `idle` is due too (collected into the same batch), and pushes
        // `idle` back before its turn in the batch comes.
        let i = idle.clone();
        let activity = log.event("activity");
        let push_back = Event::from_fn(move |v: Option<()>| {
            if v.is_some() {
                activity.trigger(());
                let pushed = i.borrow_mut().as_mut().unwrap().reset(secs(10));
                assert!(pushed, "still armed: it had not fired yet");
            }
        });
        tame::timer(secs(10), push_back);
        *idle.borrow_mut() = Some(Timer::after(secs(10), log.event("idle")));
        tame::run();
        assert_eq!(log.seen(), [("activity", 10), ("idle", 20)]);
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn resets_never_add_timer_entries() {
    virtual_test(|| {
        let fired = Rc::new(Cell::new(0));
        let count = |fired: &Rc<Cell<u32>>| {
            let fired = fired.clone();
            Event::from_fn(move |v: Option<()>| fired.set(fired.get() + u32::from(v.is_some())))
        };
        let mut timers: Vec<Timer> = (0..100)
            .map(|i| Timer::after(secs(1000 + i), count(&fired)))
            .collect();
        for round in 0..200u64 {
            for (i, t) in timers.iter_mut().enumerate() {
                // Earlier and later, across the wheel's levels.
                let dur = Duration::from_millis((round * 7919 + i as u64 * 104_729) % 10_000_000);
                assert!(t.reset(dur + secs(1)));
            }
            assert_eq!(tame::__timer_entries(), 100, "round {round}");
        }
        // Cancelling a moved timer frees its entry, as any cancel does.
        assert!(timers.pop().unwrap().cancel());
        assert_eq!(tame::__timer_entries(), 99);
        for t in timers {
            t.detach();
        }
        tame::run();
        assert_eq!(fired.get(), 99);
        assert_eq!(tame::__timer_entries(), 0);
    });
}

/// What woke a connection.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Wake {
    Activity,
    Idle,
}

/// A connection that goes idle after `quiet` with no activity; activity
/// arrives at the given instants (seconds). Returns how much activity it
/// served and when (seconds) it went idle.
#[tamed]
fn connection(quiet: Duration, activity_at: Vec<u64>) -> (u32, u64) {
    let start = tame::now();
    let r = Rendezvous::<Wake>::new();
    let mut idle = Timer::after(quiet, r.event(Wake::Idle));
    for &s in &activity_at {
        tame::timer(secs(s), r.event(Wake::Activity));
    }
    let mut served = 0;
    while let Some(Wake::Activity) = twait!(r) {
        served += 1;
        assert!(idle.reset(quiet), "activity came before the idle timeout");
    }
    (served, (tame::now() - start).as_secs())
}

#[test]
fn an_idle_timeout_fires_only_after_a_quiet_period() {
    virtual_test(|| {
        let start = tame::now();
        // Gaps of 4, 5, 8 and 9 s keep a 10 s idle timeout at bay; the gap
        // of 14 s after 26 s does not: idle at 36 s, before the activity
        // at 40 s (whose timer goes with the connection's rendezvous).
        let activity = vec![4, 9, 17, 26, 40];
        let got = tame::run_with(|done| connection(secs(10), activity, done));
        assert_eq!(got, Some((4, 36)));
        assert_eq!(tame::now() - start, secs(36), "nothing left to wait for");
        assert_eq!(tame::__timer_entries(), 0);
    });
}

#[test]
fn an_idle_timeout_with_no_activity_fires_after_one_quiet_period() {
    virtual_test(|| {
        let got = tame::run_with(|done| connection(secs(10), vec![], done));
        assert_eq!(got, Some((0, 10)));
    });
}

// ---- Interval ----

/// Runs `every.tick` `n` times, each waited for in turn; returns when each
/// tick fired (seconds since `start`).
fn ticks(every: &mut Interval, start: Instant, n: usize) -> Vec<u64> {
    (0..n)
        .map(|_| {
            let r = Rendezvous::<()>::new();
            every.tick(r.event(()));
            tame::run();
            assert_eq!(r.try_next(), Some(()), "the tick fired");
            (tame::now() - start).as_secs()
        })
        .collect()
}

#[test]
fn an_interval_first_ticks_one_period_from_now_then_every_period() {
    virtual_test(|| {
        let start = tame::now();
        let mut every = Interval::new(secs(3));
        assert_eq!(ticks(&mut every, start, 4), [3, 6, 9, 12]);
        assert_eq!(every.period(), secs(3));
    });
}

#[test]
fn an_interval_started_now_ticks_at_once_first() {
    virtual_test(|| {
        let start = tame::now();
        let mut every = Interval::at(start, secs(3));
        assert_eq!(ticks(&mut every, start, 3), [0, 3, 6]);
        let mut later = Interval::at(start + secs(100), secs(3));
        assert_eq!(ticks(&mut later, start, 2), [100, 103]);
    });
}

/// Ticks `n` times in a tamed function, as a program does.
#[tamed]
fn tick_n_times(period: Duration, n: usize) -> Vec<u64> {
    let start = tame::now();
    let mut every = Interval::new(period);
    let mut at = Vec::new();
    while at.len() < n {
        twait! { every.tick(mkevent!()); }
        at.push((tame::now() - start).as_secs());
    }
    at
}

#[test]
fn an_interval_ticks_in_a_tamed_function() {
    virtual_test(|| {
        let at = tame::run_with(|done| tick_n_times(secs(60), 5, done));
        assert_eq!(at.unwrap(), [60, 120, 180, 240, 300]);
    });
}

#[test]
fn missed_ticks_are_skipped_by_default_keeping_the_schedule() {
    virtual_test(|| {
        let start = tame::now();
        let mut every = Interval::new(secs(10));
        assert_eq!(every.missed_ticks(), MissedTicks::Skip);
        assert_eq!(ticks(&mut every, start, 1), [10]);
        // A stall of 35 s: the ticks of 20, 30 and 40 s are missed.
        tame::time::advance(secs(35));
        assert_eq!(ticks(&mut every, start, 3), [50, 60, 70]);
        // A tick due exactly now has not passed: it fires now.
        tame::time::advance(secs(10));
        assert_eq!(ticks(&mut every, start, 2), [80, 90]);
    });
}

#[test]
fn missed_ticks_burst_until_caught_up_when_asked() {
    virtual_test(|| {
        let start = tame::now();
        let mut every = Interval::new(secs(10));
        every.set_missed_ticks(MissedTicks::Burst);
        assert_eq!(every.missed_ticks(), MissedTicks::Burst);
        assert_eq!(ticks(&mut every, start, 1), [10]);
        tame::time::advance(secs(35));
        // 20, 30 and 40 s fire at once at 45 s, then the schedule goes on.
        assert_eq!(ticks(&mut every, start, 5), [45, 45, 45, 50, 60]);
    });
}

#[test]
fn an_interval_started_in_the_past_skips_to_the_schedule_or_bursts() {
    virtual_test(|| {
        let start = tame::now();
        tame::time::advance(secs(25));
        let mut skip = Interval::at(start, secs(10));
        assert_eq!(ticks(&mut skip, start, 2), [30, 40]);

        // 25 s into a schedule: the ticks of 0, 10 and 20 s at once.
        let from = tame::now() - secs(25);
        let mut burst = Interval::at(from, secs(10));
        burst.set_missed_ticks(MissedTicks::Burst);
        assert_eq!(ticks(&mut burst, from, 4), [25, 25, 25, 30]);
    });
}

#[test]
fn resetting_an_interval_moves_its_pending_tick_and_the_schedule() {
    virtual_test(|| {
        let start = tame::now();
        let mut every = Interval::new(secs(10));
        let r = Rendezvous::<&str>::new();
        every.tick(r.event("first"));
        tame::time::advance(secs(7));
        every.reset(); // the pending tick, due at 10 s, now due at 17 s
        assert_eq!(tame::__timer_entries(), 1, "moved, not re-armed");
        tame::run();
        assert_eq!(r.try_next(), Some("first"));
        assert_eq!(tame::now() - start, secs(17));
        assert_eq!(ticks(&mut every, start, 2), [27, 37]);
    });
}

#[test]
fn resetting_an_interval_with_no_tick_pending_sets_the_next_one() {
    virtual_test(|| {
        let start = tame::now();
        let mut every = Interval::new(secs(10));
        assert_eq!(ticks(&mut every, start, 1), [10]);
        tame::time::advance(secs(3));
        every.reset();
        assert_eq!(ticks(&mut every, start, 2), [23, 33]);
    });
}

#[test]
fn a_second_tick_disarms_the_pending_one_and_a_dropped_interval_lets_its_tick_fire() {
    virtual_test(|| {
        let start = tame::now();
        let r = Rendezvous::<&str>::new();
        let mut every = Interval::new(secs(10));
        every.tick(r.event("replaced"));
        every.tick(r.event("second"));
        // The first tick's event came back untriggered at once; one timer.
        assert_eq!(r.try_next(), Some("replaced"));
        assert_eq!(tame::__timer_entries(), 1);
        tame::run();
        assert_eq!(r.try_next(), Some("second"));
        assert_eq!(tame::now() - start, secs(10), "the replaced tick's time");

        every.tick(r.event("dropped"));
        drop(every);
        assert_eq!(tame::__timer_entries(), 1);
        tame::run();
        assert_eq!(r.try_next(), Some("dropped"));
        assert_eq!(tame::now() - start, secs(20), "fired when it was due");
    });
}

#[test]
fn a_tick_whose_event_died_unfired_leaves_its_time_to_the_next() {
    virtual_test(|| {
        let start = tame::now();
        let mut every = Interval::new(secs(10));
        let gave_up = Rendezvous::<()>::new();
        every.tick(gave_up.event(()));
        tame::time::advance(secs(4));
        drop(gave_up); // disarmed at once, unfired
        assert_eq!(tame::__timer_entries(), 0);
        // Also a tick armed with a dead event: nothing armed, nothing spent.
        let dead = Rendezvous::<()>::new();
        let ev = dead.event(());
        dead.cancel();
        every.tick(ev);
        assert_eq!(tame::__timer_entries(), 0);
        assert_eq!(ticks(&mut every, start, 3), [10, 20, 30]);
    });
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Round {
    Tick,
    Msg,
}

/// Each round waits for the interval's tick or the next message, whichever
/// comes first, on a rendezvous of its own (the loser's event dies with
/// it), for `span`; returns when the ticks came (ms since the start).
#[tamed]
fn ticks_among_messages(
    period: Duration,
    ch: tame::sync::Channel<u32>,
    span: Duration,
) -> Vec<u64> {
    let start = tame::now();
    let mut every = Interval::new(period);
    let mut at = Vec::new();
    while tame::now() - start < span {
        let r = Rendezvous::<Round>::new();
        let mut msg = 0;
        every.tick(mkevent!(r, Round::Tick));
        ch.recv(mkevent!(r, Round::Msg, msg));
        if twait!(r) == Some(Round::Tick) {
            at.push((tame::now() - start).as_millis() as u64);
        }
    }
    at
}

/// Sends a message every `every`, `n` of them.
#[tamed]
fn send_every(every: Duration, n: u32, ch: tame::sync::Channel<u32>) {
    for i in 0..n {
        twait! { tame::timer(every, mkevent!()); }
        ch.send(i);
    }
}

#[test]
fn an_interval_raced_each_round_against_more_frequent_messages_keeps_its_schedule() {
    virtual_test(|| {
        let ch = tame::sync::Channel::new();
        // A message every 30 ms, a tick every 100 ms, for 1 s: most rounds
        // end with a message, the tick's event dying with the round.
        send_every(Duration::from_millis(30), 40, ch.clone());
        let (period, span) = (Duration::from_millis(100), Duration::from_secs(1));
        let at = tame::run_with(|done| ticks_among_messages(period, ch, span, done));
        let expected: Vec<u64> = (1..=10).map(|k| k * 100).collect();
        assert_eq!(at.unwrap(), expected);
    });
}

#[test]
fn a_tick_that_comes_in_the_same_turn_as_the_winning_message_is_not_lost() {
    virtual_test(|| {
        let ch = tame::sync::Channel::new();
        // Messages sent by timers armed up front: at 300, 600 and 900 ms a
        // message and a tick come back in one turn, the message first
        // (its timer was armed first). The round takes the message and
        // drops its rendezvous with the tick's id in it: the tick was
        // never seen, and must come again (tokio: "no tick consumed").
        for i in 1..=40u32 {
            let ch = ch.clone();
            tame::timer(
                Duration::from_millis(30 * u64::from(i)),
                Event::from_fn(move |v: Option<()>| {
                    if v.is_some() {
                        ch.send(i);
                    }
                }),
            );
        }
        let (period, span) = (Duration::from_millis(100), Duration::from_secs(1));
        let at = tame::run_with(|done| ticks_among_messages(period, ch, span, done));
        let expected: Vec<u64> = (1..=10).map(|k| k * 100).collect();
        assert_eq!(at.unwrap(), expected);
    });
}

/// A tamed function may drop a receiver at the wait its operation was
/// started for, when nothing uses it after (it cannot tell `&mut self`
/// from `self`): the tick still comes, when it is due.
#[tamed]
fn one_tick() -> Duration {
    let start = tame::now();
    let mut every = Interval::new(secs(5));
    twait! { every.tick(mkevent!()); }
    tame::now() - start
}

#[test]
fn an_interval_not_used_after_its_tick_still_waits_for_it() {
    virtual_test(|| {
        assert_eq!(tame::run_with(one_tick), Some(secs(5)));
    });
}

#[test]
fn an_interval_tick_whose_rendezvous_is_cancelled_stops_keeping_run_alive() {
    virtual_test(|| {
        let start = tame::now();
        let r = Rendezvous::<()>::new();
        let mut every = Interval::new(secs(3600));
        every.tick(r.event(()));
        assert_eq!(tame::__timer_entries(), 1);
        r.cancel();
        assert_eq!(tame::__timer_entries(), 0, "disarmed at once");
        tame::run();
        assert_eq!(tame::now(), start, "run() did not wait for the hour");
        drop(every);
    });
}

/// Counts ticks for as long as it is let (a million ticks: in practice,
/// until it is cancelled).
#[tamed]
fn tick_forever(period: Duration, count: Rc<Cell<u32>>, done: Event) {
    let mut every = Interval::new(period);
    while count.get() < 1_000_000 {
        twait! { every.tick(mkevent!()); }
        count.set(count.get() + 1);
    }
    done.trigger(());
}

#[test]
fn a_ticking_function_whose_caller_gives_up_stops_keeping_run_alive() {
    virtual_test(|| {
        let start = tame::now();
        let count = Rc::new(Cell::new(0));
        let r = Rc::new(Rendezvous::<()>::new());
        tick_forever(secs(10), count.clone(), r.event(()));
        let give_up = r.clone();
        tame::timer(secs(35), Event::from_fn(move |_| give_up.cancel()));
        tame::run();
        assert_eq!(count.get(), 3, "ticks at 10, 20 and 30 s");
        assert_eq!(tame::now() - start, secs(35), "not one tick more");
        assert_eq!(tame::__timer_entries(), 0);
        assert!(tame::blocked().is_empty());
    });
}

#[test]
#[should_panic(expected = "period must not be zero")]
fn an_interval_of_no_time_panics() {
    let _ = Interval::new(Duration::ZERO);
}

#[test]
fn an_interval_of_the_longest_period_does_not_overflow() {
    virtual_test(|| {
        let r = Rendezvous::<()>::new();
        let mut never = Interval::new(Duration::MAX);
        never.tick(r.event(()));
        assert_eq!(tame::__timer_entries(), 1);
        drop(never);
        assert_eq!(tame::__timer_entries(), 1, "its tick is still pending");
        drop(r);
        assert_eq!(tame::__timer_entries(), 0, "nobody waits for the tick");
    });
}

#[test]
fn sleep_is_ready_at_its_deadline_in_order_and_not_before() {
    virtual_test(|| {
        let start = tame::now();
        let woke = Rc::new(RefCell::new(Vec::new()));
        for (name, after) in [("long", secs(30)), ("short", secs(2))] {
            let woke = woke.clone();
            tame::spawn(
                async move {
                    tame::time::sleep(after).await;
                    woke.borrow_mut().push((name, tame::now() - start));
                },
                Event::detached(),
            );
        }
        let deadline = start + secs(10);
        let w = woke.clone();
        tame::spawn(
            async move {
                tame::time::sleep_until(deadline).await;
                w.borrow_mut().push(("until", tame::now() - start));
            },
            Event::detached(),
        );
        tame::run();
        let woke = woke.borrow();
        let names: Vec<&str> = woke.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["short", "until", "long"]);
        for ((_, at), want) in woke.iter().zip([secs(2), secs(10), secs(30)]) {
            assert!(
                *at >= want && *at < want + Duration::from_millis(5),
                "{at:?} for {want:?}"
            );
        }
    });
}

#[test]
fn a_sleep_dropped_before_its_deadline_cancels_its_timer() {
    watchdog::on_fresh_loop(|| {
        // On the real clock: were the hour's timer still armed, `run` would
        // wait for it (and the watchdog fail the test).
        let nap = tame::time::sleep(Duration::from_secs(3600));
        drop(nap);
        let r = Rendezvous::<()>::new();
        tame::timer(Duration::from_millis(1), r.event(()));
        tame::run();
        assert_eq!(r.try_next(), Some(()));
    });
}

#[test]
fn a_sleep_polled_again_after_it_was_ready_is_ready_again() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    /// Polls its sleep once more after it was ready, as a `select!` loop
    /// over `&mut sleep` may.
    struct Twice(tame::time::Sleep, bool);
    impl Future for Twice {
        type Output = bool;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
            let again = self.1;
            match Pin::new(&mut self.0).poll(cx) {
                Poll::Ready(()) if again => Poll::Ready(true),
                Poll::Ready(()) => {
                    self.1 = true;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Poll::Pending => Poll::Pending,
            }
        }
    }
    virtual_test(|| {
        let got = tame::run_with(|done| {
            tame::spawn(Twice(tame::time::sleep(secs(1)), false), done);
        });
        assert_eq!(got, Some(true));
    });
}
