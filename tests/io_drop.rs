//! What dropping a handle does to the operations in flight (the rule of
//! `tame::io`): an operation whose event can still be delivered finishes
//! and keeps the descriptor open until then; one whose event is dead is
//! cancelled at once (also when its event dies later) and the descriptor
//! closes; a readiness wait ends with an error; `close()` cancels
//! everything. (With 10,000 sources: tests/io_many.rs.)

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::time::{Duration, Instant};

use tame::io::Fd;

#[path = "support/socket_dir.rs"]
mod socket_dir;
use tame::net::{TcpStream, UnixStream};
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/turns.rs"]
mod turns;
use turns::turn_until;
#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// A tame end and a std peer, the peer with a read timeout that only
/// guards against a hang.
fn pair() -> (UnixStream, StdUnixStream) {
    let (a, b) = StdUnixStream::pair().unwrap();
    b.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    (UnixStream::from_std(a).unwrap(), b)
}

/// Whether the peer sees the end of the stream (our side closed).
fn peer_sees_eof(peer: &mut StdUnixStream) -> bool {
    matches!(peer.read(&mut [0; 16]), Ok(0))
}

#[test]
fn a_read_started_before_its_handle_is_dropped_still_completes() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(());
        conn.read(Vec::new(), ev);
        drop(conn);
        assert_eq!(tame::__live_waits(), 1, "the read still waits");
        peer.write_all(b"late data").unwrap();
        tame::run();
        let (buf, n) = slot.take().unwrap();
        assert_eq!(&buf[..n.unwrap()], b"late data");
        // The read was the last holder: the descriptor is closed now.
        assert!(peer_sees_eof(&mut peer));
    });
}

#[test]
fn a_write_all_started_before_its_handle_is_dropped_still_completes() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<()>)>(());
        // More than the socket buffers hold: it waits for the peer.
        conn.write_all(vec![5u8; 4 << 20], ev);
        drop(conn);
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            peer.read_to_end(&mut all).unwrap();
            all.len()
        });
        tame::run();
        assert!(slot.take().unwrap().1.is_ok());
        // read_to_end returned: the descriptor closed after the write.
        assert_eq!(reader.join().unwrap(), 4 << 20);
    });
}

#[tamed]
fn read_then_report(conn: TcpStream, done: Event<Vec<u8>>) {
    tvars! { let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0)); }
    // `conn` is the receiver of an operation in the block and is not
    // mentioned after it: a translator may drop it right there.
    twait! { conn.read(Vec::new(), mkevent!(got)); }
    done.trigger(got.0);
}

#[test]
fn a_tamed_read_whose_stream_is_handed_over_completes() {
    on_fresh_loop(|| {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let conn = TcpStream::from_std(l.accept().unwrap().0).unwrap();
        let r = Rendezvous::<()>::new();
        let (done, slot) = r.event_with_slot(());
        read_then_report(conn, done);
        peer.write_all(b"hi").unwrap();
        tame::run();
        assert_eq!(slot.take().unwrap(), b"hi");
    });
}

#[test]
fn dropping_a_handle_whose_only_operation_is_dead_closes_it_and_run_returns() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let r = Rendezvous::<()>::new();
        conn.read(Vec::new(), r.event_with_slot(()).0);
        drop(r); // nobody listens any more
        drop(conn);
        assert!(peer_sees_eof(&mut peer), "closed at once, before run()");
        let start = Instant::now();
        tame::run();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(tame::__live_waits(), 0);
    });
}

#[test]
fn an_operation_whose_event_dies_after_its_handle_went_is_cancelled_and_closes_the_descriptor() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let r = Rendezvous::<()>::new();
        conn.read(Vec::new(), r.event_with_slot(()).0);
        drop(conn); // the read is live: it keeps the descriptor
        assert_eq!(tame::__live_waits(), 1);
        // Later (as a timeout would), the event dies.
        tame::asap(Event::from_fn(move |_| r.cancel()));
        tame::run(); // returns: the read was reaped
        assert_eq!(tame::__live_waits(), 0);
        assert!(peer_sees_eof(&mut peer), "the descriptor closed with it");
    });
}

