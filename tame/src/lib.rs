//! Tame-style event programming for Rust.
//!
//! A `#[tamed]` function is written top to bottom; `twait!` blocks it on a
//! set of events; the translator (crate `tame-macros`, re-exported here)
//! turns the body into one heap closure holding an explicit state machine,
//! which this crate's single-threaded epoll loop resumes when its events come
//! back. One thread, no stack per task, no `async` underneath.
//!
//! ```
//! use std::time::Duration;
//! use tame::{mkevent, tamed, tvars, twait, Event};
//!
//! #[tamed]
//! fn nap_then_say(ms: u64, what: &'static str, done: Event<&'static str>) {
//!     twait! { tame::timer(Duration::from_millis(ms), mkevent!()); }
//!     done.trigger(what);
//! }
//!
//! #[tamed]
//! fn main_task() {
//!     tvars! { let mut a = ""; let mut b = ""; }
//!     // Both naps run at once; the twait ends when both events came back.
//!     twait! {
//!         nap_then_say(20, "slow", mkevent!(a));
//!         nap_then_say(10, "fast", mkevent!(b));
//!     }
//!     assert_eq!((a, b), ("slow", "fast"));
//! }
//!
//! main_task(); // runs up to its twait
//! tame::run(); // runs the loop until nothing is left to wait for
//! ```
//!
//! A tamed function called outside the loop runs up to its first twait;
//! the rest runs in [`run`] (or [`run_with`], [`run_once`]): a `main` that
//! returns without running the loop leaves it undone, silently.
//!
//! # The primitives
//!
//! * [`Event<T>`]: one-shot; [`Event::trigger`] consumes it; every event
//!   comes back to its rendezvous exactly once (dropping counts as a trigger
//!   that writes nothing).
//! * [`Rendezvous<I>`]: a set of outstanding events with ids; `twait!(r)`
//!   takes the next id; it is also a `Stream`.
//! * The loop: [`run`], [`timer`], [`timer_at`], [`asap`], [`wait_on_fd`],
//!   [`at_signal`], [`blocked`].
//! * Time ([`time`]): [`now`], the loop's clock, read once per turn (timers
//!   count from it); timers in a timing wheel, exact in their order;
//!   [`Timer`], a handle whose drop disarms its timer and whose `reset`
//!   moves it; [`time::Interval`];
//!   virtual time for tests ([`time::pause`], [`time::advance`],
//!   [`time::resume`]).
//! * [`add_timeout`] (the paper's figure 5) and [`with_timeout`] (Tamer's),
//!   native: one allocation each, the race decided by unlinking a timer;
//!   [`time::add_timeout_then`] and [`time::with_timeout_then`] also run an
//!   action when the time runs out.
//! * Between tasks: [`all`] (one trigger reaches many events),
//!   [`sync::Mutex`], [`sync::Semaphore`], [`sync::Channel`]; between
//!   threads, [`sync::Latch`] and [`sync::mailbox`].
//! * Cancellation: an event that dies cancels whoever waits to deliver it
//!   ([`cancel`], [`cancellable`]).
//! * Driving the loop: [`run`], [`stop`], [`run_once`] (from another loop,
//!   with [`loop_fd`] and [`next_timeout`]); `twait!(r, "what")`
//!   descriptions show in [`blocked`]; [`prepare_loop`] makes a loop's
//!   descriptors at startup, where running out of them is an error.
//! * Interop: [`spawn`] a `Future`, [`event_future`] for async code;
//!   [`spawn_blocking`] runs blocking work on a pool thread.
//! * [`recipes`]: the common shapes, each a tested example; [`from_tokio`]:
//!   tokio's pieces by their names here.
//! * Descriptors: [`io`] ([`io::Fd`] for any descriptor, pipes, stdin,
//!   stdout and stderr, signals; [`io::copy`], [`io::LineReader`] over any
//!   stream), [`net`] (TCP, UDP, Unix sockets) and [`dns`] (a stub
//!   resolver, written as tamed functions).
//!
//! # Descriptors and the loop
//!
//! Each descriptor the loop waits on belongs to a *source* that its handle
//! ([`io::Fd`], [`net::TcpStream`], ...) and its operations in flight share:
//! the source holds the descriptor, its registration with the loop (under a
//! token, never its fd number) and the operation waiting for each kind of
//! readiness. An operation (a read, an accept, a readiness wait) owns its
//! buffer and the caller's event; it tries its syscall at once, and if the
//! descriptor would block it parks on the source until the loop's backend
//! (epoll, reached only through one small trait in `driver/backend.rs`)
//! reports readiness, then tries again and triggers the event. The loop
//! counts parked operations whose events are live, and an event that dies
//! (its rendezvous cancelled) tells the loop, which drops the operation, so
//! [`run`] returns as soon as nothing can happen, without scanning. A
//! descriptor closes when its last holder goes: `close()` cancels a
//! handle's operations at once, while dropping a handle lets those whose
//! events are live finish first. The [`io`] module docs tell the details.
//!
//! A process that forks while a thread of it has a loop shares that loop's
//! epoll instance with its child: what the child does to its copies of the
//! loop's handles (a `close()`, a drop, a wait) changes the parent's
//! registrations (a closed descriptor's removal removes the parent's
//! entry for it, whose waits then never wake). A child made by `fork`
//! must not use its copy of the loop nor drop its handles: it `exec`s
//! (as `std::process::Command` does), or leaves with `_exit`. A server
//! that forks workers forks before its first use of `tame` on that
//! thread, and each worker makes its own loop.
//!
//! # The layer below the translator
//!
//! A `#[tamed]` function becomes a call to [`task::start`] with a closure
//! that matches on its state. The same can be written by hand; here is a
//! program that starts three timers in parallel and waits for all of them,
//! with no macros at all:
//!
//! ```
//! use std::task::Poll;
//! use std::time::Duration;
//! use tame::task::{self, Slot, TwaitSite};
//!
//! static SITE: TwaitSite = TwaitSite::new("three_naps", file!(), line!());
//!
//! enum State {
//!     Start,
//!     Waiting { slots: Vec<Slot<u64>> },
//!     Done,
//! }
//!
//! let mut state = State::Start;
//! task::start("three_naps", move |cx| loop {
//!     state = match std::mem::replace(&mut state, State::Done) {
//!         State::Start => {
//!             let mut slots = Vec::new();
//!             for ms in [30, 10, 20] {
//!                 // A join event carrying the nap's length back.
//!                 let (ev, slot) = cx.join_event_with_slot::<u64>();
//!                 tame::timer(
//!                     Duration::from_millis(ms),
//!                     tame::Event::from_fn(move |_| ev.trigger(ms)),
//!                 );
//!                 slots.push(slot);
//!             }
//!             State::Waiting { slots }
//!         }
//!         State::Waiting { slots } => {
//!             if cx.wait_join(&SITE).is_pending() {
//!                 state = State::Waiting { slots };
//!                 return Poll::Pending;
//!             }
//!             let naps: Vec<u64> = slots.iter().filter_map(Slot::take).collect();
//!             assert_eq!(naps, [30, 10, 20]);
//!             return Poll::Ready(());
//!         }
//!         State::Done => unreachable!(),
//!     }
//! });
//! tame::run();
//! ```

