//! Interop with Rust's `Future` and `Stream` (through `futures-core`).
//!
//! * [`spawn`] runs a future on the loop and delivers its output to an event.
//! * [`event_future`] gives async code an event to hand out and a future to
//!   await.
//! * [`Rendezvous`](crate::Rendezvous) is a `Stream` of ids.
//!
//! Wakers are `Arc`-based and sound from any thread: a wake on the loop's own
//! thread queues the task directly; a wake from another thread goes through
//! a mutex-protected list and an eventfd that wakes the loop's epoll. That
//! list holds a future once, however often it is woken, until the loop
//! polls it (a flag in its waker), and nothing once the loop's thread is
//! gone.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};

use crate::driver::{self, Remote, WaitId};
use crate::event::{Event, Sink};
use crate::task::{BlockedTask, Header, TaskObj, TaskRef, TwaitSite};

/// Runs `future` on this thread's loop and triggers `ev` with its output.
///
/// The future is not polled inside `spawn`: it is queued, and polled when
/// the loop gets to it (in this turn if the loop is running, after what is
/// queued already; else once it runs). While it is pending and a clone of
/// its waker is held somewhere (a foreign future, another thread),
/// [`run`](crate::run) keeps running; a future whose waker nobody holds
/// can never be woken, and `run()` does not wait for it (also when the last
/// clone is dropped on another thread: the drop wakes the loop to see it).
/// Awaiting one of tame's own wait points directly (an [`EventFuture`], a
/// [`Rendezvous`](crate::Rendezvous) as a stream) holds no clone: the
/// future then waits as a tamed function waits on an event, so a deadlock
/// (an event that nothing can trigger any more) lets `run()` return, and
/// [`blocked`](crate::blocked) shows the future, instead of `run()`
/// waiting for good. A combinator that keeps a waker of its own made from
/// the future's is not direct: `FuturesUnordered`, `FuturesOrdered`,
/// `join_all` of more than 30 futures (it uses `FuturesOrdered` then),
/// `Shared`, `buffer_unordered` hold a clone while they wait, and a
/// deadlock under them keeps `run()` waiting.
///
/// A panic of the future goes on out of [`run`](crate::run) as "future
/// spawned with tame::spawn at src/main.rs:12 panicked: ..", and `ev` is
/// dropped untriggered (a tamed caller waiting on it resumes with its slot
/// unchanged, as after a tamed function's panic).
///
/// Like a tamed function, the future is cancelled when `ev` dies (its
/// rendezvous cancelled or dropped, a timeout gave up on it): the loop
/// drops it, with whatever it was waiting for, as soon as it learns of the
/// death, in the same turn (tokio's `JoinHandle::abort`).
///
/// A poll of the future has the cooperative budget of a tamed function's
/// run (128): after that many of tame's futures ([`event_future`]'s, a
/// rendezvous's `next()`, a [`sleep`](crate::time::sleep)) were ready at
/// once, the next one yields until the loop's next turn, so that a loop of
/// awaits that never wait leaves timers, descriptors and other tasks their
/// turn, as tokio's `coop` does. Only polls with the future's own waker
/// count: an executor of another crate run inside it, or `now_or_never`,
/// gets what is ready.
///
/// While it is pending, [`blocked`](crate::blocked) lists it as
/// `tame::spawn` at the line that spawned it, waiting for one event (its
/// waker) while somebody holds a clone of its waker or one of tame's wait
/// points holds its wake-up, for none when nothing does.
///
/// # Panics
///
/// If the loop's eventfd cannot be created (out of file descriptors); a
/// program that calls [`prepare_loop`](crate::prepare_loop) first learns
/// that as an error instead.
///
/// # Examples
///
/// ```
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot::<u32>(());
/// tame::spawn(async { 6 * 7 }, ev);
/// tame::run();
/// assert_eq!(slot.take(), Some(42));
/// ```
#[track_caller]
pub fn spawn<F>(future: F, ev: Event<F::Output>)
where
    F: Future + 'static,
{
    spawn_as(Spawner::Spawn, future, ev);
}

