//! `tame::io::stdin()` on a terminal: descriptors 0, 1 and 2 of a
//! terminal share one open file description, and the reader's
//! `O_NONBLOCK` must not reach the program's own output (its `println!`
//! would fail with `WouldBlock` once the terminal's buffer is full).

use std::fs::OpenOptions;
use std::process::Command;

use tame::{mkevent, tamed, twait};

const CHILD: &str = "TAME_STDIN_CHILD";

#[test]
fn stdin_on_a_character_device_leaves_stdout_blocking() {
    if std::env::var_os(CHILD).is_some() {
        in_the_child();
        return;
    }
    // /dev/null is a character device, as a terminal is: opened once,
    // read-write, and given to the child as its stdin and stdout, they
    // share one open file description.
    let dev = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stdin_on_a_character_device_leaves_stdout_blocking",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdin(dev.try_clone().unwrap())
        .stdout(dev)
        .status()
        .unwrap();
    assert!(status.success(), "the child failed: {status}");
}

#[tamed]
fn read_to_end(input: tame::io::Fd) -> std::io::Result<usize> {
    let mut got: (Vec<u8>, std::io::Result<usize>) = (Vec::new(), Ok(0));
    twait! { input.read(Vec::with_capacity(64), mkevent!(got)); }
    got.1
}

fn in_the_child() {
    let stdout_blocking = || {
        let flags = rustix::fs::fcntl_getfl(std::io::stdout()).unwrap();
        !flags.contains(rustix::fs::OFlags::NONBLOCK)
    };
    assert!(stdout_blocking());
    let input = tame::io::stdin().unwrap();
    assert!(stdout_blocking(), "stdin() made stdout non-blocking");
    // It reads: /dev/null is at its end at once.
    assert_eq!(
        tame::run_with(|d| read_to_end(input, d)).unwrap().unwrap(),
        0
    );
    assert!(stdout_blocking());
}
