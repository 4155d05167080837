//! The hosts file is answered first: `localhost` resolves with no
//! nameserver reachable, and a test hosts file's names and aliases do too,
//! before (and without) any query.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use tame::dns::{Error, Resolver};

#[path = "support/lookup.rs"]
mod lookup;
use lookup::{ip, lookup_one};

/// A nameserver address where nobody answers: a bound socket that never
/// reads (queries to it are lost, like on a dead network).
fn unreachable() -> (UdpSocket, std::net::SocketAddr) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = s.local_addr().unwrap();
    (s, addr)
}

#[test]
fn localhost_resolves_with_no_nameserver_reachable() {
    let (_dead, addr) = unreachable();
    let r = Resolver::new(vec![addr])
        .timeout(Duration::from_secs(30))
        .with_hosts("/etc/hosts")
        .expect("this system has /etc/hosts");
    let start = Instant::now();
    let addrs = lookup_one(&r, "localhost").unwrap();
    assert!(addrs.contains(&ip("127.0.0.1")), "{addrs:?}");
    // Answered from the file, not after a deadline.
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_systems_resolver_answers_localhost_from_etc_hosts() {
    let r = Resolver::from_system().unwrap();
    let addrs = lookup_one(&r, "localhost").unwrap();
    assert!(addrs.contains(&ip("127.0.0.1")), "{addrs:?}");
}

#[test]
fn names_and_aliases_of_a_hosts_file_come_first_ipv4_first() {
    let path = std::env::temp_dir().join(format!("tame-hosts-{}", std::process::id()));
    std::fs::write(
        &path,
        "# test hosts\nfd00::7 db.test\n10.0.0.7 db.test database.test # two names\n",
    )
    .unwrap();
    let (dead, addr) = unreachable();
    let r = Resolver::new(vec![addr])
        .timeout(Duration::from_millis(200))
        .with_hosts(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        lookup_one(&r, "DB.test.").unwrap(),
        [ip("10.0.0.7"), ip("fd00::7")]
    );
    assert_eq!(lookup_one(&r, "database.test").unwrap(), [ip("10.0.0.7")]);
    // No query was sent for them.
    dead.set_nonblocking(true).unwrap();
    assert!(
        dead.recv_from(&mut [0; 512]).is_err(),
        "no query for a hosts name"
    );
    // Other names still go to the (dead) nameserver, and time out.
    assert!(matches!(
        lookup_one(&r, "elsewhere.test"),
        Err(Error::Timeout { .. })
    ));
}

#[test]
fn a_hosts_file_with_a_byte_that_is_not_utf8_is_read_as_glibc_reads_it() {
    let path = std::env::temp_dir().join(format!("tame-hosts-latin1-{}", std::process::id()));
    // A Latin-1 comment ("Café"): the file is not UTF-8.
    std::fs::write(&path, b"# Caf\xe9\n10.0.0.9 cafe.test\n").unwrap();
    let r = Resolver::new(vec![]).with_hosts(&path);
    std::fs::remove_file(&path).unwrap();
    let r = r.expect("read despite the comment");
    assert_eq!(lookup_one(&r, "cafe.test").unwrap(), [ip("10.0.0.9")]);
}

#[test]
fn a_hosts_name_that_no_query_could_carry_is_answered_from_the_file() {
    // As getaddrinfo does: /etc/hosts is read before the name's syntax is
    // checked, so a name with a letter beyond ASCII, a label over 63
    // octets or an empty label is answered if the file lists it.
    let path = std::env::temp_dir().join(format!("tame-hosts-odd-{}", std::process::id()));
    let long = format!("{}.local", "x".repeat(70));
    std::fs::write(
        &path,
        format!("10.1.1.1 café.local\n10.1.1.2 {long}\n10.1.1.3 a..b\n"),
    )
    .unwrap();
    let r = Resolver::new(vec![]).with_hosts(&path);
    std::fs::remove_file(&path).unwrap();
    let r = r.unwrap();
    assert_eq!(lookup_one(&r, "café.local").unwrap(), [ip("10.1.1.1")]);
    assert_eq!(lookup_one(&r, &long).unwrap(), [ip("10.1.1.2")]);
    assert_eq!(lookup_one(&r, "a..b").unwrap(), [ip("10.1.1.3")]);
    // A name the file does not list is still refused without a query.
    let e = lookup_one(&r, "thé.local").unwrap_err();
    assert!(matches!(e, Error::InvalidName { .. }), "{e:?}");
}

/// Fields are split at ASCII blanks only, as glibc splits them: a name
/// with a no-break space in it is one name (no lookup can ask for it),
/// not two (it made `nb` and `sp.test` resolve).
#[test]
fn a_hosts_line_splits_at_ascii_blanks_only() {
    let path = std::env::temp_dir().join(format!("tame-hosts-nbsp-{}", std::process::id()));
    std::fs::write(
        &path,
        "10.0.0.6 nb\u{a0}sp.test\n10.0.0.7\tok.test\x0bother.test\n",
    )
    .unwrap();
    let r = Resolver::new(vec![]).with_hosts(&path);
    std::fs::remove_file(&path).unwrap();
    let r = r.unwrap();
    assert!(lookup_one(&r, "nb").is_err());
    assert!(lookup_one(&r, "sp.test").is_err());
    assert_eq!(lookup_one(&r, "ok.test").unwrap(), [ip("10.0.0.7")]);
    assert_eq!(lookup_one(&r, "other.test").unwrap(), [ip("10.0.0.7")]);
}
