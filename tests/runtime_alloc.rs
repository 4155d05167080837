//! Allocations per event round trip, counted by a global allocator: no
//! allocation per event beyond the event's own shared cell, one per task
//! (none when it takes over the memory of one that ended).
//! Also prints the sizes quoted in the docs (run with `--nocapture`).
//!
//! Counts are per thread (each test has its own loop and its own counters),
//! and per-round costs are the difference between a long and a short run of
//! the same loop, so one-time costs (the task, queue capacity) cancel out.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::os::fd::BorrowedFd;
use std::task::Poll;
use std::time::Duration;

use tame::task::{self, TwaitSite};
use tame::{Event, Interest, Rendezvous};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<i64> = const { Cell::new(0) };
}

fn note(allocs: u64, bytes: i64) {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + allocs));
    let _ = LIVE_BYTES.try_with(|c| c.set(c.get() + bytes));
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are const-initialised thread-locals without destructors, which
// never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(1, layout.size() as i64);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(1, layout.size() as i64);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(0, -(layout.size() as i64));
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(1, new_size as i64 - layout.size() as i64);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread, and the change in live bytes.
fn measure(f: impl FnOnce()) -> (u64, i64) {
    let (a0, b0) = (ALLOCS.with(Cell::get), LIVE_BYTES.with(Cell::get));
    f();
    (ALLOCS.with(Cell::get) - a0, LIVE_BYTES.with(Cell::get) - b0)
}

/// Allocations per round: (cost of `long` rounds - cost of `short` rounds)
/// / (long - short), asserted to divide evenly.
fn per_round(rounds: impl Fn(u32)) -> u64 {
    let (short, long) = (100, 1100);
    rounds(10); // warm up the loop's queues
    let (a, _) = measure(|| rounds(short));
    let (b, _) = measure(|| rounds(long));
    let diff = b - a;
    let n = u64::from(long - short);
    assert_eq!(diff % n, 0, "{diff} allocations over {n} rounds");
    diff / n
}

static SITE: TwaitSite = TwaitSite::new("round_trips", file!(), line!());

/// One task doing `n` round trips: make an event, hand it to the loop
/// (`asap`), block until it comes back, resume.
fn join_round_trips(n: u32) {
    let mut left = n;
    let mut waiting = false;
    task::start("round_trips", move |cx| loop {
        if waiting {
            if cx.wait_join(&SITE).is_pending() {
                return Poll::Pending;
            }
            waiting = false;
        }
        if left == 0 {
            return Poll::Ready(());
        }
        left -= 1;
        tame::asap(cx.join_event());
        waiting = true;
    });
    tame::run();
}

/// Two hundred turns of the loop with nothing to do: what a burst left
/// to give back (rings shrunk after quiet turns, tables swept) is given
/// back.
fn quiet_turns() {
    for _ in 0..200 {
        tame::asap(Event::from_fn(|_: Option<()>| {}));
        tame::run();
    }
}

#[test]
fn join_event_round_trip_allocates_nothing() {
    assert_eq!(per_round(join_round_trips), 0);
}

#[test]
fn join_event_with_a_value_allocates_its_cell_only() {
    let rounds = |n: u32| {
        let mut left = n;
        let mut slot: Option<tame::task::Slot<u64>> = None;
        task::start("round_trips", move |cx| loop {
            if let Some(s) = &slot {
                if cx.wait_join(&SITE).is_pending() {
                    return Poll::Pending;
                }
                assert_eq!(s.take(), Some(u64::from(left)));
                slot = None;
            }
            if left == 0 {
                return Poll::Ready(());
            }
            left -= 1;
            let (ev, s) = cx.join_event_with_slot::<u64>();
            // The loop triggers it with a value on its next turn.
            tame::asap(forward(ev, u64::from(left)));
            slot = Some(s);
        });
        tame::run();
    };
    let forwarding = per_round(|n| {
        for _ in 0..n {
            drop(Event::from_fn(|_: Option<()>| ()));
        }
    });
    assert_eq!(forwarding, 1, "a from_fn event is one cell");
    assert_eq!(per_round(rounds) - forwarding, 1);
}

/// An `Event<()>` that triggers `ev` with `v` (one `from_fn` cell).
fn forward(ev: Event<u64>, v: u64) -> Event {
    Event::from_fn(move |_| ev.trigger(v))
}

