//! `at_signal` on a loop that cannot make its epoll descriptor (one fd
//! left: the signal descriptor takes it): the error comes back and the
//! signal is not left blocked, so its default action (Ctrl-C ending the
//! program) still happens. It was blocked before the loop's registration
//! failed, and stayed so: a program that took the error as non-fatal could
//! no longer be stopped with Ctrl-C. One test alone in its binary: it uses
//! up every fd of the process for a moment.

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::FullFdTable;

/// Whether `signo` is blocked in the calling thread.
fn blocked_here(signo: u32) -> bool {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .expect("a SigBlk line");
    let mask = u64::from_str_radix(mask.trim(), 16).unwrap();
    mask & (1 << (signo - 1)) != 0
}

#[test]
fn a_failed_at_signal_leaves_the_signal_unblocked() {
    const SIGUSR2: u32 = 12;
    let mut full = FullFdTable::new();
    full.free(1);
    // A fresh thread: its loop has made no descriptor yet.
    let (refused, blocked) = std::thread::spawn(move || {
        let r = tame::Rendezvous::<()>::new();
        let got = tame::at_signal(tame::Signal::Usr2, r.event(()));
        // Descriptors back, to read the thread's mask.
        drop(full);
        (got.is_err(), blocked_here(SIGUSR2))
    })
    .join()
    .unwrap();
    assert!(refused, "at_signal succeeded with one descriptor left");
    assert!(!blocked, "SIGUSR2 was left blocked by a failed at_signal");
}
