//! The public names and signatures of the crate's contract, used exactly as written
//! there. Programs we have not seen are compiled against them: if this file
//! stops compiling, the contract broke.
#![deny(warnings)]
// The spelled-out types are the point of this file.
#![allow(clippy::type_complexity)]

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[tamed]
fn gethost_like(name: String, ev: Event<Result<Vec<IpAddr>, tame::dns::Error>>) {
    twait! { tame::asap(mkevent!()); }
    if name.is_empty() {
        drop(ev);
    } else {
        ev.trigger(Ok(vec![IpAddr::from([127, 0, 0, 1])]));
    }
}

#[tamed]
fn uses_every_form(names: Vec<String>, done: Event<Vec<Option<IpAddr>>>) {
    tvars! {
        let mut i = 0;
        let mut answers: Vec<Result<Vec<IpAddr>, tame::dns::Error>> = names.iter().map(|_| Ok(vec![])).collect();
        let r = Rendezvous::<usize>::new();
    }
    while i < names.len() {
        gethost_like(names[i].clone(), mkevent!(r, i, answers[i]));
        i += 1;
    }
    while let Some(_id) = twait!(r) {}
    let ready: std::io::Result<()>;
    let (a, b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    twait! {
        tame::timer(Duration::from_millis(1), mkevent!());
        tame::timer_at(Instant::now(), mkevent!());
        let wait: Result<(), std::io::Error> = tame::wait_on_fd(&b, tame::Interest::Write, mkevent!());
        ready = wait;
    }
    drop((a, b));
    assert!(ready.is_ok());
    let mut late: Result<u8, tame::Timeout> = Ok(0);
    twait! {
        let inner: Event<u8> = tame::add_timeout(Duration::from_millis(1), mkevent!(late));
        std::mem::forget(tame::blocked());
        drop(inner);
    }
    let _ = late;
    done.trigger(
        answers
            .into_iter()
            .map(|a| a.ok().and_then(|v| v.first().copied()))
            .collect(),
    );
}

#[test]
fn every_public_name_of_the_design_is_reachable_as_written() {
    let r: Rendezvous<()> = Rendezvous::new();
    let (done, slot) = r.event_with_slot(());
    uses_every_form(vec!["a".into(), "b".into()], done);
    tame::run();
    assert_eq!(slot.take().map(|v| v.len()), Some(2));
    assert_eq!(r.pending(), 0);
    r.cancel();

    // Interop.
    let out = Rendezvous::<()>::new();
    let (ev, s) = out.event_with_slot::<u8>(());
    tame::spawn(async { 5u8 }, ev);
    let (ev2, fut): (Event<u8>, tame::EventFuture<u8>) = tame::event_future::<u8>();
    ev2.trigger(1);
    let (ev3, s3) = out.event_with_slot::<Option<u8>>(());
    tame::spawn(fut, ev3);
    tame::run();
    assert_eq!((s.take(), s3.take()), (Some(5), Some(Some(1))));
    fn is_stream<S: futures_core::Stream<Item = u32> + Unpin>(_: &S) {}
    is_stream(&Rendezvous::<u32>::new());

    // The DNS surface.
    let server: SocketAddr = "127.0.0.1:53".parse().expect("addr");
    let resolver: tame::dns::Resolver =
        tame::dns::Resolver::new(vec![server]).timeout(Duration::from_secs(1));
    let _clone = resolver.clone();
    let _sys: std::io::Result<tame::dns::Resolver> = tame::dns::Resolver::from_system();
    let f: fn(&tame::dns::Resolver, &str, Event<Result<Vec<IpAddr>, tame::dns::Error>>) =
        tame::dns::Resolver::lookup_ip;
    let g: fn(String, Event<Result<Vec<IpAddr>, tame::dns::Error>>) = tame::dns::gethost_ev;
    let _ = (f, g);
    let e = tame::dns::Error::Io(std::io::Error::other("x"));
    assert!(matches!(
        e,
        tame::dns::Error::NxDomain { .. }
            | tame::dns::Error::ServFail { .. }
            | tame::dns::Error::Timeout { .. }
            | tame::dns::Error::Malformed { .. }
            | tame::dns::Error::Io(_)
    ));
}

fn pair(a: u32, b: u32, ev: Event<(u32, u32)>) {
    ev.trigger((a, b));
}

fn one(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

struct Point {
    x: u32,
    y: u32,
}

/// Every slot place the contract names: a variable, a field path (named
/// and numbered), an index, a combination, several slots of one event on a
/// rendezvous; each filled whether or not anything reads it later.
#[tamed]
#[allow(unused_assignments)]
fn fills_every_slot_place(done: Event<u32>) {
    let mut v = 0u32;
    let mut p = Point { x: 0, y: 0 };
    let mut t = (0u32, 0u32);
    let mut a = [0u32; 3];
    let mut ps = vec![(0u32, 0u32); 2];
    let mut unread = (0u32, 0u32);
    twait! {
        one(1, mkevent!(v));
        one(2, mkevent!(p.x));
        one(3, mkevent!(t.1));
        one(4, mkevent!(a[2]));
        pair(5, 6, mkevent!(ps[1].0, ps[1].1));
        one(7, mkevent!(unread.0));
    }
    let r = Rendezvous::<char>::new();
    pair(8, 9, mkevent!(r, 'p', p.y, t.0));
    let id: Option<char> = twait!(r);
    assert_eq!(id, Some('p'));
    done.trigger(v + p.x + p.y + t.0 + t.1 + a[2] + ps[1].0 + ps[1].1);
}

#[test]
fn every_slot_place_of_the_design_is_filled() {
    assert_eq!(
        tame::run_with(fills_every_slot_place),
        Some(1 + 2 + 9 + 8 + 3 + 4 + 5 + 6)
    );
}
