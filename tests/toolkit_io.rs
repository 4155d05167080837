//! The stream toolkit of `tame::io`: `copy` and `copy_bidirectional`
//! between streams (what a proxy does), and `LineReader`, which keeps the
//! bytes it read past a line for the next one. Real descriptors (pipes,
//! socket pairs, loopback TCP, /dev/zero), driven by the loop.

#![deny(warnings)]

use std::fs::OpenOptions;
use std::io::{self, Read, Seek, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::rc::Rc;
use std::time::Duration;

use rustix::fs::MemfdFlags;
use tame::io::{copy, copy_bidirectional, pipe, Fd, LineReader, ReadStream};
use tame::net::{TcpStream, UnixStream};
use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/turns.rs"]
mod turns;
use turns::turn_until;
#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// `len` bytes that are not all alike, so that a lost, doubled or
/// reordered chunk shows.
fn payload(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i / 251) as u8)
        .collect()
}

/// A tame end and a std peer, the peer with a read timeout that only
/// guards against a hang.
fn pair() -> (UnixStream, StdUnixStream) {
    let (a, b) = StdUnixStream::pair().unwrap();
    b.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    (UnixStream::from_std(a).unwrap(), b)
}

/// Whether `peer` reads the end of the stream (after whatever is still
/// buffered): the other end's descriptor is closed or shut down.
fn peer_sees_eof(peer: &mut StdUnixStream) -> bool {
    let mut rest = Vec::new();
    peer.read_to_end(&mut rest).is_ok()
}

/// An endless source whose reads never wait: a copy from it runs until
/// its destination is full, then waits to write.
fn dev_zero() -> Fd {
    Fd::new(std::fs::File::open("/dev/zero").unwrap()).unwrap()
}

/// Writes `bytes` into `to`, then closes it: the end of its stream.
#[tamed]
fn feed(to: Fd, bytes: Vec<u8>) {
    let sent: (Vec<u8>, io::Result<()>);
    twait! { to.write_all(bytes, mkevent!(sent)); }
    sent.1.unwrap();
    to.close();
}

/// Everything `from` gives until the end of its stream.
#[tamed]
fn read_to_end<S: ReadStream>(from: Rc<S>) -> io::Result<Vec<u8>> {
    let got: (Vec<u8>, io::Result<usize>);
    twait! { from.read_to_end(Vec::new(), usize::MAX, mkevent!(got)); }
    let (all, n) = got;
    assert_eq!(n?, all.len());
    Ok(all)
}

/// `copy`, then the close that passes the end of the stream on.
#[tamed]
fn copy_then_close(from: Fd, to: Fd) -> io::Result<u64> {
    let copied: io::Result<u64>;
    twait! { copy(&from, &to, mkevent!(copied)); }
    to.close();
    copied
}

#[test]
fn copy_moves_a_mebibyte_through_pipes_byte_for_byte() {
    on_fresh_loop(|| {
        let (in_r, in_w) = pipe().unwrap();
        let (out_r, out_w) = pipe().unwrap();
        let data = payload(1 << 20); // 16 pipe-fulls: every part waits in turn
        let r = Rendezvous::<()>::new();
        let (copied_ev, copied) = r.event_with_slot(());
        let (drained_ev, drained) = r.event_with_slot(());
        feed(in_w, data.clone());
        copy_then_close(in_r, out_w, copied_ev);
        read_to_end(Rc::new(out_r), drained_ev);
        tame::run();
        assert_eq!(copied.take().unwrap().unwrap(), 1 << 20);
        let got = drained.take().unwrap().unwrap();
        assert!(got == data, "{} bytes arrived, not as sent", got.len());
        assert_eq!(tame::__live_waits(), 0);
    });
}

#[test]
fn copy_counts_the_bytes_and_leaves_the_writer_open_at_the_end() {
    on_fresh_loop(|| {
        let (from, mut from_peer) = pair();
        let (to, mut to_peer) = pair();
        from_peer.write_all(b"seven b").unwrap();
        from_peer.shutdown(Shutdown::Write).unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, copied) = r.event_with_slot(());
        copy(&from, &to, ev);
        tame::run();
        assert_eq!(copied.take().unwrap().unwrap(), 7);
        // `to` was not shut down: its peer has the bytes and no end of
        // stream, and `to` still writes.
        to_peer.set_nonblocking(true).unwrap();
        let mut buf = [0; 16];
        assert_eq!(to_peer.read(&mut buf).unwrap(), 7);
        assert_eq!(&buf[..7], b"seven b");
        let err = to_peer.read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "no end of stream");
        assert_eq!(to.try_write(b"more").unwrap(), 4);
        assert_eq!(to_peer.read(&mut buf).unwrap(), 4);
        drop(from);
        assert!(peer_sees_eof(&mut from_peer));
    });
}

#[test]
fn copy_echoes_through_the_halves_of_one_tcp_stream() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let conn = TcpStream::from_std(listener.accept().unwrap().0).unwrap();
        let (r, w) = conn.into_split();
        let rdv = Rendezvous::<()>::new();
        let (ev, copied) = rdv.event_with_slot(());
        copy(&r, &w, ev);
        client.write_all(b"echo me").unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        tame::run();
        assert_eq!(copied.take().unwrap().unwrap(), 7);
        let mut back = [0; 7];
        client.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"echo me");
    });
}

#[test]
fn a_client_gone_before_its_reply_is_a_reset_not_a_socket_never_connected() {
    on_fresh_loop(|| {
        // The client sends its request and closes without reading: the
        // reply the proxy passes on draws a reset, and the end of the
        // stream can no longer be passed on (the shutdown's ENOTCONN).
        let (front, mut client) = tcp_pair();
        let (back, backend) = tcp_pair();
        client.write_all(b"hello").unwrap();
        drop(client);
        let server = std::thread::spawn(move || {
            let mut backend = backend;
            let mut request = Vec::new();
            backend.read_to_end(&mut request).unwrap();
            backend.write_all(b"reply").unwrap();
            request
        });
        let got = tame::run_with(|done| copy_bidirectional(&front, &back, done)).unwrap();
        assert_eq!(server.join().unwrap(), b"hello");
        match got {
            // (If the reset came after the shutdown, all went through.)
            Ok(counts) => assert_eq!(counts, (5, 5)),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}"),
        }
    });
}

