//! The DNS message format (RFC 1035 section 4): encoding and decoding.
//!
//! Pure functions over byte slices, no I/O. Decoding never panics and never
//! reads out of bounds, whatever the input: every length is checked against
//! what is left, compression pointers must point strictly backwards (so they
//! cannot loop), a decoded name is limited to 255 octets, and to 128
//! compression pointers (so a name costs little to decode, however the
//! pointers are chained).
//!
//! Names are handled as dotted text without the trailing dot (`"a.example"`;
//! the root is `""`). Labels are raw bytes; a label containing a dot or a
//! byte outside printable ASCII is rejected rather than escaped, which is
//! all a stub resolver for host names asks for. (The resolver reads the
//! replies it gets with a decoder of its own that keeps names as their
//! octets, so that a record named otherwise, which RFC 2181 allows, does
//! not spoil an answer.)
//!
//! # Examples
//!
//! A query, and the reply a server would make of it:
//!
//! ```
//! use std::net::Ipv4Addr;
//! use tame::dns::wire::{self, Message, RData, Record};
//!
//! let query = Message::query(0x1234, "host.example", wire::TYPE_A);
//! let bytes = query.encode().unwrap();
//! assert_eq!(bytes.len(), wire::HEADER_LEN + 18); // 12 + name (14) + type + class
//!
//! let mut reply = Message::decode(&bytes).unwrap();
//! reply.header.response = true;
//! reply.header.rcode = wire::RCODE_NOERROR;
//! reply.answers.push(Record {
//!     name: "host.example".into(),
//!     rtype: wire::TYPE_A,
//!     class: wire::CLASS_IN,
//!     ttl: 60,
//!     data: RData::A(Ipv4Addr::new(10, 0, 0, 1)),
//! });
//! let (head, question) = wire::decode_head(&reply.encode().unwrap()).unwrap();
//! assert!(head.response && head.id == 0x1234 && head.ancount == 1);
//! assert!(wire::same_name(&question.name, "HOST.example."));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Record type A (an IPv4 address).
pub const TYPE_A: u16 = 1;
/// Record type CNAME (canonical name).
pub const TYPE_CNAME: u16 = 5;
/// Record type AAAA (an IPv6 address).
pub const TYPE_AAAA: u16 = 28;
/// Record type OPT (EDNS, RFC 6891), in the additional section: its class
/// and TTL fields hold the sender's UDP size, flags and extended rcode.
pub const TYPE_OPT: u16 = 41;
/// Class IN (the Internet).
pub const CLASS_IN: u16 = 1;

/// Response code: no error.
pub const RCODE_NOERROR: u8 = 0;
/// Response code: the server could not interpret the query.
pub const RCODE_FORMERR: u8 = 1;
/// Response code: server failure.
pub const RCODE_SERVFAIL: u8 = 2;
/// Response code: the name does not exist.
pub const RCODE_NXDOMAIN: u8 = 3;
/// Response code: the server does not implement the kind of query.
pub const RCODE_NOTIMP: u8 = 4;
/// Response code: the server refuses to answer.
pub const RCODE_REFUSED: u8 = 5;

/// Longest name on the wire, length octets included (RFC 1035 2.3.4).
const MAX_NAME_WIRE: usize = 255;
/// Longest label.
const MAX_LABEL: usize = 63;
/// Most compression pointers followed in one name. A name has at most 127
/// labels (255 octets), so a pointer to each and one to the root are as
/// many as any encoder makes; chains of pointers beyond that only cost
/// the decoder time (thousands of hops per name, in every record).
const MAX_POINTERS: usize = 128;
/// The fixed header length.
pub const HEADER_LEN: usize = 12;

/// Why a message could not be decoded or a name not encoded.
///
/// # Examples
///
/// ```
/// use tame::dns::wire::{Message, WireError, TYPE_A};
///
/// let long = "a".repeat(64);
/// let err = Message::query(1, &long, TYPE_A).encode().unwrap_err();
/// assert_eq!(err, WireError::LabelTooLong);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The message ends before a field it announces.
    Truncated,
    /// A compression pointer that does not point strictly backwards.
    BadPointer,
    /// A name that follows more than 128 compression pointers.
    TooManyPointers,
    /// A label length with the reserved high bits `01` or `10`.
    BadLabel,
    /// A name longer than 255 octets.
    NameTooLong,
    /// A label (a part between dots) longer than 63 octets.
    LabelTooLong,
    /// A received name with a label that has a dot or a byte we do not
    /// accept in it.
    BadName,
    /// A name to send with an empty label (a dot at its start, or two in
    /// a row).
    EmptyLabel,
    /// A name to send with a byte other than printable ASCII.
    BadCharacter,
    /// A record whose data length does not fit its type, or (to encode)
    /// whose data is of another type than the record's.
    BadRdata,
    /// More sections or records than the message can hold, or a message
    /// over 65535 octets.
    TooLarge,
    /// A header field out of its range: `opcode` and `rcode` have 4 bits.
    BadHeader,
    /// A message with no question, where one is needed ([`decode_head`]).
    NoQuestion,
}

