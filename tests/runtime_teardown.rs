//! A thread that exits with work still queued on its loop: the loop is torn
//! down with the thread, every pending event is dropped, and every task
//! still blocked ends as a cancelled one. Their callbacks
//! still run then and may call back into the runtime, or panic; neither
//! may abort the process, and the events they hand over report as dropped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;

/// Counts how the callbacks saw their events end.
#[derive(Default)]
struct Seen {
    dropped: AtomicUsize,
    fired: AtomicUsize,
    /// `sleeper` got past its wait.
    woke: AtomicUsize,
}

impl Seen {
    fn event(self: &Arc<Self>) -> Event<()> {
        let seen = self.clone();
        Event::from_fn(move |v: Option<()>| {
            let counter = if v.is_some() {
                &seen.fired
            } else {
                &seen.dropped
            };
            counter.fetch_add(1, Ordering::SeqCst);
        })
    }
}

/// Runs `f` when this thread's loop is torn down: it is the callback of an
/// hour-long timer's event, which the teardown drops.
fn at_teardown(f: impl FnOnce() + 'static) {
    tame::timer(
        Duration::from_secs(3600),
        Event::from_fn(move |_: Option<()>| f()),
    );
}

/// Started from a callback during teardown: it does not run at all (its
/// wait would end at once, the timer's event dropped, as every event made
/// then is).
#[tamed]
fn sleeper(seen: Arc<Seen>) {
    twait! { tame::timer(Duration::from_secs(3600), mkevent!()); }
    seen.woke.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn callbacks_of_events_dropped_at_thread_exit_may_use_the_runtime() {
    let seen = Arc::new(Seen::default());
    let inner = seen.clone();
    thread::spawn(move || {
        // Each timer is still pending when the thread ends; its event's
        // callback then calls into the torn-down loop.
        let s = inner.clone();
        at_teardown(move || tame::timer(Duration::from_secs(1), s.event()));
        let s = inner.clone();
        at_teardown(move || {
            assert!(tame::blocked().is_empty());
            tame::asap(s.event());
        });
        let s = inner.clone();
        at_teardown(move || tame::spawn(async {}, s.event()));
        let s = inner.clone();
        let ran = inner.clone();
        at_teardown(move || {
            tame::spawn_blocking(
                move || ran.woke.fetch_add(100, Ordering::SeqCst),
                s.event().map(drop),
            )
        });
        let s = inner.clone();
        at_teardown(move || {
            let r = Rendezvous::<()>::new();
            tame::asap(r.event(()));
            tame::timer(Duration::from_millis(1), s.event());
            tame::run();
        });
        let s = inner.clone();
        at_teardown(move || sleeper(s.clone()));
        // `run_with` there (it panicked with std's error about
        // thread-local storage, which in a thread-local's destructor
        // aborts the process): a value given at once comes back; a tamed
        // function is dropped unrun, its event with it.
        let s = inner.clone();
        at_teardown(move || {
            assert_eq!(tame::run_with(|done: Event<u8>| done.trigger(1)), Some(1));
            assert_eq!(tame::run_with(later_seven), None);
            tame::asap(s.event());
        });
    })
    .join()
    .expect("the thread exits cleanly");
    // Six callbacks handed over an event; none can fire with no loop, so
    // all six report as dropped (and the blocking job and the tamed
    // function never ran).
    assert_eq!(seen.fired.load(Ordering::SeqCst), 0);
    assert_eq!(seen.dropped.load(Ordering::SeqCst), 6);
    assert_eq!(seen.woke.load(Ordering::SeqCst), 0);
}

#[test]
fn queued_events_are_dropped_in_order_at_thread_exit() {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let inner = order.clone();
    thread::spawn(move || {
        for i in 0..3 {
            let order = inner.clone();
            // The callback queues more work on a loop that is being dropped.
            tame::asap(Event::from_fn(move |v: Option<()>| {
                assert!(v.is_none(), "never triggered: run() was not called");
                order.lock().unwrap().push(i);
                tame::asap(Event::from_fn(|_| {}));
            }));
        }
    })
    .join()
    .expect("the thread exits cleanly");
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2]);
}

