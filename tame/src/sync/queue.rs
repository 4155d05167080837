//! [`WaitQueue`]: the waiters of a [`Mutex`](super::Mutex),
//! [`Semaphore`](super::Semaphore) or [`Channel`](super::Channel), in the
//! order they came, forgetting those nobody listens to any more.
//!
//! A waiter whose event died (its rendezvous dropped after a timeout gave
//! up) is dropped on the loop's next turn, wherever it is in the queue:
//! every queued waiter's event is watched, for its primitive's [`Watch`],
//! under an id of its own that carries the number the primitive gave it
//! when it was queued, and the loop hands that number to the primitive
//! when the event dies ([`Reap`]). The queue is in the order of those
//! numbers, so the dead waiter is found by a binary search, whatever order
//! the waiters give up in: what its event held (a `map` closure's
//! captures: a permit, a guard) goes with it then, not when the head
//! reaches it. Its place is left empty (taking it out of the middle would
//! move half the queue), and the queue is compacted when more than half of
//! it (and more than 32 places) is empty places; the head skips them, and a
//! dead waiter there, at once. A queue that grows while the loop does not turn (waiters queued
//! and given up in one go) is swept of its dead waiters whenever it has
//! doubled since its last sweep, so it holds at most about twice its live
//! waiters, at a constant cost per waiter.
//!
//! A waiter served at once is never queued, so never watched: the costs
//! are the contended path's.

use std::cell::{Cell, OnceCell, RefCell};
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

/// A waiter in the queue (`None` once it is taken out dead: see
/// [`WaitQueue::reap_waiter`]), its number, and whether its event is
/// watched.
struct Queued<W> {
    w: Option<W>,
    seq: u64,
    watched: bool,
}

impl<W: Waiter> Queued<W> {
    /// The waiter, its watch forgotten: it leaves the queue.
    fn leave(&mut self) -> Option<W> {
        let w = self.w.take()?;
        if self.watched {
            w.unwatch();
        }
        Some(w)
    }

    /// Whether the waiter is still there and its event live.
    fn is_live(&self) -> bool {
        self.w.as_ref().is_some_and(W::is_live)
    }
}

/// How a queued waiter's event is watched: under its own id, for its
/// primitive's registration, with its number (see [`Watch::waiter`]).
#[derive(Clone, Copy)]
pub(crate) struct WaiterWatch {
    id: Token,
    seq: u64,
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
    /// In the order of their numbers, which is the order they came in.
    waiters: VecDeque<Queued<W>>,
    /// Places of `waiters` whose waiter was taken out.
    empty: usize,
    /// The number of the last waiter queued.
    last_seq: u64,
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
/// whose event died. With the dead waiter's number (`seq`, as the loop
/// reports it), that waiter, found by a binary search, and the dead ones
/// at the head: waiters giving up in any order cost a few steps each (one
/// look at the whole queue each made 20,000 waiters giving up one by one
/// quadratic). Without one, or if the number does not tell which waiter it
/// is (one queued 2^28 waiters before another still queued), the dead ones
/// at the head if there are any, else every dead waiter, wherever it is.
pub(crate) fn reap_dead<W: Waiter>(q: &RefCell<WaitQueue<W>>, seq: Option<u32>) {
    if let Ok(mut q) = q.try_borrow_mut() {
        let found = seq.is_some_and(|seq| q.reap_waiter(seq));
        if !q.remove_dead_head() && !found {
            q.remove_dead();
        }
    }
    bury(q);
}

impl<W: Waiter> WaitQueue<W> {
    pub(crate) fn new() -> Self {
        WaitQueue {
            waiters: VecDeque::new(),
            empty: 0,
            last_seq: 0,
            sweep_at: FIRST_SWEEP,
            dead: Vec::new(),
        }
    }

    /// Queues `w` behind the others, its event watched as `watch` (from
    /// the primitive's [`Watch::waiter`]) says, if given.
    pub(crate) fn push_back(&mut self, w: W, watch: Option<WaiterWatch>) {
        if self.waiters.len() >= self.sweep_at {
            self.remove_dead();
            self.sweep_at = (2 * self.waiters.len()).max(FIRST_SWEEP);
        }
        // (A waiter not watched, with the loop gone, is never reported:
        // it shares the number of the one before it.)
        if let Some(watch) = watch {
            self.last_seq = watch.seq;
        }
        let watched = watch.is_some_and(|watch| w.watch(watch.id));
        self.waiters.push_back(Queued {
            w: Some(w),
            seq: self.last_seq,
            watched,
        });
    }