impl WireError {
    /// A short phrase for error messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::dns::wire::{Message, WireError};
    ///
    /// let e = Message::decode(&[0; 5]).unwrap_err();
    /// assert_eq!(e, WireError::Truncated);
    /// assert_eq!(e.as_str(), "message ends early");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            WireError::Truncated => "message ends early",
            WireError::BadPointer => "bad compression pointer",
            WireError::TooManyPointers => "too many compression pointers in a name",
            WireError::BadLabel => "bad label type",
            WireError::NameTooLong => {
                "name longer than 255 octets on the wire (253 characters, without a final dot)"
            }
            WireError::LabelTooLong => "a label (a part between dots) longer than 63 octets",
            WireError::BadName => "bad name",
            WireError::EmptyLabel => "an empty label (a dot at the start, or two dots in a row)",
            WireError::BadCharacter => {
                "a character other than printable ASCII (a space, a control character, a letter beyond ASCII)"
            }
            WireError::BadRdata => "bad record data",
            WireError::TooLarge => "message too large",
            WireError::BadHeader => "header field out of range (opcode and rcode have 4 bits)",
            WireError::NoQuestion => "no question in the message",
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// So that `?` takes it into `Box<dyn Error + Send + Sync>`.
///
/// ```
/// fn query(name: &str) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
///     Ok(tame::dns::wire::Message::query(1, name, tame::dns::wire::TYPE_A).encode()?)
/// }
/// assert_eq!(
///     query(&"a".repeat(64)).unwrap_err().to_string(),
///     "a label (a part between dots) longer than 63 octets"
/// );
/// ```
impl std::error::Error for WireError {}

/// So that `?` takes it into an `io::Result`: bytes that are no DNS
/// message, or a name that cannot be one, are `InvalidData`.
///
/// ```
/// fn query(name: &str) -> std::io::Result<Vec<u8>> {
///     Ok(tame::dns::wire::Message::query(1, name, tame::dns::wire::TYPE_A).encode()?)
/// }
/// assert_eq!(query(&"a".repeat(64)).unwrap_err().kind(), std::io::ErrorKind::InvalidData);
/// ```
impl From<WireError> for std::io::Error {
    fn from(e: WireError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}

/// The fixed 12-octet header, flags unpacked.
///
/// # Examples
///
/// ```
/// use tame::dns::wire::{Header, Message, TYPE_A};
///
/// let bytes = Message::query(7, "example.test", TYPE_A).encode().unwrap();
/// let h = Header::decode(&bytes).unwrap();
/// assert_eq!((h.id, h.response, h.recursion_desired, h.qdcount), (7, false, true, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// The query id, echoed by the reply.
    pub id: u16,
    /// Set in replies.
    pub response: bool,
    /// The kind of query (0 = standard query; 4 bits).
    pub opcode: u8,
    /// Authoritative answer.
    pub authoritative: bool,
    /// The reply was cut to fit in a datagram.
    pub truncated: bool,
    /// Recursion desired.
    pub recursion_desired: bool,
    /// Recursion available.
    pub recursion_available: bool,
    /// The reserved bit (Z): zero in what RFC 1035 peers send; kept as it
    /// came, so that a message decoded and encoded again is the same.
    pub z: bool,
    /// Authentic data (AD, RFC 4035): a validating resolver checked the
    /// answer's signatures.
    pub authentic_data: bool,
    /// Checking disabled (CD, RFC 4035): the asker does its own validation.
    pub checking_disabled: bool,
    /// The response code (4 bits: one larger goes in an EDNS OPT record,
    /// which this module keeps as [`RData::Other`]).
    pub rcode: u8,
    /// Number of questions.
    pub qdcount: u16,
    /// Number of answer records.
    pub ancount: u16,
    /// Number of authority records.
    pub nscount: u16,
    /// Number of additional records.
    pub arcount: u16,
}

impl Header {
    /// Decodes the header at the start of `msg`.
    ///
    /// # Errors
    ///
    /// [`WireError::Truncated`] if `msg` is shorter than [`HEADER_LEN`].
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::dns::wire::{self, Header, Message};
    ///
    /// let bytes = Message::query(7, "a.example", wire::TYPE_AAAA).encode().unwrap();
    /// let h = Header::decode(&bytes).unwrap();
    /// assert_eq!((h.id, h.qdcount, h.recursion_desired), (7, 1, true));
    /// ```
    pub fn decode(msg: &[u8]) -> Result<Header, WireError> {
        let h = msg.get(..HEADER_LEN).ok_or(WireError::Truncated)?;
        let word = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        let flags = word(2);
        Ok(Header {
            id: word(0),
            response: flags & 0x8000 != 0,
            opcode: ((flags >> 11) & 0xf) as u8,
            authoritative: flags & 0x0400 != 0,
            truncated: flags & 0x0200 != 0,
            recursion_desired: flags & 0x0100 != 0,
            recursion_available: flags & 0x0080 != 0,
            z: flags & 0x0040 != 0,
            authentic_data: flags & 0x0020 != 0,
            checking_disabled: flags & 0x0010 != 0,
            rcode: (flags & 0xf) as u8,
            qdcount: word(4),
            ancount: word(6),
            nscount: word(8),
            arcount: word(10),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        if self.opcode > 0xf || self.rcode > 0xf {
            return Err(WireError::BadHeader);
        }
        let mut flags = u16::from(self.opcode) << 11 | u16::from(self.rcode);
        for (bit, on) in [
            (0x8000, self.response),
            (0x0400, self.authoritative),
            (0x0200, self.truncated),
            (0x0100, self.recursion_desired),
            (0x0080, self.recursion_available),
            (0x0040, self.z),
            (0x0020, self.authentic_data),
            (0x0010, self.checking_disabled),
        ] {
            if on {
                flags |= bit;
            }
        }
        for w in [
            self.id,
            flags,
            self.qdcount,
            self.ancount,
            self.nscount,
            self.arcount,
        ] {
            out.extend_from_slice(&w.to_be_bytes());
        }
        Ok(())
    }
}

/// One question: name, type, class.
///
/// # Examples
///
/// ```
/// use tame::dns::wire::{Message, Question, CLASS_IN, TYPE_AAAA};
///
/// let q = &Message::query(1, "example.test", TYPE_AAAA).questions[0];
/// assert_eq!(q, &Question { name: "example.test".into(), qtype: TYPE_AAAA, qclass: CLASS_IN });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The name asked about, dotted, without the trailing dot.
    pub name: String,
    /// The record type asked for.
    pub qtype: u16,
    /// The class ([`CLASS_IN`] in what [`Message::query`] makes; as it came
    /// in a decoded message).
    pub qclass: u16,
}

/// The data of a resource record.
///
/// # Examples
///
/// ```
/// use tame::dns::wire::RData;
///
/// let data = RData::A("192.0.2.1".parse().unwrap());
/// assert!(matches!(data, RData::A(a) if a.octets() == [192, 0, 2, 1]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// The canonical name the owner is an alias of.
    Cname(String),
    /// Any other type, kept as raw bytes: as on the wire, but the names a
    /// server compressed in the data of the types known to hold names (NS,
    /// SOA, PTR, MX, SRV and the like) written out in full, so that the
    /// record means the same in any message it is encoded into.
    Other(Vec<u8>),
}

/// A resource record.
///
/// # Examples
///
/// An answer added to a query makes a reply that decodes to the same
/// message:
///
/// ```
/// use tame::dns::wire::{Message, RData, Record, CLASS_IN, TYPE_A};
///
/// let mut reply = Message::query(9, "example.test", TYPE_A);
/// reply.header.response = true;
/// reply.answers.push(Record {
///     name: "example.test".into(),
///     rtype: TYPE_A,
///     class: CLASS_IN,
///     ttl: 60,
///     data: RData::A("192.0.2.1".parse().unwrap()),
/// });
/// let decoded = Message::decode(&reply.encode().unwrap()).unwrap();
/// assert_eq!(decoded.answers, reply.answers);
/// assert_eq!(decoded.header.ancount, 1); // counted by `encode`
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The owner name.
    pub name: String,
    /// The record type.
    pub rtype: u16,
    /// The class.
    pub class: u16,
    /// Time to live, seconds. A decoded one with its top bit set is 0, as
    /// RFC 2181 (8) says to take it, but in an EDNS OPT record (type 41),
    /// whose TTL field holds other things.
    pub ttl: u32,
    /// The data.
    pub data: RData,
}

