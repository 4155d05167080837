//! What each fuzz target checks, as plain functions over the fuzzer's
//! bytes: the targets in `fuzz_targets/` call them under libFuzzer (`cargo
//! fuzz run TARGET`, see `fuzz/run`), and `tests/corpus.rs` runs the
//! committed corpus through them on stable Rust. A check fails by
//! panicking.
//!
//! | target | code under test | property |
//! |---|---|---|
//! | [`dns_wire`] | `tame::dns::wire` | decoding never panics; a decoded message encodes, and decodes back to itself |
//! | [`http_split`] | `tame_suite::http::parse_request` | cut at every byte, the parser agrees with the whole: incomplete until the decision, then the same decision (method, path, query, keep-alive, length) |
//! | [`knot_inbox`] | `tame_suite::http::Inbox` (knot's per-connection reading) | over any split into reads, the requests and errors are those of the one-shot parser, decided before any further read; at most an unfinished head held, nothing while idle |
//! | [`dns_reply`] | the resolver's reply matching (`tame::dns::__replies`) | a reply is taken iff its source, id, opcode and question match an unanswered query that its source has not failed; only NOERROR and NXDOMAIN answer a query; replies not taken change nothing; the addresses are exactly those the answers' CNAME chains from the name reach |

use std::net::{IpAddr, SocketAddr};

use tame::dns::wire::{self, Message, RData};
use tame_suite::http::{self, Inbox, Next, ParseError, Parsed, HEAD_LIMIT};

/// DNS messages: `Message::decode` and `decode_head` never panic; the head
/// of a message that decodes is its header and first question; a decoded
/// message encodes (unless its names written out make it too large), the
/// encoding decodes to the same message, and encoding that again gives the
/// same bytes.
pub fn dns_wire(data: &[u8]) {
    let head = wire::decode_head(data);
    let Ok(m) = Message::decode(data) else {
        return;
    };
    match head {
        Ok((h, q)) => {
            assert_eq!(h, m.header);
            assert_eq!(Some(&q), m.questions.first());
        }
        Err(_) => assert!(m.questions.is_empty(), "the head of a message that decodes"),
    }
    let bytes = match m.encode() {
        Ok(bytes) => bytes,
        // The names in a record of a type whose data is kept as bytes
        // (MX, SOA, ...) are written out in full when decoded: a message
        // with many pointers may then be too large for the wire.
        Err(wire::WireError::TooLarge) => return,
        Err(e) => panic!("a decoded message encodes: {e:?}"),
    };
    let again = Message::decode(&bytes).expect("an encoded message decodes");
    assert_eq!(again, m, "decode(encode(m)) == m");
    assert_eq!(
        again.encode().unwrap(),
        bytes,
        "encoding is a function of the message"
    );
}

/// The result of parsing, owned (for comparing results of different
/// buffers).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Incomplete,
    Request {
        method: http::Method,
        path: String,
        query: Option<String>,
        keep_alive: bool,
        consumed: usize,
    },
    Error(ParseError),
}

fn outcome(r: Result<Parsed<'_>, ParseError>) -> Outcome {
    match r {
        Ok(Parsed::Incomplete) => Outcome::Incomplete,
        Ok(Parsed::Complete { head, consumed }) => Outcome::Request {
            method: head.method,
            path: head.path.to_owned(),
            query: head.query.map(str::to_owned),
            keep_alive: head.keep_alive,
            consumed,
        },
        Err(e) => Outcome::Error(e),
    }
}

