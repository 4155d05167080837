//! [`Rendezvous<I>`]: a set of outstanding events, each with an id.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::compat::Wakeup;
use crate::driver::{WaitId, WatchSet, UNWATCHED};
use crate::event::{Event, Sink};
use crate::slot::{HasSlot, InboxQueue, Slot, SlotCell};
use crate::task::{TaskRef, TwaitSite};

/// Who is blocked on a rendezvous: a tamed function or an async poller.
pub(crate) enum Waiter {
    Task(TaskRef),
    Waker(Wakeup),
}

impl Waiter {
    /// Queues the waiter. Never runs it.
    pub(crate) fn wake(self) {
        match self {
            Waiter::Task(task) => crate::driver::schedule(task),
            Waiter::Waker(waker) => waker.wake(),
        }
    }
}

/// Whom an event of a rendezvous woke (see `Shared::woken`).
enum Woken {
    Task(TaskRef),
    Future(crate::compat::SpawnedRef),
}

impl Woken {
    fn is_doomed(&self) -> bool {
        match self {
            Woken::Task(t) => t.header().is_doomed(),
            Woken::Future(f) => f.is_doomed(),
        }
    }
}

/// What became of an event's id: [`Receipt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Not back yet, or back and queued, not taken yet.
    Pending,
    /// Taken by `twait!(r)` (or `try_next`, the stream).
    Taken,
    /// Forgotten: the rendezvous was cancelled or dropped before the id
    /// was taken (or before the event came back).
    Forgotten,
}

/// Whether the id of one event of a rendezvous was taken by its waiter or
/// forgotten with its epoch (left queued when the rendezvous was cancelled
/// or dropped after its waiter took another id): for an
/// [`Interval`](crate::time::Interval),
/// whose tick that comes back in the same turn as the event that wins a
/// race, its round's rendezvous then dropped, was never seen and must come
/// again.
pub(crate) struct Receipt(Rc<Cell<Delivery>>);

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Receipt").field(&self.get()).finish()
    }
}

impl Receipt {
    pub(crate) fn get(&self) -> Delivery {
        self.0.get()
    }
}

/// The state shared between a rendezvous and its events.
pub(crate) struct Shared<I> {
    /// Events made and not yet come back.
    outstanding: Cell<usize>,
    /// Ids of events that came back, in trigger order.
    queue: RefCell<VecDeque<I>>,
    waiter: Cell<Option<Waiter>>,
    /// Whether the waiting task holds this rendezvous as its own (see
    /// [`waiter_doomed`](Self::waiter_doomed)), as it said when it
    /// started waiting here: a task may wait on several at once.
    waiter_owns: Cell<bool>,
    /// The task (or spawned future) its waiter was when an event woke it,
    /// while the rendezvous is its own, until it waits here again (or a
    /// task on another rendezvous): doomed before it runs (or, having run,
    /// doomed at a `twait! {}`), it takes the rendezvous with it, so its
    /// events are dead to senders ([`waiter_doomed`](Self::waiter_doomed))
    /// as they were while it waited.
    woken: Cell<Option<Woken>>,
    /// Bumped by `cancel` (and drop): events of an older epoch are dead.
    epoch: Cell<u64>,
    /// Ids ever taken out (or dropped by a cancel): an
    /// [`Inbox`](crate::task::Inbox) value is stored once its id is taken,
    /// so it is tagged with the count of ids queued before it, which is
    /// this and the ids queued now ([`arrived`](Self::arrived)).
    taken: Cell<u64>,
    /// The loop's waits parked on outstanding events of this epoch: they
    /// are reported to the loop when the epoch ends, so that it stops
    /// counting them at once (see `crate::driver`).
    watches: WatchSet,
    /// This epoch as the values its events left in inboxes know it: made
    /// with the epoch's first such value, told when the epoch ends (and
    /// kept until the next epoch's first value needs a token, which names
    /// the rendezvous as this one does).
    token: Cell<Option<Rc<EpochToken>>>,
    /// The receipts asked of its events, if any ever was (most
    /// rendezvous never see one: a box, made at the first).
    receipts: Cell<Option<Box<Receipts>>>,
}

/// [`Shared::receipts`].
#[derive(Default)]
struct Receipts {
    /// Asked of events not back yet, by the event's address.
    asked: Vec<(usize, Rc<Cell<Delivery>>)>,
    /// Of ids queued, with the count of ids queued before each.
    queued: VecDeque<(u64, Rc<Cell<Delivery>>)>,
    /// How many ids were taken when this epoch began (or, in the epoch
    /// the book was made in, when it was made).
    epoch_start: u64,
}

