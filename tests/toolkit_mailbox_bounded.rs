//! `sync::bounded_mailbox`: a thread's post waits for room, a task's
//! `post_when_room` waits on the loop without blocking it, and neither
//! loses a value or a wake: a receive (by task, `try_recv` or stream)
//! makes room, a close or a drop ends every wait with the value given back.

#![deny(warnings)]

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_core::Stream;
use tame::sync::{bounded_mailbox, Closed, Mailbox, Poster, TryPostError};
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Receives until the end; checks at each value that the mailbox never
/// held more than its capacity.
#[tamed]
fn drain(m: Mailbox<u32>) -> Vec<u32> {
    let mut got = Vec::new();
    loop {
        assert!(m.len() <= m.capacity().unwrap());
        let mut v = None;
        twait! { m.recv(mkevent!(v).map(Some)); }
        match v {
            Some(v) => got.push(v),
            None => return got,
        }
    }
}

#[test]
fn threads_posting_to_a_full_mailbox_wait_and_every_value_arrives_in_order() {
    on_fresh_loop(|| {
        let (poster, m) = bounded_mailbox(2);
        let threads: Vec<_> = (0..3)
            .map(|t| {
                let poster = poster.clone();
                std::thread::spawn(move || {
                    for n in 0..500 {
                        poster.post(t * 1000 + n).unwrap();
                    }
                })
            })
            .collect();
        drop(poster);
        let got = tame::run_with(|done| drain(m, done)).unwrap();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(got.len(), 1500);
        for t in 0..3 {
            let mine: Vec<u32> = got.iter().copied().filter(|v| v / 1000 == t).collect();
            assert_eq!(mine, (0..500).map(|n| t * 1000 + n).collect::<Vec<_>>());
        }
    });
}

#[test]
fn a_thread_waiting_for_room_gets_its_value_back_when_the_mailbox_is_closed() {
    on_fresh_loop(|| {
        let (poster, m) = bounded_mailbox::<u32>(2);
        let thread = std::thread::spawn(move || {
            poster.post(1).unwrap();
            poster.post(2).unwrap();
            poster.post(3) // full: waits until the close
        });
        while m.len() < 2 {
            std::thread::yield_now();
        }
        m.close();
        assert_eq!(thread.join().unwrap(), Err(Closed(3)));
        assert_eq!(
            (m.try_recv(), m.try_recv(), m.try_recv()),
            (Some(1), Some(2), None)
        );
    });
}

#[test]
fn a_thread_waiting_for_room_gets_its_value_back_when_the_mailbox_is_dropped() {
    on_fresh_loop(|| {
        let (poster, m) = bounded_mailbox::<String>(1);
        let thread = std::thread::spawn(move || {
            poster.post("queued".to_string()).unwrap();
            poster.post("refused".to_string())
        });
        while m.is_empty() {
            std::thread::yield_now();
        }
        drop(m);
        let back = thread.join().unwrap().unwrap_err().into_inner();
        assert_eq!(back, "refused");
    });
}

#[test]
fn a_stream_receive_makes_room_for_a_thread_waiting() {
    on_fresh_loop(|| {
        let (poster, mut m) = bounded_mailbox::<u32>(1);
        let thread = std::thread::spawn(move || {
            for n in 0..200 {
                poster.post(n).unwrap();
            }
        });
        let mut cx = Context::from_waker(Waker::noop());
        let mut got = Vec::new();
        loop {
            match Pin::new(&mut m).poll_next(&mut cx) {
                Poll::Ready(Some(n)) => got.push(n),
                Poll::Ready(None) => break,
                Poll::Pending => std::thread::yield_now(),
            }
        }
        thread.join().unwrap();
        assert_eq!(got, (0..200).collect::<Vec<_>>());
    });
}

