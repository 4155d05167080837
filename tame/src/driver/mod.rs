//! The loop: one per thread, one epoll instance, a FIFO ready queue, timers,
//! fd waits, and the wake-up path for futures woken from other threads.
//!
//! Nothing here calls user code (a task, a waker, an event's callback) while
//! one of the loop's `RefCell`s is borrowed: what must run is taken out
//! first, the borrow dropped, then it runs.

mod epoll;
mod timers;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::event::Event;
use crate::task::{BlockedTask, Header, TaskRef, NOT_REGISTERED};
use epoll::{Readiness, Selector, Wakeup};
use timers::Timers;

/// The token of the eventfd registration; fd tokens are the fd numbers.
const WAKEUP_TOKEN: u64 = u64::MAX;

/// What the ready queue holds.
enum Runnable {
    /// A task to poll.
    Task(TaskRef),
    /// An event to trigger on this turn (`asap`).
    Fire(Event<()>),
}

/// The waits on one fd. Both directions share one epoll registration.
#[derive(Default)]
struct FdWaits {
    read: Option<Event<()>>,
    write: Option<Event<()>>,
    registered: bool,
}

/// Futures spawned on the loop, found by the key their wakers carry.
#[derive(Default)]
struct Spawned {
    tasks: Vec<Option<TaskRef>>,
    free: Vec<usize>,
    live: usize,
}

/// Wake-ups from other threads: keys of spawned futures, and the eventfd
/// that makes the loop look at them.
pub(crate) struct Remote {
    keys: Mutex<Vec<usize>>,
    wakeup: Wakeup,
}

impl Remote {
    pub(crate) fn wake(&self, key: usize) {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let was_empty = keys.is_empty();
        keys.push(key);
        drop(keys);
        if was_empty {
            self.wakeup.notify();
        }
    }
}

struct Loop {
    ready: RefCell<VecDeque<Runnable>>,
    timers: RefCell<Timers>,
    fds: RefCell<Vec<FdWaits>>,
    fd_waits: Cell<usize>,
    selector: RefCell<Option<Selector>>,
    /// The headers of the tasks that blocked at least once and are not
    /// done (for `blocked()`). A task removes itself when it finishes or is
    /// dropped, so every pointer here is to a live task.
    blocked: RefCell<Vec<*const Header>>,
    spawned: RefCell<Spawned>,
    remote: RefCell<Option<Arc<Remote>>>,
    running: Cell<bool>,
}

thread_local! {
    static LOOP: Loop = const {
        Loop {
            ready: RefCell::new(VecDeque::new()),
            timers: RefCell::new(Timers::new()),
            fds: RefCell::new(Vec::new()),
            fd_waits: Cell::new(0),
            selector: RefCell::new(None),
            blocked: RefCell::new(Vec::new()),
            spawned: RefCell::new(Spawned { tasks: Vec::new(), free: Vec::new(), live: 0 }),
            remote: RefCell::new(None),
            running: Cell::new(false),
        }
    };
}

/// Queues a task at the back of the ready queue, unless it is queued already.
pub(crate) fn schedule(task: TaskRef) {
    if task.header().queued.replace(true) {
        return;
    }
    // During thread teardown the loop may be gone; nothing can run then.
    let _ = LOOP.try_with(|l| l.ready.borrow_mut().push_back(Runnable::Task(task)));
}

/// Queues `ev` to be triggered on the loop's next turn.
pub(crate) fn asap(ev: Event<()>) {
    LOOP.with(|l| l.ready.borrow_mut().push_back(Runnable::Fire(ev)));
}

/// Arms a timer.
pub(crate) fn timer_at(deadline: Instant, ev: Event<()>) {
    let swept = LOOP.with(|l| l.timers.borrow_mut().insert(deadline, ev));
    // Dead entries swept out by the insert: dropped with no borrow held.
    drop(swept);
}

/// Which readiness an fd wait is for.
///
/// # Examples
///
/// ```
/// assert_ne!(tame::Interest::Read, tame::Interest::Write);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interest {
    /// Readable (or hung up, or in error: the next read reports it).
    Read,
    /// Writable (or in error: the next write reports it).
    Write,
}

fn with_selector<R>(l: &Loop, f: impl FnOnce(&mut Selector) -> io::Result<R>) -> io::Result<R> {
    let mut sel = l.selector.borrow_mut();
    if sel.is_none() {
        *sel = Some(Selector::new()?);
    }
    f(sel.as_mut().expect("selector was just created"))
}

