//! The resolver's retry over TCP of a truncated reply (TC set), against
//! fake nameservers on the test's own loop: a UDP socket that answers with
//! TC set, and on the same port a TCP listener that resets the connection,
//! a socket that refuses it, a listener that accepts and never answers, or
//! one that answers in pieces. The fallbacks when the retry fails, and that
//! cancelling a lookup whose TCP exchange is under way closes its
//! connection and releases its fds. (tests/dns_dnsmasq.rs has the retry
//! against a real server.)
//!
//! The tests count the process's fds: they take turns.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::sync::Mutex;
use std::time::Duration;

use tame::dns::wire::{self, Message, RData, Record};
use tame::dns::{Error, LookupResult, Resolver};
use tame::net::{TcpListener, TcpStream, UdpSocket};
use tame::sync::Latch;
use tame::{mkevent, tamed, tvars, twait, Event};

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::FullFdTable;
#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

type Received = (Vec<u8>, io::Result<(usize, SocketAddr)>);

/// Which replies a fake nameserver sends with TC set.
#[derive(Clone, Copy, PartialEq)]
enum Tc {
    /// None (a long list of addresses makes a datagram too long).
    Clear,
    /// The A reply's.
    A,
    /// The A and AAAA replies'.
    Both,
    /// The A reply's, cut inside its last record (its answer count says
    /// more than the datagram holds), as a truncated message may be.
    ACut,
}

/// Answers the first `queries` queries on `sock` with their question and
/// `v4` as the A answers (none for AAAA), TC set as `tc` says; then
/// returns, closing `sock`.
#[tamed]
fn truncating(sock: UdpSocket, v4: Vec<Ipv4Addr>, tc: Tc, queries: usize) {
    tvars! {
        let mut answered = 0usize;
        let mut got: Received = (Vec::new(), Err(io::ErrorKind::WouldBlock.into()));
    }
    while answered < queries {
        twait! { sock.recv_from(Vec::with_capacity(512), mkevent!(got)); }
        answered += 1;
        if let Some((reply, to)) = truncated_reply(&got, &v4, tc) {
            let _ = sock.try_send_to(&reply, to);
        }
    }
}

fn truncated_reply(got: &Received, v4: &[Ipv4Addr], tc: Tc) -> Option<(Vec<u8>, SocketAddr)> {
    let (buf, Ok((n, from))) = got else {
        return None;
    };
    let mut m = Message::decode(&buf[..*n]).ok()?;
    let q = m.questions.first()?.clone();
    m.header.response = true;
    m.header.truncated = match tc {
        Tc::Clear => false,
        Tc::A | Tc::ACut => q.qtype == wire::TYPE_A,
        Tc::Both => true,
    };
    if q.qtype == wire::TYPE_A {
        m.answers = v4
            .iter()
            .map(|a| Record {
                name: q.name.clone(),
                rtype: wire::TYPE_A,
                class: wire::CLASS_IN,
                ttl: 60,
                data: RData::A(*a),
            })
            .collect();
    }
    let mut reply = m.encode().ok()?;
    if tc == Tc::ACut && q.qtype == wire::TYPE_A {
        reply.truncate(reply.len() - 2);
    }
    Some((reply, *from))
}

/// A UDP socket on a free loopback port, and `tcp(port)` on the same port
/// (a few ports are tried, in case another process has that TCP port).
fn same_port<T>(tcp: impl Fn(SocketAddr) -> io::Result<T>) -> (UdpSocket, T) {
    for _ in 0..10 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        if let Ok(t) = tcp(udp.local_addr().unwrap()) {
            return (udp, t);
        }
    }
    panic!("no loopback port free for both UDP and TCP");
}

/// A TCP socket bound to `addr` but not listening: connections to it are
/// refused, and nobody else can listen there meanwhile.
fn refusing(addr: SocketAddr) -> io::Result<OwnedFd> {
    use rustix::net::{bind, socket, AddressFamily, SocketType};
    let fd = socket(AddressFamily::INET, SocketType::STREAM, None)?;
    bind(&fd, &addr)?;
    Ok(fd)
}

/// Looks `name` up with `resolver`, runs the loop, and returns the result;
/// `then` runs when the result comes.
fn lookup_then(resolver: &Resolver, name: &str, then: impl FnOnce() + 'static) -> LookupResult {
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    resolver.lookup_ip(
        name,
        Event::from_fn(move |res: Option<LookupResult>| {
            *o.borrow_mut() = res;
            then();
        }),
    );
    tame::run();
    let res = out.take();
    res.expect("the lookup delivered")
}

