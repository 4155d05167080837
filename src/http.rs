//! HTTP/1.1 request heads: parsing, limits, paths, response heads.
//!
//! One parser for every HTTP server here: `knot` and `sleepy` use it as
//! `tame_suite::http`, and the peers in `bench/` include this file with
//! `#[path]`, so every server compared in `bench/run` does the same work
//! per request. Pure functions over bytes: no I/O, and no allocation
//! while parsing (a [`Head`] borrows its path from the caller's buffer).
//!
//! # The three ways in
//!
//! * Incremental: [`parse_request`] takes everything received so far on a
//!   connection and says [`Parsed::Incomplete`] (read more), or
//!   [`Parsed::Complete`] with the head and how many bytes it took (the
//!   rest is the next, pipelined request), or a [`ParseError`].
//! * In two steps, for a server that keeps its own buffers: [`head_end`]
//!   finds where the first head ends, [`parse`] parses it.
//! * Per connection, for a server that reads into one buffer shared by all
//!   connections and keeps only unfinished heads (knot): an [`Inbox`] says
//!   what the bytes received allow (a head to answer, a refusal, or read
//!   more), checking the limits before any further read.
//!
//! # What is accepted, and why
//!
//! The server behind this parser serves static files with GET and HEAD and
//! never reads a body, so the parser is strict where leniency would only
//! open doors (request smuggling, header injection) and lenient nowhere:
//!
//! * Lines end with CRLF; a bare LF, a bare CR or another control
//!   character in the head is 400. Obsolete line folding (a header line
//!   starting with whitespace) is 400, as RFC 9112 §5.2 allows. A blank
//!   line before the request line is 400 too (RFC 9112 §2.2 only says a
//!   server SHOULD skip one; our clients never send it).
//! * The request line is `METHOD SP TARGET SP VERSION` with single spaces.
//!   The target is origin-form (`/path?query`) or absolute-form
//!   (`http://host/path`, whose authority is checked as a `Host` value is,
//!   then dropped); anything else is 400 (a fragment, `#f`, too: it is
//!   never part of a request target),
//!   but for the two targets that are valid for one method only (RFC 9112
//!   §3.2.3, §3.2.4): `CONNECT host:port` (authority-form) and `OPTIONS *`
//!   (asterisk-form), which are 405 as those methods are.
//!   `HTTP/1.0` and `HTTP/1.1` are served; another well-formed
//!   `HTTP/x.y` is 505.
//! * Header names are tokens with no whitespace before the colon (400
//!   otherwise, RFC 9112 §5.1). `Host` is not required: there is one site.
//!   But more than one `Host` line, or one whose value is not a host with
//!   an optional port, is 400 (RFC 9112 §3.2 says MUST).
//! * A method other than GET or HEAD is 405 if HTTP defines it (POST, PUT,
//!   DELETE, CONNECT, OPTIONS, TRACE, PATCH) and 501 otherwise (RFC 9110
//!   §9.1; methods are case-sensitive, so `get` is 501), but only once the
//!   whole head parsed (a malformed head is 400 whatever its method). A
//!   GET or HEAD with a body (`Content-Length` above 0, or any
//!   `Transfer-Encoding`) is 413: we read no bodies, so we could not find
//!   the next request. `Content-Length` lines that disagree are 400 (RFC
//!   9112 §6.3: the body's length cannot be known).
//! * At most [`HEAD_LIMIT`] bytes and [`MAX_HEADERS`] header lines. A head
//!   over the limit is 414 if it starts with a method and its request line
//!   alone would not fit (with the blank line that ends a head: the target
//!   is too long, RFC 9112 §3), else 431; too many header lines is 431.
//!
//! Every error means "answer with [`ParseError::status`] and close".

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Longest request head accepted (request line, headers, blank line).
pub const HEAD_LIMIT: usize = 8192;
/// Most header lines accepted.
pub const MAX_HEADERS: usize = 64;

/// The methods a static file server distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    /// Anything else. [`parse`] reports it as
    /// [`ParseError::MethodNotAllowed`] or [`ParseError::NotImplemented`];
    /// the variant exists so that a server with its own dispatch can name
    /// it, and for [`request_method`].
    Other,
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head<'a> {
    pub method: Method,
    /// The target's path, still percent-encoded, without query string;
    /// always starts with `/`. [`resolve`] maps it to a file.
    pub path: &'a str,
    /// The target's query, without its `?`, if it has one: what a redirect
    /// keeps.
    pub query: Option<&'a str>,
    /// Whether the connection stays open after the response: HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with
    /// `Connection: keep-alive`. `close` wins if both are given.
    pub keep_alive: bool,
}

/// Why a head is refused, and with which status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// 400: malformed request line or header.
    BadRequest,
    /// 405: a method HTTP defines, other than GET or HEAD. The response
    /// must say which are allowed: [`ALLOW`].
    MethodNotAllowed,
    /// 413: the request has a body (we accept none).
    BodyNotAllowed,
    /// 414: the request line is too long to fit in a head (its target,
    /// most likely).
    UriTooLong,
    /// 431: the header fields make the head too large, or there are too
    /// many of them.
    HeadTooLarge,
    /// 501: a method we do not know.
    NotImplemented,
    /// 505: not HTTP/1.0 or HTTP/1.1.
    VersionNotSupported,
}

/// The methods served, as a 405 response's `Allow` field says them (RFC
/// 9110 §15.5.6: a 405 MUST have one).
pub const ALLOW: &str = "GET, HEAD";

/// The methods HTTP defines (RFC 9110 §9, and PATCH, RFC 5789) that are not
/// served: 405 rather than 501.
const KNOWN_METHODS: &[&[u8]] = &[
    b"POST", b"PUT", b"DELETE", b"CONNECT", b"OPTIONS", b"TRACE", b"PATCH",
];

impl ParseError {
    /// The status code and reason phrase to answer with.
    pub fn status(self) -> (u16, &'static str) {
        match self {
            ParseError::BadRequest => (400, "Bad Request"),
            ParseError::MethodNotAllowed => (405, "Method Not Allowed"),
            ParseError::BodyNotAllowed => (413, "Content Too Large"),
            ParseError::UriTooLong => (414, "URI Too Long"),
            ParseError::HeadTooLarge => (431, "Request Header Fields Too Large"),
            ParseError::NotImplemented => (501, "Not Implemented"),
            ParseError::VersionNotSupported => (505, "HTTP Version Not Supported"),
        }
    }
}

/// What [`parse_request`] found at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
// sleepy uses the two-step API (`head_end` + `parse`), knot an `Inbox`;
// the peers in bench/, which include this file, use this one.
pub enum Parsed<'a> {
    /// No complete head yet (and not too long yet): read more, call again
    /// with everything received.
    Incomplete,
    /// A head, which took the first `consumed` bytes of the buffer; what
    /// follows belongs to the next request.
    Complete { head: Head<'a>, consumed: usize },
}

/// Parses the request at the start of `buf`, the bytes received so far on a
/// connection (after the previous request's `consumed` bytes).
///
/// A head that has not ended within [`HEAD_LIMIT`] bytes is refused at
/// once ([`ParseError::UriTooLong`] or [`ParseError::HeadTooLarge`], as
/// [`parse`] would), so a server never buffers more than that per
/// connection. Calling again after each read rescans from the
/// start: at most 8 KiB, and a real head arrives in one read.
///
/// # Errors
///
/// A [`ParseError`]: answer with its status and close the connection.
///
/// # Examples
///
/// ```
/// use tame_suite::http::{parse_request, Parsed};
/// let buf = b"GET /a HTTP/1.1\r\n\r\nGET /b HT";
/// let Ok(Parsed::Complete { head, consumed }) = parse_request(buf) else { panic!() };
/// assert_eq!((head.path, consumed), ("/a", 19));
/// assert_eq!(parse_request(&buf[consumed..]), Ok(Parsed::Incomplete));
/// ```
pub fn parse_request(buf: &[u8]) -> Result<Parsed<'_>, ParseError> {
    match head_end(buf) {
        Some(end) => parse(&buf[..end]).map(|head| Parsed::Complete {
            head,
            consumed: end,
        }),
        // Any head of at most HEAD_LIMIT bytes would have ended by now.
        None if buf.len() >= HEAD_LIMIT => Err(too_large(buf)),
        None => Ok(Parsed::Incomplete),
    }
}

