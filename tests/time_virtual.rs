//! Virtual time: `tame::time::{pause, resume, advance}`. While paused, the
//! loop's clock moves only by `advance`, or jumps to the next timer when
//! the loop has nothing ready; fds are still polled on every turn.
//!
//! No test asserts wall-clock speed: each runs under a watchdog of a few
//! seconds, which hours of virtual timers must beat (they would take hours
//! of real time if the loop waited for them), and asserts the virtual time
//! that passed.

use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, tvars, twait, Event, Interest, Rendezvous, Timeout};

#[path = "support/watchdog.rs"]
mod watchdog;

/// Runs `f` on a fresh loop, failing if it takes more than five seconds of
/// wall time (it stands for minutes or hours of virtual time).
fn virtual_test(f: impl FnOnce() + Send + 'static) {
    watchdog::on_fresh_loop_within(Duration::from_secs(5), f);
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_ten_minute_timer_chain_completes_in_virtual_time() {
    #[tamed]
    fn chain(links: u32, done: Event<u32>) {
        let mut n = 0;
        while n < links {
            twait! { tame::timer(secs(1), mkevent!()); }
            n += 1;
        }
        done.trigger(n);
    }
    virtual_test(|| {
        tame::time::pause();
        let start = tame::now();
        let r = Rendezvous::<()>::new();
        let (done, links) = r.event_with_slot(());
        chain(600, done);
        tame::run();
        assert_eq!(links.take(), Some(600));
        assert_eq!(tame::now() - start, secs(600), "exactly ten minutes passed");
    });
}

#[test]
fn hours_of_timers_fire_in_deadline_order_in_virtual_time() {
    virtual_test(|| {
        tame::time::pause();
        let start = tame::now();
        let r = Rendezvous::<u64>::new();
        // 20,000 timers spread over ten hours, armed out of order, all in
        // whole milliseconds (so each lands exactly where it is due).
        let n = 20_000u64;
        for i in 0..n {
            let ms = (i * 7919) % n * 1800 + 1;
            tame::timer(Duration::from_millis(ms), r.event(ms));
        }
        tame::run();
        let fired: Vec<u64> = std::iter::from_fn(|| r.try_next()).collect();
        assert_eq!(fired.len(), n as usize);
        assert!(fired.windows(2).all(|w| w[0] < w[1]), "deadline order");
        let last = *fired.last().unwrap();
        assert_eq!(tame::now() - start, Duration::from_millis(last));
        assert!(last > 9 * 3600 * 1000, "hours of timers");
    });
}

/// A timer of `Duration::MAX` (a user's "never") is armed a century ahead:
/// the paused clock jumps there, and keeps working after, as it does after
/// an `advance` by `Duration::MAX` (it stood at the end of its range, where
/// every later timer fired at once and `resume` could not move it).
#[test]
fn a_timer_of_the_longest_duration_fires_in_virtual_time_and_time_goes_on() {
    virtual_test(|| {
        let century = secs(100 * 365 * 24 * 3600);
        tame::time::pause();
        let start = tame::now();
        let r = Rendezvous::<&str>::new();
        tame::timer(Duration::MAX, r.event("never"));
        tame::run();
        assert_eq!(r.try_next(), Some("never"));
        assert_eq!(tame::now() - start, century, "a century later");

        let t0 = tame::now();
        tame::timer(secs(10), r.event("10 s"));
        tame::run();
        assert_eq!(r.try_next(), Some("10 s"));
        assert_eq!(tame::now() - t0, secs(10));

        tame::time::advance(Duration::MAX);
        let t1 = tame::now();
        assert_eq!(t1 - t0, secs(10) + century);
        tame::timer(secs(10), r.event("10 s more"));
        tame::run();
        assert_eq!(tame::now() - t1, secs(10));

        tame::time::resume();
        let t2 = tame::now();
        tame::timer(Duration::from_millis(20), r.event("20 ms"));
        tame::run();
        assert_eq!(r.try_next(), Some("10 s more"));
        assert_eq!(r.try_next(), Some("20 ms"));
        assert!(tame::now() - t2 >= Duration::from_millis(20), "never early");
    });
}

/// `advance` on a running clock, by centuries: the loop's time stays
/// ahead of the real one by that much, and timers armed after still fire,
/// never early (past three centuries, the clock stood still and a 50 ms
/// timer never fired).
#[test]
fn centuries_of_advance_on_a_running_clock_leave_timers_working() {
    virtual_test(|| {
        let start = tame::now();
        for _ in 0..4 {
            tame::time::advance(Duration::MAX);
        }
        let t0 = tame::now();
        assert!(t0 - start >= secs(400 * 365 * 24 * 3600));
        let r = Rendezvous::<&str>::new();
        tame::timer(Duration::from_millis(50), r.event("50 ms"));
        tame::run();
        assert_eq!(r.try_next(), Some("50 ms"));
        assert!(tame::now() - t0 >= Duration::from_millis(50), "never early");
    });
}

/// A paused clock's jumps to "never" timers, a century each, add up: four
/// leave 10 s timers exact; the fifth would pass the clock's last time,
/// and `run()` panics saying so (it went on with the clock stuck, every
/// timer armed after firing at once).
#[test]
fn jumps_to_never_timers_add_up_to_a_clear_panic_not_a_stuck_clock() {
    virtual_test(|| {
        tame::time::pause();
        let r = Rendezvous::<&str>::new();
        for _ in 0..4 {
            tame::timer(Duration::MAX, r.event("never"));
            tame::run();
            assert_eq!(r.try_next(), Some("never"));
            let t0 = tame::now();
            tame::timer(secs(10), r.event("10 s"));
            tame::run();
            assert_eq!(r.try_next(), Some("10 s"));
            assert_eq!(tame::now() - t0, secs(10));
        }
        tame::timer(Duration::MAX, r.event("never"));
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(tame::run))
            .expect_err("the fifth century is past the clock's range");
        let msg = panic.downcast_ref::<String>().expect("a formatted message");
        assert!(
            msg.contains("the loop's clock cannot move past 484 years after its start"),
            "{msg}"
        );
    });
}

