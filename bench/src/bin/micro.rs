//! micro: tokio's side of the micro benchmarks, next to tame's
//! `examples/microbench.rs`, on a `current_thread` runtime with a `LocalSet`:
//!
//! * `oneshot_spawned_sender_ns`: a oneshot channel whose sender is moved
//!   into a freshly spawned task (`spawn_local`) that sends; the caller
//!   awaits the receiver — the counterpart of tame's event round trip;
//! * `oneshot_tokio_spawn_ns`: the same with `tokio::spawn` instead of
//!   `spawn_local` (no `LocalSet` queue in between), for reference;
//! * `spawn_local_await_ns`: `spawn_local` of an empty task and an await of
//!   its `JoinHandle`;
//! * `sleep_arm_cancel_ns`: `tokio::time::sleep(1 h)` created, polled once
//!   (which registers it with the timer wheel) and dropped.
//!
//! Usage: `micro [N] [oneshot|oneshot-spawn|spawn|sleep]` (default 1,000,000). Prints
//! `name: ns/op` lines.

use std::future::Future;
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

/// The same round trip with `tokio::spawn` (a `Send` task on the runtime
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

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = match args.next().as_deref() {
        Some("--help") | Some("-h") => {
            println!("usage: micro [N] [oneshot|oneshot-spawn|spawn|sleep]   (N iterations, default 1000000)");
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
    let measure =
        |name: &str,
         label: &str,
         f: &dyn Fn(u64) -> std::pin::Pin<Box<dyn Future<Output = ()>>>| {
            if only.as_deref().is_some_and(|o| o != name) {
                return;
            }
            local.block_on(&rt, f(n / 10)); // warm up
            let start = Instant::now();
            local.block_on(&rt, f(n));
            let ns = start.elapsed().as_nanos() as f64 / n as f64;
            println!("{label}: {ns:.1}");
        };
    measure("oneshot", "oneshot_spawned_sender_ns", &|n| {
        Box::pin(oneshot_round_trips(n))
    });
    measure("oneshot-spawn", "oneshot_tokio_spawn_ns", &|n| {
        Box::pin(oneshot_round_trips_spawn(n))
    });
    measure("spawn", "spawn_local_await_ns", &|n| {
        Box::pin(spawn_and_await(n))
    });
    measure("sleep", "sleep_arm_cancel_ns", &|n| {
        Box::pin(sleep_arm_cancel(n))
    });
}
