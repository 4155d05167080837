//! Stepping the loop from a test.
#![allow(dead_code)]

use std::time::Duration;

/// Runs turns of the loop until `done()`: for the tests that look at a
/// stream between two arrivals of bytes. (A turn with nothing ready waits
/// for the descriptors; the timeout only guards against a hang.)
pub fn turn_until(mut done: impl FnMut() -> bool) {
    while !done() {
        if !tame::run_once(Some(Duration::from_secs(30))) {
            // The turn that did it may have left nothing to wait for.
            assert!(done(), "nothing left to wait for");
            return;
        }
    }
}
