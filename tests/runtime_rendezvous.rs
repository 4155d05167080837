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