/// Which public function spawned a future: what `blocked()` and a panic's
/// message call it.
#[derive(Clone, Copy)]
pub(crate) enum Spawner {
    /// [`spawn`].
    Spawn,
    /// [`spawn_blocking`](crate::spawn_blocking): the future waits for the
    /// pool's job, and a panic of the future is the closure's.
    Blocking,
}

impl Spawner {
    fn name(self) -> &'static str {
        match self {
            Spawner::Spawn => "tame::spawn",
            Spawner::Blocking => "tame::spawn_blocking",
        }
    }

    fn described(self) -> &'static str {
        match self {
            Spawner::Spawn => "a spawned future",
            Spawner::Blocking => "a job on the blocking pool",
        }
    }

    fn what_panicked(self) -> &'static str {
        match self {
            Spawner::Spawn => "future spawned with tame::spawn",
            Spawner::Blocking => "closure run by tame::spawn_blocking",
        }
    }
}

/// [`spawn`], for `spawner`; what it reports names the caller's caller.
#[track_caller]
pub(crate) fn spawn_as<F>(spawner: Spawner, future: F, ev: Event<F::Output>)
where
    F: Future + 'static,
{
    if !driver::alive() {
        // A callback run during thread teardown: there is no loop to poll
        // the future on; both are dropped, `ev` as the gone loop drops
        // events.
        driver::drop_for_gone_loop(ev);
        return;
    }
    let remote = driver::remote().expect("tame::spawn: cannot create the loop's eventfd");
    let task = Rc::new(FutureTask {
        header: Header::new(spawner.name()),
        spawner,
        future: RefCell::new(Some(future)),
        event: Cell::new(None),
        handle: RefCell::new(Weak::new()),
        remote,
        key: Cell::new(usize::MAX),
        local_waits: Rc::default(),
        spawned_at: Location::caller(),
    });
    let task_ref: TaskRef = task.clone();
    let key = driver::spawned_insert(task_ref.clone()).expect("the loop is alive");
    task.key.set(key);
    // Watched as a tamed function watches its `done`: if `ev` dies, the
    // loop cancels the future (`cancel_watched`).
    task.header.watches_result.set(true);
    if let Some(id) = driver::register_blocked(&task_ref, &task.header) {
        if !ev.watch(id) {
            driver::waits_died([id]);
        }
    }
    task.event.set(Some(ev));
    driver::schedule(task_ref);
}

struct FutureTask<F: Future> {
    header: Header,
    future: RefCell<Option<F>>,
    event: Cell<Option<Event<F::Output>>>,
    /// The waker's shared part while anybody holds a waker. The task holds
    /// none between polls, so that the last clone going (on any thread)
    /// drops it, and its drop can tell the loop (see `Remote::waker_gone`).
    handle: RefCell<Weak<WakeHandle>>,
    remote: Arc<Remote>,
    key: Cell<usize>,
    /// The [`Wakeup::Spawned`]s its polls left in tame's wait points: not
    /// wakers held elsewhere (they do not keep `run()` going), but it waits
    /// for them (`blocked()` says so).
    local_waits: Rc<LocalWaits>,
    /// Where `spawn` was called, for `blocked()`.
    spawned_at: &'static Location<'static>,
    spawner: Spawner,
}

impl<F: Future> FutureTask<F> {
    /// The waker's shared part for a poll: the one still held elsewhere,
    /// or a new one.
    fn wake_handle(&self) -> Arc<WakeHandle> {
        let held = self.handle.borrow().upgrade();
        held.unwrap_or_else(|| {
            self.remote.waker_made();
            let h = Arc::new(WakeHandle {
                key: self.key.get(),
                owner: thread::current().id(),
                remote: self.remote.clone(),
                counted: AtomicBool::new(true),
                queued: AtomicBool::new(false),
            });
            *self.handle.borrow_mut() = Arc::downgrade(&h);
            h
        })
    }

    /// Whether a clone of the waker is held (by a rendezvous, an event's
    /// future, another thread): if not, nothing can ever wake the future
    /// again.
    fn can_be_woken(&self) -> bool {
        self.handle.borrow().strong_count() > 0 || self.local_waits.held.get() > 0
    }

