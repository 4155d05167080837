//! The stub resolver: each lookup is a `#[tamed]` function on one
//! rendezvous, with a UDP socket per nameserver asked.
//!
//! A lookup sends an A and an AAAA query with two random ids from a socket
//! bound to port 0 (so the kernel picks a fresh, random source port) and
//! connected to the nameserver, and accepts a reply only when its source is
//! a nameserver the query was sent to and its id, opcode and question
//! match. The socket is connected so that an ICMP error (port or host
//! unreachable) reaches the lookup as a receive error, and that nameserver
//! fails at once instead of costing the whole deadline. Everything else is dropped
//! unread. [`lookup`] waits for whichever comes first, a datagram or the
//! retransmission timer; a reply that speaks of the nameserver rather than
//! the name (SERVFAIL, REFUSED, ...) sends its query on to the next
//! nameserver at once, as glibc's `res_send` does. A reply with TC set
//! (truncated) starts a TCP exchange with the same nameserver
//! ([`tcp::exchange`], a `#[tamed]` function given an event of the same
//! rendezvous), whose reply is matched as a datagram is. When it ends, it
//! cancels its rendezvous (so the timer stops counting as armed, the
//! pending receives are dropped and a TCP exchange still under way is
//! cancelled, closing its connection), closes its sockets, and triggers
//! the caller's event.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::host::parse_host;
use super::hosts::Hosts;
use super::tcp;
use super::wire::{self, Answer, AnswerData, Message};
use super::{Error, LookupResult};
use crate::net::UdpSocket;
use crate::{mkevent, tamed, tvars, twait, Event, Rendezvous};

/// The default total deadline of one lookup.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The first round of transmissions, one to each nameserver, waits at most
/// this long after each (see [`first_wait`]); each round after waits twice
/// as long as the one before.
const FIRST_RETRANSMIT: Duration = Duration::from_secs(1);
/// Longest CNAME chain followed inside one answer: aliases, not counting
/// the name asked for (documented at [`Resolver::lookup_ip`]).
const MAX_CNAME_HOPS: usize = 16;
/// The receive buffer of a lookup. Without EDNS a reply over UDP is at
/// most 512 octets; one that fills the buffer (a nameserver that ignored
/// that) may have been cut by the kernel, and is asked again over TCP as a
/// truncated one is, rather than read cut. (Any datagram would fit in 64
/// KiB, but that much per lookup in flight is 64 MiB for a thousand.)
const REPLY_BUFFER: usize = 4096;

/// A DNS stub resolver over UDP (and TCP for a truncated reply), running
/// on this thread's tame loop.
///
/// Names are asked for as given (absolute; no search list). An IP address
/// literal resolves to itself without a query; a name in the resolver's
/// hosts file ([`from_system`](Resolver::from_system) reads `/etc/hosts`;
/// see [`with_hosts`](Resolver::with_hosts)) is answered from it without a
/// query.
/// Each lookup asks for A and AAAA at once and delivers the IPv4 addresses
/// first, then the IPv6 ones. Nameservers are tried in turn, one per
/// transmission, until the deadline set by [`timeout`](Resolver::timeout),
/// in rounds that ask each nameserver once: the first round waits for
/// replies 1 s after each transmission, or less with many nameservers or
/// a short deadline (the deadline divided by the number of nameservers
/// plus 3), so that it ends with time left for three more waits and every
/// nameserver is asked in time to answer (with 3 nameservers and the
/// default 5 s, at 0, 0.83 s and 1.67 s); each later round waits twice as
/// long after each transmission. Nothing is sent at or after the deadline:
/// no one would read the reply.
///
/// Only two answers are final: addresses or none (NOERROR, the name exists)
/// and NXDOMAIN (it does not; read from the reply's header, whatever
/// follows it). Any other answer says something about the
/// nameserver, not the name: SERVFAIL, REFUSED, NOTIMP, any other response
/// code, and a reply that cannot be used (malformed, or truncated with no
/// address and not to be had over TCP either). Such an answer sends the
/// query on to the next nameserver at once, without waiting for the
/// retransmission timer, and that nameserver is not asked that query
/// again. The first such failure is kept: it is the
/// lookup's error if no nameserver gives a final answer, as soon as every
/// nameserver has failed, or at the deadline (rather than
/// [`Error::Timeout`]). See [`lookup_ip`](Resolver::lookup_ip).
///
/// `Clone` is cheap and clones share their configuration. It is not
/// `Send`: it belongs to its thread, as the loop it runs on does. A
/// program with a loop per thread makes one per thread (from `Send`
/// configuration, such as the nameservers' addresses).
///
/// # Examples
///
/// ```
/// use std::net::IpAddr;
/// use tame::dns::{server::Server, Resolver};
///
/// let srv = Server::builder().host("db.test", "10.1.2.3".parse().unwrap()).start().unwrap();
/// let resolver = Resolver::new(vec![srv.local_addr()]);
/// let stop = srv.clone();
/// resolver.lookup_ip("db.test", tame::Event::from_fn(move |res: Option<tame::dns::LookupResult>| {
///     let addrs: Vec<IpAddr> = res.unwrap().unwrap();
///     assert_eq!(addrs, ["10.1.2.3".parse::<IpAddr>().unwrap()]);
///     stop.stop(); // the server runs on this loop: stop it so run() returns
/// }));
/// tame::run();
/// ```
#[derive(Clone)]
pub struct Resolver {
    inner: Rc<Config>,
}

struct Config {
    servers: Rc<[SocketAddr]>,
    timeout: Duration,
    hosts: Rc<Hosts>,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("nameservers", &self.inner.servers)
            .field("timeout", &self.inner.timeout)
            .field("hosts", &!self.inner.hosts.is_empty())
            .finish()
    }
}

impl Resolver {
    /// A resolver asking `nameservers`, in turn (the next one at once when
    /// one fails to answer: see the [type's docs](Resolver)). An address
    /// listed twice is asked as one nameserver (its replies cannot be told
    /// apart). With an empty list, a lookup that needs a query fails with
    /// [`Error::Io`]; IP literals, hosts-file names and invalid names are
    /// answered as always, with no query.
    ///
    /// # Examples
    ///
    /// ```
    /// let ns = "127.0.0.1:53".parse().unwrap();
    /// let r = tame::dns::Resolver::new(vec![ns, ns]);
    /// assert_eq!(r.nameservers(), [ns]);
    /// ```
    pub fn new(nameservers: Vec<SocketAddr>) -> Resolver {
        let mut servers: Vec<SocketAddr> = Vec::with_capacity(nameservers.len());
        for ns in nameservers {
            if !servers.contains(&ns) {
                servers.push(ns);
            }
        }
        Resolver {
            inner: Rc::new(Config {
                servers: servers.into(),
                timeout: DEFAULT_TIMEOUT,
                hosts: Rc::new(Hosts::default()),
            }),
        }
    }

    /// The system's resolver: the names of `/etc/hosts` first (`localhost`
    /// among them), then the nameservers of `/etc/resolv.conf` (its
    /// `nameserver` lines; `127.0.0.1` if there is none): the order of the
    /// usual `hosts: files dns` of `/etc/nsswitch.conf`, which tame does
    /// not read (nor does it ask other NSS modules, `myhostname` or
    /// `mdns`).
    ///
    /// As glibc reads the file: a line that starts with `nameserver` and a
    /// blank (not indented; `#` and `;` begin comment lines only), then the
    /// address up to the next blank; at most the first 3 usable lines
    /// count (its `MAXNS`; later ones are ignored). An IPv4 address may be
    /// in any form `inet_aton` reads whole (`127.1`); an IPv6 address may
    /// have a zone (`fe80::1%eth0`, or an index, `%2`), which becomes the
    /// address's scope id; a line whose address does not read
    /// (`10.0.0.1#dns`, or one before a `\r` of a CRLF line end) is
    /// skipped, and so (unlike glibc, which keeps it
    /// with no scope) is one naming an interface that does not exist or an
    /// empty zone (`fe80::53%`). Only `nameserver` lines are read:
    /// `search`, `domain`, `ndots` and `options timeout:`/`attempts:` are
    /// not applied (names are asked for as given, with the deadline of
    /// [`timeout`](Resolver::timeout)).
    ///
    /// # Errors
    ///
    /// If `/etc/resolv.conf` or `/etc/hosts` exists and cannot be read. A
    /// missing `/etc/resolv.conf` is `127.0.0.1` (as the C library takes
    /// it), a missing `/etc/hosts` no names answered from it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let r = tame::dns::Resolver::from_system().unwrap();
    /// println!("{:?}", r.nameservers());
    /// ```
    pub fn from_system() -> io::Result<Resolver> {
        Resolver::from_files("/etc/resolv.conf".as_ref(), "/etc/hosts".as_ref())
    }

