//! [`WaitQueue`]: the waiters of a [`Mutex`](super::Mutex),
//! [`Semaphore`](super::Semaphore) or [`Channel`](super::Channel), in the
//! order they came, forgetting those nobody listens to any more.
//!
//! A waiter whose event died (its rendezvous dropped after a timeout gave
//! up) is dropped on the loop's next turn, wherever it is in the queue:
//! every queued waiter's event is watched under its primitive's [`Watch`],
//! and the loop tells the primitive when one dies ([`Reap`]). What the
//! waiter's event held (a `map` closure's captures: a permit, a guard) goes
//! with it then, not when the head reaches it. A report finds the dead
//! waiters at the head first (waiters that give up in the order they came,
//! as with one timeout for all, cost one step each); only when there are
//! none there is the whole queue looked at, so waiters giving up in
//! another order cost a look at the queue each (a watch per waiter would
//! say which one died, at an allocation per waiter). A waiter found dead at the
//! head is skipped at once; and a queue that grows while the loop does not
//! turn (waiters queued and given up in one go) is swept of its dead
//! waiters whenever it has doubled since its last sweep, so it holds at
//! most about twice its live waiters, at a constant cost per waiter.
//!
//! A waiter served at once is never queued, so never watched: the costs
//! are the contended path's.