    /// Drops the future where it is (it was pinned there) and forgets its
    /// registrations; returns its event, and what the future's destructor
    /// panicked with, if it did (the registrations are forgotten all the
    /// same: the task must not keep `run()` going, nor its event stay).
    fn finish(&self) -> (Option<Event<F::Output>>, Option<PanicPayload>) {
        // (An assignment whose old value's drop panics still leaves the
        // new value in place.)
        let dropped = panic::catch_unwind(AssertUnwindSafe(|| *self.future.borrow_mut() = None));
        // What its polls left in wait points that outlive it (handed out
        // in its output, kept in an `Rc`) wakes nobody now, and its key
        // is about to be free for another future.
        self.local_waits.ended.set(true);
        // Its wakers held elsewhere no longer count as ones that can wake.
        let held = self.handle.borrow().upgrade();
        if let Some(h) = held {
            h.uncount();
        }
        driver::spawned_remove(self.key.get());
        if self.header.registry_index.get() != crate::task::NOT_REGISTERED {
            driver::unregister_blocked(&self.header);
        }
        (self.event.take(), dropped.err())
    }
}

impl<F: Future> Drop for FutureTask<F> {
    fn drop(&mut self) {
        self.local_waits.ended.set(true);
        // Dropped while registered (its loop torn down): the table of
        // blocked tasks must not keep a pointer to it.
        if self.header.registry_index.get() != crate::task::NOT_REGISTERED {
            driver::unregister_blocked(&self.header);
        }
    }
}

impl<F: Future> Sink<()> for FutureTask<F> {
    fn complete(self: Rc<Self>, _value: Option<()>) {}
}

impl<F: Future> FutureTask<F> {
    /// What a panic of the future is told of: what spawned it, and where
    /// (with many spawns, the hook's location is inside the future only).
    fn who_panicked(&self) -> String {
        let at = self.spawned_at;
        format!(
            "{} at {}:{}",
            self.spawner.what_panicked(),
            at.file(),
            at.line()
        )
    }
}

