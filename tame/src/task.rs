//! Tasks: the heap closures that `#[tamed]` functions become.
//!
//! This is the layer below the translator, public so that a state machine can
//! also be written by hand (see the crate docs). A task is one allocation
//! holding a header (name, where it waits, how many events it waits for) and
//! the closure `FnMut(&TaskContext) -> Poll<()>` that advances its state
//! machine. The loop polls it when something it waits for came back.
//!
//! Each task has one *join*: the implicit rendezvous of a `twait! { ... }`
//! block. Events made with [`TaskContext::join_event`] count against it, and
//! [`TaskContext::wait_join`] blocks until all of them came back.
//!
//! A run that returns `Pending` leaves the task waiting if a
//! [`wait_join`](TaskContext::wait_join) or a
//! [`poll_rendezvous`](TaskContext::poll_rendezvous) of that run returned
//! `Pending`, or a rendezvous it waited on in an earlier run still has it
//! as its waiter (below); otherwise the task is over, as if the run had
//! returned `Ready` (see [`start`]). A run may wait at several of them, as
//! a select: on its join and on one rendezvous or more, in any order;
//! whichever comes back first runs the task again, which then polls what
//! it still wants (a rendezvous it waited on keeps it as its waiter until
//! it polls there again, waits there in a later run, or ends). A
//! `#[tamed]` function waits at one.
//! A rendezvous the task's own state holds is polled with
//! [`poll_own_rendezvous`](TaskContext::poll_own_rendezvous), as a tamed
//! function's `twait!(r)` on a variable of its own is: what reports to it
//! goes with the task when the task is cancelled.
//!
//! # Examples
//!
//! A hand-written task that waits on a rendezvous, as `while let Some(id) =
//! twait!(r)` does:
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use std::task::Poll;
//! use tame::task::{self, TwaitSite};
//! use tame::Rendezvous;
//!
//! static SITE: TwaitSite = TwaitSite::new("sum", file!(), line!());
//! let r = Rendezvous::<u32>::new();
//! tame::asap(r.event(2));
//! tame::asap(r.event(3));
//! let total = Rc::new(Cell::new(0));
//! let t = total.clone();
//! task::start("sum", move |cx| loop {
//!     match cx.poll_rendezvous(&r, &SITE) {
//!         Poll::Ready(Some(id)) => t.set(t.get() + id),
//!         Poll::Ready(None) => return Poll::Ready(()),
//!         Poll::Pending => {
//!             assert!(cx.is_waiting());
//!             assert_eq!(cx.name(), "sum");
//!             return Poll::Pending;
//!         }
//!     }
//! });
//! tame::run();
//! assert_eq!(total.get(), 5);
//! ```

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::{Rc, Weak};
use std::task::Poll;

use crate::driver::{WaitId, WatchSet, UNWATCHED};
use crate::event::{Event, Sink};
use crate::rendezvous::{Outstanding, Rendezvous};
use crate::slot::{HasSlot, SlotCell};
pub use crate::slot::{Inbox, Slot};

/// A shared handle to a task, as queued by the loop.
pub(crate) type TaskRef = Rc<dyn TaskObj>;

/// A `twait` site: the function, file and line it is written at, and what
/// it waits for if the twait says so (`twait!(r, "a reply")`,
/// `twait! { "the lookups"; .. }`, Tamer's `twait ["text"]`).
///
/// Generated code keeps one `static` of these per `twait`; [`blocked`]
/// reports them.
///
/// # Examples
///
/// ```
/// use tame::task::TwaitSite;
///
/// static SITE: TwaitSite = TwaitSite::new("main", file!(), line!()).described("a reply");
/// assert_eq!(
///     SITE.to_string(),
///     format!("main at {}:{} (a reply)", file!(), SITE.line)
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TwaitSite {
    /// The tamed function's name.
    pub function: &'static str,
    /// The source file of the `twait`.
    pub file: &'static str,
    /// The source line of the `twait`.
    pub line: u32,
    /// What the twait waits for, in the words its author gave.
    pub description: Option<&'static str>,
}

impl TwaitSite {
    /// A site with no description.
    pub const fn new(function: &'static str, file: &'static str, line: u32) -> TwaitSite {
        TwaitSite {
            function,
            file,
            line,
            description: None,
        }
    }

    /// The same site, saying what it waits for.
    pub const fn described(self, description: &'static str) -> TwaitSite {
        TwaitSite {
            description: Some(description),
            ..self
        }
    }
}

impl fmt::Display for TwaitSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}:{}", self.function, self.file, self.line)?;
        if let Some(d) = self.description {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// What a task is doing; the site of its wait lives next to it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Running,
    Join,
    Rendezvous,
    /// Gave its turn up at a twait that needed no wait (see [`TWAIT_BUDGET`]):
    /// queued for the loop's next turn.
    Yielded,
    Done,
}

/// How many twaits a task gets through without waiting in one run before a
/// twait yields anyway, inside `run()`: its state is packed and the task
/// runs again on the loop's next turn, after the loop polled its fds and
/// fired its due timers.
/// A loop of operations that complete at once (reads of a descriptor that
/// always has data, writes to one that always takes them, events triggered
/// before the twait) would otherwise keep the thread from every other
/// function. The same bound as tokio's cooperative budget; 128 twaits cost
/// a few microseconds, so the extra turn is rare and cheap.
pub(crate) const TWAIT_BUDGET: u8 = 128;