#[test]
fn try_post_refuses_a_full_or_closed_mailbox_and_gives_the_value_back() {
    let (poster, m) = bounded_mailbox(2);
    assert_eq!(poster.try_post(1), Ok(()));
    assert_eq!(poster.try_post(2), Ok(()));
    let full = poster.try_post(3).unwrap_err();
    assert_eq!(full, TryPostError::Full(3));
    assert_eq!(full.to_string(), "posting to a full mailbox");
    assert_eq!(m.try_recv(), Some(1));
    assert_eq!(poster.try_post(3), Ok(()));
    m.close();
    let closed = poster.try_post(4).unwrap_err();
    assert_eq!(closed.to_string(), "posting to a closed mailbox");
    assert_eq!(closed.into_inner(), 4);
    let (poster, _m) = tame::sync::mailbox();
    for n in 0..10_000 {
        poster.try_post(n).unwrap(); // an unbounded one is never full
    }
}

#[test]
#[should_panic(expected = "a mailbox needs room for one value at least")]
fn a_mailbox_of_no_room_is_refused() {
    let _ = bounded_mailbox::<u32>(0);
}

/// Posts each of `values` once there is room, logging what it sent.
#[tamed]
fn produce(to: Poster<u32>, values: Vec<u32>, sent: Rc<RefCell<Vec<u32>>>) {
    for v in values {
        let mut res = Ok(());
        twait! { to.post_when_room(v, mkevent!(res)); }
        res.unwrap();
        sent.borrow_mut().push(v);
    }
}

#[test]
fn a_task_posting_to_a_full_mailbox_waits_on_the_loop_until_a_value_is_taken() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox(2);
        let sent = Rc::new(RefCell::new(Vec::new()));
        produce(to, vec![1, 2, 3, 4], sent.clone());
        tame::run_once(Some(Duration::ZERO));
        assert_eq!((sent.borrow().clone(), m.len()), (vec![1, 2], 2));
        tame::run_once(Some(Duration::ZERO));
        assert_eq!(*sent.borrow(), [1, 2], "posted to a full mailbox");

        assert_eq!(m.try_recv(), Some(1)); // room for one: the task's wait is woken
        tame::run_once(Some(Duration::ZERO));
        assert_eq!((sent.borrow().clone(), m.len()), (vec![1, 2, 3], 2));

        let mut rest = Vec::new();
        while let Some(v) = m.try_recv() {
            rest.push(v);
            tame::run_once(Some(Duration::ZERO));
        }
        assert_eq!(rest, [2, 3, 4]);
        tame::run();
        assert!(m.is_ended(), "the producer's poster is gone");
    });
}

#[test]
fn producer_and_consumer_tasks_on_one_loop_hand_over_every_value_in_order() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox(1);
        let sent = Rc::new(RefCell::new(Vec::new()));
        produce(to, (0..100).collect(), sent.clone());
        let got = tame::run_with(|done| drain(m, done)).unwrap();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        assert_eq!(*sent.borrow(), got);
    });
}

#[test]
fn a_task_waiting_for_room_gets_its_value_back_when_the_mailbox_is_closed_or_dropped() {
    on_fresh_loop(|| {
        for drop_it in [false, true] {
            let (to, m) = bounded_mailbox::<String>(1);
            to.try_post("queued".to_string()).unwrap();
            let r = Rendezvous::<()>::new();
            let (ev, slot) = r.event_with_slot(());
            to.post_when_room("waiting".to_string(), ev);
            tame::run_once(Some(Duration::ZERO));
            assert_eq!(slot.take(), None, "posted to a full mailbox");
            if drop_it {
                drop(m);
            } else {
                m.close();
            }
            tame::run();
            let back = slot.take().expect("the wait ended").unwrap_err();
            assert_eq!(back.into_inner(), "waiting");
        }
    });
}

/// Two waits for room behind a full mailbox of one (holding `0`): the
/// first's event is of `gone`, the second's value (`2`) is told in the
/// slot; both have been polled once.
#[allow(clippy::type_complexity)]
fn two_waits_for_room() -> (
    Poster<u32>,
    Mailbox<u32>,
    Rendezvous<()>,
    Rendezvous<()>,
    tame::task::Slot<Result<(), Closed<u32>>>,
) {
    let (to, m) = bounded_mailbox::<u32>(1);
    to.try_post(0).unwrap();
    let gone = Rendezvous::<()>::new();
    to.post_when_room(1, gone.event(()).map(|_: Result<(), Closed<u32>>| ()));
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    to.post_when_room(2, ev);
    tame::run_once(Some(Duration::ZERO)); // both wait
    (to, m, gone, r, slot)
}

