//! `tame::net::UdpSocket`: an echo server and client written as `#[tamed]`
//! functions, a connected socket, and a request whose reply never comes
//! timing out (its receive is then cancelled and `run()` returns).

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::net::UdpSocket;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous, Timeout};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

type Datagram = (Vec<u8>, io::Result<(usize, SocketAddr)>);

fn nothing() -> Datagram {
    (Vec::new(), Err(io::ErrorKind::WouldBlock.into()))
}

/// Echoes `n` datagrams back to where they came from.
#[tamed]
fn echo_server(sock: UdpSocket, n: usize) {
    tvars! {
        let mut got: Datagram = nothing();
        let mut sent: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    }
    for _ in 0..n {
        twait! { sock.recv_from(std::mem::take(&mut got.0), mkevent!(got)); }
        let (n, from) = match &got.1 {
            Ok(x) => *x,
            Err(e) => panic!("recv_from: {e}"),
        };
        let reply = got.0[..n].to_vec();
        got.0.clear();
        twait! { sock.send_to(reply, from, mkevent!(sent)); }
        assert_eq!(sent.1.as_ref().ok(), Some(&n));
    }
    sock.close();
}

/// Sends `msg` to `server` from a connected socket and returns the reply.
#[tamed]
fn ask(server: SocketAddr, msg: Vec<u8>, done: Event<Vec<u8>>) {
    tvars! {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut sent: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    }
    sock.connect(server).unwrap();
    twait! {
        sock.send(msg, mkevent!(sent));
        sock.recv(Vec::new(), mkevent!(got));
    }
    sock.close();
    assert_eq!(sent.1.unwrap(), sent.0.len());
    let n = got.1.unwrap();
    got.0.truncate(n);
    done.trigger(got.0);
}

#[test]
fn udp_echo_between_tamed_functions() {
    on_fresh_loop(|| {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        echo_server(server, 3);
        let r = Rendezvous::<usize>::new();
        let mut slots = Vec::new();
        for i in 0..3 {
            let (ev, slot) = r.event_with_slot(i);
            ask(addr, format!("datagram {i}").into_bytes(), ev);
            slots.push(slot);
        }
        tame::run();
        for (i, slot) in slots.iter().enumerate() {
            assert_eq!(slot.take().unwrap(), format!("datagram {i}").as_bytes());
        }
        assert_eq!(tame::__live_waits(), 0);
    });
}

/// Sends a request and waits at most `patience` for a reply.
#[tamed]
fn request_with_timeout(
    server: SocketAddr,
    patience: Duration,
    done: Event<Result<Vec<u8>, Timeout>>,
) {
    tvars! {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut reply: Result<Datagram, Timeout> = Err(Timeout);
    }
    sock.try_send_to(b"anyone there?", server).unwrap();
    twait! { sock.recv_from(Vec::new(), tame::add_timeout(patience, mkevent!(reply))); }
    // The socket is not closed here: dropping it must not keep the receive
    // (whose event is dead after the timeout) or run() alive.
    done.trigger(reply.map(|(buf, _)| buf));
}

#[test]
fn a_request_whose_reply_is_dropped_times_out_and_run_returns() {
    on_fresh_loop(|| {
        // A server that reads the request and never answers.
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let r = Rendezvous::<()>::new();
        let (done, slot) = r.event_with_slot(());
        let start = Instant::now();
        request_with_timeout(
            silent.local_addr().unwrap(),
            Duration::from_millis(50),
            done,
        );
        tame::run();
        let waited = start.elapsed();
        assert_eq!(slot.take(), Some(Err(Timeout)));
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        assert!(
            waited < Duration::from_secs(10),
            "run() returned late: {waited:?}"
        );
        assert_eq!(tame::__live_waits(), 0, "the receive was cancelled");
        let mut buf = [0; 64];
        let (n, _) = silent.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"anyone there?");
    });
}