#![deny(missing_docs)]

// Generated code names `::tame::__private`; inside this crate too.
extern crate self as tame;

mod blocking;
pub mod cancel;
mod compat;
mod driver;
mod event;
mod fanout;
mod nesting;
mod ready;
mod rendezvous;
mod slot;
mod spare;
mod timeout;
mod trim;

pub mod dns;
pub mod io;
pub mod net;
pub mod sync;
pub mod task;
pub mod time;

/// How `#[tamed]` expands, shown on the windowed multidns (documentation only).
#[doc = include_str!("../docs/expansion.md")]
pub mod expansion {}

/// Recipes: signalling, waiter queues, reader and writer tasks, timeouts
/// that cancel, graceful shutdown, one loop per core (documentation only).
#[doc = include_str!("../docs/recipes.md")]
pub mod recipes {}

/// Coming from tokio: each familiar piece by its name here, and the habits
/// that change (documentation only).
#[doc = include_str!("../docs/from-tokio.md")]
pub mod from_tokio {}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The `futures-core` crate tame's interop is written against: its
/// [`Stream`](futures_core::Stream) is what a [`Rendezvous`] is, and
/// naming it needs no dependency of your own.
///
/// # Examples
///
/// ```
/// use std::pin::Pin;
/// use std::task::{Context, Poll, Waker};
/// use tame::futures_core::Stream;
///
/// let mut r = tame::Rendezvous::<u8>::new();
/// r.event(4).trigger(());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(Some(4)));
/// assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(None));
/// ```
pub use futures_core;

pub use blocking::spawn_blocking;
pub use cancel::cancellable;
pub use compat::{event_future, spawn, EventFuture};
pub use event::Event;
pub use fanout::all;
pub use io::{at_signal, Interest, Signal};
pub use ready::{asap, wait_on_fd};
pub use rendezvous::Rendezvous;
pub use task::blocked;
pub use time::{now, timer, timer_at, Timeout, Timer};
pub use timeout::{add_timeout, with_timeout};

