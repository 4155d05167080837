//! `Event<T>`: one-shot, comes back exactly once (trigger or drop), FIFO,
//! never resumes its waiter re-entrantly, a no-op once its rendezvous is gone.
//!
//! Written against the runtime API directly (hand-written state machines),
//! as a user of the layer below `#[tamed]` would rely on it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Poll;

use tame::task::{self, Slot, TaskContext, TwaitSite};
use tame::{Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

fn trace() -> Trace {
    Rc::new(RefCell::new(Vec::new()))
}

fn entries(t: &Trace) -> Vec<String> {
    t.borrow().clone()
}

/// A hand-written `#[tamed]` function: runs `setup` (which makes join
/// events), blocks in `twait` until every one came back, then runs `after`.
fn join_task(
    name: &'static str,
    site: &'static TwaitSite,
    setup: impl FnOnce(&TaskContext<'_>) + 'static,
    after: impl FnOnce() + 'static,
) {
    let mut setup = Some(setup);
    let mut after = Some(after);
    task::start(name, move |cx| {
        if let Some(setup) = setup.take() {
            setup(cx);
        }
        if cx.wait_join(site).is_pending() {
            return Poll::Pending;
        }
        (after.take().expect("resumed after completion"))();
        Poll::Ready(())
    });
}

/// Counts drops, to prove where a value ended up.
struct DropCounter(Rc<Cell<usize>>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

static SITE: TwaitSite = TwaitSite::new("waiter", file!(), line!());

#[test]
fn trigger_returns_before_the_waiting_task_runs() {
    let t = trace();
    let held: Rc<RefCell<Option<Event>>> = Rc::default();
    let (h, t2) = (held.clone(), t.clone());
    join_task(
        "waiter",
        &SITE,
        move |cx| *h.borrow_mut() = Some(cx.join_event()),
        move || log(&t2, "waiter resumed"),
    );
    log(&t, "before trigger");
    held.borrow_mut().take().unwrap().trigger(());
    log(&t, "after trigger");
    assert_eq!(entries(&t), ["before trigger", "after trigger"]);
    tame::run();
    assert_eq!(
        entries(&t),
        ["before trigger", "after trigger", "waiter resumed"]
    );
}

#[test]
fn trigger_from_a_running_task_queues_the_waiter_behind_it() {
    let t = trace();
    let held: Rc<RefCell<Option<Event>>> = Rc::default();
    let (h, t2) = (held.clone(), t.clone());
    join_task(
        "waiter",
        &SITE,
        move |cx| *h.borrow_mut() = Some(cx.join_event()),
        move || log(&t2, "waiter resumed"),
    );
    // A second task, resumed by the loop, triggers the first one's event and
    // keeps going: the waiter must not run inside that trigger.
    let t3 = t.clone();
    join_task(
        "trigger",
        &SITE,
        |cx| tame::asap(cx.join_event()),
        move || {
            log(&t3, "trigger: before");
            held.borrow_mut().take().unwrap().trigger(());
            log(&t3, "trigger: after");
        },
    );
    tame::run();
    assert_eq!(
        entries(&t),
        ["trigger: before", "trigger: after", "waiter resumed"]
    );
}

#[test]
fn ids_come_back_in_trigger_order() {
    let r = Rendezvous::<u32>::new();
    let mut evs: Vec<Option<Event>> = (0..6).map(|i| Some(r.event(i))).collect();
    for i in [3, 1, 4, 0, 5, 2] {
        let ev = evs[i].take().unwrap();
        if i % 2 == 0 {
            ev.trigger(());
        } else {
            drop(ev); // a drop counts as a trigger, in its place in the order
        }
    }
    let ids: Vec<u32> = std::iter::from_fn(|| r.try_next()).collect();
    assert_eq!(ids, [3, 1, 4, 0, 5, 2]);
    assert_eq!(r.pending(), 0);
}

#[test]
fn waiting_tasks_resume_in_trigger_order() {
    let t = trace();
    let events: Rc<RefCell<Vec<Option<Event>>>> = Rc::default();
    for name in ["a", "b", "c", "d"] {
        let (evs, t2) = (events.clone(), t.clone());
        join_task(
            "waiter",
            &SITE,
            move |cx| evs.borrow_mut().push(Some(cx.join_event())),
            move || log(&t2, name),
        );
    }
    for i in [2, 0, 3, 1] {
        let ev = events.borrow_mut()[i].take().unwrap();
        ev.trigger(());
    }
    assert!(entries(&t).is_empty());
    tame::run();
    assert_eq!(entries(&t), ["c", "a", "d", "b"]);
}

#[test]
fn rendezvous_waiters_resume_in_trigger_order() {
    static R_SITE: TwaitSite = TwaitSite::new("rdv_waiter", file!(), line!());
    let t = trace();
    let mut events = Vec::new();
    for name in ["a", "b", "c"] {
        let r = Rendezvous::<&'static str>::new();
        events.push(Some(r.event(name)));
        let t2 = t.clone();
        task::start("rdv_waiter", move |cx| {
            match cx.poll_rendezvous(&r, &R_SITE) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(id) => {
                    log(&t2, id.unwrap());
                    Poll::Ready(())
                }
            }
        });
    }
    for i in [1, 2, 0] {
        events[i].take().unwrap().trigger(());
    }
    tame::run();
    assert_eq!(entries(&t), ["b", "c", "a"]);
}

#[test]
fn dropped_join_event_completes_the_twait() {
    let t = trace();
    let held: Rc<RefCell<Vec<Event<u8>>>> = Rc::default();
    let slots: Rc<RefCell<Vec<Slot<u8>>>> = Rc::default();
    let (h, s, t2, s2) = (held.clone(), slots.clone(), t.clone(), slots.clone());
    join_task(
        "waiter",
        &SITE,
        move |cx| {
            for _ in 0..2 {
                let (ev, slot) = cx.join_event_with_slot::<u8>();
                h.borrow_mut().push(ev);
                s.borrow_mut().push(slot);
            }
        },
        move || {
            let s = s2.borrow();
            log(&t2, format!("resumed {:?} {:?}", s[0].take(), s[1].take()));
        },
    );
    let second = held.borrow_mut().pop().unwrap();
    let first = held.borrow_mut().pop().unwrap();
    first.trigger(7);
    drop(second);
    assert!(slots.borrow().iter().all(Slot::is_back));
    tame::run();
    assert_eq!(entries(&t), ["resumed Some(7) None"]);
}

#[test]
fn dropped_events_alone_complete_the_twait() {
    let t = trace();
    let t2 = t.clone();
    // Every event of the block is dropped on the spot (a forgotten event):
    // the twait does not hang, and does not even yield.
    join_task(
        "waiter",
        &SITE,
        |cx| {
            drop(cx.join_event());
            drop(cx.join_event_with_slot::<String>());
        },
        move || log(&t2, "resumed"),
    );
    assert_eq!(entries(&t), ["resumed"]);
    assert!(tame::blocked().is_empty());
}

#[test]
fn dropped_event_still_reports_its_id() {
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot::<u32>("dropped");
    assert!(!slot.is_back());
    drop(ev);
    assert_eq!(r.pending(), 0);
    assert_eq!(r.try_next(), Some("dropped"));
    assert!(slot.is_back());
    assert_eq!(slot.take(), None, "a dropped event writes nothing");
}

#[test]
fn dropped_event_wakes_a_task_waiting_on_the_rendezvous() {
    static R_SITE: TwaitSite = TwaitSite::new("rdv_waiter", file!(), line!());
    let t = trace();
    let r = Rendezvous::<&'static str>::new();
    let ev = r.event("forgotten");
    let t2 = t.clone();
    task::start("rdv_waiter", move |cx| loop {
        match cx.poll_rendezvous(&r, &R_SITE) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(id)) => log(&t2, id),
            Poll::Ready(None) => return Poll::Ready(()),
        }
    });
    drop(ev);
    tame::run();
    assert_eq!(entries(&t), ["forgotten"]);
}

