//! Micro benchmarks of the runtime, run by `bench/run` next to tokio's.
//!
//! * event round trip: a tamed call that triggers its caller's event after
//!   one yield (`asap`), and the caller resuming; and the same with one
//!   socket waited on, as in a server (each yield then polls it);
//! * timer arm + cancel: a timer armed with an event whose rendezvous is then
//!   dropped, including the loop's removal of the dead entry;
//! * the same with an earlier timer pending the whole time (tokio's
//!   `sleep_arm_cancel_busy`, bench/src/bin/micro.rs);
//! * a [`tame::Timer`] armed with an event of a `twait!` block and
//!   cancelled in it (the handle's drop, as tokio's `Sleep` is cancelled),
//!   alone and with an earlier timer pending;
//! * `add_timeout` arm + cancel: `add_timeout(1 h, ev)` and the returned
//!   event triggered at once (what a server with an idle timeout pays per
//!   read that does not time out);
//! * values posted from a thread to the loop through a
//!   [`tame::sync::mailbox`] and received there by a tamed function, ns per
//!   value (tokio: an unbounded `mpsc` sent to from a std thread).
//!
//! Usage: `microbench [N] [event|event-fd|timer|timer-busy|handle|handle-busy|add-timeout|mailbox]` (default
//! 1,000,000). Prints `name: ns/op` lines.
use std::time::{Duration, Instant};
use tame_suite::out_line;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn callee(done: Event) {
    twait! { tame::asap(mkevent!()); }
    done.trigger(());
}

#[tamed]
fn caller(n: u64, done: Event) {
    let mut i = 0;
    while i < n {
        twait! { callee(mkevent!()); }
        i += 1;
    }
    done.trigger(());
}

/// Receives until every poster is gone; the sum of what came.
#[tamed]
fn sum_posted(m: tame::sync::Mailbox<u64>) -> u64 {
    let mut sum = 0;
    loop {
        let mut v = None;
        twait! { m.recv(mkevent!(v).map(Some)); }
        match v {
            Some(v) => sum += v,
            None => return sum,
        }
    }
}

/// Arms and cancels `n` timers through their handles, each in a `twait!`
/// block whose event it takes: the block is over at once.
#[tamed]
fn handle_arm_cancel(n: u64, done: Event) {
    let mut i = 0;
    while i < n {
        twait! { tame::Timer::after(Duration::from_secs(3600), mkevent!()).cancel(); }
        i += 1;
    }
    done.trigger(());
}

const USAGE: &str = "usage: microbench [N] [MODE]   (N iterations, at least 1, default 1000000; \
                     MODE one of event, event-fd, timer, timer-busy, handle, handle-busy, \
                     add-timeout, mailbox: \
                     that one alone, default all)";

/// The modes, as `bench/run` names them.
const MODES: [&str; 8] = [
    "event",
    "event-fd",
    "timer",
    "timer-busy",
    "handle",
    "handle-busy",
    "add-timeout",
    "mailbox",
];

/// N and the mode from the command line (either may be left out); a bad
/// one is a usage error, exit 2.
fn args() -> (u64, Option<String>) {
    let bad = |problem: String| -> ! {
        eprintln!("microbench: {problem}\n{USAGE}");
        std::process::exit(2)
    };
    let mut n = 1_000_000;
    let mut only = None;
    for (i, arg) in tame_suite::args().enumerate() {
        match arg.as_str() {
            "-h" | "--help" => {
                tame_suite::print_help(&format!("{USAGE}\n"));
                std::process::exit(0);
            }
            mode if MODES.contains(&mode) && only.is_none() => only = Some(arg),
            number if i == 0 => match number.parse() {
                Ok(0) | Err(_) => bad(format!(
                    "{arg:?} is neither a number of iterations nor a mode"
                )),
                Ok(k) => n = k,
            },
            _ => bad(format!("unexpected argument {arg:?}")),
        }
    }
    (n, only)
}

