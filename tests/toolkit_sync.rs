//! The toolkit's waiting between tasks: `sync::Mutex`, `sync::Channel`,
//! `sync::Semaphore`, `all` and `with_timeout`, each way; and between
//! loops, `sync::Latch`.

#![deny(warnings)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use tame::sync::{Channel, CloseGuard, Guard, Mutex, Permit, Semaphore};
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

#[tamed]
fn hold(m: Mutex, shared: bool, name: &'static str, turns: u32, t: Trace) {
    let mut g: Option<Guard> = None;
    twait! {
        if shared {
            m.acquire_shared(mkevent!(g).map(Some));
        } else {
            m.acquire(mkevent!(g).map(Some));
        }
    }
    log(&t, format!("{name} in"));
    for _ in 0..turns {
        twait! { tame::asap(mkevent!()); }
    }
    log(&t, format!("{name} out"));
    drop(g);
}

#[test]
fn mutex_serves_waiters_in_order_and_lets_shared_holders_in_together() {
    let t = Trace::default();
    let m = Mutex::new();
    hold(m.clone(), false, "w1", 2, t.clone());
    hold(m.clone(), true, "r1", 2, t.clone());
    hold(m.clone(), true, "r2", 1, t.clone());
    hold(m.clone(), false, "w2", 1, t.clone());
    hold(m.clone(), true, "r3", 1, t.clone());
    tame::run();
    assert_eq!(
        *t.borrow(),
        [
            "w1 in", "w1 out", // exclusive first
            "r1 in", "r2 in", // the two shared waiters at the head, together
            "r2 out", "r1 out", //
            "w2 in", "w2 out", // r3 came after w2: it waits for it
            "r3 in", "r3 out",
        ]
    );
    assert!(!m.is_held());
}

#[tamed]
fn acquire_within(m: Mutex, ms: u64, name: &'static str, t: Trace) {
    let mut g: Option<Guard> = None;
    twait! { m.acquire(tame::with_timeout(Duration::from_millis(ms), mkevent!(g).map(Some))); }
    match g {
        Some(g) => {
            log(&t, format!("{name} got it"));
            drop(g);
        }
        None => log(&t, format!("{name} gave up")),
    }
}

#[test]
fn a_mutex_waiter_that_timed_out_is_skipped() {
    // A paused clock: a stall of the thread longer than 30 ms would make
    // both timers due in one turn, where the lock's grant wins, as
    // `with_timeout` says.
    tame::time::pause();
    let t = Trace::default();
    let m = Mutex::new();
    hold(m.clone(), false, "holder", 0, t.clone());
    // Held by nobody now; take it for 30 ms.
    let r = Rendezvous::<()>::new();
    let (ev, held) = r.event_with_slot::<Guard>(());
    m.acquire(ev);
    let held = held.take().expect("free lock is granted at once");
    acquire_within(m.clone(), 5, "impatient", t.clone());
    acquire_within(m.clone(), 1_000, "patient", t.clone());
    tame::timer(
        Duration::from_millis(30),
        tame::Event::from_fn(move |_| drop(held)),
    );
    tame::run();
    assert_eq!(
        *t.borrow(),
        [
            "holder in",
            "holder out",
            "impatient gave up",
            "patient got it"
        ]
    );
    assert_eq!(m.waiting(), 0);
}

/// A reader holding `m`, a writer queued behind it, and a reader queued
/// behind the writer.
struct ReaderWriterReader {
    reader1: Guard,
    w: Rendezvous<()>,
    writer: tame::task::Slot<Guard>,
    r: Rendezvous<&'static str>,
    reader2: tame::task::Slot<Guard>,
}

fn reader_writer_reader(m: &Mutex) -> ReaderWriterReader {
    let r = Rendezvous::<&str>::new();
    let (ev, reader1) = r.event_with_slot::<Guard>("R1");
    m.acquire_shared(ev);
    let reader1 = reader1.take().expect("free: granted at once");
    let w = Rendezvous::<()>::new();
    let (ev, writer) = w.event_with_slot::<Guard>(());
    m.acquire(ev); // behind the shared holder
    let (ev, reader2) = r.event_with_slot::<Guard>("R2");
    m.acquire_shared(ev); // behind the writer
    ReaderWriterReader {
        reader1,
        w,
        writer,
        r,
        reader2,
    }
}

#[test]
fn a_shared_waiter_behind_an_exclusive_one_that_gave_up_gets_in() {
    let m = Mutex::new();
    let ReaderWriterReader {
        reader1,
        w,
        writer,
        r,
        reader2,
    } = reader_writer_reader(&m);
    assert_eq!(m.waiting(), 2);
    drop(w); // the writer gives up
    tame::run();
    assert!(writer.take().is_none());
    let reader2 = reader2.take().expect("let in once the writer was gone");
    assert_eq!(m.waiting(), 0);
    drop((reader1, reader2));
    assert!(!m.is_held());
    // The lock still works, and goes with its handles.
    let (ev, again) = r.event_with_slot::<Guard>("again");
    m.acquire(ev);
    assert!(again.take().is_some());
    drop(m);
}

#[test]
fn a_writer_let_in_ahead_of_readers_keeps_them_out_however_its_rendezvous_ends() {
    let m = Mutex::new();
    let ReaderWriterReader {
        reader1,
        w,
        writer,
        r: _r,
        reader2,
    } = reader_writer_reader(&m);
    drop(reader1); // the writer's turn
    let writer = writer.take().expect("let in at the release");
    drop(w); // its rendezvous goes: the guard still holds the lock
    tame::run();
    assert!(reader2.take().is_none(), "still behind the writer's guard");
    assert_eq!(m.waiting(), 1);
    drop(writer);
    assert!(reader2.take().is_some());
}

#[test]
fn a_writer_that_timed_out_lets_the_readers_behind_it_in_while_others_read() {
    // A paused clock, as above: the 10 ms timeout's turn comes before the
    // 100 ms release's however slow the machine.
    tame::time::pause();
    let t = Trace::default();
    let m = Mutex::new();
    let r = Rendezvous::<()>::new();
    let (ev, first) = r.event_with_slot::<Guard>(());
    m.acquire_shared(ev);
    let first = first.take().expect("free: granted at once");
    acquire_within(m.clone(), 10, "writer", t.clone());
    hold(m.clone(), true, "reader", 0, t.clone());
    let tr = t.clone();
    tame::timer(
        Duration::from_millis(100),
        tame::Event::from_fn(move |_| {
            log(&tr, "first reader out".to_string());
            drop(first);
        }),
    );
    tame::run();
    assert_eq!(
        *t.borrow(),
        [
            "writer gave up",
            "reader in",
            "reader out",
            "first reader out"
        ]
    );
    assert_eq!(m.waiting(), 0);
}

#[tamed]
fn receive(ch: Channel<u32>, name: &'static str, t: Trace) {
    let mut v = 0;
    twait! { ch.recv(mkevent!(v)); }
    log(&t, format!("{name} {v}"));
}

#[test]
fn channel_matches_values_and_receivers_in_order() {
    let t = Trace::default();
    let ch = Channel::new();
    ch.send(1);
    receive(ch.clone(), "a", t.clone()); // takes the queued value at once
    receive(ch.clone(), "b", t.clone());
    receive(ch.clone(), "c", t.clone());
    ch.send(2);
    ch.send(3);
    ch.send(4); // nobody waits: queued
    tame::run();
    assert_eq!(*t.borrow(), ["a 1", "b 2", "c 3"]);
    assert_eq!(ch.len(), 1);
}

#[test]
fn closing_a_channel_ends_its_waiting_receivers_and_keeps_queued_values() {
    let t = Trace::default();
    let ch = Channel::new();
    receive(ch.clone(), "waiting", t.clone());
    ch.close();
    ch.send(9); // dropped: closed
    tame::run();
    assert_eq!(*t.borrow(), ["waiting 0"]);

    let ch = Channel::new();
    ch.send(5);
    ch.close();
    receive(ch.clone(), "late", t.clone());
    receive(ch.clone(), "later", t.clone());
    tame::run();
    assert_eq!(*t.borrow(), ["waiting 0", "late 5", "later 0"]);
}