/// A whole message.
///
/// # Examples
///
/// ```
/// use tame::dns::wire::{Message, TYPE_A};
///
/// let query = Message::query(3, "example.test", TYPE_A);
/// let bytes = query.encode().unwrap();
/// assert_eq!(Message::decode(&bytes).unwrap().questions, query.questions);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The header; its counts are recomputed by [`Message::encode`].
    pub header: Header,
    /// The question section.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authority: Vec<Record>,
    /// The additional section.
    pub additional: Vec<Record>,
}

impl Message {
    /// A standard query with recursion desired for `name`/`qtype`/IN.
    /// See the [module's example](self) for a query, its encoding and a
    /// reply.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::dns::wire::{Message, TYPE_A};
    ///
    /// let q = Message::query(42, "example.test", TYPE_A);
    /// assert!(q.header.recursion_desired && !q.header.response);
    /// assert_eq!(q.questions[0].name, "example.test");
    /// ```
    pub fn query(id: u16, name: &str, qtype: u16) -> Message {
        Message {
            header: Header {
                id,
                recursion_desired: true,
                ..Header::default()
            },
            questions: vec![Question {
                name: name.to_owned(),
                qtype,
                qclass: CLASS_IN,
            }],
            ..Message::default()
        }
    }

    /// Encodes the message, compressing repeated names.
    ///
    /// # Errors
    ///
    /// A name that is not a valid host name ([`check_name`]); more than
    /// 65535 entries in a section, or a message over 65535 octets
    /// ([`WireError::TooLarge`]); an `opcode` or `rcode` over 15
    /// ([`WireError::BadHeader`]); a record whose data is not of its type
    /// ([`WireError::BadRdata`]: an [`RData::A`] of another type than
    /// [`TYPE_A`], say, or [`RData::Other`] bytes for A, AAAA or CNAME,
    /// which have their own variants).
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::dns::wire::{self, Message, WireError};
    ///
    /// let bad = Message::query(1, "no..empty.labels", wire::TYPE_A);
    /// assert_eq!(bad.encode(), Err(WireError::EmptyLabel));
    /// ```
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let count = |n: usize| u16::try_from(n).map_err(|_| WireError::TooLarge);
        let header = Header {
            qdcount: count(self.questions.len())?,
            ancount: count(self.answers.len())?,
            nscount: count(self.authority.len())?,
            arcount: count(self.additional.len())?,
            ..self.header
        };
        let mut out = Vec::with_capacity(512);
        header.encode(&mut out)?;
        let mut names = NameTable::default();
        for q in &self.questions {
            names.put(&mut out, &q.name)?;
            out.extend_from_slice(&q.qtype.to_be_bytes());
            out.extend_from_slice(&q.qclass.to_be_bytes());
        }
        for r in self
            .answers
            .iter()
            .chain(&self.authority)
            .chain(&self.additional)
        {
            names.put(&mut out, &r.name)?;
            out.extend_from_slice(&r.rtype.to_be_bytes());
            out.extend_from_slice(&r.class.to_be_bytes());
            out.extend_from_slice(&r.ttl.to_be_bytes());
            let typed = match &r.data {
                RData::A(_) => r.rtype == TYPE_A,
                RData::Aaaa(_) => r.rtype == TYPE_AAAA,
                RData::Cname(_) => r.rtype == TYPE_CNAME,
                RData::Other(_) => ![TYPE_A, TYPE_AAAA, TYPE_CNAME].contains(&r.rtype),
            };
            if !typed {
                return Err(WireError::BadRdata);
            }
            let len_at = out.len();
            out.extend_from_slice(&[0, 0]);
            match &r.data {
                RData::A(a) => out.extend_from_slice(&a.octets()),
                RData::Aaaa(a) => out.extend_from_slice(&a.octets()),
                RData::Cname(target) => names.put(&mut out, target)?,
                RData::Other(bytes) => out.extend_from_slice(bytes),
            }
            let len = count(out.len() - len_at - 2)?;
            out[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes());
        }
        // What no transport carries (a datagram's and a TCP length
        // prefix's limit).
        if out.len() > usize::from(u16::MAX) {
            return Err(WireError::TooLarge);
        }
        Ok(out)
    }

    /// Decodes a whole message.
    ///
    /// # Errors
    ///
    /// Any malformation; see [`WireError`]. Never panics. Bytes after the
    /// records the header counts are not read. Records of RFC 2136 updates
    /// with no data for a type that has some (a "delete" of an A record)
    /// are malformed here.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::dns::wire::{self, Message};
    ///
    /// let m = Message::query(9, "b.example", wire::TYPE_A);
    /// let back = Message::decode(&m.encode().unwrap()).unwrap();
    /// assert_eq!(back.questions, m.questions);
    /// assert_eq!(back.header.qdcount, 1); // counted by encode
    /// ```
    pub fn decode(msg: &[u8]) -> Result<Message, WireError> {
        let header = Header::decode(msg)?;
        let mut pos = HEADER_LEN;
        let mut questions = Vec::new();
        for _ in 0..header.qdcount {
            let (q, next) = decode_question(msg, pos)?;
            questions.push(q);
            pos = next;
        }
        let mut sections = [Vec::new(), Vec::new(), Vec::new()];
        for (section, n) in
            sections
                .iter_mut()
                .zip([header.ancount, header.nscount, header.arcount])
        {
            for _ in 0..n {
                let (r, next) = decode_record(msg, pos)?;
                section.push(r);
                pos = next;
            }
        }
        let [answers, authority, additional] = sections;
        Ok(Message {
            header,
            questions,
            answers,
            authority,
            additional,
        })
    }
}