impl<F: Future + 'static> TaskObj for FutureTask<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn blocked_report(&self) -> Option<BlockedTask> {
        // Pending: there, and not being polled (a poll borrows it); and
        // not waiting if queued to be polled, as a tamed function whose
        // events came back is not: spawned and not polled yet, woken on
        // this thread, or woken from another (a finished blocking job).
        let pending = self.future.try_borrow().is_ok_and(|f| f.is_some());
        let queued = self.header.queued.get()
            || (self.handle.borrow().upgrade()).is_some_and(|h| h.queued.load(Ordering::Acquire))
            || self.remote.is_queued(self.key.get());
        (pending && !queued).then(|| BlockedTask {
            site: TwaitSite::new(
                self.spawner.name(),
                self.spawned_at.file(),
                self.spawned_at.line(),
            )
            .described(self.spawner.described()),
            waiting_for: usize::from(self.can_be_woken()),
        })
    }

    fn cancel_watched(&self) {
        // Its event died: nobody can receive the output. A poll under way
        // (the future's own doing) is left to end by itself.
        if self.future.try_borrow_mut().is_ok() {
            let (ev, panicked) = self.finish();
            if let Some(payload) = panicked {
                crate::task::drop_beside_panic(ev);
                crate::task::go_on_naming(|| self.who_panicked(), payload);
            }
        }
    }

    fn poll(&self, _me: &TaskRef) {
        self.header.queued.set(false);
        if self.future.borrow().is_none() {
            return;
        }
        let handle = self.wake_handle();
        let key = handle.key;
        // Off the loop's list of remote wakes (if it was on it), before the
        // future looks at anything: a wake from another thread from now on
        // queues it again, for another poll. Acquire, against the Release
        // of the wakes that set the flag (or found it set): what a thread
        // did before a wake this poll stands for is seen here.
        handle.queued.swap(false, Ordering::Acquire);
        let waker = Waker::from(handle);
        let mut cx = Context::from_waker(&waker);
        let mut slot = self.future.borrow_mut();
        let Some(fut) = slot.as_mut() else { return };
        // SAFETY: the future lives inside this Rc allocation and is never
        // moved out of it: it is only polled here and dropped in place by
        // `finish` (assigning `None`).
        let fut = unsafe { Pin::new_unchecked(fut) };
        // Marked as polled: a wake of its own meanwhile is a yield, for
        // the next turn (see `driver::spawned_wake`).
        let outer = driver::polling_spawned(Some(key));
        let outer_budget = BUDGET.with(|b| b.replace(crate::task::TWAIT_BUDGET));
        let polled = {
            let waits = &self.local_waits;
            waits.polls.set(waits.polls.get() + 1);
            let _polled = PolledGuard::enter(key, &waker, waits);
            panic::catch_unwind(AssertUnwindSafe(|| fut.poll(&mut cx)))
        };
        BUDGET.with(|b| b.set(outer_budget));
        driver::polling_spawned(outer);
        if polled.as_ref().is_ok_and(Poll::is_pending) {
            return;
        }
        // Done (or panicked): forget the future, so that it no longer keeps
        // `run()` going, before anything else runs.
        drop(slot);
        drop(waker);
        let (ev, drop_panicked) = self.finish();
        // A destructor's panic after the future was done: as a panic of
        // its poll (the event comes back untriggered, the panic goes on).
        let polled = match (polled, drop_panicked) {
            (Ok(_), Some(payload)) => Err(payload),
            (polled, _) => polled,
        };
        match polled {
            Ok(Poll::Ready(out)) => {
                if let Some(ev) = ev {
                    ev.trigger(out);
                }
            }
            Ok(Poll::Pending) => unreachable!("returned above"),
            Err(payload) => {
                // The event comes back untriggered, then the panic goes on
                // out of `run()` (its own, whatever the event's callback
                // does).
                crate::task::drop_beside_panic(ev);
                crate::task::go_on_naming(|| self.who_panicked(), payload);
            }
        }
    }
}

/// What a panic carries.
type PanicPayload = Box<dyn std::any::Any + Send>;

/// The spawned future being polled: its key, the waker its poll was given
/// and its count of [`Wakeup::Spawned`] held (both alive for as long as
/// this is in [`POLLED`]).
#[derive(Clone, Copy)]
struct Polled {
    key: usize,
    waker: *const Waker,
    waits: *const Rc<LocalWaits>,
}

thread_local! {
    /// The spawned future being polled on this thread.
    static POLLED: Cell<Option<Polled>> = const { Cell::new(None) };
    /// What is left of the cooperative budget of the spawned future being
    /// polled ([`NO_BUDGET`] outside such a poll); see [`spend_budget`].
    static BUDGET: Cell<u8> = const { Cell::new(NO_BUDGET) };
}

/// The spawned future being polled, if `cx` is its poll's own (not another
/// waker: an executor of another crate inside it, `now_or_never`).
fn own_poll(cx: &Context<'_>) -> Option<Polled> {
    // SAFETY: `POLLED` holds its pointers only while the poll they were
    // taken for runs (`FutureTask::poll` sets it around the future's poll
    // and restores it after, unwinding included), and this runs inside
    // that poll.
    POLLED
        .with(Cell::get)
        .filter(|p| cx.waker().will_wake(unsafe { &*p.waker }))
}

/// [`BUDGET`] outside the poll of a spawned future: tame's futures awaited
/// by an executor of another crate are not held back.
const NO_BUDGET: u8 = u8::MAX;