/// One epoch of one rendezvous, held by each value its events left in an
/// [`Inbox`](crate::task::Inbox).
///
/// A value whose epoch ended (its rendezvous cancelled before the
/// `twait!(r)` that would have taken its id, or dropped) is never stored,
/// and does not hold up the values behind it, of the same `mkevent!` site
/// with another rendezvous (a loop that makes one per round). A value
/// whose id was taken before the cancel stays until it is popped, as a
/// [`Slot`]'s value stays in its slot.
pub(crate) struct EpochToken {
    /// [`LIVE`] while the epoch lasts; then how many ids had been taken
    /// when it ended: the values queued before that many are still the
    /// taker's, the rest are gone.
    kept_below: Cell<u64>,
    /// The rendezvous' first token, which stands for the rendezvous
    /// (`None`: this is it). Held by every later one, so that its address
    /// names one rendezvous for as long as a value may be matched to it.
    first: Option<Rc<EpochToken>>,
    /// On the first token: the rendezvous was dropped, and nothing can
    /// pop its values any more.
    dropped: Cell<bool>,
}

/// [`EpochToken::kept_below`] while the epoch lasts.
const LIVE: u64 = u64::MAX;

impl EpochToken {
    /// The token that stands for the rendezvous.
    fn rendezvous(&self) -> &EpochToken {
        self.first.as_deref().unwrap_or(self)
    }

    /// The rendezvous, as a [`TakenMark`] names it.
    fn owner(&self) -> usize {
        self.rendezvous() as *const EpochToken as usize
    }

    /// Whether the value queued as `index` can still be popped.
    #[inline]
    pub(crate) fn keeps(&self, index: u64) -> bool {
        // A live epoch's token is the rendezvous' current one, which a
        // drop ends: only an ended one needs to ask about the drop.
        let kept_below = self.kept_below.get();
        index < kept_below && (kept_below == LIVE || !self.rendezvous().dropped.get())
    }

    /// Whether its epoch ended (its values are only those kept).
    pub(crate) fn has_ended(&self) -> bool {
        self.kept_below.get() != LIVE
    }

    /// Whether this is an epoch of the rendezvous of `mark`.
    pub(crate) fn owner_is(&self, mark: TakenMark) -> bool {
        self.owner() == mark.owner
    }

    /// Whether the value queued as `index` (of this rendezvous) is kept
    /// and its id came out before `mark`.
    pub(crate) fn taken_before(&self, index: u64, mark: TakenMark) -> bool {
        index < self.kept_below.get().min(mark.taken)
    }
}

impl<I> Shared<I> {
    /// Whether the task (or spawned future) blocked on the rendezvous is
    /// doomed: an event it watches died, and the loop cancels it when it
    /// next reaps (see [`Wakeup::is_doomed`] for a spawned future).
    fn waiter_doomed(&self) -> bool {
        let waiter = self.waiter.take();
        let doomed = match &waiter {
            // Only if the rendezvous goes with the task (a variable of its
            // own): one shared (an `Rc`, a field) outlives it, and its
            // events reach whoever waits there next.
            Some(Waiter::Task(t)) => t.header().is_doomed() && self.waiter_owns.get(),
            // A spawned future's: whether it owns the rendezvous is not
            // known (no macro looked at its code), and it is taken for
            // its own. A value sent meanwhile to an event of one shared
            // with a doomed future then stays with its sender (the event
            // comes back as dropped) rather than going with the future.
            Some(Waiter::Waker(w)) => w.is_doomed(),
            None => {
                let woken = self.woken.take();
                let doomed = woken.as_ref().is_some_and(Woken::is_doomed);
                self.woken.set(woken);
                doomed
            }
        };
        self.waiter.set(waiter);
        doomed
    }

    /// Ends the current epoch: every outstanding and queued event is
    /// forgotten, and the waits parked on them are reported dead.
    #[inline]
    fn end_epoch(&self) {
        let arrived = self.arrived();
        self.epoch.set(self.epoch.get() + 1);
        self.outstanding.set(0);
        // Dropped last: an id's drop is user code, which finds the new
        // epoch whole (or panics, and leaves it so).
        let queued = if self.queue.borrow().is_empty() {
            None
        } else {
            Some(std::mem::take(&mut *self.queue.borrow_mut()))
        };
        if let Some(mut book) = self.receipts.take() {
            // An id left queued is forgotten only where the waiter took
            // another in this epoch (a race's winner): one whose waiter took
            // none (it waited by `run()`, say) may well have been seen.
            let took_any = self.taken.get() > book.epoch_start;
            for (_, r) in book.queued.drain(..) {
                if took_any {
                    r.set(Delivery::Forgotten);
                }
            }
            book.epoch_start = arrived;
            self.receipts.set(Some(book));
        }
        let token = self.token.take();
        if let Some(t) = &token {
            if !t.has_ended() {
                t.kept_below.set(self.taken.get());
            }
        }
        self.token.set(token);
        self.taken.set(arrived);
        self.watches.report_dead(self.owner());
        drop(queued);
    }

    /// Ends the epoch for good: the rendezvous is dropped, and no value
    /// in an inbox can be popped for it any more.
    #[inline]
    fn end_all(&self) {
        if let Some(t) = self.token.take() {
            t.rendezvous().dropped.set(true);
            t.kept_below.set(0);
        }
        self.end_epoch();
    }