/// Decodes the header and the first question only: what a reply must match
/// before the rest of it is worth looking at.
///
/// # Errors
///
/// If the header or first question is malformed, or there is no question.
/// See the [module's example](self).
///
/// # Examples
///
/// ```
/// use tame::dns::wire::{decode_head, Message, TYPE_A};
///
/// let bytes = Message::query(5, "example.test", TYPE_A).encode().unwrap();
/// let (h, q) = decode_head(&bytes).unwrap();
/// assert_eq!((h.id, q.name.as_str(), q.qtype), (5, "example.test", TYPE_A));
/// ```
pub fn decode_head(msg: &[u8]) -> Result<(Header, Question), WireError> {
    let header = Header::decode(msg)?;
    if header.qdcount == 0 {
        return Err(WireError::NoQuestion);
    }
    let (q, _) = decode_question(msg, HEADER_LEN)?;
    Ok((header, q))
}

/// Checks that `name` can be put on the wire: labels of 1 to 63 printable
/// ASCII bytes other than `.`, 255 octets in all. A single trailing dot is
/// allowed and ignored.
///
/// # Errors
///
/// [`WireError::EmptyLabel`], [`WireError::BadCharacter`],
/// [`WireError::LabelTooLong`] or [`WireError::NameTooLong`].
///
/// # Examples
///
/// ```
/// use tame::dns::wire::{check_name, WireError};
///
/// assert_eq!(check_name("www.example.com."), Ok(()));
/// assert_eq!(check_name("a..b"), Err(WireError::EmptyLabel));
/// assert_eq!(check_name(&"x".repeat(64)), Err(WireError::LabelTooLong));
/// assert_eq!(check_name(&vec!["x".repeat(63); 4].join(".")), Err(WireError::NameTooLong));
/// ```
pub fn check_name(name: &str) -> Result<(), WireError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Ok(());
    }
    let mut wire = 1;
    for label in name.split('.') {
        if label.is_empty() {
            return Err(WireError::EmptyLabel);
        }
        if label.len() > MAX_LABEL {
            return Err(WireError::LabelTooLong);
        }
        if !label.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(WireError::BadCharacter);
        }
        wire += 1 + label.len();
    }
    if wire > MAX_NAME_WIRE {
        return Err(WireError::NameTooLong);
    }
    Ok(())
}

/// Whether two names are the same name (ASCII case-insensitive, a trailing
/// dot ignored).
///
/// # Examples
///
/// ```
/// assert!(tame::dns::wire::same_name("Example.COM.", "example.com"));
/// assert!(!tame::dns::wire::same_name("example.com", "example.org"));
/// ```
pub fn same_name(a: &str, b: &str) -> bool {
    let a = a.strip_suffix('.').unwrap_or(a);
    let b = b.strip_suffix('.').unwrap_or(b);
    a.eq_ignore_ascii_case(b)
}

/// Where each name suffix already written starts, for compression.
#[derive(Default)]
struct NameTable {
    at: HashMap<String, u16>,
}

impl NameTable {
    // Input: "www.example.com" with "example.com" written before at 12.
    // Output: 3 "www" then the pointer 0xC00C.
    fn put(&mut self, out: &mut Vec<u8>, name: &str) -> Result<(), WireError> {
        check_name(name)?;
        let mut rest = name.strip_suffix('.').unwrap_or(name);
        while !rest.is_empty() {
            // Exact bytes: compression keeps the case the caller wrote.
            let key = rest.to_owned();
            if let Some(&off) = self.at.get(&key) {
                out.extend_from_slice(&(0xC000 | off).to_be_bytes());
                return Ok(());
            }
            // Only offsets that fit in 14 bits can be pointed at.
            if let Ok(off) = u16::try_from(out.len()) {
                if off < 0x4000 {
                    self.at.insert(key, off);
                }
            }
            let (label, tail) = rest.split_once('.').unwrap_or((rest, ""));
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
            rest = tail;
        }
        out.push(0);
        Ok(())
    }
}

/// Decodes the name at `pos`; returns it and the position after it (after
/// the first pointer, if any). Its labels must be printable ASCII without
/// dots, to be written as dotted text.
fn decode_name(msg: &[u8], pos: usize) -> Result<(String, usize), WireError> {
    let (wire, end) = read_name(msg, pos)?;
    let mut name = String::with_capacity(wire.len());
    for label in labels(&wire) {
        if label.iter().any(|&b| b == b'.' || !b.is_ascii_graphic()) {
            return Err(WireError::BadName);
        }
        if !name.is_empty() {
            name.push('.');
        }
        // Checked printable ASCII just above.
        name.extend(label.iter().map(|&b| char::from(b)));
    }
    Ok((name, end))
}

/// Reads the name at `pos` as it is on the wire, uncompressed: each label
/// a length octet and its octets, whatever they are (RFC 2181 section 11
/// allows any), then the root's 0. Returns it and the position after the
/// name (after the first pointer, if any).
fn read_name(msg: &[u8], mut pos: usize) -> Result<(Vec<u8>, usize), WireError> {
    let mut wire = Vec::new();
    let mut end = None;
    // Each pointer must go strictly backwards, so this terminates; the
    // length bound is a second line of defence, and the bound on pointers
    // keeps a chain of them (each a hop back of two octets) from costing
    // thousands of steps per name.
    let mut lowest = pos;
    let mut pointers = 0;
    loop {
        let len = *msg.get(pos).ok_or(WireError::Truncated)?;
        match len & 0xC0 {
            0x00 => {
                let label = msg
                    .get(pos..pos + 1 + usize::from(len))
                    .ok_or(WireError::Truncated)?;
                wire.extend_from_slice(label);
                if wire.len() > MAX_NAME_WIRE {
                    return Err(WireError::NameTooLong);
                }
                if len == 0 {
                    return Ok((wire, end.unwrap_or(pos + 1)));
                }
                pos += label.len();
            }
            0xC0 => {
                let lo = *msg.get(pos + 1).ok_or(WireError::Truncated)?;
                let target = usize::from(u16::from_be_bytes([len & 0x3F, lo]));
                if target >= lowest {
                    return Err(WireError::BadPointer);
                }
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(WireError::TooManyPointers);
                }
                end.get_or_insert(pos + 2);
                lowest = target;
                pos = target;
            }
            _ => return Err(WireError::BadLabel),
        }
    }
}

