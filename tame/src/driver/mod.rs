//! The loop: one per thread. A FIFO ready queue, timers, the registrations
//! of descriptors (keyed by a slab token; see [`crate::io`] for who owns
//! them), the count of live waits, and the wake-up path for futures woken
//! from other threads.
//!
//! The OS is reached only through [`backend`], the seam another readiness
//! source would implement.
//!
//! This file holds the loop and its turn; the crate's ways into it are
//! split by subject: [`timing`] (timers and the clock), [`registry`]
//! (descriptors' registrations) and [`deaths`] (counting live waits and
//! reaping dead ones).
//!
//! # How `run()` knows what is live, without scanning
//!
//! A descriptor's registration (a [`Registration`]: a source or the signal
//! table) parks the operations that wait on it. Parking one *watches* its
//! event (`Event::watch`): the loop counts it as live ([`waits`]), and the
//! event's owner (a rendezvous, a future) remembers the wait's [`WaitId`].
//! When the event dies untriggered (its rendezvous is cancelled or dropped,
//! its future dropped), the owner reports the id here ([`waits_died`]); at
//! the top of its next turn the loop asks the registration to drop that
//! wait ([`Registration::reap`]), which uncounts it. So `run()` returns
//! when no wait is live and nothing else is pending: no table is
//! scanned and nothing is retried on a timer.
//!
//! Nothing here calls user code (a task, a waker, an event's callback) while
//! one of the loop's `RefCell`s is borrowed: what must run is taken out
//! first, the borrow dropped, then it runs.

mod backend;
mod clock;
mod deaths;
mod epoll;
mod registry;
mod ring;
mod slab;
mod timers;
mod timing;
mod waits;

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::event::Event;
use crate::task::{BlockedTask, Header, TaskObj, TaskRef, NOT_REGISTERED};
use backend::{Backend, Notifier, Notify, Readiness, Selector};
pub(crate) use backend::{Ready, Registered, SignalSource, Signals, Token};
use clock::{duration_ns, Clock, FAR_NS};
use ring::Ring;
pub(crate) use slab::Slab;
pub(crate) use timers::Key;
use timers::{Due, Timers};
use waits::Waits;

pub(crate) use deaths::*;
pub(crate) use registry::*;
pub(crate) use timing::*;
pub(crate) use waits::{WatchSet, UNWATCHED};

/// The token of the cross-thread wake-up; never a registration's (those
/// have an index below `u32::MAX`).
const WAKEUP_TOKEN: Token = Token(u64::MAX);

/// What the ready queue holds.
enum Runnable {
    /// A task to poll.
    Task(TaskRef),
    /// An event to trigger.
    Fire(Event<()>),
}

/// Something registered with the backend: a descriptor's source, or the
/// signal table. The loop holds it weakly (its owner decides when it goes)
/// and reaches it through its token.
pub(crate) trait Registration {
    /// The backend reported `ready` under this registration's token.
    fn ready(self: Rc<Self>, ready: Ready);
    /// A report that is handed over on the next turn instead (a callback
    /// of its batch panicked), taken note of now: what happens meanwhile
    /// (a syscall that says the descriptor is not ready after all) can
    /// tell it is out of date.
    fn note(&self, _ready: Ready) {}
    /// The report taken note of (see [`note`](Self::note)), handed over:
    /// what of it is still true.
    fn ready_noted(self: Rc<Self>, ready: Ready) {
        self.ready(ready);
    }
    /// The event of a wait parked here died: drop the parked waits whose
    /// events are dead (and uncount them). A report may come late, after
    /// the wait ended anyway: then there is nothing to drop.
    fn reap(&self);
    /// The event of one queued waiter, watched under [`waiter_id`]`(token,
    /// seq)`, died: by default, as [`reap`](Self::reap). A report may be
    /// stale, its entry in the loop's table reused by another registration
    /// (a waiter's id has no room for the registration's generation): it
    /// drops what is dead, nothing else.
    fn reap_waiter(&self, _seq: u32) {
        self.reap();
    }
    /// The token it was registered under (so that a stale token, whose slab
    /// entry was reused, is told apart).
    fn token(&self) -> Token;
    /// The loop is going away with the thread: drop every parked wait, so
    /// that the operations' references to their sources (a cycle while
    /// parked) go and the descriptors are closed.
    fn teardown(&self);
}

/// What a watched event reports when it dies: the token of the
/// registration its wait is parked on.
pub(crate) type WaitId = Token;

/// Futures spawned on the loop, found by the key their wakers carry.
#[derive(Default)]
struct Spawned {
    tasks: Vec<Option<TaskRef>>,
    free: Vec<usize>,
    live: usize,
    /// How many free keys make [`Spawned::trim`] look (0: [`SPAWNED_KEPT`]).
    trim_at: usize,
}

/// The keys [`Spawned`] keeps room for whatever it held before.
const SPAWNED_KEPT: usize = 64;

impl Spawned {
    /// After a burst: the free keys past the last one in use go (a key is
    /// in its wakers, so those before it stay), and so does the room the
    /// two lists no longer need, as the loop's other tables give theirs
    /// back. Looks again only when the free keys have doubled since, so
    /// the cost of the scans stays in proportion to the removals, or when
    /// the last one went (all then).
    fn trim(&mut self) {
        if self.live > 0 && self.free.len() < self.trim_at.max(SPAWNED_KEPT) {
            return;
        }
        while let Some(None) = self.tasks.last() {
            self.tasks.pop();
        }
        let len = self.tasks.len();
        self.free.retain(|&k| k < len);
        let (len, free) = (len.max(SPAWNED_KEPT), self.free.len().max(SPAWNED_KEPT));
        if self.tasks.capacity() > 4 * len {
            self.tasks.shrink_to(2 * len);
        }
        if self.free.capacity() > 4 * free {
            self.free.shrink_to(2 * free);
        }
        self.trim_at = 2 * self.free.len();
    }
}

/// Wake-ups from other threads: keys of spawned futures, and the notifier
/// that makes the loop look at them.
///
/// A future is queued once until the loop polls it (its waker's `queued`
/// flag, see `compat::WakeHandle`), so the list holds at most one key per
/// future woken; once the loop's thread is gone, wakes queue nothing.
pub(crate) struct Remote {
    /// The keys woken and the descriptor that wakes the loop, or `None`
    /// once the loop's thread is gone: a waker kept past it holds no
    /// descriptor (a pool that keeps wakers of many short-lived loops
    /// would hold an eventfd of each).
    open: Mutex<Option<Open>>,
    /// The spawned futures' wakers alive (each future has at most one
    /// shared part, which its clones share): whether any future can still
    /// be woken is this count, not a scan of the futures.
    wakers: AtomicUsize,
}

/// What a [`Remote`] holds while its loop's thread lives.
struct Open {
    keys: Vec<usize>,
    wakeup: Notifier,
}

impl Remote {
    fn open(&self) -> std::sync::MutexGuard<'_, Option<Open>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes the loop, if it is still there.
    fn notify(&self) {
        if let Some(open) = self.open().as_ref() {
            open.wakeup.notify();
        }
    }

    /// A spawned future's waker was made (see `compat::FutureTask::wake_handle`).
    pub(crate) fn waker_made(&self) {
        self.wakers.fetch_add(1, Ordering::Relaxed);
    }

    /// A spawned future's waker went, on any thread: a Release decrement,
    /// which the loop's Acquire load pairs with.
    pub(crate) fn waker_gone(&self) {
        self.wakers.fetch_sub(1, Ordering::Release);
    }

    /// Wakes the loop with nothing queued, so that it looks again at what
    /// can still progress (a spawned future's last waker went).
    pub(crate) fn recheck(&self) {
        self.notify();
    }

    /// Queues the future with `key`, woken on another thread, for the
    /// loop's next turn; nothing once the loop's thread is gone (nobody
    /// would ever take it: the list would grow with every wake).
    pub(crate) fn wake(&self, key: usize) {
        let mut guard = self.open();
        let Some(open) = guard.as_mut() else { return };
        let was_empty = open.keys.is_empty();
        open.keys.push(key);
        if was_empty {
            open.wakeup.notify();
        }
    }