/// The part of a task the loop and the events look at. Kept small: every
/// waiting task (every idle connection of a server) has one.
pub(crate) struct Header {
    name: &'static str,
    /// The rendezvous a `twait!(r)` blocks on, for [`blocked`].
    rendezvous: Cell<Option<Weak<dyn Outstanding>>>,
    /// It waits on other rendezvous too, as their waiter, listed in
    /// `OTHER_RENDEZVOUS`: a task written by hand may wait on several in
    /// one run, as a select (see the module's docs); they forget it when
    /// it ends. Never for a task made by the translator, which waits on
    /// one.
    other_rendezvous: Cell<bool>,
    /// Where the task waits (meaningful while blocked).
    site: Cell<Option<&'static TwaitSite>>,
    /// Events of the current `twait!{}` block not yet come back.
    join_outstanding: Cell<u32>,
    /// Key in the loop's table of tasks that ever blocked or watch the
    /// events they were given, and the generation of that registration
    /// (together, the task's wait id: see [`TaskContext::watch_result`]).
    pub(crate) registry_index: Cell<u32>,
    registry_generation: Cell<u32>,
    status: Cell<Status>,
    /// It waits for its join (a [`TaskContext::wait_join`] of this run
    /// was `Pending`), also if it then waits on a rendezvous too.
    join_waiting: Cell<bool>,
    pub(crate) queued: Cell<bool>,
    /// An event it watches died: the loop cancels it when it next reaps,
    /// and its own events report dead until then (see
    /// [`Header::is_listening`]).
    doomed: Cell<bool>,
    /// Twaits left before one yields (see [`TWAIT_BUDGET`]); refilled each
    /// time the task runs.
    budget: Cell<u8>,
    /// The waits (and tasks) watching this task's join events for their
    /// death: reported if the task ends with those events out.
    join_watches: WatchSet,
    /// The rendezvous of its `twait!(r)` is a variable of its own, held
    /// by value: it goes with the task (see [`Header::task_watchers`]).
    rendezvous_owned: Cell<bool>,
    /// It watches an event it was given (its `done`, by
    /// [`TaskContext::watch_result`], or a spawned future's): something
    /// may wait for it (see [`Header::teardown_rank`]).
    pub(crate) watches_result: Cell<bool>,
}

/// The rendezvous a task waits on besides its last, by the task's
/// address (see `Header::other_rendezvous`): rare, so kept out of every
/// task.
type Waited = HashMap<usize, Vec<Weak<dyn Outstanding>>>;

thread_local! {
    static OTHER_RENDEZVOUS: RefCell<Waited> = RefCell::new(HashMap::new());
}

pub(crate) const NOT_REGISTERED: u32 = u32::MAX;

impl Header {
    pub(crate) fn new(name: &'static str) -> Self {
        Header {
            name,
            rendezvous: Cell::new(None),
            other_rendezvous: Cell::new(false),
            site: Cell::new(None),
            join_outstanding: Cell::new(0),
            registry_index: Cell::new(NOT_REGISTERED),
            registry_generation: Cell::new(0),
            status: Cell::new(Status::Running),
            join_waiting: Cell::new(false),
            queued: Cell::new(false),
            doomed: Cell::new(false),
            budget: Cell::new(TWAIT_BUDGET),
            join_watches: WatchSet::new(),
            rendezvous_owned: Cell::new(false),
            watches_result: Cell::new(false),
        }
    }

    /// This task is registered under `index` (by
    /// `crate::driver::register_blocked`, or in the entry it took over from
    /// the finished task it was started in the memory of), with a new
    /// generation: its wait id is unique (until the generations wrap,
    /// after 2^28 registrations of tasks, descriptors, timers and
    /// watches, which take theirs from the same count).
    pub(crate) fn registered(&self, index: u32) -> WaitId {
        let generation = crate::driver::next_generation();
        self.registry_index.set(index);
        self.registry_generation.set(generation);
        crate::driver::task_wait_id(index, generation)
    }

    /// The id the events this task watches report when they die, while it
    /// is registered.
    pub(crate) fn watch_id(&self) -> Option<WaitId> {
        let index = self.registry_index.get();
        (index != NOT_REGISTERED)
            .then(|| crate::driver::task_wait_id(index, self.registry_generation.get()))
    }

    /// Where this task goes in the order the loop's teardown cancels the
    /// tasks still blocked in (smallest first), so that a caller ends
    /// before the functions it started and waits for, as a cancelled
    /// caller's do in the loop: first the tasks that watch no event they
    /// were given (nothing waits for them), newest registration first (such
    /// a function registers when it first blocks, after the functions it
    /// started did), then the others oldest first (a function with `done`
    /// or a spawned future registers as it starts, after its caller). No
    /// count is kept at each start for it: a start is the path of every
    /// call. `newest` is the generation taken last; ages are right for two
    /// registrations fewer than 2^27 apart.
    pub(crate) fn teardown_rank(&self, newest: u32) -> (bool, u32) {
        let age =
            newest.wrapping_sub(self.registry_generation.get()) & crate::driver::GENERATION_MASK;
        if self.watches_result.get() {
            (true, crate::driver::GENERATION_MASK - age)
        } else {
            (false, age)
        }
    }

    /// Who this task is, for the loop's table of extra watches.
    fn owner(&self) -> usize {
        self as *const Self as usize
    }

    fn is_done(&self) -> bool {
        self.status.get() == Status::Done
    }

    /// An event this task watches died: it is as good as cancelled.
    /// Returns whether it was not doomed before.
    pub(crate) fn doom(&self) -> bool {
        !self.doomed.replace(true)
    }

    /// The tasks it waits for, which go with it when it is cancelled: those
    /// watching its join events, and those watching the events of the
    /// rendezvous it waits on in `twait!(r)` if that is a variable of its
    /// own, which goes with it (one shared, an `Rc` or a field, may outlive
    /// it, and the functions that report to it with it).
    pub(crate) fn task_watchers(&self) -> Vec<WaitId> {
        let mut ids = self.join_watches.task_watchers(self.owner());
        if self.status.get() == Status::Rendezvous && self.rendezvous_owned.get() {
            let r = self.rendezvous.take();
            if let Some(shared) = r.as_ref().and_then(Weak::upgrade) {
                ids.extend(shared.task_watchers());
            }
            self.rendezvous.set(r);
        }
        ids
    }

    /// Whether the rendezvous it waits on in `twait!(r)` is a variable of
    /// its own held by value, which goes with it.
    pub(crate) fn owns_rendezvous(&self) -> bool {
        self.rendezvous_owned.get()
    }

    /// Whether the rendezvous of its next `twait!(r)` is a variable of its
    /// own held by value (see [`Header::task_watchers`]).
    pub(crate) fn rendezvous_owned(&self, owned: bool) {
        self.rendezvous_owned.set(owned);
    }

    /// Whether an event it watches died (the loop cancels it when it next
    /// reaps).
    pub(crate) fn is_doomed(&self) -> bool {
        self.doomed.get()
    }

    /// Whether the task's join events still reach a task that will take
    /// them: not one that ended, nor one the loop is about to cancel.
    fn is_listening(&self) -> bool {
        !self.is_done() && !self.doomed.get()
    }