#[test]
fn a_readiness_wait_keeps_its_descriptor_when_the_handle_is_dropped() {
    on_fresh_loop(|| {
        // A pipe whose other end belongs to another process, say: waiting
        // for it to hang up is how one waits for that process to end, and
        // the handle may be gone meanwhile.
        let (reader, writer) = std::io::pipe().unwrap();
        let fd = Fd::new(reader).unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<io::Result<()>>(());
        fd.hung_up(ev);
        drop(fd);
        assert_eq!(tame::__live_waits(), 1, "still waiting");
        tame::asap(Event::from_fn(move |_| drop(writer)));
        tame::run();
        assert!(slot.take().expect("delivered").is_ok());
    });
}

#[test]
fn a_write_waiting_on_a_pipe_whose_reader_is_dropped_ends_with_an_error() {
    // The reader is a plain std descriptor, dropped (not closed through
    // tame) while the write waits for room: the write ends with EPIPE
    // instead of waiting forever.
    on_fresh_loop(|| {
        let (reader, writer) = std::io::pipe().unwrap();
        let w = Fd::new(writer).unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<()>)>(());
        w.write_all(vec![1u8; 1 << 20], ev);
        assert_eq!(tame::__live_waits(), 1, "the pipe is full: it waits");
        tame::asap(Event::from_fn(move |_| drop(reader)));
        tame::run();
        let err = slot.take().unwrap().1.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn close_cancels_every_operation_at_once() {
    let (conn, _peer) = pair();
    let r = Rendezvous::<&str>::new();
    let (read, read_slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>("read");
    let (hup, hup_slot) = r.event_with_slot::<io::Result<()>>("hung_up");
    let (write, write_slot) = r.event_with_slot::<(Vec<u8>, io::Result<()>)>("write");
    conn.read(Vec::new(), read);
    conn.hung_up(hup);
    conn.write_all(vec![0u8; 8 << 20], write);
    assert_eq!(tame::__live_waits(), 3);
    conn.close();
    assert_eq!(tame::__live_waits(), 0);
    assert_eq!(r.pending(), 0, "all three came back");
    assert!(read_slot.take().is_none() && hup_slot.take().is_none() && write_slot.take().is_none());
    tame::run();
}

/// Reads lines from `r` until the peer shuts its side, counting them.
#[tamed]
fn count_lines(r: tame::net::ReadHalf<TcpStream>, done: Event<usize>) {
    tvars! {
        let mut lines = 0usize;
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    }
    loop {
        twait! { r.read_until(std::mem::take(&mut got.0), b"\n", 1024, mkevent!(got)); }
        // An error ends it like the end of the stream.
        let n = got.1.as_ref().map_or(0, |&n| n);
        if n == 0 {
            break;
        }
        got.0.drain(..n);
        lines += 1;
    }
    done.trigger(lines);
}

/// Writes `n` lines to `w`, one write_all each, then shuts the write side.
#[tamed]
fn write_lines(w: tame::net::WriteHalf<TcpStream>, n: usize) {
    tvars! { let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(())); }
    for i in 0..n {
        twait! { w.write_all(format!("line {i}\n").into_bytes(), mkevent!(sent)); }
        assert!(sent.1.is_ok());
    }
    w.shutdown().unwrap();
}

#[test]
fn split_halves_are_driven_by_two_tasks_and_close_the_socket_together() {
    on_fresh_loop(|| {
        // The peer echoes everything back until we shut our write side.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let conn = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let echo = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let copied = std::io::copy(&mut s.try_clone().unwrap(), &mut s).unwrap();
            s.shutdown(std::net::Shutdown::Write).unwrap();
            // Our side closes once both halves are gone.
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let end = s.read(&mut [0; 1]).unwrap();
            (copied, end)
        });
        let (r, w) = TcpStream::from_std(conn).unwrap().into_split();
        let rdv = Rendezvous::<()>::new();
        let (done, lines) = rdv.event_with_slot(());
        count_lines(r, done);
        write_lines(w, 1000);
        tame::run();
        assert_eq!(lines.take(), Some(1000));
        let (copied, end) = echo.join().unwrap();
        assert!(copied > 0);
        assert_eq!(end, 0, "both halves gone: the socket closed");
    });
}

