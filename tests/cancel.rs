//! Cancellation: an event that dies cancels the tamed function that would
//! deliver it. Its state is dropped as at a `return` (drops run, its
//! timers and fd waits released), the functions it started and still waits
//! for are cancelled with it, and `run()` returns at once. Every test runs
//! under the watchdog: a cancellation that does not happen shows as a hang
//! of an hour-long timer.

#![deny(warnings)]

use std::cell::RefCell;
use std::io::Read as _;
use std::rc::Rc;
use std::time::Duration;

use tame::net::TcpStream;
use tame::{mkevent, tamed, twait, Event, Rendezvous, Timeout};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

type Log = Rc<RefCell<Vec<String>>>;

/// Logs its drop.
struct Noisy(&'static str, Log);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("drop {}", self.0));
    }
}

const HOUR: Duration = Duration::from_secs(3600);

#[tamed]
fn sleeper(name: &'static str, log: Log, done: Event<&'static str>) {
    let _held = Noisy(name, log.clone());
    twait! { tame::timer(HOUR, mkevent!()); }
    log.borrow_mut().push(format!("{name} woke"));
    done.trigger(name);
}

#[test]
fn cancelling_the_rendezvous_of_a_call_cancels_it_and_releases_its_timer() {
    on_fresh_loop(|| {
        let log = Log::default();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot(());
        sleeper("a", log.clone(), ev);
        r.cancel();
        tame::run(); // returns at once: the hour-long timer went with it
        assert_eq!(*log.borrow(), ["drop a"]);
        assert_eq!(got.take(), None);
    });
}

#[tamed]
fn short_sleeper(name: &'static str, log: Log, done: Event<&'static str>) {
    twait! { tame::timer(Duration::from_millis(1), mkevent!()); }
    log.borrow_mut().push(format!("{name} woke"));
    done.trigger(name);
}

#[test]
fn events_that_reach_nobody_in_particular_are_live_and_cancel_nothing() {
    on_fresh_loop(|| {
        // A callback's event and a detached one stand for somebody who
        // listens: a function given one runs to its end.
        let ev = Event::<&'static str>::from_fn(|_| {});
        assert!(ev.is_live());
        let log = Log::default();
        short_sleeper("from_fn", log.clone(), ev);
        short_sleeper("detached", log.clone(), Event::detached());
        tame::run();
        assert_eq!(*log.borrow(), ["from_fn woke", "detached woke"]);
    });
}

#[tamed]
fn parent(log: Log, done: Event<()>) {
    let _held = Noisy("parent", log.clone());
    let (mut a, mut b) = ("", "");
    twait! {
        sleeper("child a", log.clone(), mkevent!(a));
        sleeper("child b", log.clone(), mkevent!(b));
    }
    log.borrow_mut().push(format!("parent saw {a} {b}"));
    done.trigger(());
}

#[test]
fn cancelling_a_function_cancels_the_functions_it_still_waits_for() {
    on_fresh_loop(|| {
        let log = Log::default();
        let (ev, cancel) = tame::cancellable(Event::from_fn(|_: Option<()>| {}));
        parent(log.clone(), ev);
        cancel.cancel();
        tame::run();
        let mut log = log.borrow().clone();
        // The parent goes first; its children after it.
        assert_eq!(log.remove(0), "drop parent");
        log.sort();
        assert_eq!(log, ["drop child a", "drop child b"]);
    });
}

#[tamed]
fn read_forever(conn: TcpStream, log: Log, done: Event<usize>) {
    let _held = Noisy("reader", log.clone());
    let mut got = (Vec::new(), Ok(0));
    twait! { conn.read(Vec::new(), mkevent!(got)); }
    done.trigger(got.1.unwrap_or(0));
}

#[tamed]
fn read_with_deadline(conn: TcpStream, log: Log) -> Result<usize, Timeout> {
    let mut n = Ok(0);
    twait! { read_forever(conn, log.clone(), tame::add_timeout(Duration::from_millis(5), mkevent!(n))); }
    n
}

