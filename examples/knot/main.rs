//! knot: a small HTTP/1.1 static file server (the paper's benchmark
//! application), each connection one `#[tamed]` function, on one loop per
//! thread.
//!
//! ```text
//! knot --root DIR [--port PORT] [--threads N] [--idle-ms MS] [--head-ms MS] [--linger-ms MS] [--linger-bytes N]
//! ```
//!
//! `--port 0` picks a free port; the bound address is printed on stdout's
//! first line, once every loop has started: a knot that cannot start one
//! (too few file descriptors for `--threads N`) exits with status 1 and
//! says why, before printing it. (With exactly enough descriptors for its
//! loops and none to spare, it starts, and reports each accept that fails
//! for want of one: Linux takes a descriptor for an accept before it looks
//! for a connection.)
//!
//! `--threads N` (default 1) runs N loops, one thread each (the recipe
//! "One loop per core" of tame's docs): each has its own listener on the
//! port, bound with `SO_REUSEPORT` so that the kernel spreads new
//! connections over them, and its own site (file cache, shared read
//! buffer, connection table, shutdown counts). A connection stays on the
//! loop that accepted it; nothing is shared on the request path. With one
//! thread the listener is bound without `SO_REUSEPORT`.
//!
//! * GET and HEAD, keep-alive (HTTP/1.1 by default, 1.0 on request),
//!   pipelined requests answered in order, `Content-Length` always, a
//!   `Date` always (the wall clock is read once a second of loop time, and
//!   a cached response re-dated in place when its second is over). `Host`
//!   is not required (there is one site; RFC 9112 asks for a 400 without
//!   it). A HEAD of a file not read yet is answered from its metadata,
//!   without reading it: a file whose metadata gives no size (`/proc`'s,
//!   through a symbolic link) says 0 there until a GET has read it.
//! * Paths map to files under `--root` ([`http::locate`]): `/dir/` serves
//!   `dir/index.html`; `/dir`, a directory named without its trailing
//!   slash, gets 301 to `/dir/` (with the query, if any), as nginx answers,
//!   so that the index's relative links resolve under it; a file named
//!   with a trailing slash (`/a.txt/`, `/a.txt%2F`) is 404, as `open` says
//!   `ENOTDIR`. `.` and `..` segments are resolved (`/a/../b.txt` is
//!   `/b.txt`); a `..` above the root, a malformed `%` escape, a NUL or
//!   bytes that are not UTF-8 are 400 (and the connection closes). A file
//!   knot's user may not read, or one in a directory it may not search, is
//!   403, as with nginx. Symbolic links are followed, into or out of
//!   the root, as nginx does by default.
//! * Bad requests get 400 (more than one `Host` line, or an invalid one,
//!   `Content-Length` lines that disagree, too), other methods HTTP defines
//!   405 (with `Allow: GET, HEAD`; `CONNECT host:port` and `OPTIONS *` as
//!   well), methods it does not (`FOO`, `get`) 501, bodies 413, a request line
//!   that alone does not fit in 8 KiB 414, heads over 8 KiB or 64 header
//!   lines 431, other HTTP versions 505; then the connection closes. An
//!   error response to a request known to be HEAD (its first word has
//!   arrived) has no body. The size limit is checked on the bytes already
//!   received before anything more is read ([`http::Inbox`]): a head over
//!   8 KiB never waits for the client's next byte. The count of header
//!   lines is checked once the head has ended (a head still going after
//!   64 lines is 431 once it ends, 408 at `--head-ms` if it never does):
//!   until its end, its answer is not known (a head that ends in a bare LF
//!   is 400, however many lines it had).
//! * Files are read once and kept in memory with their response heads (like
//!   Knot's cache): a file changed or deleted later is served as it was
//!   read, until knot restarts. A file is opened without blocking and
//!   checked on its handle ([`files`]): one switched for a named pipe
//!   after its name was looked up is 404, as one in place is (a blocking
//!   open of a pipe would wait for a writer, the loop with it); and read
//!   up to the length it had when opened (a log still being written is
//!   cut there; one whose metadata gives no length, `/proc`'s or an empty
//!   one, up to 1 MiB). A file of up to 64 KiB is kept as whole responses (head
//!   and body in one buffer, one for keep-alive and one for close): a
//!   request costs one read and one write syscall. A larger file's body is
//!   kept once, shared by its responses, and written after its head (two
//!   writes, against the many that copying it into the socket takes): it
//!   costs its size in memory, not twice that ([`ONE_WRITE_MAX`]). A file
//!   is kept once however its path is spelled (percent escapes, doubled
//!   slashes); up to 4,096 spellings of at most 256 bytes are remembered
//!   for a lookup without a file-system call (1 MiB at most, however many
//!   clients spell files in new ways); a missing file is not remembered, so
//!   no client can make the cache grow.
//! * A file is read from disk on the loop, when it is first asked for (as
//!   Knot did): while it is read, that loop serves nothing else. A small
//!   file takes microseconds, but a large one stalls the loop's every
//!   connection for as long as the read takes (about a second for 300 MB
//!   from the page cache, longer from disk). With `--threads`, only the
//!   reading loop's connections wait (each loop reads a file once, into
//!   its own cache).
//! * An idle keep-alive connection holds no read buffer and no task: its
//!   `serve` task ends and leaves a readiness wait (with the idle timeout)
//!   whose event starts `serve` again (`park`); it then reads into one
//!   buffer shared by all connections and keeps only an unfinished head.
//!   About 0.31 KiB per idle connection in all (bench/ row 2; 0.54 KiB
//!   while the task waited). A task started per request instead of one
//!   resumed costs little: ~4,600 user-space instructions per request
//!   (callgrind), against ~4,900 when the task waited.
//! * A read that leaves room in the buffer drained the socket: the next
//!   request is waited for, not read for (a read would say `EAGAIN`), so a
//!   keep-alive request costs one read and one write syscall and a share of
//!   an `epoll_wait`, as bench/'s tokio server.
//! * SIGINT or SIGTERM shuts it down cleanly: it stops accepting (the
//!   listening sockets close; once all have, knot says so on stderr), lets
//!   the requests under way finish (their connections close after the
//!   response), ends idle keep-alive connections, and exits with status 0
//!   once none is left (a second Ctrl-C or SIGTERM meanwhile ends it at
//!   once: the first gives both signals their own action back). Every
//!   connection ends lingering, as after an error (below): knot shuts down
//!   its writing side, so the client reads the rest of its last response
//!   and then the end of the stream, and knot reads (and drops) what the
//!   client still sends until it closes. A socket closed at once would
//!   have the kernel answer a request the client sent meanwhile with a
//!   reset, which destroys a response the client has not read yet. Once no
//!   request is under way, knot waits `--linger-ms` for the last
//!   connections to close, and `--linger-ms` more each time a lingering
//!   client took more of its response meanwhile (on a loop that finished
//!   before the others, it then closes them). No limit bounds the requests
//!   under way either: a client still taking a large response slowly (but
//!   within `--idle-ms` per wait) keeps knot running until it is done, or
//!   until a second signal. A limit of that: a response that an idle
//!   keep-alive client had not taken whole when the drain began is still
//!   in the kernel's buffers when knot exits; the kernel sends it after the
//!   exit, but a request the client sends then is answered with a reset,
//!   which drops the rest. With several loops the
//!   first watches the signals and tells the others (see `Stop`): the
//!   kernel hands a signal to one signal descriptor only.
//!
//! # Slow, broken and hostile clients
//!
//! Every way a client can hold a connection is bounded:
//!
//! * `--idle-ms` (default 30,000; 0: no limit): how long a connection may
//!   wait for its client's next bytes (before a request, between
//!   keep-alive requests, within a head) and for its client to take more
//!   of a response (as nginx's `send_timeout`, per wait). Then it is
//!   closed; in the middle of a head, after a 408.
//! * `--head-ms` (default 10,000; 0: no limit but `--idle-ms`): a request
//!   head must be whole within this time from its first byte, however the
//!   bytes trickle in (as nginx's `client_header_timeout`), or the client
//!   gets 408 and the connection closes. One byte a second cannot hold a
//!   connection for hours.
//! * Lingering close (as nginx's `lingering_close`): after an error
//!   response, or when a closing connection still holds unread requests,
//!   knot shuts down its writing side and reads and discards what the
//!   client still sends, for at most `--linger-ms` (default 5,000; again
//!   each time the client took more of the response meanwhile) and
//!   `--linger-bytes` (default 1 MiB), then closes. Closing a socket with
//!   unread input sends a reset, which can destroy the response on its way;
//!   lingering lets every 400, 408, 413, 414 and 431 reach the client.
//! * Out of file descriptors (`ulimit -n`): when `accept` fails with
//!   `EMFILE` or `ENFILE`, knot sheds connections to make room (lingering
//!   ones first, then those that have gone longest without completing a
//!   response: idle keep-alive connections, slow heads, clients that stopped
//!   reading), accepts again as soon as one of them has closed, and backs
//!   off when nothing can be shed. It reports this at most once every ten
//!   seconds (with counts), not once per failed accept.
//! * A file that cannot be opened for lack of fds is answered 503 (and not
//!   cached as missing).