#[test]
fn the_runtimes_own_thread_locals_may_go_before_the_loop() {
    let seen = Arc::new(Seen::default());
    let inner = seen.clone();
    thread::spawn(move || {
        // The loop's thread-local first, so that the ones touched below go
        // before it at thread exit (the last registered is destroyed first).
        let s = inner.clone();
        at_teardown(move || {
            // Runs while the loop is torn down, after the queue of
            // nested completions and the default resolver are gone:
            // triggering an event and asking for the resolver must not
            // touch them.
            s.event().trigger(());
            tame::dns::set_default_resolver(tame::dns::Resolver::new(Vec::new()));
            let _ = tame::dns::default_resolver();
        });
        // Now the completion queue (an event completed) and the resolver.
        inner.event().trigger(());
        tame::dns::set_default_resolver(tame::dns::Resolver::new(Vec::new()));
    })
    .join()
    .expect("the thread exits cleanly");
    assert_eq!(seen.fired.load(Ordering::SeqCst), 2);
}

/// Counts its drops.
struct Noisy(Arc<AtomicUsize>);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits for a read whose result lands in a slot: the task holds the
/// slot's cell, which holds the task.
#[tamed]
fn reader(conn: tame::net::TcpStream, drops: Arc<AtomicUsize>) {
    let _noisy = Noisy(drops);
    let got: tame::io::ReadOutcome;
    twait! { conn.read(Vec::with_capacity(64), mkevent!(got)); }
    let _ = got;
}

#[tamed]
fn later_seven() -> u8 {
    twait! { tame::asap(mkevent!()); }
    7
}

/// Waits for a timer whose event carries a value into a slot.
#[tamed]
fn valued_sleeper(drops: Arc<AtomicUsize>) {
    let _noisy = Noisy(drops);
    let x: u32;
    twait! {
        let ev = mkevent!(x);
        tame::timer(
            Duration::from_secs(3600),
            Event::from_fn(move |_: Option<()>| ev.trigger(5)),
        );
    }
    let _ = x;
}

#[test]
fn tasks_still_blocked_at_thread_exit_drop_their_variables_and_close_their_sockets() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let inner = drops.clone();
    let client = thread::spawn(move || {
        let client = std::net::TcpStream::connect(addr).unwrap();
        let (server_side, _) = listener.accept().unwrap();
        let conn = tame::net::TcpStream::from_std(server_side).unwrap();
        reader(conn, inner.clone());
        valued_sleeper(inner);
        // The thread ends with both tasks blocked; `run()` never ran.
        client
    })
    .join()
    .expect("the thread exits cleanly");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "both tasks' variables dropped"
    );
    // The server's side was closed with the task: the client reads EOF
    // (already there: the timeout only turns a bug into a failure).
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut byte = [0u8; 1];
    let n = std::io::Read::read(&mut &client, &mut byte).expect("EOF, not a timeout");
    assert_eq!(n, 0);
}

/// Waits on a latch, an event without a value whose wait is parked in the
/// loop: the parked wait's event is the task's only reference.
#[tamed]
fn waits_on_latch(latch: tame::sync::Latch, drops: Arc<AtomicUsize>) {
    let _noisy = Noisy(drops);
    let res;
    twait! { res = latch.wait(mkevent!()); }
    res.unwrap();
}

#[test]
fn a_task_whose_parked_wait_holds_its_last_reference_is_dropped_once_at_thread_exit() {
    let drops = Arc::new(AtomicUsize::new(0));
    let inner = drops.clone();
    thread::spawn(move || {
        let latch = tame::sync::Latch::new().unwrap();
        waits_on_latch(latch, inner);
    })
    .join()
    .expect("the thread exits cleanly");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// Started by a destructor during thread teardown; blocks on a channel
/// nobody will send on.
#[tamed]
fn waits_for_a_message(ch: tame::sync::Channel<u32>, drops: Arc<AtomicUsize>) -> u32 {
    let _noisy = Noisy(drops);
    let mut v = 0;
    twait! { ch.recv(mkevent!(v)); }
    v
}

#[test]
fn a_tamed_function_started_during_thread_teardown_does_not_run() {
    let drops = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Seen::default());
    let (inner, s) = (drops.clone(), seen.clone());
    thread::spawn(move || {
        // One ran to its end first: the one started at teardown takes its
        // memory (kept for the next task of the type), already known to
        // the loop's table of blocked tasks.
        let ch = tame::sync::Channel::new();
        ch.send(1);
        assert_eq!(
            tame::run_with(|d| waits_for_a_message(ch, inner.clone(), d)),
            Some(1)
        );
        at_teardown(move || {
            let ch = tame::sync::Channel::new();
            let done = s.event();
            waits_for_a_message(ch, inner, done.map(|_: u32| ()));
        });
    })
    .join()
    .expect("the thread exits cleanly");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the first run's variable only: the second never ran"
    );
    assert_eq!(
        seen.dropped.load(Ordering::SeqCst),
        1,
        "its event came back dropped"
    );
    assert_eq!(seen.fired.load(Ordering::SeqCst), 0);
}