/// Rewrites a function into one heap closure holding an explicit state
/// machine, run by this thread's loop.
///
/// The body is written top to bottom; each [`twait!`] is a point where the
/// function may stop and be resumed later. Calling the function allocates
/// its task and runs the body at once, up to its first `twait!` that must
/// wait; then the call returns.
///
/// | written | what callers see |
/// |---|---|
/// | `fn f(a: A)` | `fn f(a: A)`; a caller that waits for it passes an event of its own (`fn f(a: A, done: Event)`, `done.trigger(())` at the end) |
/// | `fn f(a: A) -> T` | `fn f(a: A, done: Event<T>)`: `return v`, the tail and `?` trigger `done`; `-> ()` is the same as no return type; the parameter is `tame_done` where the function has a `done` of its own |
/// | a method | `self`, `mut self` or `self: Rc<Self>` (not `&self`: the task outlives the call) |
/// | a trait method without a body, `fn f(self: Rc<Self>, a: A) -> T;` | the declaration its tamed implementations match, `fn f(self: Rc<Self>, a: A, done: Event<T>);` |
/// | generics | each type parameter gets a `'static` bound |
///
/// Parameters are owned values, never borrows of the caller's (a `&'static`
/// reference, `&'static str`, is fine). Inside, variables live to the
/// end of their scope and drop as in a plain function, `?`, `return`,
/// `break`, `continue` and shadowing mean what they mean in Rust (but a
/// `break` or `continue` may not leave a `twait! {}` block: the block ends
/// when its events are back, so set a flag and leave after it), and the
/// compiler's lints and errors are the plain function's. The README lists
/// the few shapes that cannot be written, each with the compile error it
/// gets and what to write instead.
///
/// The attribute has one option, `crate = path`, for a crate that knows tame
/// by another name (a renamed dependency, or a re-export in another crate):
/// the expansion names the runtime as `::tame` unless told otherwise, which
/// would fail there with "cannot find `tame` in the crate root".
///
/// ```ignore
/// // Cargo.toml: my_tame = { package = "tame", version = ".." }
/// #[my_tame::tamed(crate = my_tame)] // or crate = "my_tame"
/// fn f(..) { .. }
/// ```
///
/// The path names tame itself, the crate: a library that lets its users
/// write tamed functions without depending on tame re-exports the crate
/// (`#[doc(hidden)] pub use tame;`), and they write `#[tamed(crate =
/// mylib::tame)]`. A path to a crate that re-exports only the macros
/// (`pub use tame::{tamed, twait, mkevent};`) fails with "cannot find
/// `__private` in `mylib`". (Such a library's own doc tests see tame
/// among its dependencies: they pass without `crate =` where its users'
/// code would not, so write it there too.)
///
/// # Examples
///
/// ```
/// use tame::{mkevent, tamed, twait, Rendezvous};
///
/// #[tamed]
/// fn double_later(x: u32) -> u32 {
///     twait! { tame::asap(mkevent!()); } // one turn of the loop
///     x * 2
/// }
///
/// let r = Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot(());
/// double_later(21, ev); // the generated `done` parameter
/// tame::run();
/// assert_eq!(slot.take(), Some(42));
/// ```
pub use tame_macros::tamed;

