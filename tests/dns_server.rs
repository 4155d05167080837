//! The resolver against tame's own test server (`tame::dns::server`):
//! correct answers, every kind of bad reply ignored or reported as the
//! right error, retransmission, and 10,000 names in a window.
//!
//! No test asserts how fast anything is; only what arrives, and in what
//! order.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::dns::server::{Misbehavior, Server, ServerThread, DECOY_V4, DECOY_V6};
use tame::dns::{self, wire, Error, LookupResult, Resolver};
use tame::Event;

#[path = "support/lookup.rs"]
mod lookup;
use lookup::{ip, lookup_all, lookup_one};
#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

fn server(m: Option<Misbehavior>) -> ServerThread {
    let mut b = Server::builder()
        .host("host-a.test", ip("10.0.0.1"))
        .host("host-a.test", ip("fd00::1"))
        .host("v4only.test", ip("10.0.0.4"))
        .cname("alias.test", "host-a.test")
        .cname("alias2.test", "alias.test");
    if let Some(m) = m {
        b = b.misbehave(m);
    }
    b.spawn().unwrap()
}

fn quick(srv: &ServerThread) -> Resolver {
    Resolver::new(vec![srv.local_addr()]).timeout(Duration::from_millis(400))
}

fn assert_not_decoy(res: &LookupResult) {
    if let Ok(addrs) = res {
        assert!(
            !addrs.contains(&IpAddr::V4(DECOY_V4)) && !addrs.contains(&IpAddr::V6(DECOY_V6)),
            "a decoy reply was trusted: {addrs:?}"
        );
    }
}

#[test]
fn a_aaaa_and_cname_chains_resolve() {
    let srv = server(None);
    let r = Resolver::new(vec![srv.local_addr()]);
    let got = lookup_all(
        &r,
        &["host-a.test", "ALIAS.test.", "alias2.test", "v4only.test"],
    );
    let both = vec![ip("10.0.0.1"), ip("fd00::1")];
    assert_eq!(got[0].as_ref().unwrap(), &both);
    assert_eq!(got[1].as_ref().unwrap(), &both);
    assert_eq!(got[2].as_ref().unwrap(), &both);
    assert_eq!(got[3].as_ref().unwrap(), &vec![ip("10.0.0.4")]);
}

#[test]
fn unknown_name_is_nxdomain_naming_the_name() {
    let srv = server(None);
    let res = lookup_one(&Resolver::new(vec![srv.local_addr()]), "nope.test");
    let e = res.unwrap_err();
    assert!(matches!(e, Error::NxDomain { .. }), "{e:?}");
    assert_eq!(e.to_string(), "nope.test: no such domain (NXDOMAIN)");
}

#[test]
fn errors_name_the_name_as_it_was_given() {
    // With its trailing dot: the name the caller passed, whichever error.
    let srv = server(None);
    let e = lookup_one(&Resolver::new(vec![srv.local_addr()]), "nope.test.").unwrap_err();
    assert!(
        matches!(&e, Error::NxDomain { name } if name == "nope.test."),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "nope.test.: no such domain (NXDOMAIN)");

    let silent = server(Some(Misbehavior::NeverAnswer));
    let e = lookup_one(&quick(&silent), "host-a.test.").unwrap_err();
    assert!(
        matches!(&e, Error::Timeout { name } if name == "host-a.test."),
        "{e:?}"
    );

    let e = lookup_one(&Resolver::new(vec![]), "x.test.").unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e:?}");
    assert_eq!(e.name(), "x.test.");
}

#[test]
fn servfail_is_its_own_error() {
    let srv = server(Some(Misbehavior::ServFail));
    let e = lookup_one(&quick(&srv), "host-a.test").unwrap_err();
    assert!(matches!(e, Error::ServFail { .. }), "{e:?}");
    assert!(e.to_string().contains("host-a.test"), "{e}");
}

