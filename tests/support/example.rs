//! Starting the example programs from tests: built by cargo in the test's
//! own target directory, started on a free port, killed on drop.
#![allow(dead_code)]

#[path = "default_signals.rs"]
mod default_signals;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running example server, killed on drop.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    _root: Option<TempDir>,
    /// Its stderr lines, if started with [`start_watching_stderr`].
    stderr: Option<mpsc::Receiver<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resident memory now (VmRSS), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Waits (at most a minute) for a line of its stderr containing
    /// `needle`; panics if none comes.
    pub fn wait_for_stderr(&self, needle: &str) -> String {
        let lines = self
            .stderr
            .as_ref()
            .expect("started with start_watching_stderr");
        // A minute in all: a server that keeps printing other lines does
        // not hold the test up for good.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(e) => panic!("no stderr line with {needle:?} within a minute: {e}"),
            }
        }
    }

    /// Its stderr lines as they come (started with [`start_watching_stderr`]
    /// or [`start_with_fd_limit`]).
    pub fn stderr_lines(&self) -> &mpsc::Receiver<String> {
        self.stderr.as_ref().expect("started watching stderr")
    }

    /// Asserts that its stderr had at most one line with `needle` a second
    /// since `start`, counting one [`wait_for_stderr`](Self::wait_for_stderr)
    /// took already: a failure that repeats is reported with a count, not
    /// line by line.
    #[allow(dead_code)]
    pub fn assert_reported_once_a_second_at_most(&self, needle: &str, start: std::time::Instant) {
        let lines = 1 + self
            .stderr_lines()
            .try_iter()
            .filter(|l| l.contains(needle))
            .count();
        let allowed = start.elapsed().as_secs() as usize + 1;
        assert!(lines <= allowed, "{lines} reports in {:?}", start.elapsed());
    }

    /// Waits (at most a minute) for it to exit on its own.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "it did not exit within a minute"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// How many threads the server's process has now (from `/proc`).
pub fn threads(srv: &Server) -> usize {
    std::fs::read_dir(format!("/proc/{}/task", srv.pid()))
        .expect("the server's /proc entry")
        .count()
}

pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The example's binary, built (or found up to date) by cargo once per test
/// process, in the same target directory and profile as this test.
/// Asserts that the example's `--help` succeeds and mentions each of
/// `words` (its flags, say).
pub fn assert_help_mentions(name: &str, words: &[&str]) {
    let out = Command::new(example(name)).arg("--help").output().unwrap();
    assert!(out.status.success(), "{name} --help: {}", out.status);
    let help = String::from_utf8(out.stdout).unwrap();
    for w in words {
        assert!(help.contains(w), "{name} --help does not mention {w}");
    }
    // Into a pipe whose reader is gone (`--help | head -1`, the reader
    // closed before the write): still success, no panic.
    let mut child = Command::new(example(name))
        .arg("--help")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{name} --help into a closed pipe: {}, {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn example(name: &str) -> PathBuf {
    static BUILD: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target layout");
    let mut built = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    if !built.iter().any(|n| n == name) {
        let target_dir = profile_dir.parent().expect("target dir");
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(["build", "-q", "--example", name, "--target-dir"])
            .arg(target_dir);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            cmd.arg("--release");
        }
        let status = cmd
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo");
        assert!(status.success(), "cargo build --example {name} failed");
        built.push(name.to_owned());
    }
    profile_dir.join("examples").join(name)
}

pub fn start(name: &str, args: &[&str], root: Option<TempDir>) -> Server {
    start_with(name, args, root, false, None, false)
}

/// As [`start`], with its stderr lines collected for
/// [`Server::wait_for_stderr`] (and echoed to the test's stderr).
pub fn start_watching_stderr(name: &str, args: &[&str], root: Option<TempDir>) -> Server {
    start_with(name, args, root, true, None, false)
}

/// As [`start_watching_stderr`], with the server's open-files limit (soft
/// and hard) set to `nofile` before it starts.
pub fn start_with_fd_limit(
    name: &str,
    args: &[&str],
    root: Option<TempDir>,
    nofile: u64,
) -> Server {
    start_with(name, args, root, true, Some(nofile), false)
}

/// As [`start`], but as user and group `nobody` (65534) when the test runs
/// as root, so that file permissions apply to the server (root reads a
/// file of mode 000). `root`'s files must then be readable by others.
pub fn start_unprivileged(name: &str, args: &[&str], root: Option<TempDir>) -> Server {
    start_with(name, args, root, false, None, true)
}

fn start_with(
    name: &str,
    args: &[&str],
    root: Option<TempDir>,
    watch_stderr: bool,
    nofile: Option<u64>,
    unprivileged: bool,
) -> Server {
    let mut cmd = Command::new(example(name));
    // As from an interactive shell, whatever this test process inherited.
    default_signals::with_default_signal_actions(&mut cmd);
    if unprivileged && rustix::process::geteuid().is_root() {
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
    }
    if let Some(n) = nofile {
        limit_fds(&mut cmd, n);
    }
    let mut child = cmd
        .args(args)
        .stdout(Stdio::piped())
        .stderr(if watch_stderr {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start example {name} (built by `cargo test`): {e}"));
    let stderr = child.stderr.take().map(|err| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                eprintln!("{line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    });
    let addr = announced_address(&mut child);
    Server {
        child,
        addr,
        _root: root,
        stderr,
    }
}

/// The address a server started as `child` prints on stdout's first line.
fn announced_address(child: &mut Child) -> SocketAddr {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    line.trim()
        .parse()
        .expect("the first line is the bound address")
}

/// `cmd`'s process may have `nofile` descriptors open at most.
fn limit_fds(cmd: &mut Command, nofile: u64) {
    use std::os::unix::process::CommandExt;
    let limit = rustix::process::Rlimit {
        current: Some(nofile),
        maximum: Some(nofile),
    };
    // SAFETY: the closure runs in the forked child before exec and only
    // makes one system call (setrlimit is async-signal-safe); it allocates
    // nothing (the limit is copied in).
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::setrlimit(rustix::process::Resource::Nofile, limit)
                .map_err(std::io::Error::from)
        });
    }
}

/// Example `name` started with `args`, its stderr a pipe whose reading end
/// is closed at once: each line it writes there fails (`EPIPE`), as when
/// whatever read a server's log (`2>&1 | head`) has gone.
#[allow(dead_code)]
pub fn start_with_stderr_gone(name: &str, args: &[&str]) -> Server {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut cmd = Command::new(example(name));
    default_signals::with_default_signal_actions(&mut cmd);
    let mut child = cmd
        .args(args)
        .stdout(Stdio::piped())
        .stderr(writer)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start example {name} (built by `cargo test`): {e}"));
    let addr = announced_address(&mut child);
    Server {
        child,
        addr,
        _root: None,
        stderr: None,
    }
}

impl Server {
    /// Whether the server's process is still running.
    #[allow(dead_code)]
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }
}

/// Runs example `name` with `args`, `nofile` descriptors at most, to its
/// exit (a minute at most, then it is killed and the test fails): its
/// status, stdout and stderr.
pub fn run_with_fd_limit(name: &str, args: &[&str], nofile: u64) -> (ExitStatus, String, String) {
    let mut cmd = Command::new(example(name));
    default_signals::with_default_signal_actions(&mut cmd);
    limit_fds(&mut cmd, nofile);
    let child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start example {name} (built by `cargo test`): {e}"));
    let pid = child.id();
    let (done, exited) = mpsc::channel::<()>();
    let killer = std::thread::spawn(move || {
        if exited.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = rustix::process::kill_process(
                rustix::process::Pid::from_raw(pid as i32).expect("a pid"),
                rustix::process::Signal::KILL,
            );
        }
    });
    let out = child.wait_with_output().expect("its output");
    let _ = done.send(());
    let _ = killer.join();
    assert!(
        out.status.code().is_some(),
        "{name} did not exit within a minute (killed): {out:?}"
    );
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Example `name` started with `args` (which ask for more loops than 20
/// descriptors allow) exits with status 1 and says it is out of
/// descriptors, before it prints its address: a script or supervisor that
/// waits for the address learns it did not start.
pub fn assert_too_few_fds_for_its_loops_is_an_error_at_startup(name: &str, args: &[&str]) {
    let (status, stdout, stderr) = run_with_fd_limit(name, args, 20);
    assert_eq!(
        status.code(),
        Some(1),
        "{name} {args:?}: {status}; stderr:\n{stderr}"
    );
    assert_eq!(
        stdout, "",
        "{name} {args:?} announced itself; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("Too many open files"),
        "{name} {args:?} did not say why; stderr:\n{stderr}"
    );
}

/// One `read` of a client's socket, made again when a signal interrupted
/// it: the kernel never restarts a read of a socket with a timeout
/// (`set_read_timeout`), and a stop and continue of the test process
/// interrupts one even when no handler is installed (signal(7)).
pub fn read_once(s: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match s.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}
