//! The live connections, so that knot can shed some when it runs out of
//! file descriptors.
//!
//! Each connection is a [`Conn`]: its stream and a slot in this thread's
//! table, which holds the socket's fd and the connection's place in the
//! shedding order. When `accept` fails for lack of fds, [`shed`] picks the
//! connections that are least worth keeping (lingering ones first, then
//! those that have gone longest without completing a response: idle
//! keep-alive connections, slow heads, clients that stopped reading) and
//! shuts their sockets down. That wakes whatever each one waits for; its
//! next read or write fails, its task ends and its fd is closed, and the
//! accept loop, told by [`on_free`], accepts again.
//!
//! Costs: one table slot (16 bytes) per connection; a counter increment
//! per response; the table is scanned only when shedding.

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};

use tame::net::TcpStream;
use tame::Event;

/// A connection: its stream, registered in this thread's table.
pub struct Conn {
    pub stream: TcpStream,
    slot: u32,
}

impl Conn {
    /// Registers `stream`, as the newest connection.
    pub fn new(stream: TcpStream) -> Conn {
        let fd = stream.as_raw_fd();
        let slot = TABLE.with(|t| t.insert(fd));
        Conn { stream, slot }
    }

    /// A response was completed: the connection moves to the back of the
    /// shedding order.
    pub fn progressed(&self) {
        TABLE.with(|t| t.set_order(self.slot, t.tick()));
    }

    /// The connection only lingers before closing: shed it first.
    pub fn lingering(&self) {
        TABLE.with(|t| t.set_order(self.slot, LINGERING));
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Before the stream (a field, dropped after this) closes the fd: the
        // table never holds a closed (or reused) fd.
        let freed = TABLE.with(|t| t.remove(self.slot));
        // Outside the table's borrow: the trigger may run code.
        if let Some(ev) = freed {
            ev.trigger(());
        }
    }
}

/// Shuts down the sockets of up to `n` connections, least worth keeping
/// first, and returns how many. Connections already shed are not counted
/// again.
pub fn shed(n: usize) -> usize {
    TABLE.with(|t| t.shed(n))
}

/// Triggers `ev` when a connection that was shed is gone (its fd closed);
/// replaces an event given before. If none is left to go, `ev` is dropped
/// at once.
pub fn on_free(ev: Event) {
    let ev = TABLE.with(|t| {
        if t.shed_left.get() == 0 {
            Some(ev)
        } else {
            *t.on_free.borrow_mut() = Some(ev);
            None
        }
    });
    drop(ev);
}

/// Forgets the event given to [`on_free`], if any.
pub fn forget_on_free() {
    let ev = TABLE.with(|t| t.on_free.borrow_mut().take());
    drop(ev);
}

/// Whether connections were shed and are not gone yet.
pub fn shedding() -> bool {
    TABLE.with(|t| t.shed_left.get() > 0)
}

/// How many connections are registered.
pub fn live() -> usize {
    TABLE.with(|t| t.live.get())
}

/// The shedding order of a lingering connection: before any other.
const LINGERING: u64 = 0;

#[derive(Clone, Copy)]
struct Entry {
    /// The socket, or -1 for a free slot (then `order` links the free list).
    fd: RawFd,
    /// Already shut down, waiting for its task to close it.
    shed: bool,
    /// Lower goes first.
    order: u64,
}

struct Table {
    entries: RefCell<Vec<Entry>>,
    /// The first free slot (`u32::MAX`: none); each free slot's `order`
    /// holds the next one.
    free: Cell<u32>,
    clock: Cell<u64>,
    live: Cell<usize>,
    /// Connections shed whose fds are not closed yet.
    shed_left: Cell<usize>,
    on_free: RefCell<Option<Event>>,
}

thread_local! {
    static TABLE: Table = const {
        Table {
            entries: RefCell::new(Vec::new()),
            free: Cell::new(u32::MAX),
            clock: Cell::new(LINGERING),
            live: Cell::new(0),
            shed_left: Cell::new(0),
            on_free: RefCell::new(None),
        }
    };
}

impl Table {
    fn tick(&self) -> u64 {
        let t = self.clock.get() + 1;
        self.clock.set(t);
        t
    }

    fn insert(&self, fd: RawFd) -> u32 {
        let order = self.tick();
        let entry = Entry {
            fd,
            shed: false,
            order,
        };
        let mut entries = self.entries.borrow_mut();
        self.live.set(self.live.get() + 1);
        match self.free.get() {
            u32::MAX => {
                entries.push(entry);
                u32::try_from(entries.len() - 1).expect("fewer than 2^32 connections")
            }
            slot => {
                let e = &mut entries[slot as usize];
                // A free slot's order is the next free one (fits: < 2^32).
                self.free.set(e.order as u32);
                *e = entry;
                slot
            }
        }
    }

    fn set_order(&self, slot: u32, order: u64) {
        self.entries.borrow_mut()[slot as usize].order = order;
    }

    /// Frees `slot`; the event to trigger if it was shed and the accept
    /// loop waits for that.
    fn remove(&self, slot: u32) -> Option<Event> {
        let was_shed = {
            let mut entries = self.entries.borrow_mut();
            let e = &mut entries[slot as usize];
            let was_shed = e.shed;
            *e = Entry {
                fd: -1,
                shed: false,
                order: u64::from(self.free.get()),
            };
            was_shed
        };
        self.free.set(slot);
        self.live.set(self.live.get() - 1);
        if !was_shed {
            return None;
        }
        self.shed_left.set(self.shed_left.get() - 1);
        self.on_free.borrow_mut().take()
    }

    fn shed(&self, n: usize) -> usize {
        let mut entries = self.entries.borrow_mut();
        let mut victims: Vec<(u64, u32)> = entries
            .iter()
            .zip(0u32..)
            .filter(|(e, _)| e.fd >= 0 && !e.shed)
            .map(|(e, slot)| (e.order, slot))
            .collect();
        if victims.len() > n && n > 0 {
            victims.select_nth_unstable(n - 1);
        }
        victims.truncate(n);
        for &(_, slot) in &victims {
            let e = &mut entries[slot as usize];
            e.shed = true;
            // SAFETY: `e.fd` is the open socket of a live `Conn`: its entry
            // is removed (in `Conn::drop`) before its stream closes the fd,
            // so the fd is neither closed nor reused. `ManuallyDrop` keeps
            // this temporary owner from closing it.
            let sock = ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(e.fd) });
            // Wakes the connection's pending wait; its next read gives EOF
            // and its next write an error, so its task ends and closes it.
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
        self.shed_left.set(self.shed_left.get() + victims.len());
        victims.len()
    }
}
