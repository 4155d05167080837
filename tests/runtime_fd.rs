//! `wait_on_fd`: one-shot readiness of sockets and pipes, re-arming, an fd
//! closed behind the loop's back, cancelled waits, errors at once, regular
//! files always ready.

use std::cell::RefCell;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::BorrowedFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use tame::task::{self, Slot, TwaitSite};
use tame::{Event, Interest, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

#[path = "support/trace.rs"]
mod trace;
use trace::{log, Trace};

fn logger(t: &Trace, what: &'static str) -> Event {
    let t = t.clone();
    Event::from_fn(move |v: Option<()>| {
        log(
            &t,
            if v.is_some() {
                what.to_string()
            } else {
                format!("{what} (dropped)")
            },
        )
    })
}

#[test]
fn socket_becomes_readable_only_once_the_peer_writes() {
    on_fresh_loop(|| {
        let t: Trace = Rc::default();
        let (a, mut b) = UnixStream::pair().unwrap();
        tame::wait_on_fd(&a, Interest::Read, logger(&t, "readable")).unwrap();
        // A few turns of the loop pass before the peer writes.
        let t2 = t.clone();
        tame::timer(
            Duration::from_millis(5),
            Event::from_fn(move |_| {
                log(&t2, "peer writes");
                b.write_all(b"x").unwrap();
            }),
        );
        tame::run();
        assert_eq!(*t.borrow(), ["peer writes", "readable"]);
    });
}

#[test]
fn socket_is_writable_at_once() {
    let t: Trace = Rc::default();
    let (a, _b) = UnixStream::pair().unwrap();
    tame::wait_on_fd(&a, Interest::Write, logger(&t, "writable")).unwrap();
    assert!(t.borrow().is_empty(), "never triggered inside wait_on_fd");
    tame::run();
    assert_eq!(*t.borrow(), ["writable"]);
}

#[test]
fn pipe_read_end_becomes_readable_when_written() {
    on_fresh_loop(|| {
        let t: Trace = Rc::default();
        let (mut reader, writer) = std::io::pipe().unwrap();
        let writer = Rc::new(writer);
        tame::wait_on_fd(&reader, Interest::Read, logger(&t, "readable")).unwrap();
        tame::wait_on_fd(&*writer, Interest::Write, logger(&t, "writable")).unwrap();
        let w = writer.clone();
        tame::asap(Event::from_fn(move |_| (&*w).write_all(b"hi").unwrap()));
        tame::run();
        assert_eq!(*t.borrow(), ["writable", "readable"]);
        let mut buf = [0; 2];
        reader.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    });
}

#[test]
fn peer_hang_up_counts_as_readable_and_writable() {
    let t: Trace = Rc::default();
    let (a, b) = UnixStream::pair().unwrap();
    tame::wait_on_fd(&a, Interest::Read, logger(&t, "readable")).unwrap();
    drop(b);
    tame::run();
    let (mut reader, writer) = std::io::pipe().unwrap();
    tame::wait_on_fd(&reader, Interest::Read, logger(&t, "pipe readable")).unwrap();
    drop(writer);
    tame::run();
    assert_eq!(
        reader.read(&mut [0; 4]).unwrap(),
        0,
        "the next read reports EOF"
    );
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    tame::wait_on_fd(&writer, Interest::Write, logger(&t, "pipe writable")).unwrap();
    tame::run();
    assert_eq!(*t.borrow(), ["readable", "pipe readable", "pipe writable"]);
}

#[test]
fn read_and_write_waits_on_one_fd_fire_independently() {
    // The write wait fires first (one-shot disarms the registration); the
    // read wait on the same fd must be re-armed and fire later.
    static SITE: TwaitSite = TwaitSite::new("both_ways", file!(), line!());
    on_fresh_loop(|| {
        let (a, b) = UnixStream::pair().unwrap();
        let r = Rendezvous::<&'static str>::new();
        tame::wait_on_fd(&a, Interest::Read, r.event("read")).unwrap();
        tame::wait_on_fd(&a, Interest::Write, r.event("write")).unwrap();
        let got: Rc<RefCell<Vec<&str>>> = Rc::default();
        let g = got.clone();
        let mut b = Some(b);
        task::start("both_ways", move |cx| loop {
            match cx.poll_rendezvous(&r, &SITE) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(id)) => {
                    g.borrow_mut().push(id);
                    if let Some(mut b) = b.take() {
                        b.write_all(b"x").unwrap();
                        // Keep the peer open until the read wait fired.
                        std::mem::forget(b);
                    }
                }
                Poll::Ready(None) => return Poll::Ready(()),
            }
        });
        tame::run();
        assert_eq!(*got.borrow(), ["write", "read"]);
    });
}

