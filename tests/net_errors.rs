//! `tame::net` failure paths: every error comes back through the event (no
//! panic), and closing a socket makes its waiting events come back
//! untriggered so that nothing hangs.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::rc::Rc;

use tame::net::{TcpListener, TcpStream};

#[path = "support/socket_dir.rs"]
mod socket_dir;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

fn pair() -> (TcpStream, std::net::TcpStream) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let ours = TcpStream::from_std(l.accept().unwrap().0).unwrap();
    (ours, peer)
}

/// A port that refuses connections: bound, then closed.
fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

#[test]
fn peer_closing_mid_read_gives_ok_zero() {
    let (conn, peer) = pair();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.read(Vec::new(), ev);
    drop(peer);
    tame::run();
    let (buf, n) = slot.take().unwrap();
    assert_eq!(n.unwrap(), 0);
    assert!(buf.is_empty());
}

#[test]
fn peer_closing_mid_message_gives_read_until_ok_zero_with_the_partial_data() {
    let (conn, mut peer) = pair();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.read_until(Vec::new(), b"\r\n", 100, ev);
    peer.write_all(b"half a li").unwrap();
    drop(peer);
    tame::run();
    let (buf, n) = slot.take().unwrap();
    assert_eq!(n.unwrap(), 0);
    assert_eq!(buf, b"half a li");
}

#[tamed]
fn write_until_error(conn: TcpStream, done: Event<io::Error>) {
    tvars! { let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(())); }
    loop {
        twait! { conn.write_all(vec![0u8; 64 * 1024], mkevent!(sent)); }
        if let Err(e) = std::mem::replace(&mut sent.1, Ok(())) {
            done.trigger(e);
            return;
        }
    }
}

#[test]
fn peer_resetting_gives_a_write_error_not_a_panic() {
    let (conn, peer) = pair();
    // Data the peer never reads: closing with it unread sends RST, not FIN.
    conn.try_write(b"unread").unwrap();
    drop(peer);
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    write_until_error(conn, ev);
    tame::run();
    let e = slot.take().expect("an error came back");
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
        ),
        "{e:?}"
    );
}

#[test]
fn peer_resetting_gives_a_read_error_not_a_panic() {
    let (conn, peer) = pair();
    conn.try_write(b"unread").unwrap();
    drop(peer);
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.read(Vec::new(), ev);
    tame::run();
    let (_, n) = slot.take().unwrap();
    assert_eq!(n.unwrap_err().kind(), io::ErrorKind::ConnectionReset);
}

#[test]
fn connect_to_a_closed_port_delivers_connection_refused() {
    let addr = closed_port();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    TcpStream::connect(addr, ev);
    tame::run();
    let e = slot.take().unwrap().unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn connect_to_ipv6_loopback_works_or_reports_an_error() {
    // The host may have no IPv6: either way, no panic and an answer.
    let l = match TcpListener::bind("[::1]:0") {
        Ok(l) => l,
        Err(_) => return,
    };
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    TcpStream::connect(l.local_addr().unwrap(), ev);
    tame::run();
    let s = slot.take().unwrap().unwrap();
    assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
}

#[test]
fn closing_a_stream_while_a_read_waits_brings_the_event_back_untriggered() {
    let (conn, _peer) = pair();
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>("read");
    conn.read(Vec::with_capacity(10), ev);
    assert_eq!(r.pending(), 1);
    conn.close();
    assert_eq!(r.try_next(), Some("read"));
    assert!(slot.is_back());
    assert!(slot.take().is_none(), "untriggered: no value");
    tame::run(); // nothing waits any more: returns
}

type Shared = Rc<std::cell::RefCell<Option<TcpStream>>>;

#[tamed]
fn reader_that_gets_cancelled(conn: Shared, done: Event<&'static str>) {
    tvars! { let mut got: (Vec<u8>, io::Result<usize>) = (b"untouched".to_vec(), Ok(42)); }
    twait! { conn.borrow().as_ref().unwrap().read(Vec::new(), mkevent!(got)); }
    // The event came back untriggered: the slot kept its old value.
    assert_eq!(got.0, b"untouched");
    assert!(conn.borrow().is_none());
    done.trigger("resumed");
}

#[test]
fn a_twait_on_a_read_ends_when_another_task_closes_the_stream() {
    let (conn, _peer) = pair();
    let conn: Shared = Rc::new(std::cell::RefCell::new(Some(conn)));
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    reader_that_gets_cancelled(conn.clone(), ev);
    // Another party (say, an idle-timeout) closes it later, from the loop.
    let closer = Event::from_fn(move |_: Option<()>| {
        let stream = conn.borrow_mut().take();
        stream.unwrap().close();
    });
    tame::timer(std::time::Duration::from_millis(1), closer);
    tame::run();
    assert_eq!(slot.take(), Some("resumed"));
}

#[test]
fn closing_a_listener_while_accept_waits_brings_the_event_back() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot("accept");
    l.accept(ev);
    assert_eq!(r.try_next(), None);
    l.close();
    assert_eq!(r.try_next(), Some("accept"));
    assert!(slot.take().is_none());
    tame::run();
}

