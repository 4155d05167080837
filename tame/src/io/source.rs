//! [`Source`]: one descriptor, its registration with the loop, and the
//! operations parked on it; [`Handle`]: what a user-facing type holds.
//!
//! Ownership, which is what the rules of [`crate::io`] come from:
//!
//! * The source owns the descriptor; it is closed (after leaving the
//!   backend) when the last `Rc<Source>` goes.
//! * Handles ([`Handle`]: a stream, a listener, an [`Fd`](super::Fd), one
//!   half of a split stream) own an `Rc` each. So does every operation in
//!   flight (it is parked in a slot of the source, or running): an
//!   operation keeps its descriptor open until it ends, even when every
//!   handle is gone.
//! * The loop holds the source only weakly, under its token.
//!
//! A source has one slot per kind of readiness (read, write, hang-up), so
//! one parked operation each; a second one with a live event is refused
//! (`ResourceBusy`).

use std::cell::Cell;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::rc::{Rc, Weak};

use super::op::Parked;
use super::shared_std::Std;
use super::slots::Slots;
use super::sys;
use crate::cancel::WeakCancel;
use crate::driver::{self, Ready, Registration, Token};
use crate::Event;

/// Where a source stands with the loop's backend.
///
/// A registration is edge-triggered and for every kind at once, made at the
/// first wait and kept until the source closes: parking an operation costs
/// no syscall. The backend reports changes, so the source remembers what it
/// was told ([`Source::seen`]) until a syscall says otherwise (`EAGAIN`).
#[derive(Debug, Clone, Copy)]
enum Reg {
    /// Never waited on yet (many sockets never are).
    Unregistered,
    /// Registered under `token`.
    Polled { token: Token },
    /// Never blocks (a regular file): every wait is over at once.
    AlwaysReady,
}

/// The kinds of readiness, one slot each.
const KINDS: [Ready; 3] = [Ready::READ, Ready::WRITE, Ready::HUP];
/// Every kind.
pub(crate) const ALL: Ready = Ready::READ.union(Ready::WRITE).union(Ready::HUP);

/// [`Source::flags`]: closed by its owner ([`Source::close`]): nothing more
/// runs on it.
const CLOSED: u8 = 1;
/// [`Source::flags`]: a handle of the process's stdin, whose non-blocking
/// mode it shares with the other such handles: counted in
/// [`super::shared_std`] until the source goes.
const STDIN: u8 = 2;
/// [`Source::flags`]: the write half of a split stream is gone while a
/// write of its was in flight: shut the writing direction down once no
/// write is (see [`Source::shut_write_when_done`]).
const SHUT_WRITE: u8 = 4;
/// [`Source::flags`]: a TCP stream, where a read that leaves room in its
/// buffer took everything there was (see [`Source::drained`]).
const SHORT_READS_DRAIN: u8 = 8;

thread_local! {
    /// What a source's [`close`](Source::close) cancels besides its parked
    /// operations, by the source's address: the copies over it, which may
    /// wait on another descriptor, with the sides of it each uses (a half's
    /// close cancels those that use its side). Beside the sources, not in
    /// them: a source is kept small (every idle connection has one), and
    /// few are ever copied.
    static CLOSERS: std::cell::RefCell<std::collections::HashMap<usize, Vec<(Ready, WeakCancel)>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    /// How many copies write to a source, by its address (see
    /// [`Source::copy_writes`]), beside the sources for the same reason.
    static COPY_WRITERS: std::cell::RefCell<std::collections::HashMap<usize, u32>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}
/// [`Source::flags`]: as [`STDIN`], for a handle of the process's stdout.
const STDOUT: u8 = 16;
/// [`Source::flags`]: has entries in [`CLOSERS`] (see
/// [`Source::on_close`]).
const HAS_CLOSERS: u8 = 32;
/// [`Source::flags`]: as [`STDIN`], for a handle of the process's stderr.
const STDERR: u8 = 64;
/// [`Source::flags`]: has an entry in [`COPY_WRITERS`] (see
/// [`Source::copy_writes`]).
const COPY_WRITING: u8 = 128;

