//! A small DNS server on the tame loop, **for tests and demos**.
//!
//! It answers A, AAAA and CNAME questions from a table given to its
//! [`Builder`] (names are case-insensitive; unknown names get NXDOMAIN,
//! an alias of one the alias alone, a name without an address, where
//! a real server would say NXDOMAIN; ANY gets every address of the name; a reply
//! longer than 512 octets, the most a query without EDNS takes over UDP,
//! is cut to the answers that fit, with TC set; a query it cannot read
//! gets no reply),
//! after a configurable delay per query (a [`tame::timer`](crate::timer),
//! so thousands of delayed replies cost one task and no threads). It can
//! also be told to misbehave in the ways a resolver must survive
//! ([`Misbehavior`]). It is not an authoritative server for real use: no
//! TCP, no SOA records in negative answers, no EDNS.
//!
//! Run it on the current thread's loop with [`Builder::start`] (then
//! [`Server::stop`] it or drop its last handle, or `tame::run()` never
//! runs out of work), or on a thread of its own with [`Builder::spawn`]. Under a paused clock
//! ([`tame::time::pause`](crate::time::pause)), start it on the loop of
//! the lookups: the paused loop does not wait for a server on another
//! thread, and jumps over the lookups' retransmission timers to their
//! deadlines.
//!
//! The serving loop is a `#[tamed]` function: it waits on one rendezvous
//! for a query (a [`UdpSocket::recv_from`](crate::net::UdpSocket::recv_from)),
//! a delayed reply's timer, or the stop event, which [`Server::stop`]
//! triggers on the same loop; a server on its own thread is stopped by
//! closing a pipe whose other end its loop waits on.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use tame::dns::{server::Server, Resolver};
//!
//! let srv = Server::builder()
//!     .host("www.test", "10.0.0.80".parse().unwrap())
//!     .cname("alias.test", "www.test")
//!     .delay(Duration::from_millis(5))
//!     .spawn()
//!     .unwrap();
//! let resolver = Resolver::new(vec![srv.local_addr()]);
//! resolver.lookup_ip("alias.test", tame::Event::from_fn(|res: Option<tame::dns::LookupResult>| {
//!     assert_eq!(res.unwrap().unwrap(), ["10.0.0.80".parse::<std::net::IpAddr>().unwrap()]);
//! }));
//! tame::run(); // the server runs on its own thread: run() returns after the lookup
//! assert_eq!(srv.queries(), 2); // A and AAAA
//! ```

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{self, IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use super::wire::{self, Header, Message, Question, RData, Record};
use crate::io::Fd;
use crate::net::UdpSocket;
use crate::{mkevent, tamed, tvars, twait, Event, Rendezvous};

/// The IPv4 address the decoy replies of [`Misbehavior`] carry
/// (TEST-NET-1): a resolver that returns it was fooled.
///
/// # Examples
///
/// ```
/// assert_eq!(tame::dns::server::DECOY_V4.to_string(), "192.0.2.66");
/// ```
pub const DECOY_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 66);

/// The IPv6 address the decoy replies carry (documentation prefix).
///
/// # Examples
///
/// ```
/// assert_eq!(tame::dns::server::DECOY_V6.to_string(), "2001:db8::66");
/// ```
pub const DECOY_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x66);

/// The most replies that wait for their [`delay`](Builder::delay) at once;
/// queries that come while that many wait are received (and counted by
/// [`Server::queries`]) but not answered.
///
/// # Examples
///
/// ```
/// assert!(tame::dns::server::MAX_DELAYED >= 10_000);
/// ```
pub const MAX_DELAYED: usize = 16_384;