    /// The loop's thread is going: what is queued is dropped, and nothing
    /// is queued from now on.
    fn close(&self) {
        let gone = self.open().take();
        drop(gone);
    }

    /// Whether a wake is queued.
    fn any_queued(&self) -> bool {
        self.open().as_ref().is_some_and(|o| !o.keys.is_empty())
    }

    /// Whether the future with `key` is queued by a wake from another
    /// thread (for [`crate::blocked`], which lists no future queued to be
    /// polled; the waker that queued it may be gone already).
    pub(crate) fn is_queued(&self, key: usize) -> bool {
        self.open().as_ref().is_some_and(|o| o.keys.contains(&key))
    }

    /// The keys queued, `None` once the loop is gone (for tests).
    #[cfg(test)]
    pub(crate) fn queued(&self) -> Option<Vec<usize>> {
        self.open().as_ref().map(|o| o.keys.clone())
    }
}

struct Loop {
    ready: RefCell<Ring<Runnable>>,
    /// What waits for the next turn, after the loop has looked at its fds
    /// and clock again: `asap` events, and futures that woke themselves
    /// while polled (both are yields; see [`fire_next_turn`]).
    next_turn: RefCell<Ring<Runnable>>,
    /// What yielded to the turn that starts, while that turn's due timers
    /// fire (see [`take_next_turn`]); empty otherwise. Its memory is
    /// reused turn after turn, as the two queues' is.
    yielded: RefCell<Ring<Runnable>>,
    /// The key (plus one) of the spawned future being polled, 0 if none:
    /// a wake of its own then is a yield (see [`spawned_wake`]).
    polling: Cell<usize>,
    /// `spawn_blocking` jobs whose results are waited for: a paused clock
    /// does not jump while one runs (its work takes real time).
    blocking: Cell<usize>,
    /// The loop's time, read once per turn (see [`clock`]).
    clock: Clock,
    timers: RefCell<Timers>,
    selector: RefCell<Option<Selector>>,
    /// Indexed by the low half of a token; the high half is a generation,
    /// bumped for every registration, so that a token of a registration
    /// that is gone does not reach the one that took its slab entry.
    registrations: RefCell<Slab<Weak<dyn Registration>>>,
    /// Live waits and dead ones to reap (see the module docs).
    waits: Waits,
    /// The tasks that blocked (or watched an event they were given) at
    /// least once, for `blocked()`, which reports those that wait. A task
    /// removes itself in its `Drop` at the latest, so every pointer here is
    /// to a live task (see [`registered_task`]); a finished task kept by
    /// `crate::spare` stays, and the next task of its type, started in its
    /// memory, takes over its entry.
    blocked: RefCell<Slab<*const dyn TaskObj>>,
    spawned: RefCell<Spawned>,
    remote: RefCell<Option<Arc<Remote>>>,
    running: Cell<bool>,
    /// In `run()` or `run_once()` (not only running a task started outside
    /// them): what a task yields to would get a turn.
    turning: Cell<bool>,
    /// Another loop drives this one: it asked for [`loop_fd`], and waits
    /// on it (see [`nudge`]).
    embedded: Cell<bool>,
    /// The wake-up descriptor was written for work queued outside a turn,
    /// and no turn has begun since.
    nudged: Cell<bool>,
    /// `stop()` was asked: `run()` returns after its turn.
    stop: Cell<bool>,
    /// How many turns have started (see [`turns`]).
    turns: Cell<u64>,
    /// Turns in a row whose queues held far fewer entries than their
    /// rings have room for (see [`shrink_idle_rings`]).
    quiet_turns: Cell<u32>,
    /// Events that live while any of several do (`tame::all`), watched by
    /// a task: a report of one death for the task's id is checked against
    /// them before the task is cancelled (see [`watch_partly`]).
    partly: RefCell<deaths::Partly>,
    /// Tasks just doomed whose callee tasks are still to be doomed, and
    /// whether that is under way (see `deaths::doomed`).
    dooming: RefCell<Vec<TaskRef>>,
    reporting_dooms: Cell<bool>,
}

impl Drop for Loop {
    fn drop(&mut self) {
        // Wakers held by other threads outlive the loop (and its `Remote`,
        // which they hold): their wakes must not pile up where nothing
        // takes them.
        if let Some(remote) = self.remote.get_mut().as_ref() {
            remote.close();
        }
        // Every task in the table of blocked tasks, held first (those done
        // and kept by `crate::spare` too): what follows may drop the last
        // reference to one, and a task freed now cannot leave the table
        // (its `unregister_blocked` finds the loop gone), which would then
        // point at freed memory.
        let mut tasks: Vec<TaskRef> = (self.blocked.get_mut().iter())
            .map(|&t| registered_task(t))
            .collect();
        let newest = newest_generation();
        tasks.sort_by_key(|t| t.header().teardown_rank(newest));
        // No task is started in the memory of a finished one from now on:
        // its entry in the table would be the table's, which goes with the
        // loop.
        crate::spare::close();
        // The thread ends: operations still parked would keep their sources
        // (and descriptors) alive forever. What their drops run finds the
        // loop gone (every path from a drop uses `try_with`).
        let regs: Vec<Rc<dyn Registration>> = self
            .registrations
            .get_mut()
            .drain()
            .filter_map(|r| r.upgrade())
            .collect();
        for reg in regs {
            // Drops the parked operations: their events' callbacks are
            // user code.
            at_exit(|| reg.teardown());
        }
        // Then the tasks still blocked end, as a cancelled task does (their
        // variables are dropped, descriptors closed): one waiting for an
        // event that carries a value holds that event's cell, which holds
        // the task, and nothing would run it again to break the cycle.
        for task in &tasks {
            at_exit(|| task.cancel_watched());
        }
        // Last, the completions a caught panic left queued (the program
        // did not run the loop again), then what is still queued, armed or
        // spawned, one at a time: an
        // untriggered event's callback and a future's destructor are user
        // code, which may panic. (Whatever they queue or arm now is dropped
        // at once: the loop is gone for them.)
        crate::nesting::run_left(at_exit);
        for queue in [
            self.ready.get_mut(),
            self.yielded.get_mut(),
            self.next_turn.get_mut(),
        ] {
            let mut queue = std::mem::replace(queue, Ring::new());
            while let Some(runnable) = queue.pop_front() {
                at_exit(|| drop(runnable));
            }
        }
        for ev in self.timers.get_mut().drain() {
            at_exit(|| drop(ev));
        }
        for future in std::mem::take(&mut self.spawned.get_mut().tasks) {
            at_exit(|| drop(future));
        }
        // Completions a panic above left queued: run (or dropped, if they
        // panic) rather than leaked.
        crate::nesting::run_left(at_exit);
    }
}

/// Runs `f`, user code reached from the loop's teardown at thread exit. A
/// panic in it has printed its message and goes no further: unwinding out
/// of a thread-local's destructor would abort the process.
pub(crate) fn at_exit(f: impl FnOnce()) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
}

thread_local! {
    /// The last generation handed out (see [`next_generation`]). Not in
    /// [`Loop`]: a task started in the memory of a finished one takes one
    /// (see `crate::spare`), and a thread-local without a destructor is
    /// read without a check of its state.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    static LOOP: Loop = const {
        Loop {
            ready: RefCell::new(Ring::new()),
            next_turn: RefCell::new(Ring::new()),
            yielded: RefCell::new(Ring::new()),
            polling: Cell::new(0),
            blocking: Cell::new(0),
            clock: Clock::new(),
            timers: RefCell::new(Timers::new()),
            selector: RefCell::new(None),
            registrations: RefCell::new(Slab::new()),
            waits: Waits::new(),
            blocked: RefCell::new(Slab::new()),
            spawned: RefCell::new(Spawned { tasks: Vec::new(), free: Vec::new(), live: 0, trim_at: 0 }),
            remote: RefCell::new(None),
            running: Cell::new(false),
            turning: Cell::new(false),
            embedded: Cell::new(false),
            nudged: Cell::new(false),
            stop: Cell::new(false),
            turns: Cell::new(0),
            quiet_turns: Cell::new(0),
            partly: RefCell::new(deaths::Partly::new()),
            dooming: RefCell::new(Vec::new()),
            reporting_dooms: Cell::new(false),
        }
    };
}