/// A descriptor on the loop; see the module docs.
///
/// Kept small (56 bytes): every idle connection of a server has one. The
/// registration state is [`Reg`], stored as a token.
pub(crate) struct Source {
    /// `None` only once [`into_fd`](Source::into_fd) took it out of a
    /// source nothing else held, which is dropped right after.
    fd: Option<OwnedFd>,
    /// Writes go through `send(MSG_NOSIGNAL)` (never a `SIGPIPE`).
    socket: bool,
    /// `CLOSED`, `STDIN`, `STDOUT`, `STDERR`, `SHUT_WRITE`,
    /// `SHORT_READS_DRAIN`, `HAS_CLOSERS`.
    flags: Cell<u8>,
    /// The readiness the backend reported and nothing has consumed since:
    /// a kind leaves it when a syscall of that kind would block (or, for a
    /// wait that does not try the syscall, when the backend is asked to
    /// look again).
    seen: Cell<Ready>,
    /// [`Reg`]: `UNREGISTERED`, `ALWAYS_READY` or a token.
    token: Cell<Token>,
    /// The parked operations, one per kind.
    slots: Slots,
}

/// [`Source::token`] of a source not registered yet (never a slab token:
/// the loop's generations start at 1).
const UNREGISTERED: Token = Token(0);
/// [`Source::token`] of a source that is always ready (never a slab token:
/// slab indices stay below `u32::MAX`).
const ALWAYS_READY: Token = Token(u64::MAX);

impl Source {
    /// A source for `fd`, which the caller made non-blocking.
    pub(crate) fn new(fd: OwnedFd, socket: bool) -> Rc<Source> {
        Rc::new(Source {
            fd: Some(fd),
            socket,
            flags: Cell::new(0),
            seen: Cell::new(Ready::NONE),
            token: Cell::new(UNREGISTERED),
            slots: Slots::new(),
        })
    }

    fn reg(&self) -> Reg {
        match self.token.get() {
            UNREGISTERED => Reg::Unregistered,
            ALWAYS_READY => Reg::AlwaysReady,
            token => Reg::Polled { token },
        }
    }

    fn set_reg(&self, reg: Reg) {
        let token = match reg {
            Reg::Unregistered => UNREGISTERED,
            Reg::AlwaysReady => ALWAYS_READY,
            Reg::Polled { token } => token,
        };
        self.token.set(token);
    }

    /// A syscall of `kind` would block: what the backend reported of that
    /// kind is used up. The next change is reported (edge-triggered), so a
    /// wait parked now misses nothing. (A read that would block is past
    /// any urgent mark, too.)
    pub(crate) fn would_block(&self, kind: Ready) {
        let used = if kind.intersects(Ready::READ) {
            kind.union(Ready::URGENT)
        } else {
            kind
        };
        self.seen.set(self.seen.get().without(used));
    }

    /// Marks the source a TCP stream: see [`drained`](Self::drained).
    pub(crate) fn short_reads_drain(&self) {
        self.flags.set(self.flags.get() | SHORT_READS_DRAIN);
    }

    /// A stream read returned less than it had room for. On a TCP stream
    /// that took every byte there was, and new ones will be a new edge: the
    /// readiness is used up as `EAGAIN` would use it, and the readable wait
    /// after it costs no syscall. Not so while urgent data is pending (the
    /// read stopped at its mark, the bytes after it are there already), or
    /// once the peer's hang-up was reported (the end of the stream is still
    /// to be read, and no new edge will say so); and never on a Unix stream,
    /// whose reads also stop where passed descriptors or credentials change
    /// with more bytes queued behind them.
    pub(crate) fn drained(&self) {
        let seen = self.seen.get();
        if self.flags.get() & SHORT_READS_DRAIN != 0
            && !seen.intersects(Ready::HUP.union(Ready::URGENT))
        {
            self.would_block(Ready::READ);
        }
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        match &self.fd {
            Some(fd) => fd.as_fd(),
            None => unreachable!("a source whose descriptor was taken out is gone"),
        }
    }

