//! [`Mailbox`]: values posted from any thread, received on one loop.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;

use futures_core::Stream;

use super::Closed;
use crate::Event;

/// A mailbox and the first handle that posts to it: the `Send` channel
/// between threads (tokio's `mpsc::unbounded_channel`, std's
/// `mpsc::channel`), where [`Channel`](super::Channel) is the one between
/// tasks of one loop. Unbounded: [`bounded_mailbox`] makes one whose
/// posters wait for room.
///
/// [`Poster`]s are `Send + Sync` and cheap to clone: any thread (a plain
/// thread, a blocking job, another loop) posts, without waiting to an
/// unbounded mailbox. The
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
    with_capacity(usize::MAX)
}

/// A mailbox that holds at most `capacity` values: its posters wait for
/// room (std's `sync_channel(n)`, tokio's `mpsc::channel(n)` sent to from
/// threads). Otherwise it is the [`mailbox`] it returns: a
/// [`Poster`] and a [`Mailbox`].
///
/// A full mailbox makes [`Poster::post`] block its thread until a receive
/// takes a value (or the mailbox is closed or dropped: the post then fails
/// and gives the value back), makes [`Poster::try_post`] give the value
/// back at once ([`TryPostError::Full`]), and makes
/// [`Poster::post_when_room`], for a task on a loop, wait for room without
/// blocking its loop. Posting with `post` on the thread of the loop that
/// receives would block that loop for good once the mailbox is full: on a
/// loop, post with `post_when_room` or `try_post`.
///
/// # Panics
///
/// If `capacity` is 0 (std's `sync_channel(0)` hands each value over in
/// person; a mailbox keeps what it is given, so it needs room for one).
///
/// # Examples
///
/// A thread makes lines faster than the loop takes them: it runs at most
/// two values ahead.
///
/// ```
/// use tame::{mkevent, tamed, twait};
/// use tame::sync::Mailbox;
///
/// #[tamed]
/// fn drain(lines: Mailbox<String>) -> usize {
///     let mut most = 0;
///     loop {
///         most = most.max(lines.len());
///         let mut line = None;
///         twait! { lines.recv(mkevent!(line).map(Some)); }
///         if line.is_none() {
///             return most; // the reader is done
///         }
///     }
/// }
///
/// let (poster, lines) = tame::sync::bounded_mailbox(2);
/// let reader = std::thread::spawn(move || {
///     for n in 0..100 {
///         poster.post(format!("line {n}")).unwrap(); // waits while 2 are queued
///     }
/// });
/// assert!(tame::run_with(|done| drain(lines, done)).unwrap() <= 2);
/// reader.join().unwrap();
/// ```
#[track_caller]
pub fn bounded_mailbox<T: Send + 'static>(capacity: usize) -> (Poster<T>, Mailbox<T>) {
    assert!(
        capacity > 0,
        "tame::sync::bounded_mailbox(0): a mailbox needs room for one value at least"
    );
    with_capacity(capacity)
}

fn with_capacity<T>(capacity: usize) -> (Poster<T>, Mailbox<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            capacity,
            posters: 1,
            closed: false,
            waiters: VecDeque::new(),
            next_waiter: 0,
            stream: None,
            blocked: 0,
            senders: VecDeque::new(),
        }),
        room: Condvar::new(),
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
/// [`mailbox`] or [`bounded_mailbox`].
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
    /// Where threads blocked in [`Poster::post`] on a full bounded
    /// mailbox wait: notified once for each value taken while one waits,
    /// and all at once when the mailbox closes.
    room: Condvar,
}

struct State<T> {
    queue: VecDeque<T>,
    /// How many values may be queued (`usize::MAX`: unbounded).
    capacity: usize,
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
    /// Threads blocked in [`Poster::post`] until there is room.
    blocked: usize,
    /// The line of [`Poster::post_when_room`] waits, in the order they
    /// were made. The first wait of each loop in it holds a place for one
    /// value; a loop's others wait for it (see [`State::has_room`]): a
    /// loop that does not run holds up one value's room, not the line.
    senders: VecDeque<Sender>,
}

