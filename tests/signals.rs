//! `tame::at_signal`: SIGINT and SIGTERM delivered as events, also when
//! sent before anyone waited or while nobody waited; every waiter of a
//! signal triggered; a dead wait not keeping `run()` going; `restore`
//! giving a signal its own action back; a `spawn_blocking` pool thread
//! never taking a handled signal.
//!
//! A test binary of its own, without the test harness (`harness = false`
//! in Cargo.toml): signals go to the whole process, and signalfd needs them
//! blocked in every thread, so `main` blocks them before any other thread
//! exists (the watchdog thread inherits the mask) and runs the cases one
//! after another on the main thread.

use std::time::Duration;

use rustix::process::{getpid, kill_process, Signal as Sys};

#[path = "support/default_signals.rs"]
mod default_signals;
#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::FullFdTable;
#[path = "support/signal_mask.rs"]
mod signal_mask;
use signal_mask::blocked_here;
use tame::{mkevent, tamed, twait, Event, Rendezvous, Signal};

fn send(sig: Sys) {
    kill_process(getpid(), sig).unwrap();
}

fn sigint_and_sigterm_are_delivered_as_events() {
    let r = Rendezvous::<&str>::new();
    tame::at_signal(Signal::Int, r.event("int")).unwrap();
    tame::at_signal(Signal::Term, r.event("term")).unwrap();
    assert_eq!(tame::__live_waits(), 2, "both wait");
    // Sent from the loop, a turn later.
    tame::asap(Event::from_fn(|_| {
        send(Sys::INT);
        send(Sys::TERM);
    }));
    tame::run();
    let mut got = vec![r.try_next().unwrap(), r.try_next().unwrap()];
    got.sort();
    assert_eq!(got, ["int", "term"]);
    assert_eq!(tame::__live_waits(), 0);
}

fn a_signal_sent_before_anyone_waited_is_delivered() {
    send(Sys::TERM); // blocked: it stays pending
    let r = Rendezvous::<&str>::new();
    tame::at_signal(Signal::Term, r.event("term")).unwrap();
    tame::run();
    assert_eq!(r.try_next(), Some("term"));
}

fn a_signal_that_arrives_while_nobody_waits_for_it_is_kept_for_the_next_waiter() {
    let r = Rendezvous::<&str>::new();
    tame::at_signal(Signal::Int, r.event("int")).unwrap();
    // USR1 comes with nobody waiting for it; reading INT takes it too.
    send(Sys::USR1);
    send(Sys::INT);
    tame::run();
    assert_eq!(r.try_next(), Some("int"));
    assert_eq!(r.try_next(), None);
    tame::at_signal(Signal::Usr1, r.event("usr1 later")).unwrap();
    tame::run();
    assert_eq!(r.try_next(), Some("usr1 later"));
}

/// A waiter whose event died in the turn the signal came, before the
/// loop reaped it, receives nothing: the signal is kept for the next
/// `at_signal` (the dead waiter took it, and it was lost). Nor does an
/// `at_signal` given a dead event take one kept.
fn a_signal_no_live_waiter_received_is_kept_for_the_next() {
    let gone = std::rc::Rc::new(Rendezvous::<&str>::new());
    tame::at_signal(Signal::Usr2, gone.event("gone")).unwrap();
    let (pipe_r, pipe_w) = tame::io::pipe().unwrap();
    let g = gone.clone();
    pipe_r.readable(Event::from_fn(move |_| g.cancel()));
    tame::run_once(Some(Duration::ZERO));
    // Both ready in one batch, the pipe first: its callback kills the
    // waiter before the signal is handed out.
    pipe_w.try_write(b"x").unwrap();
    send(Sys::USR2);
    tame::run_once(Some(Duration::from_millis(200)));
    let dead = Rendezvous::<&str>::new();
    let dead_ev = dead.event("dead");
    dead.cancel();
    tame::at_signal(Signal::Usr2, dead_ev).unwrap();
    let r = Rendezvous::<&str>::new();
    tame::at_signal(Signal::Usr2, r.event("next")).unwrap();
    tame::run();
    assert_eq!(r.try_next(), Some("next"));
    drop((pipe_r, pipe_w));
}