    /// A wait (or a task) watches one of this task's join events.
    fn watch_join(&self, id: WaitId) -> Option<u32> {
        (!self.is_done()).then(|| self.join_watches.watch(self.owner(), id))
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Where the task waits (or last waited).
    pub(crate) fn waiting_at(&self) -> Option<&'static TwaitSite> {
        self.site.get()
    }

    pub(crate) fn block_explicit(&self, site: &'static TwaitSite, count: Weak<dyn Outstanding>) {
        self.status.set(Status::Rendezvous);
        self.site.set(Some(site));
        if let Some(old) = self.rendezvous.take() {
            if !Weak::ptr_eq(&old, &count) {
                if let Some(r) = old.upgrade() {
                    r.forget_woken(self);
                }
                self.keep_other_rendezvous(old, &count);
            }
        }
        self.rendezvous.set(Some(count));
    }

    /// The task blocks on `new`, having waited on `old` before: if `old`
    /// still has it as its waiter (a select written by hand, polling two
    /// rendezvous in one run), it is kept, for the task's end to forget.
    /// The list keeps only those that still have it, so it stays as long
    /// as the rendezvous the task polls.
    #[cold]
    #[inline(never)]
    fn keep_other_rendezvous(&self, old: Weak<dyn Outstanding>, new: &Weak<dyn Outstanding>) {
        let waits_here =
            |r: &Weak<dyn Outstanding>| r.upgrade().is_some_and(|r| r.has_waiter(self));
        let mut others = self.take_other_rendezvous();
        others.retain(|r| !Weak::ptr_eq(r, new) && !Weak::ptr_eq(r, &old) && waits_here(r));
        if waits_here(&old) {
            others.push(old);
        }
        if !others.is_empty()
            && OTHER_RENDEZVOUS
                .try_with(|o| o.borrow_mut().insert(self.owner(), others))
                .is_ok()
        {
            self.other_rendezvous.set(true);
        }
    }

    /// Whether a rendezvous the task waited on in an earlier run still has
    /// it as its waiter (a select written by hand, woken by another of its
    /// waits, that polls there again in a later run): the task still
    /// waits there.
    ///
    /// If so, the task is marked as waiting there (for [`blocked`], and
    /// for a cancel to reach what waits behind a rendezvous of its own).
    fn still_waits_on_an_earlier_rendezvous(&self) -> bool {
        let waits_here =
            |r: &Weak<dyn Outstanding>| r.upgrade().is_some_and(|r| r.has_waiter(self));
        let last = self.rendezvous.take();
        let here = last.as_ref().is_some_and(waits_here);
        self.rendezvous.set(last);
        let waits = here
            || (self.other_rendezvous.get()
                && OTHER_RENDEZVOUS
                    .try_with(|o| {
                        (o.borrow().get(&self.owner())).is_some_and(|rs| rs.iter().any(waits_here))
                    })
                    .unwrap_or(false));
        if waits {
            self.status.set(Status::Rendezvous);
        }
        waits
    }