/// Whether this thread's loop still exists: false only while thread-local
/// storage is being torn down, when callbacks of dropped events still run.
pub(crate) fn alive() -> bool {
    LOOP.try_with(|_| ()).is_ok()
}

/// Whether this thread's loop is running (in `run()`, or running a task
/// started outside it).
pub(crate) fn running() -> bool {
    LOOP.try_with(|l| l.running.get()).unwrap_or(true)
}

/// Whether `run()` or `run_once()` is under way on this thread: a task
/// that gives up its turn then lets other work run. Outside them (a tamed
/// function started before the loop runs), nothing else could.
pub(crate) fn turning() -> bool {
    LOOP.try_with(|l| l.turning.get()).unwrap_or(false)
}

/// Runs `f` with the loop's cooperative budget in force, as in a turn:
/// a function it starts gives the thread up after its budget of twaits that
/// did not wait, and goes on in the loop's next turn. For `run_with`,
/// whose `run()` follows at once: without it, a function started there
/// that never waits would keep the loop from ever starting.
pub(crate) fn budgeted<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = LOOP.try_with(|l| l.turning.set(self.0));
        }
    }
    // (During thread teardown the loop is gone: `f` runs as outside it,
    // and what it starts is dropped unrun.)
    let was = LOOP.try_with(|l| l.turning.replace(true)).unwrap_or(false);
    let _restore = Restore(was);
    f()
}

/// Queues a task at the back of the ready queue, unless it is queued already.
pub(crate) fn schedule(task: TaskRef) {
    if task.header().queued.replace(true) {
        return;
    }
    enqueue(task);
}

/// Queues a task at the back of the ready queue; the caller marked it
/// queued (`Header::queued`), which it was not.
pub(crate) fn enqueue(task: TaskRef) {
    // During thread teardown the loop may be gone; nothing can run then.
    let _ = LOOP.try_with(|l| {
        l.ready.borrow_mut().push_back_with(|| Runnable::Task(task));
        nudge(l);
    });
}

/// Work was queued: if another loop drives this one and no turn is under
/// way (the work was queued by code that loop runs, a tokio task say),
/// the wake-up descriptor is written, once until the next turn, so that
/// [`loop_fd`] turns readable and that loop, parked on it, steps this one.
/// (Within a turn the work runs in it, or the caller asks
/// `next_timeout` after it.)
#[inline]
fn nudge(l: &Loop) {
    if l.embedded.get() {
        nudge_driver(l);
    }
}

#[cold]
fn nudge_driver(l: &Loop) {
    if l.turning.get() || l.nudged.replace(true) {
        return;
    }
    if let Some(remote) = l.remote.borrow().as_ref() {
        remote.notify();
    }
}

/// Queues `task` to run on the loop's next turn (a task that yields).
pub(crate) fn enqueue_next_turn(task: TaskRef) {
    // During thread teardown the loop may be gone; nothing can run then.
    let _ = LOOP.try_with(|l| {
        l.next_turn
            .borrow_mut()
            .push_back_with(|| Runnable::Task(task));
        nudge(l);
    });
}

/// Queues `ev` to be triggered from the ready queue, in this turn if the
/// loop runs one: the loop's own deferral (out of a callback, out of a
/// borrow), not a yield.
#[inline]
pub(crate) fn queue_fire(ev: Event<()>) {
    // During thread teardown the loop may be gone: the event is dropped.
    let mut ev = Some(ev);
    let _ = LOOP.try_with(|l| {
        if let Some(ev) = ev.take() {
            l.ready.borrow_mut().push_back_with(|| Runnable::Fire(ev));
            nudge(l);
        }
    });
    if let Some(ev) = ev {
        drop_for_gone_loop(ev);
    }
}

/// Triggers each event `evs` yields with the value it comes with, in
/// order: the waiters of something that happened once for them all (a
/// latch set, a value sent, a fan-out's trigger). If a callback panics,
/// the events not triggered yet are triggered from the ready queue (this
/// turn if the loop goes on, or when the program that caught the panic
/// runs it again), again under this guard: what they wait for did happen,
/// and dropped untriggered they would hear that it never will.
pub(crate) fn trigger_each<T, I>(evs: I)
where
    T: 'static,
    I: ExactSizeIterator<Item = (Event<T>, T)> + 'static,
{
    let mut rest = TriggerRest(Some(evs));
    // Reached from a drop while a panic unwinds (a sender dropped by it):
    // a callback that panicked here too would abort the process, so they
    // all go to the ready queue.
    if std::thread::panicking() {
        return;
    }
    while let Some((ev, value)) = rest.0.as_mut().and_then(Iterator::next) {
        ev.trigger(value);
    }
    rest.0 = None;
}

/// The events [`trigger_each`] has not triggered yet: queued when dropped
/// with some left (a callback panicked).
struct TriggerRest<T: 'static, I: ExactSizeIterator<Item = (Event<T>, T)> + 'static>(Option<I>);

impl<T: 'static, I: ExactSizeIterator<Item = (Event<T>, T)> + 'static> Drop for TriggerRest<T, I> {
    fn drop(&mut self) {
        let Some(rest) = self.0.take().filter(|rest| rest.len() > 0) else {
            return;
        };
        // Dropped untriggered (the loop is gone), it drops them untriggered.
        queue_fire(Event::from_fn(move |go: Option<()>| {
            if go.is_some() {
                trigger_each(rest);
            }
        }));
    }
}

/// Drops each of `items` in order: waiters whose events come back
/// untriggered (a channel closed, a primitive's last handle dropped), so
/// each drop may run a callback with `None`, which may panic. One that
/// does keeps none of the others from their `None`: all are dropped, and
/// the first panic then goes on to the caller; a later one has printed its
/// message and goes no further (as at the loop's teardown). Left to the
/// `Vec`'s own drop, a second panic would come in the first one's unwind
/// and abort the process. Reached while a panic unwinds (a close guard
/// dropped by it), no panic goes further.
pub(crate) fn drop_each<W>(items: Vec<W>) {
    let mut first = None;
    for item in items {
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(item)));
        if let Err(panic) = dropped {
            first.get_or_insert(panic);
        }
    }
    if let Some(panic) = first {
        if !std::thread::panicking() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// Items dropped as [`drop_each`] drops them, when this is dropped.
pub(crate) struct DropEach<W>(pub(crate) Vec<W>);

impl<W> Drop for DropEach<W> {
    fn drop(&mut self) {
        drop_each(std::mem::take(&mut self.0));
    }
}

/// Runs `f` on `state`, a hand-out to waiters that stay queued until each
/// one's turn (a semaphore's permits, a mutex's shared holds). If a
/// waiter's callback panics, `f` runs again from the ready queue (as
/// [`trigger_each`]'s rest): the waiters behind that one would otherwise
/// wait with what they wait for free, until something else hands out.
///
/// Reached from a drop while a panic unwinds (a permit or a guard dropped
/// by it), `f` runs from the ready queue only: a waiter's callback that
/// panicked here would abort the process.
pub(crate) fn again_if_panics<S: Clone + 'static>(state: &S, f: fn(&S)) {
    let mut again = Again {
        state,
        f,
        done: false,
    };
    if std::thread::panicking() {
        return;
    }
    f(state);
    again.done = true;
}

/// See [`again_if_panics`].
struct Again<'a, S: Clone + 'static> {
    state: &'a S,
    f: fn(&S),
    done: bool,
}

impl<S: Clone + 'static> Drop for Again<'_, S> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let (state, f) = (self.state.clone(), self.f);
        queue_fire(Event::from_fn(move |go: Option<()>| {
            if go.is_some() {
                again_if_panics(&state, f);
            }
        }));
    }
}