#[test]
fn a_cancelled_copy_stops_and_its_descriptors_close() {
    on_fresh_loop(|| {
        let (silent, mut silent_peer) = pair();
        let (to_a, mut to_a_peer) = pair();
        let (to_b, mut to_b_peer) = pair(); // its peer reads nothing: it fills up
        let zero = dev_zero();
        let (front, mut front_peer) = pair();
        let (back, mut back_peer) = pair();
        let r = Rendezvous::<()>::new();
        let (waits_to_read, got_a) = r.event_with_slot::<io::Result<u64>>(());
        let (waits_to_write, got_b) = r.event_with_slot::<io::Result<u64>>(());
        let (both_wait, got_both) = r.event_with_slot::<io::Result<(u64, u64)>>(());
        copy(&silent, &to_a, waits_to_read);
        copy(&zero, &to_b, waits_to_write);
        copy_bidirectional(&front, &back, both_wait);
        assert_eq!(tame::__live_waits(), 4, "three wait to read, one to write");
        // The handles were lent for the calls only: the copies keep the
        // descriptors open while they run.
        drop((silent, to_a, to_b, zero, front, back));
        assert_eq!(tame::__live_waits(), 4);
        r.cancel();
        tame::run(); // returns: the copies stopped with their events
        assert_eq!(tame::__live_waits(), 0);
        assert!(got_a.take().is_none() && got_b.take().is_none() && got_both.take().is_none());
        // Nothing kept a descriptor: every peer reads the end of its stream.
        for peer in [
            &mut silent_peer,
            &mut to_a_peer,
            &mut to_b_peer,
            &mut front_peer,
            &mut back_peer,
        ] {
            assert!(peer_sees_eof(peer));
        }
    });
}

#[test]
fn copy_ends_with_an_error_when_a_handle_is_closed_under_it() {
    on_fresh_loop(|| {
        let (from, _from_peer) = pair();
        let (to, _to_peer) = pair();
        let (to_full, _full_peer) = pair();
        let r = Rendezvous::<()>::new();
        let (reading, read_closed) = r.event_with_slot::<io::Result<u64>>(());
        let (writing, write_closed) = r.event_with_slot::<io::Result<u64>>(());
        copy(&from, &to, reading); // waits to read `from`
        copy(&dev_zero(), &to_full, writing); // waits to write `to_full`
        from.close();
        to_full.close();
        tame::run();
        let which = ["reads from", "writes to"];
        for (ended, which) in [read_closed.take(), write_closed.take()]
            .into_iter()
            .zip(which)
        {
            let err = ended.expect("the copy ended").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted, "{err}");
            let says = format!("copy: the stream it {which} was closed");
            assert_eq!(err.to_string(), says);
        }
        assert_eq!(tame::__live_waits(), 0);
    });
}

/// A copy waits on one descriptor at a time: closing the other ends it too,
/// at once, and its descriptor closes then (the copy let go of it), so its
/// peer reads the end of the stream. (A copy waiting to read `from` held
/// a closed `to` open until input came, perhaps never.)
#[test]
fn closing_either_stream_ends_a_copy_waiting_on_the_other() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        // Waits to write `to_full`, whose peer reads nothing; `from` closed.
        let zero = dev_zero();
        let (to_full, _full_peer) = pair();
        let (writing, ended_writing) = r.event_with_slot::<io::Result<u64>>(());
        copy(&zero, &to_full, writing);
        // Waits to read a silent `from`; `to` closed.
        let (from, _from_peer) = pair();
        let (to, mut to_peer) = pair();
        let (reading, ended_reading) = r.event_with_slot::<io::Result<u64>>(());
        copy(&from, &to, reading);
        // Both ways between two silent streams; `a` closed.
        let (a, mut a_peer) = pair();
        let (b, _b_peer) = pair();
        let (both, ended_both) = r.event_with_slot::<io::Result<(u64, u64)>>(());
        copy_bidirectional(&a, &b, both);
        tame::run_once(Some(Duration::ZERO));

        zero.close();
        to.close();
        a.close();
        let says = |e: io::Error| {
            assert_eq!(e.kind(), io::ErrorKind::ConnectionAborted, "{e}");
            e.to_string()
        };
        let closed = |what: &str| format!("copy: the stream it {what} was closed");
        let ended = ended_writing
            .take()
            .expect("ended at the close")
            .unwrap_err();
        assert_eq!(says(ended), closed("reads from"));
        let ended = ended_reading
            .take()
            .expect("ended at the close")
            .unwrap_err();
        assert_eq!(says(ended), closed("writes to"));
        let ended = ended_both.take().expect("ended at the close").unwrap_err();
        assert_eq!(says(ended), "copy: a stream it copies was closed");
        tame::run(); // the copies let go of their descriptors
        assert_eq!(tame::__live_waits(), 0);
        assert!(peer_sees_eof(&mut to_peer), "`to` was closed");
        assert!(peer_sees_eof(&mut a_peer), "`a` was closed");
        drop((to_full, from, b));
    });
}

/// Where `file`'s reads are, after each turn of the loop, until they reach
/// `end`: another task on the loop, which runs only when the loop gets a
/// turn.
#[tamed]
fn offsets_per_turn(file: std::fs::File, end: u64) -> Vec<u64> {
    let mut seen = Vec::new();
    loop {
        twait! { tame::asap(mkevent!()); }
        let at = (&file).stream_position().unwrap();
        seen.push(at);
        if at == end {
            return seen;
        }
    }
}

#[test]
fn a_copy_whose_reads_and_writes_never_wait_lets_the_loop_turn() {
    on_fresh_loop(|| {
        // A memfd always has data (its reads never wait) and /dev/null
        // always takes it: each round completes at once.
        const LEN: u64 = 8 << 20; // 512 rounds of 16 KiB
        let file: std::fs::File = rustix::fs::memfd_create("copied", MemfdFlags::CLOEXEC)
            .unwrap()
            .into();
        file.set_len(LEN).unwrap();
        // A duplicate shares the offset the copy's reads move.
        let offset = file.try_clone().unwrap();
        let from = Fd::new(file).unwrap();
        let to = Fd::new(OpenOptions::new().write(true).open("/dev/null").unwrap()).unwrap();
        let r = Rendezvous::<()>::new();
        let (seen_ev, seen) = r.event_with_slot(());
        let (copied_ev, copied) = r.event_with_slot::<io::Result<u64>>(());
        offsets_per_turn(offset, LEN, seen_ev);
        copy(&from, &to, copied_ev);
        tame::run();
        assert_eq!(copied.take().unwrap().unwrap(), LEN);
        let mut seen = seen.take().unwrap();
        seen.insert(0, 0);
        let most = seen.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        // 32 rounds of 16 KiB between two turns; twice that for margin.
        assert!(
            most <= 1 << 20,
            "the copy moved {most} bytes while the loop had no turn"
        );
    });
}

/// Sends `request`, shuts down its side, and reads the reply to its end.
#[tamed]
fn client(conn: UnixStream, request: Vec<u8>) -> io::Result<Vec<u8>> {
    let conn = Rc::new(conn);
    let sent: (Vec<u8>, io::Result<()>);
    twait! { conn.write_all(request, mkevent!(sent)); }
    let (_, written) = sent;
    written?;
    conn.shutdown(Shutdown::Write)?;
    let reply: io::Result<Vec<u8>>;
    twait! { read_to_end(conn.clone(), mkevent!(reply)); }
    reply
}

