//! tame mixed with Rust futures, written as a user would: a tamed function
//! waits for futures (`tame::spawn` into a `mkevent!`), among them jobs
//! run on std threads whose wakers fire from those threads; async code
//! waits for tamed functions (`event_future`) and reads a `Rendezvous` as
//! a `Stream`. Closures and async blocks inside tamed functions keep their
//! own `return` and `?`.

#![deny(warnings)]

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_core::Stream;
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

// ---------------------------------------------------------------- jobs on threads

/// A value computed on a std thread; the future is woken from there.
struct Job<T> {
    shared: Arc<Mutex<(Option<T>, Option<Waker>)>>,
}

fn off_loop<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Job<T> {
    let shared = Arc::new(Mutex::new((None, None::<Waker>)));
    let theirs = shared.clone();
    std::thread::spawn(move || {
        let value = f();
        let waker = {
            let mut s = theirs.lock().unwrap();
            s.0 = Some(value);
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    });
    Job { shared }
}

impl<T> Future for Job<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.shared.lock().unwrap();
        match s.0.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// A slow checksum (FNV-1a), the kind of work one keeps off the loop.
fn checksum(data: &[u8]) -> u64 {
    std::thread::sleep(Duration::from_millis(5));
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Checksums every file on its own thread, all at once; the sums in the
/// order of the files.
#[tamed]
fn checksum_all(files: Vec<Vec<u8>>) -> Vec<u64> {
    let mut sums = vec![0; files.len()];
    twait! {
        for (i, data) in files.into_iter().enumerate() {
            tame::spawn(off_loop(move || checksum(&data)), mkevent!(sums[i]));
        }
    }
    sums
}

// ---------------------------------------------------------------- tamed from async

/// Doubles `x` after a turn of the loop; refuses odd numbers by dropping
/// its event (the async side sees `None`).
#[tamed]
fn double_even(x: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    if x % 2 == 1 {
        panic!("never reached: odd numbers are filtered by the caller");
    }
    x * 2
}

/// The async face of a tamed function.
async fn doubled(x: u32) -> Option<u32> {
    let (ev, fut) = tame::event_future();
    if x.is_multiple_of(2) {
        double_even(x, ev);
    } else {
        drop(ev);
    }
    fut.await
}

/// The next item of a stream, without futures-util.
async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

/// Collects a rendezvous' ids, as a stream, until nothing is outstanding.
async fn collect_ids(mut r: Rendezvous<&'static str>) -> Vec<&'static str> {
    let mut ids = Vec::new();
    while let Some(id) = next(&mut r).await {
        ids.push(id);
    }
    ids
}

// ---------------------------------------------------------------- a pipeline

#[derive(Debug, PartialEq)]
enum PipeError {
    Parse(String),
    Odd(u32),
    Empty,
    TooSlow,
}

impl From<tame::Timeout> for PipeError {
    fn from(_: tame::Timeout) -> PipeError {
        PipeError::TooSlow
    }
}

/// Parses numbers on a thread, doubles them through async code that calls
/// a tamed function, and sums them; `?` on the values that come back.
#[tamed]
fn pipeline(input: Vec<&'static str>) -> Result<u32, PipeError> {
    if input.is_empty() {
        return Err(PipeError::Empty);
    }
    // A closure with its own `?` and `return`: they belong to the closure.
    let parse = |s: &str| -> Result<u32, PipeError> {
        if s == "zero" {
            return Ok(0);
        }
        let n = s
            .trim()
            .parse::<u32>()
            .map_err(|e| PipeError::Parse(format!("{s}: {e}")))?;
        Ok(n)
    };
    let parsed;
    twait! {
        tame::spawn(
            off_loop(move || input.iter().map(|s| parse(s)).collect::<Result<Vec<u32>, _>>()),
            mkevent!(parsed),
        );
    }
    let numbers = parsed?;
    let twice;
    twait! {
        tame::spawn(
            async move {
                let mut out = Vec::new();
                for n in numbers {
                    // An async block's `?` and `return` are its own too.
                    if n == 0 {
                        continue;
                    }
                    let d = doubled(n).await.ok_or(PipeError::Odd(n))?;
                    out.push(d);
                }
                if out.is_empty() {
                    return Err(PipeError::Empty);
                }
                Ok(out)
            },
            mkevent!(twice),
        );
    }
    let twice: Vec<u32> = twice?;
    Ok(twice.iter().sum())
}

/// A job on a thread, given `limit` to finish: its value, or `TooSlow`.
/// The job itself runs on (its thread cannot be stopped); its value is
/// dropped when it comes.
#[tamed]
fn within(limit: Duration, work_ms: u64, value: u32) -> Result<u32, PipeError> {
    let got;
    twait! {
        let job = off_loop(move || {
            std::thread::sleep(Duration::from_millis(work_ms));
            value
        });
        tame::spawn(job, tame::add_timeout(limit, mkevent!(got)));
    }
    let v = got?;
    Ok(v + 1)
}

// ---------------------------------------------------------------- tests

/// What an event got, `None` until it came back (or if it came back empty).
fn catch<T: 'static>() -> (Event<T>, Rc<RefCell<Option<T>>>) {
    let got = Rc::new(RefCell::new(None));
    let g = got.clone();
    (Event::from_fn(move |v| *g.borrow_mut() = v), got)
}

#[test]
fn jobs_on_threads_wake_the_loop_and_their_values_land_in_order() {
    on_fresh_loop(|| {
        let files: Vec<Vec<u8>> = vec![b"alpha".to_vec(), Vec::new(), vec![7; 1000]];
        let want: Vec<u64> = files.iter().map(|f| checksum(f)).collect();
        let (ev, got) = catch();
        checksum_all(files, ev);
        tame::run();
        assert_eq!(got.take(), Some(want));
    });
}

#[test]
fn async_code_awaits_tamed_functions_and_sees_a_dropped_event_as_none() {
    on_fresh_loop(|| {
        let (ev, got) = catch();
        tame::spawn(
            async {
                let a = doubled(4).await;
                let b = doubled(a.unwrap_or(0) + 1).await;
                let c = doubled(10).await;
                (a, b, c)
            },
            ev,
        );
        tame::run();
        assert_eq!(got.take(), Some((Some(8), None, Some(20))));
    });
}

#[test]
fn a_rendezvous_read_as_a_stream_yields_ids_in_trigger_order() {
    on_fresh_loop(|| {
        // The loop's own clock: `asap` runs after the timers due at the
        // next turn, and on the real clock a thread held off the cpu for
        // 30 ms before `run()` finds both timers due there and sees
        // ["dropped", "fast", "slow", "now"] (seen once under load; made
        // again by stopping the process with SIGSTOP for up to 60 ms).
        tame::time::pause();
        let r = Rendezvous::new();
        tame::timer(Duration::from_millis(30), r.event("slow"));
        tame::timer(Duration::from_millis(10), r.event("fast"));
        tame::asap(r.event("now"));
        // A tamed function's event, dropped untriggered: still reported.
        let ev = r.event("dropped");
        drop(ev);
        let (done, got) = catch();
        tame::spawn(collect_ids(r), done);
        tame::run();
        assert_eq!(got.take(), Some(vec!["dropped", "now", "fast", "slow"]));
    });
}

#[test]
fn a_pipeline_of_threads_async_and_tamed_code_with_question_marks() {
    on_fresh_loop(|| {
        let run = |input: Vec<&'static str>| {
            let (ev, got) = catch();
            pipeline(input, ev);
            tame::run();
            got.take()
        };
        assert_eq!(
            run(vec!["1", "2", "zero", "4"]),
            Some(Err(PipeError::Odd(1)))
        );
        assert_eq!(run(vec!["2", " 4 ", "zero"]), Some(Ok(12)));
        assert_eq!(
            run(vec!["2", "x"]),
            Some(Err(PipeError::Parse(
                "x: invalid digit found in string".into()
            )))
        );
        assert_eq!(run(vec!["zero"]), Some(Err(PipeError::Empty)));
        assert_eq!(run(Vec::new()), Some(Err(PipeError::Empty)));
    });
}

#[test]
fn a_thread_job_raced_against_a_timeout() {
    on_fresh_loop(|| {
        let (fast, fast_got) = catch();
        let (slow, slow_got) = catch();
        within(Duration::from_secs(5), 1, 41, fast);
        within(Duration::from_millis(20), 300, 1, slow);
        tame::run();
        assert_eq!(fast_got.take(), Some(Ok(42)));
        assert_eq!(slow_got.take(), Some(Err(PipeError::TooSlow)));
    });
}