#[test]
fn closing_a_stream_while_write_all_waits_brings_the_event_back() {
    let (conn, _peer) = pair();
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<()>)>("write_all");
    // Far more than the socket buffers hold, and the peer never reads.
    conn.write_all(vec![1u8; 16 << 20], ev);
    assert_eq!(r.try_next(), None, "waits for writability");
    conn.close();
    assert_eq!(r.try_next(), Some("write_all"), "back at once");
    assert!(slot.take().is_none());
    tame::run();
}

#[test]
fn a_second_reader_gets_resource_busy_through_its_event() {
    let (conn, _peer) = pair();
    let r = Rendezvous::<u8>::new();
    let (first, _s1) = r.event_with_slot::<io::Result<()>>(1);
    let (second, s2) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(2);
    conn.readable(first);
    conn.read(Vec::new(), second);
    assert_eq!(r.try_next(), Some(2));
    let (_, res) = s2.take().unwrap();
    assert_eq!(res.unwrap_err().kind(), io::ErrorKind::ResourceBusy);
    // A reader and a writer may wait at the same time.
    // Once writable, close the stream: the waiting reader comes back too.
    let holder = Rc::new(std::cell::RefCell::new(Some(conn)));
    let h = holder.clone();
    let writable = Rc::new(std::cell::Cell::new(false));
    let w = writable.clone();
    let ev = Event::from_fn(move |v: Option<io::Result<()>>| {
        w.set(v.unwrap().is_ok());
        h.borrow_mut().take().unwrap().close();
    });
    holder.borrow().as_ref().unwrap().writable(ev);
    tame::run();
    assert!(writable.get());
    assert_eq!(r.try_next(), Some(1));
}

#[test]
fn read_until_past_its_limit_is_invalid_data() {
    let (conn, mut peer) = pair();
    peer.write_all(&[b'a'; 100]).unwrap();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.read_until(Vec::new(), b"\n", 10, ev);
    tame::run();
    let (buf, n) = slot.take().unwrap();
    assert_eq!(n.unwrap_err().kind(), io::ErrorKind::InvalidData);
    assert!(buf.len() >= 10);
}