/// Sends `body` on `w`, then lets the half go as `how` says, with the
/// write still in flight (`Drop`) or after it (`Close`).
#[tamed]
fn send_then_let_go(w: tame::net::WriteHalf<UnixStream>, body: Vec<u8>, close: bool) {
    tvars! { let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(())); }
    if close {
        twait! { w.write_all(body, mkevent!(sent)); }
        assert!(sent.1.is_ok());
        w.close();
    } else {
        // Dropped while the write waits for the peer to read.
        w.write_all(body, Event::detached());
        drop(w);
    }
}

/// Reads `r` to its end.
#[tamed]
fn read_reply(r: tame::net::ReadHalf<UnixStream>, done: Event<Vec<u8>>) {
    tvars! { let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0)); }
    let mut all = Vec::new();
    loop {
        twait! { r.read(Vec::with_capacity(4096), mkevent!(got)); }
        let n = got.1.as_ref().map_or(0, |&n| n);
        if n == 0 {
            break;
        }
        all.extend_from_slice(&got.0);
    }
    done.trigger(all);
}

/// A peer that reads the request to its end, then replies with its length.
fn upload_peer(mut s: StdUnixStream) -> std::thread::JoinHandle<io::Result<usize>> {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    std::thread::spawn(move || {
        let mut request = Vec::new();
        s.read_to_end(&mut request)?;
        s.write_all(format!("got {}", request.len()).as_bytes())?;
        Ok(request.len())
    })
}

#[test]
fn closing_or_dropping_the_write_half_ends_the_peers_stream_once_written() {
    for close in [true, false] {
        on_fresh_loop(move || {
            let (a, b) = StdUnixStream::pair().unwrap();
            let peer = upload_peer(b);
            let (r, w) = UnixStream::from_std(a).unwrap().into_split();
            // Larger than the socket's buffers: the write parks.
            let body = vec![7u8; 4 << 20];
            let rdv = Rendezvous::<()>::new();
            let (done, reply) = rdv.event_with_slot(());
            read_reply(r, done);
            send_then_let_go(w, body, close);
            tame::run();
            assert_eq!(peer.join().unwrap().unwrap(), 4 << 20, "close: {close}");
            assert_eq!(
                reply.take().unwrap(),
                format!("got {}", 4 << 20).into_bytes()
            );
        });
    }
}

#[test]
fn a_thread_that_ends_with_an_operation_parked_closes_its_descriptor() {
    let (a, mut peer) = StdUnixStream::pair().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    std::thread::spawn(move || {
        let conn = UnixStream::from_std(a).unwrap();
        // A read whose event stays live (its rendezvous is leaked), parked
        // when the thread ends without running its loop again.
        let r: &'static Rendezvous<()> = Box::leak(Box::new(Rendezvous::new()));
        conn.read(Vec::new(), r.event_with_slot(()).0);
        drop(conn);
    })
    .join()
    .unwrap();
    assert!(peer_sees_eof(&mut peer), "the loop's teardown closed it");
}

/// Takes two ids from `r`, then drops it (and with it the waits still out).
#[tamed]
fn two_then_give_up(r: Rendezvous<usize>, done: Event<Vec<usize>>) {
    tvars! { let mut got: Vec<usize> = Vec::new(); }
    while got.len() < 2 {
        match twait!(r) {
            Some(i) => got.push(i),
            None => break,
        }
    }
    drop(r);
    done.trigger(got);
}

#[test]
fn several_waits_watching_one_rendezvous_all_end_with_it() {
    // A rendezvous keeps its first watched wait itself and the loop keeps
    // the others: each must end alone when it fires, or die with it.
    on_fresh_loop(|| {
        let pairs: Vec<(UnixStream, StdUnixStream)> = (0..4).map(|_| pair()).collect();
        let r = Rendezvous::<usize>::new();
        for (i, (conn, _)) in pairs.iter().enumerate() {
            conn.readable(r.event_with_slot::<io::Result<()>>(i).0);
        }
        assert_eq!(tame::__live_waits(), 4);
        // Two complete (their watches end one by one); then the task drops
        // the rendezvous and the other two die with it.
        pairs[2].1.try_clone().unwrap().write_all(b"x").unwrap();
        pairs[1].1.try_clone().unwrap().write_all(b"x").unwrap();
        let out = Rendezvous::<()>::new();
        let (done, got) = out.event_with_slot(());
        two_then_give_up(r, done);
        tame::run(); // returns: nothing live is left
        let mut got = got.take().unwrap();
        got.sort();
        assert_eq!(got, [1, 2]);
        assert_eq!(tame::__live_waits(), 0);
    });
}

