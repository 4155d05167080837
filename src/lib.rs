//! The workspace's root package: it owns `examples/` and `tests/` and holds
//! what they share. Not published; users depend on the `tame` crate alone.

// The README's Rust examples are compiled as doctests of this package.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod failures;
pub mod http;

pub use failures::FailureReport;

/// Shapes of documentation that the paragraph `#[tamed]` adds to a
/// documented function with a value (what its `done` parameter is) must
/// leave as rustdoc renders them alone: a change shows as a doctest that
/// fails.
#[cfg(doctest)]
pub mod tamed_doc_shapes {
    use tame::{mkevent, tamed, twait};

    /**
        Doubles `x`: prose indented under the comment's opening, which a
        paragraph indented less would leave indented, a code block.
    */
    #[tamed]
    pub fn indented_block_comment(x: u32) -> u32 {
        twait! { tame::asap(mkevent!()); }
        x * 2
    }

    ///      Doubles `x`: every line indented by five, still a paragraph.
    ///      Its second line.
    #[tamed]
    pub fn indented_lines(x: u32) -> u32 {
        twait! { tame::asap(mkevent!()); }
        x * 2
    }

    /// Doubles `x`, with an example whose fence its text leaves open:
    ///
    /// ```
    /// assert_eq!(2 * 2, 4);
    #[tamed]
    pub fn open_fence(x: u32) -> u32 {
        twait! { tame::asap(mkevent!()); }
        x * 2
    }
}

use std::io;
use std::net::SocketAddr;

/// Whether a read or write that failed with `e` should wait for readiness
/// and try again (`WouldBlock`: nothing to read or no room; `Interrupted`:
/// a signal came first) rather than give up on the connection.
///
/// ```
/// use std::io;
/// assert!(tame_suite::must_wait(&io::ErrorKind::WouldBlock.into()));
/// assert!(!tame_suite::must_wait(&io::ErrorKind::ConnectionReset.into()));
/// ```
pub fn must_wait(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// What the example servers (knot, sleepy) bind at start: one listener
/// per loop, all on `127.0.0.1:port` (0 picks a free port); see
/// [`listen_loops_on`].
///
/// # Panics
///
/// If `loops` is 0.
pub fn listen_loops(program: &str, port: u16, loops: usize) -> Vec<std::net::TcpListener> {
    listen_loops_on(program, SocketAddr::from(([127, 0, 0, 1], port)), loops)
}

/// One listener per loop, all on `addr` (port 0 picks a free port), as std
/// listeners so that each can cross to its loop's thread (wrap it there
/// with [`TcpListener::from_std`](tame::net::TcpListener::from_std)); or
/// the program exits with status 1 and a message naming `program` if the
/// address cannot be had. [`announce`] the address once every loop has
/// started.
///
/// With more than one loop the listeners are bound with
/// [`TcpListener::bind_reuse_port_group`](tame::net::TcpListener::bind_reuse_port_group)
/// and the kernel spreads new connections over them; a port another
/// server holds is refused, as with one loop. With one, the one
/// listener is bound without `SO_REUSEPORT`: another process cannot then
/// share (and silently take half of) its port. (tame's binds also raise
/// the accept queue to the kernel's limit.)
///
/// # Panics
///
/// If `loops` is 0.
pub fn listen_loops_on(
    program: &str,
    addr: SocketAddr,
    loops: usize,
) -> Vec<std::net::TcpListener> {
    assert!(loops > 0, "a server needs a loop");
    let bound = if loops == 1 {
        tame::net::TcpListener::bind(addr).and_then(|l| l.into_std().map(|l| vec![l]))
    } else {
        // (Refused if anything holds the port: another copy of the server
        // would otherwise be let into its group.)
        tame::net::TcpListener::bind_reuse_port_group(addr, loops)
    };
    bound.unwrap_or_else(|e| {
        log_line!("{program}: cannot listen on {addr}: {e}");
        std::process::exit(1);
    })
}

/// Prints `addr`, where the server's listeners are bound (with port 0,
/// the port picked), as stdout's first line, which the tests and
/// `bench/run` read: a client that reads it may connect at once. A server
/// calls it once every loop has started ([`spawn_loop`], [`prepare_loop`]),
/// so that one that cannot start does not announce itself first.
///
/// A reader of stdout that went away is an error here (status 1, said on
/// stderr), not the quiet end [`out_line!`] makes of it: a server that
/// could not tell its address to whoever started it must not look like
/// one that stopped cleanly.
pub fn announce(addr: SocketAddr) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let written = writeln!(out, "{addr}").and_then(|()| out.flush());
    if let Err(e) = written {
        log_line!(
            "{}: cannot print its address on stdout: {e}",
            program_name()
        );
        std::process::exit(1);
    }
}

/// The unsigned integer types the examples' number flags take, with their
/// largest values, for [`number_flag`]'s message about a value out of
/// range.
pub trait FlagNumber: std::str::FromStr + Copy {
    /// The type's largest value.
    const LARGEST: u64;
    /// The value, widened.
    fn widen(self) -> u64;
}

macro_rules! flag_number {
    ($($t:ty),*) => {$(
        impl FlagNumber for $t {
            const LARGEST: u64 = <$t>::MAX as u64;
            fn widen(self) -> u64 {
                self as u64
            }
        }
    )*};
}
flag_number!(u16, u32, u64, usize);

