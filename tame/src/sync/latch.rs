//! [`Latch`]: a flag set once, from any thread, that loops on any thread
//! wait for.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::driver::WaitId;
use crate::event::Sink;
use crate::io::{sys, Interest};
use crate::Event;

/// A flag that is set once, from any thread, and that loops on any thread
/// can wait for: how one loop tells the others to stop (tokio-util's
/// `CancellationToken`).
///
/// Everything else on the loop is `!Send`; a `Latch` is `Send + Sync` and
/// cheap to clone (the clones are one latch). [`set`](Latch::set) it from
/// anywhere (a loop, a plain thread, a signal's event); a
/// [`wait`](Latch::wait) on any loop triggers its event once it is set, at
/// once if it already is. It never resets.
///
/// Underneath it is a pipe whose write end `set` closes: every loop waiting
/// on the read end sees the end of its stream, so one `set` reaches all of
/// them and costs no thread anything until then. A loop's waits on one
/// latch share one wait on the pipe (one descriptor, however many tasks
/// wait).
///
/// * A wait keeps [`run`](crate::run) going, as any descriptor wait does,
///   until the latch is set or the wait's event dies (its rendezvous
///   cancelled or dropped).
/// * If every handle of the latch is dropped without `set`, nothing can
///   set it any more: the waits end, their events dropped untriggered (an
///   explicit rendezvous still reports their ids), instead of keeping
///   their loops waiting forever.
/// * If the callback of one wait's event panics when the latch is set (an
///   event made with [`Event::from_fn`]), the waits after it on that loop
///   still have their events triggered: from the loop's queue, when the
///   program that caught the panic runs the loop again.
///
/// # Examples
///
/// Two loops, each on its thread, stopped together from the main thread:
///
/// ```
/// use tame::sync::Latch;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn serve_until(stop: Latch) -> &'static str {
///     let r = tame::Rendezvous::<&'static str>::new();
///     stop.wait(r.event("stopped")).unwrap();
///     // ... a server would wait for its connections on `r` too ...
///     twait!(r).unwrap()
/// }
///
/// let stop = Latch::new().unwrap();
/// let loops: Vec<_> = (0..2)
///     .map(|_| {
///         let stop = stop.clone();
///         std::thread::spawn(move || tame::run_with(|done| serve_until(stop, done)))
///     })
///     .collect();
/// stop.set();
/// for l in loops {
///     assert_eq!(l.join().unwrap(), Some("stopped"));
/// }
/// ```
#[derive(Clone)]
pub struct Latch {
    shared: Arc<Shared>,
}

/// What the handles share. The flag has an `Arc` of its own: the waits
/// hold it to tell a set latch from one whose handles all went, and must
/// not keep the write end open.
struct Shared {
    set: Arc<AtomicBool>,
    /// The pipe's write end, until `set` closes it (or the last handle
    /// goes).
    writer: Mutex<Option<OwnedFd>>,
    /// The read end, which each wait duplicates.
    reader: OwnedFd,
}

impl Latch {
    /// A latch that is not set.
    ///
    /// # Errors
    ///
    /// If the pipe cannot be made (out of file descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// let stop = tame::sync::Latch::new().unwrap();
    /// assert!(!stop.is_set());
    /// ```
    pub fn new() -> io::Result<Latch> {
        let (reader, writer) = sys::pipe()?;
        Ok(Latch {
            shared: Arc::new(Shared {
                set: Arc::new(AtomicBool::new(false)),
                writer: Mutex::new(Some(writer)),
                reader,
            }),
        })
    }

    /// Sets the latch, from any thread: every wait on it, on every loop,
    /// triggers its event (on that loop's next turn), and so does every
    /// later wait. Setting it again does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let stop = tame::sync::Latch::new().unwrap();
    /// let clone = stop.clone();
    /// std::thread::spawn(move || clone.set()).join().unwrap();
    /// assert!(stop.is_set());
    /// ```
    pub fn set(&self) {
        // The flag first: a wait that sees the pipe's end must find it set.
        self.shared.set.store(true, Ordering::Release);
        let writer = self
            .shared
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        drop(writer);
    }

    /// Whether the latch was set.
    ///
    /// # Examples
    ///
    /// ```
    /// let stop = tame::sync::Latch::new().unwrap();
    /// stop.set();
    /// assert!(stop.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.shared.set.load(Ordering::Acquire)
    }

    /// Triggers `ev` on this thread's loop once the latch is set (right
    /// away if it is already). See the type's docs for a wait whose latch
    /// can no longer be set.
    ///
    /// # Errors
    ///
    /// If the read end cannot be duplicated or registered with the loop
    /// (out of file descriptors: only a thread's first wait on a latch
    /// needs one); `ev` is dropped then.
    ///
    /// # Examples
    ///
    /// ```
    /// let stop = tame::sync::Latch::new().unwrap();
    /// stop.set();
    /// let r = tame::Rendezvous::<&str>::new();
    /// stop.wait(r.event("set")).unwrap();
    /// assert_eq!(r.try_next(), Some("set"));
    /// ```
    pub fn wait(&self, ev: Event) -> io::Result<()> {
        if self.is_set() {
            ev.trigger(());
            return Ok(());
        }
        let flag = &self.shared.set;
        let joined = WAITS.try_with(|w| {
            let w = w.borrow();
            let (_, waiters) = w.iter().find(|(f, _)| Arc::ptr_eq(f, flag))?;
            Some(waiters.clone())
        });
        let joined = match joined {
            Ok(joined) => joined,
            // The thread is going (a drop at its exit): no loop can wait.
            Err(_) => {
                crate::driver::drop_for_gone_loop(ev);
                return Err(crate::driver::loop_gone());
            }
        };
        if let Some(waiters) = joined {
            waiters.add(ev);
            return Ok(());
        }
        let waiters = Rc::new(Waiters {
            evs: RefCell::new(vec![ev]),
            watched: Cell::new(None),
            prune_at: Cell::new(MIN_PRUNE),
            first_live: Cell::new(0),
        });
        // (Present: `try_with` just found it.)
        let _ = WAITS.try_with(|w| w.borrow_mut().push((flag.clone(), waiters.clone())));
        let set = flag.clone();
        let ev = Event::from_sink(waiters).then(move |ended: Option<()>, ev| {
            // The pipe ended: set, or all the handles went.
            if ended.is_some() && set.load(Ordering::Acquire) {
                ev.trigger(());
            }
        });
        // (On an error the event is dropped, and with it the waiters and
        // their entry.)
        crate::io::wait_on_fd(self.shared.reader.as_fd(), Interest::Read, ev)
    }
}