pub(crate) fn wait_on_fd(fd: BorrowedFd<'_>, interest: Interest, ev: Event<()>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    let index = usize::try_from(raw)
        .map_err(|_| io::Error::from_raw_os_error(rustix::io::Errno::BADF.raw_os_error()))?;
    LOOP.with(|l| {
        let mut fds = l.fds.borrow_mut();
        // The table grows only once the fd is known good: a wait refused
        // for a bad fd number must not allocate a table up to it.
        let empty = FdWaits::default();
        let waits = fds.get(index).unwrap_or(&empty);
        let place = match interest {
            Interest::Read => &waits.read,
            Interest::Write => &waits.write,
        };
        if place.as_ref().is_some_and(Event::is_live) {
            drop(fds);
            return Err(io::Error::new(
                io::ErrorKind::ResourceBusy,
                format!("fd {raw} already has a {interest:?} wait; wait again after it triggers"),
            ));
        }
        let read = interest == Interest::Read || waits.read.is_some();
        let write = interest == Interest::Write || waits.write.is_some();
        let registered = waits.registered;
        let result = with_selector(l, |sel| {
            if registered {
                match sel.modify(fd, raw as u64, read, write) {
                    // Closed and reopened behind our back: register anew.
                    Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOENT.raw_os_error()) => {
                        sel.add(fd, raw as u64, read, write)
                    }
                    r => r,
                }
            } else {
                match sel.add(fd, raw as u64, read, write) {
                    Err(e) if e.raw_os_error() == Some(rustix::io::Errno::EXIST.raw_os_error()) => {
                        sel.modify(fd, raw as u64, read, write)
                    }
                    r => r,
                }
            }
        });
        match result {
            Ok(()) => {
                if fds.len() <= index {
                    fds.resize_with(index + 1, FdWaits::default);
                }
                let waits = &mut fds[index];
                waits.registered = true;
                let old = match interest {
                    Interest::Read => waits.read.replace(ev),
                    Interest::Write => waits.write.replace(ev),
                };
                if old.is_none() {
                    l.fd_waits.set(l.fd_waits.get() + 1);
                }
                drop(fds);
                drop(old);
                Ok(())
            }
            // epoll refuses regular files (and directories): they are always
            // ready, so the wait is over at once.
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::PERM.raw_os_error()) => {
                drop(fds);
                asap(ev);
                Ok(())
            }
            Err(e) => {
                drop(fds);
                drop(ev);
                Err(e)
            }
        }
    })
}

/// Drops every wait on `fd` (their events report back untriggered) and
/// removes it from epoll. Call before closing an fd that may be waited on.
pub(crate) fn cancel_fd(fd: BorrowedFd<'_>) {
    let Ok(index) = usize::try_from(fd.as_raw_fd()) else {
        return;
    };
    let taken = LOOP.try_with(|l| {
        let mut fds = l.fds.borrow_mut();
        let Some(waits) = fds.get_mut(index) else {
            return (None, None);
        };
        let taken = (waits.read.take(), waits.write.take());
        let n = usize::from(taken.0.is_some()) + usize::from(taken.1.is_some());
        l.fd_waits.set(l.fd_waits.get() - n);
        if std::mem::take(&mut waits.registered) {
            if let Some(sel) = l.selector.borrow().as_ref() {
                let _ = sel.delete(fd);
            }
        }
        taken
    });
    drop(taken);
}

/// Drops fd waits whose events can no longer be delivered.
fn prune_dead_fd_waits(l: &Loop) {
    let mut dead = Vec::new();
    {
        let mut fds = l.fds.borrow_mut();
        for waits in fds.iter_mut() {
            for place in [&mut waits.read, &mut waits.write] {
                if place.as_ref().is_some_and(|e| !e.is_live()) {
                    dead.extend(place.take());
                }
            }
        }
        l.fd_waits.set(l.fd_waits.get() - dead.len());
    }
    drop(dead);
}

