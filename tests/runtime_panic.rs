//! A panic inside a task (or a spawned future) propagates out of `run()`
//! with the function's name, and the loop is usable afterwards.

use std::cell::RefCell;
use std::future::Future as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use tame::task::{self, TwaitSite};
use tame::{Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

static SITE: TwaitSite = TwaitSite::new("doomed", file!(), line!());

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A task that yields once (asap), then runs `then`.
fn after_one_turn(name: &'static str, then: impl FnOnce() + 'static) {
    let mut then = Some(then);
    let mut started = false;
    task::start(name, move |cx| {
        if !started {
            started = true;
            tame::asap(cx.join_event());
        }
        if cx.wait_join(&SITE).is_pending() {
            return Poll::Pending;
        }
        (then.take().unwrap())();
        Poll::Ready(())
    });
}

#[test]
fn panic_in_a_task_propagates_out_of_run_with_its_name() {
    after_one_turn("doomed", || panic!("boom {}", 42));
    let err = catch_unwind(tame::run).unwrap_err();
    let msg = message(err);
    assert!(msg.contains("doomed"), "{msg}");
    assert!(msg.contains("boom 42"), "{msg}");
    assert!(tame::blocked().is_empty(), "the panicked task is gone");
}

/// A payload of one's own type.
#[derive(Debug, PartialEq)]
struct Refused(u32);

#[test]
fn a_panic_payload_that_is_no_message_propagates_as_it_is() {
    after_one_turn("typed", || std::panic::panic_any(Refused(7)));
    let err = catch_unwind(tame::run).unwrap_err();
    assert_eq!(err.downcast::<Refused>().ok().map(|b| *b), Some(Refused(7)));
    assert!(tame::blocked().is_empty(), "the panicked task is gone");
}

#[test]
fn panic_when_a_task_starts_names_it_too() {
    let err = catch_unwind(|| task::start("eager", |_| panic!("at once"))).unwrap_err();
    let msg = message(err);
    assert!(msg.contains("eager") && msg.contains("at once"), "{msg}");
}

#[test]
fn loop_is_usable_after_a_task_panicked() {
    let t: Rc<RefCell<Vec<&str>>> = Rc::default();
    after_one_turn("doomed", || panic!("boom"));
    // Queued behind the doomed task in the same turn.
    let t2 = t.clone();
    after_one_turn("bystander", move || t2.borrow_mut().push("bystander"));
    let r = Rendezvous::<&str>::new();
    tame::timer(Duration::from_millis(1), r.event("timer"));
    assert!(catch_unwind(tame::run).is_err());
    // run() again: what was queued or armed still runs.
    tame::run();
    assert_eq!(*t.borrow(), ["bystander"]);
    assert_eq!(r.try_next(), Some("timer"));
    let t3 = t.clone();
    after_one_turn("later", move || t3.borrow_mut().push("later"));
    tame::run();
    assert_eq!(*t.borrow(), ["bystander", "later"]);
}

#[test]
fn events_held_by_a_panicked_task_come_back() {
    let r = Rc::new(Rendezvous::<&str>::new());
    let r2 = r.clone();
    let mut held = None;
    task::start("holder", move |cx| {
        if held.is_none() {
            held = Some(r2.event("held by the task"));
            tame::asap(cx.join_event());
        }
        if cx.wait_join(&SITE).is_pending() {
            return Poll::Pending;
        }
        panic!("with an event in its state");
    });
    assert!(catch_unwind(tame::run).is_err());
    assert_eq!(r.try_next(), Some("held by the task"));
    assert_eq!(r.pending(), 0);
}

#[test]
fn panic_in_an_event_callback_propagates_and_the_loop_goes_on() {
    let r = Rendezvous::<&str>::new();
    tame::asap(Event::from_fn(|_| panic!("callback")));
    tame::asap(r.event("after"));
    assert!(catch_unwind(tame::run).is_err());
    tame::run();
    assert_eq!(r.try_next(), Some("after"));
}

#[test]
fn panicking_spawned_future_does_not_keep_the_loop_alive() {
    // Regression: a spawned future that panicked stayed registered as
    // pending, so the next run() waited for it forever.
    on_fresh_loop(|| {
        let r = Rendezvous::<&str>::new();
        let line = line!() + 1;
        tame::spawn(
            async {
                panic!("in a future");
                #[allow(unreachable_code)]
                ()
            },
            r.event("spawned"),
        );
        // Named with where it was spawned: the hook's location is inside
        // the future, which many spawns may share.
        let msg = message(catch_unwind(tame::run).unwrap_err());
        assert_eq!(
            msg,
            format!(
                "future spawned with tame::spawn at {}:{line} panicked: in a future",
                file!()
            )
        );
        assert_eq!(r.try_next(), Some("spawned"), "its event came back");
        tame::run();
    });
}

#[test]
fn run_called_inside_a_task_panics_with_a_clear_message() {
    // Regression: run() inside a task started outside the loop ran a nested
    // loop, which polled the very task it was called from ("already
    // mutably borrowed") or ran other tasks in the middle of this one.
    static R_SITE: TwaitSite = TwaitSite::new("nested", file!(), line!());
    let r = Rendezvous::<()>::new();
    let ev = Rc::new(RefCell::new(Some(r.event(()))));
    let err = catch_unwind(AssertUnwindSafe(|| {
        task::start("nested", move |cx| {
            if cx.poll_rendezvous(&r, &R_SITE).is_pending() {
                // Its own event comes back, then a nested loop runs.
                ev.borrow_mut().take().unwrap().trigger(());
                tame::run();
            }
            Poll::Ready(())
        })
    }))
    .unwrap_err();
    let msg = message(err);
    assert!(
        msg.contains("nested")
            && msg.contains("tame::run() called from inside a task")
            && msg.contains("started outside run()"),
        "{msg}"
    );
    // The loop itself is fine afterwards.
    tame::run();
}

/// Panics when dropped.
struct Boom;

impl Drop for Boom {
    fn drop(&mut self) {
        panic!("drop boom");
    }
}

#[test]
fn a_panic_in_a_local_s_drop_during_cancellation_names_the_function() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let mut boom = Some(Boom);
        let mut started = false;
        let done = r.event(());
        task::start("holds_a_boom", move |cx| {
            let _keep = (&boom, &done);
            if !started {
                started = true;
                // Watches `done`: when it dies, the task is cancelled.
                cx.watch_result(&done);
                tame::timer(Duration::from_secs(3600), cx.join_event());
            }
            if cx.wait_join(&SITE).is_pending() {
                return Poll::Pending;
            }
            drop(boom.take());
            Poll::Ready(())
        });
        drop(r); // cancels it: its state, with the Boom, is dropped
        let err = catch_unwind(tame::run).unwrap_err();
        let msg = message(err);
        assert!(msg.contains("holds_a_boom"), "{msg}");
        assert!(msg.contains("drop boom"), "{msg}");
    });
}