#[test]
fn truncated_reply_is_malformed_not_a_panic() {
    let srv = server(Some(Misbehavior::Truncated));
    let e = lookup_one(&quick(&srv), "host-a.test").unwrap_err();
    assert!(matches!(e, Error::Malformed { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("host-a.test: malformed reply"),
        "{e}"
    );
}

#[test]
fn malformed_reply_is_malformed_not_a_panic() {
    let srv = server(Some(Misbehavior::Malformed));
    let e = lookup_one(&quick(&srv), "host-a.test").unwrap_err();
    assert!(matches!(e, Error::Malformed { .. }), "{e:?}");
}

#[test]
fn wrong_id_replies_are_ignored() {
    let srv = server(Some(Misbehavior::WrongId { then_answer: true }));
    let res = lookup_one(&quick(&srv), "host-a.test");
    assert_not_decoy(&res);
    assert_eq!(res.unwrap(), vec![ip("10.0.0.1"), ip("fd00::1")]);

    let srv = server(Some(Misbehavior::WrongId { then_answer: false }));
    let res = lookup_one(&quick(&srv), "host-a.test");
    assert_not_decoy(&res);
    assert!(matches!(res, Err(Error::Timeout { .. })), "{res:?}");
}

#[test]
fn wrong_question_replies_are_ignored() {
    let srv = server(Some(Misbehavior::WrongQuestion { then_answer: true }));
    let res = lookup_one(&quick(&srv), "host-a.test");
    assert_not_decoy(&res);
    assert_eq!(res.unwrap(), vec![ip("10.0.0.1"), ip("fd00::1")]);

    let srv = server(Some(Misbehavior::WrongQuestion { then_answer: false }));
    let res = lookup_one(&quick(&srv), "host-a.test");
    assert_not_decoy(&res);
    assert!(matches!(res, Err(Error::Timeout { .. })), "{res:?}");
}

#[test]
fn replies_from_another_address_are_ignored() {
    let srv = server(Some(Misbehavior::WrongSource { then_answer: true }));
    let res = lookup_one(&quick(&srv), "host-a.test");
    assert_not_decoy(&res);
    assert_eq!(res.unwrap(), vec![ip("10.0.0.1"), ip("fd00::1")]);

    let srv = server(Some(Misbehavior::WrongSource { then_answer: false }));
    let res = lookup_one(&quick(&srv), "host-a.test");
    assert_not_decoy(&res);
    assert!(matches!(res, Err(Error::Timeout { .. })), "{res:?}");
}

#[test]
fn silent_server_gives_timeout_after_retransmitting() {
    let srv = server(Some(Misbehavior::NeverAnswer));
    let deadline = Duration::from_millis(400);
    let start = Instant::now();
    let e = lookup_one(&quick(&srv), "host-a.test").unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "host-a.test: no matching reply from any nameserver before the deadline"
    );
    // Not a speed check: the error must not come *before* the deadline.
    assert!(start.elapsed() >= deadline - Duration::from_millis(5));
    // A and AAAA, each sent at least twice (the datagrams may still be on
    // their way to the server thread).
    let wait = Instant::now();
    while srv.queries() < 4 && wait.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(srv.queries() >= 4, "only {} queries", srv.queries());
}

#[test]
fn the_deadline_is_counted_on_the_loop_clock_so_paused_time_ends_it() {
    // A silent nameserver and a paused clock: the lookup's deadline passes
    // in virtual time, as a timer's would (it was measured with the wall
    // clock, so the loop jumped from timer to timer, doubling the interval,
    // for thousands of virtual seconds).
    let dead = UdpSocket::bind("127.0.0.1:0").unwrap();
    dead.set_nonblocking(true).unwrap();
    let r = Resolver::new(vec![dead.local_addr().unwrap()]).timeout(Duration::from_millis(300));
    tame::time::pause();
    let start = tame::now();
    let e = lookup_one(&r, "host-a.test").unwrap_err();
    let spent = tame::now() - start;
    tame::time::resume();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(
        spent >= Duration::from_millis(299) && spent <= Duration::from_millis(301),
        "virtual time spent: {spent:?}"
    );
    let mut sent = 0;
    let mut buf = [0u8; 512];
    while dead.recv(&mut buf).is_ok() {
        sent += 1;
    }
    assert!(sent <= 16, "{sent} datagrams for a 300 ms deadline");
}

/// A nameserver on this loop that never answers: notes when, on the loop's
/// clock, each query reaches it (a datagram sent on this loop is readable
/// at the turn after, before a paused clock jumps).
fn silent_nameserver(arrivals: Rc<RefCell<Vec<Instant>>>) -> SocketAddr {
    let sock = Rc::new(tame::net::UdpSocket::bind("127.0.0.1:0").unwrap());
    let addr = sock.local_addr().unwrap();
    note_arrivals(sock, arrivals);
    addr
}

fn note_arrivals(sock: Rc<tame::net::UdpSocket>, arrivals: Rc<RefCell<Vec<Instant>>>) {
    let s = sock.clone();
    sock.readable(Event::from_fn(move |ready: Option<std::io::Result<()>>| {
        if !matches!(ready, Some(Ok(()))) {
            return;
        }
        let mut buf = [0u8; 512];
        while s.try_recv_from(&mut buf).is_ok() {
            arrivals.borrow_mut().push(tame::now());
        }
        note_arrivals(s, arrivals);
    }));
}

#[test]
fn every_nameserver_is_asked_in_time_to_answer_and_none_at_the_deadline() {
    // Silent nameservers on a paused clock: the lookup's timer runs its
    // whole course. The last of four nameservers was first asked at the
    // deadline (5 s), and one nameserver with a 1 s deadline was asked
    // again then, with no one left to read the reply.
    on_fresh_loop(|| {
        for (servers, deadline) in [(4, Duration::from_secs(5)), (1, Duration::from_secs(1))] {
            let arrivals: Vec<Rc<RefCell<Vec<Instant>>>> =
                (0..servers).map(|_| Rc::default()).collect();
            let addrs = arrivals.iter().map(|a| silent_nameserver(a.clone()));
            let r = Resolver::new(addrs.collect()).timeout(deadline);
            tame::time::pause();
            let start = tame::now();
            let got = Rc::new(RefCell::new(None));
            let g = got.clone();
            r.lookup_ip(
                "x.test",
                Event::from_fn(move |res: Option<LookupResult>| {
                    *g.borrow_mut() = res;
                    tame::stop(); // the nameservers still wait for queries
                }),
            );
            tame::run();
            let spent = tame::now() - start;
            tame::time::resume();
            let res = got.take().expect("the lookup ended");
            assert!(matches!(res, Err(Error::Timeout { .. })), "{res:?}");
            assert!(
                spent >= deadline && spent <= deadline + Duration::from_millis(1),
                "virtual time spent: {spent:?}"
            );
            for (i, a) in arrivals.iter().enumerate() {
                let asked: Vec<Duration> = a.borrow().iter().map(|&t| t - start).collect();
                let Some(&first) = asked.first() else {
                    panic!("{servers} nameservers: #{i} never asked")
                };
                assert!(
                    deadline - first >= deadline / 4,
                    "{servers} nameservers: #{i} first asked at {first:?} of {deadline:?}: {asked:?}"
                );
                assert!(
                    asked.iter().all(|&t| t < deadline),
                    "{servers} nameservers: #{i} asked at the deadline: {asked:?}"
                );
            }
        }
    });
}

#[test]
fn next_nameserver_is_tried_when_the_first_is_silent() {
    // A bound socket that never answers stands for a dead nameserver.
    let dead = UdpSocket::bind("127.0.0.1:0").unwrap();
    let srv = server(None);
    let r = Resolver::new(vec![dead.local_addr().unwrap(), srv.local_addr()])
        .timeout(Duration::from_millis(800));
    assert_eq!(
        lookup_one(&r, "host-a.test").unwrap(),
        vec![ip("10.0.0.1"), ip("fd00::1")]
    );
}

/// A local UDP port that nothing listens on: a datagram sent there draws
/// an ICMP "port unreachable".
fn closed_port() -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.local_addr().unwrap()
}