/// Queues `ev` to be triggered on the loop's next turn (`tame::asap`):
/// after the loop has polled its fds and read its clock (the timers due
/// then fire in that turn), so that a computation that yields this way
/// lets I/O and timers through at every yield, as Tamer's `at_asap` does
/// (and tokio's `yield_now`, which defers the same way).
#[inline]
pub(crate) fn fire_next_turn(ev: Event<()>) {
    let mut ev = Some(ev);
    let _ = LOOP.try_with(|l| {
        if let Some(ev) = ev.take() {
            l.next_turn
                .borrow_mut()
                .push_back_with(|| Runnable::Fire(ev));
            nudge(l);
        }
    });
    if let Some(ev) = ev {
        drop_for_gone_loop(ev);
    }
}

/// Whether work is queued to run in this turn (the ready queue is not
/// empty).
pub(crate) fn ready_queued() -> bool {
    LOOP.try_with(|l| !l.ready.borrow().is_empty())
        .unwrap_or(false)
}

/// How many turns of the loop have started: a number that changes once
/// the loop has looked at its fds and timers again, for work that completes
/// at once and must know whether the loop had a turn since it last yielded
/// (see `io::copy`'s pump).
pub(crate) fn turns() -> u64 {
    LOOP.try_with(|l| l.turns.get()).unwrap_or(0)
}

/// Starts a turn: fires the timers due at it, then moves what yielded to
/// it (`asap`, a future waking itself) to the back of the ready queue. A
/// yield lets the timers due by then go first, as it lets the descriptors
/// found ready go first: a timer due during a computation's stretch fires
/// at the yield that ends it, not after the next stretch. What those
/// timers' callbacks yield waits for the turn after.
fn take_next_turn(l: &Loop) {
    l.turns.set(l.turns.get().wrapping_add(1));
    shrink_idle_rings(l);
    if l.next_turn.borrow().is_empty() {
        return;
    }
    if l.timers.borrow().len() == 0 {
        // No timer to go first.
        append(&mut l.ready.borrow_mut(), &mut l.next_turn.borrow_mut());
        return;
    }
    // The yields are held aside while the timers fire, and go to the ready
    // queue after them, also if a timer's callback panics (the run that
    // catches the panic, or the next, runs them).
    append(&mut l.yielded.borrow_mut(), &mut l.next_turn.borrow_mut());
    let _back = YieldsBack(l);
    fire_due_timers(l);
}

/// Rings of more than this many entries give their memory back once the
/// queues stay far below it (24 bytes an entry: 24 KiB are kept). An
/// empty ring is not freed whole: the queues swap their buffers turn by
/// turn (see [`append`]), so the one that holds the large buffer when the
/// quiet turns are counted may hold the turn's few entries.
const RING_KEPT: usize = 1024;
/// How many turns in a row the queues must stay below an eighth of the
/// largest ring's room before an empty ring gives its memory back: a burst
/// (a hundred thousand `asap` events in one turn) left its buffer for good,
/// and a server whose every turn is a burst must not pay a reallocation
/// per turn.
const QUIET_TURNS: u32 = 64;
/// The queues are looked at every this many turns (a power of two): the
/// look borrows three cells, a dozen instructions on every event's round
/// trip if made at every turn.
const RING_LOOK_EVERY: u64 = 16;

/// Gives back most of the memory of a large ring of the ready queues, once
/// they have stayed small for [`QUIET_TURNS`] turns, as seen every
/// [`RING_LOOK_EVERY`] turns (its few entries move to a ring of
/// [`RING_KEPT`]).
#[inline]
fn shrink_idle_rings(l: &Loop) {
    if l.turns.get() & (RING_LOOK_EVERY - 1) == 0 {
        look_at_rings(l);
    }
}

/// [`shrink_idle_rings`]'s look, out of line.
#[cold]
#[inline(never)]
fn look_at_rings(l: &Loop) {
    let (ready, next, yielded) = (l.ready.borrow(), l.next_turn.borrow(), l.yielded.borrow());
    let room = ready
        .capacity()
        .max(next.capacity())
        .max(yielded.capacity());
    if room <= RING_KEPT {
        return;
    }
    let used = ready.len().max(next.len()).max(yielded.len());
    if used > room / 8 {
        l.quiet_turns.set(0);
        return;
    }
    let quiet = l.quiet_turns.get() + RING_LOOK_EVERY as u32;
    if quiet < QUIET_TURNS {
        l.quiet_turns.set(quiet);
        return;
    }
    l.quiet_turns.set(0);
    drop((ready, next, yielded));
    shrink_rings(l);
}

/// Whether a ring of the ready queues holds more room than
/// [`RING_KEPT`] while all of them are empty: a loop about to sleep with
/// nothing queued keeps a burst's memory, which [`look_at_rings`] gives
/// back only after quiet turns, and an idle loop does not turn. Its wait
/// is then cut to [`IDLE_RING_WAIT`], and, if it stayed idle that long,
/// the memory goes back ([`look_at_fds`]).
fn idle_with_large_rings(l: &Loop) -> bool {
    let (ready, next, yielded) = (l.ready.borrow(), l.next_turn.borrow(), l.yielded.borrow());
    ready
        .capacity()
        .max(next.capacity())
        .max(yielded.capacity())
        > RING_KEPT
        && ready.is_empty()
        && next.is_empty()
        && yielded.is_empty()
}

/// How long a loop that goes idle after a burst waits before it gives the
/// burst's ring memory back (see [`idle_with_large_rings`]): one extra
/// wake-up a burst, and a loop busy again within it keeps its rings.
const IDLE_RING_WAIT: Duration = Duration::from_millis(250);

/// Moves the entries of each ring of more than [`RING_KEPT`] to one of
/// twice their number (at least `RING_KEPT`).
fn shrink_rings(l: &Loop) {
    // (Moving entries runs no user code.)
    for ring in [&l.ready, &l.next_turn, &l.yielded] {
        let mut ring = ring.borrow_mut();
        if ring.capacity() > RING_KEPT {
            let cap = (ring.len() * 2).next_power_of_two().max(RING_KEPT);
            ring.shrink_to(cap);
        }
    }
}

/// Moves the yields [`take_next_turn`] held aside to the ready queue when
/// dropped.
struct YieldsBack<'a>(&'a Loop);

impl Drop for YieldsBack<'_> {
    fn drop(&mut self) {
        let l = self.0;
        // (No borrow of either is held where a timer's callback runs.)
        if let (Ok(mut ready), Ok(mut yielded)) =
            (l.ready.try_borrow_mut(), l.yielded.try_borrow_mut())
        {
            append(&mut ready, &mut yielded);
        }
    }
}

/// Moves everything in `from` to the back of `to`, in order (the rings
/// trade their memory when `to` is empty).
#[inline]
fn append(to: &mut Ring<Runnable>, from: &mut Ring<Runnable>) {
    if to.is_empty() {
        std::mem::swap(to, from);
    } else {
        while let Some(r) = from.pop_front() {
            to.push_back_with(|| r);
        }
    }
}

/// Drops `ev`, handed to this thread's loop after it is gone (by a
/// callback or a drop run at thread exit): it reports as dropped, its
/// callback runs with `None`. Unless it was handed over by such a callback
/// itself: then its callback does not run (it is dropped uncalled, see
/// `Sink::discard`). A callback that arms a timer or `asap` again whatever
/// it gets would otherwise run for ever at thread exit.
///
/// While a panic unwinds (a callback of [`trigger_each`]'s panicked at
/// thread exit), a panic of that callback has printed its message and goes
/// no further, as at the loop's teardown: out of a drop during the unwind
/// it would abort the process.
pub(crate) fn drop_for_gone_loop<T>(ev: Event<T>) {
    if crate::nesting::dropping_for_gone_loop() {
        ev.discard();
        return;
    }
    if std::thread::panicking() {
        at_exit(|| crate::nesting::while_dropping_for_gone_loop(|| drop(ev)));
        return;
    }
    crate::nesting::while_dropping_for_gone_loop(|| drop(ev));
}

/// Drops `what`, which holds events (a tamed function's state) and which
/// the gone loop cannot run, as [`drop_for_gone_loop`] drops one event:
/// its events' callbacks run with `None`, unless a callback such a drop
/// ran started it: then they do not run.
pub(crate) fn drop_unrunnable<T>(what: T) {
    as_unrunnable(|| drop(what));
}