/// A producer that gives up early: its close guard goes with it.
#[tamed]
fn produce_until_bad(values: Vec<Option<u32>>, out: Channel<u32>) -> Result<(), &'static str> {
    let _closes = out.close_guard();
    for v in values {
        out.send(v.ok_or("bad value")?);
        twait! { tame::asap(mkevent!()); }
    }
    Ok(())
}

#[test]
fn a_close_guard_ends_the_receivers_waits_however_its_producer_leaves() {
    let t = Trace::default();
    let ch = Channel::new();
    for name in ["a", "b", "c"] {
        receive(ch.clone(), name, t.clone());
    }
    let r = Rendezvous::<()>::new();
    let (done, result) = r.event_with_slot(());
    produce_until_bad(vec![Some(1), None, Some(3)], ch.clone(), done);
    drop(ch);
    // Without the guard, "b" and "c" would wait for good (each holds a
    // handle), and `run()` would return with them blocked.
    tame::run();
    assert_eq!(result.take(), Some(Err("bad value")));
    assert_eq!(*t.borrow(), ["a 1", "b 0", "c 0"]);
    assert!(tame::blocked().is_empty());
}

/// A producer of `n` values, one per turn, holding its share of the guard.
#[tamed]
fn produce_with_shared_guard(first: u32, n: u32, out: Channel<u32>, _closes: Rc<CloseGuard<u32>>) {
    for v in first..first + n {
        out.send(v);
        twait! { tame::asap(mkevent!()); }
    }
}

/// Receives until the channel closes.
#[tamed]
fn collect(input: Channel<u32>, got: Rc<RefCell<Vec<u32>>>) {
    loop {
        let mut v = None;
        twait! { input.recv(mkevent!(v).map(Some)); }
        let Some(v) = v else { break };
        got.borrow_mut().push(v);
    }
}

#[test]
fn producers_sharing_one_close_guard_close_the_channel_when_the_last_ends() {
    let ch = Channel::new();
    let got = Rc::new(RefCell::new(Vec::new()));
    collect(ch.clone(), got.clone());
    let guard = Rc::new(ch.close_guard());
    produce_with_shared_guard(10, 1, ch.clone(), guard.clone());
    produce_with_shared_guard(20, 3, ch.clone(), guard);
    tame::run();
    assert_eq!(*got.borrow(), [10, 20, 21, 22], "a value was lost");
    assert!(ch.is_closed());
    assert_eq!(
        ch.try_send(5),
        Err(tame::sync::Closed(5)),
        "closed: the value comes back"
    );
}

#[test]
fn a_queued_value_is_not_taken_by_a_receiver_that_is_already_gone() {
    let ch = Channel::<u32>::new();
    ch.send(7);
    // The receiver's rendezvous is a temporary: its event is dead at once.
    let (dead, _) = Rendezvous::<()>::new().event_with_slot(());
    ch.recv(dead);
    assert_eq!(ch.len(), 1, "the value waits for a live receiver");
    let r = Rendezvous::<()>::new();
    let (ev, got) = r.event_with_slot(());
    ch.recv(ev);
    assert_eq!(got.take(), Some(7));
}

#[test]
fn a_value_is_not_given_to_a_receiver_that_gave_up() {
    let ch = Channel::<u32>::new();
    let r = Rendezvous::<()>::new();
    let (ev, gone) = r.event_with_slot(());
    ch.recv(ev);
    r.cancel(); // that receiver is gone
    let r2 = Rendezvous::<()>::new();
    let (ev2, got) = r2.event_with_slot(());
    ch.recv(ev2);
    ch.send(7);
    assert_eq!(gone.take(), None);
    assert_eq!(got.take(), Some(7));
}

/// Waits for a value of `ch`, one call down from its caller.
#[tamed]
fn receive_for_caller(ch: Channel<u32>) -> u32 {
    let v: u32;
    twait! { ch.recv(mkevent!(v)); }
    v
}

#[tamed]
fn receive_through_a_callee(ch: Channel<u32>) -> u32 {
    let v: u32;
    twait! { receive_for_caller(ch, mkevent!(v)); }
    v
}

#[tamed]
fn receive_through_a_callee_with_a_deadline(ch: Channel<u32>) -> u32 {
    let mut v = 0;
    twait! { receive_for_caller(ch, tame::with_timeout(Duration::from_secs(3600), mkevent!(v))); }
    v
}

#[tamed]
fn receive_through_a_callee_on_a_rendezvous(ch: Channel<u32>) -> u32 {
    let r = Rendezvous::<()>::new();
    let mut v = 0;
    receive_for_caller(ch, mkevent!(r, (), v));
    twait!(r);
    v
}

/// A receiver whose caller was cancelled (its caller's event died) is
/// gone from that moment, though the loop cancels it only on its next
/// turn: a value sent meanwhile goes to a receiver that stays, not to it
/// (it was given to it, then dropped with it). The caller waits in a
/// `twait! {}` block (also with a `with_timeout` around the callee's
/// event), or in `twait!(r)` on a rendezvous of its own.
#[test]
fn a_value_is_not_given_to_a_receiver_whose_caller_was_cancelled() {
    for how in 0..3 {
        for by_cancel in [false, true] {
            let ch = Channel::<u32>::new();
            let r = Rendezvous::<()>::new();
            let (ev, _) = r.event_with_slot::<u32>(());
            let (ev, cancel) = tame::cancellable(ev);
            match how {
                0 => receive_through_a_callee(ch.clone(), ev),
                1 => receive_through_a_callee_with_a_deadline(ch.clone(), ev),
                _ => receive_through_a_callee_on_a_rendezvous(ch.clone(), ev),
            }
            let t = Trace::default();
            receive(ch.clone(), "stays", t.clone());
            if by_cancel {
                cancel.cancel();
            } else {
                drop(r);
            }
            ch.send(7);
            tame::run();
            let by = if by_cancel { "cancel" } else { "a drop" };
            assert_eq!(*t.borrow(), ["stays 7"], "caller {how}, by {by}");
            assert!(tame::blocked().is_empty());
        }
    }
}

#[tamed]
fn take_one_id(mailbox: Rc<Rendezvous<u8>>) -> Option<u8> {
    twait!(mailbox)
}