#[test]
fn a_nameserver_whose_port_is_closed_fails_at_once() {
    // The deadline is an hour: the ICMP error must end the lookup, or the
    // watchdog fails the test.
    on_fresh_loop(|| {
        let dead = closed_port();
        let r = Resolver::new(vec![dead]).timeout(Duration::from_secs(3600));
        let e = lookup_one(&r, "host-a.test").unwrap_err();
        let Error::Unreachable {
            nameserver, source, ..
        } = &e
        else {
            panic!("not an unreachable nameserver: {e:?}")
        };
        assert_eq!(
            (*nameserver, source.kind()),
            (dead, std::io::ErrorKind::ConnectionRefused)
        );
        assert!(
            source.raw_os_error().is_some(),
            "the OS error is kept: {source:?}"
        );
        assert_eq!(e.name(), "host-a.test");
        // The message names the nameserver that refused.
        assert!(e.to_string().contains(&dead.to_string()), "{e}");
        // Taken for an `io::Error` (as `connect_host` gives it), it is not
        // the refusal of a connection to the name's host.
        assert_eq!(std::io::Error::from(e).kind(), std::io::ErrorKind::Other);
    });
}

#[test]
fn a_nameserver_whose_port_is_closed_is_followed_by_the_next_at_once() {
    on_fresh_loop(|| {
        let srv = good_server();
        let r =
            Resolver::new(vec![closed_port(), srv.local_addr()]).timeout(Duration::from_secs(3600));
        assert_eq!(
            lookup_one(&r, "host-a.test").unwrap(),
            vec![ip("10.0.0.1"), ip("fd00::1")]
        );
        // A refusal after the good server's failure is not the error: the
        // first failure that came is.
        let failing = server(Some(Misbehavior::ServFail));
        let r = Resolver::new(vec![failing.local_addr(), closed_port()])
            .timeout(Duration::from_secs(3600));
        let e = lookup_one(&r, "host-a.test").unwrap_err();
        assert!(matches!(e, Error::ServFail { .. }), "{e:?}");
    });
}

#[test]
fn both_queries_leave_a_closed_port_for_the_next_nameserver_at_once() {
    // The A query goes to the closed port; its ICMP error surfaces on the
    // AAAA query's send, which fails that nameserver for both. Both go on
    // to the next nameserver in the same transmission, before the first
    // retransmission (1 s on the paused clock): the A query used to wait
    // for it.
    on_fresh_loop(|| {
        let arrivals: Rc<RefCell<Vec<Instant>>> = Rc::default();
        let silent = silent_nameserver(arrivals.clone());
        let r = Resolver::new(vec![closed_port(), silent]).timeout(Duration::from_secs(5));
        tame::time::pause();
        let start = tame::now();
        r.lookup_ip(
            "x.test",
            Event::from_fn(|_: Option<LookupResult>| tame::stop()),
        );
        tame::run();
        tame::time::resume();
        let asked: Vec<Duration> = arrivals.borrow().iter().map(|&t| t - start).collect();
        let before_retransmit = asked.iter().filter(|&&t| t < Duration::from_secs(1));
        assert_eq!(before_retransmit.count(), 2, "arrivals: {asked:?}");
    });
}

#[test]
fn a_nameserver_given_as_0_0_0_0_is_this_host() {
    // As the C library takes it: sent to 0.0.0.0, the query reaches the
    // server on 127.0.0.1, whose replies come from there.
    on_fresh_loop(|| {
        let srv = good_server();
        let any: SocketAddr = (std::net::Ipv4Addr::UNSPECIFIED, srv.local_addr().port()).into();
        let r = Resolver::new(vec![any]).timeout(Duration::from_secs(3600));
        assert_eq!(
            lookup_one(&r, "host-a.test").unwrap(),
            vec![ip("10.0.0.1"), ip("fd00::1")]
        );
    });
}

#[test]
fn a_nameserver_that_cannot_be_asked_from_here_is_followed_by_the_next_at_once() {
    // A link-local IPv6 address without its interface cannot be connected
    // to (EINVAL); the next nameserver is asked at once, not after a
    // retransmission's wait (the deadline is an hour).
    on_fresh_loop(|| {
        let srv = good_server();
        let unaskable: SocketAddr = "[fe80::1]:53".parse().unwrap();
        let r = Resolver::new(vec![unaskable, srv.local_addr()]).timeout(Duration::from_secs(3600));
        assert_eq!(
            lookup_one(&r, "host-a.test").unwrap(),
            vec![ip("10.0.0.1"), ip("fd00::1")]
        );
        let r = Resolver::new(vec![unaskable]).timeout(Duration::from_secs(3600));
        let e = lookup_one(&r, "host-a.test").unwrap_err();
        assert!(
            matches!(&e, Error::Unreachable { nameserver, .. } if *nameserver == unaskable),
            "{e:?}"
        );
    });
}

/// A server that answers `host-a.test` (A and AAAA) correctly.
fn good_server() -> ServerThread {
    server(None)
}

/// A resolver asking `servers` in this order, with a deadline no test
/// reaches: a lookup that ended waited for no deadline (and one that did
/// not end is the watchdog's failure).
fn patient(servers: &[&ServerThread]) -> Resolver {
    Resolver::new(servers.iter().map(|s| s.local_addr()).collect())
        .timeout(Duration::from_secs(3600))
}

