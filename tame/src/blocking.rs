//! Blocking work off the loop: [`spawn_blocking`] runs a closure on a
//! thread of a shared pool and delivers its result as an event.
//!
//! The pool has no fixed size: a job that finds no idle thread starts one,
//! and a thread idle for [`KEEP_IDLE`] ends. An idle thread waits on a
//! channel of its own, listed in [`Pool::idle`]; a job is handed to the
//! thread that went idle last (its stack and caches are the warmest), so
//! under a steady load the same few threads serve it and the others
//! expire. When no thread can be started (the process is out of them) a
//! job waits in [`Pool::backlog`] for the next thread that finishes one. A
//! job that leaves work on its thread's own tame loop (it ran one there)
//! retires the thread, whose loop goes with it.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use crate::compat::Spawner;
use crate::driver::{SignalSource, Signals};
use crate::Event;

/// Runs `f` on a thread of tame's blocking pool, off the loop, and triggers
/// `ev` with its result on this thread's loop: tokio's `spawn_blocking`,
/// for work that would block the loop (reading a file, a blocking library
/// call, a long computation).
///
/// * While `f` runs, [`run`](crate::run) keeps running, as for any
///   [`spawn`](crate::spawn)ed future.
/// * If `f` panics, `ev` comes back untriggered and a panic goes on on the
///   loop's thread, out of `run()`, as a spawned future's does, with the
///   message `closure run by tame::spawn_blocking at <file>:<line>
///   panicked: <its message>`, naming the call
///   (a payload that is no message, from `panic_any(MyError)`, goes on as
///   it is, for `catch_unwind` to downcast; the hook printed the panic on
///   the pool's thread). If `ev` had died first, nothing waits for the
///   job, and the panic goes no further than that print.
/// * If `ev` dies first (its rendezvous cancelled, a timeout gave up), the
///   loop stops waiting for the job at once; but a thread cannot be
///   stopped: `f` runs to its end, and its result is dropped where it is
///   then: on the pool's thread, or, if the job ended before the loop saw
///   `ev` die, on the loop's. A panic of that drop on the pool's thread
///   goes no further than the hook's print, as `f`'s own would.
///
/// Each job that finds no idle thread starts one, so jobs that block for
/// long do not wait for each other; a thread idle for 10 seconds ends. If
/// no thread can be started (the process is out of them), the job waits
/// for one of the pool's threads to finish the job it runs. The threads
/// have std's default stack (2 MiB, or `RUST_MIN_STACK`): return a large
/// value boxed.
///
/// The pool's threads block every signal a program may block, for their
/// whole life (each is spawned with that mask), but those a fault of the
/// thread itself raises (`SIGSEGV`, `SIGBUS`, `SIGFPE`, `SIGILL`, `SIGTRAP`,
/// `SIGSYS`: blocking does not hold them off, it only skips their handlers,
/// Rust's stack-overflow message among them), so that a signal the program takes
/// with [`at_signal`](crate::at_signal) or keeps pending with
/// [`Signal::block`](crate::Signal::block) is never delivered to an idle
/// pool thread, where its default action would end the process. So `f`
/// runs with those signals blocked, and a thread it spawns inherits that
/// mask: a signal sent to the process is never handled on a pool thread
/// (unblocking one in `f` would change that thread for the jobs after it,
/// too). A child process `f` starts inherits the mask too, and would
/// ignore Ctrl-C and `kill`: start it with
/// [`unblock_signals`](crate::io::CommandExt::unblock_signals).
///
/// If no thread can be started for the job and the pool has none, `ev`
/// comes back untriggered.
///
/// # Panics
///
/// As [`spawn`](crate::spawn), if the loop's eventfd cannot be created.
///
/// # Examples
///
/// ```
/// use std::io;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn file_len(path: String) -> io::Result<usize> {
///     let mut read: io::Result<Vec<u8>> = Ok(Vec::new());
///     // std::fs blocks: the read runs on the pool, the loop goes on.
///     twait! { tame::spawn_blocking(move || std::fs::read(path), mkevent!(read)); }
///     Ok(read?.len())
/// }
///
/// let path = std::env::temp_dir().join("tame-spawn-blocking-doc.txt");
/// std::fs::write(&path, b"twelve bytes").unwrap();
/// let len = tame::run_with(|done| file_len(path.display().to_string(), done));
/// assert_eq!(len.unwrap().unwrap(), 12);
/// # std::fs::remove_file(&path).unwrap();
/// ```
#[track_caller]
pub fn spawn_blocking<F, T>(f: F, ev: Event<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if !crate::driver::alive() {
        // A callback run during thread teardown: no loop could take the
        // result; `f` does not run, and `ev` is dropped as the gone loop
        // drops events.
        crate::driver::drop_for_gone_loop(ev);
        return;
    }
    // Before the job is handed over: a panic for want of the eventfd
    // leaves nothing running behind it (a caller that catches it and tries
    // again would run `f` twice).
    if let Err(e) = crate::driver::remote() {
        panic!(
            "tame::spawn_blocking: cannot create the loop's eventfd: {e} \
             (tame::prepare_loop() at startup reports this as an error)"
        );
    }
    let shared = Arc::new(Mutex::new(Outcome::Running(None)));
    let job_shared = shared.clone();
    let job: Job = Box::new(move || {
        let out = panic::catch_unwind(AssertUnwindSafe(f));
        let before = std::mem::replace(&mut *lock(&job_shared), Outcome::Done(out));
        // Woken with no lock held. (A future that is gone took its waker
        // out of the shared state when it was dropped: see `Receive`.)
        if let Outcome::Running(Some(waker)) = before {
            waker.wake();
        }
        // The last reference if the future was cancelled meanwhile: the
        // result nobody takes is dropped here, and a panic of its drop
        // (reported by the panic hook) must not end the pool's thread,
        // which the pool would go on counting.
        let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(job_shared)));
    });
    if submit(job).is_err() {
        // No thread: the job and `ev` are dropped (its waiter sees it
        // back untriggered).
        return;
    }
    // Counted until the job's result is taken or nobody waits for it: a
    // paused clock does not jump meanwhile (see `crate::time::pause`).
    crate::driver::blocking_started();
    crate::compat::spawn_as(Spawner::Blocking, Receive { shared }, ev);
}

