//! Signals as events: [`at_signal`] (Tamer's `at_signal`), over the
//! backend's signal source (a signalfd with epoll).
//!
//! A signal tame handles is blocked in the thread (so that it stays pending
//! instead of running its default action, which for most is to end the
//! process) and read from the signal descriptor, which the loop waits on
//! like any other. One table per loop holds the waiters; it is registered
//! with the loop as a source of its own.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::rc::{Rc, Weak};

use crate::driver::{self, Ready, Registration, SignalSource, Signals, Token};
use crate::Event;

/// A signal [`at_signal`] can wait for.
///
/// # Examples
///
/// ```
/// assert_eq!(tame::Signal::Term.to_string(), "SIGTERM");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// `SIGHUP`: the terminal went away; daemons take it as "reload".
    Hup,
    /// `SIGINT`: Ctrl-C.
    Int,
    /// `SIGQUIT`: Ctrl-\.
    Quit,
    /// `SIGUSR1`.
    Usr1,
    /// `SIGUSR2`.
    Usr2,
    /// `SIGALRM`.
    Alrm,
    /// `SIGTERM`: please stop (what `kill` and service managers send).
    Term,
    /// `SIGCHLD`: a child process ended or stopped.
    ///
    /// To wait for a child's exit on the loop: block it at the start of
    /// `main` (`Signal::Chld.block()`, before any child is started: its
    /// default action is to ignore it, so one that comes unblocked is
    /// lost), then loop on `child.try_wait()` first and
    /// `at_signal(Signal::Chld, ..)` second (several ends may come as one
    /// signal, and one may come before the wait). Or give
    /// `child.wait()` to [`spawn_blocking`](crate::spawn_blocking); or
    /// wait on a pidfd (`rustix::process::pidfd_open`) made an
    /// [`io::Fd`](crate::io::Fd), readable once the child has ended.
    /// Start children with
    /// [`unblock_signals`](crate::io::CommandExt::unblock_signals): they
    /// inherit the signals a program blocks.
    Chld,
    /// `SIGWINCH`: the terminal was resized.
    Winch,
}

impl Signal {
    fn number(self) -> i32 {
        use rustix::process::Signal as S;
        let s = match self {
            Signal::Hup => S::HUP,
            Signal::Int => S::INT,
            Signal::Quit => S::QUIT,
            Signal::Usr1 => S::USR1,
            Signal::Usr2 => S::USR2,
            Signal::Alrm => S::ALARM,
            Signal::Term => S::TERM,
            Signal::Chld => S::CHILD,
            Signal::Winch => S::WINCH,
        };
        s.as_raw()
    }

