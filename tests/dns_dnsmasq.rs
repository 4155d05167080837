//! The resolver against a real DNS server: dnsmasq on a loopback port,
//! answering from a hosts file of the test's own (A, AAAA, CNAME, NXDOMAIN,
//! 1,000 names in a window). Skipped loudly when dnsmasq is not installed,
//! a failure when `CI=true`.

#[path = "support/dnsmasq.rs"]
mod dnsmasq;
#[path = "support/lookup.rs"]
mod lookup;

use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;

use tame::dns::{Error, LookupResult, Resolver};
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

use dnsmasq::Dnsmasq;
use lookup::{ip, lookup_all};

#[test]
fn dnsmasq_answers_a_aaaa_cname_and_nxdomain() {
    let hosts = "127.0.0.5 host-a.test\n::5 host-a.test\n10.0.0.6 host-b.test\n::7 host-c.test\n";
    let Some(dns) = Dnsmasq::start(hosts) else {
        return;
    };
    let r = Resolver::new(vec![dns.addr()]);
    let got = lookup_all(
        &r,
        &[
            "host-a.test",
            "host-b.test",
            "host-c.test",
            "alias.test",
            "nope.test",
        ],
    );
    assert_eq!(got[0].as_ref().unwrap(), &vec![ip("127.0.0.5"), ip("::5")]);
    assert_eq!(got[1].as_ref().unwrap(), &vec![ip("10.0.0.6")]);
    assert_eq!(got[2].as_ref().unwrap(), &vec![ip("::7")]);
    // dnsmasq answers CNAME + A and CNAME + AAAA.
    assert_eq!(got[3].as_ref().unwrap(), &vec![ip("127.0.0.5"), ip("::5")]);
    match &got[4] {
        Err(e @ Error::NxDomain { .. }) => {
            assert_eq!(e.to_string(), "nope.test: no such domain (NXDOMAIN)")
        }
        other => panic!("expected NXDOMAIN, got {other:?}"),
    }
}

#[test]
fn an_address_of_one_family_is_found_though_the_other_is_nxdomain() {
    // dnsmasq's `--address` for IPv4 only, under `--local`, answers the
    // AAAA query NXDOMAIN: the name's A record is still its address, as
    // glibc's getaddrinfo gives it.
    let Some(dns) = Dnsmasq::start_with("", &["--address=/v4only.test/10.0.0.9"]) else {
        return;
    };
    let r = Resolver::new(vec![dns.addr()]);
    let got = lookup_all(&r, &["v4only.test", "nope.test"]);
    assert_eq!(got[0].as_ref().unwrap(), &vec![ip("10.0.0.9")]);
    assert!(
        matches!(got[1], Err(Error::NxDomain { .. })),
        "{:?}",
        got[1]
    );
}

fn addr_of(i: usize) -> IpAddr {
    IpAddr::from([10, 1, (i >> 8) as u8, i as u8])
}

/// The paper's windowed loop (figure 4), over an explicit rendezvous: at
/// most `window` lookups outstanding, each result stored into its own place.
#[tamed]
fn windowed(
    resolver: Resolver,
    names: Vec<String>,
    window: usize,
    done: Event<(Vec<LookupResult>, usize)>,
) {
    tvars! {
        let mut sent = 0usize;
        let mut recv = 0usize;
        let mut most = 0usize;
        // A dropped event leaves its slot as it was: start from NoResult.
        let mut a: Vec<LookupResult> = names
            .iter()
            .map(|n| Err(Error::NoResult { name: n.clone() }))
            .collect();
        let r = Rendezvous::<usize>::new();
    }
    while recv < names.len() {
        if sent < names.len() && sent - recv < window {
            resolver.lookup_ip(&names[sent], mkevent!(r, sent, a[sent]));
            sent += 1;
            most = most.max(sent - recv);
        } else {
            twait!(r);
            recv += 1;
        }
    }
    done.trigger((a, most));
}

#[test]
fn dnsmasq_resolves_a_thousand_names_in_a_window() {
    const N: usize = 1000;
    let hosts: String = (0..N)
        .map(|i| format!("{} n{i}.test\n", addr_of(i)))
        .collect();
    let Some(dns) = Dnsmasq::start(&hosts) else {
        return;
    };
    let names: Vec<String> = (0..N).map(|i| format!("n{i}.test")).collect();
    let r = Resolver::new(vec![dns.addr()]);
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    windowed(
        r,
        names.clone(),
        20,
        Event::from_fn(move |v| *o.borrow_mut() = v),
    );
    tame::run();
    let (results, most) = out.take().expect("windowed delivered");
    assert!(most <= 20);
    for (i, res) in results.iter().enumerate() {
        assert_eq!(res.as_ref().unwrap(), &vec![addr_of(i)], "{}", names[i]);
    }
}

#[test]
fn a_name_with_more_addresses_than_fit_in_a_datagram_is_read_over_tcp() {
    const N: usize = 60;
    let many = |i: usize| IpAddr::from([10, 2, 0, i as u8 + 1]);
    let hosts: String = (0..N).map(|i| format!("{} many.test\n", many(i))).collect();
    let Some(dns) = Dnsmasq::start(&hosts) else {
        return;
    };
    // The premise: asked as tame asks (no OPT record, so no EDNS), dnsmasq
    // cuts the A reply to 512 octets and sets TC.
    let query = tame::dns::wire::Message::query(0x5151, "many.test", tame::dns::wire::TYPE_A);
    assert!(query.additional.is_empty(), "no OPT record");
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    sock.send_to(&query.encode().unwrap(), dns.addr()).unwrap();
    let mut buf = [0u8; 65_536];
    let n = sock.recv(&mut buf).unwrap();
    let h = tame::dns::wire::Header::decode(&buf[..n]).unwrap();
    assert!(n <= 512 && h.truncated, "{n} octets, TC {}", h.truncated);
    assert!(usize::from(h.ancount) < N, "{} answers", h.ancount);

    let got = lookup_all(&Resolver::new(vec![dns.addr()]), &["many.test"]);
    let mut addrs = got[0].as_ref().unwrap().clone();
    addrs.sort();
    assert_eq!(addrs, (0..N).map(many).collect::<Vec<_>>());
}