#[test]
fn a_timeout_around_a_read_that_never_completes_cancels_the_read() {
    on_fresh_loop(|| {
        let log = Log::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let conn = TcpStream::from_std(listener.accept().unwrap().0).unwrap();
        let result = Rc::new(RefCell::new(None));
        let out = result.clone();
        read_with_deadline(
            conn,
            log.clone(),
            Event::from_fn(move |r: Option<Result<usize, Timeout>>| *out.borrow_mut() = r),
        );
        tame::run(); // the read is cancelled: nothing keeps run() going
        assert_eq!(*result.borrow(), Some(Err(Timeout)));
        assert_eq!(*log.borrow(), ["drop reader"]);
        // The socket was closed with the cancelled read.
        let mut buf = [0u8; 1];
        assert_eq!(peer.read(&mut buf).unwrap(), 0);
    });
}

#[tamed]
fn deliver_then_linger(log: Log, done: Event<u8>) {
    done.trigger(7);
    twait! { tame::timer(Duration::from_millis(5), mkevent!()); }
    log.borrow_mut().push("lingered".into());
}

#[test]
fn a_function_that_delivered_is_not_cancelled_when_its_caller_goes() {
    on_fresh_loop(|| {
        let log = Log::default();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot(());
        deliver_then_linger(log.clone(), ev);
        assert_eq!(got.take(), Some(7));
        drop(r);
        tame::run();
        assert_eq!(*log.borrow(), ["lingered"]);
    });
}

/// Hands its `started` on at once (to the loop), then works, and returns.
#[tamed]
fn announce_then_work(started: Event, n: u32) -> u32 {
    tame::asap(started);
    twait! { tame::timer(Duration::from_millis(5), mkevent!()); }
    n * 2
}

/// Holds its `started` across its wait.
#[tamed]
fn hold_then_work(started: Event, log: Log) -> u32 {
    twait! { tame::timer(HOUR, mkevent!()); }
    log.borrow_mut().push("held woke".into());
    started.trigger(());
    1
}

#[test]
fn an_event_parameter_handed_on_before_a_wait_cancels_nothing_when_it_dies() {
    on_fresh_loop(|| {
        // The caller does not care for the notice (its rendezvous goes),
        // but wants the value: the function, which no longer holds the
        // notice, runs on and delivers it, as a plain function would.
        let notices = Rendezvous::<()>::new();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot(());
        announce_then_work(notices.event(()), 21, ev);
        drop(notices);
        tame::run();
        assert_eq!(got.take(), Some(42));
    });
}

#[test]
fn an_event_parameter_held_at_a_wait_cancels_the_function_when_it_dies() {
    on_fresh_loop(|| {
        let log = Log::default();
        let notices = Rendezvous::<()>::new();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot(());
        hold_then_work(notices.event(()), log.clone(), ev);
        drop(notices);
        tame::run(); // returns at once: the hour-long wait went with it
        assert!(log.borrow().is_empty());
        assert_eq!(got.take(), None);
    });
}

#[tamed]
fn forgotten(log: Log) {
    let _held = Noisy("fire and forget", log.clone());
    twait! { tame::timer(Duration::from_millis(5), mkevent!()); }
}

#[test]
fn a_function_given_no_event_runs_to_its_end() {
    on_fresh_loop(|| {
        let log = Log::default();
        forgotten(log.clone());
        tame::run();
        assert_eq!(*log.borrow(), ["drop fire and forget"]);
    });
}

#[tamed]
fn value_later(log: Log) -> u32 {
    let _held = Noisy("valued", log.clone());
    twait! { tame::timer(HOUR, mkevent!()); }
    1
}

#[test]
fn a_function_returning_a_value_is_cancelled_when_its_done_event_dies() {
    on_fresh_loop(|| {
        let log = Log::default();
        let (ev, fut) = tame::event_future::<u32>();
        value_later(log.clone(), ev);
        drop(fut);
        tame::run();
        assert_eq!(*log.borrow(), ["drop valued"]);
    });
}

