//! A loop on a process out of file descriptors still runs what needs none:
//! timers fire, `run()` returns (the loop's epoll descriptor could not be
//! made; it panicked). One test alone in its binary: it uses up every fd
//! of the process for a moment.

use std::fs::File;
use std::time::Duration;

use rustix::process::{Resource, Rlimit};
use tame::{mkevent, tamed, twait};

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
    let open_now = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    let limit = rustix::process::getrlimit(Resource::Nofile);
    rustix::process::setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(open_now + 64),
            maximum: limit.maximum,
        },
    )
    .unwrap();
    let mut hog = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(f) => hog.push(f),
            Err(e) if e.raw_os_error() == Some(24) => break, // EMFILE
            Err(e) => panic!("unexpected error filling the fd table: {e}"),
        }
        assert!(hog.len() <= 128, "no EMFILE at the lowered limit");
    }
    // A fresh thread: its loop has made no descriptor yet.
    let got = std::thread::spawn(|| tame::run_with(|done| count_ticks(3, done)))
        .join()
        .expect("the loop ran without its epoll descriptor");
    drop(hog);
    rustix::process::setrlimit(Resource::Nofile, limit).unwrap();
    assert_eq!(got, Some(3));
}