    pub(crate) fn is_socket(&self) -> bool {
        self.socket
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.flags.get() & CLOSED != 0
    }

    /// Marks the source one of the handles [`super::shared_std`] counts.
    pub(crate) fn count_as_shared(&self, which: Std) {
        let flag = match which {
            Std::In => STDIN,
            Std::Out => STDOUT,
            Std::Err => STDERR,
        };
        self.flags.set(self.flags.get() | flag);
    }

    /// The standard descriptor this source is a counted duplicate of.
    fn shared_std(&self) -> Option<Std> {
        let flags = self.flags.get();
        if flags & STDIN != 0 {
            Some(Std::In)
        } else if flags & STDOUT != 0 {
            Some(Std::Out)
        } else if flags & STDERR != 0 {
            Some(Std::Err)
        } else {
            None
        }
    }

    /// Registers the source with the backend now, rather than at its first
    /// wait. Returns whether it is always ready (a regular file).
    pub(crate) fn register(self: &Rc<Self>) -> io::Result<bool> {
        match self.reg() {
            Reg::AlwaysReady => Ok(true),
            Reg::Polled { .. } => Ok(false),
            Reg::Unregistered => {
                let me: Weak<dyn Registration> = Rc::downgrade(self) as Weak<Source>;
                match driver::register_edge(self.fd(), me)? {
                    Some(token) => {
                        self.set_reg(Reg::Polled { token });
                        Ok(false)
                    }
                    None => {
                        self.set_reg(Reg::AlwaysReady);
                        Ok(true)
                    }
                }
            }
        }
    }

    /// Whether the descriptor never blocks (a regular file), registering it
    /// if it never was (as its first wait would): an operation with nothing
    /// to read into then allocates at once instead of waiting a turn.
    pub(crate) fn never_blocks(self: &Rc<Self>) -> bool {
        self.register().unwrap_or(false)
    }

    /// Parks `op` until the descriptor is ready for `kind`, registering the
    /// source at its first wait. `blocked`: the operation's syscall just
    /// said it would block. `op` is dropped (its event comes back
    /// untriggered) if the source is closed or its event is dead, and fails
    /// if the slot holds a live operation or the backend refuses.
    pub(crate) fn park(self: &Rc<Self>, kind: Ready, blocked: bool, op: Parked) {
        if self.is_closed() {
            return driver::drop_refused(op);
        }
        if !op.is_live() {
            return;
        }
        if self.slots.peek(kind, |p| p.is_some_and(|p| p.is_live())) {
            return op.fail(busy(kind));
        }
        let displaced = self.slots.take(kind);
        // A dead operation not reaped yet gives up its place.
        drop(displaced.map(|op| self.end(op)));
        if blocked {
            self.would_block(kind);
        }
        let token = match self.register() {
            Ok(true) => return self.ready_at_once(kind, op),
            Ok(false) => match self.reg() {
                Reg::Polled { token } => token,
                _ => unreachable!("a source that is not always ready is polled once registered"),
            },
            // At thread exit, a new source (a reconnect, a retried lookup,
            // made by a callback the teardown ran): refused as the gone
            // loop refuses an event, not with an error for its callback,
            // which could start another for ever.
            Err(_) if driver::is_gone() => return driver::drop_refused(op),
            Err(e) => return op.fail(e),
        };
        if self.seen.get().intersects(kind) {
            // Reported before and not used up by a syscall that we saw (a
            // wait that does not read, or a read made behind our back): ask
            // the backend to look again. It reports the kind at its next
            // wait if it still holds, or at the next change.
            self.would_block(kind);
            if let Err(e) = driver::rearm_edge(self.fd(), token) {
                return op.fail(e);
            }
        }
        if !op.watch(token) {
            return;
        }
        self.slots.put(kind, op);
        driver::wait_parked();
    }

    /// Whether a live operation of `kind` waits in its slot.
    pub(crate) fn is_busy(&self, kind: Ready) -> bool {
        self.slots.peek(kind, |p| p.is_some_and(|p| p.is_live()))
    }

