//! proxy: a TCP proxy. Each connection accepted on `--listen` is joined to
//! a new connection to `--to`, and bytes flow both ways until both sides
//! have said all they had to say.
//!
//! ```text
//! proxy --listen ADDR --to ADDR [--threads N] [--connect-ms MS] [--idle-ms MS]
//! ```
//!
//! Try it in front of any TCP server, a web server on port 80 say:
//!
//! ```text
//! cargo run --release --example proxy -- --listen 127.0.0.1:8080 --to 127.0.0.1:80
//! curl -v http://127.0.0.1:8080/      # in another terminal
//! ```
//!
//! `--listen 127.0.0.1:0` picks a free port; the bound address is printed
//! on stdout's first line. A `--to` that would reach the proxy's own
//! listener (its address and port, or any of the host's addresses on its
//! port when it listens on `0.0.0.0` or `[::]`) is refused at start: each
//! relay would connect back to the proxy and open another, until the
//! process runs out of descriptors. Each connection logs one line to stderr when it
//! ends: the bytes copied each way, or what went wrong.
//!
//! What it shows:
//!
//! * [`tame::io::copy_bidirectional`] doing a proxy's whole work for one
//!   connection. When one side ends its stream (`shutdown(Write)`), the end
//!   is passed on to the other side and the other direction goes on: a
//!   client that sends a request and then half-closes still gets the reply.
//! * A reset on either side is passed on as a reset
//!   ([`TcpStream::set_linger`] to zero before the close): a client whose
//!   server died halfway through a reply sees `ECONNRESET`, not an end of
//!   stream that would pass the cut reply off as whole. So is any other
//!   end of a copy before both streams ended (the idle limit, an error).
//!   (A side that ended its stream is no longer read: a reset it sends
//!   after that is seen, and passed on, only when the other side writes
//!   to it, or when `--idle-ms` runs out.)
//! * A connect with a deadline: [`tame::add_timeout`] wraps the event of
//!   [`TcpStream::connect`]; if `--connect-ms` runs out first the attempt
//!   is abandoned (its socket closed) and the client's connection closed.
//! * An idle limit (`--idle-ms`): [`tame::io::copy_bidirectional_idle`]
//!   gives up on a connection once nothing has moved either way for that
//!   long, so quiet connections do not stay open forever (nor hold up a
//!   graceful shutdown); both ends are reset, since a stream that stalled
//!   halfway did not end.
//! * Graceful shutdown: on SIGINT or SIGTERM the proxy closes its listener
//!   (new connections are refused), lets the open connections run to their
//!   end, and exits 0 once `run()` returns because nothing is left to wait
//!   for. [`Signal::restore`] on the first signal gives SIGINT and SIGTERM
//!   back their default action, so a second Ctrl-C (or SIGTERM) ends the
//!   proxy at once, open connections and all.
//!
//! Design. Each connection is one `#[tamed]` function, [`relay`]: connect,
//! copy both ways, log, return; returning drops (closes) both sockets. Each
//! loop has an accept loop that waits on one rendezvous for a new
//! connection and for the word to stop. `--threads N` runs N loops, one per
//! thread, each with its own `SO_REUSEPORT` listener on the address (the
//! kernel spreads new connections over them); a connection stays on the
//! loop that accepted it, and the loops share nothing while they run. The
//! kernel hands a signal sent to the process to one signal descriptor
//! only, so the main thread's loop alone watches the signals; it tells the
//! other loops through a [`Latch`](tame::sync::Latch) they all wait on.

use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tame::net::{TcpListener, TcpStream};
use tame::sync::Latch;
use tame::{mkevent, tamed, tvars, twait, Rendezvous, Signal, Timeout};
use tame_suite::log_line;
use tame_suite::FailureReport;

/// Where every connection is forwarded, how long connecting may take, and
/// how long a connection may stay quiet both ways.
#[derive(Clone, Copy)]
struct Upstream {
    addr: SocketAddr,
    connect_timeout: Duration,
    idle: Option<Duration>,
}

/// How an accept loop learns that it is time to stop accepting: every
/// loop waits for the latch; one of them also watches SIGINT and SIGTERM
/// and sets it.
struct StopBy {
    latch: Latch,
    watch_signals: bool,
}

/// What an accept loop wakes up for.
enum Wake {
    /// What an accept gave (`None`: the listener closed under it).
    Accepted(Option<io::Result<(TcpStream, SocketAddr)>>),
    /// Time to accept again after a failed accept.
    Retry,
    Signal(Signal),
    /// The latch was set: a loop (the signal-watching one, or one that
    /// stopped by itself) says stop.
    Told,
}

