//! [`Channel`]: values sent without waiting, received through events.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use super::queue::{any_live, bury, reap_dead, Reap, WaitQueue, Watch};
use crate::driver::DropEach;
use crate::Event;

/// A queue between tasks (Tamer's `tamer::channel`): [`send`](Channel::send)
/// never waits; [`recv`](Channel::recv) triggers its event with the next
/// value, at once if one is queued. Values and receivers are matched in the
/// order they came. A receiver whose event can no longer be delivered is
/// skipped, so no value is sent to an event nobody listens to; it is
/// dropped on the loop's next turn, with what its event holds.
///
/// A value is handed over when it is sent: from then on the receiver's
/// event holds it. A receiver that then gives up before taking it (its
/// task cancelled, or a rendezvous it leaves on another event that came
/// back first, as a `select`-style loop with a stop event does) drops the
/// value with its event. Where a receiver may leave like that, wait with
/// [`readable`](Channel::readable) and take with
/// [`try_recv`](Channel::try_recv): the value stays in the channel until
/// taken.
///
/// [`close`](Channel::close) drops the events of the receivers waiting then
/// (their twaits end, their slots unchanged); values already queued can
/// still be received, and a receiver that finds the channel closed and
/// empty gets its event dropped at once. `Clone` gives another handle to
/// the same channel.
///
/// Dropping handles does not close the channel while one is left (as
/// dropping tokio's last `Sender` does): every handle both sends and
/// receives, so a receiver whose task holds one waits for good once the
/// others are gone. When the last handle goes, the channel goes with the
/// events of its waiting receivers: their waits end with their slots
/// unchanged, as after `close`. (A tamed function holds a handle whose type
/// is written, `ch: Channel<u32>`, to its scope's end, as any function; a
/// variable of unwritten type, `let ch = make();`, whose last use is
/// `ch.recv(..)` in a `twait! {}` block is handed over at the twait: if it
/// was the last handle, that wait ends so.) A producer that may
/// leave early (a `?`, a panic) holds a [`close_guard`](Channel::close_guard),
/// which closes the channel when it goes.
///
/// The queue grows as values wait and shrinks as they are taken: a burst
/// leaves no lasting buffer behind once it is drained.
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
    receivers: RefCell<WaitQueue<Event<T>>>,
    /// The [`readable`](Channel::readable) waiters: woken, all of them,
    /// when a value is queued.
    readers: RefCell<WaitQueue<Event<()>>>,
    closed: Cell<bool>,
    /// The loop's watch on the queued receivers' and readers' events.
    watch: Watch,
}

impl<T> Channel<T> {
    /// An open, empty channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let ch = tame::sync::Channel::<String>::new();
    /// assert!(ch.is_empty() && !ch.is_closed());
    /// ```
    pub fn new() -> Channel<T> {
        Channel {
            inner: Rc::new(Inner {
                values: RefCell::new(VecDeque::new()),
                receivers: RefCell::new(WaitQueue::new()),
                readers: RefCell::new(WaitQueue::new()),
                closed: Cell::new(false),
                watch: Watch::default(),
            }),
        }
    }