/// What a record's data holds, in order, for the types whose data holds
/// names a server may compress (RFC 1035 and RFC 3597 section 4): a name,
/// that many octets as they are, or a character-string (a length octet and
/// that many octets). What follows the last part is kept as it is.
enum Part {
    Name,
    Octets(usize),
    CharString,
}

/// The data of a record of `rtype` at `start..end` of `msg`, its names
/// written out in full: kept raw with their pointers, they would point at
/// whatever a message it is encoded into holds there (an MX's exchange,
/// re-encoded, became the root name). Other types' data is copied as it is.
fn uncompressed_rdata(
    msg: &[u8],
    rtype: u16,
    start: usize,
    end: usize,
) -> Result<Vec<u8>, WireError> {
    use Part::{CharString, Name, Octets};
    let parts: &[Part] = match rtype {
        // NS, MD, MF, MB, MG, MR, PTR, DNAME.
        2 | 3 | 4 | 7 | 8 | 9 | 12 | 39 => &[Name],
        // SOA: two names, then five numbers.
        6 => &[Name, Name],
        // MINFO, RP.
        14 | 17 => &[Name, Name],
        // MX, AFSDB, RT, KX: a preference, then a name.
        15 | 18 | 21 | 36 => &[Octets(2), Name],
        // SRV: priority, weight and port, then the target.
        33 => &[Octets(6), Name],
        // PX: a preference, then two names.
        26 => &[Octets(2), Name, Name],
        // SIG: type covered, algorithm, labels, original TTL, expiration,
        // inception and key tag, then the signer's name (the signature
        // follows).
        24 => &[Octets(18), Name],
        // NXT: the next name (the type bitmap follows).
        30 => &[Name],
        // NAPTR: order and preference, flags, services and regexp, then
        // the replacement.
        35 => &[Octets(4), CharString, CharString, CharString, Name],
        _ => &[],
    };
    let mut out = Vec::with_capacity(end - start);
    let mut pos = start;
    for part in parts {
        match part {
            Name => {
                // Read within the data (a pointer goes back, never past
                // it): a name that runs past the data is bad data, also
                // where the message ends with it.
                let (wire, after) = read_name(&msg[..end], pos).map_err(|e| match e {
                    WireError::Truncated => WireError::BadRdata,
                    e => e,
                })?;
                out.extend_from_slice(&wire);
                pos = after;
            }
            Octets(n) => {
                let octets = msg.get(pos..pos + n).filter(|_| pos + n <= end);
                out.extend_from_slice(octets.ok_or(WireError::BadRdata)?);
                pos += n;
            }
            CharString => {
                let len = usize::from(
                    *msg.get(pos)
                        .filter(|_| pos < end)
                        .ok_or(WireError::BadRdata)?,
                );
                let n = 1 + len;
                let octets = msg.get(pos..pos + n).filter(|_| pos + n <= end);
                out.extend_from_slice(octets.ok_or(WireError::BadRdata)?);
                pos += n;
            }
        }
    }
    out.extend_from_slice(&msg[pos..end]);
    Ok(out)
}

/// The labels of a name [`read_name`] gave, root excluded.
fn labels(wire: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = wire;
    std::iter::from_fn(move || {
        let (&len, tail) = rest.split_first()?;
        let (label, tail) = tail.split_at_checked(usize::from(len))?;
        rest = tail;
        (len > 0).then_some(label)
    })
}

/// Steps over the name at `pos` without following its pointer, if any:
/// the position after it. Checks what the name's own octets can be checked
/// for (bounds, label types, a pointer going backwards, its length).
fn skip_name(msg: &[u8], mut pos: usize) -> Result<usize, WireError> {
    let start = pos;
    loop {
        let len = *msg.get(pos).ok_or(WireError::Truncated)?;
        match len & 0xC0 {
            0x00 if len == 0 => return Ok(pos + 1),
            0x00 => {
                pos += 1 + usize::from(len);
                if pos - start >= MAX_NAME_WIRE {
                    return Err(WireError::NameTooLong);
                }
            }
            0xC0 => {
                let lo = *msg.get(pos + 1).ok_or(WireError::Truncated)?;
                let target = usize::from(u16::from_be_bytes([len & 0x3F, lo]));
                if target >= pos {
                    return Err(WireError::BadPointer);
                }
                return Ok(pos + 2);
            }
            _ => return Err(WireError::BadLabel),
        }
    }
}

/// A name as [`read_name`] gives it: labels of any octets, uncompressed.
pub(crate) type WireName = Vec<u8>;

/// Whether two names read by [`read_name`] are the same name (ASCII case
/// does not count, other octets do; a length octet is below 64, so never
/// an ASCII letter).
pub(crate) fn same_wire_name(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// An answer record as the resolver reads it, its names as on the wire.
pub(crate) struct Answer {
    /// The owner name.
    pub(crate) name: WireName,
    /// The class.
    pub(crate) class: u16,
    /// The data, if of a type the resolver uses.
    pub(crate) data: AnswerData,
}

/// The data of an [`Answer`].
pub(crate) enum AnswerData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(WireName),
    /// Another type, not looked into.
    Other,
}

/// What a stub resolver needs of a reply: the first question's name and
/// the answer section, names as on the wire, so that any octets in them
/// are fine (RFC 2181 section 11: a printer's `my printer.local`, a UTF-8
/// name); [`Message::decode`] takes only names it can write as dotted
/// text. The other questions and the authority and additional sections
/// are only stepped over, each record checked to lie inside the message.
///
/// # Errors
///
/// What is structurally wrong: truncation, bad pointers or labels, a name
/// too long or with too many pointers, an A, AAAA or CNAME answer whose
/// data does not fit its type, no question.
pub(crate) fn decode_answers(msg: &[u8]) -> Result<(WireName, Vec<Answer>), WireError> {
    let header = Header::decode(msg)?;
    if header.qdcount == 0 {
        return Err(WireError::NoQuestion);
    }
    let (question, mut pos) = read_name(msg, HEADER_LEN)?;
    pos += 4;
    for _ in 1..header.qdcount {
        pos = skip_name(msg, pos)? + 4;
    }
    let mut answers = Vec::new();
    for _ in 0..header.ancount {
        let (answer, next) = read_answer(msg, pos)?;
        answers.push(answer);
        pos = next;
    }
    for _ in 0..u32::from(header.nscount) + u32::from(header.arcount) {
        pos = read_record_head(msg, skip_name(msg, pos)?)?.end;
    }
    Ok((question, answers))
}

