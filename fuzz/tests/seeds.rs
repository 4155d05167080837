//! Writes the seed corpus (`corpus/TARGET/seed-*`): hand-made inputs that
//! reach each target's interesting paths, so that fuzzing starts from
//! there. Run it after changing the seeds:
//!
//! ```text
//! cargo test --manifest-path fuzz/Cargo.toml --no-default-features --test seeds -- --ignored
//! ```

use std::path::Path;

use tame::dns::wire::{self, Header, Message, Question, RData, Record};

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
}

fn record(name: &str, data: RData) -> Record {
    let rtype = match data {
        RData::A(_) => wire::TYPE_A,
        RData::Aaaa(_) => wire::TYPE_AAAA,
        RData::Cname(_) => wire::TYPE_CNAME,
        RData::Other(_) => 15, // MX
        _ => unreachable!("the seeds make only the kinds above"),
    };
    Record {
        name: name.into(),
        rtype,
        class: wire::CLASS_IN,
        ttl: 300,
        data,
    }
}

/// A reply to `id`/`name`/`qtype` with these answers and rcode.
fn reply(id: u16, name: &str, qtype: u16, rcode: u8, answers: Vec<Record>) -> Vec<u8> {
    Message {
        header: Header {
            id,
            response: true,
            recursion_desired: true,
            recursion_available: true,
            rcode,
            ..Header::default()
        },
        questions: vec![Question {
            name: name.into(),
            qtype,
            qclass: wire::CLASS_IN,
        }],
        answers,
        ..Message::default()
    }
    .encode()
    .unwrap()
}