/// The request parser cut at every byte against the whole: every prefix is
/// incomplete until some length, and from there on gives the decision the
/// whole buffer gives. Incomplete means shorter than [`HEAD_LIMIT`]; a head
/// is taken whole (its blank line included) and never longer than the
/// limit. Inputs up to a few KiB (`-max_len` in `fuzz/run`): the check is
/// quadratic.
pub fn http_split(data: &[u8]) {
    let whole = outcome(http::parse_request(data));
    let mut decided = None;
    for cut in 0..=data.len() {
        let prefix = &data[..cut];
        let got = outcome(http::parse_request(prefix));
        match &got {
            Outcome::Incomplete => {
                assert!(
                    decided.is_none(),
                    "incomplete again at {cut} after {decided:?}"
                );
                assert!(cut < HEAD_LIMIT, "{cut} bytes without a head are too many");
            }
            Outcome::Request { consumed, .. } => {
                assert!(*consumed <= cut && *consumed <= HEAD_LIMIT);
                assert!(prefix[..*consumed].ends_with(b"\r\n\r\n"));
                assert_eq!(http::head_end(prefix), Some(*consumed));
            }
            Outcome::Error(_) => {}
        }
        match &decided {
            None if got != Outcome::Incomplete => decided = Some(got),
            None => {}
            Some(d) => assert_eq!(&got, d, "cut at {cut}"),
        }
    }
    assert_eq!(decided.unwrap_or(Outcome::Incomplete), whole);
}

/// A tiny deterministic generator for read sizes.
struct Lengths(u32);

impl Lengths {
    fn next(&mut self, max: usize) -> usize {
        // xorshift32
        let mut x = self.0.max(1);
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        1 + (x as usize) % max
    }
}

/// knot's per-connection reading ([`Inbox`]), the class of issue 12's 431
/// that never came. The input is 4 bytes choosing how the stream is cut
/// into reads (sizes 1 to 1, 7, 64, 1,024 or 16,384: knot reads at most
/// 16 KiB), then the stream. Driven as knot drives it (ask the bytes held
/// first, read only when told to, stop at an error), it must answer the
/// requests and the error the one-shot parser finds in the whole stream,
/// in order; when it asks for a read, it holds exactly the bytes not yet
/// answered, fewer than [`HEAD_LIMIT`] and no head among them (so no
/// decision waits for the client's next byte), and no buffer at all if
/// that is none.
pub fn knot_inbox(data: &[u8]) {
    let Some((cfg, stream)) = data.split_first_chunk::<4>() else {
        return;
    };
    let max = [1, 7, 64, 1024, 16 * 1024][usize::from(cfg[0]) % 5];
    let mut lengths = Lengths(u32::from_le_bytes(*cfg));

    // The one-shot parser over the whole stream.
    let mut want = Vec::new();
    let mut at = 0;
    let want_end = loop {
        match outcome(http::parse_request(&stream[at..])) {
            o @ Outcome::Request { consumed, .. } => {
                assert!(consumed > 0, "a head is never empty");
                at += consumed;
                want.push(o);
            }
            o => break o,
        }
    };

    // The inbox, fed the stream read by read.
    let mut got = Vec::new();
    let mut inbox = Inbox::new();
    // The stream's bytes [answered, fed) are held.
    let (mut fed, mut answered) = (0usize, 0usize);
    let mut next = inbox.next_held();
    let got_end = loop {
        let raw = match next {
            Next::Head(raw) => raw,
            Next::Refuse(e) => break Outcome::Error(e),
            Next::Read => {
                assert_eq!(
                    inbox.len(),
                    fed - answered,
                    "every byte not answered is held"
                );
                assert!(inbox.len() < HEAD_LIMIT, "held {} bytes", inbox.len());
                // No end of head among the bytes held (all of them: a bare
                // LF ends one too, and whether an LF is bare depends on the
                // byte before it, which a window of the newest bytes lacks).
                assert_eq!(
                    http::head_end(&stream[answered..fed]),
                    None,
                    "a whole head is held: answer it before reading"
                );
                if inbox.is_empty() {
                    assert_eq!(inbox.capacity(), 0, "an idle connection holds no buffer");
                }
                if fed == stream.len() {
                    break Outcome::Incomplete;
                }
                let n = lengths.next(max).min(stream.len() - fed);
                let read = &stream[fed..fed + n];
                fed += n;
                next = inbox.push(read);
                continue;
            }
        };
        let consumed = raw.len();
        assert_eq!(raw, &stream[answered..answered + consumed]);
        match http::parse(raw) {
            Ok(head) => got.push(Outcome::Request {
                method: head.method,
                path: head.path.to_owned(),
                query: head.query.map(str::to_owned),
                keep_alive: head.keep_alive,
                consumed,
            }),
            Err(e) => break Outcome::Error(e),
        }
        answered += consumed;
        next = inbox.next_held();
    };
    assert_eq!(got, want, "the requests answered");
    assert_eq!(got_end, want_end, "how it ends");
}