/// An event of a rendezvous shared beyond the function waiting on it
/// stays live when that function is cancelled (the rendezvous lives on):
/// given to a receiver function, that function is not cancelled with the
/// waiter; given straight to a channel's `recv`, the channel does not skip
/// it (it dropped it, and the next waiter saw no value while the channel
/// kept it). Either way a value sent in the same turn goes to it, and the
/// next function to wait there gets it.
#[test]
fn a_shared_rendezvous_serves_its_events_though_its_waiter_was_cancelled() {
    for through_a_function in [true, false] {
        let ch = Channel::<u32>::new();
        let mailbox = Rc::new(Rendezvous::<u8>::new());
        let (ev, got) = mailbox.event_with_slot::<u32>(1);
        if through_a_function {
            receive_for_caller(ch.clone(), ev);
        } else {
            ch.recv(ev);
        }
        let r = Rendezvous::<()>::new();
        let (ev, first_waiter) = r.event_with_slot::<Option<u8>>(());
        let (ev, cancel) = tame::cancellable(ev);
        take_one_id(mailbox.clone(), ev);
        tame::run_once(Some(Duration::ZERO));
        cancel.cancel();
        ch.send(7);
        tame::run();
        assert_eq!(first_waiter.take(), None, "the first waiter was cancelled");
        assert_eq!(
            ch.try_recv(),
            None,
            "through a function: {through_a_function}"
        );
        let next = tame::run_with(|done| take_one_id(mailbox.clone(), done));
        assert_eq!(next, Some(Some(1)));
        assert_eq!(got.take(), Some(7));
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Wake {
    Job,
    Stop,
}

/// A worker that takes jobs until told to stop, waiting for both on one
/// rendezvous (tokio's `select!` loop).
#[tamed]
fn take_until_stopped(jobs: Channel<u32>, stop: Channel<()>, t: Trace) {
    let r = Rendezvous::<Wake>::new();
    stop.readable(mkevent!(r, Wake::Stop));
    loop {
        jobs.readable(mkevent!(r, Wake::Job));
        match twait!(r) {
            Some(Wake::Job) => {
                if let Some(v) = jobs.try_recv() {
                    log(&t, format!("took {v}"));
                }
            }
            Some(Wake::Stop) | None => break,
        }
    }
    log(&t, "stopped");
}

#[test]
fn a_receiver_that_leaves_after_readable_loses_no_value() {
    let t = Trace::default();
    let (jobs, stop) = (Channel::new(), Channel::new());
    take_until_stopped(jobs.clone(), stop.clone(), t.clone());
    jobs.send(1);
    tame::run();
    // Both come back in the same turn; the stop is seen first.
    stop.send(());
    jobs.send(2);
    tame::run();
    assert_eq!(*t.borrow(), ["took 1", "stopped"]);
    assert_eq!(jobs.try_recv(), Some(2), "the value stays queued");
    assert_eq!(jobs.try_recv(), None);
}

#[test]
fn readable_wakes_every_waiter_and_a_recv_waiter_comes_first() {
    let ch = Channel::<u32>::new();
    let r = Rendezvous::<u8>::new();
    ch.readable(r.event(1));
    ch.readable(r.event(2));
    ch.send(5);
    assert_eq!((r.try_next(), r.try_next()), (Some(1), Some(2)));
    assert_eq!(ch.len(), 1, "readable takes nothing");
    // Queued already: a new readable waiter comes back at once.
    ch.readable(r.event(3));
    assert_eq!(r.try_next(), Some(3));
    assert_eq!(ch.try_recv(), Some(5));
    // A receiver waiting in recv gets the value; readable waiters stay.
    let (ev, got) = r.event_with_slot(4);
    ch.recv(ev);
    ch.readable(r.event(6));
    ch.send(8);
    assert_eq!((r.try_next(), got.take()), (Some(4), Some(8)));
    assert_eq!(r.try_next(), None);
    // Closing ends the readable waiters too.
    ch.close();
    assert_eq!(r.try_next(), Some(6));
}

/// Counts the live ones of the tokens it hands out.
#[derive(Default)]
struct Tokens(Rc<()>);

impl Tokens {
    fn token(&self) -> Rc<()> {
        self.0.clone()
    }

    fn alive(&self) -> usize {
        Rc::strong_count(&self.0) - 1
    }
}

#[test]
fn receivers_that_gave_up_on_an_idle_channel_are_not_kept() {
    // A worker polling an idle channel with a timeout leaves one dead
    // receiver a round; nothing is ever sent to skip them.
    let ch = Channel::<u32>::new();
    let tokens = Tokens::default();
    let live = Rendezvous::<()>::new();
    let (ev, _slot) = live.event_with_slot(());
    ch.recv(ev);
    for _ in 0..20_000 {
        let r = Rendezvous::<()>::new();
        let token = tokens.token();
        ch.recv(r.event(()).map(move |_: u32| drop(token)));
        drop(r);
        assert!(
            tokens.alive() <= 64,
            "{} dead receivers kept",
            tokens.alive()
        );
    }
}

#[test]
fn waiters_that_gave_up_behind_a_holder_are_not_kept() {
    let tokens = Tokens::default();
    let s = Semaphore::new(1);
    let _held = s.try_acquire();
    let m = Mutex::new();
    let r = Rendezvous::<()>::new();
    let (ev, _guard) = r.event_with_slot(());
    m.acquire(ev);
    // A live waiter at each head, which nothing serves.
    let (ev, _permit) = r.event_with_slot(());
    s.acquire(ev);
    let (ev, _waiting) = r.event_with_slot(());
    m.acquire(ev);
    for _ in 0..20_000 {
        let gone = Rendezvous::<()>::new();
        let token = tokens.token();
        s.acquire(gone.event(()).map(move |_: Permit| drop(token)));
        let token = tokens.token();
        m.acquire(gone.event(()).map(move |_: Guard| drop(token)));
        drop(gone);
        assert!(
            tokens.alive() <= 128,
            "{} dead waiters kept",
            tokens.alive()
        );
    }
    assert!(s.waiting() <= 64 && m.waiting() <= 64);
}

#[test]
fn all_reaches_every_event_or_drops_them_all() {
    let r = Rendezvous::<u8>::new();
    let (a, sa) = r.event_with_slot::<String>(1);
    let (b, sb) = r.event_with_slot::<String>(2);
    tame::all(vec![a, b]).trigger("hi".to_string());
    assert_eq!(
        (sa.take(), sb.take()),
        (Some("hi".into()), Some("hi".into()))
    );

    let (c, sc) = r.event_with_slot::<String>(3);
    let (d, sd) = r.event_with_slot::<String>(4);
    drop(tame::all(vec![c, d]));
    let back: Vec<u8> = std::iter::from_fn(|| r.try_next()).collect();
    assert_eq!(back, [1, 2, 3, 4]);
    assert_eq!((sc.take(), sd.take()), (None, None));
}

/// Works for 20 ms (on the loop's clock), then returns 7; logs whether it
/// got to its end.
#[tamed]
fn slow_seven(t: Trace) -> u32 {
    twait! { tame::timer(Duration::from_millis(20), mkevent!()); }
    log(&t, "finished".to_string());
    7
}

/// An `all` given as a tamed function's result event, or to `spawn`: one
/// listener going does not cancel the work (the loop hears of that death
/// and looks again: the other still listens); all going does. (The work
/// was cancelled at the first death, and the other listener got nothing.)
#[test]
fn all_as_a_result_event_cancels_the_work_only_when_every_listener_is_gone() {
    let t = Trace::default();
    let keep = Rendezvous::<&str>::new();
    let (b, got_b) = keep.event_with_slot::<u32>("b");
    let gone = Rendezvous::<&str>::new();
    let (a, _) = gone.event_with_slot::<u32>("a");
    slow_seven(t.clone(), tame::all(vec![a, b]));
    drop(gone);
    tame::run();
    assert_eq!(got_b.take(), Some(7));
    assert_eq!(*t.borrow(), ["finished"]);

    let (b, got_b) = keep.event_with_slot::<u32>("b");
    let gone = Rendezvous::<&str>::new();
    let (a, _) = gone.event_with_slot::<u32>("a");
    tame::spawn(async { 7u32 }, tame::all(vec![a, b]));
    drop(gone);
    tame::run();
    assert_eq!(got_b.take(), Some(7), "a spawned future's too");

    // Both gone: the work is cancelled.
    let t = Trace::default();
    let (one, two) = (Rendezvous::<()>::new(), Rendezvous::<()>::new());
    let (a, _) = one.event_with_slot::<u32>(());
    let (b, _) = two.event_with_slot::<u32>(());
    slow_seven(t.clone(), tame::all(vec![a, b]));
    drop(one);
    drop(two);
    tame::run();
    assert!(t.borrow().is_empty(), "cancelled before its end");
    assert!(tame::blocked().is_empty());
}

#[tamed]
fn wait_for_reply(after_ms: u64, limit_ms: u64) -> Option<u32> {
    let mut v = None;
    twait! {
        let reply = tame::with_timeout(Duration::from_millis(limit_ms), mkevent!(v));
        tame::timer(Duration::from_millis(after_ms), reply.map(|()| Some(42)));
    }
    v
}

#[test]
fn with_timeout_forwards_a_trigger_in_time_and_drops_the_event_after() {
    let out = Rc::new(RefCell::new(Vec::new()));
    for (after, limit) in [(1, 200), (200, 1)] {
        let out = out.clone();
        wait_for_reply(
            after,
            limit,
            tame::Event::from_fn(move |v: Option<Option<u32>>| out.borrow_mut().push(v)),
        );
    }
    tame::run();
    // The late one delivers its (unchanged) `None`.
    assert_eq!(*out.borrow(), [Some(Some(42)), Some(None)]);
}

#[tamed]
fn hold_permit(s: Semaphore, name: &'static str, turns: u32, t: Trace) {
    let permit: Permit;
    twait! { s.acquire(mkevent!(permit)); }
    log(&t, format!("{name} in"));
    for _ in 0..turns {
        twait! { tame::asap(mkevent!()); }
    }
    log(&t, format!("{name} out"));
    drop(permit);
}

/// Waits for a permit that may never come (the semaphore closed).
#[tamed]
fn queued_for_permit(s: Semaphore, name: &'static str, t: Trace) {
    let mut permit: Option<Permit> = None;
    twait! { s.acquire(mkevent!(permit).map(Some)); }
    let how = if permit.is_some() { "in" } else { "let go" };
    log(&t, format!("{name} {how}"));
}

#[test]
fn a_closed_semaphore_lets_its_waiters_go_and_takes_its_permits_back() {
    let t = Trace::default();
    let s = Semaphore::new(1);
    hold_permit(s.clone(), "a", 3, t.clone());
    queued_for_permit(s.clone(), "b", t.clone());
    queued_for_permit(s.clone(), "c", t.clone());
    assert_eq!(s.waiting(), 2);
    s.close();
    // Asked after the close: let go at once, inside the call (its twait
    // finds its event back already); the queued ones on the loop's turn.
    queued_for_permit(s.clone(), "d", t.clone());
    assert_eq!(*t.borrow(), ["a in", "d let go"]);
    tame::run();
    assert_eq!(
        *t.borrow(),
        ["a in", "d let go", "b let go", "c let go", "a out"]
    );
    // The holder's permit came back to the count, for nobody.
    assert_eq!((s.available(), s.waiting()), (1, 0));
    assert!(s.is_closed() && s.try_acquire().is_none());
}

#[test]
fn semaphore_lets_in_at_most_its_permits_in_the_order_they_asked() {
    let t = Trace::default();
    let s = Semaphore::new(2);
    for (name, turns) in [("a", 3), ("b", 1), ("c", 1), ("d", 1)] {
        hold_permit(s.clone(), name, turns, t.clone());
    }
    assert_eq!((s.available(), s.waiting()), (0, 2));
    tame::run();
    let trace = t.borrow();
    let entered: Vec<&str> = trace.iter().filter_map(|e| e.strip_suffix(" in")).collect();
    assert_eq!(entered, ["a", "b", "c", "d"], "{trace:?}");
    let (mut inside, mut most) = (0, 0);
    for e in trace.iter() {
        inside = if e.ends_with(" in") {
            inside + 1
        } else {
            inside - 1
        };
        most = most.max(inside);
    }
    assert_eq!(most, 2, "{trace:?}");
    assert_eq!((s.available(), s.waiting()), (2, 0));
}

#[test]
fn a_semaphore_waiter_that_gave_up_takes_no_permit_and_a_cancelled_holder_gives_its_back() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().expect("free");
    // A waiter that gives up (its rendezvous cancelled) before a permit is free.
    let gone = Rendezvous::<()>::new();
    let (ev, _) = gone.event_with_slot(());
    s.acquire(ev);
    gone.cancel();
    // A live waiter behind it gets the permit when it comes back.
    let r = Rendezvous::<()>::new();
    let (ev, next) = r.event_with_slot(());
    s.acquire(ev);
    drop(held);
    let next = next.take().expect("the live waiter got the permit");
    assert_eq!((s.available(), s.waiting()), (0, 0));
    drop(next);

    // A tamed holder cancelled while it holds the permit gives it back.
    let t = Trace::default();
    let r = Rendezvous::<()>::new();
    let (ev, cancel) = tame::cancellable(r.event(()));
    hold_then_finish(s.clone(), t.clone(), ev);
    assert_eq!(s.available(), 0);
    cancel.cancel();
    tame::run();
    assert_eq!(s.available(), 1);
    assert_eq!(*t.borrow(), ["holding"]);
}

#[tamed]
fn hold_then_finish(s: Semaphore, t: Trace, done: tame::Event) {
    let permit: Permit;
    twait! { s.acquire(mkevent!(permit)); }
    log(&t, "holding");
    twait! { tame::timer(Duration::from_secs(3600), mkevent!()); }
    log(&t, "finished"); // never: cancelled
    drop(permit);
    done.trigger(());
}

/// A loop that waits for `stop` and says which of its waits ended; it
/// sends on `waiting` once both waits are parked, before it runs.
fn loop_waiting_for(
    stop: tame::sync::Latch,
    waiting: std::sync::mpsc::Sender<()>,
) -> std::thread::JoinHandle<Vec<&'static str>> {
    std::thread::spawn(move || {
        let r = Rendezvous::<&'static str>::new();
        stop.wait(r.event("first wait")).unwrap();
        stop.wait(r.event("second wait")).unwrap();
        // Sent whatever the count: a panic here must not leave the main
        // thread waiting for this loop.
        let parked = tame::__live_waits();
        waiting.send(()).unwrap();
        // One wait on the latch's descriptor for both.
        assert_eq!(parked, 1);
        tame::run();
        std::iter::from_fn(|| r.try_next()).collect()
    })
}