    fn name(self) -> &'static str {
        match self {
            Signal::Hup => "SIGHUP",
            Signal::Int => "SIGINT",
            Signal::Quit => "SIGQUIT",
            Signal::Usr1 => "SIGUSR1",
            Signal::Usr2 => "SIGUSR2",
            Signal::Alrm => "SIGALRM",
            Signal::Term => "SIGTERM",
            Signal::Chld => "SIGCHLD",
            Signal::Winch => "SIGWINCH",
        }
    }

    /// Blocks the signal in the calling thread without waiting for it yet:
    /// from now on it stays pending until an [`at_signal`] takes it (the
    /// first `at_signal` for a signal does this too).
    ///
    /// Signals sent to the process go to any thread that does not block
    /// them, and threads inherit the mask of the thread that spawned them:
    /// call this at the start of `main`, before spawning threads, for each
    /// signal the program will handle, so that one arriving early neither
    /// ends the process nor goes to another thread.
    /// Child processes inherit the mask as well: start them with
    /// [`unblock_signals`](CommandExt::unblock_signals).
    ///
    /// # Errors
    ///
    /// As `pthread_sigmask(3)` (in practice, none).
    ///
    /// # Examples
    ///
    /// ```
    /// tame::Signal::Usr2.block().unwrap();
    /// ```
    pub fn block(self) -> io::Result<()> {
        Signals::block(self.number())
    }

    /// Gives the signal back its own action in the calling thread: tame
    /// stops watching it and unblocks it, so that (for most signals) it
    /// ends the process again. This is how a server lets a second Ctrl-C
    /// end it at once while its graceful shutdown runs, or after it.
    ///
    /// * Every [`at_signal`] wait for it ends: its event is dropped
    ///   untriggered (it reports back with no value), so a `twait!` on it
    ///   does not hang; unless the signal had arrived already and the
    ///   loop had not handed it out yet: the waiters get that arrival.
    /// * Arrivals before it are settled first: other signals the loop read
    ///   with them go to their waiters as usual, and one of `self` that
    ///   nobody waited for is forgotten (also one that arrived while the
    ///   signal was only [`block`](Signal::block)ed). One that arrives from
    ///   now on runs its action.
    /// * Those waiters' callbacks run in this call, once the signal is
    ///   restored: one that panics (the panic goes on out of `restore`)
    ///   leaves the signal restored all the same, and the waits that
    ///   ended untriggered are dropped.
    /// * It undoes [`block`](Signal::block) too, also for a signal that
    ///   was only blocked and never waited for. A later [`at_signal`]
    ///   watches it again.
    /// * The mask is per thread: only the calling thread unblocks it. In a
    ///   program with threads that all block the signal (as
    ///   [`block`](Signal::block) advises), a signal sent to the process
    ///   then goes to this thread, and stays pending once it has ended:
    ///   call this on the thread that lives longest (the main thread,
    ///   joining the others).
    ///
    /// # Errors
    ///
    /// If the signal descriptor cannot be changed (in practice, never).
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::Signal;
    ///
    /// let r = tame::Rendezvous::<()>::new();
    /// tame::at_signal(Signal::Usr1, r.event(())).unwrap();
    /// Signal::Usr1.restore().unwrap();
    /// // The wait is over, untriggered: `run()` has nothing to wait for.
    /// tame::run();
    /// assert_eq!(r.try_next(), Some(()));
    /// assert_eq!(r.pending(), 0);
    /// ```
    pub fn restore(self) -> io::Result<()> {
        let table = TABLE.try_with(|t| t.borrow().clone()).ok().flatten();
        match table {
            Some(table) => table.remove(self.number()),
            None => forget_and_unblock(self.number()),
        }
    }
}