#[test]
fn trigger_after_cancel_drops_the_value() {
    let drops = Rc::new(Cell::new(0));
    let r = Rendezvous::<u8>::new();
    let (ev, slot) = r.event_with_slot::<DropCounter>(1);
    let other = r.event(2);
    assert_eq!(r.pending(), 2);
    r.cancel();
    assert_eq!(r.pending(), 0);
    assert!(!ev.is_live());
    ev.trigger(DropCounter(drops.clone()));
    assert_eq!(drops.get(), 1, "the value is dropped at once");
    assert_eq!(slot.take().map(|_| ()), None);
    drop(other);
    assert_eq!(r.pending(), 0);
    assert_eq!(r.try_next(), None);
}

#[test]
fn cancel_forgets_ids_already_queued() {
    let r = Rendezvous::<u8>::new();
    r.event(1).trigger(());
    r.event(2).trigger(());
    assert_eq!(r.queued(), 2);
    r.cancel();
    assert_eq!((r.queued(), r.pending(), r.try_next()), (0, 0, None));
}

#[test]
fn rendezvous_is_reusable_after_cancel() {
    let r = Rendezvous::<u8>::new();
    let old = r.event(1);
    r.cancel();
    let new = r.event(2);
    assert_eq!(r.pending(), 1);
    old.trigger(());
    assert_eq!((r.pending(), r.try_next()), (1, None));
    new.trigger(());
    assert_eq!((r.pending(), r.try_next()), (0, Some(2)));
}