#[test]
fn a_nameserver_that_fails_the_query_is_followed_by_the_next() {
    // As glibc's res_send: an answer about the nameserver rather than the
    // name moves on to the next nameserver, which knows the name.
    on_fresh_loop(|| {
        for bad in [
            Misbehavior::ServFail,
            Misbehavior::Rcode(wire::RCODE_REFUSED),
            Misbehavior::Rcode(wire::RCODE_NOTIMP),
            Misbehavior::Rcode(wire::RCODE_FORMERR),
            Misbehavior::Malformed,
            Misbehavior::Truncated,
        ] {
            let (first, second) = (server(Some(bad)), good_server());
            let res = lookup_one(&patient(&[&first, &second]), "host-a.test");
            assert_eq!(
                res.unwrap_or_else(|e| panic!("{bad:?} then a good server: {e:?}")),
                vec![ip("10.0.0.1"), ip("fd00::1")],
                "{bad:?}"
            );
            // Both queries were asked of the failing server first.
            assert!(first.queries() >= 2, "{bad:?}: {} queries", first.queries());
        }
    });
}

#[test]
fn every_nameserver_failing_gives_the_first_failure_without_waiting_for_the_deadline() {
    // The deadline is an hour: the lookup ends when the last nameserver
    // has failed both queries, or the watchdog fails the test.
    on_fresh_loop(|| {
        let (a, b) = (
            server(Some(Misbehavior::ServFail)),
            server(Some(Misbehavior::ServFail)),
        );
        let e = lookup_one(&patient(&[&a, &b]), "host-a.test").unwrap_err();
        assert!(matches!(e, Error::ServFail { .. }), "{e:?}");
        // Each was asked both queries.
        assert!(a.queries() >= 2, "first: {} queries", a.queries());
        assert!(b.queries() >= 2, "second: {} queries", b.queries());

        // Of two different failures, the first one that came is the error.
        let (refused, servfail) = (
            server(Some(Misbehavior::Rcode(wire::RCODE_REFUSED))),
            server(Some(Misbehavior::ServFail)),
        );
        let e = lookup_one(&patient(&[&refused, &servfail]), "host-a.test").unwrap_err();
        assert!(matches!(e, Error::Refused { .. }), "{e:?}");
        assert!(
            servfail.queries() >= 2,
            "second: {} queries",
            servfail.queries()
        );
    });
}

#[test]
fn a_nameserver_listed_twice_is_asked_as_one() {
    // Its replies cannot be told apart by their source: listed twice, a
    // failing nameserver failed the lookup only at the deadline (an hour
    // here: the watchdog would fail the test).
    on_fresh_loop(|| {
        let a = server(Some(Misbehavior::ServFail));
        let e = lookup_one(&patient(&[&a, &a]), "host-a.test").unwrap_err();
        assert!(matches!(e, Error::ServFail { .. }), "{e:?}");
        assert_eq!(a.queries(), 2, "asked A and AAAA once each");
    });
}

#[test]
fn a_failure_outlives_a_silent_next_nameserver() {
    // SERVFAIL, then no answer at all until the deadline: the error is the
    // failure that came, not a timeout.
    let bad = server(Some(Misbehavior::ServFail));
    let dead = UdpSocket::bind("127.0.0.1:0").unwrap();
    let r = Resolver::new(vec![bad.local_addr(), dead.local_addr().unwrap()])
        .timeout(Duration::from_millis(400));
    let e = lookup_one(&r, "host-a.test").unwrap_err();
    assert!(matches!(e, Error::ServFail { .. }), "{e:?}");
}

#[test]
fn nxdomain_and_nodata_are_final_answers() {
    on_fresh_loop(|| {
        // The first server does not know the name: NXDOMAIN, and the
        // second, which knows it, is not asked.
        let (nx, good) = (Server::builder().spawn().unwrap(), good_server());
        let e = lookup_one(&patient(&[&nx, &good]), "host-a.test").unwrap_err();
        assert!(matches!(e, Error::NxDomain { .. }), "{e:?}");
        assert_eq!(good.queries(), 0);

        // The name exists there without an address (a CNAME to nowhere):
        // NOERROR with no address is as final.
        let nodata = Server::builder()
            .cname("host-a.test", "elsewhere.test")
            .spawn()
            .unwrap();
        let good = good_server();
        let e = lookup_one(&patient(&[&nodata, &good]), "host-a.test").unwrap_err();
        assert!(matches!(e, Error::NoAddresses { .. }), "{e:?}");
        assert_eq!(good.queries(), 0);
    });
}

#[test]
fn literals_and_invalid_names_need_no_server() {
    let r = Resolver::new(vec![]);
    let got = lookup_all(&r, &["192.0.2.7", "::1", "a..b", "", "no-servers.test"]);
    assert_eq!(got[0].as_ref().unwrap(), &vec![ip("192.0.2.7")]);
    assert_eq!(got[1].as_ref().unwrap(), &vec![ip("::1")]);
    assert!(
        matches!(got[2], Err(Error::InvalidName { .. })),
        "{:?}",
        got[2]
    );
    assert!(
        matches!(got[3], Err(Error::InvalidName { .. })),
        "{:?}",
        got[3]
    );
    // The empty name is quoted, so the message does not start with a
    // bare colon.
    assert_eq!(
        got[3].as_ref().unwrap_err().to_string(),
        r#""": not a valid name: empty name"#
    );
    assert!(matches!(got[4], Err(Error::Io(_))), "{:?}", got[4]);
}

