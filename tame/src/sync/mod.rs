//! Waiting between tasks: a [`Mutex`] (exclusive and shared holders, FIFO),
//! a [`Semaphore`] (at most `n` holders, FIFO) and a [`Channel`] (values and
//! receivers matched FIFO); and between threads, a [`Latch`] (set once
//! from anywhere, waited for on any loop) and a [`Mailbox`] (values posted
//! from any thread, received on a loop; [`bounded_mailbox`] makes one
//! whose posters wait for room).
//!
//! Each hands out its results through events, like everything on the
//! loop: `let guard: Guard; twait! { m.acquire(mkevent!(guard)); }`. A
//! waiter whose event can no longer be delivered (its rendezvous is gone, say after a
//! [`with_timeout`](crate::with_timeout) gave up) is skipped, so it holds
//! nothing up and loses nothing: a value a channel would have given it goes
//! to the next receiver. That holds from the moment a tamed function (or a
//! spawned future) is doomed (an event it watches died: the loop cancels it
//! at its next turn), for the event it is blocked on: its `twait!{}`
//! block's, its rendezvous' in `twait!(r)`, or the
//! [`EventFuture`](crate::EventFuture) or rendezvous stream it awaits; and
//! for the functions it waits for, and theirs (the loop cancels them with
//! it): those it started in that `twait!{}` block, or with events of the
//! rendezvous it waits on in `twait!(r)` when that is a variable of its
//! own holding the `Rendezvous` (not a `Box` or an `Rc` of one, or a
//! field: a shared one may outlive it, and its events and those
//! functions with it, so they are still served); also through a
//! [`with_timeout`](crate::with_timeout) or
//! [`add_timeout`](crate::add_timeout) around such an event; and for the
//! other events of its own rendezvous that woke it last, until it waits
//! on another (doomed before it ran, or later at a `twait! {}`; a spawned
//! future: the rendezvous stream that woke it, doomed before it was polled
//! again). (An
//! event of another rendezvous it is not waiting on at that moment still
//! takes a value, which goes with the task; so does a function whose result goes to a
//! shared rendezvous, or to an `EventFuture` a spawned future awaits.) Such a waiter is dropped on the loop's next turn,
//! wherever it waits in the queue (behind a lock held long, on a channel
//! polled with a timeout), and what its event holds goes with it: a permit
//! or a guard captured by its `map` closure (a hand-over-hand locker's
//! guard of the lock before) is released then, as tokio drops a cancelled
//! waiter's state. A queue that grows while the loop does not turn is also
//! swept of its dead waiters, so it holds at most about twice its live
//! waiters. A channel's value handed to a receiver that then leaves goes
//! with it; see [`Channel::readable`] for the wait that takes nothing.
//! So does one handed to a task before it was doomed, even if the task
//! has not run since: two tasks served in one turn, the first to run
//! cancelling the other, take the other's value with it (as any event's
//! value goes with its task). Where every value matters, stop a receiving
//! task by telling it (close the channel, or send it a message to stop)
//! rather than by letting its events die.
//!
//! A waiter whose event's callback panics (an event made with
//! [`Event::from_fn`](crate::Event::from_fn)) holds nobody else up: the
//! panic goes out of the call that handed out (a `send`, a permit or
//! guard given back, a latch's wait ending in `run()`), and the waiters it
//! was handing out to after that one are served from the loop's queue, in
//! this turn if the loop runs one, else when the program that caught the
//! panic runs the loop. A permit or guard dropped by a panic's unwind (its
//! holder panicked) hands out from the loop's queue only, so that a waiter
//! whose callback panics too does not panic inside that unwind, which
//! would abort the process. Waiters whose events come back untriggered
//! together (a channel closed, even by a [`CloseGuard`] that a panic
//! drops; the last handle of a semaphore or a mutex dropped with no permit
//! or guard of it out, which would keep it, and serve them) each get
//! their `None`, even past one whose callback panics on it: the first such
//! panic goes out of the call (unless a panic is unwinding already), and a
//! later one has printed its message and goes no further.
//!
//! # Examples
//!
//! ```
//! use tame::sync::{Channel, Guard, Mutex};
//! use tame::{mkevent, tamed, twait, Event};
//!
//! #[tamed]
//! fn worker(m: Mutex, jobs: Channel<u32>, done: Event<u32>) {
//!     let mut job = 0;
//!     twait! { jobs.recv(mkevent!(job)); }
//!     let guard: Guard;
//!     twait! { m.acquire(mkevent!(guard)); }
//!     done.trigger(job * 10); // with the lock held
//!     drop(guard);
//! }
//!
//! let (m, jobs) = (Mutex::new(), Channel::new());
//! let r = tame::Rendezvous::<()>::new();
//! let (ev, out) = r.event_with_slot(());
//! worker(m.clone(), jobs.clone(), ev);
//! jobs.send(4);
//! tame::run();
//! assert_eq!(out.take(), Some(40));
//! assert!(!m.is_held());
//! ```

mod channel;
mod latch;
mod mailbox;
mod mutex;
mod queue;
mod semaphore;

pub use channel::{Channel, CloseGuard, Closed};
pub use latch::Latch;
pub use mailbox::{bounded_mailbox, mailbox, Mailbox, Poster, TryPostError};
pub use mutex::{Guard, Mutex};
pub use semaphore::{Permit, Semaphore};