#[test]
fn read_until_with_an_empty_delimiter_is_invalid_input_at_once() {
    let (conn, _peer) = pair();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    conn.read_until(Vec::new(), b"", 10, ev);
    let (_, n) = slot.take().unwrap();
    assert_eq!(n.unwrap_err().kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn read_until_finds_a_delimiter_split_across_reads() {
    let (conn, mut peer) = pair();
    peer.write_all(b"abc\r\n\r").unwrap();
    let peer = std::cell::RefCell::new(Some(peer));
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    // Reads at most 6 bytes at first (the capacity given), then the rest.
    conn.read_until(Vec::with_capacity(6), b"\r\n\r\n", 100, ev);
    assert!(!slot.is_back());
    peer.borrow_mut()
        .take()
        .unwrap()
        .write_all(b"\nrest")
        .unwrap();
    tame::run();
    let (buf, n) = slot.take().unwrap();
    assert_eq!(&buf[..n.unwrap()], b"abc\r\n\r\n");
}

#[test]
fn closing_a_stream_while_read_until_waits_brings_the_event_back() {
    let (conn, _peer) = pair();
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>("read_until");
    // With room in the buffer, the read is tried at once, then waits.
    conn.read_until(Vec::with_capacity(16), b"\n", 100, ev);
    assert_eq!(tame::__live_waits(), 1, "parked on the socket");
    conn.close();
    assert_eq!(r.try_next(), Some("read_until"), "back at once");
    assert!(slot.take().is_none());
    assert_eq!(tame::__live_waits(), 0);
    tame::run();
}

#[test]
fn a_dead_read_does_not_keep_run_going() {
    // Under the watchdog: a dead read that kept run() going would fail this
    // test after a minute instead of hanging the suite.
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(());
        conn.read(Vec::new(), ev);
        assert_eq!(tame::__live_waits(), 1, "the read waits on the socket");
        r.cancel(); // nobody listens any more
        tame::run(); // returns although the read never completed
        assert_eq!(tame::__live_waits(), 0, "the dead read was reaped");
        assert!(slot.take().is_none(), "the read never completed");
        // The dead read was cancelled, not left holding the read side: a
        // new read gets what the peer sends.
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(());
        conn.read(Vec::with_capacity(16), ev);
        peer.write_all(b"still here").unwrap();
        tame::run();
        let (buf, n) = slot.take().expect("the new read completes");
        assert_eq!(&buf[..n.unwrap()], b"still here");
    });
}

/// A connect whose event is dead before the call (its rendezvous
/// cancelled) connects nothing: the server sees no connection opened and
/// closed, as a dead event's read reads nothing.
#[test]
fn a_connect_with_a_dead_event_makes_no_connection() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let dir =
            socket_dir::short_temp_dir().join(format!("tame-dead-connect-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let unix = std::os::unix::net::UnixListener::bind(&dir).unwrap();
        unix.set_nonblocking(true).unwrap();
        for how in 0..3 {
            let r = tame::Rendezvous::<()>::new();
            let ev = r.event(());
            r.cancel();
            match how {
                0 => tame::net::TcpStream::connect(addr, ev.map(|_| ())),
                1 => tame::net::TcpStream::connect_host("127.0.0.1", addr.port(), ev.map(|_| ())),
                _ => tame::net::UnixStream::connect(&dir, ev.map(|_| ())),
            }
            tame::run();
            std::thread::sleep(std::time::Duration::from_millis(20));
            let tcp = listener.accept().map(|(_, peer)| peer);
            assert_eq!(
                tcp.map_err(|e| e.kind()),
                Err(std::io::ErrorKind::WouldBlock),
                "{how}"
            );
            let uds = unix.accept().map(|_| ());
            assert_eq!(
                uds.map_err(|e| e.kind()),
                Err(std::io::ErrorKind::WouldBlock),
                "{how}"
            );
        }
        let _ = std::fs::remove_file(&dir);
    });
}

/// `try_read` into an empty buffer is `Ok(0)`, as std's `read` is, also
/// with nothing queued (the kernel said `EAGAIN`, which the docs did not
/// say), and it takes nothing (the kernel's empty read of a datagram
/// socket threw the next datagram away).
#[test]
fn try_read_into_an_empty_buffer_is_ok_0_and_takes_nothing() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _peer = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let tcp = TcpStream::from_std(l.accept().unwrap().0).unwrap();
    assert_eq!(tcp.try_read(&mut []).unwrap(), 0);
    let (unix, _other) = tame::net::UnixStream::pair().unwrap();
    assert_eq!(unix.try_read(&mut []).unwrap(), 0);
    let (half, _w) = unix.into_split();
    assert_eq!(half.try_read(&mut []).unwrap(), 0);
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(b"kept", udp.local_addr().unwrap())
        .unwrap();
    let fd = tame::io::Fd::new(udp).unwrap();
    let mut buf = [0; 8];
    // (The datagram was sent on loopback before: it is queued.)
    assert_eq!(fd.try_read(&mut []).unwrap(), 0);
    assert_eq!(
        fd.try_read(&mut buf).unwrap(),
        4,
        "the datagram is still there"
    );
    assert_eq!(&buf[..4], b"kept");
}
