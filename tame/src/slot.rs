//! Slots: where a triggered event's value waits until its function resumes.
//!
//! Tame's C++ events wrote straight into the waiting function's variables.
//! In Rust the variables of a `#[tamed]` function move in and out of its
//! state between resumes, so an event writes into its own cell (shared with
//! the event, no extra allocation) and the generated code moves the value
//! into the slot place when the function resumes.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use crate::rendezvous::{EpochToken, TakenMark};

/// The value cell inside an event's allocation.
pub(crate) struct SlotCell<T> {
    value: Cell<Option<T>>,
    back: Cell<bool>,
}

impl<T> SlotCell<T> {
    pub(crate) fn new() -> Self {
        SlotCell {
            value: Cell::new(None),
            back: Cell::new(false),
        }
    }

    /// Records that the event came back, with its value if it was triggered.
    pub(crate) fn fill(&self, value: Option<T>) {
        self.back.set(true);
        if value.is_some() {
            self.value.set(value);
        }
    }
}

/// An allocation that holds a [`SlotCell`] (an event node).
pub(crate) trait HasSlot<T> {
    fn slot_cell(&self) -> &SlotCell<T>;
}

/// The receiving end of an event's value.
///
/// Returned next to the event by
/// [`Rendezvous::event_with_slot`](crate::Rendezvous::event_with_slot) and
/// [`task::TaskContext::join_event`](crate::task::TaskContext::join_event).
/// `mkevent!` uses slots behind the scenes and stores the value into the
/// slot place you named.
///
/// # Examples
///
/// ```
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot::<u16>(());
/// assert!(!slot.is_back());
/// ev.trigger(80);
/// assert!(slot.is_back());
/// assert_eq!(slot.take(), Some(80));
/// assert_eq!(slot.take(), None);
/// ```
pub struct Slot<T> {
    node: Rc<dyn HasSlot<T>>,
}

impl<T> Slot<T> {
    pub(crate) fn from_node(node: Rc<dyn HasSlot<T>>) -> Self {
        Slot { node }
    }

    /// Takes the value, if the event was triggered and the value was not
    /// taken yet. `None` also when the event was dropped untriggered.
    ///
    /// ```
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot::<u32>(());
    /// assert_eq!(slot.take(), None, "not back yet");
    /// ev.trigger(7);
    /// assert_eq!(slot.take(), Some(7));
    /// assert_eq!(slot.take(), None, "taken already");
    /// ```
    pub fn take(&self) -> Option<T> {
        self.node.slot_cell().value.take()
    }

    /// Whether the event came back (triggered or dropped).
    ///
    /// ```
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot::<u32>(());
    /// assert!(!slot.is_back());
    /// drop(ev); // untriggered: back, with no value
    /// assert!(slot.is_back());
    /// assert_eq!(slot.take(), None);
    /// ```
    pub fn is_back(&self) -> bool {
        self.node.slot_cell().back.get()
    }
}

impl<T> fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot")
            .field("back", &self.is_back())
            .finish()
    }
}

/// The slots of one `mkevent!` site with its captured index values, kept by
/// generated code until the values are stored.
///
/// Holds one entry without allocating (the common case: one `mkevent!` per
/// site per `twait!`), and grows into a `VecDeque` for sites inside loops:
/// the values are taken in the order the events were made, so taking the
/// next one costs a step per slot still outstanding before it (none at a
/// `twait! {}` block's wait, where every event came back), and storing n
/// values takes n steps.
pub struct SlotList<T, C> {
    entries: Entries<T, C>,
}

enum Entries<T, C> {
    Empty,
    One(Slot<T>, C),
    Many(VecDeque<(Slot<T>, C)>),
}

impl<T, C> SlotList<T, C> {
    /// An empty list.
    pub fn new() -> Self {
        SlotList {
            entries: Entries::Empty,
        }
    }

    /// Remembers `slot` and the index values captured when its event was made.
    pub fn push(&mut self, slot: Slot<T>, captures: C) {
        self.entries = match std::mem::replace(&mut self.entries, Entries::Empty) {
            Entries::Empty => Entries::One(slot, captures),
            Entries::One(s, c) => Entries::Many(VecDeque::from([(s, c), (slot, captures)])),
            Entries::Many(mut v) => {
                v.push_back((slot, captures));
                Entries::Many(v)
            }
        };
    }