    /// [`from_system`](Resolver::from_system) with the files at `conf`
    /// and `hosts`.
    fn from_files(conf: &std::path::Path, hosts: &std::path::Path) -> io::Result<Resolver> {
        let text = match read_text(conf) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", conf.display()))),
        };
        let resolver = Resolver::new(super::resolv_conf::parse(&text));
        match resolver.clone().with_hosts(hosts) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(resolver),
            r => r,
        }
    }

    /// Answers the names of the hosts file at `path` (`ADDRESS NAME
    /// [ALIAS...]` lines, as `/etc/hosts`) from it, before asking any
    /// nameserver. Returns a resolver that does; clones made before do not.
    ///
    /// # Errors
    ///
    /// If the file cannot be read.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("tame-doc-hosts-{}", std::process::id()));
    /// std::fs::write(&path, "10.1.1.1 intranet.test\n").unwrap();
    /// // No nameserver at all: the hosts file answers.
    /// let r = tame::dns::Resolver::new(vec![]).with_hosts(&path).unwrap();
    /// r.lookup_ip("intranet.test", tame::Event::from_fn(|res: Option<tame::dns::LookupResult>| {
    ///     assert_eq!(res.unwrap().unwrap(), ["10.1.1.1".parse::<std::net::IpAddr>().unwrap()]);
    /// }));
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn with_hosts(self, path: impl AsRef<std::path::Path>) -> io::Result<Resolver> {
        let path = path.as_ref();
        let text = read_text(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(Resolver {
            inner: Rc::new(Config {
                servers: self.inner.servers.clone(),
                timeout: self.inner.timeout,
                hosts: Rc::new(Hosts::parse(&text)),
            }),
        })
    }

    /// Sets the total deadline of one lookup, retransmissions included
    /// (default 5 s). Returns a resolver with the new deadline; clones made
    /// before keep theirs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let r = tame::dns::Resolver::new(vec![]).timeout(Duration::from_millis(300));
    /// assert_eq!(r.total_timeout(), Duration::from_millis(300));
    /// ```
    pub fn timeout(self, total: Duration) -> Resolver {
        Resolver {
            inner: Rc::new(Config {
                servers: self.inner.servers.clone(),
                timeout: total,
                hosts: self.inner.hosts.clone(),
            }),
        }
    }

    /// The nameservers this resolver asks.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(tame::dns::Resolver::new(vec![]).nameservers().is_empty());
    /// ```
    pub fn nameservers(&self) -> &[SocketAddr] {
        &self.inner.servers
    }

    /// The total deadline of one lookup.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::dns::Resolver::new(vec![]);
    /// assert_eq!(r.total_timeout(), std::time::Duration::from_secs(5));
    /// ```
    pub fn total_timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Looks up the addresses of `name` (A and AAAA, CNAME chains inside
    /// the answers followed) and triggers `ev` with them: IPv4 first.
    ///
    /// A CNAME chain is followed for at most 16 aliases inside one reply;
    /// a longer one (or a loop) is that nameserver's failure, so
    /// [`Error::Malformed`] if no other nameserver answers. glibc follows
    /// longer chains; this limit makes a looping or absurd chain an error
    /// that costs a bounded amount of work per reply, and real answers'
    /// chains are a few aliases long.
    ///
    /// A name of the hosts file is answered from it, before its syntax is
    /// checked, as glibc reads the file: a name a query could not carry
    /// (`café.local`, a label over 63 octets) is answered if the file has
    /// it, and is [`Error::InvalidName`] otherwise. Unlike glibc, a name
    /// given with a trailing dot (`localhost.`) matches the file's entry
    /// without it, as it matches the same name in DNS. Otherwise the lookup
    /// is a `#[tamed]` function (see its source: the library's own model at
    /// work): it sends both queries to the first nameserver, then waits on
    /// one rendezvous for replies and for a retransmission timer, asking
    /// the next nameserver each time the timer runs out, until both queries
    /// are answered or the deadline passes.
    ///
    /// A NOERROR reply with TC set (truncated: the answer did not fit in
    /// the 512 octets of a datagram without EDNS; its records may be cut
    /// anywhere, so a truncated reply whose records do not decode is one
    /// with no address, not a malformed one), or a datagram as long as
    /// the receive buffer (4,096 octets: perhaps cut), is asked again of the
    /// same nameserver over TCP (RFC 7766, as glibc does): a connection
    /// to its address and port, the query and the reply each prefixed by
    /// its length in two octets (RFC 1035 section 4.2.2; so a reply of at
    /// most 65,535 octets). The reply is taken if it passes the checks a
    /// datagram does (id, opcode, question; it comes from the connected
    /// nameserver), and read as one. The exchange runs within the
    /// lookup's deadline, and while it does, that query is not
    /// retransmitted over UDP nor takes other datagrams from that
    /// nameserver (the other query goes on as before); if that nameserver
    /// then fails over UDP (an ICMP error), the query goes on to the next
    /// one, whose reply it takes (a final one ends the exchange; one with
    /// no address leaves the truncated reply's addresses the answer). If
    /// the truncated reply had no address and another nameserver has not
    /// failed the query, the exchange is given up when the retransmission
    /// timer runs out (its connection closed; the nameserver failed the
    /// query, as below); if every nameserver has failed the query, it is
    /// given up when the timer has run out twice since it began. If it fails (the connection refused or reset,
    /// closed before the whole reply, a reply that does not match or
    /// gives no final answer) or the deadline comes first, the addresses
    /// of the truncated reply are the answer if it had any (a partial
    /// list, final); if it had none, the nameserver failed the query,
    /// which goes on to the next nameserver at once as below; if no
    /// nameserver answers better, the lookup is [`Error::Unreachable`] for
    /// a connection refused or reset, [`Error::Timeout`] for one not
    /// answered by the deadline, and [`Error::Malformed`] for one closed
    /// early or a reply that does not match or is truncated again. A
    /// connection that cannot be made because this process is out of
    /// descriptors (or memory), with no address in hand (the truncated
    /// reply's, or the other query's), ends the lookup with [`Error::Io`],
    /// as a UDP socket that cannot be made does. An NXDOMAIN or
    /// other response code with TC set is taken as it is.
    ///
    /// A query answered with SERVFAIL, REFUSED, NOTIMP, any other response
    /// code than NOERROR and NXDOMAIN, or a reply that cannot be used
    /// (malformed, or truncated with no address in it and not to be had
    /// over TCP) goes on to the next nameserver at once, and is not asked
    /// again of the one that failed.
    /// If every nameserver fails it, the lookup ends then, with the first
    /// failure that came; at the deadline, that failure is the error
    /// rather than [`Error::Timeout`]. NOERROR (with addresses or without)
    /// and NXDOMAIN are final: the next nameserver is not asked. A
    /// nameserver that gave one query such an answer and failed the other
    /// ends the lookup with what came, as glibc's does, rather than have
    /// it wait for the next nameserver; so a query it failed goes on to
    /// the next one only once it has replied to the other too (or the
    /// retransmission timer runs), and the result does not depend on the
    /// order of its two replies.
    ///
    /// A nameserver that cannot be reached fails both queries the same way:
    /// each nameserver is asked from a socket connected to it, so the ICMP
    /// error a closed port or an unreachable host draws reaches the lookup
    /// (as glibc's resolver sees it). Its failure is
    /// [`Error::Unreachable`], naming the nameserver.
    ///
    /// The event is triggered exactly once, possibly before this returns
    /// (an IP literal, a hosts-file name, an invalid name, a socket that
    /// cannot be made, or every nameserver failing at once: a send to a
    /// closed port on this host is refused during the call).
    /// Errors are [`Error::NxDomain`], [`Error::ServFail`],
    /// [`Error::Refused`], [`Error::Rcode`] (any other response code),
    /// [`Error::Unreachable`],
    /// [`Error::Timeout`], [`Error::Malformed`] (a reply that matches the
    /// query but cannot be parsed), [`Error::NoAddresses`],
    /// [`Error::InvalidName`] and [`Error::Io`]. If one of the two queries
    /// gives addresses, they are the result even if the other failed (no
    /// reply, or SERVFAIL or a malformed reply from every nameserver) or
    /// was answered NXDOMAIN, as glibc takes them: some servers (dnsmasq
    /// with `--address` for one family under `--local`, split-horizon
    /// setups) say NXDOMAIN for the type a name has no record of. With no
    /// address, an NXDOMAIN to either query is [`Error::NxDomain`].
    ///
    /// If `ev` stops being live (its rendezvous was cancelled, or it was
    /// dropped with what held it), the lookup ends then, without waiting
    /// for a reply or its retransmission timer: its timer stops counting
    /// as armed at once, a TCP exchange under way is cancelled with it
    /// (its connection closes, whatever step it was at), and its sockets
    /// close at the loop's next turn.
    /// Nothing is delivered (no one is left to hear it).
    ///
    /// Retransmissions run on the loop's clock: with the clock paused
    /// ([`tame::time::pause`](crate::time::pause)), the loop jumps to the
    /// next timer as soon as it has nothing else to do, while a reply from
    /// a nameserver on another thread or process may still be on its way.
    /// The lookup then retransmits and reaches its deadline in virtual
    /// time, and fails with [`Error::Timeout`]. Under a paused clock, run
    /// the nameserver on the same loop
    /// ([`Builder::start`](crate::dns::server::Builder::start)), or do not
    /// pause.
    ///
    /// An IP literal is its own address, with no query: IPv4 (also in the
    /// shorter forms glibc's `getaddrinfo` reads, `127.1` or `0x7f000001`),
    /// or IPv6 bare or in brackets (`[::1]`, as in a URL), as
    /// [`TcpStream::connect_host`](crate::net::TcpStream::connect_host)
    /// reads it. A name with a port (`"example.com:80"`, `"[::1]:80"`) or
    /// an IPv6 address with a zone (`"fe80::1%lo"`: the addresses delivered
    /// have no room for it) is [`Error::InvalidName`], with no query either.
    /// `"127.0.0.1."`, with a trailing dot, is a name, not a literal: it
    /// is asked for, as glibc's `getaddrinfo` asks for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::IpAddr;
    /// let r = tame::dns::Resolver::new(vec![]);
    /// // Literals need no nameserver.
    /// r.lookup_ip("::1", tame::Event::from_fn(|res: Option<tame::dns::LookupResult>| {
    ///     assert_eq!(res.unwrap().unwrap(), ["::1".parse::<IpAddr>().unwrap()]);
    /// }));
    /// ```
    pub fn lookup_ip(&self, name: &str, ev: Event<Result<Vec<IpAddr>, Error>>) {
        let invalid = match parse_host(name) {
            Ok(Some(ip)) => {
                ev.trigger(Ok(vec![ip]));
                return;
            }
            Err(reason) => Some(reason),
            // The hosts file before the name's syntax, as glibc reads it:
            // its names need not be ones a query can carry (`café.local`).
            Ok(None) => match self.inner.hosts.lookup(name) {
                Some(addrs) => {
                    ev.trigger(Ok(addrs));
                    return;
                }
                None => match wire::check_name(name) {
                    Err(e) => Some(e.as_str()),
                    // The root (`""` or `"."`) has no address to ask for.
                    Ok(()) if name.trim_end_matches('.').is_empty() => Some("empty name"),
                    Ok(()) => None,
                },
            },
        };
        if let Some(reason) = invalid {
            ev.trigger(Err(Error::InvalidName {
                name: name.to_owned(),
                reason,
            }));
            return;
        }
        match Lookup::new(name, &self.inner) {
            Ok(q) => lookup(q, ev),
            Err(e) => ev.trigger(Err(e)),
        }
    }
}

/// A configuration file's text. Its syntax is ASCII; a byte that is not
/// UTF-8 (a Latin-1 comment) is read as U+FFFD, as glibc reads the file's
/// bytes, rather than making the whole file unreadable.
fn read_text(path: &std::path::Path) -> io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Where a lookup's wake-up came from.
#[derive(Debug, Clone, Copy)]
enum Wake {
    /// A datagram (or a receive error) on the socket of the nameserver of
    /// this index.
    Reply(usize),
    /// The query of this index, asked again over TCP, has its reply (or
    /// the error that ended the exchange), or the exchange of this number
    /// came back cancelled (given up; see [`TcpRetry::exchange`]).
    Tcp(usize, u32),
    /// Time to retransmit (or to give up).
    Retransmit,
}

/// A receive's outcome, as `UdpSocket::recv_from` delivers it.
type Received = (Vec<u8>, io::Result<(usize, SocketAddr)>);

/// A receive slot's value before anything was received.
fn unreceived() -> Received {
    (Vec::new(), Err(io::ErrorKind::WouldBlock.into()))
}

/// A TCP exchange's outcome, as [`tcp::exchange`] delivers it.
type TcpReceived = io::Result<Vec<u8>>;

/// A TCP slot's value before the exchange ended.
fn tcp_unreceived() -> TcpReceived {
    Err(io::ErrorKind::WouldBlock.into())
}

/// One lookup, as the paper would write it: send, then wait for a reply or
/// the timer, over and over. The protocol's details (matching replies,
/// outcomes, which nameserver is next) are [`Lookup`]'s methods.
#[tamed]
fn lookup(q: Lookup, ev: Event<LookupResult>) {
    tvars! {
        let mut q = q;
        let r = Rendezvous::<Wake>::new();
        // A receive slot per nameserver, by its index.
        let mut got: Vec<Received> = q.servers.iter().map(|_| unreceived()).collect();
        // A TCP exchange's slot per query, by its index.
        let mut tcp_got: Vec<TcpReceived> = q.queries.iter().map(|_| tcp_unreceived()).collect();
        let mut failure: Option<io::Error> = None;
        // Whether this turn of the loop is a (re)transmission, which arms
        // the next timer; a query sent on because a nameserver failed it
        // leaves the timer that runs as it is.
        let mut retransmission = true;
    }
    'lookup: loop {
        // Nothing is sent at the deadline (the timer's last wake-up): the
        // lookup ends there, and would not read the reply.
        if !q.before_deadline() {
            break;
        }
        // Send the queries due to their next nameserver.
        if let Err(e) = q.transmit() {
            failure = Some(e);
            break;
        }
        // Every nameserver left proved unreachable while sending.
        if q.is_done() {
            break;
        }
        // A socket made now starts receiving.
        while let Some(si) = q.new_socket() {
            q.socket(si).recv_from(
                Vec::with_capacity(REPLY_BUFFER),
                mkevent!(r, Wake::Reply(si), got[si]),
            );
        }
        if retransmission {
            crate::timer(q.next_wait(), mkevent!(r, Wake::Retransmit));
        }
        loop {
            match twait!(r) {
                Some(Wake::Reply(si)) => {
                    let received = std::mem::replace(&mut got[si], unreceived());
                    match q.received(si, received) {
                        Ok(buf) if !q.is_done() && ev.is_live() => {
                            q.socket(si)
                                .recv_from(buf, mkevent!(r, Wake::Reply(si), got[si]));
                            // A truncated reply: ask its nameserver again
                            // over TCP.
                            while let Some((qi, exchange, server, packet)) = q.new_tcp() {
                                // Cancellable: an exchange given up is
                                // over, its connection closed, and its
                                // slot no longer written.
                                let (done, cancel) = crate::cancellable(mkevent!(
                                    r,
                                    Wake::Tcp(qi, exchange),
                                    tcp_got[qi]
                                ));
                                q.tcp_started(qi, cancel);
                                tcp::exchange(server, packet, done);
                            }
                            // A nameserver failed a query: on to the next
                            // one now, not at the timer.
                            if q.is_due() {
                                retransmission = false;
                                break;
                            }
                        }
                        Ok(_) => break 'lookup,
                        Err(e) => {
                            failure = Some(e);
                            break 'lookup;
                        }
                    }
                }
                // One given up before it ended: the slot is the running
                // exchange's, if any.
                Some(Wake::Tcp(qi, exchange)) if !q.is_current_tcp(qi, exchange) => {}
                Some(Wake::Tcp(qi, _)) => {
                    let received = std::mem::replace(&mut tcp_got[qi], tcp_unreceived());
                    if let Err(e) = q.tcp_received(qi, received) {
                        failure = Some(e);
                        break 'lookup;
                    }
                    if q.is_done() || !ev.is_live() {
                        break 'lookup;
                    }
                    // The TCP retry failed with nothing to fall back on:
                    // on to the next nameserver now.
                    if q.is_due() {
                        retransmission = false;
                        break;
                    }
                }
                Some(Wake::Retransmit) if ev.is_live() => {
                    q.retransmit_all();
                    retransmission = true;
                    break;
                }
                Some(Wake::Retransmit) | None => break 'lookup,
            }
        }
    }
    // The timer, the receives and the TCP exchanges still out stop
    // counting (an exchange is cancelled, closing its connection); the
    // sockets close (cancelling what waits on them) before the caller
    // hears the result.
    r.cancel();
    q.close();
    ev.trigger(q.result(failure));
}