/// Reads the request to its end (it ends only if the proxy passes the
/// client's shutdown on), then sends `reply` and shuts down its side.
#[tamed]
fn server(conn: UnixStream, reply: Vec<u8>) -> io::Result<Vec<u8>> {
    let conn = Rc::new(conn);
    let request: io::Result<Vec<u8>>;
    twait! { read_to_end(conn.clone(), mkevent!(request)); }
    let request = request?;
    let sent: (Vec<u8>, io::Result<()>);
    twait! { conn.write_all(reply, mkevent!(sent)); }
    let (_, written) = sent;
    written?;
    conn.shutdown(Shutdown::Write)?;
    Ok(request)
}

#[test]
fn copy_bidirectional_passes_each_end_on_and_counts_both_ways() {
    on_fresh_loop(|| {
        let (client_end, front) = UnixStream::pair().unwrap();
        let (back, server_end) = UnixStream::pair().unwrap();
        let (request, reply) = (payload(100_000), payload(300_000));
        let r = Rendezvous::<()>::new();
        let (proxied, counts) = r.event_with_slot(());
        let (replied, got_reply) = r.event_with_slot(());
        let (served, got_request) = r.event_with_slot(());
        copy_bidirectional(&front, &back, proxied);
        client(client_end, request.clone(), replied);
        server(server_end, reply.clone(), served);
        tame::run();
        assert_eq!(counts.take().unwrap().unwrap(), (100_000, 300_000));
        assert!(got_request.take().unwrap().unwrap() == request);
        assert!(got_reply.take().unwrap().unwrap() == reply);
        assert_eq!(tame::__live_waits(), 0);
    });
}

#[test]
fn copy_bidirectional_ends_at_the_first_error_and_stops_the_other_direction() {
    on_fresh_loop(|| {
        let (front, mut client) = pair();
        let (back, _server) = pair();
        let r = Rendezvous::<()>::new();
        let (ev, outcome) = r.event_with_slot(());
        copy_bidirectional(&front, &back, ev);
        assert_eq!(tame::__live_waits(), 2, "both directions wait to read");
        back.close(); // the direction reading `back` fails
        tame::run(); // returns: the direction reading `front` was stopped too
        let err = outcome.take().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted, "{err}");
        assert_eq!(tame::__live_waits(), 0);
        // `front` was neither shut down nor closed by the error.
        client.write_all(b"x").unwrap();
        assert_eq!(front.try_read(&mut [0; 4]).unwrap(), 1);
        client.set_nonblocking(true).unwrap();
        let err = client.read(&mut [0; 4]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "no end of stream");
    });
}

type Line = io::Result<Option<Vec<u8>>>;

/// Starts a `read_line` whose line lands in the returned slot.
fn start_read_line<S: ReadStream + 'static>(
    reader: &LineReader<S>,
    r: &Rendezvous<()>,
    limit: usize,
) -> tame::task::Slot<Line> {
    let (ev, line) = r.event_with_slot::<Line>(());
    reader.read_line(limit, ev);
    line
}

/// A `read_line` that read "par" (sent by `peer`) and was then given up,
/// as a timeout gives one up: its slot (never filled).
fn a_read_line_given_up_after_par(
    reader: &LineReader<UnixStream>,
    peer: &mut StdUnixStream,
) -> tame::task::Slot<Line> {
    let gave_up = Rendezvous::<()>::new();
    let abandoned = start_read_line(reader, &gave_up, 64);
    peer.write_all(b"par").unwrap();
    turn_until(|| reader.buffer() == b"par");
    gave_up.cancel();
    abandoned
}

/// What a finished `read_line` gave: `Some(line)`, `None` at the end.
fn line_of(slot: &tame::task::Slot<Line>) -> Option<Vec<u8>> {
    slot.take().expect("the read_line came back").unwrap()
}

#[test]
fn many_lines_in_one_write_come_out_one_per_call() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        peer.write_all(b"one\ntwo\nthree\n").unwrap();
        let r = Rendezvous::<()>::new();
        let first = start_read_line(&reader, &r, 64);
        tame::run();
        assert_eq!(line_of(&first).unwrap(), b"one\n");
        assert_eq!(reader.buffer(), b"two\nthree\n", "read and kept");
        // The next lines are in the buffer: given at once, without a read.
        let second = start_read_line(&reader, &r, 64);
        assert_eq!(line_of(&second).unwrap(), b"two\n");
        let third = start_read_line(&reader, &r, 64);
        assert_eq!(line_of(&third).unwrap(), b"three\n");
        assert!(reader.buffer().is_empty());
        drop(peer);
        let end = start_read_line(&reader, &r, 64);
        tame::run();
        assert_eq!(line_of(&end), None);
    });
}

#[test]
fn a_line_split_across_writes_comes_out_whole_and_the_rest_waits() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        let r = Rendezvous::<()>::new();
        let line = start_read_line(&reader, &r, 64);
        peer.write_all(b"hel").unwrap();
        turn_until(|| reader.buffer() == b"hel");
        assert!(line.take().is_none(), "no line yet");
        peer.write_all(b"lo\nwor").unwrap();
        turn_until(|| {
            line.take()
                .is_some_and(|l| l.unwrap().unwrap() == b"hello\n")
        });
        assert_eq!(reader.buffer(), b"wor");
        let next = start_read_line(&reader, &r, 64);
        peer.write_all(b"ld\n").unwrap();
        tame::run();
        assert_eq!(line_of(&next).unwrap(), b"world\n");
    });
}

#[test]
fn a_skipped_line_is_dropped_as_it_arrives_and_the_next_line_follows() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        let r = Rendezvous::<()>::new();
        // 64 KiB without a `\n`, sent in pieces: too long for 16 bytes.
        peer.write_all(&[b'x'; 1 << 10]).unwrap();
        let long = start_read_line(&reader, &r, 16);
        tame::run_once(Some(Duration::from_secs(30)));
        let err = long.take().expect("found at once").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // The same call gives the same error again, at once.
        let again = start_read_line(&reader, &r, 16);
        assert_eq!(
            again.take().unwrap().unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        reader.skip_line();
        assert!(reader.buffer().is_empty(), "the buffered part is dropped");
        let next = start_read_line(&reader, &r, 16);
        for _ in 0..63 {
            peer.write_all(&[b'x'; 1 << 10]).unwrap();
            tame::run_once(Some(Duration::from_secs(30)));
            assert!(next.take().is_none(), "still in the skipped line");
            assert!(reader.buffer().is_empty(), "dropped as it is read");
        }
        peer.write_all(b"xx\nok\nrest\n").unwrap();
        turn_until(|| next.take().is_some_and(|l| l.unwrap().unwrap() == b"ok\n"));
        assert_eq!(reader.buffer(), b"rest\n");
        // With no line too long under way, skipping drops nothing.
        reader.skip_line();
        let last = start_read_line(&reader, &r, 16);
        assert_eq!(line_of(&last).unwrap(), b"rest\n");
    });
}