/// The resolver's reply matching, driven through the code a lookup runs on
/// each datagram. Input: a byte choosing the nameservers (one to three of
/// 127.0.0.1:53, 127.0.0.2:53, [::1]:53), a byte choosing the name, four
/// bytes of query ids (A, AAAA), then replies, each a byte choosing its
/// source (a nameserver, one that was not asked, a wrong port), two bytes
/// of length and the datagram.
///
/// Checked: a reply is taken as an answer iff it comes from a nameserver
/// asked, is a standard query's response with one question, and its id
/// and question (type, class IN, the name in any case) are those of a
/// query not answered yet and not failed by that nameserver; a taken reply
/// answers its query for good if its response code is NXDOMAIN, never if
/// it is neither NXDOMAIN nor NOERROR or the reply does not decode (the
/// nameserver failed it: the query is answered once every nameserver
/// has); the result is the same with the replies not taken left out
/// (never trusted, never an error); no reply taken means a timeout.
///
/// And the addresses, IPv4 first: each is an A (or AAAA) record, class IN,
/// of a reply taken for the A (or AAAA) query, owned by the name or by an
/// alias a chain of CNAME records from it reaches. A final NOERROR answer
/// gives the addresses its chain ends at (followed from the name, alias by
/// alias, to the first name owning addresses of the type; a chain over 16
/// aliases, or a truncated reply with none, is a failure, not an answer);
/// the result is exactly the final answers' addresses, the A query's
/// first (an NXDOMAIN to the other query notwithstanding, as glibc takes
/// them), or an error if they have none: NXDOMAIN if one was taken.
/// Replies that do not decode as a whole, or whose chain forks (a name
/// with two different aliases), are left to the weaker checks.
pub fn dns_reply(data: &[u8]) {
    const NAMES: [&str; 4] = ["host-a.test", "alias.test", "a.b.c.example", "x"];
    let all: [SocketAddr; 5] = [
        "127.0.0.1:53".parse().unwrap(),
        "127.0.0.2:53".parse().unwrap(),
        "[::1]:53".parse().unwrap(),
        // Not asked: another address, and a nameserver's address with another port.
        "127.0.0.9:53".parse().unwrap(),
        "127.0.0.1:5353".parse().unwrap(),
    ];
    let Some((&[servers_b, name_b, a0, a1, b0, b1], mut rest)) = data.split_first_chunk::<6>()
    else {
        return;
    };
    let servers = &all[..1 + usize::from(servers_b) % 3];
    let name = NAMES[usize::from(name_b) % NAMES.len()];
    let ids = [u16::from_le_bytes([a0, a1]), u16::from_le_bytes([b0, b1])];
    if ids[0] == ids[1] {
        return; // a lookup never uses one id twice
    }
    let mut replies = Vec::new();
    while let Some((&[src, l0, l1], tail)) = rest.split_first_chunk::<3>() {
        let len = usize::from(u16::from_le_bytes([l0, l1])).min(tail.len());
        replies.push((all[usize::from(src) % all.len()], &tail[..len]));
        rest = &tail[len..];
    }

    let (taken, result) = tame::dns::__replies(name, servers, ids, &replies);
    assert_eq!(taken.len(), replies.len());

    // What the contract says each reply is.
    let mut answered = [false; 2];
    // By query, the nameservers (by index) that failed it.
    let mut failed = [[false; 3]; 2];
    // By query, the addresses of its type that the taken replies' CNAME
    // chains from the name reach (`None`: a taken reply does not decode
    // as a whole, so only its answer section's addresses are known).
    let mut reachable: [Option<Vec<IpAddr>>; 2] = [Some(Vec::new()), Some(Vec::new())];
    // By query, its final NOERROR answer's addresses (`Some(None)`: final,
    // but this check does not say what it holds).
    let mut final_addrs: [Option<Option<Vec<IpAddr>>>; 2] = [None, None];
    let mut nxdomain = false;
    for (&(from, msg), &took) in replies.iter().zip(&taken) {
        let source = servers.iter().position(|&s| s == from);
        let expected = source.and_then(|si| {
            let (h, q) = wire::decode_head(msg).ok()?;
            let i = (0..2).find(|&i| ids[i] == h.id && !answered[i])?;
            let qtype = [wire::TYPE_A, wire::TYPE_AAAA][i];
            let matches = h.response
                && h.opcode == 0
                && h.qdcount == 1
                && q.qtype == qtype
                && q.qclass == wire::CLASS_IN
                && wire::same_name(&q.name, name)
                && !failed[i][si];
            matches.then_some(i)
        });
        assert_eq!(
            took.map(|(i, _)| i),
            expected,
            "reply from {from}: {msg:02x?}"
        );
        let (Some((i, is_final)), Some(si)) = (took, source) else {
            continue;
        };
        let rcode = wire::decode_head(msg).map_or(0, |(h, _)| h.rcode); // taken: it decodes
        if rcode == wire::RCODE_NXDOMAIN {
            assert!(is_final, "NXDOMAIN answers the query: {msg:02x?}");
            nxdomain = true;
        }
        // NXDOMAIN is final by its head alone (nothing after it is read);
        // a NOERROR reply whose records do not decode is a failure. The
        // resolver reads the question and the answers only, names as
        // octets: what decodes as a whole decodes so too.
        let lenient = tame::dns::__reply_addresses(msg);
        let decodes = lenient.is_some();
        if let Ok(m) = Message::decode(msg) {
            let whole: Vec<IpAddr> = (m.answers.iter())
                .filter_map(|r| match r.data {
                    RData::A(a) => Some(IpAddr::V4(a)),
                    RData::Aaaa(a) => Some(IpAddr::V6(a)),
                    _ => None,
                })
                .collect();
            assert_eq!(
                lenient.as_ref(),
                Some(&whole),
                "the resolver reads other addresses than the whole message has: {msg:02x?}"
            );
        }
        if (rcode != wire::RCODE_NOERROR && rcode != wire::RCODE_NXDOMAIN)
            || (rcode == wire::RCODE_NOERROR && !decodes)
        {
            assert!(
                !is_final,
                "the nameserver's failure, not an answer: {msg:02x?}"
            );
        }
        // A taken reply that decodes as a whole: the answer its CNAME
        // chain gives (as this check reads it), and the addresses any
        // chain from the name could reach.
        match Message::decode(msg) {
            Ok(m) => {
                let qtype = [wire::TYPE_A, wire::TYPE_AAAA][i];
                if let Some(r) = &mut reachable[i] {
                    r.extend(reachable_addresses(&m.answers, name, qtype));
                }
                let truncated = m.header.truncated || msg.len() >= REPLY_BUFFER;
                if rcode == wire::RCODE_NOERROR && !truncated {
                    match chain(&m.answers, name, qtype) {
                        Chain::Addrs(a) => {
                            assert!(is_final, "an answer, {a:?}, not a failure: {msg:02x?}");
                            final_addrs[i] = Some(Some(a));
                        }
                        Chain::TooLong => {
                            assert!(
                                !is_final,
                                "a chain over {MAX_CNAME_HOPS} aliases is a failure: {msg:02x?}"
                            );
                        }
                        Chain::Ambiguous if is_final => final_addrs[i] = Some(None),
                        Chain::Ambiguous => {}
                    }
                } else if rcode == wire::RCODE_NOERROR && msg.len() < REPLY_BUFFER {
                    // TC: what it had room for, if anything, is the answer
                    // (its retry over TCP refused); nothing is a failure.
                    match chain(&m.answers, name, qtype) {
                        Chain::Addrs(a) if !a.is_empty() => {
                            assert!(is_final, "a truncated reply's {a:?}: {msg:02x?}");
                            final_addrs[i] = Some(Some(a));
                        }
                        Chain::Addrs(_) | Chain::TooLong => {
                            assert!(!is_final, "a truncated reply without addresses: {msg:02x?}");
                        }
                        Chain::Ambiguous if is_final => final_addrs[i] = Some(None),
                        Chain::Ambiguous => {}
                    }
                }
            }
            Err(_) => {
                reachable[i] = None;
                if is_final && rcode == wire::RCODE_NOERROR {
                    final_addrs[i] = Some(None);
                }
            }
        }
        if is_final {
            answered[i] = true;
        } else {
            failed[i][si] = true;
            answered[i] = failed[i][..servers.len()].iter().all(|&f| f);
        }
    }

    // Replies not taken change nothing.
    let only_taken: Vec<(SocketAddr, &[u8])> = replies
        .iter()
        .zip(&taken)
        .filter(|(_, t)| t.is_some())
        .map(|(r, _)| *r)
        .collect();
    let (retaken, again) = tame::dns::__replies(name, servers, ids, &only_taken);
    assert_eq!(
        retaken,
        taken.into_iter().flatten().map(Some).collect::<Vec<_>>()
    );
    assert_eq!(format!("{again:?}"), format!("{result:?}"));

    match &result {
        Ok(addrs) => {
            assert!(!addrs.is_empty(), "Ok with no address");
            // Each address is in the answer section of a reply taken.
            let mut offered = Vec::new();
            for (_, msg) in &only_taken {
                offered.extend(tame::dns::__reply_addresses(msg).unwrap_or_default());
            }
            assert!(
                addrs.iter().all(|a| offered.contains(a)),
                "{addrs:?} not among {offered:?}"
            );
            // ... and where those decode as a whole, an address record of
            // the query's type (class IN) whose owner is the name or an
            // alias a CNAME chain from it reaches.
            for a in addrs {
                let i = usize::from(a.is_ipv6());
                if let Some(r) = &reachable[i] {
                    assert!(r.contains(a), "{a} is not the name's: {r:?}");
                }
            }
            let first_v6 = addrs
                .iter()
                .position(IpAddr::is_ipv6)
                .unwrap_or(addrs.len());
            assert!(
                addrs[first_v6..].iter().all(IpAddr::is_ipv6),
                "IPv4 first: {addrs:?}"
            );
        }
        Err(e) => {
            let _ = e.to_string();
            if nxdomain {
                assert!(
                    matches!(e, tame::dns::Error::NxDomain { .. }),
                    "NXDOMAIN taken, yet {e:?}"
                );
            }
            if only_taken.is_empty() {
                assert!(
                    matches!(e, tame::dns::Error::Timeout { .. }),
                    "no reply taken gives a timeout, not {e:?}"
                );
            }
        }
    }
    // With each final answer's chain read: the addresses those chains
    // reach, the A query's first, exactly (as many times as the records
    // say: nothing promises fewer), whatever an NXDOMAIN to the other
    // query said; none, an error (NXDOMAIN, if one was taken: above).
    if final_addrs.iter().all(|f| !matches!(f, Some(None))) {
        let want: Vec<IpAddr> = final_addrs
            .into_iter()
            .flatten()
            .flatten()
            .flatten()
            .collect();
        match &result {
            Ok(addrs) => assert_eq!(addrs, &want, "the addresses the chains reach"),
            Err(e) => assert!(want.is_empty(), "{want:?} reached, yet {e:?}"),
        }
    }
}