/// Reads with an event of an explicit rendezvous carrying a slot, and
/// gives up after a timer: the rendezvous goes with the function, and the
/// read (still parked on a stream the caller keeps) dies with it.
#[tamed]
fn read_or_give_up(conn: std::rc::Rc<UnixStream>, done: Event<&'static str>) {
    let r = Rendezvous::<u8>::new();
    let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    conn.read(Vec::new(), mkevent!(r, 0, got));
    tame::timer(Duration::from_millis(5), mkevent!(r, 1));
    let outcome = match twait!(r) {
        Some(0) => "read",
        _ => "gave up",
    };
    let _ = &got;
    done.trigger(outcome);
}

#[test]
fn a_read_whose_rendezvous_slot_event_dies_stops_counting() {
    on_fresh_loop(|| {
        let (conn, _peer) = pair();
        let conn = std::rc::Rc::new(conn);
        let out = Rendezvous::<()>::new();
        let (done, slot) = out.event_with_slot(());
        read_or_give_up(conn.clone(), done);
        tame::run(); // returns although the read never completed
        assert_eq!(slot.take(), Some("gave up"));
        assert_eq!(tame::__live_waits(), 0);
        drop(conn);
    });
}

#[test]
fn a_wait_on_an_all_event_stops_counting_once_every_event_died() {
    on_fresh_loop(|| {
        let (conn, _peer) = pair();
        let (a, b) = (Rendezvous::<()>::new(), Rendezvous::<()>::new());
        let ev = tame::all(vec![
            a.event_with_slot::<bool>(()).0,
            b.event_with_slot::<bool>(()).0,
        ]);
        conn.readable(ev.map(|r: io::Result<()>| r.is_ok()));
        assert_eq!(tame::__live_waits(), 1);
        drop(a); // one still listens: the wait stays
        tame::asap(Event::from_fn(move |_| drop(b)));
        tame::run(); // returns once the second died too
        assert_eq!(tame::__live_waits(), 0);
        drop(conn);
    });
}

/// Sends a question on `w` and waits for the answer on `r`: `w`, not used
/// after its write, is still the function's (its direction open) until
/// the function returns, as in a plain function.
#[tamed]
fn ask(
    r: tame::net::ReadHalf<UnixStream>,
    w: tame::net::WriteHalf<UnixStream>,
    asked: Event,
) -> Vec<u8> {
    let sent;
    twait! { w.write_all(b"question\n".to_vec(), mkevent!(sent)); }
    let (_, res): (Vec<u8>, io::Result<()>) = sent;
    res.unwrap();
    asked.trigger(());
    let got;
    twait! { r.read_until(Vec::new(), b"\n", 64, mkevent!(got)); }
    let (answer, n): (Vec<u8>, io::Result<usize>) = got;
    answer[..n.unwrap()].to_vec()
}

/// [`ask`] on a stream it splits itself: the halves are tame's by the
/// `into_split()` that made them.
#[tamed]
fn split_and_ask(s: UnixStream, asked: Event) -> Vec<u8> {
    let (r, w) = s.into_split();
    let sent;
    twait! { w.write_all(b"question\n".to_vec(), mkevent!(sent)); }
    let (_, res): (Vec<u8>, io::Result<()>) = sent;
    res.unwrap();
    asked.trigger(());
    let got;
    twait! { r.read_until(Vec::new(), b"\n", 64, mkevent!(got)); }
    let (answer, n): (Vec<u8>, io::Result<usize>) = got;
    answer[..n.unwrap()].to_vec()
}

#[test]
fn a_write_half_used_last_in_a_twait_stays_open_while_the_function_waits() {
    for split_inside in [false, true] {
        a_write_half_stays_open(split_inside);
    }
}

