//! [`Slots`]: the operations parked on a source, one per kind of readiness,
//! stored for the common case.
//!
//! What waits on a descriptor is almost always a read (an idle connection
//! waiting for its next request, a listener waiting to accept): its slot is
//! inline. A write waits only when the socket's buffer is full, a hang-up
//! wait is rare: their slots live in an array boxed only while one of them
//! is taken. Every idle connection of a server has one of these: 40 bytes
//! (a readiness wait kept inline in the read slot, and a pointer) instead
//! of three slots and a node for the wait.

use std::cell::Cell;

use super::op::Parked;
use crate::driver::Ready;

type Op = Parked;

/// At most one parked operation per kind (read, write, hang-up).
pub(crate) struct Slots {
    read: Cell<Option<Op>>,
    /// The write and hang-up slots, while either is taken.
    others: Cell<Option<Box<[Option<Op>; 2]>>>,
}

/// The index of `kind` in [`Slots::others`].
fn other(kind: Ready) -> usize {
    match kind {
        Ready::WRITE => 0,
        Ready::HUP => 1,
        _ => unreachable!("one kind of readiness per slot"),
    }
}

impl Slots {
    pub(crate) fn new() -> Slots {
        Slots {
            read: Cell::new(None),
            others: Cell::new(None),
        }
    }

    /// Calls `f` with the operation of `kind`, if one is parked. `f` must
    /// not touch these slots (it only asks about liveness).
    pub(crate) fn peek<R>(&self, kind: Ready, f: impl FnOnce(Option<&Parked>) -> R) -> R {
        if kind == Ready::READ {
            let op = self.read.take();
            let r = f(op.as_ref());
            self.read.set(op);
            return r;
        }
        let others = self.others.take();
        let r = f(others.as_ref().and_then(|o| o[other(kind)].as_ref()));
        self.others.set(others);
        r
    }

    /// Takes the operation of `kind` out.
    pub(crate) fn take(&self, kind: Ready) -> Option<Op> {
        if kind == Ready::READ {
            return self.read.take();
        }
        let mut others = self.others.take()?;
        let op = others[other(kind)].take();
        if others.iter().any(Option::is_some) {
            self.others.set(Some(others));
        }
        op
    }

    /// Parks `op` as the operation of `kind`, whose slot is empty.
    pub(crate) fn put(&self, kind: Ready, op: Op) {
        if kind == Ready::READ {
            self.read.set(Some(op));
            return;
        }
        let mut others = self.others.take().unwrap_or_else(|| Box::new([None, None]));
        others[other(kind)] = Some(op);
        self.others.set(Some(others));
    }
}