/// Ticks for good.
#[tamed]
fn ticker(ticks: Arc<AtomicUsize>) {
    loop {
        twait! { tame::timer(Duration::from_secs(1), mkevent!()); }
        ticks.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_loop_of_waits_started_at_thread_exit_does_not_spin() {
    let ticks = Arc::new(AtomicUsize::new(0));
    let inner = ticks.clone();
    // With no loop, every event made is dropped at once: had the ticker
    // run, each of its waits would have ended at once, for good.
    watchdog::on_fresh_loop(move || {
        thread::spawn(move || at_teardown(move || ticker(inner)))
            .join()
            .expect("the thread exits");
    });
    assert_eq!(ticks.load(Ordering::SeqCst), 0);
}

/// A spawned future nothing wakes; panics when dropped if given a message.
struct Stuck(Option<&'static str>);

impl std::future::Future for Stuck {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::task::Poll::Pending
    }
}

impl Drop for Stuck {
    fn drop(&mut self) {
        if let Some(msg) = self.0 {
            panic!("{msg}");
        }
    }
}

#[test]
fn a_panic_in_a_callback_at_thread_exit_does_not_abort_and_the_rest_still_goes() {
    let seen = Arc::new(Seen::default());
    let inner = seen.clone();
    let panics = |msg: &'static str| Event::from_fn(move |_: Option<()>| panic!("{msg}"));
    thread::spawn(move || {
        // Each kind of leftover twice, the first of each panicking when it
        // is dropped: a queued event, an armed timer, a spawned future.
        tame::asap(panics("a queued callback panics"));
        tame::asap(inner.event());
        tame::timer(
            Duration::from_secs(3600),
            panics("a timer's callback panics"),
        );
        tame::timer(Duration::from_secs(3600), inner.event());
        tame::spawn(Stuck(Some("a future's drop panics")), inner.event());
        tame::spawn(Stuck(None), inner.event());
        // And waits parked on descriptors: a readiness wait on a
        // descriptor of the caller's, a read of tame's own socket (which
        // its handle's drop leaves to finish).
        let (a, a_peer) = std::os::unix::net::UnixStream::pair().unwrap();
        tame::wait_on_fd(
            &a,
            tame::Interest::Read,
            panics("an fd wait's callback panics"),
        )
        .unwrap();
        let (b, _b_peer) = tame::net::UnixStream::pair().unwrap();
        let read_seen = inner.event();
        b.read(
            Vec::with_capacity(8),
            Event::from_fn(move |got: Option<(Vec<u8>, std::io::Result<usize>)>| {
                assert!(got.is_none(), "nothing was sent");
                drop(read_seen);
            }),
        );
        // Kept open past the thread's end: the wait stays parked on it.
        (a, a_peer)
    })
    .join()
    .expect("the thread exits, its panics at teardown caught");
    // Reaching this line is the first half: a panic unwinding out of the
    // loop's thread-local destructor would have aborted the process. The
    // other half: every event after a panic was still dropped (the one of
    // the future whose drop panicked too).
    assert_eq!(seen.dropped.load(Ordering::SeqCst), 5);
    assert_eq!(seen.fired.load(Ordering::SeqCst), 0);
}

/// A callback that arms its timer again whatever it gets, counting its
/// calls.
fn rearming_timer(calls: Arc<AtomicUsize>) {
    tame::timer(
        Duration::from_millis(5),
        Event::from_fn(move |_: Option<()>| {
            calls.fetch_add(1, Ordering::SeqCst);
            rearming_timer(calls);
        }),
    );
}

/// The same with `asap`, the way a callback yields to the loop.
fn rearming_asap(calls: Arc<AtomicUsize>) {
    tame::asap(Event::from_fn(move |_: Option<()>| {
        calls.fetch_add(1, Ordering::SeqCst);
        rearming_asap(calls);
    }));
}

#[test]
fn a_callback_that_rearms_whatever_it_gets_ends_at_thread_exit() {
    // At thread exit the loop drops the armed event (the callback gets
    // `None`) and the event the callback hands to the gone loop (it gets
    // `None` again); the one that callback hands over is dropped uncalled.
    // Calling it again and again would recurse until the stack overflowed,
    // or spin for ever.
    for asap in [false, true] {
        let calls = Arc::new(AtomicUsize::new(0));
        let inner = calls.clone();
        watchdog::on_fresh_loop(move || {
            thread::spawn(move || {
                if asap {
                    rearming_asap(inner);
                } else {
                    rearming_timer(inner.clone());
                    tame::run_once(Some(Duration::from_millis(50)));
                    assert!(
                        inner.load(Ordering::SeqCst) >= 1,
                        "it ticked while the loop ran"
                    );
                    inner.store(0, Ordering::SeqCst);
                }
            })
            .join()
            .expect("the thread exits cleanly");
        });
        assert_eq!(calls.load(Ordering::SeqCst), 2, "asap: {asap}");
    }
}

/// `rearming_timer`, behind a chain of maps deeper than completions nest
/// (its completion goes through the trampoline's queue).
fn rearming_through_maps(calls: Arc<AtomicUsize>) {
    let mut ev = Event::from_fn(move |_: Option<()>| {
        calls.fetch_add(1, Ordering::SeqCst);
        rearming_through_maps(calls);
    });
    for _ in 0..100 {
        ev = ev.map(|x: ()| x);
    }
    tame::timer(Duration::from_millis(5), ev);
}

#[test]
fn a_callback_behind_a_long_chain_that_rearms_ends_at_thread_exit() {
    let calls = Arc::new(AtomicUsize::new(0));
    let inner = calls.clone();
    watchdog::on_fresh_loop(move || {
        thread::spawn(move || rearming_through_maps(inner))
            .join()
            .expect("the thread exits cleanly");
    });
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// A callback that waits on a descriptor again whatever it gets.
fn rearming_fd_wait(fd: Arc<std::os::fd::OwnedFd>, calls: Arc<AtomicUsize>) {
    use std::os::fd::AsFd;
    let again = fd.clone();
    let ev = Event::from_fn(move |_: Option<()>| {
        calls.fetch_add(1, Ordering::SeqCst);
        rearming_fd_wait(again, calls);
    });
    // Refused once the loop is gone; the event is dropped then.
    let _ = tame::wait_on_fd(fd.as_fd(), tame::Interest::Read, ev);
}

/// The same with a signal (one this thread alone handles, never sent).
fn rearming_signal(calls: Arc<AtomicUsize>) {
    let ev = Event::from_fn(move |_: Option<()>| {
        calls.fetch_add(1, Ordering::SeqCst);
        rearming_signal(calls);
    });
    let _ = tame::at_signal(tame::Signal::Usr2, ev);
}

#[test]
fn a_descriptor_or_signal_wait_that_rearms_whatever_it_gets_ends_at_thread_exit() {
    // The wait pending at thread exit is dropped (its callback gets
    // `None`), and so is the one that callback starts, which the gone loop
    // refuses (it gets `None` again); the one that second call starts is
    // dropped uncalled. Calling it again and again would recurse until the
    // stack overflowed.
    for signal in [false, true] {
        let calls = Arc::new(AtomicUsize::new(0));
        let inner = calls.clone();
        watchdog::on_fresh_loop(move || {
            thread::spawn(move || {
                if signal {
                    rearming_signal(inner);
                } else {
                    let (mine, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
                    // The other end stays open: the wait never ends by itself.
                    std::mem::forget(theirs);
                    rearming_fd_wait(Arc::new(mine.into()), inner);
                }
            })
            .join()
            .expect("the thread exits cleanly");
        });
        assert_eq!(calls.load(Ordering::SeqCst), 2, "signal: {signal}");
    }
}

/// A read on a tame socket that starts again whatever it gets.
fn rearming_read(s: std::rc::Rc<tame::net::TcpStream>, calls: Arc<AtomicUsize>) {
    let again = s.clone();
    s.read(
        Vec::with_capacity(8),
        Event::from_fn(move |_: Option<(Vec<u8>, std::io::Result<usize>)>| {
            calls.fetch_add(1, Ordering::SeqCst);
            rearming_read(again, calls);
        }),
    );
}

/// The same with an accept.
fn rearming_accept(l: std::rc::Rc<tame::net::TcpListener>, calls: Arc<AtomicUsize>) {
    let again = l.clone();
    l.accept(Event::from_fn(
        move |_: Option<std::io::Result<(tame::net::TcpStream, std::net::SocketAddr)>>| {
            calls.fetch_add(1, Ordering::SeqCst);
            rearming_accept(again, calls);
        },
    ));
}

/// The same with a readiness wait on a descriptor of tame's own.
fn rearming_readable(fd: std::rc::Rc<tame::io::Fd>, calls: Arc<AtomicUsize>) {
    let again = fd.clone();
    fd.readable(Event::from_fn(move |_: Option<std::io::Result<()>>| {
        calls.fetch_add(1, Ordering::SeqCst);
        rearming_readable(again, calls);
    }));
}

#[test]
fn an_operation_on_a_tame_source_that_rearms_whatever_it_gets_ends_at_thread_exit() {
    // The teardown closes the source and drops the operation parked on it
    // (its callback gets `None`); the one that callback starts on the
    // closed source is dropped as the gone loop drops an event (it gets
    // `None` again); the next is dropped without calling it. Starting again
    // and again on the closed source would run for ever.
    for kind in ["read", "accept", "readable"] {
        let calls = Arc::new(AtomicUsize::new(0));
        let inner = calls.clone();
        watchdog::on_fresh_loop(move || {
            thread::spawn(move || match kind {
                "read" => {
                    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap());
                    let mine = listener.accept().unwrap().0;
                    // The peer stays: the read never ends by itself.
                    std::mem::forget(peer);
                    let s = tame::net::TcpStream::from_std(mine).unwrap();
                    rearming_read(std::rc::Rc::new(s), inner);
                }
                "accept" => {
                    let l = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
                    rearming_accept(std::rc::Rc::new(l), inner);
                }
                _ => {
                    let (r, w) = tame::io::pipe().unwrap();
                    std::mem::forget(w);
                    rearming_readable(std::rc::Rc::new(r), inner);
                }
            })
            .join()
            .expect("the thread exits cleanly");
        });
        assert_eq!(calls.load(Ordering::SeqCst), 2, "{kind}");
    }
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn completions_a_panic_left_queued_run_at_exit_of_a_thread_without_a_loop() {
    // Two long chains of maps triggered by one callback (their completions
    // go through the trampoline's queue); the first one's callback panics,
    // and the thread, which never made a loop, catches it and ends. The
    // second chain's completion, left queued, runs at thread exit rather
    // than being leaked with its captures.
    fn mapped(mut ev: Event<()>) -> Event<()> {
        for _ in 0..100 {
            ev = ev.map(|x: ()| x);
        }
        ev
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let called = Arc::new(AtomicUsize::new(0));
    let (d, c) = (dropped.clone(), called.clone());
    thread::spawn(move || {
        let first = mapped(Event::from_fn(|_: Option<()>| {
            panic!("the first callback panics")
        }));
        let held = Counted(d);
        let second = mapped(Event::from_fn(move |v: Option<()>| {
            let _held = &held;
            if v.is_some() {
                c.fetch_add(1, Ordering::SeqCst);
            }
        }));
        let both = Event::from_fn(move |_: Option<()>| {
            first.trigger(());
            second.trigger(());
        });
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| both.trigger(())));
        assert!(outcome.is_err());
    })
    .join()
    .expect("the thread exits cleanly");
    assert_eq!(called.load(Ordering::SeqCst), 1);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

/// A read on a new pipe each time, started again whatever it gets (a
/// retry on a fresh resource: a reconnect loop without a delay).
fn rereading_fresh(calls: Arc<AtomicUsize>) {
    let (r, w) = tame::io::pipe().unwrap();
    // The writing end stays open: the read never ends by itself.
    std::mem::forget(w);
    let r = std::rc::Rc::new(r);
    let keep = r.clone();
    r.read(
        Vec::with_capacity(8),
        Event::from_fn(move |_: Option<(Vec<u8>, std::io::Result<usize>)>| {
            let _keep = &keep;
            calls.fetch_add(1, Ordering::SeqCst);
            rereading_fresh(calls);
        }),
    );
}

#[test]
fn an_operation_on_a_fresh_source_started_again_whatever_it_gets_ends_at_thread_exit() {
    // The pending read is dropped at thread exit (its callback gets
    // `None`); the read that callback starts on a new pipe cannot be
    // registered with the gone loop, and is dropped as the gone loop drops
    // an event (`None` again, not an error to retry on); the next is
    // dropped without calling it.
    let calls = Arc::new(AtomicUsize::new(0));
    let inner = calls.clone();
    watchdog::on_fresh_loop(move || {
        thread::spawn(move || rereading_fresh(inner))
            .join()
            .expect("the thread exits cleanly");
    });
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// Waits for a timer an hour away.
#[tamed]
fn an_hour() -> u32 {
    twait! { tame::timer(Duration::from_secs(3600), mkevent!()); }
    3600
}

/// Starts `an_hour` again whatever its event gets.
fn rerunning(calls: Arc<AtomicUsize>) {
    an_hour(Event::from_fn(move |_: Option<u32>| {
        calls.fetch_add(1, Ordering::SeqCst);
        rerunning(calls);
    }));
}

/// A `with_timeout` of an hour around an event held by an hour's timer,
/// made again whatever it gets.
fn rewrapping(calls: Arc<AtomicUsize>) {
    let wrapped = tame::with_timeout(
        Duration::from_secs(3600),
        Event::from_fn(move |_: Option<()>| {
            calls.fetch_add(1, Ordering::SeqCst);
            rewrapping(calls);
        }),
    );
    tame::timer(
        Duration::from_secs(3600),
        Event::from_fn(move |_: Option<()>| drop(wrapped)),
    );
}

#[test]
fn a_tamed_function_or_a_timeout_started_again_whatever_it_gets_ends_at_thread_exit() {
    // The pending one ends at thread exit (its callback gets `None`); the
    // one that callback starts cannot run on the gone loop and ends the
    // same way (`None` again); what that second callback starts ends with
    // its events dropped uncalled (a timeout's inner event too), rather
    // than calling it for ever.
    for timeout in [false, true] {
        let calls = Arc::new(AtomicUsize::new(0));
        let inner = calls.clone();
        watchdog::on_fresh_loop(move || {
            thread::spawn(move || {
                if timeout {
                    rewrapping(inner);
                } else {
                    rerunning(inner);
                }
            })
            .join()
            .expect("the thread exits cleanly");
        });
        assert_eq!(calls.load(Ordering::SeqCst), 2, "timeout: {timeout}");
    }
}

/// Waits on its latch when dropped: at thread exit, after tame's own
/// thread-locals may be gone.
struct WaitOnDrop(tame::sync::Latch, Arc<AtomicUsize>);

impl Drop for WaitOnDrop {
    fn drop(&mut self) {
        let refused = self.0.wait(Event::from_fn(|_: Option<()>| {})).is_err();
        if refused {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }
}

thread_local! {
    static WAITER: std::cell::RefCell<Option<WaitOnDrop>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn a_latch_wait_at_thread_exit_is_refused_not_an_abort() {
    let latch = tame::sync::Latch::new().unwrap();
    let refused = Arc::new(AtomicUsize::new(0));
    let (l, n) = (latch.clone(), refused.clone());
    let t = thread::spawn(move || {
        // Made first: destroyed after tame's own thread-locals.
        WAITER.with(|w| *w.borrow_mut() = Some(WaitOnDrop(l.clone(), n)));
        // A wait of this thread's that is still out at its exit.
        l.wait(Event::from_fn(|_: Option<()>| {})).unwrap();
        tame::stop();
        tame::run();
    });
    assert!(t.join().is_ok());
    assert_eq!(
        refused.load(Ordering::SeqCst),
        1,
        "the late wait was refused"
    );
}

/// Logs its name when dropped.
struct Named(&'static str, Arc<std::sync::Mutex<Vec<&'static str>>>);

impl Drop for Named {
    fn drop(&mut self) {
        self.1.lock().unwrap().push(self.0);
    }
}

#[tamed]
fn leaf(log: Arc<std::sync::Mutex<Vec<&'static str>>>) -> u32 {
    let _named = Named("leaf", log);
    twait! { tame::timer(Duration::from_secs(3600), mkevent!()); }
    1
}

#[tamed]
fn mid(log: Arc<std::sync::Mutex<Vec<&'static str>>>) -> u32 {
    let _named = Named("mid", log.clone());
    let x: u32;
    twait! { leaf(log, mkevent!(x)); }
    x
}

#[tamed]
fn top(log: Arc<std::sync::Mutex<Vec<&'static str>>>) {
    let _named = Named("top", log.clone());
    let x: u32;
    twait! { mid(log, mkevent!(x)); }
    let _ = x;
}

/// A chain of functions each waiting for the next, still blocked at
/// thread exit, ends as a cancelled caller's callees do in the loop:
/// the caller's variables first, then those of the function it waited
/// for, down the chain (the two with a `done` registered with the loop
/// at their start, before the caller, which has none, first blocked: the
/// order of the loop's table put them first).
#[test]
fn a_chain_blocked_at_thread_exit_ends_caller_first() {
    assert_eq!(drops_at_thread_exit(top), ["top", "mid", "leaf"]);
}

/// The names `Named` values logged as they were dropped, when a thread
/// that ran `start` and no loop exits.
fn drops_at_thread_exit(start: fn(Arc<std::sync::Mutex<Vec<&'static str>>>)) -> Vec<&'static str> {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let inner = log.clone();
    thread::spawn(move || start(inner)).join().unwrap();
    let log = log.lock().unwrap();
    log.clone()
}

/// A task written by hand that holds `Named("by_hand")` and waits an hour
/// on its join; it delivers nothing (it drops `done` when it ends).
fn by_hand(log: Arc<std::sync::Mutex<Vec<&'static str>>>, done: Event<u32>) {
    use std::task::Poll;
    static SITE: tame::task::TwaitSite = tame::task::TwaitSite::new("by_hand", file!(), line!());
    let named = Named("by_hand", log);
    let mut armed = false;
    tame::task::start("by_hand", move |cx| {
        let _held = (&named, &done);
        if !armed {
            tame::timer(Duration::from_secs(3600), cx.join_event());
            armed = true;
        }
        if cx.wait_join(&SITE).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(())
    });
}

#[tamed]
fn spawner(log: Arc<std::sync::Mutex<Vec<&'static str>>>) {
    let _named = Named("spawner", log.clone());
    let kept = Named("future", log.clone());
    let (x, y): (u32, u32);
    twait! {
        tame::spawn(
            async move {
                let _kept = kept;
                std::future::pending::<()>().await;
                1u32
            },
            mkevent!(x),
        );
        by_hand(log, mkevent!(y));
    }
    let _ = (x, y);
}

/// The same with a spawned future and a task written by hand (which
/// watches nothing it was given): the function that started them ends
/// first.
#[test]
fn a_function_blocked_at_thread_exit_ends_before_the_future_and_task_it_started() {
    let log = drops_at_thread_exit(spawner);
    assert_eq!(log[0], "spawner", "{log:?}");
    let mut rest = log[1..].to_vec();
    rest.sort_unstable();
    assert_eq!(rest, ["by_hand", "future"]);
}

#[tamed]
fn worker(log: Arc<std::sync::Mutex<Vec<&'static str>>>) -> u32 {
    let _named = Named("worker", log);
    twait! { tame::timer(Duration::from_secs(3600), mkevent!()); }
    1
}

#[tamed]
fn collector(r: Rendezvous<u32>, log: Arc<std::sync::Mutex<Vec<&'static str>>>) {
    let _named = Named("collector", log);
    while let Some(_id) = twait!(r) {}
}

/// A function without `done` that waits for one started before it (on a
/// rendezvous of its own, which holds the other's `done`) ends first, as
/// it does in the loop when cancelled (the rendezvous goes with it, and
/// the other's `done` with that).
#[test]
fn a_collector_started_after_its_worker_ends_first_at_thread_exit() {
    fn start(log: Arc<std::sync::Mutex<Vec<&'static str>>>) {
        let r = Rendezvous::<u32>::new();
        let (ev, _slot) = r.event_with_slot::<u32>(1);
        worker(log.clone(), ev);
        collector(r, log);
    }
    assert_eq!(drops_at_thread_exit(start), ["collector", "worker"]);
}
