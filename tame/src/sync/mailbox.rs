//! [`Mailbox`]: values posted from any thread, received on one loop.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use super::Closed;
use crate::Event;

/// A mailbox and the first handle that posts to it: the `Send` channel
/// between threads (tokio's `mpsc::unbounded_channel`, std's
/// `mpsc::channel`), where [`Channel`](super::Channel) is the one between
/// tasks of one loop.
///
/// [`Poster`]s are `Send + Sync` and cheap to clone: any thread (a plain
/// thread, a blocking job, another loop) posts without waiting. The
/// [`Mailbox`] is received from on a loop, by tasks
/// ([`recv`](Mailbox::recv)) or async code (it is a `Stream`).
///
/// # Examples
///
/// A thread hands work to a loop:
///
/// ```
/// use tame::{mkevent, tamed, twait};
/// use tame::sync::Mailbox;
///
/// #[tamed]
/// fn total(jobs: Mailbox<u32>) -> u32 {
///     let mut sum = 0;
///     loop {
///         let mut job = None;
///         twait! { jobs.recv(mkevent!(job).map(Some)); }
///         match job {
///             Some(n) => sum += n,
///             None => return sum, // every poster is gone
///         }
///     }
/// }
///
/// let (poster, jobs) = tame::sync::mailbox();
/// let worker = std::thread::spawn(move || {
///     for n in 1..=10 {
///         poster.post(n).unwrap();
///     }
/// });
/// assert_eq!(tame::run_with(|done| total(jobs, done)), Some(55));
/// worker.join().unwrap();
/// ```
pub fn mailbox<T: Send + 'static>() -> (Poster<T>, Mailbox<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            posters: 1,
            closed: false,
            waiters: VecDeque::new(),
            next_waiter: 0,
            stream: None,
        }),
    });
    (
        Poster {
            shared: shared.clone(),
        },
        Mailbox { shared },
    )
}

/// Posts values to a [`Mailbox`], from any thread. Clones post to the same
/// mailbox; once every poster is dropped, the mailbox's receivers get the
/// end of its values (see [`Mailbox::recv`]).
///
/// # Examples
///
/// ```
/// let (poster, mailbox) = tame::sync::mailbox();
/// let other = poster.clone();
/// std::thread::spawn(move || other.post("from a thread")).join().unwrap().unwrap();
/// poster.post("from here").unwrap();
/// assert_eq!(mailbox.try_recv(), Some("from a thread"));
/// assert_eq!(mailbox.try_recv(), Some("from here"));
/// ```
pub struct Poster<T> {
    shared: Arc<Shared<T>>,
}