/// As many aliases as a lookup follows inside one reply (`lookup_ip`'s
/// docs: at most 16).
const MAX_CNAME_HOPS: usize = 16;

/// A reply this long or longer may have been cut by the resolver's receive
/// buffer (4 KiB): it is taken as truncated.
const REPLY_BUFFER: usize = 4096;

/// Whether two DNS names are the same: ASCII case does not count, nor a
/// trailing dot (the names a message decodes to hold no dot or
/// unprintable octet inside a label).
fn dns_name_eq(a: &str, b: &str) -> bool {
    a.strip_suffix('.')
        .unwrap_or(a)
        .eq_ignore_ascii_case(b.strip_suffix('.').unwrap_or(b))
}

/// An address record's address, if of type `qtype` (A or AAAA).
fn address_of(r: &wire::Record, qtype: u16) -> Option<IpAddr> {
    match r.data {
        RData::A(a) if r.rtype == wire::TYPE_A && qtype == wire::TYPE_A => Some(a.into()),
        RData::Aaaa(a) if r.rtype == wire::TYPE_AAAA && qtype == wire::TYPE_AAAA => Some(a.into()),
        _ => None,
    }
}

/// The CNAME targets (class IN) of `owner` in `answers`.
fn aliases<'a>(answers: &'a [wire::Record], owner: &str) -> Vec<&'a str> {
    answers
        .iter()
        .filter(|r| r.class == wire::CLASS_IN && dns_name_eq(&r.name, owner))
        .filter_map(|r| match &r.data {
            RData::Cname(t) if r.rtype == wire::TYPE_CNAME => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// The addresses of type `qtype` (class IN) of `name`, owned by it or by
/// a name any chain of CNAME records from it reaches.
fn reachable_addresses(answers: &[wire::Record], name: &str, qtype: u16) -> Vec<IpAddr> {
    let mut names = vec![name.to_owned()];
    let mut k = 0;
    while k < names.len() {
        for t in aliases(answers, &names[k]) {
            if !names.iter().any(|n| dns_name_eq(n, t)) {
                names.push(t.to_owned());
            }
        }
        k += 1;
    }
    answers
        .iter()
        .filter(|r| r.class == wire::CLASS_IN && names.iter().any(|n| dns_name_eq(n, &r.name)))
        .filter_map(|r| address_of(r, qtype))
        .collect()
}

/// What a CNAME chain from the name gives.
enum Chain {
    /// The addresses (of the type, class IN) the name, or the alias the
    /// chain ends at, owns, in the reply's order; none if it ends at a
    /// name with neither addresses nor an alias.
    Addrs(Vec<IpAddr>),
    /// Over [`MAX_CNAME_HOPS`] aliases (or a loop).
    TooLong,
    /// A name on it is the alias of two different names: not checked.
    Ambiguous,
}

/// Follows the name's aliases to addresses: a name that owns addresses of
/// the type ends the chain (whatever aliases it also has), one with one
/// alias (given once or more) leads on.
fn chain(answers: &[wire::Record], name: &str, qtype: u16) -> Chain {
    let mut current = name.to_owned();
    for _ in 0..=MAX_CNAME_HOPS {
        let addrs: Vec<IpAddr> = answers
            .iter()
            .filter(|r| r.class == wire::CLASS_IN && dns_name_eq(&r.name, &current))
            .filter_map(|r| address_of(r, qtype))
            .collect();
        if !addrs.is_empty() {
            return Chain::Addrs(addrs);
        }
        let targets = aliases(answers, &current);
        let Some(&first) = targets.first() else {
            return Chain::Addrs(Vec::new());
        };
        if targets.iter().any(|t| !dns_name_eq(t, first)) {
            return Chain::Ambiguous;
        }
        current = first.to_owned();
    }
    Chain::TooLong
}
