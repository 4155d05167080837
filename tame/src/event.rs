//! [`Event<T>`]: a one-shot callback that reports back to whoever made it.

use std::cell::Cell;
use std::fmt;
use std::rc::{Rc, Weak};

use crate::driver::WaitId;

/// Where an event reports to: a rendezvous, a task's implicit join, a future.
///
/// `complete` is called exactly once per event: with `Some(value)` when the
/// event is triggered, with `None` when it is dropped untriggered. It must
/// never run the waiting function itself; it only queues it.
pub(crate) trait Sink<T> {
    /// Delivers the outcome of the event.
    fn complete(self: Rc<Self>, value: Option<T>);

    /// Whether a trigger would still reach anybody. Timers whose event is
    /// dead stop counting as armed (see [`crate::timer`]).
    fn is_live(&self) -> bool {
        true
    }

    /// The loop parks a wait on this event and counts it as live (see
    /// `crate::driver`): if the event dies untriggered while watched, report
    /// `id` through `crate::driver::waits_died`. Returns whether the event
    /// is live; a dead one is not watched. Sinks whose liveness never
    /// changes keep this default.
    fn watch(&self, id: WaitId) -> bool {
        let _ = id;
        self.is_live()
    }

    /// The wait that watched this event is over: forget its id.
    fn unwatch(&self) {}

    /// The tasks whose result this event stands in for, watched through
    /// it (a timeout's timer face stands in for the operation it times:
    /// see `crate::task::Header::task_watchers`).
    fn tasks_behind(&self) -> Vec<WaitId> {
        Vec::new()
    }

    /// The event is dropped uncalled (see
    /// `crate::driver::drop_for_gone_loop`): a callback is dropped without
    /// being run; other sinks complete with `None`, as for a drop.
    fn discard(self: Rc<Self>) {
        self.complete(None);
    }

    /// A receipt telling whether this event's outcome, once it came back,
    /// was taken by its waiter (see [`crate::rendezvous::Receipt`]), for
    /// the sinks that can tell (a rendezvous' plain event).
    fn receipt(&self) -> Option<crate::rendezvous::Receipt> {
        None
    }

    /// A sink that only forwards these questions to the event it holds (a
    /// [`Then`], so a link of a chain of [`Event::map`]) is a [`Link`]:
    /// the chain is walked in a loop, not by recursion, which would take
    /// stack for every level.
    fn into_link(self: Rc<Self>) -> Option<Rc<dyn Link>> {
        None
    }

    /// A fan-out ([`crate::all`]) is its own: its questions are asked of
    /// the events under it, nested fan-outs included, in a loop (see
    /// `crate::fanout::All::walk`), not by recursion.
    fn as_all(&self) -> Option<&crate::fanout::All<T>> {
        None
    }
}

/// What is asked of an event: [`Sink::is_live`], [`Sink::watch`] or
/// [`Sink::unwatch`].
#[derive(Clone, Copy)]
pub(crate) enum Ask {
    IsLive,
    Watch(WaitId),
    Unwatch,
}

/// A link of a chain of events that forward their liveness to the next
/// (see [`Sink::into_link`]), whatever the type of its value.
pub(crate) trait Link {
    /// Asks the event this link holds, if it is no link itself (an
    /// unwatch answers `false`); if it is one, returns it: the walk goes
    /// on there.
    fn ask(&self, what: Ask) -> Result<bool, Rc<dyn Link>>;
}

/// Asks the innermost event of a chain of links, starting at `first`: one
/// level at a time, in constant stack.
fn ask_chain(first: &dyn Link, what: Ask) -> bool {
    let mut next = match first.ask(what) {
        Ok(answer) => return answer,
        Err(next) => next,
    };
    loop {
        next = match next.ask(what) {
            Ok(answer) => return answer,
            Err(n) => n,
        };
    }
}

