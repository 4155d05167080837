//! A function whose twaits never wait (its events are all triggered before
//! the twait: reads of a descriptor that always has data, events triggered
//! at once) still lets the loop turn: inside `run()`, after 128 such twaits
//! in one run, the next one yields until the loop's next turn, where due
//! timers fire and ready descriptors are seen.

use std::cell::Cell;
use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use rustix::fs::MemfdFlags;
use tame::io::{Fd, Interest};
use tame::task::{self, TwaitSite};
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// A bound on the twaits that run before the loop's next look at its fds
/// and timers: the budget of the run that yields, the next run's (the task
/// queued for the turn may run before what the turn's poll found), and the
/// round resumed at the yielding twait. Without the budget, the loops below
/// would run their million rounds first.
const BETWEEN_TURNS: u32 = 3 * 128;

/// Runs `start` inside `run()` (the budget applies there: outside it,
/// nothing else could run, and a function started there goes on).
fn in_run(start: impl FnOnce() + 'static) {
    let mut start = Some(start);
    tame::asap(Event::from_fn(move |_: Option<()>| {
        if let Some(start) = start.take() {
            start();
        }
    }));
    tame::run();
}

/// Triggers `ev` at once, as an operation that never has to wait does.
fn at_once(ev: Event) {
    ev.trigger(());
}

/// A stop flag set by an event, and how many rounds had run when it fired.
fn stopper(rounds: &Rc<Cell<u32>>) -> (Event, Rc<Cell<Option<u32>>>) {
    let at = Rc::new(Cell::new(None));
    let (rounds, at2) = (rounds.clone(), at.clone());
    let ev = Event::from_fn(move |v: Option<()>| {
        if v.is_some() {
            at2.set(Some(rounds.get()));
        }
    });
    (ev, at)
}

/// Runs `twait! { at_once(mkevent!()); }` until `stop` is set (or a million
/// times), counting rounds.
#[tamed]
fn join_loop(rounds: Rc<Cell<u32>>, stop: Rc<Cell<Option<u32>>>) {
    while stop.get().is_none() && rounds.get() < 1_000_000 {
        twait! { at_once(mkevent!()); }
        rounds.set(rounds.get() + 1);
    }
}

/// The same with `twait!(r)` on events of a rendezvous triggered at once.
#[tamed]
fn rendezvous_loop(rounds: Rc<Cell<u32>>, stop: Rc<Cell<Option<u32>>>) {
    let r = Rendezvous::<u32>::new();
    while stop.get().is_none() && rounds.get() < 1_000_000 {
        at_once(mkevent!(r, rounds.get()));
        let id = twait!(r);
        assert_eq!(id, Some(rounds.get()));
        rounds.set(rounds.get() + 1);
    }
}

#[test]
fn twaits_that_never_wait_let_a_due_timer_fire() {
    on_fresh_loop(|| {
        // The paused clock makes a timer of zero due at the next turn (the
        // real one's due time may fall after a few turns).
        tame::time::pause();
        let rounds = Rc::new(Cell::new(0));
        let (ev, stop) = stopper(&rounds);
        let (r, st) = (rounds.clone(), stop.clone());
        in_run(move || {
            join_loop(r, st);
            // Armed once the loop gave its turn up.
            tame::timer(Duration::ZERO, ev);
        });
        let at = stop.get().expect("the timer fired");
        assert!(
            (128..=BETWEEN_TURNS).contains(&at),
            "the timer fired only after {at} twaits"
        );
        // The round whose twait yielded ends; the loop then sees the stop.
        assert_eq!(
            rounds.get(),
            at + 1,
            "the loop went on after the timer fired"
        );
    });
}

#[test]
fn a_rendezvous_loop_that_never_waits_lets_a_ready_descriptor_be_seen() {
    on_fresh_loop(|| {
        let (a, mut b) = UnixStream::pair().unwrap();
        b.write_all(b"x").unwrap();
        let rounds = Rc::new(Cell::new(0));
        let (ev, stop) = stopper(&rounds);
        let (r, st) = (rounds.clone(), stop.clone());
        in_run(move || {
            rendezvous_loop(r, st);
            tame::wait_on_fd(&a, Interest::Read, ev).unwrap();
        });
        let at = stop.get().expect("the descriptor was seen");
        assert!(
            (128..=BETWEEN_TURNS).contains(&at),
            "readable was seen only after {at} twaits"
        );
    });
}