/// How long a pool thread waits for a job before it ends.
const KEEP_IDLE: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

/// A job's result as its future sees it.
enum Outcome<T> {
    /// Still running; the waker of the future's last poll.
    Running(Option<Waker>),
    /// `f` returned, or panicked with this payload.
    Done(thread::Result<T>),
    /// The result was taken.
    Taken,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic never happens with the lock held (user code runs outside
    // it), so a poisoned lock's state is whole.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The future [`spawn_blocking`] spawns on the loop: ready once the job is
/// done.
struct Receive<T> {
    shared: Arc<Mutex<Outcome<T>>>,
}

impl<T> Future for Receive<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut state = lock(&self.shared);
        match std::mem::replace(&mut *state, Outcome::Taken) {
            Outcome::Running(_) => {
                *state = Outcome::Running(Some(cx.waker().clone()));
                Poll::Pending
            }
            Outcome::Done(Ok(v)) => Poll::Ready(v),
            Outcome::Done(Err(payload)) => {
                drop(state);
                panic::resume_unwind(payload)
            }
            Outcome::Taken => unreachable!("a spawned future is not polled after it is ready"),
        }
    }
}

impl<T> Drop for Receive<T> {
    fn drop(&mut self) {
        crate::driver::blocking_ended();
        // Cancelled while the job runs: its waker goes now, so that the
        // loop no longer counts the job as something that can wake it.
        let mut state = lock(&self.shared);
        let waker = match &mut *state {
            Outcome::Running(w) => w.take(),
            _ => None,
        };
        drop(state);
        drop(waker);
    }
}

/// The pool: its threads, those idle, and the jobs waiting for one.
struct Pool {
    /// Idle threads, the one that went idle last at the end: an id and the
    /// sender of its channel.
    idle: Vec<(usize, Sender<Job>)>,
    /// Jobs no thread could be started for: the next thread that finishes
    /// a job takes one.
    backlog: VecDeque<Job>,
    /// Pool threads alive.
    threads: usize,
    /// The process the threads are in: a child made by `fork` has none of
    /// the threads its parent listed.
    pid: u32,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    idle: Vec::new(),
    backlog: VecDeque::new(),
    threads: 0,
    pid: 0,
});

/// Ids of pool threads, to find one's entry in [`Pool::idle`].
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// Hands `job` to an idle thread, or starts one for it; if none can be
/// started while others live, the job waits for one of them.
fn submit(job: Job) -> std::io::Result<()> {
    submit_with(job, start_thread)
}

/// What a [`start_thread`] does, as [`submit`] takes it (a test's may fail).
type Start = fn(&mut Pool, Job) -> Result<(), (std::io::Error, Job)>;

/// [`submit`], starting a thread with `start`.
fn submit_with(mut job: Job, start: Start) -> std::io::Result<()> {
    let mut pool = lock(&POOL);
    let pid = std::process::id();
    if pool.pid != pid {
        // A child made by `fork` (or the first use): the threads listed
        // are its parent's. What they hold is the parent's too: forgotten,
        // not dropped here.
        std::mem::forget(std::mem::take(&mut pool.idle));
        std::mem::forget(std::mem::take(&mut pool.backlog));
        pool.threads = 0;
        pool.pid = pid;
    }
    while let Some((_, tx)) = pool.idle.pop() {
        match tx.send(job) {
            Ok(()) => return Ok(()),
            // Its thread is gone (it cannot be, see `worker`; taken back
            // in case).
            Err(mpsc::SendError(back)) => job = back,
        }
    }
    let refused = match start(&mut pool, job) {
        Ok(()) => return Ok(()),
        Err((e, job)) => (e, job),
    };
    // The job is dropped with the lock released: its closure's captures
    // are user code, which may call `spawn_blocking` itself (the pool's
    // lock is not reentrant) or take long.
    drop(pool);
    drop(refused.1);
    Err(refused.0)
}