/// Receives, on a loop, what [`Poster`]s post from any thread, in the order
/// it was posted (each poster's values in its order). Made by
/// [`mailbox`].
///
/// A value stays queued until a receiver takes it: a [`recv`](Self::recv)
/// whose event dies first (its rendezvous cancelled, a timeout that gave up
/// on it) takes nothing, and the value goes to the next receiver; so
/// `recv` in a loop with a timeout loses nothing. A value a receive took
/// is its event's: one delivered to a rendezvous that is then dropped
/// unread goes with it, as any event's value does (a function that waits
/// on a receive and something else with `twait!(r)` collects the receive
/// before it drops `r`: `while r.queued() > 0 { twait!(r); }`, or waits
/// with [`readable`](Self::readable), which takes nothing); so does one
/// taken for a task that is cancelled before it runs again (another task
/// run in the same turn lets its events die: stop a receiver by closing
/// the mailbox or posting it a value that says so, where every value
/// matters). Several
/// tasks may wait on one mailbox: a post wakes the one that has waited
/// longest; one woken that leaves without the value (its wait cancelled,
/// the value taken first by another receive, a [`readable`](Self::readable)
/// wait, which takes nothing) wakes the next while values are queued.
/// Receive on one loop at a time: a receive left waiting on a loop the
/// mailbox was sent away from may be the one a post wakes, and its value
/// then waits for that loop's next turn.
///
/// A receive under a timeout (`recv(with_timeout(d, mkevent!(v).map(Some)))`)
/// leaves `v` at `None` both when the time ran out and when the mailbox
/// ended: [`is_ended`](Self::is_ended) tells which.
///
/// Dropping the mailbox drops the values still queued and makes later
/// posts fail, giving the value back.
///
/// In a `#[tamed]` function, a receive keeps its mailbox through the
/// wait when the translator knows the variable holds one: its written type
/// names `Mailbox` (also in an `Rc`, a `Box`, behind a reference), or it
/// came from `mailbox()` (or `sync::mailbox()`). A variable it cannot know
/// so (a type alias of one's own, `mailbox` imported under another name,
/// `let m = Rc::new(m0)`) and not mentioned after the twait is
/// taken to be handed to the operation and dropped at the twait, which
/// ends the receive empty, as a dropped mailbox does: write its type, or
/// mention it after the wait.
///
/// # Examples
///
/// ```
/// let (poster, mailbox) = tame::sync::mailbox::<u32>();
/// poster.post(7).unwrap();
/// assert_eq!(mailbox.len(), 1);
/// drop(mailbox);
/// assert_eq!(poster.post(8).unwrap_err().into_inner(), 8);
/// ```
pub struct Mailbox<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    queue: VecDeque<T>,
    /// The posters alive.
    posters: usize,
    /// The mailbox was closed or dropped: posts are refused.
    closed: bool,
    /// The wakers of the receives waiting, each under its id, the longest
    /// waiting first. A post takes one out and wakes it.
    waiters: VecDeque<(u64, Waker)>,
    next_waiter: u64,
    /// The waker of the mailbox's own [`Stream::poll_next`] that found
    /// nothing, woken by every post besides the receive it wakes: the
    /// stream may never be polled again (`now_or_never`, the other branch
    /// of a select won), so it is not given a post's one wake.
    stream: Option<Waker>,
}

impl<T> State<T> {
    /// Whether no value will ever come again.
    fn ended(&self) -> bool {
        self.queue.is_empty() && (self.posters == 0 || self.closed)
    }

    /// Every waker, to learn of the end (or, for the values still queued
    /// at a `close`, to take them or learn of it after them).
    fn all_wakers(&mut self) -> Wakers {
        (std::mem::take(&mut self.waiters), self.stream.take())
    }

    /// Keeps the waker of the wait with the id in `waiter` (made on its
    /// first wait), for the next post to wake.
    /// Returns the waker it replaces, to drop once the lock is let go.
    #[must_use = "a waker replaced is dropped outside the lock"]
    fn register(&mut self, waiter: &mut Option<u64>, cx: &Context<'_>) -> Option<Waker> {
        let id = *waiter.get_or_insert_with(|| {
            self.next_waiter += 1;
            self.next_waiter
        });
        match self.waiters.iter_mut().find(|(w, _)| *w == id) {
            Some((_, w)) => replace_waker(w, cx),
            None => {
                self.waiters.push_back((id, cx.waker().clone()));
                None
            }
        }
    }

    /// The wait with the id in `waiter` is over: its waker is taken out
    /// (to drop). If a post had taken it out to wake it, and it leaves
    /// values queued (it took none, or not the last), the next waiting is
    /// to be woken in its place.
    fn unregister(&mut self, waiter: &mut Option<u64>) -> Left {
        let Some(id) = waiter.take() else {
            return Left::default();
        };
        match self.waiters.iter().position(|(w, _)| *w == id) {
            Some(at) => Left {
                wake: None,
                drop: self.waiters.remove(at).map(|(_, w)| w),
            },
            None => Left {
                wake: self.hand_on(),
                drop: None,
            },
        }
    }

    /// The waker of the next waiting receive, taken out, if values are
    /// queued for it.
    fn hand_on(&mut self) -> Option<Waker> {
        if self.queue.is_empty() {
            return None;
        }
        self.waiters.pop_front().map(|(_, w)| w)
    }
}

