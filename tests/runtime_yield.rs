//! `tame::asap` as a yield: a long computation that yields with
//! `twait! { tame::asap(mkevent!()); }` lets the loop's descriptors, clock
//! and timers through at each yield, not after a thousand queued items;
//! and a spawned future that wakes itself while polled yields the same way.

use std::cell::Cell;
use std::future::Future;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tame::io::Interest;
use tame::{mkevent, tamed, twait, Event};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Yields `n` times, counting each yield in `yields`, and stops early once
/// `until` is set.
#[tamed]
fn compute(n: u32, yields: Rc<Cell<u32>>, until: Rc<Cell<bool>>, done: Event) {
    let mut i = 0;
    while i < n && !until.get() {
        twait! { tame::asap(mkevent!()); }
        yields.set(yields.get() + 1);
        i += 1;
    }
    done.trigger(());
}

/// Records how many yields had happened when `ev` fired.
fn seen_after(yields: &Rc<Cell<u32>>, until: &Rc<Cell<bool>>) -> (Event, Rc<Cell<Option<u32>>>) {
    let at = Rc::new(Cell::new(None));
    let (yields, until, at2) = (yields.clone(), until.clone(), at.clone());
    let ev = Event::from_fn(move |v: Option<()>| {
        if v.is_some() {
            at2.set(Some(yields.get()));
            until.set(true);
        }
    });
    (ev, at)
}

/// Starts a computation of 5,000 yields, and an event that stops it and
/// records how many yields had happened when it fired.
fn computing_until_seen() -> (Event, Rc<Cell<Option<u32>>>) {
    let (yields, until) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
    compute(
        5000,
        yields.clone(),
        until.clone(),
        Event::from_fn(|_: Option<()>| {}),
    );
    seen_after(&yields, &until)
}

#[test]
fn a_due_timer_fires_at_the_next_yield() {
    on_fresh_loop(|| {
        tame::time::pause();
        let (ev, at) = computing_until_seen();
        tame::timer(Duration::ZERO, ev);
        tame::run();
        let at = at.get().expect("the timer fired");
        assert!(at <= 2, "the timer waited for {at} yields");
    });
}

#[test]
fn a_ready_descriptor_is_seen_at_the_next_yield() {
    on_fresh_loop(|| {
        let (a, mut b) = UnixStream::pair().unwrap();
        b.write_all(b"x").unwrap();
        let (ev, at) = computing_until_seen();
        tame::wait_on_fd(&a, Interest::Read, ev).unwrap();
        tame::run();
        let at = at.get().expect("the descriptor was seen");
        assert!(at <= 3, "readable was seen only after {at} yields");
    });
}

#[test]
fn a_ready_descriptor_is_seen_at_the_next_yield_when_the_loop_is_stepped() {
    on_fresh_loop(|| {
        let (a, mut b) = UnixStream::pair().unwrap();
        b.write_all(b"x").unwrap();
        let (ev, at) = computing_until_seen();
        tame::wait_on_fd(&a, Interest::Read, ev).unwrap();
        // A caller that steps the loop (another loop driving tame): each
        // call runs what yielded; the descriptor must get its turn too.
        let mut steps = 0;
        while at.get().is_none() && steps < 100 {
            tame::run_once(Some(Duration::from_millis(1)));
            steps += 1;
        }
        let at = at.get().expect("the descriptor was seen within 100 steps");
        assert!(at <= 3, "readable was seen only after {at} yields");
        while tame::run_once(None) {}
    });
}

#[test]
fn the_clock_moves_at_each_yield() {
    on_fresh_loop(|| {
        let readings = Rc::new(std::cell::RefCell::new(Vec::new()));
        read_between_yields(readings.clone());
        tame::run();
        let r = readings.borrow();
        assert_eq!(r.len(), 3);
        assert!(r[0] < r[1] && r[1] < r[2], "tame::now() stood still: {r:?}");
    });
}

/// Reads `tame::now()` three times, computing for a millisecond and
/// yielding between readings.
#[tamed]
fn read_between_yields(readings: Rc<std::cell::RefCell<Vec<Instant>>>) {
    let mut i = 0;
    while i < 3 {
        readings.borrow_mut().push(tame::now());
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(1) {
            std::hint::spin_loop();
        }
        twait! { tame::asap(mkevent!()); }
        i += 1;
    }
}

/// Computes for `stretch` at a time, yielding between stretches, counting
/// the stretches begun in `stretches`, until `until` is set.
#[tamed]
fn stretches_until(stretch: Duration, stretches: Rc<Cell<u32>>, until: Rc<Cell<bool>>) {
    while !until.get() {
        stretches.set(stretches.get() + 1);
        let start = Instant::now();
        while start.elapsed() < stretch {
            std::hint::spin_loop();
        }
        twait! { tame::asap(mkevent!()); }
    }
}

#[test]
fn a_timer_due_at_a_yield_fires_before_the_yielded_code_goes_on() {
    on_fresh_loop(|| {
        // The timer is due 1 ms after it is armed, in the middle of the
        // first 5 ms stretch: at the yield that ends it, not after the next.
        let (stretches, until) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
        let (ev, at) = seen_after(&stretches, &until);
        tame::timer(Duration::from_millis(1), ev);
        stretches_until(Duration::from_millis(5), stretches.clone(), until);
        tame::run();
        assert_eq!(
            at.get(),
            Some(1),
            "the timer fired after the stretch that followed its deadline"
        );
        assert_eq!(stretches.get(), 1);
    });
}

/// A future that wakes itself and returns `Pending` `n` times (a yield),
/// counting its polls, until `until` is set.
struct SelfWaking {
    n: u32,
    polls: Rc<Cell<u32>>,
    until: Rc<Cell<bool>>,
}

impl Future for SelfWaking {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.n == 0 || self.until.get() {
            return Poll::Ready(());
        }
        self.n -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn a_future_that_wakes_itself_lets_a_due_timer_fire() {
    on_fresh_loop(|| {
        tame::time::pause();
        let (polls, until) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
        let fut = SelfWaking {
            n: 5000,
            polls: polls.clone(),
            until: until.clone(),
        };
        tame::spawn(fut, Event::from_fn(|_: Option<()>| {}));
        let (ev, at) = seen_after(&polls, &until);
        tame::timer(Duration::ZERO, ev);
        tame::run();
        let at = at.get().expect("the timer fired");
        assert!(at <= 3, "the timer waited for {at} polls");
    });
}

/// Yields three times, counting in `done`.
#[tamed]
fn yield_three_times(done: Rc<Cell<u32>>) {
    for _ in 0..3 {
        twait! { tame::asap(mkevent!()); }
        done.set(done.get() + 1);
    }
}

#[test]
fn a_timer_that_panics_at_a_yield_leaves_the_yielded_function_to_run() {
    on_fresh_loop(|| {
        tame::time::pause();
        let done = Rc::new(Cell::new(0));
        // Due at the turn the function yields to: it fires first, and panics.
        tame::timer(
            Duration::ZERO,
            Event::from_fn(|_: Option<()>| panic!("boom")),
        );
        yield_three_times(done.clone());
        let caught = std::panic::catch_unwind(tame::run);
        assert!(caught.is_err());
        tame::run();
        assert_eq!(done.get(), 3, "the function that yielded was left behind");
        assert!(tame::blocked().is_empty());
    });
}
