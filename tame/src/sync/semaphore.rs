//! [`Semaphore`]: a count of permits for tasks, FIFO.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use super::queue::{any_live, bury, reap_dead, Reap, WaitQueue, Watch};
use crate::driver::DropEach;
use crate::Event;

/// A count of permits that tasks wait for through events: at most that
/// many holders at once (a window of concurrent lookups, connections,
/// jobs).
///
/// [`acquire`](Semaphore::acquire) delivers a [`Permit`] when one is free;
/// waiters are served in the order they asked. The permit goes back when
/// it is dropped, so a holder that returns, panics or is cancelled gives
/// it back with its other variables. A waiter whose event was dropped (or
/// can no longer be delivered: its rendezvous gone, its function
/// cancelled) takes no permit: it is dropped on the loop's next turn, with
/// what its event holds, wherever it waits in the queue. `Clone` gives
/// another handle to the same count.
///
/// # Examples
///
/// Ten jobs, at most three at a time:
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use tame::sync::{Permit, Semaphore};
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn job(window: Semaphore, running: Rc<Cell<u32>>, most: Rc<Cell<u32>>) {
///     let permit: Permit;
///     twait! { window.acquire(mkevent!(permit)); }
///     running.set(running.get() + 1);
///     most.set(most.get().max(running.get()));
///     twait! { tame::timer(Duration::from_millis(1), mkevent!()); }
///     running.set(running.get() - 1);
///     drop(permit);
/// }
///
/// let window = Semaphore::new(3);
/// let (running, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
/// for _ in 0..10 {
///     job(window.clone(), running.clone(), most.clone());
/// }
/// tame::run();
/// assert_eq!(most.get(), 3);
/// assert_eq!(window.available(), 3);
/// ```
#[derive(Clone)]
pub struct Semaphore {
    inner: Rc<Inner>,
}

struct Inner {
    available: Cell<usize>,
    /// Free and held: what `add_permits` may not take past `usize::MAX`
    /// (a permit coming back could not be counted).
    total: Cell<usize>,
    waiters: RefCell<WaitQueue<Event<Permit>>>,
    /// The loop's watch on the queued waiters' events.
    watch: Watch,
    /// [`Semaphore::close`]d: no permit is handed out any more.
    closed: Cell<bool>,
}

/// One of a [`Semaphore`]'s permits: it goes back when this is dropped.
///
/// # Examples
///
/// ```
/// let s = tame::sync::Semaphore::new(1);
/// let permit = s.try_acquire().expect("one is free");
/// assert!(s.try_acquire().is_none());
/// drop(permit);
/// assert_eq!(s.available(), 1);
/// ```
#[must_use = "dropping the permit gives it back at once"]
pub struct Permit {
    inner: Rc<Inner>,
}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(2);
    /// assert_eq!(s.available(), 2);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            inner: Rc::new(Inner {
                available: Cell::new(permits),
                total: Cell::new(permits),
                waiters: RefCell::new(WaitQueue::new()),
                watch: Watch::default(),
                closed: Cell::new(false),
            }),
        }
    }

    /// Triggers `ev` with a permit: at once if one is free and nobody waits
    /// before it, else when one comes back. On a [`close`](Self::close)d
    /// semaphore, `ev` is dropped at once (the wait ends, its slot
    /// unchanged).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(1);
    /// let r = tame::Rendezvous::<u8>::new();
    /// let (first, p1) = r.event_with_slot(1);
    /// s.acquire(first); // free: granted at once
    /// let (second, p2) = r.event_with_slot(2);
    /// s.acquire(second); // waits
    /// assert_eq!((s.available(), s.waiting()), (0, 1));
    /// drop(p1.take()); // the first permit goes back, to the second waiter
    /// assert!(p2.take().is_some());
    /// ```
    pub fn acquire(&self, ev: Event<Permit>) {
        // An event nobody listens to takes no permit, and waits for none.
        if !ev.is_live() || self.inner.closed.get() {
            return;
        }
        if let Some(permit) = self.try_acquire() {
            ev.trigger(permit);
            return;
        }
        let inner = &self.inner;
        let watch = inner.watch.waiter(inner);
        inner.waiters.borrow_mut().push_back(ev, watch);
        Inner::grant(inner);
    }

    /// A permit now, if one is free and nobody waits for one (a waiter
    /// asked first and keeps its place), and the semaphore is not closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(1);
    /// let held = s.try_acquire();
    /// assert!(held.is_some());
    /// assert!(s.try_acquire().is_none());
    /// ```
    #[must_use = "the permit is given back when dropped: keep it while the work it guards runs"]
    pub fn try_acquire(&self) -> Option<Permit> {
        // Dead waiters are dropped first: their drops are user code, which
        // may take permits (or queue a waiter), so what is free is read
        // after them.
        let waited_for = any_live(&self.inner.waiters);
        let free = self.inner.available.get();
        if free == 0 || waited_for || self.inner.closed.get() {
            return None;
        }
        self.inner.available.set(free - 1);
        Some(Permit {
            inner: self.inner.clone(),
        })
    }

    /// Adds `n` permits (a window that grows), serving waiters at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(0);
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, permit) = r.event_with_slot(());
    /// s.acquire(ev);
    /// s.add_permits(2);
    /// let held = permit.take();
    /// assert!(held.is_some());
    /// assert_eq!(s.available(), 1);
    /// ```
    ///
    /// # Panics
    ///
    /// If the semaphore would have more than `usize::MAX` permits, free
    /// and held together.
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        let total = &self.inner.total;
        total.set(
            total
                .get()
                .checked_add(n)
                .expect("a Semaphore cannot have more than usize::MAX permits, free and held"),
        );
        let a = &self.inner.available;
        a.set(a.get() + n);
        Inner::grant(&self.inner);
    }

    /// How many permits are free now.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(3);
    /// let _p = s.try_acquire();
    /// assert_eq!(s.available(), 2);
    /// ```
    pub fn available(&self) -> usize {
        self.inner.available.get()
    }

    /// How many waiters are queued (including any whose events died since
    /// the loop's last turn: see [`sync`](crate::sync)).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(0);
    /// let r = tame::Rendezvous::<()>::new();
    /// s.acquire(r.event_with_slot(()).0);
    /// assert_eq!(s.waiting(), 1);
    /// ```
    pub fn waiting(&self) -> usize {
        self.inner.waiters.borrow().len()
    }

    /// Closes the semaphore, as tokio's `Semaphore::close`: the waiters
    /// queued now get their events dropped (their twaits end, their slots
    /// unchanged), later [`acquire`](Self::acquire)s are dropped at once and
    /// [`try_acquire`](Self::try_acquire) gives `None`. Permits held stay
    /// valid; they still come back to the count when dropped. For a server
    /// that stops: the connections queued for a slot are let go.
    ///
    /// A waiter whose slot had no value (`let permit: Permit;`, as in the
    /// type's example) panics at its wait then, as for any event dropped
    /// untriggered: where the semaphore may close, wait with an `Option`
    /// slot, `let mut permit: Option<Permit> = None;` and
    /// `s.acquire(mkevent!(permit).map(Some))`, and leave on `None` (tokio's
    /// `AcquireError`).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(1);
    /// let held = s.try_acquire().unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, permit) = r.event_with_slot(());
    /// s.acquire(ev); // waits behind `held`
    /// s.close();
    /// assert!(s.is_closed());
    /// assert_eq!(s.waiting(), 0);
    /// assert_eq!(r.try_next(), Some(())); // its wait ended, with no permit
    /// assert!(permit.take().is_none());
    /// drop(held);
    /// assert_eq!(s.available(), 1);
    /// assert!(s.try_acquire().is_none());
    /// ```
    pub fn close(&self) {
        self.inner.closed.set(true);
        // Taken out before any is dropped, each dropped under its own
        // catch: a waiter's callback may panic on its `None`.
        let waiters = DropEach(self.inner.waiters.borrow_mut().take_all());
        drop(waiters);
        bury(&self.inner.waiters);
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = tame::sync::Semaphore::new(1);
    /// assert!(!s.is_closed());
    /// s.close();
    /// assert!(s.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }
}

impl Inner {
    /// Hands free permits to the waiters at the head of the queue; then
    /// drops the dead waiters it skipped (no borrow held: their events'
    /// drops may give permits back, which grants again).
    fn grant(this: &Rc<Inner>) {
        // A waiter's callback that panics with its permit kept (the permit
        // does not come back to grant again) does not leave the waiters
        // behind it waiting while permits are free.
        crate::driver::again_if_panics(this, Inner::grant_live);
        bury(&this.waiters);
    }

    fn grant_live(this: &Rc<Inner>) {
        loop {
            let free = this.available.get();
            if free == 0 || this.closed.get() {
                return;
            }
            let Some(ev) = this.waiters.borrow_mut().pop_live() else {
                return;
            };
            this.available.set(free - 1);
            // No borrow is held: a trigger only queues its waiter (and a
            // permit it cannot deliver comes back through its drop).
            ev.trigger(Permit {
                inner: this.clone(),
            });
        }
    }
}

impl Reap for Inner {
    fn reap(self: Rc<Self>, seq: Option<u32>) {
        reap_dead(&self.waiters, seq);
        Inner::grant(&self);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let a = &self.inner.available;
        a.set(a.get() + 1);
        Inner::grant(&self.inner);
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("waiting", &self.waiting())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}