    /// The write half of a split stream is gone: the peer is told there is
    /// nothing more to read (a `shutdown(Write)`, as the last close would
    /// do), once the writes still in flight are done, while the read half
    /// may go on reading its replies. (Dropping tokio's `OwnedWriteHalf`
    /// shuts it down the same way.)
    /// A [`copy`](super::copy()) to the half counts as writes in flight
    /// until it ends: the half is borrowed for the call only.
    pub(crate) fn shut_write_when_done(&self) {
        if self.is_closed() {
            return;
        }
        if self.is_busy(Ready::WRITE) || self.copied_to() {
            self.flags.set(self.flags.get() | SHUT_WRITE);
        } else {
            let _ = sys::shutdown(self.fd(), std::net::Shutdown::Write);
        }
    }

    /// A write half closed: the writing direction is shut down now (its
    /// operations and the copies to it were cancelled).
    pub(crate) fn shut_write_now(&self) {
        self.flags.set(self.flags.get() & !SHUT_WRITE);
        if !self.is_closed() {
            let _ = sys::shutdown(self.fd(), std::net::Shutdown::Write);
        }
    }

    /// A write ended (done, failed or cancelled), or a copy to this source
    /// did: the shutdown the gone write half asked for, if no other write
    /// is in flight.
    fn write_ended(&self) {
        let flags = self.flags.get();
        if flags & SHUT_WRITE != 0 && !self.is_busy(Ready::WRITE) && !self.copied_to() {
            self.flags.set(flags & !SHUT_WRITE);
            if !self.is_closed() {
                let _ = sys::shutdown(self.fd(), std::net::Shutdown::Write);
            }
        }
    }

