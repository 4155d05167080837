//! Cancelling a tamed function: **an event that dies cancels whoever
//! waits to deliver it.**
//!
//! A tamed function watches the events it was given: its `done` (the
//! generated last parameter of `fn f(..) -> T`) and its parameters of type
//! `Event<..>` that it still holds at a twait (by type: through an alias
//! too; a type parameter that happens to be one is not watched; one handed
//! on before, to [`asap`](crate::asap) or another function, is the
//! receiver's to watch). When one of them dies untriggered — its rendezvous is
//! cancelled or dropped, its future dropped, a timeout gave up on it — the
//! function can no longer deliver anything, and the loop cancels it before
//! it runs anything else queued: its state is dropped exactly as at a `return` (the drops of
//! its variables run, its events come back untriggered, its fd waits and
//! timers are released), and `run()` no longer waits for it. tame's own
//! operations (a read, an accept, a timer) are cancelled the same way.
//!
//! So cancellation is structured without bookkeeping: a cancelled function's
//! rendezvous and `twait!{}` blocks end with it, so the functions it started
//! and still waits for see their events die and are cancelled in turn.
//!
//! The ways to cancel:
//!
//! * [`Rendezvous::cancel`](crate::Rendezvous::cancel) (or dropping the
//!   rendezvous) cancels every call given one of its events;
//! * [`add_timeout`](crate::add_timeout) and
//!   [`with_timeout`](crate::with_timeout) cancel what they wrap when the
//!   time runs out (the operation's event dies);
//! * [`cancellable`] wraps any event so that a [`Cancel`] handle can kill it;
//! * dropping an [`EventFuture`](crate::EventFuture) cancels what would
//!   have triggered its event.
//!
//! A function given no event (fire and forget, like a server's accept loop)
//! is never cancelled this way: it ends by returning.
//!
//! A parameter event held at some twait is watched from the function's
//! start until the function resumes from a twait after which no path of
//! its code reaches a twait that holds it: handed on after that (to tame,
//! which watches it itself, or to a collection or a callback of your
//! own), its death no longer cancels the function. Handed on to code of
//! your own where a path could still bring it to a later twait (inside a
//! loop that may go round again, then `break`; in one branch of several),
//! it stays watched until the function ends: hand it on after the loop, or
//! to tame. And an event of a caller's value-less `mkevent!()` is watched
//! through its block's shared watch, which stays until that whole block is
//! back (see the exception below).
//!
//! One exception to "untriggered": a function that triggers its `done`
//! early and goes on working, given a value-less `mkevent!()` of its
//! caller's `twait!{}` block, is still cancelled with its caller if the
//! caller is cancelled before that block is back (the block's value-less
//! events share one watch, let go of only when the whole block is back).
//! Give it an event with a value (`mkevent!(x)`), which has a watch of
//! its own, for it to outlive its caller once it delivered.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use std::time::Duration;
//! use tame::{mkevent, tamed, twait, Event};
//!
//! struct Noisy(Rc<RefCell<Vec<&'static str>>>);
//! impl Drop for Noisy {
//!     fn drop(&mut self) {
//!         self.0.borrow_mut().push("cleaned up");
//!     }
//! }
//!
//! #[tamed]
//! fn slow(log: Rc<RefCell<Vec<&'static str>>>, done: Event<u32>) {
//!     let _held = Noisy(log.clone());
//!     twait! { tame::timer(Duration::from_secs(3600), mkevent!()); }
//!     log.borrow_mut().push("finished"); // never: it is cancelled
//!     done.trigger(1);
//! }
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let r = tame::Rendezvous::<()>::new();
//! let (ev, got) = r.event_with_slot::<u32>(());
//! let (ev, cancel) = tame::cancellable(ev);
//! slow(log.clone(), ev);
//! cancel.cancel();
//! tame::run(); // returns at once: the hour-long timer went with `slow`
//! assert_eq!(*log.borrow(), ["cleaned up"]);
//! assert_eq!(got.take(), None);
//! ```

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use crate::driver::{WaitId, WatchSet, UNWATCHED};
use crate::event::{Event, Sink};

/// An event that forwards to another until [`Cancel::cancel`] kills it.
///
/// Give the returned event to a tamed function (or any operation) instead
/// of `ev`: a trigger reaches `ev`; after `cancel()` the event is dead, the
/// function or operation holding it is cancelled, and `ev` is dropped
/// untriggered.
///
/// # Examples
///
/// ```
/// let r = tame::Rendezvous::<u8>::new();
/// let (ev, slot) = r.event_with_slot::<&str>(1);
/// let (fwd, cancel) = tame::cancellable(ev);
/// assert!(fwd.is_live());
/// cancel.cancel();
/// assert!(!fwd.is_live());
/// fwd.trigger("too late"); // a no-op
/// assert_eq!(r.try_next(), Some(1)); // `ev` came back, empty
/// assert_eq!(slot.take(), None);
/// ```
pub fn cancellable<T: 'static>(ev: Event<T>) -> (Event<T>, Cancel) {
    let sink = Rc::new(Forward {
        target: RefCell::new(Some(ev)),
        cancelled: Cell::new(false),
        watches: WatchSet::new(),
        key: Cell::new(UNWATCHED),
    });
    let kill: Rc<dyn Kill> = sink.clone();
    (Event::from_sink(sink), Cancel { sink: kill })
}

