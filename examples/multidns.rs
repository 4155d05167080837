//! multidns: the paper's figures 3 and 4 (Krohn, Kohler, Kaashoek, "Events
//! Can Make Sense", USENIX ATC 2007). Resolves N names sequentially, in
//! parallel, and with a window of W outstanding lookups, and prints how long
//! each took next to the ideal time.
//!
//! Run `cargo run --release --example multidns -- --help` for the options.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tame_suite::out_line;

use tame::dns::server::Server;
use tame::dns::wire::{self, Message, RData};
use tame::dns::{self, gethost_ev, Error, LookupResult, Resolver};
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

const HELP: &str = "\
multidns: resolve many names sequentially, in parallel, and in a window
(the tame paper's figures 3 and 4), and compare with a blocking loop.

USAGE:
    multidns [-n N] [--window W] [--delay MS] [--server ADDR] [--] [NAME...]

With no NAME, starts a DNS server of its own on 127.0.0.1 (built on tame,
on a thread of its own) that answers N generated names, each after MS
milliseconds, and checks every answer.
With NAMEs and --server ADDR, asks the DNS server at ADDR.
With NAMEs and no --server, asks the nameservers of /etc/resolv.conf.

OPTIONS:
    -n N            number of generated names (built-in server only; at most
                    1000000; the parallel mode holds a socket per name at
                    once, so N near the open-files limit, `ulimit -n`,
                    fails its excess names: too many open files)
                    [default: 100]
    --window W      most lookups outstanding at once in the windowed mode
                    (a socket each) [default: 10]
    --delay MS      the built-in server's delay per query, milliseconds; at
                    most 4000, a second under the lookups' deadline of 5000
                    (a reply must come before it) [default: 100]
    --server ADDR   the DNS server to ask, as IP or IP:PORT (port 53 if omitted)
    -h, --help      print this help
    --              what follows is NAMEs (one may start with '-')

OUTPUT:
    One row per mode: mode, N, window, wall time, ideal time
    (ceil(N/W) * delay; with a real server the delay is estimated as the
    sequential mode's time per name, marked ~), their ratio, and how many
    names resolved (correctly, for the built-in server). A mode that left
    names unresolved has no ratio (a dash): the time failures take says
    nothing of the paper's claim; nor, with a real server, has any mode an
    ideal time if the sequential mode left names unresolved.
    Each lookup costs a few syscalls (its own socket, A and AAAA queries),
    so the parallel mode's distance from its ideal grows with N: at the
    defaults the window mode comes within a few percent of ideal, and the
    parallel mode, whose 100 lookups make their sockets and queries in
    one go, within 10-25% depending on the machine's speed.

    The `blocking` row is the same N names resolved one at a time by a
    blocking loop that uses no tame at all: with the built-in server or
    --server, a std::net::UdpSocket sending the A and AAAA queries and
    waiting for both replies; with the system's nameservers, the standard
    library's resolver (std::net::ToSocketAddrs, i.e. getaddrinfo).
    If lookups failed, a few failures of each mode follow the table,
    each labelled with its mode.

EXIT STATUS:
    0 if every mode resolved every name (correctly, for the built-in
    server), 1 if any lookup failed, 2 for a bad command line.
";

// ---- The paper's three loops, as #[tamed] functions ----

/// Figure 3, top: one name after another.
#[tamed]
fn multidns(names: Vec<String>, done: Event<Vec<LookupResult>>) {
    tvars! { let mut a = unresolved(&names); }
    for i in 0..names.len() {
        twait! { gethost_ev(names[i].clone(), mkevent!(a[i])); }
    }
    done.trigger(a);
}

/// Figure 3, bottom: every name at once, one `twait` for all.
// The paper's figure 3 indexes the names and the answers alike.
#[allow(clippy::needless_range_loop)]
#[tamed]
fn multidns_par(names: Vec<String>, done: Event<Vec<LookupResult>>) {
    tvars! { let mut a = unresolved(&names); }
    twait! {
        for i in 0..names.len() {
            gethost_ev(names[i].clone(), mkevent!(a[i]));
        }
    }
    done.trigger(a);
}

/// Figure 4: at most `window` lookups outstanding, over an explicit
/// rendezvous.
#[tamed]
fn multidns_win(names: Vec<String>, window: usize, done: Event<Vec<LookupResult>>) {
    tvars! {
        let mut sent = 0usize;
        let mut recv = 0usize;
        let mut a = unresolved(&names);
        let r = Rendezvous::<()>::new();
    }
    while recv < names.len() {
        if sent < names.len() && sent - recv < window {
            gethost_ev(names[sent].clone(), mkevent!(r, (), a[sent]));
            sent += 1;
        } else {
            twait!(r);
            recv += 1;
        }
    }
    done.trigger(a);
}

/// The initial value of each result place: a dropped event leaves its slot
/// as it was, so a place starts as "no result".
fn unresolved(names: &[String]) -> Vec<LookupResult> {
    names
        .iter()
        .map(|n| Err(Error::NoResult { name: n.clone() }))
        .collect()
}

// ---- The blocking loop, without tame ----

/// How long the blocking loop waits for a lookup's replies: the deadline
/// tame's resolver gives a lookup by default.
const LOOKUP_DEADLINE: Duration = Duration::from_secs(5);

/// The longest `--delay`: a second under [`LOOKUP_DEADLINE`], so that a
/// reply comes before it even on a busy machine (a delay of 4,999 ms
/// timed lookups out).
const MAX_DELAY: Duration = Duration::from_secs(4);

/// The most generated names (`-n`): each is a name, an address and a
/// server entry in memory, three times over.
const MAX_NAMES: usize = 1_000_000;

/// One name after another over a blocking UDP socket connected to
/// `server`: send A and AAAA, wait for both replies (matched by id and
/// question; the connected socket receives only from `server`, and gets
/// its ICMP errors, so a closed port is reported as such at once) until
/// the lookup's deadline, 5 s after its queries went out, as tame's
/// resolver does by default (no retransmission here). As there, an IP
/// literal is its own address and an empty name is refused, with no
/// query; a truncated reply is asked again over TCP; the addresses of
/// either reply are the answer (also when the other one fails, does not
/// come, or is NXDOMAIN); without addresses, NXDOMAIN on either is the
/// error, else the first failure a reply gave.
/// One query over TCP, blocking, until `deadline`: the retry of a
/// truncated reply in [`blocking_udp`]. `Err` says what went wrong, in the
/// words of tame's `Error::Malformed`.
fn blocking_tcp(
    server: SocketAddr,
    query: &[u8],
    deadline: Instant,
) -> Result<Message, &'static str> {
    use std::io::{Read, Write};
    let left = || {
        let left = deadline.saturating_duration_since(Instant::now());
        (!left.is_zero())
            .then_some(left)
            .ok_or("reply truncated over UDP, and no reply over TCP came before the deadline")
    };
    let mut conn = std::net::TcpStream::connect_timeout(&server, left()?)
        .map_err(|_| "reply truncated over UDP, and the TCP connection failed")?;
    let len = u16::try_from(query.len())
        .map_err(|_| "reply truncated over UDP, and the query is too long for TCP")?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    conn.set_write_timeout(Some(left()?))
        .and_then(|()| conn.write_all(&framed))
        .map_err(|_| "reply truncated over UDP, and the query could not be sent over TCP")?;
    let mut read = |buf: &mut [u8]| {
        conn.set_read_timeout(Some(left()?))
            .and_then(|()| conn.read_exact(buf))
            .map_err(|_| {
                "reply truncated over UDP, and the TCP connection ended before the whole reply"
            })
    };
    let mut head = [0u8; 2];
    read(&mut head)?;
    let mut reply = vec![0u8; u16::from_be_bytes(head).into()];
    read(&mut reply)?;
    Message::decode(&reply)
        .map_err(|_| "reply truncated over UDP, and the reply over TCP cannot be parsed")
}

fn blocking_udp(server: SocketAddr, names: &[String]) -> Vec<LookupResult> {
    let local: SocketAddr = if server.is_ipv6() {
        "[::]:0".parse().unwrap()
    } else {
        "0.0.0.0:0".parse().unwrap()
    };
    let sock = match UdpSocket::bind(local).and_then(|s| s.connect(server).map(|()| s)) {
        Ok(s) => s,
        Err(e) => {
            return names
                .iter()
                .map(|n| {
                    Err(Error::io(
                        n.clone(),
                        std::io::Error::new(e.kind(), e.to_string()),
                    ))
                })
                .collect()
        }
    };
    let mut buf = [0u8; 4096];
    let mut next_id = std::process::id() as u16;
    // What a failed send or receive says about the lookup of `name`.
    let failed = |name: &String, e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            Error::Timeout { name: name.clone() }
        }
        std::io::ErrorKind::ConnectionRefused
        | std::io::ErrorKind::HostUnreachable
        | std::io::ErrorKind::NetworkUnreachable => Error::Unreachable {
            name: name.clone(),
            nameserver: server,
            source: e,
        },
        _ => Error::io(name.clone(), e),
    };
    names
        .iter()
        .map(|name| {
            let literal = name.parse::<IpAddr>().ok().or_else(|| {
                let inner = name.strip_prefix('[')?.strip_suffix(']')?;
                inner.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
            });
            if let Some(ip) = literal {
                return Ok(vec![ip]);
            }
            if name.trim_end_matches('.').is_empty() {
                return Err(Error::InvalidName {
                    name: name.clone(),
                    reason: "empty name",
                });
            }
            let mut want = Vec::new();
            for qtype in [wire::TYPE_A, wire::TYPE_AAAA] {
                next_id = next_id.wrapping_add(1);
                let q = Message::query(next_id, name, qtype).encode().map_err(|e| {
                    Error::InvalidName {
                        name: name.clone(),
                        reason: e.as_str(),
                    }
                })?;
                // (A signal, Ctrl-Z then `fg`, interrupts a blocking call.)
                loop {
                    match sock.send(&q) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        sent => break sent.map_err(|e| failed(name, e))?,
                    }
                };
                want.push((next_id, qtype, None::<Result<Vec<IpAddr>, Error>>));
            }
            let deadline = Instant::now() + LOOKUP_DEADLINE;
            while want.iter().any(|w| w.2.is_none()) {
                let left = deadline.saturating_duration_since(Instant::now());
                let received = if left.is_zero() {
                    Err(std::io::ErrorKind::TimedOut.into())
                } else {
                    sock.set_read_timeout(Some(left))
                        .and_then(|()| sock.recv(&mut buf))
                };
                let n = match received {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    // What came is the answer, if it has addresses.
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        break;
                    }
                    Err(e) => return Err(failed(name, e)),
                };
                let Ok(m) = Message::decode(&buf[..n]) else {
                    continue;
                };
                let Some(w) = want
                    .iter_mut()
                    .find(|w| w.0 == m.header.id && w.2.is_none())
                else {
                    continue;
                };
                let q_ok = m.questions.len() == 1
                    && m.questions[0].qtype == w.1
                    && wire::same_name(&m.questions[0].name, name);
                if !m.header.response || !q_ok {
                    continue;
                }
                // Truncated (TC): not the answer; asked again over TCP,
                // as tame's resolver does (RFC 2181 §9).
                let m = if m.header.truncated {
                    let q = Message::query(w.0, name, w.1).encode().map_err(|e| {
                        Error::InvalidName {
                            name: name.clone(),
                            reason: e.as_str(),
                        }
                    })?;
                    match blocking_tcp(server, &q, deadline) {
                        Ok(m)
                            if m.header.id == w.0
                                && m.header.response
                                && !m.header.truncated
                                && m.questions.len() == 1
                                && m.questions[0].qtype == w.1
                                && wire::same_name(&m.questions[0].name, name) =>
                        {
                            m
                        }
                        Ok(_) => {
                            w.2 = Some(Err(Error::Malformed {
                                name: name.clone(),
                                reason: "reply truncated over UDP, and the reply over TCP did not match the query",
                            }));
                            continue;
                        }
                        Err(reason) => {
                            w.2 = Some(Err(Error::Malformed {
                                name: name.clone(),
                                reason,
                            }));
                            continue;
                        }
                    }
                } else {
                    m
                };
                let name = name.clone();
                w.2 = Some(match m.header.rcode {
                    wire::RCODE_NOERROR => Ok(m
                        .answers
                        .iter()
                        .filter_map(|r| match r.data {
                            RData::A(a) if w.1 == wire::TYPE_A => Some(IpAddr::V4(a)),
                            RData::Aaaa(a) if w.1 == wire::TYPE_AAAA => Some(IpAddr::V6(a)),
                            _ => None,
                        })
                        .collect()),
                    wire::RCODE_NXDOMAIN => Err(Error::NxDomain { name }),
                    wire::RCODE_SERVFAIL => Err(Error::ServFail { name }),
                    wire::RCODE_REFUSED => Err(Error::Refused { name }),
                    rcode => Err(Error::Rcode { name, rcode }),
                });
            }
            let answered = want.iter().filter(|w| w.2.is_some()).count();
            let mut all = Vec::new();
            let mut failure = None;
            for w in want {
                match w.2 {
                    Some(Ok(addrs)) => all.extend(addrs),
                    // NXDOMAIN, when no query has an address, as tame's
                    // resolver (and glibc) say.
                    Some(Err(e @ Error::NxDomain { .. })) => failure = Some(e),
                    Some(Err(e)) => {
                        failure.get_or_insert(e);
                    }
                    None => {}
                }
            }
            match (all.is_empty(), failure) {
                (false, _) => Ok(all),
                (true, Some(e)) => Err(e),
                (true, None) if answered < 2 => Err(Error::Timeout { name: name.clone() }),
                (true, None) => Err(Error::NoAddresses { name: name.clone() }),
            }
        })
        .collect()
}