/// Ways to misbehave, for testing resolvers. The "decoy" kinds send a reply
/// that must be ignored (it carries [`DECOY_V4`] / [`DECOY_V6`]), then the
/// real answer if `then_answer` is set.
///
/// # Examples
///
/// ```
/// use tame::dns::server::{Misbehavior, Server};
/// let srv = Server::builder()
///     .host("a.test", "10.0.0.1".parse().unwrap())
///     .misbehave(Misbehavior::WrongId { then_answer: true })
///     .spawn()
///     .unwrap();
/// # drop(srv);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misbehavior {
    /// Answer every query with SERVFAIL.
    ServFail,
    /// Answer every query with this response code (see
    /// [`wire`]'s `RCODE_*`) and no records.
    Rcode(u8),
    /// Never answer (but count the queries).
    NeverAnswer,
    /// Send the header and question, announce an answer, and cut the
    /// datagram in the middle of it.
    Truncated,
    /// Send the header and question, then an answer whose owner name is a
    /// compression pointer to itself.
    Malformed,
    /// A decoy with the query's id plus one.
    WrongId {
        /// Send the real answer after the decoy.
        then_answer: bool,
    },
    /// A decoy with the right id but another question (`decoy.invalid`).
    WrongQuestion {
        /// Send the real answer after the decoy.
        then_answer: bool,
    },
    /// A decoy with the right id and question, sent from another port.
    WrongSource {
        /// Send the real answer after the decoy.
        then_answer: bool,
    },
}

/// What a name in the table is.
#[derive(Debug, Clone)]
enum Entry {
    Addrs(Vec<IpAddr>),
    Alias(String),
}

/// Configures a [`Server`]: its table, delay, misbehavior and address.
///
/// # Examples
///
/// ```
/// use tame::dns::server::Builder;
/// let b = Builder::new()
///     .host("a.test", "10.0.0.1".parse().unwrap())
///     .host("a.test", "fd00::1".parse().unwrap())
///     .delay(std::time::Duration::from_millis(10));
/// # drop(b);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    table: HashMap<String, Entry>,
    delay: Duration,
    misbehavior: Option<Misbehavior>,
    bind: SocketAddr,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// Panics, naming `name` and the builder's `method`, unless `name` can be
/// put in a reply: a table entry that cannot would make every reply that
/// holds it fail to encode, and be dropped.
#[track_caller]
fn encodable(method: &str, name: &str) {
    if let Err(e) = wire::check_name(name) {
        panic!("tame::dns::server::Builder::{method}: {name:?} cannot be put in a reply: {e}");
    }
}

