//! [`Latch`]: a flag set once, from any thread, that loops on any thread
//! wait for.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
/// them and costs no thread anything until then.
///
/// * A wait keeps [`run`](crate::run) going, as any descriptor wait does,
///   until the latch is set or the wait's event dies (its rendezvous
///   cancelled or dropped).
/// * If every handle of the latch is dropped without `set`, nothing can
///   set it any more: the waits end, their events dropped untriggered (an
///   explicit rendezvous still reports their ids), instead of keeping
///   their loops waiting forever.
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
    /// (out of file descriptors); `ev` is dropped then.
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
        let set = self.shared.set.clone();
        let ev = ev.then(move |ended: Option<()>, ev| {
            // The pipe ended: set, or all the handles went.
            if ended.is_some() && set.load(Ordering::Acquire) {
                ev.trigger(());
            }
        });
        crate::io::wait_on_fd(self.shared.reader.as_fd(), Interest::Read, ev)
    }
}

impl fmt::Debug for Latch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Latch")
            .field("set", &self.is_set())
            .finish()
    }
}