type Gate = Rc<RefCell<Option<Event>>>;

#[tamed]
fn holder(first: Noisy, second: Noisy, log: Log, gate: Gate, done: Event<()>) {
    let _a = Noisy("local a", log.clone());
    let _b = Noisy("local b", log.clone());
    twait! { *gate.borrow_mut() = Some(mkevent!()); }
    {
        let _c = Noisy("local c", log.clone());
        twait! { tame::timer(HOUR, mkevent!()); }
    }
    drop((first, second));
    done.trigger(());
}

#[test]
fn a_cancelled_function_drops_its_locals_in_reverse_order_then_its_parameters() {
    on_fresh_loop(|| {
        let log = Log::default();
        for waits in [1, 2] {
            let r = Rendezvous::<()>::new();
            let (p1, p2) = (Noisy("param 1", log.clone()), Noisy("param 2", log.clone()));
            let gate = Gate::default();
            holder(p1, p2, log.clone(), gate.clone(), r.event(()));
            if waits == 2 {
                // Past the first wait: into the inner block's.
                let ev = gate.borrow_mut().take().expect("waiting at the gate");
                ev.trigger(());
                tame::run_once(Some(Duration::ZERO));
            }
            r.cancel();
            tame::run();
            // As a plain function's return (or unwind) there would drop them.
            let mut want = vec![
                "drop local b",
                "drop local a",
                "drop param 2",
                "drop param 1",
            ];
            if waits == 2 {
                want.insert(0, "drop local c");
            }
            assert_eq!(*log.borrow(), want, "cancelled at wait {waits}");
            log.borrow_mut().clear();
        }
    });
}

// ---- a function cancelled in `twait!(r)` on a shared rendezvous

#[tamed]
fn take_one(mailbox: Rc<Rendezvous<u32>>) -> Option<u32> {
    twait!(mailbox)
}

/// Waits on a shared mailbox with a timeout that gives up first, then
/// again: the function cancelled in its `twait!(mailbox)` waits there no
/// more, so the second may (it was "two functions wait on one
/// Rendezvous"), and the cancelled one's task is freed.
#[tamed]
fn read_twice(mailbox: Rc<Rendezvous<u32>>) -> (Result<Option<u32>, Timeout>, Option<u32>) {
    let mut first: Result<Option<u32>, Timeout> = Err(Timeout);
    twait! {
        take_one(
            mailbox.clone(),
            tame::add_timeout(Duration::from_millis(5), mkevent!(first)),
        );
    }
    let mut second = None;
    twait! { take_one(mailbox.clone(), mkevent!(second)); }
    (first, second)
}

#[test]
fn a_function_cancelled_in_a_rendezvous_wait_leaves_it_to_the_next() {
    on_fresh_loop(|| {
        tame::time::pause();
        let mailbox = Rc::new(Rendezvous::<u32>::new());
        tame::timer(Duration::from_millis(20), mailbox.event(7));
        assert_eq!(
            tame::run_with(|d| read_twice(mailbox.clone(), d)),
            Some((Err(Timeout), Some(7)))
        );
        assert!(tame::blocked().is_empty());
    });
}

/// tame's `Event` under another name.
type Reply = Event<&'static str>;

#[tamed]
fn sleeper_replying(log: Log, reply: Reply) {
    let _held = Noisy("aliased", log.clone());
    twait! { tame::timer(HOUR, mkevent!()); }
    reply.trigger("woke");
}

#[test]
fn an_event_parameter_written_through_a_type_alias_is_watched() {
    on_fresh_loop(|| {
        let log = Log::default();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot(());
        sleeper_replying(log.clone(), ev);
        r.cancel();
        tame::run(); // returns at once: cancelled, its timer with it
        assert_eq!(*log.borrow(), ["drop aliased"]);
        assert_eq!(got.take(), None);
    });
}