fn key(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

impl Builder {
    /// An empty table, no delay, well behaved, on `127.0.0.1` port 0 (a
    /// free port; see [`Server::local_addr`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tame::dns::server::Builder::new();
    /// # drop(b);
    /// ```
    pub fn new() -> Builder {
        Builder {
            table: HashMap::new(),
            delay: Duration::ZERO,
            misbehavior: None,
            bind: (Ipv4Addr::LOCALHOST, 0).into(),
        }
    }

    /// Adds an address (A or AAAA, by its kind) for `name`. A name may have
    /// several; adding one to an alias replaces the alias.
    ///
    /// # Panics
    ///
    /// If `name` cannot be put in a reply (see [`wire::check_name`]: a
    /// space, an empty label, a label over 63 octets...): its replies
    /// could not be sent, and the client would wait for its deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tame::dns::server::Builder::new().host("h.test", "::1".parse().unwrap());
    /// # drop(b);
    /// ```
    #[track_caller]
    pub fn host(mut self, name: &str, addr: IpAddr) -> Builder {
        encodable("host", name);
        let e = self
            .table
            .entry(key(name))
            .or_insert(Entry::Addrs(Vec::new()));
        match e {
            Entry::Addrs(v) => v.push(addr),
            Entry::Alias(_) => *e = Entry::Addrs(vec![addr]),
        }
        self
    }

    /// Makes `alias` a CNAME for `target` (chains are followed inside one
    /// answer, up to 8 links).
    ///
    /// # Panics
    ///
    /// If `alias` or `target` cannot be put in a reply, as
    /// [`host`](Builder::host).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tame::dns::server::Builder::new()
    ///     .host("real.test", "10.0.0.1".parse().unwrap())
    ///     .cname("www.test", "real.test");
    /// # drop(b);
    /// ```
    #[track_caller]
    pub fn cname(mut self, alias: &str, target: &str) -> Builder {
        encodable("cname", alias);
        encodable("cname", target);
        self.table.insert(key(alias), Entry::Alias(key(target)));
        self
    }

    /// Waits `delay` before answering each query (default: none).
    ///
    /// At most [`MAX_DELAYED`] replies wait at once (about 800 bytes
    /// each): a query that comes while that many wait goes unanswered, as
    /// a busy nameserver drops what it cannot queue, so that a flood of
    /// queries at a long delay does not take the memory of all of them.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tame::dns::server::Builder::new().delay(std::time::Duration::from_millis(50));
    /// # drop(b);
    /// ```
    pub fn delay(mut self, delay: Duration) -> Builder {
        self.delay = delay;
        self
    }

    /// Misbehaves on every query, as `m` says.
    ///
    /// # Panics
    ///
    /// For [`Misbehavior::Rcode`] over 15: the header has 4 bits for it
    /// (the server could send no reply at all).
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::dns::server::{Builder, Misbehavior};
    /// let b = Builder::new().misbehave(Misbehavior::NeverAnswer);
    /// # drop(b);
    /// ```
    pub fn misbehave(mut self, m: Misbehavior) -> Builder {
        if let Misbehavior::Rcode(rcode) = m {
            assert!(
                rcode <= 0xf,
                "tame::dns::server::Builder::misbehave: response code {rcode} does not fit \
                 the header's 4 bits"
            );
        }
        self.misbehavior = Some(m);
        self
    }

    /// Listens on `addr` instead of `127.0.0.1:0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tame::dns::server::Builder::new().bind("127.0.0.1:0".parse().unwrap());
    /// # drop(b);
    /// ```
    pub fn bind(mut self, addr: SocketAddr) -> Builder {
        self.bind = addr;
        self
    }

    /// Starts serving on this thread's loop. It serves until
    /// [`Server::stop`], or until its last handle is dropped (as a
    /// [`ServerThread`] does); until then `tame::run()` does not return.
    ///
    /// # Errors
    ///
    /// If the socket cannot be bound or waited on.
    ///
    /// # Examples
    ///
    /// ```
    /// let srv = tame::dns::server::Builder::new().start().unwrap();
    /// assert!(srv.local_addr().ip().is_loopback());
    /// srv.stop();
    /// tame::run();
    /// ```
    pub fn start(self) -> io::Result<Server> {
        let shared = self.start_with(None)?;
        Ok(Server {
            handle: Rc::new(Handle { shared }),
        })
    }

    /// Starts serving on this thread's loop; with `stop_pipe`, it also stops
    /// when the other end of that pipe closes.
    /// Starts the serving task; what it shares with the handles.
    fn start_with(self, stop_pipe: Option<Fd>) -> io::Result<Rc<Shared>> {
        let sock = net::UdpSocket::bind(self.bind)?;
        // A burst of thousands of queries (a parallel multidns) overflows
        // the default receive buffer (about 200 datagrams) while this
        // thread is not scheduled; a lost query costs the client a whole
        // retransmission interval. The kernel caps the size at rmem_max.
        let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&sock, 4 << 20);
        let local = sock.local_addr()?;
        let sock = UdpSocket::from_std(sock)?;
        let decoy_sock = match self.misbehavior {
            Some(Misbehavior::WrongSource { .. }) => Some(UdpSocket::bind((local.ip(), 0))?),
            _ => None,
        };
        let shared = Rc::new(Shared {
            addr: local,
            queries: Arc::new(AtomicUsize::new(0)),
            stop: Cell::new(None),
        });
        let serving = Serving {
            sock,
            decoy_sock,
            answers: Answers {
                table: self.table,
                misbehavior: self.misbehavior,
            },
            delay: self.delay,
        };
        serve(serving, shared.clone(), stop_pipe);
        Ok(shared)
    }

    /// Starts serving on a new thread with a loop of its own. Stops when
    /// the returned handle is stopped or dropped.
    ///
    /// # Errors
    ///
    /// If the socket cannot be bound, or the thread cannot be made.
    ///
    /// # Examples
    ///
    /// ```
    /// let srv = tame::dns::server::Builder::new().spawn().unwrap();
    /// let addr = srv.local_addr();
    /// srv.stop();
    /// # let _ = addr;
    /// ```
    pub fn spawn(self) -> io::Result<ServerThread> {
        // The server's loop waits for this pipe to hang up: dropping the
        // write end, which the handle keeps, stops it.
        let (stop_reader, stop_writer) = std::io::pipe()?;
        let (tx, rx) = mpsc::channel();
        let join = thread::Builder::new()
            .name("tame-dns-server".into())
            .spawn(move || {
                let started = Fd::new(stop_reader).and_then(|pipe| self.start_with(Some(pipe)));
                match started {
                    // No `Server` handle here, whose drop would stop it:
                    // the pipe does.
                    Ok(shared) => {
                        let _ = tx.send(Ok((shared.addr, shared.queries.clone())));
                        drop(shared);
                        crate::run();
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            })?;
        let (addr, queries) = rx
            .recv()
            .map_err(|_| io::Error::other("dns server thread died while starting"))??;
        Ok(ServerThread {
            addr,
            queries,
            stop: Some(stop_writer),
            join: Some(join),
        })
    }
}

/// What the handle and the serving task share.
struct Shared {
    addr: SocketAddr,
    queries: Arc<AtomicUsize>,
    /// Triggered by [`Server::stop`]: an event of the serving task's
    /// rendezvous.
    stop: Cell<Option<Event>>,
}

/// A DNS server running on this thread's loop; see the [module
/// docs](self). Clones are handles to the same server; dropping the last
/// stops it, as [`stop`](Server::stop) does (the serving task holds the
/// server's state, not a handle: nothing could stop it once they were all
/// gone).
///
/// # Examples
///
/// ```
/// let srv = tame::dns::server::Server::builder().start().unwrap();
/// println!("listening on {}", srv.local_addr());
/// srv.stop();
/// tame::run();
/// ```
#[derive(Clone)]
#[must_use = "dropping the server's last handle stops it"]
pub struct Server {
    handle: Rc<Handle>,
}

/// What a [`Server`]'s handles share: the server's state, stopped when
/// the last handle goes.
struct Handle {
    shared: Rc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        stop(&self.shared);
    }
}

/// Wakes the serving task on its stop event, on this loop.
fn stop(shared: &Shared) {
    if let Some(stop) = shared.stop.take() {
        stop.trigger(());
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.handle.shared.addr)
            .finish()
    }
}

