//! `wait_on_fd`: one-shot readiness of sockets and pipes, re-arming, closing
//! a waited-on fd, errors at once, regular files always ready.

use std::cell::RefCell;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
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
        // Both ends outlive the waits: an fd closed behind the loop's back
        // (not with tame::close_fd) is forgotten by epoll.
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
    static SITE: TwaitSite = TwaitSite {
        function: "both_ways",
        file: file!(),
        line: line!(),
    };
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
fn closing_a_waited_fd_brings_the_event_back_untriggered() {
    static SITE: TwaitSite = TwaitSite {
        function: "reader",
        file: file!(),
        line: line!(),
    };
    let (a, _b) = UnixStream::pair().unwrap();
    let raw = a.as_raw_fd();
    let t: Trace = Rc::default();
    let t2 = t.clone();
    let mut slot: Option<Slot<()>> = None;
    task::start("reader", move |cx| {
        if slot.is_none() {
            let (ev, s) = cx.join_event_with_slot::<()>();
            // SAFETY: `a` is open for the whole wait: it is closed below
            // through close_fd, which first cancels this wait.
            let fd = unsafe { BorrowedFd::borrow_raw(raw) };
            tame::wait_on_fd(fd, Interest::Read, ev).unwrap();
            slot = Some(s);
        }
        if cx.wait_join(&SITE).is_pending() {
            return Poll::Pending;
        }
        let s = slot.as_ref().unwrap();
        log(&t2, format!("back={} value={:?}", s.is_back(), s.take()));
        Poll::Ready(())
    });
    assert_eq!(tame::blocked().len(), 1);
    tame::close_fd(OwnedFd::from(a));
    tame::run();
    assert_eq!(*t.borrow(), ["back=true value=None"]);
}

#[test]
fn cancel_fd_brings_both_waits_back_and_run_returns() {
    on_fresh_loop(|| {
        let t: Trace = Rc::default();
        let (a, _b) = UnixStream::pair().unwrap();
        tame::wait_on_fd(&a, Interest::Read, logger(&t, "read")).unwrap();
        tame::wait_on_fd(&a, Interest::Write, logger(&t, "write")).unwrap();
        tame::cancel_fd(&a);
        assert_eq!(*t.borrow(), ["read (dropped)", "write (dropped)"]);
        tame::run();
        // The fd is usable again afterwards.
        tame::wait_on_fd(&a, Interest::Write, logger(&t, "write again")).unwrap();
        tame::run();
        assert_eq!(t.borrow().last().unwrap(), "write again");
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
fn second_live_wait_in_the_same_direction_is_busy() {
    let t: Trace = Rc::default();
    let (a, _b) = UnixStream::pair().unwrap();
    let first = Rendezvous::<()>::new();
    tame::wait_on_fd(&a, Interest::Read, first.event(())).unwrap();
    let err = tame::wait_on_fd(&a, Interest::Read, logger(&t, "second")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResourceBusy);
    assert_eq!(
        *t.borrow(),
        ["second (dropped)"],
        "the refused event came back"
    );
    // The other direction is independent.
    tame::wait_on_fd(&a, Interest::Write, logger(&t, "write")).unwrap();
    // Once the first wait is dead (its rendezvous cancelled), the direction
    // is free again.
    first.cancel();
    tame::wait_on_fd(&a, Interest::Read, logger(&t, "third")).unwrap();
    tame::cancel_fd(&a);
    tame::run();
    assert_eq!(
        *t.borrow(),
        ["second (dropped)", "third (dropped)", "write (dropped)"]
    );
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