/// The answer record at `pos`, and the position after it.
fn read_answer(msg: &[u8], pos: usize) -> Result<(Answer, usize), WireError> {
    let (name, pos) = read_name(msg, pos)?;
    let RecordHead {
        rtype,
        class,
        start,
        end,
        ..
    } = read_record_head(msg, pos)?;
    let rdata = &msg[start..end];
    let data = match rtype {
        TYPE_A => AnswerData::A(ipv4(rdata)?),
        TYPE_AAAA => AnswerData::Aaaa(ipv6(rdata)?),
        TYPE_CNAME => {
            let (target, after) = read_name(msg, start)?;
            if after != end {
                return Err(WireError::BadRdata);
            }
            AnswerData::Cname(target)
        }
        _ => AnswerData::Other,
    };
    Ok((Answer { name, class, data }, end))
}

/// What follows a record's owner name: its type, class and TTL, and where
/// its data lies (checked to be inside the message).
struct RecordHead {
    rtype: u16,
    class: u16,
    ttl: u32,
    start: usize,
    end: usize,
}

/// The [`RecordHead`] of the record whose owner name ends at `pos`.
fn read_record_head(msg: &[u8], pos: usize) -> Result<RecordHead, WireError> {
    let start = pos + 10;
    let end = start + usize::from(read_u16(msg, pos + 8)?);
    if end > msg.len() {
        return Err(WireError::Truncated);
    }
    Ok(RecordHead {
        rtype: read_u16(msg, pos)?,
        class: read_u16(msg, pos + 2)?,
        ttl: read_u32(msg, pos + 4)?,
        start,
        end,
    })
}

/// An A record's data.
fn ipv4(rdata: &[u8]) -> Result<Ipv4Addr, WireError> {
    <[u8; 4]>::try_from(rdata)
        .map(Ipv4Addr::from)
        .map_err(|_| WireError::BadRdata)
}

/// An AAAA record's data.
fn ipv6(rdata: &[u8]) -> Result<Ipv6Addr, WireError> {
    <[u8; 16]>::try_from(rdata)
        .map(Ipv6Addr::from)
        .map_err(|_| WireError::BadRdata)
}