#[test]
fn literals_are_read_as_connect_host_reads_them() {
    // `[::1]` is a literal; a zone or a port is refused: none is asked of
    // a nameserver.
    let srv = server(None);
    let r = Resolver::new(vec![srv.local_addr()]);
    let hosts = [
        "[::1]",
        "fe80::1%lo",
        "example.com:80",
        "[::1]:80",
        "[nope]",
    ];
    let got = lookup_all(&r, &hosts);
    assert_eq!(got[0].as_ref().unwrap(), &vec![ip("::1")]);
    for (host, res) in hosts.iter().zip(&got).skip(1) {
        let e = res.as_ref().unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "{host}: {e:?}");
        assert_eq!(e.name(), *host);
    }
    assert_eq!(
        got[1].as_ref().unwrap_err().to_string(),
        "fe80::1%lo: not a valid name: an IPv6 address with a zone is not supported"
    );
    assert_eq!(srv.queries(), 0);
    // With a trailing dot, an address is a name, as glibc takes it.
    let e = lookup_one(&r, "127.0.0.1.").unwrap_err();
    assert!(
        matches!(&e, Error::NxDomain { name } if name == "127.0.0.1."),
        "{e:?}"
    );
    assert!(srv.queries() > 0);
}

#[test]
fn an_invalid_name_is_told_what_is_wrong_with_it() {
    let r = Resolver::new(vec![]);
    let cases = [
        ("::1.", "an IPv6 address with a trailing dot"),
        ("[::1", "a '[' without its closing ']'"),
        ("::1]", "a ']' without its opening '['"),
        ("1::2::3", "not an IPv6 address, and a name has no ':'"),
        ("[1::2::3]", "not an IPv6 address in brackets"),
        ("[fe80::1%lo]", "an IPv6 address with a zone is not supported"),
        (
            "example.com:80",
            "it has a port (`host:port`): give a host name or an IP address alone",
        ),
        (
            "[::1]:80",
            "it has a port (`host:port`): give a host name or an IP address alone",
        ),
        (
            "http://example.com",
            "a URL: give its host name or IP address alone",
        ),
        ("a..b", "an empty label (a dot at the start, or two dots in a row)"),
        (".a", "an empty label (a dot at the start, or two dots in a row)"),
        (
            "café.test",
            "a character other than printable ASCII (a space, a control character, a letter beyond ASCII)",
        ),
        (
            "a b.test",
            "a character other than printable ASCII (a space, a control character, a letter beyond ASCII)",
        ),
        (
            "example.com ",
            "a character other than printable ASCII (a space, a control character, a letter beyond ASCII)",
        ),
    ];
    let names: Vec<&str> = cases.iter().map(|(name, _)| *name).collect();
    for ((name, reason), res) in cases.iter().zip(lookup_all(&r, &names)) {
        let e = res.unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "{name}: {e:?}");
        // A name with a space at an end is quoted, so that it shows.
        let shown = if name.ends_with(' ') {
            format!("{name:?}")
        } else {
            name.to_string()
        };
        assert_eq!(
            e.to_string(),
            format!("{shown}: not a valid name: {reason}")
        );
    }
}

#[test]
fn a_cancelled_lookup_ends_without_waiting_for_its_timer() {
    // The nameserver never answers and the deadline is an hour: run()
    // returns only because the lookup ended when its event died, and
    // nothing was delivered.
    on_fresh_loop(|| {
        let dead = UdpSocket::bind("127.0.0.1:0").unwrap();
        let r = Resolver::new(vec![dead.local_addr().unwrap()]).timeout(Duration::from_secs(3600));
        let rv = tame::Rendezvous::<()>::new();
        let (ev, slot) = rv.event_with_slot::<LookupResult>(());
        r.lookup_ip("x.test", ev);
        rv.cancel();
        tame::run();
        assert!(slot.take().is_none(), "nothing is delivered");
    });
}

