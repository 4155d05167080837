//! [`Mutex`]: a lock for tasks, exclusive or shared, FIFO.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use super::queue::{any_live, bury, reap_dead, Reap, WaitQueue, Waiter, Watch};
use crate::driver::Token;
use crate::Event;

/// A lock that tasks wait for through events (Tamer's `tamer::mutex`).
///
/// [`acquire`](Mutex::acquire) waits for exclusive use,
/// [`acquire_shared`](Mutex::acquire_shared) for use shared with other
/// shared holders. Waiters are served in the order they asked: a shared
/// waiter behind an exclusive one waits for it, and every shared waiter at
/// the head of the queue is let in together. The [`Guard`] an event
/// delivers holds the lock until it is dropped. A waiter whose event was
/// dropped (or can no longer be delivered) is dropped on the loop's next
/// turn, with what its event holds (a guard of another lock, in
/// hand-over-hand locking), wherever it waits in the queue; if it was the
/// exclusive waiter that kept shared waiters behind it from the shared
/// holders, they are let in then.
///
/// The lock guards no data of its own: keep the data in a `RefCell` next
/// to it, or in whatever the holders share. `Clone` gives another handle
/// to the same lock.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use tame::sync::{Guard, Mutex};
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn append(m: Mutex, log: Rc<RefCell<Vec<u32>>>, n: u32) {
///     let g: Guard;
///     twait! { m.acquire(mkevent!(g)); }
///     // Held across a twait: nobody else appends meanwhile.
///     log.borrow_mut().push(n);
///     twait! { tame::asap(mkevent!()); }
///     log.borrow_mut().push(n);
///     drop(g);
/// }
///
/// let m = Mutex::new();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// append(m.clone(), log.clone(), 1);
/// append(m.clone(), log.clone(), 2);
/// tame::run();
/// assert_eq!(*log.borrow(), [1, 1, 2, 2]);
/// ```
#[derive(Clone, Default)]
pub struct Mutex {
    inner: Rc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// `None`: free; `Some(0)`: held exclusively; `Some(n)`: `n` shared holders.
    held: Cell<Option<usize>>,
    waiters: RefCell<WaitQueue<Waiting>>,
    /// The loop's watch on the queued waiters' events.
    watch: Watch,
}

struct Waiting {
    shared: bool,
    ev: Event<Guard>,
}

/// Holding a [`Mutex`]: the lock is released when the guard is dropped.
///
/// # Examples
///
/// ```
/// let m = tame::sync::Mutex::new();
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot(());
/// m.acquire(ev); // free: granted at once
/// let guard = slot.take().expect("granted");
/// assert!(m.is_held());
/// drop(guard);
/// assert!(!m.is_held());
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct Guard {
    inner: Rc<Inner>,
    shared: bool,
}

impl Mutex {
    /// A free lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = tame::sync::Mutex::new();
    /// assert!(!m.is_held());
    /// ```
    pub fn new() -> Mutex {
        Mutex::default()
    }

    /// Triggers `ev` with a guard once the lock is held exclusively by the
    /// caller, at once if it is free and nobody waits.
    ///
    /// To give up after a while, wrap the event with
    /// [`with_timeout`](crate::with_timeout) and let the slot be an
    /// `Option` that stays `None` if the time runs out (a slot keeps its
    /// old value when its event comes back untriggered):
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::sync::{Guard, Mutex};
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn try_for(m: Mutex, ms: u64) -> bool {
    ///     let mut g: Option<Guard> = None;
    ///     twait! {
    ///         m.acquire(tame::with_timeout(Duration::from_millis(ms), mkevent!(g).map(Some)));
    ///     }
    ///     g.is_some()
    /// }
    ///
    /// let m = Mutex::new();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (held, held_slot) = r.event_with_slot::<Guard>(());
    /// m.acquire(held);
    /// let _held = held_slot.take().expect("a free lock is granted at once");
    /// let (ev, got) = r.event_with_slot(());
    /// try_for(m.clone(), 5, ev);
    /// tame::run();
    /// assert_eq!(got.take(), Some(false), "still held: gave up");
    /// ```
    pub fn acquire(&self, ev: Event<Guard>) {
        self.enqueue(false, ev);
    }

    /// Triggers `ev` with a guard once the lock is held shared: with other
    /// shared holders, never with an exclusive one.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = tame::sync::Mutex::new();
    /// let r = tame::Rendezvous::<u8>::new();
    /// let (a, ga) = r.event_with_slot(1);
    /// let (b, gb) = r.event_with_slot(2);
    /// m.acquire_shared(a);
    /// m.acquire_shared(b);
    /// // Both hold it together.
    /// assert!(ga.take().is_some() && gb.take().is_some());
    /// ```
    pub fn acquire_shared(&self, ev: Event<Guard>) {
        self.enqueue(true, ev);
    }

    /// Whether someone holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = tame::sync::Mutex::new();
    /// assert!(!m.is_held());
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// m.acquire_shared(ev);
    /// assert!(m.is_held()); // shared holders count too
    /// # drop(slot.take());
    /// ```
    pub fn is_held(&self) -> bool {
        self.inner.held.get().is_some()
    }

    /// How many waiters are queued (including any whose events died since
    /// the loop's last turn: see [`sync`](crate::sync)).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = tame::sync::Mutex::new();
    /// let r = tame::Rendezvous::<u8>::new();
    /// let (first, held) = r.event_with_slot(1);
    /// m.acquire(first);
    /// let (second, _) = r.event_with_slot(2);
    /// m.acquire(second); // exclusive and held: it waits
    /// assert_eq!(m.waiting(), 1);
    /// drop(held.take()); // released: the next one gets it
    /// assert_eq!(m.waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.inner.waiters.borrow().len()
    }

    fn enqueue(&self, shared: bool, ev: Event<Guard>) {
        // An event nobody listens to takes no guard, and waits for none.
        if !ev.is_live() {
            return;
        }
        let inner = &self.inner;
        // Served at once if nobody waits and the lock lets it in: never
        // queued, never watched.
        if !any_live(&inner.waiters) && Inner::fits(inner, shared) {
            Inner::admit(inner, shared, ev);
            return;
        }
        let watch = inner.watch.waiter(inner);
        inner
            .waiters
            .borrow_mut()
            .push_back(Waiting { shared, ev }, watch);
        Inner::grant(inner);
    }
}

impl Inner {
    /// Lets in whoever the queue's head allows: one exclusive waiter, or
    /// every shared waiter up to the next exclusive one; then drops the dead
    /// waiters it skipped (no borrow held: their events' drops may release
    /// guards, which grants again).
    fn grant(this: &Rc<Inner>) {
        // A shared waiter's callback that panics with its guard kept (the
        // guard does not come back to grant again) does not keep the
        // shared waiters behind it out.
        crate::driver::again_if_panics(this, Inner::grant_live);
        bury(&this.waiters);
    }

    fn grant_live(this: &Rc<Inner>) {
        loop {
            let next = {
                let mut waiters = this.waiters.borrow_mut();
                // Waiters nobody listens to any more are skipped.
                let Some(front) = waiters.front_live() else {
                    return;
                };
                if !Inner::fits(this, front.shared) {
                    // Kept out until a release, or until the death of the
                    // head (an exclusive waiter keeping shared waiters from
                    // the shared holders): its watch tells (see `Reap`).
                    return;
                }
                waiters.pop_live()
            };
            let Some(w) = next else { return };
            Inner::admit(this, w.shared, w.ev);
        }
    }

    /// Whether a waiter, exclusive or `shared`, may hold the lock now.
    fn fits(this: &Inner, shared: bool) -> bool {
        match (this.held.get(), shared) {
            (None, _) => true,
            (Some(n), true) => n > 0,
            (Some(_), false) => false,
        }
    }

    /// Lets the waiter of `ev` in (see [`Inner::fits`]).
    fn admit(this: &Rc<Inner>, shared: bool, ev: Event<Guard>) {
        this.held.set(Some(if shared {
            this.held.get().unwrap_or(0) + 1
        } else {
            0
        }));
        let guard = Guard {
            inner: this.clone(),
            shared,
        };
        // No borrow is held: a trigger only queues its waiter.
        ev.trigger(guard);
    }
}

impl Reap for Inner {
    /// Waiters' events died: they go, and whoever they kept out (shared
    /// waiters behind a dead exclusive one) goes in.
    fn reap(self: Rc<Self>, seq: Option<u32>) {
        reap_dead(&self.waiters, seq);
        Inner::grant(&self);
    }
}

impl Waiter for Waiting {
    fn is_live(&self) -> bool {
        self.ev.is_live()
    }

    fn watch(&self, token: Token) -> bool {
        self.ev.watch(token)
    }

    fn unwatch(&self) {
        self.ev.unwatch();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let inner = &self.inner;
        let left = match inner.held.get() {
            Some(n) if self.shared && n > 1 => Some(n - 1),
            _ => None,
        };
        inner.held.set(left);
        if left.is_none() {
            Inner::grant(inner);
        }
    }
}

impl fmt::Debug for Mutex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// How the lock is held, written out (the field's `Some(0)` would
        /// read as "no holders").
        struct Held(Option<usize>);
        impl fmt::Debug for Held {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    None => f.write_str("free"),
                    Some(0) => f.write_str("exclusive"),
                    Some(n) => write!(f, "shared by {n}"),
                }
            }
        }
        f.debug_struct("Mutex")
            .field("held", &Held(self.inner.held.get()))
            .field("waiting", &self.waiting())
            .finish()
    }
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("shared", &self.shared)
            .finish()
    }
}