impl Server {
    /// Same as [`Builder::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// let b = tame::dns::server::Server::builder();
    /// # drop(b);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The address it listens on.
    ///
    /// # Examples
    ///
    /// ```
    /// let srv = tame::dns::server::Server::builder().start().unwrap();
    /// assert_ne!(srv.local_addr().port(), 0);
    /// srv.stop();
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.handle.shared.addr
    }

    /// How many datagrams it received so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let srv = tame::dns::server::Server::builder().start().unwrap();
    /// assert_eq!(srv.queries(), 0);
    /// srv.stop();
    /// ```
    pub fn queries(&self) -> usize {
        self.handle.shared.queries.load(Ordering::Relaxed)
    }

    /// Stops serving: closes the socket and drops the replies still
    /// waiting for their delay. Stopping twice is harmless.
    ///
    /// # Examples
    ///
    /// ```
    /// let srv = tame::dns::server::Server::builder().start().unwrap();
    /// srv.stop();
    /// tame::run(); // returns: nothing left to do
    /// ```
    pub fn stop(&self) {
        stop(&self.handle.shared);
    }
}

/// A DNS server running on a thread of its own ([`Builder::spawn`]).
/// Dropping it stops the server and joins the thread.
///
/// # Examples
///
/// ```
/// let srv = tame::dns::server::Server::builder().spawn().unwrap();
/// assert!(srv.local_addr().ip().is_loopback());
/// drop(srv); // stops it
/// ```
#[derive(Debug)]
pub struct ServerThread {
    addr: SocketAddr,
    queries: Arc<AtomicUsize>,
    /// The write end of the pipe the server's loop waits on.
    stop: Option<std::io::PipeWriter>,
    join: Option<thread::JoinHandle<()>>,
}

impl ServerThread {
    /// The address it listens on.
    ///
    /// # Examples
    ///
    /// ```
    /// let srv = tame::dns::server::Server::builder().spawn().unwrap();
    /// assert_ne!(srv.local_addr().port(), 0);
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many datagrams it received so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let srv = tame::dns::server::Server::builder().spawn().unwrap();
    /// assert_eq!(srv.queries(), 0);
    /// ```
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }

    /// Stops the server and waits for its thread to end.
    ///
    /// # Examples
    ///
    /// ```
    /// tame::dns::server::Server::builder().spawn().unwrap().stop();
    /// ```
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(join) = self.join.take() else {
            return;
        };
        // The server's loop sees the pipe hang up and stops serving.
        drop(self.stop.take());
        let _ = join.join();
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[derive(Debug, Clone, Copy)]
enum Wake {
    /// A query (or a receive error) arrived.
    Query,
    /// The delay of the replies under this key ran out.
    Send(u64),
    /// Stopped: [`Server::stop`], or the stop pipe hung up.
    Stop,
}

