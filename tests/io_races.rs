//! An io operation racing a timer on one rendezvous, as tokio's `select!`
//! races a read against a deadline, with the rendezvous dropped after the
//! winner: what the operation read (or accepted) reaches the program
//! exactly once, also when it became ready in the turn the deadline fired.
//!
//! Each race makes both ready before the loop looks: the peer writes (or
//! connects), then the function spins past the deadline before its
//! `twait!`. Which of the two the loop sees first is its business; the
//! assertions hold either way.

use std::io::{self, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::net::UnixStream;
use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

#[derive(Clone, Copy, Debug, PartialEq)]
enum B {
    Read,
    Deadline,
}

/// A tame end and a std peer.
fn pair() -> (Rc<UnixStream>, StdUnixStream) {
    let (a, b) = StdUnixStream::pair().unwrap();
    (Rc::new(UnixStream::from_std(a).unwrap()), b)
}

/// Spins (without letting the loop run) until a 1 ms timer armed just
/// before is surely due.
fn spin_past_the_deadline() {
    let t = Instant::now();
    while t.elapsed() < Duration::from_millis(3) {}
}

/// Everything left in `conn`, without waiting.
fn left_in(conn: &UnixStream) -> Vec<u8> {
    let mut buf = [0; 64];
    match conn.try_read(&mut buf) {
        Ok(n) => buf[..n].to_vec(),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Vec::new(),
        Err(e) => panic!("{e}"),
    }
}

/// One round of a read against a 1 ms deadline; in the first, `peer`
/// sends "DATA" so that the read and the deadline are ready in one turn.
/// Where the deadline won, the ids queued behind it are taken before the
/// rendezvous goes: the bytes a read delivered in that turn come out
/// there. The bytes the read delivered this round, if it did.
#[tamed]
fn read_or_deadline_drained(conn: Rc<UnixStream>, peer: Option<StdUnixStream>) -> Vec<u8> {
    let r = Rendezvous::<B>::new();
    let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    tame::timer(Duration::from_millis(1), mkevent!(r, B::Deadline));
    conn.read(Vec::with_capacity(64), mkevent!(r, B::Read, got));
    if let Some(mut peer) = peer {
        peer.write_all(b"DATA").unwrap();
        spin_past_the_deadline();
    }
    let mut read = twait!(r) == Some(B::Read);
    while r.queued() > 0 {
        if twait!(r) == Some(B::Read) {
            read = true;
        }
    }
    if read {
        let (buf, n) = got;
        buf[..n.unwrap()].to_vec()
    } else {
        Vec::new()
    }
}

#[test]
fn a_read_ready_in_the_turn_its_deadline_won_is_taken_by_draining_the_rendezvous() {
    on_fresh_loop(|| {
        for _ in 0..20 {
            let (conn, peer) = pair();
            let mut all = tame::run_with(|done| {
                read_or_deadline_drained(conn.clone(), Some(peer.try_clone().unwrap()), done)
            })
            .unwrap();
            // A round with nothing to send: a read that waited takes the
            // bytes now.
            all.extend(
                tame::run_with(|done| read_or_deadline_drained(conn.clone(), None, done)).unwrap(),
            );
            all.extend(left_in(&conn));
            assert_eq!(all, b"DATA", "delivered exactly once");
        }
    });
}

/// [`read_or_deadline_drained`] without the drain: the rendezvous goes
/// with whatever is queued behind the winner. The bytes the read
/// delivered this round, if it won.
#[tamed]
fn read_or_deadline(conn: Rc<UnixStream>, peer: Option<StdUnixStream>) -> Vec<u8> {
    let r = Rendezvous::<B>::new();
    let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    tame::timer(Duration::from_millis(1), mkevent!(r, B::Deadline));
    conn.read(Vec::with_capacity(64), mkevent!(r, B::Read, got));
    if let Some(mut peer) = peer {
        peer.write_all(b"DATA").unwrap();
        spin_past_the_deadline();
    }
    if twait!(r) == Some(B::Read) {
        let (buf, n) = got;
        buf[..n.unwrap()].to_vec()
    } else {
        Vec::new()
    }
    // `r` goes here, as tokio's `select!` drops its losing read.
}

#[test]
fn a_read_ready_in_the_turn_its_deadline_won_leaves_the_bytes_in_the_socket() {
    on_fresh_loop(|| {
        for _ in 0..20 {
            let (conn, peer) = pair();
            let won = tame::run_with(|done| {
                read_or_deadline(conn.clone(), Some(peer.try_clone().unwrap()), done)
            })
            .unwrap();
            assert!(tame::blocked().is_empty());
            assert_eq!(tame::__live_waits(), 0, "the held read went with `r`");
            let mut all = won.clone();
            all.extend(left_in(&conn));
            assert_eq!(all, b"DATA", "won {won:?}: delivered or left, once");
        }
    });
}

#[test]
fn a_read_left_in_the_socket_by_a_lost_race_is_read_by_the_next_round() {
    on_fresh_loop(|| {
        let (conn, peer) = pair();
        let mut all =
            tame::run_with(|done| read_or_deadline(conn.clone(), Some(peer), done)).unwrap();
        all.extend(tame::run_with(|done| read_or_deadline(conn.clone(), None, done)).unwrap());
        assert_eq!(all, b"DATA");
        assert!(left_in(&conn).is_empty());
    });
}

/// Takes the deadline's id, then keeps the rendezvous while it waits
/// `idle` for something else, then waits on it again: the read held
/// meanwhile goes on then, and its bytes come out. The ids in order, and
/// the bytes.
#[tamed]
fn winner_then_idle_then_again(
    conn: Rc<UnixStream>,
    mut peer: StdUnixStream,
    idle: Duration,
) -> (Vec<B>, Vec<u8>) {
    let r = Rendezvous::<B>::new();
    let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    let mut ids = Vec::new();
    tame::timer(Duration::from_millis(1), mkevent!(r, B::Deadline));
    conn.read(Vec::with_capacity(64), mkevent!(r, B::Read, got));
    peer.write_all(b"DATA").unwrap();
    spin_past_the_deadline();
    ids.extend(twait!(r));
    twait! { tame::timer(idle, mkevent!()); }
    while ids.len() < 2 {
        match twait!(r) {
            Some(id) => ids.push(id),
            None => break,
        }
    }
    let (buf, n) = got;
    (ids, buf[..n.unwrap_or(0)].to_vec())
}

#[test]
fn a_held_read_waits_without_turning_the_loop_and_goes_on_when_its_rendezvous_is_waited_on() {
    on_fresh_loop(|| {
        let (conn, peer) = pair();
        let r = Rendezvous::<()>::new();
        let (ev, out) = r.event_with_slot(());
        winner_then_idle_then_again(conn.clone(), peer, Duration::from_millis(50), ev);
        let mut turns = 0;
        while tame::run_once(Some(Duration::from_secs(5))) {
            turns += 1;
        }
        let (ids, bytes) = out.take().unwrap();
        assert_eq!(bytes, b"DATA");
        assert!(ids.len() == 2 && ids.contains(&B::Read), "{ids:?}");
        // A held read parked for its release, not re-armed at every turn:
        // the 50 ms pass in a handful of turns.
        assert!(turns < 20, "{turns} turns");
    });
}

/// Reads from each of `conns` once, on one rendezvous, taking the ids as
/// they come: every socket's bytes, by index.
#[tamed]
fn gather(conns: Vec<Rc<UnixStream>>, peers: Vec<StdUnixStream>) -> Vec<Vec<u8>> {
    let r = Rendezvous::<usize>::new();
    let mut got: Vec<(Vec<u8>, io::Result<usize>)> =
        (0..conns.len()).map(|_| (Vec::new(), Ok(0))).collect();
    for (i, conn) in conns.iter().enumerate() {
        conn.read(Vec::with_capacity(64), mkevent!(r, i, got[i]));
    }
    // A timer on the same rendezvous that comes first: the reads all
    // become ready behind its id.
    tame::timer(Duration::from_millis(1), mkevent!(r, usize::MAX));
    for (i, mut peer) in peers.into_iter().enumerate() {
        peer.write_all(format!("from {i}").as_bytes()).unwrap();
    }
    spin_past_the_deadline();
    let mut out = vec![Vec::new(); conns.len()];
    while let Some(i) = twait!(r) {
        if i < out.len() {
            let (buf, n) = std::mem::replace(&mut got[i], (Vec::new(), Ok(0)));
            out[i] = buf[..n.unwrap()].to_vec();
        }
    }
    out
}

#[test]
fn a_rendezvous_gathering_reads_from_several_sockets_gets_them_all() {
    on_fresh_loop(|| {
        let (conns, peers): (Vec<_>, Vec<_>) = (0..5).map(|_| pair()).unzip();
        let got = tame::run_with(|done| gather(conns, peers, done)).unwrap();
        let want: Vec<Vec<u8>> = (0..5).map(|i| format!("from {i}").into_bytes()).collect();
        assert_eq!(got, want);
    });
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum A {
    Accept,
    Housekeeping,
}

/// Each round, an accept or a 1 ms housekeeping timer on a fresh
/// rendezvous, dropped after the winner; in the first, a client connects
/// and the function spins past the timer before it waits. The rounds in
/// which a connection was accepted.
#[tamed]
fn accepts_or_housekeeping(l: tame::net::TcpListener) -> Vec<u32> {
    let mut accepted = Vec::new();
    let mut clients = Vec::new();
    for round in 0..3 {
        let r = Rendezvous::<A>::new();
        let mut acc: io::Result<(tame::net::TcpStream, std::net::SocketAddr)> =
            Err(io::ErrorKind::NotConnected.into());
        tame::timer(Duration::from_millis(1), mkevent!(r, A::Housekeeping));
        l.accept(mkevent!(r, A::Accept, acc));
        if round == 0 {
            clients.push(std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap());
            spin_past_the_deadline();
        }
        if twait!(r) == Some(A::Accept) {
            acc.unwrap();
            accepted.push(round);
        }
    }
    accepted
}

#[test]
fn a_connection_ready_in_the_turn_housekeeping_won_is_accepted_in_the_next_round() {
    on_fresh_loop(|| {
        for _ in 0..10 {
            let l = tame::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let accepted = tame::run_with(|done| accepts_or_housekeeping(l, done)).unwrap();
            assert!(accepted == [0] || accepted == [1], "{accepted:?}");
        }
    });
}

/// Each round, a datagram or a 1 ms deadline on a fresh rendezvous,
/// dropped after the winner; in the first, `from` sends one and the
/// function spins past the deadline before it waits. The datagrams
/// received, with their rounds.
#[tamed]
fn datagrams_or_deadlines(
    sock: tame::net::UdpSocket,
    from: std::net::UdpSocket,
) -> Vec<(u32, Vec<u8>)> {
    let mut seen = Vec::new();
    for round in 0..3 {
        let r = Rendezvous::<B>::new();
        let mut got: (Vec<u8>, io::Result<(usize, std::net::SocketAddr)>) =
            (Vec::new(), Err(io::ErrorKind::NotConnected.into()));
        tame::timer(Duration::from_millis(1), mkevent!(r, B::Deadline));
        sock.recv_from(Vec::with_capacity(64), mkevent!(r, B::Read, got));
        if round == 0 {
            from.send_to(b"DGRAM", sock.local_addr().unwrap()).unwrap();
            spin_past_the_deadline();
        }
        if twait!(r) == Some(B::Read) {
            let (buf, n) =
                std::mem::replace(&mut got, (Vec::new(), Ok((0, sock.local_addr().unwrap()))));
            seen.push((round, buf[..n.unwrap().0].to_vec()));
        }
    }
    seen
}

#[test]
fn a_datagram_ready_in_the_turn_its_deadline_won_is_received_in_the_next_round() {
    on_fresh_loop(|| {
        for _ in 0..10 {
            let sock = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let from = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let seen = tame::run_with(|done| datagrams_or_deadlines(sock, from, done)).unwrap();
            assert_eq!(seen.len(), 1, "{seen:?}");
            assert!(seen[0].0 <= 1, "{seen:?}");
            assert_eq!(seen[0].1, b"DGRAM");
        }
    });
}

/// [`read_or_deadline`] with the read's own timeout around its event (a
/// long one: the round's deadline comes first): the hold sees through it.
#[tamed]
fn timed_read_or_deadline(conn: Rc<UnixStream>, peer: Option<StdUnixStream>) -> Vec<u8> {
    let r = Rendezvous::<B>::new();
    let mut got: Result<(Vec<u8>, io::Result<usize>), tame::Timeout> = Err(tame::Timeout);
    tame::timer(Duration::from_millis(1), mkevent!(r, B::Deadline));
    conn.read(
        Vec::with_capacity(64),
        tame::add_timeout(Duration::from_secs(30), mkevent!(r, B::Read, got)),
    );
    if let Some(mut peer) = peer {
        peer.write_all(b"DATA").unwrap();
        spin_past_the_deadline();
    }
    if twait!(r) == Some(B::Read) {
        let (buf, n) = got.unwrap();
        buf[..n.unwrap()].to_vec()
    } else {
        Vec::new()
    }
}

#[test]
fn a_read_under_its_own_timeout_that_loses_a_race_leaves_the_bytes_in_the_socket() {
    on_fresh_loop(|| {
        for _ in 0..10 {
            let (conn, peer) = pair();
            let won = tame::run_with(|done| {
                timed_read_or_deadline(conn.clone(), Some(peer.try_clone().unwrap()), done)
            })
            .unwrap();
            let mut all = won.clone();
            all.extend(left_in(&conn));
            assert_eq!(all, b"DATA", "won {won:?}: delivered or left, once");
            assert_eq!(tame::__timer_entries(), 0, "the read's timer went with it");
        }
    });
}