mod calendar {
    /// A type of one's own named as tame's (a GUI's or a calendar's).
    pub struct Event {
        pub title: String,
    }
}

#[tamed]
fn schedule(entry: calendar::Event, log: Log) -> String {
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("scheduled".into());
    entry.title
}

#[test]
fn a_parameter_of_ones_own_type_named_event_is_an_ordinary_value() {
    on_fresh_loop(|| {
        let log = Log::default();
        let entry = calendar::Event {
            title: "standup".into(),
        };
        let got = tame::run_with(|d| schedule(entry, log.clone(), d));
        assert_eq!(got.as_deref(), Some("standup"));
        assert_eq!(*log.borrow(), ["scheduled"]);
    });
}

#[tamed]
fn permit_holder(sem: Rc<tame::sync::Semaphore>) -> u32 {
    let permit: tame::sync::Permit;
    twait! { sem.acquire(mkevent!(permit)); }
    twait! { tame::timer(HOUR, mkevent!()); }
    drop(permit);
    1
}

#[tamed]
fn race_then_take_the_permit(sem: Rc<tame::sync::Semaphore>) -> bool {
    let r = Rendezvous::<&'static str>::new();
    permit_holder(sem.clone(), r.event("holder").map(|_: u32| ()));
    tame::timer(Duration::from_millis(1), r.event("deadline"));
    let won = twait!(r);
    assert_eq!(won, Some("deadline"));
    drop(r); // the holder lost: its event is dead
    twait! { tame::asap(mkevent!()); }
    sem.try_acquire().is_some()
}

#[test]
fn the_loser_of_a_race_releases_what_it_holds_before_the_loop_runs_on() {
    on_fresh_loop(|| {
        let sem = Rc::new(tame::sync::Semaphore::new(1));
        assert_eq!(
            tame::run_with(|d| race_then_take_the_permit(sem.clone(), d)),
            Some(true)
        );
    });
}

/// Panics when dropped, once its owner is cancelled.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("a local's drop panics");
    }
}

#[tamed]
fn doomed_loser(done: Event<()>) {
    let _bomb = PanicsOnDrop;
    twait! { tame::timer(HOUR, mkevent!()); }
    done.trigger(());
}

