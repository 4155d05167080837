//! Readiness waits on a registration that reports changes (edge-triggered):
//! a wait after the bytes were drained waits for new ones, a wait after a
//! read the loop did not see still finds the bytes left, and a full socket
//! is reported writable once its peer reads.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::rc::Rc;
use std::time::Duration;

use tame::net::UnixStream;
use tame::Event;

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

type Log = Rc<RefCell<Vec<&'static str>>>;

/// An event that notes `what` in `log` when it comes back triggered.
fn note<T: 'static>(log: &Log, what: &'static str) -> Event<T> {
    let log = log.clone();
    Event::from_fn(move |v: Option<T>| {
        if v.is_some() {
            log.borrow_mut().push(what);
        }
    })
}

/// A tame stream and the std peer of a fresh pair.
fn pair() -> (UnixStream, StdUnixStream) {
    let (a, b) = StdUnixStream::pair().unwrap();
    (UnixStream::from_std(a).unwrap(), b)
}

/// A readable wait, its result checked, noted in `log`.
fn readable(stream: &UnixStream, log: &Log, what: &'static str) {
    let log = log.clone();
    stream.readable(Event::from_fn(move |r: Option<io::Result<()>>| {
        if let Some(r) = r {
            r.unwrap();
            log.borrow_mut().push(what);
        }
    }));
}

/// The peer writes `bytes` on a later turn (20 ms on), noting "wrote".
fn write_later(peer: &Rc<RefCell<StdUnixStream>>, bytes: &'static [u8], log: &Log) {
    let p = peer.clone();
    let l = log.clone();
    tame::timer(
        Duration::from_millis(20),
        Event::from_fn(move |v: Option<()>| {
            if v.is_some() {
                p.borrow_mut().write_all(bytes).unwrap();
                l.borrow_mut().push("wrote");
            }
        }),
    );
}

/// The peer reads `n` bytes on a later turn (20 ms on), noting "drained".
fn drain_later(peer: &Rc<RefCell<StdUnixStream>>, n: usize, log: &Log) {
    let p = peer.clone();
    let l = log.clone();
    tame::timer(
        Duration::from_millis(20),
        Event::from_fn(move |v: Option<()>| {
            if v.is_some() {
                let mut left = n;
                let mut buf = vec![0; 65536];
                while left > 0 {
                    left -= p.borrow_mut().read(&mut buf).unwrap();
                }
                l.borrow_mut().push("drained");
            }
        }),
    );
}

#[test]
fn a_wait_after_a_short_read_waits_for_new_bytes() {
    on_fresh_loop(|| {
        let (stream, peer) = pair();
        let peer = Rc::new(RefCell::new(peer));
        let log: Log = Rc::default();
        peer.borrow_mut().write_all(b"x").unwrap();
        readable(&stream, &log, "readable");
        tame::run();
        // A read that leaves room drains the socket: the wait after it must
        // not report the bytes it already took.
        let mut buf = [0; 64];
        assert_eq!(stream.try_read(&mut buf).unwrap(), 1);
        readable(&stream, &log, "readable again");
        write_later(&peer, b"y", &log);
        tame::run();
        assert_eq!(*log.borrow(), ["readable", "wrote", "readable again"]);
        assert_eq!(stream.try_read(&mut buf).unwrap(), 1);
        assert_eq!(buf[0], b'y');
    });
}

#[test]
fn a_wait_after_a_short_read_still_sees_an_end_of_stream_that_came_with_the_bytes() {
    on_fresh_loop(|| {
        let (stream, mut peer) = pair();
        let log: Log = Rc::default();
        // The bytes and the end of the stream arrive before the loop looks:
        // one report says both.
        peer.write_all(b"abc").unwrap();
        peer.shutdown(std::net::Shutdown::Write).unwrap();
        readable(&stream, &log, "readable");
        tame::run();
        // A short read takes the bytes, not the end of the stream; no new
        // report will come for it, so the wait must not count on one.
        let mut buf = [0; 64];
        assert_eq!(stream.try_read(&mut buf).unwrap(), 3);
        readable(&stream, &log, "readable at the end");
        tame::run();
        assert_eq!(*log.borrow(), ["readable", "readable at the end"]);
        assert_eq!(stream.try_read(&mut buf).unwrap(), 0);
    });
}

