//! The machinery under every `tame::net` operation: a socket shared between
//! its handle and the operations waiting on it, and a wait node that is both
//! the loop's fd-wait event and the operation's state (one allocation per
//! wait).

use std::cell::{Cell, RefCell};
use std::io;
use std::os::fd::AsFd;
use std::rc::Rc;

use crate::event::{Event, Sink};
use crate::Interest;

/// A socket and whether its handle closed it.
///
/// The handle ([`TcpStream`](super::TcpStream) or
/// [`TcpListener`](super::TcpListener)) owns one `Rc`; each pending wait owns
/// another, so the fd cannot be closed (and its number reused) under an
/// operation that is about to touch it. Closing marks the socket closed and
/// cancels its fd waits; their operations then end without triggering, and
/// the fd itself is closed when the last `Rc` goes (at the latest at the end
/// of the loop turn that closed it).
pub(super) struct Shared<S> {
    sock: S,
    closed: Cell<bool>,
}

impl<S: AsFd> Shared<S> {
    pub(super) fn new(sock: S) -> Rc<Self> {
        Rc::new(Shared {
            sock,
            closed: Cell::new(false),
        })
    }

    /// The socket, unless its handle closed it.
    pub(super) fn sock(&self) -> io::Result<&S> {
        if self.closed.get() {
            Err(io::Error::new(io::ErrorKind::NotConnected, "socket closed"))
        } else {
            Ok(&self.sock)
        }
    }

    /// The socket even if closed (its fd stays open while `self` lives).
    pub(super) fn raw(&self) -> &S {
        &self.sock
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Marks the socket closed and cancels its fd waits: their operations'
    /// events come back untriggered. Idempotent.
    pub(super) fn close(&self) {
        if !self.closed.replace(true) {
            crate::cancel_fd(&self.sock);
        }
    }

    /// Closes and takes the socket out, duplicating the fd if an operation
    /// still holds a reference for the rest of this turn.
    pub(super) fn into_inner(this: Rc<Self>) -> io::Result<S>
    where
        S: TryCloneSock,
    {
        this.close();
        match Rc::try_unwrap(this) {
            Ok(shared) => Ok(shared.sock),
            Err(this) => this.sock.try_clone_sock(),
        }
    }
}

/// `try_clone` of the std socket types, for [`Shared::into_inner`].
pub(super) trait TryCloneSock: Sized {
    fn try_clone_sock(&self) -> io::Result<Self>;
}

impl TryCloneSock for std::net::TcpStream {
    fn try_clone_sock(&self) -> io::Result<Self> {
        self.try_clone()
    }
}

impl TryCloneSock for std::net::TcpListener {
    fn try_clone_sock(&self) -> io::Result<Self> {
        self.try_clone()
    }
}

/// An operation that waits for its socket to be ready.
pub(super) trait Op<S>: Sized + 'static {
    /// The socket is ready (or in error, or hung up): carry on. May call
    /// [`wait`] again (a readiness that turned out spurious).
    fn resume(self, io: &Rc<Shared<S>>);

    /// The wait could not be set up: deliver `err`.
    fn fail(self, err: io::Error);

    /// Whether the operation's own event can still reach anybody. If not,
    /// the loop may drop the wait (so `run()` does not wait for it).
    fn is_live(&self) -> bool;
}

/// A pending wait: the loop's fd-wait event points here.
struct Waiter<S, O> {
    io: Rc<Shared<S>>,
    op: RefCell<Option<O>>,
}

impl<S: AsFd + 'static, O: Op<S>> Sink<()> for Waiter<S, O> {
    fn complete(self: Rc<Self>, value: Option<()>) {
        if value.is_none() && !self.io.is_closed() {
            // Dropped untriggered without a close: either `wait_on_fd`
            // refused the wait (then `wait` below takes the operation back
            // and delivers the error) or the loop gave up on it; in that case
            // the operation, and with it its event, goes with this node.
            return;
        }
        let op = self.op.borrow_mut().take();
        let Some(op) = op else { return };
        if self.io.is_closed() {
            // Closed: the operation's event comes back untriggered.
            drop(op);
        } else {
            op.resume(&self.io);
        }
    }

    fn is_live(&self) -> bool {
        match self.op.try_borrow() {
            Ok(op) => op.as_ref().is_some_and(Op::is_live),
            Err(_) => true,
        }
    }
}

/// Waits for `io` to be ready for `interest`, then resumes `op`.
///
/// If the socket was closed, `op` is dropped (its event comes back
/// untriggered); if the loop refuses the wait (say, a second wait in the
/// same direction), `op` fails with the loop's error.
pub(super) fn wait<S: AsFd + 'static, O: Op<S>>(io: &Rc<Shared<S>>, interest: Interest, op: O) {
    if io.is_closed() {
        drop(op);
        return;
    }
    let node = Rc::new(Waiter {
        io: io.clone(),
        op: RefCell::new(Some(op)),
    });
    let ev = Event::from_sink(node.clone());
    if let Err(err) = crate::wait_on_fd(&io.sock, interest, ev) {
        let op = node.op.borrow_mut().take();
        drop(node);
        if let Some(op) = op {
            op.fail(err);
        }
    }
}

/// Triggers `ev` with `Ok(())` once `io` is ready for `interest` (or with
/// the loop's error if it refuses the wait); untriggered if `io` is closed.
pub(super) fn wait_ready<S: AsFd + 'static>(
    io: &Rc<Shared<S>>,
    interest: Interest,
    ev: Event<io::Result<()>>,
) {
    wait(io, interest, ReadyOp { ev });
}

/// [`wait_ready`].
struct ReadyOp {
    ev: Event<io::Result<()>>,
}

impl<S: AsFd + 'static> Op<S> for ReadyOp {
    fn resume(self, _io: &Rc<Shared<S>>) {
        self.ev.trigger(Ok(()));
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger(Err(err));
    }

    fn is_live(&self) -> bool {
        self.ev.is_live()
    }
}

/// Runs `f` again while it fails with `EINTR`.
pub(super) fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}