fn read_u16(msg: &[u8], pos: usize) -> Result<u16, WireError> {
    let b = msg.get(pos..pos + 2).ok_or(WireError::Truncated)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

fn read_u32(msg: &[u8], pos: usize) -> Result<u32, WireError> {
    let b = msg.get(pos..pos + 4).ok_or(WireError::Truncated)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn decode_question(msg: &[u8], pos: usize) -> Result<(Question, usize), WireError> {
    let (name, pos) = decode_name(msg, pos)?;
    let qtype = read_u16(msg, pos)?;
    let qclass = read_u16(msg, pos + 2)?;
    Ok((
        Question {
            name,
            qtype,
            qclass,
        },
        pos + 4,
    ))
}

fn decode_record(msg: &[u8], pos: usize) -> Result<(Record, usize), WireError> {
    let (name, pos) = decode_name(msg, pos)?;
    let RecordHead {
        rtype,
        class,
        ttl,
        start,
        end,
    } = read_record_head(msg, pos)?;
    // RFC 2181 (8): a TTL with its top bit set is taken as 0. An OPT
    // record's is flags and the extended rcode, kept as they are.
    let ttl = if ttl & 0x8000_0000 != 0 && rtype != TYPE_OPT {
        0
    } else {
        ttl
    };
    let rdata = &msg[start..end];
    let data = match rtype {
        TYPE_A => RData::A(ipv4(rdata)?),
        TYPE_AAAA => RData::Aaaa(ipv6(rdata)?),
        TYPE_CNAME => {
            // The target may point anywhere earlier in the message, but
            // must end inside the record data.
            let (target, after) = decode_name(msg, start)?;
            if after != end {
                return Err(WireError::BadRdata);
            }
            RData::Cname(target)
        }
        _ => RData::Other(uncompressed_rdata(msg, rtype, start, end)?),
    };
    Ok((
        Record {
            name,
            rtype,
            class,
            ttl,
            data,
        },
        end,
    ))
}

/// A reply to the query `a`/A whose second answer, `a` A 10.1.2.3, has
/// an owner name reached through `hops` compression pointers: a chain of
/// them, each pointing at the one before, sits in the first answer's data
/// (type 99), and the last ends at the question's name.
#[cfg(test)]
pub(crate) fn pointer_chain_reply(hops: usize) -> Vec<u8> {
    let mut m = Message::query(7, "a", TYPE_A).encode().unwrap();
    m[2] |= 0x80; // a response
    m[7] = 2; // two answers
    let chain = hops - 1;
    // The first answer: owner `a` (a pointer to the question's name).
    m.extend_from_slice(&[0xC0, HEADER_LEN as u8, 0, 99, 0, 1, 0, 0, 0, 60]);
    m.extend_from_slice(&(2 * chain as u16).to_be_bytes());
    let mut target = HEADER_LEN;
    for _ in 0..chain {
        let here = m.len();
        m.extend_from_slice(&(0xC000 | target as u16).to_be_bytes());
        target = here;
    }
    // The second: its owner is one more pointer, to the chain's top.
    m.extend_from_slice(&(0xC000 | target as u16).to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3]);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(name: &str, data: RData) -> Record {
        let rtype = match data {
            RData::A(_) => TYPE_A,
            RData::Aaaa(_) => TYPE_AAAA,
            RData::Cname(_) => TYPE_CNAME,
            RData::Other(_) => 99,
        };
        Record {
            name: name.into(),
            rtype,
            class: CLASS_IN,
            ttl: 60,
            data,
        }
    }

    fn sample() -> Message {
        let mut m = Message::query(0xbeef, "alias.example.com", TYPE_A);
        m.header.response = true;
        m.header.recursion_available = true;
        m.answers = vec![
            answer("alias.example.com", RData::Cname("www.Example.com".into())),
            answer("www.example.com", RData::A(Ipv4Addr::new(192, 0, 2, 1))),
            answer("www.example.com", RData::Aaaa(Ipv6Addr::LOCALHOST)),
            answer("example.com", RData::Other(vec![1, 2, 3])),
        ];
        m
    }

    #[test]
    fn query_encodes_as_rfc1035_says() {
        let q = Message::query(0x1234, "a.bc", TYPE_AAAA).encode().unwrap();
        assert_eq!(
            q,
            [
                0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, // header, RD
                1, b'a', 2, b'b', b'c', 0, // name
                0, 28, 0, 1, // AAAA IN
            ]
        );
    }

    #[test]
    fn message_round_trips_with_compression() {
        let m = sample();
        let bytes = m.encode().unwrap();
        // "example.com" is written once; later names point at it.
        assert_eq!(
            bytes.windows(7).filter(|w| w == b"example").count(),
            1,
            "{bytes:?}"
        );
        let back = Message::decode(&bytes).unwrap();
        let mut want = m.clone();
        want.header.qdcount = 1;
        want.header.ancount = 4;
        assert_eq!(back, want);
        let (h, q) = decode_head(&bytes).unwrap();
        assert_eq!((h.id, q.name.as_str()), (0xbeef, "alias.example.com"));
    }

    #[test]
    fn names_are_checked_before_encoding() {
        assert_eq!(check_name("a..b"), Err(WireError::EmptyLabel));
        assert_eq!(check_name(&"x".repeat(64)), Err(WireError::LabelTooLong));
        let long = vec!["a".repeat(63); 4].join(".");
        assert_eq!(check_name(&long), Err(WireError::NameTooLong));
        assert_eq!(check_name("sp ace.com"), Err(WireError::BadCharacter));
        assert_eq!(check_name("ok.example."), Ok(()));
        assert!(Message::query(1, "a..b", TYPE_A).encode().is_err());
        assert!(same_name("WWW.example.com.", "www.EXAMPLE.com"));
        assert!(!same_name("www.example.com", "ww.example.com"));
    }

    #[test]
    fn pointer_loops_and_forward_pointers_are_rejected() {
        let mut m = Message::query(7, "a", TYPE_A).encode().unwrap();
        // The question name is a pointer to itself.
        m.truncate(HEADER_LEN);
        m.extend_from_slice(&[0xC0, HEADER_LEN as u8, 0, 1, 0, 1]);
        assert_eq!(Message::decode(&m), Err(WireError::BadPointer));
        // Pointing forwards.
        m[HEADER_LEN + 1] = 40;
        assert_eq!(Message::decode(&m), Err(WireError::BadPointer));
        // Reserved label type.
        m[HEADER_LEN] = 0x40;
        assert_eq!(Message::decode(&m), Err(WireError::BadLabel));
    }

    #[test]
    fn a_name_follows_at_most_128_pointers() {
        let ok = Message::decode(&pointer_chain_reply(128)).unwrap();
        assert_eq!(ok.answers[1].name, "a");
        assert_eq!(ok.answers[1].data, RData::A(Ipv4Addr::new(10, 1, 2, 3)));
        assert_eq!(
            Message::decode(&pointer_chain_reply(129)),
            Err(WireError::TooManyPointers)
        );
    }

    #[test]
    fn every_truncation_of_a_valid_message_is_an_error() {
        let bytes = sample().encode().unwrap();
        for n in 0..bytes.len() {
            assert!(Message::decode(&bytes[..n]).is_err(), "cut at {n}");
        }
    }

    #[test]
    fn bad_rdata_lengths_are_errors() {
        let mut m = Message::query(7, "a", TYPE_A);
        m.header.response = true;
        m.answers.push(answer("a", RData::A([1, 2, 3, 4].into())));
        // (encode refuses such data: the A record is cut to 3 bytes here.)
        let mut bytes = m.encode().unwrap();
        bytes.pop();
        let at = bytes.len() - 5;
        bytes[at..at + 2].copy_from_slice(&3u16.to_be_bytes());
        assert_eq!(Message::decode(&bytes), Err(WireError::BadRdata));
    }

    /// xorshift64*, enough to make many varied inputs.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed >> 12;
        *seed ^= *seed << 25;
        *seed ^= *seed >> 27;
        seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let len = (rng(&mut seed) % 300) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng(&mut seed) as u8).collect();
            let _ = Message::decode(&bytes);
            let _ = decode_head(&bytes);
        }
    }

    #[test]
    fn a_compressed_name_in_other_data_keeps_its_meaning_when_encoded_again() {
        let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        // The question, a.test A IN, at 12.
        m.extend_from_slice(b"\x01a\x04test\x00\x00\x01\x00\x01");
        // x.test A 10.0.0.2, its name at 24.
        m.extend_from_slice(b"\x01x\x04test\x00\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04");
        m.extend_from_slice(&[10, 0, 0, 2]);
        // a.test MX 10 x.test, both names pointers.
        m.extend_from_slice(&[0xC0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 10, 0xC0, 24]);
        let decoded = Message::decode(&m).unwrap();
        let exchange = b"\x00\x0a\x01x\x04test\x00".to_vec();
        assert_eq!(decoded.answers[1].data, RData::Other(exchange.clone()));
        // Encoded into a message of another layout, it still names x.test.
        let again = Message::decode(&decoded.encode().unwrap()).unwrap();
        assert_eq!(again.answers[1].data, RData::Other(exchange));
    }

    #[test]
    fn names_in_naptr_sig_and_nxt_data_are_written_out_too() {
        // RFC 3597 section 4: decoders should decompress these as well.
        let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0];
        // The question, a.test NAPTR IN, at 12.
        m.extend_from_slice(b"\x01a\x04test\x00\x00\x23\x00\x01");
        // a.test NAPTR 10 20 "u" "E2U+sip" "" a.test (a pointer to 12).
        let naptr: &[u8] = b"\x00\x0a\x00\x14\x01u\x07E2U+sip\x00\xC0\x0c";
        m.extend_from_slice(&[0xC0, 12, 0, 35, 0, 1, 0, 0, 0, 60, 0, naptr.len() as u8]);
        m.extend_from_slice(naptr);
        // a.test SIG: 18 octets, the signer a.test (a pointer), 2 of signature.
        let mut sig = vec![7u8; 18];
        sig.extend_from_slice(&[0xC0, 12, 0xAB, 0xCD]);
        m.extend_from_slice(&[0xC0, 12, 0, 24, 0, 1, 0, 0, 0, 60, 0, sig.len() as u8]);
        m.extend_from_slice(&sig);
        // a.test NXT a.test (a pointer), then a bitmap of one octet.
        m.extend_from_slice(&[0xC0, 12, 0, 30, 0, 1, 0, 0, 0, 60, 0, 3, 0xC0, 12, 0x40]);
        let decoded = Message::decode(&m).unwrap();
        let a_test = b"\x01a\x04test\x00";
        let mut want_naptr = b"\x00\x0a\x00\x14\x01u\x07E2U+sip\x00".to_vec();
        want_naptr.extend_from_slice(a_test);
        let mut want_sig = vec![7u8; 18];
        want_sig.extend_from_slice(a_test);
        want_sig.extend_from_slice(&[0xAB, 0xCD]);
        let mut want_nxt = a_test.to_vec();
        want_nxt.push(0x40);
        let data: Vec<_> = decoded.answers.iter().map(|r| r.data.clone()).collect();
        assert_eq!(
            data,
            [
                RData::Other(want_naptr),
                RData::Other(want_sig),
                RData::Other(want_nxt)
            ]
        );
        // A character-string running past the data is an error.
        // (The flags' length octet: header, question, record head, 4 octets.)
        let cut = 12 + 12 + 12 + 4;
        let mut bad = m.clone();
        bad[cut] = 0x30;
        assert_eq!(Message::decode(&bad), Err(WireError::BadRdata));
    }

    #[test]
    fn data_too_short_for_its_name_is_bad_data_wherever_it_ends() {
        // a.test NS with no data, then a.test MX with a preference only:
        // each is the last record of its message, and one with a record
        // after it.
        let head = |ancount: u8| {
            let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, ancount, 0, 0, 0, 0];
            m.extend_from_slice(b"\x01a\x04test\x00\x00\x01\x00\x01");
            m
        };
        let ns_empty = [0xC0, 12, 0, 2, 0, 1, 0, 0, 0, 60, 0, 0];
        let mx_short = [0xC0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 2, 0, 10];
        let a = [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1];
        for bad in [&ns_empty[..], &mx_short[..]] {
            let mut last = head(1);
            last.extend_from_slice(bad);
            assert_eq!(Message::decode(&last), Err(WireError::BadRdata));
            let mut middle = head(2);
            middle.extend_from_slice(bad);
            middle.extend_from_slice(&a);
            assert_eq!(Message::decode(&middle), Err(WireError::BadRdata));
        }
    }

    #[test]
    fn mutated_valid_messages_never_panic() {
        let good = sample().encode().unwrap();
        let mut seed = 42;
        for _ in 0..20_000 {
            let mut bytes = good.clone();
            for _ in 0..1 + rng(&mut seed) % 4 {
                let i = (rng(&mut seed) as usize) % bytes.len();
                bytes[i] = rng(&mut seed) as u8;
            }
            if rng(&mut seed).is_multiple_of(4) {
                bytes.truncate((rng(&mut seed) as usize) % bytes.len());
            }
            if let Ok(m) = Message::decode(&bytes) {
                // Whatever decodes re-encodes (names were validated).
                assert!(m.encode().is_ok());
            }
        }
    }

    #[test]
    fn every_bit_of_the_flags_word_survives_decode_and_encode() {
        for bit in 0..16 {
            let flags: u16 = 1 << bit;
            let mut msg = vec![0xab, 0xcd];
            msg.extend_from_slice(&flags.to_be_bytes());
            msg.extend_from_slice(&[0; 8]);
            let again = Message::decode(&msg).unwrap().encode().unwrap();
            assert_eq!(again, msg, "flag bit {bit}");
        }
    }

    #[test]
    fn a_ttl_with_its_top_bit_set_is_zero_but_an_opt_records() {
        let record = |rtype: u16| {
            let mut m = vec![0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0];
            m.extend_from_slice(&rtype.to_be_bytes());
            m.extend_from_slice(&[0, 1, 0x80, 0, 0, 1]);
            if rtype == TYPE_A {
                m.extend_from_slice(&[0, 4, 1, 2, 3, 4]);
            } else {
                m.extend_from_slice(&[0, 0]);
            }
            Message::decode(&m).unwrap().answers[0].ttl
        };
        assert_eq!(record(TYPE_A), 0);
        assert_eq!(record(TYPE_OPT), 0x8000_0001);
    }

    #[test]
    fn encode_refuses_what_the_wire_cannot_say() {
        let mut m = Message::query(1, "a", TYPE_A);
        m.header.rcode = 16;
        assert_eq!(m.encode(), Err(WireError::BadHeader));
        let mut m = Message::query(1, "a", TYPE_A);
        m.header.opcode = 16;
        assert_eq!(m.encode(), Err(WireError::BadHeader));
        let answer = |rtype: u16, data: RData| {
            let mut m = Message::query(1, "a", TYPE_A);
            m.answers.push(Record {
                name: "a".into(),
                rtype,
                class: CLASS_IN,
                ttl: 1,
                data,
            });
            m.encode()
        };
        assert_eq!(
            answer(TYPE_CNAME, RData::A([1, 2, 3, 4].into())),
            Err(WireError::BadRdata)
        );
        assert_eq!(
            answer(99, RData::Cname("b".into())),
            Err(WireError::BadRdata)
        );
        assert_eq!(
            answer(TYPE_A, RData::Other(vec![1, 2, 3, 4])),
            Err(WireError::BadRdata)
        );
        assert!(answer(TYPE_A, RData::A([1, 2, 3, 4].into())).is_ok());
        let mut big = Message::query(1, "a", TYPE_A);
        for _ in 0..2 {
            big.answers.push(Record {
                name: "a".into(),
                rtype: 16,
                class: CLASS_IN,
                ttl: 1,
                data: RData::Other(vec![0; 40_000]),
            });
        }
        assert_eq!(big.encode(), Err(WireError::TooLarge));
    }

    #[test]
    fn a_head_without_a_question_says_so() {
        let msg = [0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(decode_head(&msg), Err(WireError::NoQuestion));
    }
}