    /// Takes the next value that came back, with its captures, and forgets
    /// slots that came back empty. Slots still outstanding stay.
    ///
    /// The next value is that of the first slot, in the order the events
    /// were made, that came back with one. The slots before it that are
    /// still outstanding are looked at again by each call: none are at a
    /// `twait! {}` block's wait, where a call takes one step (taking all n
    /// values, n steps).
    pub fn pop_returned(&mut self) -> Option<(T, C)> {
        loop {
            match std::mem::replace(&mut self.entries, Entries::Empty) {
                Entries::Empty => return None,
                Entries::One(s, c) => {
                    if !s.is_back() {
                        self.entries = Entries::One(s, c);
                        return None;
                    }
                    match s.take() {
                        Some(v) => return Some((v, c)),
                        None => continue,
                    }
                }
                Entries::Many(mut v) => {
                    // From the front: when every slot came back, the first
                    // is taken, without shifting the others (a `Vec`'s
                    // `remove(0)` shifted them all, once per value).
                    let pos = v.iter().position(|(s, _)| s.is_back());
                    let found = pos.and_then(|i| v.remove(i));
                    self.entries = Entries::Many(v);
                    match found {
                        None => return None,
                        Some((s, c)) => match s.take() {
                            Some(val) => return Some((val, c)),
                            None => continue,
                        },
                    }
                }
            }
        }
    }

    /// The value for a slot that had no value before its wait: the last
    /// one that came back.
    ///
    /// # Panics
    ///
    /// If no event of the site came back with a value (all were dropped):
    /// the variable `name` would have no value.
    #[track_caller]
    pub fn take_required(&mut self, name: &str) -> (T, C) {
        required(self.take_last(), name)
    }

    /// The last value that came back, if any (the slots that came back
    /// are forgotten). Where several sites of one `twait! {}` block fill
    /// the same variable, the wait takes each site's last value this way
    /// and keeps the last of those.
    pub fn take_last(&mut self) -> Option<(T, C)> {
        let mut last = None;
        while let Some(x) = self.pop_returned() {
            last = Some(x);
        }
        last
    }

    /// Stores every value that came back (through `store`) and forgets the
    /// slots that came back; slots still outstanding stay in the list.
    pub fn store_returned(&mut self, mut store: impl FnMut(T, C)) {
        self.entries = match std::mem::replace(&mut self.entries, Entries::Empty) {
            Entries::Empty => Entries::Empty,
            Entries::One(s, c) => {
                if s.is_back() {
                    if let Some(v) = s.take() {
                        store(v, c);
                    }
                    Entries::Empty
                } else {
                    Entries::One(s, c)
                }
            }
            Entries::Many(v) => {
                // One pass, in order (`VecDeque` has no `extract_if`; the
                // conversions move no element when its buffer starts at
                // the allocation's start, and one pass of them otherwise).
                let mut v = Vec::from(v);
                for (s, c) in v.extract_if(.., |(s, _)| s.is_back()) {
                    if let Some(val) = s.take() {
                        store(val, c);
                    }
                }
                Entries::Many(VecDeque::from(v))
            }
        };
    }
}

impl<T, C> Default for SlotList<T, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, C> fmt::Debug for SlotList<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = match &self.entries {
            Entries::Empty => 0,
            Entries::One(..) => 1,
            Entries::Many(v) => v.len(),
        };
        f.debug_struct("SlotList").field("len", &n).finish()
    }
}

/// The values that came back to an [`Inbox`], in the order they came, each
/// with its rendezvous' epoch and the count of that rendezvous' ids queued
/// before its own.
pub(crate) type InboxQueue<T, C> = RefCell<VecDeque<(Rc<EpochToken>, u64, T, C)>>;