#[test]
fn the_server_builder_refuses_names_it_cannot_put_in_a_reply() {
    // Its replies would fail to encode and be dropped: the client waited
    // for its deadline.
    let panic_of = |f: fn()| {
        let payload = std::panic::catch_unwind(f).expect_err("refused");
        *payload.downcast::<String>().expect("a message")
    };
    let host = panic_of(|| drop(Server::builder().host("bad name", "10.0.0.1".parse().unwrap())));
    assert_eq!(
        host,
        r#"tame::dns::server::Builder::host: "bad name" cannot be put in a reply: a character other than printable ASCII (a space, a control character, a letter beyond ASCII)"#
    );
    let target = panic_of(|| drop(Server::builder().cname("c.test", "a..b")));
    assert!(target.contains(r#""a..b""#), "{target}");
    let alias = panic_of(|| drop(Server::builder().cname(&"x".repeat(64), "c.test")));
    assert!(alias.ends_with("longer than 63 octets"), "{alias}");
}

/// A name of 76 octets with a label of 64 breaks the label's limit, not
/// the name's: the message says which.
#[test]
fn a_label_too_long_is_told_from_a_name_too_long() {
    let r = Resolver::new(vec![]);
    let long_label = format!("{}.example.com", "x".repeat(64));
    let long_name = vec!["x".repeat(63); 4].join(".");
    let got = lookup_all(&r, &[long_label.as_str(), long_name.as_str()]);
    let text = |i: usize| got[i].as_ref().unwrap_err().to_string();
    assert!(
        text(0).ends_with("not a valid name: a label (a part between dots) longer than 63 octets"),
        "{}",
        text(0)
    );
    assert!(
        text(1).ends_with(
            "not a valid name: name longer than 255 octets on the wire (253 characters, without a final dot)"
        ),
        "{}",
        text(1)
    );
}

#[test]
fn gethost_ev_uses_the_default_resolver() {
    let srv = server(None);
    dns::set_default_resolver(Resolver::new(vec![srv.local_addr()]));
    let got = Rc::new(RefCell::new(None));
    let g = got.clone();
    dns::gethost_ev(
        "alias.test".into(),
        Event::from_fn(move |res: Option<LookupResult>| *g.borrow_mut() = res),
    );
    tame::run();
    assert_eq!(
        got.take().unwrap().unwrap(),
        vec![ip("10.0.0.1"), ip("fd00::1")]
    );
}

#[test]
fn a_server_on_the_same_loop_works_and_stops() {
    let srv = Server::builder()
        .host("same.test", ip("10.7.7.7"))
        .delay(Duration::from_millis(5))
        .start()
        .unwrap();
    let r = Resolver::new(vec![srv.local_addr()]);
    let got = Rc::new(RefCell::new(None));
    let (g, stop) = (got.clone(), srv.clone());
    r.lookup_ip(
        "same.test",
        Event::from_fn(move |res: Option<LookupResult>| {
            *g.borrow_mut() = res;
            stop.stop();
        }),
    );
    tame::run();
    assert_eq!(got.take().unwrap().unwrap(), vec![ip("10.7.7.7")]);
    assert_eq!(srv.queries(), 2);
}

#[test]
fn a_flood_of_queries_at_a_long_delay_keeps_at_most_max_delayed_replies_waiting() {
    on_fresh_loop(|| {
        use tame::dns::server::MAX_DELAYED;
        // The loop's clock, moved by hand a millisecond at a time, so that
        // the replies come out a few hundred at a time and no socket buffer
        // overflows.
        tame::time::pause();
        let delay = Duration::from_millis(1000);
        let srv = Server::builder()
            .host("flood.test", ip("10.8.8.8"))
            .delay(delay)
            .start()
            .unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_nonblocking(true).unwrap();
        client.connect(srv.local_addr()).unwrap();
        let query = wire::Message::query(1, "flood.test", wire::TYPE_A)
            .encode()
            .unwrap();
        // Loopback datagrams are in the server's socket when `send`
        // returns: a few turns read them, unless the kernel dropped one
        // (a receive buffer too small for a batch of 100).
        let received = |srv: &Server, sent: usize| {
            for _ in 0..1000 {
                if srv.queries() >= sent {
                    break;
                }
                tame::run_once(Some(Duration::ZERO));
            }
            assert_eq!(srv.queries(), sent, "queries lost before the server");
        };
        let mut answered = 0;
        let step = |answered: &mut usize| {
            tame::time::advance(Duration::from_millis(1));
            for _ in 0..4 {
                tame::run_once(Some(Duration::ZERO));
            }
            let mut buf = [0u8; 512];
            while client.recv(&mut buf).is_ok() {
                *answered += 1;
            }
        };
        let mut sent = 0;
        while sent < MAX_DELAYED + 300 {
            for _ in 0..100 {
                client.send(&query).unwrap();
            }
            sent += 100;
            received(&srv, sent);
            step(&mut answered);
        }
        assert_eq!(answered, 0, "answered before the delay");
        for _ in 0..delay.as_millis() + 200 {
            step(&mut answered);
        }
        assert_eq!(answered, MAX_DELAYED);
        // Room again: the next query is answered.
        client.send(&query).unwrap();
        received(&srv, sent + 1);
        for _ in 0..delay.as_millis() + 1 {
            step(&mut answered);
        }
        assert_eq!(answered, MAX_DELAYED + 1);
        srv.stop();
        tame::run();
    });
}

/// Resolves `names` keeping at most `window` lookups outstanding; returns
/// the results in order and the largest number outstanding at once.
fn resolve_windowed(
    resolver: Resolver,
    names: Vec<String>,
    window: usize,
) -> (Vec<LookupResult>, usize) {
    struct Win {
        resolver: Resolver,
        names: Vec<String>,
        results: Vec<Option<LookupResult>>,
        sent: usize,
        recv: usize,
        window: usize,
        most: usize,
    }
    fn fill(w: &Rc<RefCell<Win>>) {
        loop {
            let (i, name, resolver) = {
                let mut s = w.borrow_mut();
                if s.sent >= s.names.len() || s.sent - s.recv >= s.window {
                    return;
                }
                s.sent += 1;
                s.most = s.most.max(s.sent - s.recv);
                (s.sent - 1, s.names[s.sent - 1].clone(), s.resolver.clone())
            };
            let w2 = w.clone();
            resolver.lookup_ip(
                &name,
                Event::from_fn(move |res: Option<LookupResult>| {
                    {
                        let mut s = w2.borrow_mut();
                        s.results[i] = res;
                        s.recv += 1;
                    }
                    fill(&w2);
                }),
            );
        }
    }
    let n = names.len();
    let w = Rc::new(RefCell::new(Win {
        resolver,
        names,
        results: (0..n).map(|_| None).collect(),
        sent: 0,
        recv: 0,
        window,
        most: 0,
    }));
    fill(&w);
    tame::run();
    let mut s = w.borrow_mut();
    assert_eq!(s.recv, n);
    let results = std::mem::take(&mut s.results)
        .into_iter()
        .map(|r| r.expect("every lookup reports"))
        .collect();
    (results, s.most)
}

fn addr_of(i: usize) -> IpAddr {
    IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8])
}

#[test]
fn ten_thousand_names_in_a_window_all_correct() {
    const N: usize = 10_000;
    const W: usize = 50;
    let mut b = Server::builder();
    for i in 0..N {
        b = b.host(&format!("host{i}.many.test"), addr_of(i));
    }
    let srv = b.spawn().unwrap();
    let names: Vec<String> = (0..N).map(|i| format!("host{i}.many.test")).collect();
    let r = Resolver::new(vec![srv.local_addr()]);
    let (results, most) = resolve_windowed(r, names, W);
    assert_eq!(most, W);
    for (i, res) in results.iter().enumerate() {
        assert_eq!(res.as_ref().unwrap(), &vec![addr_of(i)], "name {i}");
    }
}

