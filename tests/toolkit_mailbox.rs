//! `sync::mailbox`: values posted from other threads (and other loops),
//! received on a loop by tasks and by async code, none lost to a cancelled
//! receive, the end told once every poster is gone.

#![deny(warnings)]

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use tame::sync::{mailbox, Mailbox, Poster};
use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Receives until the end, each value appended to `got`.
#[tamed]
fn drain<T: Send + 'static>(m: Mailbox<T>, got: Rc<RefCell<Vec<T>>>) {
    loop {
        let mut v = None;
        twait! { m.recv(mkevent!(v).map(Some)); }
        match v {
            Some(v) => got.borrow_mut().push(v),
            None => return,
        }
    }
}

/// One receive, the mailbox not mentioned after it.
#[tamed]
fn first(jobs: Mailbox<String>) -> Option<String> {
    let mut job = None;
    twait! { jobs.recv(mkevent!(job).map(Some)); }
    job
}

#[test]
fn a_mailbox_used_only_to_receive_in_a_twait_lives_through_the_wait() {
    let (poster, jobs) = mailbox();
    let r = Rendezvous::<()>::new();
    let (ev, got) = r.event_with_slot(());
    first(jobs, ev);
    tame::run_once(Some(Duration::ZERO)); // `first` waits
                                          // Its receive is listed where it was written, not inside tame.
    let files: Vec<&str> = tame::blocked().iter().map(|b| b.file()).collect();
    assert!(
        !files.is_empty() && files.iter().all(|f| f.ends_with("toolkit_mailbox.rs")),
        "{files:?}"
    );
    std::thread::spawn(move || poster.post("index.html".to_string()))
        .join()
        .unwrap()
        .unwrap();
    tame::run();
    assert_eq!(got.take(), Some(Some("index.html".to_string())));
}

/// A mailbox made in the function, its type not written, received from
/// once.
#[tamed]
fn ask_a_thread(go: std::sync::mpsc::Sender<Poster<u32>>) -> Option<u32> {
    let (poster, answers) = mailbox();
    go.send(poster).unwrap();
    let mut got = None;
    twait! { answers.recv(mkevent!(got).map(Some)); }
    got
}

#[test]
fn a_mailbox_made_in_a_tamed_function_lives_through_its_receive() {
    let (go, posters) = std::sync::mpsc::channel();
    let r = Rendezvous::<()>::new();
    let (ev, got) = r.event_with_slot(());
    ask_a_thread(go, ev);
    tame::run_once(Some(Duration::ZERO)); // it waits
    let poster: Poster<u32> = posters.recv().unwrap();
    std::thread::spawn(move || poster.post(42))
        .join()
        .unwrap()
        .unwrap();
    tame::run();
    assert_eq!(got.take(), Some(Some(42)));
}

#[test]
fn values_posted_from_several_threads_all_arrive_in_each_posters_order_then_the_end() {
    const THREADS: usize = 4;
    const EACH: usize = 20_000;
    let (poster, m) = mailbox::<(usize, usize)>();
    let threads: Vec<_> = (0..THREADS)
        .map(|k| {
            let p = poster.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    p.post((k, i)).unwrap();
                }
            })
        })
        .collect();
    drop(poster);
    let got = Rc::new(RefCell::new(Vec::new()));
    drain(m, got.clone());
    tame::run(); // returns once every poster is gone and all is taken
    for t in threads {
        t.join().unwrap();
    }
    let got = got.borrow();
    assert_eq!(got.len(), THREADS * EACH);
    let mut next = [0; THREADS];
    for &(k, i) in got.iter() {
        assert_eq!(i, next[k], "poster {k}'s values out of order");
        next[k] += 1;
    }
}

#[test]
fn a_receive_given_up_by_a_timeout_takes_nothing_and_the_next_gets_the_value() {
    tame::time::pause();
    let (poster, m) = mailbox::<&'static str>();
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot::<&'static str>("got");
    m.recv(tame::with_timeout(Duration::from_secs(5), ev));
    tame::run(); // the paused clock jumps to the timeout
    assert_eq!((r.try_next(), slot.take()), (Some("got"), None));

    poster.post("kept").unwrap();
    assert_eq!(m.len(), 1, "the cancelled receive took the value");
    let (ev, slot) = r.event_with_slot::<&'static str>("again");
    m.recv(ev);
    tame::run();
    assert_eq!((r.try_next(), slot.take()), (Some("again"), Some("kept")));
}

#[test]
fn a_receive_whose_rendezvous_is_dropped_while_it_waits_leaves_the_value_posted_later() {
    let (poster, m) = mailbox::<u32>();
    let r = Rendezvous::<()>::new();
    m.recv(r.event(()).map(|_: u32| ()));
    tame::run_once(Some(Duration::ZERO)); // the receive waits
    drop(r);
    tame::run_once(Some(Duration::ZERO)); // the loop learns of the death
    poster.post(9).unwrap();
    assert_eq!(m.try_recv(), Some(9));
}

