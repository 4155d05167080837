//! What every example does with a command line it cannot take, and a
//! server with a stdout nobody reads: a message and a status, never a
//! panic or a quiet exit.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};

#[path = "support/example.rs"]
mod example;

/// An argument that is not UTF-8 is a usage error (status 2, said on
/// stderr): `std::env::args` panicked on it, status 101 and a backtrace.
#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    let bad = OsStr::from_bytes(b"\xff");
    for (name, before) in [
        ("knot", &["--root"][..]),
        ("sleepy", &[][..]),
        ("proxy", &["--to"][..]),
        ("multidns", &[][..]),
        ("microbench", &[][..]),
    ] {
        let out = Command::new(example::example(name))
            .args(before)
            .arg(bad)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("not UTF-8"), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

/// A server whose stdout has no reader cannot tell its address: it says
/// so and exits with status 1 (it exited 0, quietly, as a clean stop
/// would).
#[test]
fn a_server_that_cannot_print_its_address_says_so_and_fails() {
    let root = std::env::temp_dir();
    let root = root.to_str().unwrap();
    for (name, args) in [
        ("knot", &["--root", root, "--port", "0"][..]),
        ("sleepy", &["--port", "0"][..]),
        (
            "proxy",
            &["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9"][..],
        ),
    ] {
        // A pipe whose reader is closed before the server starts.
        let (reader, writer) = rustix::pipe::pipe().unwrap();
        drop(reader);
        let out = Command::new(example::example(name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains("cannot print its address"),
            "{name}: {stderr}"
        );
    }
}

/// A `--root` knot cannot use says why: missing is not "not a directory".
#[test]
fn a_missing_root_is_named_missing() {
    let out = Command::new(example::example("knot"))
        .args(["--root", "/nonexistent/knot-root"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No such file or directory"), "{stderr}");
}