#[test]
#[ignore = "writes the seed corpus; run by hand"]
fn write_seeds() {
    let a = |s: &str| RData::A(s.parse().unwrap());
    let aaaa = |s: &str| RData::Aaaa(s.parse().unwrap());

    // dns_wire: whole messages.
    let query = Message::query(0x1234, "host-a.test", wire::TYPE_A)
        .encode()
        .unwrap();
    let answer = reply(
        0x1234,
        "host-a.test",
        wire::TYPE_A,
        0,
        vec![record("host-a.test", a("127.0.0.5"))],
    );
    let chain = reply(
        7,
        "alias.test",
        wire::TYPE_A,
        0,
        vec![
            record("alias.test", RData::Cname("host-a.test".into())),
            record("host-a.test", a("127.0.0.5")),
            record("host-a.test", a("127.0.0.6")),
        ],
    );
    let v6 = reply(
        8,
        "host-a.test",
        wire::TYPE_AAAA,
        0,
        vec![record("HOST-A.test", aaaa("::5"))],
    );
    let nx = reply(9, "nope.test", wire::TYPE_A, 3, vec![]);
    let mx = reply(
        10,
        "mail.test",
        15,
        0,
        vec![record(
            "mail.test",
            RData::Other(b"\x00\x0a\x04mail\xc0\x0c".to_vec()),
        )],
    );
    for (name, m) in [
        ("query", &query),
        ("answer", &answer),
        ("cname-chain", &chain),
        ("aaaa", &v6),
        ("nxdomain", &nx),
        ("other-type", &mx),
    ] {
        write("dns_wire", name, m);
    }
    // A pointer to itself, and a header alone.
    let mut looped = query.clone();
    looped.truncate(12);
    looped.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01");
    write("dns_wire", "pointer-loop", &looped);
    write("dns_wire", "header-only", &query[..12]);

    // dns_reply: servers byte, name byte, ids (A, AAAA), then replies
    // (source byte, u16 LE length, datagram).
    let with_replies = |servers: u8, name: u8, replies: &[(u8, &[u8])]| {
        let mut v = vec![servers, name, 0x11, 0x11, 0x22, 0x22];
        for (src, msg) in replies {
            v.push(*src);
            v.extend_from_slice(&(msg.len() as u16).to_le_bytes());
            v.extend_from_slice(msg);
        }
        v
    };
    let a_ok = reply(
        0x1111,
        "host-a.test",
        wire::TYPE_A,
        0,
        vec![record("host-a.test", a("127.0.0.5"))],
    );
    let aaaa_ok = reply(
        0x2222,
        "HOST-A.TEST",
        wire::TYPE_AAAA,
        0,
        vec![record("host-a.test", aaaa("::5"))],
    );
    let a_wrong_id = reply(
        0x1112,
        "host-a.test",
        wire::TYPE_A,
        0,
        vec![record("host-a.test", a("6.6.6.6"))],
    );
    let a_wrong_name = reply(
        0x1111,
        "evil.test",
        wire::TYPE_A,
        0,
        vec![record("evil.test", a("6.6.6.6"))],
    );
    let a_wrong_type = reply(
        0x1111,
        "host-a.test",
        wire::TYPE_AAAA,
        0,
        vec![record("host-a.test", aaaa("::6"))],
    );
    let alias = reply(
        0x1111,
        "alias.test",
        wire::TYPE_A,
        0,
        vec![
            record("alias.test", RData::Cname("host-a.test".into())),
            record("host-a.test", a("127.0.0.5")),
        ],
    );
    let nx_a = reply(0x1111, "host-a.test", wire::TYPE_A, 3, vec![]);
    let mut malformed = a_ok.clone();
    malformed.truncate(malformed.len() - 3);
    write(
        "dns_reply",
        "both",
        &with_replies(0, 0, &[(0, &a_ok), (0, &aaaa_ok)]),
    );
    write(
        "dns_reply",
        "spoofed-first",
        &with_replies(
            1,
            0,
            &[
                (3, &a_ok),
                (4, &a_ok),
                (0, &a_wrong_id),
                (0, &a_wrong_name),
                (0, &a_wrong_type),
                (1, &a_ok),
            ],
        ),
    );
    write("dns_reply", "cname", &with_replies(0, 1, &[(0, &alias)]));
    write(
        "dns_reply",
        "nxdomain",
        &with_replies(2, 0, &[(0, &nx_a), (0, &aaaa_ok)]),
    );
    write(
        "dns_reply",
        "malformed",
        &with_replies(0, 0, &[(0, &malformed), (0, &a_ok)]),
    );
    write(
        "dns_reply",
        "ipv6-server",
        &with_replies(2, 0, &[(2, &aaaa_ok), (2, &a_ok)]),
    );

    // http_split: heads, good and bad.
    let heads: &[(&str, &[u8])] = &[
        ("get", b"GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n"),
        ("head-10", b"HEAD /a%20b.html?x=1#f HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        ("absolute", b"GET http://example.com/x/y?q HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n"),
        ("pipelined", b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
        ("post", b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
        ("body", b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("bad-header", b"GET / HTTP/1.1\r\nName : v\r\n\r\n"),
        ("bare-lf", b"GET / HTTP/1.1\nHost: x\n\n"),
        ("folded", b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"),
        ("version", b"GET / HTTP/2.0\r\n\r\n"),
        ("partial", b"GET / HTTP/1.1\r\nHost: x\r\n"),
    ];
    for (name, h) in heads {
        write("http_split", name, h);
    }
    let many: String = (0..70).map(|i| format!("X-{i}: y\r\n")).collect();
    write(
        "http_split",
        "many-headers",
        format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes(),
    );

    // knot_inbox: 4 bytes choosing the read sizes (first byte % 5: 1, 7,
    // 64, 1024, 16384 at most), then the stream.
    let inbox = |cfg: u8, stream: &[u8]| [&[cfg, 0x5a, 0xa5, 0x3c][..], stream].concat();
    let junk = [&b"GET / HTTP/1.1\r\n\r\n"[..], &[b'x'; 8192]].concat();
    write("knot_inbox", "request-and-junk-one-read", &inbox(4, &junk));
    write(
        "knot_inbox",
        "request-and-junk-byte-by-byte",
        &inbox(0, &junk[..19 + 200]),
    );
    let long = format!(
        "GET / HTTP/1.1\r\nX: {}\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
        "a".repeat(8200)
    );
    write("knot_inbox", "long-line", &inbox(3, long.as_bytes()));
    let exact_pad = HEAD_LIMIT_PAD;
    let exact = format!(
        "GET / HTTP/1.1\r\nX: {}\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
        "a".repeat(exact_pad)
    );
    write(
        "knot_inbox",
        "exactly-the-limit",
        &inbox(2, exact.as_bytes()),
    );
    write("knot_inbox", "pipelined-small-reads", &inbox(1, b"GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /c HTTP/1.1\r\nConnection: close\r\n\r\nGET /d"));
    write(
        "knot_inbox",
        "many-headers",
        &inbox(3, format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
    );
    write(
        "knot_inbox",
        "bad-then-more",
        &inbox(
            2,
            b"GET / HTTP/1.1\r\n\r\nBAD\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        ),
    );
}

/// Padding that makes `GET / HTTP/1.1\r\nX: ...\r\n\r\n` exactly the head
/// limit long.
const HEAD_LIMIT_PAD: usize = tame_suite::http::HEAD_LIMIT - b"GET / HTTP/1.1\r\nX: \r\n\r\n".len();