/// Finds the end of the first request head in `buf`: the index just past
/// its `\r\n\r\n`, or past a bare LF (a `\n` without its `\r`), which
/// ends a head [`parse`] refuses (400) at once, rather than one that waits
/// for a `\r\n\r\n` that a client ending its lines with LF never sends.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    head_end_from(buf, 0)
}

/// As [`head_end`], for a buffer whose first `known` bytes are known to
/// hold no complete head: only the end of the buffer is scanned, so feeding
/// a head one byte at a time costs linear, not quadratic, time.
fn head_end_from(buf: &[u8], known: usize) -> Option<usize> {
    // A `\r\n\r\n` ending in the new bytes starts at most 3 bytes before them.
    let mut from = known.saturating_sub(3).min(buf.len());
    while let Some(i) = buf[from..].iter().position(|&b| b == b'\n') {
        let at = from + i;
        if at == 0 || buf[at - 1] != b'\r' {
            return Some(at + 1);
        }
        // `at` is the first LF of a possible CR LF CR LF.
        if buf.get(at + 1..at + 3) == Some(b"\r\n") {
            return Some(at + 3);
        }
        from = at + 1;
    }
    None
}

/// One connection's received bytes between reads, and what they allow: the
/// request-reading logic of a server, with this module's limits and no I/O
/// (knot drives it from its sockets; the tests and `fuzz/` from byte
/// strings).
///
/// The server asks [`next_held`](Inbox::next_held) before every read,
/// after each response too: a pipelined request, or a head already past
/// the size limit, is decided from the bytes held without reading more (so
/// a 414 or a 431 for size never waits for the client's next byte; too
/// many header lines are refused once the head ends, since until then its
/// answer is not known: a head ending in a bare LF is 400). Only on [`Next::Read`]
/// does it read, and it hands what it read to [`push`](Inbox::push).
///
/// A read may land in a buffer shared by all connections: a head that
/// arrives whole is answered from there, and only what follows it is
/// copied in. While the inbox says [`Next::Read`] it holds fewer than
/// [`HEAD_LIMIT`] bytes (an unfinished head); an empty inbox holds no
/// allocation.
///
/// # Examples
///
/// ```
/// use tame_suite::http::{Inbox, Next};
/// let mut inbox = Inbox::new();
/// assert_eq!(inbox.next_held(), Next::Read);
/// let got = inbox.push(b"GET /a HTTP/1.1\r\n\r\nGET /b HT");
/// assert_eq!(got, Next::Head(&b"GET /a HTTP/1.1\r\n\r\n"[..]));
/// assert_eq!(inbox.next_held(), Next::Read); // the second head has not ended
/// let got = inbox.push(b"TP/1.1\r\n\r\n");
/// assert_eq!(got, Next::Head(&b"GET /b HTTP/1.1\r\n\r\n"[..]));
/// assert_eq!(inbox.next_held(), Next::Read);
/// assert!(inbox.is_empty());
/// ```
#[derive(Debug, Default)]
pub struct Inbox {
    held: Vec<u8>,
    /// How many bytes at the start of `held` the last head handed out
    /// took: dropped at the next call (the head borrowed them until then).
    taken: usize,
    /// The method of the head refused last, if known: a refusal empties
    /// `held`, and the response to a HEAD request has no body.
    refused: Option<Method>,
}

/// What an [`Inbox`] says a connection does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next<'a> {
    /// A whole request head, up to and including its blank line: [`parse`]
    /// it and answer. What followed it is held for the next call.
    Head(&'a [u8]),
    /// The bytes held cannot become an acceptable head any more: answer
    /// with this error and close (the inbox is emptied).
    Refuse(ParseError),
    /// Nothing to decide yet: read, then [`push`](Inbox::push) what came.
    Read,
}

impl Inbox {
    /// An empty inbox (no allocation).
    pub const fn new() -> Inbox {
        Inbox {
            held: Vec::new(),
            taken: 0,
            refused: None,
        }
    }

    /// Whether no byte of a next request is held: the connection is idle.
    pub fn is_empty(&self) -> bool {
        self.held.len() == self.taken
    }

    /// How many bytes of requests not yet handed out are held.
    pub fn len(&self) -> usize {
        self.held.len() - self.taken
    }

    /// The bytes of memory the inbox holds (its buffer's capacity).
    pub fn capacity(&self) -> usize {
        self.held.capacity()
    }

    /// The method of the request whose unfinished head the inbox holds, or
    /// of the head the last [`Next::Refuse`] refused, if its first word has
    /// arrived (see [`request_method`]). A server answering a refusal or a
    /// timeout asks it: the response to a HEAD request has no body.
    pub fn method(&self) -> Option<Method> {
        if self.is_empty() {
            self.refused
        } else {
            request_method(&self.held[self.taken..])
        }
    }

    /// What the bytes already held give, before reading any more.
    pub fn next_held(&mut self) -> Next<'_> {
        self.refused = None;
        self.drop_taken();
        self.decide(0)
    }

    /// Takes the bytes of one read and says what they give. `data` is only
    /// borrowed: a head that is whole in it is handed out from it, and only
    /// the bytes after that head are copied into the inbox.
    ///
    /// Call it after [`Next::Read`]: the bytes held then are an unfinished
    /// head (or none).
    pub fn push<'a>(&'a mut self, data: &'a [u8]) -> Next<'a> {
        self.refused = None;
        self.drop_taken();
        if self.held.is_empty() {
            if let Some(end) = head_end(data) {
                self.held.extend_from_slice(&data[end..]);
                return Next::Head(&data[..end]);
            }
            self.held.extend_from_slice(data);
            return self.decide(self.held.len());
        }
        // The held bytes have no end of head in them (they said Read).
        let known = self.held.len();
        self.held.extend_from_slice(data);
        self.decide(known)
    }

    /// Decides on the held bytes, whose first `known` hold no end of head.
    fn decide(&mut self, known: usize) -> Next<'_> {
        match head_end_from(&self.held, known) {
            Some(end) => {
                self.taken = end;
                Next::Head(&self.held[..end])
            }
            // Any head of at most HEAD_LIMIT bytes would have ended by now.
            None if self.held.len() >= HEAD_LIMIT => {
                let e = too_large(&self.held);
                self.refused = request_method(&self.held);
                self.held = Vec::new();
                Next::Refuse(e)
            }
            None => Next::Read,
        }
    }

    /// Forgets the head handed out last; frees the buffer when nothing is
    /// left (idle connections hold none) or most of it is unused.
    fn drop_taken(&mut self) {
        if self.taken == 0 {
            return;
        }
        self.held.drain(..self.taken);
        self.taken = 0;
        if self.held.is_empty() {
            self.held = Vec::new();
        } else if self.held.capacity() > 4 * self.held.len().max(256) {
            self.held.shrink_to_fit();
        }
    }
}