    /// The current epoch's token (made at its first inbox value).
    fn epoch_token(&self) -> Rc<EpochToken> {
        let token = match self.token.take() {
            Some(t) if !t.has_ended() => t,
            // A new epoch of a rendezvous that had values before.
            Some(ended) => Rc::new(EpochToken {
                kept_below: Cell::new(LIVE),
                first: Some(ended.first.clone().unwrap_or(ended)),
                dropped: Cell::new(false),
            }),
            None => Rc::new(EpochToken {
                kept_below: Cell::new(LIVE),
                first: None,
                dropped: Cell::new(false),
            }),
        };
        self.token.set(Some(token.clone()));
        token
    }

    /// Ids ever queued: those taken, and those queued now.
    fn arrived(&self) -> u64 {
        self.taken.get() + self.queue.borrow().len() as u64
    }

    /// Works on the receipts' book (taken out of its cell meanwhile: the
    /// work runs no user code).
    fn with_receipts<R>(&self, f: impl FnOnce(&mut Option<Box<Receipts>>) -> R) -> R {
        let mut book = self.receipts.take();
        let r = f(&mut book);
        self.receipts.set(book);
        r
    }

    /// Who this rendezvous is, for the loop's table of extra watches.
    fn owner(&self) -> usize {
        self as *const Self as usize
    }

    fn watch(&self, id: WaitId) -> u32 {
        self.watches.watch(self.owner(), id)
    }

    fn unwatch(&self, key: u32) {
        self.watches.unwatch(self.owner(), key);
    }

    /// [`Sink::watch`] for an event of `epoch` that keeps its key in `key`.
    fn watch_event(&self, epoch: u64, key: &Cell<u32>, id: WaitId) -> bool {
        if epoch != self.epoch.get() {
            return false;
        }
        let old = key.replace(self.watch(id));
        if old != UNWATCHED {
            // Watched twice (a wait parked again without ending): keep one.
            self.unwatch(old);
        }
        true
    }

    /// [`Sink::unwatch`] for an event of `epoch` that keeps its key in `key`.
    fn unwatch_event(&self, epoch: u64, key: &Cell<u32>) {
        let k = key.replace(UNWATCHED);
        // After the epoch ended its watches were drained (and the key may
        // name a newer event's): only a live event removes its own.
        if k != UNWATCHED && epoch == self.epoch.get() {
            self.unwatch(k);
        }
    }
}

/// How many events a blocked task still waits for, for [`crate::blocked`].
pub(crate) trait Outstanding {
    fn outstanding(&self) -> usize;
    /// `task`, which waited here, ended without its wait (it was
    /// cancelled): it is no longer the waiter, and the next function may
    /// wait here.
    fn forget_waiter(&self, task: &crate::task::Header);
    /// Whether `task` is its waiter.
    fn has_waiter(&self, task: &crate::task::Header) -> bool;
    /// `task`, which an event of it woke, waits on another rendezvous:
    /// it no longer stands for this one's owner (it may have been handed
    /// on), and its events take values as any rendezvous' whose task is
    /// not waiting on it.
    fn forget_woken(&self, task: &crate::task::Header);
    /// The tasks watching its events (see `task::Header::task_watchers`).
    fn task_watchers(&self) -> Vec<WaitId>;
}

impl<I> Outstanding for Shared<I> {
    fn outstanding(&self) -> usize {
        self.outstanding.get()
    }

    fn task_watchers(&self) -> Vec<WaitId> {
        self.watches.task_watchers(self.owner())
    }

    fn forget_waiter(&self, task: &crate::task::Header) {
        match self.waiter.take() {
            Some(Waiter::Task(t)) if std::ptr::eq(t.header(), task) => drop(t),
            other => self.waiter.set(other),
        }
        match self.woken.take() {
            Some(Woken::Task(t)) if std::ptr::eq(t.header(), task) => drop(t),
            other => self.woken.set(other),
        }
    }

    fn forget_woken(&self, task: &crate::task::Header) {
        match self.woken.take() {
            Some(Woken::Task(t)) if std::ptr::eq(t.header(), task) => drop(t),
            other => self.woken.set(other),
        }
    }

    fn has_waiter(&self, task: &crate::task::Header) -> bool {
        let waiter = self.waiter.take();
        let has = matches!(&waiter, Some(Waiter::Task(t)) if std::ptr::eq(t.header(), task));
        self.waiter.set(waiter);
        has
    }
}

/// What every event of a rendezvous holds: the rendezvous, the epoch it
/// was made in, its id until it comes back, and its key in the
/// rendezvous' watches while a wait watches it. It is the whole event when
/// the event carries no value ([`Rendezvous::event`]); the other kinds add
/// where the value goes.
struct Ticket<I> {
    rendezvous: Rc<Shared<I>>,
    epoch: u64,
    id: Cell<Option<I>>,
    watch: Cell<u32>,
}