/// How one of the two queries ended.
enum Outcome {
    Addrs(Vec<IpAddr>),
    NxDomain,
    ServFail,
    Refused,
    Rcode(u8),
    Malformed(&'static str),
    /// A NOERROR reply with TC set, and the addresses it had room for: not
    /// an answer yet, the query is asked again over TCP.
    Truncated(Vec<IpAddr>),
    /// The nameserver cannot be reached (an ICMP error came back, or no
    /// route to it): which one, and the error (its OS code, or its kind
    /// and text).
    Unreachable(SocketAddr, Result<i32, (io::ErrorKind, String)>),
}

impl Outcome {
    /// Whether it answers for the name (it exists, with or without
    /// addresses, or it does not), so no other nameserver is asked. The
    /// others speak of the nameserver that sent them.
    fn is_final(&self) -> bool {
        matches!(self, Outcome::Addrs(_) | Outcome::NxDomain)
    }
}

struct Query {
    qtype: u16,
    id: u16,
    packet: Vec<u8>,
    /// The final answer, or the kept failure once every nameserver failed
    /// this query: no reply is taken after it.
    outcome: Option<Outcome>,
    /// The nameserver that gave the final answer.
    answered_by: Option<usize>,
    /// The first failure a nameserver answered: the result if no
    /// nameserver answers better.
    failure: Option<Outcome>,
    /// The nameservers that failed this query; they are not asked it again
    /// (nor their further replies to it taken).
    failed: Vec<bool>,
    /// Where the search for its next nameserver starts.
    next_server: usize,
    /// To be sent at the next [`Lookup::transmit`].
    due: bool,
    /// A truncated reply came: the query is asked again over TCP.
    tcp: Option<TcpRetry>,
}

/// A query asked again over TCP after a truncated reply.
struct TcpRetry {
    /// The nameserver that sent the truncated reply, and is asked again.
    server: usize,
    /// What the truncated reply had room for: the answer if the TCP
    /// exchange fails.
    addrs: Vec<IpAddr>,
    /// Whether the exchange was started.
    started: bool,
    /// The exchange's number among the lookup's: its wake-up says which
    /// it is, so that one given up, which comes back when it is
    /// cancelled, is not taken for a later retry of the same query.
    exchange: u32,
    /// Gives the exchange up (see [`Lookup::retransmit_all`]).
    cancel: Option<crate::cancel::Cancel>,
    /// Times the retransmission timer ran out since the exchange began.
    ticks: u8,
}

impl Query {
    /// Takes `outcome`, the answer of nameserver `si`. A failure is kept
    /// (the first one) and makes the query due for the next nameserver,
    /// unless every nameserver has failed it, which ends it with the kept
    /// failure.
    fn answered(&mut self, si: usize, outcome: Outcome) {
        if let Outcome::Truncated(mut addrs) = outcome {
            // A retry of another nameserver's truncated reply still under
            // way (that one failed over UDP since) is given up for this
            // one's; its addresses stay the fallback if this one has none.
            if let Some(old) = self.tcp.take() {
                if let Some(cancel) = old.cancel {
                    cancel.cancel();
                }
                if addrs.is_empty() {
                    addrs = old.addrs;
                }
            }
            self.tcp = Some(TcpRetry {
                server: si,
                addrs,
                started: false,
                exchange: 0,
                cancel: None,
                ticks: 0,
            });
            return;
        }
        if outcome.is_final() {
            // (Another nameserver's answer, over UDP: a retry over TCP
            // still under way is not needed any more. An answer with no
            // address gives way to the addresses the truncated reply had.)
            let mut outcome = outcome;
            if let Some(retry) = self.tcp.take() {
                if let Some(cancel) = retry.cancel {
                    cancel.cancel();
                }
                if matches!(&outcome, Outcome::Addrs(a) if a.is_empty()) && !retry.addrs.is_empty()
                {
                    outcome = Outcome::Addrs(retry.addrs);
                }
            }
            self.outcome = Some(outcome);
            self.answered_by = Some(si);
            return;
        }
        self.failed[si] = true;
        self.failure.get_or_insert(outcome);
        if self.failed.iter().all(|&f| f) {
            // A retry over TCP still under way has the last say: its
            // reply, else the addresses of the truncated reply, else the
            // failure (see `Lookup::tcp_received` and `Lookup::result`).
            if self.tcp.is_none() {
                self.outcome = self.failure.take();
            }
        } else {
            self.due = true;
        }
    }
}

/// A lookup's state and the protocol: what is sent, what a reply says.
struct Lookup {
    name: String,
    servers: Rc<[SocketAddr]>,
    /// Sockets by nameserver, each connected to it (made when a query is
    /// first sent there).
    socks: Vec<Option<UdpSocket>>,
    /// Whether a query went to each server (replies from others are
    /// ignored).
    sent: Vec<bool>,
    /// Sockets made by a transmission that have no receive yet.
    new_socks: Vec<bool>,
    queries: [Query; 2],
    deadline: Instant,
    /// The wait after each transmission of this round.
    interval: Duration,
    /// Transmissions the timer made so far (the first included): a round
    /// is one per nameserver.
    transmissions: usize,
    /// TCP exchanges started so far (the next one's number).
    tcp_exchanges: u32,
}

/// The wait after each transmission of a lookup's first round, with a
/// total deadline of `total` and `servers` nameservers: at most
/// [`FIRST_RETRANSMIT`], and short enough that the round leaves three such
/// waits before the deadline (a quarter of it with one nameserver), so the
/// last nameserver of the list is first asked with time to answer.
fn first_wait(total: Duration, servers: usize) -> Duration {
    let parts = u32::try_from(servers.saturating_add(3)).unwrap_or(u32::MAX);
    FIRST_RETRANSMIT.min(total / parts)
}

impl Lookup {
    fn new(name: &str, config: &Config) -> Result<Lookup, Error> {
        // As given, trailing dot and all: the errors name what the caller
        // asked for. Encoding and comparing names ignore the dot.
        let name = name.to_owned();
        if config.servers.is_empty() {
            return Err(Error::io(
                name,
                // (Not `NotFound`: that is what a name that does not exist
                // reads as, and this says nothing about the name.)
                io::Error::other("no nameservers configured"),
            ));
        }
        let id_a = random_u16();
        let mut id_aaaa = random_u16();
        while id_aaaa == id_a {
            id_aaaa = random_u16();
        }
        let query = |id, qtype| -> Result<Query, Error> {
            let packet =
                Message::query(id, &name, qtype)
                    .encode()
                    .map_err(|e| Error::InvalidName {
                        name: name.clone(),
                        reason: e.as_str(),
                    })?;
            Ok(Query {
                qtype,
                id,
                packet,
                outcome: None,
                failure: None,
                answered_by: None,
                failed: vec![false; config.servers.len()],
                next_server: 0,
                due: true,
                tcp: None,
            })
        };
        let queries = [query(id_a, wire::TYPE_A)?, query(id_aaaa, wire::TYPE_AAAA)?];
        Ok(Lookup {
            servers: config.servers.clone(),
            socks: config.servers.iter().map(|_| None).collect(),
            sent: vec![false; config.servers.len()],
            new_socks: vec![false; config.servers.len()],
            queries,
            deadline: crate::time::later(crate::time::now(), config.timeout),
            interval: first_wait(config.timeout, config.servers.len()),
            transmissions: 0,
            tcp_exchanges: 0,
            name,
        })
    }

