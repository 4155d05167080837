//! multidns, the paper's lookups as a program: every mode, the blocking
//! loop beside them included, reports a name the same way. Run against
//! tame's test nameserver on a thread of the test.

use std::process::Command;

use tame::dns::server::{Misbehavior, Server};
use tame::dns::wire;

#[path = "support/example.rs"]
mod example;

/// multidns's output and exit code for `names` asked of a nameserver that
/// misbehaves as `m`.
fn run_against(m: Misbehavior, names: &[&str]) -> (String, Option<i32>) {
    let srv = Server::builder().misbehave(m).spawn().unwrap();
    let out = Command::new(example::example("multidns"))
        .arg("--server")
        .arg(srv.local_addr().to_string())
        .args(names)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

#[test]
fn every_mode_reports_a_nameserver_failure_as_such() {
    for (m, says) in [
        (Misbehavior::ServFail, "nameserver failure (SERVFAIL)"),
        (
            Misbehavior::Rcode(wire::RCODE_REFUSED),
            "the nameserver refused the query (REFUSED)",
        ),
    ] {
        let (out, code) = run_against(m, &["a.test"]);
        assert_eq!(code, Some(1), "{out}");
        for mode in [
            "multidns (sequential)",
            "multidns_par (parallel)",
            "multidns_win (window)",
            "blocking UDP loop (no tame)",
        ] {
            let line = format!("  {mode}: a.test: {says}");
            assert!(out.contains(&line), "no `{line}` in:\n{out}");
        }
    }
}

#[test]
fn the_demo_resolves_every_name_in_every_mode() {
    let out = Command::new(example::example("multidns"))
        .args(["-n", "6", "--window", "2", "--delay", "5"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("6/6").count(), 4, "{text}");
}