use std::cell::{OnceCell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use crate::driver::{self, DropEach, Ready, Registration, Token};
use crate::Event;

/// What a queue holds: something whose event may die.
pub(crate) trait Waiter {
    /// Whether triggering its event would still reach anybody.
    fn is_live(&self) -> bool;

    /// Watches its event under `token` (see [`Event::watch`]); returns
    /// whether it is watched (a dead event is not).
    fn watch(&self, token: Token) -> bool;

    /// Forgets the watch [`watch`](Waiter::watch) made.
    fn unwatch(&self);
}

impl<T> Waiter for Event<T> {
    fn is_live(&self) -> bool {
        Event::is_live(self)
    }

    fn watch(&self, token: Token) -> bool {
        Event::watch(self, token)
    }

    fn unwatch(&self) {
        Event::unwatch(self);
    }
}

/// Below this many waiters a queue is not swept.
const FIRST_SWEEP: usize = 32;

/// A waiter in the queue, and whether its event is watched.
struct Queued<W> {
    w: W,
    watched: bool,
}

impl<W: Waiter> Queued<W> {
    /// The waiter, its watch forgotten: it leaves the queue.
    fn leave(self) -> W {
        if self.watched {
            self.w.unwatch();
        }
        self.w
    }
}

/// A FIFO of waiters that drops the dead ones (see the module's docs).
///
/// A dead waiter is not dropped where it is found, under the borrow of
/// the queue its owner holds: its event's drop is user code (a `map`
/// closure's captures: a permit, a guard, a value whose `Drop` sends on the
/// same channel), which may use the same primitive. It is set aside, for
/// [`bury`] to drop once the owner's borrow is released.
///
/// When the queue is dropped (with its primitive), its waiters' events
/// come back untriggered, each watched one forgetting its watch first, as
/// a parked wait's does.
pub(crate) struct WaitQueue<W: Waiter> {
    waiters: VecDeque<Queued<W>>,
    /// The length at which the next push sweeps the queue first.
    sweep_at: usize,
    /// Dead waiters taken out, not dropped yet (see [`bury`]).
    dead: Vec<W>,
}

/// Drops the dead waiters `q` set aside, with no borrow of it held (see
/// [`WaitQueue`]). Call it after every use of a queue that may skip or
/// sweep waiters, once the borrow is released. Returns whether it dropped
/// any.
pub(crate) fn bury<W: Waiter>(q: &RefCell<WaitQueue<W>>) -> bool {
    let dead = match q.try_borrow_mut() {
        Ok(mut q) if !q.dead.is_empty() => std::mem::take(&mut q.dead),
        _ => return false,
    };
    driver::drop_each(dead);
    true
}

/// Whether a live waiter is queued in `q`, the dead ones before the first
/// live one dropped (no borrow held). Their drops are user code, which may
/// change what the primitive has free (give a permit back, release a
/// guard): read that after this.
pub(crate) fn any_live<W: Waiter>(q: &RefCell<WaitQueue<W>>) -> bool {
    loop {
        let live = q.borrow_mut().front_live().is_some();
        if !bury(q) {
            return live;
        }
    }
}

/// Sets aside the dead waiters of `q` a death report is about, and drops
/// them with no borrow held: what a [`Reap`] does first, once per waiter
/// whose event died. Those at the head if there are any: waiters that
/// give up in the order they came (one timeout for all) cost one step
/// each, not a look at the whole queue each, which made a queue of
/// waiters timing out one by one quadratic (20,000 took 7 s). Else every
/// dead waiter, wherever it is.
pub(crate) fn reap_dead<W: Waiter>(q: &RefCell<WaitQueue<W>>) {
    if let Ok(mut q) = q.try_borrow_mut() {
        if !q.remove_dead_head() {
            q.remove_dead();
        }
    }
    bury(q);
}

impl<W: Waiter> WaitQueue<W> {
    pub(crate) fn new() -> Self {
        WaitQueue {
            waiters: VecDeque::new(),
            sweep_at: FIRST_SWEEP,
            dead: Vec::new(),
        }
    }

    /// Queues `w` behind the others, its event watched under `watch` (the
    /// primitive's [`Watch::token`]) if given.
    pub(crate) fn push_back(&mut self, w: W, watch: Option<Token>) {
        if self.waiters.len() >= self.sweep_at {
            self.remove_dead();
            self.sweep_at = (2 * self.waiters.len()).max(FIRST_SWEEP);
        }
        let watched = watch.is_some_and(|token| w.watch(token));
        self.waiters.push_back(Queued { w, watched });
    }

    /// Sets aside every dead waiter, keeping the others' order.
    fn remove_dead(&mut self) {
        if self.waiters.iter().all(|q| q.w.is_live()) {
            return;
        }
        let all = std::mem::take(&mut self.waiters);
        for q in all {
            if q.w.is_live() {
                self.waiters.push_back(q);
            } else {
                self.dead.push(q.leave());
            }
        }
    }

    /// Sets aside the dead waiters at the head; returns whether there were
    /// any.
    fn remove_dead_head(&mut self) -> bool {
        let mut any = false;
        while self.waiters.front().is_some_and(|q| !q.w.is_live()) {
            self.dead
                .extend(crate::trim::pop_front(&mut self.waiters).map(Queued::leave));
            any = true;
        }
        any
    }

    /// The first live waiter, the dead ones before it set aside.
    pub(crate) fn front_live(&mut self) -> Option<&W> {
        self.remove_dead_head();
        self.waiters.front().map(|q| &q.w)
    }

    /// Takes the first live waiter (to serve it: its watch is forgotten),
    /// the dead ones before it set aside.
    pub(crate) fn pop_live(&mut self) -> Option<W> {
        self.front_live()?;
        // (A queue a burst of waiters grew gives its buffer back as it
        // drains, as a channel's values do.)
        crate::trim::pop_front(&mut self.waiters).map(Queued::leave)
    }

    /// Takes every waiter, live or not, their watches forgotten.
    pub(crate) fn take_all(&mut self) -> Vec<W> {
        self.sweep_at = FIRST_SWEEP;
        std::mem::take(&mut self.waiters)
            .into_iter()
            .map(Queued::leave)
            .collect()
    }

    /// How many are queued, counting dead ones not dropped yet.
    pub(crate) fn len(&self) -> usize {
        self.waiters.len()
    }
}

impl<W: Waiter> Default for WaitQueue<W> {
    fn default() -> Self {
        WaitQueue::new()
    }
}

impl<W: Waiter> Drop for WaitQueue<W> {
    fn drop(&mut self) {
        for q in &self.waiters {
            if q.watched {
                q.w.unwatch();
            }
        }
        // Each event's callback runs with `None` here, and one may panic:
        // the others are then dropped from the loop's queue, not in that
        // unwind, where a second panic would abort the process.
        let waiters: Vec<W> = self.waiters.drain(..).map(|q| q.w).collect();
        let dead = std::mem::take(&mut self.dead);
        drop(DropEach(dead));
        drop(DropEach(waiters));
    }
}

/// A primitive whose queued waiters are watched: told, through its
/// [`Watch`], when some of their events died.
pub(crate) trait Reap {
    /// Some watched waiters died: drop every dead waiter (see
    /// [`reap_dead`]), then serve whoever they kept waiting.
    fn reap(self: Rc<Self>);
}

/// The watcher of a primitive's queued waiters: one registration with the
/// loop, with no descriptor, made the first time a waiter is queued (see
/// [`Watch::token`]) and removed when the primitive goes. When a watched
/// event dies, the loop calls its [`Registration::reap`] on its next turn,
/// which hands over to the primitive's [`Reap`].
#[derive(Default)]
pub(crate) struct Watch(OnceCell<Rc<Watcher>>);

struct Watcher {
    owner: Weak<dyn Reap>,
    token: Token,
}

impl Watch {
    /// The token `owner`'s waiters are watched under, registered on first
    /// use (`None` once the thread's loop is gone).
    pub(crate) fn token<R: Reap + 'static>(&self, owner: &Rc<R>) -> Option<Token> {
        if let Some(w) = self.0.get() {
            return Some(w.token);
        }
        let owner: Weak<dyn Reap> = Rc::downgrade(owner) as Weak<dyn Reap>;
        let watcher = Rc::new_cyclic(|me: &Weak<Watcher>| {
            let me: Weak<dyn Registration> = me.clone();
            Watcher {
                owner,
                // A dead token (0: never a registration's) if the loop is
                // gone: nothing is watched then.
                token: driver::register_watcher(me).unwrap_or(Token(0)),
            }
        });
        let token = watcher.token;
        (token != Token(0)).then(|| self.0.get_or_init(|| watcher).token)
    }
}