#[test]
fn fd_wait_can_be_renewed_after_it_fires() {
    on_fresh_loop(|| {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Rc::new(a);
        let b = Rc::new(RefCell::new(b));
        let rounds = Rc::new(RefCell::new(0));
        fn wait_round(a: Rc<UnixStream>, b: Rc<RefCell<UnixStream>>, rounds: Rc<RefCell<u32>>) {
            let (a2, b2) = (a.clone(), b.clone());
            let ev = Event::from_fn(move |v: Option<()>| {
                assert!(v.is_some());
                (&*a2).read_exact(&mut [0]).unwrap();
                *rounds.borrow_mut() += 1;
                if *rounds.borrow() < 5 {
                    wait_round(a2, b, rounds);
                }
            });
            tame::wait_on_fd(&*a, Interest::Read, ev).unwrap();
            // The peer writes only after the wait was armed (next turn).
            tame::asap(Event::from_fn(move |_| {
                b2.borrow_mut().write_all(b"x").unwrap()
            }));
        }
        wait_round(a, b, rounds.clone());
        tame::run();
        assert_eq!(*rounds.borrow(), 5);
    });
}

#[test]
fn an_fd_closed_behind_the_loops_back_leaves_its_wait_working() {
    // The wait holds a duplicate: closing the original (here, dropping the
    // std socket) neither confuses the loop nor loses the wait, which ends
    // when the peer writes.
    on_fresh_loop(|| {
        let t: Trace = Rc::default();
        let (a, mut b) = UnixStream::pair().unwrap();
        tame::wait_on_fd(&a, Interest::Read, logger(&t, "readable")).unwrap();
        drop(a);
        let t2 = t.clone();
        tame::asap(Event::from_fn(move |_| {
            log(&t2, "peer writes");
            b.write_all(b"x").unwrap();
        }));
        tame::run();
        assert_eq!(*t.borrow(), ["peer writes", "readable"]);
    });
}

#[test]
fn cancelling_a_raw_wait_lets_run_return_and_closes_its_duplicate() {
    on_fresh_loop(|| {
        let (a, mut b) = UnixStream::pair().unwrap();
        let r = Rendezvous::<()>::new();
        tame::wait_on_fd(&a, Interest::Read, r.event(())).unwrap();
        tame::wait_on_fd(&a, Interest::HangUp, r.event(())).unwrap();
        assert_eq!(tame::__live_waits(), 2);
        drop(a);
        r.cancel();
        tame::run(); // returns: both waits are dead
        assert_eq!(tame::__live_waits(), 0);
        // Their duplicates were closed with them: the peer sees the end.
        b.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(b.read(&mut [0; 4]).unwrap(), 0);
    });
}

#[test]
fn closing_an_fd_brings_its_waits_back_untriggered() {
    static SITE: TwaitSite = TwaitSite::new("reader", file!(), line!());
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = Rc::new(RefCell::new(Some(tame::io::Fd::new(a).unwrap())));
    let t: Trace = Rc::default();
    let t2 = t.clone();
    let f2 = fd.clone();
    let mut slot: Option<Slot<std::io::Result<()>>> = None;
    task::start("reader", move |cx| {
        if slot.is_none() {
            let (ev, s) = cx.join_event_with_slot();
            f2.borrow().as_ref().unwrap().readable(ev);
            slot = Some(s);
        }
        if cx.wait_join(&SITE).is_pending() {
            return Poll::Pending;
        }
        let s = slot.as_ref().unwrap();
        log(
            &t2,
            format!(
                "back={} value={:?}",
                s.is_back(),
                s.take().map(|r| r.is_ok())
            ),
        );
        Poll::Ready(())
    });
    assert_eq!(tame::blocked().len(), 1);
    fd.borrow_mut().take().unwrap().close();
    tame::run();
    assert_eq!(*t.borrow(), ["back=true value=None"]);
}