/// A line skipped to the end of its stream ends there: what a file grown
/// later gives is a new line, not more of the one skipped.
#[test]
fn a_line_skipped_to_the_end_of_a_file_ends_there() {
    on_fresh_loop(|| {
        let path = std::env::temp_dir().join(format!("tame-skip-eof-{}", std::process::id()));
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"much too long, and no newline").unwrap();
        let reader =
            LineReader::new(tame::io::Fd::new(std::fs::File::open(&path).unwrap()).unwrap());
        let r = Rendezvous::<()>::new();
        let long = start_read_line(&reader, &r, 4);
        turn_until(|| long.take().is_some_and(|l| l.is_err()));
        reader.skip_line();
        let end = start_read_line(&reader, &r, 4);
        turn_until(|| end.take().is_some_and(|l| l.unwrap().is_none()));
        file.write_all(b"ok\nnext\n").unwrap();
        let next = start_read_line(&reader, &r, 8);
        turn_until(|| next.take().is_some_and(|l| l.unwrap().unwrap() == b"ok\n"));
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn skip_line_after_a_retry_with_a_larger_limit_skips_nothing() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        let r = Rendezvous::<()>::new();
        peer.write_all(&[b'x'; 32]).unwrap();
        let short = start_read_line(&reader, &r, 16);
        tame::run_once(Some(Duration::from_secs(30)));
        assert!(short.take().unwrap().is_err(), "too long for 16");
        // A retry with room for it, waiting for its end; an unrelated
        // error meanwhile (a second read_line: busy) is no reason to skip.
        let retry = start_read_line(&reader, &r, 64);
        let busy = start_read_line(&reader, &r, 64);
        assert_eq!(
            busy.take().unwrap().unwrap_err().kind(),
            io::ErrorKind::ResourceBusy
        );
        reader.skip_line();
        peer.write_all(b"\n").unwrap();
        turn_until(|| {
            retry
                .take()
                .is_some_and(|l| l.unwrap().unwrap().len() == 33)
        });
    });
}

/// Every line of `reader` until the end of its stream.
#[tamed]
fn all_lines<S: ReadStream>(reader: LineReader<S>, limit: usize) -> io::Result<Vec<Vec<u8>>> {
    let mut lines = Vec::new();
    loop {
        let line: Line;
        twait! { reader.read_line(limit, mkevent!(line)); }
        match line? {
            Some(line) => lines.push(line),
            None => return Ok(lines),
        }
    }
}

#[test]
fn the_final_unterminated_line_comes_as_a_line_then_the_end() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        peer.write_all(b"a\nlast").unwrap();
        drop(peer);
        let (read_half, _write_half) = conn.into_split();
        let lines = tame::run_with(|done| all_lines(LineReader::new(read_half), 64, done));
        assert_eq!(lines.unwrap().unwrap(), [&b"a\n"[..], b"last"]);
    });
}

#[test]
fn a_line_longer_than_the_limit_is_an_error_and_its_bytes_stay() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        peer.write_all(b"abc\n0123456789\nabcd").unwrap();
        drop(peer);
        let r = Rendezvous::<()>::new();
        // Four bytes with the newline: within a limit of 4.
        let fits = start_read_line(&reader, &r, 4);
        tame::run();
        assert_eq!(line_of(&fits).unwrap(), b"abc\n");
        let too_long = start_read_line(&reader, &r, 5);
        let err = too_long.take().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(reader.buffer(), b"0123456789\nabcd", "nothing lost");
        let again = start_read_line(&reader, &r, 64);
        assert_eq!(line_of(&again).unwrap(), b"0123456789\n");
        // A final line of exactly the limit fits: the end of the stream,
        // not a newline, comes after it.
        let last = start_read_line(&reader, &r, 4);
        tame::run();
        assert_eq!(line_of(&last).unwrap(), b"abcd");
    });
}

/// `read_until` of `b"\n"` with `limit` on `conn`, started now.
fn start_read_until(
    conn: &UnixStream,
    r: &Rendezvous<()>,
    limit: usize,
) -> tame::task::Slot<(Vec<u8>, io::Result<usize>)> {
    let (ev, slot) = r.event_with_slot(());
    conn.read_until(Vec::new(), b"\n", limit, ev);
    slot
}

#[test]
fn a_final_record_of_exactly_the_limit_is_whole_for_read_until_and_line_reader() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        // `read_until`: the record, then the end of the stream (`Ok(0)`).
        let (conn, mut peer) = pair();
        peer.write_all(b"abcde").unwrap();
        drop(peer);
        let got = start_read_until(&conn, &r, 5);
        tame::run();
        let (buf, n) = got.take().unwrap();
        assert_eq!((buf, n.unwrap()), (b"abcde".to_vec(), 0));
        // `LineReader`: the same record as the final line.
        let (conn, mut peer) = pair();
        peer.write_all(b"abcde").unwrap();
        drop(peer);
        let lines = tame::run_with(|done| all_lines(LineReader::new(conn), 5, done));
        assert_eq!(lines.unwrap().unwrap(), [b"abcde"]);
    });
}

#[test]
fn read_until_at_exactly_the_limit_waits_for_the_next_byte_to_fail() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (conn, mut peer) = pair();
        peer.write_all(b"abcde").unwrap();
        // A buffer with room reads at once, without a turn of the loop.
        let (ev, got) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(());
        conn.read_until(Vec::with_capacity(16), b"\n", 5, ev);
        assert!(got.take().is_none(), "five bytes may be the final record");
        peer.write_all(b"f").unwrap();
        tame::run();
        let (buf, n) = got.take().unwrap();
        assert_eq!(n.unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(buf, b"abcdef");
        // And `LineReader` agrees: six bytes with no newline are too many.
        let (conn, mut peer) = pair();
        peer.write_all(b"abcdef").unwrap();
        drop(peer);
        let lines = tame::run_with(|done| all_lines(LineReader::new(conn), 5, done));
        let err = lines.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    });
}

#[test]
fn a_second_read_line_in_flight_is_refused_and_the_first_is_untouched() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        let r = Rendezvous::<()>::new();
        let first = start_read_line(&reader, &r, 64);
        let second = start_read_line(&reader, &r, 64);
        let err = second.take().expect("refused at once").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ResourceBusy);
        peer.write_all(b"x\ny\n").unwrap();
        tame::run();
        assert_eq!(line_of(&first).unwrap(), b"x\n");
        assert_eq!(reader.buffer(), b"y\n");
    });
}

