//! Interop: `tame::spawn`, `tame::event_future`, wakers woken from the
//! loop's thread and from other threads.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use tame::{Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// A future completed by another thread: its first poll hands the waker to
/// the thread, which sets the flag and wakes it.
struct WokenElsewhere {
    done: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    handed_out: Option<mpsc::Sender<()>>,
    polls: Rc<Cell<u32>>,
}

impl Future for WokenElsewhere {
    type Output = &'static str;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        self.polls.set(self.polls.get() + 1);
        if self.done.load(Ordering::SeqCst) {
            return Poll::Ready("woken from another thread");
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if let Some(tx) = self.handed_out.take() {
            tx.send(()).unwrap();
        }
        Poll::Pending
    }
}

#[test]
fn future_woken_from_another_thread_lets_run_return() {
    on_fresh_loop(|| {
        let done = Arc::new(AtomicBool::new(false));
        let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
        let (tx, rx) = mpsc::channel();
        let polls = Rc::new(Cell::new(0));
        let (d, w) = (done.clone(), waker.clone());
        let helper = thread::spawn(move || {
            rx.recv().unwrap(); // the future is pending and its waker stored
            d.store(true, Ordering::SeqCst);
            let waker = w.lock().unwrap().take().unwrap();
            waker.wake();
        });
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot(());
        tame::spawn(
            WokenElsewhere {
                done,
                waker,
                handed_out: Some(tx),
                polls: polls.clone(),
            },
            ev,
        );
        tame::run();
        helper.join().unwrap();
        assert_eq!(slot.take(), Some("woken from another thread"));
        assert_eq!(polls.get(), 2, "polled once, then once more after the wake");
    });
}

#[test]
fn many_futures_woken_from_many_threads_all_complete() {
    on_fresh_loop(|| {
        let r = Rendezvous::<usize>::new();
        let mut slots = Vec::new();
        let mut helpers = Vec::new();
        for i in 0..16 {
            let done = Arc::new(AtomicBool::new(false));
            let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
            let (tx, rx) = mpsc::channel();
            let (d, w) = (done.clone(), waker.clone());
            helpers.push(thread::spawn(move || {
                rx.recv().unwrap();
                d.store(true, Ordering::SeqCst);
                let waker = w.lock().unwrap().take().unwrap();
                // Several wakes, some after the first one was handled.
                for _ in 0..3 {
                    waker.wake_by_ref();
                    thread::yield_now();
                }
            }));
            let (ev, slot) = r.event_with_slot(i);
            slots.push(slot);
            tame::spawn(
                WokenElsewhere {
                    done,
                    waker,
                    handed_out: Some(tx),
                    polls: Rc::default(),
                },
                ev,
            );
        }
        tame::run();
        for h in helpers {
            h.join().unwrap();
        }
        assert_eq!(r.pending(), 0);
        assert!(slots
            .iter()
            .all(|s| s.take() == Some("woken from another thread")));
    });
}

#[test]
fn spawned_future_is_first_polled_on_the_next_turn() {
    let polled = Rc::new(Cell::new(false));
    let p = polled.clone();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    tame::spawn(
        async move {
            p.set(true);
            6 * 7
        },
        ev,
    );
    assert!(!polled.get());
    tame::run();
    assert_eq!(slot.take(), Some(42));
}

#[test]
fn future_waking_itself_is_polled_again_on_a_later_turn() {
    // A yield: the wake inside poll queues the future, never re-enters it.
    let polls = Rc::new(Cell::new(0u32));
    let in_poll = Rc::new(Cell::new(false));
    let (p, busy) = (polls.clone(), in_poll.clone());
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    tame::spawn(
        poll_fn(move |cx| {
            assert!(!busy.replace(true), "polled re-entrantly");
            p.set(p.get() + 1);
            let out = if p.get() == 3 {
                Poll::Ready(p.get())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            };
            busy.set(false);
            out
        }),
        ev,
    );
    tame::run();
    assert_eq!(slot.take(), Some(3));
    assert_eq!(polls.get(), 3);
}