/// Accepts one connection on `listener` (shared, so the test can close it)
/// and hands it to `f`; nothing if the listener closes first.
fn accept_one(listener: &Rc<RefCell<Option<TcpListener>>>, f: impl FnOnce(TcpStream) + 'static) {
    let l = listener.borrow();
    l.as_ref().unwrap().accept(Event::from_fn(
        move |r: Option<io::Result<(TcpStream, SocketAddr)>>| {
            if let Some(Ok((conn, _))) = r {
                f(conn);
            }
        },
    ));
}

fn close(listener: &Rc<RefCell<Option<TcpListener>>>) {
    if let Some(l) = listener.borrow_mut().take() {
        l.close();
    }
}

#[test]
fn a_truncated_reply_whose_tcp_retry_is_reset_gives_the_addresses_it_had() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (udp, listener) = same_port(TcpListener::bind);
        let ns = udp.local_addr().unwrap();
        let listener = Rc::new(RefCell::new(Some(listener)));
        let cut = vec![Ipv4Addr::new(10, 9, 0, 1), Ipv4Addr::new(10, 9, 0, 2)];
        truncating(udp, cut.clone(), Tc::A, 2);
        let accepted = Rc::new(Cell::new(0));
        let a = accepted.clone();
        accept_one(&listener, move |conn| {
            a.set(a.get() + 1);
            // A reset, not a clean end.
            conn.set_linger(Some(Duration::ZERO)).unwrap();
            conn.close();
        });
        let l = listener.clone();
        let res = lookup_then(&Resolver::new(vec![ns]), "many.test", move || close(&l));
        assert_eq!(
            accepted.get(),
            1,
            "the truncated reply was asked again over TCP"
        );
        let want: Vec<_> = cut.into_iter().map(std::net::IpAddr::V4).collect();
        assert_eq!(res.unwrap(), want);
    });
}

#[test]
fn a_truncated_reply_with_no_address_whose_tcp_retry_is_refused_fails_the_nameserver() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (udp, _refusing) = same_port(refusing);
        let ns = udp.local_addr().unwrap();
        truncating(udp, Vec::new(), Tc::Both, 2);
        let res = lookup_then(&Resolver::new(vec![ns]), "many.test", || {});
        // The nameserver, unreachable over TCP, with the cause (the reply
        // itself was fine: it said to ask over TCP).
        match res {
            Err(e @ Error::Unreachable { .. }) => assert_eq!(
                e.to_string(),
                format!("many.test: nameserver {ns} unreachable: {}", refused_text())
            ),
            other => panic!("expected Unreachable, got {other:?}"),
        }
    });
}

/// A nameserver that answers with TC set and no address, and accepts the
/// retry's connection and holds it, unanswered: its address, its listener
/// (to close once the lookup delivered) and the connections it holds.
type Stalling = (
    SocketAddr,
    Rc<RefCell<Option<TcpListener>>>,
    Rc<RefCell<Vec<TcpStream>>>,
);

/// How the OS words a refused connection.
fn refused_text() -> String {
    std::io::Error::from_raw_os_error(111).to_string()
}

fn stalling_nameserver() -> Stalling {
    let (udp, listener) = same_port(TcpListener::bind);
    let ns = udp.local_addr().unwrap();
    let listener = Rc::new(RefCell::new(Some(listener)));
    truncating(udp, Vec::new(), Tc::Both, 2);
    let held = Rc::new(RefCell::new(Vec::new()));
    let h = held.clone();
    accept_one(&listener, move |conn| h.borrow_mut().push(conn));
    (ns, listener, held)
}

#[test]
fn a_truncated_reply_with_no_address_whose_tcp_retry_never_answers_times_out() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (ns, listener, held) = stalling_nameserver();
        let l = listener.clone();
        let resolver = Resolver::new(vec![ns]).timeout(Duration::from_millis(300));
        let res = lookup_then(&resolver, "many.test", move || close(&l));
        assert_eq!(held.borrow().len(), 1, "the retry over TCP was made");
        match res {
            Err(e @ Error::Timeout { .. }) => assert_eq!(
                e.to_string(),
                "many.test: no matching reply from any nameserver before the deadline"
            ),
            other => panic!("expected Timeout, got {other:?}"),
        }
    });
}

