//! Keeps chains of synchronous work off the stack.
//!
//! Two things nest without bound in user programs: events completing
//! events (a chain of [`Event::map`](crate::Event::map), or
//! [`Event::from_fn`](crate::Event::from_fn) callbacks that trigger or drop
//! the next event) and tamed functions that call tamed functions which run
//! to completion without blocking (a callback that starts the next lookup
//! when one answers at once). Done recursively, a chain of 30,000 such
//! calls overflows an 8 MiB stack. Both are bounded here, by depth
//! ([`MAX_DEPTH`] levels) and by the stack the chain has taken
//! ([`STACK_BUDGET`] bytes, for levels with big frames: a debug build's
//! DNS lookup takes 35 KB a level):
//!
//! * an event completion nested beyond the bound is queued and run by the
//!   outermost completion before it returns (a trampoline), so a chain
//!   still completes inside the `trigger` or drop that started it;
//! * a tamed function started beyond the bound inside other starts is
//!   queued on the loop like a task that was woken, instead of running up
//!   to its first `twait` at once; its caller sees its event outstanding
//!   and waits for it as for any other.
//!
//! Below the bound nothing changes and nothing is allocated.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::mem::ManuallyDrop;

/// How deep completions (and, separately, starts) nest before the next one
/// is queued. A level costs a few hundred bytes of stack for tame's own
/// frames, plus whatever the user's callback or function body takes.
pub(crate) const MAX_DEPTH: u32 = 64;

/// How much stack a chain may take, from its outermost level, before the
/// next level is queued: a quarter of the 2 MiB a spawned thread gets.
pub(crate) const STACK_BUDGET: usize = 512 * 1024;

/// Completions queued by the trampoline, in order.
type Queue = VecDeque<Box<dyn FnOnce()>>;

thread_local! {
    static COMPLETING: Cell<u32> = const { Cell::new(0) };
    /// Never torn down (a thread-local without a destructor stays usable
    /// while the others' destructors run): completions run by the loop's
    /// teardown at thread exit are still queued, not run recursively. It
    /// is empty, and holds no memory, whenever no completion runs, unless
    /// one panicked: what it holds at thread exit is leaked.
    static DEFERRED: ManuallyDrop<RefCell<Queue>> =
        const { ManuallyDrop::new(RefCell::new(VecDeque::new())) };
    /// Where the stack was at the outermost completion.
    static COMPLETING_BASE: Cell<usize> = const { Cell::new(0) };
    /// An event handed to the gone loop is being dropped (see
    /// `crate::driver::drop_for_gone_loop`): also while a completion
    /// queued then runs, later.
    static DROPPING_FOR_GONE_LOOP: Cell<bool> = const { Cell::new(false) };
    /// What is dropped now was handed to the gone loop by a callback such
    /// a drop ran (see [`while_discarding`]): every event dropped is
    /// dropped uncalled.
    static DISCARDING: Cell<bool> = const { Cell::new(false) };
    /// How deep starts nest, and where the stack was at the outermost.
    static STARTING: Chain = const { Chain { depth: Cell::new(0), base: Cell::new(0) } };
}

/// A chain of starts: how deep it is, and where the stack was at its
/// outermost level. One thread-local, so that a start reaches both at once.
struct Chain {
    depth: Cell<u32>,
    base: Cell<usize>,
}

/// Ends a start: the chain is one level less deep again (also if the work
/// in between panics).
struct StartDepth(u32);

impl Drop for StartDepth {
    fn drop(&mut self) {
        let _ = STARTING.try_with(|c| c.depth.set(self.0));
    }
}

/// Where the stack is now: the stack pointer, read from its register.
/// (Not the address of a local: under AddressSanitizer's default
/// detection of use after return, locals whose address is taken live in
/// heap memory, and the stack a chain takes would never count.)
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
fn stack_here() -> usize {
    let sp: usize;
    // SAFETY: copies the stack pointer to a register; reads and writes no
    // memory, leaves the stack and the flags alone.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
        #[cfg(target_arch = "aarch64")]
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}

/// Roughly where the stack is now: the address of a local of this frame.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline(always)]
fn stack_here() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Whether a chain at `depth`, whose outermost level recorded `base`, may
/// go one level deeper here; records the base at the outermost level.
#[inline]
fn may_nest(depth: u32, base: &'static std::thread::LocalKey<Cell<usize>>) -> bool {
    let here = stack_here();
    if depth == 0 {
        base.with(|b| b.set(here));
        return true;
    }
    depth < MAX_DEPTH && base.with(Cell::get).abs_diff(here) < STACK_BUDGET
}

