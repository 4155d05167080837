//! A loop on a process out of file descriptors still runs what needs none:
//! timers fire, `run()` returns (the loop's epoll descriptor could not be
//! made; it panicked), `run_once` waits as long as it was asked. One test alone in its binary: it uses up every fd
//! of the process for a moment.

use std::time::Duration;

use tame::{mkevent, tamed, twait};

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::FullFdTable;

#[tamed]
fn count_ticks(n: u32) -> u32 {
    let mut ticks = 0;
    for _ in 0..n {
        twait! { tame::timer(Duration::from_millis(1), mkevent!()); }
        ticks += 1;
    }
    ticks
}

#[test]
fn timers_run_on_a_loop_that_cannot_make_its_epoll_descriptor() {
    let full = FullFdTable::new();
    // A fresh thread: its loop has made no descriptor yet.
    let got = std::thread::spawn(|| tame::run_with(|done| count_ticks(3, done)))
        .join()
        .expect("the loop ran without its epoll descriptor");
    // After a burst, the wait that gives the burst's memory back is cut
    // short (a sleep, here): it goes on, and `run_once(Some(d))` with
    // nothing due still waits `d`.
    let waited = std::thread::spawn(|| {
        for _ in 0..100_000 {
            tame::asap(tame::Event::from_fn(|_: Option<()>| {}));
        }
        tame::run();
        let _later = tame::Timer::after(Duration::from_secs(30), tame::Event::from_fn(|_| ()));
        let d = Duration::from_millis(600);
        let start = std::time::Instant::now();
        tame::run_once(Some(d));
        (start.elapsed(), d)
    })
    .join()
    .unwrap();
    drop(full);
    assert_eq!(got, Some(3));
    assert!(
        waited.0 >= waited.1,
        "run_once returned after {:?}",
        waited.0
    );
}