/// Takes one completion of tame's futures (an [`EventFuture`], a
/// rendezvous's `next()`, a [`Sleep`](crate::time::Sleep) that is ready)
/// from the budget of the spawned future being polled: `false` once it is
/// spent, and the future then yields (`Pending`, its waker woken, so the
/// loop polls it again next turn). A loop of awaits that never wait (a
/// source always ready, a channel it refills itself) would otherwise hold
/// the thread for good; the budget is the one a tamed function has for its
/// twaits (128), as tokio's cooperative budget bounds its tasks.
///
/// Only a poll with the spawned future's own waker spends it (its `.await`s,
/// `join!`/`select!` and hand-written `poll_fn`s over them): a poll with
/// another waker (an executor of another crate inside the future,
/// `now_or_never`, a callback's own poll) would be given `Pending` with
/// nobody to poll it again next turn. Outside `run()` (a future spawned
/// and polled before the loop runs) nothing else could run, and it is not
/// spent.
pub(crate) fn spend_budget(cx: &Context<'_>) -> bool {
    let left = BUDGET.with(Cell::get);
    if left == NO_BUDGET {
        return true;
    }
    if own_poll(cx).is_none() {
        return true;
    }
    if left > 0 {
        BUDGET.with(|b| b.set(left - 1));
        return true;
    }
    if !driver::turning() {
        return true;
    }
    cx.waker().wake_by_ref();
    false
}

/// What a spawned future shares with the [`Wakeup::Spawned`]s its polls
/// left in tame's wait points.
#[derive(Default)]
pub(crate) struct LocalWaits {
    /// How many are held.
    held: Cell<usize>,
    /// The future has ended (or its task is gone): they wake nobody, and
    /// its key may be another future's.
    ended: Cell<bool>,
    /// How many times it was polled (see [`SpawnedRef`]).
    polls: Cell<u64>,
}

/// How a pending poll of one of tame's own wait points (an
/// [`EventFuture`], a [`Rendezvous`](crate::Rendezvous) as a stream) is
/// woken: by the key of the spawned future polling it, when its waker is
/// that future's own, else by a clone of the waker.
///
/// The key is not a clone of the waker, so it does not count as one held
/// elsewhere: a spawned future that waits on an event nobody can trigger
/// any more (a deadlock) lets `run()` return and shows in `blocked()`, as
/// a tamed function waiting on that event does. A waker clone would keep
/// `run()` waiting for good, as it must for one that another thread may
/// wake. (A key taken by a later future after this one ended polls it once
/// for nothing: a spurious poll, which a future must bear.)
pub(crate) enum Wakeup {
    /// The key of the spawned future, and its count of these (for
    /// `blocked()`: it waits for something while one is held).
    Spawned(usize, Rc<LocalWaits>),
    Waker(Waker),
}

impl Wakeup {
    /// The wake-up for the poll whose context is `cx`.
    pub(crate) fn of(cx: &Context<'_>) -> Wakeup {
        match own_poll(cx) {
            Some(p) => {
                // SAFETY: as in `own_poll`, the pointer is the running
                // poll's.
                let waits = unsafe { &*p.waits }.clone();
                waits.held.set(waits.held.get() + 1);
                Wakeup::Spawned(p.key, waits)
            }
            None => Wakeup::Waker(cx.waker().clone()),
        }
    }

    /// Whether nobody is left to wake: the spawned future it wakes has
    /// ended (however many of its wake-ups outlive it). A waker from
    /// elsewhere may always wake somebody.
    pub(crate) fn is_gone(&self) -> bool {
        matches!(self, Wakeup::Spawned(_, waits) if waits.ended.get())
    }

    /// Whether the spawned future it wakes is alive and about to be
    /// cancelled (its waits then count as dead). Not asked of one that has
    /// ended: its key may be another future's by now.
    pub(crate) fn is_doomed(&self) -> bool {
        matches!(self, Wakeup::Spawned(key, _) if !self.is_gone() && driver::spawned_doomed(*key))
    }

    /// The spawned future it wakes (`None`: a waker from elsewhere), to
    /// ask later whether it is doomed; not a wake-up held.
    pub(crate) fn spawned(&self) -> Option<SpawnedRef> {
        match self {
            Wakeup::Spawned(key, waits) => Some(SpawnedRef {
                key: *key,
                polls: waits.polls.get(),
                waits: waits.clone(),
            }),
            Wakeup::Waker(_) => None,
        }
    }

    pub(crate) fn wake(self) {
        match &self {
            &Wakeup::Spawned(key, _) => {
                // No longer held: the future is queued.
                drop(self);
                driver::spawned_wake(key);
            }
            Wakeup::Waker(waker) => waker.wake_by_ref(),
        }
    }
}