#[test]
fn rendezvous_event_round_trip_allocates_its_cell_only() {
    static R_SITE: TwaitSite = TwaitSite::new("rdv_round_trips", file!(), line!());
    let rounds = |n: u32| {
        let r = Rendezvous::<u32>::new();
        let mut left = n;
        let mut waiting = false;
        task::start("rdv_round_trips", move |cx| loop {
            if waiting {
                match cx.poll_rendezvous(&r, &R_SITE) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(id) => assert_eq!(id, Some(left)),
                }
                waiting = false;
            }
            if left == 0 {
                return Poll::Ready(());
            }
            left -= 1;
            tame::asap(r.event(left));
            waiting = true;
        });
        tame::run();
    };
    assert_eq!(per_round(rounds), 1);
}

#[test]
fn tasks_alive_at_once_cost_one_allocation_each() {
    static WAIT: TwaitSite = TwaitSite::new("blocks_once", file!(), line!());
    let rounds = |n: u32| {
        for _ in 0..n {
            let mut waiting = false;
            task::start("blocks_once", move |cx| {
                if !waiting {
                    tame::asap(cx.join_event());
                    waiting = true;
                }
                cx.wait_join(&WAIT)
            });
        }
        tame::run();
    };
    // The loop's tables grow to their size first; a few of the tasks take
    // over the memory of tasks of the run before.
    rounds(10_000);
    let (allocs, _) = measure(|| rounds(10_000));
    assert!(
        (10_000 - 64..=10_000 + 64).contains(&allocs),
        "{allocs} allocations for 10000 tasks"
    );
}

#[test]
fn a_task_takes_the_memory_of_one_that_ended() {
    // One after the other, each task takes over the allocation the one
    // before left when it ended: none per task.
    assert_eq!(
        per_round(|n| {
            for _ in 0..n {
                task::start("immediate", |_| Poll::Ready(()));
            }
        }),
        0
    );
    // Also when each blocks once and the loop resumes it.
    assert_eq!(
        per_round(|n| {
            for _ in 0..n {
                join_round_trips(1);
            }
        }),
        0
    );
}

#[test]
fn event_future_costs_one_allocation() {
    assert_eq!(
        per_round(|n| {
            for i in 0..n {
                let (ev, fut) = tame::event_future::<u32>();
                ev.trigger(i);
                drop(fut);
            }
        }),
        1
    );
}

#[test]
fn timer_armed_and_cancelled_costs_its_event_only() {
    let rounds = |n: u32| {
        let r = Rendezvous::<()>::new();
        for _ in 0..n {
            tame::timer(Duration::from_secs(3600), r.event(()));
        }
        r.cancel();
        tame::run();
        assert_eq!(tame::__timer_entries(), 0);
    };
    // Per round: the event's cell, plus the heap's amortised growth, which
    // is not per round; the bound below allows the growth.
    rounds(10);
    let (allocs, _) = measure(|| rounds(10_000));
    assert!(
        allocs <= 10_000 + 64,
        "{allocs} allocations for 10000 timers"
    );
}

#[test]
fn cancelled_timers_give_their_memory_back() {
    // Regression: the timer heap kept its peak capacity once its entries
    // were popped, so a burst of cancelled timers cost memory for good.
    tame::run();
    let (_, live) = measure(|| {
        let r = Rendezvous::<()>::new();
        for _ in 0..100_000 {
            tame::timer(Duration::from_secs(3600), r.event(()));
        }
        r.cancel();
        drop(r);
        tame::run();
    });
    assert_eq!(tame::__timer_entries(), 0);
    assert!(live < 64 * 1024, "{live} bytes still held after run()");
}

#[test]
fn refused_fd_wait_allocates_nothing() {
    // Regression: the fd-number table of earlier versions was grown up to
    // the fd number before epoll refused the fd, so one wait on a bad high
    // fd number held megabytes.
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    tame::wait_on_fd(&a, Interest::Write, Event::from_fn(|_| ())).unwrap();
    tame::run(); // the selector exists now
    let (allocs, live) = measure(|| {
        // SAFETY: a number no fd of this process has; epoll_ctl says EBADF.
        let bad = unsafe { BorrowedFd::borrow_raw(900_000) };
        let r = Rendezvous::<()>::new();
        assert!(tame::wait_on_fd(bad, Interest::Read, r.event(())).is_err());
    });
    assert!(live <= 0, "{live} bytes held after a refused wait");
    assert!(allocs <= 4, "{allocs} allocations for a refused wait");
}