/// What a wait's end leaves to do once the mailbox's lock is let go: a
/// waker handed on, to wake, and the wait's own, to drop. Neither is done
/// under the lock: a waker's wake or drop may run anything, a `Poster`'s
/// drop that takes this lock among it.
#[derive(Default)]
#[must_use = "a waker handed on must be woken"]
struct Left {
    wake: Option<Waker>,
    drop: Option<Waker>,
}

impl Left {
    fn finish(self) {
        drop(self.drop);
        wake(self.wake);
    }
}

/// Stores the waker of `cx` in `slot` unless it would wake the same task;
/// returns the one it replaces, to drop once the lock is let go.
fn replace_waker(slot: &mut Waker, cx: &Context<'_>) -> Option<Waker> {
    if slot.will_wake(cx.waker()) {
        return None;
    }
    Some(std::mem::replace(slot, cx.waker().clone()))
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic with the lock held (a waker's `clone` panicking) leaves
        // the state whole: every step that changes it is one push or pop.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A receive's poll: the next value, the end, or a wait under the id
    /// in `waiter` (made on the first wait).
    fn poll_take(&self, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.lock();
        let got = crate::trim::pop_front(&mut s.queue);
        if got.is_none() && !s.ended() {
            let replaced = s.register(waiter, cx);
            drop(s);
            drop(replaced);
            return Poll::Pending;
        }
        let left = s.unregister(waiter);
        drop(s);
        left.finish();
        Poll::Ready(got)
    }

    /// A [`readable`](Mailbox::readable) wait's poll: whether a value is
    /// queued (`false`: the end), or a wait as [`poll_take`](Self::poll_take)'s.
    fn poll_queued(&self, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<bool> {
        let mut s = self.lock();
        if !s.queue.is_empty() || s.ended() {
            let queued = !s.queue.is_empty();
            // Takes nothing: a receive waiting beside it is woken too
            // (and the next readable wait, each in turn).
            let mut left = s.unregister(waiter);
            if left.wake.is_none() {
                left.wake = s.hand_on();
            }
            drop(s);
            left.finish();
            return Poll::Ready(queued);
        }
        let replaced = s.register(waiter, cx);
        drop(s);
        drop(replaced);
        Poll::Pending
    }

    /// A wait goes (its future dropped: its event died).
    fn forget(&self, mut waiter: Option<u64>) {
        if waiter.is_some() {
            let left = self.lock().unregister(&mut waiter);
            left.finish();
        }
    }
}

/// Wakes a waiting receive handed a turn at the queue (after the lock is
/// let go: a wake may take the loop's own lock).
fn wake(waker: Option<Waker>) {
    if let Some(w) = waker {
        w.wake();
    }
}

/// The wakers of the receives waiting and of the stream's poll.
type Wakers = (VecDeque<(u64, Waker)>, Option<Waker>);

/// Wakes every waiting receive: the end, which all of them are to learn.
fn wake_all((waiters, stream): Wakers) {
    for (_, w) in waiters {
        w.wake();
    }
    wake(stream);
}

impl<T: Send> Poster<T> {
    /// Posts `value` to the mailbox; a receiver waiting on its loop gets it
    /// at that loop's next turn.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the value, if the mailbox was dropped or
    /// [closed](Mailbox::close).
    ///
    /// # Examples
    ///
    /// ```
    /// let (poster, mailbox) = tame::sync::mailbox();
    /// poster.post(1).unwrap();
    /// mailbox.close();
    /// assert_eq!(poster.post(2).unwrap_err().into_inner(), 2);
    /// assert_eq!(mailbox.try_recv(), Some(1));
    /// ```
    pub fn post(&self, value: T) -> Result<(), Closed<T>> {
        let next = {
            let mut s = self.shared.lock();
            if s.closed {
                return Err(Closed(value));
            }
            s.queue.push_back(value);
            (s.waiters.pop_front().map(|(_, w)| w), s.stream.take())
        };
        wake(next.0);
        wake(next.1);
        Ok(())
    }

    /// Whether the mailbox refuses posts (dropped or closed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (poster, mailbox) = tame::sync::mailbox::<u32>();
    /// assert!(!poster.is_closed());
    /// drop(mailbox);
    /// assert!(poster.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }
}

impl<T> Clone for Poster<T> {
    fn clone(&self) -> Self {
        self.shared.lock().posters += 1;
        Poster {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Poster<T> {
    fn drop(&mut self) {
        let wakers = {
            let mut s = self.shared.lock();
            s.posters -= 1;
            if s.posters > 0 {
                return;
            }
            // The last one: the receives waiting learn of the end.
            s.all_wakers()
        };
        wake_all(wakers);
    }
}

impl<T: Send + 'static> Mailbox<T> {
    /// Triggers `ev` with the next value: at once if one is queued, else
    /// when one is posted. Once every poster is gone (or the mailbox was
    /// [closed](Self::close)) and nothing is queued, `ev` is dropped, as a
    /// closed [`Channel`](super::Channel)'s receive's is: give the event
    /// `.map(Some)` to tell the end by a `None`.
    ///
    /// The wait is a spawned future ([`tame::spawn`](crate::spawn)) woken
    /// by the post: it keeps [`run`](crate::run) going while a poster
    /// lives, and is cancelled (taking nothing) when `ev` dies.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn first(jobs: tame::sync::Mailbox<String>) -> Option<String> {
    ///     let mut job = None;
    ///     twait! { jobs.recv(mkevent!(job).map(Some)); }
    ///     job
    /// }
    ///
    /// let (poster, jobs) = tame::sync::mailbox();
    /// std::thread::spawn(move || poster.post("index.html".to_string()));
    /// let got = tame::run_with(|done| first(jobs, done));
    /// assert_eq!(got, Some(Some("index.html".to_string())));
    /// ```
    #[track_caller] // `blocked()` names the receive's line, not this one
    pub fn recv(&self, ev: Event<T>) {
        // An event that reaches nobody takes no value.
        if !ev.is_live() {
            return;
        }
        if let Some(v) = self.next_queued() {
            ev.trigger(v);
            return;
        }
        if self.shared.lock().ended() {
            drop(ev);
            return;
        }
        let ev = ev.then(|got: Option<Option<T>>, ev| {
            if let Some(Some(v)) = got {
                ev.trigger(v);
            }
        });
        crate::spawn(
            Receive {
                shared: self.shared.clone(),
                waiter: None,
            },
            ev,
        );
    }

    /// Triggers `ev` when a value is queued (at once if one is), without
    /// taking it: take it with [`try_recv`](Self::try_recv), which may find
    /// it gone to another receiver first (wait again then). A wait that
    /// leaves instead (its rendezvous dropped beside another event that
    /// came first) loses nothing, where a [`recv`](Self::recv) already
    /// served would take its value along. At the end (every poster gone or
    /// the mailbox closed, nothing queued) `ev` is dropped: an event of a
    /// [`Rendezvous`](crate::Rendezvous) then brings its id back at once,
    /// so a loop stops arming it once [`is_ended`](Self::is_ended) says so
    /// (as [`Channel::readable`](super::Channel::readable)'s).
    ///
    /// # Examples
    ///
    /// A worker that takes jobs until the mailbox ends:
    ///
    /// ```
    /// use tame::sync::{mailbox, Mailbox};
    /// use tame::{tamed, twait, Rendezvous};
    ///
    /// #[tamed]
    /// fn worker(jobs: Mailbox<u32>) -> Vec<u32> {
    ///     let r = Rendezvous::<()>::new();
    ///     let mut done = Vec::new();
    ///     loop {
    ///         jobs.readable(r.event(()));
    ///         twait!(r);
    ///         match jobs.try_recv() {
    ///             Some(job) => done.push(job),
    ///             None if jobs.is_ended() => return done,
    ///             None => {} // taken by another receiver first
    ///         }
    ///     }
    /// }
    ///
    /// let (poster, jobs) = mailbox();
    /// std::thread::spawn(move || {
    ///     for job in 1..=3 {
    ///         poster.post(job).unwrap();
    ///     }
    /// });
    /// assert_eq!(tame::run_with(|done| worker(jobs, done)), Some(vec![1, 2, 3]));
    /// ```
    #[track_caller] // `blocked()` names the wait's line, not this one
    pub fn readable(&self, ev: Event<()>) {
        if !ev.is_live() {
            return;
        }
        {
            let s = self.shared.lock();
            if !s.queue.is_empty() || s.ended() {
                let queued = !s.queue.is_empty();
                drop(s);
                if queued {
                    ev.trigger(());
                }
                return;
            }
        }
        let ev = ev.then(|queued: Option<bool>, ev| {
            if queued == Some(true) {
                ev.trigger(());
            }
        });
        crate::spawn(
            Readable {
                shared: self.shared.clone(),
                waiter: None,
            },
            ev,
        );
    }
}

impl<T> Mailbox<T> {
    /// The next value queued. Every receive takes from the one queue
    /// (a receive waiting in a spawned future too, which sees nothing
    /// else), so values come out in the order they went in. The queue
    /// shrinks as it empties (`trim`): a burst of posts leaves no lasting
    /// memory.
    fn next_queued(&self) -> Option<T> {
        crate::trim::pop_front(&mut self.shared.lock().queue)
    }

    /// The next value if one is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let (poster, mailbox) = tame::sync::mailbox();
    /// assert_eq!(mailbox.try_recv(), None);
    /// poster.post('a').unwrap();
    /// assert_eq!(mailbox.try_recv(), Some('a'));
    /// ```
    pub fn try_recv(&self) -> Option<T> {
        self.next_queued()
    }

    /// Refuses posts from now on ([`Poster::post`] gives the value back);
    /// what is queued is still received, then the receives end as when
    /// every poster is gone. For a shutdown that loses nothing: close, then
    /// receive until the end (and collect a receive already started on a
    /// rendezvous: what it took is there, not in the mailbox).
    ///
    /// # Examples
    ///
    /// ```
    /// let (poster, mailbox) = tame::sync::mailbox();
    /// poster.post(1).unwrap();
    /// mailbox.close();
    /// assert!(poster.post(2).is_err());
    /// assert_eq!(mailbox.try_recv(), Some(1));
    /// assert!(mailbox.is_ended());
    /// ```
    pub fn close(&self) {
        let wakers = {
            let mut s = self.shared.lock();
            s.closed = true;
            // All of them, values queued or not: a post woke one receive
            // per value, and once those are taken no post will come to
            // wake the others for the end.
            s.all_wakers()
        };
        wake_all(wakers);
    }

    /// Whether nothing will be received any more: nothing is queued, and
    /// every poster is gone or the mailbox was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (poster, mailbox) = tame::sync::mailbox::<u32>();
    /// assert!(!mailbox.is_ended());
    /// drop(poster);
    /// assert!(mailbox.is_ended());
    /// ```
    pub fn is_ended(&self) -> bool {
        self.shared.lock().ended()
    }

    /// How many values are queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let (poster, mailbox) = tame::sync::mailbox();
    /// poster.post(()).unwrap();
    /// assert_eq!(mailbox.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// Whether no value is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_poster, mailbox) = tame::sync::mailbox::<u32>();
    /// assert!(mailbox.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shared.lock().queue.is_empty()
    }
}

impl<T> Drop for Mailbox<T> {
    fn drop(&mut self) {
        let (queued, wakers) = {
            let mut s = self.shared.lock();
            s.closed = true;
            (std::mem::take(&mut s.queue), s.all_wakers())
        };
        // Outside the lock: a value's drop may post to this mailbox.
        drop(queued);
        wake_all(wakers);
    }
}

/// A `Stream` of the values posted, ending once every poster is gone (or
/// the mailbox was closed) and nothing is queued; for async code, and for
/// a long-lived receiving future on a loop. Polling it needs no loop: a
/// `Mailbox` of `Send` values is `Send`, and an executor on any thread
/// may drive its stream (a post wakes the waker it was last polled with).
///
/// ```
/// use futures_core::Stream;
/// fn takes_a_stream(_: impl Stream<Item = u32>) {}
/// let (_poster, mailbox) = tame::sync::mailbox::<u32>();
/// takes_a_stream(mailbox);
/// ```
impl<T> Stream for Mailbox<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // (Wakers are dropped with the lock let go: see `Left`.)
        let mut s = self.shared.lock();
        if let Some(v) = crate::trim::pop_front(&mut s.queue) {
            let old = s.stream.take();
            drop(s);
            drop(old);
            return Poll::Ready(Some(v));
        }
        if s.ended() {
            let old = s.stream.take();
            drop(s);
            drop(old);
            return Poll::Ready(None);
        }
        let replaced = match &mut s.stream {
            Some(w) => replace_waker(w, cx),
            None => s.stream.replace(cx.waker().clone()),
        };
        drop(s);
        drop(replaced);
        Poll::Pending
    }
}

/// The future behind [`Mailbox::recv`].
struct Receive<T> {
    shared: Arc<Shared<T>>,
    waiter: Option<u64>,
}

impl<T> Future for Receive<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.shared.poll_take(&mut this.waiter, cx)
    }
}

