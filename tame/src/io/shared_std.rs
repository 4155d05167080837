//! The mode of descriptor 0's (or 1's) open file description, which every
//! [`stdin`](super::stdin) (or [`stdout`](super::stdout)) handle that is a
//! duplicate of that descriptor shares: the first such handle makes it
//! non-blocking, and only the last to go may set it back (a handle that
//! went first would leave the others using a blocking descriptor, which
//! freezes their loop in `read(2)` or `write(2)`).
//!
//! One count per descriptor for the process, not per thread: handles on
//! several threads' loops share the one description.

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
}

struct Shared {
    /// The handles alive (their sources not dropped yet).
    live: usize,
    /// The description was blocking when a handle was made: the last to
    /// go sets it back.
    restore: bool,
}

static SHARED: [Mutex<Shared>; 2] = [
    Mutex::new(Shared {
        live: 0,
        restore: false,
    }),
    Mutex::new(Shared {
        live: 0,
        restore: false,
    }),
];

/// The count of `which`, also after a panic elsewhere held it (it is two
/// plain numbers, consistent between statements).
fn lock(which: Std) -> MutexGuard<'static, Shared> {
    let i = match which {
        Std::In => 0,
        Std::Out => 1,
    };
    SHARED[i].lock().unwrap_or_else(|p| p.into_inner())
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
    let mut shared = lock(which);
    let blocking = !sys::is_nonblocking(fd.as_fd())?;
    let handle = new(fd)?;
    shared.live += 1;
    shared.restore |= blocking;
    Ok(handle)
}

/// A handle of `fd` is gone: the last one sets the description blocking
/// again if it was when they were made.
pub(crate) fn gone(which: Std, fd: BorrowedFd<'_>) {
    let mut shared = lock(which);
    shared.live = shared.live.saturating_sub(1);
    if shared.live == 0 && std::mem::take(&mut shared.restore) {
        let _ = sys::set_nonblocking(fd, false);
    }
}

/// A handle gave its descriptor away, non-blocking (`Fd::into_owned`):
/// whoever holds it now expects it to stay so, and nothing sets it back.
pub(crate) fn given_away(which: Std) {
    let mut shared = lock(which);
    shared.live = shared.live.saturating_sub(1);
    shared.restore = false;
}