    /// Sends each query due to its next nameserver: the one after the
    /// last it went to, skipping those that failed it. Without failures
    /// both queries go to the same nameserver, one nameserver per
    /// transmission, in turn.
    ///
    /// A nameserver that cannot be reached (no route to it, or an ICMP
    /// error from an earlier send surfacing now) fails every query at
    /// once, and all of them go on to the next one in the same call.
    fn transmit(&mut self) -> io::Result<()> {
        let n = self.servers.len();
        let mut qi = 0;
        while qi < self.queries.len() {
            let q = &mut self.queries[qi];
            if !std::mem::take(&mut q.due) || q.outcome.is_some() {
                qi += 1;
                continue;
            }
            // A query without an outcome has a nameserver that did not fail it.
            let Some(si) = (0..n)
                .map(|k| (q.next_server + k) % n)
                .find(|&si| !q.failed[si])
            else {
                qi += 1;
                continue;
            };
            q.next_server = si + 1;
            // A socket that cannot be made (out of descriptors) is the
            // lookup's error; one that cannot reach the nameserver (no
            // route, an address that cannot be asked, an ICMP error of an
            // earlier send) is that nameserver's failure.
            let sent = match self.make_socket(si)? {
                Ok(()) => self
                    .socket(si)
                    .try_send_to(&self.queries[qi].packet, self.servers[si]),
                Err(e) => Err(e),
            };
            match sent {
                Ok(_) => self.sent[si] = true,
                // A full send buffer: the next round will try again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The nameserver failed every query it was asked, this one
                // and those sent to it before (an ICMP error of an earlier
                // send surfaces on this one): all are due to the next
                // nameserver, so the pass starts over, or a query already
                // passed would wait for the next wake-up.
                Err(e) => {
                    self.unreachable(si, &e);
                    qi = 0;
                    continue;
                }
            }
            qi += 1;
        }
        Ok(())
    }

    /// Makes the socket connected to nameserver `si` if there is none yet
    /// (and marks it to start receiving). The outer error is the socket's
    /// (it could not be made), the inner one the connect's (the nameserver
    /// cannot be reached from here).
    fn make_socket(&mut self, si: usize) -> io::Result<io::Result<()>> {
        if self.socks[si].is_none() {
            let server = self.servers[si];
            let local: SocketAddr = if server.is_ipv6() {
                (Ipv6Addr::UNSPECIFIED, 0).into()
            } else {
                (Ipv4Addr::UNSPECIFIED, 0).into()
            };
            let sock = match UdpSocket::bind(local) {
                Ok(sock) => sock,
                // No IPv6 on this host: that nameserver cannot be reached.
                Err(e)
                    if e.kind() == io::ErrorKind::AddrNotAvailable
                        || e.raw_os_error()
                            == Some(rustix::io::Errno::AFNOSUPPORT.raw_os_error()) =>
                {
                    return Ok(Err(e))
                }
                Err(e) => return Err(e),
            };
            if let Err(e) = sock.connect(server) {
                return Ok(Err(e));
            }
            self.socks[si] = Some(sock);
            self.new_socks[si] = true;
        }
        Ok(Ok(()))
    }

