//! The epoll backend: every epoll, eventfd and signalfd call of the crate.
//! Nothing else calls these; the loop reaches them through the traits of
//! [`super::backend`].

use std::ffi::c_ulong;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use rustix::event::{epoll, eventfd, EventfdFlags, Timespec};
use rustix::io::Errno;

use super::backend::{Backend, Notify, Readiness, Ready, Registered, SignalSource, Token};

/// The loop's epoll instance.
pub(crate) struct Epoll {
    ep: OwnedFd,
    events: Vec<epoll::Event>,
}

/// The epoll flags for `want`, one-shot. Error and hang-up are always
/// reported by epoll; RDHUP makes a peer's shutdown wake a reader (and a
/// hang-up wait) too.
fn flags(want: Ready) -> epoll::EventFlags {
    let mut f = epoll::EventFlags::ONESHOT;
    if want.intersects(Ready::READ) {
        f |= epoll::EventFlags::IN | epoll::EventFlags::RDHUP;
    }
    if want.intersects(Ready::WRITE) {
        f |= epoll::EventFlags::OUT;
    }
    if want.intersects(Ready::HUP) {
        f |= epoll::EventFlags::RDHUP;
    }
    f
}

/// The epoll flags of an edge-triggered registration: every kind, for good,
/// and TCP's urgent data (see [`Ready::URGENT`]).
fn edge_flags() -> epoll::EventFlags {
    use epoll::EventFlags as F;
    F::ET | F::IN | F::OUT | F::RDHUP | F::PRI
}

/// What epoll's flags mean for the waits: an error or a hang-up counts as
/// every kind of readiness, so that the next read or write reports it.
fn ready(f: epoll::EventFlags) -> Ready {
    use epoll::EventFlags as F;
    let mut r = Ready::NONE;
    if f.intersects(F::ERR | F::HUP) {
        return Ready::READ.union(Ready::WRITE).union(Ready::HUP);
    }
    if f.contains(F::IN) {
        r = r.union(Ready::READ);
    }
    if f.contains(F::PRI) {
        r = r.union(Ready::READ).union(Ready::URGENT);
    }
    if f.contains(F::RDHUP) {
        r = r.union(Ready::READ).union(Ready::HUP);
    }
    if f.contains(F::OUT) {
        r = r.union(Ready::WRITE);
    }
    r
}