#[test]
fn two_raw_waits_on_one_fd_and_direction_both_fire() {
    // Each wait has its own registration (on its own duplicate).
    on_fresh_loop(|| {
        let t: Trace = Rc::default();
        let (a, mut b) = UnixStream::pair().unwrap();
        tame::wait_on_fd(&a, Interest::Read, logger(&t, "first")).unwrap();
        tame::wait_on_fd(&a, Interest::Read, logger(&t, "second")).unwrap();
        b.write_all(b"x").unwrap();
        tame::run();
        let mut got = t.borrow().clone();
        got.sort();
        assert_eq!(got, ["first", "second"]);
    });
}

#[test]
fn wait_on_an_invalid_fd_is_an_error_at_once() {
    // A number far above any fd this process opens (fds are allocated
    // lowest first), so no other test can make it valid meanwhile.
    // SAFETY: the number is only handed to epoll_ctl, which reports EBADF.
    let fd = unsafe { BorrowedFd::borrow_raw(900_000) };
    let r = Rendezvous::<&str>::new();
    let (ev, slot) = r.event_with_slot::<()>("bad");
    let err = tame::wait_on_fd(fd, Interest::Read, ev).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(9), "EBADF: {err}");
    assert_eq!(r.try_next(), Some("bad"), "the event came back at once");
    assert_eq!(slot.take(), None, "untriggered");
    tame::run();
}

#[test]
fn regular_file_is_always_ready() {
    let path = std::env::temp_dir().join(format!("tame-runtime-fd-{}", std::process::id()));
    let file = File::create(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let r = Rendezvous::<&str>::new();
    tame::wait_on_fd(&file, Interest::Read, r.event("read")).unwrap();
    tame::wait_on_fd(&file, Interest::Write, r.event("write")).unwrap();
    tame::run();
    assert_eq!(r.try_next(), Some("read"));
    assert_eq!(r.try_next(), Some("write"));
}

#[test]
fn a_second_live_wait_of_one_kind_on_an_fd_is_busy() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = tame::io::Fd::new(a).unwrap();
    let first = Rendezvous::<()>::new();
    fd.readable(first.event_with_slot(()).0);
    let r = Rendezvous::<&str>::new();
    let (second, second_slot) = r.event_with_slot::<std::io::Result<()>>("second");
    fd.readable(second);
    assert_eq!(r.try_next(), Some("second"), "refused at once");
    assert_eq!(
        second_slot.take().unwrap().unwrap_err().kind(),
        ErrorKind::ResourceBusy
    );
    // The other kinds are independent.
    let (write, write_slot) = r.event_with_slot::<std::io::Result<()>>("write");
    fd.writable(write);
    // Once the first wait is dead (its rendezvous cancelled), it no longer
    // keeps run() going, and the slot is free again.
    first.cancel();
    tame::run();
    assert!(write_slot.take().unwrap().is_ok());
    assert_eq!(r.try_next(), Some("write"));
    let (third, third_slot) = r.event_with_slot::<std::io::Result<()>>("third");
    fd.readable(third);
    assert_eq!(r.try_next(), None, "parked, not refused");
    fd.close();
    assert_eq!(r.try_next(), Some("third"), "cancelled by close");
    assert!(third_slot.take().is_none());
}

#[test]
fn fd_wait_of_a_cancelled_rendezvous_does_not_keep_run_waiting() {
    on_fresh_loop(|| {
        let (a, _b) = UnixStream::pair().unwrap();
        let r = Rendezvous::<()>::new();
        tame::wait_on_fd(&a, Interest::Read, r.event(())).unwrap();
        r.cancel();
        tame::run();
        // And the direction is free again.
        let r = Rendezvous::<()>::new();
        tame::wait_on_fd(&a, Interest::Read, r.event(())).unwrap();
        drop(r);
        tame::run();
    });
}
