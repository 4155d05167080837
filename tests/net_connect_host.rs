//! `TcpStream::connect_host`: a name looked up on the loop, its addresses
//! tried in turn; every failure comes back through the event as an
//! `io::Error` that says what failed.

use std::cell::RefCell;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use tame::dns::{self, server::Server, Resolver};
use tame::net::TcpStream;
use tame::{Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// This thread's resolver asks a tame test server (on this loop) holding
/// `hosts`.
fn serve(hosts: &[(&str, &str)]) -> Server {
    let mut b = Server::builder();
    for (name, addr) in hosts {
        b = b.host(name, ip(addr));
    }
    let srv = b.start().unwrap();
    dns::set_default_resolver(Resolver::new(vec![srv.local_addr()]));
    srv
}

/// Runs `connect_host(host, port)` to its end on this thread's loop, the
/// server `srv` stopped then (it would keep `run()` going).
fn connect_via(srv: &Server, host: &str, port: u16) -> io::Result<TcpStream> {
    let out = Rc::new(RefCell::new(None));
    let (got, stop) = (out.clone(), srv.clone());
    TcpStream::connect_host(
        host,
        port,
        Event::from_fn(move |res: Option<io::Result<TcpStream>>| {
            *got.borrow_mut() = res;
            stop.stop();
        }),
    );
    tame::run();
    let res = out.borrow_mut().take();
    res.expect("the event was triggered")
}

/// A port on 127.0.0.1 that refuses connections: bound, then closed.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_name_is_looked_up_on_the_loop_and_its_address_connected() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let srv = serve(&[("svc.test", "127.0.0.1")]);
        let stream = connect_via(&srv, "svc.test", port).expect("connected");
        let (accepted, _) = listener.accept().unwrap();
        assert_eq!(stream.local_addr().unwrap(), accepted.peer_addr().unwrap());
        assert!(srv.queries() >= 1, "the name was asked of the server");
    });
}

#[test]
fn the_next_address_is_tried_when_one_refuses() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Nothing listens on 127.0.0.2 (the listener is bound to
        // 127.0.0.1 alone): the first address refuses.
        let srv = serve(&[("two.test", "127.0.0.2"), ("two.test", "127.0.0.1")]);
        let stream = connect_via(&srv, "two.test", port).expect("the second address connects");
        assert_eq!(
            stream.peer_addr().unwrap(),
            SocketAddr::new(ip("127.0.0.1"), port)
        );
    });
}

#[test]
fn when_every_address_refuses_the_last_error_comes_back() {
    on_fresh_loop(|| {
        let port = closed_port();
        let srv = serve(&[("none.test", "127.0.0.2"), ("none.test", "127.0.0.1")]);
        let err = connect_via(&srv, "none.test", port).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn a_name_that_does_not_exist_is_not_found_and_says_which() {
    on_fresh_loop(|| {
        let srv = serve(&[("svc.test", "127.0.0.1")]);
        let err = connect_via(&srv, "missing.test", 80).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let inner = err.get_ref().and_then(|e| e.downcast_ref::<dns::Error>());
        assert!(
            matches!(inner, Some(dns::Error::NxDomain { name }) if name == "missing.test"),
            "{err:?}"
        );
    });
}

#[test]
fn an_invalid_name_is_invalid_input() {
    on_fresh_loop(|| {
        let srv = serve(&[]);
        let err = connect_via(&srv, "bad..name", 80).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}

#[test]
fn an_ip_literal_needs_no_nameserver() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // No nameserver at all: a lookup would fail.
        dns::set_default_resolver(Resolver::new(Vec::new()));
        let stream = tame::run_with(|done| TcpStream::connect_host("127.0.0.1", port, done))
            .expect("the event was triggered")
            .expect("connected");
        assert_eq!(stream.peer_addr().unwrap().port(), port);
        // The shorter forms std's `ToSocketAddrs` reads too (through
        // getaddrinfo): literals, not names.
        for host in ["127.1", "0x7f000001", "2130706433"] {
            let stream = tame::run_with(|done| TcpStream::connect_host(host, port, done))
                .expect("the event was triggered")
                .unwrap_or_else(|e| panic!("{host}: {e}"));
            assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
        }
    });
}

#[test]
fn cancelled_during_the_lookup_it_connects_nowhere() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        // The answer comes after the caller gave up.
        let srv = Server::builder()
            .host("slow.test", ip("127.0.0.1"))
            .delay(Duration::from_millis(50))
            .start()
            .unwrap();
        dns::set_default_resolver(Resolver::new(vec![srv.local_addr()]));
        let r = Rendezvous::<()>::new();
        TcpStream::connect_host(
            "slow.test",
            port,
            r.event(()).map(|_: io::Result<TcpStream>| ()),
        );
        drop(r);
        let stop = srv.clone();
        tame::timer(
            Duration::from_millis(200),
            Event::from_fn(move |_: Option<()>| stop.stop()),
        );
        tame::run();
        let err = listener.accept().unwrap_err();
        assert_eq!(
            err.kind(),
            io::ErrorKind::WouldBlock,
            "no connection was made"
        );
    });
}