impl Backend for Epoll {
    fn fd(&self) -> BorrowedFd<'_> {
        self.ep.as_fd()
    }

    fn new() -> io::Result<Epoll> {
        let ep = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        Ok(Epoll {
            ep,
            events: Vec::with_capacity(256),
        })
    }

    fn register(&self, fd: BorrowedFd<'_>, token: Token, want: Ready) -> io::Result<Registered> {
        let data = epoll::EventData::new_u64(token.0);
        match retry(|| epoll::add(&self.ep, fd, data, flags(want))) {
            Ok(()) => Ok(Registered::Polled),
            // epoll refuses regular files and directories: they never
            // block, so every wait on them is over at once.
            Err(e) if e == Errno::PERM => Ok(Registered::AlwaysReady),
            Err(e) => Err(e.into()),
        }
    }

    fn rearm(&self, fd: BorrowedFd<'_>, token: Token, want: Ready) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token.0);
        Ok(retry(|| epoll::modify(&self.ep, fd, data, flags(want)))?)
    }

    fn register_edge(&self, fd: BorrowedFd<'_>, token: Token) -> io::Result<Registered> {
        let data = epoll::EventData::new_u64(token.0);
        match retry(|| epoll::add(&self.ep, fd, data, edge_flags())) {
            Ok(()) => Ok(Registered::Polled),
            Err(e) if e == Errno::PERM => Ok(Registered::AlwaysReady),
            Err(e) => Err(e.into()),
        }
    }

    /// A modification makes epoll look at the descriptor again: if it is
    /// ready, that is reported at the next wait even without a new edge.
    fn rearm_edge(&self, fd: BorrowedFd<'_>, token: Token) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token.0);
        Ok(retry(|| epoll::modify(&self.ep, fd, data, edge_flags()))?)
    }

    fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        Ok(retry(|| epoll::delete(&self.ep, fd))?)
    }

    fn register_notifier(&self, fd: BorrowedFd<'_>, token: Token) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token.0);
        // Level-triggered: it stays armed; the loop drains it after a wake.
        Ok(retry(|| {
            epoll::add(&self.ep, fd, data, epoll::EventFlags::IN)
        })?)
    }

    /// `epoll_wait`, its timeout rounded up to whole milliseconds so that a
    /// 0.4 ms wait does not become a busy 0 ms wait. `EINTR` counts as a
    /// wake-up with nothing ready.
    fn wait(&mut self, timeout: Option<Duration>, out: &mut Vec<Readiness>) -> io::Result<()> {
        let ts = timeout.map(|d| {
            let ms = d.as_nanos().div_ceil(1_000_000);
            let ms = ms.min(i32::MAX as u128) as i64;
            Timespec {
                tv_sec: ms / 1000,
                tv_nsec: (ms % 1000) * 1_000_000,
            }
        });
        self.events.clear();
        match epoll::wait(
            &self.ep,
            rustix::buffer::spare_capacity(&mut self.events),
            ts.as_ref(),
        ) {
            Ok(_) => {}
            Err(Errno::INTR) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        out.extend(self.events.iter().map(|ev| Readiness {
            token: Token(ev.data.u64()),
            ready: ready(ev.flags),
        }));
        if self.events.len() == self.events.capacity() {
            // A full buffer: more may be ready; grow for the next turn.
            self.events.reserve(self.events.capacity());
        }
        Ok(())
    }
}

fn retry(mut f: impl FnMut() -> rustix::io::Result<()>) -> rustix::io::Result<()> {
    loop {
        match f() {
            Err(Errno::INTR) => continue,
            r => return r,
        }
    }
}

/// An eventfd that another thread writes to wake the loop.
pub(crate) struct EventFd {
    fd: OwnedFd,
}

impl Notify for EventFd {
    fn new() -> io::Result<EventFd> {
        let fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(EventFd { fd })
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Adds one to the counter; the loop's epoll sees it readable.
    fn notify(&self) {
        // EAGAIN means the counter is saturated: the loop wakes anyway.
        let _ = retry(|| rustix::io::write(&self.fd, &1u64.to_ne_bytes()).map(drop));
    }

    /// Resets the counter after a wake-up.
    fn drain(&self) {
        let mut buf = [0u8; 8];
        let _ = retry(|| rustix::io::read(&self.fd, &mut buf).map(drop));
    }
}

// ---- signals: signalfd(2) and the thread's signal mask ----
//
// rustix has no signalfd and keeps the signal mask to its `runtime` API,
// which bypasses the C library; the C library's own functions are declared
// here instead (std links it anyway).

/// The C library's `sigset_t` on Linux (glibc and musl): 1024 bits in an
/// array of `unsigned long`, signal `n` at bit `(n - 1) % BITS` of word
/// `(n - 1) / BITS`. Words of the C type, not `u64`: on a 32-bit
/// big-endian target a `u64` would put half of its bits in the other word.
#[repr(C)]
#[derive(Clone, Copy)]
struct SigSet([c_ulong; SIGSET_WORDS]);

/// Bits in a word of [`SigSet`].
const WORD_BITS: usize = c_ulong::BITS as usize;
/// Words in a [`SigSet`].
const SIGSET_WORDS: usize = 1024 / WORD_BITS;

impl SigSet {
    const EMPTY: SigSet = SigSet([0; SIGSET_WORDS]);

    fn with(mut self, signo: i32) -> SigSet {
        let bit = (signo - 1) as usize;
        self.0[bit / WORD_BITS] |= 1 << (bit % WORD_BITS);
        self
    }