/// Where the values of one `mkevent!(r, id, slot)` site wait for their
/// `twait!(r)`, each with the index values its slot place needed when its
/// event was made.
///
/// An event puts its value here as it is triggered; the `twait!(r)` that
/// returns its id stores it (values of events whose ids are still queued
/// wait for theirs). That costs one step per value, however many events
/// of the site are outstanding. The queue is allocated with the site's
/// first event.
///
/// # Examples
///
/// ```
/// use tame::task::Inbox;
///
/// let r = tame::Rendezvous::<usize>::new();
/// let mut inbox: Inbox<&str, (usize,)> = Inbox::new();
/// let a = inbox.event(&r, 0, (0,));
/// let b = inbox.event(&r, 1, (1,));
/// b.trigger("second");
/// a.trigger("first");
/// assert_eq!(r.try_next(), Some(1));
/// assert_eq!(inbox.pop_returned(&r), Some(("second", (1,))));
/// // `a`'s id is still queued: its value waits for it.
/// assert_eq!(inbox.pop_returned(&r), None);
/// assert_eq!(r.try_next(), Some(0));
/// assert_eq!(inbox.pop_returned(&r), Some(("first", (0,))));
/// ```
pub struct Inbox<T, C> {
    queue: Option<Rc<InboxQueue<T, C>>>,
}

impl<T: 'static, C: 'static> Inbox<T, C> {
    /// An empty inbox (no allocation until its first event).
    ///
    /// ```
    /// let mut inbox = tame::task::Inbox::<u32, ()>::new();
    /// assert_eq!(inbox.pop_returned(&tame::Rendezvous::<()>::new()), None);
    /// ```
    pub fn new() -> Self {
        Inbox { queue: None }
    }

    /// An event of `r` reporting `id`, whose value comes here with
    /// `captures`.
    ///
    /// ```
    /// let r = tame::Rendezvous::<&str>::new();
    /// let mut inbox = tame::task::Inbox::<u32, usize>::new();
    /// inbox.event(&r, "third", 3).trigger(30);
    /// assert_eq!(r.try_next(), Some("third"));
    /// assert_eq!(inbox.pop_returned(&r), Some((30, 3)));
    /// ```
    pub fn event<I: 'static>(
        &mut self,
        r: &crate::Rendezvous<I>,
        id: I,
        captures: C,
    ) -> crate::Event<T> {
        let q = self
            .queue
            .get_or_insert_with(|| Rc::new(RefCell::new(VecDeque::new())))
            .clone();
        r.event_into(id, q, captures)
    }

    /// The next value, with its captures, of an event whose id `r` has
    /// handed out.
    ///
    /// When `r` is cancelled, the values whose ids it had not handed out
    /// go with its epoch; one whose id was taken stays until it is popped,
    /// as a [`Slot`]'s value stays in its slot. Once `r` is dropped,
    /// nothing can pop its values: they go when a later pop passes them
    /// (or with the inbox).
    ///
    /// ```
    /// use tame::task::Inbox;
    ///
    /// let r = tame::Rendezvous::<usize>::new();
    /// let mut inbox: Inbox<&str, ()> = Inbox::new();
    /// inbox.event(&r, 0, ()).trigger("taken");
    /// inbox.event(&r, 1, ()).trigger("not taken");
    /// assert_eq!(r.try_next(), Some(0));
    /// r.cancel();
    /// assert_eq!(inbox.pop_returned(&r), Some(("taken", ())), "its id came out");
    /// assert_eq!(inbox.pop_returned(&r), None, "id 1 went with the cancel");
    /// ```
    pub fn pop_returned<I>(&mut self, r: &crate::Rendezvous<I>) -> Option<(T, C)> {
        self.pop_before(r.taken_mark())
    }

    /// The next value of an event whose id came out before `mark`.
    pub(crate) fn pop_before(&mut self, mark: TakenMark) -> Option<(T, C)> {
        let mut q = self.queue.as_ref()?.borrow_mut();
        // The first value of the mark's rendezvous still kept: its values
        // are in the order of their ids, over its epochs. Those before it
        // are other rendezvous' (a site whose events go to several by
        // turns); the stale ones among them (their epoch ended before their
        // ids were taken, or their rendezvous was dropped) go as the search
        // passes them, so that none piles up behind a value nobody pops.
        let mut passed_stale = false;
        let found = q.iter().position(|(token, at, ..)| {
            let kept = token.keeps(*at);
            passed_stale |= !kept;
            kept && token.owner_is(mark)
        });
        let mut stale: Vec<_> = Vec::new();
        let mut found_at = found;
        if passed_stale {
            let end = found.unwrap_or(q.len());
            let kept: Vec<_>;
            (kept, stale) = q.drain(..end).partition(|(token, at, ..)| token.keeps(*at));
            found_at = found.map(|_| kept.len());
            for entry in kept.into_iter().rev() {
                q.push_front(entry);
            }
        }
        // The stale values are dropped with no borrow held (a value's drop
        // may trigger events, which only adds values behind), and before
        // the one found leaves the queue (a drop that panics leaves it
        // there).
        if !stale.is_empty() {
            drop(q);
            drop(stale);
            q = self.queue.as_ref()?.borrow_mut();
        }
        match found_at {
            Some(at) if q[at].0.taken_before(q[at].1, mark) => {
                q.remove(at).map(|(_, _, v, c)| (v, c))
            }
            _ => None,
        }
    }

    /// The last value, as [`pop_returned`](Self::pop_returned), for a slot
    /// that had no value before its wait.
    ///
    /// # Panics
    ///
    /// If no value came back: the variable `name` would have none.
    ///
    /// ```
    /// let r = tame::Rendezvous::<()>::new();
    /// let mut inbox = tame::task::Inbox::<u32, ()>::new();
    /// inbox.event(&r, (), ()).trigger(1);
    /// inbox.event(&r, (), ()).trigger(2);
    /// r.try_next();
    /// r.try_next();
    /// assert_eq!(inbox.take_required("n", &r), (2, ()), "the last one");
    /// let gone = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
    ///     inbox.take_required("n", &r)
    /// }));
    /// assert!(gone.is_err(), "nothing came back: `n` would have no value");
    /// ```
    #[track_caller]
    pub fn take_required<I>(&mut self, name: &str, r: &crate::Rendezvous<I>) -> (T, C) {
        self.take_required_before(name, r.taken_mark())
    }

    #[track_caller]
    pub(crate) fn take_required_before(&mut self, name: &str, mark: TakenMark) -> (T, C) {
        let mut last = None;
        while let Some(x) = self.pop_before(mark) {
            last = Some(x);
        }
        match last {
            Some(x) => x,
            None => no_value(name),
        }
    }
}