/// A one-shot event carrying a value of type `T` back to its rendezvous.
///
/// Events are made by `mkevent!` inside a `#[tamed]` function, by
/// [`Rendezvous::event`](crate::Rendezvous::event), by
/// [`event_future`](crate::event_future) or by [`Event::from_fn`].
///
/// * [`trigger`](Event::trigger) consumes the event, so triggering twice does
///   not compile.
/// * Every event comes back exactly once: dropping an untriggered event
///   counts as a trigger that writes nothing (its slot keeps its old value,
///   an explicit rendezvous still reports its id). An event dropped
///   anywhere (with the operation it was given to, with a task, with the
///   loop) never hangs a `twait`; one leaked with `std::mem::forget`
///   does: nothing is left to report it.
/// * Triggering after the rendezvous was cancelled or dropped is a no-op; the
///   value is dropped (a `map`ped event's closure still runs on it: only
///   what it makes reaches the dead event).
/// * Triggering never runs the waiting function re-entrantly: the waiter is
///   queued, and the loop resumes waiters in FIFO order.
///
/// `Event` is `!Send`: it belongs to the thread whose loop made it.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use tame::Event;
///
/// let seen = Rc::new(Cell::new(None));
/// let s = seen.clone();
/// let ev: Event<u32> = Event::from_fn(move |v| s.set(v));
/// ev.trigger(7);
/// assert_eq!(seen.get(), Some(7));
///
/// // Dropping an untriggered event reports back with no value.
/// let s = seen.clone();
/// drop(Event::<u32>::from_fn(move |v| s.set(v)));
/// assert_eq!(seen.get(), None);
/// ```
#[must_use = "an event that is dropped untriggered reports back at once with no value"]
pub struct Event<T = ()> {
    sink: Option<Rc<dyn Sink<T>>>,
}

impl<T> Event<T> {
    pub(crate) fn from_sink(sink: Rc<dyn Sink<T>>) -> Self {
        Event { sink: Some(sink) }
    }

    /// An event that reports nowhere: what a free entry of the timer wheel
    /// holds in place of one (so that an entry needs no `Option` and its
    /// tag).
    pub(crate) const fn none() -> Self {
        Event { sink: None }
    }

    /// Triggers the event with `value`, consuming it.
    ///
    /// The value is stored in the event's slot (or handed to its future) and
    /// the waiting function is queued: it runs from the loop's queue, never
    /// inside this call (within the current turn if the loop is running one).
    /// An event made with [`from_fn`](Event::from_fn) or
    /// [`map`](Event::map) runs its closure inside this call.
    ///
    /// A chain of such closures (each triggering or dropping the next
    /// event) takes bounded stack: beyond 64 levels, or 512 KiB of stack,
    /// the next links are queued and run one after another by the
    /// outermost call, still inside it. If one of those queued links
    /// panics, the panic goes out of this call and the links queued behind
    /// it wait: they run at whichever comes first of the thread's next
    /// trigger or drop of a `map` or `from_fn` event (even an
    /// unrelated one, made outside the loop: after its own closure), the
    /// start of the loop's next turn, and thread exit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// use tame::{mkevent, tamed, twait, Event};
    ///
    /// #[tamed]
    /// fn wait_for(ev: Rc<Cell<Option<Event<&'static str>>>>, log: Rc<Cell<&'static str>>) {
    ///     let word: &str;
    ///     twait! { ev.set(Some(mkevent!(word))); }
    ///     log.set(word);
    /// }
    ///
    /// let (ev, log) = (Rc::new(Cell::new(None)), Rc::new(Cell::new("")));
    /// wait_for(ev.clone(), log.clone());
    /// ev.take().unwrap().trigger("done");
    /// assert_eq!(log.get(), "", "the waiter is queued, not run inside trigger");
    /// tame::run();
    /// assert_eq!(log.get(), "done");
    /// ```
    pub fn trigger(mut self, value: T) {
        if let Some(sink) = self.sink.take() {
            sink.complete(Some(value));
        }
    }

    /// Whether triggering this event would still reach anybody.
    ///
    /// False once its rendezvous was cancelled or dropped, or its future was
    /// dropped. Long-running producers can use it to stop early.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<u8>::new();
    /// let ev = r.event(1);
    /// assert!(ev.is_live());
    /// r.cancel();
    /// assert!(!ev.is_live());
    /// ```
    pub fn is_live(&self) -> bool {
        self.sink.as_ref().is_some_and(|s| s.is_live())
    }

    /// See [`Sink::watch`]: a wait parked on this event is counted as live
    /// until [`unwatch`](Self::unwatch), or until the event dies and its
    /// owner reports `id`.
    pub(crate) fn watch(&self, id: WaitId) -> bool {
        self.sink.as_ref().is_some_and(|s| s.watch(id))
    }

    /// See [`Sink::tasks_behind`].
    pub(crate) fn tasks_behind(&self) -> Vec<WaitId> {
        self.sink
            .as_ref()
            .map(|s| s.tasks_behind())
            .unwrap_or_default()
    }

    /// Where it reports to (`None` once triggered or dropped).
    pub(crate) fn sink(&self) -> Option<&Rc<dyn Sink<T>>> {
        self.sink.as_ref()
    }