    fn without(mut self, signo: i32) -> SigSet {
        let bit = (signo - 1) as usize;
        self.0[bit / WORD_BITS] &= !(1 << (bit % WORD_BITS));
        self
    }

    /// The signals of `self` that are not in `other`.
    fn minus(mut self, other: &SigSet) -> SigSet {
        for (word, theirs) in self.0.iter_mut().zip(other.0) {
            *word &= !theirs;
        }
        self
    }
}

extern "C" {
    fn signalfd(fd: i32, mask: *const SigSet, flags: i32) -> i32;
    fn pthread_sigmask(how: i32, set: *const SigSet, old: *mut SigSet) -> i32;
    fn sigfillset(set: *mut SigSet) -> i32;
    fn sigtimedwait(set: *const SigSet, info: *mut u8, timeout: *const [i64; 2]) -> i32;
}

/// `SIG_BLOCK`: 0 on most architectures, 1 on those that kept older values.
#[cfg(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
))]
const SIG_BLOCK: i32 = 1;
#[cfg(not(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc",
    target_arch = "sparc64"
)))]
const SIG_BLOCK: i32 = 0;

/// `SIG_UNBLOCK`: one more than `SIG_BLOCK` everywhere.
const SIG_UNBLOCK: i32 = SIG_BLOCK + 1;

/// `struct signalfd_siginfo` is 128 bytes; `ssi_signo` is its first field.
const SIGINFO_LEN: usize = 128;

fn block(set: &SigSet) -> io::Result<()> {
    change_mask(SIG_BLOCK, set)
}