fn main() {
    let (n, only) = args();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);

    // Warm up, then measure.
    for round in 0..2 {
        if !run("event") {
            break;
        }
        let r = Rendezvous::<()>::new();
        let start = Instant::now();
        caller(n, r.event(()));
        tame::run();
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        assert_eq!(r.try_next(), Some(()));
        if round == 1 {
            out_line!("event_round_trip_ns: {ns:.1}");
        }
    }

    for round in 0..2 {
        if !run("event-fd") {
            break;
        }
        // The same with one socket waited on, as in a server: the loop then
        // polls its descriptors at each turn, and each `asap` costs an
        // `epoll_wait` (with nothing to wait on, a turn skips the poll).
        let listener = tame::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
        listener.accept(Event::detached());
        let start = Instant::now();
        let done = tame::run_with(|done: Event| caller(n, done.map(|()| tame::stop())));
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        assert_eq!(done, Some(()));
        // (Dropped, the listener would let its accept wait on.)
        listener.close();
        tame::run();
        if round == 1 {
            out_line!("event_round_trip_fd_ns: {ns:.1}");
        }
    }

    for round in 0..2 {
        if !run("timer") {
            break;
        }
        let ns = timer_arm_cancel(n, None);
        if round == 1 {
            out_line!("timer_arm_cancel_ns: {ns:.1}");
        }
    }

    for round in 0..2 {
        if !run("timer-busy") {
            break;
        }
        // An earlier timer pending the whole time.
        let earlier = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(1800), earlier.event(()));
        let ns = timer_arm_cancel(n, Some(earlier));
        if round == 1 {
            out_line!("timer_arm_cancel_busy_ns: {ns:.1}");
        }
    }

    for (name, busy) in [("handle", false), ("handle-busy", true)] {
        for round in 0..2 {
            if !run(name) {
                break;
            }
            // With `busy`, an earlier timer pending the whole time.
            let earlier = busy.then(|| {
                let r = Rendezvous::<()>::new();
                tame::timer(Duration::from_secs(1800), r.event(()));
                r
            });
            let r = Rendezvous::<()>::new();
            let start = Instant::now();
            handle_arm_cancel(n, r.event(()));
            drop(earlier);
            tame::run();
            let ns = start.elapsed().as_nanos() as f64 / n as f64;
            assert_eq!(r.try_next(), Some(()));
            if round == 1 {
                let busy = if busy { "_busy" } else { "" };
                out_line!("timer_handle_cancel{busy}_ns: {ns:.1}");
            }
        }
    }

    for round in 0..2 {
        if !run("add-timeout") {
            break;
        }
        let r = Rendezvous::<()>::new();
        let start = Instant::now();
        for _ in 0..n {
            let ev = r.event(()).map(|_: Result<(), tame::Timeout>| ());
            tame::add_timeout(Duration::from_secs(3600), ev).trigger(());
        }
        // The race is decided by the trigger; whatever deciding it leaves
        // to the loop (nothing, for the native add_timeout) runs here.
        tame::run();
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        assert_eq!(std::iter::from_fn(|| r.try_next()).count() as u64, n);
        if round == 1 {
            out_line!("add_timeout_arm_cancel_ns: {ns:.1}");
        }
    }

    for round in 0..2 {
        if !run("mailbox") {
            break;
        }
        let (poster, m) = tame::sync::mailbox::<u64>();
        let start = Instant::now();
        let sender = std::thread::spawn(move || {
            for i in 0..n {
                poster.post(i).expect("the mailbox lives");
            }
        });
        let sum = tame::run_with(|done| sum_posted(m, done));
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        sender.join().expect("the posting thread");
        assert_eq!(sum, Some(n * (n - 1) / 2));
        if round == 1 {
            out_line!("mailbox_from_thread_ns: {ns:.1}");
        }
    }
}

/// `n` timers armed and cancelled (their rendezvous dropped), and the loop
/// run once they are all gone (and `earlier`, a timer pending meanwhile,
/// cancelled too); ns per timer.
fn timer_arm_cancel(n: u64, earlier: Option<Rendezvous>) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        let r = Rendezvous::<()>::new();
        tame::timer(Duration::from_secs(3600), r.event(()));
        drop(r);
    }
    drop(earlier);
    tame::run();
    start.elapsed().as_nanos() as f64 / n as f64
}
