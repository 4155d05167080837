//! multidns, the paper's lookups as a program: every mode, the blocking
//! loop beside them included, reports a name the same way. Run against
//! tame's test nameserver on a thread of the test.

use std::process::Command;

use tame::dns::server::{Misbehavior, Server};
use tame::dns::wire;

#[path = "support/dnsmasq.rs"]
mod dnsmasq;
#[path = "support/example.rs"]
mod example;

/// The modes multidns runs, as its report names them.
const MODES: [&str; 4] = [
    "multidns (sequential)",
    "multidns_par (parallel)",
    "multidns_win (window)",
    "blocking UDP loop (no tame)",
];

/// multidns's output and exit code for `names` asked of a nameserver that
/// misbehaves as `m`.
fn run_against(m: Misbehavior, names: &[&str]) -> (String, Option<i32>) {
    let srv = Server::builder().misbehave(m).spawn().unwrap();
    let out = Command::new(example::example("multidns"))
        .arg("--server")
        .arg(srv.local_addr().to_string())
        .args(names)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

#[test]
fn every_mode_reports_a_nameserver_failure_as_such() {
    for (m, says) in [
        (Misbehavior::ServFail, "nameserver failure (SERVFAIL)"),
        (
            Misbehavior::Rcode(wire::RCODE_REFUSED),
            "the nameserver refused the query (REFUSED)",
        ),
    ] {
        let (out, code) = run_against(m, &["a.test"]);
        assert_eq!(code, Some(1), "{out}");
        for mode in MODES {
            let line = format!("  {mode}: a.test: {says}");
            assert!(out.contains(&line), "no `{line}` in:\n{out}");
        }
    }
}

#[test]
fn every_mode_takes_the_address_of_a_name_whose_other_family_is_nxdomain() {
    // dnsmasq answers the AAAA query for a `--address` of IPv4 only (under
    // `--local`) NXDOMAIN; `--` lets a NAME start with '-'.
    let Some(dns) = dnsmasq::Dnsmasq::start_with("", &["--address=/v4only.test/10.0.0.9"]) else {
        return;
    };
    let out = Command::new(example::example("multidns"))
        .args(["--server", &dns.addr().to_string(), "--"])
        .args(["v4only.test", "-dash.test"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        text.matches(" 1/2\n").count(),
        4,
        "v4only.test resolved:\n{text}"
    );
    for mode in MODES {
        let line = format!("  {mode}: -dash.test: no such domain (NXDOMAIN)");
        assert!(text.contains(&line), "no `{line}` in:\n{text}");
    }
}

#[test]
fn every_mode_says_why_a_name_is_not_valid_in_the_same_words() {
    // (The blocking loop said "bad name" for both.)
    let srv = Server::builder().spawn().unwrap();
    let out = Command::new(example::example("multidns"))
        .args([
            "--server",
            &srv.local_addr().to_string(),
            "a..test",
            "sp ace",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for mode in MODES {
        for (name, why) in [
            (
                "a..test",
                "an empty label (a dot at the start, or two dots in a row)",
            ),
            ("sp ace", "a character other than printable ASCII"),
        ] {
            let line = format!("  {mode}: {name}: not a valid name: {why}");
            assert!(text.contains(&line), "no `{line}` in:\n{text}");
        }
    }
}

#[test]
fn the_demo_resolves_every_name_in_every_mode() {
    let out = Command::new(example::example("multidns"))
        .args(["-n", "6", "--window", "2", "--delay", "5"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("6/6").count(), 4, "{text}");
}

/// A nameserver on a thread: every query over UDP gets its question back
/// with TC set and no answer; over TCP, on the same port, the A query gets
/// 10.9.8.7 (the AAAA query none). Runs until the test ends.
fn truncating_nameserver() -> std::net::SocketAddr {
    use std::io::{Read, Write};
    use std::net::{TcpListener, UdpSocket};
    use tame::dns::wire::{Message, RData, Record};

    fn reply(query: &[u8], truncated: bool) -> Option<Vec<u8>> {
        let mut m = Message::decode(query).ok()?;
        let q = m.questions.first()?.clone();
        m.header.response = true;
        m.header.truncated = truncated;
        if !truncated && q.qtype == wire::TYPE_A {
            m.answers = vec![Record {
                name: q.name.clone(),
                rtype: wire::TYPE_A,
                class: wire::CLASS_IN,
                ttl: 60,
                data: RData::A([10, 9, 8, 7].into()),
            }];
        }
        m.encode().ok()
    }
    let (udp, tcp) = (0..10)
        .find_map(|_| {
            let udp = UdpSocket::bind("127.0.0.1:0").ok()?;
            let tcp = TcpListener::bind(udp.local_addr().ok()?).ok()?;
            Some((udp, tcp))
        })
        .expect("a loopback port free for both UDP and TCP");
    let addr = udp.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = udp.recv_from(&mut buf) {
            if let Some(r) = reply(&buf[..n], true) {
                let _ = udp.send_to(&r, from);
            }
        }
    });
    std::thread::spawn(move || {
        for mut conn in tcp.incoming().flatten() {
            let mut len = [0u8; 2];
            if conn.read_exact(&mut len).is_err() {
                continue;
            }
            let mut query = vec![0u8; u16::from_be_bytes(len).into()];
            if conn.read_exact(&mut query).is_err() {
                continue;
            }
            if let Some(r) = reply(&query, false) {
                let mut framed = (r.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&r);
                let _ = conn.write_all(&framed);
            }
        }
    });
    addr
}

/// A truncated reply (TC set) is no answer: every mode, the blocking loop
/// included, asks again over TCP and gets the address (the blocking loop
/// took the empty truncated reply for the answer: "the name has no A or
/// AAAA records").
#[test]
fn every_mode_asks_again_over_tcp_after_a_truncated_reply() {
    let out = Command::new(example::example("multidns"))
        .arg("--server")
        .arg(truncating_nameserver().to_string())
        .arg("host.test")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("1/1").count(), 4, "{text}");
}

#[test]
fn help_documents_the_modes() {
    example::assert_help_mentions("multidns", &["--window", "-n"]);
}

/// `multidns | head -1`: the reader goes away; multidns ends quietly
/// with status 0 at its next line, rather than panicking ("failed printing
/// to stdout"). (Here the reader is gone before the first line, so that
/// every write fails.)
#[test]
fn a_reader_that_goes_away_ends_multidns_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let done = Command::new(example::example("multidns"))
        .args(["-n", "3", "--delay", "0"])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(done.status.code(), Some(0), "{stderr}");
}

/// A mode that left names unresolved has no ratio: the time its failures
/// took (a nameserver's SERVFAIL at once, or a deadline) would read as a
/// run at or under the ideal time. With a real server, whose delay is the
/// sequential mode's time per name, no mode has an ideal time then.
#[test]
fn a_mode_that_left_names_unresolved_has_no_ideal_time_or_ratio() {
    let (out, code) = run_against(Misbehavior::ServFail, &["a.test", "b.test"]);
    assert_eq!(code, Some(1), "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.ends_with("0/2")).collect();
    assert_eq!(rows.len(), 4, "{out}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // ... wall "ms", ideal, ratio, resolved
        assert_eq!(&cols[cols.len() - 3..], ["-", "-", "0/2"], "{row}");
    }
}

/// The table's columns stay in line when a cell is wider than its
/// column's usual width (a window of twelve digits overflowed its six and
/// pushed the rest of its row to the right).
#[test]
fn a_wide_cell_widens_its_column_instead_of_shifting_its_row() {
    let out = Command::new(example::example("multidns"))
        .args(["-n", "3", "--delay", "0", "--window", "123456789012"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("mode "))
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(table.len(), 5, "{stdout}");
    // Every column but the first is right-aligned: the rows end together,
    // and the window's cell ends where its header does.
    for row in &table {
        assert_eq!(row.len(), table[0].len(), "{stdout}");
    }
    let end_of = |row: &str, cell: &str| row.find(cell).map(|i| i + cell.len());
    let win = table
        .iter()
        .find(|r| r.starts_with("multidns_win"))
        .unwrap();
    assert_eq!(
        end_of(win, "123456789012"),
        end_of(table[0], "window"),
        "{stdout}"
    );
}

/// A command line that asks for what cannot be: exit status 2 and the
/// reason, before any work (a huge `-n` made it allocate without bound
/// and abort; `-n` beside NAMEs was ignored; a delay at the lookups'
/// deadline failed every lookup after five seconds a mode).
#[test]
fn impossible_command_lines_are_refused() {
    for (args, says) in [
        (&["-n", "100000000000"][..], "-n: at most 1000000"),
        (
            &["-n", "5", "a.test"][..],
            "-n and --delay are the built-in server's",
        ),
        (&["--delay", "4001"][..], "--delay: at most 4000 ms"),
    ] {
        let out = Command::new(example::example("multidns"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
