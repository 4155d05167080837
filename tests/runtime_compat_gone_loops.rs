//! A waker kept after its loop's thread exited holds none of that loop's
//! descriptors: a pool that keeps wakers of many short-lived loops does
//! not keep an eventfd of each. Alone in its binary: it counts the
//! process's eventfds, which another test's loops would change.

use std::task::{Poll, Waker};

/// The eventfds the process has open now.
fn eventfds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().contains("eventfd"))
        .count()
}

/// A waker of a future spawned on a loop of its own thread, which has
/// exited by the time this returns.
fn waker_of_a_gone_loop() -> Waker {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pending = std::future::poll_fn(move |cx| {
            let _ = tx.send(cx.waker().clone());
            Poll::<()>::Pending
        });
        tame::spawn(pending, tame::Event::detached());
        tame::run_once(Some(std::time::Duration::ZERO));
    })
    .join()
    .unwrap();
    rx.recv().unwrap()
}

#[test]
fn wakers_of_gone_loops_hold_no_eventfd_and_waking_them_does_nothing() {
    let before = eventfds();
    let wakers: Vec<Waker> = (0..20).map(|_| waker_of_a_gone_loop()).collect();
    assert_eq!(
        eventfds(),
        before,
        "an eventfd of a gone loop is still open"
    );
    for w in &wakers {
        w.wake_by_ref();
    }
    for w in wakers {
        w.wake();
    }
    assert_eq!(eventfds(), before);
}
