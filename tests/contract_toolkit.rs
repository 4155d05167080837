//! The toolkit's pinned names and signatures, written as the contract
//! spells them: the loop's clock and virtual time, signals, with_timeout,
//! all, Mutex and Channel, stop and run_once, twait descriptions. Programs
//! we have not seen are compiled against them: if this file stops
//! compiling, the contract broke.
#![deny(warnings)]

use std::io;
use std::time::{Duration, Instant};

use tame::sync::{Channel, Guard, Mutex};
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn locked_twice(m: Mutex, ch: Channel<u32>) -> u32 {
    let g: Guard;
    twait! { m.acquire(mkevent!(g)); }
    drop(g);
    let s: Guard;
    twait! { m.acquire_shared(mkevent!(s)); }
    let v: u32;
    twait! { ch.recv(mkevent!(v)); }
    drop(s);
    v
}

#[tamed]
fn described(r: Rendezvous<u8>) -> Option<u8> {
    tame::asap(r.event(7));
    twait! { "a nap"; tame::timer(Duration::from_millis(1), mkevent!()); }
    twait!(r, "the seven")
}

#[test]
fn the_toolkit_rows_are_reachable_as_written() {
    let now: fn() -> Instant = tame::now;
    let pause: fn() = tame::time::pause;
    let resume: fn() = tame::time::resume;
    let advance: fn(Duration) = tame::time::advance;
    let at_signal: fn(tame::Signal, Event) -> io::Result<()> = tame::at_signal;
    let with_timeout: fn(Duration, Event<u8>) -> Event<u8> = tame::with_timeout::<u8>;
    let all: fn(Vec<Event<u8>>) -> Event<u8> = tame::all::<u8>;
    let stop: fn() = tame::stop;
    let run_once: fn(Option<Duration>) -> bool = tame::run_once;
    let acquire: fn(&Mutex, Event<Guard>) = Mutex::acquire;
    let acquire_shared: fn(&Mutex, Event<Guard>) = Mutex::acquire_shared;
    let recv: fn(&Channel<u8>, Event<u8>) = Channel::recv;
    let send: fn(&Channel<u8>, u8) = Channel::send;
    let close: fn(&Channel<u8>) = Channel::close;
    let _ = (
        now,
        pause,
        resume,
        advance,
        at_signal,
        with_timeout,
        all,
        stop,
    );
    let _ = (run_once, acquire, acquire_shared, recv, send, close);
    for sig in [
        tame::Signal::Int,
        tame::Signal::Term,
        tame::Signal::Hup,
        tame::Signal::Usr1,
        tame::Signal::Usr2,
    ] {
        let _ = sig;
    }

    // And they work as written.
    tame::time::pause();
    let t0 = tame::now();
    let m = Mutex::new();
    let ch: Channel<u32> = Channel::new();
    ch.clone().send(5);
    let r = Rendezvous::<()>::new();
    let (ev, got) = r.event_with_slot(());
    locked_twice(m, ch, ev);
    let (ev, seven) = r.event_with_slot(());
    described(Rendezvous::new(), ev);
    let b = tame::blocked();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].description(), Some("a nap"));
    tame::time::advance(Duration::from_millis(1));
    while tame::run_once(None) {}
    assert_eq!(got.take(), Some(5));
    assert_eq!(seven.take(), Some(Some(7)));
    assert_eq!(tame::now() - t0, Duration::from_millis(1));
    tame::time::resume();
}