#[test]
fn trigger_after_the_rendezvous_is_dropped_drops_the_value() {
    let drops = Rc::new(Cell::new(0));
    let r = Rendezvous::<u8>::new();
    let (ev, slot) = r.event_with_slot::<DropCounter>(1);
    drop(r);
    assert!(!ev.is_live());
    ev.trigger(DropCounter(drops.clone()));
    assert_eq!(drops.get(), 1);
    assert!(slot.take().is_none());
}

#[test]
fn queued_values_are_dropped_with_the_rendezvous() {
    let drops = Rc::new(Cell::new(0));
    let r = Rendezvous::<DropCounter>::new();
    r.event(DropCounter(drops.clone())).trigger(());
    let pending = r.event(DropCounter(drops.clone()));
    assert_eq!(drops.get(), 0);
    drop(r);
    assert_eq!(
        drops.get(),
        1,
        "the queued id is dropped with the rendezvous"
    );
    drop(pending);
    assert_eq!(
        drops.get(),
        2,
        "the outstanding id is dropped with its event"
    );
}

#[test]
fn cancel_wakes_a_task_blocked_on_the_rendezvous_with_none() {
    static R_SITE: TwaitSite = TwaitSite::new("rdv_waiter", file!(), line!());
    let t = trace();
    let r = Rc::new(Rendezvous::<u8>::new());
    let ev = r.event(1);
    let (r2, t2) = (r.clone(), t.clone());
    task::start("rdv_waiter", move |cx| {
        match cx.poll_rendezvous(&r2, &R_SITE) {
            Poll::Pending => {
                log(&t2, "blocked");
                Poll::Pending
            }
            Poll::Ready(id) => {
                log(&t2, format!("got {id:?}"));
                Poll::Ready(())
            }
        }
    });
    assert_eq!(tame::blocked().len(), 1);
    r.cancel();
    tame::run();
    assert_eq!(entries(&t), ["blocked", "got None"]);
    assert!(tame::blocked().is_empty());
    // The event that was outstanding is now a harmless no-op.
    ev.trigger(());
    assert_eq!(r.try_next(), None);
}

#[test]
fn from_fn_event_reports_once_with_its_value_or_none() {
    let seen: Rc<RefCell<Vec<Option<u8>>>> = Rc::default();
    let s = seen.clone();
    Event::from_fn(move |v| s.borrow_mut().push(v)).trigger(1);
    let s = seen.clone();
    drop(Event::<u8>::from_fn(move |v| s.borrow_mut().push(v)));
    assert_eq!(*seen.borrow(), [Some(1), None]);
}

#[test]
fn event_callbacks_may_call_back_into_the_loop() {
    // A callback runs inside a trigger or a drop that the loop performs (a
    // timer, asap, an fd wait, a cancelled fd wait): it may arm more work on
    // the same loop without a RefCell borrow panic.
    let t = trace();
    let r = Rc::new(Rendezvous::<&'static str>::new());
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let (t1, r1) = (t.clone(), r.clone());
    tame::asap(Event::from_fn(move |v: Option<()>| {
        log(&t1, format!("asap {v:?}"));
        let (t2, r2) = (t1.clone(), r1.clone());
        tame::timer(
            std::time::Duration::ZERO,
            Event::from_fn(move |v: Option<()>| {
                log(&t2, format!("timer {v:?}"));
                tame::asap(r2.event("asap from timer"));
                tame::timer(std::time::Duration::ZERO, r2.event("timer from timer"));
                let _ = tame::blocked();
            }),
        );
    }));
    let b = Rc::new(b);
    let (t3, r3, b2) = (t.clone(), r.clone(), b.clone());
    tame::wait_on_fd(
        &a,
        tame::Interest::Write,
        Event::from_fn(move |v: Option<()>| {
            log(&t3, format!("fd {v:?}"));
            tame::wait_on_fd(&*b2, tame::Interest::Write, r3.event("fd from fd")).unwrap();
        }),
    )
    .unwrap();
    let (c, _d) = std::os::unix::net::UnixStream::pair().unwrap();
    let c2 = tame::io::Fd::new(c.try_clone().unwrap()).unwrap();
    let c = tame::io::Fd::new(c).unwrap();
    let (t4, r4) = (t.clone(), r.clone());
    let cancelled = Rendezvous::<()>::new();
    tame::timer(std::time::Duration::ZERO, cancelled.event(()));
    // Closing a descriptor drops its waits' events: their callbacks run
    // inside the close and may wait (and close) again.
    c.readable(Event::from_fn(move |v: Option<std::io::Result<()>>| {
        log(&t4, format!("cancelled fd {:?}", v.map(|r| r.is_ok())));
        c2.readable(r4.event_with_slot("rewait").0);
        c2.close();
    }));
    c.close();
    cancelled.cancel();
    tame::run();
    let mut got = entries(&t);
    got.sort();
    assert_eq!(
        got,
        [
            "asap Some(())",
            "cancelled fd None",
            "fd Some(())",
            "timer Some(())"
        ]
    );
    let mut ids: Vec<_> = std::iter::from_fn(|| r.try_next()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "asap from timer",
            "fd from fd",
            "rewait",
            "timer from timer"
        ]
    );
}