    /// The rendezvous listed by
    /// [`keep_other_rendezvous`](Self::keep_other_rendezvous), taken out
    /// of the list.
    fn take_other_rendezvous(&self) -> Vec<Weak<dyn Outstanding>> {
        if !self.other_rendezvous.replace(false) {
            return Vec::new();
        }
        OTHER_RENDEZVOUS
            .try_with(|o| o.borrow_mut().remove(&self.owner()))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The task ended: the rendezvous it still waits on besides its last
    /// forget it.
    #[cold]
    #[inline(never)]
    fn leave_other_rendezvous(&self) {
        for r in self.take_other_rendezvous() {
            if let Some(r) = r.upgrade() {
                r.forget_waiter(self);
            }
        }
    }

    #[inline]
    fn join_added(&self) {
        let n = self.join_outstanding.get();
        self.join_outstanding.set(
            n.checked_add(1)
                .expect("more than u32::MAX events in one twait! block"),
        );
    }

    /// One event of the join came back; returns whether the task should now
    /// be queued.
    #[inline]
    fn join_returned(&self) -> bool {
        let left = self.join_outstanding.get() - 1;
        self.join_outstanding.set(left);
        if left == 0 {
            // Every event of the block is back: nobody's watch can report
            // a death any more.
            self.join_watches.forget(self.owner());
        }
        left == 0 && self.join_waiting.get()
    }

    /// What [`blocked`] reports for this task, if it is blocked.
    pub(crate) fn blocked_report(&self) -> Option<BlockedTask> {
        // Queued to run (what it waited for came back; a panic out of
        // `run()` may have left it there): not waiting.
        if self.queued.get() {
            return None;
        }
        let site = *self.site.get()?;
        match self.status.get() {
            Status::Join => Some(BlockedTask {
                site,
                waiting_for: self.join_outstanding.get() as usize,
            }),
            Status::Rendezvous => {
                let weak = self.rendezvous.take();
                let waiting_for = weak
                    .as_ref()
                    .and_then(Weak::upgrade)
                    .map_or(0, |r| r.outstanding());
                self.rendezvous.set(weak);
                Some(BlockedTask { site, waiting_for })
            }
            Status::Running | Status::Yielded | Status::Done => None,
        }
    }
}

/// A task as the loop sees it. A task is also the sink of its own join
/// events that carry no value, so those cost no allocation at all.
pub(crate) trait TaskObj: Sink<()> {
    fn header(&self) -> &Header;
    /// Runs the task's closure once. `me` is this very task.
    fn poll(&self, me: &TaskRef);
    /// What [`blocked`] reports for this task, if it is blocked.
    fn blocked_report(&self) -> Option<BlockedTask> {
        self.header().blocked_report()
    }
    /// An event this task watches died (see [`TaskContext::watch_result`]),
    /// or the thread's loop is going with the task still blocked: the loop
    /// cancels it. Tasks that watch nothing ignore it.
    fn cancel_watched(&self) {}
    /// The loop drops `self`, the last reference to the task (see
    /// [`release`]): a task that is done may be kept for the next task of
    /// its type instead of freed.
    fn recycle(self: Rc<Self>) {}
}

/// A finished task kept for the next of its type keeps its entry in the
/// loop's table of blocked tasks only below this index (see
/// `TaskCell::recycle`): the entries kept then hold at most this many
/// entries' worth of table (16 KiB) after a burst.
const SPARE_ENTRY_BELOW: u32 = 1024;

struct TaskCell<F> {
    header: Header,
    body: RefCell<Option<F>>,
}

impl<F> Sink<()> for TaskCell<F>
where
    F: FnMut(&TaskContext<'_>) -> Poll<()> + 'static,
{
    fn complete(self: Rc<Self>, _value: Option<()>) {
        if self.header.join_returned() && !self.header.queued.replace(true) {
            crate::driver::enqueue(self);
        }
    }

    /// A join event of a task that ended (returned, panicked, cancelled),
    /// or that the loop is about to cancel, reaches nobody.
    fn is_live(&self) -> bool {
        self.header.is_listening()
    }

    // The join events without a value share this sink, so one of them
    // cannot forget its own watch when it comes back: the watches are
    // forgotten together when the whole block is back, and reported if the
    // task ends before. (A watch of an event that came back early is then
    // reported too: harmless for a wait, which finds nothing to drop; a
    // task watching it is cancelled with the one that started it.)
    fn watch(&self, id: WaitId) -> bool {
        self.header.watch_join(id).is_some()
    }
}

impl<F> TaskObj for TaskCell<F>
where
    F: FnMut(&TaskContext<'_>) -> Poll<()> + 'static,
{
    fn header(&self) -> &Header {
        &self.header
    }

    fn cancel_watched(&self) {
        self.cancel();
    }

    fn recycle(self: Rc<Self>) {
        let mut me = self;
        // Kept only if done (it holds nothing then) and nobody else can
        // reach it; it stays in the loop's table of blocked tasks, whose
        // entry the next task of its type takes over, if that entry is
        // low in the table: one high up would keep the table from
        // shrinking after a burst of tasks that ended out of order (the
        // table gives back only its free entries at the end), for as long
        // as the task is kept (16 bytes a task of the burst, for good).
        if Rc::get_mut(&mut me).is_some_and(|cell| cell.header.is_done()) {
            let index = me.header.registry_index.get();
            if index != NOT_REGISTERED && index >= SPARE_ENTRY_BELOW {
                crate::driver::unregister_blocked(&me.header);
            }
            crate::spare::put(me);
        }
    }

    fn poll(&self, me: &TaskRef) {
        self.header.queued.set(false);
        let mut body = self.body.borrow_mut();
        let Some(f) = body.as_mut() else { return };
        self.header.status.set(Status::Running);
        self.header.join_waiting.set(false);
        self.header.budget.set(TWAIT_BUDGET);
        let cx = TaskContext {
            task: me,
            header: &self.header,
        };
        match panic::catch_unwind(AssertUnwindSafe(|| f(&cx))) {
            Ok(Poll::Pending)
                if self.header.status.get() != Status::Running
                    || self.header.still_waits_on_an_earlier_rendezvous() =>
            {
                if self.header.registry_index.get() == NOT_REGISTERED
                    && crate::driver::register_blocked(me, &self.header).is_none()
                {
                    // Started during thread teardown (from a destructor),
                    // with the loop gone: nothing can run it again, and
                    // nothing would end it. It ends now, as a cancelled
                    // task does. (None is started in the memory of a
                    // finished one then: see `crate::spare::close`.)
                    drop(body);
                    self.cancel_unrunnable();
                }
            }
            // A run that returns `Pending` without waiting anywhere ends
            // the task as `Ready` does (see `start`): nothing would run it
            // again, and its join events still out would keep it, its
            // state and what it armed alive for as long as they are.
            Ok(Poll::Ready(()) | Poll::Pending) => {
                let state = body.take();
                drop(body);
                self.finish();
                // The state's destructors may trigger events; no borrow of
                // ours is held while they run. (The locals were dropped by
                // the body as it ended, inside the `catch_unwind` above.)
                drop(state);
            }
            Err(payload) => {
                let state = body.take();
                drop(body);
                self.finish();
                // The body's panic is the one that goes on: a destructor of
                // the state panicking too (the `done` callback, given
                // `None`, that expected a value) does not take its place.
                drop_beside_panic(state);
                reraise(self.header.name, payload);
            }
        }
    }
}

impl<F> Drop for TaskCell<F> {
    fn drop(&mut self) {
        // A task dropped while blocked (its loop torn down, say) leaves the
        // list of blocked tasks before its header is freed.
        if self.header.registry_index.get() != NOT_REGISTERED {
            crate::driver::unregister_blocked(&self.header);
        }
    }
}

impl<F> TaskCell<F> {
    /// Makes this task, done (as `crate::spare` keeps them), a new task
    /// running `body`, which takes over its entry in the loop's table of
    /// blocked tasks under a new wait id (the events the old one watched
    /// report an id that reaches nobody now).
    #[inline]
    fn restart(&mut self, name: &'static str, body: F) {
        debug_assert!(self.header.is_done());
        let index = self.header.registry_index.get();
        self.header = Header::new(name);
        // Its entry in the loop's table is taken over (none is kept once
        // the loop's teardown began: see `crate::spare::close`).
        if index != NOT_REGISTERED {
            self.header.registered(index);
        }
        self.body = RefCell::new(Some(body));
    }

    fn finish(&self) {
        let h = &self.header;
        h.status.set(Status::Done);
        h.join_waiting.set(false);
        if crate::driver::any_partly() {
            if let Some(id) = h.watch_id() {
                crate::driver::forget_partly(id);
            }
        }
        // Cancelled in a `twait!(r)`: `r` (shared with other functions,
        // `Rc<Rendezvous>`) may outlive it, and must not keep it as its
        // waiter (the next function to wait there would be taken for a
        // second waiter, and the task's memory kept).
        if let Some(r) = h.rendezvous.take().and_then(|w| w.upgrade()) {
            r.forget_waiter(h);
        }
        if h.other_rendezvous.get() {
            h.leave_other_rendezvous();
        }
        // It stays in the loop's table of blocked tasks (which reports
        // no done task) until it is dropped, or until the next task of its
        // type, started in its memory, takes over its entry.
        // Its join events still out reach nobody now: what waits on them,
        // and the functions it started with them, learn it.
        h.join_watches.report_dead(h.owner());
    }

    /// [`cancel`](Self::cancel), out of the way of `poll`'s code: for a
    /// task that blocked where nothing can run it again.
    #[cold]
    #[inline(never)]
    fn cancel_unrunnable(&self) {
        // Its events are dropped as the gone loop drops the events handed
        // to it: those of a function started by a callback such a drop
        // ran are dropped uncalled.
        crate::driver::as_unrunnable(|| self.cancel());
    }

    /// Ends the task now, as if it had returned where it waits: its state
    /// is dropped (the drops of its variables run, its events come back
    /// untriggered, its rendezvous and join end, so the operations and
    /// functions it waits for are cancelled in turn). Called by the loop,
    /// never while the task runs.
    fn cancel(&self) {
        if self.header.is_done() {
            return;
        }
        let Ok(mut body) = self.body.try_borrow_mut() else {
            // Running: it is ending or waiting by itself.
            return;
        };
        let state = body.take();
        drop(body);
        self.finish();
        drop_state(self.header.name, state);
    }
}

/// Drops a task's state (its locals, in reverse order); a panic in one of
/// their destructors goes on with the task's name, as a panic in its body
/// does (a cancelled task's locals are dropped by the loop, far from any
/// code of the task's).
fn drop_state<S>(name: &str, state: S) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(state))) {
        reraise(name, payload);
    }
}