/// One name after another with the standard library's resolver.
fn blocking_std(names: &[String]) -> Vec<LookupResult> {
    names
        .iter()
        .map(|name| {
            (name.as_str(), 0)
                .to_socket_addrs()
                .map(|it| it.map(|a| a.ip()).collect())
                .map_err(|source| Error::io(name.clone(), source))
        })
        .collect()
}

// ---- Command line, runs, table ----

struct Args {
    n: usize,
    window: usize,
    delay_ms: u64,
    /// `-n` or `--delay` was given: they are the built-in server's.
    builtin_flags: bool,
    server: Option<SocketAddr>,
    names: Vec<String>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        n: 100,
        window: 10,
        delay_ms: 100,
        builtin_flags: false,
        server: None,
        names: Vec::new(),
    };
    let mut it = tame_suite::args();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().ok_or_else(|| format!("{flag} needs a value"));
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            // The rest are NAMEs, also one that starts with '-'.
            "--" => args.names.extend(it.by_ref()),
            "-n" => {
                args.n = value("-n")?.parse().map_err(|e| format!("-n: {e}"))?;
                args.builtin_flags = true;
            }
            "--window" => {
                args.window = value("--window")?
                    .parse()
                    .map_err(|e| format!("--window: {e}"))?
            }
            "--delay" => {
                args.delay_ms = value("--delay")?
                    .parse()
                    .map_err(|e| format!("--delay: {e}"))?;
                args.builtin_flags = true;
            }
            "--server" => {
                let v = value("--server")?;
                let addr = v
                    .parse::<SocketAddr>()
                    .or_else(|_| v.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                    .map_err(|_| format!("--server: not an IP or IP:PORT: {v}"))?;
                args.server = Some(addr);
            }
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            _ => args.names.push(a),
        }
    }
    if args.window == 0 {
        return Err("--window must be at least 1".into());
    }
    if args.server.is_some() && args.names.is_empty() {
        return Err("--server needs NAMEs to ask it about".into());
    }
    if args.builtin_flags && !args.names.is_empty() {
        return Err("-n and --delay are the built-in server's, which NAMEs replace".into());
    }
    if args.n > MAX_NAMES {
        return Err(format!("-n: at most {MAX_NAMES}"));
    }
    if Duration::from_millis(args.delay_ms) > MAX_DELAY {
        return Err(format!(
            "--delay: at most {} ms: the lookups give up after {} ms",
            MAX_DELAY.as_millis(),
            LOOKUP_DEADLINE.as_millis()
        ));
    }
    Ok(Some(args))
}