#[test]
fn event_is_one_word_pair_and_rendezvous_one_word() {
    // Printed for the closing note; asserted so that growth is noticed.
    let ev = std::mem::size_of::<Event<()>>();
    let ev_big = std::mem::size_of::<Event<[u8; 1024]>>();
    let rdv = std::mem::size_of::<Rendezvous<u64>>();
    println!("size_of Event<()> = {ev}, Event<[u8; 1024]> = {ev_big}, Rendezvous<u64> = {rdv}");
    assert_eq!(ev, 2 * std::mem::size_of::<usize>());
    assert_eq!(ev_big, ev, "an event's value never lives in the event");
    assert_eq!(rdv, std::mem::size_of::<usize>());
}

/// Compiles only if `T` is not `Send` (the impl for `u8` would make the
/// call ambiguous otherwise), as static_assertions' `assert_not_impl_any!`.
trait AmbiguousIfSend<A> {
    fn not_send() {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

#[test]
fn events_and_rendezvous_stay_on_their_thread() {
    <Event<u32> as AmbiguousIfSend<_>>::not_send();
    <Rendezvous<u32> as AmbiguousIfSend<_>>::not_send();
    <Slot<u32> as AmbiguousIfSend<_>>::not_send();
}

#[test]
fn a_rendezvous_is_unpin_whatever_its_ids_and_polls_as_a_stream_through_pin_new() {
    // Unpin comes from the rendezvous's fields (no manual impl vouches for
    // it any more), so a field that pins, or one that is only as Unpin as
    // its ids (a PhantomData<I>), fails this with an id type that is not
    // Unpin.
    fn unpin<T: Unpin>() {}
    unpin::<Rendezvous<std::marker::PhantomPinned>>();
    // What Unpin is for: a Stream polled through Pin::new, by a future
    // that owns it.
    use futures_core::Stream;
    use std::pin::Pin;
    let r = Rendezvous::<&str>::new();
    let (a, b) = (
        r.event_with_slot::<()>("a").0,
        r.event_with_slot::<()>("b").0,
    );
    b.trigger(());
    a.trigger(());
    let mut r = r;
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut next = || Pin::new(&mut r).poll_next(&mut cx);
    assert_eq!(next(), Poll::Ready(Some("b")), "trigger order");
    assert_eq!(next(), Poll::Ready(Some("a")));
    assert_eq!(
        next(),
        Poll::Ready(None),
        "nothing outstanding: the stream ends"
    );
}

#[test]
fn run_with_gives_the_value_and_runs_the_rest_of_the_work_too() {
    let after = Rc::new(Cell::new(false));
    let a = after.clone();
    let got = tame::run_with(move |done: Event<&str>| {
        // The value comes first; a callback queued after it still runs
        // before run_with returns, as with run().
        tame::asap(Event::from_fn(move |_: Option<()>| done.trigger("value")));
        tame::asap(Event::from_fn(move |_: Option<()>| {
            tame::asap(Event::from_fn(move |_: Option<()>| a.set(true)))
        }));
    });
    assert_eq!(got, Some("value"));
    assert!(after.get(), "run_with ran the loop until nothing was left");
    // A promise not kept: the event dropped untriggered.
    assert_eq!(tame::run_with(|done: Event<u8>| drop(done)), None);
}