/// Runs `f`, which drops what the gone loop cannot run, as
/// [`drop_unrunnable`] drops it.
pub(crate) fn as_unrunnable(f: impl FnOnce()) {
    if crate::nesting::dropping_for_gone_loop() {
        crate::nesting::while_discarding(f);
    } else {
        crate::nesting::while_dropping_for_gone_loop(f);
    }
}

/// Whether the thread's loop is gone (thread teardown).
pub(crate) fn is_gone() -> bool {
    LOOP.try_with(|_| ()).is_err()
}

/// Drops `what` (an event, or an operation or a wait with its event in
/// it), refused by the gone loop or by a source the thread's teardown
/// closed: as [`drop_unrunnable`] when the thread's loop is gone, or while
/// a gone-loop drop runs (a callback that starts its work again whatever
/// it gets, `wait_on_fd` on `None`, is called once more, then not, rather
/// than for ever); as any drop otherwise.
pub(crate) fn drop_refused<T>(what: T) {
    if is_gone() || crate::nesting::dropping_for_gone_loop() {
        drop_unrunnable(what);
    } else {
        drop(what);
    }
}

fn dispatch(l: &Loop, ready: &[Readiness]) {
    let mut batch = Batch { ready, next: 0 };
    while let Some(&r) = batch.ready.get(batch.next) {
        batch.next += 1;
        deliver(l, r);
    }
}

/// Hands one readiness report to its registration.
fn deliver(l: &Loop, r: Readiness) {
    if r.token == WAKEUP_TOKEN {
        wake_remote(l);
    } else if let Some(reg) = registration(l, r.token) {
        reg.ready(r.ready);
    }
}

/// A batch of readiness reports being handed out. If a callback run by
/// one panics (and the program catches it and runs the loop again), the
/// reports not handed out yet are handed out on the next turn: every
/// descriptor is registered edge-triggered, so the backend would not
/// report them again, and their waits would never end.
struct Batch<'a> {
    ready: &'a [Readiness],
    next: usize,
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        for &r in &self.ready[self.next..] {
            // Noted now, handed over on the next turn as far as it is
            // still true then (a wait started meanwhile on a descriptor
            // drained meanwhile is not ended by it).
            let _ = LOOP.try_with(|l| {
                if let Some(reg) = registration(l, r.token) {
                    reg.note(r.ready);
                }
            });
            queue_fire(Event::from_fn(move |v: Option<()>| {
                if v.is_some() {
                    let _ = LOOP.try_with(|l| deliver_noted(l, r));
                }
            }));
        }
    }
}

/// [`deliver`], for a report taken note of before (see [`Batch`]).
fn deliver_noted(l: &Loop, r: Readiness) {
    if r.token == WAKEUP_TOKEN {
        wake_remote(l);
    } else if let Some(reg) = registration(l, r.token) {
        reg.ready_noted(r.ready);
    }
}

/// How many queued items run before the loop looks at timers and fds again.
const TURN_BUDGET: usize = 1024;

/// Runs the ready queue in FIFO order until it is empty or the budget is
/// spent; then the loop polls fds and timers (so tasks that keep waking
/// each other cannot starve I/O; a yield, `asap`, waits for the next turn
/// anyway). The waits whose
/// events died are reaped before the next item runs: a function whose
/// result nobody can receive any more (the loser of a race) is cancelled,
/// and what it holds released, before the winner's code after a
/// `twait! { tame::asap(mkevent!()); }` runs.
fn run_ready(l: &Loop) -> bool {
    // What a completion's panic left queued, before anything else.
    crate::nesting::run_left(|next| next());
    for n in 0..TURN_BUDGET {
        if l.waits.any_deaths() {
            reap_deaths(l);
        }
        let next = l.ready.borrow_mut().pop_front();
        match next {
            Some(Runnable::Task(task)) => {
                task.poll(&task);
                crate::task::release(task);
            }
            Some(Runnable::Fire(ev)) => ev.trigger(()),
            None => return n > 0,
        }
    }
    true
}

/// Fires the timers due at the turn's time, in deadline order (ties in
/// arming order). Timers armed by their callbacks wait for the next turn
/// even if they are already due: otherwise a callback that re-arms itself
/// at a past instant would keep this pass, and the whole loop, to itself.
#[inline]
fn fire_due_timers(l: &Loop) -> bool {
    // (Inlined: with no timer armed, as in a chain of yields, this is all.)
    if l.timers.borrow().len() == 0 {
        return false;
    }
    fire_due_armed_timers(l)
}

/// [`fire_due_timers`] with timers armed.
fn fire_due_armed_timers(l: &Loop) -> bool {
    let batch = l.timers.borrow_mut().collect_due(l.clock.now_ns());
    let any = !batch.is_empty();
    let mut pass = FirePass { l, batch, fired: 0 };
    while let Some(&due) = pass.batch.get(pass.fired) {
        pass.fired += 1;
        // Taken one at a time: an earlier callback may have cancelled it.
        let ev = l.timers.borrow_mut().fire(due);
        if let Some(ev) = ev {
            ev.unwatch();
            ev.trigger(());
        }
    }
    any
}

/// A batch of due timers being fired; gives the batch back to the timers
/// when done, and if a callback panics, the timers not fired yet stay armed
/// (they fire on a later turn if the loop runs again).
struct FirePass<'a> {
    l: &'a Loop,
    batch: Vec<Due>,
    fired: usize,
}

impl Drop for FirePass<'_> {
    fn drop(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let unfired = batch.len() - self.fired;
        self.l.timers.borrow_mut().return_batch(batch, unfired);
    }
}

/// When the loop must look at its timers next (nanoseconds on its clock),
/// if any timer is armed. Every armed timer's event is live: a timer whose
/// event died was removed when its death was reported (at once, or by
/// [`reap_deaths`] just before this).
fn next_timer_wake(l: &Loop) -> Option<u64> {
    // A mostly empty slab gives its memory back here, once per turn.
    let dead = l.timers.borrow_mut().compact();
    drop(dead);
    l.timers.borrow().next_wake()
}

/// Marks the loop as running while a task started outside `run()` runs its
/// body (see [`crate::task::start`]); restores the previous state on drop.
pub(crate) struct TaskGuard {
    was_running: bool,
}

pub(crate) fn enter_task() -> TaskGuard {
    let was_running = LOOP.try_with(|l| l.running.replace(true)).unwrap_or(true);
    TaskGuard { was_running }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        if !self.was_running {
            let _ = LOOP.try_with(|l| l.running.set(false));
        }
    }
}

struct RunningGuard<'a>(&'a Loop);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.running.set(false);
        self.0.turning.set(false);
        // A `stop()` asked inside a run that a panic ended was that run's:
        // it does not stop the next one after its first turn.
        if std::thread::panicking() {
            self.0.stop.set(false);
        }
        // Code after `run()` reads the clock afresh.
        self.0.clock.mark_stale();
    }
}

#[track_caller]
pub(crate) fn run() {
    refuse_nested("run");
    // A callback of a dropped event calling `run()` during thread teardown:
    // there is no loop left to run.
    let _ = LOOP.try_with(|l| {
        let _guard = enter_run(l, "run");
        let mut ready_fds = Vec::new();
        loop {
            run_ready_work(l);
            if l.stop.take() {
                return;
            }
            if next_turn_without_poll(l) {
                continue;
            }
            let Some(left) = work_left(l) else { return };
            poll_fds(l, &left, None, &mut ready_fds);
            if l.stop.take() {
                return;
            }
        }
    });
}

/// The next turn of `run()` when work is queued and no fd can be waited
/// for (a computation yielding with `asap`, a chain of events): the turn's
/// poll would not wait and has nothing to report, so it is skipped, and
/// the turn's clock reading is taken when first asked for, as
/// [`poll_fds`] does in that case. Whether it was such a turn.
fn next_turn_without_poll(l: &Loop) -> bool {
    if l.waits.live() != 0
        || l.remote.borrow().is_some()
        || (l.ready.borrow().is_empty() && l.next_turn.borrow().is_empty())
    {
        return false;
    }
    // What `work_left` does every turn: a mostly empty timer slab gives its
    // memory back.
    // (The dead events it gives back are dropped once the borrow is over:
    // their callbacks are user code, which may arm a timer.)
    let dead = l.timers.borrow_mut().compact();
    drop(dead);
    l.clock.mark_stale();
    take_next_turn(l);
    true
}