    /// A view of this event's liveness that stays with whoever hands the
    /// event on (to an operation, down a chain of [`then`](Self::then)s):
    /// see [`Liveness`].
    pub(crate) fn liveness(&self) -> Liveness<T> {
        Liveness(self.sink.as_ref().map(Rc::downgrade))
    }

    /// See [`Sink::receipt`].
    pub(crate) fn receipt(&self) -> Option<crate::rendezvous::Receipt> {
        self.sink.as_ref()?.receipt()
    }

    /// Drops the event as a loop that is gone does: see [`Sink::discard`].
    pub(crate) fn discard(mut self) {
        if let Some(sink) = self.sink.take() {
            // The events its sink holds are dropped uncalled too (a timeout's
            // inner event, a chain's next link).
            crate::nesting::while_discarding(|| sink.discard());
        }
    }

    /// See [`Sink::unwatch`].
    pub(crate) fn unwatch(&self) {
        if let Some(s) = &self.sink {
            s.unwatch();
        }
    }

    /// An event of type `U` that triggers this one with `f(u)`; dropping it
    /// untriggered drops this one untriggered.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot::<Option<u8>>(());
    /// let inner: tame::Event<u8> = ev.map(Some);
    /// inner.trigger(4);
    /// assert_eq!(slot.take(), Some(Some(4)));
    /// ```
    pub fn map<U, F>(self, f: F) -> Event<U>
    where
        F: FnOnce(U) -> T + 'static,
        T: 'static,
        U: 'static,
    {
        // Not `from_fn`: the mapped event must stay dead when this one is
        // (a timer armed with it must not keep `run()` waiting). Dropped
        // untriggered, it drops this one untriggered.
        self.then(move |value, inner: Event<T>| {
            if let Some(u) = value {
                inner.trigger(f(u));
            }
        })
    }

    /// An event that calls `f` once: `f(Some(value))` when triggered,
    /// `f(None)` when dropped untriggered.
    ///
    /// This is the callback form, for code that is neither a `#[tamed]`
    /// function nor async. `f` runs inside `trigger` (or the drop), so it
    /// should only record the value or queue work.
    ///
    /// A panic of `f` goes out of the `trigger` or the drop that ran it;
    /// but when the drop is part of another panic's unwind (the event was
    /// held by a function that panicked), a second panic would abort the
    /// process: that one prints its message and goes no further, and the
    /// first panic unwinds on.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = tame::Event::from_fn(|v: Option<i32>| assert_eq!(v, Some(3)));
    /// ev.trigger(3);
    /// ```
    pub fn from_fn<F>(f: F) -> Self
    where
        F: FnOnce(Option<T>) + 'static,
        T: 'static,
    {
        Event::from_sink(Rc::new(FnSink(Cell::new(Some(f)))))
    }

    /// An event whose value nobody wants: triggering it drops the value.
    /// It stays live, so a `#[tamed]` function given it runs to its end
    /// (one whose event dies is cancelled): start-and-forget, as tokio's
    /// `spawn` whose `JoinHandle` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::{mkevent, tamed, twait, Event};
    ///
    /// #[tamed]
    /// fn handle(n: u32) -> Result<u32, String> {
    ///     twait! { tame::asap(mkevent!()); }
    ///     Ok(n * 2)
    /// }
    ///
    /// for n in 0..3 {
    ///     handle(n, Event::detached()); // nobody waits for these
    /// }
    /// tame::run();
    /// assert!(tame::blocked().is_empty());
    /// ```
    pub fn detached() -> Self
    where
        T: 'static,
    {
        Event::from_fn(drop)
    }
}

impl<R: 'static> Event<R> {
    /// An event of `T` that is live while this one is (an operation
    /// holding it is cancelled when this one dies) and, when it comes back,
    /// hands its value (`None` if dropped untriggered) and this event to
    /// `next`, which decides what this one gets.
    pub(crate) fn then<T, F>(self, next: F) -> Event<T>
    where
        T: 'static,
        F: FnOnce(Option<T>, Event<R>) + 'static,
    {
        Event::from_sink(Rc::new(Then {
            ev: Cell::new(Some(self)),
            next: Cell::new(Some(next)),
        }))
    }
}

/// Whether an event handed away ([`Event::liveness`]) would still reach
/// anybody, while it has not come back: a weak reference to its sink, so
/// it keeps nothing alive. Once the event came back it may answer either
/// way (a sink may outlive its event): its holder tracks that itself.
pub(crate) struct Liveness<T>(Option<Weak<dyn Sink<T>>>);