/// The handle of [`cancellable`]: [`cancel`](Cancel::cancel) kills its
/// event; dropping the handle does nothing.
///
/// # Examples
///
/// ```
/// let r = tame::Rendezvous::<()>::new();
/// let (fwd, cancel) = tame::cancellable(r.event(()));
/// drop(cancel); // the event stays live
/// fwd.trigger(());
/// assert_eq!(r.try_next(), Some(()));
/// ```
#[must_use = "cancel() kills the event; dropping the handle does nothing"]
pub struct Cancel {
    sink: Rc<dyn Kill>,
}

impl Cancel {
    /// Kills the event: whoever holds it is cancelled (on the loop's next
    /// turn), and the event it forwarded to comes back untriggered. Does
    /// nothing if the event was triggered already.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::Rendezvous::<()>::new();
    /// let (fwd, cancel) = tame::cancellable(r.event(()));
    /// fwd.trigger(()); // delivered first
    /// cancel.cancel(); // nothing left to kill
    /// assert_eq!(r.try_next(), Some(()));
    /// ```
    pub fn cancel(&self) {
        self.sink.kill();
    }
}

impl Cancel {
    /// A handle that does not keep the event's forwarder alive: one for
    /// whoever cancels on someone else's behalf (a descriptor's close ends
    /// the copies over it) and must not hold the event past its end.
    pub(crate) fn downgrade(&self) -> WeakCancel {
        WeakCancel(Rc::downgrade(&self.sink))
    }
}

/// [`Cancel::downgrade`]'s handle: [`cancel`](WeakCancel::cancel) kills
/// the event if it is still there.
pub(crate) struct WeakCancel(std::rc::Weak<dyn Kill>);

impl WeakCancel {
    /// As [`Cancel::cancel`], if the event was not triggered or dropped.
    pub(crate) fn cancel(&self) {
        if let Some(sink) = self.0.upgrade() {
            sink.kill();
        }
    }

    /// Whether the event is gone (triggered or dropped): nothing to cancel.
    pub(crate) fn is_gone(&self) -> bool {
        self.0.strong_count() == 0
    }
}

impl fmt::Debug for Cancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancel").finish_non_exhaustive()
    }
}

trait Kill {
    fn kill(&self);
}

struct Forward<T> {
    target: RefCell<Option<Event<T>>>,
    cancelled: Cell<bool>,
    /// Who watches this event for its death.
    watches: WatchSet,
    key: Cell<u32>,
}

impl<T> Forward<T> {
    fn owner(&self) -> usize {
        self as *const Self as usize
    }
}

impl<T> Kill for Forward<T> {
    fn kill(&self) {
        if self.cancelled.replace(true) {
            return;
        }
        let target = self.target.borrow_mut().take();
        if target.is_some() {
            self.key.set(UNWATCHED);
            self.watches.report_dead(self.owner());
        }
        drop(target);
    }
}

impl<T: 'static> Sink<T> for Forward<T> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        self.watches.forget(self.owner());
        let target = self.target.borrow_mut().take();
        // Through the trampoline: the target may be cancellable in turn,
        // to any depth.
        crate::nesting::complete(move || {
            if let (Some(ev), Some(v)) = (target, value) {
                ev.trigger(v);
            }
            // Otherwise the target (if still here) is dropped: it comes
            // back untriggered.
        });
    }

    fn is_live(&self) -> bool {
        !self.cancelled.get()
            && self
                .target
                .try_borrow()
                .map_or(true, |t| t.as_ref().is_some_and(Event::is_live))
    }

    /// Watched for [`Cancel::cancel`] here, and for the death of the event
    /// it forwards to there.
    fn watch(&self, id: WaitId) -> bool {
        if self.cancelled.get() {
            return false;
        }
        let Ok(target) = self.target.try_borrow() else {
            return true;
        };
        let Some(t) = target.as_ref() else {
            return false;
        };
        if !t.watch(id) {
            return false;
        }
        let old = self.key.replace(self.watches.watch(self.owner(), id));
        self.watches.unwatch(self.owner(), old);
        true
    }

    fn unwatch(&self) {
        let key = self.key.replace(UNWATCHED);
        self.watches.unwatch(self.owner(), key);
        if let Ok(target) = self.target.try_borrow() {
            if let Some(t) = target.as_ref() {
                t.unwatch();
            }
        }
    }
}