#[test]
fn advance_moves_the_clock_and_due_timers_fire_on_the_next_turn() {
    virtual_test(|| {
        tame::time::pause();
        let start = tame::now();
        let r = Rc::new(Rendezvous::<&str>::new());
        tame::timer(secs(10), r.event("10 s"));
        tame::timer(secs(3600), r.event("an hour"));
        tame::time::advance(secs(10));
        assert_eq!(tame::now() - start, secs(10));
        assert_eq!(r.try_next(), None, "not before the loop turns");
        // From inside the loop, after the 10 s timer fired: advance past
        // the hour; it fires on the next turn, with no jump needed.
        let r2 = r.clone();
        tame::timer(
            Duration::ZERO,
            Event::from_fn(move |_| {
                assert_eq!(r2.try_next(), Some("10 s"));
                tame::time::advance(secs(7200));
            }),
        );
        tame::run();
        assert_eq!(r.try_next(), Some("an hour"));
        assert_eq!(tame::now() - start, secs(10 + 7200));
    });
}

#[test]
fn resume_lets_the_clock_run_on_from_the_virtual_time() {
    virtual_test(|| {
        tame::time::pause();
        let start = tame::now();
        tame::time::advance(secs(3600));
        // Before the resume, which reads the clock the timer counts from:
        // read after it, the 5 ms could start later than the timer's.
        let wall = Instant::now();
        tame::time::resume();
        assert!(!tame::time::is_paused());
        let r = Rendezvous::<()>::new();
        tame::timer(Duration::from_millis(5), r.event(()));
        tame::run();
        assert_eq!(r.try_next(), Some(()));
        // The 5 ms passed for real (the clock runs again), an hour ahead.
        assert!(wall.elapsed() >= Duration::from_millis(5));
        assert!(tame::now() - start >= secs(3600) + Duration::from_millis(5));
    });
}