/// Runs one tamed loop to completion and times it.
fn timed(start: impl FnOnce(Event<Vec<LookupResult>>)) -> (Duration, Vec<LookupResult>) {
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    let t = Instant::now();
    start(Event::from_fn(move |v| *o.borrow_mut() = v));
    tame::run();
    let wall = t.elapsed();
    (wall, out.take().unwrap_or_default())
}

struct Row {
    mode: &'static str,
    window: usize,
    wall: Duration,
    resolved: usize,
}

/// `table`'s rows as lines, the first column left-aligned and the others
/// right-aligned, each column as wide as its widest cell or its `min`.
fn aligned<const C: usize>(table: &[[String; C]], min: [usize; C]) -> Vec<String> {
    let mut widths = min;
    for row in table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    table
        .iter()
        .map(|row| {
            let mut line = String::new();
            for (i, (cell, &w)) in row.iter().zip(&widths).enumerate() {
                let pad = " ".repeat(w - cell.chars().count());
                if i == 0 {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push(' ');
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            tame_suite::print_help(HELP);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("multidns: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };

    // Where the names come from, and how to check the answers.
    let builtin = args.names.is_empty();
    let names: Vec<String> = if builtin {
        (0..args.n)
            .map(|i| format!("host{i}.multidns.test"))
            .collect()
    } else {
        args.names.clone()
    };
    let n = names.len();
    let expected = |i: usize| IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
    let _server_thread;
    let server_addr = if builtin {
        let mut b = Server::builder().delay(Duration::from_millis(args.delay_ms));
        for (i, name) in names.iter().enumerate() {
            b = b.host(name, expected(i));
        }
        let srv = match b.spawn() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("multidns: cannot start the built-in server: {e}");
                return ExitCode::FAILURE;
            }
        };
        let addr = srv.local_addr();
        _server_thread = Some(srv);
        out_line!(
            "multidns: {n} names, built-in server on {addr} ({} ms delay per query)",
            args.delay_ms
        );
        Some(addr)
    } else {
        _server_thread = None;
        args.server
    };
    match server_addr {
        Some(addr) => dns::set_default_resolver(Resolver::new(vec![addr])),
        None => match Resolver::from_system() {
            Ok(r) => {
                out_line!(
                    "multidns: {n} names, nameservers of /etc/resolv.conf {:?}",
                    r.nameservers()
                );
                dns::set_default_resolver(r);
            }
            Err(e) => {
                eprintln!("multidns: cannot read /etc/resolv.conf: {e}");
                return ExitCode::FAILURE;
            }
        },
    }
    if let (false, Some(addr)) = (builtin, server_addr) {
        out_line!("multidns: {n} names, server {addr}");
    }

    let count = |results: &[LookupResult]| -> usize {
        results
            .iter()
            .enumerate()
            .filter(|(i, r)| match r {
                Ok(addrs) if builtin => addrs == &[expected(*i)],
                Ok(addrs) => !addrs.is_empty(),
                Err(_) => false,
            })
            .count()
    };
    let mut rows = Vec::new();
    // A few failures of each mode, labelled with it: the modes ask in
    // different ways (the blocking one without tame), and may fail
    // differently.
    let mut failures: Vec<String> = Vec::new();
    let mut note = |mode: &str, results: &[LookupResult]| {
        // Told apart by their cause: the same one for every name (a
        // nameserver that refuses) is shown once, with the first name.
        let mut seen: Vec<String> = Vec::new();
        for e in results.iter().filter_map(|r| r.as_ref().err()) {
            let shown = e.to_string();
            let cause = shown.strip_prefix(e.name()).unwrap_or(&shown).to_owned();
            if seen.len() == 3 {
                break;
            }
            if !seen.contains(&cause) {
                failures.push(format!("{mode}: {shown}"));
                seen.push(cause);
            }
        }
    };

    let list = names.clone();
    starting("multidns (sequential)");
    let (wall, res) = timed(move |done| multidns(list, done));
    rows.push(Row {
        mode: "multidns (sequential)",
        window: 1,
        wall,
        resolved: count(&res),
    });
    note("multidns (sequential)", &res);

    let list = names.clone();
    starting("multidns_par (parallel)");
    let (wall, res) = timed(move |done| multidns_par(list, done));
    rows.push(Row {
        mode: "multidns_par (parallel)",
        window: n,
        wall,
        resolved: count(&res),
    });
    note("multidns_par (parallel)", &res);

    let list = names.clone();
    let window = args.window;
    starting("multidns_win (window)");
    let (wall, res) = timed(move |done| multidns_win(list, window, done));
    rows.push(Row {
        mode: "multidns_win (window)",
        window: args.window,
        wall,
        resolved: count(&res),
    });
    note("multidns_win (window)", &res);

    starting("the blocking loop, for comparison");
    let t = Instant::now();
    let (mode, res) = match server_addr {
        Some(addr) => ("blocking UDP loop (no tame)", blocking_udp(addr, &names)),
        None => ("blocking std ToSocketAddrs", blocking_std(&names)),
    };
    let wall = t.elapsed();
    rows.push(Row {
        mode,
        window: 1,
        wall,
        resolved: count(&res),
    });
    note(mode, &res);

    // The delay per query: known for the built-in server, else estimated
    // from the sequential run.
    let (delay, mark) = if builtin {
        (Duration::from_millis(args.delay_ms), "")
    } else {
        (rows[0].wall / n.max(1) as u32, "~")
    };
    // The cells first, then each column as wide as its widest cell: a
    // million names or a huge window must not push a row out of line.
    let mut table =
        vec![["mode", "N", "window", "wall", "ideal", "ratio", "resolved"].map(String::from)];
    let mut all_ok = true;
    // With a real server the delay is the sequential mode's, which says
    // nothing if names failed there.
    let estimated = builtin || rows[0].resolved == n;
    for row in &rows {
        let w = row.window.max(1);
        let ideal = delay * n.div_ceil(w) as u32;
        // No ideal time to compare with (no delay, or no names, or no
        // estimate of the delay), or failures in the time: a dash.
        let ratio = if ideal.is_zero() || !estimated || row.resolved < n {
            "-".to_string()
        } else {
            format!("{:.2}", row.wall.as_secs_f64() / ideal.as_secs_f64())
        };
        let ideal = if estimated {
            format!("{mark}{:.1} ms", ideal.as_secs_f64() * 1e3)
        } else {
            "-".to_string()
        };
        all_ok &= row.resolved == n;
        table.push([
            row.mode.to_string(),
            n.to_string(),
            w.to_string(),
            format!("{:.1} ms", row.wall.as_secs_f64() * 1e3),
            ideal,
            ratio,
            format!("{}/{n}", row.resolved),
        ]);
    }
    out_line!("");
    for line in aligned(&table, [28, 6, 6, 11, 11, 6, 9]) {
        out_line!("{line}");
    }
    if !failures.is_empty() {
        out_line!("\nsome lookups failed, for example:");
        for f in &failures {
            out_line!("  {f}");
        }
    }
    // The built-in server's run checks every answer; with NAMEs, any name
    // left unresolved by any mode is a failure too, for scripts.
    if !all_ok {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Says which run is under way (the sequential ones take a while).
fn starting(mode: &str) {
    out_line!("running {mode} ...");
}
