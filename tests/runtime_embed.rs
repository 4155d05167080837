//! Another loop driving tame's: it polls `tame::loop_fd()` for at most
//! `tame::next_timeout()`, then steps tame with `run_once(Some(ZERO))`.
//! The descriptor must become readable for what tame waits on (an fd, a
//! wake from another thread), and the timeout must say when tame has
//! work queued or a timer to fire.

use std::os::fd::BorrowedFd;
use std::time::Duration;

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use tame::Rendezvous;

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Polls the loop's descriptor for up to ten seconds: whether it became
/// readable (rather than the poll timing out).
fn loop_fd_readable() -> bool {
    let raw = tame::loop_fd().unwrap();
    // SAFETY: the loop's descriptor, valid while this thread runs.
    let fd = unsafe { BorrowedFd::borrow_raw(raw) };
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let ten = Timespec {
        tv_sec: 10,
        tv_nsec: 0,
    };
    poll(&mut fds, Some(&ten)).unwrap() == 1 && fds[0].revents().contains(PollFlags::IN)
}

#[test]
fn the_loop_fd_is_readable_once_a_descriptor_tame_waits_on_is_ready() {
    on_fresh_loop(|| {
        let r = Rendezvous::<&str>::new();
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = tame::io::Fd::new(reader).unwrap();
        reader.readable(r.event_with_slot("readable").0);
        tame::run_once(Some(Duration::ZERO)); // nothing yet
        assert_eq!(r.try_next(), None);
        std::thread::spawn(move || std::io::Write::write_all(&mut writer, b"x").unwrap());
        while r.queued() == 0 {
            assert!(loop_fd_readable(), "the write did not wake the descriptor");
            tame::run_once(Some(Duration::ZERO));
        }
        assert_eq!(r.try_next(), Some("readable"));
    });
}

#[test]
fn the_loop_fd_is_readable_once_another_thread_wakes_the_loop() {
    on_fresh_loop(|| {
        let latch = tame::sync::Latch::new().unwrap();
        let r = Rendezvous::<()>::new();
        latch.wait(r.event(())).unwrap();
        let setter = latch.clone();
        std::thread::spawn(move || setter.set());
        while r.queued() == 0 {
            assert!(loop_fd_readable(), "the latch did not wake the descriptor");
            tame::run_once(Some(Duration::ZERO));
        }
        assert_eq!(r.try_next(), Some(()));
    });
}

#[test]
fn next_timeout_says_now_for_queued_work_when_a_timer_is_due_and_nothing_without_one() {
    on_fresh_loop(|| {
        assert_eq!(tame::next_timeout(), None, "nothing at all");
        let r = Rendezvous::<u8>::new();
        tame::timer(Duration::from_secs(60), r.event(1));
        tame::run_once(Some(Duration::ZERO)); // the loop takes the timer in
        let t = tame::next_timeout().expect("a timer is armed");
        assert!(t > Duration::ZERO && t <= Duration::from_secs(60), "{t:?}");
        tame::asap(r.event(2));
        assert_eq!(tame::next_timeout(), Some(Duration::ZERO), "work queued");
        tame::run_once(Some(Duration::ZERO));
        assert_eq!(r.try_next(), Some(2));
        assert!(tame::next_timeout().is_some_and(|t| t > Duration::ZERO));
        r.cancel();
        assert_eq!(
            tame::next_timeout(),
            None,
            "the timer went with its rendezvous"
        );
    });
}

/// Polls the loop's descriptor without waiting: whether it is readable.
fn loop_fd_readable_now() -> bool {
    let raw = tame::loop_fd().unwrap();
    // SAFETY: the loop's descriptor, valid while this thread runs.
    let fd = unsafe { BorrowedFd::borrow_raw(raw) };
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    poll(&mut fds, Some(&Timespec::default())).unwrap() == 1
}