#[test]
fn a_wait_after_would_block_waits_for_new_bytes() {
    on_fresh_loop(|| {
        let (stream, peer) = pair();
        let peer = Rc::new(RefCell::new(peer));
        let log: Log = Rc::default();
        // Exactly a buffer's worth: the read is not short, so the stream
        // learns it is drained only from the next read's `WouldBlock`.
        peer.borrow_mut().write_all(&[7; 8]).unwrap();
        readable(&stream, &log, "readable");
        tame::run();
        let mut buf = [0; 8];
        assert_eq!(stream.try_read(&mut buf).unwrap(), 8);
        let err = stream.try_read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        readable(&stream, &log, "readable again");
        write_later(&peer, b"z", &log);
        tame::run();
        assert_eq!(*log.borrow(), ["readable", "wrote", "readable again"]);
    });
}

#[test]
fn a_wait_after_a_read_the_loop_did_not_see_finds_the_bytes_left() {
    on_fresh_loop(|| {
        let (stream, mut peer) = pair();
        let log: Log = Rc::default();
        peer.write_all(b"ab").unwrap();
        readable(&stream, &log, "readable");
        tame::run();
        // One byte read through a duplicate of the descriptor, behind the
        // stream's back: one is left, and no new bytes will come to report
        // it. The wait must still see it (else `run` never returns and the
        // watchdog fails the test).
        let mut raw = File::from(stream.as_fd().try_clone_to_owned().unwrap());
        let mut one = [0; 1];
        assert_eq!(raw.read(&mut one).unwrap(), 1);
        readable(&stream, &log, "readable again");
        tame::run();
        assert_eq!(*log.borrow(), ["readable", "readable again"]);
        let mut buf = [0; 8];
        assert_eq!(stream.try_read(&mut buf).unwrap(), 1);
        assert_eq!(buf[0], b'b');
        drop(peer);
    });
}

#[test]
fn a_full_socket_is_writable_again_once_its_peer_reads() {
    on_fresh_loop(|| {
        let (stream, peer) = pair();
        let peer = Rc::new(RefCell::new(peer));
        let log: Log = Rc::default();
        let chunk = [1u8; 4096];
        let mut sent = 0;
        loop {
            match stream.try_write(&chunk) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        stream.writable(note(&log, "writable"));
        drain_later(&peer, sent, &log);
        tame::run();
        assert_eq!(*log.borrow(), ["drained", "writable"]);
        assert!(stream.try_write(&chunk).unwrap() > 0);
    });
}

/// A small deterministic generator (no dependency for a test's dice).
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A tame stream, TCP or Unix, as the reader and writer below use it.
trait Side: 'static {
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
    fn readable(&self, ev: Event<io::Result<()>>);
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    fn writable(&self, ev: Event<io::Result<()>>);
    fn finish(&self);
}

macro_rules! side {
    ($t:ty) => {
        impl Side for $t {
            fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                <$t>::try_read(self, buf)
            }
            fn readable(&self, ev: Event<io::Result<()>>) {
                <$t>::readable(self, ev)
            }
            fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                <$t>::try_write(self, buf)
            }
            fn writable(&self, ev: Event<io::Result<()>>) {
                <$t>::writable(self, ev)
            }
            fn finish(&self) {
                self.shutdown(std::net::Shutdown::Write).unwrap();
            }
        }
    };
}

side!(UnixStream);
side!(tame::net::TcpStream);

