//! `tame::net` happy paths on loopback, all through the loop: an echo
//! server and clients written as `#[tamed]` functions, many connections at
//! once, large transfers that must wait for writability, pipelined
//! `read_until`, and the readiness style (`readable` + `try_read`).

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use tame::net::{TcpListener, TcpStream};

#[path = "support/fd_limit.rs"]
mod fd_limit;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

type Accepted = io::Result<(TcpStream, SocketAddr)>;

/// What a slot holds until its event triggers.
fn not_yet() -> io::Error {
    io::ErrorKind::NotConnected.into()
}

/// Echoes what `conn` sends until it closes its side.
#[tamed]
fn echo_conn(conn: TcpStream, served: Rc<Cell<usize>>) {
    tvars! {
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
    }
    loop {
        // An empty Vec: nothing is allocated until data arrived.
        twait! { conn.read(Vec::new(), mkevent!(got)); }
        let (buf, n) = std::mem::replace(&mut got, (Vec::new(), Ok(0)));
        match n {
            Ok(n) if n > 0 => {}
            _ => break,
        }
        twait! { conn.write_all(buf, mkevent!(sent)); }
        if sent.1.is_err() {
            break;
        }
    }
    served.set(served.get() + 1);
}

/// Accepts `n` connections, each served by its own `echo_conn`.
#[tamed]
fn echo_server(listener: TcpListener, n: usize, served: Rc<Cell<usize>>) {
    tvars! { let mut accepted: Accepted = Err(not_yet()); }
    for _ in 0..n {
        twait! { listener.accept(mkevent!(accepted)); }
        match std::mem::replace(&mut accepted, Err(not_yet())) {
            Ok((conn, _)) => echo_conn(conn, served.clone()),
            Err(e) => panic!("accept failed: {e}"),
        }
    }
}

/// Connects, sends `msg` with `write_all`, shuts down its write side and
/// reads everything back until EOF.
#[tamed]
fn echo_client(addr: SocketAddr, msg: Vec<u8>, done: Event<Vec<u8>>) {
    tvars! {
        let mut conn: io::Result<TcpStream> = Err(not_yet());
        let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut all: Vec<u8> = Vec::new();
    }
    twait! { TcpStream::connect(addr, mkevent!(conn)); }
    let conn = std::mem::replace(&mut conn, Err(not_yet())).expect("connect");
    twait! { conn.write_all(msg, mkevent!(sent)); }
    sent.1.as_ref().expect("write_all");
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    loop {
        twait! { conn.read(Vec::with_capacity(16 * 1024), mkevent!(got)); }
        let (buf, n) = std::mem::replace(&mut got, (Vec::new(), Ok(0)));
        if n.expect("read") == 0 {
            break;
        }
        all.extend_from_slice(&buf);
    }
    done.trigger(all);
}

fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

#[test]
fn echo_server_and_client_on_loopback() {
    let (l, addr) = listener();
    let served = Rc::new(Cell::new(0));
    echo_server(l, 1, served.clone());
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    echo_client(addr, b"hello, tame".to_vec(), ev);
    tame::run();
    assert_eq!(slot.take().unwrap(), b"hello, tame");
    assert_eq!(served.get(), 1);
}

#[test]
fn two_hundred_concurrent_connections_all_echo() {
    const N: usize = 200;
    // Both ends of every connection, in this process.
    fd_limit::allow_fds(2 * N as u64);
    let (l, addr) = listener();
    let served = Rc::new(Cell::new(0));
    echo_server(l, N, served.clone());
    let r = Rendezvous::<usize>::new();
    let slots: Vec<_> = (0..N)
        .map(|i| {
            let (ev, slot) = r.event_with_slot(i);
            echo_client(addr, format!("client {i} says hi").into_bytes(), ev);
            slot
        })
        .collect();
    tame::run();
    for (i, slot) in slots.iter().enumerate() {
        assert_eq!(
            slot.take().unwrap(),
            format!("client {i} says hi").into_bytes()
        );
    }
    assert_eq!(served.get(), N);
    assert_eq!(r.queued(), N);
}