impl<T> Drop for Receive<T> {
    fn drop(&mut self) {
        self.shared.forget(self.waiter.take());
    }
}

/// The future behind [`Mailbox::readable`].
struct Readable<T> {
    shared: Arc<Shared<T>>,
    waiter: Option<u64>,
}

impl<T> Future for Readable<T> {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let this = self.get_mut();
        this.shared.poll_queued(&mut this.waiter, cx)
    }
}

impl<T> Drop for Readable<T> {
    fn drop(&mut self) {
        self.shared.forget(self.waiter.take());
    }
}

impl<T> fmt::Debug for Poster<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poster")
            .field("closed", &self.shared.lock().closed)
            .finish()
    }
}

impl<T> fmt::Debug for Mailbox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.lock();
        f.debug_struct("Mailbox")
            .field("queued", &s.queue.len())
            .field("posters", &s.posters)
            .field("closed", &s.closed)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst of posts received to the end leaves no large buffer.
    #[test]
    fn a_received_burst_gives_its_memory_back() {
        let (poster, m) = mailbox::<u64>();
        for round in 0..2 {
            for i in 0..100_000 {
                poster.post(i).unwrap();
            }
            for want in 0..100_000 {
                assert_eq!(m.try_recv(), Some(want), "round {round}");
            }
        }
        assert_eq!(m.try_recv(), None);
        let kept = m.shared.lock().queue.capacity();
        assert!(kept <= 128, "kept {kept}");
    }

    /// A waker that counts its wakes.
    struct Count(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(0.into()));
        (c.clone(), Waker::from(c))
    }

    fn wakes(c: &Count) -> usize {
        c.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn receive<T>(m: &Mailbox<T>) -> Pin<Box<Receive<T>>> {
        Box::pin(Receive {
            shared: m.shared.clone(),
            waiter: None,
        })
    }

    /// Several receives waiting on one mailbox: a post wakes one of them,
    /// the longest waiting, not all (1,000 receivers woken by every post
    /// made 4,000 posts 3.5 times as slow as with one).
    #[test]
    fn a_post_wakes_one_waiting_receive_the_longest_waiting() {
        let (poster, m) = mailbox::<u32>();
        let (counts, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| counter()).unzip();
        let mut receives: Vec<_> = (0..3).map(|_| receive(&m)).collect();
        for (r, w) in receives.iter_mut().zip(&wakers) {
            let pending = r.as_mut().poll(&mut Context::from_waker(w));
            assert_eq!(pending, Poll::Pending);
        }
        poster.post(1).unwrap();
        assert_eq!(
            counts.iter().map(|c| wakes(c)).collect::<Vec<_>>(),
            [1, 0, 0]
        );
        let got = receives[0]
            .as_mut()
            .poll(&mut Context::from_waker(&wakers[0]));
        assert_eq!(got, Poll::Ready(Some(1)));
        poster.post(2).unwrap();
        poster.post(3).unwrap();
        assert_eq!(
            counts.iter().map(|c| wakes(c)).collect::<Vec<_>>(),
            [1, 1, 1]
        );
        // The end wakes every receive still waiting.
        let (late, late_waker) = counter();
        let mut last = receive(&m);
        assert_eq!(m.try_recv(), Some(2));
        assert_eq!(m.try_recv(), Some(3));
        let pending = last.as_mut().poll(&mut Context::from_waker(&late_waker));
        assert_eq!(pending, Poll::Pending);
        drop(poster);
        assert_eq!(wakes(&late), 1);
        let got = last.as_mut().poll(&mut Context::from_waker(&late_waker));
        assert_eq!(got, Poll::Ready(None));
    }

    /// A waker that owns a poster of the mailbox it waits on.
    struct Holding(#[allow(dead_code)] Poster<u32>); // held for its drop

    impl std::task::Wake for Holding {
        fn wake(self: Arc<Self>) {}
    }

    /// A waker replaced by a later poll is dropped with the mailbox's lock
    /// let go: its drop may drop a poster of the same mailbox (an
    /// executor's waker owning a task that holds one), which takes the
    /// lock; under it, the thread locked itself out for good.
    #[test]
    fn a_replaced_waker_whose_drop_drops_a_poster_does_not_deadlock() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (poster, mut m) = mailbox::<u32>();
            let holding = Waker::from(Arc::new(Holding(poster.clone())));
            let pending = Pin::new(&mut m).poll_next(&mut Context::from_waker(&holding));
            assert!(pending.is_pending());
            drop(holding); // the mailbox holds the last clone
            let again = Pin::new(&mut m).poll_next(&mut Context::from_waker(Waker::noop()));
            assert!(again.is_pending());

            let mut r = receive(&m);
            let holding = Waker::from(Arc::new(Holding(poster.clone())));
            assert!(r
                .as_mut()
                .poll(&mut Context::from_waker(&holding))
                .is_pending());
            drop(holding);
            assert!(r
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending());
            drop(r); // its waker's drop with the lock let go, too
            done.send(()).unwrap();
        });
        let within = std::time::Duration::from_secs(10);
        assert!(finished.recv_timeout(within).is_ok(), "deadlocked");
    }

    /// A receive woken for a value that leaves without it (cancelled
    /// before it ran, or a `readable` wait, which takes nothing) hands its
    /// turn to the next waiting: no value sits queued while a receive
    /// sleeps.
    #[test]
    fn a_woken_wait_that_takes_nothing_wakes_the_next() {
        let (poster, m) = mailbox::<u32>();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let mut cancelled = receive(&m);
        let mut next = receive(&m);
        let cx = &mut Context::from_waker(&first_waker);
        assert_eq!(cancelled.as_mut().poll(cx), Poll::Pending);
        let cx = &mut Context::from_waker(&second_waker);
        assert_eq!(next.as_mut().poll(cx), Poll::Pending);
        poster.post(7).unwrap();
        assert_eq!((wakes(&first), wakes(&second)), (1, 0));
        drop(cancelled);
        assert_eq!(wakes(&second), 1, "the cancel did not hand the value on");
        assert_eq!(next.as_mut().poll(cx), Poll::Ready(Some(7)));

        let mut looking = Box::pin(Readable {
            shared: m.shared.clone(),
            waiter: None,
        });
        let mut taking = receive(&m);
        let cx = &mut Context::from_waker(&first_waker);
        assert_eq!(looking.as_mut().poll(cx), Poll::Pending);
        let cx = &mut Context::from_waker(&second_waker);
        assert_eq!(taking.as_mut().poll(cx), Poll::Pending);
        poster.post(8).unwrap();
        assert_eq!((wakes(&first), wakes(&second)), (2, 1));
        let cx = &mut Context::from_waker(&first_waker);
        assert_eq!(looking.as_mut().poll(cx), Poll::Ready(true));
        assert_eq!(wakes(&second), 2, "the readable wait did not hand on");
        let cx = &mut Context::from_waker(&second_waker);
        assert_eq!(taking.as_mut().poll(cx), Poll::Ready(Some(8)));
    }
}
