//! The stub resolver: one task per lookup, one UDP socket per lookup.
//!
//! A lookup is a hand-written task (see [`crate::task`]) waiting on one
//! explicit rendezvous for two kinds of wake-ups: its socket became readable,
//! or its retransmission timer ran out. It sends an A and an AAAA query with
//! two random ids from a socket bound to port 0 (so the kernel picks a fresh,
//! random source port), and accepts a reply only when its source is a
//! nameserver the query was sent to and its id, opcode and question match.
//! Everything else is dropped unread. When the lookup ends, the rendezvous is
//! cancelled (so its timer stops counting as armed), the socket's fd wait is
//! cancelled, and the socket closed before the caller's event is triggered.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::wire::{self, Message, RData};
use super::Error;
use crate::task::{self, TaskContext, TwaitSite};
use crate::{Event, Interest, Rendezvous};

/// The default total deadline of one lookup.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The first retransmission waits at most this long (and at most a quarter
/// of the total deadline); each later one waits twice as long as the last.
const FIRST_RETRANSMIT: Duration = Duration::from_secs(1);
/// Longest CNAME chain followed inside one answer.
const MAX_CNAME_HOPS: usize = 16;
/// Most datagrams read per readiness event, so one flooded socket cannot
/// starve the loop.
const MAX_READS_PER_WAKE: usize = 64;

/// What the lookup's result is delivered to.
type Reply = Event<super::LookupResult>;

/// A DNS stub resolver over UDP, running on this thread's tame loop.
///
/// Names are asked for as given (absolute; no search list, no
/// `/etc/hosts`). An IP address literal resolves to itself without a query.
/// Each lookup asks for A and AAAA at once and delivers the IPv4 addresses
/// first, then the IPv6 ones. Nameservers are tried in turn, one per
/// transmission, until the deadline set by [`timeout`](Resolver::timeout).
///
/// `Clone` is cheap and clones share their configuration.
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
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("nameservers", &self.inner.servers)
            .field("timeout", &self.inner.timeout)
            .finish()
    }
}

impl Resolver {
    /// A resolver asking `nameservers`, in turn. An empty list makes every
    /// lookup fail with [`Error::Io`].
    ///
    /// # Examples
    ///
    /// ```
    /// let r = tame::dns::Resolver::new(vec!["127.0.0.1:53".parse().unwrap()]);
    /// assert_eq!(r.nameservers(), ["127.0.0.1:53".parse().unwrap()]);
    /// ```
    pub fn new(nameservers: Vec<SocketAddr>) -> Resolver {
        Resolver {
            inner: Rc::new(Config {
                servers: nameservers.into(),
                timeout: DEFAULT_TIMEOUT,
            }),
        }
    }

    /// A resolver asking the nameservers of `/etc/resolv.conf` (its
    /// `nameserver` lines; `127.0.0.1` if there is none).
    ///
    /// # Errors
    ///
    /// If `/etc/resolv.conf` cannot be read.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let r = tame::dns::Resolver::from_system().unwrap();
    /// println!("{:?}", r.nameservers());
    /// ```
    pub fn from_system() -> io::Result<Resolver> {
        let text = std::fs::read_to_string("/etc/resolv.conf")?;
        Ok(Resolver::new(super::resolv_conf::parse(&text)))
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
    /// The event is triggered exactly once, possibly before this returns
    /// (an IP literal, an invalid name, a socket that cannot be made).
    /// Errors are [`Error::NxDomain`], [`Error::ServFail`],
    /// [`Error::Refused`], [`Error::Timeout`], [`Error::Malformed`] (a reply
    /// that matches the query but cannot be parsed), [`Error::NoAddresses`],
    /// [`Error::InvalidName`] and [`Error::Io`]. If one of the two queries
    /// gives addresses, they are the result even if the other failed.
    ///
    /// If `ev` stops being live (its rendezvous was cancelled), the lookup
    /// gives up at its next retransmission.
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
        if let Ok(ip) = name.parse::<IpAddr>() {
            ev.trigger(Ok(vec![ip]));
            return;
        }
        if let Err(e) = wire::check_name(name).and_then(|()| {
            if name.trim_end_matches('.').is_empty() {
                Err(wire::WireError::BadName)
            } else {
                Ok(())
            }
        }) {
            ev.trigger(Err(Error::InvalidName {
                name: name.to_owned(),
                reason: e.as_str(),
            }));
            return;
        }
        match Lookup::new(name, &self.inner) {
            Ok(lookup) => {
                let mut lookup = Some(lookup);
                let mut ev = Some(ev);
                task::start("tame::dns::lookup_ip", move |cx| match lookup.as_mut() {
                    Some(l) => {
                        let step = l.poll(cx, &mut ev);
                        if step.is_ready() {
                            lookup = None;
                        }
                        step
                    }
                    None => Poll::Ready(()),
                });
            }
            Err(e) => ev.trigger(Err(e)),
        }
    }
}