/// Parses one request head: `raw` is everything up to and including the
/// blank line (`\r\n\r\n`), as [`head_end`] delimits it.
///
/// # Errors
///
/// A [`ParseError`] (see the module docs for what each one covers).
pub fn parse(raw: &[u8]) -> Result<Head<'_>, ParseError> {
    if raw.len() > HEAD_LIMIT {
        return Err(too_large(raw));
    }
    let text = raw
        .strip_suffix(b"\r\n\r\n")
        .ok_or(ParseError::BadRequest)?;
    let mut lines = Lines(text);
    let request_line = lines.next().ok_or(ParseError::BadRequest)??;

    let mut parts = request_line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadRequest);
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(ParseError::BadRequest);
    }
    let refusal = match method {
        b"GET" | b"HEAD" => None,
        m if KNOWN_METHODS.contains(&m) => Some(ParseError::MethodNotAllowed),
        _ => Some(ParseError::NotImplemented),
    };
    let mut keep_alive = match version {
        b"HTTP/1.1" => true,
        b"HTTP/1.0" => false,
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(ParseError::VersionNotSupported)
        }
        _ => return Err(ParseError::BadRequest),
    };
    let (path, query) = match target_path(target) {
        Some(p) => p,
        // Valid targets of these methods only (RFC 9112 §3.2.3, §3.2.4):
        // refused as the methods are, once the head parsed.
        None if refusal.is_some()
            && (method == b"CONNECT" && authority_form(target)
                || method == b"OPTIONS" && target == b"*") =>
        {
            ("*", None)
        }
        None => return Err(ParseError::BadRequest),
    };
    let method = method_of(method);

    let (mut close, mut keep, mut body, mut host) = (false, false, false, false);
    // The first `Content-Length`: another line must say the same.
    let mut length: Option<u64> = None;
    for (count, line) in (1..).zip(lines) {
        if count > MAX_HEADERS {
            return Err(ParseError::HeadTooLarge);
        }
        let line = line?;
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(ParseError::BadRequest)?;
        let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
        // Also rejects whitespace before the colon and folded lines.
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(ParseError::BadRequest);
        }
        if !value
            .iter()
            .all(|&b| b == b'\t' || b == b' ' || (b > 0x20 && b != 0x7f))
        {
            return Err(ParseError::BadRequest);
        }
        if name.eq_ignore_ascii_case(b"connection") {
            for token in value.split(|&b| b == b',').map(trim_ows) {
                close |= token.eq_ignore_ascii_case(b"close");
                keep |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let n = content_length(value)?;
            // Two lengths: which one frames the body? (RFC 9112 §6.3: an
            // unrecoverable error, 400.)
            if length.is_some_and(|first| first != n) {
                return Err(ParseError::BadRequest);
            }
            length = Some(n);
            body |= n > 0;
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            body = true;
        } else if name.eq_ignore_ascii_case(b"host") {
            // Two would leave the host to whichever line a server or a
            // proxy before it takes (RFC 9112 §3.2: MUST be 400).
            if host || !valid_host(value) {
                return Err(ParseError::BadRequest);
            }
            host = true;
        }
    }
    if let Some(e) = refusal {
        return Err(e);
    }
    if body {
        return Err(ParseError::BodyNotAllowed);
    }
    if close {
        keep_alive = false;
    } else if keep {
        keep_alive = true;
    }
    Ok(Head {
        method,
        path,
        query,
        keep_alive,
    })
}

/// Why a head over [`HEAD_LIMIT`] (`buf`, its first bytes at least, or
/// all of them) is refused: 414 if it starts with a method and its request
/// line alone would not fit in a head (with the CRLF of the blank line that
/// ends one), so that the target is what is too long; 431 if the header
/// fields made it too large, and for bytes that do not start with a method
/// (junk, as before 414 was told apart).
fn too_large(buf: &[u8]) -> ParseError {
    // Only the first HEAD_LIMIT bytes decide, so that a head refused
    // before it ended gets what it gets once whole.
    let start = &buf[..buf.len().min(HEAD_LIMIT)];
    match start.iter().position(|&b| b == b'\n') {
        // The line, its LF and the blank line's CRLF.
        Some(lf) if lf + 1 + 2 <= HEAD_LIMIT => ParseError::HeadTooLarge,
        _ if request_method(start).is_some() => ParseError::UriTooLong,
        _ => ParseError::HeadTooLarge,
    }
}

/// The method of the request whose first bytes are `buf`, once its first
/// word (a token) and the space after it have arrived; `None` before that,
/// or if there is no such word. A request refused before it parsed may
/// still be known to be a HEAD request, whose response has no body (RFC
/// 9110 §9.3.2); [`Method::Other`] for any other method.
///
/// # Examples
///
/// ```
/// use tame_suite::http::{request_method, Method};
/// assert_eq!(request_method(b"HEAD /a HTTP/1.1\r\nX: \x01\r\n"), Some(Method::Head));
/// assert_eq!(request_method(b"HEA"), None);
/// ```
pub fn request_method(buf: &[u8]) -> Option<Method> {
    let space = buf.iter().position(|&b| b == b' ')?;
    let word = &buf[..space];
    (!word.is_empty() && word.iter().all(|&b| is_tchar(b))).then(|| method_of(word))
}

/// The [`Method`] a method token names (case-sensitive, RFC 9110 §9.1).
fn method_of(token: &[u8]) -> Method {
    match token {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        _ => Method::Other,
    }
}

/// Whether a `Host` value is `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC
/// 3986 §3.2.2): a bracketed IP literal or a reg-name (which covers IPv4
/// addresses), then digits after a colon. Empty is valid (a target without
/// an authority).
fn valid_host(value: &[u8]) -> bool {
    // unreserved and sub-delims: what a reg-name holds besides `%XX`.
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b);
    let (host, port) = if let Some(literal) = value.strip_prefix(b"[") {
        let Some(close) = literal.iter().position(|&b| b == b']') else {
            return false;
        };
        // IPv6 or IPvFuture: hex digits, dots and colons, or `v...`.
        let inside = &literal[..close];
        if inside.is_empty() || !inside.iter().all(|&b| plain(b) || b == b':') {
            return false;
        }
        (&b""[..], &literal[close + 1..])
    } else {
        match value.iter().position(|&b| b == b':') {
            Some(colon) => (&value[..colon], &value[colon..]),
            None => (value, &b""[..]),
        }
    };
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    let mut i = 0;
    while i < host.len() {
        match host[i] {
            b'%' if host
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                i += 3
            }
            b if plain(b) => i += 1,
            _ => return false,
        }
    }
    port_ok
}

/// The lines of a head without its final blank line: each must end with
/// CRLF (the last one's CRLF was stripped with the blank line) and contain
/// no other CR or LF.
struct Lines<'a>(&'a [u8]);

impl<'a> Iterator for Lines<'a> {
    type Item = Result<&'a [u8], ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let (line, rest) = match self.0.iter().position(|&b| b == b'\n') {
            Some(i) => match self.0[..i].strip_suffix(b"\r") {
                Some(line) => (line, &self.0[i + 1..]),
                None => return Some(Err(ParseError::BadRequest)), // bare LF
            },
            None => (self.0, &self.0[self.0.len()..]),
        };
        self.0 = rest;
        if line.is_empty() || line.contains(&b'\r') {
            return Some(Err(ParseError::BadRequest));
        }
        Some(Ok(line))
    }
}

/// RFC 9110 §5.6.2 token characters (method and header names).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Strips optional whitespace (spaces and tabs) from both ends.
fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A `Content-Length` value: digits only (no sign, no list), at most u64.
fn content_length(value: &[u8]) -> Result<u64, ParseError> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::BadRequest);
    }
    value.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or(ParseError::BadRequest)
    })
}