/// Unblocks `signo`, a signal blocked but not watched ([`Signal::block`]),
/// forgetting an arrival still pending, as [`Signal::restore`] forgets one
/// the loop took in: taken first (with `sigtimedwait`, which needs no
/// descriptor: out of them, a pending arrival ran the signal's default
/// action when it was unblocked, ending the process).
fn forget_and_unblock(signo: i32) -> io::Result<()> {
    Signals::forget_pending(signo)?;
    Signals::unblock(signo)
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Triggers `ev` when the process gets `sig` (Tamer's `at_signal`).
///
/// * The first call for a signal blocks it in this thread and starts
///   watching it: from then on it no longer runs its default action (most
///   end the process), even when nobody waits for it any more (the loop
///   keeps its signal descriptor open for the next `at_signal`), until
///   [`Signal::restore`] gives it back: a program that wants a second
///   Ctrl-C to end it at once calls that when the first arrives. See
///   [`Signal::block`] for programs with threads.
/// * Every waiter of `sig` is triggered by one arrival (a broadcast). To
///   hear about the next one, call `at_signal` again.
/// * A signal that arrives while nobody waits for it (after it was first
///   blocked) is kept: the next `at_signal` for it triggers on the loop's
///   next turn. Several arrivals meanwhile count as one, as the kernel
///   merges pending signals.
/// * A live wait keeps [`run`](crate::run) going like any other wait; one
///   whose event is dead (its rendezvous cancelled) does not.
///
/// One loop per process should handle a given signal: the kernel hands a
/// signal sent to the process to whichever signal descriptor reads first.
///
/// # Errors
///
/// If the signal descriptor cannot be made or registered (out of file
/// descriptors); `ev` is dropped then.
///
/// # Examples
///
/// A server's shutdown on Ctrl-C or `kill`, whichever comes first:
///
/// ```no_run
/// use tame::{mkevent, tamed, twait, tvars, Rendezvous, Signal};
///
/// #[tamed]
/// fn until_stopped() {
///     tvars! { let r = Rendezvous::<Signal>::new(); }
///     tame::at_signal(Signal::Int, mkevent!(r, Signal::Int)).unwrap();
///     tame::at_signal(Signal::Term, mkevent!(r, Signal::Term)).unwrap();
///     if let Some(sig) = twait!(r) {
///         eprintln!("got {sig}, shutting down");
///     }
///     // Dropping `r` here ends the other wait, so it keeps nothing alive.
/// }
///
/// until_stopped();
/// tame::run();
/// ```
pub fn at_signal(sig: Signal, ev: Event) -> io::Result<()> {
    let table = match table() {
        Ok(table) => table,
        Err(e) => {
            if TABLE.try_with(|_| ()).is_err() {
                // The thread's table is gone (thread teardown): a waiter
                // dropped with it that waits again is not called again.
                driver::drop_for_gone_loop(ev);
            } else {
                driver::drop_refused(ev);
            }
            return Err(e);
        }
    };
    table.add_waiter(sig.number(), ev)
}

thread_local! {
    static TABLE: RefCell<Option<Rc<SignalTable>>> = const { RefCell::new(None) };
}

fn table() -> io::Result<Rc<SignalTable>> {
    let table = TABLE.try_with(|t| {
        if let Some(table) = t.borrow().as_ref() {
            return Ok(table.clone());
        }
        let table = Rc::new(SignalTable {
            source: RefCell::new(Signals::new()?),
            watched: Cell::new(0),
            pending: Cell::new(0),
            token: Cell::new(None),
            armed: Cell::new(false),
            waiters: RefCell::new(Waiters::default()),
        });
        *t.borrow_mut() = Some(table.clone());
        Ok(table)
    });
    table.unwrap_or_else(|_| Err(driver::loop_gone()))
}

/// A waiter of one signal, numbered in the order they came: its event is
/// watched under an id that carries the number (see
/// `driver::waiter_id`), so that the table finds the one whose event died
/// by a binary search, not by a look at every waiter (a server whose every
/// connection waits for a signal, connections coming and going, made that
/// a look at all of them per connection gone).
struct Waiter {
    signo: i32,
    seq: u64,
    /// `None` once taken out dead: an empty place (see [`Waiters`]).
    ev: Option<Event<()>>,
}

/// The table's waiters, in the order of their numbers; the place of one
/// whose event died is left empty until more than half are (taking it out
/// would move every waiter behind it).
#[derive(Default)]
struct Waiters {
    list: Vec<Waiter>,
    empty: usize,
    last_seq: u64,
}

/// Below this many places the waiters are not compacted.
const FIRST_COMPACT: usize = 32;

impl Waiters {
    fn is_empty(&self) -> bool {
        self.list.len() == self.empty
    }

    /// Adds a waiter of `signo`, numbered by the last [`next_seq`](Self::next_seq).
    fn push(&mut self, signo: i32, ev: Event<()>) {
        self.list.push(Waiter {
            signo,
            seq: self.last_seq,
            ev: Some(ev),
        });
    }

    /// The number the next waiter gets.
    fn next_seq(&mut self) -> u64 {
        self.last_seq += 1;
        self.last_seq
    }

    /// Takes the events of the waiters `take` chooses (by their signal and
    /// event), in order, and drops the empty places.
    fn take_if(&mut self, mut take: impl FnMut(i32, &Event<()>) -> bool) -> Vec<Event<()>> {
        let mut taken = Vec::new();
        self.list.retain_mut(|w| match &w.ev {
            Some(ev) if take(w.signo, ev) => {
                taken.extend(w.ev.take());
                false
            }
            Some(_) => true,
            None => false,
        });
        self.empty = 0;
        taken
    }

    /// The event of the waiter whose number ends in the bits `seq`, taken
    /// out if it is dead. `Err` if the bits do not tell which waiter it is
    /// (one waited while 2^28 others came): every dead one must be looked
    /// for then.
    fn take_dead(&mut self, seq: u32) -> Result<Option<Event<()>>, ()> {
        let (Some(first), Some(last)) = (self.list.first(), self.list.last()) else {
            return Ok(None);
        };
        let Some(seq) = driver::waiter_number(first.seq, last.seq, seq) else {
            return Err(());
        };
        let at = self.list.partition_point(|w| w.seq < seq);
        let Some(w) = self.list.get_mut(at) else {
            return Ok(None);
        };
        if w.seq != seq || w.ev.as_ref().is_none_or(Event::is_live) {
            return Ok(None);
        }
        let dead = w.ev.take();
        self.empty += 1;
        if self.empty > FIRST_COMPACT && 2 * self.empty > self.list.len() {
            self.list.retain(|w| w.ev.is_some());
            self.empty = 0;
        }
        Ok(dead)
    }
}

/// The signals of one loop: the signal descriptor and who waits for what.
struct SignalTable {
    source: RefCell<Signals>,
    /// Signals added to the descriptor (bit `n`: signal `n`).
    watched: Cell<u64>,
    /// Signals that arrived while nobody waited for them.
    pending: Cell<u64>,
    token: Cell<Option<Token>>,
    /// Whether the backend will report the descriptor (one-shot).
    armed: Cell<bool>,
    waiters: RefCell<Waiters>,
}

/// What a child process needs of a program that blocks signals: a
/// [`Command`](std::process::Command) that starts its program with no
/// signal blocked.
///
/// A signal tame handles ([`at_signal`], [`Signal::block`]) is blocked in
/// the thread, and the threads of [`spawn_blocking`](crate::spawn_blocking)
/// block them all; a child process inherits its spawner's mask, and
/// `std::process::Command` does not clear it. A child spawned so would
/// ignore Ctrl-C and `kill` (its SIGINT and SIGTERM blocked, for good:
/// few programs unblock what they did not block themselves).
/// `unblock_signals` clears the child's mask between `fork` and `exec`:
/// the program starts as from a shell.
///
/// The cost: a `Command` with code to run before `exec` (this is such
/// code, as any `pre_exec` is) is started by a real `fork`, not by std's
/// `posix_spawn` (a `vfork`), and a `fork` copies the page tables of the
/// whole process: nothing to notice at 10 MiB resident, some 30 ms a spawn
/// at 1 GiB (200 spawns of `true`: 6-8 s, against 0.3-0.5 s without it).
/// The loop stalls for the copy even when another thread spawns (the
/// process's memory is locked while it is copied): a timer ticking every
/// 2 ms saw gaps of 45-50 ms with spawns on the loop's thread, 28 ms with
/// spawns from [`spawn_blocking`](crate::spawn_blocking). A large program
/// that starts many children can start them from a small helper process
/// of its own, made early.
///
/// # Examples
///
/// ```
/// use std::process::Command;
/// use tame::io::CommandExt as _;
///
/// tame::Signal::Term.block().unwrap(); // as a server that stops on SIGTERM
/// // A `kill` of the child (SIGTERM) ends it, as from a shell.
/// let status = Command::new("true").unblock_signals().status().unwrap();
/// assert!(status.success());
/// # tame::Signal::Term.restore().unwrap();
/// ```
pub trait CommandExt: sealed::Sealed {
    /// Starts the program with no signal blocked (see the trait).
    fn unblock_signals(&mut self) -> &mut Self;
}

impl CommandExt for std::process::Command {
    fn unblock_signals(&mut self) -> &mut Self {
        use std::os::unix::process::CommandExt as _;
        // SAFETY: the closure runs in the child between `fork` and
        // `exec`; it makes one async-signal-safe call and allocates
        // nothing (its error is a number, made into an `io::Error` without
        // allocating).
        unsafe {
            self.pre_exec(|| Signals::unblock_all_in_child().map_err(io::Error::from_raw_os_error))
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for std::process::Command {}
}

impl SignalTable {
    fn add_waiter(self: &Rc<Self>, signo: i32, ev: Event<()>) -> io::Result<()> {
        if driver::is_gone() {
            // A waiter the loop's teardown dropped that waits again: the
            // table outlives the loop, but nothing can report a signal now.
            driver::drop_for_gone_loop(ev);
            return Err(driver::loop_gone());
        }
        // Nobody to hand a signal kept for the next `at_signal` to: it is
        // left for the next one (the signal is watched as asked).
        let dead = !ev.is_live();
        match self.watch(signo, dead) {
            // It came while nobody waited: this waiter gets it.
            Ok(None) => {
                driver::queue_fire(ev);
                Ok(())
            }
            Ok(Some(token)) => {
                self.add_watched(signo, token, ev);
                Ok(())
            }
            Err(e) => {
                driver::drop_refused(ev);
                Err(e)
            }
        }
    }

    /// Adds `signo` to the descriptor, and registers the descriptor the
    /// first time: `None` if the signal came while nobody waited (the
    /// next waiter gets it at once), else the token it is reported under.
    fn watch(self: &Rc<Self>, signo: i32, dead: bool) -> io::Result<Option<Token>> {
        // Registered before the signal is blocked: a loop that cannot
        // register it (no descriptor left for its epoll) refuses with the
        // signal's action as it was (blocked and unwatched, Ctrl-C did
        // nothing any more).
        let token = match self.token.get() {
            Some(token) => token,
            None => {
                let me: Weak<dyn Registration> = Rc::downgrade(self) as Weak<SignalTable>;
                let fd = self.source.borrow();
                let token = driver::register(fd.fd(), me, Ready::READ)?
                    .ok_or_else(|| io::Error::other("a signal descriptor that never blocks"))?;
                self.token.set(Some(token));
                self.armed.set(true);
                token
            }
        };
        let bit = 1u64 << signo;
        if self.watched.get() & bit == 0 {
            self.source.borrow_mut().add(signo)?;
            self.watched.set(self.watched.get() | bit);
        }
        if self.pending.get() & bit != 0 && !dead {
            self.pending.set(self.pending.get() & !bit);
            return Ok(None);
        }
        Ok(Some(token))
    }

    /// Parks `ev` as a waiter of `signo`, reported under `token`.
    fn add_watched(&self, signo: i32, token: Token, ev: Event<()>) {
        let seq = self.waiters.borrow_mut().next_seq();
        if !ev.watch(driver::waiter_id(token, seq)) {
            return; // nobody listens: dropped
        }
        self.waiters.borrow_mut().push(signo, ev);
        driver::wait_parked();
        self.arm();
    }

    /// Stops watching `signo` (see [`Signal::restore`]).
    fn remove(&self, signo: i32) -> io::Result<()> {
        let bit = 1u64 << signo;
        if self.watched.get() & bit == 0 {
            return forget_and_unblock(signo);
        }
        // What the descriptor holds already arrived while tame handled it:
        // hand it out, so that unblocking does not lose the others (the
        // restored signal's waiters get an arrival that came before).
        let mut arrived = Vec::new();
        let _ = self.source.borrow().take(&mut arrived);
        let fire = self.take_arrived(arrived);
        let ended = self.waiters.borrow_mut().take_if(|s, _| s == signo);
        for ev in &ended {
            ev.unwatch();
            driver::wait_ended();
        }
        self.pending.set(self.pending.get() & !bit);
        let removed = self.source.borrow_mut().remove(signo);
        if removed.is_ok() {
            self.watched.set(self.watched.get() & !bit);
        }
        // The callbacks (any signal's waiters, user code) run once the
        // restore is done: one that panics must not leave the signal
        // blocked and watched. The ended waits are dropped untriggered
        // (their waiters hear that nothing will come), also when a
        // callback panicked, and not while its panic unwinds.
        let fired = panic::catch_unwind(AssertUnwindSafe(|| {
            driver::trigger_each(fire.into_iter().map(|ev| (ev, ())));
        }));
        driver::drop_each(ended);
        if let Err(payload) = fired {
            panic::resume_unwind(payload);
        }
        removed
    }

    /// Triggers the waiters of the signals in `arrived`; one that nobody
    /// waits for is kept as pending.
    fn dispatch(&self, arrived: Vec<i32>) {
        let fire = self.take_arrived(arrived);
        driver::trigger_each(fire.into_iter().map(|ev| (ev, ())));
    }

    /// The waiters of the signals in `arrived`, their waits ended, to be
    /// triggered; a signal that nobody waits for is kept as pending.
    fn take_arrived(&self, arrived: Vec<i32>) -> Vec<Event<()>> {
        let mut fire = Vec::new();
        {
            let mut waiters = self.waiters.borrow_mut();
            for signo in arrived {
                let taken = waiters.take_if(|s, _| s == signo);
                // A waiter whose event died in this batch (not reaped yet)
                // receives nothing: kept for the next `at_signal` then.
                if !taken.iter().any(Event::is_live) {
                    self.pending.set(self.pending.get() | 1u64 << signo);
                }
                fire.extend(taken);
            }
        }
        // Every wait ended before any callback runs; if one panics (and
        // the program catches it and runs the loop again), the others are
        // triggered on the next turn: their signal did come.
        for ev in &fire {
            ev.unwatch();
            driver::wait_ended();
        }
        fire
    }

    /// Arms the descriptor again if anybody waits.
    fn arm(&self) {
        if self.armed.get() || self.waiters.borrow().is_empty() {
            return;
        }
        let Some(token) = self.token.get() else {
            return;
        };
        let source = self.source.borrow();
        if driver::rearm(source.fd(), token, Ready::READ).is_ok() {
            self.armed.set(true);
        }
    }
}

/// Arms the table's descriptor again when dropped, also if a waiter's
/// callback panics: signals that come later are still delivered.
struct Rearm<'a>(&'a SignalTable);

impl Drop for Rearm<'_> {
    fn drop(&mut self) {
        self.0.arm();
    }
}

impl Registration for SignalTable {
    fn ready(self: Rc<Self>, _ready: Ready) {
        self.armed.set(false);
        let mut arrived = Vec::new();
        // A read error leaves the signals pending: the next wake retries.
        let _ = self.source.borrow().take(&mut arrived);
        let _rearm = Rearm(&self);
        self.dispatch(arrived);
    }

    fn token(&self) -> Token {
        self.token.get().unwrap_or(Token(0))
    }

    fn teardown(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        drop(waiters);
    }

    fn reap(&self) {
        let dead = self.waiters.borrow_mut().take_if(|_, ev| !ev.is_live());
        for ev in dead {
            ev.unwatch();
            driver::wait_ended();
        }
    }

    /// The waiter numbered `seq` died: found by its number (see [`Waiter`]).
    fn reap_waiter(&self, seq: u32) {
        let dead = self.waiters.borrow_mut().take_dead(seq);
        match dead {
            Ok(Some(ev)) => {
                ev.unwatch();
                driver::wait_ended();
            }
            Ok(None) => {}
            Err(()) => self.reap(),
        }
    }
}