#[test]
fn into_inner_gives_the_stream_and_the_bytes_read_past_the_line() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        peer.write_all(b"one\ntwo\nthr").unwrap();
        let r = Rendezvous::<()>::new();
        let one = start_read_line(&reader, &r, 64);
        tame::run();
        assert_eq!(line_of(&one).unwrap(), b"one\n");
        // While a read_line is in flight, the reader is given back.
        let two = start_read_line(&reader, &r, 64); // in the buffer: at once
        assert_eq!(line_of(&two).unwrap(), b"two\n");
        let three = start_read_line(&reader, &r, 64); // waits for the rest
        let reader = reader.into_inner().expect_err("a read_line is in flight");
        peer.write_all(b"ee\nfour\nfi").unwrap();
        tame::run();
        assert_eq!(line_of(&three).unwrap(), b"three\n");
        let (conn, rest) = reader.into_inner().ok().unwrap();
        assert_eq!(rest, b"four\nfi");
        // The stream goes on after those bytes.
        peer.write_all(b"ve").unwrap();
        let mut buf = [0; 8];
        assert_eq!(conn.try_read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ve");
    });
}

#[test]
fn a_cancelled_read_line_keeps_what_it_read_for_the_next() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        let abandoned = a_read_line_given_up_after_par(&reader, &mut peer);
        tame::run(); // returns: the read went with its event
        assert_eq!(tame::__live_waits(), 0);
        assert!(abandoned.take().is_none());
        assert_eq!(reader.buffer(), b"par");
        peer.write_all(b"t\n").unwrap();
        let r = Rendezvous::<()>::new();
        let line = start_read_line(&reader, &r, 64);
        tame::run();
        assert_eq!(line_of(&line).unwrap(), b"part\n");
        assert!(reader.into_inner().is_ok(), "nothing holds the reader");
    });
}

#[test]
fn a_read_line_given_up_goes_on_in_the_next_called_in_the_same_turn() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        let abandoned = a_read_line_given_up_after_par(&reader, &mut peer);
        // The next started before the loop turns again (the read given up,
        // dead, still waits on the stream): neither is refused.
        let r = Rendezvous::<()>::new();
        let also_given_up = Rendezvous::<()>::new();
        let abandoned_too = start_read_line(&reader, &also_given_up, 64);
        assert!(
            abandoned_too.take().is_none(),
            "not refused: {abandoned_too:?}"
        );
        also_given_up.cancel();
        let line = start_read_line(&reader, &r, 64);
        assert!(line.take().is_none(), "not refused: {line:?}");
        // The dead reads went when this one took their place, and left it
        // in flight: a second call is still refused.
        let second = start_read_line(&reader, &r, 64);
        let err = second.take().expect("refused at once").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ResourceBusy);
        peer.write_all(b"tial\nnext\n").unwrap();
        tame::run();
        assert!(abandoned.take().is_none() && abandoned_too.take().is_none());
        assert_eq!(line_of(&line).unwrap(), b"partial\n");
        assert_eq!(reader.buffer(), b"next\n");
        assert_eq!(tame::__live_waits(), 0);
        assert!(reader.into_inner().is_ok(), "nothing holds the reader");
    });
}

#[test]
fn into_inner_right_after_a_read_line_was_given_up_gives_the_bytes_read() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        // Its read, dead, still waits on the stream.
        let abandoned = a_read_line_given_up_after_par(&reader, &mut peer);
        let Ok((conn, rest)) = reader.into_inner() else {
            panic!("refused: the read_line given up counted as in flight");
        };
        assert_eq!(rest, b"par");
        assert!(abandoned.take().is_none());
        assert_eq!(tame::__live_waits(), 0);
        peer.write_all(b"t\n").unwrap();
        let mut buf = [0; 8];
        assert_eq!(conn.try_read(&mut buf).unwrap(), 2);
    });
}

/// Each round, a line or a timeout, whichever comes first (the losing
/// event dies with the round's rendezvous): the lines (or the kinds of
/// the errors), `None` for a round that timed out.
#[tamed]
fn lines_or_timeouts(
    reader: LineReader<UnixStream>,
    rounds: u32,
    wait: Duration,
) -> Vec<Option<Result<Vec<u8>, io::ErrorKind>>> {
    let mut seen = Vec::new();
    for _ in 0..rounds {
        let r = Rendezvous::<u8>::new();
        let mut got: Line = Ok(None);
        reader.read_line(100, mkevent!(r, 0, got));
        tame::timer(wait, mkevent!(r, 1));
        match twait!(r) {
            Some(0) => seen.push(Some(
                got.map(Option::unwrap_or_default).map_err(|e| e.kind()),
            )),
            _ => seen.push(None),
        }
    }
    seen
}

#[test]
fn a_read_line_that_lost_a_race_with_a_timeout_leaves_the_line_to_the_next_round() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        peer.write_all(b"par").unwrap();
        // The rest of the line comes half-way through the second round.
        let wait = Duration::from_millis(100);
        let rest = peer.try_clone().unwrap();
        tame::timer(
            wait + wait / 2,
            tame::Event::from_fn(move |fired: Option<()>| {
                // (The reader may be gone if it failed: what it saw says.)
                if fired.is_some() {
                    let _ = (&rest).write_all(b"tial\nnext\n");
                }
            }),
        );
        let seen = tame::run_with(|done| lines_or_timeouts(LineReader::new(conn), 4, wait, done));
        let seen = seen.unwrap();
        let partial = Some(Ok(b"partial\n".to_vec()));
        let next = Some(Ok(b"next\n".to_vec()));
        assert_eq!(seen, [None, partial, next, None]);
    });
}

/// Each round, a line or a 1 ms timeout, and where the timeout won, the
/// ids queued behind it taken before the round's rendezvous goes. In the
/// first round `peer` sends a line and the function spins past the
/// timeout before it waits, so that both are ready in one turn. The lines
/// delivered, whether as the winner or from the drain.
#[tamed]
fn lines_or_timeouts_drained(reader: LineReader<UnixStream>, peer: StdUnixStream) -> Vec<Vec<u8>> {
    let mut seen = Vec::new();
    for round in 0..3 {
        let r = Rendezvous::<u8>::new();
        let mut got: Line = Ok(None);
        tame::timer(Duration::from_millis(1), mkevent!(r, 1));
        reader.read_line(100, mkevent!(r, 0, got));
        if round == 0 {
            (&peer).write_all(b"one line\n").unwrap();
            let t = std::time::Instant::now();
            while t.elapsed() < Duration::from_millis(3) {}
        }
        let mut line = twait!(r) == Some(0);
        while r.queued() > 0 {
            if twait!(r) == Some(0) {
                line = true;
            }
        }
        if line {
            seen.push(std::mem::replace(&mut got, Ok(None)).unwrap().unwrap());
        }
    }
    seen
}