/// Starts a pool thread for `job`; if none can be started, the job goes
/// to the backlog when some thread will take it, else it is given back
/// with the error.
fn start_thread(pool: &mut Pool, job: Job) -> Result<(), (std::io::Error, Job)> {
    // The job is handed over through a slot: if the thread cannot be
    // started, the job is still ours.
    let slot = Arc::new(Mutex::new(Some(job)));
    let first = slot.clone();
    // The thread blocks every signal for its whole life, from its first
    // instruction: it inherits the mask it is spawned with. A signal that
    // tame (or the program) takes through a blocked mask and a signalfd
    // (`at_signal`, `Signal::block`) would otherwise be delivered to this
    // thread, which may sit idle for `KEEP_IDLE`, and run its default
    // action there: for most, ending the process. Blocking it in the thread
    // once started would leave a window in which one could.
    let started = Signals::with_all_blocked(|| {
        thread::Builder::new()
            .name("tame-blocking".into())
            .spawn(move || {
                let job = lock(&first).take();
                if let Some(job) = job {
                    worker(job);
                }
            })
    });
    match started {
        Ok(_) => {
            pool.threads += 1;
            Ok(())
        }
        Err(e) => {
            let job = lock(&slot).take().expect("the thread did not start");
            if pool.threads == 0 {
                return Err((e, job));
            }
            pool.backlog.push_back(job);
            Ok(())
        }
    }
}

/// A thread of `pool` whose loop holds work retires: `None`, it goes. The
/// last one going starts a new thread (with `start`) for a job waiting;
/// if none can be started (the retiring one still counts against the
/// process's limit), it stays and runs that job itself, its loop's work
/// left in place: `Some(job)`. A job dropped unrun would never give its
/// event back, and the loop waiting for it would never end.
fn retire(
    pool: &mut Pool,
    start: impl FnOnce(&mut Pool, Job) -> Result<(), (std::io::Error, Job)>,
) -> Option<Job> {
    pool.threads -= 1;
    if pool.threads > 0 {
        return None;
    }
    let next = pool.backlog.pop_front()?;
    match start(pool, next) {
        Ok(()) => None,
        Err((_, next)) => {
            pool.threads += 1;
            Some(next)
        }
    }
}