fn dispatch(l: &Loop, ready: &[Readiness], fire: &mut Vec<Event<()>>) {
    let mut fds = l.fds.borrow_mut();
    for r in ready {
        if r.token == WAKEUP_TOKEN {
            continue;
        }
        let Some(waits) = fds.get_mut(r.token as usize) else {
            continue;
        };
        let before = fire.len();
        if r.readable {
            fire.extend(waits.read.take());
        }
        if r.writable {
            fire.extend(waits.write.take());
        }
        l.fd_waits.set(l.fd_waits.get() - (fire.len() - before));
        // One-shot disarmed the registration; re-arm what still waits.
        if waits.read.is_some() || waits.write.is_some() {
            let (read, write) = (waits.read.is_some(), waits.write.is_some());
            let token = r.token;
            // SAFETY: the fd number is only handed to epoll_ctl, which never
            // touches the file: if the fd was closed behind our back (not
            // through cancel_fd), the call fails with EBADF/ENOENT and the
            // waits are dropped below instead of hanging.
            let fd = unsafe { BorrowedFd::borrow_raw(token as i32) };
            let ok = l
                .selector
                .borrow()
                .as_ref()
                .is_some_and(|sel| sel.modify(fd, token, read, write).is_ok());
            if !ok {
                let before = fire.len();
                fire.extend(waits.read.take());
                fire.extend(waits.write.take());
                waits.registered = false;
                l.fd_waits.set(l.fd_waits.get() - (fire.len() - before));
            }
        }
    }
}

/// Fd tables up to this size are checked for dead waits on every idle turn.
const PRUNE_ALWAYS_BELOW: usize = 1024;
/// How long a busy loop with a large fd table waits before checking.
const PRUNE_RETRY: Duration = Duration::from_millis(10);

/// How many queued items run before the loop looks at timers and fds again.
const TURN_BUDGET: usize = 1024;

/// Runs the ready queue in FIFO order until it is empty or the budget is
/// spent; then the loop polls fds and timers (so a task that keeps
/// re-queueing itself with `asap` cannot starve I/O).
fn run_ready(l: &Loop) {
    for _ in 0..TURN_BUDGET {
        let next = l.ready.borrow_mut().pop_front();
        match next {
            Some(Runnable::Task(task)) => task.poll(&task),
            Some(Runnable::Fire(ev)) => ev.trigger(()),
            None => break,
        }
    }
}

fn fire_due_timers(l: &Loop) {
    if l.timers.borrow().len() == 0 {
        return;
    }
    let now = Instant::now();
    // Timers armed by the callbacks below wait for the next turn even if
    // they are already due: otherwise a callback that re-arms itself at a
    // past instant would keep this pass, and the whole loop, to itself.
    let armed_before = l.timers.borrow().next_seq();
    loop {
        let due = l.timers.borrow_mut().pop_due(now, armed_before);
        match due {
            Some(entry) => entry.event.trigger(()),
            None => break,
        }
    }
}

/// The earliest deadline of a timer whose event is still live.
fn next_live_deadline(l: &Loop) -> Option<Instant> {
    if l.timers.borrow().len() == 0 {
        return None;
    }
    loop {
        let dead = l.timers.borrow_mut().pop_dead_top();
        match dead {
            Some(entry) => drop(entry),
            None => {
                let mut timers = l.timers.borrow_mut();
                timers.shrink();
                return timers.next_deadline();
            }
        }
    }
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
    }
}

pub(crate) fn run() {
    LOOP.with(|l| {
        assert!(
            !l.running.replace(true),
            "tame::run() called while the loop is already running (from inside a task?)"
        );
        let _guard = RunningGuard(l);
        let mut ready_fds = Vec::new();
        let mut fire = Vec::new();
        let mut last_wait_had_events = false;
        loop {
            run_ready(l);
            fire_due_timers(l);
            let busy = !l.ready.borrow().is_empty();
            let deadline = next_live_deadline(l);
            // Only fd waits are left: find out whether any can still deliver.
            // That scans the whole fd table, so a busy server (its last wait
            // brought events) with a large table waits a little first
            // instead of scanning on every turn.
            let mut unchecked = false;
            if !busy && deadline.is_none() {
                if l.fd_waits.get() > 0 {
                    if !last_wait_had_events || l.fds.borrow().len() <= PRUNE_ALWAYS_BELOW {
                        prune_dead_fd_waits(l);
                    } else {
                        unchecked = true;
                    }
                }
                if l.fd_waits.get() == 0 && !spawned_can_progress(l) {
                    return;
                }
            }
            let timeout = if busy {
                Some(Duration::ZERO)
            } else if unchecked {
                Some(PRUNE_RETRY)
            } else {
                deadline.map(|d| d.saturating_duration_since(Instant::now()))
            };
            if timeout == Some(Duration::ZERO)
                && l.fd_waits.get() == 0
                && l.remote.borrow().is_none()
            {
                continue;
            }
            ready_fds.clear();
            let waited = with_selector(l, |sel| sel.wait(timeout, &mut ready_fds));
            if let Err(e) = waited {
                panic!("tame: epoll_wait failed: {e}");
            }
            last_wait_had_events = !ready_fds.is_empty();
            dispatch(l, &ready_fds, &mut fire);
            if ready_fds.iter().any(|r| r.token == WAKEUP_TOKEN) {
                wake_remote(l);
            }
            for ev in fire.drain(..) {
                ev.trigger(());
            }
        }
    })
}

