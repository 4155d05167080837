//! The seam between the loop and the operating system's readiness source.
//!
//! The loop's bookkeeping ([`super`]: tasks, timers, registrations, counts)
//! and the descriptor layer above it ([`crate::io`], [`crate::net`]) reach
//! the OS only through the three traits here:
//!
//! * [`Backend`]: registrations of descriptors under a [`Token`], and the
//!   wait for readiness. A registration is either one-shot (disarmed once
//!   it reported, until [`Backend::rearm`]: the signal descriptor) or
//!   edge-triggered for every kind, for good (every source of
//!   [`crate::io`]: it reports changes, so parking an operation needs no
//!   syscall; [`Backend::rearm_edge`] asks it to report what holds now). A
//!   descriptor the
//!   backend cannot watch because it is always ready (a regular file) is
//!   reported as [`Registered::AlwaysReady`] at registration, so no caller
//!   knows which error code says so.
//! * [`Notify`]: the handle another thread uses to wake the loop.
//! * [`SignalSource`]: a descriptor that becomes readable when one of a set
//!   of signals arrives, and says which.
//!
//! One implementation exists: [`super::epoll`] (epoll, an eventfd, a
//! signalfd). Another (kqueue, io_uring's poll operations) would implement
//! these traits and change the three `pub(crate) use` lines below; tasks,
//! timers, `io` and `net` would not change.

use std::io;
use std::os::fd::BorrowedFd;
use std::time::Duration;

/// The backend of this build.
pub(crate) use super::epoll::Epoll as Selector;
/// The cross-thread wake-up of this build.
pub(crate) use super::epoll::EventFd as Notifier;
/// The signal descriptor of this build.
pub(crate) use super::epoll::SignalFd as Signals;

/// Kinds of readiness, as a small bit set: what a registration wants, and
/// what the backend reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Ready(u8);

impl Ready {
    pub(crate) const NONE: Ready = Ready(0);
    /// Readable, or the peer hung up, or an error is pending: the next read
    /// says which.
    pub(crate) const READ: Ready = Ready(1);
    /// Writable, or an error is pending.
    pub(crate) const WRITE: Ready = Ready(2);
    /// The peer hung up (shut down its side, or closed), or an error.
    pub(crate) const HUP: Ready = Ready(4);
    /// TCP urgent data is pending (`EPOLLPRI`). Not a kind anything waits
    /// for (it comes with [`READ`](Self::READ)): a read stops at the
    /// urgent mark, so while this is seen a short read does not prove the
    /// socket drained.
    pub(crate) const URGENT: Ready = Ready(8);

    pub(crate) const fn union(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }

    /// `self` without the kinds of `other`.
    pub(crate) const fn without(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }

    pub(crate) const fn intersects(self, other: Ready) -> bool {
        self.0 & other.0 != 0
    }
}

/// What the backend reports a registration under: the loop's key for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Token(pub(crate) u64);

/// One report of [`Backend::wait`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Readiness {
    pub(crate) token: Token,
    pub(crate) ready: Ready,
}

/// How a registration went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Registered {
    /// Watched: readiness will be reported under the token.
    Polled,
    /// Not watched because it never blocks (a regular file): every wait on
    /// it is over at once.
    AlwaysReady,
}

/// A readiness source: registrations and the wait.
pub(crate) trait Backend: Sized {
    fn new() -> io::Result<Self>;

    /// Starts watching `fd` for `want` (one-shot), reporting `token`.
    fn register(&self, fd: BorrowedFd<'_>, token: Token, want: Ready) -> io::Result<Registered>;

    /// Arms a registered `fd` again, for `want` (after it reported, or to
    /// change what it waits for).
    fn rearm(&self, fd: BorrowedFd<'_>, token: Token, want: Ready) -> io::Result<()>;

    /// Starts watching `fd` for every kind of readiness, edge-triggered and
    /// for good: each change is reported once, reporting `token`.
    fn register_edge(&self, fd: BorrowedFd<'_>, token: Token) -> io::Result<Registered>;

    /// Makes an edge-triggered registration report what holds now (at the
    /// next wait, if anything does), as if it had just changed.
    fn rearm_edge(&self, fd: BorrowedFd<'_>, token: Token) -> io::Result<()>;

    /// Stops watching `fd`. Called before the descriptor is closed.
    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()>;

    /// Watches a [`Notify`] descriptor for good (never disarmed).
    fn register_notifier(&self, fd: BorrowedFd<'_>, token: Token) -> io::Result<()>;

    /// Its own descriptor, readable when a wait would report something:
    /// what another loop polls to know when to step this one.
    fn fd(&self) -> BorrowedFd<'_>;

    /// Waits up to `timeout` (`None`: no limit; never shorter than asked)
    /// and appends what became ready. An interrupted wait returns with
    /// nothing.
    fn wait(&mut self, timeout: Option<Duration>, out: &mut Vec<Readiness>) -> io::Result<()>;
}

/// What another thread uses to wake the loop.
pub(crate) trait Notify: Send + Sync + Sized {
    fn new() -> io::Result<Self>;
    /// The descriptor to register with [`Backend::register_notifier`].
    fn fd(&self) -> BorrowedFd<'_>;
    /// Wakes the loop (from any thread).
    fn notify(&self);
    /// Resets it after the loop woke.
    fn drain(&self);
}

/// Signals delivered through a descriptor.
pub(crate) trait SignalSource: Sized {
    fn new() -> io::Result<Self>;
    /// Blocks `signo` in the calling thread (so that it stays pending
    /// instead of running its default action) and adds it to the set this
    /// source reports.
    fn add(&mut self, signo: i32) -> io::Result<()>;
    /// Stops reporting `signo` and unblocks it in the calling thread: a
    /// signal of it still pending runs its action then.
    fn remove(&mut self, signo: i32) -> io::Result<()>;
    /// Blocks `signo` in the calling thread without watching it yet.
    fn block(signo: i32) -> io::Result<()>;
    /// Unblocks `signo` in the calling thread.
    fn unblock(signo: i32) -> io::Result<()>;
    /// Takes the arrivals of `signo`, blocked in the calling thread, that
    /// are pending (the thread's and the process's), if any: nothing runs
    /// for them. Needs no descriptor.
    fn forget_pending(signo: i32) -> io::Result<()>;
    /// Runs `f` with every signal a program may block blocked in the
    /// calling thread (but those a fault of the thread raises, `SIGSEGV`
    /// and the like), then gives the thread its mask back: a thread `f`
    /// spawns starts with them all blocked, as threads inherit the mask of
    /// their spawner. (If the mask cannot be changed, which
    /// `pthread_sigmask` only refuses for a bad argument, `f` runs anyway.)
    fn with_all_blocked<R>(f: impl FnOnce() -> R) -> R;
    /// Unblocks every signal in the calling thread, reporting a failure
    /// only by its error number: what a child process runs between `fork`
    /// and `exec` (see `io::CommandExt`), where only async-signal-safe
    /// calls may be made.
    fn unblock_all_in_child() -> Result<(), i32>;
    /// The descriptor to wait on for readability.
    fn fd(&self) -> BorrowedFd<'_>;
    /// Takes the signals that arrived (appends their numbers), without
    /// blocking.
    fn take(&self, out: &mut Vec<i32>) -> io::Result<()>;
}