#[test]
fn a_latch_set_on_one_thread_ends_the_waits_of_loops_on_others() {
    let stop = tame::sync::Latch::new().unwrap();
    let (waiting, parked) = std::sync::mpsc::channel();
    let loops: Vec<_> = (0..3)
        .map(|_| loop_waiting_for(stop.clone(), waiting.clone()))
        .collect();
    // Set only once every loop's waits are parked on the latch.
    for _ in 0..3 {
        parked.recv().unwrap();
    }
    stop.set();
    stop.set(); // again: nothing more
    for l in loops {
        let mut ended = l.join().unwrap();
        ended.sort();
        assert_eq!(ended, ["first wait", "second wait"]);
    }
    // A wait that starts after the set triggers at once.
    let r = Rendezvous::<&str>::new();
    stop.wait(r.event("late")).unwrap();
    assert_eq!(r.try_next(), Some("late"));
    assert_eq!(tame::__live_waits(), 0);
}

#[test]
fn a_latch_whose_handles_all_went_unset_ends_its_waits_untriggered() {
    let stop = tame::sync::Latch::new().unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    stop.wait(tame::Event::from_fn(move |v: Option<()>| {
        s.borrow_mut().push(v)
    }))
    .unwrap();
    assert_eq!(tame::__live_waits(), 1);
    drop(stop); // nobody can set it now
    tame::run(); // returns: the wait ended
    assert_eq!(*seen.borrow(), [None], "dropped untriggered, once");
    assert_eq!(tame::__live_waits(), 0);
}

#[test]
fn a_latch_wait_whose_rendezvous_is_gone_does_not_keep_run_going() {
    let stop = tame::sync::Latch::new().unwrap();
    let r = Rendezvous::<()>::new();
    stop.wait(r.event(())).unwrap();
    assert_eq!(tame::__live_waits(), 1);
    drop(r);
    tame::run(); // returns at once, the latch still unset and held
    assert_eq!(tame::__live_waits(), 0);
    assert!(!stop.is_set());
}

#[test]
#[should_panic(expected = "more than usize::MAX permits, free and held")]
fn permits_held_count_toward_the_most_a_semaphore_can_have() {
    let s = Semaphore::new(usize::MAX);
    let held = s.try_acquire().expect("one is free");
    // One free slot, but the held permit could then not come back.
    s.add_permits(1);
    drop(held);
}