#[test]
fn a_line_ready_in_the_turn_its_timeout_won_is_taken_by_draining_the_rendezvous() {
    on_fresh_loop(|| {
        for _ in 0..20 {
            let (conn, peer) = pair();
            let seen =
                tame::run_with(|done| lines_or_timeouts_drained(LineReader::new(conn), peer, done));
            assert_eq!(
                seen.unwrap(),
                [b"one line\n".to_vec()],
                "delivered exactly once"
            );
        }
    });
}

/// Writes each chunk in turn, giving the loop a turn between two (so the
/// reader sees them arrive apart), then closes `to`.
#[tamed]
fn feed_in_chunks(to: Fd, chunks: Vec<Vec<u8>>) {
    for chunk in chunks {
        let sent: (Vec<u8>, io::Result<()>);
        twait! {
            to.write_all(chunk, mkevent!(sent));
            tame::asap(mkevent!());
        }
        sent.1.unwrap();
    }
    to.close();
}

/// A small deterministic generator (xorshift), so that a failing case can
/// be run again from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn lines_come_out_as_written_however_the_bytes_are_cut() {
    on_fresh_loop(lines_as_written_for_sixty_seeds);
}

fn lines_as_written_for_sixty_seeds() {
    for seed in 1..=60u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Lines of 0 to 40 bytes besides their `\n` (empty ones too), and
        // sometimes a last line without one.
        let mut expected: Vec<Vec<u8>> = (0..rng.below(30))
            .map(|_| {
                let mut line: Vec<u8> = (0..rng.below(41))
                    .map(|_| b"ab\r x"[rng.below(5)])
                    .collect();
                line.push(b'\n');
                line
            })
            .collect();
        if rng.below(2) == 0 {
            expected.push(b"no end".to_vec());
        }
        let bytes = expected.concat();
        // Cut anywhere: single bytes, whole lines, several lines at once.
        let mut chunks = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let len = 1 + rng.below(60).min(bytes.len() - at - 1);
            chunks.push(bytes[at..at + len].to_vec());
            at += len;
        }
        let (r, w) = pipe().unwrap();
        feed_in_chunks(w, chunks.clone());
        let lines = tame::run_with(|done| all_lines(LineReader::new(r), 64, done));
        assert_eq!(
            lines.unwrap().unwrap(),
            expected,
            "seed {seed}, chunks {chunks:?}"
        );
    }
}

/// Writes a four-byte tick into `conn` every `every` of loop time, `times`
/// times; `conn` stays open (the test holds it too).
#[tamed]
fn tick_into(conn: Rc<UnixStream>, times: u32, every: Duration) {
    for _ in 0..times {
        twait! { tame::timer(every, mkevent!()); }
        let sent: (Vec<u8>, io::Result<()>);
        twait! { conn.write_all(b"tick".to_vec(), mkevent!(sent)); }
        sent.1.unwrap();
    }
}

#[test]
fn an_idle_copy_ends_a_limit_after_the_last_chunk_moved_either_way() {
    on_fresh_loop(|| {
        tame::time::pause();
        let (client, front) = UnixStream::pair().unwrap();
        let (back, server) = UnixStream::pair().unwrap();
        let client = Rc::new(client);
        let start = tame::now();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot(());
        tame::io::copy_bidirectional_idle(&front, &back, Duration::from_secs(30), ev);
        // Ticks at 20, 40 and 60 s: each pushes the limit back. The one at
        // 60 s is written in the turn of the idle timer's look at 60 s,
        // after it: the bytes it queued (nobody reads them) may hide a
        // reader's progress, so the limit gives one more period, as
        // documented, and the copy gives up at 120 s, not 90 s.
        tick_into(client.clone(), 3, Duration::from_secs(20));
        tame::run();
        let err = got.take().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert_eq!(tame::now() - start, Duration::from_secs(120));
        let mut buf = [0; 64];
        assert_eq!(server.try_read(&mut buf).unwrap(), 12, "every tick passed");
        assert_eq!(tame::__timer_entries(), 0);
        assert_eq!(tame::__live_waits(), 0, "both directions stopped");
    });
}

/// `Duration::MAX` as the idle limit (no limit, in effect): the loop's
/// timers take it as a century, and so does the copy's own arithmetic,
/// which panicked ("overflow when adding duration to instant") when the
/// paused clock jumped to the timer.
#[test]
fn an_idle_copy_with_the_largest_limit_times_out_a_century_later() {
    on_fresh_loop(|| {
        tame::time::pause();
        let (_client, front) = UnixStream::pair().unwrap();
        let (back, _server) = UnixStream::pair().unwrap();
        let start = tame::now();
        let r = Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot(());
        tame::io::copy_bidirectional_idle(&front, &back, Duration::MAX, ev);
        tame::run();
        let err = got.take().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(tame::now() - start >= Duration::from_secs(99 * 365 * 24 * 3600));
        assert_eq!(tame::__timer_entries(), 0);
        tame::time::resume();
    });
}

#[test]
fn an_idle_copy_that_ends_in_time_gives_its_counts_and_leaves_no_timer() {
    on_fresh_loop(|| {
        tame::time::pause();
        let (client, front) = UnixStream::pair().unwrap();
        let (back, server) = UnixStream::pair().unwrap();
        client.try_write(b"request").unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        server.try_write(b"reply").unwrap();
        server.shutdown(Shutdown::Write).unwrap();
        let start = tame::now();
        let counts = tame::run_with(|done| {
            tame::io::copy_bidirectional_idle(&front, &back, Duration::from_secs(30), done)
        });
        assert_eq!(counts.unwrap().unwrap(), (7, 5));
        assert_eq!(tame::now(), start, "no time had to pass");
        assert_eq!(tame::__timer_entries(), 0);
    });
}

/// A loopback TCP connection: (the tame end, the std end).
fn tcp_pair() -> (TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let outer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (inner, _) = listener.accept().unwrap();
    (TcpStream::from_std(inner).unwrap(), outer)
}

