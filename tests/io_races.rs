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