/// One turn of the loop: the work that is ready runs; if none was, the
/// loop waits for an fd or a timer (at most `timeout`, if given), else it
/// looks at its fds without waiting; either way what that made ready runs.
/// Whether work remains and `stop()` was not asked.
#[track_caller]
pub(crate) fn run_once(timeout: Option<Duration>) -> bool {
    refuse_nested("run_once");
    LOOP.try_with(|l| {
        let _guard = enter_run(l, "run_once");
        l.nudged.set(false);
        // A turn waits only if nothing was ready: a caller stepping the
        // loop until a value arrives must not wait out its timeout after
        // the work that delivered it.
        let ran = run_ready_work(l);
        let mut more = match work_left(l) {
            // (Busy with what waits for the next turn only: that turn's
            // poll does not wait.)
            Some(left) if !ran && !l.stop.get() => {
                let mut ready_fds = Vec::new();
                wait_for_work(l, left, timeout, &mut ready_fds);
                run_ready_work(l);
                // What the wait made ready runs in this turn, also the
                // tasks the timers just fired have woken.
                if !l.stop.get() {
                    run_ready(l);
                    reap_deaths(l);
                }
                work_left(l).is_some()
            }
            // Work ran: the fds are looked at without waiting, and what
            // they made ready runs too. Without this a function that
            // yields at every turn (`asap` in a loop) kept a caller that
            // steps the loop from ever seeing its fds: every call ran the
            // yield and skipped the poll. (What yielded in this call waits
            // for the next one, as in `run()`.)
            Some(left) if !l.stop.get() => {
                let mut ready_fds = Vec::new();
                let busy = WorkLeft { busy: true, ..left };
                look_at_fds(l, &busy, Some(Duration::ZERO), &mut ready_fds);
                run_ready_work(l);
                work_left(l).is_some()
            }
            Some(_) => true,
            // Another loop waits on `loop_fd`: what the backend holds (an
            // edge of a descriptor nothing waits on, a wake-up written
            // for work that is gone) is taken now, or the descriptor would
            // stay readable and that loop spin.
            None if l.embedded.get() => {
                let mut ready_fds = Vec::new();
                let idle = WorkLeft {
                    busy: true,
                    wake: None,
                    waits: 0,
                };
                look_at_fds(l, &idle, Some(Duration::ZERO), &mut ready_fds);
                run_ready_work(l);
                work_left(l).is_some()
            }
            None => false,
        };
        if l.stop.take() {
            more = false;
        }
        more
    })
    .unwrap_or(false)
}

/// `run_once`'s wait: for an fd or a timer, at most `timeout`. Readiness
/// that completed no wait and queued nothing (a socket just registered
/// reports "writable" at once, edge-triggered, whether or not anything
/// waits to write) does not end it: it waits again, for what is left of
/// `timeout`; nor does a wait cut short to give a burst's memory back.
/// (On a paused clock a turn is one poll, as `poll_fds` makes
/// it.)
fn wait_for_work(
    l: &Loop,
    mut left: WorkLeft,
    timeout: Option<Duration>,
    ready_fds: &mut Vec<Readiness>,
) {
    let until = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut cap = timeout;
    loop {
        let ended = l.waits.ended_count();
        let cut_idle = poll_fds(l, &left, cap, ready_fds);
        let came_to_nothing = (cut_idle || !ready_fds.is_empty())
            && l.ready.borrow().is_empty()
            && l.waits.ended_count() == ended
            && !l.stop.get()
            && !l.clock.is_paused()
            && l.timers
                .borrow()
                .next_wake()
                .is_none_or(|w| w > l.clock.now_ns());
        if !came_to_nothing {
            return;
        }
        cap = until.map(|u| u.saturating_duration_since(Instant::now()));
        if cap == Some(Duration::ZERO) {
            return;
        }
        match work_left(l) {
            Some(w) if !w.busy => left = w,
            _ => return,
        }
    }
}

/// Asks the running loop (or, if none runs, the next) to return after
/// its current turn.
pub(crate) fn stop() {
    let _ = LOOP.try_with(|l| l.stop.set(true));
}

/// Panics, at the caller of `run()`/`run_once()`/`run_with()` (a closure
/// cannot pass the location on: this runs before the loop's), if the loop
/// runs already on this thread.
#[track_caller]
pub(crate) fn refuse_nested(what: &str) {
    let nested = LOOP.try_with(|l| l.running.get()).unwrap_or(false);
    assert!(
        !nested,
        "tame::{what}() called from inside a task or a callback the loop runs (or a tamed \
         function started outside run(), which runs as the loop would): the loop does not \
         nest; wait for what you needed with twait! (or an event's callback) instead"
    );
}

/// Marks the loop running for `run()`/`run_once()`; it does not nest
/// (`refuse_nested` said so at the caller's line).
/// `running` is also set while a task started outside `run()` runs its
/// body ([`enter_task`]), with no loop turning: the message names both.
fn enter_run<'a>(l: &'a Loop, what: &str) -> RunningGuard<'a> {
    assert!(
        !l.running.replace(true),
        "tame::{what}() called from inside a task or a callback the loop runs (or a tamed \
         function started outside run(), which runs as the loop would): the loop does not nest"
    );
    let guard = RunningGuard(l);
    l.turning.set(true);
    // The first turn: a fresh clock, and what waited for a turn to come.
    l.clock.refresh();
    take_next_turn(l);
    guard
}

/// Runs what is ready: queued tasks and events, then due timers; then
/// cancels the tasks whose results nobody can receive any more.
/// Returns whether anything ran or fired.
fn run_ready_work(l: &Loop) -> bool {
    let ran = run_ready(l);
    let fired = fire_due_timers(l);
    if l.waits.any_deaths() {
        reap_deaths(l);
    }
    ran || fired
}

/// What the loop still has to wait for after its ready work ran.
struct WorkLeft {
    /// Tasks or events are queued already.
    busy: bool,
    /// When the next timer is due, on the loop's clock.
    wake: Option<u64>,
    /// Live fd waits.
    waits: usize,
}

/// `None` when nothing can make progress any more: `run()` returns.
fn work_left(l: &Loop) -> Option<WorkLeft> {
    let busy = !l.ready.borrow().is_empty()
        || !l.next_turn.borrow().is_empty()
        || l.waits.any_deaths()
        || crate::nesting::any_left();
    let wake = next_timer_wake(l);
    let waits = l.waits.live();
    if !busy && wake.is_none() && waits == 0 && !spawned_can_progress(l) {
        return None;
    }
    Some(WorkLeft { busy, wake, waits })
}

/// Starts a turn: waits for fds (not at all if work is queued; up to the
/// next timer, and at most `cap`), dispatches what became ready, takes the
/// turn's clock reading, then queues what waited for this turn. On a
/// paused clock the time jumps instead of being waited for.
fn poll_fds(
    l: &Loop,
    left: &WorkLeft,
    cap: Option<Duration>,
    ready_fds: &mut Vec<Readiness>,
) -> bool {
    let cut = look_at_fds(l, left, cap, ready_fds);
    take_next_turn(l);
    cut
}