thread_local! {
    /// This thread's waits on latches: one per latch (found by its flag,
    /// which the entry keeps, so no other latch's can take its address),
    /// with the events of every task that waits on it.
    static WAITS: RefCell<Vec<(Arc<AtomicBool>, Rc<Waiters>)>> = const { RefCell::new(Vec::new()) };
}

/// The events of a thread's waits on one latch: the event of the one wait
/// on the pipe (as [`crate::all`], and new events join it while it waits).
/// It counts as live while any of them is, so the loop drops the pipe's
/// wait once nobody listens.
struct Waiters {
    evs: RefCell<Vec<Event>>,
    /// The id the loop watches the pipe's wait by, to watch a new event by.
    watched: Cell<Option<WaitId>>,
    /// How many events may gather before the dead ones (tasks that stopped
    /// waiting: a connection that ended) are dropped: twice as many as
    /// were live at the last count, so a server's waits cost memory for
    /// its live ones only, at an amortized constant per wait.
    prune_at: Cell<usize>,
    /// The events before this one were found dead (a dead event stays
    /// dead): [`is_live`](Sink::is_live), asked at each death, looks from
    /// here, so that waiters leaving one by one in the order they came (a
    /// server's connections ending) cost a step each, not a look at all
    /// the dead ones before the first live one each.
    first_live: Cell<usize>,
}

impl Waiters {
    fn add(&self, ev: Event) {
        if let Some(id) = self.watched.get() {
            ev.watch(id);
        }
        let dead = {
            let mut evs = self.evs.borrow_mut();
            evs.push(ev);
            if evs.len() < self.prune_at.get() {
                return;
            }
            let (live, dead): (Vec<Event>, Vec<Event>) = std::mem::take(&mut *evs)
                .into_iter()
                .partition(Event::is_live);
            *evs = live;
            self.first_live.set(0);
            self.prune_at.set((2 * evs.len()).max(MIN_PRUNE));
            dead
        };
        // Dropped with no borrow held: a drop may run a callback.
        crate::driver::drop_each(dead);
    }
}

/// [`Waiters::prune_at`] at first.
const MIN_PRUNE: usize = 16;

impl Sink<()> for Waiters {
    fn complete(self: Rc<Self>, value: Option<()>) {
        // The pipe's wait is over: a later wait makes another.
        let _ = WAITS.try_with(|w| {
            if let Ok(mut w) = w.try_borrow_mut() {
                w.retain(|(_, x)| !Rc::ptr_eq(x, &self));
            }
        });
        let evs = std::mem::take(&mut *self.evs.borrow_mut());
        self.first_live.set(0);
        if value.is_some() {
            // Set: a waiter's callback that panics does not keep the
            // others from hearing it.
            crate::driver::trigger_each(evs.into_iter().map(|ev| (ev, ())));
        } else {
            // Each callback gets its `None`, even past one that panics.
            crate::driver::drop_each(evs);
        }
    }

    fn is_live(&self) -> bool {
        let Ok(evs) = self.evs.try_borrow() else {
            return true;
        };
        let from = self.first_live.get().min(evs.len());
        match evs[from..].iter().position(Event::is_live) {
            Some(i) => {
                self.first_live.set(from + i);
                true
            }
            None => {
                self.first_live.set(evs.len());
                false
            }
        }
    }

    fn watch(&self, id: WaitId) -> bool {
        self.watched.set(Some(id));
        (self.evs.try_borrow()).map_or(true, |evs| {
            // Every one is watched (no short-circuit).
            evs.iter().fold(false, |live, ev| ev.watch(id) | live)
        })
    }

    fn unwatch(&self) {
        self.watched.set(None);
        if let Ok(evs) = self.evs.try_borrow() {
            for ev in evs.iter() {
                ev.unwatch();
            }
        }
    }
}

impl fmt::Debug for Latch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Latch")
            .field("set", &self.is_set())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The waits of one latch ending one by one in the order they began
    /// (connections of a server ending): each death asks whether any wait
    /// is left, which looked at every dead one before the first live one,
    /// quadratic in all (80,000 took 15 s). The look starts where the last
    /// one found a live wait.
    #[test]
    fn the_look_for_a_live_wait_starts_past_the_dead_ones_found() {
        let rs: Vec<crate::Rendezvous<()>> = (0..100).map(|_| crate::Rendezvous::new()).collect();
        let waiters = Waiters {
            evs: RefCell::new(rs.iter().map(|r| r.event(())).collect()),
            watched: Cell::new(None),
            prune_at: Cell::new(MIN_PRUNE),
            first_live: Cell::new(0),
        };
        let mut rs = rs.into_iter();
        for k in 1..100 {
            drop(rs.next());
            assert!(waiters.is_live());
            assert_eq!(waiters.first_live.get(), k);
        }
        drop(rs.next());
        assert!(!waiters.is_live());
    }
}
