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
#[path = "support/signal_mask.rs"]
mod signal_mask;
use signal_mask::blocked_here;

#[test]
fn a_failed_at_signal_leaves_the_signal_unblocked() {
    const SIGUSR2: i32 = 12;
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