/// Where a lookup's wake-up came from.
#[derive(Debug, Clone, Copy)]
enum Wake {
    /// The socket at this index became readable.
    Readable(usize),
    /// Time to retransmit (or to give up).
    Retransmit,
}

/// How one of the two queries ended.
enum Outcome {
    Addrs(Vec<IpAddr>),
    NxDomain,
    ServFail,
    Refused,
    Rcode(u8),
    Malformed(&'static str),
}

struct Query {
    qtype: u16,
    id: u16,
    packet: Vec<u8>,
    outcome: Option<Outcome>,
}

struct Lookup {
    name: String,
    servers: Rc<[SocketAddr]>,
    /// Sockets by family: IPv4, IPv6 (made when a server needs one).
    socks: [Option<UdpSocket>; 2],
    /// Whether a query went to each server (replies from others are
    /// ignored).
    sent: Vec<bool>,
    queries: [Query; 2],
    deadline: Instant,
    interval: Duration,
    rounds: usize,
    r: Rendezvous<Wake>,
    started: bool,
}

static SITE: TwaitSite = TwaitSite {
    function: "tame::dns::lookup_ip",
    file: file!(),
    line: line!(),
};

impl Lookup {
    fn new(name: &str, config: &Config) -> Result<Lookup, Error> {
        let name = name.strip_suffix('.').unwrap_or(name).to_owned();
        if config.servers.is_empty() {
            return Err(Error::io(
                name,
                io::Error::new(io::ErrorKind::NotFound, "no nameservers configured"),
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
            })
        };
        let queries = [query(id_a, wire::TYPE_A)?, query(id_aaaa, wire::TYPE_AAAA)?];
        let now = Instant::now();
        Ok(Lookup {
            servers: config.servers.clone(),
            socks: [None, None],
            sent: vec![false; config.servers.len()],
            queries,
            deadline: now + config.timeout,
            interval: FIRST_RETRANSMIT.min(config.timeout / 4),
            rounds: 0,
            r: Rendezvous::new(),
            started: false,
            name,
        })
    }

    /// One step of the task.
    fn poll(&mut self, cx: &TaskContext<'_>, ev: &mut Option<Reply>) -> Poll<()> {
        if !self.started {
            self.started = true;
            if let Err(e) = self.transmit() {
                return self.finish(ev, Some(e));
            }
        }
        loop {
            let wake = match cx.poll_rendezvous(&self.r, &SITE) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(wake) => wake,
            };
            if !ev.as_ref().is_some_and(Event::is_live) {
                // Nobody listens any more.
                *ev = None;
                return self.finish(ev, None);
            }
            match wake {
                Some(Wake::Readable(i)) => {
                    if let Err(e) = self.drain(i) {
                        return self.finish(ev, Some(e));
                    }
                    if self.is_done() {
                        return self.finish(ev, None);
                    }
                    if let Err(e) = self.wait_readable(i) {
                        return self.finish(ev, Some(e));
                    }
                }
                Some(Wake::Retransmit) => {
                    if self.deadline.saturating_duration_since(Instant::now())
                        < Duration::from_millis(1)
                    {
                        return self.finish(ev, None);
                    }
                    if let Err(e) = self.transmit() {
                        return self.finish(ev, Some(e));
                    }
                }
                // Nothing outstanding: cannot happen while the timer is
                // armed, but never hang on it.
                None => return self.finish(ev, None),
            }
        }
    }