/// A pause rounds the time up to a whole millisecond; a resume with
/// nothing moved on in between lets the real clock catch up, so pausing
/// and resuming over and over (a test helper per case, say) leaves the
/// loop's clock with the real one: a deadline taken from `Instant::now()`
/// is not reached early. Each cycle added its rounding to a lasting lead
/// (100 cycles: the clock 0.1 s ahead).
#[test]
fn pausing_and_resuming_again_and_again_does_not_run_the_clock_ahead() {
    virtual_test(|| {
        for _ in 0..100 {
            tame::run_once(Some(Duration::ZERO));
            tame::time::pause();
            tame::time::resume();
        }
        assert!(!tame::time::is_paused());
        tame::run_once(Some(Duration::ZERO));
        let lead = tame::now().saturating_duration_since(Instant::now());
        assert!(lead < Duration::from_millis(1), "{lead:?} ahead");
    });
}

#[test]
fn an_fd_wait_with_a_timeout_is_answered_by_a_writer_in_virtual_time() {
    // Both ends in the loop: the writer writes after 10 s of virtual time;
    // the reader's 30 s timeout does not fire, because the loop polls the
    // fd on the turn after the write, before it would jump to the timeout.
    #[tamed]
    fn writer(mut w: UnixStream) {
        twait! { tame::timer(secs(10), mkevent!()); }
        w.write_all(b"x").unwrap();
    }
    #[tamed]
    fn reader(r: UnixStream, done: Event<(Result<(), Timeout>, Instant)>) {
        let mut ready: Result<(), Timeout> = Err(Timeout);
        twait! {
            tame::wait_on_fd(&r, Interest::Read, tame::add_timeout(secs(30), mkevent!(ready))).unwrap();
        }
        done.trigger((ready, tame::now()));
    }
    virtual_test(|| {
        tame::time::pause();
        let start = tame::now();
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let r = Rendezvous::<()>::new();
        let (done, got) = r.event_with_slot(());
        reader(a, done);
        writer(b);
        tame::run();
        let (ready, at) = got.take().unwrap();
        assert_eq!(ready, Ok(()));
        assert_eq!(at - start, secs(10));
        assert_eq!(tame::__timer_entries(), 0, "the timeout was disarmed");
    });
}

#[test]
fn fds_are_polled_on_every_turn_while_timers_jump_through_virtual_time() {
    // A ticker keeps a timer armed at all times, so the paused clock keeps
    // jumping; a real thread writes to a socket after 20 ms of wall time,
    // and the loop still sees it (it polls without blocking every turn).
    #[tamed]
    fn ticker(stop: Rc<Cell<bool>>, ticks: Rc<Cell<u64>>) {
        while !stop.get() {
            twait! { tame::timer(secs(1), mkevent!()); }
            ticks.set(ticks.get() + 1);
        }
    }
    virtual_test(|| {
        tame::time::pause();
        let (a, mut b) = UnixStream::pair().unwrap();
        let stop = Rc::new(Cell::new(false));
        let ticks = Rc::new(Cell::new(0));
        ticker(stop.clone(), ticks.clone());
        let s = stop.clone();
        tame::wait_on_fd(&a, Interest::Read, Event::from_fn(move |_| s.set(true))).unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            b.write_all(b"x").unwrap();
        });
        tame::run();
        t.join().unwrap();
        assert!(stop.get(), "the fd wait fired");
        assert!(ticks.get() > 0, "virtual time went on meanwhile");
    });
}

#[test]
fn a_paused_loop_with_only_an_fd_wait_blocks_on_it() {
    virtual_test(|| {
        tame::time::pause();
        let start = tame::now();
        let (a, mut b) = UnixStream::pair().unwrap();
        let r = Rendezvous::<&str>::new();
        tame::wait_on_fd(&a, Interest::Read, r.event("readable")).unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            b.write_all(b"x").unwrap();
        });
        tame::run();
        t.join().unwrap();
        assert_eq!(r.try_next(), Some("readable"));
        assert_eq!(tame::now(), start, "no timer: the time stood still");
    });
}