#[test]
fn a_tcp_retry_that_never_answers_gives_way_to_the_next_nameserver_at_the_retransmission() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (stalling, listener, held) = stalling_nameserver();
        let good = tame::dns::server::Server::builder()
            .host("many.test", "10.9.9.9".parse().unwrap())
            .start()
            .unwrap();
        let resolver = Resolver::new(vec![stalling, good.local_addr()]);
        let l = listener.clone();
        let res = lookup_then(&resolver, "many.test", move || {
            close(&l);
            good.stop();
        });
        assert_eq!(held.borrow().len(), 1, "the retry over TCP was made");
        assert_eq!(
            res.unwrap(),
            ["10.9.9.9".parse::<std::net::IpAddr>().unwrap()]
        );
    });
}

#[test]
fn cancelling_a_lookup_during_its_tcp_exchange_closes_the_connection() {
    let _turn = serial();
    on_fresh_loop(|| {
        // The loop's own epoll fd is made at the first wait on an fd.
        let warm = UdpSocket::bind("127.0.0.1:0").unwrap();
        warm.readable(Event::from_fn(|_| {}));
        warm.close();
        tame::run();
        let before = open_fds();
        let (udp, listener) = same_port(TcpListener::bind);
        let ns = udp.local_addr().unwrap();
        let listener = Rc::new(RefCell::new(Some(listener)));
        truncating(udp, vec![Ipv4Addr::new(10, 9, 0, 1)], Tc::A, 2);

        let delivered = Rc::new(Cell::new(None));
        let d = delivered.clone();
        let l = listener.clone();
        let (ev, cancel) = tame::cancellable(Event::from_fn(move |res: Option<LookupResult>| {
            d.set(Some(res.is_some()));
            close(&l);
        }));
        Resolver::new(vec![ns]).lookup_ip("many.test", ev);

        // The nameserver accepts the retry's connection and never answers:
        // the lookup is cancelled there, and the connection must close.
        let hung_up = Rc::new(Cell::new(false));
        let h = hung_up.clone();
        let l = listener.clone();
        accept_one(&listener, move |conn| {
            close(&l);
            cancel.cancel();
            let conn = Rc::new(conn);
            let keep = conn.clone();
            conn.hung_up(Event::from_fn(move |r: Option<io::Result<()>>| {
                h.set(r.is_some_and(|r| r.is_ok()));
                drop(keep);
            }));
        });
        tame::run();
        assert_eq!(delivered.get(), Some(false), "cancelled: nothing delivered");
        assert!(hung_up.get(), "the lookup's TCP connection was closed");
        assert_eq!(open_fds(), before, "every fd released");
    });
}

#[test]
fn a_truncated_reply_with_no_address_and_no_tcp_goes_on_to_the_next_nameserver() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (udp, _refusing) = same_port(refusing);
        let first = udp.local_addr().unwrap();
        truncating(udp, Vec::new(), Tc::Both, 2);
        let second = tame::dns::server::Server::builder()
            .host("many.test", "10.9.0.7".parse().unwrap())
            .start()
            .unwrap();
        let r = Resolver::new(vec![first, second.local_addr()]);
        let stop = second.clone();
        let res = lookup_then(&r, "many.test", move || stop.stop());
        assert_eq!(
            res.unwrap(),
            ["10.9.0.7".parse::<std::net::IpAddr>().unwrap()]
        );
    });
}

/// Accepts one connection on `listener` (unless it is closed first), reads
/// one framed query, waits for `gate` if given, and answers it with `v4`
/// as the A answers, TC clear, written in two pieces: the first octet of
/// the length, then the rest.
#[tamed]
fn answering(
    listener: Rc<RefCell<Option<TcpListener>>>,
    v4: Vec<Ipv4Addr>,
    gate: Option<Rc<Latch>>,
) {
    tvars! {
        let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into());
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut wrote: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
        let mut query: Vec<u8> = Vec::with_capacity(600);
        let mut framed: Vec<u8> = Vec::new();
    }
    twait! { listener.borrow().as_ref().unwrap().accept(mkevent!(accepted)); }
    close(&listener);
    let Ok((conn, _)) = std::mem::replace(&mut accepted, Err(io::ErrorKind::NotConnected.into()))
    else {
        return;
    };
    while query.len() < 2 || query.len() < 2 + usize::from(u16::from_be_bytes([query[0], query[1]]))
    {
        twait! { conn.read(std::mem::take(&mut query), mkevent!(got)); }
        query = std::mem::take(&mut got.0);
        if !matches!(got.1, Ok(n) if n > 0) {
            return;
        }
    }
    let got_query: Received = (
        query[2..].to_vec(),
        Ok((query.len() - 2, conn.peer_addr().unwrap())),
    );
    if let Some(gate) = gate.clone() {
        twait! { gate.wait(mkevent!()).unwrap(); }
    }
    let (reply, _) = truncated_reply(&got_query, &v4, Tc::Clear).unwrap();
    framed.extend_from_slice(&(reply.len() as u16).to_be_bytes());
    framed.extend_from_slice(&reply);
    twait! { conn.write_all(framed[..1].to_vec(), mkevent!(wrote)); }
    assert!(wrote.1.is_ok(), "write: {:?}", wrote.1);
    twait! { conn.write_all(framed[1..].to_vec(), mkevent!(wrote)); }
    assert!(wrote.1.is_ok(), "write: {:?}", wrote.1);
}