thread_local! {
    /// The panic messages the hook was called with on this thread.
    static HOOKED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Calls itself `n` levels deep, eagerly (each call runs until it
/// blocks), and panics at the bottom.
#[tame::tamed]
fn deep(n: u32) -> u32 {
    if n == 0 {
        panic!("at the bottom");
    }
    let mut got = 0;
    tame::twait! { deep(n - 1, tame::mkevent!(got)); }
    got
}

/// A panic several eager calls deep is named once, by the innermost
/// function, and the panic hook (what prints it, or a crash reporter that
/// counts panics) runs once, where it happened: the naming goes on without
/// it, as a tokio task's panic does.
#[test]
fn a_panic_deep_in_eager_calls_is_named_and_reported_once() {
    on_fresh_loop(|| {
        let previous = std::sync::Arc::new(std::panic::take_hook());
        let forward = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            HOOKED.with(|h| h.borrow_mut().push(msg));
            forward(info);
        }));
        let outcome = catch_unwind(AssertUnwindSafe(|| tame::run_with(|done| deep(4, done))));
        let _ = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| previous(info)));
        let err = outcome.expect_err("the panic goes out of run_with");
        assert_eq!(
            message(err),
            "tamed function `deep` panicked: at the bottom"
        );
        let hooked = HOOKED.with(|h| h.borrow().clone());
        assert_eq!(hooked, ["at the bottom"]);
    });
}

/// A panic payload whose own drop panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's drop panics too");
    }
}

