//! Blocking work off the loop: [`spawn_blocking`] runs a closure on a
//! thread of a shared pool and delivers its result as an event.
//!
//! The pool has no fixed size: a job that finds no idle thread starts one,
//! and a thread idle for [`KEEP_IDLE`] ends. An idle thread waits on a
//! channel of its own, listed in [`IDLE`]; a job is handed to the thread
//! that went idle last (its stack and caches are the warmest), so under a
//! steady load the same few threads serve it and the others expire.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use crate::compat::Spawner;
use crate::Event;

/// Runs `f` on a thread of tame's blocking pool, off the loop, and triggers
/// `ev` with its result on this thread's loop: tokio's `spawn_blocking`,
/// for work that would block the loop (reading a file, a blocking library
/// call, a long computation).
///
/// * While `f` runs, [`run`](crate::run) keeps running, as for any
///   [`spawn`](crate::spawn)ed future.
/// * If `f` panics, `ev` comes back untriggered and the panic goes on on
///   the loop's thread, out of `run()`, as a spawned future's does
///   (`closure run by tame::spawn_blocking panicked: <its message>`; the
///   message is printed on the pool's thread when it happens).
/// * If `ev` dies first (its rendezvous cancelled, a timeout gave up), the
///   loop stops waiting for the job at once; but a thread cannot be
///   stopped: `f` runs to its end, and its result is dropped on the pool's
///   thread.
///
/// Each job that finds no idle thread starts one, so jobs that block for
/// long do not wait for each other; a thread idle for 10 seconds ends.
///
/// # Panics
///
/// As [`spawn`](crate::spawn), if the loop's eventfd cannot be created.
/// If no thread can be started for the job (the process is out of
/// threads), `ev` comes back untriggered.
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
        // result; `f` does not run, and `ev` reports as dropped.
        return;
    }
    let shared = Arc::new(Mutex::new(Outcome::Running(None)));
    let job_shared = shared.clone();
    let job: Job = Box::new(move || {
        let out = panic::catch_unwind(AssertUnwindSafe(f));
        let before = std::mem::replace(&mut *lock(&job_shared), Outcome::Done(out));
        // Woken with no lock held; a waker left by a future that is gone
        // is dropped here (it was taken out of the shared state by the
        // future's drop in that case: see `Receive`).
        if let Outcome::Running(Some(waker)) = before {
            waker.wake();
        }
    });
    if submit(job).is_err() {
        // No thread: the job and `ev` are dropped (its waiter sees it
        // back untriggered).
        return;
    }
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

/// Idle pool threads, the one that went idle last at the end: an id and
/// the sender of its channel.
static IDLE: Mutex<Vec<(u64, Sender<Job>)>> = Mutex::new(Vec::new());

/// Ids of pool threads, to find one's entry in [`IDLE`].
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Hands `job` to an idle thread, or starts one for it.
fn submit(mut job: Job) -> std::io::Result<()> {
    loop {
        let idle = lock(&IDLE).pop();
        let Some((_, tx)) = idle else { break };
        match tx.send(job) {
            Ok(()) => return Ok(()),
            // Its thread is gone (it cannot be, see `worker`; taken back
            // in case).
            Err(mpsc::SendError(back)) => job = back,
        }
    }
    thread::Builder::new()
        .name("tame-blocking".into())
        .spawn(move || worker(job))
        .map(drop)
}

/// A pool thread: runs `job`, then each job handed to it, until it has
/// been idle for [`KEEP_IDLE`].
fn worker(mut job: Job) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel::<Job>();
    loop {
        // A panic in the job was caught inside it.
        job();
        lock(&IDLE).push((id, tx.clone()));
        job = match rx.recv_timeout(KEEP_IDLE) {
            Ok(next) => next,
            Err(RecvTimeoutError::Timeout) => {
                let mut idle = lock(&IDLE);
                if let Some(i) = idle.iter().position(|&(w, _)| w == id) {
                    idle.swap_remove(i);
                    return;
                }
                drop(idle);
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
    use super::{lock, submit, IDLE};
    use std::sync::mpsc;
    use std::thread;

    /// Runs a job on the pool and gives back the id of its thread.
    fn job_thread() -> thread::ThreadId {
        let (tx, rx) = mpsc::channel();
        submit(Box::new(move || tx.send(thread::current().id()).unwrap())).unwrap();
        rx.recv().unwrap()
    }

    #[test]
    fn a_thread_that_went_idle_takes_the_next_job() {
        let first = job_thread();
        // The thread lists itself as idle right after its job: wait for it
        // (no other test of this crate uses the pool).
        while lock(&IDLE).is_empty() {
            thread::yield_now();
        }
        assert_eq!(job_thread(), first);
    }
}