    /// Sends the queries still unanswered to the next nameserver, arms the
    /// retransmission timer, and makes sure the socket is waited on.
    fn transmit(&mut self) -> io::Result<()> {
        let si = self.rounds % self.servers.len();
        self.rounds += 1;
        let server = self.servers[si];
        let fam = usize::from(server.is_ipv6());
        if self.socks[fam].is_none() {
            let local: SocketAddr = if server.is_ipv6() {
                (Ipv6Addr::UNSPECIFIED, 0).into()
            } else {
                (Ipv4Addr::UNSPECIFIED, 0).into()
            };
            let sock = UdpSocket::bind(local)?;
            sock.set_nonblocking(true)?;
            self.socks[fam] = Some(sock);
            self.wait_readable(fam)?;
        }
        let sock = self.socks[fam].as_ref().expect("socket made above");
        for q in self.queries.iter().filter(|q| q.outcome.is_none()) {
            match sock.send_to(&q.packet, server) {
                Ok(_) => self.sent[si] = true,
                // A full send buffer: the next round will try again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if self.servers.len() == 1 => return Err(e),
                // Another nameserver may still be reachable.
                Err(_) => {}
            }
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        crate::timer(self.interval.min(left), self.r.event(Wake::Retransmit));
        self.interval = self.interval.saturating_mul(2);
        Ok(())
    }

    fn wait_readable(&self, fam: usize) -> io::Result<()> {
        match &self.socks[fam] {
            Some(sock) => {
                crate::wait_on_fd(sock, Interest::Read, self.r.event(Wake::Readable(fam)))
            }
            None => Ok(()),
        }
    }

    /// Reads what the socket has; keeps what matches.
    fn drain(&mut self, fam: usize) -> io::Result<()> {
        let Some(sock) = self.socks[fam].as_ref() else {
            return Ok(());
        };
        // One buffer per thread, big enough for any datagram: a reply larger
        // than 512 octets is not cut into something that looks malformed.
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 65536]);
        }
        let mut got = Vec::new();
        BUF.with(|buf| {
            let mut buf = buf.borrow_mut();
            for _ in 0..MAX_READS_PER_WAKE {
                match sock.recv_from(&mut buf) {
                    Ok((n, from)) => {
                        if let Some(q) = self.matching(&buf[..n], from) {
                            got.push((q, classify(&buf[..n], &self.name, self.queries[q].qtype)));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // ICMP errors surfacing on an unconnected socket (with
                    // some kernels' settings): not a reply, keep waiting.
                    Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })?;
        for (q, outcome) in got {
            self.queries[q].outcome.get_or_insert(outcome);
        }
        Ok(())
    }

    /// Which unanswered query `msg` from `from` answers, if any: source,
    /// id, opcode and question must all match.
    fn matching(&self, msg: &[u8], from: SocketAddr) -> Option<usize> {
        let si = self
            .servers
            .iter()
            .position(|s| s.ip() == from.ip() && s.port() == from.port())?;
        if !self.sent[si] {
            return None;
        }
        let (h, q) = wire::decode_head(msg).ok()?;
        if !h.response || h.opcode != 0 || h.qdcount != 1 {
            return None;
        }
        let i = self
            .queries
            .iter()
            .position(|x| x.id == h.id && x.outcome.is_none())?;
        let want = &self.queries[i];
        let same = q.qtype == want.qtype
            && q.qclass == wire::CLASS_IN
            && wire::same_name(&q.name, &self.name);
        same.then_some(i)
    }

    fn is_done(&self) -> bool {
        self.queries.iter().all(|q| q.outcome.is_some())
            || self
                .queries
                .iter()
                .any(|q| matches!(q.outcome, Some(Outcome::NxDomain)))
    }

    /// Ends the lookup: cancels its waits, closes its sockets, then
    /// triggers `ev` (if still held) with the result.
    fn finish(&mut self, ev: &mut Option<Reply>, io_error: Option<io::Error>) -> Poll<()> {
        self.r.cancel();
        for sock in self.socks.iter_mut().filter_map(Option::take) {
            crate::cancel_fd(&sock);
            drop(sock);
        }
        if let Some(ev) = ev.take() {
            let result = match io_error {
                Some(source) => Err(Error::io(std::mem::take(&mut self.name), source)),
                None => self.result(),
            };
            ev.trigger(result);
        }
        Poll::Ready(())
    }

    fn result(&mut self) -> Result<Vec<IpAddr>, Error> {
        let name = std::mem::take(&mut self.name);
        let outcomes: Vec<&Outcome> = self
            .queries
            .iter()
            .filter_map(|q| q.outcome.as_ref())
            .collect();
        if outcomes.iter().any(|o| matches!(o, Outcome::NxDomain)) {
            return Err(Error::NxDomain { name });
        }
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
                Outcome::Addrs(_) | Outcome::NxDomain => {}
            }
        }
        if outcomes.len() < self.queries.len() {
            Err(Error::Timeout { name })
        } else {
            Err(Error::NoAddresses { name })
        }
    }
}