#[test]
fn an_idle_copy_goes_on_while_a_slow_reader_takes_its_data() {
    on_fresh_loop(|| {
        let (front, mut client) = tcp_pair();
        let (back, mut reader) = tcp_pair();
        // A reader that takes 4 KiB every 10 ms (pacing, not
        // synchronization) is a slow link, ~400 KB/s: the copy's send
        // buffer fills, and the kernel says writable again once a third of
        // it is free. That buffer is kept small (64 KiB asked, which the
        // kernel doubles): a third of it drains in a tenth of a second,
        // where one the kernel grew to megabytes took seconds, past the
        // idle limit, on a loaded machine. (A tiny receive buffer would
        // stall the link on TCP's zero-window probes instead.)
        rustix::net::sockopt::set_socket_send_buffer_size(&back, 64 << 10).unwrap();
        let writer = std::thread::spawn(move || {
            let chunk = vec![0u8; 64 << 10];
            while client.write_all(&chunk).is_ok() {}
        });
        let slow = std::thread::spawn(move || {
            let (start, mut got, mut buf) = (std::time::Instant::now(), 0usize, [0u8; 4096]);
            while start.elapsed() < Duration::from_secs(3) {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n,
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            got
            // `reader` closes here: the copy's next write fails.
        });
        let result = tame::run_with(|done| {
            // An idle limit well above the reader's pace, also on a loaded
            // machine where the reader's thread waits for a core.
            tame::io::copy_bidirectional_idle(&front, &back, Duration::from_millis(1000), done)
        });
        let got = slow.join().unwrap();
        drop((front, back));
        writer.join().unwrap();
        assert!(got > 0);
        // It ended when the reader went, not on the idle limit.
        let err = result.unwrap().unwrap_err();
        assert_ne!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    });
}

/// `read_to_end` of what `feed` writes into a pipe, with `prefix` in the
/// buffer and a limit of `limit` bytes.
fn read_fed_to_end(prefix: &[u8], bytes: Vec<u8>, limit: usize) -> (Vec<u8>, io::Result<usize>) {
    let (r, w) = pipe().unwrap();
    feed(w, bytes);
    let rdv = Rendezvous::<()>::new();
    let (ev, slot) = rdv.event_with_slot(());
    r.read_to_end(prefix.to_vec(), limit, ev);
    tame::run();
    slot.take().expect("read_to_end gave its buffer back")
}

#[test]
fn read_to_end_appends_everything_until_the_end_and_counts_it() {
    on_fresh_loop(|| {
        // Far more than a pipe holds: the writer and the reader take turns.
        let bytes = payload(1 << 20);
        let (buf, n) = read_fed_to_end(b"head:", bytes.clone(), 2 << 20);
        assert_eq!(n.unwrap(), 1 << 20);
        assert_eq!(&buf[..5], b"head:");
        assert!(buf[5..] == bytes[..], "the bytes came whole and in order");
        // An empty stream: nothing read, the buffer as it was.
        let (buf, n) = read_fed_to_end(b"x", Vec::new(), 10);
        assert_eq!((buf, n.unwrap()), (b"x".to_vec(), 0));
    });
}

#[test]
fn read_to_end_takes_exactly_its_limit_and_refuses_one_byte_more() {
    on_fresh_loop(|| {
        let (buf, n) = read_fed_to_end(b"", payload(10_000), 10_000);
        assert_eq!((buf.len(), n.unwrap()), (10_000, 10_000));
        let (buf, n) = read_fed_to_end(b"", payload(10_001), 10_000);
        let e = n.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("more than 10000 bytes"), "{e}");
        // What it read is given back, one byte past the limit.
        assert_eq!(buf, payload(10_001));
    });
}

/// `read_exact` of `n` bytes of what `feed` writes into a pipe, with
/// `prefix` in the buffer; then what a plain read finds after it.
fn read_fed_exactly(prefix: &[u8], bytes: Vec<u8>, n: usize) -> (Vec<u8>, io::Result<()>, Vec<u8>) {
    let (r, w) = pipe().unwrap();
    feed(w, bytes);
    let rdv = Rendezvous::<()>::new();
    let (ev, slot) = rdv.event_with_slot(());
    r.read_exact(prefix.to_vec(), n, ev);
    tame::run();
    let (buf, got) = slot.take().expect("read_exact gave its buffer back");
    let (ev, rest) = rdv.event_with_slot(());
    r.read_to_end(Vec::new(), usize::MAX, ev);
    tame::run();
    (buf, got, rest.take().unwrap().0)
}

#[test]
fn read_exact_takes_its_bytes_and_not_one_more() {
    on_fresh_loop(|| {
        // Far more than a pipe holds, then what follows it.
        let bytes = payload((1 << 20) + 7);
        let (buf, got, rest) = read_fed_exactly(b"head:", bytes.clone(), 1 << 20);
        got.unwrap();
        assert_eq!(&buf[..5], b"head:");
        assert!(
            buf[5..] == bytes[..1 << 20],
            "the bytes came whole and in order"
        );
        assert_eq!(
            rest,
            bytes[1 << 20..],
            "the bytes after them are the next reader's"
        );
        // None asked: done at once, nothing read.
        let (buf, got, rest) = read_fed_exactly(b"x", b"abc".to_vec(), 0);
        got.unwrap();
        assert_eq!((buf, rest), (b"x".to_vec(), b"abc".to_vec()));
    });
}

#[test]
fn read_exact_of_a_stream_that_ends_first_says_so_and_gives_what_came() {
    on_fresh_loop(|| {
        let (buf, got, _) = read_fed_exactly(b"", payload(10), 11);
        let e = got.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert!(e.to_string().contains("after 10 of 11 bytes"), "{e}");
        assert_eq!(buf, payload(10));
    });
}

