//! `tame::blocked()`: who waits where, for how many events.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Poll;

use tame::task::{self, BlockedTask, TwaitSite};
use tame::{Event, Rendezvous};

static JOIN_SITE: TwaitSite = TwaitSite::new("joiner", file!(), line!());

static RDV_SITE: TwaitSite = TwaitSite::new("collector", file!(), line!());

#[test]
fn blocked_reports_each_waiting_task_with_its_site_and_count() {
    let held: Rc<RefCell<Vec<Event>>> = Rc::default();
    let h = held.clone();
    let mut started = false;
    task::start("joiner", move |cx| {
        if !started {
            started = true;
            for _ in 0..2 {
                h.borrow_mut().push(cx.join_event());
            }
        }
        if cx.wait_join(&JOIN_SITE).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(())
    });
    let r = Rc::new(Rendezvous::<u8>::new());
    let mut rdv_events: Vec<Event> = (0..3).map(|i| r.event(i)).collect();
    let r2 = r.clone();
    task::start("collector", move |cx| loop {
        match cx.poll_rendezvous(&r2, &RDV_SITE) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(_)) => {}
            Poll::Ready(None) => return Poll::Ready(()),
        }
    });

    let mut b = tame::blocked();
    b.sort_by_key(|t| t.site.function);
    assert_eq!(
        b,
        [
            BlockedTask {
                site: RDV_SITE,
                waiting_for: 3
            },
            BlockedTask {
                site: JOIN_SITE,
                waiting_for: 2
            },
        ]
    );
    assert_eq!(b[1].site.file, file!());
    assert_eq!(
        b[1].to_string(),
        format!(
            "joiner at {}:{} waiting for 2 events",
            file!(),
            JOIN_SITE.line
        )
    );

    // One event of each comes back: the counts follow.
    held.borrow_mut().pop().unwrap().trigger(());
    rdv_events.pop().unwrap().trigger(());
    // Nothing else can make progress: run() returns with both still blocked.
    tame::run();
    let mut counts: Vec<_> = tame::blocked()
        .into_iter()
        .map(|t| (t.site.function, t.waiting_for))
        .collect();
    counts.sort();
    assert_eq!(counts, [("collector", 2), ("joiner", 1)]);

    // Forgotten events come back too; once both functions finished, nobody
    // is blocked.
    held.borrow_mut().clear();
    rdv_events.clear();
    tame::run();
    assert!(tame::blocked().is_empty());
}

#[test]
fn blocked_is_empty_when_no_task_waits() {
    assert!(tame::blocked().is_empty());
    task::start("immediate", |_| Poll::Ready(()));
    assert!(tame::blocked().is_empty());
}

#[test]
fn blocked_forgets_finished_tasks_among_many() {
    // Tasks finish in an order unrelated to the order they blocked in (the
    // registry swaps entries around): the report stays exact.
    let held: Rc<RefCell<Vec<Option<Event>>>> = Rc::default();
    for _ in 0..10 {
        let h = held.clone();
        let mut started = false;
        task::start("joiner", move |cx| {
            if !started {
                started = true;
                h.borrow_mut().push(Some(cx.join_event()));
            }
            if cx.wait_join(&JOIN_SITE).is_pending() {
                return Poll::Pending;
            }
            Poll::Ready(())
        });
    }
    assert_eq!(tame::blocked().len(), 10);
    for (done, i) in [3, 0, 9, 5, 4].into_iter().enumerate() {
        held.borrow_mut()[i].take().unwrap().trigger(());
        tame::run();
        assert_eq!(tame::blocked().len(), 10 - done - 1);
    }
    held.borrow_mut().clear();
    tame::run();
    assert!(tame::blocked().is_empty());
}

#[tame::tamed]
fn described_waits(r: Rendezvous<u8>, done: Event<()>) {
    tame::twait! {
        "the first tick";
        tame::asap(tame::mkevent!());
    }
    tame::twait!(r, "a reply from the peer");
    done.trigger(());
}

#[test]
fn blocked_shows_what_a_twait_says_it_waits_for() {
    let r = Rendezvous::<u8>::new();
    let reply = r.event(1);
    let rr = Rendezvous::<()>::new();
    described_waits(r, rr.event(()));
    let first = tame::blocked();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].description(), Some("the first tick"));
    assert!(
        first[0].to_string().contains("(the first tick)"),
        "{}",
        first[0]
    );
    // Queued behind the function's own tick and its resumption: by then it
    // waits for the reply.
    let check = tame::Event::from_fn(move |_: Option<()>| {
        let b = tame::blocked();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].description(), Some("a reply from the peer"));
        reply.trigger(());
    });
    tame::asap(tame::Event::from_fn(move |_: Option<()>| tame::asap(check)));
    tame::run();
    assert!(tame::blocked().is_empty());
}

#[tame::tamed]
fn deadlocked(r: Rendezvous<u32>) -> u32 {
    let _held = r.event(1); // held, never triggered
    tame::twait!(r, "an event it holds itself");
    0
}

#[test]
fn a_function_run_with_gave_up_on_is_listed_until_the_next_run() {
    // `None`: the function still waits, and nothing can end its wait.
    assert_eq!(
        tame::run_with(|done| deadlocked(Rendezvous::new(), done)),
        None
    );
    let b = tame::blocked();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].description(), Some("an event it holds itself"));
    // Its event went with `run_with`: the next run cancels it.
    tame::run();
    assert!(tame::blocked().is_empty(), "{:?}", tame::blocked());
}

#[test]
fn a_spawned_future_nothing_can_wake_is_listed_as_such() {
    let r = Rendezvous::<()>::new();
    let (ev, _slot) = r.event_with_slot(());
    let line = line!() + 1;
    tame::spawn(std::future::pending::<()>(), ev);
    // Spawned, it is queued to be polled: not waiting yet.
    assert!(tame::blocked().is_empty(), "{:?}", tame::blocked());
    tame::run_once(Some(std::time::Duration::ZERO));
    let b = tame::blocked();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].waiting_for, 0);
    assert_eq!(
        b[0].to_string(),
        format!("tame::spawn at {}:{line} (a spawned future) waiting, with nothing left that could wake it", file!())
    );
    drop(r);
    tame::run();
}

#[test]
fn a_future_woken_from_another_thread_by_its_last_waker_is_not_listed() {
    let r = Rendezvous::<()>::new();
    let (ev, done) = r.event_with_slot(());
    let (to_thread, waker_rx) = std::sync::mpsc::channel::<std::task::Waker>();
    let (woke_tx, woke) = std::sync::mpsc::channel::<()>();
    let waker_thread = std::thread::spawn(move || {
        // `wake` by value: the last clone goes with it.
        waker_rx.recv().unwrap().wake();
        woke_tx.send(()).unwrap();
    });
    let mut polls = 0;
    tame::spawn(
        std::future::poll_fn(move |cx| {
            polls += 1;
            if polls == 1 {
                to_thread.send(cx.waker().clone()).unwrap();
                return Poll::Pending;
            }
            Poll::Ready(())
        }),
        ev,
    );
    tame::run_once(Some(std::time::Duration::ZERO));
    woke.recv().unwrap();
    waker_thread.join().unwrap();
    // Woken and queued to be polled: not waiting.
    assert!(tame::blocked().is_empty(), "{:?}", tame::blocked());
    tame::run();
    assert!(done.take().is_some());
}
