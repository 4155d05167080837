//! `Rendezvous<I>`: ids in trigger order, `twait!(r)` by hand
//! (`poll_rendezvous`), one waiter at a time, and the `Stream` view.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_core::Stream;
use tame::task::{self, TwaitSite};
use tame::{Event, Rendezvous};

static SITE: TwaitSite = TwaitSite::new("collector", file!(), line!());

/// A hand-written `while let Some(id) = twait!(r) { ... }`.
fn collect_task<I: 'static>(r: Rc<Rendezvous<I>>, out: Rc<RefCell<Vec<I>>>) {
    task::start("collector", move |cx| loop {
        match cx.poll_rendezvous(&r, &SITE) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(id)) => out.borrow_mut().push(id),
            Poll::Ready(None) => return Poll::Ready(()),
        }
    });
}

#[test]
fn twait_on_a_rendezvous_yields_every_id_then_none() {
    let r = Rc::new(Rendezvous::<u64>::new());
    for ms in [30u64, 10, 20] {
        tame::timer(Duration::from_millis(ms), r.event(ms));
    }
    let out = Rc::default();
    collect_task(r.clone(), Rc::clone(&out));
    assert_eq!(tame::blocked().len(), 1);
    tame::run();
    assert_eq!(*out.borrow(), [10, 20, 30]);
    assert!(tame::blocked().is_empty());
}

#[test]
fn twait_on_an_empty_rendezvous_is_none_at_once() {
    let r = Rc::new(Rendezvous::<u8>::new());
    let out = Rc::default();
    collect_task(r, Rc::clone(&out));
    assert!(out.borrow().is_empty());
    assert!(tame::blocked().is_empty(), "it never blocked");
}

#[test]
fn value_is_in_the_slot_when_the_id_comes_back() {
    static V_SITE: TwaitSite = TwaitSite::new("values", file!(), line!());
    let r = Rendezvous::<usize>::new();
    let mut slots = Vec::new();
    for i in 0..3 {
        let (ev, slot) = r.event_with_slot::<String>(i);
        tame::asap(Event::from_fn(move |_| ev.trigger(format!("v{i}"))));
        slots.push(slot);
    }
    let got: Rc<RefCell<Vec<String>>> = Rc::default();
    let g = got.clone();
    task::start("values", move |cx| loop {
        match cx.poll_rendezvous(&r, &V_SITE) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(i)) => g.borrow_mut().push(slots[i].take().unwrap()),
            Poll::Ready(None) => return Poll::Ready(()),
        }
    });
    tame::run();
    assert_eq!(*got.borrow(), ["v0", "v1", "v2"]);
}

#[test]
#[should_panic(expected = "only one function at a time may wait on a rendezvous")]
fn second_function_waiting_on_a_rendezvous_panics() {
    let r = Rc::new(Rendezvous::<u8>::new());
    let _ev = r.event(1);
    collect_task(r.clone(), Rc::default());
    collect_task(r, Rc::default());
}

/// The message of a panic payload.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p
            .downcast_ref::<&str>()
            .map_or_else(String::new, |s| s.to_string()),
    }
}

/// [`collect_task`] on a rendezvous a stream may poll too.
fn collect_task_shared(r: Rc<RefCell<Rendezvous<u8>>>, out: Rc<RefCell<Vec<u8>>>) {
    task::start("collector", move |cx| loop {
        match cx.poll_rendezvous(&r.borrow(), &SITE) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(id)) => out.borrow_mut().push(id),
            Poll::Ready(None) => return Poll::Ready(()),
        }
    });
}