/// Waits, inside a [`#[tamed]`](tamed) function.
///
/// | form | waits until | its value |
/// |---|---|---|
/// | `twait! { stmts }` | every event made with [`mkevent!`] in the block (in its loops too) came back, triggered or dropped | `()`; the values are in their slots |
/// | `twait!(r)` | an event of rendezvous `r` came back | `Option<I>`: `Some(id)`, or `None` at once if `r` has nothing out and nothing queued |
/// | `twait!(r, "text")`, `twait! { "text"; stmts }` | the same | the same; [`blocked`] reports the text |
///
/// A block whose events all came back already (an operation that finished
/// at once) goes on without a trip through the loop (a loop of a million
/// such twaits neither grows the stack nor leaves the call it started
/// in); inside `run()`, up to 128 such twaits in a row: the next one
/// yields until the loop's next turn, so that a loop of operations that
/// never wait (reads of a descriptor that always has data) still lets
/// timers fire and other functions run. A block with no
/// `mkevent!` in it would wait for nothing: it is a compile error (a
/// `#[tamed]` function that returns nothing is waited for only if it takes
/// an `Event` of its own, `done: Event`, and triggers it). `twait!(r)` is an
/// expression: `let id = twait!(r);`, `while let Some(id) = twait!(r) {
/// .. }`, also among the arguments of std's macros that take a list of
/// expressions (`assert_eq!(twait!(r), Some(1))`, `println!("{:?}",
/// twait!(r))`, `vec![twait!(a), twait!(b)]`), evaluated in order with
/// the others, and inside an `unsafe` block. A twait cannot stand inside a
/// closure, an `async` block, a match guard or the arguments of another
/// macro (one of yours, `dbg!`, `matches!`, `mkevent!`): each is a compile
/// error that says what to write instead.
///
/// # Examples
///
/// ```
/// use tame::{mkevent, tamed, twait, Event, Rendezvous};
///
/// fn give(v: u32, ev: Event<u32>) {
///     ev.trigger(v);
/// }
///
/// #[tamed]
/// fn both(log: Event<Vec<u32>>) {
///     // A block: both events, then on.
///     let (mut a, mut b) = (0, 0);
///     twait! {
///         give(1, mkevent!(a));
///         tame::timer(std::time::Duration::from_millis(1), mkevent!());
///         give(2, mkevent!(b));
///     }
///     // A rendezvous: one event at a time, by id.
///     let r = Rendezvous::<char>::new();
///     let mut seen = vec![a, b];
///     tame::asap(mkevent!(r, 'x'));
///     while let Some(id) = twait!(r) {
///         seen.push(id as u32);
///     }
///     log.trigger(seen);
/// }
///
/// let out = Rendezvous::<()>::new();
/// let (ev, slot) = out.event_with_slot(());
/// both(ev);
/// tame::run();
/// assert_eq!(slot.take(), Some(vec![1, 2, 'x' as u32]));
/// ```
pub use tame_macros::twait;

/// Makes an event, inside a [`#[tamed]`](tamed) function.
///
/// | form | where | makes |
/// |---|---|---|
/// | `mkevent!()` | in a `twait! { .. }` block | an `Event<()>` the block waits for |
/// | `mkevent!(x)` | in a `twait! { .. }` block | an `Event<T>`; its value lands in the place `x` when the block ends |
/// | `mkevent!(a, b)` | in a `twait! { .. }` block | an `Event<(A, B)>`, each part to its place (`conn.read(buf, mkevent!(buf, got))`) |
/// | `mkevent!(r, id)` | anywhere in the function | an `Event<()>` of rendezvous `r` that reports `id` to `twait!(r)` |
/// | `mkevent!(r, id, x, ..)` | anywhere in the function | the same carrying values, in their places by the time `twait!(r)` returns `id` |
///
/// A slot is a variable, a field path (`s.count`) or an index (`a[i]`: the
/// index is taken when the event is made), or `_`, which drops that value
/// (or that part of it: `mkevent!(_, got)`) where it comes back, as `(_,
/// got) = f()` would. An event dropped untriggered
/// leaves its slot as it was. In a block, `mkevent!(x, y)` is two slots
/// unless `x` was declared as a [`Rendezvous`] (by type or by
/// `Rendezvous::new()`). A slot must have the event's type: an operation's
/// result is usually `io::Result<..>` (check it after the twait).
///
/// # Examples
///
/// ```
/// use tame::{mkevent, tamed, twait, Event, Rendezvous};
///
/// fn later(v: &'static str, ev: Event<&'static str>) {
///     tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(v)));
/// }
///
/// #[tamed]
/// fn slots(done: Event<(Vec<&'static str>, &'static str)>) {
///     let mut words = vec![""; 3];
///     twait! {
///         for i in 0..3 {
///             later(["a", "b", "c"][i], mkevent!(words[i]));
///         }
///     }
///     let r = Rendezvous::<u8>::new();
///     let mut last = "";
///     later("z", mkevent!(r, 9, last));
///     let id = twait!(r);
///     assert_eq!(id, Some(9));
///     done.trigger((words, last));
/// }
///
/// let out = Rendezvous::<()>::new();
/// let (ev, slot) = out.event_with_slot(());
/// slots(ev);
/// tame::run();
/// assert_eq!(slot.take(), Some((vec!["a", "b", "c"], "z")));
/// ```
pub use tame_macros::mkevent;

