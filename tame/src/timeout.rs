//! `add_timeout` and `with_timeout`, native: one allocation holds the
//! caller's event and the key of its timer, and the race is decided by
//! unlinking the timer.
//!
//! # How the race works
//!
//! [`Deadline`] is one `Rc` with two faces: the event returned to the caller
//! (a `Sink<T>`) and the timer's event (a `Sink<()>`, through the
//! transparent [`Expiry`] wrapper over the same allocation). Whichever
//! completes first takes the caller's event out; the other then finds
//! nothing to do.
//!
//! * The returned event is triggered (or dropped): the timer is disarmed by
//!   its id (`driver::cancel_timer`: O(1) unlinking from the wheel), and the
//!   caller's event gets `Ok(v)` (or is dropped).
//! * The timer fires: on the loop's next turn, once what that turn queued
//!   has run (anything triggered by then still wins; see [`Expiry`]'s
//!   `complete`), the caller's event gets `Err(Timeout)` (or, for
//!   `with_timeout`, is dropped), after the optional action runs. The
//!   returned event is dead from then on, and the wait parked on it (an fd
//!   operation, say), if any, is reported to the loop, which drops it: a
//!   timed-out read does not linger.
//!
//! # Liveness
//!
//! Both faces are live while the caller's event is undecided and live. The
//! timer's entry watches the timer face, which passes the watch on to the
//! caller's event, so that when the caller's rendezvous is cancelled the
//! loop removes the timer at once; the timer face then tells the wait on the
//! returned face (if any) that it died. So cancelling the caller's
//! rendezvous releases the timer and the wrapped fd wait alike.
//!
//! The paper's figure 5, `add_timeout` as a `#[tamed]` race between the
//! timer and the event, is shown in [`add_timeout`]'s docs and kept as a
//! test (`tests/time_figure5.rs`) that checks it against this one.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use crate::driver::{self, Token, WaitId};
use crate::event::{Event, Sink};
use crate::time::Timeout;

/// Wraps `ev` with a deadline.
///
/// The returned event triggers `ev` with `Ok(v)`; if `dur` runs out first,
/// `ev` gets `Err(Timeout)` and a later trigger of the returned event is a
/// harmless no-op. If the returned event is dropped untriggered first, `ev`
/// is dropped untriggered too. Either way the timer is cancelled when the
/// race is decided, so it does not keep [`run`](crate::run) going.
///
/// When the time runs out, the returned event is dead: an fd wait or
/// operation it was given to (`stream.readable(add_timeout(..))`) is
/// dropped by the loop, not left parked. If `ev` dies first (its rendezvous
/// is cancelled), the timer is cancelled at once and the returned event is
/// dead too.
///
/// The time runs out on the loop's turn after the one its timer fires in,
/// once the work queued in that turn has run: an event triggered by then
/// still wins. So an operation whose own wait ended before the deadline is
/// not timed out because the loop got to both late, in one turn (a stall,
/// a long callback): its task runs first, and so do the tasks its end
/// wakes one after another (the tamed function that called it, which
/// triggers the event), as tokio's `timeout` polls its whole future before
/// its deadline. A tie goes to the operation too. A turn whose work never
/// runs out (its budget spent) holds the time-out no longer.
///
/// It costs one allocation (48 bytes) and a timer entry: no task, no
/// rendezvous. To also cancel what the event was for when the time runs
/// out, see [`add_timeout_then`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tame::{add_timeout, Rendezvous, Timeout};
///
/// let r = Rendezvous::<()>::new();
/// let (fast, fast_slot) = r.event_with_slot::<Result<u8, Timeout>>(());
/// let (slow, slow_slot) = r.event_with_slot::<Result<u8, Timeout>>(());
/// add_timeout(Duration::from_secs(5), fast).trigger(1);
/// let never = add_timeout(Duration::from_millis(5), slow);
/// tame::run();
/// assert_eq!(fast_slot.take(), Some(Ok(1)));
/// assert_eq!(slow_slot.take(), Some(Err(Timeout)));
/// assert!(!never.is_live());
/// ```
///
/// # The paper's version
///
/// Figure 5 of the paper writes `add_timeout` as a tamed function that
/// races a timer against the event on a rendezvous; it behaves like this
/// one, at the cost of a task, a rendezvous and two more events per call:
///
/// ```
/// use std::time::Duration;
/// use tame::task::Slot;
/// use tame::{mkevent, tamed, twait, Event, Rendezvous, Timeout};
///
/// fn add_timeout_fig5<T: 'static>(dur: Duration, ev: Event<Result<T, Timeout>>) -> Event<T> {
///     let r = Rendezvous::<bool>::new();
///     let (value_ev, value) = r.event_with_slot(true);
///     race(dur, ev, r, value);
///     value_ev
/// }
///
/// #[tamed]
/// fn race<T: 'static>(
///     dur: Duration,
///     ev: Event<Result<T, Timeout>>,
///     r: Rendezvous<bool>,
///     value: Slot<T>,
/// ) {
///     tame::timer(dur, mkevent!(r, false));
///     match twait!(r) {
///         Some(true) => {
///             if let Some(v) = value.take() {
///                 ev.trigger(Ok(v));
///             }
///         }
///         Some(false) => ev.trigger(Err(Timeout)),
///         None => {}
///     }
///     // Dropping `r` cancels the loser.
/// }
///
/// let r = Rendezvous::<()>::new();
/// let (slow, slot) = r.event_with_slot::<Result<u8, Timeout>>(());
/// let late = add_timeout_fig5(Duration::from_millis(5), slow);
/// tame::run();
/// assert_eq!(slot.take(), Some(Err(Timeout)));
/// late.trigger(1); // a no-op now
/// ```
pub fn add_timeout<T: 'static>(dur: Duration, ev: Event<Result<T, Timeout>>) -> Event<T> {
    arm(dur, AddTimeout(ev), Nothing)
}