#[test]
fn event_future_resolves_to_the_triggered_value() {
    let (ev, fut) = tame::event_future::<u8>();
    tame::timer(
        Duration::from_millis(1),
        Event::from_fn(move |_| ev.trigger(9)),
    );
    let r = Rendezvous::<()>::new();
    let (done, slot) = r.event_with_slot(());
    tame::spawn(fut, done);
    tame::run();
    assert_eq!(slot.take(), Some(Some(9)));
}

#[test]
fn event_future_of_a_dropped_event_resolves_to_none() {
    let (ev, fut) = tame::event_future::<u8>();
    tame::asap(Event::from_fn(move |_| drop(ev)));
    let r = Rendezvous::<()>::new();
    let (done, slot) = r.event_with_slot(());
    tame::spawn(fut, done);
    tame::run();
    assert_eq!(slot.take(), Some(None));
}

#[test]
fn a_waker_kept_after_its_future_ended_does_not_keep_run_waiting_for_another() {
    watchdog::on_fresh_loop(|| {
        // The first future gives its waker away and ends; the second waits
        // with no waker held anywhere: nothing can wake it.
        let kept: Arc<Mutex<Option<Waker>>> = Arc::default();
        let sink = kept.clone();
        let r = Rendezvous::<()>::new();
        let (first, first_out) = r.event_with_slot(());
        tame::spawn(
            poll_fn(move |cx| {
                *sink.lock().unwrap() = Some(cx.waker().clone());
                Poll::Ready(1)
            }),
            first,
        );
        tame::spawn(poll_fn(|_| Poll::<u32>::Pending), Event::detached());
        // `run()` returns: the waker still held belongs to a future that
        // ended.
        tame::run();
        assert_eq!(first_out.take(), Some(1));
        assert!(kept.lock().unwrap().is_some());
        let b = tame::blocked();
        assert_eq!((b.len(), b[0].waiting_for), (1, 0), "{b:?}");
    });
}

#[test]
fn blocked_lists_a_pending_spawned_future_where_it_was_spawned() {
    let (ev, fut) = tame::event_future::<u8>();
    let r = Rendezvous::<()>::new();
    let (done, slot) = r.event_with_slot(());
    let line = line!() + 1;
    tame::spawn(fut, done);
    // Polled once: it holds its waker and waits.
    tame::run_once(Some(Duration::ZERO));
    let b = tame::blocked();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].function(), "tame::spawn");
    assert_eq!((b[0].file(), b[0].line()), (file!(), line));
    assert_eq!(b[0].description(), Some("a spawned future"));
    assert_eq!(b[0].waiting_for, 1);
    ev.trigger(4);
    tame::run();
    assert_eq!(slot.take(), Some(Some(4)));
    assert!(tame::blocked().is_empty());
}

#[test]
#[should_panic(expected = "an EventFuture was polled after it completed")]
fn an_event_future_polled_after_its_value_panics_rather_than_report_a_dropped_event() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let (ev, fut) = tame::event_future::<u8>();
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    ev.trigger(7);
    assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(Some(7)));
    let _ = fut.as_mut().poll(&mut cx);
}

#[test]
fn dropping_the_event_future_makes_its_event_dead() {
    let (ev, fut) = tame::event_future::<String>();
    assert!(ev.is_live());
    drop(fut);
    assert!(!ev.is_live());
    ev.trigger("ignored".into());
}

#[test]
fn async_code_awaits_tame_events_in_sequence() {
    let r = Rendezvous::<()>::new();
    let (done, slot) = r.event_with_slot(());
    tame::spawn(
        async {
            let mut got = Vec::new();
            for i in 0..3u32 {
                let (ev, fut) = tame::event_future::<u32>();
                tame::timer(
                    Duration::from_millis(1),
                    Event::from_fn(move |_| ev.trigger(i * 10)),
                );
                got.push(fut.await.unwrap());
            }
            got
        },
        done,
    );
    tame::run();
    assert_eq!(slot.take(), Some(vec![0, 10, 20]));
}