/// Reads `fd` (which always has data) until `stop`.
#[tamed]
fn read_loop(fd: Rc<Fd>, rounds: Rc<Cell<u32>>, stop: Rc<Cell<Option<u32>>>) {
    let mut buf = Vec::with_capacity(16);
    while stop.get().is_none() && rounds.get() < 1_000_000 {
        let got: (Vec<u8>, io::Result<usize>);
        twait! { fd.read(buf, mkevent!(got)); }
        let (mut back, n) = got;
        assert!(n.unwrap() > 0);
        back.clear();
        buf = back;
        rounds.set(rounds.get() + 1);
    }
}

#[test]
fn a_read_loop_on_a_descriptor_that_always_has_data_lets_a_due_timer_fire() {
    on_fresh_loop(|| {
        let file: std::fs::File = rustix::fs::memfd_create("always", MemfdFlags::CLOEXEC)
            .unwrap()
            .into();
        file.set_len(64 << 20).unwrap();
        let fd = Rc::new(Fd::new(file).unwrap());
        tame::time::pause();
        let rounds = Rc::new(Cell::new(0));
        let (ev, stop) = stopper(&rounds);
        let (r, st) = (rounds.clone(), stop.clone());
        in_run(move || {
            read_loop(fd, r, st);
            tame::timer(Duration::ZERO, ev);
        });
        let at = stop.get().expect("the timer fired");
        assert!(
            (128..=BETWEEN_TURNS).contains(&at),
            "the timer fired after {at} reads"
        );
    });
}

#[test]
fn a_hand_written_task_is_told_to_wait_once_its_budget_is_spent_and_goes_on_next_turn() {
    on_fresh_loop(|| {
        static SITE: TwaitSite = TwaitSite::new("by_hand", file!(), line!());
        let readies = Rc::new(Cell::new(0u32));
        let runs = Rc::new(Cell::new(0u32));
        let (readies2, runs2) = (readies.clone(), runs.clone());
        let seen = Rc::new(Cell::new((0, 0)));
        let seen2 = seen.clone();
        let (readies3, runs3) = (readies.clone(), runs.clone());
        in_run(move || {
            task::start("by_hand", move |cx| {
                runs2.set(runs2.get() + 1);
                while readies2.get() < 200 {
                    if cx.wait_join(&SITE).is_pending() {
                        assert!(cx.is_waiting());
                        return Poll::Pending;
                    }
                    readies2.set(readies2.get() + 1);
                }
                Poll::Ready(())
            });
            seen2.set((readies3.get(), runs3.get()));
        });
        assert_eq!(seen.get(), (128, 1), "the first run's twaits");
        assert_eq!((readies.get(), runs.get()), (200, 2));
        assert!(tame::task::blocked().is_empty());
    });
}

/// The function `run_with` starts runs under the budget too: a loop of
/// twaits that never wait gives way, and the loop's other work (here a
/// callback queued before) runs and stops it. Without the budget it ran
/// its million rounds before the loop started.
#[test]
fn the_function_run_with_starts_gives_way_after_its_budget() {
    on_fresh_loop(|| {
        let rounds = Rc::new(Cell::new(0));
        let (ev, stop) = stopper(&rounds);
        tame::asap(ev);
        let r = rounds.clone();
        let done = tame::run_with(|done: Event| {
            join_loop(r, stop.clone());
            // (The loop's own value: it returned.)
            done.trigger(());
        });
        assert_eq!(done, Some(()));
        let at = stop.get().expect("the queued callback ran");
        assert!(
            (128..=BETWEEN_TURNS).contains(&at),
            "the callback ran only after {at} twaits"
        );
        assert_eq!(rounds.get(), at + 1);
    });
}