/// [`add_timeout`], and when the time runs out, `on_timeout` runs (before
/// `ev` gets `Err(Timeout)`): the hook to cancel the operation the event
/// was for, so that an abandoned operation neither keeps resources nor
/// keeps [`run`](crate::run) going. It does not run if the event wins the
/// race, is dropped, or `ev` dies first.
///
/// If `on_timeout` panics, `ev` still gets `Err(Timeout)` (while the panic
/// unwinds), and the panic goes on out of [`run`](crate::run): a waiter
/// resumed by a later `run()` sees the time-out.
///
/// (An fd operation given the returned event needs no hook: it is dropped
/// when its event dies.)
///
/// # Examples
///
/// A worker whose rendezvous is cancelled when the caller gives up on it:
///
/// ```
/// use std::rc::Rc;
/// use std::time::Duration;
/// use tame::{Rendezvous, Timeout};
///
/// let worker = Rc::new(Rendezvous::<&str>::new());
/// // The worker's own wait: a minute.
/// tame::timer(Duration::from_secs(60), worker.event("worked"));
///
/// let r = Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot::<Result<&str, Timeout>>(());
/// let w = worker.clone();
/// let reply = tame::time::add_timeout_then(Duration::from_millis(5), ev, move || w.cancel());
/// tame::run(); // returns after 5 ms: the worker's timer was cancelled too
/// assert_eq!(slot.take(), Some(Err(Timeout)));
/// assert_eq!(worker.pending(), 0);
/// reply.trigger("too late"); // a no-op
/// ```
pub fn add_timeout_then<T, F>(
    dur: Duration,
    ev: Event<Result<T, Timeout>>,
    on_timeout: F,
) -> Event<T>
where
    T: 'static,
    F: FnOnce() + 'static,
{
    arm(dur, AddTimeout(ev), Action(Cell::new(Some(on_timeout))))
}

/// Forwards a trigger of the returned event to `ev`, or drops `ev`
/// untriggered if `dur` runs out first (Tamer's `with_timeout`): the
/// caller's twait ends either way, its slot unchanged on a timeout.
///
/// Native, like [`add_timeout`]: one allocation, the timer cancelled when
/// the event wins; the time runs out on the turn after the timer fires, as
/// there.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn reply_or_default() -> u32 {
///     let mut v = 0; // stays 0 if the reply is late
///     twait! {
///         let reply = tame::with_timeout(Duration::from_millis(5), mkevent!(v));
///         // A reply that would come after a minute.
///         tame::timer(Duration::from_secs(60), reply.map(|()| 42));
///     }
///     v
/// }
///
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, got) = r.event_with_slot(());
/// reply_or_default(ev);
/// tame::run(); // returns after 5 ms: the minute's timer is dead
/// assert_eq!(got.take(), Some(0));
/// ```
pub fn with_timeout<T: 'static>(dur: Duration, ev: Event<T>) -> Event<T> {
    arm(dur, WithTimeout(ev), Nothing)
}

