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
//! The table serves the graceful shutdown too: [`close_idle`] ends the
//! idle keep-alive connections' writing side (each [`Conn::park`]s while
//! idle), and [`when_all_closed`] tells when the last connection is gone.
//!
//! Costs: one table slot (8 bytes) and one bit per connection; a counter
//! increment per response and two bit flips per idle wait; the table is
//! scanned only when shedding or shutting down.

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

    /// Whether the connection is idle between requests, its client's last
    /// response written: [`close_idle`] shuts those down.
    pub fn park(&self, idle: bool) {
        // (At thread exit the table may go before the loop, whose drop
        // wakes the parked connections' callbacks: nothing to mark then.)
        let _ = TABLE.try_with(|t| t.set_idle(self.slot, idle));
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Before the stream (a field, dropped after this) closes the fd: the
        // table never holds a closed (or reused) fd.
        // (At thread exit the table may go before the loop, which still
        // holds parked connections: nothing is left to keep track of then.)
        let (freed, none_left) = TABLE
            .try_with(|t| t.remove(self.slot))
            .unwrap_or((None, None));
        // Outside the table's borrow: the triggers may run code.
        if let Some(ev) = freed {
            ev.trigger(());
        }
        if let Some(ev) = none_left {
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

/// Shuts down the writing side of every idle connection (see
/// [`Conn::park`]), and returns how many: each client reads the rest of its
/// last response, then the end of the stream. The connections stay open, so
/// that a request a client sends meanwhile is read (and dropped), not
/// answered by the kernel with a reset that would destroy a response not
/// read yet.
pub fn close_idle() -> usize {
    TABLE.with(|t| t.close_idle())
}

/// Triggers `ev` when no connection is left (at once if none is); replaces
/// an event given before.
pub fn when_all_closed(ev: Event) {
    let ev = TABLE.with(|t| {
        if t.live.get() == 0 {
            Some(ev)
        } else {
            *t.none_left.borrow_mut() = Some(ev);
            None
        }
    });
    if let Some(ev) = ev {
        ev.trigger(());
    }
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
    /// One bit per slot: the connection is idle ([`Conn::park`]).
    idle: RefCell<Vec<u64>>,
    /// Triggered when `live` falls to 0 ([`when_all_closed`]).
    none_left: RefCell<Option<Event>>,
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
            idle: RefCell::new(Vec::new()),
            none_left: RefCell::new(None),
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

    fn set_idle(&self, slot: u32, idle: bool) {
        let (word, bit) = (slot as usize / 64, 1u64 << (slot % 64));
        let mut bits = self.idle.borrow_mut();
        if word >= bits.len() {
            if !idle {
                return;
            }
            bits.resize(word + 1, 0);
        }
        if idle {
            bits[word] |= bit;
        } else {
            bits[word] &= !bit;
        }
    }

    /// Frees `slot`; the events to trigger: [`on_free`]'s if it was shed
    /// (the accept loop waits for that), [`when_all_closed`]'s if it was
    /// the last.
    fn remove(&self, slot: u32) -> (Option<Event>, Option<Event>) {
        self.set_idle(slot, false);
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
        let none_left = if self.live.get() == 0 {
            self.none_left.borrow_mut().take()
        } else {
            None
        };
        if !was_shed {
            return (None, none_left);
        }
        self.shed_left.set(self.shed_left.get() - 1);
        (self.on_free.borrow_mut().take(), none_left)
    }

    fn close_idle(&self) -> usize {
        let entries = self.entries.borrow();
        let bits = self.idle.borrow();
        let mut n = 0;
        for (word, &set) in bits.iter().enumerate() {
            let mut rest = set;
            while rest != 0 {
                let slot = word * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                // An idle slot is a live `Conn`'s: its bit is cleared when
                // it is removed.
                shut_down(entries[slot].fd, std::net::Shutdown::Write);
                n += 1;
            }
        }
        n
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
            // Wakes the connection's pending wait; its next read gives EOF
            // and its next write an error, so its task ends and closes it.
            shut_down(e.fd, std::net::Shutdown::Both);
        }
        self.shed_left.set(self.shed_left.get() + victims.len());
        victims.len()
    }
}

/// Shuts down the socket `fd` of a live `Conn` (errors ignored: a socket the
/// peer already reset has nothing left to shut down).
fn shut_down(fd: RawFd, how: std::net::Shutdown) {
    // SAFETY: `fd` is the open socket of a live `Conn`: its entry is removed
    // (in `Conn::drop`) before its stream closes the fd, so the fd is
    // neither closed nor reused while the table holds it. `ManuallyDrop`
    // keeps this temporary owner from closing it.
    let sock = ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
    let _ = sock.shutdown(how);
}