fn every_waiter_of_a_signal_is_triggered_by_one_arrival() {
    let r = Rendezvous::<&str>::new();
    tame::at_signal(Signal::Hup, r.event("first")).unwrap();
    tame::at_signal(Signal::Hup, r.event("second")).unwrap();
    send(Sys::HUP);
    tame::run();
    let mut got = vec![r.try_next().unwrap(), r.try_next().unwrap()];
    got.sort();
    assert_eq!(got, ["first", "second"]);
}

fn a_panic_in_one_waiters_callback_loses_neither_the_others_nor_the_count() {
    let r = Rendezvous::<&str>::new();
    tame::at_signal(
        Signal::Usr1,
        Event::from_fn(|_| panic!("a waiter's callback panics")),
    )
    .unwrap();
    tame::at_signal(Signal::Usr1, r.event("second")).unwrap();
    send(Sys::USR1);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(tame::run));
    assert!(caught.is_err(), "the callback's panic comes out of run()");
    // The signal came for the second waiter too: it is triggered on the
    // next turn, and no wait is left counted (run() returns).
    tame::run();
    assert_eq!(r.try_next(), Some("second"));
    assert_eq!(tame::__live_waits(), 0);
    // The descriptor is armed again: a later signal is delivered.
    tame::at_signal(Signal::Usr1, r.event("later")).unwrap();
    send(Sys::USR1);
    tame::run();
    assert_eq!(r.try_next(), Some("later"));
}

fn a_dead_signal_wait_does_not_keep_run_going() {
    let r = Rendezvous::<()>::new();
    tame::at_signal(Signal::Usr2, r.event(())).unwrap();
    assert_eq!(tame::__live_waits(), 1);
    drop(r);
    tame::run(); // returns at once: the wait's event is dead
    assert_eq!(tame::__live_waits(), 0);
}

/// `stop()` from a signal's event, as a server's shutdown would: `run()`
/// returns with the rest of the work still in place.
fn stop_from_a_signal_event_returns_from_run() {
    let r = Rendezvous::<&str>::new();
    tame::timer(Duration::from_secs(3600), r.event("an hour"));
    tame::at_signal(
        Signal::Usr2,
        Event::from_fn(|got: Option<()>| {
            assert!(got.is_some());
            tame::stop();
        }),
    )
    .unwrap();
    tame::asap(Event::from_fn(|_| send(Sys::USR2)));
    tame::run();
    assert_eq!(r.pending(), 1, "the hour-long timer is still armed");
    r.cancel();
    tame::run();
}

fn restore_ends_the_waits_untriggered_and_unblocks_the_signal() {
    let got = std::rc::Rc::new(std::cell::Cell::new(Some(())));
    let g = got.clone();
    tame::at_signal(Signal::Usr1, Event::from_fn(move |v| g.set(v))).unwrap();
    let r = Rendezvous::<&str>::new();
    tame::at_signal(Signal::Hup, r.event("hup")).unwrap();
    assert!(blocked_here(Sys::USR1.as_raw()));
    // HUP arrives before the loop looks: restoring USR1 still hands it to
    // its waiter.
    send(Sys::HUP);
    Signal::Usr1.restore().unwrap();
    assert!(
        !blocked_here(Sys::USR1.as_raw()),
        "USR1 runs its own action again"
    );
    assert!(blocked_here(Sys::HUP.as_raw()), "HUP is still tame's");
    assert_eq!(got.get(), None, "the USR1 wait ended untriggered");
    tame::run();
    assert_eq!(r.try_next(), Some("hup"));
    assert_eq!(tame::__live_waits(), 0);

    // One that arrived while it was watched, before the loop looked, is
    // its waiter's; one that nobody waited for is forgotten, not run.
    let got = std::rc::Rc::new(std::cell::Cell::new(None));
    let g = got.clone();
    tame::at_signal(Signal::Usr1, Event::from_fn(move |v| g.set(v))).unwrap();
    send(Sys::USR1);
    Signal::Usr1.restore().unwrap();
    assert_eq!(got.get(), Some(()), "it arrived while watched");
    let gone = Rendezvous::<()>::new();
    tame::at_signal(Signal::Usr2, gone.event(())).unwrap();
    drop(gone);
    tame::run(); // the dead wait is reaped: USR2 is watched, nobody waits
    send(Sys::USR2);
    Signal::Usr2.restore().unwrap(); // forgotten, not run: we live on
    assert!(!blocked_here(Sys::USR2.as_raw()));

    // A later wait watches it again.
    let r = Rendezvous::<&str>::new();
    tame::at_signal(Signal::Usr1, r.event("usr1 again")).unwrap();
    assert!(blocked_here(Sys::USR1.as_raw()));
    send(Sys::USR1);
    tame::run();
    assert_eq!(r.try_next(), Some("usr1 again"));

    // A signal only blocked, never waited for, is unblocked too.
    Signal::Winch.block().unwrap();
    assert!(blocked_here(Sys::WINCH.as_raw()));
    Signal::Winch.restore().unwrap();
    assert!(!blocked_here(Sys::WINCH.as_raw()));

    // One that arrived while only blocked (by `main`, as `block` advises)
    // is forgotten too, as one the loop took in: not run (ALRM's action
    // ends the process).
    assert!(blocked_here(Sys::ALARM.as_raw()));
    send(Sys::ALARM);
    Signal::Alrm.restore().unwrap();
    assert!(!blocked_here(Sys::ALARM.as_raw()));

    // So when the process is out of descriptors (reading it out took one,
    // and without one it was unblocked and ended the process); and two
    // arrivals, one sent to the thread and one to the process.
    Signal::Alrm.block().unwrap();
    send(Sys::ALARM);
    raise_here(Sys::ALARM);
    let full = FullFdTable::new();
    Signal::Alrm.restore().unwrap();
    drop(full);
    assert!(!blocked_here(Sys::ALARM.as_raw()));
}