/// A [`Poster::post_when_room`] wait in its mailbox's line.
struct Sender {
    /// Its id, from [`State::next_waiter`].
    id: u64,
    /// The thread of the loop it waits on.
    home: ThreadId,
    /// Its waker, once it has been polled.
    waker: Option<Waker>,
}

impl<T> State<T> {
    /// Whether no value will ever come again.
    fn ended(&self) -> bool {
        self.queue.is_empty() && (self.posters == 0 || self.closed)
    }

    /// Every waker, to learn of the end (or, for the values still queued
    /// at a `close`, to take them or learn of it after them).
    fn all_wakers(&mut self) -> Wakers {
        (
            std::mem::take(&mut self.waiters),
            self.senders.drain(..).filter_map(|s| s.waker).collect(),
            self.stream.take(),
        )
    }

    /// Queues `value`; returns the wakers it calls for, to wake once the
    /// lock is let go: the longest waiting receive's and the stream's.
    #[must_use = "the wakers of a post must be woken"]
    fn push(&mut self, value: T) -> (Option<Waker>, Option<Waker>) {
        self.queue.push_back(value);
        (self.waiters.pop_front().map(|(_, w)| w), self.stream.take())
    }

    /// Whether a post would have to wait (a bounded mailbox, full).
    fn full(&self) -> bool {
        self.queue.len() >= self.capacity
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

    /// Puts a new [`Poster::post_when_room`] wait of this thread's loop
    /// at the end of the line; returns its id.
    fn enlist_sender(&mut self) -> u64 {
        self.next_waiter += 1;
        self.senders.push_back(Sender {
            id: self.next_waiter,
            home: std::thread::current().id(),
            waker: None,
        });
        self.next_waiter
    }

    /// The places in line of the waits that are the first of their
    /// loop's, in order: only they may post, and each holds room for one
    /// value (a loop's other waits post after it, in the order they were
    /// made, and hold nothing meanwhile).
    fn first_of_each_loop(&self) -> impl Iterator<Item = usize> + '_ {
        let mut seen: Vec<ThreadId> = Vec::new();
        (self.senders.iter().enumerate()).filter_map(move |(at, s)| {
            if seen.contains(&s.home) {
                return None;
            }
            seen.push(s.home);
            Some(at)
        })
    }

    /// Whether a wait of the loop on thread `home`, `at`th in line (from
    /// 0; the line's length for one not in it yet), may post now: no wait
    /// of its loop is before it, and the room left is more than the
    /// places that the first waits of the other loops before it hold.
    fn has_room(&self, at: usize, home: ThreadId) -> bool {
        if self.senders.iter().take(at).any(|s| s.home == home) {
            return false;
        }
        let held = self.first_of_each_loop().take_while(|&i| i < at).count();
        self.queue.len().saturating_add(held) < self.capacity
    }

    /// Whether a wait made now by the loop of the thread `home` tells
    /// would post at once (see [`has_room`](Self::has_room)). (The
    /// thread is asked only when waits are in line: its id costs a
    /// reference count's two atomic steps.)
    fn room_for_a_new_wait(&self, home: impl FnOnce() -> std::thread::Thread) -> bool {
        match self.senders.len() {
            0 => !self.full(),
            n => self.has_room(n, home().id()),
        }
    }

    /// The waker of the wait that the room left has just come to (a value
    /// taken, a place given up): the last first-of-its-loop it reaches.
    fn last_with_room(&self) -> Option<Waker> {
        let nth = self.capacity.checked_sub(self.queue.len() + 1)?;
        let at = self.first_of_each_loop().nth(nth)?;
        self.senders[at].waker.clone()
    }