/// A spawned future a wait point woke, by its key and the record that
/// says when it ended (after which the key may be another future's), and
/// how often it had been polled then.
pub(crate) struct SpawnedRef {
    key: usize,
    waits: Rc<LocalWaits>,
    polls: u64,
}

impl SpawnedRef {
    /// Whether the future is alive, about to be cancelled, and not polled
    /// since the wake: polled, it may have let the wait point go (nobody
    /// sees its code), which then serves whoever waits there next.
    pub(crate) fn is_doomed(&self) -> bool {
        !self.waits.ended.get()
            && self.waits.polls.get() == self.polls
            && driver::spawned_doomed(self.key)
    }
}

impl Drop for Wakeup {
    fn drop(&mut self) {
        if let Wakeup::Spawned(_, waits) = self {
            waits.held.set(waits.held.get() - 1);
        }
    }
}

/// Sets [`POLLED`] for the length of a poll, and restores it after (a
/// panic of the poll included).
struct PolledGuard(Option<Polled>);

impl PolledGuard {
    fn enter(key: usize, waker: &Waker, waits: &Rc<LocalWaits>) -> PolledGuard {
        let polled = Polled { key, waker, waits };
        PolledGuard(POLLED.with(|p| p.replace(Some(polled))))
    }
}

impl Drop for PolledGuard {
    fn drop(&mut self) {
        POLLED.with(|p| p.set(self.0));
    }
}

/// The waker of a spawned future.
struct WakeHandle {
    key: usize,
    owner: ThreadId,
    remote: Arc<Remote>,
    /// Counted among the loop's live wakers (see `Remote::waker_made`):
    /// from its making until it goes or its future ends, whichever comes
    /// first. A clone that outlives its future (kept by another thread)
    /// must not keep `run()` waiting for the others; woken, it does
    /// nothing (its key may be another future's by now: a waker kept and
    /// woken again and again polled that one at every wake). A wake from
    /// another thread that races the future's end may still poll the
    /// future that took its key, once, for nothing (a spurious poll,
    /// which a future must bear).
    counted: AtomicBool,
    /// Its key is on the loop's list of remote wakes (or about to be) and
    /// the future's poll has not started since: a wake from another thread
    /// while it is set is that poll's, and queues nothing more. Set by
    /// such a wake (`swap(true, AcqRel)`: the one that finds it clear
    /// queues the key), cleared as the poll starts (`swap(false,
    /// Acquire)`: every flag change is a swap, so a wake that found it set
    /// is seen by the poll that clears it). A handle that outlives its
    /// future may stay set: its wakes are lost, as they would wake nobody.
    queued: AtomicBool,
}

impl WakeHandle {
    /// Leaves the loop's count of live wakers, once.
    fn uncount(&self) {
        if self.counted.swap(false, Ordering::AcqRel) {
            self.remote.waker_gone();
        }
    }
}

impl Drop for WakeHandle {
    fn drop(&mut self) {
        // The last waker went. On another thread the loop may be waiting
        // for it: tell it to look again (it then sees nobody can wake the
        // future). On the loop's own thread it looks anyway.
        self.uncount();
        if thread::current().id() != self.owner {
            self.remote.recheck();
        }
    }
}

impl Wake for WakeHandle {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.counted.load(Ordering::Acquire) {
            return;
        }
        if thread::current().id() == self.owner {
            driver::spawned_wake(self.key);
        } else if !self.queued.swap(true, Ordering::AcqRel) {
            self.remote.wake(self.key);
        }
    }
}