    /// Nameserver `si` cannot be reached (`e` says why): every query it
    /// has not failed yet takes that as its answer, a failure, so it goes
    /// on to the next nameserver (or ends, if that was the last).
    fn unreachable(&mut self, si: usize, e: &io::Error) {
        for q in &mut self.queries {
            if q.outcome.is_none() && !q.failed[si] {
                let error = e.raw_os_error().ok_or_else(|| (e.kind(), e.to_string()));
                let outcome = Outcome::Unreachable(self.servers[si], error);
                q.answered(si, outcome);
            }
        }
    }

    /// A socket [`transmit`](Lookup::transmit) made, which has no receive
    /// yet (then it has one: start it).
    fn new_socket(&mut self) -> Option<usize> {
        let si = self.new_socks.iter().position(|&new| new)?;
        self.new_socks[si] = false;
        Some(si)
    }

    /// The retransmission timer ran out: every query still unanswered is
    /// due. A retry over TCP still under way for a truncated reply with no
    /// address is given up if another nameserver may answer: the
    /// nameserver failed the query (one that accepts the connection and
    /// never answers would otherwise hold the query to the deadline).
    fn retransmit_all(&mut self) {
        let servers = self.servers.len();
        for q in &mut self.queries {
            if let Some(t) = q.tcp.as_mut().filter(|t| t.started) {
                t.ticks = t.ticks.saturating_add(1);
            }
            // Every nameserver failed the query over UDP (see
            // `Query::answered`): the retry is given up once it had a
            // whole interval (it may have begun just before this tick).
            let all_failed =
                q.failed.iter().all(|&f| f) && q.tcp.as_ref().is_some_and(|t| t.ticks >= 2);
            let stalled = (q.tcp.as_ref())
                .filter(|t| q.outcome.is_none() && t.started && (t.addrs.is_empty() || all_failed))
                .map(|t| t.server)
                .filter(|&si| {
                    all_failed || (0..servers).any(|other| other != si && !q.failed[other])
                });
            if let Some(si) = stalled {
                let retry = q.tcp.take().expect("stalled above");
                if let Some(cancel) = retry.cancel {
                    cancel.cancel();
                }
                if retry.addrs.is_empty() {
                    q.answered(
                        si,
                        Outcome::Malformed(
                            "reply truncated over UDP, and the retry over TCP did not answer in time",
                        ),
                    );
                } else {
                    q.outcome = Some(Outcome::Addrs(retry.addrs));
                }
            }
            q.due = q.outcome.is_none() && q.tcp.is_none();
        }
    }

    /// A query whose TCP retry is to start now: its index, the
    /// exchange's number, its nameserver's address and the query to send.
    fn new_tcp(&mut self) -> Option<(usize, u32, SocketAddr, Vec<u8>)> {
        let (qi, q) = self
            .queries
            .iter_mut()
            .enumerate()
            .find(|(_, q)| q.outcome.is_none() && q.tcp.as_ref().is_some_and(|t| !t.started))?;
        let retry = q.tcp.as_mut()?;
        retry.started = true;
        retry.exchange = self.tcp_exchanges;
        self.tcp_exchanges = self.tcp_exchanges.wrapping_add(1);
        Some((
            qi,
            retry.exchange,
            self.servers[retry.server],
            q.packet.clone(),
        ))
    }

    /// Keeps what gives up the TCP exchange of query `qi` just started.
    fn tcp_started(&mut self, qi: usize, cancel: crate::cancel::Cancel) {
        if let Some(retry) = self.queries[qi].tcp.as_mut() {
            retry.cancel = Some(cancel);
        }
    }

    /// Whether exchange number `exchange` is query `qi`'s TCP retry now.
    fn is_current_tcp(&self, qi: usize, exchange: u32) -> bool {
        self.queries[qi]
            .tcp
            .as_ref()
            .is_some_and(|t| t.started && t.exchange == exchange)
    }

    /// The TCP exchange of query `qi` ended: its reply is the query's
    /// answer if it matches (id, opcode, question: the source is the
    /// nameserver the connection went to) and is final. Otherwise the
    /// truncated reply's addresses are the answer, if it had any, and if
    /// not, the nameserver failed the query. A connection that could not
    /// be made for want of this process's resources (out of descriptors or
    /// memory), with no address in hand (the truncated reply's, or the
    /// other query's answer), is the lookup's error, as a UDP socket's is
    /// (see [`Self::transmit`]): it says nothing of the nameserver.
    fn tcp_received(&mut self, qi: usize, received: TcpReceived) -> io::Result<()> {
        let q = &self.queries[qi];
        let Some(retry) = q.tcp.as_ref().filter(|_| q.outcome.is_none()) else {
            return Ok(());
        };
        let in_hand = !retry.addrs.is_empty()
            || (self.queries.iter())
                .any(|o| matches!(&o.outcome, Some(Outcome::Addrs(a)) if !a.is_empty()));
        let received = match received {
            Err(e) if is_local_shortage(&e) && !in_hand => return Err(e),
            received => received,
        };
        let si = retry.server;
        let outcome = match received {
            Ok(msg) if self.answers(&msg, qi) => match classify(&msg, q.qtype) {
                Outcome::Truncated(a) if a.is_empty() => {
                    Outcome::Malformed("reply truncated over UDP, and over TCP too (TC set)")
                }
                Outcome::Truncated(a) => Outcome::Addrs(a),
                outcome => outcome,
            },
            Ok(_) => Outcome::Malformed(
                "reply truncated over UDP, and the reply over TCP did not match the query",
            ),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Outcome::Malformed(
                "reply truncated over UDP, and the TCP connection ended before the whole reply",
            ),
            // Refused, reset, no route: the nameserver cannot be reached
            // over TCP, which is what it takes to answer this query.
            Err(e) => {
                let error = e.raw_os_error().ok_or_else(|| (e.kind(), e.to_string()));
                Outcome::Unreachable(self.servers[si], error)
            }
        };
        let q = &mut self.queries[qi];
        let retry = q.tcp.take().expect("checked above");
        let outcome = match outcome {
            outcome if outcome.is_final() || retry.addrs.is_empty() => outcome,
            _ => Outcome::Addrs(retry.addrs),
        };
        q.answered(si, outcome);
        Ok(())
    }

    /// Whether a query is due now (a nameserver failed it).
    fn is_due(&self) -> bool {
        self.queries.iter().any(|q| q.due && q.outcome.is_none())
    }

    /// Whether the deadline is still (about) ahead: nothing is sent after
    /// it, since the lookup would end before the reply came.
    fn before_deadline(&self) -> bool {
        self.deadline.saturating_duration_since(crate::time::now()) >= Duration::from_millis(1)
    }

    /// How long to wait for replies after this transmission, before the
    /// next (or the deadline). Each round of transmissions, one per
    /// nameserver, waits twice as long after each as the round before.
    fn next_wait(&mut self) -> Duration {
        let left = self.deadline.saturating_duration_since(crate::time::now());
        let wait = self.interval.min(left);
        self.transmissions += 1;
        if self.transmissions.is_multiple_of(self.servers.len()) {
            self.interval = self.interval.saturating_mul(2);
        }
        wait
    }

    /// The socket of nameserver `si`; only asked for once it was made.
    fn socket(&self, si: usize) -> &UdpSocket {
        self.socks[si]
            .as_ref()
            .expect("a receive is only started on a socket that was made")
    }

    /// A receive on the socket of nameserver `si` came back: keeps the
    /// datagram if it answers a query, and gives the buffer back for the
    /// next receive (or the error that ends the lookup). An ICMP error
    /// (the nameserver's port or host unreachable, say) fails that
    /// nameserver.
    fn received(&mut self, si: usize, (mut buf, res): Received) -> io::Result<Vec<u8>> {
        match res {
            // The socket is connected to nameserver `si`: the kernel gives
            // it only what comes from there (also for a nameserver given
            // as `0.0.0.0`, this host, whose replies come from 127.0.0.1).
            Ok((n, _from)) => {
                if let Some(q) = self.matching_at(&buf[..n], si) {
                    let outcome = if n >= REPLY_BUFFER {
                        // Perhaps cut: its question is whole (it comes
                        // first), its answers perhaps not.
                        Outcome::Truncated(Vec::new())
                    } else {
                        classify(&buf[..n], self.queries[q].qtype)
                    };
                    self.queries[q].answered(si, outcome);
                    self.wait_for_the_other_reply(q, si);
                }
            }
            // An error on the socket connected to it is the nameserver's
            // failure, as glibc takes it: the ICMP errors the kernel
            // reports there are many (port or host unreachable, refused
            // by a firewall's rule, `EACCES`; host down; protocol not
            // available), and each says only that this one cannot answer.
            // Running short here is the lookup's error.
            Err(e) if !is_local_shortage(&e) => self.unreachable(si, &e),
            Err(e) => return Err(e),
        }
        buf.clear();
        Ok(buf)
    }