/// The text of a panic's payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>")
}

/// Goes on with a task's panic, its message naming the function (see
/// [`go_on_naming`]).
fn reraise(name: &str, payload: Box<dyn Any + Send>) -> ! {
    go_on_naming(|| format!("tamed function `{name}`"), payload)
}

/// Goes on with a panic of what `who` names, the message saying so. It
/// goes on without the panic hook, which saw the panic where it happened
/// (with its location in the user's code): a hook that reports or counts
/// panics sees each once, as with a panicking tokio task. One an inner
/// task (called eagerly from this one) already named goes on as it is. A
/// payload that is no message (`panic_any(MyError)`) goes on as it is too,
/// so that whoever catches it can take it back (`downcast`), as from a
/// thread's `join`.
pub(crate) fn go_on_naming(who: impl FnOnce() -> String, payload: Box<dyn Any + Send>) -> ! {
    let is_message = payload.is::<&str>() || payload.is::<String>();
    let msg = panic_message(&*payload);
    if !is_message || msg.starts_with("tamed function `") {
        panic::resume_unwind(payload)
    }
    let msg = format!("{} panicked: {msg}", who());
    drop_payload(payload);
    panic::resume_unwind(Box::new(msg))
}

/// Drops `what` while a panic is about to go on: a panic of its drop
/// (printed by the hook) goes no further, so that the first one's payload
/// is the one its catcher gets.
pub(crate) fn drop_beside_panic<T>(what: T) {
    if let Err(second) = panic::catch_unwind(AssertUnwindSafe(move || drop(what))) {
        drop_payload(second);
    }
}

/// Drops a panic's payload before the panic that reports it goes on: a
/// payload whose own drop panics would otherwise do so while that panic
/// unwinds, which aborts. Its panic is caught here (the hook printed it).
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
}

/// A join event that carries a value: the value waits in the node.
struct JoinNode<T> {
    task: TaskRef,
    slot: SlotCell<T>,
    /// Its key in the task's join watches while a wait watches it.
    watch: Cell<u32>,
}

impl<T> Sink<T> for JoinNode<T> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        self.unwatch();
        self.slot.fill(value);
        if self.task.header().join_returned() {
            crate::driver::schedule(self.task.clone());
        }
    }

    fn is_live(&self) -> bool {
        self.task.header().is_listening()
    }

    fn watch(&self, id: WaitId) -> bool {
        let h = self.task.header();
        match h.watch_join(id) {
            Some(key) => {
                let old = self.watch.replace(key);
                h.join_watches.unwatch(h.owner(), old);
                true
            }
            None => false,
        }
    }

    fn unwatch(&self) {
        let h = self.task.header();
        let key = self.watch.replace(UNWATCHED);
        h.join_watches.unwatch(h.owner(), key);
    }
}

impl<T> HasSlot<T> for JoinNode<T> {
    fn slot_cell(&self) -> &SlotCell<T> {
        &self.slot
    }
}

/// What a task's closure gets each time it runs: access to its own task.
///
/// # Examples
///
/// A task that waits for one event by hand (this is what
/// `twait! { tame::asap(mkevent!()); }` becomes):
///
/// ```
/// use std::task::Poll;
/// use tame::task::{self, TwaitSite};
///
/// static SITE: TwaitSite = TwaitSite::new("by_hand", file!(), line!());
/// let mut step = 0;
/// task::start("by_hand", move |cx| loop {
///     match step {
///         0 => {
///             tame::asap(cx.join_event());
///             step = 1;
///         }
///         1 => {
///             if cx.wait_join(&SITE).is_pending() {
///                 return Poll::Pending;
///             }
///             println!("resumed");
///             return Poll::Ready(());
///         }
///         _ => unreachable!(),
///     }
/// });
/// tame::run();
/// ```
pub struct TaskContext<'a> {
    task: &'a TaskRef,
    /// The same task's header, reached without a virtual call.
    header: &'a Header,
}

impl fmt::Debug for TaskContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskContext")
            .field("name", &self.name())
            .field("waiting", &self.is_waiting())
            .finish()
    }
}