/// Loops whose listener is still open. The last loop to close its listener
/// says so on stderr: from then on every new connection is refused.
static LISTENING: AtomicUsize = AtomicUsize::new(0);

/// Accepts connections and starts a [`relay`] for each, until told to stop;
/// then closes the listener and returns. The relays under way go on.
#[tamed]
fn accept_loop(listener: TcpListener, upstream: Upstream, stop: StopBy) {
    tvars! {
        let r = Rendezvous::<Wake>::new();
        let failures = Rc::new(RefCell::new(FailureReport::new(Duration::from_secs(1))));
    }
    if stop.watch_signals {
        for sig in [Signal::Int, Signal::Term] {
            if let Err(e) = tame::at_signal(sig, mkevent!(r, Wake::Signal(sig))) {
                // The signals are blocked: unwatched, nothing but SIGKILL
                // would stop the proxy.
                log_line!("proxy: cannot watch {sig}: {e}");
                std::process::exit(1);
            }
        }
    }
    if let Err(e) = stop.latch.wait(mkevent!(r, Wake::Told)) {
        // This loop would never stop, and the process never end.
        log_line!("proxy: cannot wait for the word to stop: {e}");
        std::process::exit(1);
    }
    listener.accept(r.event_map(Wake::Accepted));
    loop {
        match twait!(r) {
            Some(Wake::Accepted(Some(Ok((client, peer))))) => {
                relay(client, peer, upstream, failures.clone());
                listener.accept(r.event_map(Wake::Accepted));
            }
            Some(Wake::Accepted(Some(Err(e)))) => {
                // Out of fds, most likely. The connection is still queued
                // and the listener readable: accepting again at once would
                // spin.
                failures
                    .borrow_mut()
                    .failed(move |n| format!("proxy: accept: {e} {}", since_the_last_report(n)));
                tame::timer(Duration::from_millis(10), mkevent!(r, Wake::Retry));
            }
            Some(Wake::Retry) => listener.accept(r.event_map(Wake::Accepted)),
            Some(Wake::Signal(sig)) => {
                // Before anything else: a second Ctrl-C or SIGTERM that
                // comes while the open connections finish ends the process.
                for sig in [Signal::Int, Signal::Term] {
                    if let Err(e) = sig.restore() {
                        log_line!("proxy: cannot restore {sig}: {e}");
                    }
                }
                log_line!("proxy: {sig}: shutting down");
                break;
            }
            Some(Wake::Told | Wake::Accepted(None)) | None => break,
        }
    }
    // Closing cancels the accept that waits and refuses new connections
    // (on this loop's listener; the kernel sends none to a closed one).
    listener.close();
    // The other loops' waits on the latch end (this loop's own one too).
    stop.latch.set();
    if LISTENING.fetch_sub(1, Ordering::SeqCst) == 1 {
        log_line!(
            "proxy: stopped accepting; open connections may finish \
             (Ctrl-C ends them now)"
        );
    }
    // Returning drops `r`, which ends the other waits (the other signal's).
}

/// The tail of a line that stands for `n` failures of one kind: the loop's
/// accepts and its relays' connects out of fds share one report, so a
/// process out of fds writes one line a second, whichever of the two (or
/// both) failed: an accept takes the last fd, or leaves none for the
/// connect that follows it, depending on how many were left.
fn since_the_last_report(n: u64) -> String {
    format!(
        "({n} failed attempts to accept or to connect upstream since the last \
         report, retries of a waiting connection included; at most one report a second)"
    )
}

/// Whether `e` says the process (or the system) is out of file descriptors.
fn out_of_fds(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(code) if code == rustix::io::Errno::MFILE.raw_os_error()
        || code == rustix::io::Errno::NFILE.raw_os_error())
}