impl<T> Liveness<T> {
    pub(crate) fn is_live(&self) -> bool {
        self.0
            .as_ref()
            .and_then(Weak::upgrade)
            .is_some_and(|s| s.is_live())
    }
}

impl<T> Drop for Event<T> {
    fn drop(&mut self) {
        if let Some(sink) = self.sink.take() {
            if crate::nesting::discarding() {
                sink.discard();
            } else {
                sink.complete(None);
            }
        }
    }
}

impl<T> fmt::Debug for Event<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("live", &self.is_live())
            .finish()
    }
}

/// Runs `f`, user code a sink runs (a `from_fn` callback, a `map`
/// closure). Reached from a drop during a panic's unwind (the event held
/// by a frame or a value the unwind drops), a panic of `f` would abort the
/// process: it prints its message and goes no further, as at the loop's
/// teardown, and the first panic unwinds on.
fn contained_while_unwinding(f: impl FnOnce()) {
    if std::thread::panicking() {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    } else {
        f();
    }
}

/// The sink behind [`Event::from_fn`].
struct FnSink<F>(Cell<Option<F>>);

impl<T: 'static, F: FnOnce(Option<T>) + 'static> Sink<T> for FnSink<F> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        // The callback may trigger or drop further events (its captures are
        // dropped at its end): through the trampoline, as for `then`.
        crate::nesting::complete(move || {
            if let Some(f) = self.0.take() {
                contained_while_unwinding(|| f(value));
            }
        });
    }

    fn discard(self: Rc<Self>) {
        // Its captures are dropped (events among them report as usual).
        drop(self.0.take());
    }
}

/// The sink behind [`Event::then`] (and so [`Event::map`]): forwards the
/// outcome to `next` and the liveness of the event it holds (a [`Link`]:
/// through a chain of them in a loop).
struct Then<R, F> {
    ev: Cell<Option<Event<R>>>,
    next: Cell<Option<F>>,
}

/// Runs `f` on the event in `cell` where it is (a `Cell` lends nothing
/// out, so the event is taken and put back).
fn peek<R, X>(cell: &Cell<Option<Event<R>>>, f: impl FnOnce(&Event<R>) -> X) -> Option<X> {
    let ev = cell.take();
    let x = ev.as_ref().map(f);
    cell.set(ev);
    x
}

impl<T, R, F> Sink<T> for Then<R, F>
where
    T: 'static,
    R: 'static,
    F: FnOnce(Option<T>, Event<R>) + 'static,
{
    fn complete(self: Rc<Self>, value: Option<T>) {
        // `next` may trigger the event it is handed (a chain of maps) or
        // start the next operation, which may come back at once: a long
        // chain is completed by the trampoline, not by recursion.
        crate::nesting::complete(move || {
            if let (Some(ev), Some(next)) = (self.ev.take(), self.next.take()) {
                contained_while_unwinding(|| next(value, ev));
            }
        });
    }

    fn discard(self: Rc<Self>) {
        drop(self.next.take());
        // The event inside is discarded too (a chain of maps ending in a
        // callback), one level per completion of the trampoline.
        if let Some(ev) = self.ev.take() {
            crate::nesting::complete(move || ev.discard());
        }
    }

    // Asked of the event inside, through the chain of `Then`s in a loop: a
    // chain of 100,000 maps took a frame a level, and overflowed a thread's
    // stack.
    fn is_live(&self) -> bool {
        ask_chain(self, Ask::IsLive)
    }

    fn watch(&self, id: WaitId) -> bool {
        ask_chain(self, Ask::Watch(id))
    }

    fn unwatch(&self) {
        ask_chain(self, Ask::Unwatch);
    }

    fn into_link(self: Rc<Self>) -> Option<Rc<dyn Link>> {
        Some(self)
    }
}

impl<R: 'static, F: 'static> Link for Then<R, F> {
    fn ask(&self, what: Ask) -> Result<bool, Rc<dyn Link>> {
        // Completed (the event taken out): dead, as an event with no sink.
        let answer = peek(&self.ev, |ev| {
            let Some(sink) = &ev.sink else {
                return Ok(false);
            };
            if let Some(link) = sink.clone().into_link() {
                return Err(link);
            }
            Ok(match what {
                Ask::IsLive => sink.is_live(),
                Ask::Watch(id) => sink.watch(id),
                Ask::Unwatch => {
                    sink.unwatch();
                    false
                }
            })
        });
        answer.unwrap_or(Ok(false))
    }
}