/// Readiness nothing waits for (data on a descriptor whose wait is over)
/// is taken by the next step even when tame has nothing left to do: the
/// descriptor stayed readable, and a loop waiting on it spun.
#[test]
fn a_step_with_nothing_left_takes_what_the_descriptor_reported() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = tame::io::Fd::new(reader).unwrap();
        reader.readable(r.event_with_slot(()).0);
        std::io::Write::write_all(&mut writer, b"x").unwrap();
        while r.try_next().is_none() {
            assert!(loop_fd_readable());
            tame::run_once(Some(Duration::ZERO));
        }
        reader.try_read(&mut [0; 8]).unwrap();
        std::io::Write::write_all(&mut writer, b"y").unwrap(); // no wait for it
        assert!(!tame::run_once(Some(Duration::ZERO)), "nothing left");
        assert!(!loop_fd_readable_now(), "the step took the report");
        assert_eq!(tame::next_timeout(), None);
    });
}

/// Work queued on this thread between steps, by code the other loop runs
/// (a tokio task, say), makes the descriptor readable: that loop may be
/// parked on it with no timeout, as `next_timeout` said before the work
/// came.
#[test]
fn work_queued_between_steps_makes_the_loop_fd_readable() {
    on_fresh_loop(|| {
        tame::loop_fd().unwrap();
        assert_eq!(tame::next_timeout(), None);
        let r = Rendezvous::<&str>::new();
        tame::asap(r.event("asap"));
        assert!(loop_fd_readable(), "asap did not wake the descriptor");
        tame::run_once(Some(Duration::ZERO));
        assert_eq!(r.try_next(), Some("asap"));
        assert!(!loop_fd_readable_now(), "the step took the wake-up");
        tame::timer(Duration::from_secs(60), r.event("timer"));
        assert!(
            loop_fd_readable(),
            "a timer armed did not wake the descriptor"
        );
        tame::run_once(Some(Duration::ZERO));
        assert!(tame::next_timeout().is_some_and(|t| t > Duration::ZERO));
    });
}

/// Holds a flag up while alive: whether a cancelled function's locals
/// were dropped.
struct Alive(std::rc::Rc<std::cell::Cell<bool>>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

#[tame::tamed]
fn waits_an_hour(alive: Alive, done: tame::Event) {
    let _alive = alive;
    tame::twait! { tame::timer(Duration::from_secs(3600), tame::mkevent!()); }
    done.trigger(());
}

/// A cancel made between steps (the other loop's task drops the
/// rendezvous a tamed function was given, or a spawned future's) makes the
/// descriptor readable and `next_timeout` say now: the function's locals
/// are dropped at the next step, as the loop learns of the death, not
/// whenever something else steps it (an hour's timer here).
#[test]
fn a_cancel_between_steps_makes_the_loop_fd_readable() {
    on_fresh_loop(|| {
        tame::loop_fd().unwrap();
        let alive = std::rc::Rc::new(std::cell::Cell::new(true));
        let r = Rendezvous::<()>::new();
        waits_an_hour(Alive(alive.clone()), r.event(()));
        tame::run_once(Some(Duration::ZERO));
        assert!(!loop_fd_readable_now(), "nothing to do yet");
        assert!(tame::next_timeout().is_some_and(|t| t > Duration::from_secs(60)));
        drop(r);
        assert_eq!(tame::next_timeout(), Some(Duration::ZERO));
        assert!(loop_fd_readable(), "the cancel did not wake the descriptor");
        assert!(alive.get(), "cancelled on the next step, not at once");
        tame::run_once(Some(Duration::ZERO));
        assert!(!alive.get(), "the step did not drop the cancelled function");

        let alive = std::rc::Rc::new(std::cell::Cell::new(true));
        let r = Rendezvous::<()>::new();
        let held = Alive(alive.clone());
        let never = std::future::pending::<()>();
        tame::spawn(
            async move {
                let _held = held;
                never.await
            },
            r.event(()),
        );
        tame::run_once(Some(Duration::ZERO));
        assert!(!loop_fd_readable_now(), "nothing to do yet");
        r.cancel();
        assert_eq!(tame::next_timeout(), Some(Duration::ZERO));
        assert!(loop_fd_readable(), "the cancel did not wake the descriptor");
        tame::run_once(Some(Duration::ZERO));
        assert!(!alive.get(), "the step did not drop the cancelled future");
    });
}