#[test]
fn large_transfer_waits_for_writability_and_arrives_intact() {
    // Far more than the socket buffers hold: write_all must wait for the
    // peer to read, and the peer reads on the same loop.
    let msg: Vec<u8> = (0..4_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (l, addr) = listener();
    let served = Rc::new(Cell::new(0));
    echo_server(l, 1, served.clone());
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    echo_client(addr, msg.clone(), ev);
    tame::run();
    let got = slot.take().unwrap();
    assert_eq!(got.len(), msg.len());
    assert!(got == msg);
}

type Lines = Rc<RefCell<Vec<Vec<u8>>>>;
type Peer = Rc<RefCell<Option<std::net::TcpStream>>>;

/// Callback style: take a message, drain it, ask for the next. After the
/// second message, the peer sends the rest of the third and closes.
fn next_message(conn: Rc<TcpStream>, buf: Vec<u8>, lines: Lines, peer: Peer) {
    let c = conn.clone();
    conn.read_until(
        buf,
        b"\r\n\r\n",
        64,
        Event::from_fn(move |r: Option<(Vec<u8>, io::Result<usize>)>| {
            let (mut buf, n) = r.unwrap();
            match n.unwrap() {
                0 => lines.borrow_mut().push(buf),
                n => {
                    lines.borrow_mut().push(buf.drain(..n).collect());
                    if lines.borrow().len() == 2 {
                        let mut p = peer.borrow_mut().take().unwrap();
                        use std::io::Write;
                        p.write_all(b"ee\r\n\r\n").unwrap();
                    }
                    next_message(c, buf, lines, peer);
                }
            }
        }),
    );
}

#[test]
fn read_until_splits_pipelined_messages_and_keeps_the_rest() {
    let (l, addr) = listener();
    let mut peer = std::net::TcpStream::connect(addr).unwrap();
    let conn = Rc::new(l.try_accept().unwrap().0);
    use std::io::Write;
    peer.write_all(b"one\r\n\r\ntwo\r\n\r\nthr").unwrap();
    let lines = Lines::default();
    next_message(
        conn,
        Vec::new(),
        lines.clone(),
        Rc::new(RefCell::new(Some(peer))),
    );
    tame::run();
    assert_eq!(
        *lines.borrow(),
        vec![
            b"one\r\n\r\n".to_vec(),
            b"two\r\n\r\n".to_vec(),
            b"three\r\n\r\n".to_vec(),
            Vec::new(), // then a clean close: Ok(0) with nothing left over
        ]
    );
}

#[test]
fn readable_then_try_read_into_a_shared_buffer() {
    let (l, addr) = listener();
    let mut peer = std::net::TcpStream::connect(addr).unwrap();
    let conn = l.try_accept().unwrap().0;
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.readable(ev);
    assert!(!slot.is_back(), "nothing to read yet");
    use std::io::Write;
    peer.write_all(b"ping").unwrap();
    tame::run();
    slot.take().unwrap().unwrap();
    let mut shared = [0u8; 64];
    let n = conn.try_read(&mut shared).unwrap();
    assert_eq!(&shared[..n], b"ping");
    let e = conn.try_read(&mut shared).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn read_with_empty_vec_allocates_only_after_readiness() {
    let (l, addr) = listener();
    let mut peer = std::net::TcpStream::connect(addr).unwrap();
    let conn = l.try_accept().unwrap().0;
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.read(Vec::new(), ev);
    use std::io::Write;
    peer.write_all(b"x").unwrap();
    tame::run();
    let (buf, n) = slot.take().unwrap();
    assert_eq!(n.unwrap(), 1);
    assert_eq!(buf, b"x");
    assert!(buf.capacity() >= 4096);
}

#[test]
fn write_gives_the_buffer_back_with_the_count() {
    let (l, addr) = listener();
    let client = std::net::TcpStream::connect(addr).unwrap();
    let conn = l.try_accept().unwrap().0;
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.write(Rc::<[u8]>::from(&b"shared bytes"[..]), ev);
    tame::run();
    let (buf, n) = slot.take().unwrap();
    assert_eq!(n.unwrap(), 12);
    assert_eq!(&*buf, b"shared bytes");
    let mut got = [0u8; 12];
    use std::io::Read;
    (&client).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"shared bytes");
}

#[test]
fn std_round_trip_keeps_the_connection() {
    let (l, addr) = listener();
    let client = std::net::TcpStream::connect(addr).unwrap();
    let conn = TcpStream::from_std(l.into_std().unwrap().accept().unwrap().0).unwrap();
    let std_conn = conn.into_std().unwrap();
    std_conn.set_nonblocking(false).unwrap();
    use std::io::{Read, Write};
    (&client).write_all(b"k").unwrap();
    let mut b = [0u8; 1];
    (&std_conn).read_exact(&mut b).unwrap();
    assert_eq!(&b, b"k");
}

#[test]
fn connections_accepted_take_the_listeners_ttl() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_ttl(33).unwrap();
    assert_eq!(listener.ttl().unwrap(), 33);
    let err = listener.set_ttl(256).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (conn, _) = listener.try_accept().unwrap();
    assert_eq!(conn.ttl().unwrap(), 33);
}

/// A TTL past 255 is refused, `u32::MAX` too: the kernel took it as -1,
/// "back to the default", and the call succeeded with the TTL reset.
#[test]
fn a_ttl_past_255_is_refused_however_large() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let udp = tame::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    listener.set_ttl(33).unwrap();
    udp.set_ttl(33).unwrap();
    udp.set_multicast_ttl_v4(4).unwrap();
    for ttl in [256, u32::MAX] {
        let refused = [
            listener.set_ttl(ttl),
            udp.set_ttl(ttl),
            udp.set_multicast_ttl_v4(ttl),
        ];
        for r in refused {
            assert_eq!(r.unwrap_err().kind(), io::ErrorKind::InvalidInput, "{ttl}");
        }
    }
    assert_eq!(listener.ttl().unwrap(), 33);
    assert_eq!(udp.ttl().unwrap(), 33);
    assert_eq!(udp.multicast_ttl_v4().unwrap(), 4);
}