/// [`poll_fds`] but for what waited for the turn. Whether its wait was cut
/// short to give a burst's memory back and nothing came (see
/// [`idle_with_large_rings`]): a wait that is to last longer goes on.
fn look_at_fds(
    l: &Loop,
    left: &WorkLeft,
    cap: Option<Duration>,
    ready_fds: &mut Vec<Readiness>,
) -> bool {
    let WorkLeft { busy, wake, waits } = *left;
    let paused = l.clock.is_paused();
    // A paused clock holds still while a blocking job runs: the loop waits
    // for the job (its wake), as tokio's paused clock does.
    let held = paused && l.blocking.get() > 0;
    let timeout = if busy || (paused && wake.is_some() && !held) {
        Some(Duration::ZERO)
    } else if held {
        None
    } else {
        // A fresh reading (not the turn's): the turn's tasks took time
        // since it was taken.
        wake.map(|w| Duration::from_nanos(w.saturating_sub(l.clock.read_ns())))
    };
    let timeout = match (timeout, cap) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    };
    // A wait that will sleep, after a burst: cut short, to give the
    // burst's memory back if nothing comes (the paused clock does not
    // sleep).
    let idle_cut =
        !busy && !paused && timeout.is_none_or(|t| t > IDLE_RING_WAIT) && idle_with_large_rings(l);
    let timeout = if idle_cut {
        Some(IDLE_RING_WAIT)
    } else {
        timeout
    };
    // A paused clock jumps to the next timer, but not past the cap: a turn
    // bounded by `d` lets at most `d` of virtual time pass.
    let jump = match cap {
        Some(c) => wake.map(|w| w.min(l.clock.now_ns().saturating_add(duration_ns(c)))),
        None => wake,
    };
    if timeout == Some(Duration::ZERO) && waits == 0 && l.remote.borrow().is_none() {
        // Nothing to poll for: go on with the queue. The turn's clock
        // reading is taken when first asked for (a yield of a computation
        // with no timer armed costs no clock read).
        if paused && !busy && !held {
            jump_to_next_timer(l, jump);
        }
        l.clock.mark_stale();
        return false;
    }
    ready_fds.clear();
    if l.selector.borrow().is_none() {
        match Selector::new() {
            Ok(sel) => *l.selector.borrow_mut() = Some(sel),
            // Out of descriptors (EMFILE) before anything was registered:
            // no fd can be waited for (a registration makes the selector,
            // or fails to its caller), so a turn of timers sleeps until the
            // next one, and a later turn tries again.
            Err(_) if waits == 0 && l.remote.borrow().is_none() => {
                if let (Some(t), false) = (timeout, paused) {
                    std::thread::sleep(t);
                }
                l.clock.refresh();
                if idle_cut {
                    shrink_rings(l);
                    return true;
                }
                if paused && !busy && l.ready.borrow().is_empty() {
                    jump_to_next_timer(l, jump);
                }
                return false;
            }
            Err(e) => panic!("tame: epoll_create failed: {e}"),
        }
    }
    let waited = l
        .selector
        .borrow_mut()
        .as_mut()
        .expect("selector was just created")
        .wait(timeout, ready_fds);
    if let Err(e) = waited {
        panic!("tame: epoll_wait failed: {e}");
    }
    // The turn's one clock reading, before anything of the turn runs (an
    // fd's event may run a callback that arms a timer).
    l.clock.refresh();
    dispatch(l, ready_fds);
    let cut_idle = idle_cut && ready_fds.is_empty();
    if cut_idle {
        // Idle for the whole cut: nothing came (a timer due by now is
        // fired after this, on rings of the kept size).
        shrink_rings(l);
    }
    if paused && !busy && !held && ready_fds.is_empty() && l.ready.borrow().is_empty() {
        jump_to_next_timer(l, jump);
    }
    cut_idle
}

/// Virtual time, when the loop has nothing ready (no task runnable, no fd
/// ready): the time jumps to when its next timer is due (as Tamer's and
/// tokio's paused clocks do), so a 30 s timeout passes in no time; a
/// `run_once` turn jumps no further than its timeout.
fn jump_to_next_timer(l: &Loop, wake: Option<u64>) {
    if let Some(w) = wake {
        l.clock.jump_to(w);
    }
}

// ---- blocked(): the tasks that ever blocked ----

/// Adds `task`, whose header is `header`, to the tasks that ever blocked
/// (those [`blocked_tasks`] looks at; a task watching the events it was
/// given is there from its first watch). Returns its wait id: the id the
/// events it watches report when they die, which cancels it (see
/// `crate::cancel`).
///
/// The task must call [`unregister_blocked`] before its memory goes, first
/// thing in its `Drop` at the latest, as `TaskCell` does: the table holds a
/// plain pointer to it.
pub(crate) fn register_blocked(task: &TaskRef, header: &Header) -> Option<WaitId> {
    debug_assert!(std::ptr::eq(task.header(), header));
    LOOP.try_with(|l| {
        let index = l.blocked.borrow_mut().insert(Rc::as_ptr(task));
        header.registered(index)
    })
    .ok()
}

/// The tag of a task's [`WaitId`] (see [`register_blocked`]): below the
/// timers' tag and a rendezvous' flag, above every generation.
const TASK_ID: u64 = 1 << 61;

/// The flag of a task's [`WaitId`] given to the events under a `tame::all`
/// fan-out the task watches (see [`watch_partly`]): the death of one of
/// them cancels the task only if the fan-out is dead too, while a death
/// reported without it (a plain watched event's, a `cancellable`'s
/// cancel) cancels the task whatever its fan-outs say.
pub(crate) const PARTLY: u64 = 1 << 60;

/// `id` as the events under a fan-out are watched with (see [`PARTLY`]).
pub(crate) fn partly_id(id: WaitId) -> WaitId {
    Token(id.0 | PARTLY)
}

/// Whether `id` is [`partly_id`]'s.
pub(crate) fn is_partly(id: WaitId) -> bool {
    id.0 & PARTLY != 0
}

/// The tag of a queued waiter's [`WaitId`] (see [`waiter_id`]): the bit of
/// [`PARTLY`] without a task's tag, which [`PARTLY`] never goes without.
const WAITER_ID: u64 = PARTLY;

/// The bits of a waiter's id that hold (the low bits of) its number.
pub(crate) const WAITER_SEQ_MASK: u64 = (1 << 28) - 1;

/// The id of a waiter queued by a primitive (a `Mutex`'s, a `Semaphore`'s,
/// a `Channel`'s), numbered `seq` by it, whose event is watched for the
/// registration `watcher`: its death reaches that registration's
/// [`Registration::reap_waiter`] with the number's low 28 bits, which tell
/// the primitive which waiter died without a look at the others.
pub(crate) fn waiter_id(watcher: Token, seq: u64) -> WaitId {
    Token(WAITER_ID | (seq & WAITER_SEQ_MASK) << 32 | u64::from(watcher.0 as u32))
}

/// The whole number of a waiter whose id holds its low bits `low`, among
/// waiters numbered `first` to `last` (the numbers of a queue, rising);
/// `None` if the bits do not tell (the queue spans 2^28 numbers or more).
pub(crate) fn waiter_number(first: u64, last: u64, low: u32) -> Option<u64> {
    (last - first <= WAITER_SEQ_MASK)
        .then(|| first + (u64::from(low).wrapping_sub(first) & WAITER_SEQ_MASK))
}

/// The number [`waiter_id`] put in `id`, if it is a waiter's.
fn waiter_seq(id: WaitId) -> Option<u32> {
    (id.0 & (timers::TIMER_ID | TASK_ID | WAITER_ID) == WAITER_ID)
        .then_some(((id.0 >> 32) & WAITER_SEQ_MASK) as u32)
}

/// The task's own wait id, without [`PARTLY`].
pub(crate) fn task_of(id: WaitId) -> WaitId {
    Token(id.0 & !PARTLY)
}

/// Whether `id` is a task's wait id (a tamed function's, a spawned
/// future's or a blocking job's watch of its result event).
pub(crate) fn is_task_wait(id: WaitId) -> bool {
    id.0 & TASK_ID != 0 && !timers::is_timer(id)
}

/// The wait id of the task registered under `index` with `generation`.
pub(crate) fn task_wait_id(index: u32, generation: u32) -> WaitId {
    Token(TASK_ID | u64::from(generation) << 32 | u64::from(index))
}

pub(crate) fn unregister_blocked(header: &Header) {
    let index = header.registry_index.replace(NOT_REGISTERED);
    let _ = LOOP.try_with(|l| l.blocked.borrow_mut().remove(index));
}