/// [`with_timeout`], and when the time runs out, `on_timeout` runs (before
/// `ev` is dropped, which it is also if `on_timeout` panics); see
/// [`add_timeout_then`].
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let gave_up = Rc::new(Cell::new(false));
/// let g = gave_up.clone();
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot::<u8>(());
/// let reply = tame::time::with_timeout_then(Duration::from_millis(2), ev, move || g.set(true));
/// tame::run();
/// assert!(gave_up.get());
/// assert_eq!((r.try_next(), slot.take()), (Some(()), None));
/// reply.trigger(1); // too late: a no-op
/// ```
pub fn with_timeout_then<T, F>(dur: Duration, ev: Event<T>, on_timeout: F) -> Event<T>
where
    T: 'static,
    F: FnOnce() + 'static,
{
    arm(dur, WithTimeout(ev), Action(Cell::new(Some(on_timeout))))
}

/// Makes the deadline node, arms its timer, and returns its event face.
fn arm<T, C, A>(dur: Duration, caller: C, then: A) -> Event<T>
where
    T: 'static,
    C: Caller<T>,
    A: Then,
{
    let node = Rc::new(Deadline {
        caller: Cell::new(caller),
        timer: Cell::new(0),
        watch: Cell::new(0),
        then,
    });
    let raw = Rc::into_raw(node.clone()).cast::<Expiry<C, A>>();
    // SAFETY: `Expiry<C, A>` is `repr(transparent)` over `Deadline<C, A>`,
    // so the pointer is to a value of the same size, alignment and layout,
    // which `Rc::from_raw` allows; the strong count taken by `into_raw` is
    // the one the new `Rc` owns.
    let expiry: Rc<Expiry<C, A>> = unsafe { Rc::from_raw(raw) };
    // Arming watches the timer face, which records the timer's id. A dead
    // caller's event is not armed (and the node then is dead).
    crate::time::timer(dur, Event::from_sink(expiry));
    Event::from_sink(node)
}

/// The caller's event, whatever its flavour: what the race needs to know
/// of it.
trait CallerEvent: Sized + 'static {
    /// The value of a caller's event that was taken (the race is decided):
    /// an event that reports nowhere.
    fn taken() -> Self;
    fn is_live(&self) -> bool;
    fn watch(&self, id: WaitId) -> bool;
    fn unwatch(&self);
    /// The time ran out.
    fn time_out(self);
}

/// What the caller's event gets when the returned event wins.
trait Caller<T>: CallerEvent {
    fn deliver(self, value: T);
}

/// `add_timeout`: `Ok(v)` or `Err(Timeout)`.
struct AddTimeout<T>(Event<Result<T, Timeout>>);

/// `with_timeout`: the value, or dropped untriggered.
struct WithTimeout<T>(Event<T>);

impl<T: 'static> CallerEvent for AddTimeout<T> {
    fn taken() -> Self {
        AddTimeout(Event::none())
    }
    fn is_live(&self) -> bool {
        self.0.is_live()
    }
    fn watch(&self, id: WaitId) -> bool {
        self.0.watch(id)
    }
    fn unwatch(&self) {
        self.0.unwatch();
    }
    fn time_out(self) {
        self.0.trigger(Err(Timeout));
    }
}

impl<T: 'static> Caller<T> for AddTimeout<T> {
    fn deliver(self, value: T) {
        self.0.trigger(Ok(value));
    }
}

impl<T: 'static> CallerEvent for WithTimeout<T> {
    fn taken() -> Self {
        WithTimeout(Event::none())
    }
    fn is_live(&self) -> bool {
        self.0.is_live()
    }
    fn watch(&self, id: WaitId) -> bool {
        self.0.watch(id)
    }
    fn unwatch(&self) {
        self.0.unwatch();
    }
    fn time_out(self) {
        drop(self);
    }
}

impl<T: 'static> Caller<T> for WithTimeout<T> {
    fn deliver(self, value: T) {
        self.0.trigger(value);
    }
}

/// Times the caller's event out ([`CallerEvent::time_out`]) when dropped,
/// at the end of a time-out or during the unwinding of its action's panic.
/// Triggered while a panic unwinds, the event's sink (a `from_fn`
/// callback, say) runs then; so it would if the event were dropped
/// untriggered, what unwinding alone does: the guard changes only what
/// the sink gets.
struct TimeOutOnDrop<C: CallerEvent>(Option<C>);