/// `restore` hands out what arrived before it, which runs waiters'
/// callbacks (any signal's) in the call: one that panics leaves the signal
/// restored all the same (it was left blocked and watched, so a server
/// that caught the panic and ran on ignored the second Ctrl-C).
fn a_callback_panicking_in_restore_leaves_the_signal_restored() {
    let got = std::rc::Rc::new(std::cell::Cell::new(None));
    let g = got.clone();
    tame::at_signal(Signal::Usr1, Event::from_fn(move |v| g.set(v))).unwrap();
    tame::at_signal(
        Signal::Usr2,
        Event::from_fn(|v: Option<()>| {
            if v.is_some() {
                panic!("a USR2 waiter's bug");
            }
        }),
    )
    .unwrap();
    send(Sys::USR1);
    send(Sys::USR2);
    let restored = std::panic::catch_unwind(|| Signal::Usr1.restore());
    assert!(
        restored.is_err(),
        "the callback's panic goes out of restore"
    );
    assert!(!blocked_here(Sys::USR1.as_raw()), "USR1 is restored");
    assert_eq!(
        got.get(),
        Some(()),
        "the USR1 that came before is its waiter's"
    );
    assert!(blocked_here(Sys::USR2.as_raw()), "USR2 is still tame's");
    // Back as `main` left it for the cases after.
    Signal::Usr1.block().unwrap();
    tame::run();
}

/// Sends `sig` to the calling thread (C's `raise`), where `send` sends it
/// to the process: pending, the two are two arrivals.
fn raise_here(sig: Sys) {
    extern "C" {
        fn raise(sig: i32) -> i32;
    }
    // SAFETY: `raise` takes a signal number, here a valid one, blocked in
    // this thread (it stays pending).
    assert_eq!(unsafe { raise(sig.as_raw()) }, 0);
}

/// What `restore` is for: after it, Ctrl-C ends the program. In a child
/// process (this binary again), since the signal ends it.
fn after_restore_sigint_ends_the_process_again() {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    let status = default_signals::with_default_signal_actions(&mut child)
        .env(CHILD, "restore-int")
        .status()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(Sys::INT.as_raw()),
        "the child should have been ended by SIGINT: {status}"
    );
}

/// The child of `after_restore_sigint_ends_the_process_again`: handles one
/// SIGINT, restores it, sends another.
fn child_restores_int() {
    Signal::Int.block().unwrap();
    let r = Rendezvous::<()>::new();
    tame::at_signal(Signal::Int, r.event(())).unwrap();
    send(Sys::INT);
    tame::run();
    assert_eq!(r.try_next(), Some(()), "the first SIGINT is an event");
    Signal::Int.restore().unwrap();
    send(Sys::INT);
    // Not reached: the second SIGINT ends the process.
    std::process::exit(0);
}