#[test]
fn late_wake_from_another_thread_after_completion_is_harmless() {
    on_fresh_loop(|| {
        let stash: Arc<Mutex<Option<Waker>>> = Arc::default();
        let s = stash.clone();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot(());
        tame::spawn(
            poll_fn(move |cx| {
                *s.lock().unwrap() = Some(cx.waker().clone());
                Poll::Ready(1)
            }),
            ev,
        );
        tame::run();
        assert_eq!(slot.take(), Some(1));
        let waker = stash.lock().unwrap().take().unwrap();
        thread::spawn(move || waker.wake()).join().unwrap();
        // A second future reuses the loop; the stale wake is spurious at
        // worst.
        let (ev, slot) = r.event_with_slot(());
        tame::spawn(async { 2 }, ev);
        tame::run();
        assert_eq!(slot.take(), Some(2));
    });
}

#[test]
fn run_returns_when_a_spawned_future_can_never_be_woken() {
    // Regression: run() waited forever for a pending future whose waker
    // nobody held (nothing could ever wake it), unlike a dead timer or fd
    // wait, which it does not wait for.
    on_fresh_loop(|| {
        let r = Rendezvous::<&str>::new();
        tame::spawn(std::future::pending::<()>(), r.event("never"));
        tame::run();
        assert_eq!(r.pending(), 1, "still pending, not triggered");
        // A future whose waker is held by an event's future still counts.
        let (ev, fut) = tame::event_future::<u8>();
        let (done, slot) = r.event_with_slot::<Option<u8>>("awaited");
        tame::spawn(fut, done);
        tame::timer(
            Duration::from_millis(2),
            Event::from_fn(move |_| ev.trigger(5)),
        );
        tame::run();
        assert_eq!(slot.take(), Some(Some(5)));
    });
}

#[test]
fn a_future_whose_last_waker_is_dropped_on_another_thread_lets_run_return() {
    on_fresh_loop(|| {
        let (tx, rx) = mpsc::channel::<Waker>();
        let (dropped_tx, dropped) = mpsc::channel::<()>();
        let fut = poll_fn(move |cx| {
            let _ = tx.send(cx.waker().clone());
            Poll::<u8>::Pending
        });
        let other = thread::spawn(move || {
            let w = rx.recv().unwrap();
            drop(w); // never woken: nothing can wake the future now
            dropped_tx.send(()).unwrap();
        });
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<u8>(());
        tame::spawn(fut, ev);
        // Returns once the other thread dropped the waker (it hung there).
        tame::run();
        dropped.recv().unwrap();
        other.join().unwrap();
        assert_eq!(slot.take(), None);
    });
}

/// Says on drop that it went.
struct Gone(Rc<Cell<bool>>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn a_spawned_future_whose_event_died_is_dropped_with_what_it_waited_for() {
    on_fresh_loop(|| {
        let gone = Rc::new(Cell::new(false));
        let (hour, hour_fut) = tame::event_future::<()>();
        tame::timer(Duration::from_secs(3600), hour);
        let g = Gone(gone.clone());
        let fut = async move {
            let _g = g;
            hour_fut.await;
            1u8
        };
        let r = Rendezvous::<()>::new();
        let (ev, _slot) = r.event_with_slot::<u8>(());
        tame::spawn(fut, ev);
        assert!(tame::run_once(Some(Duration::ZERO)), "the future waits");
        drop(r); // nobody can receive its output: it is aborted
                 // `run()` returns at once: the future and its hour-long timer went.
        tame::run();
        assert!(gone.get(), "the future was dropped");
        assert_eq!(tame::__timer_entries(), 0);
    });
}

/// Events nobody will trigger: held in a list that nothing reads.
type Held = Rc<std::cell::RefCell<Vec<Event<()>>>>;

/// Spawns the future `make` builds, which parks an event in the list it is
/// given and waits for it: a deadlock, as a tamed function waiting on an
/// event kept where nothing reads it. `run()` must return, with the future
/// in `blocked()`, waiting for one event; then the event is triggered and
/// the future's output returned.
fn deadlocked_then_freed<F>(make: impl FnOnce(Held) -> F) -> Option<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let held: Held = Rc::default();
    let r = Rendezvous::<()>::new();
    let (done, slot) = r.event_with_slot(());
    tame::spawn(make(held.clone()), done);
    tame::run();
    let b = tame::blocked();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!((b[0].function(), b[0].waiting_for), ("tame::spawn", 1));
    // Not lost: once the event comes, the future goes on.
    held.borrow_mut().pop().unwrap().trigger(());
    tame::run();
    assert!(tame::blocked().is_empty());
    slot.take()
}