impl<I> Ticket<I> {
    fn new(rendezvous: &Rc<Shared<I>>, id: I) -> Self {
        rendezvous.outstanding.set(rendezvous.outstanding.get() + 1);
        Ticket {
            rendezvous: rendezvous.clone(),
            epoch: rendezvous.epoch.get(),
            id: Cell::new(Some(id)),
            watch: Cell::new(UNWATCHED),
        }
    }

    /// A ticket whose id is made when its event comes back
    /// ([`MapNode`]).
    fn unnamed(rendezvous: &Rc<Shared<I>>) -> Self {
        rendezvous.outstanding.set(rendezvous.outstanding.get() + 1);
        Ticket {
            rendezvous: rendezvous.clone(),
            epoch: rendezvous.epoch.get(),
            id: Cell::new(None),
            watch: Cell::new(UNWATCHED),
        }
    }

    /// Whether the rendezvous still listens to this event's epoch.
    fn is_live(&self) -> bool {
        self.epoch == self.rendezvous.epoch.get()
    }

    /// What the event tells a sender asking whether to give it a value (a
    /// channel choosing among its receivers, a semaphore among waiters):
    /// live, and not waited on by a task the loop is about to cancel, in
    /// whose dropped rendezvous the value would be lost.
    fn is_listening(&self) -> bool {
        self.is_live() && !self.rendezvous.waiter_doomed()
    }

    fn watch(&self, id: WaitId) -> bool {
        self.rendezvous.watch_event(self.epoch, &self.watch, id)
    }

    /// Back (or its wait is over): whoever watched it stops watching.
    fn unwatch(&self) {
        self.rendezvous.unwatch_event(self.epoch, &self.watch);
    }

    /// The event came back: its id is queued and the waiter woken, if the
    /// rendezvous still listens to its epoch.
    fn come_back(&self) {
        let rdv = &self.rendezvous;
        // Taken either way: the id goes now, not with the node (a slot may
        // keep the node for long).
        let id = self.id.take();
        let receipt = rdv.with_receipts(|book| {
            let book = book.as_mut()?;
            let me = self as *const Self as usize;
            let at = book.asked.iter().position(|(who, _)| *who == me)?;
            Some(book.asked.swap_remove(at).1)
        });
        if !self.is_live() {
            if let Some(r) = receipt {
                r.set(Delivery::Forgotten);
            }
            return;
        }
        rdv.outstanding.set(rdv.outstanding.get() - 1);
        match (id, receipt) {
            (Some(id), receipt) => {
                if let Some(r) = receipt {
                    let at = rdv.arrived();
                    rdv.with_receipts(|book| {
                        let book = book.get_or_insert_with(Box::default);
                        book.queued.push_back((at, r));
                    });
                }
                rdv.queue.borrow_mut().push_back(id);
            }
            (None, Some(r)) => r.set(Delivery::Forgotten),
            (None, None) => {}
        }
        // Take the waiter out before waking it: waking touches the loop.
        if let Some(waiter) = rdv.waiter.take() {
            match &waiter {
                Waiter::Task(t) if rdv.waiter_owns.get() => {
                    rdv.woken.set(Some(Woken::Task(t.clone())))
                }
                Waiter::Task(_) => {}
                // Taken for its own, as in `waiter_doomed`.
                Waiter::Waker(w) => rdv.woken.set(w.spawned().map(Woken::Future)),
            }
            waiter.wake();
        }
    }
}

impl<I> Sink<()> for Ticket<I> {
    fn complete(self: Rc<Self>, _value: Option<()>) {
        self.unwatch();
        self.come_back();
    }

    fn receipt(&self) -> Option<Receipt> {
        if !self.is_live() {
            return None;
        }
        let me = self as *const Self as usize;
        let taken = self.rendezvous.taken.get();
        self.rendezvous.with_receipts(|book| {
            let asked = &mut book
                .get_or_insert_with(|| {
                    Box::new(Receipts {
                        epoch_start: taken,
                        ..Receipts::default()
                    })
                })
                .asked;
            // Asked again: the same receipt.
            if let Some((_, old)) = asked.iter().find(|(who, _)| *who == me) {
                return Some(Receipt(old.clone()));
            }
            let r = Rc::new(Cell::new(Delivery::Pending));
            asked.push((me, r.clone()));
            Some(Receipt(r))
        })
    }

    fn is_live(&self) -> bool {
        Ticket::is_listening(self)
    }

    fn watch(&self, id: WaitId) -> bool {
        Ticket::watch(self, id)
    }

    fn unwatch(&self) {
        Ticket::unwatch(self);
    }
}

/// An event of a rendezvous with a slot for the value it carries (if
/// anybody holds the slot).
pub(crate) struct Node<I, T> {
    ticket: Ticket<I>,
    slot: SlotCell<T>,
}

impl<I, T> Sink<T> for Node<I, T> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        let t = &self.ticket;
        t.unwatch();
        // The slot learns it is back either way, so a slot list can forget
        // it; it only keeps the value if the rendezvous still listens.
        self.slot.fill(if t.is_live() { value } else { None });
        t.come_back();
    }

    fn is_live(&self) -> bool {
        self.ticket.is_listening()
    }

    fn watch(&self, id: WaitId) -> bool {
        self.ticket.watch(id)
    }

    fn unwatch(&self) {
        self.ticket.unwatch();
    }
}