#[test]
fn an_ipv6_literal_in_brackets_is_an_address() {
    on_fresh_loop(|| {
        let Ok(listener) = std::net::TcpListener::bind("[::1]:0") else {
            // No IPv6 loopback on this machine: nothing to connect to.
            return;
        };
        let port = listener.local_addr().unwrap().port();
        dns::set_default_resolver(Resolver::new(Vec::new()));
        let stream = tame::run_with(|done| TcpStream::connect_host("[::1]", port, done))
            .expect("the event was triggered")
            .expect("connected");
        assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    });
}

#[test]
fn a_host_with_a_port_or_a_zone_is_invalid_input_at_once() {
    on_fresh_loop(|| {
        // A nameserver nobody answers at: a lookup would take its timeout.
        dns::set_default_resolver(Resolver::new(vec!["127.0.0.1:9".parse().unwrap()]));
        for host in [
            "example.com:80",
            "127.0.0.1:80",
            "[::1]:80",
            "fe80::1%lo",
            "[nope]",
        ] {
            let r = Rendezvous::<()>::new();
            let (ev, slot) = r.event_with_slot(());
            TcpStream::connect_host(host, 80, ev);
            // Decided before connect_host returned: nothing to run.
            let err = slot.take().expect("triggered at once").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{host}: {err}");
            assert!(err.to_string().contains(host), "{err}");
        }
    });
}

#[test]
fn an_invalid_hosts_error_escapes_what_is_not_printable() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot(());
        TcpStream::connect_host("bad\thost\u{1b}[2J:80", 80, ev);
        let err = slot.take().expect("triggered at once").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let text = err.to_string();
        assert!(text.contains(r"`bad\thost\u{1b}[2J:80`"), "{text}");
        assert!(!text.contains('\u{1b}'), "a raw escape in {text:?}");
    });
}

#[test]
fn a_refused_connect_names_the_host_and_the_address() {
    on_fresh_loop(|| {
        let port = closed_port();
        let srv = serve(&[("gone.test", "127.0.0.1")]);
        let err = connect_via(&srv, "gone.test", port).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("gone.test (127.0.0.1:{port}): ")),
            "{text}"
        );
        // The OS's message once, whether printed or read as a chain.
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused).to_string();
        let refused = refused.split(" (os error").next().unwrap().to_lowercase();
        assert_eq!(
            chain(&err).to_lowercase().matches(&refused).count(),
            1,
            "{}",
            chain(&err)
        );
    });
}

/// An error and its sources, each message once, as a report prints them.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        text += &format!(": {s}");
        next = s.source();
    }
    text
}

#[test]
fn a_lookup_error_says_its_cause_once_when_its_chain_is_read() {
    let e = tame::dns::Error::io("db.test", io::Error::other("no nameservers configured"));
    assert_eq!(chain(&e), "db.test: no nameservers configured");
    assert_eq!(
        chain(&io::Error::from(e)),
        "db.test: no nameservers configured"
    );
    let e = tame::dns::Error::Unreachable {
        name: "db.test".into(),
        nameserver: "127.0.0.1:53".parse().unwrap(),
        source: io::ErrorKind::ConnectionRefused.into(),
    };
    assert_eq!(
        chain(&e),
        "db.test: nameserver 127.0.0.1:53 unreachable: connection refused"
    );
}