    /// Sets aside the waiter whose number ends in the bits `seq` if it is
    /// dead, leaving its place empty; returns whether the bits tell which
    /// waiter it is (if none of this queue has that number, it left, or it
    /// is another queue's of the same primitive).
    fn reap_waiter(&mut self, seq: u32) -> bool {
        let (Some(first), Some(last)) = (self.waiters.front(), self.waiters.back()) else {
            return true;
        };
        let Some(seq) = driver::waiter_number(first.seq, last.seq, seq) else {
            return false;
        };
        let at = self.waiters.partition_point(|q| q.seq < seq);
        if let Some(q) = self.waiters.get_mut(at) {
            if q.seq == seq && q.w.as_ref().is_some_and(|w| !w.is_live()) {
                self.dead.extend(q.leave());
                self.empty += 1;
                if self.empty > FIRST_SWEEP && 2 * self.empty > self.waiters.len() {
                    self.compact();
                }
            }
        }
        true
    }

    /// Drops the empty places, keeping the others' order.
    fn compact(&mut self) {
        self.waiters.retain(|q| q.w.is_some());
        self.empty = 0;
        // (The buffer a burst grew goes back as the burst dies, as it does
        // as it is served.)
        crate::trim::after_removal(&mut self.waiters);
        self.lower_sweep();
    }

    /// A queue that shrank to a quarter of what it was at its last sweep
    /// is swept again when it has doubled from where it is now: its bound
    /// of twice its live waiters holds after a burst too.
    fn lower_sweep(&mut self) {
        if self.sweep_at > FIRST_SWEEP && 4 * self.waiters.len() <= self.sweep_at {
            self.sweep_at = (2 * self.waiters.len()).max(FIRST_SWEEP);
        }
    }

    /// Sets aside every dead waiter, keeping the others' order.
    fn remove_dead(&mut self) {
        if self.empty == 0 && self.waiters.iter().all(Queued::is_live) {
            return;
        }
        let all = std::mem::take(&mut self.waiters);
        for mut q in all {
            if q.is_live() {
                self.waiters.push_back(q);
            } else {
                self.dead.extend(q.leave());
            }
        }
        self.empty = 0;
    }

    /// Sets aside the dead waiters at the head, and drops its empty places;
    /// returns whether there were dead waiters.
    fn remove_dead_head(&mut self) -> bool {
        let mut any = false;
        while let Some(q) = self.waiters.front_mut() {
            if q.w.is_none() {
                self.empty -= 1;
            } else if q.is_live() {
                break;
            } else {
                self.dead.extend(q.leave());
                any = true;
            }
            crate::trim::pop_front(&mut self.waiters);
        }
        self.lower_sweep();
        any
    }

    /// The first live waiter, the dead ones before it set aside.
    pub(crate) fn front_live(&mut self) -> Option<&W> {
        self.remove_dead_head();
        self.waiters.front().and_then(|q| q.w.as_ref())
    }

    /// Takes the first live waiter (to serve it: its watch is forgotten),
    /// the dead ones before it set aside.
    pub(crate) fn pop_live(&mut self) -> Option<W> {
        self.front_live()?;
        // (A queue a burst of waiters grew gives its buffer back as it
        // drains, as a channel's values do.)
        let q = crate::trim::pop_front(&mut self.waiters);
        self.lower_sweep();
        q.and_then(|mut q| q.leave())
    }

    /// Takes every waiter, live or not, their watches forgotten.
    pub(crate) fn take_all(&mut self) -> Vec<W> {
        self.sweep_at = FIRST_SWEEP;
        self.empty = 0;
        std::mem::take(&mut self.waiters)
            .into_iter()
            .filter_map(|mut q| q.leave())
            .collect()
    }