/// One connection: connect to the upstream within its timeout, copy both
/// ways until both streams ended (or one failed), log one line (a connect
/// that failed for want of fds is counted in the loop's `failures` instead,
/// which report once a second).
#[tamed]
fn relay(
    client: TcpStream,
    peer: SocketAddr,
    upstream: Upstream,
    failures: Rc<RefCell<FailureReport>>,
) {
    let connected: Result<io::Result<TcpStream>, Timeout>;
    twait! {
        TcpStream::connect(
            upstream.addr,
            tame::add_timeout(upstream.connect_timeout, mkevent!(connected)),
        );
    }
    let server = match connected {
        Ok(Ok(server)) => server,
        Ok(Err(e)) => {
            // Returning closes the client's connection.
            if !out_of_fds(&e) {
                log_line!("proxy: {peer}: cannot connect to {}: {e}", upstream.addr);
            } else {
                let to = upstream.addr;
                failures.borrow_mut().failed(move |n| {
                    format!(
                        "proxy: {peer}: cannot connect to {to}: {e} {}",
                        since_the_last_report(n)
                    )
                });
            }
            return;
        }
        Err(Timeout) => {
            log_line!(
                "proxy: {peer}: connecting to {} timed out after {} ms",
                upstream.addr,
                upstream.connect_timeout.as_millis()
            );
            return;
        }
    };
    // Bytes go on as they come: Nagle's algorithm would hold a small write
    // (a keystroke, the last bytes of a reply) until the previous one is
    // acknowledged, a delay the two ends did not ask for.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let copied: io::Result<(u64, u64)>;
    twait! {
        match upstream.idle {
            Some(idle) => tame::io::copy_bidirectional_idle(&client, &server, idle, mkevent!(copied)),
            None => tame::io::copy_bidirectional(&client, &server, mkevent!(copied)),
        }
    }
    match copied {
        Ok((up, down)) => log_line!(
            "proxy: {peer}: done: {up} bytes to {}, {down} bytes back",
            upstream.addr
        ),
        Err(e) => {
            log_line!("proxy: {peer}: failed: {e}");
            // The copy did not reach both ends of stream: one end reset
            // its connection (a write to a peer that had ended its side
            // and then reset fails with `BrokenPipe`), the idle limit ran
            // out, or a read or write failed. Both ends get a reset, not a
            // clean end of stream that would pass a cut reply or request
            // off as whole. (Where one end did reset, which does not
            // matter: the reset one takes no more packets.)
            let _ = client.set_linger(Some(Duration::ZERO));
            let _ = server.set_linger(Some(Duration::ZERO));
        }
    }
}

const HELP: &str = "\
proxy: a TCP proxy on tame's loop: each connection accepted on --listen is joined to a new connection to --to

usage: proxy --listen ADDR --to ADDR [--threads N] [--connect-ms MS] [--idle-ms MS]
  --listen ADDR     host:port to accept connections on (port 0 picks a free one); the bound address is
                    printed on stdout's first line
  --to ADDR         host:port to connect to for each connection (a host name is resolved once, at start;
                    the proxy's own address is refused)
  --threads N       N loops on N threads (default 1), each with its own listener on the address
                    (SO_REUSEPORT: the kernel spreads new connections over them)
  --connect-ms MS   give up connecting to --to after MS milliseconds and close the client's connection
                    (default 5000)
  --idle-ms MS      close a connection once nothing has moved either way for MS milliseconds
                    (default: no limit; with one, a graceful shutdown does not wait for quiet
                    connections, only for those still moving data)

Each connection logs one line to stderr when it ends: the bytes copied each way, or the error.
SIGINT or SIGTERM: stop accepting, let the open connections finish, then exit 0.
A second Ctrl-C (SIGINT) or SIGTERM ends the proxy at once, open connections and all.";

/// The flags' values.
struct Flags {
    listen: SocketAddr,
    to: SocketAddr,
    threads: usize,
    connect_ms: u64,
    idle_ms: Option<u64>,
}

fn flags() -> Flags {
    let mut listen = None;
    let mut to = None;
    let mut threads = 1;
    let mut connect_ms = 5_000;
    let mut idle_ms = None;
    fn number<T: tame_suite::FlagNumber>(flag: &str, v: Option<String>) -> T {
        tame_suite::number_flag(flag, v, 1).unwrap_or_else(|problem| usage(&problem))
    }
    fn text(flag: &str, v: Option<String>) -> String {
        v.unwrap_or_else(|| usage(&format!("{flag} needs an address, host:port")))
    }
    // The addresses are resolved once every argument has been read: a
    // `--help` anywhere is answered, and a later usage error is not hidden
    // behind a slow or failing lookup.
    let mut args = tame_suite::args();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = Some(text("--listen", args.next())),
            "--to" => to = Some(text("--to", args.next())),
            "--threads" => threads = number("--threads", args.next()),
            "--connect-ms" => connect_ms = number("--connect-ms", args.next()),
            "--idle-ms" => idle_ms = Some(number("--idle-ms", args.next())),
            "-h" | "--help" => {
                tame_suite::print_help(&format!("{HELP}\n"));
                std::process::exit(0);
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let listen = listen.unwrap_or_else(|| usage("--listen ADDR is required"));
    let to = to.unwrap_or_else(|| usage("--to ADDR is required"));
    Flags {
        listen: address("--listen", &listen),
        to: address("--to", &to),
        threads,
        connect_ms,
        idle_ms,
    }
}

/// The first address `v` (`host:port`) names; std's resolver blocks, which
/// is fine here: no loop runs yet.
fn address(flag: &str, v: &str) -> SocketAddr {
    match v.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        Ok(None) => usage(&format!("{flag} {v}: no address")),
        Err(e) => usage(&format!("{flag} {v}: {e}")),
    }
}

/// Whether a connection to `to` would reach the proxy's own listener on
/// `bound`: the same port, and `to` the listener's address, or any of the
/// host's addresses when the listener takes every address (`0.0.0.0`, or
/// `[::]`, which takes IPv4 as well). A connect to the unspecified address
/// reaches the loopback one of its family. Whether `to`'s address is one
/// of the host's is asked of the kernel without sending anything: a UDP
/// socket can be bound to it only then (a link-local one with its scope).
fn relays_to_itself(bound: SocketAddr, to: SocketAddr) -> bool {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV6, UdpSocket};
    if bound.port() != to.port() {
        return false;
    }
    let to_ip = match to.ip().to_canonical() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    if bound.ip().to_canonical() == to_ip {
        return true;
    }
    let every_address = match bound.ip() {
        IpAddr::V4(ip) => ip.is_unspecified() && to_ip.is_ipv4(),
        IpAddr::V6(ip) => ip.is_unspecified(),
    };
    let of_this_host = || match (to_ip, to) {
        (IpAddr::V6(ip), SocketAddr::V6(to)) => {
            UdpSocket::bind(SocketAddrV6::new(ip, 0, 0, to.scope_id())).is_ok()
        }
        (ip, _) => UdpSocket::bind((ip, 0)).is_ok(),
    };
    every_address && of_this_host()
}