    /// A wait on a descriptor that is always ready ends on the next turn.
    /// Till then it waits in its slot, as any wait does (another of its
    /// kind is refused, a close hands it back), but it is not counted: the
    /// queued event keeps the loop turning. Such a descriptor never hangs
    /// up, so a hang-up wait on it is refused.
    fn ready_at_once(self: &Rc<Self>, kind: Ready, op: Parked) {
        if kind == Ready::HUP {
            return op.fail(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a never-blocking descriptor (a regular file, /dev/null) never hangs up",
            ));
        }
        self.slots.put(kind, op);
        let src = Rc::clone(self);
        crate::driver::queue_fire(Event::from_fn(move |v: Option<()>| {
            // Empty if a close took it; another operation if this one's
            // event died and that one took its place (its own turn comes
            // next, and finds the slot empty).
            let op = src.slots.take(kind);
            if let Some(op) = op.filter(|op| v.is_some() && op.is_live()) {
                op.resume();
            }
        }));
    }

    /// Takes a parked operation out of the count (a never-blocking
    /// source's are not in it): returns it, unwatched.
    fn end(&self, op: Parked) -> Parked {
        if !matches!(self.reg(), Reg::AlwaysReady) {
            op.unwatch();
            driver::wait_ended();
        }
        op
    }

    /// Takes the parked operations of the kinds in `kinds` out, ended (no
    /// allocation: this is on the path of every readiness report).
    fn take(&self, kinds: Ready) -> [Option<Parked>; 3] {
        let mut taken = [None, None, None];
        for (kind, out) in KINDS.into_iter().zip(&mut taken) {
            if kinds.intersects(kind) {
                *out = self.slots.take(kind);
            }
        }
        // Ended only once all are out: unwatching touches no slot, but keep
        // the slots consistent before anything else runs.
        taken.map(|op| op.map(|op| self.end(op)))
    }

    /// Cancels the parked operations of `kinds`: their events come back
    /// untriggered.
    pub(crate) fn cancel(&self, kinds: Ready) {
        drop(self.take(kinds));
        if kinds.intersects(Ready::WRITE) {
            self.write_ended();
        }
    }

    /// Closes the source for good: every parked operation is cancelled (its
    /// event comes back untriggered), the registration is removed; the
    /// descriptor itself closes when the last `Rc` goes (at once, unless an
    /// operation of this turn still holds it).
    pub(crate) fn close(&self) {
        if self.is_closed() {
            return;
        }
        self.flags.set(self.flags.get() | CLOSED);
        let parked = self.take(ALL);
        if let Reg::Polled { token, .. } = self.reg() {
            self.set_reg(Reg::Unregistered);
            driver::deregister(self.fd(), token);
        }
        // Dropped once the source is settled: an operation's drop is user
        // code (its event's callback), which may panic or touch it.
        drop(parked);
        for closer in self.take_closers(ALL) {
            closer.cancel();
        }
    }

    /// Has `closer` cancelled when the source is closed (at once if it is
    /// closed already), or the half of it with a side of `sides` is (see
    /// [`Source::close_sides`]). What is gone by then is not kept
    /// meanwhile.
    pub(crate) fn on_close(&self, sides: Ready, closer: WeakCancel) {
        if self.is_closed() {
            closer.cancel();
            return;
        }
        let key = self as *const Source as usize;
        let added = CLOSERS.try_with(|all| {
            let mut all = all.borrow_mut();
            let mine = all.entry(key).or_default();
            mine.retain(|(_, c)| !c.is_gone());
            mine.push((sides, closer));
        });
        if added.is_ok() {
            self.flags.set(self.flags.get() | HAS_CLOSERS);
        }
    }

    /// The closers [`on_close`](Source::on_close) left for this source
    /// with a side of `sides`, taken out.
    fn take_closers(&self, sides: Ready) -> Vec<WeakCancel> {
        if self.flags.get() & HAS_CLOSERS == 0 {
            return Vec::new();
        }
        let key = self as *const Source as usize;
        let (taken, left) = CLOSERS
            .try_with(|all| {
                let mut all = all.borrow_mut();
                let Some(mine) = all.get_mut(&key) else {
                    return (Vec::new(), false);
                };
                let (taken, kept): (Vec<_>, Vec<_>) =
                    mine.drain(..).partition(|(s, _)| s.intersects(sides));
                *mine = kept;
                let left = !mine.is_empty();
                if !left {
                    all.remove(&key);
                }
                (taken, left)
            })
            .unwrap_or_default();
        if !left {
            self.flags.set(self.flags.get() & !HAS_CLOSERS);
        }
        taken.into_iter().map(|(_, c)| c).collect()
    }

    /// A half's [`close`](Handle::close): its operations are cancelled,
    /// and so are the copies that use its side of the source (their
    /// [`on_close`](Source::on_close) closers); the other half goes on.
    pub(crate) fn close_sides(&self, sides: Ready) {
        self.cancel(sides);
        for closer in self.take_closers(sides) {
            closer.cancel();
        }
    }

    /// Marks a [`copy`](super::copy()) writing to this source until the
    /// guard is dropped (at the copy's end): a gone write half's shutdown
    /// waits for it (see [`Source::shut_write_when_done`]).
    pub(crate) fn copy_writes(self: &Rc<Self>) -> CopyWriting {
        let key = Rc::as_ptr(self) as usize;
        let counted = COPY_WRITERS.try_with(|all| *all.borrow_mut().entry(key).or_default() += 1);
        if counted.is_ok() {
            self.flags.set(self.flags.get() | COPY_WRITING);
        }
        CopyWriting(self.clone())
    }

    /// Whether a copy writes to this source (see [`Source::copy_writes`]).
    fn copied_to(&self) -> bool {
        self.flags.get() & COPY_WRITING != 0
    }

    /// Closes the source and gives its descriptor back: the very one (the
    /// same fd number, as tokio's `into_std` gives it) when nothing else
    /// holds the source, which is every case but one: an operation of this
    /// turn still holds it (the descriptor's type was given away from
    /// inside the callback of one of its own operations, or a wait on a
    /// regular file is queued). Then the original must stay open until
    /// that operation is done with it, and a duplicate is handed out.
    ///
    /// Only that duplicate can fail (`EMFILE`): the original then closes
    /// with the source, once that operation lets go of it.
    pub(crate) fn into_fd(self: Rc<Self>) -> io::Result<OwnedFd> {
        self.close();
        if let Some(which) = self.shared_std() {
            self.flags
                .set(self.flags.get() & !(STDIN | STDOUT | STDERR));
            super::shared_std::given_away(which);
        }
        match Rc::try_unwrap(self) {
            // Closed and no longer stdin's: its drop has nothing left to
            // do with the descriptor, which is taken before it.
            Ok(mut src) => Ok(src
                .fd
                .take()
                .expect("a source holds its descriptor until into_fd takes it")),
            Err(shared) => sys::dup(shared.fd()),
        }
    }
}

