//! The paper's figure 5: `add_timeout` as a `#[tamed]` function racing a
//! timer against the event on a rendezvous. The library's own is native
//! (one allocation, no task); this keeps the figure compiling and running,
//! and checks that both behave alike in every way the race can go.

use std::time::Duration;

use tame::task::Slot;
use tame::{mkevent, tamed, twait, Event, Rendezvous, Timeout};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Figure 5, in tame: the returned event is an event of a rendezvous that
/// `race` waits on, next to the timer's.
fn add_timeout_fig5<T: 'static>(dur: Duration, ev: Event<Result<T, Timeout>>) -> Event<T> {
    let r = Rendezvous::<bool>::new();
    let (value_ev, value) = r.event_with_slot(true);
    race(dur, ev, r, value);
    value_ev
}

/// Waits for whichever comes first: the caller's event (id `true`, its
/// value in `value`) or the timer (`false`).
#[tamed]
fn race<T: 'static>(
    dur: Duration,
    ev: Event<Result<T, Timeout>>,
    r: Rendezvous<bool>,
    value: Slot<T>,
) {
    tame::timer(dur, mkevent!(r, false));
    match twait!(r) {
        Some(true) => {
            if let Some(v) = value.take() {
                ev.trigger(Ok(v));
            }
            // Else the caller's event was dropped: so is `ev`.
        }
        Some(false) => ev.trigger(Err(Timeout)),
        None => {}
    }
    // Dropping `r` here cancels the loser: the timer stops counting as
    // armed, a late trigger of the caller's event is a no-op.
}

type AddTimeout = fn(Duration, Event<Result<u8, Timeout>>) -> Event<u8>;

const IMPLS: [(&str, AddTimeout); 2] = [
    ("figure 5", add_timeout_fig5::<u8>),
    ("native", tame::add_timeout::<u8>),
];

const HOUR: Duration = Duration::from_secs(3600);

/// What the caller's rendezvous saw: its id came back, and the value.
fn outcome(
    r: &Rendezvous<()>,
    slot: &Slot<Result<u8, Timeout>>,
) -> (Option<()>, Option<Result<u8, Timeout>>) {
    (r.try_next(), slot.take())
}

#[test]
fn the_event_wins_in_both() {
    for (name, add_timeout) in IMPLS {
        on_fresh_loop(move || {
            let r = Rendezvous::<()>::new();
            let (ev, slot) = r.event_with_slot(());
            add_timeout(HOUR, ev).trigger(5);
            // The hour-long timer must not keep run() going.
            tame::run();
            assert_eq!(outcome(&r, &slot), (Some(()), Some(Ok(5))), "{name}");
            assert_eq!(tame::__timer_entries(), 0, "{name}");
        });
    }
}

#[test]
fn the_time_runs_out_in_both() {
    for (name, add_timeout) in IMPLS {
        on_fresh_loop(move || {
            let r = Rendezvous::<()>::new();
            let (ev, slot) = r.event_with_slot(());
            let late = add_timeout(Duration::from_millis(2), ev);
            tame::run();
            assert_eq!(outcome(&r, &slot), (Some(()), Some(Err(Timeout))), "{name}");
            assert!(!late.is_live(), "{name}");
            late.trigger(9);
            tame::run();
            assert_eq!(
                outcome(&r, &slot),
                (None, None),
                "{name}: a late trigger is a no-op"
            );
        });
    }
}

#[test]
fn the_returned_event_dropped_drops_the_callers_in_both() {
    for (name, add_timeout) in IMPLS {
        on_fresh_loop(move || {
            let r = Rendezvous::<()>::new();
            let (ev, slot) = r.event_with_slot(());
            drop(add_timeout(HOUR, ev));
            tame::run();
            assert_eq!(outcome(&r, &slot), (Some(()), None), "{name}");
            assert_eq!(tame::__timer_entries(), 0, "{name}");
        });
    }
}

#[test]
fn a_tamed_caller_sees_the_same_in_both() {
    #[tamed]
    fn ask(add_timeout: AddTimeout, reply_after: Duration) -> Result<u8, Timeout> {
        let mut got: Result<u8, Timeout> = Err(Timeout);
        twait! {
            let reply = add_timeout(Duration::from_millis(20), mkevent!(got));
            tame::timer(reply_after, reply.map(|()| 42));
        }
        got
    }
    for (name, add_timeout) in IMPLS {
        on_fresh_loop(move || {
            let r = Rendezvous::<bool>::new();
            let (fast, fast_slot) = r.event_with_slot(true);
            let (slow, slow_slot) = r.event_with_slot(false);
            ask(add_timeout, Duration::from_millis(1), fast);
            ask(add_timeout, HOUR, slow);
            tame::run();
            assert_eq!(fast_slot.take(), Some(Ok(42)), "{name}");
            assert_eq!(slow_slot.take(), Some(Err(Timeout)), "{name}");
        });
    }
}