impl<T: 'static, C: 'static> Default for Inbox<T, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, C> fmt::Debug for Inbox<T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.queue.as_ref().map_or(0, |q| q.borrow().len());
        f.debug_struct("Inbox").field("returned", &n).finish()
    }
}

/// The value for a variable that had no value before its wait, from what
/// came back for it.
///
/// # Panics
///
/// If nothing came back with a value (every event of its sites was
/// dropped untriggered): the variable `name` would have no value.
#[track_caller]
pub fn required<T, C>(got: Option<(T, C)>, name: &str) -> (T, C) {
    match got {
        Some(x) => x,
        None => no_value(name),
    }
}

/// The panic of a slot left without a value: what happened (the usual
/// causes of a dropped event), the two ways the variable has no value (the second, a buffer moved into the operation that
/// gives it back, is the common one), and the way out that fits any event.
#[track_caller]
#[cold]
fn no_value(name: &str) -> ! {
    panic!(
        "no value came for `{name}` (its event was dropped untriggered: the function or \
         callback it was handed to returned or panicked without triggering it, or that \
         operation was cancelled, as `close()` does), and \
         `{name}` had none of its own to keep: it had no value before the twait, or it was \
         moved into the operation (as `buf` in `fd.read(buf, mkevent!(buf, n))`). Where \
         that can happen, wait for an `Option` of the whole value and match on it: `let \
         mut got = None;` with `mkevent!(got).map(Some)`"
    )
}

#[cfg(test)]
mod tests {
    use super::{Entries, SlotList};
    use crate::{Event, Rendezvous};