impl<C: CallerEvent> Drop for TimeOutOnDrop<C> {
    fn drop(&mut self) {
        if let Some(caller) = self.0.take() {
            caller.time_out();
        }
    }
}

/// What runs when the time runs out, besides telling the caller.
trait Then: 'static {
    fn run(&self);
}

/// No action (`add_timeout`, `with_timeout`): takes no room.
struct Nothing;

impl Then for Nothing {
    fn run(&self) {}
}

/// An action (`*_then`), run at most once.
struct Action<F>(Cell<Option<F>>);

impl<F: FnOnce() + 'static> Then for Action<F> {
    fn run(&self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// [`Deadline::timer`] once the timer fired: bit 63, which no timer's wait
/// id has, with the turn in which the settling looked at the ready queue
/// and went behind it (see [`Expiry`]'s `complete`), or [`SETTLING_QUEUED`]
/// before that look.
const SETTLING: u64 = 1 << 63;

/// [`Deadline::timer`] once the timer fired, until the loop's next turn.
const SETTLING_QUEUED: u64 = u64::MAX;

/// Whether [`Deadline::timer`] says the timer fired.
fn settling(timer: u64) -> bool {
    timer & SETTLING != 0
}

/// The race between the caller's event and a timer, in one allocation.
struct Deadline<C, A> {
    /// The caller's event, until the race is decided (then
    /// [`CallerEvent::taken`], an event that reports nowhere).
    caller: Cell<C>,
    /// The timer entry's wait id while it is armed (0: not armed;
    /// [`settling`]: fired, the time-out comes on a later turn).
    timer: Cell<u64>,
    /// The id of the wait the returned event is parked in, while one is
    /// (0: none): told when the event dies by the timer's hand.
    watch: Cell<u64>,
    then: A,
}

/// The timer's face of a [`Deadline`]: the same allocation, a different
/// `Sink` (a type cannot be both `Sink<T>` and `Sink<()>` when `T = ()`).
#[repr(transparent)]
struct Expiry<C, A>(Deadline<C, A>);

impl<C: CallerEvent, A> Deadline<C, A> {
    /// Looks at the caller's event in place (a `Cell` lends nothing out).
    fn with_caller<R>(&self, f: impl FnOnce(&C) -> R) -> R {
        let caller = self.caller.replace(C::taken());
        let r = f(&caller);
        self.caller.set(caller);
        r
    }

    /// The race is over by the timer's hand or the caller's death: the
    /// wait parked on the returned event (if any) is told that it died.
    fn report_watch(&self) {
        let w = self.watch.replace(0);
        if w != 0 {
            driver::waits_died([Token(w)]);
        }
    }
}

/// The returned event.
impl<T, C: Caller<T>, A: Then> Sink<T> for Deadline<C, A> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        let caller = self.caller.replace(C::taken());
        // The wait that held this event is over (it triggered or dropped it).
        self.watch.set(0);
        let timer = self.timer.replace(0);
        if timer != 0 && !settling(timer) {
            // The caller's event carried the timer's watch: forget it, then
            // unlink the timer (its event, the timer face, finds the race
            // decided when it is dropped).
            caller.unwatch();
            driver::cancel_timer(Token(timer));
        }
        match value {
            Some(v) => caller.deliver(v),
            None => drop(caller),
        }
    }

    fn is_live(&self) -> bool {
        self.with_caller(C::is_live)
    }

    fn watch(&self, id: WaitId) -> bool {
        let live = self.with_caller(C::is_live);
        if live {
            self.watch.set(id.0);
        }
        live
    }

    fn unwatch(&self) {
        self.watch.set(0);
    }
}