/// The descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn a_loops_waits_on_one_latch_share_one_descriptor() {
    std::thread::spawn(|| {
        let stop = tame::sync::Latch::new().unwrap();
        let r = Rendezvous::<u32>::new();
        stop.wait(r.event(0)).unwrap();
        let before = open_fds();
        for i in 1..1000 {
            stop.wait(r.event(i)).unwrap();
        }
        // (Other tests of this binary open descriptors meanwhile: a few,
        // not the thousand a descriptor per wait would take.)
        let after = open_fds();
        assert!(
            after < before + 100,
            "a descriptor per wait: {before} -> {after}"
        );
        // Tasks that stop waiting (their rendezvous gone) are let go.
        let gone = Rendezvous::<u32>::new();
        for i in 0..1000 {
            stop.wait(gone.event(i)).unwrap();
        }
        drop(gone);
        let setter = stop.clone();
        tame::asap(tame::Event::from_fn(move |_: Option<()>| setter.set()));
        tame::run();
        let mut got: Vec<u32> = std::iter::from_fn(|| r.try_next()).collect();
        got.sort_unstable();
        assert_eq!(got, (0..1000).collect::<Vec<_>>());
    })
    .join()
    .unwrap();
}

#[test]
fn a_latch_wait_nobody_listens_to_any_more_does_not_keep_the_loop() {
    std::thread::spawn(|| {
        let stop = tame::sync::Latch::new().unwrap();
        let r = Rendezvous::<u32>::new();
        stop.wait(r.event(1)).unwrap();
        stop.wait(r.event(2)).unwrap();
        drop(r);
        tame::run(); // returns: nobody waits for the latch
        assert_eq!(tame::__live_waits(), 0);
    })
    .join()
    .unwrap();
}

/// Queues a waiter for `sem` whose event is dead at once (its rendezvous
/// dropped), its callback holding `keep` until the event goes.
fn dead_waiter<K: 'static>(sem: &Semaphore, keep: K) {
    let r = Rendezvous::<()>::new();
    let (ev, _slot) = r.event_with_slot::<Permit>(());
    sem.acquire(ev.map(move |p: Permit| {
        let _ = &keep;
        p
    }));
}

#[test]
fn a_permit_held_by_a_waiter_that_gave_up_goes_back_when_the_queue_drops_it() {
    let sem = Semaphore::new(1);
    let only = sem.try_acquire().unwrap();
    // The waiter that gave up holds the only permit in its callback.
    dead_waiter(&sem, only);
    // Enough waiters that gave up to make the queue sweep them out: the
    // permit goes back while the semaphore is at work (no "already
    // borrowed" panic), to a live waiter.
    for _ in 0..40 {
        dead_waiter(&sem, ());
    }
    let r = Rendezvous::<()>::new();
    let (ev, got) = r.event_with_slot::<Permit>(());
    sem.acquire(ev);
    assert!(
        got.take().is_some(),
        "the permit came back to the live waiter"
    );
    assert_eq!(sem.waiting(), 0);
}

/// Sends a value back to its channel when dropped (a pool's buffer).
struct Returns(Channel<u32>);

impl Drop for Returns {
    fn drop(&mut self) {
        self.0.send(7);
    }
}

#[test]
fn a_receiver_that_gave_up_is_dropped_outside_the_channel_s_own_work() {
    let ch = Channel::<u32>::new();
    {
        let r = Rendezvous::<()>::new();
        let (ev, _slot) = r.event_with_slot::<u32>(());
        let back = Returns(ch.clone());
        ch.recv(ev.map(move |v: u32| {
            let _ = &back;
            v
        }));
    }
    // The send finds the dead receiver first; dropping it sends 7 (no
    // "already borrowed" panic) before the 1 is queued, as if it had been
    // dropped when its receiver gave up.
    ch.send(1);
    assert_eq!(
        (ch.try_recv(), ch.try_recv(), ch.try_recv()),
        (Some(7), Some(1), None)
    );
}

#[test]
fn a_close_whose_receiver_panics_still_ends_the_readable_waits() {
    let ch = Channel::<u32>::new();
    let r = Rendezvous::<&str>::new();
    ch.recv(tame::Event::from_fn(|v: Option<u32>| {
        assert!(v.is_some(), "a receiver that cannot bear a close");
    }));
    ch.readable(r.event("reader"));
    let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ch.close()));
    assert!(closed.is_err());
    // The reader's event came back (dropped untriggered), not left queued.
    assert_eq!(r.try_next(), Some("reader"));
    assert_eq!(r.pending(), 0);
}

#[tamed]
fn take_one_job(jobs: Channel<u32>, name: &'static str, t: Trace, done: tame::Event<()>) {
    let job: u32;
    twait! { jobs.recv(mkevent!(job)); }
    log(&t, format!("{name} got {job}"));
    done.trigger(());
}

/// Cancels a worker (its `done`'s rendezvous goes), then sends at once, in
/// the same run of the supervisor: the loop has not cancelled the worker
/// yet, but it will, and the job goes to the next one.
#[tamed]
fn cancel_one_worker_then_send(jobs: Channel<u32>, t: Trace) {
    let fired = Rendezvous::<()>::new();
    take_one_job(jobs.clone(), "w1", t.clone(), fired.event(()));
    let kept = Rendezvous::<()>::new();
    take_one_job(jobs.clone(), "w2", t.clone(), mkevent!(kept, ()));
    drop(fired);
    jobs.send(7);
    twait!(kept);
}

#[test]
fn a_value_sent_right_after_its_receiver_was_cancelled_goes_to_the_next() {
    let t = Trace::default();
    let jobs = Channel::new();
    cancel_one_worker_then_send(jobs.clone(), t.clone());
    tame::run();
    assert_eq!(t.take(), ["w2 got 7"]);
    assert!(tame::blocked().is_empty());
}

/// A worker waiting on a rendezvous of its own (not a `twait!{}` block).
#[tamed]
fn take_one_job_by_id(jobs: Channel<u32>, t: Trace, done: tame::Event<()>) {
    let r = Rendezvous::<u8>::new();
    let mut job = 0;
    jobs.recv(mkevent!(r, 0, job));
    twait!(r);
    log(&t, format!("by id got {job}"));
    done.trigger(());
}

/// Three receivers, each about to be cancelled when the value is sent: a
/// tamed worker blocked on its own rendezvous, a spawned future awaiting
/// an `EventFuture`, and a spawned future awaiting its own rendezvous as a
/// stream. The value must stay in the channel for whoever comes next (as
/// with a `twait!{}` worker, above), not go down with the one that gave up.
#[test]
fn a_value_sent_right_after_any_kind_of_receiver_was_cancelled_stays() {
    use std::future::poll_fn;
    use std::pin::Pin;

    let t = Trace::default();
    type StartReceiver<'a> = &'a dyn Fn(&Channel<u32>, tame::Event<()>);
    let kinds: [StartReceiver; 3] = [
        &|jobs, done| take_one_job_by_id(jobs.clone(), t.clone(), done),
        &|jobs, done| {
            let (ev, fut) = tame::event_future::<u32>();
            jobs.recv(ev);
            tame::spawn(
                async move {
                    fut.await;
                },
                done,
            );
        },
        &|jobs, done| {
            let jobs = jobs.clone();
            tame::spawn(
                async move {
                    let mut r = Rendezvous::<u8>::new();
                    let (ev, _slot) = r.event_with_slot::<u32>(0);
                    jobs.recv(ev);
                    poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut r), cx)).await;
                },
                done,
            );
        },
    ];
    for (i, start) in kinds.iter().enumerate() {
        let jobs = Channel::new();
        let fired = Rendezvous::<()>::new();
        start(&jobs, fired.event(()));
        // It is waiting; then its caller gives up, and a job is sent before
        // the loop has cancelled it.
        tame::run_once(Some(Duration::ZERO));
        drop(fired);
        jobs.send(7);
        tame::run();
        assert_eq!(jobs.try_recv(), Some(7), "receiver kind {i}");
        assert!(tame::blocked().is_empty());
    }
    assert!(t.take().is_empty());
}

