//! Waiting between tasks: a [`Mutex`] (exclusive and shared holders, FIFO)
//! and a [`Channel`] (values and receivers matched FIFO).
//!
//! Both hand out their results through events, like everything on the
//! loop: `let guard: Guard; twait! { m.acquire(mkevent!(guard)); }`. A
//! waiter whose event can no longer be delivered (its rendezvous is gone, say after a
//! [`with_timeout`](crate::with_timeout) gave up) is skipped, so it holds
//! nothing up and loses nothing: a value a channel would have given it goes
//! to the next receiver.

mod channel;
mod mutex;

pub use channel::Channel;
pub use mutex::{Guard, Mutex};