impl<I, T> HasSlot<T> for Node<I, T> {
    fn slot_cell(&self) -> &SlotCell<T> {
        &self.slot
    }
}

/// An event of a rendezvous whose id is made from its value when it comes
/// back: what [`Rendezvous::event_map`] makes.
struct MapNode<I, T> {
    ticket: Ticket<I>,
    to_id: Cell<Option<ToId<T, I>>>,
}

/// What makes a [`MapNode`]'s id from its value.
type ToId<T, I> = Box<dyn FnOnce(Option<T>) -> I>;

impl<I, T> Sink<T> for MapNode<I, T> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        /// Comes back even if `to_id` panics: the rendezvous then counts
        /// the event as back, with no id, and its waiter is not left
        /// waiting for it.
        struct Back<'a, I>(&'a Ticket<I>);
        impl<I> Drop for Back<'_, I> {
            fn drop(&mut self) {
                self.0.come_back();
            }
        }
        let t = &self.ticket;
        t.unwatch();
        let _back = Back(t);
        if let Some(to_id) = self.to_id.take() {
            // Not for a cancelled rendezvous, which would drop the id.
            if t.is_live() {
                t.id.set(Some(to_id(value)));
            }
        }
    }

    fn is_live(&self) -> bool {
        self.ticket.is_listening()
    }

    fn watch(&self, id: WaitId) -> bool {
        self.ticket.watch(id)
    }

    fn unwatch(&self) {
        self.ticket.unwatch();
    }
}

/// An event of a rendezvous whose value goes to an [`Inbox`](crate::slot::Inbox) with the
/// index values its slot place needed: what `mkevent!(r, id, a[i])` makes.
pub(crate) struct InboxNode<I, T, C> {
    ticket: Ticket<I>,
    captures: Cell<Option<C>>,
    inbox: Rc<InboxQueue<T, C>>,
}

impl<I, T, C> Sink<T> for InboxNode<I, T, C> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        let t = &self.ticket;
        if !t.is_live() {
            return;
        }
        t.unwatch();
        // The value is in the inbox before the id is queued, tagged with
        // the place its id takes in the order of ids: the `twait!(r)` that
        // returns this id stores it, and no earlier one.
        if let (Some(v), Some(c)) = (value, self.captures.take()) {
            let token = t.rendezvous.epoch_token();
            self.inbox
                .borrow_mut()
                .push_back((token, t.rendezvous.arrived(), v, c));
        }
        t.come_back();
    }

    fn is_live(&self) -> bool {
        self.ticket.is_listening()
    }

    fn watch(&self, id: WaitId) -> bool {
        self.ticket.watch(id)
    }

    fn unwatch(&self) {
        self.ticket.unwatch();
    }
}

/// How many ids a rendezvous had handed out at a `twait!(r)`, in which of
/// its epochs: the values of the events behind those ids are the ones its
/// slot stores may take.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TakenMark {
    /// The rendezvous, by the address of its first [`EpochToken`] (0 if
    /// no value of it ever reached an inbox).
    pub(crate) owner: usize,
    pub(crate) taken: u64,
}

/// A set of outstanding events, each with an id of type `I`.
///
/// Events are made with `mkevent!(r, id)` in a `#[tamed]` function, or with
/// [`event`](Rendezvous::event) / [`event_with_slot`](Rendezvous::event_with_slot)
/// by hand. `twait!(r)` blocks until one of them comes back and yields its id;
/// ids come back in trigger order (FIFO; but a `map`ped, `cancellable` or
/// `tame::all` event triggered deep in a chain of completions comes back
/// at the chain's end, see the README's "Chains take bounded stack"). An
/// event dropped untriggered still reports its id.
///
/// * [`pending`](Rendezvous::pending): events made and not yet come back.
/// * [`cancel`](Rendezvous::cancel): forget every outstanding and queued
///   event; their later triggers are no-ops. Dropping the rendezvous cancels
///   it.
/// * One function at a time may wait on a rendezvous: a tamed function in
///   `twait!(r)`, or a future polling it as a stream. A second tamed
///   function that starts waiting while the first does panics in its
///   `twait!(r)`, and so does a tamed function and a future polling the
///   stream, in whichever comes second. A stream polled again, by the
///   same future or another, only moves its wake-up to the latest poll, as
///   any stream's does: two futures polling one rendezvous (shared through
///   an `Rc<RefCell<_>>`) leave the earlier one never woken, so give each
///   its own. A future that
///   stops polling while it waits (a `select` whose other branch won)
///   counts as waiting until an id comes back, the rendezvous is
///   cancelled, or, for a future [`spawn`](crate::spawn)ed on the loop,
///   that future ends. While such a future is being cancelled (the event
///   it would complete died) its rendezvous' events count as dead, as a
///   tamed function's own rendezvous' do: a channel's `recv` event on it
///   comes back dropped and the value stays in the channel, even if the
///   rendezvous is shared (an `Rc`) and outlives the future, which no
///   code can tell here.
/// * It is a [`futures_core::Stream`] of ids, ending when nothing is
///   outstanding and nothing is queued. It may give ids again after that
///   `None` (events made since), so it is no `FusedStream`: in
///   `futures::select!`, poll `r.next().fuse()` (a `None` there comes back
///   at once each time: leave the loop on it). Its ids come while tame's
///   loop runs the events' sources (timers, fds): poll it in a future
///   given to [`spawn`](crate::spawn), not under another executor that
///   blocks the thread (`futures::executor::block_on`), where it would
///   wait for good.
///
/// # Examples
///
/// ```
/// use tame::Rendezvous;
///
/// let r = Rendezvous::<&str>::new();
/// let a = r.event("a");
/// let b = r.event("b");
/// assert_eq!(r.pending(), 2);
/// b.trigger(());
/// drop(a); // still reports its id
/// assert_eq!(r.try_next(), Some("b"));
/// assert_eq!(r.try_next(), Some("a"));
/// assert_eq!(r.try_next(), None);
/// ```
pub struct Rendezvous<I = ()> {
    shared: Rc<Shared<I>>,
}