#[test]
fn a_spawned_future_awaiting_an_event_nobody_can_trigger_lets_run_return() {
    on_fresh_loop(|| {
        let out = deadlocked_then_freed(|held| async move {
            let (ev, fut) = tame::event_future::<()>();
            held.borrow_mut().push(ev);
            fut.await
        });
        assert_eq!(out, Some(Some(())));
    });
}

#[test]
fn a_spawned_future_awaiting_a_rendezvous_stream_nobody_can_feed_lets_run_return() {
    on_fresh_loop(|| {
        let out = deadlocked_then_freed(|held| async move {
            let mut ids = Rendezvous::<u8>::new();
            held.borrow_mut().push(ids.event(7));
            std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut ids), cx)).await
        });
        assert_eq!(out, Some(Some(7)));
    });
}

#[test]
fn an_event_future_awaited_under_a_wrapped_waker_still_keeps_run_going() {
    on_fresh_loop(|| {
        // A waker that is not the spawned future's own (a combinator's)
        // is kept as a waker: it may be woken from elsewhere, so run()
        // waits for it, as before. The timer triggers the event.
        let r = Rendezvous::<()>::new();
        let (done, slot) = r.event_with_slot(());
        let (ev, mut fut) = tame::event_future::<u8>();
        tame::timer(Duration::from_millis(5), ev.map(|()| 3));
        tame::spawn(
            std::future::poll_fn(move |cx| {
                let wrapped = Waker::from(Arc::new(Forward(cx.waker().clone())));
                Pin::new(&mut fut).poll(&mut Context::from_waker(&wrapped))
            }),
            done,
        );
        tame::run();
        assert_eq!(slot.take(), Some(Some(3)));
    });
}

/// A waker that wakes another.
struct Forward(Waker);

impl std::task::Wake for Forward {
    fn wake(self: Arc<Self>) {
        self.0.wake_by_ref();
    }
}

/// An `EventFuture` handed out by the spawned future that polled it (the
/// loser a `select` returns), then given to a channel's `recv`: another
/// spawned future cancelled later, which took the first one's place in the
/// loop, does not make it count as dead. It took the value as dropped
/// (`None`), and the value stayed queued.
#[test]
fn an_event_future_outliving_its_poller_is_not_doomed_by_a_stranger_cancelled_in_its_place() {
    on_fresh_loop(|| {
        let ch = tame::sync::Channel::<u32>::new();
        let (ev, fut) = tame::event_future::<u32>();
        ch.recv(ev);
        let mut fut = handed_out_after_one_poll(fut, |fut, cx| Pin::new(fut).poll(cx).is_pending());
        gets_the_value_sent_as_a_stranger_is_cancelled(&ch, &mut fut);
    });
}

/// The same for a rendezvous polled as a `Stream` by a spawned future that
/// then handed it out and ended: its event in a channel's `recv` gets the
/// value sent as another future, in the first one's place, is cancelled.
#[test]
fn a_rendezvous_outliving_its_poller_is_not_doomed_by_a_stranger_cancelled_in_its_place() {
    on_fresh_loop(|| {
        let ch = tame::sync::Channel::<u32>::new();
        let r = Rendezvous::<u8>::new();
        // Outstanding, so that the stream waits rather than ends.
        let _held = r.event(0);
        let r = handed_out_after_one_poll(r, |r, cx| {
            futures_core::Stream::poll_next(Pin::new(r), cx).is_pending()
        });
        let (ev, got) = r.event_with_slot::<u32>(1);
        ch.recv(ev);
        cancel_a_stranger_in_its_place();
        ch.send(5);
        tame::run();
        assert_eq!((r.try_next(), got.take()), (Some(1), Some(5)));
        assert_eq!(ch.len(), 0);
    });
}