mod conns;
mod date;
mod files;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use conns::Conn;
use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous, Signal, Timeout};
use tame_suite::http::{self, Head, Inbox, Located, Method, Next, ParseError};
use tame_suite::{log_line, FailureReport};

/// What the accept loop wakes up for.
#[derive(Debug)]
enum Wake {
    /// What an accept gave (`None`: the listener closed under it).
    Accepted(Option<io::Result<(TcpStream, SocketAddr)>>),
    /// Time to try accepting again after a failure.
    Retry,
    Signal(Signal),
    /// Another loop got SIGINT or SIGTERM ([`Stop`]).
    Stop,
}

/// Failing accepts (out of fds, most likely): how long to back off, and
/// what to report. One line at the first failure, then at most one every
/// [`REPORT_EVERY`] while failures go on, with the counts since the last
/// (the last burst's too, once its period is over).
struct Trouble {
    report: FailureReport,
    /// Connections shed since the last report.
    shed: Rc<Cell<usize>>,
    backoff: Duration,
}

/// Longest pause between accepts when nothing can be shed.
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// At most one line about failing accepts this often.
const REPORT_EVERY: Duration = Duration::from_secs(10);

impl Trouble {
    fn new() -> Trouble {
        Trouble {
            report: FailureReport::new(REPORT_EVERY),
            shed: Rc::new(Cell::new(0)),
            backoff: Duration::from_millis(1),
        }
    }

    /// Counts a failed accept and the connections shed for it; reports if
    /// it is time to.
    fn failed(&mut self, e: io::Error, shed: usize) {
        self.shed.set(self.shed.get() + shed);
        let shed = self.shed.clone();
        self.report.failed(move |failures| {
            format!(
                "knot: accept: {e}: {failures} failed accepts and {} connections shed since the \
                 last report (at most one report every {}s)",
                shed.replace(0),
                REPORT_EVERY.as_secs()
            )
        });
    }
}

/// Accepts connections until SIGINT or SIGTERM, then stops accepting and
/// lets the site drain. The first loop (`first`) watches the signals and
/// tells the others ([`Stop`]); the others wait for its word.
#[tamed]
fn accept_loop(listener: TcpListener, site: Rc<Site>, first: bool) {
    tvars! {
        let r = Rendezvous::<Wake>::new();
        let mut trouble = Trouble::new();
    }
    if first {
        for sig in [Signal::Int, Signal::Term] {
            if let Err(e) = tame::at_signal(sig, mkevent!(r, Wake::Signal(sig))) {
                // The signals are blocked: unwatched, nothing but SIGKILL
                // would stop knot.
                log_line!("knot: cannot watch {sig}: {e}");
                std::process::exit(1);
            }
        }
    } else {
        // Woken from the first loop's thread (a cross-thread wake: the
        // loop's eventfd).
        tame::spawn(STOP.told(), mkevent!(r, Wake::Stop));
    }
    listener.accept(r.event_map(Wake::Accepted));
    loop {
        match twait!(r) {
            Some(Wake::Accepted(Some(Ok((stream, _peer))))) => {
                trouble.backoff = Duration::from_millis(1);
                let _ = stream.set_nodelay(true);
                serve(Rc::new(Conn::new(stream)), site.clone(), Inbox::new(), None);
                listener.accept(r.event_map(Wake::Accepted));
            }
            Some(Wake::Accepted(Some(Err(e)))) => {
                let shed = if out_of_fds(&e) {
                    // A few percent of the connections (at least one) per
                    // failure: room for a burst of new ones.
                    conns::shed((conns::live() / 32).clamp(1, 64))
                } else {
                    0
                };
                trouble.failed(e, shed);
                if conns::shedding() {
                    // Accept again once one of those has closed (it will,
                    // at its next turn; the timeout is a guard).
                    conns::on_free(tame::with_timeout(
                        Duration::from_millis(100),
                        mkevent!(r, Wake::Retry),
                    ));
                } else {
                    // Nothing to shed (every connection is busy, or the
                    // error is another): the listener is still readable,
                    // so wait instead of spinning.
                    tame::timer(trouble.backoff, mkevent!(r, Wake::Retry));
                    trouble.backoff = (trouble.backoff * 2).min(MAX_BACKOFF);
                }
            }
            Some(Wake::Retry) => listener.accept(r.event_map(Wake::Accepted)),
            Some(Wake::Signal(sig)) => {
                // Before anything else: a second Ctrl-C or SIGTERM, while
                // the open connections finish, ends the process at once.
                for sig in [Signal::Int, Signal::Term] {
                    if let Err(e) = sig.restore() {
                        log_line!("knot: cannot restore {sig}: {e}");
                    }
                }
                // Closing the listener refuses new connections (once every
                // loop has closed its own) and cancels the accept that waits.
                STOP.tell(sig);
                listener.close();
                STOP.listener_closed();
                break;
            }
            Some(Wake::Stop) => {
                listener.close();
                STOP.listener_closed();
                break;
            }
            Some(Wake::Accepted(None)) | None => break,
        }
    }
    // Cancelling `r` drops the other signal's wait (and, if the loop ended
    // otherwise, the accept's or the retry's).
    r.cancel();
    conns::forget_on_free();
    Shutdown::drain(site.linger);
}