/// Declares a [`#[tamed]`](tamed) function's variables up front, as Tame's
/// `tvars { }` block did: `let` statements (types optional), as the
/// function's first statement, at most once.
///
/// Optional: every variable in scope at a twait is kept without it. It is
/// there for code that comes from Tame, and as one place to read what the
/// function keeps across its waits.
///
/// # Examples
///
/// ```
/// use tame::{mkevent, tamed, tvars, twait, Event};
///
/// #[tamed]
/// fn count_turns(n: u32, done: Event<u32>) {
///     tvars! {
///         let mut turns = 0;
///     }
///     while turns < n {
///         twait! { tame::asap(mkevent!()); }
///         turns += 1;
///     }
///     done.trigger(turns);
/// }
///
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot(());
/// count_turns(3, ev);
/// tame::run();
/// assert_eq!(slot.take(), Some(3));
/// ```
pub use tame_macros::tvars;

/// Runs this thread's loop until nothing can make progress any more: no
/// runnable task, no armed timer, no fd wait, no spawned future that can
/// still be woken (one whose waker nobody holds any more cannot).
///
/// Tamed functions called before `run()` have already started (up to their
/// first blocking `twait`). [`stop`] makes it return early; [`run_once`]
/// runs a single turn.
///
/// A function waiting for an event that nobody can trigger any more (its
/// holder is itself waiting, a deadlock) does not keep `run()` going: it
/// returns, and [`blocked`] lists what still waits and where. A program
/// that must not end that way checks it after `run()`.
///
/// # Panics
///
/// A panic inside a tamed function propagates out of `run()`, its payload
/// (what `catch_unwind` returns) naming the function: "tamed function
/// `name` panicked: ..." (a payload that is no message, from `panic_any`,
/// propagates as it is). The panic hook has already printed the panic
/// where it happened, with its file and line, and does not run again. Calling `run()` from inside a task (or a
/// callback the loop runs) panics: the loop does not nest. So does calling
/// it in a tamed function started outside `run()`, up to its first
/// blocking `twait`: its body runs then as the loop would run it. On a
/// paused clock, a move of the clock past its range (484 years after its
/// start: see [`time`]) panics.
///
/// # Examples
///
/// ```
/// use tame::{mkevent, tamed, twait, Rendezvous};
///
/// tame::run(); // nothing to do: returns at once
///
/// // A wait nobody can end: the one event of `r` out is held by the
/// // function itself, which never triggers it.
/// #[tamed]
/// fn stuck(r: Rendezvous<u32>) {
///     let _held = r.event(1); // held, never triggered
///     twait!(r, "an event this function holds itself");
/// }
/// stuck(Rendezvous::new());
/// tame::run();
/// let b = tame::blocked();
/// assert_eq!(b.len(), 1);
/// assert_eq!(b[0].description(), Some("an event this function holds itself"));
/// ```
#[track_caller]
pub fn run() {
    driver::run();
}

/// Makes this thread's loop's own descriptors now, or says why it cannot:
/// its epoll instance, and the eventfd through which other threads wake
/// it (a waker used on another thread, a [`spawn`]ed future's, the result
/// of [`spawn_blocking`]).
///
/// The loop otherwise makes them when first needed, and a process out of
/// file descriptors then learns it late: as the error of the registration
/// that needed the epoll instance, or as a panic of [`spawn`], which has
/// no error to return. A server calls this at startup, on each loop's
/// thread (as tokio's `Runtime::new` returns an error), so that too few
/// descriptors for its loops is an error it reports before it announces
/// itself, not a failure at its first connection. After it succeeded,
/// `spawn` does not fail for want of descriptors.
///
/// Calling it again does nothing, and the descriptors count as no wait:
/// [`run`] returns as it would without them.
///
/// # Errors
///
/// The error of `epoll_create1` or `eventfd`: EMFILE (`Too many open
/// files`) when the process is at its limit of descriptors.
///
/// # Examples
///
/// ```
/// if let Err(e) = tame::prepare_loop() {
///     eprintln!("cannot start the loop: {e}");
///     std::process::exit(1);
/// }
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, slot) = r.event_with_slot::<u32>(());
/// tame::spawn(async { 7 }, ev); // has its eventfd: cannot panic for want of one
/// tame::run();
/// assert_eq!(slot.take(), Some(7));
/// ```
pub fn prepare_loop() -> std::io::Result<()> {
    driver::remote().map(drop)
}