impl Registration for Watcher {
    /// Never reported: no descriptor.
    fn ready(self: Rc<Self>, _ready: Ready) {}

    /// A watched waiter's event died: the primitive drops its dead waiters
    /// and serves again.
    fn reap(&self) {
        if let Some(owner) = self.owner.upgrade() {
            owner.reap();
        }
    }

    fn token(&self) -> Token {
        self.token
    }

    /// The primitive parks no wait of the loop's count: its waiters' events
    /// go with the tasks that hold its handles.
    fn teardown(&self) {}
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if self.token != Token(0) {
            driver::unregister(self.token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct W(bool);

    impl Waiter for W {
        fn is_live(&self) -> bool {
            self.0
        }

        fn watch(&self, _: Token) -> bool {
            self.0
        }

        fn unwatch(&self) {}
    }

    #[test]
    fn dead_waiters_behind_a_live_head_stay_within_twice_the_live_ones() {
        let mut q = WaitQueue::new();
        q.push_back(W(true), None);
        for _ in 0..100_000 {
            q.push_back(W(false), None);
            assert!(q.len() <= FIRST_SWEEP + 1, "{}", q.len());
        }
        for _ in 0..1000 {
            q.push_back(W(true), None);
        }
        for _ in 0..100_000 {
            q.push_back(W(false), None);
            assert!(q.len() <= 2 * 1001 + 1, "{}", q.len());
        }
        // Order kept: the live head is still first.
        assert!(q.pop_live().is_some_and(|w| w.0));
    }

    #[test]
    fn the_head_skips_dead_waiters() {
        let mut q = WaitQueue::new();
        q.push_back(W(false), None);
        q.push_back(W(false), None);
        q.push_back(W(true), None);
        assert!(q.front_live().is_some());
        assert_eq!(q.len(), 1);
        assert!(q.pop_live().is_some());
        assert!(q.pop_live().is_none());
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn reaping_takes_dead_waiters_from_anywhere_in_order() {
        let q = RefCell::new(WaitQueue::new());
        for live in [true, false, true, false, false, true] {
            q.borrow_mut().push_back(W(live), None);
        }
        reap_dead(&q);
        let mut q = q.into_inner();
        assert_eq!(q.len(), 3);
        assert!(q.dead.is_empty(), "buried");
        for _ in 0..3 {
            assert!(q.pop_live().is_some_and(|w| w.0));
        }
    }

    /// A waiter whose liveness is shared with the test, and counts the
    /// looks at it.
    struct Shared(Rc<std::cell::Cell<bool>>, Rc<std::cell::Cell<usize>>);

    impl Waiter for Shared {
        fn is_live(&self) -> bool {
            self.1.set(self.1.get() + 1);
            self.0.get()
        }

        fn watch(&self, _: Token) -> bool {
            self.0.get()
        }

        fn unwatch(&self) {}
    }

    /// Waiters giving up one at a time in the order they came (one timeout
    /// for all), each reported on a turn of its own: each report looked at
    /// the whole queue, n * n / 2 looks in all.
    #[test]
    fn waiters_giving_up_in_order_cost_a_step_each() {
        let n = 1000;
        let looks = Rc::new(std::cell::Cell::new(0));
        let q = RefCell::new(WaitQueue::new());
        let lives: Vec<_> = (0..n)
            .map(|_| Rc::new(std::cell::Cell::new(true)))
            .collect();
        for live in &lives {
            q.borrow_mut()
                .push_back(Shared(live.clone(), looks.clone()), None);
        }
        looks.set(0);
        for live in &lives {
            live.set(false);
            reap_dead(&q);
        }
        assert_eq!(q.borrow().len(), 0);
        assert!(
            looks.get() <= 3 * n,
            "{} looks for {n} waiters",
            looks.get()
        );
    }

    /// Out of order, the dead waiter is found wherever it is.
    #[test]
    fn a_waiter_giving_up_behind_a_live_head_is_reaped_at_once() {
        let looks = Rc::new(std::cell::Cell::new(0));
        let q = RefCell::new(WaitQueue::new());
        let lives: Vec<_> = (0..3)
            .map(|_| Rc::new(std::cell::Cell::new(true)))
            .collect();
        for live in &lives {
            q.borrow_mut()
                .push_back(Shared(live.clone(), looks.clone()), None);
        }
        lives[1].set(false);
        reap_dead(&q);
        assert_eq!(q.borrow().len(), 2);
        lives[2].set(false);
        lives[0].set(false);
        reap_dead(&q);
        reap_dead(&q);
        assert_eq!(q.borrow().len(), 0);
    }
}
