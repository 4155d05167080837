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

use crate::rendezvous::TakenMark;

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
    pub fn take(&self) -> Option<T> {
        self.node.slot_cell().value.take()
    }

    /// Whether the event came back (triggered or dropped).
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
/// site per `twait!`), and grows into a `Vec` for sites inside loops.
pub struct SlotList<T, C> {
    entries: Entries<T, C>,
}

enum Entries<T, C> {
    Empty,
    One(Slot<T>, C),
    Many(Vec<(Slot<T>, C)>),
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
            Entries::One(s, c) => Entries::Many(vec![(s, c), (slot, captures)]),
            Entries::Many(mut v) => {
                v.push((slot, captures));
                Entries::Many(v)
            }
        };
    }

    /// Takes the next value that came back, with its captures, and forgets
    /// slots that came back empty. Slots still outstanding stay.
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
                    let pos = v.iter().position(|(s, _)| s.is_back());
                    let found = pos.map(|i| v.remove(i));
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
            Entries::Many(mut v) => {
                for (s, c) in v.extract_if(.., |(s, _)| s.is_back()) {
                    if let Some(val) = s.take() {
                        store(val, c);
                    }
                }
                Entries::Many(v)
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
/// with the count of its rendezvous' ids queued before its own.
pub(crate) type InboxQueue<T, C> = RefCell<VecDeque<(u64, T, C)>>;

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
    pub fn new() -> Self {
        Inbox { queue: None }
    }

    /// An event of `r` reporting `id`, whose value comes here with
    /// `captures`.
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
    pub fn pop_returned<I>(&mut self, r: &crate::Rendezvous<I>) -> Option<(T, C)> {
        self.pop_before(r.taken_mark())
    }

    /// The next value of an event whose id came out before `mark`.
    pub(crate) fn pop_before(&mut self, mark: TakenMark) -> Option<(T, C)> {
        let mut q = self.queue.as_ref()?.borrow_mut();
        match q.front() {
            Some(&(seq, _, _)) if seq < mark.0 => q.pop_front().map(|(_, v, c)| (v, c)),
            _ => None,
        }
    }

    /// The last value, as [`pop_returned`](Self::pop_returned), for a slot
    /// that had no value before its wait.
    ///
    /// # Panics
    ///
    /// If no value came back: the variable `name` would have none.
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
            None => panic!(
                "the event for `{name}` came back without a value (it was dropped untriggered), \
                 and `{name}` had no value before the twait; give it one to keep when no value comes"
            ),
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
        None => panic!(
            "no value came for `{name}` (its event was dropped untriggered), and `{name}` \
             had no value before the twait; give it one to keep when no value comes (`let mut \
             {name} = ..;`)"
        ),
    }
}