/// Calls `start` with an event, runs the loop as [`run`] does, and returns
/// the value the event was triggered with: `None` if it was dropped
/// untriggered (the function panicked out of `run()` before, was
/// cancelled, or never kept its promise), if the loop was stopped
/// ([`stop`]) before it came, or if the function still waits when nothing
/// left can end its wait (a deadlock: [`blocked`] lists it, until the next
/// `run()` cancels it).
///
/// The function's event goes with `run_with`, as a tokio `block_on`'s
/// future does: a function stopped before its value came is cancelled on
/// the loop's next turn (a later `run()`), its variables dropped. A
/// server that stops its loop on a signal and lets its work drain with a
/// later `run()` starts its function with an event of its own instead
/// (an event of a `Rendezvous` it keeps), and calls [`run`].
///
/// The usual `main` of a program (or body of a test) that runs one tamed
/// function and wants its value: `start` is typically `|done| f(args,
/// done)`. The loop runs until nothing can make progress, as with `run()`,
/// not only until the value arrives (tokio's `block_on` returns then): a
/// timer, a signal watcher or a listener still armed keeps it going. To
/// return with the value as soon as it comes, use [`run_until`].
///
/// `start` runs under the loop's cooperative budget, as a task `run()`
/// runs: a function it starts whose twaits never wait (a loop over events
/// triggered at once) gives the thread up after 128 of them, so the
/// loop's timers and descriptors get their turn. (A function started
/// before `run()` by other means runs on until a twait that waits.)
///
/// # Panics
///
/// As [`run`]: a panic inside a tamed function propagates, and calling it
/// from inside the loop panics.
///
/// # Examples
///
/// ```
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn add_later(a: u32, b: u32) -> u32 {
///     twait! { tame::asap(mkevent!()); }
///     a + b
/// }
///
/// assert_eq!(tame::run_with(|done| add_later(2, 3, done)), Some(5));
/// // An event dropped untriggered: no value.
/// assert_eq!(tame::run_with(|done: tame::Event<u32>| drop(done)), None);
///
/// // An hour-long timer would keep `run_with` going: `run_until` returns
/// // with the value.
/// tame::timer(std::time::Duration::from_secs(3600), tame::Event::detached());
/// assert_eq!(tame::run_until(|done| add_later(1, 1, done)), Some(2));
/// ```
#[track_caller]
pub fn run_with<T: 'static>(start: impl FnOnce(Event<T>)) -> Option<T> {
    // Refused before `start` runs, in its own name: nested, the function
    // would be started, and then the loop refused.
    driver::refuse_nested("run_with");
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    // Under the budget of a turn (see `run`): the function is as one the
    // loop started, and a loop of twaits that never wait gives way to the
    // rest of the loop's work, which `run()` then does.
    driver::budgeted(|| start(ev));
    run();
    slot.take()
}

/// Calls `start` with an event and runs the loop until that event comes
/// back: returns its value as soon as it is triggered, leaving the rest of
/// the loop's work where it is (tasks blocked, timers armed, listeners
/// open), for a later [`run`] or `run_until` to go on with; as tokio's
/// `block_on` and `LocalSet::run_until` return when their future is done.
/// [`run_with`] runs until nothing can make progress instead.
///
/// `None` as for `run_with`: the event dropped untriggered (the function
/// was cancelled, or panicked out of a turn before), the loop stopped
/// ([`stop`]) before the value came, or the function waiting when the
/// loop has nothing left to run. (A function that waits for what nothing
/// will do, beside other work that goes on, a ticker or an armed timer,
/// keeps `run_until` waiting as long as that work lasts: it cannot tell
/// that nothing will end the function's wait.) Its event goes with
/// `run_until` when it returns `None`, and the function is cancelled on
/// the loop's next turn. A value triggered while
/// `start` runs returns at once, with no turn of the loop.
///
/// # Panics
///
/// As [`run`]: a panic inside a tamed function propagates, and calling it
/// from inside the loop panics.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn add_later(a: u32, b: u32) -> u32 {
///     twait! { tame::asap(mkevent!()); }
///     a + b
/// }
///
/// // Work that outlives the value: an hour-long timer.
/// let r = tame::Rendezvous::<()>::new();
/// tame::timer(Duration::from_secs(3600), r.event(()));
/// assert_eq!(tame::run_until(|done| add_later(2, 3, done)), Some(5));
/// assert_eq!(r.pending(), 1, "the timer is still armed");
/// ```
#[track_caller]
pub fn run_until<T: 'static>(start: impl FnOnce(Event<T>)) -> Option<T> {
    driver::refuse_nested("run_until");
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    // Under a turn's budget, as `run_with` starts its function.
    driver::budgeted(|| start(ev));
    while !slot.is_back() && driver::run_once(None) {}
    slot.take()
}