impl<I> Rendezvous<I> {
    /// An empty rendezvous.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<u32>::new();
    /// assert_eq!(r.pending(), 0);
    /// ```
    pub fn new() -> Self {
        Rendezvous {
            shared: Rc::new(Shared {
                outstanding: Cell::new(0),
                queue: RefCell::new(VecDeque::new()),
                waiter: Cell::new(None),
                waiter_owns: Cell::new(false),
                woken: Cell::new(None),
                epoch: Cell::new(0),
                taken: Cell::new(0),
                watches: WatchSet::new(),
                token: Cell::new(None),
                receipts: Cell::new(None),
            }),
        }
    }

    /// How many events were made on this rendezvous and have not come back
    /// yet (neither triggered nor dropped). A [`cancel`](Self::cancel)
    /// (or dropping the rendezvous) forgets them: 0 after it, counting only
    /// the events made since.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<()>::new();
    /// let ev = r.event(());
    /// assert_eq!(r.pending(), 1);
    /// ev.trigger(());
    /// assert_eq!(r.pending(), 0);
    /// ```
    pub fn pending(&self) -> usize {
        self.shared.outstanding.get()
    }

    /// How many ids came back and were not yet taken by `twait!(r)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<u8>::new();
    /// r.event(1).trigger(());
    /// assert_eq!(r.queued(), 1);
    /// ```
    pub fn queued(&self) -> usize {
        self.shared.queue.borrow().len()
    }

    /// Forgets every outstanding and queued event. Their later triggers are
    /// harmless no-ops (the values are dropped), and timers armed with them
    /// stop counting as armed.
    ///
    /// An id that already came back and was not taken yet is forgotten,
    /// and so is its value: in a `#[tamed]` function the value of
    /// `mkevent!(r, id, slot)` is stored only by the `twait!(r)` that
    /// returns its id, so a value whose id is still queued at the cancel
    /// is never stored: its slot keeps what it had, and the value is
    /// dropped (at the latest with the function). The next `twait!(r)`
    /// returns `None`, or the id of an event made after the cancel. To keep
    /// such a value (a buffer an operation gave back), take the queued ids
    /// with `twait!(r)` first (`while r.queued() > 0 { twait!(r); }`). A
    /// value of an [`event_with_slot`](Rendezvous::event_with_slot) event
    /// is in its [`Slot`] from its trigger on, and a cancel leaves it there.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<u8>::new();
    /// let ev = r.event(1);
    /// r.cancel();
    /// ev.trigger(());
    /// assert_eq!((r.pending(), r.try_next()), (0, None));
    ///
    /// // Triggered before the cancel: the id is forgotten, the value
    /// // stays in the slot.
    /// let (ev, slot) = r.event_with_slot::<u32>(2);
    /// ev.trigger(7);
    /// r.cancel();
    /// assert_eq!((r.queued(), r.try_next()), (0, None));
    /// assert_eq!(slot.take(), Some(7));
    /// ```
    pub fn cancel(&self) {
        let s = &self.shared;
        s.end_epoch();
        if let Some(waiter) = s.waiter.take() {
            // A task blocked in twait!(r) now gets `None` instead of hanging.
            waiter.wake();
        }
    }

    /// Makes an `Event<()>` that reports `id` to this rendezvous.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<u8>::new();
    /// r.event(5).trigger(());
    /// assert_eq!(r.try_next(), Some(5));
    /// ```
    pub fn event(&self, id: I) -> Event<()>
    where
        I: 'static,
    {
        Event::from_sink(Rc::new(Ticket::new(&self.shared, id)))
    }

