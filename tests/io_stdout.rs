//! `tame::io::stdout()`: writes on the loop that never block it, and an
//! `O_NONBLOCK` that reaches nothing else. A pipe (or terminal) is opened
//! again, so the parent's end and the program's own `println!` stay
//! blocking; a regular file is a duplicate, whose mode is set back when the
//! last handle goes. Each test runs itself again as a child with its
//! standard output on the descriptor under test.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::process::Command;

use tame::io::{Fd, WriteAllOutcome};
use tame::{mkevent, tamed, twait};

const CHILD: &str = "TAME_STDOUT_CHILD";

/// What the child writes through the `Fd`: more than a pipe holds, so
/// the write waits for the reader.
const BIG: usize = 1 << 20;

fn non_blocking(fd: impl AsFd) -> bool {
    let flags = rustix::fs::fcntl_getfl(fd).unwrap();
    flags.contains(rustix::fs::OFlags::NONBLOCK)
}

/// Runs the test `name` again as a child, with `out` as its stdout.
fn run_child(name: &str, out: impl Into<std::process::Stdio>) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .stdout(out)
        .spawn()
        .unwrap()
}

/// What the child wrote: the `Fd`'s bytes whole, then its own line (the
/// test harness of the child prints its report around them).
fn assert_written(got: &[u8]) {
    let start = got.iter().position(|&b| b == b'x').expect("the Fd's bytes");
    let run = got[start..].iter().take_while(|&&b| b == b'x').count();
    assert_eq!(run, BIG);
    let rest = String::from_utf8_lossy(&got[start + run..]);
    assert!(rest.starts_with("\nchild done\n"), "{rest}");
}

#[tamed]
fn write_big(out: Fd) -> io::Result<()> {
    let wrote: WriteAllOutcome<Vec<u8>>;
    twait! { out.write_all(vec![b'x'; BIG], mkevent!(wrote)); }
    wrote.1
}

/// The child's side: writes through `stdout()`, checks descriptor 1's
/// mode while and after, then prints a line of its own.
fn in_the_child() {
    assert!(!non_blocking(io::stdout()));
    let out = tame::io::stdout().unwrap();
    tame::run_with(|d| write_big(out, d)).unwrap().unwrap();
    assert!(
        !non_blocking(io::stdout()),
        "descriptor 1 is non-blocking after stdout()'s handle went"
    );
    println!("\nchild done");
}

#[test]
fn stdout_on_a_pipe_leaves_the_parents_end_blocking() {
    if std::env::var_os(CHILD).is_some() {
        in_the_child();
        return;
    }
    let (mut reader, writer) = io::pipe().unwrap();
    // The parent's own handle on the write end: the same open file
    // description as the child's descriptor 1.
    let ours = writer.try_clone().unwrap();
    let mut child = run_child("stdout_on_a_pipe_leaves_the_parents_end_blocking", writer);
    let mut got = Vec::new();
    // Read to the end in a thread of its own: the end comes when both
    // the child and `ours` are gone.
    let reading = std::thread::spawn(move || {
        reader.read_to_end(&mut got).unwrap();
        got
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "the child failed: {status}");
    assert!(
        !non_blocking(&ours),
        "the parent's end was left non-blocking"
    );
    drop(ours);
    let got = reading.join().unwrap();
    assert_written(&got);
}

#[test]
fn stdout_on_a_regular_file_is_set_back_when_its_handle_goes() {
    if std::env::var_os(CHILD).is_some() {
        in_the_child();
        return;
    }
    let dir = std::env::temp_dir().join(format!("tame-stdout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out");
    let file = File::create(&path).unwrap();
    let ours = file.try_clone().unwrap();
    let mut child = run_child(
        "stdout_on_a_regular_file_is_set_back_when_its_handle_goes",
        file,
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "the child failed: {status}");
    assert!(
        !non_blocking(&ours),
        "the file's description was left non-blocking"
    );
    let got = std::fs::read(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_written(&got);
}