    /// After nameserver `si`'s reply to query `q`: a failure of one query
    /// goes on to the next nameserver only once `si` has replied to the
    /// other too (or the retransmission timer runs), as glibc's `send_dg`
    /// waits for a nameserver's second reply. An answer to the other then
    /// ends the lookup with what `si` said (see `is_done`), whichever came
    /// first: the result does not hang on the order of its replies.
    fn wait_for_the_other_reply(&mut self, q: usize, si: usize) {
        // Failed at `si`, due to the next one, not asked elsewhere since.
        let held_at_si = |x: &Query| {
            x.outcome.is_none() && x.failed[si] && x.tcp.is_none() && x.next_server == si + 1
        };
        let other = 1 - q;
        let waiting_on_si = {
            let o = &self.queries[other];
            o.outcome.is_none() && !o.failed[si] && o.tcp.is_none() && o.next_server == si + 1
        };
        if held_at_si(&self.queries[q]) {
            if waiting_on_si {
                self.queries[q].due = false;
            } else if self.queries[other].failed[si] && held_at_si(&self.queries[other]) {
                // Both failed there: both go on.
                self.queries[other].due = true;
            }
        }
    }

    /// Which unanswered query `msg` from `from` answers, if any: source,
    /// id, opcode and question must all match.
    fn matching(&self, msg: &[u8], from: SocketAddr) -> Option<usize> {
        self.matching_from(msg, from).map(|(q, _)| q)
    }

    /// [`matching`](Lookup::matching), with the index of the nameserver
    /// it came from. A nameserver that failed the query has no more say.
    fn matching_from(&self, msg: &[u8], from: SocketAddr) -> Option<(usize, usize)> {
        let si = self
            .servers
            .iter()
            .position(|s| s.ip() == from.ip() && s.port() == from.port())?;
        self.matching_at(msg, si).map(|q| (q, si))
    }

    /// Which unanswered query `msg`, from nameserver `si`, answers, if
    /// any: id, opcode and question must match, and the nameserver must
    /// have been asked it and not have failed it. A query asked again over
    /// TCP takes no more replies over UDP from the nameserver it asks so;
    /// it takes another's (that one failed over UDP meanwhile, and the
    /// query went on to the next).
    fn matching_at(&self, msg: &[u8], si: usize) -> Option<usize> {
        if !self.sent[si] {
            return None;
        }
        let (h, _) = wire::decode_head(msg).ok()?;
        let i = self.queries.iter().position(|x| {
            x.id == h.id && x.outcome.is_none() && x.tcp.as_ref().is_none_or(|t| t.server != si)
        })?;
        (self.answers(msg, i) && !self.queries[i].failed[si]).then_some(i)
    }

    /// Whether `msg` is a reply to query `i`: id, opcode and question.
    fn answers(&self, msg: &[u8], i: usize) -> bool {
        let Ok((h, q)) = wire::decode_head(msg) else {
            return false;
        };
        let want = &self.queries[i];
        h.response
            && h.opcode == 0
            && h.qdcount == 1
            && h.id == want.id
            && q.qtype == want.qtype
            && q.qclass == wire::CLASS_IN
            && wire::same_name(&q.name, &self.name)
    }

    fn is_done(&self) -> bool {
        // Once a nameserver answered one query, its failure of the other
        // is final too, as glibc takes it: the next nameserver is not
        // asked (unless a retry over TCP of a truncated reply is under
        // way). An NXDOMAIN answers its query only: some
        // servers say it for one type of a name that has addresses of the
        // other.
        let [a, b] = &self.queries;
        let settled = |q: &Query, other: &Query| {
            q.outcome.is_some()
                || other
                    .answered_by
                    .is_some_and(|si| q.failed[si] && q.tcp.is_none())
        };
        settled(a, b) && settled(b, a)
    }

    /// Closes the sockets, cancelling what still waits on them.
    fn close(&mut self) {
        for sock in self.socks.iter_mut().filter_map(Option::take) {
            sock.close();
        }
    }

    /// The lookup's result.
    fn result(&mut self, failure: Option<io::Error>) -> LookupResult {
        let name = std::mem::take(&mut self.name);
        // A query asked again over TCP when the lookup ended gives what
        // its truncated reply had, if anything; if it had nothing, no
        // answer came before the deadline (a time-out, unless another
        // nameserver failed it otherwise).
        for q in &mut self.queries {
            if q.outcome.is_none() {
                if let Some(retry) = q.tcp.take() {
                    if !retry.addrs.is_empty() {
                        q.outcome = Some(Outcome::Addrs(retry.addrs));
                    }
                }
            }
        }
        // A query no nameserver answered for the name gives the failure
        // one gave, if any: better than a timeout.
        let outcomes: Vec<&Outcome> = self
            .queries
            .iter()
            .filter_map(|q| q.outcome.as_ref().or(q.failure.as_ref()))
            .collect();
        let addrs: Vec<IpAddr> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Addrs(a) => Some(a.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect();
        if !addrs.is_empty() {
            return Ok(addrs);
        }
        if outcomes.iter().any(|o| matches!(o, Outcome::NxDomain)) {
            return Err(Error::NxDomain { name });
        }
        // The lookup ended for want of this process's resources (a socket
        // for the next nameserver, out of descriptors): the addresses one
        // query gave, if any, are still its result (above).
        if let Some(source) = failure {
            return Err(Error::io(name, source));
        }
        for o in &outcomes {
            match o {
                Outcome::ServFail => return Err(Error::ServFail { name }),
                Outcome::Refused => return Err(Error::Refused { name }),
                Outcome::Rcode(rcode) => {
                    return Err(Error::Rcode {
                        name,
                        rcode: *rcode,
                    })
                }
                Outcome::Malformed(reason) => return Err(Error::Malformed { name, reason }),
                Outcome::Unreachable(nameserver, error) => {
                    let source = match error {
                        Ok(code) => io::Error::from_raw_os_error(*code),
                        Err((kind, text)) => io::Error::new(*kind, text.as_str()),
                    };
                    return Err(Error::Unreachable {
                        name,
                        nameserver: *nameserver,
                        source,
                    });
                }
                Outcome::Addrs(_) | Outcome::NxDomain | Outcome::Truncated(_) => {}
            }
        }
        if outcomes.len() < self.queries.len() {
            Err(Error::Timeout { name })
        } else {
            Err(Error::NoAddresses { name })
        }
    }
}

/// Whether `e` says this process ran short of something (descriptors,
/// buffers, memory), not that the peer could not be reached.
fn is_local_shortage(e: &io::Error) -> bool {
    use rustix::io::Errno;
    [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM]
        .iter()
        .any(|l| e.raw_os_error() == Some(l.raw_os_error()))
}

/// What a matching reply says. Only the answer section is read (and the
/// question, where the CNAME chain starts); names are compared as their
/// octets on the wire, so a name that is not printable ASCII anywhere in
/// the reply does not make it malformed.
fn classify(msg: &[u8], qtype: u16) -> Outcome {
    let Ok(h) = wire::Header::decode(msg) else {
        return Outcome::Malformed("short header");
    };
    match h.rcode {
        wire::RCODE_NOERROR => {}
        wire::RCODE_NXDOMAIN => return Outcome::NxDomain,
        wire::RCODE_SERVFAIL => return Outcome::ServFail,
        wire::RCODE_REFUSED => return Outcome::Refused,
        rcode => return Outcome::Rcode(rcode),
    }
    // A truncated reply's sections may be cut anywhere (its counts say
    // what did not fit): only TC is read from it, as glibc does, and the
    // query asked again over TCP.
    let (question, answers) = match wire::decode_answers(msg) {
        Ok(decoded) => decoded,
        Err(_) if h.truncated => return Outcome::Truncated(Vec::new()),
        Err(e) => return Outcome::Malformed(e.as_str()),
    };
    match addresses(&answers, &question, qtype) {
        Ok(a) if h.truncated => Outcome::Truncated(a),
        Ok(a) => Outcome::Addrs(a),
        Err(_) if h.truncated => Outcome::Truncated(Vec::new()),
        Err(reason) => Outcome::Malformed(reason),
    }
}

/// The addresses of type `qtype` for `name` in `answers`, following CNAME
/// records from `name`.
fn addresses(answers: &[Answer], name: &[u8], qtype: u16) -> Result<Vec<IpAddr>, &'static str> {
    let mut current = name;
    for _ in 0..=MAX_CNAME_HOPS {
        let mut addrs = Vec::new();
        let mut alias = None;
        for rec in answers
            .iter()
            .filter(|r| r.class == wire::CLASS_IN && wire::same_wire_name(&r.name, current))
        {
            match &rec.data {
                AnswerData::A(a) if qtype == wire::TYPE_A => addrs.push(IpAddr::V4(*a)),
                AnswerData::Aaaa(a) if qtype == wire::TYPE_AAAA => addrs.push(IpAddr::V6(*a)),
                AnswerData::Cname(target) => alias = Some(target.as_slice()),
                _ => {}
            }
        }
        match alias {
            Some(target) if addrs.is_empty() => current = target,
            _ => return Ok(addrs),
        }
    }
    Err("CNAME chain too long or looping")
}

/// The addresses in the answer section of `msg` as a lookup reads a reply
/// (the question and the answers decode, names as octets; the other
/// sections only lie inside the message), or `None` if it cannot use the
/// reply: a NOERROR reply so is its nameserver's failure. This is how
/// `fuzz/` states that rule. Not part of the API.
#[doc(hidden)]
pub fn __reply_addresses(msg: &[u8]) -> Option<Vec<std::net::IpAddr>> {
    let (_, answers) = wire::decode_answers(msg).ok()?;
    let addresses = answers.iter().filter_map(|a| match a.data {
        AnswerData::A(v4) => Some(v4.into()),
        AnswerData::Aaaa(v6) => Some(v6.into()),
        AnswerData::Cname(_) | AnswerData::Other => None,
    });
    Some(addresses.collect())
}

/// Feeds `replies` (datagrams and their sources) to a lookup of `name`
/// whose A and AAAA queries have the ids `ids` and went to every one of
/// `servers`, through the code a lookup runs on each datagram it receives;
/// returns, for each reply, which query it was taken as the answer to and
/// whether that answer was final, for the name (`None`: ignored; a failure
/// such as SERVFAIL is taken, not final, and its nameserver's later
/// replies to that query are ignored), and the lookup's result after the
/// last one (nothing is sent on to the next nameserver). A truncated
/// reply's retry over TCP fails at once, as if refused: the reply's
/// addresses are the answer, and without any it is its nameserver's
/// failure. No socket, no loop: this is how `fuzz/` drives the reply
/// matching. Not part of the API.
#[doc(hidden)]
pub fn __replies(
    name: &str,
    servers: &[SocketAddr],
    ids: [u16; 2],
    replies: &[(SocketAddr, &[u8])],
) -> (Vec<Option<(usize, bool)>>, LookupResult) {
    let config = Config {
        servers: servers.into(),
        timeout: DEFAULT_TIMEOUT,
        hosts: Rc::new(Hosts::default()),
    };
    let mut q = match Lookup::new(name, &config) {
        Ok(q) => q,
        Err(e) => return (vec![None; replies.len()], Err(e)),
    };
    for (query, id) in q.queries.iter_mut().zip(ids) {
        query.id = id;
    }
    q.sent.fill(true);
    let taken = replies
        .iter()
        .map(|&(from, msg)| {
            let taken = q.matching(msg, from);
            // As a receive delivers it.
            // As the socket connected to that nameserver receives it; one
            // from elsewhere never reaches a socket.
            let from_server = |s: &SocketAddr| s.ip() == from.ip() && s.port() == from.port();
            if let Some(si) = servers.iter().position(from_server) {
                let _ = q.received(si, (msg.to_vec(), Ok((msg.len(), from))));
            }
            // A truncated reply's retry over TCP, refused at once: what
            // the reply gave is taken as if it were not truncated.
            while let Some((qi, _, _, _)) = q.new_tcp() {
                let refused = io::ErrorKind::ConnectionRefused.into();
                q.tcp_received(qi, Err(refused))
                    .expect("a refusal is the nameserver's");
            }
            taken.map(|i| {
                let outcome = q.queries[i].outcome.as_ref();
                (i, outcome.is_some_and(Outcome::is_final))
            })
        })
        .collect();
    (taken, q.result(None))
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

/// A seed from the kernel's random source, or failing that from the time,
/// the pid and an address on the stack.
fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    let from_kernel = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    let mut s = u64::from_ne_bytes(bytes);
    if !from_kernel || s == 0 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let local = 0u8;
        s ^= t ^ (u64::from(std::process::id()) << 32) ^ (&local as *const u8 as u64);
    }
    s | 1
}