#[test]
fn sizes_for_the_docs() {
    let event = std::mem::size_of::<Event<()>>();
    let rendezvous = std::mem::size_of::<Rendezvous<()>>();
    let timer_entry = tame::__timer_entry_size();
    println!("size_of::<Event<()>>() = {event} bytes");
    println!("size_of::<Rendezvous<()>>() = {rendezvous} bytes");
    println!("timer entry = {timer_entry} bytes");
    let word = std::mem::size_of::<usize>();
    assert_eq!(event, 2 * word, "a fat Rc pointer");
    assert_eq!(rendezvous, word, "an Rc pointer");
    assert!(timer_entry <= 48);
}

/// A burst of `asap` events in one turn grows the ready queue; once the
/// queues have stayed small for a while, the loop gives that memory back
/// (it kept a ring of the burst's size for good: 6 MiB after 200,000).
#[test]
fn a_burst_of_ready_events_leaves_no_lasting_memory() {
    std::thread::spawn(|| {
        let (_, after_burst) = measure(|| {
            for _ in 0..100_000 {
                tame::asap(Event::from_fn(|_: Option<()>| {}));
            }
            tame::run();
        });
        assert!(
            after_burst > 1_000_000,
            "the burst's ring stays a while: {after_burst}"
        );
        // Quiet turns: one event each.
        let (_, after_quiet) = measure(|| {
            quiet_turns();
        });
        assert!(
            after_burst + after_quiet < 64 * 1024,
            "{after_burst} bytes after the burst, {after_quiet} after quiet turns"
        );
    })
    .join()
    .unwrap();
}

/// A loop that goes idle after a burst (it waits for a timer a second
/// away, and nothing else comes) gives the burst's memory back while it
/// waits: it held it until it had turned often enough again, which an idle
/// loop does not.
#[test]
fn a_loop_idle_after_a_burst_gives_the_memory_back_while_it_waits() {
    std::thread::spawn(|| {
        quiet_turns(); // the loop's own memory, made before the count
        let before = LIVE_BYTES.with(Cell::get);
        let seen = std::rc::Rc::new(Cell::new(None));
        for _ in 0..100_000 {
            tame::asap(Event::from_fn(|_: Option<()>| {}));
        }
        // The burst's last event arms the timer: the loop's wait for it
        // is the first thing after the burst.
        let at_timer = seen.clone();
        tame::asap(Event::from_fn(move |_: Option<()>| {
            tame::timer(
                Duration::from_secs(1),
                Event::from_fn(move |_: Option<()>| {
                    at_timer.set(Some(LIVE_BYTES.with(Cell::get)));
                }),
            );
        }));
        tame::run();
        let held = seen.get().expect("the timer fired") - before;
        assert!(
            held < 128 * 1024,
            "{held} bytes still held a second after a burst of 100,000 events"
        );
    })
    .join()
    .unwrap();
}

/// The wait that gives a burst's memory back is cut short of what the
/// caller of `run_once` asked for: it goes on, and `run_once(Some(d))`
/// with nothing coming still waits `d` (a frame loop paces itself by it),
/// not the cut.
#[test]
fn run_once_after_a_burst_still_waits_its_whole_timeout() {
    std::thread::spawn(|| {
        for _ in 0..100_000 {
            tame::asap(Event::from_fn(|_: Option<()>| {}));
        }
        tame::run();
        // Something to wait for that never comes: a socket nobody writes to.
        let (quiet, _other) = std::os::unix::net::UnixStream::pair().unwrap();
        let r = Rendezvous::<()>::new();
        tame::wait_on_fd(&quiet, Interest::Read, r.event(())).unwrap();
        let d = Duration::from_millis(600);
        let start = std::time::Instant::now();
        assert!(tame::run_once(Some(d)), "the pipe is still waited for");
        assert!(
            start.elapsed() >= d,
            "run_once returned after {:?}, with nothing come",
            start.elapsed()
        );
    })
    .join()
    .unwrap();
}