/// Whether an accept failed for lack of file descriptors.
fn out_of_fds(e: &io::Error) -> bool {
    // EMFILE (the process's limit) and ENFILE (the system's).
    matches!(e.raw_os_error(), Some(24 | 23))
}

/// `ev`, given `Err(Timeout)` if `limit` runs out first (`None`: no limit).
fn bounded(
    limit: Option<Duration>,
    ev: Event<Result<io::Result<()>, Timeout>>,
) -> Event<io::Result<()>> {
    match limit {
        Some(d) => tame::add_timeout(d, ev),
        None => ev.map(Ok),
    }
}

/// One connection: read a request head, answer it, again until the client
/// closes, errs, idles out, runs out of time for its head or asks to close.
/// Started with an empty inbox and no request under way; a response that
/// had to wait for the socket ([`write_rest`]) starts it again with what it
/// held.
///
/// While waiting for bytes the connection holds no buffer: it waits for
/// readability (with the idle timeout, or the head's deadline), then reads
/// what arrived into the site's one shared buffer and keeps only an
/// unfinished head (its [`Inbox`]). Responses are written at once when the
/// socket takes them (the common case); when it does not, [`write_rest`]
/// takes the connection over, so that this function's state, which every
/// idle connection holds, need not hold what a slow write needs.
#[tamed]
fn serve(conn: Rc<Conn>, site: Rc<Site>, inbox: Inbox, busy: Option<Busy>) {
    // The connection's unfinished input (empty, no allocation, while idle);
    // the mark of a request under way (held from its first bytes to the end
    // of its response); whether its head ran out of time; whether the last
    // read drained the socket. The other variables are declared where they
    // are used, so that an idle connection's state holds only what waiting
    // needs.
    tvars! {
        let mut inbox = inbox;
        let mut busy = busy;
        let mut late = false;
        let mut drained = false;
    }
    loop {
        let step = if std::mem::take(&mut late) {
            // A HEAD request's 408 has no body, as any response to one.
            let head_request = inbox.method() == Some(Method::Head);
            Step::Respond(site.status(408, "Request Timeout", head_request))
        } else {
            site.next_step(&conn.stream, &mut inbox, &mut drained)
        };
        if matches!(step, Step::Respond(_)) || !inbox.is_empty() {
            busy.get_or_insert_with(Busy::new);
        }
        match step {
            Step::Respond(reply) => {
                conn.head_done();
                let then = if reply.keep_alive && !Shutdown::draining() {
                    Then::Serve
                } else if reply.error || !inbox.is_empty() || Shutdown::draining() {
                    // After an error, with requests unanswered, or when the
                    // response promised keep-alive but knot shuts down,
                    // what the client still sends must be drained.
                    Then::Linger
                } else {
                    Then::Close
                };
                match write_now(&conn.stream, &reply.out, 0) {
                    Ok(n) if n == reply.out.len() => {}
                    Ok(n) => {
                        write_rest(conn, site, inbox, busy, reply.out, n, then);
                        return;
                    }
                    Err(_) => return,
                }
                conn.progressed();
                match then {
                    Then::Serve => {}
                    Then::Linger => {
                        linger(conn, site);
                        return;
                    }
                    Then::Close => return,
                }
            }
            Step::Wait => {
                let limit = if inbox.is_empty() {
                    // Idle: no request under way (`busy` ends with this
                    // task), and no task either while it waits.
                    conn.head_done();
                    if Shutdown::draining() {
                        linger(conn, site);
                    } else {
                        park(conn, site);
                    }
                    return;
                } else if let Some(head) = site.head {
                    // A head under way must be whole by its deadline, set
                    // at its first bytes: reads do not extend it. (And it
                    // must not stall for the idle time either.)
                    let left = conn.head_time_left(head);
                    Some(site.idle.map_or(left, |idle| idle.min(left)))
                } else {
                    site.idle
                };
                let mut ready: Result<io::Result<()>, Timeout> = Err(Timeout);
                twait! { conn.stream.readable(bounded(limit, mkevent!(ready))); }
                match ready {
                    Ok(Ok(())) => {}
                    // Out of time in the middle of a head: 408.
                    Err(Timeout) if !inbox.is_empty() => late = true,
                    // Idle for too long, or the socket failed.
                    _ => return,
                }
            }
            Step::Close => return,
        }
    }
}

/// Parks an idle keep-alive connection: its [`serve`] task ends, and what
/// waits for the client's next request is a readiness wait (bounded by the
/// idle timeout) whose event starts `serve` again. An idle connection then
/// holds its socket, that wait, its timer and this closure, not a task
/// sized for a request under way.
fn park(conn: Rc<Conn>, site: Rc<Site>) {
    // The wait needs the stream while the event owns the connection: both
    // hold it (a connection is an `Rc` from its accept on, so this costs no
    // allocation), and the event's is the last once this returns.
    let owned = Rc::clone(&conn);
    let limit = site.idle;
    let wake = Event::from_fn(move |r: Option<Result<io::Result<()>, Timeout>>| {
        owned.park(false);
        // Readable (or hung up: the read says which) starts serving again,
        // or, once knot shuts down (which ended the connection's writing
        // side), drains what the client sends until it closes; idle for
        // too long, a failed socket or a cancelled wait (the loop torn
        // down) closes the connection.
        if let Some(Ok(Ok(()))) = r {
            if Shutdown::draining() {
                linger(owned, site);
            } else {
                serve(owned, site, Inbox::new(), None);
            }
        }
    });
    conn.park(true);
    conn.stream.readable(bounded(limit, wake));
}

/// What a connection does once a response is written.
#[derive(Clone, Copy)]
enum Then {
    /// Serve the next request (keep-alive).
    Serve,
    /// Close lingering: the client may still be sending.
    Linger,
    /// Close.
    Close,
}