fn a_write_half_stays_open(split_inside: bool) {
    on_fresh_loop(move || {
        let (a, mut peer) = StdUnixStream::pair().unwrap();
        let s = UnixStream::from_std(a).unwrap();
        let rdv = Rendezvous::<()>::new();
        let (asked, _) = rdv.event_with_slot::<()>(());
        let (done, answer) = rdv.event_with_slot::<Vec<u8>>(());
        if split_inside {
            split_and_ask(s, asked, done);
        } else {
            let (r, w) = s.into_split();
            ask(r, w, asked, done);
        }
        while rdv.try_next().is_none() {
            assert!(tame::run_once(None), "the question was never sent");
        }
        let mut question = [0; 9];
        peer.read_exact(&mut question).unwrap();
        assert_eq!(&question, b"question\n");
        // The function waits for the answer: no end of stream yet.
        peer.set_nonblocking(true).unwrap();
        let more = peer.read(&mut [0; 16]).map_err(|e| e.kind());
        assert_eq!(
            more,
            Err(io::ErrorKind::WouldBlock),
            "the write half was shut down early (split inside: {split_inside})"
        );
        peer.set_nonblocking(false).unwrap();
        peer.write_all(b"answer\n").unwrap();
        tame::run();
        assert_eq!(answer.take().unwrap(), b"answer\n");
        // Both halves went with the function: the stream ends.
        assert!(peer_sees_eof(&mut peer));
    });
}

/// Writes on one end of a pair it makes and reads the other: `a`, one of
/// tame's streams by the constructor that made it, stays open while the
/// function goes on, as in a plain function.
#[tamed]
fn write_on_a_pair() -> (io::Result<usize>, io::Result<usize>) {
    let (a, b) = UnixStream::pair().unwrap();
    let sent;
    twait! { a.write_all(b"hi".to_vec(), mkevent!(sent)); }
    let (_, res): (Vec<u8>, io::Result<()>) = sent;
    res.unwrap();
    let mut buf = [0; 8];
    let first = b.try_read(&mut buf);
    let second = b.try_read(&mut buf).map(|n| n + 100);
    (first, second)
}

#[test]
fn a_stream_of_a_pair_used_last_in_a_twait_stays_open() {
    on_fresh_loop(|| {
        let (first, second) = tame::run_with(write_on_a_pair).unwrap();
        assert_eq!(first.unwrap(), 2);
        assert_eq!(
            second.map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock),
            "the other end was closed at the twait"
        );
    });
}

/// Connects to `path`, writes on the stream taken out of the connect's
/// slot (`let conn = connected?;`, a type the function never writes), and
/// only then reads on `peer`: `conn`, one of tame's streams by the slot's
/// written type, stays open while the function goes on.
#[tamed]
fn write_on_a_connected_stream(
    path: std::path::PathBuf,
    peer: tame::net::UnixListener,
) -> io::Result<(usize, io::Result<usize>)> {
    let connected: io::Result<UnixStream>;
    let accepted: io::Result<UnixStream>;
    twait! {
        UnixStream::connect(&path, mkevent!(connected));
        peer.accept(mkevent!(accepted));
    }
    let conn = connected?;
    let served = accepted?;
    let sent;
    twait! { conn.write_all(b"hi".to_vec(), mkevent!(sent)); }
    let (_, res): (Vec<u8>, io::Result<()>) = sent;
    res?;
    let mut buf = [0; 8];
    let first = served.try_read(&mut buf)?;
    let second = served.try_read(&mut buf);
    Ok((first, second))
}

/// The same with the accepted stream bound by a `match` arm that waits.
#[tamed]
fn reply_in_a_match_arm(
    path: std::path::PathBuf,
    peer: tame::net::UnixListener,
) -> io::Result<(usize, io::Result<usize>)> {
    let connected: io::Result<UnixStream>;
    let accepted: io::Result<UnixStream>;
    twait! {
        UnixStream::connect(&path, mkevent!(connected));
        peer.accept(mkevent!(accepted));
    }
    let client = connected?;
    match accepted {
        Ok(served) => {
            let sent;
            twait! { served.write_all(b"hi".to_vec(), mkevent!(sent)); }
            let (_, res): (Vec<u8>, io::Result<()>) = sent;
            res?;
            let mut buf = [0; 8];
            let first = client.try_read(&mut buf)?;
            Ok((first, client.try_read(&mut buf)))
        }
        Err(e) => Err(e),
    }
}