impl TaskContext<'_> {
    /// An event of this task's join that carries no value. Costs no
    /// allocation: the event points at the task itself.
    #[inline]
    pub fn join_event(&self) -> Event<()> {
        let h = self.header;
        h.join_added();
        let sink: Rc<dyn Sink<()>> = self.task.clone();
        Event::from_sink(sink)
    }

    /// An event of this task's join carrying a `T`, and the slot its value
    /// lands in.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::Poll;
    /// use tame::task::{self, Slot, TwaitSite};
    ///
    /// static SITE: TwaitSite = TwaitSite::new("get", file!(), line!());
    /// let mut slot: Option<Slot<u32>> = None;
    /// task::start("get", move |cx| {
    ///     if slot.is_none() {
    ///         let (ev, s) = cx.join_event_with_slot();
    ///         tame::asap(ev.map(|()| 7));
    ///         slot = Some(s);
    ///     }
    ///     if cx.wait_join(&SITE).is_pending() {
    ///         return Poll::Pending;
    ///     }
    ///     assert_eq!(slot.take().and_then(|s| s.take()), Some(7));
    ///     Poll::Ready(())
    /// });
    /// tame::run();
    /// ```
    pub fn join_event_with_slot<T: 'static>(&self) -> (Event<T>, Slot<T>) {
        let h = self.header;
        h.join_added();
        let node = Rc::new(JoinNode {
            task: self.task.clone(),
            slot: SlotCell::new(),
            watch: Cell::new(UNWATCHED),
        });
        (Event::from_sink(node.clone()), Slot::from_node(node))
    }

    /// Blocks until every join event came back: `Ready` at once if they all
    /// did (no trip through the loop), else `Pending`, and the task is queued
    /// when the last one comes back.
    ///
    /// Inside `run()`, after 128 twaits in one run of the task that needed
    /// no wait, the next one is `Pending` even if everything came back, and
    /// the task is queued for the loop's next turn: a loop of operations
    /// that always complete at once still lets the loop look at its fds and
    /// timers. Call it again when the task runs again (it is `Ready` then).
    /// Outside `run()` (a task started before the loop runs) it never
    /// yields so: nothing else could run.
    #[inline]
    pub fn wait_join(&self, site: &'static TwaitSite) -> Poll<()> {
        let h = self.header;
        if h.join_outstanding.get() == 0 {
            h.join_watches.forget(h.owner());
            if self.spend_budget() {
                Poll::Ready(())
            } else {
                self.yield_turn(site);
                Poll::Pending
            }
        } else {
            h.status.set(Status::Join);
            h.join_waiting.set(true);
            h.site.set(Some(site));
            Poll::Pending
        }
    }

    /// `twait!(r)`: `Ready(Some(id))` for the next id that came back,
    /// `Ready(None)` if `r` has nothing outstanding and nothing queued, else
    /// `Pending` (the task is queued when an id comes back).
    ///
    /// As [`wait_join`](Self::wait_join), the 129th call in one run of the
    /// task is `Pending` whatever `r` holds (nothing is taken from it), and
    /// the task runs again on the loop's next turn.
    ///
    /// A rendezvous polled here counts as shared (held in an `Rc`, a
    /// field, another task's state): it may outlive this task, and so may
    /// the calls that report to it. For one this task's state owns, use
    /// [`poll_own_rendezvous`](Self::poll_own_rendezvous).
    ///
    /// # Panics
    ///
    /// If another function is already waiting on `r`.
    ///
    /// See the [module's example](self).
    pub fn poll_rendezvous<I: 'static>(
        &self,
        r: &Rendezvous<I>,
        site: &'static TwaitSite,
    ) -> Poll<Option<I>> {
        self.poll_rendezvous_held(r, site, false)
    }

    /// [`poll_rendezvous`](Self::poll_rendezvous) for a rendezvous this
    /// task's state owns, which goes when the task goes (what a tamed
    /// function's `twait!(r)` on a variable of its own is). When the task
    /// is to be cancelled (an event it watches died), what reports to this
    /// rendezvous goes with it at once: a value that would reach the task
    /// through it is not handed over (a [`Channel`](crate::sync::Channel)'s
    /// value stays in the channel instead of being lost with the task),
    /// and a tamed function it started and waits for through it is
    /// cancelled in the same sweep (through the rendezvous it polled last,
    /// if it waits on several; through the others a sweep later, as their
    /// events die with the task). Each rendezvous a task waits on keeps
    /// what its poll said of it.
    ///
    /// # Panics
    ///
    /// If another function is already waiting on `r`.
    ///
    /// # Examples
    ///
    /// A task that receives from a channel through a rendezvous of its
    /// own, cancelled before the value comes: the value stays queued.
    ///
    /// ```
    /// use std::task::Poll;
    /// use tame::sync::Channel;
    /// use tame::task::{self, TwaitSite};
    /// use tame::{Event, Rendezvous};
    ///
    /// static SITE: TwaitSite = TwaitSite::new("receive", file!(), line!());
    ///
    /// fn receive(ch: Channel<u32>, done: Event<u32>) {
    ///     let r = Rendezvous::<()>::new();
    ///     let (ev, slot) = r.event_with_slot(());
    ///     ch.recv(ev);
    ///     let mut done = Some(done);
    ///     task::start("receive", move |cx| {
    ///         if let Some(d) = &done {
    ///             cx.watch_result(d);
    ///         }
    ///         match cx.poll_own_rendezvous(&r, &SITE) {
    ///             Poll::Pending => Poll::Pending,
    ///             Poll::Ready(_) => {
    ///                 if let (Some(d), Some(v)) = (done.take(), slot.take()) {
    ///                     d.trigger(v);
    ///                 }
    ///                 Poll::Ready(())
    ///             }
    ///         }
    ///     });
    /// }
    ///
    /// let ch = Channel::new();
    /// let caller = Rendezvous::<()>::new();
    /// receive(ch.clone(), caller.event_with_slot::<u32>(()).0);
    /// caller.cancel(); // nobody takes what `receive` would deliver
    /// ch.send(5);
    /// tame::run();
    /// assert_eq!(ch.try_recv(), Some(5)); // not lost with the task
    /// ```
    pub fn poll_own_rendezvous<I: 'static>(
        &self,
        r: &Rendezvous<I>,
        site: &'static TwaitSite,
    ) -> Poll<Option<I>> {
        self.poll_rendezvous_held(r, site, true)
    }

    /// [`poll_rendezvous`](Self::poll_rendezvous), saying whether the
    /// task owns `r`.
    fn poll_rendezvous_held<I: 'static>(
        &self,
        r: &Rendezvous<I>,
        site: &'static TwaitSite,
        owned: bool,
    ) -> Poll<Option<I>> {
        self.header.rendezvous_owned(owned);
        if !self.spend_budget() {
            self.yield_turn(site);
            return Poll::Pending;
        }
        r.poll_for_task(self.task, site)
    }

    /// `twait!(r)` once the state is unpacked again: the budget was spent
    /// by [`rendezvous_would_block`](Self::rendezvous_would_block).
    #[inline]
    pub(crate) fn poll_rendezvous_unbudgeted<I: 'static>(
        &self,
        r: &Rendezvous<I>,
        site: &'static TwaitSite,
    ) -> Poll<Option<I>> {
        r.poll_for_task(self.task, site)
    }

    /// Takes one twait that needs no wait from this run's budget; `false`
    /// when it is spent. Outside `run()` (a function started before the
    /// loop runs) the budget is refilled instead: nothing else could run
    /// meanwhile, and such a function runs to its first real wait.
    #[inline]
    fn spend_budget(&self) -> bool {
        let left = self.header.budget.get();
        if left > 0 {
            self.header.budget.set(left - 1);
            return true;
        }
        self.budget_spent()
    }

    #[cold]
    fn budget_spent(&self) -> bool {
        if crate::driver::turning() {
            return false;
        }
        self.header.budget.set(TWAIT_BUDGET);
        true
    }

    /// Gives the thread up at `site` until the loop's next turn.
    #[cold]
    fn yield_turn(&self, site: &'static TwaitSite) {
        let h = self.header;
        h.status.set(Status::Yielded);
        h.site.set(Some(site));
        h.queued.set(true);
        crate::driver::enqueue_next_turn(self.task.clone());
    }

    /// The name the task was started with.
    ///
    /// See the [module's example](self).
    pub fn name(&self) -> &'static str {
        self.header.name()
    }

    /// Whether the task is waiting: it called [`wait_join`](Self::wait_join)
    /// or [`poll_rendezvous`](Self::poll_rendezvous) during this run and got
    /// `Pending`.
    ///
    /// See the [module's example](self).
    pub fn is_waiting(&self) -> bool {
        matches!(
            self.header.status.get(),
            Status::Join | Status::Rendezvous | Status::Yielded
        )
    }

    /// Watches `ev`, an event this task was given (its `done`): if it dies
    /// untriggered (nobody can receive what the task would deliver: its
    /// caller was cancelled, gave up after a timeout, or dropped the
    /// rendezvous), the loop cancels the task on its next turn (see
    /// [`crate::cancel`]). A task watches at most a few events, all under
    /// the one registration the loop keeps of it anyway while it waits (for
    /// [`blocked`]); an event already dead cancels it at once.
    ///
    /// Hand the event on to what watches it (another task, an operation),
    /// trigger it or drop it by the task's end (as a tamed function does
    /// with its `done`): one kept past it (stashed in a collection) stays
    /// watched under the task's id, which the loop
    /// gives again after 2^28 registrations (of tasks, descriptors, timers
    /// and watches), and its death would then
    /// cancel the task that holds the id then.
    pub fn watch_result<T>(&self, ev: &Event<T>) {
        self.header.watches_result.set(true);
        let id = match self.header.watch_id() {
            Some(id) => id,
            None => match crate::driver::register_blocked(self.task, self.header) {
                Some(id) => id,
                None => return,
            },
        };
        if !ev.watch(id) {
            crate::driver::waits_died([id]);
        }
    }

    /// See `crate::__private::rendezvous_owned`.
    pub(crate) fn rendezvous_owned(&self, owned: bool) {
        self.header.rendezvous_owned(owned);
    }

    pub(crate) fn rendezvous_would_block<I: 'static>(
        &self,
        r: &Rendezvous<I>,
        site: &'static TwaitSite,
    ) -> bool {
        if !self.spend_budget() {
            self.yield_turn(site);
            return true;
        }
        r.would_block_for_task(self.task, site)
    }
}