/// Writes the rest of a response, all of `rest` after its first `off`
/// bytes, as the socket drains (each wait bounded by the idle timeout: a
/// client that takes nothing for that long is dropped), then goes on with
/// the connection as `then` says. The response is the cache's own (`Rc`):
/// a client that reads slowly, or not at all, holds a reference to it, not
/// a copy.
#[tamed]
fn write_rest(
    conn: Rc<Conn>,
    site: Rc<Site>,
    inbox: Inbox,
    busy: Option<Busy>,
    rest: Out,
    mut off: usize,
    then: Then,
) {
    // What the client has not acknowledged yet: a count that falls while
    // the wait for room times out is a client reading slowly, not one that
    // stopped (the kernel says a full buffer is writable only once about a
    // third of it is free).
    let mut queued = conn.stream.unacknowledged().unwrap_or(0);
    while off < rest.len() {
        let mut ready: Result<io::Result<()>, Timeout> = Err(Timeout);
        twait! { conn.stream.writable(bounded(site.idle, mkevent!(ready))); }
        match ready {
            Ok(Ok(())) => {}
            Err(Timeout) => {
                let now = conn.stream.unacknowledged().unwrap_or(usize::MAX);
                if now >= queued {
                    return;
                }
                queued = now;
                continue;
            }
            Ok(Err(_)) => return,
        }
        // What the socket takes: a head written whole goes on to the body
        // at once (a wait for room the socket has might not wake).
        match write_now(&conn.stream, &rest, off) {
            Ok(to) => {
                off = to;
                queued = conn.stream.unacknowledged().unwrap_or(0);
            }
            Err(_) => return,
        }
    }
    drop(rest);
    conn.progressed();
    match then {
        Then::Serve => serve(conn, site, inbox, busy),
        Then::Linger => linger(conn, site),
        Then::Close => {}
    }
}

/// Closes `conn` gracefully after an error response: shuts down its
/// writing side (the client sees the response, then end of stream), reads
/// and discards what the client still sends until it closes its side, or
/// `--linger-bytes` were read, or `--linger-ms` passed without the client
/// taking more of the response; then closes. A
/// close with unread input would send a reset, which can destroy the
/// response before the client reads it.
#[tamed]
fn linger(conn: Rc<Conn>, site: Rc<Site>) {
    conn.lingering();
    if conn.stream.shutdown(std::net::Shutdown::Write).is_err() {
        return;
    }
    let mut deadline = Instant::now() + site.linger;
    // What the client has not acknowledged yet of the response: while that
    // falls, it is still taking the response, and closing would cut what
    // it has not taken should it send anything more (a reset drops it).
    let mut unacknowledged = conn.stream.unacknowledged().unwrap_or(0);
    let mut drained = 0;
    loop {
        let read = conn.stream.try_read(&mut site.scratch.borrow_mut());
        match read {
            // The client closed its side: nothing unread, a clean close.
            Ok(0) => return,
            Ok(n) => {
                drained += n;
                if drained >= site.linger_bytes {
                    return;
                }
            }
            Err(e) if tame_suite::must_wait(&e) => {
                let mut left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    // Out of time, unless the client took more of the
                    // response meanwhile: then it has `--linger-ms` more.
                    let now = conn.stream.unacknowledged().unwrap_or(0);
                    if now == 0 || now >= unacknowledged || site.linger.is_zero() {
                        return;
                    }
                    unacknowledged = now;
                    Shutdown::delivering();
                    deadline = Instant::now() + site.linger;
                    left = site.linger;
                }
                let mut ready: Result<io::Result<()>, Timeout> = Err(Timeout);
                twait! { conn.stream.readable(tame::add_timeout(left, mkevent!(ready))); }
                match ready {
                    // Readable, or out of time (the deadline is looked at
                    // again).
                    Ok(Ok(())) | Err(Timeout) => {}
                    Ok(Err(_)) => return,
                }
            }
            Err(_) => return,
        }
    }
}

/// What a connection does next.
enum Step {
    /// Write this response (then go on, or close if it says so).
    Respond(Reply),
    /// Wait for more bytes.
    Wait,
    /// The client closed or the socket failed.
    Close,
}