/// The idle timeout of knot (examples/knot), as knot writes it: wait for
/// readability with `add_timeout`, answer what arrived, close when idle.
const IDLE: Duration = Duration::from_secs(30);

#[tamed]
fn idle_server(listener: TcpListener, closed_at: Rc<RefCell<Vec<Instant>>>) {
    tvars! {
        let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into());
    }
    twait! { listener.accept(mkevent!(accepted)); }
    let (stream, _) = accepted.unwrap();
    loop {
        let mut ready: Result<io::Result<()>, Timeout> = Err(Timeout);
        twait! { stream.readable(tame::add_timeout(IDLE, mkevent!(ready))); }
        if !matches!(ready, Ok(Ok(()))) {
            break; // idle for too long
        }
        let mut buf = [0u8; 64];
        match stream.try_read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                stream.try_write(b"ok\n").unwrap();
            }
        }
    }
    closed_at.borrow_mut().push(tame::now());
    stream.close();
}

#[tamed]
fn idle_client(addr: SocketAddr, log: Rc<RefCell<Vec<(String, Instant)>>>) {
    tvars! {
        let mut conn: io::Result<TcpStream> = Err(io::ErrorKind::NotConnected.into());
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    }
    twait! { TcpStream::connect(addr, mkevent!(conn)); }
    let conn = conn.unwrap();
    // A request at once, another after 29 s (within the idle timeout),
    // then silence: the server closes 30 s after the second.
    for pause in [Duration::ZERO, secs(29)] {
        twait! { tame::timer(pause, mkevent!()); }
        conn.try_write(b"ping").unwrap();
        twait! { conn.read(Vec::with_capacity(64), mkevent!(got)); }
        log.borrow_mut()
            .push((String::from_utf8_lossy(&got.0).into_owned(), tame::now()));
    }
    twait! { conn.read(Vec::with_capacity(64), mkevent!(got)); }
    log.borrow_mut()
        .push((format!("eof {:?}", got.1.as_ref().ok()), tame::now()));
}

#[test]
fn knots_idle_timeout_closes_an_idle_connection_after_30_s_of_virtual_time() {
    virtual_test(|| {
        tame::time::pause();
        let start = tame::now();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let closed_at = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::new(RefCell::new(Vec::new()));
        idle_server(listener, closed_at.clone());
        idle_client(addr, log.clone());
        tame::run();
        let log: Vec<(String, Duration)> = log
            .borrow()
            .iter()
            .map(|(what, at)| (what.clone(), *at - start))
            .collect();
        assert_eq!(
            log,
            [
                ("ok\n".to_string(), Duration::ZERO),
                ("ok\n".to_string(), secs(29)),
                ("eof Some(0)".to_string(), secs(59)),
            ]
        );
        assert_eq!(*closed_at.borrow(), [start + secs(59)]);
    });
}

/// A pause freezes the clock at the turn's reading, which may be old
/// (outside the loop once `now()` read it, or in a turn that computed for
/// long): timers armed before and after it keep the order of their
/// durations, and with nothing moving the time between, a resume leaves
/// the loop's time with the real one. `resume` took the reading's age for
/// time the pause made up: the clock stayed behind by it, and every
/// deadline taken from `Instant::now()` fired that much late.
#[test]
fn a_pause_of_an_old_reading_keeps_timer_order_and_loses_no_time() {
    let _ = tame::now();
    std::thread::sleep(Duration::from_millis(20));
    let r = Rendezvous::<&str>::new();
    tame::timer(Duration::from_millis(30), r.event("30 ms, before"));
    tame::time::pause();
    tame::timer(Duration::from_millis(10), r.event("10 ms, after"));
    tame::time::resume();
    tame::run();
    assert_eq!(r.try_next(), Some("10 ms, after"));
    assert_eq!(r.try_next(), Some("30 ms, before"));
    // Read afresh after `run()`: the real clock's time, not behind it.
    let real = Instant::now();
    assert!(tame::now() >= real, "left behind by the pause");
}