fn change_mask(how: i32, set: &SigSet) -> io::Result<()> {
    // SAFETY: `set` points to a valid sigset_t of the C library's size for
    // the whole call, and a null `old` asks for nothing back.
    let rc = unsafe { pthread_sigmask(how, set, std::ptr::null_mut()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

/// Every signal a program may block: the C library's full set, which
/// leaves out the signals it keeps for itself (glibc's and musl's thread
/// cancellation and set*id calls), so that those still work.
fn full_set() -> SigSet {
    let mut set = SigSet::EMPTY;
    // SAFETY: `set` is a valid, writable sigset_t of the C library's size;
    // sigfillset cannot fail with a valid pointer.
    unsafe { sigfillset(&mut set) };
    set
}

/// A signalfd, and the set of signals it reports.
pub(crate) struct SignalFd {
    fd: OwnedFd,
    set: SigSet,
}

impl SignalSource for SignalFd {
    fn new() -> io::Result<SignalFd> {
        let set = SigSet::EMPTY;
        // SFD_CLOEXEC and SFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK, as are
        // the eventfd flags of the same names.
        let flags = (EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).bits() as i32;
        // SAFETY: `set` is a valid sigset_t for the whole call; -1 asks for
        // a new descriptor.
        let raw = unsafe { signalfd(-1, &set, flags) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: signalfd returned a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(SignalFd { fd, set })
    }

    fn add(&mut self, signo: i32) -> io::Result<()> {
        let set = self.set.with(signo);
        block(&set)?;
        // SAFETY: as in `new`; passing our own descriptor updates its mask.
        let rc = unsafe { signalfd(self.fd.as_raw_fd(), &set, 0) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        self.set = set;
        Ok(())
    }

    fn remove(&mut self, signo: i32) -> io::Result<()> {
        let set = self.set.without(signo);
        // SAFETY: as in `add`.
        let rc = unsafe { signalfd(self.fd.as_raw_fd(), &set, 0) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        self.set = set;
        Self::unblock(signo)
    }

    fn block(signo: i32) -> io::Result<()> {
        block(&SigSet::EMPTY.with(signo))
    }

    fn unblock(signo: i32) -> io::Result<()> {
        change_mask(SIG_UNBLOCK, &SigSet::EMPTY.with(signo))
    }

    fn forget_pending(signo: i32) -> io::Result<()> {
        let set = SigSet::EMPTY.with(signo);
        // A zero timeout: an arrival pending is taken, or none is, at once
        // (a check first, then a wait, could block for good if another
        // thread took it in between). Until none is left: one sent to the
        // thread and one to the process are two. All zero bytes are a
        // zero `struct timespec` whatever the width of its fields.
        let zero = [0i64; 2];
        loop {
            // SAFETY: `set` is a valid sigset_t and `zero` 16 readable
            // bytes for the whole call; a null `info` asks for nothing.
            if unsafe { sigtimedwait(&set, std::ptr::null_mut(), &zero) } >= 0 {
                continue;
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock => return Ok(()),
                io::ErrorKind::Interrupted => continue,
                _ => return Err(e),
            }
        }
    }

    fn unblock_all_in_child() -> Result<(), i32> {
        let full = full_set();
        // SAFETY: `full` is a valid sigset_t of the C library's size for
        // the whole call, and a null `old` asks for nothing back.
        // `pthread_sigmask` is async-signal-safe, and nothing here
        // allocates: fit for a child between `fork` and `exec`.
        match unsafe { pthread_sigmask(SIG_UNBLOCK, &full, std::ptr::null_mut()) } {
            0 => Ok(()),
            e => Err(e),
        }
    }

    fn with_all_blocked<R>(f: impl FnOnce() -> R) -> R {
        // Not the signals a fault of the thread itself raises: blocked, the
        // kernel runs their default action anyway, past any handler (Rust's
        // "has overflowed its stack" message among them).
        use rustix::process::Signal as S;
        let full = [S::SEGV, S::BUS, S::FPE, S::ILL, S::TRAP, S::SYS]
            .into_iter()
            .fold(full_set(), |set, s| set.without(s.as_raw()));
        let mut old = SigSet::EMPTY;
        // SAFETY: `full` and `old` are valid sigset_t of the C library's
        // size for the whole call; `old` receives the mask before it.
        let rc = unsafe { pthread_sigmask(SIG_BLOCK, &full, &mut old) };
        let out = f();
        if rc == 0 {
            // Only what this call blocked is unblocked again (SIG_SETMASK
            // would need one more per-architecture constant): the mask is
            // `old` again.
            let _ = change_mask(SIG_UNBLOCK, &full.minus(&old));
        }
        out
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn take(&self, out: &mut Vec<i32>) -> io::Result<()> {
        let mut buf = [0u8; SIGINFO_LEN * 8];
        loop {
            match rustix::io::read(&self.fd, &mut buf) {
                Ok(n) => {
                    for info in buf[..n].chunks_exact(SIGINFO_LEN) {
                        let signo = u32::from_ne_bytes([info[0], info[1], info[2], info[3]]);
                        out.push(signo as i32);
                    }
                    if n < buf.len() {
                        return Ok(());
                    }
                }
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" {
        fn sigaddset(set: *mut SigSet, signo: i32) -> i32;
        fn sigismember(set: *const SigSet, signo: i32) -> i32;
    }

    /// The set built here is the C library's, bit for bit, for every
    /// signal the C library lets a program name (it keeps a few of the
    /// real-time ones for itself), on any word size and byte order.
    #[test]
    fn a_signal_set_is_laid_out_as_the_c_library_lays_it_out() {
        for signo in 1..=64 {
            // Empty to begin with: the C library's `sigemptyset` may clear
            // only the words the kernel reads.
            let mut theirs = SigSet::EMPTY;
            // SAFETY: `theirs` is a writable sigset_t of the C library's
            // size.
            let added = unsafe { sigaddset(&mut theirs, signo) == 0 };
            if !added {
                continue;
            }
            let ours = SigSet::EMPTY.with(signo);
            assert!(ours.0 == theirs.0, "signal {signo}: the words differ");
            // SAFETY: a valid sigset_t, read only.
            assert_eq!(unsafe { sigismember(&ours, signo) }, 1, "signal {signo}");
            let none = ours.without(signo);
            assert!(none.0 == SigSet::EMPTY.0, "signal {signo}: not removed");
        }
    }
}