/// The value of a number flag (`flag`, followed by `v`): a whole number
/// from `least` to the type's largest, or a message for the usage error
/// that says which numbers the flag takes (a value too large for the type
/// is out of range like one too small, not "not a number").
///
/// ```
/// let threads: usize = tame_suite::number_flag("--threads", Some("4".into()), 1).unwrap();
/// assert_eq!(threads, 4);
/// let zero = tame_suite::number_flag::<u16>("--threads", Some("0".into()), 1);
/// assert_eq!(
///     zero.unwrap_err(),
///     "--threads \"0\": not a number it can take (a whole number from 1 to 65535)"
/// );
/// assert_eq!(
///     tame_suite::number_flag::<u64>("--idle-ms", None, 1).unwrap_err(),
///     "--idle-ms needs a number"
/// );
/// ```
pub fn number_flag<T: FlagNumber>(flag: &str, v: Option<String>, least: u64) -> Result<T, String> {
    let Some(v) = v else {
        return Err(format!("{flag} needs a number"));
    };
    match v.parse::<T>() {
        Ok(n) if n.widen() >= least => Ok(n),
        _ => Err(format!(
            "{flag} {v:?}: not a number it can take (a whole number from {least} to {})",
            T::LARGEST
        )),
    }
}

/// The program's arguments after its name, as `std::env::args().skip(1)`
/// gives them; an argument that is not UTF-8 ends the program with status
/// 2 and says which (`std::env::args` panics on one).
pub fn args() -> std::vec::IntoIter<String> {
    let mut out = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(a) => out.push(a),
            Err(bad) => {
                log_line!("{}: an argument is not UTF-8: {bad:?}", program_name());
                std::process::exit(2);
            }
        }
    }
    out.into_iter()
}

/// The program's file name, for messages (`knot`), whatever its bytes.
fn program_name() -> String {
    let program = std::env::args_os().next().unwrap_or_default();
    std::path::Path::new(&program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Makes this thread's loop's descriptors ([`tame::prepare_loop`]), or
/// exits with status 1 and a message naming `name` (the program, or the
/// loop's thread): a server started with too few file descriptors for its
/// loops says so at startup, not at its first connection.
pub fn prepare_loop(name: &str) {
    if let Err(e) = tame::prepare_loop() {
        log_line!("{name}: cannot start its loop: {e}");
        std::process::exit(1);
    }
}

/// Starts a thread named `name` that makes its loop ([`prepare_loop`]),
/// runs `start` (which starts the loop's first tasks) and then its loop,
/// [`tame::run`]; returns once `start` has run, so that a loop that cannot
/// start ends the process before the server announces itself.
///
/// If the thread panics the process exits with status 101 rather than go
/// on a loop short: the dead loop's connections (and those waiting in its
/// listener's accept queue) are cut when its thread ends, and a server
/// that silently lost a loop serves at a fraction of what it was started
/// for.
pub fn spawn_loop(
    name: String,
    start: impl FnOnce() + Send + 'static,
) -> std::thread::JoinHandle<()> {
    let (started, has_started) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            struct ExitOnPanic(String);
            impl Drop for ExitOnPanic {
                fn drop(&mut self) {
                    if std::thread::panicking() {
                        log_line!("{}: the loop's thread panicked; exiting", self.0);
                        std::process::exit(101);
                    }
                }
            }
            prepare_loop(&name);
            let _guard = ExitOnPanic(name);
            start();
            let _ = started.send(());
            tame::run();
        })
        .expect("cannot spawn a loop's thread");
    // An error: the thread panicked in `start` and is ending the process.
    if has_started.recv().is_err() {
        loop {
            std::thread::park();
        }
    }
    thread
}

/// Writes a line to stderr as `eprintln!` does, but a failed write is
/// dropped, not a panic: a server whose log reader went away (`2>&1 |
/// head`, a log shipper restarting) goes on serving, where `eprintln!`
/// panics ("failed printing to stderr") and takes every connection with
/// it. The write still blocks while stderr is a full pipe: whatever reads
/// a server's log must keep reading it.
///
/// ```
/// tame_suite::log_line!("proxy: {}: done", "127.0.0.1:5000");
/// ```
#[macro_export]
macro_rules! log_line {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr(), $($arg)*);
    }};
}

/// Writes a line to stdout as `println!` does, but a reader that went
/// away (`multidns | head -2`) ends the program quietly, with status 0,
/// where `println!` panics ("failed printing to stdout"); any other
/// failure (a full disk) ends it with status 1 and the error on stderr.
///
/// ```
/// tame_suite::out_line!("running {} ...", "sequential");
/// ```
#[macro_export]
macro_rules! out_line {
    ($($arg:tt)*) => {
        $crate::out_line_or_exit(::std::format_args!($($arg)*))
    };
}

/// [`out_line!`]'s write, and its exit when the write fails.
pub fn out_line_or_exit(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(line).and_then(|()| out.write_all(b"\n"));
    let written = written.and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            log_line!("{}: cannot write to stdout: {e}", program_name());
            std::process::exit(1);
        }
    }
}

/// Prints an example's `--help` text to stdout, as `print!` does, but
/// without panicking when stdout is a pipe its reader closed early
/// (`knot --help | head -3`).
pub fn print_help(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().write_all(text.as_bytes());
}