    /// Makes an `Event<T>` reporting `id`, and the [`Slot`] its value lands
    /// in. The value is in the slot by the time the id comes back.
    ///
    /// Keep the rendezvous while the event is out: an event of a dropped
    /// rendezvous reaches nobody, so its value never lands in the slot
    /// (`Rendezvous::new().event_with_slot(())` makes one that is dead at
    /// once, as the temporary goes at the end of the statement).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<u8>::new();
    /// let (ev, slot) = r.event_with_slot::<String>(1);
    /// ev.trigger("hello".into());
    /// assert_eq!(r.try_next(), Some(1));
    /// assert_eq!(slot.take().as_deref(), Some("hello"));
    ///
    /// // The rendezvous was a temporary: the event is dead from the start.
    /// let (ev, slot) = tame::Rendezvous::<()>::new().event_with_slot::<u32>(());
    /// assert!(!ev.is_live());
    /// ev.trigger(7);
    /// assert_eq!(slot.take(), None);
    /// ```
    pub fn event_with_slot<T: 'static>(&self, id: I) -> (Event<T>, Slot<T>)
    where
        I: 'static,
    {
        let node = Rc::new(Node {
            ticket: Ticket::new(&self.shared, id),
            slot: SlotCell::new(),
        });
        let slot = Slot::from_node(node.clone());
        (Event::from_sink(node), slot)
    }

