//! [`Mutex`]: a lock for tasks, exclusive or shared, FIFO.

use std::cell::{Cell, OnceCell, RefCell};
use std::fmt;
use std::rc::{Rc, Weak};

use super::queue::{bury, WaitQueue, Waiter};
use crate::driver::{self, Ready, Registration, Token};
use crate::Event;

/// A lock that tasks wait for through events (Tamer's `tamer::mutex`).
///
/// [`acquire`](Mutex::acquire) waits for exclusive use,
/// [`acquire_shared`](Mutex::acquire_shared) for use shared with other
/// shared holders. Waiters are served in the order they asked: a shared
/// waiter behind an exclusive one waits for it, and every shared waiter at
/// the head of the queue is let in together. The [`Guard`] an event
/// delivers holds the lock until it is dropped; a waiter whose event was
/// dropped (or can no longer be delivered) is skipped, and if it was the
/// exclusive waiter that kept shared waiters behind it from the shared
/// holders, they are let in on the loop's next turn at the latest.
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
    /// Made the first time the head waiter's event is watched (see
    /// [`Inner::grant`]).
    watcher: OnceCell<Rc<Watcher>>,
}

struct Waiting {
    shared: bool,
    ev: Event<Guard>,
    /// Its event is watched under the lock's [`Watcher`].
    watched: Cell<bool>,
}

/// What the loop tells when the watched event of a lock's head waiter
/// dies: a registration with no descriptor. The queue skips a dead waiter
/// only when the lock looks at its head, at a new waiter or a release; the
/// death of an exclusive waiter that keeps shared waiters from the shared
/// holders is neither, and without this they would wait for the next
/// release, or forever (`run()` returning under them).
struct Watcher {
    inner: Weak<Inner>,
    token: Token,
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

    /// How many waiters are queued (including some whose events died, not
    /// yet swept out: see [`sync`](crate::sync)).
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
        self.inner.waiters.borrow_mut().push_back(Waiting {
            shared,
            ev,
            watched: Cell::new(false),
        });
        Inner::grant(&self.inner);
    }
}

impl Inner {
    /// Lets in whoever the queue's head allows: one exclusive waiter, or
    /// every shared waiter up to the next exclusive one; then drops the dead
    /// waiters it skipped (no borrow held: their events' drops may release
    /// guards, which grants again).
    fn grant(this: &Rc<Inner>) {
        Inner::grant_live(this);
        bury(&this.waiters);
    }

    fn grant_live(this: &Rc<Inner>) {
        loop {
            let next = {
                let mut waiters = this.waiters.borrow_mut();
                // Waiters nobody listens to any more are skipped.
                if waiters.front_live().is_none() {
                    return;
                }
                let others_behind = waiters.len() > 1;
                let Some(front) = waiters.front_live() else {
                    return;
                };
                let fits = match (this.held.get(), front.shared) {
                    (None, _) => true,
                    (Some(n), true) => n > 0,
                    (Some(_), false) => false,
                };
                if !fits {
                    // An exclusive waiter kept from shared holders keeps
                    // the shared waiters behind it out too: its death must
                    // let them in (see `Watcher`). Behind an exclusive
                    // holder, the release looks at the head anyway.
                    let shared_holders = this.held.get().is_some_and(|n| n > 0);
                    if shared_holders && others_behind && !front.watched.get() {
                        if let Some(token) = Inner::watcher(this) {
                            front.watched.set(front.ev.watch(token));
                        }
                    }
                    return;
                }
                waiters.pop_live()
            };
            let Some(w) = next else { return };
            if w.watched.get() {
                w.ev.unwatch();
            }
            this.held.set(Some(if w.shared {
                this.held.get().unwrap_or(0) + 1
            } else {
                0
            }));
            let guard = Guard {
                inner: this.clone(),
                shared: w.shared,
            };
            // No borrow is held: a trigger only queues its waiter.
            w.ev.trigger(guard);
        }
    }

    /// The token the lock's waiters are watched under, registered on first
    /// use (`None` once the thread's loop is gone).
    fn watcher(this: &Rc<Inner>) -> Option<Token> {
        if let Some(w) = this.watcher.get() {
            return Some(w.token);
        }
        let watcher = Rc::new_cyclic(|me: &Weak<Watcher>| {
            let me: Weak<dyn Registration> = me.clone();
            Watcher {
                inner: Rc::downgrade(this),
                // A dead token (0: never a registration's) if the loop is
                // gone: the watch then reaches nobody.
                token: driver::register_watcher(me).unwrap_or(Token(0)),
            }
        });
        let token = watcher.token;
        (token != Token(0)).then(|| this.watcher.get_or_init(|| watcher).token)
    }
}

impl Registration for Watcher {
    /// Never reported: no descriptor.
    fn ready(self: Rc<Self>, _ready: Ready) {}

    /// The head waiter's event died: the waiters it kept out go in now.
    fn reap(&self) {
        if let Some(inner) = self.inner.upgrade() {
            Inner::grant(&inner);
        }
    }

    fn token(&self) -> Token {
        self.token
    }

    /// The lock parks no wait of the loop's count: its waiters' events go
    /// with the tasks that hold the lock and its handles.
    fn teardown(&self) {}
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if self.token != Token(0) {
            driver::unregister(self.token);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The waiters' events come back untriggered: the one watched
        // forgets its watch first, as a parked wait's does.
        if let Some(front) = self.waiters.get_mut().front_live() {
            if front.watched.get() {
                front.ev.unwatch();
            }
        }
    }
}

impl Waiter for Waiting {
    fn is_live(&self) -> bool {
        self.ev.is_live()
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
        f.debug_struct("Mutex")
            .field("held", &self.inner.held.get())
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
