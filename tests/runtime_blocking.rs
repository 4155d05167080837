//! `tame::spawn_blocking`: a closure run on the blocking pool, off the
//! loop, its result delivered on the loop; jobs that block do not wait for
//! each other; a panic goes on on the loop's thread; a cancelled job no
//! longer holds the loop.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;

use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/signal_mask.rs"]
mod signal_mask;
use signal_mask::blocked_here;
#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

#[test]
fn the_result_comes_back_on_the_loop_from_another_thread() {
    on_fresh_loop(|| {
        let here = thread::current().id();
        let (ran_on, v) = tame::run_with(|done| {
            tame::spawn_blocking(move || (thread::current().id(), 6 * 7), done)
        })
        .expect("the job's result");
        assert_eq!(v, 42);
        assert_ne!(ran_on, here, "the job ran off the loop's thread");
    });
}

/// Waits for `n` blocking jobs at once, each of which returns only once
/// all `n` are running.
#[tamed]
fn all_at_once(n: usize) -> usize {
    let barrier = Arc::new(Barrier::new(n));
    let mut done = vec![false; n];
    twait! {
        // A slot is a place of the function's own variables: `done[i]`.
        #[allow(clippy::needless_range_loop)]
        for i in 0..n {
            let barrier = barrier.clone();
            tame::spawn_blocking(move || { barrier.wait(); true }, mkevent!(done[i]));
        }
    }
    done.iter().filter(|&&d| d).count()
}

#[test]
fn jobs_that_block_run_side_by_side() {
    // Run one after another, the first would wait at the barrier for good
    // (the watchdog would fail the test).
    on_fresh_loop(|| {
        assert_eq!(tame::run_with(|done| all_at_once(8, done)), Some(8));
    });
}

#[test]
fn a_panic_in_the_job_goes_on_out_of_run_with_its_message() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let line = line!() + 1;
        tame::spawn_blocking(
            || -> u32 { panic!("the job failed") },
            r.event(()).map(|_| ()),
        );
        let payload = catch_unwind(AssertUnwindSafe(tame::run)).expect_err("run() panics");
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some(&*format!(
                "closure run by tame::spawn_blocking at {}:{line} panicked: the job failed",
                file!()
            ))
        );
    });
}

#[test]
fn a_job_panicking_with_a_payload_of_its_own_gives_that_payload_out_of_run() {
    #[derive(Debug, PartialEq)]
    struct JobError(u32);
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        tame::spawn_blocking(
            || -> u32 { std::panic::panic_any(JobError(3)) },
            r.event(()).map(|_| ()),
        );
        let payload = catch_unwind(AssertUnwindSafe(tame::run)).expect_err("run() panics");
        assert_eq!(payload.downcast_ref::<JobError>(), Some(&JobError(3)));
    });
}

/// Counts its drops, on whichever thread.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_cancelled_job_no_longer_holds_the_loop_and_its_result_is_dropped() {
    on_fresh_loop(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (release, hold) = mpsc::channel::<()>();
        let (finished, job_end) = mpsc::channel::<()>();
        let r = Rendezvous::<()>::new();
        let counted = drops.clone();
        tame::spawn_blocking(
            move || {
                // Blocks until the test lets it go, after run() returned.
                hold.recv().unwrap();
                let result = Counted(counted);
                finished.send(()).unwrap();
                result
            },
            r.event(()).map(|_| ()),
        );
        r.cancel();
        // Returns with the job still blocked: nothing waits for it now.
        tame::run();
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        release.send(()).unwrap();
        job_end.recv().unwrap();
        // The result is dropped on the pool's thread as the job ends;
        // wait for that without sleeping: the job's closure (holding the
        // last reference) goes right after `finished` is sent.
        while drops.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn blocked_lists_a_running_job_where_it_was_started() {
    on_fresh_loop(|| {
        let (release, hold) = mpsc::channel::<()>();
        let r = Rendezvous::<()>::new();
        let (done, slot) = r.event_with_slot(());
        let line = line!() + 1;
        tame::spawn_blocking(move || hold.recv().is_ok(), done);
        // Polled once: it holds its waker and waits for the job.
        tame::run_once(Some(std::time::Duration::ZERO));
        let b = tame::blocked();
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].function(), "tame::spawn_blocking");
        assert_eq!((b[0].file(), b[0].line()), (file!(), line));
        assert_eq!(b[0].description(), Some("a job on the blocking pool"));
        assert_eq!(b[0].waiting_for, 1);
        release.send(()).unwrap();
        tame::run();
        assert_eq!(slot.take(), Some(true));
    });
}

/// Tells a channel when the thread it was put on ends.
struct OnThreadExit(mpsc::Sender<()>);

