//! `tame::io::Fd` on each kind of descriptor: pipes both ways, stdin fed by
//! a pipe (in a child process), an eventfd, a regular file; hang-up waits.

use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::rc::Rc;

use tame::io::{pipe, Fd};
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Reads lines from `input` and writes each back to `output` upper-cased,
/// until `input` ends; then closes `output`.
#[tamed]
fn shout(input: Fd, output: Fd) {
    tvars! {
        let mut line: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
    }
    loop {
        twait! { input.read_until(std::mem::take(&mut line.0), b"\n", 1024, mkevent!(line)); }
        // An error ends it like the end of the stream.
        let n = line.1.as_ref().map_or(0, |&n| n);
        if n == 0 {
            break;
        }
        let out = line.0[..n].to_ascii_uppercase();
        line.0.drain(..n);
        twait! { output.write_all(out, mkevent!(sent)); }
        if sent.1.is_err() {
            break;
        }
    }
    output.close();
    input.close();
}

/// Writes `lines` into `to`, closes it, and reads `from` to its end.
#[tamed]
fn converse(to: Fd, from: Fd, lines: Vec<&'static [u8]>, done: Event<Vec<u8>>) {
    tvars! {
        let mut sent: (&'static [u8], io::Result<()>) = (&[], Ok(()));
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut all: Vec<u8> = Vec::new();
    }
    for l in lines {
        twait! { to.write_all(l, mkevent!(sent)); }
        assert!(sent.1.is_ok());
    }
    to.close();
    loop {
        twait! { from.read(std::mem::take(&mut got.0), mkevent!(got)); }
        // An error ends it like the end of the stream.
        let n = got.1.as_ref().map_or(0, |&n| n);
        if n == 0 {
            break;
        }
        all.extend_from_slice(&got.0);
        got.0.clear();
    }
    from.close();
    done.trigger(all);
}

#[test]
fn pipes_carry_bytes_both_ways_between_two_tamed_functions() {
    on_fresh_loop(|| {
        let (down_r, down_w) = pipe().unwrap();
        let (up_r, up_w) = pipe().unwrap();
        shout(down_r, up_w);
        let r = Rendezvous::<()>::new();
        let (done, reply) = r.event_with_slot(());
        converse(down_w, up_r, vec![b"hello\n", b"pipes\n"], done);
        tame::run();
        assert_eq!(reply.take().unwrap(), b"HELLO\nPIPES\n");
        assert_eq!(tame::__live_waits(), 0);
    });
}

#[test]
fn a_large_write_to_a_pipe_waits_for_the_reader() {
    // More than a pipe holds (64 KiB): write_all parks until a thread
    // drains the other end.
    on_fresh_loop(|| {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let w = Fd::new(writer).unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<()>)>(());
        w.write_all(vec![9u8; 1 << 20], ev);
        assert_eq!(tame::__live_waits(), 1, "waits for the reader");
        let drain = std::thread::spawn(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all
        });
        tame::run();
        assert!(slot.take().unwrap().1.is_ok());
        w.close();
        assert!(drain.join().unwrap().iter().all(|&b| b == 9));
    });
}

/// In the child: reads its stdin to the end through tame and reports what
/// it got, and whether stdin is blocking again afterwards.
#[test]
fn stdin_child() {
    if std::env::var_os("TAME_STDIN_CHILD").is_none() {
        return; // only run as the child of the test below
    }
    #[tamed]
    fn read_all(input: Fd, done: Event<Vec<u8>>) {
        tvars! { let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0)); }
        loop {
            twait! { input.read(std::mem::take(&mut got.0), mkevent!(got)); }
            if !matches!(got.1, Ok(n) if n > 0) {
                break;
            }
        }
        input.close();
        done.trigger(std::mem::take(&mut got.0));
    }
    let r = Rendezvous::<()>::new();
    let (done, slot) = r.event_with_slot(());
    read_all(tame::io::stdin().unwrap(), done);
    tame::run();
    let got = slot.take().unwrap();
    let flags = rustix::fs::fcntl_getfl(std::io::stdin().as_fd()).unwrap();
    let blocking = !flags.contains(rustix::fs::OFlags::NONBLOCK);
    println!(
        "CHILD GOT {:?} BLOCKING {blocking}",
        String::from_utf8_lossy(&got)
    );
}

