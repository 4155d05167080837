//! The one mechanism under every operation of [`crate::io`] and
//! [`crate::net`]: an [`Op`] tries its syscall; if the descriptor would
//! block, it is parked on its [`Source`] (one allocation, the [`OpNode`])
//! and tried again when the loop reports readiness, until it is done and
//! triggers its event.
//!
//! An operation owns everything it needs (the buffer, the caller's event, an
//! `Rc` of its source), so it borrows nothing from whoever started it and
//! keeps its descriptor open while it is in flight.

use std::io;
use std::rc::Rc;

use super::source::Source;
use crate::driver::{Ready, WaitId};
use crate::Event;

/// How far an attempt got.
pub(crate) enum Progress<O> {
    /// Finished: the operation triggered (or dropped) its event.
    Done,
    /// The syscall said it would block (`EAGAIN`): park until the backend
    /// reports this kind again. The source forgets the readiness it had
    /// seen, so the wait costs no syscall.
    Blocked(O, Ready),
    /// It waits for this kind before touching the descriptor (a readiness
    /// wait, a read with no room yet, a connect under way): park, unless
    /// the source has seen that readiness and nothing consumed it since.
    Wait(O, Ready),
}

impl<O> Progress<O> {
    /// The operation, if it is to be parked, the kind it waits for, and
    /// whether it saw the descriptor block.
    fn parked(self) -> Option<(O, Ready, bool)> {
        match self {
            Progress::Done => None,
            Progress::Blocked(op, kind) => Some((op, kind, true)),
            Progress::Wait(op, kind) => Some((op, kind, false)),
        }
    }
}

/// An operation on a source.
pub(crate) trait Op: Sized + 'static {
    /// Goes as far as it can without blocking. `ready` is true when the
    /// loop just reported the descriptor ready (an operation that waits
    /// before touching the descriptor, such as a readiness wait or a read
    /// into an empty buffer, goes on only then).
    fn attempt(self, src: &Rc<Source>, ready: bool) -> Progress<Self>;

    /// The slot it takes when it waits: `READ`, `WRITE` or `HUP`.
    fn kind(&self) -> Ready;

    /// It cannot wait (the slot is taken, the backend refused): deliver
    /// `err` through the event.
    fn fail(self, err: io::Error);

    /// Its caller's event, for liveness.
    fn event(&self) -> &dyn Watch;
}

/// The liveness side of an event of any value type.
pub(crate) trait Watch {
    fn is_live(&self) -> bool;
    fn watch(&self, id: WaitId) -> bool;
    fn unwatch(&self);
}

impl<T> Watch for Event<T> {
    fn is_live(&self) -> bool {
        Event::is_live(self)
    }

    fn watch(&self, id: WaitId) -> bool {
        Event::watch(self, id)
    }

    fn unwatch(&self) {
        Event::unwatch(self)
    }
}

/// A parked operation, as its source sees it (whatever the operation).
pub(crate) trait Parkable {
    /// The descriptor is ready: try again (and park again if need be).
    fn resume(self: Box<Self>);
    /// See [`Op::fail`].
    fn fail(self: Box<Self>, err: io::Error);
    fn is_live(&self) -> bool;
    fn watch(&self, id: WaitId) -> bool;
    fn unwatch(&self);
}

/// What waits in a slot of a source: an operation in its node, or a bare
/// readiness wait, which needs no node: its event and its source are all
/// it holds (no allocation for the most common wait of all, an idle
/// connection's). Like a node, it owns an `Rc` of its source, so that the
/// descriptor stays open until the wait ends even if every handle is gone.
pub(crate) enum Parked {
    Op(Box<dyn Parkable>),
    Ready(Event<io::Result<()>>, Rc<Source>),
}

impl Parked {
    /// The descriptor is ready: the operation tries again; a readiness wait
    /// is over (unless its source was closed meanwhile: then its event comes
    /// back untriggered).
    pub(crate) fn resume(self) {
        match self {
            Parked::Op(op) => op.resume(),
            Parked::Ready(ev, src) => {
                if !src.is_closed() {
                    ev.trigger(Ok(()));
                }
            }
        }
    }

    /// See [`Op::fail`].
    pub(crate) fn fail(self, err: io::Error) {
        match self {
            Parked::Op(op) => op.fail(err),
            Parked::Ready(ev, _) => ev.trigger(Err(err)),
        }
    }

    pub(crate) fn is_live(&self) -> bool {
        match self {
            Parked::Op(op) => op.is_live(),
            Parked::Ready(ev, _) => ev.is_live(),
        }
    }

    pub(crate) fn watch(&self, id: WaitId) -> bool {
        match self {
            Parked::Op(op) => op.watch(id),
            Parked::Ready(ev, _) => ev.watch(id),
        }
    }

    pub(crate) fn unwatch(&self) {
        match self {
            Parked::Op(op) => op.unwatch(),
            Parked::Ready(ev, _) => ev.unwatch(),
        }
    }
}

/// An operation and its source: the one allocation of a wait. Reused when
/// the operation parks again.
pub(crate) struct OpNode<O> {
    src: Rc<Source>,
    /// Always `Some` outside `resume`.
    op: Option<O>,
}

impl<O: Op> Parkable for OpNode<O> {
    fn resume(mut self: Box<Self>) {
        let Some(op) = self.op.take() else { return };
        if self.src.is_closed() || !op.event().is_live() {
            // Closed meanwhile, or nobody listens: dropped, untriggered.
            return;
        }
        if let Some((op, kind, blocked)) = op.attempt(&self.src, true).parked() {
            self.op = Some(op);
            let src = self.src.clone();
            src.park(kind, blocked, Parked::Op(self));
        }
    }

    fn fail(mut self: Box<Self>, err: io::Error) {
        if let Some(op) = self.op.take() {
            op.fail(err);
        }
    }

    fn is_live(&self) -> bool {
        self.op.as_ref().is_some_and(|op| op.event().is_live())
    }

    fn watch(&self, id: WaitId) -> bool {
        self.op.as_ref().is_some_and(|op| op.event().watch(id))
    }

    fn unwatch(&self) {
        if let Some(op) = &self.op {
            op.event().unwatch();
        }
    }
}

/// Starts `op` on `src`: tried at once, parked if it would block. Nothing
/// happens (the event comes back untriggered) if the source was closed or
/// the event is dead already.
pub(crate) fn start<O: Op>(src: &Rc<Source>, op: O) {
    if src.is_closed() {
        // (At thread exit, the teardown closed it: see `driver::drop_refused`.)
        return crate::driver::drop_refused(op);
    }
    if !op.event().is_live() {
        return;
    }
    // One operation of each kind at a time: while one waits (its turn may
    // have come and not been handed to it yet), another of its kind does
    // not go ahead of it (a second write would land in the middle of the
    // first's data).
    let kind = op.kind();
    if src.is_busy(kind) {
        return op.fail(super::source::busy(kind));
    }
    if let Some((op, kind, blocked)) = op.attempt(src, false).parked() {
        let node = Box::new(OpNode {
            src: src.clone(),
            op: Some(op),
        });
        src.park(kind, blocked, Parked::Op(node));
    }
}