#[test]
fn a_function_waiting_on_a_rendezvous_a_stream_waits_on_panics_and_the_stream_keeps_its_wake_up() {
    let r = Rc::new(RefCell::new(Rendezvous::<u8>::new()));
    let ev = r.borrow().event(1);
    let wakes = Arc::new(CountingWaker::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    assert_eq!(
        Pin::new(&mut *r.borrow_mut()).poll_next(&mut cx),
        Poll::Pending
    );
    // Polled again: a stream only moves its wake-up.
    assert_eq!(
        Pin::new(&mut *r.borrow_mut()).poll_next(&mut cx),
        Poll::Pending
    );
    let out: Rc<RefCell<Vec<u8>>> = Rc::default();
    let (r2, o) = (r.clone(), out.clone());
    let second =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| collect_task_shared(r2, o)));
    let msg = panic_message(second.expect_err("a second waiter panics"));
    assert!(
        msg.contains(&format!(
            "`{}` waits at {}:{} on a rendezvous a future polling it as a Stream already waits on",
            SITE.function, SITE.file, SITE.line
        )) && msg.contains("only one function at a time may wait on a rendezvous")
            && msg.contains("to look without waiting, use `try_next()`"),
        "{msg}"
    );
    ev.trigger(());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "the stream was woken");
    assert_eq!(
        Pin::new(&mut *r.borrow_mut()).poll_next(&mut cx),
        Poll::Ready(Some(1))
    );
    assert!(out.borrow().is_empty());
}

#[test]
fn a_stream_polled_on_a_rendezvous_a_function_waits_on_panics_and_the_function_keeps_its_wake_up() {
    let r = Rc::new(RefCell::new(Rendezvous::<u8>::new()));
    let ev = r.borrow().event(1);
    let out: Rc<RefCell<Vec<u8>>> = Rc::default();
    collect_task_shared(r.clone(), out.clone());
    let wakes = Arc::new(CountingWaker::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Pin::new(&mut *r.borrow_mut()).poll_next(&mut cx)
    }));
    let msg = panic_message(polled.expect_err("a stream polled while a function waits panics"));
    assert!(
        msg.contains(&format!(
            "a future polls, as a Stream, a rendezvous `{}`, at {}:{}, already waits on",
            SITE.function, SITE.file, SITE.line
        )) && msg.contains("only one function at a time may wait on a rendezvous"),
        "{msg}"
    );
    ev.trigger(());
    tame::run();
    assert_eq!(*out.borrow(), [1], "the function got the id");
    assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
    assert!(tame::blocked().is_empty());
}

#[test]
fn a_function_may_wait_on_a_rendezvous_whose_stream_poller_is_gone() {
    // A spawned future polls the stream, which waits, and ends without
    // polling it again (a select whose other branch was ready).
    let r = Rc::new(RefCell::new(Rendezvous::<u8>::new()));
    let ev = r.borrow().event(1);
    let r2 = r.clone();
    tame::spawn(
        poll_fn(move |cx| {
            let _ = Pin::new(&mut *r2.borrow_mut()).poll_next(cx);
            Poll::Ready(())
        }),
        Event::detached(),
    );
    tame::run();
    let out: Rc<RefCell<Vec<u8>>> = Rc::default();
    collect_task_shared(r.clone(), out.clone());
    ev.trigger(());
    tame::run();
    assert_eq!(*out.borrow(), [1]);
}

// ---- the Stream view ----

/// A waker that counts its wakes, for a hand-written executor.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn rendezvous_stream_yields_ids_in_trigger_order_then_ends() {
    let mut r = Rendezvous::<&str>::new();
    let a = r.event("a");
    let b = r.event("b");
    let c = r.event("c");
    let wakes = Arc::new(CountingWaker::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    assert_eq!(r.size_hint(), (0, Some(3)));
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Pending);
    c.trigger(());
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "the trigger woke the poller"
    );
    drop(a);
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(Some("c")));
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(Some("a")));
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Pending);
    b.trigger(());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(Some("b")));
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(None));
}

#[test]
fn cancelling_a_rendezvous_ends_its_stream_and_wakes_the_poller() {
    let mut r = Rendezvous::<u8>::new();
    let ev = r.event(1);
    let wakes = Arc::new(CountingWaker::default());
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Pending);
    r.cancel();
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(None));
    ev.trigger(());
    assert_eq!(Pin::new(&mut r).poll_next(&mut cx), Poll::Ready(None));
}