#[test]
fn stdin_fed_by_a_pipe_is_read_to_its_end_and_left_blocking() {
    let me = std::env::current_exe().unwrap();
    let mut child = Command::new(me)
        .args(["--exact", "stdin_child", "--nocapture", "--test-threads=1"])
        .env("TAME_STDIN_CHILD", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Written in two parts from another thread, so that the child waits
    // for the second part.
    let feeder = std::thread::spawn(move || {
        stdin.write_all(b"first part, ").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        stdin.write_all(b"second part").unwrap();
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains("CHILD GOT \"first part, second part\" BLOCKING true"),
        "child said: {out}"
    );
}

#[test]
fn an_eventfd_counts_wake_ups_through_reads() {
    on_fresh_loop(|| {
        let efd = rustix::event::eventfd(0, rustix::event::EventfdFlags::empty()).unwrap();
        let fd = Rc::new(Fd::new(efd).unwrap());
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>(());
        fd.read(Vec::with_capacity(8), ev);
        assert_eq!(tame::__live_waits(), 1, "the counter is 0: the read waits");
        // Two wake-ups from a later turn: the read gets their sum.
        let f = fd.clone();
        tame::asap(Event::from_fn(move |_| {
            f.try_write(&2u64.to_ne_bytes()).unwrap();
            f.try_write(&5u64.to_ne_bytes()).unwrap();
        }));
        tame::run();
        let (buf, n) = slot.take().unwrap();
        assert_eq!(n.unwrap(), 8);
        assert_eq!(u64::from_ne_bytes(buf[..8].try_into().unwrap()), 7);
    });
}

#[test]
fn a_regular_file_is_always_ready_and_never_hangs_up() {
    let path = std::env::temp_dir().join(format!("tame-io-fd-{}", std::process::id()));
    std::fs::write(&path, b"file contents").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let fd = Fd::new(file).unwrap();
    let r = Rendezvous::<&str>::new();
    let (read, read_slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>("read");
    fd.read(Vec::with_capacity(64), read);
    assert_eq!(r.try_next(), Some("read"), "a file read completes at once");
    assert_eq!(read_slot.take().unwrap().0, b"file contents");
    // So does one into a buffer with no room yet (at the file's end now),
    // and a `read_until` from a fresh handle, whose first wait would have
    // been the one that found the file never blocks.
    let (read, read_slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>("empty buffer");
    fd.read(Vec::new(), read);
    assert_eq!(r.try_next(), Some("empty buffer"), "no turn needed");
    assert_eq!(read_slot.take().unwrap().1.unwrap(), 0);
    let path2 = std::env::temp_dir().join(format!("tame-io-fd-2-{}", std::process::id()));
    std::fs::write(&path2, b"one\ntwo\n").unwrap();
    let fresh = Fd::new(std::fs::File::open(&path2).unwrap()).unwrap();
    std::fs::remove_file(&path2).unwrap();
    let (line, line_slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>("line");
    fresh.read_until(Vec::new(), b"\n", 64, line);
    assert_eq!(r.try_next(), Some("line"), "no turn needed");
    let (buf, n) = line_slot.take().unwrap();
    assert_eq!(&buf[..n.unwrap()], b"one\n");
    let (ready, ready_slot) = r.event_with_slot::<io::Result<()>>("readable");
    fd.readable(ready);
    assert_eq!(r.try_next(), None, "not inside the call");
    tame::run();
    assert_eq!(r.try_next(), Some("readable"));
    assert!(ready_slot.take().unwrap().is_ok());
    let (hup, hup_slot) = r.event_with_slot::<io::Result<()>>("hung_up");
    fd.hung_up(hup);
    tame::run();
    assert_eq!(r.try_next(), Some("hung_up"));
    assert_eq!(
        hup_slot.take().unwrap().unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    // wait_on_fd refuses it at once, too.
    let err = tame::wait_on_fd(&fd, tame::Interest::HangUp, r.event("raw")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

/// A readiness wait on a regular file ends on the next turn, and till then
/// it waits as one on a pipe does: a second of its kind is refused, one
/// whose event died gives up its place, and a close hands it back.
#[test]
fn a_regular_files_wait_holds_its_kind_until_the_next_turn() {
    on_fresh_loop(|| {
        let path = std::env::temp_dir().join(format!("tame-io-fd-3-{}", std::process::id()));
        std::fs::write(&path, b"x").unwrap();
        let fd = Fd::new(std::fs::File::open(&path).unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        let r = Rendezvous::<&str>::new();
        let (first, first_slot) = r.event_with_slot::<io::Result<()>>("first");
        fd.readable(first);
        let (second, second_slot) = r.event_with_slot::<io::Result<()>>("second");
        fd.readable(second);
        let (read, read_slot) = r.event_with_slot::<(Vec<u8>, io::Result<usize>)>("read");
        fd.read(Vec::with_capacity(8), read);
        tame::run();
        let mut got = vec![r.try_next(), r.try_next(), r.try_next()];
        got.sort();
        assert_eq!(got, [Some("first"), Some("read"), Some("second")]);
        assert!(first_slot.take().unwrap().is_ok());
        let busy = |e: io::Result<()>| e.unwrap_err().kind() == io::ErrorKind::ResourceBusy;
        assert!(busy(second_slot.take().unwrap()), "the first still waited");
        let (_, n) = read_slot.take().unwrap();
        assert_eq!(n.unwrap_err().kind(), io::ErrorKind::ResourceBusy);

        // One whose event died gives up its place.
        let gone = Rendezvous::<()>::new();
        fd.readable(gone.event_with_slot::<io::Result<()>>(()).0);
        drop(gone);
        let (third, third_slot) = r.event_with_slot::<io::Result<()>>("third");
        fd.readable(third);
        tame::run();
        assert_eq!(r.try_next(), Some("third"));
        assert!(third_slot.take().unwrap().is_ok());
        assert_eq!(r.try_next(), None);

        // A close hands it back untriggered, at once, as on a pipe.
        let (last, last_slot) = r.event_with_slot::<io::Result<()>>("last");
        fd.readable(last);
        fd.close();
        assert_eq!(r.try_next(), Some("last"));
        assert!(last_slot.take().is_none(), "untriggered");
        tame::run();
        assert_eq!(r.try_next(), None);
    });
}

#[test]
fn hung_up_fires_when_the_other_end_closes_while_a_read_is_untouched() {
    on_fresh_loop(|| {
        let (r_end, w_end) = pipe().unwrap();
        let rdv = Rendezvous::<&str>::new();
        let (hup, hup_slot) = rdv.event_with_slot::<io::Result<()>>("hung up");
        r_end.hung_up(hup);
        // A hang-up wait and a read wait are independent.
        let (read, read_slot) = rdv.event_with_slot::<(Vec<u8>, io::Result<usize>)>("read");
        r_end.read(Vec::new(), read);
        assert_eq!(tame::__live_waits(), 2);
        tame::asap(Event::from_fn(move |_| w_end.close()));
        tame::run();
        let mut ids = vec![rdv.try_next().unwrap(), rdv.try_next().unwrap()];
        ids.sort();
        assert_eq!(ids, ["hung up", "read"]);
        assert!(hup_slot.take().unwrap().is_ok());
        assert_eq!(
            read_slot.take().unwrap().1.unwrap(),
            0,
            "the end of the pipe"
        );
    });
}

/// A reader's handle, shared with a task that may close it.
type SharedFd = Rc<std::cell::RefCell<Option<Fd>>>;

/// Closes the shared handle once the loop has turned (the reader parked).
#[tamed]
fn close_later(fd: SharedFd) {
    twait! { tame::asap(mkevent!()); }
    if let Some(fd) = fd.borrow_mut().take() {
        fd.close();
    }
}

/// Closing a handle under a read whose buffer was moved into it leaves the
/// read's slots without a value: the panic names the move, the common
/// case, and the way out (the next test).
#[test]
#[should_panic(
    expected = "or it was moved into the operation (as `buf` in `fd.read(buf, mkevent!(buf, n))`)"
)]
fn a_read_closed_under_a_moved_buffer_panics_naming_the_move() {
    #[tamed]
    fn reader(fd: SharedFd) {
        let mut buf = Vec::with_capacity(16);
        let n: io::Result<usize>;
        twait! { fd.borrow().as_ref().unwrap().read(buf, mkevent!(buf, n)); }
        let _ = (buf, n);
    }
    on_fresh_loop(|| {
        let (r, _w) = pipe().unwrap();
        let fd: SharedFd = Rc::new(std::cell::RefCell::new(Some(r)));
        reader(fd.clone());
        close_later(fd);
        tame::run();
    });
}

/// The way the panic above points to: the whole value in an `Option`,
/// `None` when the read was cancelled by the close.
#[test]
fn a_read_closed_under_an_option_slot_gets_none() {
    #[tamed]
    fn reader(fd: SharedFd) -> bool {
        let mut got = None;
        twait! { fd.borrow().as_ref().unwrap().read(Vec::with_capacity(16), mkevent!(got).map(Some)); }
        got.is_none()
    }
    on_fresh_loop(|| {
        let (r, _w) = pipe().unwrap();
        let fd: SharedFd = Rc::new(std::cell::RefCell::new(Some(r)));
        let cancelled = tame::run_with(|done| {
            reader(fd.clone(), done);
            close_later(fd);
        });
        assert_eq!(cancelled, Some(true), "the read came back as None");
    });
}