    /// How many are queued, counting dead ones not dropped yet.
    pub(crate) fn len(&self) -> usize {
        self.waiters.len() - self.empty
    }
}

impl<W: Waiter> Default for WaitQueue<W> {
    fn default() -> Self {
        WaitQueue::new()
    }
}

impl<W: Waiter> Drop for WaitQueue<W> {
    fn drop(&mut self) {
        // Each event's callback runs with `None` here, and one may panic:
        // the others are then dropped from the loop's queue, not in that
        // unwind, where a second panic would abort the process.
        let waiters: Vec<W> = self
            .waiters
            .drain(..)
            .filter_map(|mut q| q.leave())
            .collect();
        let dead = std::mem::take(&mut self.dead);
        drop(DropEach(dead));
        drop(DropEach(waiters));
    }
}

/// A primitive whose queued waiters are watched: told, through its
/// [`Watch`], when some of their events died.
pub(crate) trait Reap {
    /// Watched waiters died: the one numbered `seq` (the low bits of its
    /// number), or any if `None`. Drop the dead waiters (see
    /// [`reap_dead`]), then serve whoever they kept waiting.
    fn reap(self: Rc<Self>, seq: Option<u32>);
}

/// The watcher of a primitive's queued waiters: one registration with the
/// loop, with no descriptor, made the first time a waiter is queued (see
/// [`Watch::waiter`]) and removed when the primitive goes, and the
/// numbering of the waiters. When a watched event dies, the loop calls its
/// [`Registration::reap_waiter`] on its next turn with the waiter's
/// number, which hands over to the primitive's [`Reap`].
#[derive(Default)]
pub(crate) struct Watch {
    watcher: OnceCell<Rc<Watcher>>,
    /// The number of the last waiter watched.
    last_seq: Cell<u64>,
}

struct Watcher {
    owner: Weak<dyn Reap>,
    token: Token,
}

impl Watch {
    /// How to watch the next waiter `owner` queues: its number, and the id
    /// its event reports when it dies (`None` once the thread's loop is
    /// gone). The registration is made on first use.
    pub(crate) fn waiter<R: Reap + 'static>(&self, owner: &Rc<R>) -> Option<WaiterWatch> {
        let token = match self.watcher.get() {
            Some(w) => w.token,
            None => self.register(owner)?,
        };
        let seq = self.last_seq.get() + 1;
        self.last_seq.set(seq);
        Some(WaiterWatch {
            id: driver::waiter_id(token, seq),
            seq,
        })
    }

    #[cold]
    fn register<R: Reap + 'static>(&self, owner: &Rc<R>) -> Option<Token> {
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
        (token != Token(0)).then(|| self.watcher.get_or_init(|| watcher).token)
    }
}

impl Registration for Watcher {
    /// Never reported: no descriptor.
    fn ready(self: Rc<Self>, _ready: Ready) {}

    /// Some watched waiter's event died: the primitive drops its dead
    /// waiters and serves again.
    fn reap(&self) {
        if let Some(owner) = self.owner.upgrade() {
            owner.reap(None);
        }
    }