/// An event for async code: trigger the [`Event`], await the
/// [`EventFuture`].
///
/// The future resolves to `Some(value)` when the event is triggered, `None`
/// when it is dropped untriggered. Dropping the future makes the event dead
/// (a timer armed with it stops counting as armed).
///
/// # Examples
///
/// ```
/// let (ev, fut) = tame::event_future::<u8>();
/// tame::timer(std::time::Duration::from_millis(1), tame::Event::from_fn(move |_| ev.trigger(9)));
/// let r = tame::Rendezvous::<()>::new();
/// let (done, slot) = r.event_with_slot(());
/// tame::spawn(fut, done);
/// tame::run();
/// assert_eq!(slot.take(), Some(Some(9)));
/// ```
pub fn event_future<T: 'static>() -> (Event<T>, EventFuture<T>) {
    let state = Rc::new(FutureState {
        value: Cell::new(None),
        back: Cell::new(false),
        waker: Cell::new(None),
        listening: Cell::new(true),
        watch: Cell::new(None),
    });
    let fut = EventFuture {
        state,
        finished: false,
    };
    (Event::from_sink(fut.state.clone()), fut)
}

struct FutureState<T> {
    value: Cell<Option<T>>,
    back: Cell<bool>,
    waker: Cell<Option<Wakeup>>,
    listening: Cell<bool>,
    /// The loop's wait parked on the event, reported when the future goes.
    watch: Cell<Option<WaitId>>,
}

impl<T> FutureState<T> {
    /// The spawned future waiting on this event is about to be cancelled:
    /// like a doomed tamed task's events, this one reports dead, so that a
    /// channel's value or a permit offered now goes to the next waiter
    /// instead of being dropped with the future.
    /// (Asked only while the future that last polled it is alive: see
    /// [`Wakeup::is_doomed`].)
    fn waiter_doomed(&self) -> bool {
        let waker = self.waker.take();
        let doomed = waker.as_ref().is_some_and(Wakeup::is_doomed);
        self.waker.set(waker);
        doomed
    }
}

impl<T> Sink<T> for FutureState<T> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        // Back: whoever watched it for its death stops watching.
        self.watch.set(None);
        if !self.listening.get() {
            return;
        }
        self.value.set(value);
        self.back.set(true);
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    fn is_live(&self) -> bool {
        self.listening.get() && !self.waiter_doomed()
    }

    fn watch(&self, id: WaitId) -> bool {
        let live = self.listening.get();
        if live {
            self.watch.set(Some(id));
        }
        live
    }

    fn unwatch(&self) {
        self.watch.set(None);
    }
}

/// The future half of [`event_future`]: `Some(value)` once the event is
/// triggered, `None` if it was dropped untriggered.
///
/// The event is triggered by code on this thread: by tame's loop when a
/// timer or an fd gives it its value, so await it in a future given to
/// [`spawn`]. Under another executor that blocks the thread
/// (`futures::executor::block_on`), the loop does not run, and a future
/// waiting for it waits for good (unless the awaited code triggers the
/// event itself, as below).
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
///
/// let (ev, fut) = tame::event_future::<u32>();
/// let mut fut = pin!(fut);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(fut.as_mut().poll(&mut cx), Poll::Pending);
/// ev.trigger(5);
/// assert_eq!(fut.poll(&mut cx), Poll::Ready(Some(5)));
/// ```
///
/// # Panics
///
/// Polled again after it gave its output: `None` there would read as an
/// event dropped untriggered, which it was not.
#[must_use = "futures do nothing unless polled"]
pub struct EventFuture<T> {
    state: Rc<FutureState<T>>,
    /// It gave its output.
    finished: bool,
}

impl<T> Future for EventFuture<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        assert!(
            !this.finished,
            "an EventFuture was polled after it completed"
        );
        if this.state.back.get() {
            if !spend_budget(cx) {
                return Poll::Pending;
            }
            this.finished = true;
            Poll::Ready(this.state.value.take())
        } else {
            this.state.waker.set(Some(Wakeup::of(cx)));
            Poll::Pending
        }
    }
}

impl<T> Drop for EventFuture<T> {
    fn drop(&mut self) {
        self.state.listening.set(false);
        self.state.waker.set(None);
        if let Some(id) = self.state.watch.take() {
            driver::waits_died([id]);
        }
    }
}