#[test]
fn a_value_posted_after_the_receive_is_cancelled_but_before_the_loop_turns_is_kept() {
    let (poster, m) = mailbox::<u32>();
    let r = Rendezvous::<()>::new();
    m.recv(r.event(()).map(|_: u32| ()));
    tame::run_once(Some(Duration::ZERO)); // the receive waits
    drop(r);
    // Wakes the receive, which is doomed; from a thread, as from here.
    std::thread::scope(|s| {
        s.spawn(|| poster.post(9).unwrap());
    });
    tame::run_once(Some(Duration::ZERO));
    assert_eq!(m.try_recv(), Some(9));
    let r = Rendezvous::<()>::new();
    m.recv(r.event(()).map(|_: u32| ()));
    tame::run_once(Some(Duration::ZERO));
    drop(r);
    poster.post(9).unwrap();
    tame::run_once(Some(Duration::ZERO));
    assert_eq!(m.try_recv(), Some(9));
}

#[test]
fn several_receivers_waiting_each_get_one_value() {
    let (poster, m) = mailbox::<u32>();
    let m = Rc::new(m);
    let r = Rendezvous::<u32>::new();
    let slots: Vec<_> = (0..3)
        .map(|k| {
            let (ev, slot) = r.event_with_slot::<u32>(k);
            m.recv(ev);
            slot
        })
        .collect();
    tame::run_once(Some(Duration::ZERO));
    let p = poster.clone();
    std::thread::spawn(move || {
        p.post(10).unwrap();
        p.post(20).unwrap();
    })
    .join()
    .unwrap();
    // Turns until two receives are served (the third waits on: a poster lives).
    let mut values = Vec::new();
    while values.len() < 2 {
        tame::run_once(Some(Duration::from_secs(60)));
        values.extend(slots.iter().filter_map(|s| s.take()));
    }
    // Two of the three got a value each; the third still waits.
    values.sort_unstable();
    assert_eq!(values, [10, 20]);
    drop(poster); // the third learns of the end: its event is dropped
    tame::run();
    let mut ids = vec![
        r.try_next().unwrap(),
        r.try_next().unwrap(),
        r.try_next().unwrap(),
    ];
    ids.sort_unstable();
    assert_eq!(ids, [0, 1, 2]);
    assert!(slots.iter().all(|s| s.take().is_none()));
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_dropped_mailbox_drops_what_is_queued_and_gives_later_posts_back() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (poster, m) = mailbox::<Counted>();
    poster.post(Counted(drops.clone())).unwrap();
    poster.post(Counted(drops.clone())).unwrap();
    assert!(!poster.is_closed());
    drop(m);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    assert!(poster.is_closed());
    let back = poster
        .post(Counted(drops.clone()))
        .unwrap_err()
        .into_inner();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "the refused value was dropped"
    );
    drop(back);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn a_receive_waiting_beside_try_recv_gets_the_values_in_order() {
    let (poster, m) = mailbox::<u32>();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot::<u32>(());
    m.recv(ev);
    tame::run_once(Some(Duration::ZERO)); // the receive waits
    for v in 1..=3 {
        poster.post(v).unwrap();
    }
    assert_eq!(m.try_recv(), Some(1)); // before the receive runs
    assert_eq!((m.len(), m.is_empty()), (2, false));
    // The posts woke the receive already: a turn or two serves it.
    let mut got = None;
    for _ in 0..20 {
        tame::run_once(Some(Duration::from_secs(1)));
        got = slot.take();
        if got.is_some() {
            break;
        }
    }
    assert_eq!(got, Some(2), "the waiting receive was not served");
    assert_eq!(m.try_recv(), Some(3));
    drop(poster);
    assert!(m.is_ended());
}

#[test]
fn a_readable_wait_left_for_another_event_takes_nothing() {
    let (poster, m) = mailbox::<u32>();
    let r = Rendezvous::<&str>::new();
    m.readable(r.event("job"));
    tame::run_once(Some(Duration::ZERO)); // it waits
    tame::asap(r.event("stop"));
    std::thread::spawn(move || poster.post(1).unwrap())
        .join()
        .unwrap();
    tame::run(); // the stop and the readable wait both come back
    assert_eq!(m.len(), 1, "the wait took the value");
    drop(r);
    assert_eq!(m.try_recv(), Some(1));
    assert!(m.is_ended());
}

#[test]
fn a_readable_wait_ends_with_the_mailbox_and_comes_at_once_for_a_queued_value() {
    let (poster, m) = mailbox::<u32>();
    poster.post(5).unwrap();
    let r = Rendezvous::<&str>::new();
    m.readable(r.event("queued"));
    assert_eq!(r.try_next(), Some("queued"));
    assert_eq!(m.try_recv(), Some(5));
    m.readable(r.event("end"));
    tame::run_once(Some(Duration::ZERO)); // it waits
    drop(poster);
    tame::run();
    assert_eq!(
        r.try_next(),
        Some("end"),
        "the dropped event's id comes back"
    );
    assert!(m.is_ended());
}

