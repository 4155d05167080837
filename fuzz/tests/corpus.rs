//! The committed corpus of every fuzz target, run through the target's
//! check as a plain test (stable Rust, no libFuzzer): `corpus/TARGET/*`
//! (the seeds and what fuzzing kept) and `regressions/TARGET/*` (inputs
//! that once failed a check).

use std::path::Path;

fn run(target: &str, check: fn(&[u8])) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(here.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("{target}: {name} fails its check");
            }
            n += 1;
        }
    }
    assert!(n > 0, "{target} has no corpus");
    eprintln!("{target}: {n} inputs");
}

#[test]
fn dns_wire_corpus() {
    run("dns_wire", tame_fuzz::dns_wire);
}

#[test]
fn http_split_corpus() {
    run("http_split", tame_fuzz::http_split);
}

#[test]
fn knot_inbox_corpus() {
    run("knot_inbox", tame_fuzz::knot_inbox);
}

#[test]
fn dns_reply_corpus() {
    run("dns_reply", tame_fuzz::dns_reply);
}