impl<T> fmt::Debug for EventFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventFuture")
            .field("back", &self.state.back.get())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::sync::mpsc;
    use std::task::{Context, Poll, Waker};
    use std::thread;
    use std::time::Duration;

    use crate::driver;
    use crate::Event;

    /// Ready at its `until`th poll; hands a clone of its waker out at each.
    struct Handing {
        polls: Rc<Cell<u32>>,
        until: u32,
        wakers: mpsc::Sender<Waker>,
    }

    impl Future for Handing {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.set(self.polls.get() + 1);
            let _ = self.wakers.send(cx.waker().clone());
            if self.polls.get() >= self.until {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    fn turn() {
        crate::run_once(Some(Duration::ZERO));
    }

    fn woken_elsewhere(w: &Waker, times: usize) {
        thread::scope(|s| {
            s.spawn(|| (0..times).for_each(|_| w.wake_by_ref()));
        });
    }

    #[test]
    fn a_future_woken_many_times_from_another_thread_is_queued_once() {
        let polls = Rc::new(Cell::new(0));
        let (tx, rx) = mpsc::channel();
        let (done, done_rx) = mpsc::channel();
        let future = Handing {
            polls: polls.clone(),
            until: 3,
            wakers: tx,
        };
        super::spawn(future, Event::from_fn(move |v| done.send(v).unwrap()));
        turn();
        assert_eq!(polls.get(), 1);
        let remote = driver::remote().unwrap();
        let w = rx.recv().unwrap();
        woken_elsewhere(&w, 1000);
        assert_eq!(remote.queued().map(|k| k.len()), Some(1));
        turn();
        assert_eq!(polls.get(), 2, "polled once for the thousand wakes");
        assert_eq!(remote.queued(), Some(Vec::new()));
        // Polled, it is queued again by the next wake.
        woken_elsewhere(&w, 1000);
        assert_eq!(remote.queued().map(|k| k.len()), Some(1));
        drop((w, rx));
        turn();
        assert_eq!(polls.get(), 3);
        assert_eq!(done_rx.try_recv(), Ok(Some(())));
    }

    /// Pending until its `until`th poll; each poll has another thread
    /// wake it, and keeps no waker.
    struct WokenWhilePolled {
        polls: Rc<Cell<u32>>,
        until: u32,
    }

    impl Future for WokenWhilePolled {
        type Output = u32;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
            self.polls.set(self.polls.get() + 1);
            if self.polls.get() >= self.until {
                return Poll::Ready(self.polls.get());
            }
            woken_elsewhere(cx.waker(), 1);
            Poll::Pending
        }
    }

    #[test]
    fn a_wake_from_another_thread_during_its_poll_polls_the_future_again() {
        // The flag is cleared before the poll: the wake inside it queues
        // the future again (cleared after, the wake would be lost, and
        // `run()` would end with the future pending: nobody holds a waker).
        let polls = Rc::new(Cell::new(0));
        let (done, done_rx) = mpsc::channel();
        let future = WokenWhilePolled {
            polls: polls.clone(),
            until: 4,
        };
        super::spawn(future, Event::from_fn(move |v| done.send(v).unwrap()));
        crate::run();
        assert_eq!(done_rx.try_recv(), Ok(Some(4)));
    }

    #[test]
    fn wakes_after_the_loops_thread_ended_queue_nothing() {
        let (tx, rx) = mpsc::channel();
        let (remote, wakers) = thread::spawn(move || {
            for _ in 0..2 {
                let future = Handing {
                    polls: Rc::new(Cell::new(0)),
                    until: u32::MAX,
                    wakers: tx.clone(),
                };
                super::spawn(future, Event::detached());
            }
            turn();
            let remote = driver::remote().unwrap();
            let wakers = [rx.recv().unwrap(), rx.recv().unwrap()];
            // One queued while the thread lives, never taken.
            woken_elsewhere(&wakers[0], 1);
            assert_eq!(remote.queued().map(|k| k.len()), Some(1));
            (remote, wakers)
        })
        .join()
        .unwrap();
        for w in &wakers {
            for _ in 0..1000 {
                w.wake_by_ref();
            }
        }
        assert_eq!(
            remote.queued(),
            None,
            "nothing kept for a loop that is gone"
        );
    }
}