/// A pool thread of `spawn_blocking`, started before any signal was
/// blocked and then idle, does not take a signal that tame handles: the
/// waiter gets it, and the process lives. In a child process (this binary
/// again), whose threads start with SIGTERM unblocked, unlike this one's.
fn a_blocking_pool_thread_started_first_does_not_take_a_handled_signal() {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    let status = default_signals::with_default_signal_actions(&mut child)
        .env(CHILD, "pool-first")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the child should have handled SIGTERM and exited: {status}"
    );
}

/// The child of
/// `a_blocking_pool_thread_started_first_does_not_take_a_handled_signal`:
/// a job on the pool, its thread then idle (for 10 seconds), and only then
/// SIGTERM waited for, and sent.
fn child_pool_first() {
    // The mask is inherited through `exec`: this child starts with the
    // parent's signals blocked. Unblocked, TERM is as in a program that
    // has not touched it yet.
    Signal::Term.restore().unwrap();
    assert!(!blocked_here(Sys::TERM.as_raw()));
    let r = Rendezvous::<&str>::new();
    let (ev, job) = r.event_with_slot("job");
    // Whether the job's thread blocks a signal nobody has blocked yet.
    tame::spawn_blocking(|| blocked_here(Sys::TERM.as_raw()), ev);
    tame::run();
    assert_eq!(r.try_next(), Some("job"));
    tame::at_signal(Signal::Term, r.event("term")).unwrap();
    // To the process: the kernel gives it to a thread that does not block
    // it, the idle pool thread if that one does not.
    send(Sys::TERM);
    tame::run();
    assert_eq!(r.try_next(), Some("term"));
    assert_eq!(job.take(), Some(true), "the pool thread blocks signals");
    std::process::exit(0);
}

const CHILD: &str = "TAME_SIGNALS_TEST_CHILD";

/// Gives up the waits of `gone` one a turn, in the order given, and says
/// after each turn how many waits are live.
#[tamed]
fn give_up_one_a_turn(gone: Vec<Rendezvous<()>>) -> Vec<usize> {
    let mut live = Vec::new();
    for r in gone {
        drop(r);
        twait! { tame::asap(mkevent!()); }
        live.push(tame::__live_waits());
    }
    send(Sys::USR1);
    live
}

/// Waiters of a signal that give up in an order of their own (each
/// connection of a server watching SIGHUP, the connections going away):
/// each one's wait ends on the loop's next turn, wherever it is among
/// the others, and the signal then reaches only the live ones.
fn signal_waiters_giving_up_in_any_order_end_on_the_next_turn() {
    let n = 300;
    let mut rs: Vec<Option<Rendezvous<()>>> = (0..n)
        .map(|_| {
            let r = Rendezvous::<()>::new();
            tame::at_signal(Signal::Usr1, r.event(())).unwrap();
            Some(r)
        })
        .collect();
    let kept = Rendezvous::<()>::new();
    tame::at_signal(Signal::Usr1, kept.event(())).unwrap();
    // The last first, then every 7th: never the first until the end.
    let gone: Vec<_> = (0..n)
        .map(|i| rs[(n - 1 + i * 7) % n].take().unwrap())
        .collect();
    let r = Rendezvous::<()>::new();
    let (ev, live) = r.event_with_slot::<Vec<usize>>(());
    give_up_one_a_turn(gone, ev);
    tame::run();
    // The waiters left, `kept` among them.
    let want: Vec<usize> = (0..n).map(|i| n - i).collect();
    assert_eq!(live.take().unwrap(), want);
    assert_eq!(kept.try_next(), Some(()));
    assert_eq!(tame::__live_waits(), 0);
}