/// xorshift64*: not cryptographic, but unpredictable enough off-path when
/// seeded from the kernel, and combined with a random source port.
fn random_u16() -> u16 {
    RNG.with(|c| {
        let mut x = c.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        c.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 48) as u16
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::wire::{RData, Record};

    #[test]
    fn a_resolv_conf_with_a_byte_that_is_not_utf8_is_read() {
        let dir = std::env::temp_dir().join(format!("tame-resolv-latin1-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (conf, hosts) = (dir.join("resolv.conf"), dir.join("hosts"));
        std::fs::write(&conf, b"# r\xe9seau\nnameserver 10.0.0.53\n").unwrap();
        std::fs::write(&hosts, b"127.0.0.1 localhost\n").unwrap();
        let r = Resolver::from_files(&conf, &hosts);
        std::fs::remove_dir_all(&dir).unwrap();
        let r = r.expect("read despite the comment");
        assert_eq!(r.nameservers(), ["10.0.0.53:53".parse().unwrap()]);
    }

    fn rec(name: &str, data: RData) -> Record {
        let rtype = match data {
            RData::A(_) => wire::TYPE_A,
            RData::Aaaa(_) => wire::TYPE_AAAA,
            RData::Cname(_) => wire::TYPE_CNAME,
            RData::Other(_) => 99,
        };
        Record {
            name: name.into(),
            rtype,
            class: wire::CLASS_IN,
            ttl: 1,
            data,
        }
    }

    /// [`addresses`] in the answers of `m`, as a reply's bytes give them.
    fn addresses_in(m: &Message, qtype: u16) -> Result<Vec<IpAddr>, &'static str> {
        let (question, answers) = wire::decode_answers(&m.encode().unwrap()).unwrap();
        addresses(&answers, &question, qtype)
    }

    /// A record as its octets: `owner` (a name on the wire), type, class
    /// IN, TTL 60, `rdata`.
    fn raw_record(owner: &[u8], rtype: u16, rdata: &[u8]) -> Vec<u8> {
        let mut r = owner.to_vec();
        r.extend_from_slice(&rtype.to_be_bytes());
        r.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        r.extend_from_slice(rdata);
        r
    }

    #[test]
    fn names_of_any_octets_in_a_reply_are_not_malformed() {
        // x.test is an alias of `my host.test`, which has the address; an
        // answer owned by a UTF-8 name and an additional record owned by
        // `my printer.local` (RFC 2181 section 11 allows any octets) come
        // along, and `my.host.test` (a dot inside a label) is another name.
        const TXT: u16 = 16;
        let mut msg = Message::query(1, "x.test", wire::TYPE_A).encode().unwrap();
        msg[2] |= 0x80;
        msg[7] = 4; // answers
        msg[11] = 1; // additional
        let my_host = b"\x07my host\x04test\x00";
        msg.extend(raw_record(&[0xC0, 12], wire::TYPE_CNAME, my_host));
        msg.extend(raw_record(
            b"\x07my.host\x04test\x00",
            wire::TYPE_A,
            &[6, 6, 6, 6],
        ));
        msg.extend(raw_record(my_host, wire::TYPE_A, &[10, 1, 2, 3]));
        msg.extend(raw_record(b"\x05caf\xc3\xa9\x04test\x00", TXT, b"\x02hi"));
        msg.extend(raw_record(b"\x0amy printer\x05local\x00", TXT, b"\x00"));
        assert!(
            Message::decode(&msg).is_err(),
            "Message keeps to dotted text"
        );
        let outcome = classify(&msg, wire::TYPE_A);
        assert!(
            matches!(&outcome, Outcome::Addrs(a) if *a == [IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3))]),
            "the alias's address, and only it"
        );
        // The sections not read are still checked to end inside the reply.
        let cut = classify(&msg[..msg.len() - 1], wire::TYPE_A);
        assert!(matches!(cut, Outcome::Malformed("message ends early")));
    }

    #[test]
    fn a_system_without_resolv_conf_asks_127_0_0_1() {
        let nowhere = std::env::temp_dir().join(format!("tame-no-such-{}", std::process::id()));
        let r = Resolver::from_files(&nowhere.join("resolv.conf"), &nowhere.join("hosts")).unwrap();
        assert_eq!(
            r.nameservers(),
            ["127.0.0.1:53".parse::<SocketAddr>().unwrap()]
        );
        // A file that cannot be read for another reason is named.
        let e = Resolver::from_files(&std::env::temp_dir(), &nowhere).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&std::env::temp_dir().display().to_string()),
            "{e}"
        );
    }

    #[test]
    fn a_lookup_given_no_deadline_has_none() {
        let r = Resolver::new(vec!["127.0.0.1:53".parse().unwrap()]).timeout(Duration::MAX);
        let lookup = Lookup::new("x.test", &r.inner).unwrap();
        assert!(lookup.deadline > crate::time::now() + Duration::from_secs(3600 * 24 * 365));
    }

    #[test]
    fn cname_chains_are_followed_case_insensitively() {
        let mut m = Message::query(1, "a.test", wire::TYPE_A);
        m.answers = vec![
            rec("A.test", RData::Cname("b.test".into())),
            rec("b.test", RData::Cname("C.test".into())),
            rec("other.test", RData::A(Ipv4Addr::new(6, 6, 6, 6))),
            rec("c.TEST", RData::A(Ipv4Addr::new(1, 2, 3, 4))),
            rec("c.test", RData::Aaaa(Ipv6Addr::LOCALHOST)),
        ];
        assert_eq!(
            addresses_in(&m, wire::TYPE_A),
            Ok(vec![IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4))])
        );
        assert_eq!(
            addresses_in(&m, wire::TYPE_AAAA),
            Ok(vec![IpAddr::V6(Ipv6Addr::LOCALHOST)])
        );
    }

    #[test]
    fn sixteen_aliases_are_followed_and_seventeen_are_not() {
        let chain = |aliases: usize| {
            let name = |i: usize| format!("c{i}.test");
            let mut m = Message::query(1, &name(0), wire::TYPE_A);
            m.answers = (0..aliases)
                .map(|i| rec(&name(i), RData::Cname(name(i + 1))))
                .collect();
            m.answers
                .push(rec(&name(aliases), RData::A(Ipv4Addr::new(10, 0, 0, 1))));
            addresses_in(&m, wire::TYPE_A)
        };
        assert_eq!(chain(MAX_CNAME_HOPS).unwrap().len(), 1);
        assert_eq!(MAX_CNAME_HOPS, 16, "as lookup_ip's docs say");
        assert!(chain(MAX_CNAME_HOPS + 1).is_err());
    }

    #[test]
    fn cname_loops_are_malformed() {
        let mut m = Message::query(1, "a.test", wire::TYPE_A);
        m.answers = vec![
            rec("a.test", RData::Cname("b.test".into())),
            rec("b.test", RData::Cname("a.test".into())),
        ];
        assert!(addresses_in(&m, wire::TYPE_A).is_err());
    }

    #[test]
    fn a_reply_whose_names_chain_too_many_pointers_is_malformed() {
        let ok = classify(&wire::pointer_chain_reply(128), wire::TYPE_A);
        assert!(
            matches!(&ok, Outcome::Addrs(a) if *a == [IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3))]),
            "128 pointers are as many as a name may have"
        );
        let too_many = classify(&wire::pointer_chain_reply(129), wire::TYPE_A);
        assert!(matches!(
            too_many,
            Outcome::Malformed("too many compression pointers in a name")
        ));
    }

    /// A lookup of `x.test` with two nameservers, nothing due yet.
    fn two_nameserver_lookup() -> Lookup {
        let servers = vec![
            "127.0.0.1:5301".parse().unwrap(),
            "127.0.0.1:5302".parse().unwrap(),
        ];
        let mut l = Lookup::new("x.test", &Resolver::new(servers).inner).unwrap();
        for q in &mut l.queries {
            q.due = false;
        }
        l
    }

    fn errno(e: rustix::io::Errno) -> io::Error {
        io::Error::from_raw_os_error(e.raw_os_error())
    }

    #[test]
    fn an_error_on_a_nameservers_socket_fails_that_nameserver_not_the_lookup() {
        use rustix::io::Errno;
        // Refused by a firewall's rule (ICMP "administratively
        // prohibited"), host down, protocol unreachable, a route's MTU,
        // port unreachable.
        for e in [
            Errno::ACCESS,
            Errno::HOSTDOWN,
            Errno::NOPROTOOPT,
            Errno::MSGSIZE,
            Errno::CONNREFUSED,
        ] {
            let mut l = two_nameserver_lookup();
            assert!(l.received(0, (Vec::new(), Err(errno(e)))).is_ok(), "{e:?}");
            assert!(
                l.queries
                    .iter()
                    .all(|q| q.failed[0] && q.due && q.outcome.is_none()),
                "{e:?}: on to the second nameserver"
            );
        }
        // Running short of descriptors is the lookup's.
        let mut l = two_nameserver_lookup();
        assert!(l
            .received(0, (Vec::new(), Err(errno(Errno::MFILE))))
            .is_err());
    }

    #[test]
    fn a_lookup_ended_by_a_shortage_gives_the_addresses_in_hand() {
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let mut l = two_nameserver_lookup();
        l.queries[0].outcome = Some(Outcome::Addrs(vec![a]));
        let shortage = errno(rustix::io::Errno::MFILE);
        assert_eq!(l.result(Some(shortage)).unwrap(), [a]);
        let mut l = two_nameserver_lookup();
        let shortage = errno(rustix::io::Errno::MFILE);
        assert!(matches!(l.result(Some(shortage)), Err(Error::Io(_))));
    }

    #[test]
    fn a_query_retried_over_tcp_takes_the_next_nameservers_reply_once_its_own_failed() {
        let mut l = two_nameserver_lookup();
        l.sent = vec![true, true];
        // The first nameserver's reply to A was truncated with no address:
        // A is asked again over TCP there; then its UDP port proves
        // unreachable, and A goes on to the second nameserver.
        l.queries[0].answered(0, Outcome::Truncated(Vec::new()));
        assert!(l.new_tcp().is_some());
        l.unreachable(0, &errno(rustix::io::Errno::CONNREFUSED));
        assert!(l.queries[0].due);
        let mut reply = Message::query(l.queries[0].id, "x.test", wire::TYPE_A);
        reply.answers = vec![rec("x.test", RData::A(Ipv4Addr::new(10, 0, 0, 2)))];
        let mut reply = reply.encode().unwrap();
        reply[2] |= 0x80; // a response
        let n = reply.len();
        let from = l.servers[1];
        l.received(1, (reply, Ok((n, from)))).unwrap();
        assert!(
            matches!(&l.queries[0].outcome, Some(Outcome::Addrs(a)) if *a == [IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))]),
            "the second nameserver's answer is taken"
        );
        assert!(l.queries[0].tcp.is_none(), "the retry over TCP is given up");

        // The same with a truncated reply that had an address, and an
        // answer with none from the second nameserver: the address stays.
        let first = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let mut l = two_nameserver_lookup();
        l.sent = vec![true, true];
        l.queries[0].answered(0, Outcome::Truncated(vec![first]));
        assert!(l.new_tcp().is_some());
        l.unreachable(0, &errno(rustix::io::Errno::CONNREFUSED));
        let mut reply = Message::query(l.queries[0].id, "x.test", wire::TYPE_A)
            .encode()
            .unwrap();
        reply[2] |= 0x80;
        let n = reply.len();
        let from = l.servers[1];
        l.received(1, (reply, Ok((n, from)))).unwrap();
        assert!(
            matches!(&l.queries[0].outcome, Some(Outcome::Addrs(a)) if *a == [first]),
            "the truncated reply's address"
        );

        // And when every nameserver failed over UDP (the second with
        // SERVFAIL) while the retry over TCP is under way: the query waits
        // for it, and at the end the truncated reply's address is the
        // result.
        let mut l = two_nameserver_lookup();
        l.sent = vec![true, true];
        l.queries[0].answered(0, Outcome::Truncated(vec![first]));
        assert!(l.new_tcp().is_some());
        l.unreachable(0, &errno(rustix::io::Errno::CONNREFUSED));
        l.queries[0].answered(1, Outcome::ServFail);
        assert!(l.queries[0].outcome.is_none(), "it waits for the retry");
        assert_eq!(l.result(None).unwrap(), [first]);

        // Until the next retransmission: then the retry is given up, the
        // truncated reply's address the answer (with none, the first
        // failure is).
        for (addrs, answer) in [(vec![first], Some(first)), (vec![], None)] {
            let mut l = two_nameserver_lookup();
            l.sent = vec![true, true];
            l.queries[0].answered(0, Outcome::Truncated(addrs));
            assert!(l.new_tcp().is_some());
            l.unreachable(0, &errno(rustix::io::Errno::CONNREFUSED));
            l.queries[0].answered(1, Outcome::ServFail);
            l.retransmit_all();
            assert!(
                l.queries[0].tcp.is_some() || answer.is_none(),
                "a retry with addresses in hand gets a whole interval"
            );
            l.retransmit_all();
            assert!(l.queries[0].tcp.is_none(), "given up");
            match (&l.queries[0].outcome, answer) {
                (Some(Outcome::Addrs(a)), Some(first)) => assert_eq!(*a, [first]),
                (Some(Outcome::Unreachable(..)), None) => {}
                (other, _) => panic!("{}", other.is_some()),
            }
        }
    }

    #[test]
    fn ids_vary() {
        let ids: std::collections::HashSet<u16> = (0..1000).map(|_| random_u16()).collect();
        assert!(ids.len() > 900, "{}", ids.len());
    }
}