#[test]
fn a_closed_mailbox_still_gives_what_was_queued_then_ends() {
    let (poster, m) = mailbox::<u32>();
    poster.post(1).unwrap();
    poster.post(2).unwrap();
    m.close();
    assert_eq!(poster.post(3).unwrap_err().into_inner(), 3);
    assert!(!m.is_ended());
    let got = Rc::new(RefCell::new(Vec::new()));
    drain(m, got.clone());
    tame::run(); // ends although `poster` lives
    assert_eq!(*got.borrow(), [1, 2]);
}

/// A receive that logs what it got (`None`: the end).
#[tamed]
fn receive_once(m: Rc<Mailbox<u32>>, got: Rc<RefCell<Vec<Option<u32>>>>) {
    let mut v = None;
    twait! { m.recv(mkevent!(v).map(Some)); }
    got.borrow_mut().push(v);
}

/// Several receives waiting when the mailbox is closed with a value
/// queued: the one a post woke takes it, and every other learns of the end
/// once it is taken, although a poster lives (a post wakes one receive;
/// the close must wake the rest).
#[test]
fn a_close_with_values_queued_ends_every_receive_waiting_once_they_are_taken() {
    for take_it_here in [false, true] {
        on_fresh_loop(move || {
            let (poster, m) = mailbox::<u32>();
            let m = Rc::new(m);
            let got = Rc::new(RefCell::new(Vec::new()));
            for _ in 0..3 {
                receive_once(m.clone(), got.clone());
            }
            tame::run_once(Some(Duration::ZERO)); // all three wait
            poster.post(1).unwrap();
            m.close();
            if take_it_here {
                assert_eq!(m.try_recv(), Some(1));
            }
            tame::run(); // returns: every receive ended
            let mut got = got.borrow().clone();
            got.sort();
            let want = if take_it_here {
                [None, None, None]
            } else {
                [None, None, Some(1)]
            };
            assert_eq!(got, want, "taken here: {take_it_here}");
            drop(poster);
        });
    }
}

/// The mailbox's own `Stream` polled once and then left (`now_or_never`,
/// a select whose other branch won): a post still wakes a receive waiting
/// beside it, which takes the value.
#[test]
fn a_stream_poll_left_pending_takes_no_post_from_a_waiting_receive() {
    on_fresh_loop(|| {
        let (poster, mut m) = mailbox::<u32>();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(Pin::new(&mut m).poll_next(&mut cx).is_pending());
        let m = Rc::new(m);
        let got = Rc::new(RefCell::new(Vec::new()));
        receive_once(m.clone(), got.clone());
        tame::run_once(Some(Duration::ZERO));
        let p = poster.clone();
        std::thread::spawn(move || p.post(1).unwrap())
            .join()
            .unwrap();
        tame::run(); // returns once the receive has the value
        assert_eq!(*got.borrow(), [Some(1)]);
        assert_eq!(m.len(), 0);
        drop(poster);
    });
}

#[test]
fn a_mailbox_is_a_stream_for_async_code() {
    let (poster, mut m) = mailbox::<u32>();
    let t = std::thread::spawn(move || {
        for n in 1..=100 {
            poster.post(n).unwrap();
        }
    });
    let r = Rendezvous::<()>::new();
    let (ev, sum) = r.event_with_slot::<u32>(());
    tame::spawn(
        async move {
            let mut sum = 0;
            while let Some(n) = std::future::poll_fn(|cx| Pin::new(&mut m).poll_next(cx)).await {
                sum += n;
            }
            sum
        },
        ev,
    );
    tame::run();
    t.join().unwrap();
    assert_eq!(sum.take(), Some(5050));
}

/// A worker loop: answers each job (a number and where to post the answer)
/// with its square, until the jobs end.
#[tamed]
fn squares(jobs: Mailbox<(u64, Poster<u64>)>) {
    loop {
        let mut job = None;
        twait! { jobs.recv(mkevent!(job).map(Some)); }
        let Some((n, reply)) = job else { return };
        // The asker may be gone; nothing to do then.
        let _ = reply.post(n * n);
    }
}

/// Asks the workers round robin, then sums the answers.
#[tamed]
fn ask(workers: Vec<Poster<(u64, Poster<u64>)>>, n: u64) -> u64 {
    let (reply, answers) = mailbox();
    for i in 0..n {
        let w = &workers[(i as usize) % workers.len()];
        w.post((i, reply.clone())).unwrap();
    }
    drop(reply);
    drop(workers); // the workers' loops end once their jobs are done
    let mut sum = 0;
    loop {
        let mut a = None;
        twait! { answers.recv(mkevent!(a).map(Some)); }
        match a {
            Some(a) => sum += a,
            None => return sum,
        }
    }
}

#[test]
fn loops_on_threads_hand_work_to_each_other_through_mailboxes() {
    let mut workers = Vec::new();
    let mut threads = Vec::new();
    for _ in 0..3 {
        let (p, m) = mailbox();
        workers.push(p);
        threads.push(std::thread::spawn(move || {
            squares(m);
            tame::run();
        }));
    }
    let n = 3_000;
    let sum = tame::run_with(|done| ask(workers, n, done));
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sum, Some((0..n).map(|i| i * i).sum()));
}
