//! `run()` knows which waits are live by counting: it returns at once when
//! 10,000 sources with waits pending are dropped, whether their waits' events
//! died before the handles went or die afterwards, and every descriptor is
//! closed. (Alone in this file: the open-file count of the process is
//! what is checked, so no other test may open files meanwhile.)

use std::io;
use std::time::{Duration, Instant};

use tame::io::Fd;
use tame::Rendezvous;

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

#[path = "support/fd_limit.rs"]
mod fd_limit;
use fd_limit::allow_fds;

const SOURCES: usize = 10_000;

/// The tests with 10,000 descriptors run one at a time (the test harness
/// runs tests on several threads of one process, which has one limit).
static MANY_FDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `SOURCES` eventfds (never readable: their counters stay 0).
fn eventfds() -> Vec<Fd> {
    allow_fds(SOURCES as u64);
    (0..SOURCES)
        .map(|_| {
            let efd = rustix::event::eventfd(0, rustix::event::EventfdFlags::empty()).unwrap();
            Fd::new(efd).unwrap()
        })
        .collect()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn run_returns_at_once_when_ten_thousand_sources_whose_waits_are_dead_are_dropped() {
    let _one_at_a_time = MANY_FDS.lock().unwrap_or_else(|p| p.into_inner());
    on_fresh_loop(|| {
        let before = open_fds();
        let fds = eventfds();
        let r = Rendezvous::<usize>::new();
        for (i, fd) in fds.iter().enumerate() {
            fd.readable(r.event_with_slot::<io::Result<()>>(i).0);
        }
        assert_eq!(tame::__live_waits(), SOURCES);
        // Nobody listens any more, then the handles go: each drop cancels
        // its dead wait at once and closes its descriptor.
        drop(r);
        drop(fds);
        assert!(open_fds() < before + 64, "the descriptors are closed");
        let start = Instant::now();
        tame::run();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(tame::__live_waits(), 0);
    });
}

#[test]
fn run_returns_at_once_when_ten_thousand_dropped_sources_lose_their_readers() {
    let _one_at_a_time = MANY_FDS.lock().unwrap_or_else(|p| p.into_inner());
    on_fresh_loop(|| {
        let before = open_fds();
        let fds = eventfds();
        let r = Rendezvous::<usize>::new();
        for (i, fd) in fds.iter().enumerate() {
            fd.read(
                Vec::with_capacity(8),
                r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(i).0,
            );
        }
        // The reads are live: dropping the handles keeps them.
        drop(fds);
        assert_eq!(tame::__live_waits(), SOURCES);
        assert!(open_fds() >= before + SOURCES);
        // Then nobody listens any more.
        drop(r);
        let start = Instant::now();
        tame::run();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(tame::__live_waits(), 0);
        assert!(open_fds() < before + 64, "the descriptors are closed");
    });
}