#[test]
fn a_panic_cancelling_one_loser_leaves_the_others_cancelled() {
    on_fresh_loop(|| {
        // On virtual time: a loser left running would wake at once, and
        // say so, rather than hold the test for an hour.
        tame::time::pause();
        let log = Log::default();
        let r = Rendezvous::<()>::new();
        // Both lose at once; the first one's cancellation panics.
        doomed_loser(r.event(()));
        sleeper("other", log.clone(), r.event(()).map(|_: &'static str| ()));
        drop(r);
        assert!(std::panic::catch_unwind(tame::run).is_err());
        // The other is cancelled on the loop's next run, its hour-long
        // timer with it: it does not run to its end.
        tame::run();
        assert_eq!(*log.borrow(), ["drop other"]);
    });
}

/// Runs an hour unless cancelled; its `progress` event is a parameter it
/// watches as it watches its result event.
#[tamed]
fn reporting_sleeper(log: Log, progress: Event<u32>) -> u32 {
    let _held = Noisy("reporter", log.clone());
    twait! { tame::timer(HOUR, mkevent!()); }
    progress.trigger(1);
    2
}

/// A function watching a `tame::all` fan-out among its events is
/// cancelled when another of its events dies, as with no fan-out: the
/// fan-out's live listener kept it going (any death was taken for one of
/// the fan-out's listeners going), and the function ran its hour.
#[test]
fn a_fan_out_it_watches_does_not_keep_a_function_whose_result_event_died() {
    on_fresh_loop(|| {
        let log = Log::default();
        let keep = Rendezvous::<u8>::new();
        let (a, _) = keep.event_with_slot(1);
        let (b, _) = keep.event_with_slot(2);
        let gone = Rendezvous::<()>::new();
        let (done, _) = gone.event_with_slot(());
        reporting_sleeper(log.clone(), tame::all(vec![a, b]), done);
        drop(gone);
        tame::run();
        assert_eq!(*log.borrow(), ["drop reporter"]);
    });
}

/// Two fan-outs: every listener of one gone cancels the function though
/// the other's are there.
#[test]
fn a_fan_out_whose_listeners_are_all_gone_cancels_though_another_lives() {
    on_fresh_loop(|| {
        let log = Log::default();
        let progress = Rendezvous::<u8>::new();
        let (a, _) = progress.event_with_slot(1);
        let (b, _) = progress.event_with_slot(2);
        let keep = Rendezvous::<u8>::new();
        let (c, _) = keep.event_with_slot(3);
        let (d, _) = keep.event_with_slot(4);
        reporting_sleeper(log.clone(), tame::all(vec![a, b]), tame::all(vec![c, d]));
        drop(progress);
        tame::run();
        assert_eq!(*log.borrow(), ["drop reporter"]);
        // One listener of a fan-out going is not enough.
        let log = Log::default();
        let keep = Rendezvous::<u8>::new();
        let (a, _) = keep.event_with_slot(1);
        let one = Rendezvous::<u8>::new();
        let (b, _) = one.event_with_slot(2);
        let r = Rendezvous::<u8>::new();
        let (done, _) = r.event_with_slot(3);
        reporting_sleeper(log.clone(), tame::all(vec![a, b]), done);
        drop(one);
        tame::run_once(Some(Duration::ZERO));
        assert!(log.borrow().is_empty(), "{:?}", log.borrow());
        drop((keep, r));
        tame::run();
        assert_eq!(*log.borrow(), ["drop reporter"]);
    });
}

/// `cancellable` around a fan-out: `cancel()` dooms the function at once,
/// so a value sent before the loop's next turn goes to the next receiver,
/// not to the doomed function (with which it was lost).
#[test]
fn cancelling_a_cancellable_fan_out_dooms_its_function_at_once() {
    #[tamed]
    fn take_one(ch: tame::sync::Channel<u32>) -> u32 {
        let mut x = 0;
        twait! { ch.recv(mkevent!(x)); }
        x
    }
    on_fresh_loop(|| {
        let ch = tame::sync::Channel::<u32>::new();
        let r = Rendezvous::<u8>::new();
        let (a, _) = r.event_with_slot(1);
        let (b, _) = r.event_with_slot(2);
        let (done, cancel) = tame::cancellable(tame::all(vec![a, b]));
        take_one(ch.clone(), done);
        let keep = Rendezvous::<()>::new();
        let (second, got) = keep.event_with_slot::<u32>(());
        take_one(ch.clone(), second);
        cancel.cancel();
        ch.send(5);
        tame::run();
        assert_eq!(got.take(), Some(5));
        assert_eq!(ch.len(), 0);
    });
}

thread_local! {
    /// Where the functions below put an event of theirs: code of the
    /// user's, which does not watch it.
    static STASH: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
}

/// An event parameter the function held at a twait, then put in a
/// collection of its own: once it no longer holds it, its death says
/// nothing of whether the function's work is wanted, and the function
/// finishes. (It was cancelled: the watch from its start stayed.) One it
/// still holds at a later twait keeps cancelling it.
#[test]
fn an_event_parameter_handed_on_after_a_twait_no_longer_cancels_the_function() {
    #[tamed]
    fn hands_on(started: Event, log: Rc<RefCell<Vec<&'static str>>>) {
        twait! { tame::asap(mkevent!()); } // holds `started` here
        STASH.with(|s| s.borrow_mut().push(started));
        twait! { tame::timer(Duration::from_millis(20), mkevent!()); }
        log.borrow_mut().push("hands_on finished");
    }

    #[tamed]
    fn keeps(started: Event, log: Rc<RefCell<Vec<&'static str>>>) {
        twait! { tame::asap(mkevent!()); }
        twait! { tame::timer(Duration::from_millis(20), mkevent!()); } // still holds it
        log.borrow_mut().push("keeps finished");
        started.trigger(());
    }

    on_fresh_loop(|| {
        tame::time::pause();
        let log = Rc::new(RefCell::new(Vec::new()));
        let r = Rendezvous::<()>::new();
        hands_on(r.event(()), log.clone());
        keeps(r.event(()), log.clone());
        let r = Rc::new(RefCell::new(Some(r)));
        let drop_it = r.clone();
        tame::timer(
            Duration::from_millis(10),
            Event::from_fn(move |_: Option<()>| drop(drop_it.borrow_mut().take())),
        );
        tame::run();
        assert_eq!(*log.borrow(), ["hands_on finished"]);
        STASH.with(|s| s.borrow_mut().clear());
    });
}

/// A doomed function woken by one event of its own rendezvous (triggered
/// or dropped) before the loop cancels it: a value sent in that window to
/// another of its events stays in the channel, as it does when nothing
/// woke it (it went with the function).
#[test]
fn a_doomed_function_woken_by_another_event_still_loses_no_value() {
    #[derive(Debug)]
    #[allow(dead_code)] // read through `Debug`
    enum Wake {
        Job(Option<u32>),
        Other(Option<()>),
    }

    #[tamed]
    fn worker(jobs: tame::sync::Channel<u32>, other: Rc<RefCell<Vec<Event>>>) -> String {
        let r = Rendezvous::new();
        jobs.recv(r.event_map(Wake::Job));
        other.borrow_mut().push(r.event_map(Wake::Other));
        let w = twait!(r);
        format!("{w:?}")
    }

    on_fresh_loop(|| {
        for trigger_other in [false, true] {
            let jobs = tame::sync::Channel::new();
            let other = Rc::new(RefCell::new(Vec::new()));
            let owner = Rendezvous::<()>::new();
            worker(
                jobs.clone(),
                other.clone(),
                owner.event(()).map(|_: String| ()),
            );
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

/// A rendezvous that woke a function, handed on by it before it waits on
/// another and is cancelled there: its events take values for their new
/// holder, as any rendezvous' do (it refused them all for good).
#[test]
fn a_rendezvous_handed_on_after_waking_its_function_takes_values_after_its_cancel() {
    type Stash = Rc<RefCell<Option<Rendezvous<u32>>>>;

    #[tamed]
    fn hands_on(stash: Stash, kick: Rc<RefCell<Vec<Event>>>, done: Event) {
        let r = Rendezvous::<u32>::new();
        kick.borrow_mut().push(r.event(1));
        let out = r.event(2);
        let _ = twait!(r);
        *stash.borrow_mut() = Some(r);
        let r2 = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(3600), r2.event(()));
        twait!(r2);
        drop(out);
        done.trigger(());
    }

    on_fresh_loop(|| {
        tame::time::pause();
        let stash: Stash = Rc::default();
        let kick = Rc::new(RefCell::new(Vec::new()));
        let owner = Rendezvous::<()>::new();
        hands_on(stash.clone(), kick.clone(), owner.event(()));
        tame::run_once(Some(Duration::ZERO));
        for e in kick.borrow_mut().drain(..) {
            e.trigger(());
        }
        tame::run_once(Some(Duration::ZERO)); // it hands `r` on, waits on `r2`
        drop(owner); // doomed
        tame::run_once(Some(Duration::ZERO)); // cancelled
        let r = stash.borrow_mut().take().unwrap();
        let jobs = tame::sync::Channel::<u32>::new();
        jobs.send(5);
        let (ev, slot) = r.event_with_slot(3);
        jobs.recv(ev);
        assert_eq!((slot.take(), jobs.len()), (Some(5), 0));
    });
}