impl Registration for Source {
    fn ready(self: Rc<Self>, ready: Ready) {
        self.note(ready);
        self.ready_noted(ready);
    }

    fn note(&self, ready: Ready) {
        if matches!(self.reg(), Reg::Polled { .. }) {
            self.seen.set(self.seen.get().union(ready));
        }
    }

    fn ready_noted(self: Rc<Self>, ready: Ready) {
        if !matches!(self.reg(), Reg::Polled { .. }) {
            return;
        }
        let mut left = Resuming {
            src: &self,
            // The kinds with a slot: `URGENT` is only noted.
            kinds: ready.without(Ready::URGENT),
        };
        for kind in KINDS {
            if !left.kinds.intersects(kind) {
                continue;
            }
            left.kinds = left.kinds.without(kind);
            // Still true: no syscall since said otherwise (a callback of
            // this report filled the socket, then waited for it to be
            // writable: that wait is for the next report, not this one).
            if !self.seen.get().intersects(kind) {
                continue;
            }
            // Taken out of its slot only now: while an earlier one's
            // callback runs, this one still waits there, and another
            // operation of its kind started by that callback is refused
            // (it would go ahead of this one, a write's bytes in the
            // middle of this one's).
            let op = self.slots.take(kind).map(|op| self.end(op));
            if let Some(op) = op.filter(Parked::is_live) {
                op.resume();
            }
            if kind == Ready::WRITE {
                self.write_ended();
            }
        }
    }

    fn token(&self) -> Token {
        self.token.get()
    }

    fn teardown(&self) {
        self.close();
    }

    fn reap(&self) {
        let mut dead = [None, None, None];
        for (kind, out) in KINDS.into_iter().zip(&mut dead) {
            if self
                .slots
                .peek(kind, |op| op.is_some_and(|op| !op.is_live()))
            {
                *out = self.slots.take(kind);
            }
        }
        // Dropped once the slots are settled: an operation's drop is user
        // code, which may touch this source.
        let write_dead = dead[1].is_some();
        for op in dead.into_iter().flatten() {
            drop(self.end(op));
        }
        if write_dead {
            self.write_ended();
        }
    }
}

/// The kinds of one readiness report not resumed yet. If a callback
/// panics (and the program catches it and runs the loop again), their
/// operations still wait in their slots (a second operation of their kind
/// is still refused), and the report is handed to the source again on the
/// next turn: the descriptor was ready for them too, and will not be
/// reported again.
struct Resuming<'a> {
    src: &'a Rc<Source>,
    kinds: Ready,
}

impl Drop for Resuming<'_> {
    fn drop(&mut self) {
        if self.kinds == Ready::NONE || self.src.is_closed() {
            return;
        }
        // Handed over as far as it is still true then (see `ready_noted`).
        let (src, kinds) = (self.src.clone(), self.kinds);
        crate::driver::queue_fire(Event::from_fn(move |v: Option<()>| {
            if v.is_some() {
                src.ready_noted(kinds);
            }
        }));
    }
}

/// A copy writing to a source, from [`Source::copy_writes`] to its drop.
pub(crate) struct CopyWriting(Rc<Source>);

impl Drop for CopyWriting {
    fn drop(&mut self) {
        let src = &self.0;
        let key = Rc::as_ptr(src) as usize;
        let left = COPY_WRITERS
            .try_with(|all| {
                let mut all = all.borrow_mut();
                let n = all.get_mut(&key).map_or(0, |n| {
                    *n -= 1;
                    *n
                });
                if n == 0 {
                    all.remove(&key);
                }
                n
            })
            .unwrap_or(0);
        if left == 0 {
            src.flags.set(src.flags.get() & !COPY_WRITING);
            src.write_ended();
        }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        // Its closers (the copies over it, gone before it) are forgotten:
        // another source may come to live at this address.
        drop(self.take_closers(ALL));
        if self.fd.is_none() {
            // Given away by `into_fd`, which closed the source first.
            return;
        }
        if let Reg::Polled { token, .. } = self.reg() {
            driver::deregister(self.fd(), token);
        }
        if let Some(which) = self.shared_std() {
            super::shared_std::gone(which, self.fd());
        }
    }
}