/// Looks up `many.test` at a nameserver whose UDP reply has the first
/// `over_udp` of `all`, TC set as `tc` says, and whose TCP reply (written
/// in pieces) has them all; asserts that the answer is all of them.
fn all_asked_again_over_tcp(all: Vec<Ipv4Addr>, over_udp: usize, tc: Tc) {
    let (udp, listener) = same_port(TcpListener::bind);
    let ns = udp.local_addr().unwrap();
    let listener = Rc::new(RefCell::new(Some(listener)));
    truncating(udp, all[..over_udp].to_vec(), tc, 2);
    answering(listener.clone(), all.clone(), None);
    let l = listener.clone();
    let res = lookup_then(&Resolver::new(vec![ns]), "many.test", move || close(&l));
    let want: Vec<_> = all.into_iter().map(std::net::IpAddr::V4).collect();
    assert_eq!(res.unwrap(), want);
}

#[test]
fn a_reply_over_tcp_that_comes_in_pieces_is_read_whole() {
    let _turn = serial();
    on_fresh_loop(|| {
        let all: Vec<Ipv4Addr> = (1..=60).map(|i| Ipv4Addr::new(10, 9, 1, i)).collect();
        all_asked_again_over_tcp(all, 2, Tc::A);
    });
}

/// A nameserver that sends a datagram longer than a lookup reads (4096
/// octets; a reply without EDNS should be at most 512): the lookup asks
/// again over TCP, as for a truncated reply, and gets every address.
#[test]
fn a_datagram_too_long_to_read_whole_is_asked_again_over_tcp() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (udp, listener) = same_port(TcpListener::bind);
        let ns = udp.local_addr().unwrap();
        let listener = Rc::new(RefCell::new(Some(listener)));
        // 300 A records: about 8 KiB with their names.
        let all: Vec<Ipv4Addr> = (0..300u16)
            .map(|i| Ipv4Addr::new(10, 9, (i / 250) as u8, (i % 250) as u8 + 1))
            .collect();
        truncating(udp, all.clone(), Tc::Clear, 2);
        answering(listener.clone(), all.clone(), None);
        let l = listener.clone();
        let unused = Rc::new(Cell::new(true));
        let u = unused.clone();
        let res = lookup_then(&Resolver::new(vec![ns]), "many.test", move || {
            u.set(l.borrow().is_some()); // `answering` closes it once it accepts
            close(&l);
        });
        assert!(!unused.get(), "the lookup asked again over TCP");
        let want: Vec<_> = all.into_iter().map(std::net::IpAddr::V4).collect();
        assert_eq!(res.unwrap(), want);
    });
}

/// A truncated reply is one whose sections may be cut anywhere: a
/// nameserver's A reply with TC set whose last record is cut short is
/// asked again over TCP (as glibc does: TC is all it reads of it), not
/// taken for a malformed reply.
#[test]
fn a_truncated_reply_cut_inside_a_record_is_asked_again_over_tcp() {
    let _turn = serial();
    on_fresh_loop(|| {
        let all: Vec<Ipv4Addr> = (1..=40).map(|i| Ipv4Addr::new(10, 9, 2, i)).collect();
        all_asked_again_over_tcp(all, 3, Tc::ACut);
    });
}