/// A waiter that gave up, whose event's drop asks the same semaphore again.
struct AcquireOnDrop(Semaphore, Rc<RefCell<Vec<Permit>>>);

impl Drop for AcquireOnDrop {
    fn drop(&mut self) {
        let held = self.1.clone();
        self.0
            .acquire(tame::Event::from_fn(move |p: Option<Permit>| {
                held.borrow_mut().extend(p);
            }));
    }
}

#[test]
fn try_acquire_counts_the_permits_a_dead_waiters_drop_took() {
    let s = Semaphore::new(0);
    let held: Rc<RefCell<Vec<Permit>>> = Rc::default();
    // The first waiter keeps its permit and tries for one more at once.
    let (s1, h1) = (s.clone(), held.clone());
    s.acquire(tame::Event::from_fn(move |p: Option<Permit>| {
        h1.borrow_mut().extend(p);
        let extra = s1.try_acquire();
        h1.borrow_mut().extend(extra);
    }));
    // The second gave up; its drop (while the first tries) takes the
    // other permit.
    let r = Rendezvous::<()>::new();
    let (d, _slot) = r.event_with_slot::<()>(());
    let again = AcquireOnDrop(s.clone(), held.clone());
    s.acquire(d.map(move |_p: Permit| {
        let _ = &again;
    }));
    drop(r);
    s.add_permits(2);
    assert_eq!(held.borrow().len(), 2, "two permits out of two");
    held.borrow_mut().clear();
    assert_eq!(s.available(), 2);
}

#[test]
fn a_semaphore_waiter_that_gave_up_drops_what_it_held_on_the_next_turn() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let r = Rendezvous::<()>::new();
    let (ev, _slot) = r.event_with_slot::<Permit>(());
    // The waiter's event holds the only permit ("swap mine for the next").
    s.acquire(ev.map(move |p: Permit| {
        drop(held);
        p
    }));
    assert_eq!((s.available(), s.waiting()), (0, 1));
    // The waiter gives up: nothing else comes to the semaphore.
    drop(r);
    tame::run();
    assert_eq!((s.available(), s.waiting()), (1, 0));
}

#[tamed]
fn lock_and_release(m: Mutex) -> bool {
    let g: Guard;
    twait! { m.acquire(mkevent!(g)); }
    drop(g);
    true
}

#[test]
fn a_hand_over_hand_waiter_that_gave_up_releases_the_lock_it_held() {
    let (a, b) = (Mutex::new(), Mutex::new());
    // B is held for good meanwhile.
    let rb = Rendezvous::<()>::new();
    let (ev, holds_b) = rb.event_with_slot::<Guard>(());
    b.acquire(ev);
    let _b_held = holds_b.take().expect("B is free");
    // Task 1 holds A and waits on B, handing A over when B comes.
    let r1 = Rendezvous::<()>::new();
    let (ev, holds_a) = r1.event_with_slot::<Guard>(());
    a.acquire(ev);
    let a_held = holds_a.take().expect("A is free");
    let (ev, _b_for_1) = r1.event_with_slot::<Guard>(());
    b.acquire(ev.map(move |gb: Guard| {
        drop(a_held);
        gb
    }));
    // Task 2 waits on A.
    let r2 = Rendezvous::<()>::new();
    let (ev, got_a) = r2.event_with_slot(());
    lock_and_release(a.clone(), ev);
    assert_eq!((a.waiting(), b.waiting()), (1, 1));
    // Task 1 gives up on B: A goes with its waiter, to task 2.
    drop(r1);
    tame::run();
    assert_eq!(got_a.take(), Some(true));
    assert_eq!((a.is_held(), a.waiting(), b.waiting()), (false, 0, 0));
}

/// Sets its flag when dropped.
struct DropFlag(Rc<std::cell::Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn a_receiver_that_gave_up_on_an_idle_channel_drops_what_it_held_on_the_next_turn() {
    let ch = Channel::<u32>::new();
    let dropped = Rc::new(std::cell::Cell::new(false));
    let flag = DropFlag(dropped.clone());
    let r = Rendezvous::<()>::new();
    let (ev, _slot) = r.event_with_slot::<u32>(());
    ch.recv(ev.map(move |v: u32| {
        let _ = &flag;
        v
    }));
    // A readable waiter too, holding its own flag.
    let read_dropped = Rc::new(std::cell::Cell::new(false));
    let read_flag = DropFlag(read_dropped.clone());
    ch.readable(r.event(()).map(move |()| {
        let _ = &read_flag;
    }));
    drop(r);
    assert!(!dropped.get() && !read_dropped.get());
    tame::run();
    assert!(dropped.get(), "the receiver's captures are dropped");
    assert!(
        read_dropped.get(),
        "the readable waiter's captures are dropped"
    );
    // Nothing of them is left: a value sent now stays for the next.
    ch.send(5);
    assert_eq!(ch.try_recv(), Some(5));
}

/// Which waiters' events were triggered (`true`) or dropped, in order.
type Seen = Rc<RefCell<Vec<(usize, bool)>>>;

/// Events that log whether they were triggered; the one at `panics`
/// panics when triggered.
fn logging_events(n: usize, panics: usize) -> (Vec<tame::Event>, Seen) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let evs = (0..n)
        .map(|i| {
            let s = seen.clone();
            tame::Event::from_fn(move |v: Option<()>| {
                s.borrow_mut().push((i, v.is_some()));
                if i == panics && v.is_some() {
                    panic!("waiter {i} panics");
                }
            })
        })
        .collect();
    (evs, seen)
}

#[test]
fn a_latch_waiter_whose_callback_panics_does_not_keep_the_others_from_hearing_it_was_set() {
    let latch = tame::sync::Latch::new().unwrap();
    let (evs, seen) = logging_events(3, 1);
    for ev in evs {
        latch.wait(ev).unwrap();
    }
    let l = latch.clone();
    std::thread::spawn(move || l.set()).join().unwrap();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(tame::run));
    assert!(run.is_err());
    // The waiter after the panicking one is triggered when the loop runs
    // again, not dropped as if nobody could set the latch.
    tame::run();
    assert_eq!(*seen.borrow(), [(0, true), (1, true), (2, true)]);
    assert_eq!(tame::__live_waits(), 0);
}

#[test]
fn an_event_of_all_whose_callback_panics_does_not_keep_the_others_from_the_value() {
    let r = Rendezvous::<u8>::new();
    let (a, sa) = r.event_with_slot::<u32>(1);
    let (c, sc) = r.event_with_slot::<u32>(3);
    let b = tame::Event::from_fn(|v: Option<u32>| {
        if v.is_some() {
            panic!("b panics");
        }
    });
    let fan = tame::all(vec![a, b, c]);
    let trigger = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fan.trigger(7)));
    assert!(trigger.is_err());
    assert_eq!(sa.take(), Some(7));
    tame::run();
    assert_eq!(sc.take(), Some(7), "triggered on the loop, not dropped");
    let back: Vec<u8> = std::iter::from_fn(|| r.try_next()).collect();
    assert_eq!(back, [1, 3]);
}

#[test]
fn a_readable_waiter_whose_callback_panics_does_not_keep_the_others_from_the_value() {
    let ch = Channel::<u32>::new();
    let (evs, seen) = logging_events(3, 1);
    for ev in evs {
        ch.readable(ev);
    }
    let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ch.send(5)));
    assert!(sent.is_err());
    assert_eq!(ch.len(), 1, "the value was queued");
    tame::run();
    // Told that a value is there, not that the channel closed empty.
    assert_eq!(*seen.borrow(), [(0, true), (1, true), (2, true)]);
    assert_eq!(ch.try_recv(), Some(5));
}