#[test]
fn a_panic_whose_payload_panics_when_dropped_goes_on_without_aborting() {
    on_fresh_loop(|| {
        after_one_turn("bomb", || std::panic::panic_any(Bomb));
        // A payload that is no message goes on as it is: its drop is the
        // catcher's (as after a thread's `join`), here never run.
        let payload = catch_unwind(tame::run).unwrap_err();
        assert!(payload.is::<Bomb>());
        std::mem::forget(payload);
        tame::spawn(
            async {
                std::panic::panic_any(Bomb);
            },
            Event::detached(),
        );
        let payload = catch_unwind(tame::run).unwrap_err();
        assert!(payload.is::<Bomb>());
        std::mem::forget(payload);
        // The loop goes on.
        let r = Rendezvous::<()>::new();
        tame::asap(r.event(()));
        tame::run();
        assert_eq!(r.try_next(), Some(()));
    });
}

/// A read whose callback panics the first time it runs, then counts what
/// it got.
fn read_panicking_once(
    r: &tame::io::Fd,
    panicked: &Rc<std::cell::Cell<bool>>,
    got: &Rc<RefCell<Vec<Vec<u8>>>>,
) {
    let (panicked, got) = (panicked.clone(), got.clone());
    r.read(
        Vec::new(),
        Event::from_fn(move |v: Option<(Vec<u8>, std::io::Result<usize>)>| {
            if !panicked.replace(true) {
                panic!("the first read's callback panics");
            }
            if let Some((buf, Ok(_))) = v {
                got.borrow_mut().push(buf);
            }
        }),
    );
}

#[test]
fn a_panic_in_an_fd_callback_loses_no_other_readiness_of_its_batch() {
    // Two pipes ready in one turn; the callback of whichever is handed out
    // first panics. The descriptors are edge-triggered: had the other's
    // readiness been lost with the unwinding, its read would never end
    // (the watchdog fails the test).
    on_fresh_loop(|| {
        let (r1, w1) = tame::io::pipe().unwrap();
        let (r2, w2) = tame::io::pipe().unwrap();
        let panicked = Rc::new(std::cell::Cell::new(false));
        let got = Rc::new(RefCell::new(Vec::new()));
        read_panicking_once(&r1, &panicked, &got);
        read_panicking_once(&r2, &panicked, &got);
        w1.try_write(b"x").unwrap();
        w2.try_write(b"y").unwrap();
        assert!(catch_unwind(AssertUnwindSafe(tame::run)).is_err());
        tame::run();
        assert_eq!(got.borrow().len(), 1, "the other read completed");
        assert_eq!(tame::__live_waits(), 0);
    });
}

#[test]
fn a_panic_in_an_fd_callback_loses_no_other_wait_on_the_same_descriptor() {
    // A read and a hang-up wait end with one readiness report; the read's
    // callback panics: the hang-up wait still ends, with its result.
    on_fresh_loop(|| {
        let (r, w) = tame::io::pipe().unwrap();
        let hung_up = Rc::new(RefCell::new(Vec::new()));
        r.read(
            Vec::new(),
            Event::from_fn(|_: Option<(Vec<u8>, std::io::Result<usize>)>| {
                panic!("the read's callback panics")
            }),
        );
        let h = hung_up.clone();
        r.hung_up(Event::from_fn(move |v: Option<std::io::Result<()>>| {
            h.borrow_mut().push(v.map(|res| res.is_ok()));
        }));
        w.try_write(b"x").unwrap();
        drop(w);
        assert!(catch_unwind(AssertUnwindSafe(tame::run)).is_err());
        tame::run();
        assert_eq!(*hung_up.borrow(), [Some(true)]);
    });
}