/// A datagram to send once the delay ran out.
struct Outgoing {
    bytes: Vec<u8>,
    to: SocketAddr,
    from_decoy: bool,
}

/// What the serving task owns.
struct Serving {
    sock: UdpSocket,
    decoy_sock: Option<UdpSocket>,
    answers: Answers,
    delay: Duration,
}

/// A receive's outcome, as `UdpSocket::recv_from` delivers it.
type Received = (Vec<u8>, io::Result<(usize, SocketAddr)>);

/// The biggest query read (anything longer is cut, and then malformed).
const MAX_QUERY: usize = 1500;

/// The receive errors in a row, no query between them, after which the
/// server stops (see `serve`).
const MAX_ERRORS_IN_A_ROW: u32 = 64;

fn unreceived() -> Received {
    (Vec::new(), Err(io::ErrorKind::WouldBlock.into()))
}

/// The server: receive a query, answer it now or after the delay, again,
/// until stopped.
#[tamed]
fn serve(s: Serving, shared: Rc<Shared>, stop_pipe: Option<Fd>) {
    tvars! {
        let r = Rendezvous::<Wake>::new();
        let mut got: Received = unreceived();
        let mut hung_up: io::Result<()> = Ok(());
        let mut pending: HashMap<u64, Vec<Outgoing>> = HashMap::new();
        let mut next_key: u64 = 0;
        let mut errors_in_a_row: u32 = 0;
    }
    shared.stop.set(Some(mkevent!(r, Wake::Stop)));
    if let Some(pipe) = &stop_pipe {
        pipe.hung_up(mkevent!(r, Wake::Stop, hung_up));
    }
    s.sock
        .recv_from(Vec::with_capacity(MAX_QUERY), mkevent!(r, Wake::Query, got));
    loop {
        match twait!(r) {
            Some(Wake::Query) => {
                let (mut buf, res) = std::mem::replace(&mut got, unreceived());
                match res {
                    Ok((n, from)) => {
                        errors_in_a_row = 0;
                        shared.queries.fetch_add(1, Ordering::Relaxed);
                        let out = s.answers.replies(&buf[..n], from);
                        if s.delay.is_zero() {
                            s.send(&out);
                        } else if !out.is_empty() && pending.len() < MAX_DELAYED {
                            pending.insert(next_key, out);
                            crate::timer(s.delay, mkevent!(r, Wake::Send(next_key)));
                            next_key += 1;
                        }
                    }
                    // No datagram came: the receive was dropped (this
                    // thread's loop is going away). Nothing left to serve.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    // An ICMP error for an earlier reply (refused,
                    // unreachable) or a passing shortage (ENOMEM,
                    // ENOBUFS): not a query. The kernel reports each once;
                    // the server goes on serving, unless errors come with
                    // no query between them for long (a receive that fails
                    // at once each time would spin): it stops then.
                    Err(_) => {
                        errors_in_a_row += 1;
                        if errors_in_a_row > MAX_ERRORS_IN_A_ROW {
                            break;
                        }
                    }
                }
                buf.clear();
                s.sock.recv_from(buf, mkevent!(r, Wake::Query, got));
            }
            Some(Wake::Send(key)) => {
                if let Some(out) = pending.remove(&key) {
                    s.send(&out);
                }
            }
            Some(Wake::Stop) | None => break,
        }
    }
    // Replies still waiting for their delay are dropped with their timers;
    // closing the sockets cancels the receive.
    r.cancel();
    s.close();
    drop(stop_pipe);
    let _ = hung_up;
}

impl Serving {
    fn send(&self, out: &[Outgoing]) {
        for o in out {
            let sock = match (&self.decoy_sock, o.from_decoy) {
                (Some(d), true) => d,
                _ => &self.sock,
            };
            // A test server: a reply lost to a full buffer is like one lost
            // on the network, and the client retransmits.
            let _ = sock.try_send_to(&o.bytes, o.to);
        }
    }