/// A burst of tamed functions each waiting on a timer, on a paused clock
/// (so that the timers fire in the same batches every run): once they are
/// all done, what the loop keeps is bounded. The timers' compaction, as
/// the burst drained, watched each task's event again, and the table of
/// those watches kept its peak size (a megabyte after 40,000 tasks); the
/// table of tasks that ever blocked kept its peak length while a task
/// kept for reuse still had an entry in it.
#[test]
fn a_burst_of_waiting_tasks_leaves_no_lasting_memory() {
    #[tame::tamed]
    fn nap(ms: u64) {
        tame::twait! { tame::timer(Duration::from_millis(ms), tame::mkevent!()); }
    }
    std::thread::spawn(|| {
        tame::time::pause();
        nap(1); // a task kept for reuse, with its entry
        tame::run();
        let (_, live) = measure(|| {
            for i in 0..40_000 {
                nap(i % 50);
            }
            tame::run();
            quiet_turns();
        });
        assert!(live < 192 * 1024, "{live} bytes held after the burst");
    })
    .join()
    .unwrap();
}

/// A burst of spawned futures, ended: the loop's table of them, which
/// their wakers find them by, kept its peak length (24 bytes a future: 24
/// MiB after a million) for the thread's life.
#[test]
fn a_burst_of_spawned_futures_leaves_no_lasting_memory() {
    std::thread::spawn(|| {
        tame::time::pause();
        tame::spawn(async {}, Event::detached());
        tame::run();
        let (_, live) = measure(|| {
            for i in 0..40_000u64 {
                tame::spawn(
                    async move { tame::time::sleep(Duration::from_millis(i % 50)).await },
                    Event::detached(),
                );
            }
            tame::run();
            quiet_turns();
        });
        assert!(live < 192 * 1024, "{live} bytes held after the burst");
    })
    .join()
    .unwrap();
}

/// The same burst ending in reverse order: the last tasks made, the ones
/// highest in the loop's table of tasks, finished first and were kept for
/// reuse with their entries, and the table, which gives back only its
/// free entries at the end, kept its peak length (16 bytes a task: 16 MiB
/// after a million).
#[test]
fn a_burst_of_tasks_ending_in_reverse_leaves_no_lasting_memory() {
    #[tame::tamed]
    fn nap(evs: std::rc::Rc<std::cell::RefCell<Vec<Event>>>) {
        tame::twait! { evs.borrow_mut().push(tame::mkevent!()); }
    }
    std::thread::spawn(|| {
        let evs = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        nap(evs.clone()); // a task kept for reuse, with its entry
        for ev in evs.borrow_mut().drain(..) {
            ev.trigger(());
        }
        tame::run();
        let (_, live) = measure(|| {
            for _ in 0..40_000 {
                nap(evs.clone());
            }
            let mut all = std::mem::take(&mut *evs.borrow_mut());
            all.reverse();
            for ev in all {
                ev.trigger(());
            }
            tame::run();
            quiet_turns();
        });
        assert!(live < 192 * 1024, "{live} bytes held after the burst");
    })
    .join()
    .unwrap();
}

/// Tasks given `tame::all` fan-outs as their result events, in a burst,
/// cancelled together or ended: the loop's table of the fan-outs they
/// watch kept an entry for each (and the fan-out's memory with it) until
/// some later task watched one.
#[test]
fn a_burst_of_tasks_watching_fan_outs_leaves_no_lasting_memory() {
    #[tame::tamed]
    fn worker(evs: std::rc::Rc<std::cell::RefCell<Vec<Event>>>) -> u32 {
        tame::twait! { evs.borrow_mut().push(tame::mkevent!()); }
        1
    }
    std::thread::spawn(|| {
        let evs = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let (_, live) = measure(|| {
            // Cancelled together: their listeners all go.
            let r = Rendezvous::<u32>::new();
            for i in 0..20_000 {
                let (a, _) = r.event_with_slot(i);
                let (b, _) = r.event_with_slot(i);
                worker(evs.clone(), tame::all(vec![a, b]));
            }
            drop(r);
            tame::run();
            evs.borrow_mut().clear();
            // Ended: their values delivered.
            let r = Rendezvous::<u32>::new();
            let mut slots = Vec::new();
            for i in 0..20_000 {
                let (a, x) = r.event_with_slot(i);
                let (b, y) = r.event_with_slot(i);
                slots.push((x, y));
                worker(evs.clone(), tame::all(vec![a, b]));
            }
            for ev in std::mem::take(&mut *evs.borrow_mut()) {
                ev.trigger(());
            }
            tame::run();
            assert!(slots
                .iter()
                .all(|(x, y)| x.take() == Some(1) && y.take() == Some(1)));
            drop(slots);
            while r.try_next().is_some() {}
            drop(r);
            quiet_turns();
        });
        assert!(live < 192 * 1024, "{live} bytes held after the burst");
    })
    .join()
    .unwrap();
}