thread_local! {
    /// Settlings that went behind the work queued in their turn (see
    /// [`Expiry`]'s `complete`), with one entry in the ready queue for all
    /// of them ([`park_settling`]): each behind its own entry, two or more
    /// would each see the other queued and go behind it again, round and
    /// round until the turn's budget was spent.
    static PARKED: std::cell::RefCell<Vec<Event<()>>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Whether the ready queue holds the entry that looks at [`PARKED`].
    static PARKED_QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Puts a settling behind what is queued now: with the others in
/// [`PARKED`], looked at again by one entry at the back of the queue,
/// which fires them all (each then settles, or goes behind what is queued
/// again, if anything but settlings is).
fn park_settling(ev: Event<()>) {
    let parked = PARKED.try_with(|p| p.borrow_mut().push(ev));
    if parked.is_err() {
        return;
    }
    if PARKED_QUEUED.with(|q| q.replace(true)) {
        return;
    }
    driver::queue_fire(Event::from_fn(|fired: Option<()>| {
        let _ = PARKED_QUEUED.try_with(|q| q.set(false));
        let all = PARKED.try_with(|p| std::mem::take(&mut *p.borrow_mut()));
        let mut rest = Rest(all.unwrap_or_default().into());
        // Dropped with the loop: so are they, as their own entries were.
        if fired.is_none() {
            return;
        }
        while let Some(ev) = rest.0.pop_front() {
            ev.trigger(());
        }
    }));
}

/// The parked settlings not fired yet: if one of them panics (its caller's
/// event's callback), the others go back behind what is queued, as each
/// would have stayed in its own entry.
struct Rest(std::collections::VecDeque<Event<()>>);

impl Drop for Rest {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for ev in self.0.drain(..) {
                park_settling(ev);
            }
        }
    }
}

/// The timer's event.
impl<C: CallerEvent, A: Then> Sink<()> for Expiry<C, A> {
    fn complete(self: Rc<Self>, value: Option<()>) {
        let d = &self.0;
        let timer = d.timer.get();
        if value.is_some() && !settling(timer) && d.with_caller(C::is_live) {
            // The timer fired. The race is settled on the loop's next turn,
            // not now: an operation that finished by this turn (its own
            // timer due in the same batch, ahead of this one, after a
            // stall; the task that timer woke not run yet) wins, as
            // tokio's `timeout` looks at its future before its deadline.
            // The returned event stays live until then.
            d.timer.set(SETTLING_QUEUED);
            driver::fire_next_turn(Event::from_sink(self));
            return;
        }
        if value.is_some() && settling(timer) && d.with_caller(C::is_live) {
            // That turn: what it has queued runs first, for as long as it
            // lasts. The operation's end may come through tasks queued one
            // after another (a tamed function that woke the one that
            // called it, which triggers the returned event), each behind
            // this settling if it looked only once; tokio polls the whole
            // chain of futures before its deadline. A turn ends (its
            // budget spent) even if work keeps coming: the settling waits
            // no longer.
            let turn = driver::turns() & !SETTLING;
            let first_look = timer == SETTLING_QUEUED;
            if (first_look || timer == SETTLING | turn) && driver::ready_queued() {
                d.timer.set(SETTLING | turn);
                park_settling(Event::from_sink(self));
                return;
            }
        }
        let caller = d.caller.replace(C::taken());
        d.timer.set(0);
        // From here the returned event is dead.
        d.report_watch();
        match value {
            Some(()) => {
                // The time ran out (the loop unwatched this face before
                // triggering it, so the caller's event carries no watch).
                // The guard times the caller's event out after the action,
                // or while the action's panic unwinds: dropped untriggered
                // instead, its waiter would go on as if the operation had
                // ended without a value, the time-out lost.
                let caller = TimeOutOnDrop(Some(caller));
                if caller.0.as_ref().is_some_and(C::is_live) {
                    d.then.run();
                }
            }
            // Dropped without firing: the returned event won (then the
            // caller's event was taken already), or the caller's event
            // died and the loop removed the timer, or the loop is going
            // away. The caller's event, if still here, goes untriggered.
            None => drop(caller),
        }
    }

    fn is_live(&self) -> bool {
        self.0.with_caller(C::is_live)
    }

    /// The timer's entry watches this face: keep its id (to unlink it when
    /// the returned event wins) and pass the watch on to the caller's
    /// event, so that its death removes the timer.
    fn watch(&self, id: WaitId) -> bool {
        let live = self.0.with_caller(|c| c.watch(id));
        if live {
            self.0.timer.set(id.0);
        }
        live
    }

    fn unwatch(&self) {
        self.0.timer.set(0);
        self.0.with_caller(C::unwatch);
    }

    /// The caller's event carries this face's watch for the operation's:
    /// the task that watches the returned event (a tamed function given
    /// it as its result event) is the one whose result this stands for.
    fn tasks_behind(&self) -> Vec<WaitId> {
        let w = Token(self.0.watch.get());
        if w.0 != 0 && driver::is_task_wait(w) {
            vec![w]
        } else {
            Vec::new()
        }
    }
}