/// The retransmission timer gives up a TCP retry that does not answer
/// (the next nameserver is asked): the exchange ends there, its connection
/// closed, and when the next nameserver's reply comes truncated too, its
/// own retry over TCP is the one whose reply counts. (The second
/// nameserver answers only once the first one's connection is closed.)
#[test]
fn a_tcp_retry_given_up_is_closed_and_the_next_nameservers_retry_answers() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (udp1, listener1) = same_port(TcpListener::bind);
        let first = udp1.local_addr().unwrap();
        let listener1 = Rc::new(RefCell::new(Some(listener1)));
        truncating(udp1, Vec::new(), Tc::Both, 2);
        let gate = Rc::new(Latch::new().unwrap());
        let hung_up = Rc::new(Cell::new(false));
        let (g, h) = (gate.clone(), hung_up.clone());
        accept_one(&listener1, move |conn| {
            let conn = Rc::new(conn);
            let keep = conn.clone();
            conn.hung_up(Event::from_fn(move |r: Option<io::Result<()>>| {
                h.set(r.is_some_and(|r| r.is_ok()));
                g.set();
                drop(keep);
            }));
        });

        let (udp2, listener2) = same_port(TcpListener::bind);
        let second = udp2.local_addr().unwrap();
        let listener2 = Rc::new(RefCell::new(Some(listener2)));
        truncating(udp2, Vec::new(), Tc::A, 2);
        answering(
            listener2.clone(),
            vec![Ipv4Addr::new(10, 9, 3, 3)],
            Some(gate.clone()),
        );

        let resolver = Resolver::new(vec![first, second]).timeout(Duration::from_secs(2));
        let (l1, l2) = (listener1.clone(), listener2.clone());
        let res = lookup_then(&resolver, "many.test", move || {
            close(&l1);
            close(&l2);
            gate.set();
        });
        assert!(hung_up.get(), "the given-up exchange closed its connection");
        assert_eq!(
            res.unwrap(),
            ["10.9.3.3".parse::<std::net::IpAddr>().unwrap()]
        );
    });
}

/// Answers the A and AAAA queries on `sock` with `v4` as the A answers,
/// TC set as `tc` says, after taking every descriptor left (into
/// `starved`): the resolver's
/// socket and timer are made by then, its retry's TCP socket cannot be.
/// The socket stays open (in `starved` too): closed, it would free one.
#[tamed]
fn truncating_then_starving(
    sock: UdpSocket,
    v4: Vec<Ipv4Addr>,
    tc: Tc,
    starved: Rc<RefCell<Option<(FullFdTable, UdpSocket)>>>,
) {
    tvars! {
        let mut got: Received = (Vec::new(), Err(io::ErrorKind::WouldBlock.into()));
    }
    twait! { sock.recv_from(Vec::with_capacity(512), mkevent!(got)); }
    let first = truncated_reply(&got, &v4, tc);
    twait! { sock.recv_from(Vec::with_capacity(512), mkevent!(got)); }
    let second = truncated_reply(&got, &v4, tc);
    let none_left = FullFdTable::new();
    for (reply, to) in first.into_iter().chain(second) {
        let _ = sock.try_send_to(&reply, to);
    }
    *starved.borrow_mut() = Some((none_left, sock));
}

#[test]
fn a_tcp_retry_that_cannot_make_its_socket_is_the_lookups_io_error() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (udp, _refusing) = same_port(refusing);
        let ns = udp.local_addr().unwrap();
        let starved = Rc::new(RefCell::new(None));
        truncating_then_starving(udp, Vec::new(), Tc::Both, starved.clone());
        let s = starved.clone();
        let res = lookup_then(&Resolver::new(vec![ns]), "many.test", move || {
            s.borrow_mut().take();
        });
        assert!(
            starved.borrow().is_none(),
            "the descriptors were given back"
        );
        // This process's shortage, not the nameserver's: "unreachable"
        // would send the user looking at the network.
        match res {
            Err(e @ Error::Io(_)) => assert!(
                e.to_string()
                    .contains(&io::Error::from_raw_os_error(24).to_string()),
                "{e}"
            ),
            other => panic!("expected Io (out of descriptors), got {other:?}"),
        }
    });
}

/// Out of descriptors for the retry, but with addresses in hand (the
/// truncated reply's): they are the answer, as when the retry fails for
/// any other reason.
#[test]
fn a_tcp_retry_that_cannot_make_its_socket_leaves_the_addresses_in_hand() {
    let _turn = serial();
    on_fresh_loop(|| {
        let (udp, _refusing) = same_port(refusing);
        let ns = udp.local_addr().unwrap();
        let starved = Rc::new(RefCell::new(None));
        let cut = vec![Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)];
        truncating_then_starving(udp, cut.clone(), Tc::A, starved.clone());
        let s = starved.clone();
        let res = lookup_then(&Resolver::new(vec![ns]), "many.test", move || {
            s.borrow_mut().take();
        });
        let want: Vec<_> = cut.into_iter().map(std::net::IpAddr::V4).collect();
        assert_eq!(res.unwrap(), want);
    });
}