/// Restores a depth count, also when the work in between panics.
struct Depth(&'static std::thread::LocalKey<Cell<u32>>, u32);

impl Drop for Depth {
    fn drop(&mut self) {
        let _ = self.0.try_with(|d| d.set(self.1));
    }
}

/// Runs `complete`, an event's completion, now, or queues it when
/// completions already nest beyond the bound. The outermost completion
/// runs what was queued, in order, before it returns.
///
/// If a queued completion panics, the rest stays queued and runs at the
/// next outermost completion.
pub(crate) fn complete(complete: impl FnOnce() + 'static) {
    let Ok(depth) = COMPLETING.try_with(Cell::get) else {
        // Thread teardown: no bookkeeping left; run it as it comes.
        complete();
        return;
    };
    if !may_nest(depth, &COMPLETING_BASE) {
        // Queued while an event handed to the gone loop is dropped: it
        // runs marked so, as it would have run inline.
        let complete: Box<dyn FnOnce()> = if dropping_for_gone_loop() {
            Box::new(move || while_dropping_for_gone_loop(complete))
        } else {
            Box::new(complete)
        };
        let mut complete = Some(complete);
        let queued = DEFERRED.try_with(|q| {
            if let Some(c) = complete.take() {
                q.borrow_mut().push_back(c);
            }
        });
        if queued.is_err() {
            // The queue is gone (thread teardown, whose order of
            // destruction is not ours to choose): run it as it comes.
            if let Some(c) = complete {
                c();
            }
        }
        return;
    }
    let _restore = Depth(&COMPLETING, depth);
    let _left = (depth == 0).then_some(LeftByPanic);
    let _ = COMPLETING.try_with(|d| d.set(depth + 1));
    complete();
    if depth == 0 {
        // Each queued completion starts again from depth 1, so a chain of
        // any length advances MAX_DEPTH links per item.
        let mut queued = false;
        while let Some(next) = DEFERRED
            .try_with(|q| q.borrow_mut().pop_front())
            .ok()
            .flatten()
        {
            queued = true;
            next();
        }
        if queued {
            give_back_queue();
        }
    }
}

/// Frees the drained queue's buffer. The queue is never torn down (see
/// `DEFERRED`), so a buffer kept would be lost at thread exit, and would
/// hold a burst's peak size until then; chains deep enough to queue are
/// rare enough that growing it again costs nothing that shows.
fn give_back_queue() {
    let _ = DEFERRED.try_with(|q| {
        if let Ok(mut q) = q.try_borrow_mut() {
            if q.is_empty() {
                *q = VecDeque::new();
            }
        }
    });
}

/// Notes, when the outermost completion unwinds with completions left
/// queued, that they must run at thread exit if nothing runs them before
/// (a thread that never made a loop has no teardown of its own to).
struct LeftByPanic;

impl Drop for LeftByPanic {
    fn drop(&mut self) {
        if std::thread::panicking() && any_left() {
            let _ = LEFT_AT_EXIT.try_with(|_| ());
        }
    }
}

thread_local! {
    /// Made by a panic that left completions queued: at thread exit, runs
    /// what is still queued (the loop's teardown, if the thread has a
    /// loop, may have run it already).
    static LEFT_AT_EXIT: LeftAtExit = const { LeftAtExit };
}

struct LeftAtExit;

impl Drop for LeftAtExit {
    fn drop(&mut self) {
        run_left(crate::driver::at_exit);
    }
}

/// Runs the completions left queued by one that panicked (the outermost
/// completion that ran them unwound), unless a completion is running
/// (it runs them itself). `each` runs each one: the loop's teardown
/// catches their panics there.
#[inline]
pub(crate) fn run_left(each: impl FnMut(Box<dyn FnOnce()>)) {
    // (Inlined: the loop asks at every turn, and nothing is left but after
    // a completion's panic.)
    if COMPLETING.with(Cell::get) == 0 && any_left() {
        run_left_queued(each);
    }
}

/// [`run_left`] with completions queued.
fn run_left_queued(mut each: impl FnMut(Box<dyn FnOnce()>)) {
    while let Some(next) = DEFERRED.with(|q| q.borrow_mut().pop_front()) {
        let _restore = Depth(&COMPLETING, 0);
        COMPLETING.with(|d| d.set(1));
        each(next);
    }
    give_back_queue();
}

/// Whether completions are left queued (see [`run_left`]).
pub(crate) fn any_left() -> bool {
    DEFERRED.with(|q| !q.borrow().is_empty())
}

/// Whether an event handed to the gone loop is being dropped here.
pub(crate) fn dropping_for_gone_loop() -> bool {
    DROPPING_FOR_GONE_LOOP.with(Cell::get)
}

/// Runs `f` (the drop of an event handed to the gone loop) marked as such,
/// also the completions it queues.
pub(crate) fn while_dropping_for_gone_loop(f: impl FnOnce()) {
    while_set(&DROPPING_FOR_GONE_LOOP, f);
}

/// Whether events dropped now are dropped uncalled (see
/// [`while_discarding`]).
pub(crate) fn discarding() -> bool {
    DISCARDING.try_with(Cell::get).unwrap_or(false)
}

/// Runs `f`, the drop of what a callback run by the gone loop's drop of
/// an event handed over (a tamed function it started, which the gone loop
/// cannot run): every event dropped meanwhile is dropped uncalled, as the
/// event itself would be (see `crate::driver::drop_for_gone_loop`), so
/// that a callback that starts such a function again whatever it gets
/// ends rather than run for ever.
pub(crate) fn while_discarding(f: impl FnOnce()) {
    while_set(&DISCARDING, f);
}

/// Runs `f` with `flag` set, and sets it back as it was after (also if
/// `f` panics).
fn while_set(flag: &'static std::thread::LocalKey<Cell<bool>>, f: impl FnOnce()) {
    struct Restore(&'static std::thread::LocalKey<Cell<bool>>, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            self.0.with(|d| d.set(self.1));
        }
    }
    let _restore = Restore(flag, flag.with(|d| d.replace(true)));
    f();
}

/// A tamed function's start may run inline; dropping the guard ends it.
pub(crate) struct Start {
    _restore: StartDepth,
}

/// `Some` when a task's start may run inline, `None` when starts already
/// nest beyond the bound and this one is to be queued on the loop.
pub(crate) fn start() -> Option<Start> {
    let here = stack_here();
    let Ok(depth) = STARTING.try_with(|c| {
        let depth = c.depth.get();
        if depth == 0 {
            c.base.set(here);
        } else if depth >= MAX_DEPTH || c.base.get().abs_diff(here) >= STACK_BUDGET {
            return None;
        }
        c.depth.set(depth + 1);
        Some(depth)
    }) else {
        // Thread teardown: run it inline; nothing else would run it.
        return Some(Start {
            _restore: StartDepth(0),
        });
    };
    Some(Start {
        _restore: StartDepth(depth?),
    })
}
