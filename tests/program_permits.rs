//! A permit pool and a rate limiter, written as a user would: the pool is
//! a struct in an `Rc` with `#[tamed]` methods taking `self: Rc<Self>` and
//! returning values; waiters are served first come, first served (a waiter
//! that gave up is skipped); a permit is a guard held across twaits and
//! released where its scope ends: at the end of a loop iteration, at a
//! `return`, at a `?`, or in a callee it was moved into.

#![deny(warnings)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::{mkevent, tamed, twait, Event};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

type Log = Rc<RefCell<Vec<String>>>;

fn log(log: &Log, what: impl Into<String>) {
    log.borrow_mut().push(what.into());
}

// ---------------------------------------------------------------- the pool

struct Pool {
    size: usize,
    free: Cell<usize>,
    queue: RefCell<VecDeque<(&'static str, Event<Permit>)>>,
    issued: Cell<u32>,
    log: Log,
}

/// The right to use one of the pool's slots; given back on drop.
struct Permit {
    pool: Rc<Pool>,
    id: u32,
    holder: &'static str,
}

#[derive(Debug, PartialEq)]
struct Busy(&'static str);

impl Pool {
    fn new(size: usize, log: &Log) -> Rc<Pool> {
        Rc::new(Pool {
            size,
            free: Cell::new(size),
            queue: RefCell::new(VecDeque::new()),
            issued: Cell::new(0),
            log: log.clone(),
        })
    }

    fn held(&self) -> usize {
        self.size - self.free.get()
    }

    fn issue(self: &Rc<Self>, holder: &'static str) -> Permit {
        self.issued.set(self.issued.get() + 1);
        let permit = Permit {
            pool: self.clone(),
            id: self.issued.get(),
            holder,
        };
        log(&self.log, format!("{holder} gets #{}", permit.id));
        permit
    }

    /// `ev` gets a permit as soon as one is free and everybody who asked
    /// before was served.
    fn request(self: &Rc<Self>, who: &'static str, ev: Event<Permit>) {
        if self.free.get() > 0 && self.queue.borrow().is_empty() {
            self.free.set(self.free.get() - 1);
            ev.trigger(self.issue(who));
        } else {
            self.queue.borrow_mut().push_back((who, ev));
        }
    }

    /// A permit was given back: to the first waiter still waiting.
    fn release(self: &Rc<Self>) {
        loop {
            let next = self.queue.borrow_mut().pop_front();
            match next {
                Some((who, ev)) if ev.is_live() => {
                    ev.trigger(self.issue(who));
                    return;
                }
                Some((who, _gave_up)) => log(&self.log, format!("skip {who}")),
                None => break,
            }
        }
        self.free.set(self.free.get() + 1);
    }

    /// Waits for a permit.
    #[tamed]
    fn acquire(self: Rc<Self>, who: &'static str) -> Permit {
        let permit;
        twait! { self.request(who, mkevent!(permit)); }
        assert!(self.held() <= self.size);
        permit
    }

    /// Waits for a permit at most `limit`.
    #[tamed]
    fn acquire_within(self: Rc<Self>, who: &'static str, limit: Duration) -> Result<Permit, Busy> {
        let got;
        twait! { self.request(who, tame::add_timeout(limit, mkevent!(got))); }
        let permit = got.map_err(|_| Busy(who))?;
        Ok(permit)
    }

    /// Two permits at once, for work that needs both (or neither).
    #[tamed]
    fn acquire_two(self: Rc<Self>, who: &'static str) -> (Permit, Permit) {
        let (first, second);
        twait! {
            self.clone().acquire(who, mkevent!(first));
            self.clone().acquire(who, mkevent!(second));
        }
        (first, second)
    }
}

impl Permit {
    fn note(&self, what: &str) {
        log(
            &self.pool.log,
            format!("{} #{} {what}", self.holder, self.id),
        );
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        log(
            &self.pool.log,
            format!("{} releases #{}", self.holder, self.id),
        );
        self.pool.release();
    }
}

/// Logs `begin x` now and `end x` when dropped.
struct Span {
    name: String,
    log: Log,
}

impl Span {
    fn new(log: &Log, name: String) -> Span {
        self::log(log, format!("begin {name}"));
        Span {
            name,
            log: log.clone(),
        }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        log(&self.log, format!("end {}", self.name));
    }
}

// ---------------------------------------------------------------- workers

/// Runs `jobs` jobs, each under a permit; how many ran.
#[tamed]
fn worker(pool: Rc<Pool>, who: &'static str, jobs: u32) -> u32 {
    let mut ran = 0;
    for job in 0..jobs {
        let permit;
        twait! { pool.clone().acquire(who, mkevent!(permit)); }
        let _span = Span::new(&pool.log, format!("{who} job {job}"));
        permit.note("works");
        twait! { tame::asap(mkevent!()); }
        ran += 1;
    }
    ran
}

#[derive(Debug, PartialEq)]
enum JobError {
    Busy(&'static str),
    Failed(u32),
}

impl From<Busy> for JobError {
    fn from(b: Busy) -> JobError {
        JobError::Busy(b.0)
    }
}

fn check(job: u32, fail_at: Option<u32>) -> Result<u32, JobError> {
    match fail_at {
        Some(f) if f == job => Err(JobError::Failed(job)),
        _ => Ok(job * 10),
    }
}

/// Like `worker`, but gives up when no permit comes within `limit`, and
/// stops at the job that fails; the permit is released either way.
#[tamed]
fn careful_worker(
    pool: Rc<Pool>,
    who: &'static str,
    jobs: u32,
    limit: Duration,
    fail_at: Option<u32>,
) -> Result<u32, JobError> {
    let mut total = 0;
    for job in 0..jobs {
        let got;
        twait! { pool.clone().acquire_within(who, limit, mkevent!(got)); }
        let permit = got?;
        permit.note("works");
        twait! { tame::asap(mkevent!()); }
        total += check(job, fail_at)?;
        if total > 1000 {
            return Ok(total);
        }
    }
    Ok(total)
}

/// Holds a permit for `dur`.
#[tamed]
fn hold_for(pool: Rc<Pool>, who: &'static str, dur: Duration) {
    let permit;
    twait! { pool.acquire(who, mkevent!(permit)); }
    twait! { tame::timer(dur, mkevent!()); }
    permit.note("held");
}

/// Takes over a permit: it is released when this function ends.
#[tamed]
fn finish_with(permit: Permit, steps: u32) {
    for step in 0..steps {
        twait! { tame::asap(mkevent!()); }
        permit.note(&format!("step {step}"));
    }
}

/// Gets two permits, hands one to `finish_with` and keeps the other.
#[tamed]
fn split_work(pool: Rc<Pool>, who: &'static str) -> u32 {
    let pair;
    twait! { pool.clone().acquire_two(who, mkevent!(pair)); }
    let (mine, theirs) = pair;
    let handed = theirs.id;
    finish_with(theirs, 2);
    twait! { tame::asap(mkevent!()); }
    mine.note("done");
    handed
}

// ---------------------------------------------------------------- the rate limiter

/// At most one start per `interval`.
struct Throttle {
    interval: Duration,
    next: Cell<Option<Instant>>,
}

impl Throttle {
    /// Waits for this caller's turn; the instant of the turn.
    #[tamed]
    fn turn(self: Rc<Self>) -> Instant {
        let now = tame::now();
        let at = match self.next.get() {
            Some(next) if next > now => next,
            _ => now,
        };
        self.next.set(Some(at + self.interval));
        if at > now {
            twait! { tame::timer_at(at, mkevent!()); }
        }
        assert!(tame::now() >= at, "started before its turn");
        at
    }
}

/// `n` throttled starts; their turns.
#[tamed]
fn throttled(throttle: Rc<Throttle>, n: usize) -> Vec<Instant> {
    let mut starts = Vec::new();
    while starts.len() < n {
        let at;
        twait! { throttle.clone().turn(mkevent!(at)); }
        starts.push(at);
    }
    starts
}

// ---------------------------------------------------------------- tests

fn catch<T: 'static>() -> (Event<T>, Rc<RefCell<Option<T>>>) {
    let got = Rc::new(RefCell::new(None));
    let g = got.clone();
    (Event::from_fn(move |v| *g.borrow_mut() = v), got)
}

#[test]
fn permits_go_to_waiters_in_order_and_come_back_at_the_end_of_each_iteration() {
    on_fresh_loop(|| {
        let trace = Log::default();
        let pool = Pool::new(2, &trace);
        let (a, a_ran) = catch();
        let (b, b_ran) = catch();
        let (c, c_ran) = catch();
        worker(pool.clone(), "a", 2, a);
        worker(pool.clone(), "b", 1, b);
        worker(pool.clone(), "c", 2, c);
        tame::run();
        assert_eq!(
            (a_ran.take(), b_ran.take(), c_ran.take()),
            (Some(2), Some(1), Some(2))
        );
        assert_eq!(pool.free.get(), 2);
        assert_eq!(
            *trace.borrow(),
            [
                "a gets #1",
                "begin a job 0",
                "a #1 works",
                "b gets #2",
                "begin b job 0",
                "b #2 works",
                // c waits. a's job ends: its span, then its permit (declared
                // first), which goes to c, first in line.
                "end a job 0",
                "a releases #1",
                "c gets #3",
                "end b job 0",
                "b releases #2",
                "a gets #4",
                "begin c job 0",
                "c #3 works",
                "begin a job 1",
                "a #4 works",
                "end c job 0",
                "c releases #3",
                // A permit is free: c gets it without waiting.
                "c gets #5",
                "begin c job 1",
                "c #5 works",
                "end a job 1",
                "a releases #4",
                "end c job 1",
                "c releases #5",
            ]
        );
    });
}

#[test]
fn a_waiter_that_gave_up_is_skipped_and_errors_release_the_permit() {
    on_fresh_loop(|| {
        let trace = Log::default();
        let pool = Pool::new(1, &trace);
        hold_for(pool.clone(), "hog", Duration::from_millis(50));
        let short = Duration::from_millis(1);
        let long = Duration::from_secs(10);
        let (impatient, impatient_got) = catch();
        careful_worker(pool.clone(), "impatient", 1, short, None, impatient);
        let (failing, failing_got) = catch();
        careful_worker(pool.clone(), "failing", 3, long, Some(1), failing);
        tame::run();
        assert_eq!(impatient_got.take(), Some(Err(JobError::Busy("impatient"))));
        assert_eq!(failing_got.take(), Some(Err(JobError::Failed(1))));
        assert_eq!(pool.free.get(), 1);
        let trace = trace.borrow();
        let pos = |s: &str| {
            trace
                .iter()
                .position(|l| l == s)
                .unwrap_or_else(|| panic!("no {s:?} in {trace:?}"))
        };
        assert_eq!(
            trace[pos("hog #1 held")..],
            [
                "hog #1 held",
                "hog releases #1",
                "skip impatient",
                "failing gets #2",
                "failing #2 works",
                "failing releases #2",
                "failing gets #3",
                "failing #3 works",
                // job 1 fails: `?` releases the permit on the way out.
                "failing releases #3",
            ]
        );
    });
}

#[test]
fn a_permit_moved_into_another_tamed_function_is_released_when_it_ends() {
    on_fresh_loop(|| {
        let trace = Log::default();
        let pool = Pool::new(2, &trace);
        let (ev, handed) = catch();
        split_work(pool.clone(), "s", ev);
        tame::run();
        assert_eq!(handed.take(), Some(2));
        assert_eq!(pool.free.get(), 2);
        assert_eq!(
            *trace.borrow(),
            [
                "s gets #1",
                "s gets #2",
                "s #2 step 0",
                "s #1 done",
                "s releases #1",
                "s #2 step 1",
                "s releases #2",
            ]
        );
    });
}

#[test]
fn a_throttle_spaces_starts_by_its_interval() {
    on_fresh_loop(|| {
        // The loop's own clock: on the real one, a caller held off the cpu
        // past its reserved turn starts late, and the spacing grows.
        tame::time::pause();
        let interval = Duration::from_millis(15);
        let throttle = Rc::new(Throttle {
            interval,
            next: Cell::new(None),
        });
        let (a, a_got) = catch();
        let (b, b_got) = catch();
        throttled(throttle.clone(), 3, a);
        throttled(throttle.clone(), 2, b);
        tame::run();
        let mut all = a_got.take().unwrap();
        all.extend(b_got.take().unwrap());
        all.sort();
        assert_eq!(all.len(), 5);
        for w in all.windows(2) {
            assert_eq!(w[1] - w[0], interval);
        }
        assert_eq!(Rc::strong_count(&throttle), 1);
    });
}