/// A pool thread: runs `job`, then each job handed to it, until it has
/// been idle for [`KEEP_IDLE`], or a job left work on this thread's tame
/// loop (a timer, a task that waits, an `asap` not run yet, a clock paused
/// or advanced): it then ends, and its loop with it, so that the next job
/// does not find that work.
fn worker(mut job: Job) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel::<Job>();
    loop {
        // A panic in the job was caught inside it.
        job();
        let mut pool = lock(&POOL);
        if crate::driver::holds_work() {
            match retire(&mut pool, start_thread) {
                Some(next) => {
                    job = next;
                    continue;
                }
                None => return,
            }
        }
        if let Some(next) = pool.backlog.pop_front() {
            job = next;
            continue;
        }
        pool.idle.push((id, tx.clone()));
        drop(pool);
        job = match rx.recv_timeout(KEEP_IDLE) {
            Ok(next) => next,
            Err(RecvTimeoutError::Timeout) => {
                let mut pool = lock(&POOL);
                if let Some(i) = pool.idle.iter().position(|&(w, _)| w == id) {
                    // Removed in place: the others keep their order.
                    pool.idle.remove(i);
                    pool.threads -= 1;
                    return;
                }
                drop(pool);
                // A submitter took this thread's sender as the wait ran
                // out: its job is on the way (this thread holds a sender
                // too, so the channel stays open for it).
                match rx.recv() {
                    Ok(next) => next,
                    Err(_) => return,
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::{lock, retire, submit, submit_with, Job, Pool, POOL};
    use std::sync::{mpsc, Mutex};
    use std::thread;
    use std::time::{Duration, Instant};

    /// Taken by each test: they look at the pool's threads, which no
    /// other test of this crate uses.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    /// Waits (10 s at most) until the pool has a thread and every one is
    /// idle; returns whether it came to that.
    fn all_idle() -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            let pool = lock(&POOL);
            if pool.threads > 0 && pool.idle.len() == pool.threads {
                return true;
            }
            drop(pool);
            thread::yield_now();
        }
        false
    }

    /// Runs a job on the pool and gives back the id of its thread.
    fn job_thread() -> thread::ThreadId {
        let (tx, rx) = mpsc::channel();
        submit(Box::new(move || tx.send(thread::current().id()).unwrap())).unwrap();
        rx.recv().unwrap()
    }

    /// A job refused (no thread can be started, none lives) is dropped
    /// with the pool's lock released: its captures' drops are user code,
    /// which may call `spawn_blocking` (this was a deadlock on the lock).
    #[test]
    fn a_refused_job_is_dropped_with_the_pool_unlocked() {
        struct TriesThePool(std::sync::Arc<Mutex<Option<bool>>>);
        impl Drop for TriesThePool {
            fn drop(&mut self) {
                *self.0.lock().unwrap() = Some(POOL.try_lock().is_ok());
            }
        }
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        // No thread lives, for this submit: the pool's are set aside
        // meanwhile (idle, they wait on their channels).
        let (idle, threads) = {
            let mut pool = lock(&POOL);
            (
                std::mem::take(&mut pool.idle),
                std::mem::replace(&mut pool.threads, 0),
            )
        };
        let unlocked = std::sync::Arc::new(Mutex::new(None));
        let held = TriesThePool(unlocked.clone());
        let refused = submit_with(Box::new(move || drop(held)), |_, job| {
            Err((std::io::ErrorKind::WouldBlock.into(), job))
        });
        {
            let mut pool = lock(&POOL);
            pool.idle = idle;
            pool.threads = threads;
        }
        assert!(refused.is_err());
        assert_eq!(
            *unlocked.lock().unwrap(),
            Some(true),
            "dropped, the pool unlocked"
        );
    }

    #[test]
    fn a_thread_that_went_idle_takes_the_next_job() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        // The threads a test before this one left list themselves as idle
        // right after their jobs: wait for them, as for this job's thread.
        if lock(&POOL).threads > 0 {
            assert!(all_idle(), "a thread of the pool stays busy");
        }
        let first = job_thread();
        assert!(all_idle(), "the job's thread did not go idle");
        assert_eq!(job_thread(), first);
    }

    /// A result whose drop panics.
    struct PanicsOnDrop(mpsc::Sender<thread::ThreadId>);

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            let _ = self.0.send(thread::current().id());
            panic!("the result's drop panics");
        }
    }

    /// The result of a job whose waiter was cancelled is dropped on the
    /// pool's thread; its drop's panic ended that thread, which the pool
    /// went on counting (and never found idle again).
    #[test]
    fn a_panic_dropping_a_result_nobody_takes_leaves_the_thread_in_the_pool() {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let (go_tx, go) = mpsc::channel::<()>();
        let (dropped_tx, dropped) = mpsc::channel();
        let r = crate::Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<PanicsOnDrop>(());
        crate::spawn_blocking(
            move || {
                go.recv().unwrap();
                PanicsOnDrop(dropped_tx)
            },
            ev,
        );
        // The waiter goes: the loop cancels the future that would take
        // the result.
        drop((r, slot));
        crate::run_once(Some(Duration::ZERO));
        go_tx.send(()).unwrap();
        let on = dropped.recv().unwrap();
        assert!(all_idle(), "the pool's thread ended with the drop's panic");
        assert_eq!(job_thread(), on);
    }

    fn a_pool(threads: usize, backlog: Vec<Job>) -> Pool {
        Pool {
            idle: Vec::new(),
            backlog: backlog.into(),
            threads,
            pid: 0,
        }
    }

    /// The last thread retiring with a job waiting, when no thread can be
    /// started for it: it runs the job itself (the job was dropped unrun,
    /// and its loop waited for its event for ever).
    #[test]
    fn the_last_thread_retiring_runs_a_waiting_job_no_thread_can_be_started_for() {
        let mut pool = a_pool(1, vec![Box::new(|| ())]);
        let refused = |_: &mut Pool, job: Job| Err((std::io::Error::other("no thread"), job));
        assert!(retire(&mut pool, refused).is_some(), "the job came back");
        assert_eq!((pool.threads, pool.backlog.len()), (1, 0));
        // A thread that can be started takes it: this one goes.
        let mut pool = a_pool(1, vec![Box::new(|| ())]);
        let started = |pool: &mut Pool, _: Job| {
            pool.threads += 1;
            Ok(())
        };
        assert!(retire(&mut pool, started).is_none());
        assert_eq!((pool.threads, pool.backlog.len()), (1, 0));
        // Others alive: they take the job when theirs is done.
        let mut pool = a_pool(2, vec![Box::new(|| ())]);
        assert!(retire(&mut pool, refused).is_none());
        assert_eq!((pool.threads, pool.backlog.len()), (1, 1));
    }
}
