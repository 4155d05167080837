//! The mode of descriptor 0's (or 1's, or 2's) open file description,
//! which every [`stdin`](super::stdin) (or [`stdout`](super::stdout), or
//! [`stderr`](super::stderr)) handle that is a duplicate of that
//! descriptor shares: the first such handle makes it
//! non-blocking, and only the last to go may set it back (a handle that
//! went first would leave the others using a blocking descriptor, which
//! freezes their loop in `read(2)` or `write(2)`).
//!
//! One count per descriptor for the process, not per thread: handles on
//! several threads' loops share the one description. A socket is not
//! counted: its handles leave its mode as it is (each of their reads and
//! writes asks not to block), so descriptors 0 and 1 on one socket
//! (inetd's way of starting a server) need no count shared between them.
//!
//! Descriptors 1 and 2 on one regular file (`>log 2>&1`) are one
//! description, counted twice (nothing tells which descriptions two
//! regular files' descriptors are): the last `stdout` handle to go may
//! set it blocking while a `stderr` handle lives. Harmless, as
//! `O_NONBLOCK` changes nothing for a regular file; the flag is set back
//! only so that a parent finds its descriptor as it gave it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

use super::sys;

/// Which of the process's standard descriptors a handle duplicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Std {
    /// Descriptor 0.
    In,
    /// Descriptor 1.
    Out,
    /// Descriptor 2.
    Err,
}

struct Shared {
    key: Std,
    /// The handles alive (their sources not dropped yet).
    live: usize,
    /// The description was blocking when a handle was made: the last to
    /// go sets it back.
    restore: bool,
}

/// The counts with a handle alive (one per standard descriptor).
static SHARED: Mutex<Vec<Shared>> = Mutex::new(Vec::new());

/// The counts, also after a panic elsewhere held them (plain numbers,
/// consistent between statements).
fn lock() -> MutexGuard<'static, Vec<Shared>> {
    SHARED.lock().unwrap_or_else(|p| p.into_inner())
}

/// The count of `key`, made if there is none.
fn count(all: &mut Vec<Shared>, key: Std) -> &mut Shared {
    let i = match all.iter().position(|s| s.key == key) {
        Some(i) => i,
        None => {
            all.push(Shared {
                key,
                live: 0,
                restore: false,
            });
            all.len() - 1
        }
    };
    &mut all[i]
}

/// Makes a handle of `fd`, a duplicate of descriptor `which`, with `new`
/// (which makes it non-blocking) and counts it. Under the count's lock, so
/// that a last handle going on another thread cannot set the description
/// blocking between this one's look at the mode and its change of it.
pub(crate) fn add<T>(
    which: Std,
    fd: OwnedFd,
    new: impl FnOnce(OwnedFd) -> io::Result<T>,
) -> io::Result<T> {
    let mut all = lock();
    let key = which;
    let blocking = !sys::is_nonblocking(fd.as_fd())?;
    let handle = new(fd)?;
    let shared = count(&mut all, key);
    shared.live += 1;
    shared.restore |= blocking;
    Ok(handle)
}

/// A handle of `fd` is gone: the last one of its description sets it
/// blocking again if it was when they were made.
pub(crate) fn gone(which: Std, fd: BorrowedFd<'_>) {
    let mut all = lock();
    let shared = count(&mut all, which);
    shared.live = shared.live.saturating_sub(1);
    if shared.live == 0 {
        if shared.restore {
            let _ = sys::set_nonblocking(fd, false);
        }
        all.retain(|s| s.live > 0);
    }
}

/// A handle of `which` gave its descriptor away, non-blocking (`Fd::into_owned`):
/// whoever holds it now expects it to stay so, and nothing sets it back.
pub(crate) fn given_away(which: Std) {
    let mut all = lock();
    let shared = count(&mut all, which);
    shared.live = shared.live.saturating_sub(1);
    shared.restore = false;
    if shared.live == 0 {
        all.retain(|s| s.live > 0);
    }
}