/// Two of tame's wait points a spawned future polled and then handed out
/// as it ended (the pair a `select` of two rendezvous' `next()` returns
/// when a timeout won): each still counted as waited on by the ended
/// future, so a tamed function's `twait!` on either panicked ("two
/// functions wait on one Rendezvous").
#[test]
fn two_rendezvous_outliving_their_poller_can_be_waited_on() {
    #[tame::tamed]
    fn wait_on(r: Rendezvous<u32>) -> Option<u32> {
        tame::twait!(r)
    }
    on_fresh_loop(|| {
        let (a, b) = (Rendezvous::<u32>::new(), Rendezvous::<u32>::new());
        tame::timer(Duration::from_millis(1), a.event(1));
        tame::timer(Duration::from_millis(1), b.event(2));
        let (a, b) = handed_out_after_one_poll((a, b), |(a, b), cx| {
            let a = futures_core::Stream::poll_next(Pin::new(a), cx).is_pending();
            let b = futures_core::Stream::poll_next(Pin::new(b), cx).is_pending();
            a && b
        });
        assert_eq!(tame::run_with(|d| wait_on(a, d)), Some(Some(1)));
        assert_eq!(tame::run_with(|d| wait_on(b, d)), Some(Some(2)));
    });
}

/// [`an_event_future_outliving_its_poller_is_not_doomed_by_a_stranger_cancelled_in_its_place`]
/// with two event futures handed out: the ended poller was still taken
/// for alive, and the cancelled stranger's fate for its.
#[test]
fn two_event_futures_outliving_their_poller_are_not_doomed_by_a_stranger() {
    on_fresh_loop(|| {
        let ch = tame::sync::Channel::<u32>::new();
        let (ev, fut) = tame::event_future::<u32>();
        let (_held, other) = tame::event_future::<u32>();
        ch.recv(ev);
        let (mut fut, _other) = handed_out_after_one_poll((fut, other), |(a, b), cx| {
            let a = Pin::new(a).poll(cx).is_pending();
            let b = Pin::new(b).poll(cx).is_pending();
            a && b
        });
        gets_the_value_sent_as_a_stranger_is_cancelled(&ch, &mut fut);
    });
}

/// `fut`, whose event waits in `ch`'s `recv`, gets the value sent while a
/// spawned future that took its poller's place in the loop is cancelled.
fn gets_the_value_sent_as_a_stranger_is_cancelled(
    ch: &tame::sync::Channel<u32>,
    fut: &mut tame::EventFuture<u32>,
) {
    cancel_a_stranger_in_its_place();
    ch.send(5);
    tame::run();
    let got = Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()));
    assert_eq!(got, Poll::Ready(Some(5)));
    assert_eq!(ch.len(), 0);
}