/// Starts a task: allocates it and runs `body` at once, up to its first
/// `Pending`. The loop runs it again each time what it waits for came back,
/// until it returns `Ready`.
///
/// This is what a `#[tamed]` function's expansion calls.
///
/// When the body returns `Ready`, the task is over: its closure is dropped
/// (what it held goes, as a tamed function's locals at its end), and join
/// events of it still out are dead from then on (a timer or an operation
/// armed with one is cancelled, a tamed function watching one is
/// cancelled, a trigger of one does nothing). A run that returns `Pending`
/// without waiting anywhere (see the [module docs](self)) is over too, the
/// same way: the closure is dropped then (the events it holds come back
/// untriggered), and its join events still out are dead.
///
/// A start nested inside 64 other starts (tamed functions calling tamed
/// functions that have not yet blocked), or 512 KiB of stack below the
/// outermost of them, is queued on the loop instead, like
/// a task that was woken: a chain of any depth then takes bounded stack,
/// and the caller waits for the queued function's event as for any other.
/// Such a deep chain started outside [`run`](crate::run) needs `run()` to
/// finish.
///
/// # Panics
///
/// A panic inside `body` propagates with the task's name in its message.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
/// tame::task::start("immediate", |_cx| Poll::Ready(()));
/// ```
#[inline]
pub fn start<F>(name: &'static str, body: F)
where
    F: FnMut(&TaskContext<'_>) -> Poll<()> + 'static,
{
    // Inlined into the tamed function, where its state is made: passed on
    // by value to an outlined function, the state went through the stack
    // twice, and each copy waited on stores the CPU could not yet forward.
    let task: TaskRef = match crate::spare::take::<TaskCell<F>>() {
        Some(mut kept) => match Rc::get_mut(&mut kept) {
            Some(cell) => {
                cell.restart(name, body);
                kept
            }
            None => new_task(name, body),
        },
        // The pool is closed while the loop is torn down (see
        // `crate::spare::close`): a start then comes here, off the path of
        // a loop that runs.
        None => {
            if !crate::driver::alive() {
                // Started by a callback during thread teardown, with no
                // loop to run it: it does not run (its first `twait!`
                // would end at once, every event it made dropped, and a
                // loop around one would spin). Its arguments are dropped
                // with `body`, its event among them, as the gone loop drops
                // an event handed to it (one started by a callback such a
                // drop ran drops its events uncalled: a callback that
                // starts it again whatever it gets ends).
                crate::driver::drop_unrunnable(body);
                return;
            }
            new_task(name, body)
        }
    };
    run_started(task);
}

/// A task running `body`, in an allocation of its own.
#[inline]
fn new_task<F>(name: &'static str, body: F) -> TaskRef
where
    F: FnMut(&TaskContext<'_>) -> Poll<()> + 'static,
{
    Rc::new(TaskCell {
        header: Header::new(name),
        body: RefCell::new(Some(body)),
    })
}

/// Runs a task just started, up to its first `Pending` (see [`start`]).
fn run_started(task: TaskRef) {
    let Some(_inline) = crate::nesting::start() else {
        // Started from deep inside a chain of starts: the loop runs it, so
        // that a chain of any length takes bounded stack.
        crate::driver::schedule(task);
        return;
    };
    // A task started outside `run()` counts as running the loop while its
    // body runs, so that `run()` from inside it panics clearly instead of
    // re-entering the task through a nested loop.
    let _running = crate::driver::enter_task();
    task.poll(&task);
    release(task);
}

/// Drops the reference to a task that just ran: if it was the last one and
/// the task is done, the task is kept for the next task of its type (see
/// `crate::spare`) instead of freed.
#[inline]
pub(crate) fn release(task: TaskRef) {
    if Rc::strong_count(&task) == 1 {
        task.recycle();
    }
}

/// A task that is waiting, as reported by [`blocked`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn napping() {
///     twait! { "a nap"; tame::timer(Duration::from_millis(1), mkevent!()); }
/// }
///
/// napping();
/// let b = &tame::blocked()[0];
/// assert_eq!(b.function(), "napping");
/// assert_eq!(b.file(), file!());
/// assert!(b.line() > 0);
/// assert_eq!(b.description(), Some("a nap"));
/// assert_eq!(b.to_string(), format!("napping at {}:{} (a nap) waiting for 1 event", file!(), b.line()));
/// tame::run();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockedTask {
    /// Where it waits: function name, file and line of the `twait`.
    pub site: TwaitSite,
    /// How many events it still waits for. 0 for a spawned future whose
    /// waker nobody holds (`std::future::pending()`, a future that
    /// returned `Pending` without keeping its waker): nothing can wake it,
    /// and [`Display`](fmt::Display) says so.
    pub waiting_for: usize,
}

impl BlockedTask {
    /// The tamed function's name. See the [type's example](BlockedTask).
    pub fn function(&self) -> &'static str {
        self.site.function
    }

    /// The `twait`'s source file. See the [type's example](BlockedTask).
    pub fn file(&self) -> &'static str {
        self.site.file
    }

    /// The `twait`'s source line. See the [type's example](BlockedTask).
    pub fn line(&self) -> u32 {
        self.site.line
    }

    /// What the `twait` waits for, if it says (`twait!(r, "a reply")`). See the [type's example](BlockedTask).
    pub fn description(&self) -> Option<&'static str> {
        self.site.description
    }
}