/// A peer's length costs no memory before its bytes come: a read of a
/// gigabyte that has had ten bytes holds a buffer of a chunk.
#[test]
fn read_exact_allocates_as_the_bytes_come() {
    on_fresh_loop(|| {
        let (a, mut peer) = pair();
        let rdv = Rendezvous::<()>::new();
        let (ev, slot) = rdv.event_with_slot(());
        a.read_exact(Vec::new(), 1 << 30, ev);
        peer.write_all(&payload(10)).unwrap();
        assert!(tame::run_once(Some(Duration::from_secs(30))));
        drop(peer);
        turn_until(|| rdv.try_next().is_some());
        let (buf, got) = slot.take().unwrap();
        assert_eq!(got.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(buf, payload(10));
        assert!(buf.capacity() <= 1 << 16, "held {} bytes", buf.capacity());
    });
}

/// What came of a frame a peer said is a terabyte long: the buffer holds
/// at most about twice that, as a `Vec` grows (the room was zero-filled
/// ahead of the bytes, and reserved again: about four times).
#[test]
fn read_exact_holds_about_twice_what_came() {
    on_fresh_loop(|| {
        let (r, w) = pipe().unwrap();
        feed(w, payload(1 << 20));
        let rdv = Rendezvous::<()>::new();
        let (ev, slot) = rdv.event_with_slot(());
        r.read_exact(Vec::new(), usize::MAX / 2, ev);
        tame::run();
        let (buf, got) = slot.take().unwrap();
        assert_eq!(got.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(buf.len(), 1 << 20);
        assert!(buf.capacity() <= 2 << 20, "held {} bytes", buf.capacity());
    });
}

/// A buffer that comes with room to spare is not filled past the limit:
/// the read stops one byte after it (it read into all the spare room).
#[test]
fn read_to_end_into_a_roomy_buffer_stops_one_byte_past_its_limit() {
    on_fresh_loop(|| {
        let (r, w) = pipe().unwrap();
        feed(w, payload(20_000));
        let rdv = Rendezvous::<()>::new();
        let (ev, slot) = rdv.event_with_slot(());
        r.read_to_end(Vec::with_capacity(1 << 16), 10_000, ev);
        tame::run();
        let (buf, n) = slot.take().unwrap();
        assert_eq!(n.unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(buf, payload(10_001));
    });
}

#[test]
fn read_to_end_waits_for_the_end_of_a_stream_that_pauses() {
    on_fresh_loop(|| {
        let (a, mut peer) = pair();
        let rdv = Rendezvous::<()>::new();
        let (ev, slot) = rdv.event_with_slot(());
        a.read_to_end(Vec::new(), 1024, ev);
        peer.write_all(b"first ").unwrap();
        // A turn that reads the bytes: the stream goes on, no answer yet.
        assert!(tame::run_once(Some(Duration::from_secs(30))));
        assert_eq!(
            rdv.try_next(),
            None,
            "answered before the end of the stream"
        );
        peer.write_all(b"then the rest").unwrap();
        peer.shutdown(Shutdown::Write).unwrap();
        let mut answered = false;
        turn_until(|| {
            answered |= rdv.try_next().is_some();
            answered
        });
        let (buf, n) = slot.take().unwrap();
        assert_eq!((&buf[..], n.unwrap()), (&b"first then the rest"[..], 19));
    });
}

/// A library's connection type that takes any stream, chosen at run time
/// (TCP or Unix), through `Fd`, and shares it between a reading task and
/// a writing task through an `Rc`: both sides work, on both kinds.
#[test]
fn a_stream_chosen_at_run_time_is_shared_by_a_reader_and_a_writer() {
    use tame::io::WriteStream;

    #[tamed]
    fn send<S: WriteStream + 'static>(conn: Rc<S>, msg: Vec<u8>) {
        let sent: (Vec<u8>, io::Result<()>);
        twait! { conn.write_all(msg, mkevent!(sent)); }
        sent.1.unwrap();
    }

    #[tamed]
    fn receive<S: ReadStream + 'static>(conn: Rc<S>) -> Vec<u8> {
        let got: (Vec<u8>, io::Result<usize>);
        twait! { conn.read(Vec::with_capacity(64), mkevent!(got)); }
        got.0
    }

    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let (u1, u2) = UnixStream::pair().unwrap();
        let tcp_server = TcpStream::from_std(server).unwrap();
        let ends: Vec<(Fd, Fd)> = vec![
            (
                TcpStream::from_std(client).unwrap().into(),
                tcp_server.into(),
            ),
            (u1.into(), u2.into()),
        ];
        for (near, far) in ends {
            let (near, far) = (Rc::new(near), Rc::new(far));
            send(near.clone(), b"ping".to_vec());
            let got = tame::run_with(|done| receive(far.clone(), done)).unwrap();
            assert_eq!(got, b"ping");
            send(far, b"pong".to_vec());
            let got = tame::run_with(|done| receive(near, done)).unwrap();
            assert_eq!(got, b"pong");
        }
    });
}

#[test]
fn a_line_cut_off_by_a_reset_is_an_error_not_a_final_line() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let conn = TcpStream::from_std(listener.accept().unwrap().0).unwrap();
        let reader = LineReader::new(conn);
        let r = Rendezvous::<()>::new();
        let cut = start_read_line(&reader, &r, 64);
        peer.write_all(b"half a li").unwrap();
        turn_until(|| reader.buffer() == b"half a li");
        // The peer resets the connection mid-line (a close with linger 0).
        rustix::net::sockopt::set_socket_linger(&peer, Some(Duration::ZERO)).unwrap();
        drop(peer);
        turn_until(|| cut.is_back());
        let err = cut.take().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
        assert_eq!(reader.buffer(), b"half a li", "kept after the error");
        // The stream then reads as ended: the cut line is no final line.
        let next = start_read_line(&reader, &r, 64);
        turn_until(|| next.is_back());
        let err = next.take().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        assert!(err.to_string().contains("its 9 bytes"), "{err}");
        let end = start_read_line(&reader, &r, 64);
        turn_until(|| end.is_back());
        assert_eq!(line_of(&end), None);
    });
}

#[test]
fn a_refused_read_line_cuts_no_line_and_a_drained_one_is_not_reported() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let reader = LineReader::new(conn);
        let _abandoned = a_read_line_given_up_after_par(&reader, &mut peer);
        tame::run();
        // Another wait on the stream: the next read_line is refused, and
        // reads nothing.
        let r = Rendezvous::<()>::new();
        let (readable, _) = r.event_with_slot::<io::Result<()>>(());
        reader.get_ref().readable(readable);
        let refused = start_read_line(&reader, &r, 64);
        turn_until(|| refused.is_back());
        let err = refused.take().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ResourceBusy);
        // The peer ends cleanly: "par" is a final line, not a cut one.
        drop(peer);
        tame::run();
        let last = start_read_line(&reader, &r, 64);
        turn_until(|| last.is_back());
        assert_eq!(line_of(&last).unwrap(), b"par");
    });
}

#[test]
fn closing_a_line_reader_of_a_read_half_stops_its_read_and_leaves_the_write_half() {
    on_fresh_loop(|| {
        let (conn, mut peer) = pair();
        let (read, write) = conn.into_split();
        let reader = LineReader::new(read);
        let r = Rendezvous::<()>::new();
        let pending = start_read_line(&reader, &r, 64);
        peer.write_all(b"no newl").unwrap();
        turn_until(|| reader.buffer() == b"no newl");
        reader.close();
        assert!(
            pending.is_back() && pending.take().is_none(),
            "back, untriggered"
        );
        // The write half still writes; the peer reads it.
        assert_eq!(write.try_write(b"bye\n").unwrap(), 4);
        let mut got = [0u8; 4];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"bye\n");
        drop(write);
        assert!(peer_sees_eof(&mut peer));
        tame::run();
    });
}

/// Writes a copy made in the turn of the idle timer's last look (its
/// first turn, here: the data was waiting) count as writes since that
/// look: the queue they raised may hide a reader's progress, so the idle
/// limit gives one more period to tell. They were taken for none (their
/// time was the look's), and the copy timed out at the first look, while a
/// slow reader could be taking its data. (On a paused clock every turn
/// before the first jump has the copy's start time; nobody reads here, so
/// it times out, a period later.)
#[test]
fn an_idle_copy_counts_the_writes_of_its_last_looks_turn() {
    on_fresh_loop(|| {
        tame::time::pause();
        let (front, mut client) = pair();
        let (back, _server) = pair();
        client.set_nonblocking(true).unwrap();
        let chunk = vec![7u8; 16 << 10];
        while client.write(&chunk).is_ok() {}
        let start = tame::now();
        let limit = Duration::from_secs(1);
        let result =
            tame::run_with(|done| tame::io::copy_bidirectional_idle(&front, &back, limit, done));
        let err = result.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert_eq!(tame::now() - start, 2 * limit);
        tame::time::resume();
    });
}
