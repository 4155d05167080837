//! [`Channel`]: values sent without waiting, received through events.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use crate::Event;

/// A queue between tasks (Tamer's `tamer::channel`): [`send`](Channel::send)
/// never waits; [`recv`](Channel::recv) triggers its event with the next
/// value, at once if one is queued. Values and receivers are matched in the
/// order they came. A receiver whose event can no longer be delivered is
/// skipped, so no value is given to nobody.
///
/// [`close`](Channel::close) drops the events of the receivers waiting then
/// (their twaits end, their slots unchanged); values already queued can
/// still be received, and a receiver that finds the channel closed and
/// empty gets its event dropped at once. `Clone` gives another handle to
/// the same channel.
///
/// # Examples
///
/// ```
/// use tame::sync::Channel;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn sum_of_three(ch: Channel<u32>) -> u32 {
///     let mut total = 0;
///     for _ in 0..3 {
///         let mut v = 0;
///         twait! { ch.recv(mkevent!(v)); }
///         total += v;
///     }
///     total
/// }
///
/// let ch = Channel::new();
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, sum) = r.event_with_slot(());
/// sum_of_three(ch.clone(), ev);
/// for v in [1, 2, 3] {
///     ch.send(v);
/// }
/// tame::run();
/// assert_eq!(sum.take(), Some(6));
/// ```
pub struct Channel<T> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    values: RefCell<VecDeque<T>>,
    receivers: RefCell<VecDeque<Event<T>>>,
    closed: Cell<bool>,
}

impl<T> Channel<T> {
    /// An open, empty channel.
    pub fn new() -> Channel<T> {
        Channel {
            inner: Rc::new(Inner {
                values: RefCell::new(VecDeque::new()),
                receivers: RefCell::new(VecDeque::new()),
                closed: Cell::new(false),
            }),
        }
    }

    /// Gives `value` to the longest-waiting receiver, or queues it. Never
    /// waits. On a closed channel the value is dropped (see
    /// [`is_closed`](Channel::is_closed)).
    pub fn send(&self, value: T) {
        if self.inner.closed.get() {
            return;
        }
        let receiver = {
            let mut rs = self.inner.receivers.borrow_mut();
            loop {
                match rs.pop_front() {
                    Some(ev) if ev.is_live() => break Some(ev),
                    Some(_) => continue,
                    None => break None,
                }
            }
        };
        match receiver {
            Some(ev) => ev.trigger(value),
            None => self.inner.values.borrow_mut().push_back(value),
        }
    }

    /// Triggers `ev` with the next value: at once if one is queued, else
    /// when one is sent. On a closed, empty channel `ev` is dropped.
    pub fn recv(&self, ev: Event<T>) {
        // An event that reaches nobody (its rendezvous dropped, its waiter
        // cancelled) takes no value: the value stays for the next receiver.
        if !ev.is_live() {
            return;
        }
        let value = self.inner.values.borrow_mut().pop_front();
        match value {
            Some(v) => ev.trigger(v),
            None if self.inner.closed.get() => drop(ev),
            None => self.inner.receivers.borrow_mut().push_back(ev),
        }
    }

    /// Closes the channel: the receivers waiting now get their events
    /// dropped; later sends are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let ch = tame::sync::Channel::<u8>::new();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// ch.recv(ev);
    /// ch.close();
    /// assert_eq!(r.try_next(), Some(()));
    /// assert_eq!(slot.take(), None);
    /// assert!(ch.is_closed());
    /// ```
    pub fn close(&self) {
        self.inner.closed.set(true);
        let waiting = std::mem::take(&mut *self.inner.receivers.borrow_mut());
        drop(waiting);
    }

    /// Whether [`close`](Channel::close) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let ch = tame::sync::Channel::<u8>::new();
    /// assert!(!ch.is_closed());
    /// ch.clone().close(); // any handle closes the channel for all
    /// assert!(ch.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }

    /// How many values are queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let ch = tame::sync::Channel::new();
    /// ch.send('a');
    /// ch.send('b');
    /// assert_eq!(ch.len(), 2);
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// ch.recv(ev); // takes the first at once
    /// assert_eq!((ch.len(), slot.take()), (1, Some('a')));
    /// ```
    pub fn len(&self) -> usize {
        self.inner.values.borrow().len()
    }

    /// Whether no value is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let ch = tame::sync::Channel::<u8>::new();
    /// assert!(ch.is_empty());
    /// ch.send(1);
    /// assert!(!ch.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Clone for Channel<T> {
    fn clone(&self) -> Self {
        Channel {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for Channel<T> {
    fn default() -> Self {
        Channel::new()
    }
}

impl<T> fmt::Debug for Channel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("queued", &self.len())
            .field("receivers", &self.inner.receivers.borrow().len())
            .field("closed", &self.is_closed())
            .finish()
    }
}