#[test]
fn ids_and_source_ports_vary_between_queries() {
    // A plain blocking server on another thread records where each query
    // came from and its id, and answers NXDOMAIN.
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    const LOOKUPS: usize = 8;
    let recorder = std::thread::spawn(move || {
        let mut seen: Vec<(SocketAddr, u16)> = Vec::new();
        let mut buf = [0u8; 512];
        while seen.len() < 2 * LOOKUPS {
            let (n, from) = sock.recv_from(&mut buf).unwrap();
            let id = u16::from_be_bytes([buf[0], buf[1]]);
            seen.push((from, id));
            buf[2] |= 0x80; // QR: a response
            buf[3] = (buf[3] & 0xf0) | 3; // NXDOMAIN
            sock.send_to(&buf[..n], from).unwrap();
        }
        seen
    });
    let r = Resolver::new(vec![addr]);
    let got = lookup_all(&r, &["x.test"; LOOKUPS]);
    assert!(got.iter().all(|g| matches!(g, Err(Error::NxDomain { .. }))));
    let seen = recorder.join().unwrap();
    let ports: std::collections::HashSet<u16> = seen.iter().map(|(a, _)| a.port()).collect();
    let ids: std::collections::HashSet<u16> = seen.iter().map(|(_, id)| *id).collect();
    // One socket per lookup: A and AAAA share it.
    assert_eq!(ports.len(), LOOKUPS, "{seen:?}");
    assert!(ids.len() >= 2 * LOOKUPS - 2, "ids barely vary: {seen:?}");
}

/// A nameserver on a thread of its own that answers each query with the
/// query's bytes made a reply (NOERROR) by `reply`, which appends records
/// and sets their counts. It serves until no query came for 10 s.
fn raw_server(reply: fn(&mut Vec<u8>)) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let addr = sock.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let mut r = buf[..n].to_vec();
            r[2] = 0x81; // QR, RD
            r[3] = 0x80; // RA, NOERROR
            reply(&mut r);
            let _ = sock.send_to(&r, from);
        }
    });
    addr
}

#[test]
fn a_record_named_outside_printable_ascii_does_not_spoil_the_answer() {
    // RFC 2181 section 11: a label may hold any octets. The A answer comes
    // with a TXT answer owned by a UTF-8 name and an additional TXT record
    // owned by `my printer.local`, as a network's printer announces itself.
    let addr = raw_server(|r| {
        let is_a = r[r.len() - 3] == 1;
        r[7] = 1 + u8::from(is_a); // answers
        r[11] = 1; // additional
        if is_a {
            r.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3]);
        }
        r.extend_from_slice(
            b"\x05caf\xc3\xa9\x04test\x00\x00\x10\x00\x01\x00\x00\x00\x3c\x00\x01\x00",
        );
        r.extend_from_slice(
            b"\x0amy printer\x05local\x00\x00\x10\x00\x01\x00\x00\x00\x3c\x00\x01\x00",
        );
    });
    on_fresh_loop(move || {
        let r = Resolver::new(vec![addr]).timeout(Duration::from_secs(3600));
        assert_eq!(lookup_one(&r, "x.test").unwrap(), vec![ip("10.1.2.3")]);
    });
}

#[test]
fn no_nameserver_to_ask_is_not_read_as_a_name_that_does_not_exist() {
    let r = Resolver::new(vec![]);
    let e = lookup_all(&r, &["x.test"]).remove(0).unwrap_err();
    assert_eq!(e.to_string(), "x.test: no nameservers configured");
    // NXDOMAIN's kind is `NotFound`: this one says nothing about the name.
    assert_eq!(std::io::Error::from(e).kind(), std::io::ErrorKind::Other);
}

#[test]
fn dropping_the_last_handle_of_a_server_on_this_loop_stops_it() {
    // (A server left running keeps run() going: the watchdog fails it.)
    on_fresh_loop(|| {
        let srv = Server::builder()
            .host("kept.test", ip("10.8.8.8"))
            .start()
            .unwrap();
        let r = Resolver::new(vec![srv.local_addr()]);
        let kept = srv.clone();
        // One handle of two gone: it still serves.
        drop(srv);
        let got = Rc::new(RefCell::new(None));
        let g = got.clone();
        let last = RefCell::new(Some(kept));
        r.lookup_ip(
            "kept.test",
            Event::from_fn(move |res: Option<LookupResult>| {
                *g.borrow_mut() = res;
                // The last handle gone: it stops, and run() returns.
                drop(last.borrow_mut().take());
            }),
        );
        tame::run();
        assert_eq!(got.take().unwrap().unwrap(), vec![ip("10.8.8.8")]);
        assert!(tame::blocked().is_empty(), "{:?}", tame::blocked());
    });
}

/// The server's reply to `query` (encoded), asked from a plain socket.
fn ask_raw(srv: &ServerThread, query: &wire::Message) -> wire::Message {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    sock.send_to(&query.encode().unwrap(), srv.local_addr())
        .unwrap();
    let mut buf = [0u8; 65536];
    let n = sock.recv(&mut buf).expect("a reply");
    assert!(n <= 512, "a reply over UDP of {n} octets, past 512");
    wire::Message::decode(&buf[..n]).unwrap()
}

/// A name with more addresses than a reply over UDP holds (512 octets,
/// the query has no EDNS): the reply carries those that fit, with TC set
/// (it went out whole: 1,626 octets for 100, which tame's resolver took
/// for cut at 255 and more, and past 65,507 octets it was never sent).
/// The server has no TCP: the resolver keeps the addresses it got. So
/// also for a reply too large for any transport (5,000 addresses, over
/// 65,535 octets whole), which `encode` refuses.
#[test]
fn a_reply_too_long_for_udp_is_cut_with_tc_set() {
    for count in [100u32, 5_000] {
        let all: Vec<IpAddr> = (0..count)
            .map(|i| IpAddr::from((0x0a01_0000 + i).to_be_bytes()))
            .collect();
        let srv = (all.iter())
            .fold(Server::builder(), |b, &a| b.host("many.test", a))
            .spawn()
            .unwrap();
        let reply = ask_raw(&srv, &wire::Message::query(7, "many.test", wire::TYPE_A));
        assert!(reply.header.truncated, "{count}");
        assert!(!reply.answers.is_empty() && reply.answers.len() < all.len());
        let got = lookup_one(&Resolver::new(vec![srv.local_addr()]), "many.test").unwrap();
        assert!(!got.is_empty(), "{got:?}");
        assert!(got.iter().all(|a| all.contains(a)), "{got:?}");
    }
}

