//! Registrations: the API of the descriptor layer. A source registers
//! its descriptor under a slab token that reaches it when the backend
//! reports readiness.

use std::io;
use std::os::fd::BorrowedFd;
use std::rc::{Rc, Weak};

use super::*;

pub(super) fn with_selector<R>(
    l: &Loop,
    f: impl FnOnce(&Selector) -> io::Result<R>,
) -> io::Result<R> {
    if l.selector.borrow().is_none() {
        let sel = Selector::new()?;
        *l.selector.borrow_mut() = Some(sel);
    }
    let sel = l.selector.borrow();
    f(sel.as_ref().expect("selector was just created"))
}

/// Registers `fd` for `want` under a new token that reaches `reg`.
///
/// `Ok(None)`: the descriptor is always ready (a regular file) and was not
/// registered; every wait on it is over at once.
pub(crate) fn register(
    fd: BorrowedFd<'_>,
    reg: Weak<dyn Registration>,
    want: Ready,
) -> io::Result<Option<Token>> {
    register_with(reg, |sel, token| sel.register(fd, token, want))
}

/// Registers `fd` for every kind of readiness, edge-triggered, under a new
/// token that reaches `reg` (see [`register`]).
pub(crate) fn register_edge(
    fd: BorrowedFd<'_>,
    reg: Weak<dyn Registration>,
) -> io::Result<Option<Token>> {
    register_with(reg, |sel, token| sel.register_edge(fd, token))
}

fn register_with(
    reg: Weak<dyn Registration>,
    add: impl FnOnce(&Selector, Token) -> io::Result<Registered>,
) -> io::Result<Option<Token>> {
    // An operation parked again while the thread's loop is torn down (a
    // handle dropped with the last tasks) fails instead.
    LOOP.try_with(|l| {
        let generation = next_generation();
        let index = l.registrations.borrow_mut().insert(reg);
        let token = Token(u64::from(generation) << 32 | u64::from(index));
        match with_selector(l, |sel| add(sel, token)) {
            Ok(Registered::Polled) => Ok(Some(token)),
            Ok(Registered::AlwaysReady) => {
                l.registrations.borrow_mut().remove(index);
                Ok(None)
            }
            Err(e) => {
                l.registrations.borrow_mut().remove(index);
                Err(e)
            }
        }
    })
    .unwrap_or_else(|_| Err(loop_gone()))
}

/// Registers `reg` under a new token, with no descriptor: for what
/// watches events that are not parked on a descriptor (a lock's waiter),
/// to hear through [`Registration::reap`] of their deaths. `None` once the
/// thread's loop is gone. Undone by [`unregister`].
pub(crate) fn register_watcher(reg: Weak<dyn Registration>) -> Option<Token> {
    LOOP.try_with(|l| {
        let generation = next_generation();
        let index = l.registrations.borrow_mut().insert(reg);
        Token(u64::from(generation) << 32 | u64::from(index))
    })
    .ok()
}

/// Removes a registration made by [`register_watcher`].
pub(crate) fn unregister(token: Token) {
    // During thread teardown the loop may be gone already.
    let _ = LOOP.try_with(|l| l.registrations.borrow_mut().remove(token.0 as u32));
}

pub(crate) fn loop_gone() -> io::Error {
    io::Error::other("the thread's loop is gone (thread teardown)")
}

/// The bits of a generation (see [`next_generation`]).
pub(crate) const GENERATION_MASK: u32 = 0x0fff_ffff;

/// The generation [`next_generation`] gave last.
pub(crate) fn newest_generation() -> u32 {
    GENERATION.with(Cell::get)
}

/// The next generation of a token: never 0 (a token of 0 means "not
/// registered" to a source), and below 2^28, so that the four top bits
/// of a token stay free: a rendezvous' flag (63), a timer's tag
/// (`timers::TIMER_ID`, 62), a task's ([`TASK_ID`], 61) and a fan-out
/// leaf's ([`PARTLY`], 60).
pub(crate) fn next_generation() -> u32 {
    GENERATION.with(|g| {
        let generation = (g.get().wrapping_add(1) & GENERATION_MASK).max(1);
        g.set(generation);
        generation
    })
}

/// Arms a registration again for `want`.
pub(crate) fn rearm(fd: BorrowedFd<'_>, token: Token, want: Ready) -> io::Result<()> {
    LOOP.try_with(|l| with_selector(l, |sel| sel.rearm(fd, token, want)))
        .unwrap_or_else(|_| Err(loop_gone()))
}

/// Makes an edge-triggered registration report what holds now.
pub(crate) fn rearm_edge(fd: BorrowedFd<'_>, token: Token) -> io::Result<()> {
    LOOP.try_with(|l| with_selector(l, |sel| sel.rearm_edge(fd, token)))
        .unwrap_or_else(|_| Err(loop_gone()))
}

/// Removes a registration; call before the descriptor is closed.
pub(crate) fn deregister(fd: BorrowedFd<'_>, token: Token) {
    // During thread teardown the loop (and its epoll) may be gone already.
    let _ = LOOP.try_with(|l| {
        l.registrations.borrow_mut().remove(token.0 as u32);
        if let Some(sel) = l.selector.borrow().as_ref() {
            let _ = sel.deregister(fd);
        }
    });
}

/// The registration a token reaches, if it is still there.
pub(super) fn registration(l: &Loop, token: Token) -> Option<Rc<dyn Registration>> {
    let reg = l.registrations.borrow().get(token.0 as u32)?.upgrade()?;
    (reg.token() == token).then_some(reg)
}

/// The registration in the entry `id` names, whoever registered it: a
/// waiter's id (see [`waiter_id`]) carries no generation.
pub(super) fn registration_at(l: &Loop, id: WaitId) -> Option<Rc<dyn Registration>> {
    l.registrations.borrow().get(id.0 as u32)?.upgrade()
}

/// The task a task's wait id reaches, if it is still there.
pub(super) fn watching_task(l: &Loop, id: WaitId) -> Option<TaskRef> {
    let task = registered_task(*l.blocked.borrow().get(id.0 as u32)?);
    (task.header().watch_id() == Some(task_of(id))).then_some(task)
}