pub(crate) fn busy(kind: Ready) -> io::Error {
    let what = match kind {
        Ready::WRITE => "write-side operation (write, write_all, writable, connect)",
        Ready::HUP => "hang-up wait",
        _ => "read-side operation (read, read_until, read_to_end, readable, accept, recv)",
    };
    io::Error::new(
        io::ErrorKind::ResourceBusy,
        format!("another {what} is already waiting on this descriptor: one of each side at a time"),
    )
}

/// What every user-facing descriptor type holds: its source, and the kinds
/// of operations it makes (all of them, or one half's).
///
/// Dropping it cancels nothing that can still deliver: the operations
/// whose events are live go on and keep the descriptor open until they
/// deliver (they own an `Rc` of the source); those whose events are dead
/// are cancelled at once.
pub(crate) struct Handle {
    src: Rc<Source>,
    kinds: Ready,
}

impl Handle {
    /// The one handle of a whole descriptor.
    pub(crate) fn new(src: Rc<Source>) -> Handle {
        Handle { src, kinds: ALL }
    }

    /// Splits into a read-side handle (read and hang-up) and a write-side
    /// one.
    pub(crate) fn split(self) -> (Handle, Handle) {
        let src = self.src.clone();
        drop(self);
        let read = Handle {
            src: src.clone(),
            kinds: Ready::READ.union(Ready::HUP),
        };
        (
            read,
            Handle {
                src,
                kinds: Ready::WRITE,
            },
        )
    }

    /// The two halves of [`split`](Self::split) back in one, if they are
    /// halves of the same source.
    pub(crate) fn reunite(read: Handle, mut write: Handle) -> Result<Handle, (Handle, Handle)> {
        if !Rc::ptr_eq(&read.src, &write.src) || read.kinds == write.kinds {
            return Err((read, write));
        }
        // Not a write half that goes (see `Drop`): it is in the whole.
        write.kinds = ALL;
        Ok(Handle::new(read.src.clone()))
    }

    pub(crate) fn src(&self) -> &Rc<Source> {
        &self.src
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.src.fd()
    }

    /// Cancels this handle's operations (their events come back
    /// untriggered); if it is the whole descriptor's handle, closes the
    /// source too.
    pub(crate) fn close(mut self) {
        if self.kinds == ALL {
            self.src.close();
        } else {
            self.src.close_sides(self.kinds);
            if self.kinds == Ready::WRITE {
                // Now, not once a copy to the half is over: closing ended
                // it (cancelled before it runs again), and the peer is to
                // read the end of the stream at once.
                self.src.shut_write_now();
                // (Not a write half that goes: see `Drop`.)
                self.kinds = ALL;
            }
        }
    }

    /// Closes the source and gives the descriptor back.
    pub(crate) fn into_fd(self) -> io::Result<OwnedFd> {
        let src = self.src.clone();
        src.close();
        drop(self);
        src.into_fd()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Dead operations go now (and with them, if they were the last
        // holders, the descriptor); live ones keep it until they deliver.
        self.src.reap();
        if self.kinds == Ready::WRITE {
            self.src.shut_write_when_done();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_source_stays_small() {
        // Every idle connection of a server has one (plus the Rc counts).
        // Its read slot holds a readiness wait inline (its event and an
        // `Rc` of the source: 32 bytes with the slot's tag), which saves the
        // 40-byte node such a wait would otherwise need. With the Rc counts
        // that is 72 bytes, the same 80-byte malloc chunk as 64.
        let size = std::mem::size_of::<super::Source>();
        assert!(size <= 56, "{size} bytes");
    }
}