#[test]
fn a_stream_taken_out_of_a_connect_slot_used_last_in_a_twait_stays_open() {
    on_fresh_loop(|| {
        let dir = socket_dir::short_temp_dir().join(format!("tame-io-drop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("s.sock");
        let listener = tame::net::UnixListener::bind(&path).unwrap();
        let got = tame::run_with(|done| write_on_a_connected_stream(path.clone(), listener, done));
        let (first, second) = got.unwrap().unwrap();
        assert_eq!(first, 2);
        assert_eq!(
            second.map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock),
            "the connected stream was closed at the twait"
        );
        std::fs::remove_file(&path).unwrap();
        let listener = tame::net::UnixListener::bind(&path).unwrap();
        let got = tame::run_with(|done| reply_in_a_match_arm(path, listener, done));
        std::fs::remove_dir_all(&dir).unwrap();
        let (first, second) = got.unwrap().unwrap();
        assert_eq!(first, 2);
        assert_eq!(
            second.map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock),
            "the accepted stream was closed at the twait"
        );
    });
}

/// A copy to a write half borrows it for the call only: dropping the half
/// meanwhile shuts the stream down once the copy is done, not under it
/// (the chunk read then was lost with EPIPE, and the peer saw the end of
/// the stream early).
#[test]
fn a_write_half_dropped_under_a_copy_shuts_down_after_it() {
    on_fresh_loop(|| {
        let (ours, mut peer) = pair();
        let (input, feed) = tame::io::pipe().unwrap();
        let (_r, w) = ours.into_split();
        let r = Rendezvous::<()>::new();
        let (ev, copied) = r.event_with_slot::<io::Result<u64>>(());
        tame::io::copy(&input, &w, ev);
        feed.try_write(b"first ").unwrap();
        let mut got = Vec::new();
        peer.set_nonblocking(true).unwrap();
        let read_some = |peer: &mut StdUnixStream, got: &mut Vec<u8>| {
            let mut buf = [0; 64];
            if let Ok(n) = peer.read(&mut buf) {
                got.extend_from_slice(&buf[..n]);
            }
        };
        turn_until(|| {
            read_some(&mut peer, &mut got);
            got == b"first "
        });
        // The copy now waits to read the pipe; the half goes.
        drop(w);
        tame::run_once(Some(Duration::ZERO));
        feed.try_write(b"second").unwrap();
        feed.close();
        tame::run();
        assert_eq!(copied.take().unwrap().unwrap(), 12);
        peer.set_nonblocking(false).unwrap();
        read_some(&mut peer, &mut got);
        assert_eq!(got, b"first second");
        assert!(peer_sees_eof(&mut peer), "shut down once the copy ended");
    });
}

/// Closing a half ends a copy that uses its side at once, with
/// `ConnectionAborted`, as closing a whole stream does (a read half's
/// copy went on reading; a write half's ended with EPIPE at its next
/// write, if any came).
#[test]
fn closing_a_half_ends_the_copy_that_uses_its_side() {
    on_fresh_loop(|| {
        for close_read_half in [true, false] {
            let (ours, mut peer) = pair();
            let (pipe_r, pipe_w) = tame::io::pipe().unwrap();
            let (rh, wh) = ours.into_split();
            let r = Rendezvous::<()>::new();
            let (ev, copied) = r.event_with_slot::<io::Result<u64>>(());
            // Neither copy has anything to move: each waits to read.
            if close_read_half {
                tame::io::copy(&rh, &pipe_w, ev);
                tame::run_once(Some(Duration::ZERO));
                rh.close();
            } else {
                tame::io::copy(&pipe_r, &wh, ev);
                tame::run_once(Some(Duration::ZERO));
                wh.close();
                // Shut down at once, not when the copy is gone.
                assert!(peer_sees_eof(&mut peer));
            }
            turn_until(|| copied.is_back());
            let err = copied.take().unwrap().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted, "{err}");
        }
    });
}
