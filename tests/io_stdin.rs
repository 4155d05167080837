//! `tame::io::stdin()` on a terminal: descriptors 0, 1 and 2 of a
//! terminal share one open file description, and the reader's
//! `O_NONBLOCK` must not reach the program's own output (its `println!`
//! would fail with `WouldBlock` once the terminal's buffer is full). Nor
//! may the handles of a socket on descriptors 0, 1 or 2 (inetd's,
//! journald's) change its mode; a pipe's handles share theirs.

use std::fs::OpenOptions;
use std::os::fd::FromRawFd;
use std::process::{Command, Stdio};

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

const PIPE_CHILD: &str = "TAME_STDIN_PIPE_CHILD";

#[test]
fn stdin_stays_non_blocking_until_its_last_handle_goes() {
    if std::env::var_os(PIPE_CHILD).is_some() {
        two_handles_in_the_child();
        return;
    }
    // A pipe is shared, as a parent's pipe is: every handle of stdin()
    // duplicates descriptor 0 and shares its mode. Its write end stays
    // open, and empty, until the child is done.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stdin_stays_non_blocking_until_its_last_handle_goes",
            "--test-threads=1",
        ])
        .env(PIPE_CHILD, "1")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let input = child.stdin.take();
    let status = child.wait().unwrap();
    drop(input);
    assert!(status.success(), "the child failed: {status}");
}

/// Whether descriptor 0's open file description is non-blocking.
fn stdin_non_blocking() -> bool {
    let flags = rustix::fs::fcntl_getfl(std::io::stdin()).unwrap();
    flags.contains(rustix::fs::OFlags::NONBLOCK)
}

fn two_handles_in_the_child() {
    assert!(!stdin_non_blocking());
    let first = tame::io::stdin().unwrap();
    let second = tame::io::stdin().unwrap();
    // And one on another thread's loop: the mode is the process's.
    let (made, made_rx) = std::sync::mpsc::channel();
    let (go, go_rx) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn(move || {
        let third = tame::io::stdin().unwrap();
        made.send(()).unwrap();
        go_rx.recv().unwrap();
        drop(third);
    });
    made_rx.recv().unwrap();
    drop(first);
    assert!(
        stdin_non_blocking(),
        "dropping one handle made the others block"
    );
    // The pipe is empty: a read says so, rather than blocking the loop.
    let err = second.try_read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    drop(second);
    assert!(stdin_non_blocking(), "the other thread's handle is alive");
    go.send(()).unwrap();
    other.join().unwrap();
    assert!(!stdin_non_blocking(), "the last handle set it back");
}

const SOCKET_CHILD: &str = "TAME_STDIN_SOCKET_CHILD";

#[test]
fn stdin_and_stdout_on_one_socket_keep_its_mode() {
    if std::env::var_os(SOCKET_CHILD).is_some() {
        reader_and_writer_in_the_child();
        return;
    }
    // inetd's way: descriptors 0 and 1 are one connected socket, one open
    // file description (a socket cannot be opened again: both handles
    // duplicate it).
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stdin_and_stdout_on_one_socket_keep_its_mode",
            "--test-threads=1",
        ])
        .env(SOCKET_CHILD, "1")
        .stdin(std::os::fd::OwnedFd::from(theirs.try_clone().unwrap()))
        .stdout(std::os::fd::OwnedFd::from(theirs))
        .spawn()
        .unwrap();
    // The child's harness reports on the socket: read it, so that it
    // never waits for room. Nothing is sent to the child.
    let drain = std::thread::spawn(move || std::io::copy(&mut &ours, &mut std::io::sink()));
    let status = child.wait().unwrap();
    drain.join().unwrap().unwrap();
    assert!(status.success(), "the child failed: {status}");
}

fn reader_and_writer_in_the_child() {
    assert!(!stdin_non_blocking());
    let input = tame::io::stdin().unwrap();
    let output = tame::io::stdout().unwrap();
    // The description the program's `println!` writes through stays
    // blocking: made non-blocking, a `println!` to a slow reader would
    // fail with `WouldBlock` (and panic).
    assert!(
        !stdin_non_blocking(),
        "a handle of the socket changed its mode"
    );
    // The loop's reads do not block on it all the same: nothing was sent.
    let err = input.try_read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    assert_eq!(output.try_write(b"reply\n").unwrap(), 6);
    drop(input);
    drop(output);
    assert!(!stdin_non_blocking());
}

const FULL_SOCKET_CHILD: &str = "TAME_STDERR_FULL_SOCKET_CHILD";

#[test]
fn stderr_on_a_full_socket_does_not_block_the_loop_or_eprintln() {
    if std::env::var_os(FULL_SOCKET_CHILD).is_some() {
        a_full_socket_in_the_child();
        return;
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stderr_on_a_full_socket_does_not_block_the_loop_or_eprintln",
            "--test-threads=1",
        ])
        .env(FULL_SOCKET_CHILD, "1")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the child failed: {status}");
}

/// Descriptor 2 made a socket nobody reads (journald's, when it is slow):
/// the loop's writes through `stderr()` fill it and then say `WouldBlock`
/// rather than block, and descriptor 2 stays blocking for `eprintln!`.
fn a_full_socket_in_the_child() {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let saved = rustix::io::dup(std::io::stderr()).unwrap();
    // SAFETY: descriptor 2 is open (std reopens a closed one on
    // /dev/null at start); the `OwnedFd` is forgotten, never closed.
    let mut two = unsafe { std::os::fd::OwnedFd::from_raw_fd(2) };
    rustix::io::dup2(&theirs, &mut two).unwrap();
    std::mem::forget(two);
    let err = tame::io::stderr().unwrap();
    let chunk = [b'x'; 4096];
    let mut sent = 0usize;
    let last = loop {
        match err.try_write(&chunk) {
            Ok(n) => sent += n,
            Err(e) => break e,
        }
        assert!(sent < 64 << 20, "a socket nobody reads took 64 MiB");
    };
    assert_eq!(last.kind(), std::io::ErrorKind::WouldBlock);
    let flags = rustix::fs::fcntl_getfl(std::io::stderr()).unwrap();
    let blocking = !flags.contains(rustix::fs::OFlags::NONBLOCK);
    drop(err);
    // SAFETY: as above.
    let mut two = unsafe { std::os::fd::OwnedFd::from_raw_fd(2) };
    rustix::io::dup2(&saved, &mut two).unwrap();
    std::mem::forget(two);
    drop(ours);
    assert!(blocking, "stderr() made descriptor 2 non-blocking");
}