/// What a matching reply says.
fn classify(msg: &[u8], name: &str, qtype: u16) -> Outcome {
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
    let m = match Message::decode(msg) {
        Ok(m) => m,
        Err(e) => return Outcome::Malformed(e.as_str()),
    };
    match addresses(&m, name, qtype) {
        Ok(a) if a.is_empty() && h.truncated => {
            Outcome::Malformed("reply truncated (TC set) and TCP is not supported")
        }
        Ok(a) => Outcome::Addrs(a),
        Err(reason) => Outcome::Malformed(reason),
    }
}

/// The addresses of type `qtype` for `name` in the answer section, following
/// CNAME records from `name`.
fn addresses(m: &Message, name: &str, qtype: u16) -> Result<Vec<IpAddr>, &'static str> {
    let mut current = name;
    for _ in 0..=MAX_CNAME_HOPS {
        let mut addrs = Vec::new();
        let mut alias = None;
        for rec in m
            .answers
            .iter()
            .filter(|r| r.class == wire::CLASS_IN && wire::same_name(&r.name, current))
        {
            match &rec.data {
                RData::A(a) if qtype == wire::TYPE_A => addrs.push(IpAddr::V4(*a)),
                RData::Aaaa(a) if qtype == wire::TYPE_AAAA => addrs.push(IpAddr::V6(*a)),
                RData::Cname(target) => alias = Some(target.as_str()),
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
    use crate::dns::wire::Record;

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
            addresses(&m, "a.test", wire::TYPE_A),
            Ok(vec![IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4))])
        );
        assert_eq!(
            addresses(&m, "a.test", wire::TYPE_AAAA),
            Ok(vec![IpAddr::V6(Ipv6Addr::LOCALHOST)])
        );
    }

    #[test]
    fn cname_loops_are_malformed() {
        let mut m = Message::query(1, "a.test", wire::TYPE_A);
        m.answers = vec![
            rec("a.test", RData::Cname("b.test".into())),
            rec("b.test", RData::Cname("a.test".into())),
        ];
        assert!(addresses(&m, "a.test", wire::TYPE_A).is_err());
    }

    #[test]
    fn ids_vary() {
        let ids: std::collections::HashSet<u16> = (0..1000).map(|_| random_u16()).collect();
        assert!(ids.len() > 900, "{}", ids.len());
    }
}
