//! `spawn_blocking` on a process out of file descriptors. One test alone
//! in its binary: it uses up every fd of the process for a moment.

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::FullFdTable;

/// `spawn_blocking` on a loop that cannot make its eventfd panics, as
/// documented, in its own name and pointing at `prepare_loop`, before the
/// job is handed over (it named `tame::spawn`, and the job ran all the
/// same: a caller that caught the panic and tried again ran it twice).
#[test]
fn spawn_blocking_without_an_eventfd_panics_in_its_own_name_before_the_job_goes() {
    // (The fd table is full for the length of one statement's thread.)
    let full = FullFdTable::new();
    let panic = std::thread::spawn(|| {
        let r = tame::Rendezvous::<()>::new();
        let (ev, _slot) = r.event_with_slot::<u32>(());
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tame::spawn_blocking(|| 7, ev)
        }))
    })
    .join()
    .expect("the thread caught the panic");
    drop(full);
    let payload = panic.expect_err("spawn_blocking panicked");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.starts_with("tame::spawn_blocking:"), "{message}");
    assert!(message.contains("prepare_loop"), "{message}");
}