fn usage(problem: &str) -> ! {
    log_line!(
        "proxy: {problem}\nusage: proxy --listen ADDR --to ADDR [--threads N] [--connect-ms MS] [--idle-ms MS] (try --help)"
    );
    std::process::exit(2);
}

fn main() {
    let f = flags();
    // Before any other thread exists (threads inherit the mask): a signal
    // that comes early then waits for the main loop's signal descriptor
    // instead of ending the process, and no other thread takes it.
    for sig in [Signal::Int, Signal::Term] {
        if let Err(e) = sig.block() {
            log_line!("proxy: cannot block {sig}: {e}");
        }
    }
    let upstream = Upstream {
        addr: f.to,
        connect_timeout: Duration::from_millis(f.connect_ms),
        idle: f.idle_ms.map(Duration::from_millis),
    };
    let listeners = tame_suite::listen_loops_on("proxy", f.listen, f.threads);
    if let Ok(bound) = listeners[0].local_addr() {
        if relays_to_itself(bound, f.to) {
            usage(&format!(
                "--to {} is the proxy's own address (it listens on {bound}): every connection \
                 would be relayed back to the proxy, each relay opening another",
                f.to
            ));
        }
    }
    let mut listeners = listeners.into_iter();
    LISTENING.store(f.threads, Ordering::SeqCst);
    let latch = Latch::new().unwrap_or_else(|e| {
        log_line!("proxy: cannot make the latch that stops the loops: {e}");
        std::process::exit(1);
    });
    let first = listeners.next().expect("one listener per loop");
    // Loops 1..N on threads of their own.
    let others: Vec<_> = listeners
        .enumerate()
        .map(|(i, l)| {
            let latch = latch.clone();
            tame_suite::spawn_loop(format!("proxy-{}", i + 1), move || {
                let listener = TcpListener::from_std(l).expect("a listener");
                let stop = StopBy {
                    latch,
                    watch_signals: false,
                };
                accept_loop(listener, upstream, stop);
            })
        })
        .collect();
    // Loop 0, which watches the signals, on this thread: the thread whose
    // mask `Signal::restore` unblocks SIGINT and SIGTERM in, and which lives until every
    // loop is done.
    tame_suite::prepare_loop("proxy");
    let listener = TcpListener::from_std(first).expect("a listener");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let stop = StopBy {
        latch,
        watch_signals: true,
    };
    accept_loop(listener, upstream, stop);
    // Every loop has started (or the process has ended, saying why): the
    // address (with port 0, the port picked: tests read it) as stdout's
    // first line.
    tame_suite::announce(addr);
    tame::run();
    for t in others {
        let _ = t.join();
    }
    log_line!("proxy: done");
}