    /// Takes the wait `id` out of the line (`posted`, or refused or gone):
    /// returns its waker, to drop, and the wakers of the waits this lets
    /// post, to wake, all once the lock is let go: the next of its loop,
    /// now the first, and, if it held a place and left without posting,
    /// the one that place gives room to. (One that posted filled the room
    /// it held.)
    fn leave_line(&mut self, id: u64, posted: bool) -> Left {
        let Some(at) = self.senders.iter().position(|s| s.id == id) else {
            return Left::default();
        };
        let held_a_place = !self
            .senders
            .iter()
            .take(at)
            .any(|s| s.home == self.senders[at].home);
        let Some(gone) = self.senders.remove(at) else {
            return Left::default();
        };
        if self.closed {
            return Left {
                drop: gone.waker,
                ..Left::default()
            };
        }
        let next_of_loop = (self.senders.iter().skip(at))
            .position(|s| s.home == gone.home)
            .map(|i| at + i)
            .filter(|&next| self.has_room(next, gone.home))
            .and_then(|next| self.senders[next].waker.clone());
        let given_room = if held_a_place && !posted {
            self.last_with_room()
        } else {
            None
        };
        Left {
            wake: next_of_loop,
            wake_too: given_room,
            drop: gone.waker,
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
                drop: self.waiters.remove(at).map(|(_, w)| w),
                ..Left::default()
            },
            None => Left {
                wake: self.hand_on(),
                ..Left::default()
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
    wake_too: Option<Waker>,
    drop: Option<Waker>,
}

impl Left {
    fn finish(self) {
        drop(self.drop);
        wake(self.wake);
        wake(self.wake_too);
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

    /// Takes the front value out of `s` (this mailbox's state, locked). On
    /// a bounded mailbox that makes room: a thread blocked in a post is
    /// notified, and the waker of the
    /// [`post_when_room`](Poster::post_when_room) wait that the room comes
    /// to (see [`State::last_with_room`]) is returned, to wake once the
    /// lock is let go (both: one of them may have left, or find the room
    /// taken by a post that came first, and wait again).
    #[must_use = "the waker of a post waiting for room must be woken"]
    fn pop(&self, s: &mut State<T>) -> (Option<T>, Option<Waker>) {
        let v = crate::trim::pop_front(&mut s.queue);
        if v.is_none() || s.capacity == usize::MAX {
            return (v, None);
        }
        if s.blocked > 0 {
            self.room.notify_one();
        }
        (v, s.last_with_room())
    }

    /// A poster (or a [`post_when_room`](Poster::post_when_room) wait,
    /// which counts as one) is gone; the last wakes the receives waiting,
    /// to learn of the end.
    fn poster_gone(&self) {
        let wakers = {
            let mut s = self.lock();
            s.posters -= 1;
            if s.posters > 0 {
                return;
            }
            s.all_wakers()
        };
        wake_all(wakers);
    }

    /// The mailbox refuses posts from now on: every wait learns of it.
    fn close(&self, s: &mut State<T>) -> Wakers {
        s.closed = true;
        self.room.notify_all();
        s.all_wakers()
    }

    /// A receive's poll: the next value, the end, or a wait under the id
    /// in `waiter` (made on the first wait).
    fn poll_take(&self, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.lock();
        let (got, room) = self.pop(&mut s);
        if got.is_none() && !s.ended() {
            let replaced = s.register(waiter, cx);
            drop(s);
            drop(replaced);
            return Poll::Pending;
        }
        let left = s.unregister(waiter);
        drop(s);
        left.finish();
        wake(room);
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

/// The wakers of the receives waiting, of the posts waiting for room and
/// of the stream's poll.
type Wakers = (VecDeque<(u64, Waker)>, Vec<Waker>, Option<Waker>);

/// Wakes every waiting receive and post: the end or the close, which all
/// of them are to learn.
fn wake_all((waiters, senders, stream): Wakers) {
    for w in waiters.into_iter().map(|(_, w)| w).chain(senders) {
        w.wake();
    }
    wake(stream);
}

impl<T: Send> Poster<T> {
    /// Posts `value` to the mailbox; a receiver waiting on its loop gets it
    /// at that loop's next turn. A [bounded](bounded_mailbox) mailbox that
    /// is full blocks the calling thread until there is room for it: a
    /// receive takes a value and no other post takes that room first (a
    /// `try_post`, another thread's `post` or a task's
    /// [`post_when_room`](Self::post_when_room) may; the thread then
    /// waits on). Not on the loop that receives: a task posts with
    /// `post_when_room`.
    ///
    /// # Errors
    ///
    /// [`Closed`] with the value, if the mailbox was dropped or
    /// [closed](Mailbox::close) (also while the post waited for room).
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
            while s.full() && !s.closed {
                s.blocked += 1;
                s = self.shared.room.wait(s).unwrap_or_else(|p| p.into_inner());
                s.blocked -= 1;
            }
            if s.closed {
                return Err(Closed(value));
            }
            s.push(value)
        };
        wake(next.0);
        wake(next.1);
        Ok(())
    }

    /// Posts `value` if the mailbox has room, without waiting: an
    /// unbounded one always has.
    ///
    /// # Errors
    ///
    /// [`TryPostError::Full`] with the value, if a [bounded](bounded_mailbox)
    /// mailbox holds as many values as it may; [`TryPostError::Closed`]
    /// with the value, if it was dropped or [closed](Mailbox::close).
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::sync::TryPostError;
    ///
    /// let (poster, mailbox) = tame::sync::bounded_mailbox(1);
    /// assert_eq!(poster.try_post('a'), Ok(()));
    /// assert_eq!(poster.try_post('b'), Err(TryPostError::Full('b')));
    /// assert_eq!(mailbox.try_recv(), Some('a'));
    /// assert_eq!(poster.try_post('b'), Ok(()));
    /// mailbox.close();
    /// assert_eq!(poster.try_post('c'), Err(TryPostError::Closed('c')));
    /// ```
    pub fn try_post(&self, value: T) -> Result<(), TryPostError<T>> {
        let next = {
            let mut s = self.shared.lock();
            if s.closed {
                return Err(TryPostError::Closed(value));
            }
            if s.full() {
                return Err(TryPostError::Full(value));
            }
            s.push(value)
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

impl<T: Send + 'static> Poster<T> {
    /// Posts `value` once the mailbox has room, waiting on the loop
    /// without blocking it, and triggers `ev` with `Ok(())` once it is
    /// queued: at once on an unbounded mailbox, or on a
    /// [bounded](bounded_mailbox) one that is not full. For a task that
    /// posts to a mailbox received on its own loop, or on another; a
    /// thread without a loop posts with [`post`](Self::post).
    ///
    /// The wait is a spawned future ([`tame::spawn`](crate::spawn)), woken
    /// when a receive takes a value; until its loop drops it (it posted,
    /// or, once its event died, at that loop's next turn) it counts as a
    /// poster, so the mailbox does not end under it. The waits stand in
    /// one line, in the order they were made. A loop's waits post in that
    /// order (even one not yet polled), each after the one before it; the
    /// first of each loop's in line holds a place for one value, and posts
    /// once the mailbox has room beyond the places held before it (tokio's
    /// bounded channel hands out room in line the same way). So a loop
    /// that does not run (its thread blocked) holds up one value's room,
    /// not the other loops' posts while the mailbox has more; and a wait
    /// of another loop may post ahead of one woken for room whose loop has
    /// not run it yet, when the room left is more than the places before
    /// it. A post that does not wait in that line
    /// ([`try_post`](Self::try_post), a thread's `post`) takes room
    /// wherever it finds it free, also room a wait was woken for, which
    /// then waits again, in its place still (tokio's `try_send` leaves
    /// room to the senders waiting).
    /// If `ev` dies before there is room (its rendezvous dropped, a
    /// timeout that gave up on it), the value goes with it, unposted, as
    /// tokio's `send` future dropped before it completes; an event that
    /// is already dead posts nothing.
    ///
    /// `ev` gets `Err(Closed(value))`, the value given back, if the
    /// mailbox is dropped or [closed](Mailbox::close) first.
    ///
    /// Under a timeout, give the slot `None` to start with and the event
    /// `.map(Some)`, so that a timeout (the value dropped, not posted)
    /// reads as `None`, not as the `Ok(())` a slot started at would keep;
    /// the value cannot be had back after a timeout (clone it first to
    /// post it again):
    ///
    /// ```
    /// use std::time::Duration;
    /// use tame::sync::{bounded_mailbox, Poster};
    /// use tame::{mkevent, tamed, twait, with_timeout};
    ///
    /// #[tamed]
    /// fn post_within(to: Poster<u32>, v: u32) -> bool {
    ///     let mut sent = None;
    ///     twait! {
    ///         to.post_when_room(v, with_timeout(Duration::from_millis(10), mkevent!(sent).map(Some)));
    ///     }
    ///     match sent {
    ///         Some(Ok(())) => true,
    ///         Some(Err(_closed)) => false,
    ///         None => false, // timed out: `v` was dropped
    ///     }
    /// }
    ///
    /// tame::time::pause(); // virtual time: the timeout comes at once
    /// let (to, full) = bounded_mailbox(1);
    /// to.try_post(0).unwrap();
    /// assert_eq!(tame::run_with(|done| post_within(to, 1, done)), Some(false));
    /// assert_eq!((full.try_recv(), full.try_recv()), (Some(0), None));
    /// ```
    ///
    /// # Examples
    ///
    /// A producer and a consumer on one loop, one value in flight at most:
    ///
    /// ```
    /// use tame::sync::{bounded_mailbox, Mailbox, Poster};
    /// use tame::{mkevent, tamed, twait};
    ///
    /// #[tamed]
    /// fn produce(to: Poster<u32>) {
    ///     for n in 1..=5 {
    ///         let mut sent = Ok(());
    ///         twait! { to.post_when_room(n, mkevent!(sent)); }
    ///         sent.unwrap();
    ///     }
    /// }
    ///
    /// #[tamed]
    /// fn consume(from: Mailbox<u32>) -> Vec<u32> {
    ///     let mut got = Vec::new();
    ///     loop {
    ///         assert!(from.len() <= 1);
    ///         let mut n = None;
    ///         twait! { from.recv(mkevent!(n).map(Some)); }
    ///         match n {
    ///             Some(n) => got.push(n),
    ///             None => return got, // the producer is done
    ///         }
    ///     }
    /// }
    ///
    /// let (to, from) = bounded_mailbox(1);
    /// produce(to); // runs until its first wait, then on the loop
    /// let got = tame::run_with(|done| consume(from, done));
    /// assert_eq!(got, Some(vec![1, 2, 3, 4, 5]));
    /// ```
    #[track_caller] // `blocked()` names the post's line, not this one
    pub fn post_when_room(&self, value: T, ev: Event<Result<(), Closed<T>>>) {
        // An event that reaches nobody would never tell whether the value
        // went: it posts nothing.
        if !ev.is_live() {
            return;
        }
        let mut s = self.shared.lock();
        if s.closed {
            drop(s);
            return ev.trigger(Err(Closed(value)));
        }
        if s.room_for_a_new_wait(std::thread::current) {
            let next = s.push(value);
            drop(s);
            wake(next.0);
            wake(next.1);
            return ev.trigger(Ok(()));
        }
        s.posters += 1;
        let id = s.enlist_sender();
        drop(s);
        crate::spawn(
            PostWhenRoom {
                shared: self.shared.clone(),
                value: Some(value),
                id,
            },
            ev,
        );
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
        self.shared.poster_gone();
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
        let (v, room) = {
            let mut s = self.shared.lock();
            self.shared.pop(&mut s)
        };
        wake(room);
        v
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
            // All of them, values queued or not: a post woke one receive
            // per value, and once those are taken no post will come to
            // wake the others for the end.
            self.shared.close(&mut s)
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

    /// How many values it may hold: `None` for one made by [`mailbox`],
    /// the capacity given to [`bounded_mailbox`] otherwise (but for
    /// `usize::MAX`, the unbounded mailbox's own bound: `None`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_poster, mailbox) = tame::sync::bounded_mailbox::<u32>(8);
    /// assert_eq!(mailbox.capacity(), Some(8));
    /// assert_eq!(tame::sync::mailbox::<u32>().1.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        let capacity = self.shared.lock().capacity;
        (capacity != usize::MAX).then_some(capacity)
    }
}

impl<T> Drop for Mailbox<T> {
    fn drop(&mut self) {
        let (queued, wakers) = {
            let mut s = self.shared.lock();
            (std::mem::take(&mut s.queue), self.shared.close(&mut s))
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
        if let (Some(v), room) = self.shared.pop(&mut s) {
            let old = s.stream.take();
            drop(s);
            drop(old);
            wake(room);
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

/// The future behind [`Poster::post_when_room`], with the value it posts:
/// a wait in the mailbox's line of them (`id`), counted among the posters
/// until it is dropped.
struct PostWhenRoom<T> {
    shared: Arc<Shared<T>>,
    value: Option<T>,
    id: u64,
}

// Nothing is pinned through it: the value is moved out, never borrowed
// across a poll.
impl<T> Unpin for PostWhenRoom<T> {}

impl<T> Future for PostWhenRoom<T> {
    type Output = Result<(), Closed<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut s = this.shared.lock();
        let at = s.senders.iter().position(|w| w.id == this.id);
        if !s.closed && !at.is_some_and(|at| s.has_room(at, s.senders[at].home)) {
            // Its turn has not come: its waker is kept for when it does.
            let replaced = match s.senders.iter_mut().find(|w| w.id == this.id) {
                Some(Sender { waker: Some(w), .. }) => replace_waker(w, cx),
                Some(Sender { waker, .. }) => waker.replace(cx.waker().clone()),
                None => None,
            };
            drop(s);
            drop(replaced);
            return Poll::Pending;
        }
        let value = this.value.take().expect("polled after it was ready");
        let (out, next) = if s.closed {
            (Err(Closed(value)), (None, None))
        } else {
            (Ok(()), s.push(value))
        };
        let left = s.leave_line(this.id, out.is_ok());
        drop(s);
        left.finish();
        wake(next.0);
        wake(next.1);
        Poll::Ready(out)
    }
}

impl<T> Drop for PostWhenRoom<T> {
    fn drop(&mut self) {
        if self.value.is_some() {
            // Gone before its turn (its event died): the next in line may
            // take the room it was woken for.
            let left = self.shared.lock().leave_line(self.id, false);
            left.finish();
        }
        // A value not posted is dropped with the lock let go: its drop may
        // post to this mailbox.
        drop(self.value.take());
        self.shared.poster_gone();
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

/// Why [`Poster::try_post`] gave its value back.
///
/// # Examples
///
/// ```
/// use tame::sync::TryPostError;
///
/// let (poster, _mailbox) = tame::sync::bounded_mailbox(1);
/// poster.try_post(1).unwrap();
/// let e = poster.try_post(2).unwrap_err();
/// assert!(matches!(e, TryPostError::Full(2)));
/// assert_eq!(e.to_string(), "posting to a full mailbox");
/// assert_eq!(e.into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPostError<T> {
    /// The mailbox is [bounded](bounded_mailbox) and holds as many values
    /// as it may.
    Full(T),
    /// The mailbox was dropped or [closed](Mailbox::close).
    Closed(T),
}

impl<T> TryPostError<T> {
    /// The value that was not posted.
    pub fn into_inner(self) -> T {
        match self {
            TryPostError::Full(v) | TryPostError::Closed(v) => v,
        }
    }
}

// Not the value's: it need not be `Debug`, and may be large.
impl<T> fmt::Debug for TryPostError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPostError::Full(_) => "Full(..)",
            TryPostError::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for TryPostError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPostError::Full(_) => "posting to a full mailbox",
            TryPostError::Closed(_) => "posting to a closed mailbox",
        })
    }
}

impl<T> std::error::Error for TryPostError<T> {}

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
            .field(
                "capacity",
                &(s.capacity != usize::MAX).then_some(s.capacity),
            )
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

    /// A random walk over the line of `post_when_room` waits of three
    /// loops (waits made, polled when woken or new, dropped; values taken
    /// and posted by `try_post`): a wait that has room is never left
    /// pending without a wake, the mailbox never holds more than its
    /// capacity, and each loop's values come in the order they were made.
    #[test]
    fn no_wait_with_room_is_left_without_a_wake() {
        struct Wait {
            fut: Pin<Box<PostWhenRoom<u64>>>,
            count: Arc<Count>,
            waker: Waker,
            seen: usize,
            polled: bool,
        }
        let homes: Vec<std::thread::Thread> = (0..3)
            .map(|_| std::thread::spawn(std::thread::current).join().unwrap())
            .collect();
        let mut rng: u64 = 0x1234_5678_9abc_def1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for round in 0..3000 {
            let capacity = 1 + (next() % 4) as usize;
            let (poster, m) = bounded_mailbox::<u64>(capacity);
            let mut waits: Vec<Wait> = Vec::new();
            let (mut made, mut last) = ([0u64; 3], [0u64; 3]);
            for step in 0..60 {
                match next() % 6 {
                    0 | 1 => {
                        let h = (next() % 3) as usize;
                        made[h] += 1;
                        let v = ((h as u64) << 32) | made[h];
                        let mut s = m.shared.lock();
                        if s.room_for_a_new_wait(|| homes[h].clone()) {
                            let _ = s.push(v);
                            continue;
                        }
                        s.posters += 1;
                        s.next_waiter += 1;
                        let id = s.next_waiter;
                        let home = homes[h].id();
                        s.senders.push_back(Sender {
                            id,
                            home,
                            waker: None,
                        });
                        drop(s);
                        let (count, waker) = counter();
                        let shared = m.shared.clone();
                        let value = Some(v);
                        let fut = Box::pin(PostWhenRoom { shared, value, id });
                        let (seen, polled) = (0, false);
                        waits.push(Wait {
                            fut,
                            count,
                            waker,
                            seen,
                            polled,
                        });
                    }
                    2 => {
                        let woken: Vec<usize> = (0..waits.len())
                            .filter(|&i| !waits[i].polled || wakes(&waits[i].count) > waits[i].seen)
                            .collect();
                        if woken.is_empty() {
                            continue;
                        }
                        let i = woken[next() as usize % woken.len()];
                        let w = &mut waits[i];
                        (w.polled, w.seen) = (true, wakes(&w.count));
                        let waker = w.waker.clone();
                        if let Poll::Ready(r) =
                            w.fut.as_mut().poll(&mut Context::from_waker(&waker))
                        {
                            assert!(r.is_ok());
                            waits.remove(i);
                        }
                    }
                    3 if !waits.is_empty() && next() % 3 == 0 => {
                        let i = next() as usize % waits.len();
                        waits.remove(i);
                    }
                    4 => {
                        if let Some(v) = m.try_recv() {
                            if let Some(l) = last.get_mut((v >> 32) as usize) {
                                assert!(v & 0xffff_ffff > *l, "round {round}: out of order");
                                *l = v & 0xffff_ffff;
                            }
                        }
                    }
                    5 if next() % 3 == 0 => {
                        let _ = poster.try_post(3 << 32);
                    }
                    _ => {}
                }
                let s = m.shared.lock();
                assert!(s.queue.len() <= capacity);
                for w in waits
                    .iter()
                    .filter(|w| w.polled && wakes(&w.count) == w.seen)
                {
                    let at = s.senders.iter().position(|x| x.id == w.fut.id).unwrap();
                    assert!(
                        !s.has_room(at, s.senders[at].home),
                        "round {round}, step {step}: a wait with room was not woken"
                    );
                }
            }
        }
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