/// Whether a request target is authority-form, `host:port` (RFC 9112
/// §3.2.3), as a CONNECT request's is.
fn authority_form(target: &[u8]) -> bool {
    let port = target
        .iter()
        .rposition(|&b| b == b':')
        .map(|c| &target[c + 1..]);
    port.is_some_and(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
        && !target.starts_with(b":")
        && valid_host(target)
}

/// The path of a request target (origin-form or absolute-form), without
/// its query, and its query (without `?`) if it has one; `None` if the
/// target is neither form (RFC 9112 §3.2: a fragment is part of neither; an
/// absolute-form target's authority is a valid `Host` value, not empty,
/// with no userinfo, RFC 9110 §4.2.1, §4.2.4) or not visible ASCII.
fn target_path(target: &[u8]) -> Option<(&str, Option<&str>)> {
    if target.is_empty() || !target.iter().all(|&b| b.is_ascii_graphic() && b != b'#') {
        return None;
    }
    let target = std::str::from_utf8(target).ok()?;
    let origin = if target.starts_with('/') {
        target
    } else {
        // absolute-form: scheme "://" authority [path]
        let (scheme, rest) = target.split_once("://")?;
        if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
            return None;
        }
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..end];
        // The host before any port must be there too (`http://:80/`).
        if authority.is_empty() || authority.starts_with(':') || !valid_host(authority.as_bytes()) {
            return None;
        }
        match &rest[end..] {
            path if path.starts_with('/') => path,
            _ => "/",
        }
    };
    // One pass over the path's bytes (a `str` pattern's search costs more
    // than the short paths of most requests).
    let end = (origin.bytes())
        .position(|b| b == b'?')
        .unwrap_or(origin.len());
    let query = (origin.as_bytes().get(end) == Some(&b'?')).then(|| &origin[end + 1..]);
    Some((&origin[..end], query))
}

/// Maps a request path to a file under `root`, as [`locate`] does;
/// anything but a file is `None` (a directory named without its trailing
/// slash too: 404, for a server that does not redirect).
pub fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    match locate(root, path) {
        Located::File(file) => Some(file),
        Located::Directory | Located::Missing | Located::Forbidden | Located::Malformed => None,
    }
}

/// What a request path names under a root ([`locate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// This file.
    File(PathBuf),
    /// A directory, named without a trailing slash: answer with a redirect
    /// to the path with one (301, as nginx and Apache do), so that the
    /// relative links of its `index.html` resolve under it.
    Directory,
    /// Nothing there, or a file named with a trailing slash (404).
    Missing,
    /// Behind a directory the server's user may not search (403, as nginx
    /// answers).
    Forbidden,
    /// A path no file under the root can have: a malformed `%` escape,
    /// bytes that are not UTF-8, a NUL, or a `..` that climbs above the
    /// root (400, as nginx answers).
    Malformed,
}

/// Maps a request path to a file under `root`: percent-decoded, then its
/// `.` segments dropped and each `..` taking the segment before it away
/// (as nginx does; one that would climb above the root is
/// [`Located::Malformed`], as are bad escapes and NUL bytes: no escaping
/// the root). A directory named with a trailing slash means its
/// `index.html`, one named without is [`Located::Directory`]. A path with
/// a trailing slash names a directory only: a file named so (`/a.txt/`,
/// `/a.txt%2F`) is [`Located::Missing`], as `open` says `ENOTDIR` for it
/// (and nginx 404).
///
/// The path is checked, not canonicalized: a symbolic link under `root` is
/// followed (as nginx does by default), since whoever placed it chose to;
/// a `..` after it takes the link's name away, not a step up from where
/// it points. This touches the file system (`is_dir`, `is_file`); servers
/// cache the result per path.
pub fn locate(root: &Path, path: &str) -> Located {
    let Some(decoded) = percent_decode(path) else {
        return Located::Malformed;
    };
    // On the segments themselves, not `Path::components`, which silently
    // drops `.` segments and keeps `..` ones.
    let mut segments: Vec<&str> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Located::Malformed;
                }
            }
            name => segments.push(name),
        }
    }
    let mut out = root.to_path_buf();
    out.extend(&segments);
    // The segments drop a trailing slash (and a trailing `/.` or `/..`,
    // which name a directory too): it is looked at here.
    let directory_named = decoded.ends_with('/')
        || decoded.ends_with("/.")
        || decoded.ends_with("/..")
        || decoded.is_empty();
    // What the server's user may not look into (a directory without the
    // search permission on the way) is forbidden, not missing, as nginx
    // answers: `is_dir` and `is_file` would say "no" for both.
    let kind = |p: &Path| match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => Ok(Some(true)),
        Ok(m) if m.is_file() => Ok(Some(false)),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(Located::Forbidden),
        Err(_) => Ok(None),
    };
    match kind(&out) {
        Err(forbidden) => return forbidden,
        Ok(Some(true)) if !directory_named => return Located::Directory,
        Ok(Some(true)) => out.push("index.html"),
        Ok(_) if directory_named => return Located::Missing,
        Ok(_) => {}
    }
    match kind(&out) {
        Ok(Some(false)) => Located::File(out),
        Err(forbidden) => forbidden,
        Ok(_) => Located::Missing,
    }
}

/// `%XX` decoding; `None` for a malformed escape, invalid UTF-8 or a NUL.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return (!s.contains('\0')).then(|| s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None; // from_str_radix would take a sign
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    (!decoded.contains('\0')).then_some(decoded)
}

/// The content type for a file, from its extension (any case).
pub fn content_type(path: &Path) -> &'static str {
    const TYPES: &[(&str, &str)] = &[
        ("html", "text/html; charset=utf-8"),
        ("htm", "text/html; charset=utf-8"),
        ("txt", "text/plain; charset=utf-8"),
        ("css", "text/css"),
        ("js", "text/javascript"),
        ("json", "application/json"),
        ("png", "image/png"),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("gif", "image/gif"),
        ("svg", "image/svg+xml"),
        ("ico", "image/x-icon"),
        ("wasm", "application/wasm"),
    ];
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    TYPES
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map_or("application/octet-stream", |&(_, t)| t)
}

/// The length of an HTTP date (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37
/// GMT`): the same for every date from the year 1000 to 9999, so a cached
/// response's `Date` can be rewritten in place.
pub const DATE_LEN: usize = 29;

/// `secs` seconds after the Unix epoch as an HTTP date, the IMF-fixdate
/// form RFC 9110 §5.6.7 says to send.
///
/// ```
/// let date = tame_suite::http::imf_fixdate(784_111_777);
/// assert_eq!(&date, b"Sun, 06 Nov 1994 08:49:37 GMT");
/// ```
pub fn imf_fixdate(secs: u64) -> [u8; DATE_LEN] {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let in_day = secs % 86_400;
    let (year, month, day) = civil_date(days);
    let mut out = [0; DATE_LEN];
    let text = format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize], // the epoch was a Thursday
        MONTHS[month as usize - 1],
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60,
    );
    out.copy_from_slice(&text.as_bytes()[..DATE_LEN]);
    out
}