#[test]
fn a_wait_for_room_whose_event_dies_drops_its_value_and_the_next_wait_gets_the_room() {
    on_fresh_loop(|| {
        let (_to, m, gone, _r, slot) = two_waits_for_room();
        drop(gone);
        tame::run_once(Some(Duration::ZERO)); // the first is cancelled
        assert_eq!(m.try_recv(), Some(0)); // room: the second is woken
        tame::run();
        assert_eq!(slot.take(), Some(Ok(())));
        assert_eq!((m.try_recv(), m.try_recv()), (Some(2), None));
    });
}

#[test]
fn a_wait_woken_for_room_then_cancelled_hands_the_room_to_the_next() {
    on_fresh_loop(|| {
        let (_to, m, gone, _r, slot) = two_waits_for_room();
        assert_eq!(m.try_recv(), Some(0)); // wakes the first
        drop(gone); // which is doomed before it runs
        tame::run();
        assert_eq!(slot.take(), Some(Ok(())), "the second waited for good");
        assert_eq!((m.try_recv(), m.try_recv()), (Some(2), None));
    });
}

#[test]
fn a_mailbox_does_not_end_while_a_post_waits_for_room_after_its_poster_is_gone() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox::<u32>(1);
        to.try_post(1).unwrap();
        to.post_when_room(2, Event::detached());
        drop(to); // the wait still posts
        let got = tame::run_with(|done| drain(m, done)).unwrap();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn a_post_whose_event_is_dead_posts_nothing() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox::<u32>(4);
        let r = Rendezvous::<()>::new();
        let ev = r.event(()).map(|_: Result<(), Closed<u32>>| ());
        drop(r);
        to.post_when_room(1, ev);
        tame::run();
        assert!(m.is_empty());
    });
}

#[test]
fn an_unbounded_mailbox_posts_when_room_at_once() {
    let (to, m) = tame::sync::mailbox::<u32>();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    to.post_when_room(5, ev);
    assert_eq!(slot.take(), Some(Ok(())));
    assert_eq!(m.try_recv(), Some(5));
    assert_eq!(m.capacity(), None);
}

/// Posts once, then takes the value back and tells whether the mailbox
/// ended: its poster, not mentioned after the post, lives to the end of
/// the function, as in a plain one.
#[tamed]
fn post_then_look(to: Poster<u32>, m: Rc<Mailbox<u32>>) -> bool {
    let mut res = Ok(());
    twait! { to.post_when_room(1, mkevent!(res)); }
    res.unwrap();
    twait! { tame::asap(mkevent!()); }
    m.try_recv();
    m.is_ended()
}

#[test]
fn a_poster_parameter_lives_to_the_end_of_a_tamed_function() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox(1);
        let ended = tame::run_with(|done| post_then_look(to, Rc::new(m), done));
        assert_eq!(ended, Some(false));
    });
}

#[tamed]
fn make_post_then_look() -> bool {
    let (to, m) = bounded_mailbox::<u32>(1);
    let mut res = Ok(());
    twait! { to.post_when_room(1, mkevent!(res)); }
    res.unwrap();
    twait! { tame::asap(mkevent!()); }
    m.try_recv();
    m.is_ended()
}

#[test]
fn a_poster_made_in_a_tamed_function_lives_to_its_end() {
    on_fresh_loop(|| {
        assert_eq!(tame::run_with(make_post_then_look), Some(false));
    });
}

fn step() {
    tame::run_once(Some(Duration::ZERO));
}