fn main() {
    match std::env::var(CHILD).as_deref() {
        Ok("restore-int") => return child_restores_int(),
        Ok("pool-first") => return child_pool_first(),
        _ => {}
    }
    for sig in [
        Signal::Int,
        Signal::Term,
        Signal::Hup,
        Signal::Usr1,
        Signal::Usr2,
        Signal::Alrm,
    ] {
        sig.block().unwrap();
    }
    // A hang is a failure, not a stalled suite.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(60));
        eprintln!("signals: a case did not finish within a minute");
        std::process::exit(1);
    });
    let cases: [(&str, fn()); 14] = [
        (
            "a_signal_no_live_waiter_received_is_kept_for_the_next",
            a_signal_no_live_waiter_received_is_kept_for_the_next,
        ),
        (
            "signal_waiters_giving_up_in_any_order_end_on_the_next_turn",
            signal_waiters_giving_up_in_any_order_end_on_the_next_turn,
        ),
        (
            "a_child_process_can_start_with_no_signal_blocked",
            a_child_process_can_start_with_no_signal_blocked,
        ),
        (
            "sigint_and_sigterm_are_delivered_as_events",
            sigint_and_sigterm_are_delivered_as_events,
        ),
        (
            "a_signal_sent_before_anyone_waited_is_delivered",
            a_signal_sent_before_anyone_waited_is_delivered,
        ),
        (
            "a_signal_that_arrives_while_nobody_waits_for_it_is_kept_for_the_next_waiter",
            a_signal_that_arrives_while_nobody_waits_for_it_is_kept_for_the_next_waiter,
        ),
        (
            "every_waiter_of_a_signal_is_triggered_by_one_arrival",
            every_waiter_of_a_signal_is_triggered_by_one_arrival,
        ),
        (
            "a_panic_in_one_waiters_callback_loses_neither_the_others_nor_the_count",
            a_panic_in_one_waiters_callback_loses_neither_the_others_nor_the_count,
        ),
        (
            "a_dead_signal_wait_does_not_keep_run_going",
            a_dead_signal_wait_does_not_keep_run_going,
        ),
        (
            "stop_from_a_signal_event_returns_from_run",
            stop_from_a_signal_event_returns_from_run,
        ),
        (
            "restore_ends_the_waits_untriggered_and_unblocks_the_signal",
            restore_ends_the_waits_untriggered_and_unblocks_the_signal,
        ),
        (
            "a_callback_panicking_in_restore_leaves_the_signal_restored",
            a_callback_panicking_in_restore_leaves_the_signal_restored,
        ),
        (
            "after_restore_sigint_ends_the_process_again",
            after_restore_sigint_ends_the_process_again,
        ),
        (
            "a_blocking_pool_thread_started_first_does_not_take_a_handled_signal",
            a_blocking_pool_thread_started_first_does_not_take_a_handled_signal,
        ),
    ];
    println!("\nrunning {} tests", cases.len());
    for (name, case) in cases {
        case();
        println!("test {name} ... ok");
    }
    println!("\ntest result: ok. {} passed; 0 failed\n", cases.len());
}

/// The mask a child process of `cmd` (a `sleep`) starts with: its
/// `SigBlk`, read from outside (a shell would change it).
fn child_mask(cmd: &mut std::process::Command) -> u64 {
    let mut child = cmd.arg("5").spawn().unwrap();
    let path = format!("/proc/{}/status", child.id());
    // Until the child has exec'ed `sleep` (its name shows it).
    let mut mask = None;
    for _ in 0..500 {
        let status = std::fs::read_to_string(&path).unwrap_or_default();
        if status.lines().any(|l| l == "Name:\tsleep") {
            mask = status
                .lines()
                .find_map(|l| l.strip_prefix("SigBlk:"))
                .map(|v| u64::from_str_radix(v.trim(), 16).unwrap());
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    mask.expect("the child ran sleep")
}

/// A child process inherits the mask of the thread that spawns it (here
/// SIGTERM and the others `main` blocks; in a `spawn_blocking` job,
/// every signal); `unblock_signals` starts it with none blocked.
fn a_child_process_can_start_with_no_signal_blocked() {
    use tame::io::CommandExt as _;
    let inherited = child_mask(&mut std::process::Command::new("sleep"));
    assert_ne!(inherited & (1 << (15 - 1)), 0, "{inherited:x}");
    let cleared = child_mask(std::process::Command::new("sleep").unblock_signals());
    assert_eq!(cleared, 0);
    let r = Rendezvous::<()>::new();
    let (ev, masks) = r.event_with_slot(());
    tame::spawn_blocking(
        || {
            let blocked = child_mask(&mut std::process::Command::new("sleep"));
            let cleared = child_mask(std::process::Command::new("sleep").unblock_signals());
            (blocked, cleared)
        },
        ev,
    );
    tame::run();
    let (blocked, cleared) = masks.take().unwrap();
    assert_ne!(blocked, 0);
    assert_eq!(cleared, 0);
}