/// `value`, after a spawned future polled it once with `poll` (which says
/// whether it was pending) and then gave it back and ended.
fn handed_out_after_one_poll<T: 'static>(
    value: T,
    mut poll: impl FnMut(&mut T, &mut Context<'_>) -> bool + 'static,
) -> T {
    let out = Rendezvous::<()>::new();
    let (done, handed) = out.event_with_slot::<T>(());
    let mut value = Some(value);
    let mut polled = false;
    let poller = poll_fn(move |cx| {
        if !polled {
            polled = true;
            assert!(
                poll(value.as_mut().unwrap(), cx),
                "pending at its first poll"
            );
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(value.take().unwrap())
    });
    tame::spawn(poller, done);
    while !handed.is_back() {
        tame::run_once(Some(Duration::ZERO));
    }
    handed.take().unwrap()
}

/// A spawned future, made after the one that ended (so in its place in
/// the loop), cancelled: it is about to be dropped in this turn.
fn cancel_a_stranger_in_its_place() {
    let keep = Rendezvous::<()>::new();
    let (ev, cancel) = tame::cancellable(keep.event(()));
    tame::spawn(std::future::pending::<()>(), ev);
    tame::run_once(Some(Duration::ZERO));
    cancel.cancel();
}

/// A spawned future whose awaits never wait (a channel it refills itself,
/// a rendezvous always ready) gives the thread up after its budget, as a
/// tamed function does after its twaits': an `asap` callback armed before
/// it runs within the budget's count of awaits (without it, never).
#[test]
fn a_spawned_future_whose_awaits_never_wait_gives_the_thread_up() {
    on_fresh_loop(|| {
        let seen = Rc::new(Cell::new(false));
        let s = seen.clone();
        tame::asap(Event::from_fn(move |_: Option<()>| s.set(true)));
        let s = seen.clone();
        let through_a_channel = Rc::new(Cell::new(0u32));
        let n = through_a_channel.clone();
        tame::spawn(
            async move {
                let ch = tame::sync::Channel::new();
                while !s.get() {
                    ch.send(1u32);
                    let (ev, fut) = tame::event_future();
                    ch.recv(ev);
                    fut.await;
                    n.set(n.get() + 1);
                    assert!(n.get() < 10_000, "the future never gave the thread up");
                }
            },
            Event::detached(),
        );
        tame::run();
        assert!(
            through_a_channel.get() <= 129,
            "{}",
            through_a_channel.get()
        );

        seen.set(false);
        let s = seen.clone();
        tame::asap(Event::from_fn(move |_: Option<()>| s.set(true)));
        let from_a_stream = Rc::new(Cell::new(0u32));
        let n = from_a_stream.clone();
        let s = seen.clone();
        tame::spawn(
            async move {
                let mut r = Rendezvous::<u32>::new();
                while !s.get() {
                    r.event(1).trigger(());
                    poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut r), cx)).await;
                    n.set(n.get() + 1);
                    assert!(n.get() < 10_000, "the future never gave the thread up");
                }
            },
            Event::detached(),
        );
        tame::run();
        assert!(from_a_stream.get() <= 129, "{}", from_a_stream.get());
    });
}

/// The budget is the spawned future's own: a poll inside it with another
/// waker (an executor of another crate, `now_or_never`) is never given
/// `Pending` for it, which nobody would poll again.
#[test]
fn a_poll_with_another_waker_inside_a_spawned_future_is_not_budgeted() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (done, got) = r.event_with_slot::<u32>(());
        tame::spawn(
            async {
                let mut ready = 0;
                for i in 0..300u32 {
                    let (ev, fut) = tame::event_future();
                    ev.trigger(i);
                    let mut fut = std::pin::pin!(fut);
                    let mut cx = Context::from_waker(Waker::noop());
                    if fut.as_mut().poll(&mut cx) == Poll::Ready(Some(i)) {
                        ready += 1;
                    }
                }
                ready
            },
            done,
        );
        tame::run();
        assert_eq!(got.take(), Some(300));
    });
}

/// A `Sleep` awaited again once over, and a rendezvous's stream at its
/// end, are completions the budget counts too.
#[test]
fn a_finished_sleep_or_an_ended_stream_awaited_in_a_loop_gives_the_thread_up() {
    on_fresh_loop(|| {
        for stream in [false, true] {
            let awaits = Rc::new(Cell::new(0u32));
            let n = awaits.clone();
            tame::spawn(
                async move {
                    let mut sleep = tame::time::sleep(Duration::ZERO);
                    (&mut sleep).await;
                    // Armed once the sleep is over: the loop's next turn.
                    let seen = Rc::new(Cell::new(false));
                    let s = seen.clone();
                    tame::asap(Event::from_fn(move |_: Option<()>| s.set(true)));
                    let mut r = Rendezvous::<u32>::new();
                    while !seen.get() {
                        if stream {
                            let next =
                                poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut r), cx));
                            assert_eq!(next.await, None);
                        } else {
                            (&mut sleep).await;
                        }
                        n.set(n.get() + 1);
                        assert!(n.get() < 10_000, "the future never gave the thread up");
                    }
                },
                Event::detached(),
            );
            tame::run();
            assert!(awaits.get() <= 130, "stream {stream}: {}", awaits.get());
        }
    });
}

