//! Starts dnsmasq on a free loopback port, answering only from a hosts file
//! of the test's own (see shared/notes/real-peers.md). Include it with
//! `#[path = "support/dnsmasq.rs"] mod dnsmasq;`.
//!
//! When dnsmasq is not installed: outside CI the test prints a loud message
//! and is skipped ([`Dnsmasq::start`] returns `None`); with `CI=true` it
//! fails.

#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tame::dns::wire::{self, Message};

/// A running dnsmasq; killed and its files removed on drop.
pub struct Dnsmasq {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Dnsmasq {
    /// Starts dnsmasq answering from `hosts` (lines like `127.0.0.5
    /// host-a.test`), authoritative for `*.test` (unknown names there get
    /// NXDOMAIN), with `alias.test` a CNAME for `host-a.test`.
    ///
    /// Returns `None` (after printing why) if dnsmasq is not installed and
    /// this is not CI.
    ///
    /// # Panics
    ///
    /// If dnsmasq is missing under `CI=true`, or does not come up.
    pub fn start(hosts: &str) -> Option<Dnsmasq> {
        Self::start_with(hosts, &[])
    }

    /// [`start`](Self::start), with more of dnsmasq's options.
    pub fn start_with(hosts: &str, options: &[&str]) -> Option<Dnsmasq> {
        if Command::new("dnsmasq")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            let msg = "dnsmasq is not installed (apt-get install dnsmasq-base): \
                       this test against a real DNS server is SKIPPED";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg} -- but CI=true, so this is a failure");
            }
            // Straight to stderr, not eprintln!: the test harness would
            // capture that and hide it, since the test passes.
            let bar = "!".repeat(76);
            let _ = writeln!(std::io::stderr(), "\n{bar}\n!!! {msg}\n{bar}\n");
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "tame-dnsmasq-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).expect("make a temp dir for dnsmasq");
        let hosts_file = dir.join("hosts");
        fs::write(&hosts_file, hosts).expect("write the hosts file");
        // A free port can be taken by someone else before dnsmasq binds it:
        // try a few.
        for _ in 0..10 {
            let port = free_port();
            let mut child = Command::new("dnsmasq")
                .args([
                    "--no-daemon",
                    &format!("--port={port}"),
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--no-resolv",
                    "--no-hosts",
                    &format!("--addn-hosts={}", hosts_file.display()),
                    "--local=/test/",
                    "--cname=alias.test,host-a.test",
                    "--user=root",
                    "--pid-file=",
                ])
                .args(options)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn dnsmasq");
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            if wait_until_answering(&mut child, addr) {
                return Some(Dnsmasq { child, addr, dir });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("dnsmasq did not come up on any port");
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind a probe socket");
    s.local_addr().expect("probe address").port()
}

/// Asks `addr` a question with a blocking socket until it answers (true),
/// the child exits or 5 s pass (false).
fn wait_until_answering(child: &mut Child, addr: SocketAddr) -> bool {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind a probe socket");
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("set a read timeout");
    let query = Message::query(0x7a3e, "probe.test", wire::TYPE_A)
        .encode()
        .expect("encode the probe");
    let start = Instant::now();
    let mut buf = [0u8; 512];
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            return false; // exited: probably the port was taken
        }
        let _ = sock.send_to(&query, addr);
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            if from == addr && wire::Header::decode(&buf[..n]).is_ok_and(|h| h.id == 0x7a3e) {
                return true;
            }
        }
    }
    false
}