    /// A list of `n` slots of `r`'s events, captured `(i,)`, and the events.
    fn made(r: &Rendezvous<()>, n: usize) -> (SlotList<u32, (usize,)>, Vec<Event<u32>>) {
        let mut list = SlotList::new();
        let mut evs = Vec::new();
        for i in 0..n {
            let (ev, slot) = r.event_with_slot::<u32>(());
            list.push(slot, (i,));
            evs.push(ev);
        }
        (list, evs)
    }

    impl<T, C> SlotList<T, C> {
        /// Where the entry `i` places from the front is held.
        fn entry_at(&self, i: usize) -> *const () {
            match &self.entries {
                Entries::Many(v) => std::ptr::from_ref(&v[i]).cast(),
                _ => unreachable!("one entry or none"),
            }
        }
    }

    #[test]
    fn values_are_taken_in_the_order_the_events_were_made() {
        let r = Rendezvous::<()>::new();
        let (mut list, evs) = made(&r, 6);
        let mut evs: Vec<Option<Event<u32>>> = evs.into_iter().map(Some).collect();
        let mut fire = |i: usize, v: Option<u32>| {
            let ev = evs[i].take().expect("once");
            match v {
                Some(v) => ev.trigger(v),
                None => drop(ev),
            }
        };
        // Back out of order; 1 dropped untriggered; 0 and 4 outstanding.
        fire(5, Some(50));
        fire(3, Some(30));
        fire(1, None);
        fire(2, Some(20));
        assert_eq!(list.pop_returned(), Some((20, (2,))));
        // 0 comes back now: it is before the others, so it is next.
        fire(0, Some(0));
        assert_eq!(list.pop_returned(), Some((0, (0,))));
        assert_eq!(list.pop_returned(), Some((30, (3,))));
        assert_eq!(list.pop_returned(), Some((50, (5,))));
        // 4 is still outstanding: it stays, and comes when it is back.
        assert_eq!(list.pop_returned(), None);
        assert_eq!(format!("{list:?}"), "SlotList { len: 1 }");
        let (ev, slot) = r.event_with_slot::<u32>(());
        list.push(slot, (6,));
        ev.trigger(60);
        assert_eq!(list.pop_returned(), Some((60, (6,))));
        fire(4, Some(40));
        assert_eq!(list.pop_returned(), Some((40, (4,))));
        assert_eq!(list.pop_returned(), None);
        assert_eq!(format!("{list:?}"), "SlotList { len: 0 }");
    }

    #[test]
    fn the_last_value_is_that_of_the_last_event_made_that_brought_one() {
        let r = Rendezvous::<()>::new();
        let (mut list, mut evs) = made(&r, 4);
        drop(evs.pop()); // 3: no value
        let ev2 = evs.pop().expect("2");
        for (i, ev) in evs.into_iter().enumerate() {
            ev.trigger(i as u32);
        }
        ev2.trigger(2);
        assert_eq!(list.take_last(), Some((2, (2,))));
        assert_eq!(list.take_last(), None);
        let (mut list, evs) = made(&r, 3);
        drop(evs);
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            list.take_required("x");
        }));
        let msg = got.expect_err("no value came");
        let msg = msg.downcast_ref::<String>().expect("a formatted message");
        assert!(msg.starts_with("no value came for `x`"), "{msg}");
    }

    #[test]
    fn taking_the_first_value_moves_no_other_entry() {
        // What makes storing a `twait! {}` block's n values take n steps:
        // every slot came back, and each value is taken from the front
        // without shifting the entries behind it (a `Vec`'s `remove(0)`
        // shifted them all, once per value: n² steps).
        let r = Rendezvous::<()>::new();
        let n = 1000;
        let (mut list, evs) = made(&r, n);
        for (i, ev) in evs.into_iter().enumerate() {
            ev.trigger(i as u32);
        }
        for i in 0..n - 1 {
            let last = list.entry_at(n - 1 - i);
            assert_eq!(list.pop_returned(), Some((i as u32, (i,))));
            assert_eq!(list.entry_at(n - 2 - i), last, "moved after {i}");
        }
        assert_eq!(list.pop_returned(), Some((n as u32 - 1, (n - 1,))));
        assert_eq!(list.pop_returned(), None);
    }
}