/// ANY gets every address of the name (it got none, a reply that says
/// the name has no records).
#[test]
fn any_gets_every_address() {
    let srv = Server::builder()
        .host("both.test", ip("10.0.0.9"))
        .host("both.test", ip("fd00::9"))
        .spawn()
        .unwrap();
    let reply = ask_raw(&srv, &wire::Message::query(8, "both.test", 255));
    let data: Vec<&wire::RData> = reply.answers.iter().map(|r| &r.data).collect();
    assert_eq!(
        data,
        [
            &wire::RData::A("10.0.0.9".parse().unwrap()),
            &wire::RData::Aaaa("fd00::9".parse().unwrap())
        ]
    );
}

/// A nameserver on a thread answering the A query with `a` and the AAAA
/// query with `aaaa` (response codes; NOERROR with 10.0.0.1 for A, none
/// for AAAA). Runs until the test ends.
fn per_type_nameserver(a: u8, aaaa: u8) -> SocketAddr {
    per_type_nameserver_after(a, aaaa, Duration::ZERO, Duration::ZERO)
}

/// [`per_type_nameserver`], sending its reply to the A query `a_after` the
/// query came, and to the AAAA query `aaaa_after`.
fn per_type_nameserver_after(
    a: u8,
    aaaa: u8,
    a_after: Duration,
    aaaa_after: Duration,
) -> SocketAddr {
    use tame::dns::wire::{Message, RData, Record};
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let Ok(mut m) = Message::decode(&buf[..n]) else {
                continue;
            };
            let Some(q) = m.questions.first().cloned() else {
                continue;
            };
            m.header.response = true;
            m.header.rcode = if q.qtype == wire::TYPE_A { a } else { aaaa };
            if q.qtype == wire::TYPE_A && a == wire::RCODE_NOERROR {
                m.answers = vec![Record {
                    name: q.name.clone(),
                    rtype: wire::TYPE_A,
                    class: wire::CLASS_IN,
                    ttl: 60,
                    data: RData::A([10, 0, 0, 1].into()),
                }];
            }
            let after = if q.qtype == wire::TYPE_A {
                a_after
            } else {
                aaaa_after
            };
            let Ok(reply) = m.encode() else {
                continue;
            };
            let Ok(out) = sock.try_clone() else {
                continue;
            };
            std::thread::spawn(move || {
                std::thread::sleep(after);
                let _ = out.send_to(&reply, from);
            });
        }
    });
    addr
}

#[test]
fn a_nameserver_that_answers_one_query_and_fails_the_other_ends_the_lookup() {
    // As glibc: what that nameserver said is the result, without waiting
    // for the next one (silent here, with a deadline of an hour: a lookup
    // that waited for it is the watchdog's failure).
    on_fresh_loop(|| {
        // Bound, never read (not on the loop, which would wait for it).
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let silent_addr = silent.local_addr().unwrap();
        for (a, aaaa, want) in [
            (wire::RCODE_NXDOMAIN, wire::RCODE_SERVFAIL, Err("NxDomain")),
            (wire::RCODE_REFUSED, wire::RCODE_NXDOMAIN, Err("NxDomain")),
            (
                wire::RCODE_NOERROR,
                wire::RCODE_SERVFAIL,
                Ok(vec![ip("10.0.0.1")]),
            ),
            (
                wire::RCODE_NOERROR,
                wire::RCODE_NXDOMAIN,
                Ok(vec![ip("10.0.0.1")]),
            ),
        ] {
            let r = Resolver::new(vec![per_type_nameserver(a, aaaa), silent_addr])
                .timeout(Duration::from_secs(3600));
            let got = lookup_one(&r, "name.test");
            match (&got, &want) {
                (Ok(addrs), Ok(want)) => assert_eq!(addrs, want),
                (Err(e @ Error::NxDomain { .. }), Err("NxDomain")) => {
                    assert_eq!(e.name(), "name.test")
                }
                _ => panic!("A {a}, AAAA {aaaa}: {got:?}, not {want:?}"),
            }
        }
    });
}

#[test]
fn what_a_nameserver_said_of_both_queries_does_not_hang_on_their_order() {
    // The first nameserver fails the A query and answers the AAAA query,
    // in either order, 200 ms apart; the second has the name's A record.
    // The lookup waits for the first one's other reply before it moves
    // on, as glibc does: the same result either way (it connected or not
    // by which reply came first).
    on_fresh_loop(|| {
        let good = good_server();
        let slow = Duration::from_millis(200);
        for aaaa in [wire::RCODE_NXDOMAIN, wire::RCODE_NOERROR] {
            let mut results = Vec::new();
            for (a_after, aaaa_after) in [(Duration::ZERO, slow), (slow, Duration::ZERO)] {
                let first =
                    per_type_nameserver_after(wire::RCODE_SERVFAIL, aaaa, a_after, aaaa_after);
                let r = Resolver::new(vec![first, good.local_addr()])
                    .timeout(Duration::from_secs(3600));
                results.push(format!("{:?}", lookup_one(&r, "v4only.test")));
            }
            assert_eq!(results[0], results[1], "AAAA rcode {aaaa}");
            let want = if aaaa == wire::RCODE_NXDOMAIN {
                "NxDomain"
            } else {
                "ServFail"
            };
            assert!(results[0].contains(want), "{results:?}");
        }
    });
}