/// Makes [`run`] return after its current turn, leaving the rest of the
/// work where it is (Tamer's `break_loop`): tasks stay blocked, timers
/// armed, and a later `run()` or [`run_once`] goes on with them.
///
/// Called from inside the loop (a task, an event's callback, a signal's
/// event), it stops the `run()` that is running; called when no loop runs,
/// it stops the next `run()` after its first turn, or is taken by the next
/// [`run_once`], which returns `false` for a turn in which (or before
/// which, outside the loop) `stop()` was called. (A function
/// [`run_with`] or [`run_until`] started is the exception to "stays": its
/// event goes with them, they return `None`, and it is cancelled.)
///
/// It acts on the calling thread's loop only: each thread has its own, and
/// a call from another thread (a Ctrl-C handler's, a supervisor's) stops
/// that thread's next `run()`, not this one. To stop a loop from another
/// thread, have the loop wait on a [`sync::Latch`] the other thread sets,
/// with an event that calls `stop()`:
/// `latch.wait(Event::from_fn(|_: Option<()>| tame::stop()))?`; for a
/// signal, [`at_signal`] delivers it on the loop.
///
/// # Examples
///
/// A server that stops on SIGTERM would pass this event to
/// [`at_signal`]; here a timer stands in for the signal:
///
/// ```
/// use std::time::Duration;
///
/// let r = tame::Rendezvous::<()>::new();
/// tame::timer(Duration::from_secs(3600), r.event(())); // work that stays
/// tame::asap(tame::Event::from_fn(|_| tame::stop()));
/// tame::run(); // returns after the turn that called stop()
/// assert_eq!(r.pending(), 1, "the hour-long timer is still armed");
/// ```
pub fn stop() {
    driver::stop();
}

/// Runs one turn of this thread's loop (Tamer's `once`): what is ready
/// runs; if nothing was, the loop waits for an fd or a timer, at most
/// `timeout` rounded up to a whole millisecond (`None`: as long as it
/// takes), and runs what that made ready,
/// the tasks that the fired timers woke included. If something was, the
/// loop looks at its fds without waiting and runs what they made ready:
/// a function that yields at every turn does not keep the fds from a
/// caller that steps the loop. A turn runs at most 1,024 of the tasks and
/// callbacks queued to run (a burst of wakes): the rest run in the turns
/// after, so the fds are looked at in between (the timers due at the
/// turn's start all fire in it, and what they wake queues behind). A turn can also end with
/// nothing run (the timer wheel wakes the loop on its way to a far timer,
/// or a signal interrupts the wait: a handler of the program's own ran, or
/// the process was stopped and continued, as `epoll_wait` reports then):
/// to wait for something, step until it has come.
/// Returns whether work remains (what [`run`] would still wait for) and
/// [`stop`] was not called during the turn (nor outside the loop since
/// the last `run()` or `run_once`). On a paused clock
/// ([`time::pause`]) the turn lets at most `timeout` of virtual time pass.
/// Readiness that nothing waited for (a socket just registered is
/// reported writable at once) does not end the wait.
///
/// With nothing left (no timer, fd wait or spawned future: what makes it
/// return `false`), it returns at once without waiting, whatever
/// `timeout` says, as [`run`] does: a caller that paces itself by it
/// (a frame loop passing the time left in its frame) sleeps itself then.
///
/// For driving tame from another loop, or stepping through a program in a
/// test. Another loop waits on [`loop_fd`] for at most [`next_timeout`]
/// and then steps tame with `run_once(Some(Duration::ZERO))` (see
/// `loop_fd`'s example); or it lets tame do the waiting (hands its own
/// descriptors to tame with [`wait_on_fd`] or [`io::Fd`], and calls
/// `run_once(Some(time_left))` as its sleep). Stepping with
/// `Some(Duration::ZERO)` once a frame, and waiting for nothing, sees
/// timers and fds only as often as the frames come.
///
/// The wait is counted in whole milliseconds, as `epoll_wait` takes it:
/// `timeout` is rounded up (not down, which would turn a short wait into
/// a busy loop of zero waits), so a `timeout` above zero and under 1 ms
/// may block for up to 1 ms, and one of 1.2 ms for up to 2 ms.
/// `Some(Duration::ZERO)` does not wait at all: it runs what is ready and
/// looks at the fds.
///
/// # Panics
///
/// As [`run`]: from inside a task it panics, and a task's panic propagates.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// // A paused clock (see `tame::time::pause`): the hour below passes at
/// // once when the loop would wait for it, and no sooner.
/// tame::time::pause();
/// let r = tame::Rendezvous::<u32>::new();
/// tame::asap(r.event(1));
/// tame::timer(Duration::from_secs(3600), r.event(2));
/// assert!(tame::run_once(Some(Duration::ZERO)), "the timer is still armed");
/// assert_eq!(r.try_next(), Some(1));
/// while tame::run_once(None) {}
/// assert_eq!(r.try_next(), Some(2));
/// assert!(!tame::run_once(None), "nothing left: returns at once");
/// tame::time::resume();
/// ```
#[track_caller]
pub fn run_once(timeout: Option<std::time::Duration>) -> bool {
    driver::run_once(timeout)
}