    fn close(self) {
        self.sock.close();
        if let Some(d) = self.decoy_sock {
            d.close();
        }
    }
}

/// The query type ANY (`*`, RFC 1035 section 3.2.3): answered with every
/// address of the name.
const TYPE_ANY: u16 = 255;

/// The server's table and manners: what to answer.
struct Answers {
    table: HashMap<String, Entry>,
    misbehavior: Option<Misbehavior>,
}

impl Answers {
    /// The datagrams to send to `from` for `query`.
    fn replies(&self, query: &[u8], from: SocketAddr) -> Vec<Outgoing> {
        self.reply_bytes(query)
            .into_iter()
            .map(|(bytes, from_decoy)| Outgoing {
                bytes,
                to: from,
                from_decoy,
            })
            .collect()
    }

    /// The datagrams to send for `query` (and whether each goes from the
    /// decoy socket).
    fn reply_bytes(&self, query: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let Ok(q) = Message::decode(query) else {
            return Vec::new();
        };
        if q.header.response || q.questions.len() != 1 {
            return Vec::new();
        }
        let good = self.answer(&q);
        let encode = |m: &Message| fit_udp(m);
        let (decoy, then_answer) = match self.misbehavior {
            None => return encode(&good).map(|b| (b, false)).into_iter().collect(),
            Some(Misbehavior::NeverAnswer) => return Vec::new(),
            Some(m @ (Misbehavior::ServFail | Misbehavior::Rcode(_))) => {
                let rcode = match m {
                    Misbehavior::Rcode(rcode) => rcode,
                    _ => wire::RCODE_SERVFAIL,
                };
                let mut m = good;
                m.header.rcode = rcode;
                m.answers.clear();
                return encode(&m).map(|b| (b, false)).into_iter().collect();
            }
            Some(Misbehavior::Truncated) => {
                // Header and question, then the first 7 octets of an
                // answer: name (pointer to the question), type, class, and
                // a TTL cut short.
                let mut b = question_only(&good);
                if b.len() < wire::HEADER_LEN {
                    return Vec::new();
                }
                b[6..8].copy_from_slice(&1u16.to_be_bytes());
                b.extend_from_slice(&[0xC0, 0x0C, 0, 1, 0, 1, 0]);
                return vec![(b, false)];
            }
            Some(Misbehavior::Malformed) => {
                let mut b = question_only(&good);
                if b.len() < wire::HEADER_LEN {
                    return Vec::new();
                }
                b[6..8].copy_from_slice(&1u16.to_be_bytes());
                let here = b.len() as u16;
                b.extend_from_slice(&(0xC000 | here).to_be_bytes());
                b.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 66]);
                return vec![(b, false)];
            }
            Some(Misbehavior::WrongId { then_answer }) => {
                let mut d = decoy_of(&good);
                d.header.id = d.header.id.wrapping_add(1);
                ((d, false), then_answer)
            }
            Some(Misbehavior::WrongQuestion { then_answer }) => {
                let mut d = decoy_of(&good);
                d.questions[0].name = "decoy.invalid".into();
                ((d, false), then_answer)
            }
            Some(Misbehavior::WrongSource { then_answer }) => {
                ((decoy_of(&good), true), then_answer)
            }
        };
        let mut out: Vec<(Vec<u8>, bool)> =
            encode(&decoy.0).map(|b| (b, decoy.1)).into_iter().collect();
        if then_answer {
            out.extend(encode(&good).map(|b| (b, false)));
        }
        out
    }

    /// The correct reply to `q` from the table.
    fn answer(&self, q: &Message) -> Message {
        let question = q.questions[0].clone();
        let mut reply = Message {
            header: Header {
                id: q.header.id,
                response: true,
                opcode: q.header.opcode,
                authoritative: true,
                recursion_desired: q.header.recursion_desired,
                recursion_available: true,
                ..Header::default()
            },
            questions: vec![question.clone()],
            ..Message::default()
        };
        if q.header.opcode != 0 {
            reply.header.rcode = wire::RCODE_NOTIMP;
            return reply;
        }
        if question.qclass != wire::CLASS_IN {
            reply.header.rcode = wire::RCODE_REFUSED;
            return reply;
        }
        let mut owner = question.name.clone();
        let mut current = key(&question.name);
        for hop in 0..=8 {
            match self.table.get(&current) {
                None if hop == 0 => {
                    reply.header.rcode = wire::RCODE_NXDOMAIN;
                    break;
                }
                // An alias of a name the table does not have: a name that
                // exists without an address (no data), how tests make one.
                None => break,
                Some(Entry::Alias(target)) => {
                    reply
                        .answers
                        .push(record(&owner, RData::Cname(target.clone())));
                    if question.qtype == wire::TYPE_CNAME {
                        break;
                    }
                    owner = target.clone();
                    current = target.clone();
                }
                Some(Entry::Addrs(addrs)) => {
                    for a in addrs {
                        match (a, question.qtype) {
                            (IpAddr::V4(v4), wire::TYPE_A | TYPE_ANY) => {
                                reply.answers.push(record(&owner, RData::A(*v4)))
                            }
                            (IpAddr::V6(v6), wire::TYPE_AAAA | TYPE_ANY) => {
                                reply.answers.push(record(&owner, RData::Aaaa(*v6)))
                            }
                            _ => {}
                        }
                    }
                    break;
                }
            }
        }
        reply
    }
}