    /// Gives `value` to the longest-waiting receiver, or queues it (and
    /// wakes every [`readable`](Channel::readable) waiter). Never waits. On
    /// a closed channel the value is dropped (see
    /// [`is_closed`](Channel::is_closed)).
    ///
    /// # Examples
    ///
    /// ```
    /// let ch = tame::sync::Channel::new();
    /// ch.send(1); // nobody waits: queued
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, slot) = r.event_with_slot(());
    /// ch.recv(ev); // takes the queued value at once
    /// assert_eq!(slot.take(), Some(1));
    /// ch.close();
    /// ch.send(2); // closed: dropped
    /// assert!(ch.is_empty());
    /// ```
    pub fn send(&self, value: T) {
        // Dropped on a closed channel, as documented.
        let _ = self.try_send(value);
    }

    /// [`send`](Channel::send), giving `value` back if the channel is
    /// closed (where `send` drops it): what tokio's `send` does with its
    /// `SendError`.
    ///
    /// # Errors
    ///
    /// [`Closed`]`(value)` if the channel is closed: an error that says
    /// so, with the value in it.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::sync::{Channel, Closed};
    ///
    /// let ch = Channel::new();
    /// assert_eq!(ch.try_send(1), Ok(()));
    /// ch.close();
    /// assert_eq!(ch.try_send(2), Err(Closed(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), Closed<T>> {
        if self.inner.closed.get() {
            return Err(Closed(value));
        }
        // The receivers that gave up ahead of the first live one are
        // dropped first, as if when they gave up: what their drops do
        // (send, receive, close, end a live receiver) comes before this
        // value, and no user code runs between finding the live receiver
        // and handing it the value. Their drops are user code: one that
        // panics must not take the value with it, which is handed over or
        // queued before the panic goes on.
        let buried = panic::catch_unwind(AssertUnwindSafe(|| any_live(&self.inner.receivers)));
        if self.inner.closed.get() {
            // A drop closed the channel.
            if let Err(payload) = buried {
                // The value goes as `send` drops one on a closed channel,
                // but not while the panic unwinds: a drop of its that
                // panicked then would abort the process.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(value)));
                panic::resume_unwind(payload);
            }
            return Err(Closed(value));
        }
        let receiver = self.inner.receivers.borrow_mut().pop_live();
        match receiver {
            Some(ev) => ev.trigger(value),
            None => {
                self.inner.values.borrow_mut().push_back(value);
                let readers = self.inner.readers.borrow_mut().take_all();
                // A reader's callback that panics does not keep the others
                // from hearing of the value.
                crate::driver::trigger_each(readers.into_iter().map(|ev| (ev, ())));
            }
        }
        if let Err(payload) = buried {
            // The dead receivers the panic left at the head, which
            // `pop_live` set aside, go now, not at the loop's next turn (a
            // permit or a guard they hold is free again).
            let _ = panic::catch_unwind(AssertUnwindSafe(|| bury(&self.inner.receivers)));
            panic::resume_unwind(payload);
        }
        Ok(())
    }

    /// Triggers `ev` with the next value: at once if one is queued, else
    /// when one is sent. On a closed, empty channel `ev` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::sync::Channel;
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn first_word(words: Channel<String>) -> Option<String> {
    ///     let mut word = None;
    ///     twait! { words.recv(mkevent!(word).map(Some)); }
    ///     word // `None` if the channel was closed first
    /// }
    ///
    /// let words = Channel::new();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, got) = r.event_with_slot(());
    /// first_word(words.clone(), ev); // waits
    /// words.send("tame".to_string());
    /// tame::run();
    /// assert_eq!(got.take(), Some(Some("tame".to_string())));
    /// ```
    pub fn recv(&self, ev: Event<T>)
    where
        T: 'static,
    {
        // An event that reaches nobody (its rendezvous dropped, its waiter
        // cancelled) takes no value: the value stays for the next receiver.
        if !ev.is_live() {
            return;
        }
        let value = crate::trim::pop_front(&mut self.inner.values.borrow_mut());
        match value {
            Some(v) => ev.trigger(v),
            None if self.inner.closed.get() => drop(ev),
            None => {
                let watch = self.inner.watch.waiter(&self.inner);
                self.inner.receivers.borrow_mut().push_back(ev, watch);
                bury(&self.inner.receivers);
            }
        }
    }

    /// Triggers `ev` when a value is queued (at once if one is), without
    /// taking it: take it with [`try_recv`](Channel::try_recv), which may
    /// find it gone to another receiver first (wait again then). A waiter
    /// that leaves instead loses nothing. On a closed, empty channel `ev`
    /// is dropped: an event of a [`Rendezvous`](crate::Rendezvous) then
    /// brings its id back at once, as if a value had come, and armed again
    /// it comes back again, for good. A `select!`-style loop stops arming
    /// it once [`try_recv`](Channel::try_recv) finds nothing and the
    /// channel [`is_closed`](Channel::is_closed) (tokio's `select!`
    /// disables the branch then), or it spins.
    ///
    /// Receivers waiting in [`recv`](Channel::recv) come first: a value
    /// sent while one waits goes to it, and wakes no `readable` waiter.
    ///
    /// If the callback of one waiter's event panics when a value is sent
    /// (an event made with [`Event::from_fn`]), the panic goes out of
    /// `send`, with the value queued, and the waiters after it still have
    /// their events triggered: from the loop's queue, in this turn if the
    /// loop runs one, else when the program that caught the panic runs the
    /// loop.
    ///
    /// # Examples
    ///
    /// A worker that stops on a signal, leaving what it did not take, or
    /// when its jobs are closed and done:
    ///
    /// ```
    /// use tame::sync::Channel;
    /// use tame::{mkevent, tamed, twait, Rendezvous};
    ///
    /// #[derive(Clone, Copy)]
    /// enum Wake {
    ///     Job,
    ///     Stop,
    /// }
    ///
    /// #[tamed]
    /// fn worker(jobs: Channel<u32>, stop: Channel<()>) -> Vec<u32> {
    ///     let mut done = Vec::new();
    ///     let r = Rendezvous::<Wake>::new();
    ///     stop.readable(mkevent!(r, Wake::Stop));
    ///     jobs.readable(mkevent!(r, Wake::Job));
    ///     loop {
    ///         match twait!(r) {
    ///             Some(Wake::Job) => match jobs.try_recv() {
    ///                 Some(job) => {
    ///                     done.push(job);
    ///                     jobs.readable(mkevent!(r, Wake::Job));
    ///                 }
    ///                 // Closed and drained: nothing more will come.
    ///                 None if jobs.is_closed() => break,
    ///                 // Taken by another receiver first.
    ///                 None => jobs.readable(mkevent!(r, Wake::Job)),
    ///             },
    ///             Some(Wake::Stop) | None => break,
    ///         }
    ///     }
    ///     done
    /// }
    ///
    /// let (jobs, stop) = (Channel::new(), Channel::new());
    /// let r = Rendezvous::<()>::new();
    /// let (ev, done) = r.event_with_slot(());
    /// worker(jobs.clone(), stop.clone(), ev);
    /// stop.send(());
    /// jobs.send(7); // the worker stops first: 7 stays queued
    /// tame::run();
    /// assert_eq!(done.take(), Some(vec![]));
    /// assert_eq!(jobs.try_recv(), Some(7));
    ///
    /// // Closed with two jobs queued: both done, then the worker ends.
    /// let (jobs, stop) = (Channel::new(), Channel::new());
    /// jobs.send(1);
    /// jobs.send(2);
    /// jobs.close();
    /// let got = tame::run_with(|done| worker(jobs, stop, done));
    /// assert_eq!(got, Some(vec![1, 2]));
    /// ```
    pub fn readable(&self, ev: Event<()>)
    where
        T: 'static,
    {
        if !ev.is_live() {
            return;
        }
        if !self.inner.values.borrow().is_empty() {
            ev.trigger(());
        } else if self.inner.closed.get() {
            drop(ev);
        } else {
            let watch = self.inner.watch.waiter(&self.inner);
            self.inner.readers.borrow_mut().push_back(ev, watch);
            bury(&self.inner.readers);
        }
    }

    /// The next value, if one is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let ch = tame::sync::Channel::new();
    /// assert_eq!(ch.try_recv(), None);
    /// ch.send(3);
    /// assert_eq!(ch.try_recv(), Some(3));
    /// ```
    #[must_use = "the value taken from the channel is lost if dropped"]
    pub fn try_recv(&self) -> Option<T> {
        crate::trim::pop_front(&mut self.inner.values.borrow_mut())
    }

    /// Closes the channel: the receivers (and [`readable`](Channel::readable)
    /// waiters) waiting now get their events dropped; later sends are
    /// dropped.
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
        // Both taken before either is dropped: a receiver's callback that
        // panics on its `None` still leaves no reader queued on a closed
        // channel. Each is dropped under its own catch (see `drop_each`):
        // dropped in that panic's unwind, a second callback that panicked
        // would abort the process.
        let receivers = DropEach(self.inner.receivers.borrow_mut().take_all());
        let readers = DropEach(self.inner.readers.borrow_mut().take_all());
        drop(receivers);
        drop(readers);
        bury(&self.inner.receivers);
        bury(&self.inner.readers);
    }

    /// A guard that [`close`](Channel::close)s the channel when it is
    /// dropped: the end of a producer, however it leaves, ends the waits of
    /// the receivers.
    ///
    /// Several producers share one guard (`Rc<CloseGuard<T>>`, a clone of
    /// the `Rc` each): the channel closes when the last of them ends. A
    /// guard each would close it when the first ends, and the others' later
    /// sends would be dropped ([`try_send`](Channel::try_send) gives them
    /// back).
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::sync::Channel;
    /// use tame::{mkevent, tamed, twait};
    ///
    /// /// Sends what parses; gives up at the first bad line.
    /// #[tamed]
    /// fn producer(lines: Vec<String>, out: Channel<u32>) -> Result<(), std::num::ParseIntError> {
    ///     let _closes = out.close_guard();
    ///     for line in lines {
    ///         out.send(line.parse()?);
    ///         twait! { tame::asap(mkevent!()); }
    ///     }
    ///     Ok(())
    /// }
    ///
    /// /// Sums until the channel closes.
    /// #[tamed]
    /// fn consumer(input: Channel<u32>) -> u32 {
    ///     let mut total = 0;
    ///     loop {
    ///         let mut v = None;
    ///         twait! { input.recv(mkevent!(v).map(Some)); }
    ///         let Some(v) = v else { break };
    ///         total += v;
    ///     }
    ///     total
    /// }
    ///
    /// let ch = Channel::new();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (sum, total) = r.event_with_slot(());
    /// consumer(ch.clone(), sum);
    /// let lines = vec!["1".to_string(), "2".to_string(), "x".to_string(), "4".to_string()];
    /// producer(lines, ch, tame::Event::from_fn(|_| ()));
    /// tame::run();
    /// assert_eq!(total.take(), Some(3));
    /// ```
    pub fn close_guard(&self) -> CloseGuard<T> {
        CloseGuard {
            channel: self.clone(),
            drain: false,
        }
    }

    /// A guard that [`close`](Channel::close)s the channel when it is
    /// dropped and drops the values still queued: the end of a receiver,
    /// however it leaves (a cancelled one runs no code of its own), as
    /// dropping tokio's `Receiver` ends its channel.
    ///
    /// For a bounded channel (a `Channel` of `(T, Permit)` beside a
    /// [`Semaphore`](crate::sync::Semaphore)) this is what frees the
    /// senders: each value queued holds a permit, and a sender waiting for
    /// one would otherwise wait for good; given one, its
    /// [`try_send`](Channel::try_send) gives its value back.
    ///
    /// # Examples
    ///
    /// A receiver cancelled by a timeout before it took anything:
    ///
    /// ```
    /// use std::rc::Rc;
    /// use std::time::Duration;
    /// use tame::sync::{Channel, Permit, Semaphore};
    /// use tame::{mkevent, tamed, twait, Event};
    ///
    /// #[tamed]
    /// fn receiver(ch: Channel<(u32, Permit)>, done: Event) {
    ///     let _drains = ch.drain_guard();
    ///     // Slow to start: its caller gives up first.
    ///     twait! { tame::timer(Duration::from_secs(60), mkevent!()); }
    ///     done.trigger(());
    /// }
    ///
    /// /// Sends until the channel is closed; how many it sent.
    /// #[tamed]
    /// fn sender(ch: Channel<(u32, Permit)>, room: Rc<Semaphore>) -> u32 {
    ///     let mut sent = 0;
    ///     loop {
    ///         let permit: Permit;
    ///         twait! { room.acquire(mkevent!(permit)); }
    ///         if ch.try_send((sent, permit)).is_err() {
    ///             return sent;
    ///         }
    ///         sent += 1;
    ///     }
    /// }
    ///
    /// tame::time::pause();
    /// let ch = Channel::new();
    /// let gave_up = Event::from_fn(|_: Option<Result<(), tame::Timeout>>| ());
    /// receiver(ch.clone(), tame::add_timeout(Duration::from_secs(1), gave_up));
    /// // Two sent (the channel's room), then the third refused.
    /// let sent = tame::run_with(|done| sender(ch, Rc::new(Semaphore::new(2)), done));
    /// assert_eq!(sent, Some(2));
    /// ```
    pub fn drain_guard(&self) -> CloseGuard<T> {
        CloseGuard {
            channel: self.clone(),
            drain: true,
        }
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

impl<T: 'static> Reap for Inner<T> {
    /// Receivers' or readers' events died: they go. Nothing else waits on
    /// them: a value queued while a receiver waits went to it.
    fn reap(self: Rc<Self>, seq: Option<u32>) {
        reap_dead(&self.receivers, seq);
        reap_dead(&self.readers, seq);
    }
}