/// Writes what of `out` after its first `off` bytes the socket takes now:
/// how far `out` is written then (short of its end when the caller must
/// wait to write the rest). One `write` for a response in one buffer; its
/// head, then its body, for a large file's.
fn write_now(stream: &TcpStream, out: &Out, mut off: usize) -> io::Result<usize> {
    while off < out.len() {
        let piece = out.from(off);
        match stream.try_write(piece) {
            Ok(n) => {
                off += n;
                if n < piece.len() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    Ok(off)
}

/// A response ready to write.
struct Reply {
    out: Out,
    keep_alive: bool,
    /// An error response: the connection closes after it, lingering.
    error: bool,
}

/// A response's bytes, made once and shared (by the cache, and by every
/// connection writing them): `head` (with the body, for all but a large
/// file's GET), then `body` if there is one (a large file's, shared by its
/// GET responses and kept once). One pointer in the connection's state,
/// which a second would make large enough for every move of the state to
/// be a `memcpy` call (a request moves it three times).
type Out = Rc<Response>;

struct Response {
    head: Vec<u8>,
    body: Option<Bytes>,
}

impl Response {
    /// A response in one buffer.
    fn whole(bytes: Vec<u8>) -> Out {
        Rc::new(Response {
            head: bytes,
            body: None,
        })
    }

    fn len(&self) -> usize {
        self.head.len() + self.body.as_ref().map_or(0, |b| b.len())
    }

    /// The bytes after the first `off` (`off < len()`), to the end of the
    /// buffer they are in: what one `write` takes.
    fn from(&self, off: usize) -> &[u8] {
        match (off.checked_sub(self.head.len()), &self.body) {
            (Some(at), Some(body)) => &body[at..],
            _ => &self.head[off..],
        }
    }
}

/// Bytes of a response, shared (the cache's, written to any number of
/// connections). In a `Vec` of their own, not an `Rc<[u8]>`: that would be
/// one more copy of a file's bytes, made by an allocation that cannot fail
/// (a large file's body is the `Vec` it was read into).
type Bytes = Rc<Vec<u8>>;

/// Files up to this size are kept as whole responses, head and body in one
/// buffer (one `write` per request, as Knot did), at the price of a second
/// copy of the body (the keep-alive and the close response each hold one):
/// at most 64 KiB more per file. A larger file is kept once, its GET
/// written as head then body (two `write`s): the one syscall more is small
/// against copying over 64 KiB into the socket (and a response that large
/// rarely fits in the socket's buffer at once anyway, so it takes more
/// writes whatever its buffers), while a second copy of a large file is
/// not small (a 200 MB file cost 400 MB).
const ONE_WRITE_MAX: usize = 64 << 10;

/// A file with its responses prepared, for close and keep-alive
/// (`[keep_alive as usize]`), dated with the second they were last sent in.
struct Cached {
    /// GET: the whole response, for a file of at most [`ONE_WRITE_MAX`]
    /// bytes; for a larger one, only the head (the same as `head_only`),
    /// written before `body`.
    get: RefCell<[Out; 2]>,
    head_only: RefCell<[Out; 2]>,
    /// The wall clock's second their `Date` says ([`date::now`]).
    dated: Cell<u64>,
}

impl Cached {
    /// The responses of the file at `on_disk`, whose contents are `body`.
    ///
    /// # Errors
    ///
    /// `OutOfMemory` if there is no room for them (the request gets 503,
    /// the process goes on).
    fn new(on_disk: &std::path::Path, body: Vec<u8>) -> io::Result<Cached> {
        let ctype = http::content_type(on_disk);
        let len = body.len() as u64;
        let (dated, _) = date::now();
        let head = |keep: bool| dated_head(200, "OK", ctype, len, keep, &[]);
        // Kept as long as the file is cached: without the room for a small
        // body that a new head has.
        let head_alone = |keep: bool| {
            let mut h = head(keep);
            h.shrink_to_fit();
            Response::whole(h)
        };
        let head_only = [head_alone(false), head_alone(true)];
        let get = if body.len() > ONE_WRITE_MAX {
            let body = Rc::new(body);
            let get = |keep: bool| {
                Rc::new(Response {
                    head: head(keep),
                    body: Some(body.clone()),
                })
            };
            [get(false), get(true)]
        } else {
            let whole = |keep: bool| -> io::Result<Out> {
                let mut v = head(keep);
                v.try_reserve_exact(body.len())
                    .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
                v.extend_from_slice(&body);
                Ok(Response::whole(v))
            };
            [whole(false)?, whole(true)?]
        };
        Ok(Cached {
            get: RefCell::new(get),
            head_only: RefCell::new(head_only),
            dated: Cell::new(dated),
        })
    }

    /// The response to a GET (`get`) or a HEAD, keep-alive or not, dated
    /// now: the four responses are dated again when the second changed
    /// since they were last sent (in place; a copy where a connection is
    /// still writing the old one).
    fn response(&self, get: bool, keep_alive: bool) -> Out {
        let now = date::second();
        if self.dated.get() != now {
            let (_, date) = date::now();
            for outs in [&self.get, &self.head_only] {
                for out in outs.borrow_mut().iter_mut() {
                    if Rc::get_mut(out).is_none() {
                        *out = Rc::new(Response {
                            head: out.head.clone(),
                            body: out.body.clone(),
                        });
                    }
                    let fresh = Rc::get_mut(out).expect("the only holder");
                    http::redate(&mut fresh.head, &date);
                }
            }
            self.dated.set(now);
        }
        let outs = if get { &self.get } else { &self.head_only };
        outs.borrow()[usize::from(keep_alive)].clone()
    }
}

/// A response head of knot's, dated now: RFC 9110 §6.6.1 says an origin
/// server with a clock must send a `Date`, as nginx does. (The peers in
/// bench/ send none: knot's responses are 37 bytes longer than theirs.)
fn dated_head(
    code: u16,
    reason: &str,
    ctype: &str,
    len: u64,
    keep_alive: bool,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let (_, date) = date::now();
    let date = std::str::from_utf8(&date).expect("an HTTP date is ASCII");
    let mut fields = Vec::with_capacity(extra.len() + 1);
    fields.push(("Date", date));
    fields.extend_from_slice(extra);
    http::response_head_with(code, reason, ctype, len, keep_alive, &fields)
}

/// What a request path names.
enum Found {
    File(Rc<Cached>),
    /// A file a HEAD request asked for before any GET: its length and
    /// type, read from its metadata.
    Unread {
        len: u64,
        ctype: &'static str,
    },
    /// A directory named without its trailing slash: 301 to the path with
    /// one.
    Directory,
    /// Nothing there: 404.
    Missing,
    /// A file knot may not read, or one behind a directory it may not
    /// search (their permissions): 403, as nginx answers.
    Forbidden,
    /// A path no file can have ([`Located::Malformed`]): 400.
    Malformed,
}

/// What a file that could not be opened or read is to a client: forbidden
/// if its permissions said no, otherwise missing (gone since it was
/// found, or a kind of file that cannot be read).
fn unreadable(e: &io::Error) -> Found {
    if e.kind() == io::ErrorKind::PermissionDenied {
        Found::Forbidden
    } else {
        Found::Missing
    }
}

/// A 404 or 403: a short body for GET, none for HEAD; the connection is
/// kept alive (a client's wrong path is no reason to close it, nor to
/// cache anything).
fn not_found_or_forbidden(code: u16, method: Method, keep_alive: bool) -> Rc<Response> {
    let (reason, body): (&str, &[u8]) = match code {
        403 => ("Forbidden", b"forbidden\n"),
        _ => ("Not Found", b"not found\n"),
    };
    let mut v = dated_head(
        code,
        reason,
        "text/plain",
        body.len() as u64,
        keep_alive,
        &[],
    );
    if method == Method::Get {
        v.extend_from_slice(body);
    }
    Response::whole(v)
}

/// How many request paths a loop remembers as naming a cached file.
const MAX_PATHS: usize = 4096;
/// The longest request path a loop remembers: longer ones (up to the
/// request line's 8 KiB) look the file up each time, so that the spellings
/// remembered take at most 4,096 x 256 bytes, not 4,096 x 8 KiB.
const MAX_PATH_REMEMBERED: usize = 256;

/// Marks a request under way while it lives. Zero-sized (the counts are
/// the thread's, as the loop is): an idle connection's state does not grow.
struct Busy;

impl Busy {
    fn new() -> Busy {
        SHUTDOWN.with(|s| s.in_flight.set(s.in_flight.get() + 1));
        Busy
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        SHUTDOWN.with(|s| s.in_flight.set(s.in_flight.get() - 1));
        Shutdown::exit_if_drained();
    }
}

/// The graceful shutdown's state, one per loop.
struct Shutdown {
    /// Requests under way (see [`Busy`]).
    in_flight: Cell<usize>,
    /// Shutting down: no more keep-alive; done when `in_flight` is 0 and
    /// every connection has closed, or `--linger-ms` after `in_flight`
    /// first fell to 0.
    draining: Cell<bool>,
    /// `--linger-ms`: how long the last connections may take to close.
    linger: Cell<Duration>,
    /// The wait for the last connections has started.
    lingering: Cell<bool>,
    /// ... and `--linger-ms` has passed.
    overdue: Cell<bool>,
    /// A lingering connection's client took more of its response since
    /// the wait for the last connections began or was renewed.
    delivering: Cell<bool>,
    /// Drained: nothing more is answered on this loop.
    drained: Cell<bool>,
}

thread_local! {
    static SHUTDOWN: Shutdown = const {
        Shutdown {
            in_flight: Cell::new(0),
            draining: Cell::new(false),
            linger: Cell::new(Duration::ZERO),
            lingering: Cell::new(false),
            overdue: Cell::new(false),
            delivering: Cell::new(false),
            drained: Cell::new(false),
        }
    };
}

impl Shutdown {
    fn draining() -> bool {
        SHUTDOWN.with(|s| s.draining.get())
    }

    /// Starts this loop's shutdown: connections close after their
    /// response, idle ones at once, each lingering (the client reads what
    /// was sent, then the end of the stream); the loop is done once no
    /// request is under way and every connection has closed, or `linger`
    /// after the last request.
    fn drain(linger: Duration) {
        SHUTDOWN.with(|s| {
            s.draining.set(true);
            s.linger.set(linger);
        });
        // An idle connection's client may be about to send its next
        // request. Closing the socket now would have the kernel answer that
        // with a reset, which destroys what the client has not read yet of
        // its last response; ending only the writing side sends the rest,
        // then the end of the stream, and reads on until the client closes.
        conns::close_idle();
        conns::when_all_closed(Event::from_fn(|closed: Option<()>| {
            if closed.is_some() {
                Shutdown::exit_if_drained();
            }
        }));
        Shutdown::exit_if_drained();
    }

    /// A lingering connection's client still takes its response: the wait
    /// for the last connections goes on another `--linger-ms`.
    fn delivering() {
        SHUTDOWN.with(|s| s.delivering.set(true));
    }

    /// Gives the last connections `linger` to close, and `linger` more
    /// each time one of their clients took more of a response meanwhile.
    fn wait_for_the_last(linger: Duration) {
        tame::timer(
            linger,
            Event::from_fn(move |passed: Option<()>| {
                if passed.is_none() {
                    return;
                }
                if SHUTDOWN.with(|s| s.delivering.replace(false)) {
                    Shutdown::wait_for_the_last(linger);
                } else {
                    SHUTDOWN.with(|s| s.overdue.set(true));
                    Shutdown::exit_if_drained();
                }
            }),
        );
    }

    /// If this loop is draining, no request is under way, and its
    /// connections have closed (or had `--linger-ms` to): the loop is done,
    /// and if it is the last, the process exits (status 0).
    fn exit_if_drained() {
        let (now_drained, start_linger) = SHUTDOWN.with(|s| {
            if !s.draining.get() || s.in_flight.get() > 0 || s.drained.get() {
                return (false, None);
            }
            if conns::live() == 0 || s.overdue.get() {
                s.drained.set(true);
                return (true, None);
            }
            let start = !s.lingering.replace(true);
            (false, start.then(|| s.linger.get()))
        });
        if let Some(linger) = start_linger {
            Shutdown::wait_for_the_last(linger);
        }
        if !now_drained {
            return;
        }
        if STOP.loop_drained() {
            // Connections still open (lingering past `--linger-ms`) are
            // closed by the exit.
            log_line!("knot: done");
            std::process::exit(0);
        }
        // Other loops still finish their requests. Close what is left of
        // this one's connections now, as the exit would: then nothing
        // waits on this loop and its `run` returns.
        conns::shed(usize::MAX);
    }
}

/// How the loops learn of a shutdown and end together. Process-wide, and
/// touched only when shutting down: nothing of it is on the request path.
///
/// Only the first loop watches SIGINT and SIGTERM. The kernel hands a
/// signal sent to the process to one signal descriptor, whichever loop
/// reads first, so loops that each watched would not all hear of one
/// signal. The first loop [`tell`](Stop::tell)s the others: each waits on
/// a [`told`](Stop::told) future run by `tame::spawn`, whose waker the
/// first loop's thread wakes (through the waiting loop's eventfd).
struct Stop {
    told: Mutex<Told>,
    /// Loops whose listener is still open.
    listening: AtomicUsize,
    /// Loops not drained yet ([`Shutdown`]).
    running: AtomicUsize,
}

struct Told {
    /// The signal the first loop got.
    signal: Option<Signal>,
    /// The other loops' `told` futures, waiting.
    wakers: Vec<Waker>,
}

static STOP: Stop = Stop {
    told: Mutex::new(Told {
        signal: None,
        wakers: Vec::new(),
    }),
    listening: AtomicUsize::new(1),
    running: AtomicUsize::new(1),
};

impl Stop {
    /// Before the loops start: there are `n` of them.
    fn loops(&self, n: usize) {
        self.listening.store(n, Ordering::SeqCst);
        self.running.store(n, Ordering::SeqCst);
    }

    fn lock(&self) -> MutexGuard<'_, Told> {
        self.told.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The first loop got `sig`: every loop stops.
    fn tell(&self, sig: Signal) {
        let wakers = {
            let mut told = self.lock();
            told.signal = Some(sig);
            std::mem::take(&mut told.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// Ready once [`tell`](Stop::tell) was called.
    fn told(&'static self) -> impl Future<Output = ()> {
        std::future::poll_fn(move |cx| {
            let mut told = self.lock();
            if told.signal.is_some() {
                return Poll::Ready(());
            }
            if !told.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                told.wakers.push(cx.waker().clone());
            }
            Poll::Pending
        })
    }

    /// A loop closed its listener. Once every loop has, new connections
    /// are refused, and knot says so.
    fn listener_closed(&self) {
        if self.listening.fetch_sub(1, Ordering::SeqCst) == 1 {
            let sig = self.lock().signal.expect("told before any listener closes");
            log_line!("knot: {sig}: no new connections; finishing the requests under way");
        }
    }

    /// A loop is drained; whether it was the last.
    fn loop_drained(&self) -> bool {
        self.running.fetch_sub(1, Ordering::SeqCst) == 1
    }
}

/// The served directory, its cache and the limits.
struct Site {
    root: PathBuf,
    /// `--idle-ms` (`None`: no limit).
    idle: Option<Duration>,
    /// `--head-ms` (`None`: no limit).
    head: Option<Duration>,
    /// `--linger-ms`.
    linger: Duration,
    /// `--linger-bytes`.
    linger_bytes: usize,
    /// The cached responses, one per file served (by its path on disk).
    files: RefCell<HashMap<PathBuf, Rc<Cached>>>,
    /// Request paths already seen to name a cached file, so that a hit
    /// costs no file-system call. At most [`MAX_PATHS`], each at most
    /// [`MAX_PATH_REMEMBERED`] bytes: a client can spell
    /// one file in endless ways (percent escapes, doubled slashes), and a
    /// missing file is never remembered (each 404 looks again).
    paths: RefCell<HashMap<String, Rc<Cached>>>,
    /// The error responses made so far, by status and whether to a HEAD
    /// request (without a body), with the second their `Date` says.
    errors: RefCell<HashMap<(u16, bool), (u64, Out)>>,
    /// The one read buffer of all connections (one thread, one read at a time).
    scratch: RefCell<Vec<u8>>,
}

impl Site {
    /// A loop's site: its own cache and buffer, nothing shared with the
    /// other loops' sites.
    fn new(f: &Flags) -> Site {
        let ms = |ms: u64| (ms > 0).then(|| Duration::from_millis(ms));
        Site {
            root: f.root.clone(),
            idle: ms(f.idle_ms),
            head: ms(f.head_ms),
            linger: Duration::from_millis(f.linger_ms),
            linger_bytes: f.linger_bytes,
            files: RefCell::new(HashMap::new()),
            paths: RefCell::new(HashMap::new()),
            errors: RefCell::new(HashMap::new()),
            scratch: RefCell::new(vec![0; 16 * 1024]),
        }
    }

    /// The next request of a connection whose unfinished input is `inbox`:
    /// decided from what is there if it can be (a pipelined request, a head
    /// already too large), else read from the socket into the shared buffer.
    ///
    /// `drained`: the last read left room in the buffer, so the socket had
    /// nothing more; nothing was read since. Then the connection waits
    /// rather than read: the read could only say `EAGAIN` (a syscall per
    /// request), while the wait knows the socket is drained and costs none.
    fn next_step(&self, stream: &TcpStream, inbox: &mut Inbox, drained: &mut bool) -> Step {
        match inbox.next_held() {
            Next::Head(raw) => return Step::Respond(self.answer(raw)),
            Next::Refuse(e) => return Step::Respond(self.error(e, inbox.method())),
            Next::Read => {}
        }
        if std::mem::take(drained) {
            return Step::Wait;
        }
        let mut scratch = self.scratch.borrow_mut();
        match stream.try_read(&mut scratch) {
            Ok(0) => Step::Close,
            Ok(n) => {
                let step = match inbox.push(&scratch[..n]) {
                    Next::Head(raw) => Step::Respond(self.answer(raw)),
                    Next::Refuse(e) => Step::Respond(self.error(e, inbox.method())),
                    Next::Read => Step::Wait,
                };
                // A wait reads again after it.
                *drained = n < scratch.len() && matches!(step, Step::Respond(_));
                step
            }
            Err(e) if tame_suite::must_wait(&e) => Step::Wait,
            Err(_) => Step::Close,
        }
    }

    fn answer(&self, raw: &[u8]) -> Reply {
        match http::parse(raw) {
            Ok(head) => self.respond(&head),
            // Refused, but perhaps known to be a HEAD request.
            Err(e) => self.error(e, http::request_method(raw)),
        }
    }

    fn respond(&self, head: &Head<'_>) -> Reply {
        // While shutting down, every response says the connection closes.
        let keep_alive = head.keep_alive && !Shutdown::draining();
        match head.method {
            Method::Get | Method::Head => {}
            Method::Other => return self.error(ParseError::MethodNotAllowed, Some(head.method)),
        }
        let found = match self.file(head.path, head.method == Method::Head) {
            Ok(f) => f,
            Err(_) => return self.status(503, "Service Unavailable", head.method == Method::Head),
        };
        let out = match (found, head.method) {
            (Found::File(f), method) => f.response(method == Method::Get, keep_alive),
            (Found::Unread { len, ctype }, _) => {
                Response::whole(dated_head(200, "OK", ctype, len, keep_alive, &[]))
            }
            (Found::Directory, _) => Response::whole(redirect_to_directory(head, keep_alive)),
            (Found::Missing, _) => not_found_or_forbidden(404, head.method, keep_alive),
            (Found::Forbidden, _) => not_found_or_forbidden(403, head.method, keep_alive),
            (Found::Malformed, _) => {
                return self.status(400, "Bad Request", head.method == Method::Head)
            }
        };
        Reply {
            out,
            keep_alive,
            error: false,
        }
    }

    /// What `path` names: a file's cached responses, reading the file on
    /// first use (on the loop: a large file stalls it while it is read),
    /// a directory to redirect to, or nothing (404). For a HEAD request
    /// (`head_only`) a file not cached yet is opened and not read: its
    /// length is all the response needs, and a HEAD of a large file must
    /// neither stall the loop nor fill the cache.
    ///
    /// # Errors
    ///
    /// Out of file descriptors (or memory) while reading the file: not
    /// cached, the next request tries again.
    fn file(&self, path: &str, head_only: bool) -> io::Result<Found> {
        if let Some(c) = self.paths.borrow().get(path) {
            return Ok(Found::File(c.clone()));
        }
        let on_disk = match http::locate(&self.root, path) {
            Located::File(f) => f,
            Located::Directory => return Ok(Found::Directory),
            Located::Missing => return Ok(Found::Missing),
            Located::Forbidden => return Ok(Found::Forbidden),
            Located::Malformed => return Ok(Found::Malformed),
        };
        let known = self.files.borrow().get(&on_disk).cloned();
        let cached = match known {
            Some(c) => c,
            // Opened as a GET would read it: a file it could not read is
            // missing to a HEAD too.
            None if head_only => {
                return match files::open_regular(&on_disk) {
                    Ok((_, len)) => Ok(Found::Unread {
                        len,
                        ctype: http::content_type(&on_disk),
                    }),
                    Err(e) if out_of_fds(&e) => Err(e),
                    Err(e) => Ok(unreadable(&e)),
                }
            }
            None => match files::read_regular(&on_disk) {
                Ok(body) => {
                    let c = Rc::new(Cached::new(&on_disk, body)?);
                    self.files.borrow_mut().insert(on_disk, c.clone());
                    c
                }
                Err(e) if out_of_fds(&e) || e.kind() == io::ErrorKind::OutOfMemory => {
                    return Err(e)
                }
                Err(e) => return Ok(unreadable(&e)),
            },
        };
        let mut paths = self.paths.borrow_mut();
        if paths.len() < MAX_PATHS && path.len() <= MAX_PATH_REMEMBERED {
            paths.insert(path.to_owned(), cached.clone());
        }
        Ok(Found::File(cached))
    }

    /// The response to a refused request whose method is `method`, if it is
    /// known; the connection closes after it.
    fn error(&self, e: ParseError, method: Option<Method>) -> Reply {
        let (code, reason) = e.status();
        self.status(code, reason, method == Some(Method::Head))
    }

    /// An error response with this status; the connection closes after it.
    /// `head_request`: the request is known to be a HEAD request, so the
    /// response has no body (RFC 9110 §9.3.2), but the `Content-Length` of
    /// the body a GET would get (as §9.3.2 allows).
    fn status(&self, code: u16, reason: &str, head_request: bool) -> Reply {
        let (now, date) = date::now();
        let mut errors = self.errors.borrow_mut();
        let bytes = errors.entry((code, head_request)).or_insert_with(|| {
            let body = format!("{code} {reason}\n");
            // A 405 MUST say which methods are allowed (RFC 9110
            // §15.5.6).
            let allow: &[(&str, &str)] = if code == 405 {
                &[("Allow", http::ALLOW)]
            } else {
                &[]
            };
            let mut v = dated_head(code, reason, "text/plain", body.len() as u64, false, allow);
            if !head_request {
                v.extend_from_slice(body.as_bytes());
            }
            (now, Response::whole(v))
        });
        // Dated again in a later second (in place, or in a copy while a
        // connection still writes the old one).
        if bytes.0 != now {
            if Rc::get_mut(&mut bytes.1).is_none() {
                bytes.1 = Response::whole(bytes.1.head.clone());
            }
            http::redate(
                &mut Rc::get_mut(&mut bytes.1).expect("the only holder").head,
                &date,
            );
            bytes.0 = now;
        }
        let bytes = bytes.1.clone();
        Reply {
            out: bytes,
            keep_alive: false,
            error: true,
        }
    }
}

/// The 301 to a directory named without its trailing slash (`/sub`): to
/// `/sub/`, with the query if any, as nginx answers. Leading slashes are
/// merged (`//sub` would be read as a host), and a backslash is escaped
/// (browsers read `/\x` as `//x`).
fn redirect_to_directory(head: &Head<'_>, keep_alive: bool) -> Vec<u8> {
    let path = head.path.trim_start_matches('/').replace('\\', "%5C");
    let location = match head.query {
        Some(q) => format!("/{path}/?{q}"),
        None => format!("/{path}/"),
    };
    let body = format!("moved to {location}\n");
    let mut v = dated_head(
        301,
        "Moved Permanently",
        "text/plain",
        body.len() as u64,
        keep_alive,
        &[("Location", &location)],
    );
    if head.method == Method::Get {
        v.extend_from_slice(body.as_bytes());
    }
    v
}

const HELP: &str = "\
knot: an HTTP/1.1 static file server, one tamed function per connection, one loop per thread

usage: knot --root DIR [--port PORT] [--threads N] [--idle-ms MS] [--head-ms MS] [--linger-ms MS] [--linger-bytes N]
  --root DIR          the directory to serve (a file is read into memory, on its loop, when a GET first asks
                      for it: a large one stalls that loop while it is read; a HEAD reads its length only)
  --port PORT         port on 127.0.0.1 (default 8080; 0 picks a free one); the bound address is printed on
                      stdout's first line
  --threads N         N loops on N threads (default 1), each with its own listener on the port (SO_REUSEPORT:
                      the kernel spreads new connections over them), its own file cache and its own connections
  --idle-ms MS        close a connection whose client sends nothing (before or between requests, or in the
                      middle of a head: then after a 408) or takes none of its response for MS milliseconds
                      (default 30000; 0: never)
  --head-ms MS        a request head must be whole within MS milliseconds of its first byte, or the client
                      gets 408 and the connection closes (default 10000; 0: no limit but --idle-ms)
  --linger-ms MS      after an error response, read and discard what the client still sends for at most
                      MS milliseconds before closing, so that the response is not lost to a reset (default 5000;
                      again while the client takes the response); on SIGINT or SIGTERM, the time the last
                      connections get to close
  --linger-bytes N    ... and at most N bytes (default 1048576)

Out of file descriptors, knot sheds the connections least worth keeping (lingering, then the longest
without a completed response) so that new clients are still served.
SIGINT or SIGTERM: stop accepting (every loop), finish the requests under way, exit 0";

/// The flags' values.
struct Flags {
    root: PathBuf,
    port: u16,
    threads: usize,
    idle_ms: u64,
    head_ms: u64,
    linger_ms: u64,
    linger_bytes: usize,
}

fn flags() -> Flags {
    let mut root: Option<PathBuf> = None;
    let mut f = Flags {
        root: PathBuf::new(),
        port: 8080,
        threads: 1,
        idle_ms: 30_000,
        head_ms: 10_000,
        linger_ms: 5_000,
        linger_bytes: 1 << 20,
    };
    fn number<T: tame_suite::FlagNumber>(flag: &str, v: Option<String>) -> T {
        tame_suite::number_flag(flag, v, 0).unwrap_or_else(|problem| usage(&problem))
    }
    let mut args = tame_suite::args();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => {
                root = Some(
                    args.next()
                        .map(PathBuf::from)
                        .unwrap_or_else(|| usage("--root needs a directory")),
                )
            }
            "--port" => f.port = number("--port", args.next()),
            "--threads" => {
                f.threads = tame_suite::number_flag("--threads", args.next(), 1)
                    .unwrap_or_else(|problem| usage(&problem))
            }
            "--idle-ms" => f.idle_ms = number("--idle-ms", args.next()),
            "--head-ms" => f.head_ms = number("--head-ms", args.next()),
            "--linger-ms" => f.linger_ms = number("--linger-ms", args.next()),
            "--linger-bytes" => f.linger_bytes = number("--linger-bytes", args.next()),
            "-h" | "--help" => {
                tame_suite::print_help(&format!("{HELP}\n"));
                std::process::exit(0);
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let Some(root) = root else {
        usage("--root DIR is required")
    };
    match std::fs::metadata(&root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => usage(&format!("{} is not a directory", root.display())),
        // (Missing, or behind a directory knot may not search: the
        // reason, not "not a directory".)
        Err(e) => usage(&format!("--root {}: {e}", root.display())),
    }
    f.root = root;
    f
}

fn main() {
    let f = flags();
    // Before anything else, and before any other thread exists (threads
    // inherit the mask): a signal that comes early then waits for the
    // first loop's accept loop instead of ending the process, and no
    // thread takes it but that loop's signal descriptor.
    for sig in [Signal::Int, Signal::Term] {
        if let Err(e) = sig.block() {
            log_line!("knot: cannot block {sig}: {e}");
        }
    }
    let mut listeners = tame_suite::listen_loops("knot", f.port, f.threads).into_iter();
    STOP.loops(f.threads);
    let first = listeners.next().expect("one listener per loop");
    let flags = Arc::new(f);
    // Loops 1..N on threads of their own, each with its own site; loop 0,
    // which watches the signals, on this thread.
    let others: Vec<_> = listeners
        .enumerate()
        .map(|(i, l)| {
            let flags = flags.clone();
            tame_suite::spawn_loop(format!("knot-{}", i + 1), move || {
                let listener = TcpListener::from_std(l).expect("a listener");
                accept_loop(listener, Rc::new(Site::new(&flags)), false);
            })
        })
        .collect();
    tame_suite::prepare_loop("knot");
    let listener = TcpListener::from_std(first).expect("a listener");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    accept_loop(listener, Rc::new(Site::new(&flags)), true);
    // Every loop has started (or the process has ended, saying why):
    // time to tell the world where knot listens.
    tame_suite::announce(addr);
    tame::run();
    // This loop is drained, and closed its connections: the last loop to
    // drain exits the process.
    for t in others {
        let _ = t.join();
    }
}

fn usage(problem: &str) -> ! {
    log_line!(
        "knot: {problem}\nusage: knot --root DIR [--port PORT] [--threads N] [--idle-ms MS] [--head-ms MS] \
         [--linger-ms MS] [--linger-bytes N] (try --help)"
    );
    std::process::exit(2);
}