fn record(name: &str, data: RData) -> Record {
    let rtype = match data {
        RData::A(_) => wire::TYPE_A,
        RData::Aaaa(_) => wire::TYPE_AAAA,
        RData::Cname(_) => wire::TYPE_CNAME,
        RData::Other(_) => 0,
    };
    Record {
        name: name.to_owned(),
        rtype,
        class: wire::CLASS_IN,
        ttl: 60,
        data,
    }
}

/// A reply to the same question carrying decoy addresses.
fn decoy_of(good: &Message) -> Message {
    let q: &Question = &good.questions[0];
    let mut d = good.clone();
    d.header.rcode = wire::RCODE_NOERROR;
    d.answers = vec![match q.qtype {
        wire::TYPE_AAAA => record(&q.name, RData::Aaaa(DECOY_V6)),
        _ => record(&q.name, RData::A(DECOY_V4)),
    }];
    d
}

/// The most a reply over UDP may take, to a query without EDNS (RFC 1035
/// section 4.2.1).
const MAX_UDP_REPLY: usize = 512;

/// The encoding of `m` if it fits in [`MAX_UDP_REPLY`] octets; else `m`
/// with TC set and as many of its first answers as fit (none if the
/// question alone leaves no room), as a server sends it: the client may
/// ask again over TCP, which this one does not serve, and a resolver keeps
/// the addresses it got. Also a reply too large for any transport (more
/// than 65535 octets, which `encode` refuses) is cut so. `None` for a
/// message that does not encode for another reason.
fn fit_udp(m: &Message) -> Option<Vec<u8>> {
    let whole = match m.encode() {
        Ok(bytes) if bytes.len() <= MAX_UDP_REPLY => return Some(bytes),
        Ok(bytes) => Some(bytes),
        Err(wire::WireError::TooLarge) => None,
        Err(_) => return None,
    };
    let mut cut = m.clone();
    cut.header.truncated = true;
    let encode_first = |cut: &mut Message, n: usize| {
        cut.answers = m.answers[..n].to_vec();
        cut.encode().ok()
    };
    // The most answers that fit, by halving (a reply of thousands cut
    // one answer at a time took seconds, every other query waiting): the
    // length grows with the count.
    let (mut fits, mut too_many) = (0, m.answers.len());
    while too_many - fits > 1 {
        let mid = fits + (too_many - fits) / 2;
        match encode_first(&mut cut, mid) {
            Some(b) if b.len() <= MAX_UDP_REPLY => fits = mid,
            _ => too_many = mid,
        }
    }
    encode_first(&mut cut, fits).or(whole)
}

/// The header and question of `m`, encoded, with no records.
fn question_only(m: &Message) -> Vec<u8> {
    let bare = Message {
        header: m.header,
        questions: m.questions.clone(),
        ..Message::default()
    };
    // The question came from a decoded query, so it encodes.
    bare.encode().unwrap_or_default()
}
