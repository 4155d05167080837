//! Every syscall of the loop: epoll and the eventfd used for wake-ups from
//! other threads. Nothing else in the crate calls these directly.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::event::{epoll, eventfd, EventfdFlags, Timespec};

/// Readiness reported for one registration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Readiness {
    pub token: u64,
    pub readable: bool,
    pub writable: bool,
}

/// The loop's epoll instance.
pub(crate) struct Selector {
    ep: OwnedFd,
    events: Vec<epoll::Event>,
}

/// Interest flags for one-shot registrations. Error and hang-up are always
/// reported by epoll; RDHUP makes a peer's shutdown wake a reader too.
fn flags(read: bool, write: bool) -> epoll::EventFlags {
    let mut f = epoll::EventFlags::ONESHOT;
    if read {
        f |= epoll::EventFlags::IN | epoll::EventFlags::RDHUP;
    }
    if write {
        f |= epoll::EventFlags::OUT;
    }
    f
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        let ep = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        Ok(Selector {
            ep,
            events: Vec::with_capacity(256),
        })
    }

    /// `EPOLL_CTL_ADD` with one-shot interest.
    pub(crate) fn add(
        &self,
        fd: BorrowedFd<'_>,
        token: u64,
        read: bool,
        write: bool,
    ) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token);
        retry(|| epoll::add(&self.ep, fd, data, flags(read, write)))
    }

    /// `EPOLL_CTL_MOD`: re-arms a one-shot registration.
    pub(crate) fn modify(
        &self,
        fd: BorrowedFd<'_>,
        token: u64,
        read: bool,
        write: bool,
    ) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token);
        retry(|| epoll::modify(&self.ep, fd, data, flags(read, write)))
    }

    /// `EPOLL_CTL_ADD` with level-triggered read interest (the eventfd).
    pub(crate) fn add_level(&self, fd: BorrowedFd<'_>, token: u64) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token);
        retry(|| epoll::add(&self.ep, fd, data, epoll::EventFlags::IN))
    }

    /// `EPOLL_CTL_DEL`.
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        retry(|| epoll::delete(&self.ep, fd))
    }

    /// `epoll_wait`: waits up to `timeout` (`None`: no limit), rounded up to
    /// whole milliseconds so that a 0.4 ms wait does not become a busy 0 ms
    /// wait. `EINTR` counts as a wake-up with nothing ready.
    pub(crate) fn wait(
        &mut self,
        timeout: Option<Duration>,
        out: &mut Vec<Readiness>,
    ) -> io::Result<()> {
        let ts = timeout.map(|d| {
            let ms = d.as_nanos().div_ceil(1_000_000);
            let ms = ms.min(i32::MAX as u128) as i64;
            Timespec {
                tv_sec: ms / 1000,
                tv_nsec: (ms % 1000) * 1_000_000,
            }
        });
        self.events.clear();
        match epoll::wait(
            &self.ep,
            rustix::buffer::spare_capacity(&mut self.events),
            ts.as_ref(),
        ) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        for ev in &self.events {
            let f = ev.flags;
            let err = f.intersects(epoll::EventFlags::ERR | epoll::EventFlags::HUP);
            out.push(Readiness {
                token: ev.data.u64(),
                readable: err || f.intersects(epoll::EventFlags::IN | epoll::EventFlags::RDHUP),
                writable: err || f.contains(epoll::EventFlags::OUT),
            });
        }
        if self.events.len() == self.events.capacity() {
            // A full buffer: more may be ready; grow for the next turn.
            self.events.reserve(self.events.capacity());
        }
        Ok(())
    }
}

fn retry(mut f: impl FnMut() -> rustix::io::Result<()>) -> io::Result<()> {
    loop {
        match f() {
            Err(rustix::io::Errno::INTR) => continue,
            r => return r.map_err(io::Error::from),
        }
    }
}

/// An eventfd that another thread writes to wake the loop.
pub(crate) struct Wakeup {
    fd: OwnedFd,
}

impl Wakeup {
    pub(crate) fn new() -> io::Result<Wakeup> {
        let fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Wakeup { fd })
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Adds one to the counter; the loop's epoll sees it readable.
    pub(crate) fn notify(&self) {
        // EAGAIN means the counter is saturated: the loop wakes anyway.
        let _ = retry(|| rustix::io::write(&self.fd, &1u64.to_ne_bytes()).map(drop));
    }

    /// Resets the counter after a wake-up.
    pub(crate) fn drain(&self) {
        let mut buf = [0u8; 8];
        let _ = retry(|| rustix::io::read(&self.fd, &mut buf).map(drop));
    }
}
