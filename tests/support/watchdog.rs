//! Running a test body on a fresh thread (so a fresh loop) with a watchdog
//! that turns a hang into a failure instead of a stalled suite.
#![allow(dead_code)]

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `f` on a fresh thread (so a fresh loop) and turns a hang into a
/// failure after a minute: a wait that is never re-armed, a cancelled
/// hour-long timer that `run()` wrongly waits for, a lost cross-thread
/// wake-up or a loop left waiting for a dead future would otherwise stall
/// the suite. A panic in `f` is re-raised with its own payload.
pub fn on_fresh_loop(f: impl FnOnce() + Send + 'static) {
    on_fresh_loop_within(Duration::from_secs(60), f);
}

/// [`on_fresh_loop`] with a watchdog of `limit`: what a test of virtual
/// time uses to prove that hours of timers pass in a few seconds of wall
/// time at most (it asserts no speed, only that the loop does not really
/// wait).
pub fn on_fresh_loop_within(limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(handle.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("run() did not return"),
    }
}