/// A shared handle to the task a pointer of the table of blocked tasks
/// points at.
fn registered_task(task: *const dyn TaskObj) -> TaskRef {
    // SAFETY: the pointer is an `Rc`'s (`register_blocked` took it with
    // `Rc::as_ptr`), and the task is alive: it leaves the table in its
    // `Drop` at the latest, which runs before its memory goes and while no
    // other code runs on this thread. (A task started in the memory of a
    // finished one is of the same type, so the pointer's metadata fits it
    // too.) So its strong count is at least one, and one more reference is
    // sound.
    unsafe {
        Rc::increment_strong_count(task);
        Rc::from_raw(task)
    }
}

/// Whether this thread's loop holds any work or state: something queued
/// (for this turn or the next: an `asap`), a timer, a descriptor wait, a
/// spawned future, a task that waits, a `stop()` asked, a completion a
/// panic left, its clock paused or moved off the real one (`advance`). A
/// pool thread of `spawn_blocking` whose job left some retires, so that
/// the next job does not find it there.
pub(crate) fn holds_work() -> bool {
    LOOP.try_with(|l| {
        !l.ready.borrow().is_empty()
            || !l.next_turn.borrow().is_empty()
            || !l.yielded.borrow().is_empty()
            || l.timers.borrow().len() > 0
            || l.waits.live() > 0
            || l.spawned.borrow().live > 0
            || l.stop.get()
            || l.clock.is_virtual()
    })
    .unwrap_or(false)
        || crate::nesting::any_left()
        || !blocked_tasks().is_empty()
}

pub(crate) fn blocked_tasks() -> Vec<BlockedTask> {
    LOOP.try_with(|l| {
        let tasks: Vec<TaskRef> = l
            .blocked
            .borrow()
            .iter()
            .map(|&t| registered_task(t))
            .collect();
        tasks.iter().filter_map(|t| t.blocked_report()).collect()
    })
    // During thread teardown nobody waits any more.
    .unwrap_or_default()
}

// ---- futures spawned on the loop (see compat.rs) ----

/// Remembers a spawned future's task; its wakers carry the returned key.
/// `None` during thread teardown, when the loop is gone.
pub(crate) fn spawned_insert(task: TaskRef) -> Option<usize> {
    LOOP.try_with(|l| {
        let mut s = l.spawned.borrow_mut();
        s.live += 1;
        if let Some(key) = s.free.pop() {
            s.tasks[key] = Some(task);
            key
        } else {
            s.tasks.push(Some(task));
            s.tasks.len() - 1
        }
    })
    .ok()
}

pub(crate) fn spawned_remove(key: usize) {
    let task = LOOP.try_with(|l| {
        let mut s = l.spawned.borrow_mut();
        let task = s.tasks.get_mut(key).and_then(Option::take);
        if task.is_some() {
            s.live -= 1;
            s.free.push(key);
            s.trim();
        }
        task
    });
    drop(task);
}

/// Whether a pending spawned future may still be woken: its waker is held
/// outside it, or a wake from another thread is on its way. A future whose
/// waker nobody holds can never make progress, and `run()` does not wait
/// for it (as for a timer or fd wait whose event is dead).
fn spawned_can_progress(l: &Loop) -> bool {
    if l.spawned.borrow().live == 0 {
        return false;
    }
    let remote = l.remote.borrow().clone();
    remote.is_some_and(|r| {
        // A waker dropped on another thread right after waking: its key
        // was pushed before the drop the load sees.
        r.wakers.load(Ordering::Acquire) > 0 || r.any_queued()
    })
}

/// Queues the spawned future with `key` (a wake on the loop's own thread).
pub(crate) fn spawned_wake(key: usize) {
    let _ = LOOP.try_with(|l| {
        let task = l.spawned.borrow().tasks.get(key).cloned().flatten();
        let Some(task) = task else { return };
        if l.polling.get() != key + 1 {
            return schedule(task);
        }
        // Woken by itself while polled: a yield (`yield_now`, a budget
        // spent), which waits for the next turn as `asap` does.
        if !task.header().queued.replace(true) {
            l.next_turn
                .borrow_mut()
                .push_back_with(|| Runnable::Task(task));
            nudge(l);
        }
    });
}

/// Whether the spawned future under `key` is about to be cancelled (an
/// event it watches died): what its pending `EventFuture`s would be given
/// must go to someone else.
pub(crate) fn spawned_doomed(key: usize) -> bool {
    LOOP.try_with(|l| {
        let s = l.spawned.borrow();
        s.tasks
            .get(key)
            .and_then(Option::as_ref)
            .is_some_and(|t| t.header().is_doomed())
    })
    .unwrap_or(false)
}

/// A `spawn_blocking` job's result is waited for on this loop.
pub(crate) fn blocking_started() {
    let _ = LOOP.try_with(|l| l.blocking.set(l.blocking.get() + 1));
}

/// A `spawn_blocking` job's result was taken, or nobody waits for it any
/// more.
pub(crate) fn blocking_ended() {
    let _ = LOOP.try_with(|l| l.blocking.set(l.blocking.get().saturating_sub(1)));
}

/// Marks the spawned future with `key` as the one being polled (`None`:
/// none), returning the mark it replaces.
pub(crate) fn polling_spawned(key: Option<usize>) -> Option<usize> {
    LOOP.try_with(|l| l.polling.replace(key.map_or(0, |k| k + 1)).checked_sub(1))
        .ok()
        .flatten()
}

/// The loop's epoll descriptor (made if need be, with the wake-up
/// descriptor other threads write to), for another loop to poll.
pub(crate) fn loop_fd() -> io::Result<std::os::fd::RawFd> {
    remote()?;
    use std::os::fd::AsRawFd;
    LOOP.try_with(|l| {
        let fd = with_selector(l, |sel| Ok(sel.fd().as_raw_fd()))?;
        l.embedded.set(true);
        Ok(fd)
    })
    .unwrap_or_else(|_| Err(loop_gone()))
}

/// How long another loop may wait on [`loop_fd`] before it steps this one
/// (see `crate::next_timeout`).
pub(crate) fn next_timeout() -> Option<Duration> {
    LOOP.try_with(|l| {
        let left = work_left(l)?;
        if left.busy {
            return Some(Duration::ZERO);
        }
        (left.wake).map(|w| Duration::from_nanos(w.saturating_sub(l.clock.read_ns())))
    })
    .ok()
    .flatten()
}

/// The handle other threads use to wake this loop, made on first use.
pub(crate) fn remote() -> io::Result<Arc<Remote>> {
    LOOP.try_with(|l| {
        if let Some(r) = l.remote.borrow().as_ref() {
            return Ok(r.clone());
        }
        let wakeup = Notifier::new()?;
        with_selector(l, |sel| sel.register_notifier(wakeup.fd(), WAKEUP_TOKEN))?;
        let remote = Arc::new(Remote {
            open: Mutex::new(Some(Open {
                keys: Vec::new(),
                wakeup,
            })),
            wakers: AtomicUsize::new(0),
        });
        *l.remote.borrow_mut() = Some(remote.clone());
        Ok(remote)
    })
    .unwrap_or_else(|_| Err(loop_gone()))
}

fn wake_remote(l: &Loop) {
    let remote = l.remote.borrow().clone();
    let Some(remote) = remote else { return };
    let keys = remote.open().as_mut().map(|open| {
        open.wakeup.drain();
        std::mem::take(&mut open.keys)
    });
    // Each future's waker stays marked as queued until its poll starts
    // (`compat::FutureTask::poll`): a wake from now until then is that
    // poll's, and one after it queues the future again.
    for key in keys.into_iter().flatten() {
        spawned_wake(key);
    }
}

/// The parked waits counted as live (for tests).
pub(crate) fn live_waits() -> usize {
    LOOP.with(|l| l.waits.live())
}

/// Number of armed timers (for tests). Every one has a live event.
pub(crate) fn timer_entries() -> usize {
    LOOP.with(|l| l.timers.borrow().len())
}

/// The size of one armed timer's entry (for tests and the docs).
pub(crate) fn timer_entry_size() -> usize {
    std::mem::size_of::<timers::Entry>()
}
