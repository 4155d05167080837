//! micro: tokio's side of the micro benchmarks, next to tame's
//! `examples/microbench.rs`, on a `current_thread` runtime with a `LocalSet`:
//!
//! * `oneshot_spawned_sender_ns`: a oneshot channel whose sender is moved
//!   into a freshly spawned task (`spawn_local`) that sends; the caller
//!   awaits the receiver — the counterpart of tame's event round trip;
//! * `oneshot_tokio_spawn_ns`: the same on the bare runtime, both tasks
//!   `tokio::spawn`ed (no `LocalSet`), for reference;
//! * `spawn_local_await_ns`: `spawn_local` of an empty task and an await of
//!   its `JoinHandle`;
//! * `sleep_arm_cancel_ns`: `tokio::time::sleep(1 h)` created, polled once
//!   (which registers it with the timer wheel) and dropped, with no other
//!   timer pending (each arm then unparks the driver: an eventfd write);
//! * `sleep_arm_cancel_busy_ns`: the same while an earlier sleep is pending
//!   (no unpark: tokio's fast case);
//! * `mpsc_from_thread_ns`: values sent from a std thread through an
//!   unbounded `mpsc` and received by a task, per value (tame's
//!   `sync::mailbox`).
//!
//! Usage: `micro [N] [oneshot|oneshot-yield-fd|oneshot-spawn|spawn|sleep|sleep-busy|mpsc-thread]` (default 1,000,000). Prints
//! `name: ns/op` lines.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::task::spawn_local;

async fn oneshot_round_trips(n: u64) {
    for _ in 0..n {
        let (tx, rx) = oneshot::channel::<()>();
        spawn_local(async move {
            let _ = tx.send(());
        });
        rx.await.expect("the spawned task sends");
    }
}

/// The round trip of tame's `event_round_trip_fd_ns`: the spawned task
/// yields once before it sends, as tame's callee yields (`asap`) before it
/// triggers, with one socket waited on, as in a server (a yield then waits
/// for the runtime's next look at its descriptors, in either runtime).
async fn oneshot_yield_round_trips_fd(n: u64) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a listener");
    let accept = spawn_local(async move {
        let _ = listener.accept().await;
    });
    for _ in 0..n {
        let (tx, rx) = oneshot::channel::<()>();
        spawn_local(async move {
            tokio::task::yield_now().await;
            let _ = tx.send(());
        });
        rx.await.expect("the spawned task sends");
    }
    accept.abort();
}

/// The same round trip with `tokio::spawn` (`Send` tasks on the runtime
/// itself, no `LocalSet`), for reference.
async fn oneshot_round_trips_spawn(n: u64) {
    for _ in 0..n {
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = tx.send(());
        });
        rx.await.expect("the spawned task sends");
    }
}

async fn spawn_and_await(n: u64) {
    for _ in 0..n {
        spawn_local(async {})
            .await
            .expect("an empty task cannot fail");
    }
}

async fn sleep_arm_cancel(n: u64) {
    for _ in 0..n {
        let mut sleep = std::pin::pin!(tokio::time::sleep(Duration::from_secs(3600)));
        std::future::poll_fn(|cx| {
            assert!(sleep.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
    }
}

/// The same with another, earlier sleep pending the whole time: a new
/// sleep then never moves the driver's next wake-up earlier, so arming it
/// does not unpark the driver (tokio writes to its eventfd when it does,
/// which the empty-wheel case above pays every time).
async fn sleep_arm_cancel_busy(n: u64) {
    let mut earlier = std::pin::pin!(tokio::time::sleep(Duration::from_secs(1800)));
    std::future::poll_fn(|cx| {
        assert!(earlier.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    // Let the runtime park once (with a zero timeout) so that its time
    // driver records that earlier sleep as its next wake-up.
    tokio::task::yield_now().await;
    sleep_arm_cancel(n).await;
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = match args.next().as_deref() {
        Some("--help") | Some("-h") => {
            println!("usage: micro [N] [oneshot|oneshot-yield-fd|oneshot-spawn|spawn|sleep|sleep-busy|mpsc-thread]   (N iterations, default 1000000)");
            return;
        }
        Some(s) => s.parse().expect("N must be a number"),
        None => 1_000_000,
    };
    let only = args.next();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    // Each loop runs as a task, never as the `block_on` future itself: a
    // wake-up of the `block_on` future parks the runtime, which costs an
    // `epoll_wait` per round trip (a syscall that tame's event round trip
    // does not make either, and that a server's connection tasks never pay).
    let measure = |name: &str, label: &str, f: &dyn Fn(u64) -> Bench| {
        if only.as_deref().is_some_and(|o| o != name) {
            return;
        }
        let run = |n| match f(n) {
            Bench::Local(fut) => local.block_on(&rt, async move {
                spawn_local(fut).await.expect("benchmark task");
            }),
            Bench::Runtime(fut) => rt.block_on(async move {
                tokio::spawn(fut).await.expect("benchmark task");
            }),
        };
        run(n / 10); // warm up
        let start = Instant::now();
        run(n);
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        println!("{label}: {ns:.1}");
    };
    measure("oneshot", "oneshot_spawned_sender_ns", &|n| {
        Bench::Local(Box::pin(oneshot_round_trips(n)))
    });
    measure("oneshot-yield-fd", "oneshot_yield_fd_ns", &|n| {
        Bench::Local(Box::pin(oneshot_yield_round_trips_fd(n)))
    });
    measure("oneshot-spawn", "oneshot_tokio_spawn_ns", &|n| {
        Bench::Runtime(Box::pin(oneshot_round_trips_spawn(n)))
    });
    measure("spawn", "spawn_local_await_ns", &|n| {
        Bench::Local(Box::pin(spawn_and_await(n)))
    });
    measure("sleep", "sleep_arm_cancel_ns", &|n| {
        Bench::Local(Box::pin(sleep_arm_cancel(n)))
    });
    measure("sleep-busy", "sleep_arm_cancel_busy_ns", &|n| {
        Bench::Local(Box::pin(sleep_arm_cancel_busy(n)))
    });
    measure("mpsc-thread", "mpsc_from_thread_ns", &|n| {
        Bench::Local(Box::pin(mpsc_from_thread(n)))
    });
}

/// `n` values sent from a std thread through an unbounded channel and
/// received by a task (examples/microbench.rs's `mailbox`). The clock runs
/// from before the thread starts, as there.
async fn mpsc_from_thread(n: u64) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let sender = std::thread::spawn(move || {
        for i in 0..n {
            tx.send(i).expect("the receiver lives");
        }
    });
    let mut sum = 0;
    while let Some(v) = rx.recv().await {
        sum += v;
    }
    sender.join().expect("the sending thread");
    assert_eq!(sum, n * (n - 1) / 2);
}

/// A benchmark loop and where it runs: as a `spawn_local` task in the
/// `LocalSet`, or as a `tokio::spawn` task on the bare runtime.
enum Bench {
    Local(Pin<Box<dyn Future<Output = ()>>>),
    Runtime(Pin<Box<dyn Future<Output = ()> + Send>>),
}