#[test]
fn a_write_started_by_a_callback_of_the_same_report_does_not_overtake_a_waiting_one() {
    // One readiness report ends a read and a waiting `write_all` of the
    // same stream; the read's callback starts a second write. The first
    // one's turn has come but it is not resumed yet: the second is refused
    // (its bytes would land in the middle of the first's), and the first
    // completes whole.
    on_fresh_loop(|| {
        use std::io::{Read as _, Write as _};
        const N: usize = 8 << 20;
        let (mine, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let s = Rc::new(tame::net::UnixStream::from_std(mine).unwrap());
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        s.write_all(
            vec![b'A'; N],
            Event::from_fn(move |v: Option<(Vec<u8>, std::io::Result<()>)>| {
                l.borrow_mut()
                    .push(format!("first {:?}", v.map(|(_, r)| r.is_ok())));
            }),
        );
        let (again, l) = (s.clone(), log.clone());
        s.read(
            Vec::with_capacity(8),
            Event::from_fn(move |_: Option<(Vec<u8>, std::io::Result<usize>)>| {
                let l = l.clone();
                again.write_all(
                    &b"BBBB"[..],
                    Event::from_fn(move |v: Option<(&[u8], std::io::Result<()>)>| {
                        let kind = v.and_then(|(_, r)| r.err()).map(|e| e.kind());
                        l.borrow_mut().push(format!("second {kind:?}"));
                    }),
                );
            }),
        );
        // Readable and writable before the loop looks: one report for both.
        peer.write_all(b"x").unwrap();
        peer.set_nonblocking(true).unwrap();
        let mut got = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = peer.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        peer.set_nonblocking(false).unwrap();
        let reader = std::thread::spawn(move || {
            while got.len() < N {
                let n = peer.read(&mut buf).unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            got
        });
        tame::run();
        drop(s);
        let got = reader.join().unwrap();
        assert_eq!(
            *log.borrow(),
            ["second Some(ResourceBusy)", "first Some(true)"]
        );
        assert!(got.iter().all(|&b| b == b'A') && got.len() == N);
    });
}

#[test]
fn a_write_waiting_when_a_callback_on_its_stream_panicked_is_not_overtaken() {
    // A write waits (the socket's buffer is full) when the read callback
    // of the same stream panics; after the panic is caught, a second write
    // is refused while the first one waits (its bytes would otherwise land
    // in the middle of the first's), and the first still completes.
    on_fresh_loop(|| {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let s = tame::net::TcpStream::from_std(listener.accept().unwrap().0).unwrap();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        s.write_all(
            vec![7u8; 8 << 20],
            Event::from_fn(move |v: Option<(Vec<u8>, std::io::Result<()>)>| {
                l.borrow_mut()
                    .push(format!("first {:?}", v.map(|(_, r)| r.is_ok())));
            }),
        );
        s.read(
            Vec::with_capacity(8),
            Event::from_fn(|_: Option<(Vec<u8>, std::io::Result<usize>)>| {
                panic!("the read's callback panics")
            }),
        );
        peer.write_all(b"x").unwrap();
        let mut buf = vec![0u8; 1 << 20];
        let mut got = peer.read(&mut buf).unwrap();
        assert!(catch_unwind(AssertUnwindSafe(tame::run)).is_err());
        let l = log.clone();
        s.write_all(
            vec![9u8; 10],
            Event::from_fn(move |v: Option<(Vec<u8>, std::io::Result<()>)>| {
                let kind = v.and_then(|(_, r)| r.err()).map(|e| e.kind());
                l.borrow_mut().push(format!("second {kind:?}"));
            }),
        );
        assert_eq!(
            *log.borrow(),
            ["second Some(ResourceBusy)"],
            "refused while the first waits"
        );
        let reader = std::thread::spawn(move || {
            while got < 8 << 20 {
                got += peer.read(&mut buf).unwrap();
            }
            got
        });
        tame::run();
        assert_eq!(reader.join().unwrap(), 8 << 20);
        assert_eq!(log.borrow()[1], "first Some(true)");
    });
}

/// An event at the end of `n` maps: completing it takes the trampoline's
/// queue once the chain is deeper than completions nest.
fn mapped(mut ev: Event<()>, n: usize) -> Event<()> {
    for _ in 0..n {
        ev = ev.map(|x: ()| x);
    }
    ev
}

/// Triggers, on the next turn, a long chain whose callback panics, then
/// another whose callback counts its call; what the second captured
/// counts its drop.
fn panicking_chain_then_counted(called: Rc<RefCell<u32>>, dropped: Rc<RefCell<u32>>) {
    struct Counted(Rc<RefCell<u32>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            *self.0.borrow_mut() += 1;
        }
    }
    let first = mapped(
        Event::from_fn(|_: Option<()>| panic!("the first callback panics")),
        100,
    );
    let held = Counted(dropped);
    let second = mapped(
        Event::from_fn(move |v: Option<()>| {
            let _held = &held;
            if v.is_some() {
                *called.borrow_mut() += 1;
            }
        }),
        100,
    );
    tame::asap(Event::from_fn(move |_: Option<()>| {
        first.trigger(());
        second.trigger(());
    }));
}

#[test]
fn completions_queued_behind_one_that_panicked_run_at_the_next_run() {
    on_fresh_loop(|| {
        let (called, dropped) = (Rc::new(RefCell::new(0)), Rc::new(RefCell::new(0)));
        panicking_chain_then_counted(called.clone(), dropped.clone());
        assert!(catch_unwind(AssertUnwindSafe(tame::run)).is_err());
        tame::run();
        assert_eq!((*called.borrow(), *dropped.borrow()), (1, 1));
    });
}

#[test]
fn completions_queued_behind_one_that_panicked_run_at_thread_exit() {
    // No `run()` after the panic: the thread's end still runs them (their
    // captures are dropped, not leaked).
    let counts = std::sync::Arc::new(std::sync::Mutex::new((0, 0)));
    let out = counts.clone();
    std::thread::spawn(move || {
        let (called, dropped) = (Rc::new(RefCell::new(0)), Rc::new(RefCell::new(0)));
        panicking_chain_then_counted(called.clone(), dropped.clone());
        assert!(catch_unwind(AssertUnwindSafe(tame::run)).is_err());
        struct Report(
            Rc<RefCell<u32>>,
            Rc<RefCell<u32>>,
            std::sync::Arc<std::sync::Mutex<(u32, u32)>>,
        );
        impl Drop for Report {
            fn drop(&mut self) {
                *self.2.lock().unwrap() = (*self.0.borrow(), *self.1.borrow());
            }
        }
        // Reported when the loop's teardown drops this event, after the
        // queue it leaves is run.
        let report = Report(called, dropped, out);
        tame::timer(
            Duration::from_secs(3600),
            Event::from_fn(move |_: Option<()>| drop(report)),
        );
    })
    .join()
    .unwrap();
    assert_eq!(
        counts.lock().unwrap().1,
        1,
        "the second callback's captures were dropped"
    );
}

/// A spawned future whose destructor panics, its waker kept elsewhere (as
/// a channel or a timer keeps a waiting future's).
struct PanicsWhenDropped {
    done: bool,
    waker: Rc<RefCell<Option<std::task::Waker>>>,
}

impl std::future::Future for PanicsWhenDropped {
    type Output = u32;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<u32> {
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        if self.done {
            return Poll::Ready(7);
        }
        self.done = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        panic!("the future's destructor panics");
    }
}

#[test]
fn a_spawned_future_whose_destructor_panics_is_forgotten_and_its_event_comes_back() {
    // Done, or cancelled (its event's rendezvous dropped): the destructor's
    // panic goes out of `run()`, as a poll's would; the event comes back
    // untriggered, and the task no longer keeps the loop going (it stayed
    // registered, and `run()` never returned again).
    for cancelled in [false, true] {
        on_fresh_loop(move || {
            let waker = Rc::new(RefCell::new(None));
            let future = PanicsWhenDropped {
                done: cancelled,
                waker: waker.clone(),
            };
            let got = Rc::new(RefCell::new(Vec::new()));
            let g = got.clone();
            let r = Rendezvous::<()>::new();
            if cancelled {
                // Polled once, pending for ever (`done` makes it ready only
                // after a first pending poll): cancelled on the next turn.
                let mut future = future;
                future.done = false;
                tame::spawn(
                    std::future::poll_fn(move |cx| {
                        match std::pin::Pin::new(&mut future).poll(cx) {
                            Poll::Ready(_) => Poll::Pending,
                            Poll::Pending => Poll::Pending,
                        }
                    }),
                    r.event(()),
                );
                tame::run_once(Some(Duration::ZERO));
                drop(r);
            } else {
                tame::spawn(
                    future,
                    Event::from_fn(move |v: Option<u32>| g.borrow_mut().push(v)),
                );
            }
            assert!(catch_unwind(AssertUnwindSafe(tame::run)).is_err());
            if !cancelled {
                assert_eq!(*got.borrow(), [None]);
            }
            assert!(!tame::run_once(Some(Duration::ZERO)), "nothing is left");
            tame::run();
            assert!(tame::blocked().is_empty());
        });
    }
}

#[test]
fn a_callback_that_panics_on_the_untriggered_event_of_a_panicked_task_does_not_replace_its_payload()
{
    // A task (a tamed function's shape: its `done` event in its state) and
    // a spawned future panic with a payload of their own; their events come
    // back untriggered, to callbacks that expected a value and panic too.
    // The payload that goes out of `run()` is the task's or the future's.
    on_fresh_loop(|| {
        let done = Event::from_fn(|v: Option<u32>| {
            v.expect("the task always answers");
        });
        let mut started = false;
        task::start("refusing", move |cx| {
            let _done = &done;
            if !started {
                started = true;
                tame::asap(cx.join_event());
            }
            if cx.wait_join(&SITE).is_pending() {
                return Poll::Pending;
            }
            std::panic::panic_any(Refused(7));
        });
        let err = catch_unwind(tame::run).unwrap_err();
        assert_eq!(err.downcast::<Refused>().ok().map(|b| *b), Some(Refused(7)));
        tame::spawn(
            async {
                if true {
                    std::panic::panic_any(Refused(8));
                }
                1u32
            },
            Event::from_fn(|v: Option<u32>| {
                v.expect("the future always answers");
            }),
        );
        let err = catch_unwind(tame::run).unwrap_err();
        assert_eq!(err.downcast::<Refused>().ok().map(|b| *b), Some(Refused(8)));
        tame::run();
        assert!(tame::blocked().is_empty());
    });
}

#[test]
fn a_callback_that_closes_its_stream_and_panics_does_not_abort() {
    // A `write_all` waits; one readiness report ends it and a read, whose
    // callback closes the stream and then panics. The write's callback,
    // which expects a value, panics on the `None` it gets: out of `run()`,
    // not during the other panic's unwinding (which would abort).
    on_fresh_loop(|| {
        use std::io::{Read as _, Write as _};
        let (mine, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let s = Rc::new(RefCell::new(Some(
            tame::net::UnixStream::from_std(mine).unwrap(),
        )));
        {
            let guard = s.borrow();
            let stream = guard.as_ref().unwrap();
            stream.write_all(
                vec![b'A'; 8 << 20],
                Event::from_fn(|v: Option<(Vec<u8>, std::io::Result<()>)>| {
                    let _ = v.expect("the write always answers");
                }),
            );
            let closer = s.clone();
            stream.read(
                Vec::with_capacity(8),
                Event::from_fn(move |_: Option<(Vec<u8>, std::io::Result<usize>)>| {
                    if let Some(s) = closer.borrow_mut().take() {
                        s.close();
                    }
                    panic!("a bug after the close");
                }),
            );
        }
        peer.write_all(b"x").unwrap();
        peer.set_nonblocking(true).unwrap();
        let mut buf = vec![0u8; 1 << 16];
        while peer.read(&mut buf).is_ok() {}
        assert!(catch_unwind(AssertUnwindSafe(tame::run)).is_err());
        tame::run();
        assert!(s.borrow().is_none());
    });
}

/// An event whose callback records what it gets, then panics on `None`.
fn expecting_a_value(heard: &Rc<RefCell<Vec<Option<u32>>>>) -> Event<u32> {
    let heard = heard.clone();
    Event::from_fn(move |v: Option<u32>| {
        heard.borrow_mut().push(v);
        v.expect("the callback's own panic");
    })
}

/// [`expecting_a_value`] behind a mapping that panics on what is not a
/// number.
fn parsed_into(heard: &Rc<RefCell<Vec<Option<u32>>>>) -> Event<&'static str> {
    expecting_a_value(heard).map(|s: &str| s.parse().unwrap())
}

#[test]
fn a_callback_that_panics_when_dropped_by_a_mapping_that_panicked_does_not_abort() {
    // The mapping panics; the unwind drops the event it maps to, whose
    // callback panics on `None`: a second panic in an unwind, which would
    // abort the process. The mapping's panic goes out of the trigger.
    on_fresh_loop(|| {
        let heard = Rc::new(RefCell::new(Vec::new()));
        let ev = parsed_into(&heard);
        let err = catch_unwind(AssertUnwindSafe(|| ev.trigger("x"))).unwrap_err();
        assert!(message(err).contains("ParseIntError"));
        assert_eq!(*heard.borrow(), [None]);
    });
}

#[tame::tamed]
fn answer_badly(done: Event<u32>) {
    tame::twait! { tame::asap(tame::mkevent!()); }
    let v: u32 = "x".parse().expect("a number");
    done.trigger(v);
}

#[test]
fn a_callback_that_panics_on_the_done_parameter_of_a_panicked_function_does_not_abort() {
    // A tamed function written with its `done` parameter (the paper's
    // form) panics: its unwind drops `done`, whose callback panics too. The
    // function's panic goes out of `run()`, as for `-> u32`.
    on_fresh_loop(|| {
        let heard = Rc::new(RefCell::new(Vec::new()));
        answer_badly(expecting_a_value(&heard));
        let err = message(catch_unwind(tame::run).unwrap_err());
        assert!(
            err.contains("answer_badly") && err.contains("a number"),
            "{err}"
        );
        assert_eq!(*heard.borrow(), [None]);
        tame::run();
        assert!(tame::blocked().is_empty());
    });
}

#[tame::tamed]
fn turn_then(panics: bool) {
    tame::twait! { tame::asap(tame::mkevent!()); }
    assert!(!panics, "the first panics");
}

#[test]
fn a_task_left_ready_by_a_panic_is_not_listed_as_waiting() {
    // Both tasks' events come back in one turn; the first panics out of
    // `run()`, the second is queued: it waits for nothing.
    on_fresh_loop(|| {
        turn_then(true);
        turn_then(false);
        assert_eq!(tame::blocked().len(), 2);
        assert!(catch_unwind(tame::run).is_err());
        assert_eq!(tame::blocked(), []);
        // So in the middle of a turn: the callback runs before the task.
        turn_then(false);
        let seen = Rc::new(RefCell::new(None));
        let s = seen.clone();
        tame::asap(Event::from_fn(move |_: Option<()>| {
            *s.borrow_mut() = Some(tame::blocked())
        }));
        tame::run();
        assert_eq!(seen.take(), Some(vec![]));
    });
}

/// Triggers its event when dropped.
struct TriggersOnDrop(Option<Event<&'static str>>);

impl Drop for TriggersOnDrop {
    fn drop(&mut self) {
        if let Some(ev) = self.0.take() {
            ev.trigger("x");
        }
    }
}

#[test]
fn a_mapping_that_panics_when_triggered_during_another_panics_unwind_does_not_abort() {
    // A value dropped by a panic's unwind triggers a mapped event whose
    // mapping panics (and the callback it maps to panics on `None`): the
    // first panic goes on, the others print and go no further.
    on_fresh_loop(|| {
        let heard = Rc::new(RefCell::new(Vec::new()));
        let ev = parsed_into(&heard);
        let err = catch_unwind(AssertUnwindSafe(|| {
            let _t = TriggersOnDrop(Some(ev));
            panic!("the first panic");
        }))
        .unwrap_err();
        assert_eq!(message(err), "the first panic");
        assert_eq!(*heard.borrow(), [None]);
    });
}

/// A callee that returns early without triggering its event, the common
/// bug behind a slot left without a value.
#[tame::tamed]
fn forgets_to_answer(key: u32, done: Event<u32>) {
    tame::twait! { tame::asap(tame::mkevent!()); }
    if key == 0 {
        return;
    }
    done.trigger(key * 10);
}

#[tame::tamed]
fn asks_for_an_answer() {
    let v: u32;
    tame::twait! { forgets_to_answer(0, tame::mkevent!(v)); }
    let _ = v;
}

#[test]
#[should_panic(
    expected = "no value came for `v` (its event was dropped untriggered: the function or callback it was handed to returned or panicked without triggering it"
)]
fn a_slot_left_empty_by_a_callee_that_returned_says_so() {
    asks_for_an_answer();
    tame::run();
}