#[test]
fn a_semaphore_waiter_whose_callback_panics_does_not_keep_the_others_waiting_with_permits_free() {
    let s = Semaphore::new(0);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let held: Rc<RefCell<Vec<Permit>>> = Rc::default();
    for i in 0..3 {
        let (seen, held) = (seen.clone(), held.clone());
        s.acquire(tame::Event::from_fn(move |p: Option<Permit>| {
            seen.borrow_mut().push((i, p.is_some()));
            if let Some(p) = p {
                held.borrow_mut().push(p); // kept: it does not go back
                if i == 1 {
                    panic!("waiter {i} panics");
                }
            }
        }));
    }
    let added = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.add_permits(3)));
    assert!(added.is_err());
    tame::run();
    assert_eq!(*seen.borrow(), [(0, true), (1, true), (2, true)]);
    assert_eq!((s.available(), s.waiting()), (0, 0));
}

#[test]
fn a_shared_mutex_waiter_whose_callback_panics_does_not_keep_the_others_out() {
    let m = Mutex::new();
    let r = Rendezvous::<()>::new();
    let (ev, writer) = r.event_with_slot::<Guard>(());
    m.acquire(ev);
    let writer = writer.take().expect("free: the writer is in");
    let seen = Rc::new(RefCell::new(Vec::new()));
    let held: Rc<RefCell<Vec<Guard>>> = Rc::default();
    for i in 0..3 {
        let (seen, held) = (seen.clone(), held.clone());
        m.acquire_shared(tame::Event::from_fn(move |g: Option<Guard>| {
            seen.borrow_mut().push((i, g.is_some()));
            if let Some(g) = g {
                held.borrow_mut().push(g); // kept: it does not go back
                if i == 1 {
                    panic!("reader {i} panics");
                }
            }
        }));
    }
    let released = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(writer)));
    assert!(released.is_err());
    tame::run();
    assert_eq!(*seen.borrow(), [(0, true), (1, true), (2, true)]);
}

/// A permit dropped by the unwind of its holder's panic hands out from the
/// loop's queue: the next waiter's callback panicking too aborted the
/// process ("panic in a destructor during cleanup"), where it now comes out
/// of the run that reaches it, and the waiter after it gets the permit.
#[test]
fn a_permit_dropped_by_a_panic_hands_out_from_the_queue_and_a_second_panic_does_not_abort() {
    std::thread::spawn(|| {
        let s = Semaphore::new(0);
        s.acquire(tame::Event::from_fn(|_p: Option<Permit>| panic!("first")));
        s.acquire(tame::Event::from_fn(|_p: Option<Permit>| panic!("second")));
        let third = Rc::new(RefCell::new(None));
        let seen = third.clone();
        s.acquire(tame::Event::from_fn(move |p: Option<Permit>| {
            *seen.borrow_mut() = Some(p.is_some());
        }));
        let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.add_permits(1)));
        assert!(first.is_err());
        let second = std::panic::catch_unwind(tame::run);
        assert!(second.is_err());
        tame::run();
        assert_eq!(*third.borrow(), Some(true));
    })
    .join()
    .expect("no abort, no panic left");
}

/// At thread exit, a value sent by a callback of the teardown reaches a
/// first reader that panics: the reader after it is dropped (the loop is
/// gone), and its own panic on `None` prints and goes no further (it
/// aborted the process, out of a drop during the first one's unwind).
#[test]
fn a_reader_panicking_at_thread_exit_after_another_did_does_not_abort() {
    let joined = std::thread::spawn(|| {
        let ch: Channel<u32> = Channel::new();
        ch.readable(tame::Event::from_fn(|_: Option<()>| panic!("first reader")));
        ch.readable(tame::Event::from_fn(|x: Option<()>| {
            x.expect("the second reader's value");
        }));
        let c = ch.clone();
        tame::timer(
            Duration::from_secs(60),
            tame::Event::from_fn(move |_: Option<()>| {
                let _ = c.try_send(1);
            }),
        );
    })
    .join();
    assert!(joined.is_ok());
}

/// Events whose callbacks log their index and panic when they get `None`
/// (a receiver that cannot bear a close).
fn panicking_on_none<T: 'static>(n: usize) -> (Vec<tame::Event<T>>, Rc<RefCell<Vec<usize>>>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let evs = (0..n)
        .map(|i| {
            let s = seen.clone();
            tame::Event::from_fn(move |v: Option<T>| {
                s.borrow_mut().push(i);
                assert!(v.is_some(), "waiter {i} got no value");
            })
        })
        .collect();
    (evs, seen)
}

/// Two receivers that panic on their `None`: the close's panic comes out
/// of `close` once, and both were told (the second one's panic, in the
/// first one's unwind, aborted the process).
#[test]
fn a_close_whose_receivers_both_panic_tells_them_all_and_panics_once() {
    let ch = Channel::<u32>::new();
    let (evs, seen) = panicking_on_none(2);
    for ev in evs {
        ch.recv(ev);
    }
    let closed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ch.close()));
    assert!(closed.is_err());
    assert_eq!(*seen.borrow(), [0, 1]);
    assert!(ch.is_closed());
}

/// A producer's close guard dropped by its own panic: the receivers'
/// panics on their `None` go no further than their messages, and the
/// producer's panic is the one that comes out.
#[test]
fn a_close_guard_dropped_by_a_panic_tells_receivers_that_panic_too_without_aborting() {
    let ch = Channel::<u32>::new();
    let (evs, seen) = panicking_on_none(2);
    for ev in evs {
        ch.recv(ev);
    }
    let guard = ch.close_guard();
    let producer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _closes = guard;
        panic!("the producer gives up");
    }));
    let message = producer.expect_err("the producer's panic comes out");
    assert_eq!(
        message.downcast_ref::<&str>(),
        Some(&"the producer gives up")
    );
    assert_eq!(*seen.borrow(), [0, 1]);
}

/// The last handle of a semaphore dropped with two waiters that panic on
/// their `None`.
#[test]
fn a_semaphore_dropped_with_waiters_that_panic_tells_them_all_and_panics_once() {
    let s = Semaphore::new(0);
    let (evs, seen) = panicking_on_none::<Permit>(2);
    for ev in evs {
        s.acquire(ev);
    }
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(s)));
    assert!(dropped.is_err());
    assert_eq!(*seen.borrow(), [0, 1]);
}

/// An event of `tame::all` dropped untriggered, over two events that panic
/// on their `None`.
#[test]
fn an_event_of_all_dropped_tells_each_even_past_one_that_panics() {
    let (evs, seen) = panicking_on_none::<u8>(2);
    let fan = tame::all(evs);
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(fan)));
    assert!(dropped.is_err());
    assert_eq!(*seen.borrow(), [0, 1]);
}

/// A drain guard drops every queued value even when one value's drop
/// panics (an event whose callback panics on `None`): the panic goes on to
/// the guard's dropper, and nothing stays queued.
#[test]
fn a_drain_guard_drops_every_value_even_when_one_drop_panics() {
    {
        let ch: Channel<Event<u32>> = Channel::new();
        let dropped = Rc::new(std::cell::Cell::new(0));
        for i in 0..3 {
            let dropped = dropped.clone();
            ch.send(Event::from_fn(move |v: Option<u32>| {
                dropped.set(dropped.get() + 1);
                if i == 0 {
                    v.expect("a reply");
                }
            }));
        }
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            drop(ch.drain_guard());
        }));
        assert!(
            caught.is_err(),
            "the value's panic comes out of the guard's drop"
        );
        assert_eq!(dropped.get(), 3, "every value was dropped");
        assert_eq!(ch.len(), 0);
        assert!(ch.is_closed());
    }
}

