//! `tame::io::stdout()` and `tame::io::stderr()`: writes on the loop that
//! never block it, and an `O_NONBLOCK` that reaches nothing else. A pipe
//! (or terminal) is opened again, so the parent's end and the program's
//! own `println!` / `eprintln!` stay blocking; a regular file is a
//! duplicate, whose mode is set back when the last handle goes. Each test
//! runs itself again as a child with its standard output (or error) on the
//! descriptor under test.

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

/// The standard descriptor a test writes through.
#[derive(Clone, Copy)]
enum Std {
    Out,
    Err,
}

/// Runs the test `name` again as a child, with `out` as its stdout (or
/// stderr).
fn run_child(name: &str, which: Std, out: impl Into<std::process::Stdio>) -> std::process::Child {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", name, "--test-threads=1", "--nocapture"])
        .env(CHILD, "1");
    match which {
        Std::Out => child.stdout(out),
        Std::Err => child.stderr(out),
    };
    child.spawn().unwrap()
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

/// The child's side: writes through `stdout()` (or `stderr()`), checks
/// descriptor 1's (or 2's) mode while and after, then prints a line of its
/// own there.
fn in_the_child(which: Std) {
    match which {
        Std::Out => {
            assert!(!non_blocking(io::stdout()));
            let out = tame::io::stdout().unwrap();
            tame::run_with(|d| write_big(out, d)).unwrap().unwrap();
            assert!(
                !non_blocking(io::stdout()),
                "descriptor 1 is non-blocking after stdout()'s handle went"
            );
            println!("\nchild done");
        }
        Std::Err => {
            assert!(!non_blocking(io::stderr()));
            let err = tame::io::stderr().unwrap();
            tame::run_with(|d| write_big(err, d)).unwrap().unwrap();
            assert!(
                !non_blocking(io::stderr()),
                "descriptor 2 is non-blocking after stderr()'s handle went"
            );
            eprintln!("\nchild done");
        }
    }
}

/// The child writes to a pipe through the handle of `which`; the
/// parent's end of the pipe stays blocking.
fn on_a_pipe(name: &str, which: Std) {
    if std::env::var_os(CHILD).is_some() {
        in_the_child(which);
        return;
    }
    let (mut reader, writer) = io::pipe().unwrap();
    // The parent's own handle on the write end: the same open file
    // description as the child's descriptor 1.
    let ours = writer.try_clone().unwrap();
    let mut child = run_child(name, which, writer);
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

/// The child writes to a regular file through the handle of `which`;
/// the file's description is blocking again when the handle is gone.
fn on_a_regular_file(name: &str, which: Std) {
    if std::env::var_os(CHILD).is_some() {
        in_the_child(which);
        return;
    }
    let dir = std::env::temp_dir().join(format!("tame-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out");
    let file = File::create(&path).unwrap();
    let ours = file.try_clone().unwrap();
    let mut child = run_child(name, which, file);
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

#[test]
fn stdout_on_a_pipe_leaves_the_parents_end_blocking() {
    on_a_pipe("stdout_on_a_pipe_leaves_the_parents_end_blocking", Std::Out);
}

#[test]
fn stdout_on_a_regular_file_is_set_back_when_its_handle_goes() {
    on_a_regular_file(
        "stdout_on_a_regular_file_is_set_back_when_its_handle_goes",
        Std::Out,
    );
}

#[test]
fn stderr_on_a_pipe_leaves_the_parents_end_blocking() {
    on_a_pipe("stderr_on_a_pipe_leaves_the_parents_end_blocking", Std::Err);
}

#[test]
fn stderr_on_a_regular_file_is_set_back_when_its_handle_goes() {
    on_a_regular_file(
        "stderr_on_a_regular_file_is_set_back_when_its_handle_goes",
        Std::Err,
    );
}

/// A pseudo-terminal's master end as the program's standard input and
/// output (a program run by another as its terminal's driver): opened
/// again through `/proc/self/fd`, it would be a new terminal (a read
/// waited forever, a write went nowhere), and a duplicate made
/// non-blocking would make `println!` fail with `WouldBlock`. Both are
/// refused with an error that says so.
#[test]
fn a_pseudo_terminals_master_end_is_refused_with_a_reason() {
    if std::env::var_os(CHILD).is_some() {
        for (name, got) in [("stdin", tame::io::stdin()), ("stdout", tame::io::stdout())] {
            let e = got
                .err()
                .unwrap_or_else(|| panic!("{name}() took the master end"));
            assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{name}: {e}");
            assert!(e.to_string().contains("master end"), "{name}: {e}");
        }
        assert!(!non_blocking(io::stdout()));
        return;
    }
    let master = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/ptmx")
        .unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_pseudo_terminals_master_end_is_refused_with_a_reason",
            "--test-threads=1",
            "--quiet",
        ])
        .env(CHILD, "1")
        .stdin(master.try_clone().unwrap())
        .stdout(master)
        .status()
        .unwrap();
    assert!(status.success(), "the child failed: {status}");
}