/// The proleptic Gregorian (year, month 1-12, day 1-31) of `days` days
/// after 1970-01-01. Counted in 400-year eras (146,097 days each) of years
/// that start on March 1st, so that the leap day is the last of its year
/// and a month's first day is a linear function of its number.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Days since 0000-03-01, the start of an era.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March (0) to February (11).
    let m = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * m + 2) / 5 + 1;
    let month = if m < 10 { m + 3 } else { m - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// Rewrites the `Date` field of the response head at the start of `head`
/// (as [`write_response_head_with`] wrote it) to `date`; a head without
/// one is left as it is.
pub fn redate(head: &mut [u8], date: &[u8; DATE_LEN]) {
    const FIELD: &[u8] = b"\r\nDate: ";
    let end = head_end(head).unwrap_or(head.len());
    if let Some(at) = head[..end].windows(FIELD.len()).position(|w| w == FIELD) {
        let start = at + FIELD.len();
        if let Some(field) = head.get_mut(start..start + DATE_LEN) {
            field.copy_from_slice(date);
        }
    }
}

/// Appends a response head to `out`: status line, `Server`,
/// `Content-Type`, `Content-Length`, `Connection`, blank line. (For more
/// header fields, a `Date` among them, [`write_response_head_with`].)
pub fn write_response_head(
    out: &mut Vec<u8>,
    code: u16,
    reason: &str,
    ctype: &str,
    len: u64,
    keep_alive: bool,
) {
    write_response_head_with(out, code, reason, ctype, len, keep_alive, &[]);
}

/// [`write_response_head`] with `extra` header fields (name, value; no CR
/// or LF) before `Connection`: knot's `Date` (a head kept to be sent
/// again has it rewritten by [`redate`]), a 405's `Allow`, a redirect's
/// `Location`.
pub fn write_response_head_with(
    out: &mut Vec<u8>,
    code: u16,
    reason: &str,
    ctype: &str,
    len: u64,
    keep_alive: bool,
    extra: &[(&str, &str)],
) {
    let conn = if keep_alive { "keep-alive" } else { "close" };
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {code} {reason}\r\nServer: knot\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\n"
    );
    for (name, value) in extra {
        debug_assert!(!(name.contains(['\r', '\n']) || value.contains(['\r', '\n'])));
        let _ = write!(out, "{name}: {value}\r\n");
    }
    let _ = write!(out, "Connection: {conn}\r\n\r\n");
}

/// The largest body a new head reserves room for (see [`response_head`]).
pub const BODY_ROOM_MAX: usize = 64 << 10;

/// A response head in a new buffer (see [`write_response_head`]), with room
/// for a body of `len` bytes after it if that is at most
/// [`BODY_ROOM_MAX`]: `len` is what the head announces, and a head sent
/// alone (a HEAD's answer) or before a body kept apart must not cost the
/// body's size (a HEAD of a file larger than memory aborted the process).
/// A caller appending a larger body reserves room for it itself, where
/// running out of memory can be an error (`Vec::try_reserve_exact`).
pub fn response_head(code: u16, reason: &str, ctype: &str, len: u64, keep_alive: bool) -> Vec<u8> {
    response_head_with(code, reason, ctype, len, keep_alive, &[])
}

