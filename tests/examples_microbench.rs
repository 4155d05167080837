//! examples/microbench.rs as `bench/run` and a user call it: a short run of
//! one mode, and a usage error (exit 2) for what it cannot take.

use std::process::Command;

#[path = "support/example.rs"]
mod example;

fn microbench(args: &[&str]) -> std::process::Output {
    Command::new(example::example("microbench"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_short_run_of_one_mode_prints_its_line() {
    let out = microbench(&["100", "timer"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let ns: f64 = text
        .strip_prefix("timer_arm_cancel_ns: ")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{text:?}"));
    assert!(ns.is_finite() && ns > 0.0, "{text:?}");
}

/// The round trip with a socket waited on ends, its listener closed (a
/// listener dropped with its accept in flight kept the loop waiting).
#[test]
fn the_round_trip_with_a_socket_waited_on_ends() {
    let out = microbench(&["100", "event-fd"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("event_round_trip_fd_ns: "), "{text:?}");
}

#[test]
fn what_it_cannot_take_is_a_usage_error() {
    for args in [
        &["abc"][..],
        &["0"],
        &["10", "bogus"],
        &["10", "timer", "extra"],
    ] {
        let out = microbench(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}: ran anyway");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("usage: microbench [N] [MODE]"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn help_documents_every_mode() {
    example::assert_help_mentions(
        "microbench",
        &[
            "event",
            "event-fd",
            "timer",
            "timer-busy",
            "handle",
            "handle-busy",
            "add-timeout",
        ],
    );
}