/// A channel that once had a burst of receivers waiting gives the queue's
/// buffer back as they are served (it kept its peak, 3 MiB after
/// 100,000, for as long as the channel lived).
#[test]
fn a_served_burst_of_waiters_leaves_no_lasting_memory() {
    std::thread::spawn(|| {
        let ch = tame::sync::Channel::<u64>::new();
        let (_, kept) = measure(|| {
            let got = std::rc::Rc::new(std::cell::Cell::new(0));
            for _ in 0..100_000 {
                let got = got.clone();
                ch.recv(Event::from_fn(move |v: Option<u64>| {
                    got.set(got.get() + v.unwrap_or(0));
                }));
            }
            for i in 0..100_000 {
                ch.send(i);
            }
            tame::run();
            assert_eq!(got.get(), (0..100_000).sum::<u64>());
        });
        assert!(kept < 8 * 1024, "{kept} bytes kept after the burst");
        drop(ch);
    })
    .join()
    .unwrap();
}

/// A channel that once queued a burst, and a rendezvous that once had as
/// many events back, give its buffer back as they are drained (a chat
/// server's outbox of a client that lagged once kept its peak for the
/// client's life).
#[test]
fn a_drained_burst_leaves_no_lasting_memory_in_a_channel_or_a_rendezvous() {
    std::thread::spawn(|| {
        let ch = tame::sync::Channel::<u64>::new();
        let r = Rendezvous::<u32>::new();
        let (_, kept) = measure(|| {
            for i in 0..100_000 {
                ch.send(i);
                r.event(i as u32).trigger(());
            }
            while ch.try_recv().is_some() {}
            while r.try_next().is_some() {}
        });
        assert!(kept < 8 * 1024, "{kept} bytes kept after the burst");
        drop((ch, r));
    })
    .join()
    .unwrap();
}

/// A chain of callbacks deeper than the runtime nests on the stack queues
/// its later links; once the chain is done the queue's memory is given
/// back. It was kept at its peak for the thread's life and lost at thread
/// exit: 64 bytes for a chain of 100, 32 KiB for a callback that triggers
/// 10,000 events deep in one.
#[test]
fn a_deep_chain_of_callbacks_leaves_no_lasting_memory() {
    fn chain(links: u32, last: Event<u32>) -> Event<u32> {
        let mut ev = last;
        for _ in 0..links {
            let next = ev;
            ev = Event::from_fn(move |v: Option<u32>| next.trigger(v.unwrap_or(0) + 1));
        }
        ev
    }
    std::thread::spawn(|| {
        let (_, live) = measure(|| {
            let seen = std::rc::Rc::new(Cell::new(0));
            let s = seen.clone();
            chain(100, Event::from_fn(move |v: Option<u32>| s.set(v.unwrap()))).trigger(0);
            assert_eq!(seen.get(), 100, "every link ran");
        });
        assert_eq!(live, 0, "bytes held after a chain of 100");
        let (_, live) = measure(|| {
            let count = std::rc::Rc::new(Cell::new(0));
            let c = count.clone();
            let burst = Event::from_fn(move |_: Option<u32>| {
                for _ in 0..10_000 {
                    let c = c.clone();
                    Event::from_fn(move |_: Option<()>| c.set(c.get() + 1)).trigger(());
                }
            });
            chain(70, burst).trigger(0);
            assert_eq!(count.get(), 10_000, "every event of the burst ran");
        });
        assert_eq!(live, 0, "bytes held after a burst deep in a chain");
    })
    .join()
    .unwrap();
}