#[test]
fn waits_for_room_are_served_in_the_order_they_were_made() {
    on_fresh_loop(|| {
        // A wait made after one that is already waiting, while the room
        // is free for that one, does not take it.
        let (to, m) = bounded_mailbox::<u32>(1);
        to.try_post(0).unwrap();
        let r = Rendezvous::<u32>::new();
        to.post_when_room(1, r.event(1).map(|_: Result<(), Closed<u32>>| ()));
        step(); // 1 waits
        to.post_when_room(2, r.event(2).map(|_: Result<(), Closed<u32>>| ()));
        assert_eq!(m.try_recv(), Some(0)); // room: 1's turn
        step();
        let first = m.try_recv();
        step();
        assert_eq!((first, m.try_recv()), (Some(1), Some(2)));
    });
}

#[test]
fn a_wait_woken_for_room_another_post_took_keeps_its_place() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox::<u32>(1);
        to.try_post(0).unwrap();
        let r = Rendezvous::<u32>::new();
        to.post_when_room(1, r.event(1).map(|_: Result<(), Closed<u32>>| ()));
        to.post_when_room(2, r.event(2).map(|_: Result<(), Closed<u32>>| ()));
        step(); // both wait, 1 first
        assert_eq!(m.try_recv(), Some(0)); // wakes 1
        to.try_post(99).unwrap(); // a post that does not wait takes the room
        step(); // 1 finds it full and waits again, first still
        assert_eq!(m.try_recv(), Some(99));
        step();
        let first = m.try_recv();
        step();
        assert_eq!((first, m.try_recv()), (Some(1), Some(2)));
    });
}

/// Posts `v` with `post_when_room` and waits for it; `Ok` or the value
/// given back.
#[tamed]
fn post_one(to: Poster<u32>, v: u32) -> Result<(), Closed<u32>> {
    let mut sent = Ok(());
    twait! { to.post_when_room(v, mkevent!(sent)); }
    sent
}

#[test]
fn a_wait_of_a_loop_that_does_not_run_holds_up_only_its_own_room() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox::<u32>(2);
        to.try_post(0).unwrap();
        to.try_post(1).unwrap();
        // Another thread's loop enlists a wait while the mailbox is full,
        // then does not run until told.
        let (waiting, go) = (std::sync::mpsc::channel(), std::sync::mpsc::channel());
        let other = to.clone();
        let thread = std::thread::spawn(move || {
            // (Its second wait waits for its first, and holds no room.)
            other.post_when_room(100, Event::detached());
            other.post_when_room(101, Event::detached());
            waiting.0.send(()).unwrap();
            go.1.recv().unwrap();
            tame::run();
        });
        waiting.1.recv().unwrap();
        assert_eq!((m.try_recv(), m.try_recv()), (Some(0), Some(1)));
        // Room for two: one held by the other loop's first wait, one for
        // ours, which posts without waiting for that loop.
        let sent = tame::run_with(|done| post_one(to.clone(), 7, done));
        assert_eq!(sent, Some(Ok(())));
        assert_eq!(m.try_recv(), Some(7));
        go.0.send(()).unwrap();
        thread.join().unwrap();
        assert_eq!((m.try_recv(), m.try_recv()), (Some(100), Some(101)));
    });
}

#[test]
fn waits_of_one_loop_post_in_the_order_they_were_made_once_room_comes() {
    on_fresh_loop(|| {
        let (to, m) = bounded_mailbox::<u32>(2);
        to.try_post(0).unwrap();
        to.try_post(1).unwrap();
        let r = Rendezvous::<u32>::new();
        for v in [10, 11, 12] {
            to.post_when_room(v, r.event(v).map(|_: Result<(), Closed<u32>>| ()));
        }
        step(); // all three wait
                // Room for two: the first and second, in that order; the second
                // waits for the first to post (it is woken when it did).
        assert_eq!((m.try_recv(), m.try_recv()), (Some(0), Some(1)));
        step();
        assert_eq!((m.try_recv(), m.try_recv()), (Some(10), Some(11)));
        step();
        assert_eq!((m.try_recv(), m.try_recv()), (Some(12), None));
    });
}