// ---- blocked(): the tasks that ever blocked and are not done ----

pub(crate) fn register_blocked(header: &Header) {
    LOOP.with(|l| {
        let mut list = l.blocked.borrow_mut();
        header
            .registry_index
            .set(u32::try_from(list.len()).expect("fewer than 4 billion tasks"));
        list.push(header);
    });
}

pub(crate) fn unregister_blocked(header: &Header) {
    let index = header.registry_index.replace(NOT_REGISTERED) as usize;
    let _ = LOOP.try_with(|l| {
        let mut list = l.blocked.borrow_mut();
        if index >= list.len() {
            return;
        }
        list.swap_remove(index);
        if let Some(&moved) = list.get(index) {
            // SAFETY: pointers in the list are to headers of live tasks: a
            // task unregisters when it finishes and when it is dropped
            // (TaskCell's Drop), before its memory is freed.
            unsafe { (*moved).registry_index.set(index as u32) };
        }
    });
}

pub(crate) fn blocked_tasks() -> Vec<BlockedTask> {
    LOOP.with(|l| {
        let list = l.blocked.borrow();
        list.iter()
            // SAFETY: as in unregister_blocked, every pointer is live.
            .filter_map(|&h| unsafe { (*h).blocked_report() })
            .collect()
    })
}

// ---- futures spawned on the loop (see compat.rs) ----

/// Remembers a spawned future's task; its wakers carry the returned key.
pub(crate) fn spawned_insert(task: TaskRef) -> usize {
    LOOP.with(|l| {
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
}

pub(crate) fn spawned_remove(key: usize) {
    let task = LOOP.try_with(|l| {
        let mut s = l.spawned.borrow_mut();
        let task = s.tasks.get_mut(key).and_then(Option::take);
        if task.is_some() {
            s.live -= 1;
            s.free.push(key);
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
    {
        let s = l.spawned.borrow();
        if s.live == 0 {
            return false;
        }
        if s.tasks.iter().flatten().any(|t| t.can_be_woken()) {
            return true;
        }
    }
    // A waker dropped on another thread right after waking: its key was
    // pushed before the drop we saw (the drop is a Release decrement).
    std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
    let remote = l.remote.borrow().clone();
    remote.is_some_and(|r| !r.keys.lock().unwrap_or_else(|p| p.into_inner()).is_empty())
}

/// Queues the spawned future with `key` (a wake on the loop's own thread).
pub(crate) fn spawned_wake(key: usize) {
    let task = LOOP.try_with(|l| l.spawned.borrow().tasks.get(key).cloned().flatten());
    if let Ok(Some(task)) = task {
        schedule(task);
    }
}

/// The handle other threads use to wake this loop, made on first use.
pub(crate) fn remote() -> io::Result<Arc<Remote>> {
    LOOP.with(|l| {
        if let Some(r) = l.remote.borrow().as_ref() {
            return Ok(r.clone());
        }
        let remote = Arc::new(Remote {
            keys: Mutex::new(Vec::new()),
            wakeup: Wakeup::new()?,
        });
        with_selector(l, |sel| sel.add_level(remote.wakeup.fd(), WAKEUP_TOKEN))?;
        *l.remote.borrow_mut() = Some(remote.clone());
        Ok(remote)
    })
}

fn wake_remote(l: &Loop) {
    let remote = l.remote.borrow().clone();
    let Some(remote) = remote else { return };
    remote.wakeup.drain();
    let keys = std::mem::take(&mut *remote.keys.lock().unwrap_or_else(|p| p.into_inner()));
    for key in keys {
        spawned_wake(key);
    }
}

/// Number of armed timer entries, live or not yet pruned (for tests).
pub(crate) fn timer_entries() -> usize {
    LOOP.with(|l| l.timers.borrow().len())
}

/// The size of one armed timer's entry (for tests and the docs).
pub(crate) fn timer_entry_size() -> usize {
    std::mem::size_of::<timers::Entry>()
}