#[test]
fn rendezvous_drained_as_a_stream_by_a_spawned_future() {
    let mut r = Rendezvous::<u64>::new();
    for ms in [3u64, 1, 2] {
        tame::timer(Duration::from_millis(ms), r.event(ms));
    }
    tame::asap(r.event(0));
    let done = Rendezvous::<()>::new();
    let (ev, slot) = done.event_with_slot::<Vec<u64>>(());
    tame::spawn(
        async move {
            let mut got = Vec::new();
            while let Some(id) = poll_fn(|cx| Pin::new(&mut r).poll_next(cx)).await {
                got.push(id);
            }
            got
        },
        ev,
    );
    tame::run();
    assert_eq!(slot.take(), Some(vec![0, 1, 2, 3]));
}

#[test]
fn rendezvous_stream_polled_by_a_hand_written_executor() {
    // The executor polls only when woken; the loop turns in between.
    let r = Rc::new(RefCell::new(Rendezvous::<u32>::new()));
    for i in 0..4 {
        tame::asap(r.borrow().event(i));
    }
    let wakes = Arc::new(CountingWaker::default());
    let waker = Waker::from(wakes.clone());
    let got: Rc<RefCell<Vec<u32>>> = Rc::default();
    let (r2, g) = (r.clone(), got.clone());
    let mut fut = pin!(async move {
        while let Some(id) = poll_fn(|cx| Pin::new(&mut *r2.borrow_mut()).poll_next(cx)).await {
            g.borrow_mut().push(id);
        }
    });
    let mut cx = Context::from_waker(&waker);
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    let mut polls = 1;
    loop {
        let before = wakes.0.load(Ordering::SeqCst);
        tame::run();
        assert!(
            wakes.0.load(Ordering::SeqCst) > before,
            "run() woke the stream"
        );
        polls += 1;
        if fut.as_mut().poll(&mut cx).is_ready() {
            break;
        }
    }
    assert_eq!(*got.borrow(), [0, 1, 2, 3]);
    assert!(polls <= 5);
}

/// What `event_map`'s ids say in the tests below.
#[derive(Debug, PartialEq)]
enum Got {
    Number(Option<u32>),
    Plain(&'static str),
}

/// `event_map`: the id is made from the value when the event comes back
/// (`None` for one dropped untriggered), in trigger order among the
/// rendezvous' other events.
#[test]
fn event_map_makes_the_id_from_the_value() {
    let r = Rendezvous::<Got>::new();
    let a = r.event_map(Got::Number);
    let b = r.event(Got::Plain("b"));
    let c = r.event_map(Got::Number);
    assert_eq!(r.pending(), 3);
    b.trigger(());
    a.trigger(7);
    drop(c);
    assert_eq!(r.pending(), 0);
    let ids: Vec<Got> = std::iter::from_fn(|| r.try_next()).collect();
    assert_eq!(
        ids,
        [Got::Plain("b"), Got::Number(Some(7)), Got::Number(None)]
    );
}

/// A cancelled rendezvous takes nothing: `to_id` does not run, and the
/// value goes with the event.
#[test]
fn event_map_after_a_cancel_makes_no_id() {
    let r = Rendezvous::<Got>::new();
    let ran = Rc::new(RefCell::new(false));
    let seen = ran.clone();
    let ev = r.event_map(move |v: Option<u32>| {
        *seen.borrow_mut() = true;
        Got::Number(v)
    });
    r.cancel();
    ev.trigger(1);
    assert!(!*ran.borrow());
    assert_eq!((r.pending(), r.try_next()), (0, None));
}

/// A `to_id` that panics: the panic goes out of the trigger, and the
/// event has come back with no id, so a task waiting on the rendezvous is
/// not left waiting for it.
#[test]
fn event_map_whose_to_id_panics_comes_back_without_an_id() {
    let r = Rc::new(Rendezvous::<Got>::new());
    let out = Rc::new(RefCell::new(Vec::new()));
    let ev = r.event_map(|_: Option<u32>| -> Got { panic!("no id for you") });
    collect_task(r.clone(), out.clone());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ev.trigger(3)));
    assert_eq!(panic_message(caught.unwrap_err()), "no id for you");
    assert_eq!(r.pending(), 0);
    tame::run();
    assert!(out.borrow().is_empty(), "the collector ended with no id");
}