/// As [`response_head`], with `extra` header fields (name, value; no CR or
/// LF in them) before `Connection`: the `Allow` field of a 405, say.
///
/// # Examples
///
/// ```
/// use tame_suite::http::{response_head_with, ALLOW};
/// let h = response_head_with(405, "Method Not Allowed", "text/plain", 0, false, &[("Allow", ALLOW)]);
/// assert!(h.ends_with(b"Content-Length: 0\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n"));
/// ```
pub fn response_head_with(
    code: u16,
    reason: &str,
    ctype: &str,
    len: u64,
    keep_alive: bool,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let room = usize::try_from(len)
        .ok()
        .filter(|&len| len <= BODY_ROOM_MAX)
        .unwrap_or(0);
    let mut out = Vec::with_capacity(128 + room);
    write_response_head_with(&mut out, code, reason, ctype, len, keep_alive, extra);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &[u8]) -> Head<'_> {
        parse(raw).unwrap()
    }

    fn code(raw: &[u8]) -> u16 {
        match parse_request(raw) {
            Err(e) => e.status().0,
            other => panic!(
                "{:?}: expected an error, got {other:?}",
                String::from_utf8_lossy(raw)
            ),
        }
    }

    #[test]
    fn keep_alive_defaults_follow_the_version() {
        assert!(head(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").keep_alive);
        assert!(!head(b"GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
        assert!(!head(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive);
        assert!(!head(b"GET / HTTP/1.1\r\nconnection:  Upgrade, CLOSE \r\n\r\n").keep_alive);
        // close wins, in either order
        assert!(!head(b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keep_alive);
        assert!(
            !head(b"GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n")
                .keep_alive
        );
    }

    #[test]
    fn methods_and_paths() {
        let h = head(b"HEAD /a%20b.html?x=1 HTTP/1.1\r\n\r\n");
        assert_eq!((h.method, h.path), (Method::Head, "/a%20b.html"));
        assert_eq!(
            head(b"GET http://example.com/x/y?q HTTP/1.1\r\n\r\n").path,
            "/x/y"
        );
        assert_eq!(head(b"GET HTTP://example.com HTTP/1.1\r\n\r\n").path, "/");
        assert_eq!(head(b"GET http://example.com?q HTTP/1.1\r\n\r\n").path, "/");
    }

    #[test]
    fn pipelined_requests_are_taken_one_at_a_time() {
        let buf = b"GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /c HTTP/1.1\r\nConnection: close\r\n\r\nGET /d";
        let mut at = 0;
        let mut seen = Vec::new();
        while let Ok(Parsed::Complete { head, consumed }) = parse_request(&buf[at..]) {
            seen.push((head.method, head.path, head.keep_alive));
            at += consumed;
        }
        assert_eq!(
            seen,
            [
                (Method::Get, "/a", true),
                (Method::Head, "/b", true),
                (Method::Get, "/c", false)
            ]
        );
        assert_eq!(&buf[at..], b"GET /d");
        assert_eq!(parse_request(&buf[at..]), Ok(Parsed::Incomplete));
    }

    #[test]
    fn split_reads_at_every_byte_boundary() {
        let one = b"GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n";
        let two = [&one[..], b"HEAD / HTTP/1.0\r\n\r\n"].concat();
        // Every prefix short of the first head's end is incomplete...
        for cut in 0..one.len() {
            assert_eq!(
                parse_request(&two[..cut]),
                Ok(Parsed::Incomplete),
                "cut at {cut}"
            );
        }
        // ...and from there on, the first head is complete at the same place.
        for cut in one.len()..=two.len() {
            let Ok(Parsed::Complete { head, consumed }) = parse_request(&two[..cut]) else {
                panic!("cut at {cut}");
            };
            assert_eq!((head.path, consumed), ("/index.html", one.len()));
        }
        // The same for the second head, fed byte range by byte range as a
        // server would keep it: nothing complete until its last byte.
        let rest = &two[one.len()..];
        for cut in 0..rest.len() {
            assert_eq!(parse_request(&rest[..cut]), Ok(Parsed::Incomplete));
        }
        assert!(matches!(
            parse_request(rest),
            Ok(Parsed::Complete { consumed, .. }) if consumed == rest.len()
        ));
    }

    #[test]
    fn malformed_heads_are_400() {
        for raw in [
            &b"GARBAGE\r\n\r\n"[..],
            b"\r\nGET / HTTP/1.1\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 \r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET index.html HTTP/1.1\r\n\r\n",
            b"GET ftp://x/ HTTP/1.1\r\n\r\n",
            b"GET /a\x01b HTTP/1.1\r\n\r\n",
            b"GET / HTTX/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nName : v\r\n\r\n",
            b"GET / HTTP/1.1\r\n: v\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\nB: c\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\rB: c\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: +0\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 0, 0\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            // malformed beats 405
            b"DELETE / HTTP/1.1\r\nbad header\r\n\r\n",
        ] {
            assert_eq!(code(raw), 400, "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn other_methods_parse_then_are_405() {
        assert_eq!(code(b"POST / HTTP/1.1\r\n\r\n"), 405);
        // "*" is no path.
        assert_eq!(code(b"M-SEARCH * HTTP/1.1\r\n\r\n"), 400);
        // A body on another method is still 405, not 413.
        assert_eq!(code(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 405);
        // The targets valid for CONNECT and OPTIONS alone (RFC 9112
        // §3.2.3, §3.2.4): 405 as their methods, 400 for any other.
        for raw in [
            &b"CONNECT x:80 HTTP/1.1\r\n\r\n"[..],
            b"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n",
            b"CONNECT [::1]:443 HTTP/1.1\r\n\r\n",
            b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
            b"OPTIONS * HTTP/1.0\r\n\r\n",
        ] {
            assert_eq!(code(raw), 405, "{:?}", String::from_utf8_lossy(raw));
        }
        for raw in [
            &b"GET x:80 HTTP/1.1\r\n\r\n"[..],
            b"HEAD * HTTP/1.1\r\n\r\n",
            b"OPTIONS x:80 HTTP/1.1\r\n\r\n",
            b"CONNECT * HTTP/1.1\r\n\r\n",
            b"CONNECT x HTTP/1.1\r\n\r\n",
            b"CONNECT x: HTTP/1.1\r\n\r\n",
            b"CONNECT :80 HTTP/1.1\r\n\r\n",
            b"CONNECT a/b:80 HTTP/1.1\r\n\r\n",
            b"CONNECT [::1] HTTP/1.1\r\n\r\n",
            b"OPTIONS ** HTTP/1.1\r\n\r\n",
            // malformed still beats 405
            b"OPTIONS * HTTP/1.1\r\nbad header\r\n\r\n",
        ] {
            assert_eq!(code(raw), 400, "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn methods_http_defines_are_405_and_others_501() {
        // RFC 9110 §9.1: 501 for a method not recognized, 405 for one known
        // but not allowed.
        for m in ["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"] {
            assert_eq!(
                code(format!("{m} / HTTP/1.1\r\n\r\n").as_bytes()),
                405,
                "{m}"
            );
        }
        for m in ["FOO", "get", "Head", "PROPFIND", "GETX"] {
            // methods are case-sensitive: `get` is not GET
            assert_eq!(
                code(format!("{m} / HTTP/1.1\r\n\r\n").as_bytes()),
                501,
                "{m}"
            );
        }
        // Malformed still beats both, and a version we do not speak too.
        assert_eq!(code(b"FOO / HTTP/1.1\r\nbad header\r\n\r\n"), 400);
        assert_eq!(code(b"FOO / HTTP/2.0\r\n\r\n"), 505);
    }

    #[test]
    fn more_than_one_host_or_an_invalid_host_is_400() {
        // RFC 9112 §3.2: MUST be 400.
        for raw in [
            &b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\nHOST:\r\n\r\n",
            b"HEAD / HTTP/1.0\r\nHost: a b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: user@a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a:80:81\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: []\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a%2\r\n\r\n",
            // before 405: the head is malformed
            b"POST / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(code(raw), 400, "{:?}", String::from_utf8_lossy(raw));
        }
        for host in [
            "",
            "localhost",
            "localhost:8080",
            "127.0.0.1:80",
            "[::1]:8080",
            "[v1.x]",
            "xn--bcher-kva.example",
            "a%20b",
            "a:",
        ] {
            let raw = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
            assert!(parse(raw.as_bytes()).is_ok(), "{host:?}");
        }
    }

    #[test]
    fn bodies_on_get_and_head_are_413() {
        assert_eq!(code(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 413);
        assert_eq!(
            code(b"HEAD / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            413
        );
        assert_eq!(
            code(b"GET / HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n"),
            413
        );
        assert!(parse(b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").is_ok());
        // The same length twice: a body all the same.
        assert_eq!(
            code(b"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            413
        );
    }

    #[test]
    fn content_lengths_that_disagree_are_400() {
        // RFC 9112 §6.3: the body's length cannot be known.
        for raw in [
            &b"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nContent-Length: 0\r\ncontent-length: 3\r\n\r\n",
            b"HEAD / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 0\r\n\r\n",
        ] {
            assert_eq!(code(raw), 400, "{:?}", String::from_utf8_lossy(raw));
        }
        assert!(
            parse(b"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 00\r\n\r\n").is_ok()
        );
    }

    /// RFC 9112 §3.2: a request target has no fragment; an absolute-form
    /// one's authority is a host (RFC 9110 §4.2.1: an `http` URI with an
    /// empty host is invalid; §4.2.4: userinfo is an error), checked as a
    /// `Host` value is.
    #[test]
    fn a_fragment_or_a_bad_authority_in_the_target_is_400() {
        for target in [
            "/a.txt#frag",
            "/a?x#f",
            "http://h/a#f",
            "http:///a.txt",
            "http://",
            "http://?q",
            "http://a@b/a.txt",
            "http://:80/a.txt",
            "http://:/a.txt",
            "http://[zz/a.txt",
            "http://x:notaport/a.txt",
        ] {
            let raw = format!("GET {target} HTTP/1.1\r\nHost: h\r\n\r\n");
            assert_eq!(code(raw.as_bytes()), 400, "{target}");
        }
        for (target, path) in [
            ("http://h:8080/a.txt", "/a.txt"),
            ("http://[::1]/b", "/b"),
            ("http://127.0.0.1", "/"),
            ("http://h%41/c", "/c"),
        ] {
            let raw = format!("GET {target} HTTP/1.1\r\nHost: h\r\n\r\n");
            assert_eq!(head(raw.as_bytes()).path, path, "{target}");
        }
    }

    #[test]
    fn the_query_is_kept_apart() {
        let q = |raw: &'static [u8]| head(raw).query;
        assert_eq!(q(b"GET /a?x=1&y HTTP/1.1\r\n\r\n"), Some("x=1&y"));
        assert_eq!(q(b"GET /a? HTTP/1.1\r\n\r\n"), Some(""));
        assert_eq!(q(b"GET /a HTTP/1.1\r\n\r\n"), None);
        assert_eq!(q(b"GET http://h/a?z HTTP/1.1\r\n\r\n"), Some("z"));
    }

    #[test]
    fn large_heads_are_431() {
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        assert_eq!(
            code(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            431
        );
        let enough: String = (0..MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        assert!(parse(format!("GET / HTTP/1.1\r\n{enough}\r\n").as_bytes()).is_ok());
        // too long and complete
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(HEAD_LIMIT));
        assert_eq!(code(long.as_bytes()), 431);
        // too long and still going: refused before it ends
        assert_eq!(code(&long.as_bytes()[..HEAD_LIMIT]), 431);
        assert_eq!(
            parse_request(&long.as_bytes()[..HEAD_LIMIT - 1]),
            Ok(Parsed::Incomplete)
        );
        // exactly at the limit is fine
        let pad = HEAD_LIMIT - b"GET / HTTP/1.1\r\nX: \r\n\r\n".len();
        let exact = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(pad));
        assert_eq!(exact.len(), HEAD_LIMIT);
        assert!(matches!(
            parse_request(exact.as_bytes()),
            Ok(Parsed::Complete { .. })
        ));
    }

    #[test]
    fn a_request_line_too_long_is_414_and_header_fields_too_large_431() {
        // RFC 9112 §3: a target longer than the server parses is 414. The
        // head's limit is shared: 414 if the request line alone does not
        // fit in a head, 431 if the header fields pushed it over.
        let long_target = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(HEAD_LIMIT));
        assert_eq!(code(long_target.as_bytes()), 414);
        // refused before it ended: 414 too, whether the line has ended...
        assert_eq!(code(&long_target.as_bytes()[..HEAD_LIMIT]), 414);
        // ... or not
        let line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(HEAD_LIMIT - 17));
        assert_eq!(
            line.len(),
            HEAD_LIMIT - 1,
            "fits, but not with the blank line"
        );
        assert_eq!(code(format!("{line}X: y\r\n\r\n").as_bytes()), 414);
        // One byte shorter: a head with no header fields would fit, so the
        // header field is what is too large.
        let line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(HEAD_LIMIT - 18));
        assert!(parse(format!("{line}\r\n").as_bytes()).is_ok());
        assert_eq!(code(format!("{line}X: y\r\n\r\n").as_bytes()), 431);
        // An inbox fed the long target in reads refuses it with 414 at the
        // limit, and knows its method (the response to a HEAD has no body).
        let head_target = format!("HEAD /{} HTTP/1.1\r\n\r\n", "a".repeat(2 * HEAD_LIMIT));
        let mut inbox = Inbox::new();
        let mut refused = None;
        for chunk in head_target.as_bytes().chunks(1000) {
            match inbox.push(chunk) {
                Next::Read => assert_eq!(inbox.method(), Some(Method::Head)),
                Next::Refuse(e) => {
                    refused = Some(e);
                    break;
                }
                Next::Head(_) => panic!("refused before it ended"),
            }
        }
        assert_eq!(refused, Some(ParseError::UriTooLong));
        assert_eq!(inbox.method(), Some(Method::Head));
        assert_eq!(inbox.capacity(), 0);
        assert_eq!(drive(&[long_target.as_bytes()]), (vec![414], false));
    }

    #[test]
    fn the_method_is_known_from_the_first_word() {
        assert_eq!(request_method(b"HEAD "), Some(Method::Head));
        assert_eq!(request_method(b"GET /x HTTP/9.9\r\n"), Some(Method::Get));
        assert_eq!(request_method(b"FOO /"), Some(Method::Other));
        assert_eq!(
            request_method(b"head / HTTP/1.1\r\n\r\n"),
            Some(Method::Other)
        );
        assert_eq!(request_method(b"HEAD"), None); // the word may go on
        assert_eq!(request_method(b""), None);
        assert_eq!(request_method(b" HEAD / HTTP/1.1\r\n"), None);
        assert_eq!(request_method(b"\r\nHEAD / HTTP/1.1\r\n"), None);
        // An inbox knows the method of the head it holds, once it has come.
        let mut inbox = Inbox::new();
        assert_eq!(inbox.push(b"HEA"), Next::Read);
        assert_eq!(inbox.method(), None);
        assert_eq!(inbox.push(b"D / HTTP/1.1\r\nX"), Next::Read);
        assert_eq!(inbox.method(), Some(Method::Head));
        assert!(matches!(inbox.push(b": y\r\n\r\nGET /b"), Next::Head(_)));
        assert_eq!(inbox.next_held(), Next::Read);
        assert_eq!(inbox.method(), Some(Method::Get), "the next head's");
    }

    /// Drives an inbox as knot does over `reads`: each read pushed once the
    /// inbox asks for one; heads parsed. The statuses answered (200 for a
    /// head that parses), and whether it ends asking for more.
    fn drive(reads: &[&[u8]]) -> (Vec<u16>, bool) {
        let mut inbox = Inbox::new();
        let mut answered = Vec::new();
        let mut reads = reads.iter();
        let mut next = inbox.next_held();
        loop {
            let raw = match next {
                Next::Head(raw) => raw,
                Next::Refuse(e) => {
                    answered.push(e.status().0);
                    return (answered, false);
                }
                Next::Read => match reads.next() {
                    Some(data) => {
                        next = inbox.push(data);
                        continue;
                    }
                    None => return (answered, true),
                },
            };
            match parse(raw) {
                Ok(_) => answered.push(200),
                Err(e) => {
                    answered.push(e.status().0);
                    return (answered, false);
                }
            }
            next = inbox.next_held();
        }
    }

    #[test]
    fn junk_past_the_limit_after_a_request_is_refused_before_another_read() {
        // Issue 12: a request and 8 KiB of junk in one write got the 200,
        // then nothing until the idle timeout (the limit was checked only
        // after the next read).
        let one_write = [&b"GET / HTTP/1.1\r\n\r\n"[..], &[b'x'; HEAD_LIMIT]].concat();
        assert_eq!(drive(&[&one_write]), (vec![200, 431], false));
        // One byte short of the limit is an unfinished head: read more.
        let short = [&b"GET / HTTP/1.1\r\n\r\n"[..], &[b'x'; HEAD_LIMIT - 1]].concat();
        assert_eq!(drive(&[&short]), (vec![200], true));
    }

    #[test]
    fn an_inbox_holds_no_more_than_an_unfinished_head() {
        let mut inbox = Inbox::new();
        assert_eq!(inbox.capacity(), 0);
        assert_eq!(
            inbox.push(b"GET / HTTP/1.1\r\n\r\n"),
            Next::Head(&b"GET / HTTP/1.1\r\n\r\n"[..])
        );
        assert_eq!(inbox.next_held(), Next::Read);
        assert_eq!(
            inbox.capacity(),
            0,
            "a head read whole is answered from the read's buffer"
        );
        assert!(matches!(
            inbox.push(b"GET / HTTP/1.1\r\n\r\nGET /b"),
            Next::Head(_)
        ));
        assert_eq!(inbox.next_held(), Next::Read);
        assert_eq!(inbox.len(), 6);
        assert!(matches!(inbox.push(b" HTTP/1.1\r\n\r\n"), Next::Head(_)));
        assert_eq!(inbox.next_held(), Next::Read);
        assert_eq!((inbox.len(), inbox.capacity()), (0, 0), "idle: no buffer");
        // Fed byte by byte, a head past the limit is refused at the limit.
        let mut inbox = Inbox::new();
        let mut refused = None;
        for (i, b) in b"GET / HTTP/1.1\r\nX: "
            .iter()
            .chain([b'a'; HEAD_LIMIT].iter())
            .enumerate()
        {
            match inbox.push(&[*b]) {
                Next::Read => assert!(inbox.len() < HEAD_LIMIT),
                Next::Refuse(e) => {
                    refused = Some((i + 1, e));
                    break;
                }
                Next::Head(_) => panic!("no head ended"),
            }
        }
        assert_eq!(refused, Some((HEAD_LIMIT, ParseError::HeadTooLarge)));
        assert_eq!(inbox.capacity(), 0);
    }

    #[test]
    fn an_inbox_agrees_with_parse_request_at_every_split() {
        let stream = b"GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /c HTTP/1.1\r\nBad header\r\n\r\nGET /d";
        let whole = drive(&[stream]);
        assert_eq!(whole, (vec![200, 200, 400], false));
        for cut in 0..=stream.len() {
            assert_eq!(
                drive(&[&stream[..cut], &stream[cut..]]),
                whole,
                "cut at {cut}"
            );
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(drive(&bytes), whole);
    }

    #[test]
    fn a_head_ending_its_lines_with_a_bare_lf_is_400_at_once() {
        // What `printf 'GET / HTTP/1.0\n\n' | nc` sends: refused as soon as
        // its first LF arrives, not left waiting for a CR LF CR LF.
        assert_eq!(code(b"GET / HTTP/1.0\n\n"), 400);
        assert_eq!(code(b"GET / HTTP/1.0\n"), 400);
        assert_eq!(code(b"GET / HTTP/1.1\r\nHost: x\n\r\n"), 400);
        let mut inbox = Inbox::new();
        assert!(matches!(inbox.push(b"GET / HT"), Next::Read));
        match inbox.push(b"TP/1.0\n") {
            Next::Head(raw) => assert_eq!(parse(raw).unwrap_err().status().0, 400),
            _ => panic!("a bare LF ends the head"),
        }
    }

    #[test]
    fn other_versions_are_505() {
        assert_eq!(code(b"GET / HTTP/2.0\r\n\r\n"), 505);
        assert_eq!(code(b"GET / HTTP/0.9\r\n\r\n"), 505);
        assert_eq!(code(b"GET / HTTP/1.2\r\n\r\n"), 505);
        assert_eq!(code(b"GET / HTTP/11\r\n\r\n"), 400);
    }

    #[test]
    fn every_error_has_its_status() {
        let all = [
            (ParseError::BadRequest, 400),
            (ParseError::MethodNotAllowed, 405),
            (ParseError::BodyNotAllowed, 413),
            (ParseError::UriTooLong, 414),
            (ParseError::HeadTooLarge, 431),
            (ParseError::NotImplemented, 501),
            (ParseError::VersionNotSupported, 505),
        ];
        for (e, want) in all {
            assert_eq!(e.status().0, want);
        }
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempRoot(PathBuf);

    impl TempRoot {
        fn new(tag: &str) -> TempRoot {
            let dir = std::env::temp_dir().join(format!("knot-http-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            std::fs::write(dir.join("index.html"), "root").unwrap();
            std::fs::write(dir.join("sub/a b.txt"), "a").unwrap();
            TempRoot(dir)
        }
    }

    impl Drop for TempRoot {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn paths_map_to_files_under_the_root() {
        let root = TempRoot::new("map");
        let r = &root.0;
        assert_eq!(resolve(r, "/"), Some(r.join("index.html")));
        assert_eq!(resolve(r, "/index.html"), Some(r.join("index.html")));
        assert_eq!(resolve(r, "/sub/a%20b.txt"), Some(r.join("sub/a b.txt")));
        assert_eq!(resolve(r, "/sub%2Fa%20b.txt"), Some(r.join("sub/a b.txt")));
        assert_eq!(resolve(r, "//sub//a%20b.txt"), Some(r.join("sub/a b.txt")));
        assert_eq!(resolve(r, "/sub/"), None); // no index.html there
        assert_eq!(resolve(r, "/nope"), None);
    }

    #[test]
    fn a_trailing_slash_names_a_directory_and_a_directory_needs_one() {
        let root = TempRoot::new("slash");
        let r = &root.0;
        // A file named as a directory is not found (ENOTDIR).
        for path in ["/index.html/", "/index.html%2F", "/sub/a%20b.txt//"] {
            assert_eq!(locate(r, path), Located::Missing, "{path}");
        }
        // A directory named without its slash: a redirect; `resolve`, 404.
        assert_eq!(locate(r, "/sub"), Located::Directory);
        assert_eq!(locate(r, "//sub"), Located::Directory);
        assert_eq!(resolve(r, "/sub"), None);
        std::fs::write(r.join("sub/index.html"), "sub").unwrap();
        assert_eq!(locate(r, "/sub"), Located::Directory);
        let index = Located::File(r.join("sub/index.html"));
        assert_eq!(locate(r, "/sub/"), index);
        assert_eq!(locate(r, "/sub%2F"), index);
        assert_eq!(locate(r, "/"), Located::File(r.join("index.html")));
    }

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = TempRoot::new("escape");
        let r = &root.0.join("sub");
        for path in [
            "/../index.html",
            "/%2e%2e/index.html",
            "/%2E%2E%2findex.html",
            "/x/../../index.html",
            "/./../index.html",
            "/..",
            "/a%20b.txt%00",
            "/%zz",
            "/%2",
            "/%+1",
            "/%ff", // not UTF-8
        ] {
            assert_eq!(locate(r, path), Located::Malformed, "{path}");
            assert_eq!(resolve(r, path), None, "{path}");
        }
    }

    #[test]
    fn dot_segments_are_resolved_within_the_root() {
        let root = TempRoot::new("dots");
        let r = &root.0;
        let file = Located::File(r.join("sub/a b.txt"));
        for path in [
            "/./sub/a%20b.txt",
            "/sub/./a%20b.txt",
            "/x/../sub/a%20b.txt",
            "/sub/x/y/../../a%20b.txt",
            "/sub/%2e/a%20b.txt",
            "/sub/%2E%2E/sub/a%20b.txt",
        ] {
            assert_eq!(locate(r, path), file, "{path}");
        }
        // What ends in `.` or `..` names a directory.
        let index = Located::File(r.join("index.html"));
        assert_eq!(locate(r, "/sub/.."), index);
        assert_eq!(locate(r, "/."), index);
        assert_eq!(locate(r, "/sub/."), Located::Missing); // no index.html there
        assert_eq!(locate(r, "/sub/a%20b.txt/."), Located::Missing);
    }

    #[test]
    fn http_dates_are_what_date_1_writes() {
        // Leap days, the ends of years and centuries (2100 is no leap
        // year, 2000 is), and a spread of others up to the year 2400.
        let mut cases = vec![
            0,
            784_111_777,
            951_782_400,
            951_868_799,
            1_709_164_800,
            4_107_542_399,
            4_107_542_400,
            4_112_640_000,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            cases.push((x >> 11) % 13_569_465_600);
        }
        for secs in cases {
            let out = std::process::Command::new("date")
                .env("LC_ALL", "C")
                .args([
                    "-u",
                    "-d",
                    &format!("@{secs}"),
                    "+%a, %d %b %Y %H:%M:%S GMT",
                ])
                .output()
                .expect("date(1)");
            let want = String::from_utf8(out.stdout).unwrap();
            let date = imf_fixdate(secs);
            assert_eq!(
                std::str::from_utf8(&date).unwrap(),
                want.trim_end(),
                "{secs}"
            );
        }
    }

    #[test]
    fn a_kept_head_is_redated_in_place_and_only_its_date() {
        let now = imf_fixdate(1_700_000_000);
        let now = std::str::from_utf8(&now).unwrap();
        let mut head = response_head_with(200, "OK", "text/plain", 2, true, &[("Date", now)]);
        head.extend_from_slice(b"ok");
        let date = imf_fixdate(784_111_777);
        let before = head.clone();
        redate(&mut head, &date);
        let text = String::from_utf8(head.clone()).unwrap();
        assert!(
            text.contains("\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"),
            "{text}"
        );
        assert_eq!(head.len(), before.len());
        // Nothing but the date's bytes changed.
        let at = text.find("Date: ").unwrap() + "Date: ".len();
        assert_eq!(head[..at], before[..at]);
        assert_eq!(head[at + DATE_LEN..], before[at + DATE_LEN..]);
        // A body that says "Date: " is not touched; nor is a head without one.
        let mut no_date =
            b"HTTP/1.1 200 OK\r\n\r\nx\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT".to_vec();
        let kept = no_date.clone();
        redate(&mut no_date, &date);
        assert_eq!(no_date, kept);
    }

    #[test]
    fn response_heads() {
        let mut out = b"x".to_vec();
        write_response_head(&mut out, 200, "OK", "text/plain", 12, true);
        assert_eq!(
            out,
            b"xHTTP/1.1 200 OK\r\nServer: knot\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n"
        );
        // Room for a small body after the head, none for a large one: a
        // head announcing a file larger than memory is a head.
        assert!(response_head(200, "OK", "text/plain", 600, true).capacity() >= 700);
        let huge = response_head(200, "OK", "text/plain", 1 << 40, true);
        assert!(huge.capacity() < 1024, "{}", huge.capacity());
        let h = response_head(404, "Not Found", "text/html", 0, false);
        assert!(h.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
        assert!(h.ends_with(b"Content-Length: 0\r\nConnection: close\r\n\r\n"));
        // More fields: a 405 says which methods are allowed (RFC 9110
        // §15.5.6).
        assert_eq!(
            response_head_with(405, "Method Not Allowed", "text/plain", 3, true, &[("Allow", ALLOW)]),
            b"HTTP/1.1 405 Method Not Allowed\r\nServer: knot\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nAllow: GET, HEAD\r\nConnection: keep-alive\r\n\r\n"
        );
        assert_eq!(
            content_type(Path::new("a/b.HTML")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("a/b.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }
}