impl Drop for OnThreadExit {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

thread_local! {
    static ON_EXIT: std::cell::RefCell<Option<OnThreadExit>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn a_job_that_leaves_work_on_its_threads_loop_retires_the_thread() {
    on_fresh_loop(|| {
        let (exited, exit) = mpsc::channel();
        let job = move || {
            ON_EXIT.with(|e| *e.borrow_mut() = Some(OnThreadExit(exited)));
            // The job runs a loop of its own on the pool's thread, and
            // leaves an hour-long timer armed there.
            tame::timer(
                std::time::Duration::from_secs(3600),
                tame::Event::detached(),
            );
            7
        };
        assert_eq!(
            tame::run_with(|done| tame::spawn_blocking(job, done)),
            Some(7)
        );
        // The next job may land on the thread that went idle last: it
        // does not find the timer there (its `run()` would wait an hour).
        let next = tame::run_with(|done| {
            tame::spawn_blocking(
                || {
                    tame::run_with(|d| {
                        tame::timer(std::time::Duration::from_millis(1), d.map(|_: ()| ()))
                    })
                },
                done,
            )
        });
        // The first job's thread ended, and its loop (the timer) with it.
        exit.recv().expect("the pool's thread ended");
        assert_eq!(next, Some(Some(())));
    });
}

#[test]
fn a_job_that_leaves_a_stop_or_paused_time_on_its_threads_loop_retires_the_thread() {
    // One job asks `stop()` outside a run, another pauses time, on the
    // pool's thread; the next job there runs a loop with a timer: it is
    // not stopped after one turn, nor does its timer fire at once.
    for pause in [false, true] {
        on_fresh_loop(move || {
            let (exited, exit) = mpsc::channel();
            let job = move || {
                ON_EXIT.with(|e| *e.borrow_mut() = Some(OnThreadExit(exited)));
                if pause {
                    tame::time::pause();
                } else {
                    tame::stop();
                }
            };
            assert_eq!(
                tame::run_with(|done| tame::spawn_blocking(job, done)),
                Some(())
            );
            let next = tame::run_with(|done| {
                tame::spawn_blocking(
                    || {
                        let before = std::time::Instant::now();
                        let fired = tame::run_with(|d| {
                            tame::timer(std::time::Duration::from_millis(20), d.map(|_: ()| ()))
                        });
                        (
                            fired,
                            before.elapsed() >= std::time::Duration::from_millis(20),
                        )
                    },
                    done,
                )
            });
            exit.recv().expect("the pool's thread ended");
            assert_eq!(next, Some((Some(()), true)), "pause: {pause}");
        });
    }
}

#[test]
fn a_job_that_leaves_an_asap_or_an_advanced_clock_on_its_threads_loop_retires_the_thread() {
    for advance in [false, true] {
        on_fresh_loop(move || {
            let (exited, exit) = mpsc::channel();
            let (heard, hear) = mpsc::channel();
            let job = move || {
                ON_EXIT.with(|e| *e.borrow_mut() = Some(OnThreadExit(exited)));
                if advance {
                    tame::time::advance(std::time::Duration::from_secs(3600));
                } else {
                    tame::asap(tame::Event::from_fn(move |v: Option<()>| {
                        let _ = heard.send(v.is_some());
                    }));
                }
            };
            assert_eq!(
                tame::run_with(|done| tame::spawn_blocking(job, done)),
                Some(())
            );
            // Retired at once, not after the idle time (10 s): a job that
            // lands on it next would run that `asap`'s callback, or find
            // its loop's clock an hour ahead.
            exit.recv_timeout(std::time::Duration::from_secs(5))
                .expect("the pool's thread ended");
            if !advance {
                assert_ne!(
                    hear.recv_timeout(std::time::Duration::from_secs(5)),
                    Ok(true),
                    "the callback is not run by another job's loop"
                );
            }
        });
    }
}

#[test]
fn a_paused_clock_holds_still_while_a_blocking_job_runs() {
    on_fresh_loop(|| {
        tame::time::pause();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<Result<u32, tame::Timeout>>(());
        // The job takes real time; the timeout is of the paused clock, which
        // must not jump past it while the job runs.
        tame::spawn_blocking(
            || {
                thread::sleep(std::time::Duration::from_millis(50));
                7u32
            },
            tame::add_timeout(std::time::Duration::from_secs(10), ev),
        );
        tame::run();
        tame::time::resume();
        assert_eq!(slot.take(), Some(Ok(7)));
    });
}

/// A pool thread blocks the signals the program may take (`SIGUSR1`), not
/// those a fault of its own raises (`SIGSEGV`, ...): blocked, they skip
/// every handler, and a job's stack overflow was a bare "Segmentation
/// fault" rather than Rust's "has overflowed its stack".
#[test]
fn a_pool_thread_leaves_fault_signals_unblocked() {
    on_fresh_loop(|| {
        use rustix::process::Signal as S;
        let got = tame::run_with(|ev| {
            tame::spawn_blocking(
                || {
                    let faults = [S::SEGV, S::BUS, S::FPE, S::ILL];
                    (
                        blocked_here(S::USR1.as_raw()),
                        faults.map(|s| blocked_here(s.as_raw())),
                    )
                },
                ev,
            )
        });
        assert_eq!(got, Some((true, [false; 4])));
    });
}
