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
//! Costs: one table slot (8 bytes) per connection; a counter increment
//! per response; the table is scanned only when shedding.

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::time::{Duration, Instant};

use tame::net::TcpStream;
use tame::Event;

/// A connection: its stream, registered in this thread's table, and the
/// deadline of the request head under way. 16 bytes besides the stream's
/// allocation (a connection's state is kept small: the idle-memory goal
/// of bench/README.md's second figure).
pub struct Conn {
    pub stream: TcpStream,
    slot: u32,
    /// When the head under way must be whole, on [`clock_ms`]'s wrapping
    /// millisecond clock; 0: no head under way.
    head_deadline: Cell<u32>,
}

impl Conn {
    /// Registers `stream`, as the newest connection.
    pub fn new(stream: TcpStream) -> Conn {
        let fd = stream.as_raw_fd();
        let slot = TABLE.with(|t| t.insert(fd));
        Conn {
            stream,
            slot,
            head_deadline: Cell::new(0),
        }
    }

    /// How much of `limit` the request head under way has left; its clock
    /// starts at the first call after [`head_done`](Conn::head_done).
    /// Limits above 24 days count as 24 days.
    pub fn head_time_left(&self, limit: Duration) -> Duration {
        let now = clock_ms();
        let mut deadline = self.head_deadline.get();
        if deadline == 0 {
            let limit = u32::try_from(limit.as_millis())
                .map_or(i32::MAX as u32, |ms| ms.min(i32::MAX as u32));
            // 0 means none: a deadline that lands on it moves by 1 ms.
            deadline = now.wrapping_add(limit).max(1);
            self.head_deadline.set(deadline);
        }
        // Wrapping difference: right as long as limits stay under 2^31 ms.
        let left = deadline.wrapping_sub(now) as i32;
        Duration::from_millis(u64::try_from(left).unwrap_or(0))
    }

    /// No head under way any more (answered, or none started).
    pub fn head_done(&self) {
        self.head_deadline.set(0);
    }

    /// A response was completed: the connection moves to the back of the
    /// shedding order.
    pub fn progressed(&self) {
        TABLE.with(|t| t.set_stamp(self.slot, t.tick()));
    }

    /// The connection only lingers before closing: shed it first.
    pub fn lingering(&self) {
        TABLE.with(|t| t.set_stamp(self.slot, LINGERING));
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Before the stream (a field, dropped after this) closes the fd: the
        // table never holds a closed (or reused) fd.
        // (At thread exit the table may go before the loop, which still
        // holds parked connections: nothing is left to keep track of then.)
        let freed = TABLE.try_with(|t| t.remove(self.slot)).ok().flatten();
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

/// Milliseconds of the loop's clock since this thread first asked,
/// wrapping every 49 days. The loop's clock (`tame::now()`) is read once
/// per turn, not per call, and follows virtual time in tests.
fn clock_ms() -> u32 {
    thread_local! {
        static EPOCH: Instant = tame::now();
    }
    // Truncation is the wrapping.
    EPOCH.with(|e| tame::now().saturating_duration_since(*e).as_millis() as u32)
}

/// A lingering connection's stamp: shed before any other.
const LINGERING: u32 = 0;
/// The stamp of a connection already shed (not picked again).
const SHED: u32 = u32::MAX;

/// One slot of the table: 8 bytes.
#[derive(Clone, Copy)]
struct Entry {
    /// The socket, or -1 for a free slot.
    fd: RawFd,
    /// When the connection last made progress, on the table's wrapping
    /// clock (older goes first), or [`LINGERING`] or [`SHED`]; for a free
    /// slot, the next free slot.
    stamp: u32,
}

struct Table {
    entries: RefCell<Vec<Entry>>,
    /// The first free slot (`u32::MAX`: none); each free slot's stamp
    /// holds the next one.
    free: Cell<u32>,
    /// Counts progress (accepts and responses), wrapping, never giving
    /// [`LINGERING`] or [`SHED`].
    clock: Cell<u32>,
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
    fn tick(&self) -> u32 {
        let mut t = self.clock.get().wrapping_add(1);
        if t == LINGERING || t == SHED {
            t = 1;
        }
        self.clock.set(t);
        t
    }

    fn insert(&self, fd: RawFd) -> u32 {
        let entry = Entry {
            fd,
            stamp: self.tick(),
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
                self.free.set(e.stamp);
                *e = entry;
                slot
            }
        }
    }

    fn set_stamp(&self, slot: u32, stamp: u32) {
        let mut entries = self.entries.borrow_mut();
        let e = &mut entries[slot as usize];
        if e.stamp != SHED {
            e.stamp = stamp;
        }
    }

    /// Frees `slot`; the event to trigger if it was shed and the accept
    /// loop waits for that.
    fn remove(&self, slot: u32) -> Option<Event> {
        let was_shed = {
            let mut entries = self.entries.borrow_mut();
            let e = &mut entries[slot as usize];
            let was_shed = e.stamp == SHED;
            *e = Entry {
                fd: -1,
                stamp: self.free.get(),
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
        let now = self.clock.get();
        let mut entries = self.entries.borrow_mut();
        // Oldest first: lingering ones, then by how much progress others
        // made since (the wrapping difference; a connection older than
        // 2^32 responses looks young again, which only costs it its place).
        let mut victims: Vec<(std::cmp::Reverse<u32>, u32)> = entries
            .iter()
            .zip(0u32..)
            .filter(|(e, _)| e.fd >= 0 && e.stamp != SHED)
            .map(|(e, slot)| {
                let age = match e.stamp {
                    LINGERING => u32::MAX,
                    stamp => now.wrapping_sub(stamp),
                };
                (std::cmp::Reverse(age), slot)
            })
            .collect();
        if victims.len() > n && n > 0 {
            victims.select_nth_unstable(n - 1);
        }
        victims.truncate(n);
        for &(_, slot) in &victims {
            let e = &mut entries[slot as usize];
            e.stamp = SHED;
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