/// This thread's loop's epoll descriptor, for another loop (a GUI's, a C
/// library's `poll`, tokio's `AsyncFd`) to wait on: it is readable when a
/// descriptor tame waits on became ready, another thread woke the loop
/// (a [`spawn`]ed future's waker, a [`sync::Latch`], a
/// [`spawn_blocking`] job's result), or code of this thread queued work
/// for tame between two steps (an [`asap`], a timer armed, a tamed
/// function started, a spawned future woken, a wait cancelled, whose
/// function or future the next step drops: a tokio task that uses tame
/// while the task driving tame is parked). Wait on it for at most
/// [`next_timeout`], then step tame with `run_once(Some(Duration::ZERO))`,
/// which takes what made it readable.
///
/// Made on first use, with the descriptor other threads wake the loop
/// through. It is the loop's own: poll it, do not read, register or
/// close it; it stays valid as long as the thread.
///
/// # Errors
///
/// If the loop's epoll instance or its eventfd cannot be made (out of
/// file descriptors), or the thread is exiting.
///
/// # Examples
///
/// Another loop waiting on tame's descriptor and its next timer: a write
/// from another thread wakes it, long before the timer would.
///
/// ```
/// use std::os::fd::BorrowedFd;
/// use std::time::Duration;
/// use rustix::event::{poll, PollFd, PollFlags, Timespec};
///
/// let r = tame::Rendezvous::<&str>::new();
/// tame::timer(Duration::from_secs(60), r.event("timer"));
/// let (reader, mut writer) = std::io::pipe().unwrap();
/// let reader = tame::io::Fd::new(reader).unwrap();
/// reader.readable(r.event_with_slot("readable").0); // a descriptor tame waits on
/// let fd = tame::loop_fd().unwrap();
/// std::thread::spawn(move || std::io::Write::write_all(&mut writer, b"x").unwrap());
/// let mut steps = 0;
/// while r.try_next().is_none() {
///     steps += 1;
///     // SAFETY: the descriptor is the loop's, valid while this thread runs.
///     let fd = unsafe { BorrowedFd::borrow_raw(fd) };
///     let timeout = tame::next_timeout().map(|d| Timespec::try_from(d).unwrap());
///     poll(&mut [PollFd::new(&fd, PollFlags::IN)], timeout.as_ref()).unwrap();
///     tame::run_once(Some(Duration::ZERO));
/// }
/// assert_eq!(r.pending(), 1, "the timer is still armed: the descriptor woke the loop");
/// assert!(steps < 100, "it waited, it did not spin: {steps} steps");
/// ```
pub fn loop_fd() -> std::io::Result<std::os::fd::RawFd> {
    driver::loop_fd()
}

/// How long another loop waiting on [`loop_fd`] may wait before it steps
/// tame again (`run_once(Some(Duration::ZERO))`): `Some(Duration::ZERO)`
/// when the loop has work to do at once (tasks or events queued, a timer
/// armed outside a turn to take in), the time to the loop's next timer
/// wake-up
/// (a far timer wakes the loop on its way, as `run_once` says), `None`
/// when no timer is armed (wait on the descriptor alone). On a paused
/// clock ([`time::pause`]) it is virtual time, which the step with
/// `Duration::ZERO` does not move: a loop driving tame on a paused clock
/// moves it itself ([`time::advance`]). See [`loop_fd`]'s example.
pub fn next_timeout() -> Option<std::time::Duration> {
    driver::next_timeout()
}

/// Test support: how many timers are armed (every one with a live event:
/// a cancelled timer is removed when it is cancelled).
#[doc(hidden)]
pub fn __timer_entries() -> usize {
    driver::timer_entries()
}

/// Test support: how many parked waits the loop counts as live (the count
/// `run()` goes by).
#[doc(hidden)]
pub fn __live_waits() -> usize {
    driver::live_waits()
}

/// Test support: the size in bytes of one armed timer's entry.
#[doc(hidden)]
pub fn __timer_entry_size() -> usize {
    driver::timer_entry_size()
}