/// Reads `stream` to its end through readable waits and reads of random
/// sizes, sometimes leaving bytes behind before waiting again; returns
/// what it read.
fn read_all_by_waits<S: Side>(stream: S, seed: u64) -> Vec<u8> {
    let got = Rc::new(RefCell::new(Vec::new()));
    fn step<S: Side>(stream: Rc<S>, got: Rc<RefCell<Vec<u8>>>, mut dice: Dice) {
        loop {
            let mut buf = vec![0; 1 + dice.below(4096) as usize];
            match stream.try_read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    got.borrow_mut().extend_from_slice(&buf[..n]);
                    // Now and then wait although bytes may be left.
                    if dice.below(4) == 0 {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        let s = stream.clone();
        stream.readable(Event::from_fn(move |r: Option<io::Result<()>>| {
            r.expect("the wait comes back").unwrap();
            step(s, got, dice);
        }));
    }
    step(Rc::new(stream), got.clone(), Dice(seed));
    tame::run();
    let all = got.borrow().clone();
    all
}

/// Sends 400 kB from `peer` (a thread writing random chunks, then shutting
/// down) to `stream` and checks every byte arrived in order.
fn receive_through_waits<S, P>(stream: S, mut peer: P, seed: u64)
where
    S: Side,
    P: Write + ShutWrite + Send + 'static,
{
    let sent: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
    let expected = sent.clone();
    let writer = std::thread::spawn(move || {
        let mut dice = Dice(seed * 7919);
        let mut off = 0;
        while off < sent.len() {
            let n = (1 + dice.below(6000) as usize).min(sent.len() - off);
            peer.write_all(&sent[off..off + n]).unwrap();
            off += n;
            if dice.below(8) == 0 {
                std::thread::yield_now();
            }
        }
        peer.shut_write();
    });
    let got = read_all_by_waits(stream, seed);
    writer.join().unwrap();
    assert_eq!(got.len(), expected.len(), "seed {seed}");
    assert!(got == expected, "seed {seed}: bytes out of order");
}

/// A std stream's write shutdown, TCP or Unix.
trait ShutWrite {
    fn shut_write(&self);
}

impl ShutWrite for StdUnixStream {
    fn shut_write(&self) {
        self.shutdown(std::net::Shutdown::Write).unwrap();
    }
}

impl ShutWrite for std::net::TcpStream {
    fn shut_write(&self) {
        self.shutdown(std::net::Shutdown::Write).unwrap();
    }
}

/// A connected TCP pair on loopback: ours (tame) and the peer (std).
fn tcp_pair() -> (tame::net::TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    (tame::net::TcpStream::from_std(ours).unwrap(), peer)
}

#[test]
fn bytes_written_in_random_chunks_all_arrive_through_waits_and_partial_reads() {
    for seed in 1..=8u64 {
        on_fresh_loop(move || {
            let (stream, peer) = pair();
            receive_through_waits(stream, peer, seed);
        });
        on_fresh_loop(move || {
            let (stream, peer) = tcp_pair();
            receive_through_waits(stream, peer, seed);
        });
    }
}

#[test]
fn a_socket_filled_by_a_short_write_is_writable_again_once_its_peer_reads() {
    on_fresh_loop(|| {
        let (stream, peer) = pair();
        let peer = Rc::new(RefCell::new(peer));
        let log: Log = Rc::default();
        // More than the socket buffers hold: the write takes part of it.
        let big = vec![2u8; 8 << 20];
        let sent = stream.try_write(&big).unwrap();
        assert!(sent > 0 && sent < big.len());
        stream.writable(note(&log, "writable"));
        drain_later(&peer, sent, &log);
        tame::run();
        assert_eq!(*log.borrow(), ["drained", "writable"]);
        assert!(stream.try_write(&big).unwrap() > 0);
    });
}

/// Writes all of `data` into `stream` through writable waits and writes of
/// random sizes (some larger than the socket takes: short writes), then
/// shuts down the writing side.
fn write_all_by_waits<S: Side>(stream: S, data: Rc<Vec<u8>>, seed: u64) {
    fn step<S: Side>(stream: Rc<S>, data: Rc<Vec<u8>>, mut off: usize, mut dice: Dice) {
        while off < data.len() {
            let n = (1 + dice.below(300_000) as usize).min(data.len() - off);
            match stream.try_write(&data[off..off + n]) {
                Ok(w) => {
                    off += w;
                    // Now and then wait although the socket may take more.
                    if w == n && dice.below(4) != 0 {
                        continue;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
            let s = stream.clone();
            stream.writable(Event::from_fn(move |r: Option<io::Result<()>>| {
                r.expect("the wait comes back").unwrap();
                step(s, data, off, dice);
            }));
            return;
        }
        stream.finish();
    }
    step(Rc::new(stream), data, 0, Dice(seed));
    tame::run();
}

/// Sends 2 MB from `stream` to `peer` (read on a thread in random sizes)
/// and checks every byte arrived in order.
fn send_through_waits<S: Side>(stream: S, mut peer: impl Read + Send + 'static, seed: u64) {
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let expected = data.clone();
    let reader = std::thread::spawn(move || {
        let mut dice = Dice(seed * 104_729);
        let mut got = Vec::new();
        loop {
            let mut buf = vec![0; 1 + dice.below(100_000) as usize];
            match peer.read(&mut buf).unwrap() {
                0 => return got,
                n => got.extend_from_slice(&buf[..n]),
            }
            if dice.below(8) == 0 {
                std::thread::yield_now();
            }
        }
    });
    write_all_by_waits(stream, Rc::new(data), seed);
    let got = reader.join().unwrap();
    assert_eq!(got.len(), expected.len(), "seed {seed}");
    assert!(got == expected, "seed {seed}: bytes out of order");
}

#[test]
fn bytes_written_through_waits_and_short_writes_all_arrive() {
    for seed in 1..=8u64 {
        on_fresh_loop(move || {
            let (stream, peer) = pair();
            send_through_waits(stream, peer, seed);
        });
        on_fresh_loop(move || {
            let (stream, peer) = tcp_pair();
            send_through_waits(stream, peer, seed);
        });
    }
}

/// Writes to `s` until its buffer is full.
fn fill(s: &UnixStream) {
    let chunk = vec![b'A'; 64 << 10];
    loop {
        match s.try_write(&chunk) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_wait_started_by_a_callback_is_not_ended_by_the_report_that_ran_it_if_it_is_out_of_date() {
    // One report says readable and writable. The read's callback fills the
    // socket again (`try_write` says WouldBlock) and waits for it to be
    // writable: that report is out of date for the new wait, which must
    // wait for the peer to take data (it was ended at once, the socket
    // full).
    on_fresh_loop(|| {
        let (mine, mut peer) = StdUnixStream::pair().unwrap();
        let s = Rc::new(UnixStream::from_std(mine).unwrap());
        fill(&s);
        let log = Rc::new(RefCell::new(Vec::new()));
        let (again, l) = (s.clone(), log.clone());
        s.read(
            Vec::with_capacity(8),
            Event::from_fn(move |_: Option<(Vec<u8>, io::Result<usize>)>| {
                fill(&again);
                l.borrow_mut().push("read, filled".to_string());
                let l = l.clone();
                again.writable(Event::from_fn(move |v: Option<io::Result<()>>| {
                    l.borrow_mut()
                        .push(format!("writable {:?}", v.map(|r| r.is_ok())));
                }));
            }),
        );
        // Readable and writable before the loop looks: one report.
        peer.write_all(b"x").unwrap();
        peer.set_nonblocking(true).unwrap();
        let mut buf = vec![0u8; 64 << 10];
        while peer.read(&mut buf).is_ok() {}
        tame::run_once(Some(Duration::ZERO));
        tame::run_once(Some(Duration::ZERO));
        assert_eq!(*log.borrow(), ["read, filled"]);
        // The peer takes data: now it is writable.
        while peer.read(&mut buf).is_ok() {}
        tame::run_once(Some(Duration::from_secs(5)));
        assert_eq!(*log.borrow(), ["read, filled", "writable Some(true)"]);
    });
}

#[test]
fn a_report_held_over_by_a_panic_is_out_of_date_once_the_descriptor_is_drained() {
    // Two pipes become readable in one batch; the first callback to run
    // panics, and the other pipe's report is held over to the next turn.
    // Meanwhile the program drains that pipe: the held-over report no
    // longer ends its wait, which waits for new data (it ended at once, the
    // pipe empty).
    on_fresh_loop(|| {
        let (ra, wa) = tame::io::pipe().unwrap();
        let (rb, wb) = tame::io::pipe().unwrap();
        let log = Rc::new(RefCell::new(Vec::new()));
        for (name, r) in [("a", &ra), ("b", &rb)] {
            let l = log.clone();
            r.readable(Event::from_fn(move |v: Option<io::Result<()>>| {
                let first = l.borrow().is_empty();
                l.borrow_mut()
                    .push(format!("{name} {:?}", v.map(|r| r.is_ok())));
                if first {
                    panic!("the first callback panics");
                }
            }));
        }
        wa.try_write(b"x").unwrap();
        wb.try_write(b"y").unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            tame::run_once(Some(Duration::from_secs(5)))
        }));
        assert!(outcome.is_err());
        assert_eq!(log.borrow().len(), 1);
        let (other, w) = if log.borrow()[0].starts_with('a') {
            (&rb, &wb)
        } else {
            (&ra, &wa)
        };
        let mut buf = [0u8; 8];
        assert_eq!(other.try_read(&mut buf).unwrap(), 1);
        assert!(other.try_read(&mut buf).is_err(), "drained");
        tame::run_once(Some(Duration::ZERO));
        tame::run_once(Some(Duration::ZERO));
        assert_eq!(log.borrow().len(), 1, "{:?}", log.borrow());
        w.try_write(b"z").unwrap();
        tame::run_once(Some(Duration::from_secs(5)));
        assert_eq!(log.borrow().len(), 2, "{:?}", log.borrow());
    });
}

/// Reads what `try_read` gives after each readable wait, until `want`
/// bytes came or a wait found nothing to report: the bytes read.
fn read_by_waits(
    try_read: impl Fn(&mut [u8]) -> io::Result<usize>,
    wait: impl Fn(Event<io::Result<()>>),
    want: usize,
) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0; 64];
    while got.len() < want {
        let log: Log = Rc::default();
        wait(note(&log, "readable"));
        tame::run();
        if log.borrow().is_empty() {
            // The wait came back untriggered: run() found nothing left.
            break;
        }
        match try_read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("read failed: {e}"),
        }
    }
    got
}

#[test]
fn bytes_queued_behind_a_passed_descriptor_are_still_reported_readable() {
    on_fresh_loop(|| {
        let (stream, peer) = pair();
        // "abc" carries a descriptor: the reader's read stops after it
        // (a short read) although "def" is queued behind it already.
        let null = File::open("/dev/null").unwrap();
        let fds = [null.as_fd()];
        let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = rustix::net::SendAncillaryBuffer::new(&mut space);
        assert!(control.push(rustix::net::SendAncillaryMessage::ScmRights(&fds)));
        rustix::net::sendmsg(
            &peer,
            &[io::IoSlice::new(b"abc")],
            &mut control,
            rustix::net::SendFlags::empty(),
        )
        .unwrap();
        (&peer).write_all(b"def").unwrap();
        let got = read_by_waits(|b| stream.try_read(b), |ev| stream.readable(ev), 6);
        assert_eq!(got, b"abcdef");
    });
}

#[test]
fn bytes_after_tcp_urgent_data_are_still_reported_readable() {
    on_fresh_loop(|| {
        let (stream, peer) = tcp_pair();
        // On loopback the bytes are queued by the time each send returns:
        // the first report says readable and urgent at once, and the read
        // stops at the urgent mark (a short read) with "efg" behind it.
        (&peer).write_all(b"abc").unwrap();
        rustix::net::send(&peer, b"U", rustix::net::SendFlags::OOB).unwrap();
        (&peer).write_all(b"efg").unwrap();
        let got = read_by_waits(|b| stream.try_read(b), |ev| stream.readable(ev), 6);
        // The urgent byte is out of band: the stream's bytes are the rest.
        assert_eq!(got, b"abcefg");
    });
}