#[test]
fn a_receive_cancelled_by_close_comes_back_untriggered() {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot::<Datagram>("recv");
    sock.recv_from(Vec::new(), ev);
    sock.close();
    assert_eq!(r.try_next(), Some("recv"));
    assert!(slot.take().is_none());
    tame::run();
}

/// Receives one datagram and hands back its bytes.
#[tamed]
fn receive_one(sock: Rc<UdpSocket>, done: Event<Vec<u8>>) {
    tvars! { let mut got: Datagram = nothing(); }
    twait! { sock.recv_from(Vec::new(), mkevent!(got)); }
    let (n, _) = got.1.expect("recv_from");
    got.0.truncate(n);
    done.trigger(got.0);
}

#[test]
fn a_socket_in_a_multicast_group_receives_what_is_sent_to_it_until_it_leaves() {
    use std::net::Ipv4Addr;
    on_fresh_loop(|| {
        // A group of this process's own: a socket bound to the wildcard
        // gets a group's datagrams while any socket on the host is a
        // member (Linux's IP_MULTICAST_ALL), another run of this test too.
        let id = std::process::id();
        let group = Ipv4Addr::new(239, 255, (id >> 8) as u8, id as u8);
        let member = Rc::new(UdpSocket::bind("0.0.0.0:0").unwrap());
        let port = member.local_addr().unwrap().port();
        member
            .join_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
            .unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let r = Rendezvous::<()>::new();
        assert!(sender.multicast_loop_v4().unwrap());

        sender.send_to(b"to the group", (group, port)).unwrap();
        let (ev, got) = r.event_with_slot(());
        receive_one(member.clone(), ev);
        tame::run();
        assert_eq!(got.take().unwrap(), b"to the group");

        // Once it left, a datagram to the group is not delivered: the
        // unicast one sent after it is the next to arrive.
        member
            .leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
            .unwrap();
        sender
            .send_to(b"to the group again", (group, port))
            .unwrap();
        sender
            .send_to(b"to the member", (Ipv4Addr::LOCALHOST, port))
            .unwrap();
        let (ev, got) = r.event_with_slot(());
        receive_one(member.clone(), ev);
        tame::run();
        assert_eq!(got.take().unwrap(), b"to the member");
        assert_eq!(tame::__live_waits(), 0);
    });
}

#[test]
fn a_connected_socket_sends_and_receives_without_waiting() {
    let a = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    a.connect(b.local_addr().unwrap()).unwrap();
    b.connect(a.local_addr().unwrap()).unwrap();
    assert_eq!(a.try_send(b"a datagram").unwrap(), 10);
    // Shorter than the datagram: its rest is lost, as with std's `recv`.
    let mut short = [0u8; 4];
    assert_eq!(b.try_recv(&mut short).unwrap(), 4);
    assert_eq!(&short, b"a da");
    let err = b.try_recv(&mut short).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    // The WouldBlock left the wait armed: a datagram after it is seen.
    let r = Rendezvous::<()>::new();
    let (ev, ready) = r.event_with_slot(());
    b.readable(ev);
    a.try_send(b"more").unwrap();
    tame::run();
    ready.take().unwrap().unwrap();
    assert_eq!(b.try_recv(&mut short).unwrap(), 4);
    assert_eq!(&short, b"more");
}

/// A socket whose open file description another holder made blocking (a
/// clone of it, an inherited descriptor) is still read without blocking
/// the loop's thread: `WouldBlock` when nothing is there, as for a stream.
#[test]
fn a_shared_blocking_description_does_not_block_a_datagram_receive() {
    on_fresh_loop(|| {
        let std_sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let other_holder = std_sock.try_clone().unwrap();
        let sock = UdpSocket::from_std(std_sock).unwrap();
        other_holder.set_nonblocking(false).unwrap();
        let mut buf = [0u8; 16];
        let err = sock.try_recv_from(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        let to = sock.local_addr().unwrap();
        other_holder.send_to(b"hi", to).unwrap();
        let (n, _) = sock.try_recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"hi");
    });
}