    /// Makes an `Event<T>` whose id is made from its value when it comes
    /// back: `to_id(Some(value))` when triggered, `to_id(None)` when
    /// dropped untriggered (an event dropped untriggered reports its id,
    /// as any does). No slot to declare: the id carries the value, which
    /// suits waiting on several kinds of events at once (tokio's
    /// `select!`), with an enum variant per kind as `to_id`.
    ///
    /// `to_id` runs when the event comes back (inside the trigger's
    /// call); not at all if the rendezvous was cancelled or dropped first,
    /// when the value goes with it. If it panics, the event comes back
    /// with no id.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::{tamed, twait, Rendezvous};
    ///
    /// enum Wake {
    ///     Line(Option<String>),
    ///     Tick,
    /// }
    ///
    /// #[tamed]
    /// fn first_line_or_tick(lines: tame::sync::Channel<String>) -> String {
    ///     let r = Rendezvous::new();
    ///     lines.recv(r.event_map(Wake::Line));
    ///     tame::timer(Duration::from_millis(10), r.event(Wake::Tick));
    ///     match twait!(r) {
    ///         Some(Wake::Line(Some(line))) => line,
    ///         Some(Wake::Line(None)) => "closed".to_string(),
    ///         Some(Wake::Tick) | None => "tick".to_string(),
    ///     }
    /// }
    ///
    /// let ch = tame::sync::Channel::new();
    /// ch.try_send("hello".to_string()).unwrap();
    /// assert_eq!(tame::run_until(|done| first_line_or_tick(ch, done)).as_deref(), Some("hello"));
    /// ```
    pub fn event_map<T: 'static>(&self, to_id: impl FnOnce(Option<T>) -> I + 'static) -> Event<T>
    where
        I: 'static,
    {
        Event::from_sink(Rc::new(MapNode {
            ticket: Ticket::unnamed(&self.shared),
            to_id: Cell::new(Some(Box::new(to_id))),
        }))
    }

    /// An event reporting `id` whose value goes to `inbox` with `captures`.
    pub(crate) fn event_into<T2, C>(
        &self,
        id: I,
        inbox: Rc<InboxQueue<T2, C>>,
        captures: C,
    ) -> Event<T2>
    where
        I: 'static,
        T2: 'static,
        C: 'static,
    {
        let node = Rc::new(InboxNode {
            ticket: Ticket::new(&self.shared, id),
            captures: Cell::new(Some(captures)),
            inbox,
        });
        Event::from_sink(node)
    }

    /// Takes the next id that came back, without blocking. Only the id: a
    /// tamed function's slots (`mkevent!(r, id, slot)`) get their values
    /// at its `twait!(r)`, which is how such a function should take them.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<u8>::new();
    /// assert_eq!(r.try_next(), None);
    /// ```
    #[must_use = "the id taken from the rendezvous is lost if dropped"]
    pub fn try_next(&self) -> Option<I> {
        let s = &self.shared;
        let id = crate::trim::pop_front(&mut s.queue.borrow_mut());
        if id.is_some() {
            s.taken.set(s.taken.get() + 1);
            s.with_receipts(|book| {
                if let Some(book) = book {
                    let taken = s.taken.get();
                    while book.queued.front().is_some_and(|(at, _)| *at < taken) {
                        if let Some((_, r)) = book.queued.pop_front() {
                            r.set(Delivery::Taken);
                        }
                    }
                }
            });
        }
        id
    }

    /// How far the ids have been taken: values of [`Inbox`] events whose
    /// ids came out before this mark may be stored.
    ///
    /// [`Inbox`]: crate::task::Inbox
    pub(crate) fn taken_mark(&self) -> TakenMark {
        let token = self.shared.token.take();
        let owner = token.as_ref().map_or(0, |t| t.owner());
        self.shared.token.set(token);
        TakenMark {
            owner,
            taken: self.shared.taken.get(),
        }
    }

    /// `twait!(r)` for a task: `Ready(Some(id))` if an id is queued,
    /// `Ready(None)` if nothing is outstanding, else registers `task` and
    /// returns `Pending`.
    pub(crate) fn poll_for_task(&self, task: &TaskRef, site: &'static TwaitSite) -> Poll<Option<I>>
    where
        I: 'static,
    {
        if let Some(id) = self.try_next() {
            return Poll::Ready(Some(id));
        }
        if self.pending() == 0 {
            return Poll::Ready(None);
        }
        self.set_waiter(Waiter::Task(task.clone()), Some(site));
        (self.shared.waiter_owns).set(task.header().owns_rendezvous());
        let count: Rc<dyn Outstanding> = self.shared.clone();
        task.header().block_explicit(site, Rc::downgrade(&count));
        Poll::Pending
    }

    /// `twait!(r)` before the task packs its state: `false` if `poll_for_task`
    /// would be ready now (an id is queued, or nothing is outstanding), else
    /// registers `task` as `poll_for_task` does and returns `true`.
    pub(crate) fn would_block_for_task(&self, task: &TaskRef, site: &'static TwaitSite) -> bool
    where
        I: 'static,
    {
        if !self.shared.queue.borrow().is_empty() || self.pending() == 0 {
            return false;
        }
        self.set_waiter(Waiter::Task(task.clone()), Some(site));
        (self.shared.waiter_owns).set(task.header().owns_rendezvous());
        let count: Rc<dyn Outstanding> = self.shared.clone();
        task.header().block_explicit(site, Rc::downgrade(&count));
        true
    }

    /// `site`: the `twait!(r)` of a task about to wait, named in the panic
    /// if another waits already (the panic's own location is the loop's).
    fn set_waiter(&self, waiter: Waiter, site: Option<&'static TwaitSite>) {
        let old = self.shared.waiter.take();
        // A stream polled again (by its future, or by whatever polls it
        // now) only moves its wake-up, as for any stream; but a task and a
        // stream, or two tasks, would each take the other's wake-up.
        let other = match (&old, &waiter) {
            (Some(Waiter::Task(old_task)), Waiter::Task(new_task))
                if Rc::ptr_eq(old_task, new_task) =>
            {
                None
            }
            (Some(Waiter::Task(old_task)), _) => Some(match old_task.header().waiting_at() {
                Some(at) => format!("`{}`, at {}:{},", at.function, at.file, at.line),
                None => format!("`{}`", old_task.header().name()),
            }),
            (Some(Waiter::Waker(old)), Waiter::Task(_)) if !old.is_gone() => {
                Some("a future polling it as a Stream".to_string())
            }
            _ => None,
        };
        if let Some(other) = other {
            // A stream's poll that returned `Pending` waits on, however
            // the code that polled it went on: say so, and how to peek.
            let stream_hint = if matches!(old, Some(Waiter::Waker(_))) {
                " (a `poll_next` that returned `Pending`, through `now_or_never` or a \
                 `select!` that took another branch, waits until an id comes back or its \
                 future ends; to look without waiting, use `try_next()`)"
            } else {
                ""
            };
            // Restore before panicking so the loop stays consistent.
            self.shared.waiter.set(old);
            let here = match site {
                Some(at) => format!("`{}` waits at {}:{} on", at.function, at.file, at.line),
                None => "a future polls, as a Stream,".to_string(),
            };
            panic!(
                "two functions wait on one Rendezvous: {here} a rendezvous {other} already \
                 waits on; only one function at a time may wait on a rendezvous (give each \
                 its own, or pass the events to the one that waits){stream_hint}"
            );
        }
        // Waiting again: whether it is doomed is the waiter's to say.
        drop(self.shared.woken.take());
        self.shared.waiter.set(Some(waiter));
    }
}

impl<I> Default for Rendezvous<I> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I> Drop for Rendezvous<I> {
    #[inline]
    fn drop(&mut self) {
        let s = &self.shared;
        s.end_all();
        // Nobody can wait on a dropped rendezvous; break the waiter cycle.
        drop(s.waiter.take());
        drop(s.woken.take());
    }
}

impl<I> fmt::Debug for Rendezvous<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendezvous")
            .field("pending", &self.pending())
            .field("queued", &self.queued())
            .finish()
    }
}

impl<I: 'static> futures_core::Stream for Rendezvous<I> {
    type Item = I;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I>> {
        // (An id ready, or the end, is a completion the spawned future's
        // budget counts: see `compat::spend_budget`.)
        if (self.queued() > 0 || self.pending() == 0) && !crate::compat::spend_budget(cx) {
            return Poll::Pending;
        }
        if let Some(id) = self.try_next() {
            return Poll::Ready(Some(id));
        }
        if self.pending() == 0 {
            return Poll::Ready(None);
        }
        self.set_waiter(Waiter::Waker(Wakeup::of(cx)), None);
        Poll::Pending
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let queued = self.queued();
        (queued, Some(queued + self.pending()))
    }
}