/// Counts the drops of what a waiter's callback holds.
struct Held(Rc<std::cell::Cell<usize>>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Gives up the waits of `gone` one a turn, in the order given, and says
/// after each turn how many of the callbacks' values were dropped.
#[tamed]
fn give_up_one_a_turn(gone: Vec<Rendezvous<()>>, drops: Rc<std::cell::Cell<usize>>) -> Vec<usize> {
    let mut seen = Vec::new();
    for r in gone {
        drop(r);
        twait! { tame::asap(mkevent!()); }
        seen.push(drops.get());
    }
    seen
}

#[test]
fn semaphore_and_channel_waiters_giving_up_in_any_order_go_on_the_next_turn() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().expect("free");
    let ch = Channel::<u32>::new();
    let drops = Rc::new(std::cell::Cell::new(0));
    // Waiters of both kinds, interleaved: a channel's receivers and
    // readers are numbered together.
    let mut rs = Vec::new();
    for i in 0..300 {
        let r = Rendezvous::<()>::new();
        let keep = Held(drops.clone());
        match i % 3 {
            0 => {
                let (ev, _) = r.event_with_slot::<Permit>(());
                sem.acquire(ev.map(move |p: Permit| {
                    let _ = &keep;
                    p
                }));
            }
            1 => {
                let (ev, _) = r.event_with_slot::<u32>(());
                ch.recv(ev.map(move |v: u32| {
                    let _ = &keep;
                    v
                }));
            }
            _ => ch.readable(r.event(()).map(move |()| {
                let _ = &keep;
            })),
        }
        rs.push(Some(r));
    }
    // The last first, then every 7th: never the head until the end.
    let order: Vec<usize> = (0..300).map(|i| (299 + i * 7) % 300).collect();
    let gone: Vec<Rendezvous<()>> = order.iter().map(|&i| rs[i].take().unwrap()).collect();
    let r = Rendezvous::<()>::new();
    let (ev, seen) = r.event_with_slot::<Vec<usize>>(());
    give_up_one_a_turn(gone, drops.clone(), ev);
    tame::run();
    assert_eq!(seen.take().expect("done"), (1..=300).collect::<Vec<_>>());
    assert_eq!((sem.waiting(), ch.len()), (0, 0));
    // Nobody left to take the permit or a value.
    drop(held);
    ch.send(5);
    assert_eq!((sem.available(), ch.try_recv()), (1, Some(5)));
}

#[test]
fn a_mutex_debug_says_how_it_is_held() {
    let m = Mutex::new();
    assert_eq!(format!("{m:?}"), "Mutex { held: free, waiting: 0 }");
    let r = Rendezvous::<()>::new();
    let take = |shared: bool| {
        let (ev, slot) = r.event_with_slot::<Guard>(());
        if shared {
            m.acquire_shared(ev);
        } else {
            m.acquire(ev);
        }
        slot
    };
    let g = take(false).take().expect("a free mutex is granted at once");
    assert_eq!(format!("{m:?}"), "Mutex { held: exclusive, waiting: 0 }");
    drop(g);
    let a = take(true).take().expect("free");
    let b = take(true).take().expect("shared holders share");
    assert_eq!(format!("{m:?}"), "Mutex { held: shared by 2, waiting: 0 }");
    drop((a, b));
    tame::run();
}

/// A receiver that gave up (its rendezvous is gone) is dropped by the next
/// `send`, whose drop is user code: here a capture whose `Drop` panics.
/// The panic goes out of `send`, but the value reaches the live receiver
/// behind it: it was lost, and that receiver's wait ended with nothing on
/// an open channel.
#[test]
fn a_panic_dropping_a_receiver_that_gave_up_does_not_lose_the_value_sent() {
    let ch = Channel::<u32>::new();
    gave_up(&ch, || panic!("a capture's drop panics"));
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    ch.recv(Event::from_fn(move |v: Option<u32>| g.borrow_mut().push(v)));
    let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ch.send(42)));
    assert!(sent.is_err(), "the drop's panic goes out of send");
    assert_eq!(*got.borrow(), [Some(42)], "the live receiver got the value");
    assert!(ch.is_empty());
}

/// The same with no live receiver behind the one that gave up: the value
/// is queued for the next receiver before the drop that panics.
#[test]
fn a_panic_dropping_the_only_receiver_that_gave_up_leaves_the_value_queued() {
    let ch = Channel::<u32>::new();
    gave_up(&ch, || panic!("a capture's drop panics"));
    let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ch.send(42)));
    assert!(sent.is_err(), "the drop's panic goes out of send");
    assert_eq!(ch.try_recv(), Some(42), "the value is queued");
}

/// Runs a closure when dropped: what a receiver that gave up does when
/// the channel drops it.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// A receiver that gave up (its rendezvous is gone), whose drop runs `f`.
fn gave_up(ch: &Channel<u32>, f: impl FnMut() + 'static) {
    let r = Rendezvous::<()>::new();
    let (ev, _slot) = r.event_with_slot::<u32>(());
    let on_drop = OnDrop(f);
    ch.recv(ev.map(move |v: u32| {
        let _ = &on_drop;
        v
    }));
}

/// A receiver that logs what it gets.
fn logs(ch: &Channel<u32>, name: &'static str, t: &Trace) {
    let t = t.clone();
    ch.recv(Event::from_fn(move |v: Option<u32>| {
        log(&t, format!("{name} {v:?}"))
    }));
}

/// What the drop of a receiver that gave up does comes before the value
/// sent, as if it had been dropped when it gave up: a value it sends goes
/// to the receiver that waited longest, a receiver it queues gets the
/// value (it was left waiting with the value queued), a live receiver it
/// ends is skipped (the value was lost with it), and a close it makes
/// refuses the value (it was queued on the closed channel after the
/// readers heard "closed and empty").
#[test]
fn what_a_receiver_that_gave_up_does_when_dropped_comes_before_the_value_sent() {
    let t = Trace::default();
    let ch = Channel::<u32>::new();
    let c = ch.clone();
    gave_up(&ch, move || c.send(7));
    logs(&ch, "first", &t);
    logs(&ch, "second", &t);
    ch.send(1);
    assert_eq!(*t.borrow(), ["first Some(7)", "second Some(1)"]);

    let t = Trace::default();
    let ch = Channel::<u32>::new();
    let (c, t2) = (ch.clone(), t.clone());
    gave_up(&ch, move || logs(&c, "queued by the drop", &t2));
    ch.send(1);
    assert_eq!(*t.borrow(), ["queued by the drop Some(1)"]);
    assert!(ch.is_empty());

    let t = Trace::default();
    let ch = Channel::<u32>::new();
    let doomed = Rendezvous::<()>::new();
    let (ev, slot) = doomed.event_with_slot::<u32>(());
    let mut hold = Some(doomed);
    gave_up(&ch, move || drop(hold.take()));
    ch.recv(ev);
    logs(&ch, "behind it", &t);
    ch.send(1);
    assert_eq!(slot.take(), None);
    assert_eq!(*t.borrow(), ["behind it Some(1)"]);

    let ch = Channel::<u32>::new();
    let c = ch.clone();
    gave_up(&ch, move || c.close());
    assert_eq!(ch.try_send(1), Err(tame::sync::Closed(1)));
    assert!(ch.is_empty() && ch.is_closed());
}

/// A drop of a receiver that gave up closes the channel and panics, and
/// the value's own drop panics too: the first panic goes out of `send`
/// (the value was dropped while it unwound, which aborted the process).
#[test]
fn a_value_whose_drop_panics_refused_by_a_close_in_a_panicking_drop_does_not_abort() {
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("the value's drop panics");
        }
    }
    let ch = Channel::<PanicsOnDrop>::new();
    let c = ch.clone();
    let r = Rendezvous::<()>::new();
    let (ev, _slot) = r.event_with_slot::<PanicsOnDrop>(());
    let on_drop = OnDrop(move || {
        c.close();
        panic!("a receiver's drop closes and panics");
    });
    ch.recv(ev.map(move |v: PanicsOnDrop| {
        let _ = &on_drop;
        v
    }));
    drop(r);
    let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ch.send(PanicsOnDrop);
    }));
    let payload = sent.expect_err("the drop's panic goes out of send");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"a receiver's drop closes and panics")
    );
    assert!(ch.is_closed() && ch.is_empty());
}