    /// The waiter numbered `seq` died: the primitive drops it, and serves
    /// again.
    fn reap_waiter(&self, seq: u32) {
        if let Some(owner) = self.owner.upgrade() {
            owner.reap(Some(seq));
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
    use crate::driver::WAITER_SEQ_MASK;

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

    /// The bound holds after a burst was served: the sweep mark stayed at
    /// the burst's peak (131,072 dead waiters queued behind one live one,
    /// where a fresh queue holds 32).
    #[test]
    fn dead_waiters_stay_within_the_bound_after_a_served_burst() {
        let mut q = WaitQueue::new();
        for _ in 0..100_000 {
            q.push_back(W(true), None);
        }
        while q.pop_live().is_some() {}
        q.push_back(W(true), None);
        for _ in 0..150_000 {
            q.push_back(W(false), None);
            assert!(q.len() <= FIRST_SWEEP + 1, "{}", q.len());
        }
    }

    /// Waiters behind a live head, reaped by their numbers as they give up:
    /// the queue's buffer goes back when they are compacted away, not when
    /// the head is served (5 MiB kept for 100,000 timed-out waiters behind
    /// a held mutex).
    #[test]
    fn a_reaped_burst_gives_its_buffer_back() {
        let looks = Rc::new(std::cell::Cell::new(0));
        let n = 100_000;
        let (q, lives) = numbered(n, 1, &looks);
        let burst = q.borrow().waiters.capacity();
        for (i, live) in lives.iter().enumerate().skip(1) {
            live.set(false);
            reap_dead(&q, Some((i + 1) as u32));
        }
        let q = q.into_inner();
        assert_eq!(q.len(), 1);
        assert!(
            q.waiters.capacity() < burst / 100,
            "kept {} of {burst}",
            q.waiters.capacity()
        );
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
        reap_dead(&q, None);
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
            reap_dead(&q, None);
        }
        assert_eq!(q.borrow().len(), 0);
        assert!(
            looks.get() <= 3 * n,
            "{} looks for {n} waiters",
            looks.get()
        );
    }

    /// `n` counted waiters, numbered from `first` on, and their lives.
    fn numbered(
        n: u64,
        first: u64,
        looks: &Rc<std::cell::Cell<usize>>,
    ) -> (RefCell<WaitQueue<Shared>>, Vec<Rc<std::cell::Cell<bool>>>) {
        let q = RefCell::new(WaitQueue::new());
        let lives: Vec<_> = (0..n)
            .map(|_| Rc::new(std::cell::Cell::new(true)))
            .collect();
        for (seq, live) in (first..).zip(&lives) {
            let watch = WaiterWatch { id: Token(1), seq };
            q.borrow_mut()
                .push_back(Shared(live.clone(), looks.clone()), Some(watch));
        }
        looks.set(0);
        (q, lives)
    }

    /// Waiters giving up in an order of their own (clients going away),
    /// each reported with its number on a turn of its own: the report
    /// finds it by its number (a look at the whole queue each was n * n / 2
    /// looks in all).
    #[test]
    fn waiters_giving_up_in_any_order_cost_a_few_looks_each() {
        let n = 2000;
        let looks = Rc::new(std::cell::Cell::new(0));
        let (q, lives) = numbered(n, 1, &looks);
        // Every 7th waiter, wrapping around: out of order, the head last.
        let order: Vec<u64> = (0..n).map(|i| (n - 1 + i * 7) % n).collect();
        let mut left = n as usize;
        for &i in &order {
            lives[i as usize].set(false);
            reap_dead(&q, Some((i + 1) as u32));
            left -= 1;
            assert_eq!(q.borrow().len(), left, "reaped at once");
        }
        assert!(
            looks.get() <= 4 * n as usize,
            "{} looks for {n} waiters",
            looks.get()
        );
    }

    /// The numbers in a report are the low 28 bits of a waiter's: a queue
    /// whose numbers passed 2^28 finds its waiters by them still.
    #[test]
    fn a_waiter_is_found_by_its_number_past_the_bits_a_report_holds() {
        let looks = Rc::new(std::cell::Cell::new(0));
        let first = WAITER_SEQ_MASK - 2;
        let (q, lives) = numbered(6, first, &looks);
        for i in [4, 1, 3] {
            lives[i].set(false);
            let seq = (first + i as u64) & WAITER_SEQ_MASK;
            reap_dead(&q, Some(seq as u32));
        }
        assert_eq!(q.borrow().len(), 3);
        let mut q = q.into_inner();
        for want in [0, 2, 5] {
            let w = q.pop_live().expect("a live waiter");
            assert!(Rc::ptr_eq(&w.0, &lives[want]), "in the order they came");
        }
    }

    /// A primitive with two queues (a channel's receivers and readers)
    /// reports its waiters' numbers to both: the queue that does not hold
    /// the number looks at nobody.
    #[test]
    fn a_number_another_queue_holds_costs_no_sweep() {
        let looks = Rc::new(std::cell::Cell::new(0));
        let (q, _lives) = numbered(1000, 1, &looks);
        reap_dead(&q, Some(5000));
        reap_dead(&q, Some(0));
        assert_eq!(q.borrow().len(), 1000);
        assert!(looks.get() <= 4, "{} looks", looks.get());
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
        reap_dead(&q, None);
        assert_eq!(q.borrow().len(), 2);
        lives[2].set(false);
        lives[0].set(false);
        reap_dead(&q, None);
        reap_dead(&q, None);
        assert_eq!(q.borrow().len(), 0);
    }
}