impl fmt::Display for BlockedTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.waiting_for {
            0 => write!(
                f,
                "{} waiting, with nothing left that could wake it",
                self.site
            ),
            n => write!(
                f,
                "{} waiting for {n} event{}",
                self.site,
                if n == 1 { "" } else { "s" }
            ),
        }
    }
}

/// For each task now waiting on this thread's loop: the tamed function's
/// name, the `twait` site (file:line) and how many events it still waits for.
/// A task whose events have come back, queued to run on the loop's next
/// turn, is not waiting. One the loop is about to cancel (an event it
/// watches, its result's or a parameter's, died untriggered: see
/// [`cancel`](crate::cancel)) is listed until the loop's next turn ends
/// it: the function of a [`run_with`](crate::run_with) that returned
/// `None` for a deadlock, say, whose event went with it.
/// A future pending in [`spawn`](crate::spawn) is there too, as
/// `tame::spawn` at the line that spawned it. A task written by hand that
/// waits at several places (a select, see [`crate::task`]) is listed once,
/// at the last site it was `Pending` at, with the count of its last
/// rendezvous if it waits on one.
///
/// Cheap: one pass over the tasks that ever blocked and still exist. Call it
/// from a debug endpoint or a signal's event to see where a program is stuck.
///
/// It lists tasks only. [`run`](crate::run) also goes on for what no task
/// waits on: a timer armed with an event of no task's (`tame::timer(d,
/// Event::from_fn(..))`, a [`Timer`](crate::Timer) kept in a data
/// structure), an fd wait or a signal watch whose event is a callback. A
/// `run()` that does not return while this is empty waits for one of those:
/// cancel them (drop the `Timer`, the rendezvous of their events) when the
/// program winds down.
///
/// # Examples
///
/// ```
/// use tame::{tamed, twait, mkevent};
///
/// #[tamed]
/// fn sleeper() {
///     twait! { tame::timer(std::time::Duration::from_millis(5), mkevent!()); }
/// }
///
/// sleeper();
/// let b = tame::blocked();
/// assert_eq!(b.len(), 1);
/// assert_eq!(b[0].site.function, "sleeper");
/// assert_eq!(b[0].waiting_for, 1);
/// tame::run();
/// assert!(tame::blocked().is_empty());
/// ```
pub fn blocked() -> Vec<BlockedTask> {
    crate::driver::blocked_tasks()
}

#[cfg(test)]
mod tests {
    use super::{start, TwaitSite};
    use crate::{Event, Rendezvous};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::task::Poll;

    static SITE: TwaitSite = TwaitSite::new("step", file!(), line!());

    /// Starts a task, of the same type at every call, that watches
    /// `watched` if given (and leaves it in `stash`), waits once for an
    /// event of its join (the loop triggers it, or it is left in `stash`
    /// if `hold`), and sets `done`.
    fn step(
        watched: Option<Event>,
        hold: bool,
        stash: Rc<RefCell<Vec<Event>>>,
        done: Rc<Cell<bool>>,
    ) {
        let mut watched = watched;
        let mut waiting = false;
        start("step", move |cx| {
            if !waiting {
                if let Some(ev) = watched.take() {
                    cx.watch_result(&ev);
                    stash.borrow_mut().push(ev);
                }
                if hold {
                    stash.borrow_mut().push(cx.join_event());
                } else {
                    crate::asap(cx.join_event());
                }
                waiting = true;
            }
            if cx.wait_join(&SITE).is_pending() {
                return Poll::Pending;
            }
            done.set(true);
            Poll::Ready(())
        });
    }

    #[test]
    fn a_task_started_in_a_finished_ones_memory_does_not_answer_its_watches() {
        let r = Rendezvous::<()>::new();
        let stash = Rc::new(RefCell::new(Vec::new()));
        let first = Rc::new(Cell::new(false));
        step(Some(r.event(())), false, stash.clone(), first.clone());
        crate::run();
        assert!(first.get());
        assert!(crate::blocked().is_empty());
        // Started in the memory the first left, with its entry in the
        // table of blocked tasks; it waits for an event left in `stash`.
        let second = Rc::new(Cell::new(false));
        step(None, true, stash.clone(), second.clone());
        let blocked = crate::blocked();
        assert_eq!(blocked.len(), 1);
        assert_eq!(blocked[0].waiting_for, 1);
        // The event the first watched dies; the loop reaps the death: it
        // reaches nobody now.
        r.cancel();
        crate::run();
        assert_eq!(crate::blocked().len(), 1, "the second task was cancelled");
        let join = stash.borrow_mut().pop().expect("the second's event");
        join.trigger(());
        crate::run();
        assert!(second.get());
        assert!(crate::blocked().is_empty());
    }
}