/// A waker kept after its future finished, woken again and again on the
/// loop's thread, wakes nobody: the next future spawned (which takes the
/// finished one's place) was polled once for each of its wakes.
#[test]
fn a_waker_kept_after_its_future_finished_wakes_nobody() {
    on_fresh_loop(|| {
        let kept: Rc<Cell<Option<Waker>>> = Rc::default();
        let keep = kept.clone();
        let mut first = true;
        tame::spawn(
            poll_fn(move |cx| {
                keep.set(Some(cx.waker().clone()));
                if first {
                    first = false;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(1u8)
                }
            }),
            Event::detached(),
        );
        tame::run();
        let polls = Rc::new(Cell::new(0));
        let p = polls.clone();
        let r = Rendezvous::<()>::new();
        let held = r.event(());
        tame::spawn(
            poll_fn(move |_| {
                let _ = &held;
                p.set(p.get() + 1);
                Poll::<u8>::Pending
            }),
            Event::detached(),
        );
        tame::run_once(Some(Duration::ZERO));
        assert_eq!(polls.get(), 1, "polled once, as it was spawned");
        let stale = kept.take().expect("the finished future's waker");
        for _ in 0..4 {
            stale.wake_by_ref();
            tame::run_once(Some(Duration::ZERO));
        }
        assert_eq!(polls.get(), 1, "the old waker woke the new future");
    });
}

/// A doomed spawned future woken by one event of the rendezvous it polls
/// (triggered or dropped) before the loop cancels it: a value sent in that
/// window to another of its events stays in the channel, as it does when
/// nothing woke it (it would go with the future).
#[test]
fn a_doomed_future_woken_by_another_event_still_loses_no_value() {
    #[derive(Debug)]
    enum Wake {
        Job,
        Other,
    }

    on_fresh_loop(|| {
        for trigger_other in [false, true] {
            let jobs = tame::sync::Channel::<u32>::new();
            let other = Rc::new(std::cell::RefCell::new(Vec::new()));
            let (j, o) = (jobs.clone(), other.clone());
            let worker = async move {
                let mut r = Rendezvous::new();
                j.recv(r.event_map(|_: Option<u32>| Wake::Job));
                o.borrow_mut()
                    .push(r.event_map(|_: Option<()>| Wake::Other));
                poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut r), cx)).await
            };
            let owner = Rendezvous::<()>::new();
            tame::spawn(worker, owner.event(()).map(|_: Option<Wake>| ()));
            tame::run_once(Some(Duration::ZERO));
            drop(owner); // the worker is doomed
            if trigger_other {
                for e in other.borrow_mut().drain(..) {
                    e.trigger(());
                }
            }
            jobs.send(4);
            tame::run_once(Some(Duration::ZERO));
            assert_eq!(jobs.len(), 1, "trigger_other = {trigger_other}");
            assert_eq!(jobs.try_recv(), Some(4));
        }
    });
}

/// A spawned future woken by an event of a shared rendezvous it polled,
/// that has since gone on to poll another: doomed there, it no longer
/// stands for the first one's owner, and a value a channel sends to
/// another event of the first goes to that rendezvous, for whoever reads
/// it next (as for a tamed function that waits on another rendezvous).
#[test]
fn a_future_polling_another_rendezvous_leaves_the_shared_one_served() {
    on_fresh_loop(|| {
        let r1 = Rc::new(std::cell::RefCell::new(Rendezvous::<u32>::new()));
        let jobs = tame::sync::Channel::<u32>::new();
        let woke = r1.borrow().event(1);
        jobs.recv(
            r1.borrow()
                .event_map(|v: Option<u32>| v.map_or(0, |x| 100 + x)),
        );
        let r2 = Rendezvous::<()>::new();
        let _pending = r2.event(());
        let shared = r1.clone();
        let worker = async move {
            let mut r2 = r2;
            poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut *shared.borrow_mut()), cx))
                .await;
            poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut r2), cx)).await;
        };
        let owner = Rendezvous::<()>::new();
        tame::spawn(worker, owner.event(()));
        tame::run_once(Some(Duration::ZERO));
        woke.trigger(());
        tame::run_once(Some(Duration::ZERO));
        drop(owner); // doomed while it polls `r2`
        jobs.send(4);
        tame::run_once(Some(Duration::ZERO));
        assert_eq!(jobs.len(), 0, "the value went to `r1`");
        assert_eq!(r1.borrow().try_next(), Some(104));
    });
}