/// The error of [`Channel::try_send`] on a closed channel, and of
/// [`Poster::post`](super::Poster::post) to a mailbox that is gone (a
/// channel from other threads), holding the value that was not sent (as
/// tokio's and std's `SendError`). It says "sending on a closed channel",
/// whatever the value, so that `?` into
/// `Box<dyn Error>` or a logged error reads as what happened.
///
/// # Examples
///
/// ```
/// use tame::sync::{Channel, Closed};
///
/// fn forward(ch: &Channel<String>, line: String) -> Result<(), Box<dyn std::error::Error>> {
///     ch.try_send(line)?;
///     Ok(())
/// }
///
/// let ch = Channel::new();
/// ch.close();
/// let e = forward(&ch, "GET /".to_string()).unwrap_err();
/// assert_eq!(e.to_string(), "sending on a closed channel");
/// assert_eq!(ch.try_send("again".to_string()).unwrap_err().into_inner(), "again");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Closed<T>(pub T);

impl<T> Closed<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

// Not the value's: it need not be `Debug`, and may be large.
impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> std::error::Error for Closed<T> {}

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
            .field("readers", &self.inner.readers.borrow().len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Closes its channel when dropped; made by [`Channel::close_guard`], or
/// by [`Channel::drain_guard`], whose guard also drops what is queued.
#[must_use = "the channel is closed when the guard is dropped"]
pub struct CloseGuard<T> {
    channel: Channel<T>,
    drain: bool,
}

impl<T> Drop for CloseGuard<T> {
    fn drop(&mut self) {
        self.channel.close();
        if self.drain {
            // Taken out first, then dropped each under its own catch, as
            // `close` drops the waiters' events: a value's drop that panics
            // (an event whose callback panics on `None`) leaves none of
            // the others queued, and a second one in the first one's
            // unwind does not abort the process.
            let values: Vec<T> =
                std::mem::take(&mut *self.channel.inner.values.borrow_mut()).into();
            drop(DropEach(values));
        }
    }
}

impl<T> fmt::Debug for CloseGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloseGuard")
            .field("closed", &self.channel.is_closed())
            .finish()
    }
}
