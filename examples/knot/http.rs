//! HTTP/1.1 request heads: parsing, limits, paths, response heads.
//!
//! Shared by `knot` and by the tokio peer in `bench/` (which includes this
//! file with `#[path]`), so both servers do the same work per request.
//! Pure functions over bytes, no I/O, no allocation while parsing.

use std::path::{Component, Path, PathBuf};

/// Longest request head accepted (request line and headers).
pub const HEAD_LIMIT: usize = 8192;
/// Most header lines accepted.
pub const MAX_HEADERS: usize = 64;

/// The methods a static file server distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    /// Anything else: answered with 405.
    Other,
}

/// A parsed request head.
#[derive(Debug)]
pub struct Head<'a> {
    pub method: Method,
    /// The target's path, without query string.
    pub path: &'a str,
    pub keep_alive: bool,
}

/// Why a head is refused, and with which status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// 400: malformed request line or header.
    BadRequest,
    /// 405: a method other than GET or HEAD.
    MethodNotAllowed,
    /// 413: the request has a body (we accept none).
    BodyNotAllowed,
    /// 431: the head is too large or has too many header lines.
    HeadTooLarge,
    /// 505: not HTTP/1.0 or HTTP/1.1.
    VersionNotSupported,
}

impl ParseError {
    /// The status code and reason phrase to answer with.
    pub fn status(self) -> (u16, &'static str) {
        match self {
            ParseError::BadRequest => (400, "Bad Request"),
            ParseError::MethodNotAllowed => (405, "Method Not Allowed"),
            ParseError::BodyNotAllowed => (413, "Content Too Large"),
            ParseError::HeadTooLarge => (431, "Request Header Fields Too Large"),
            ParseError::VersionNotSupported => (505, "HTTP Version Not Supported"),
        }
    }
}

/// Parses one request head: `raw` is everything up to and including the
/// blank line (`\r\n\r\n`).
///
/// A method other than GET/HEAD parses fine (`Method::Other`) so that the
/// server can answer 405 after checking the rest.
pub fn parse(raw: &[u8]) -> Result<Head<'_>, ParseError> {
    if raw.len() > HEAD_LIMIT {
        return Err(ParseError::HeadTooLarge);
    }
    let text = std::str::from_utf8(raw).map_err(|_| ParseError::BadRequest)?;
    let text = text
        .strip_suffix("\r\n\r\n")
        .ok_or(ParseError::BadRequest)?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().ok_or(ParseError::BadRequest)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadRequest);
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ParseError::BadRequest);
    }
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        _ => Method::Other,
    };
    if !target.starts_with('/') {
        return Err(ParseError::BadRequest);
    }
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => return Err(ParseError::VersionNotSupported),
        _ => return Err(ParseError::BadRequest),
    };
    let mut count = 0;
    for line in lines {
        count += 1;
        if count > MAX_HEADERS {
            return Err(ParseError::HeadTooLarge);
        }
        let (name, value) = line.split_once(':').ok_or(ParseError::BadRequest)?;
        if name.is_empty() || name.bytes().any(|b| b == b' ' || b == b'\t') {
            return Err(ParseError::BadRequest);
        }
        let value = value.trim_matches(|c| c == ' ' || c == '\t');
        if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            let n: u64 = value.parse().map_err(|_| ParseError::BadRequest)?;
            if n > 0 {
                return Err(ParseError::BodyNotAllowed);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(ParseError::BodyNotAllowed);
        }
    }
    if method == Method::Other {
        return Err(ParseError::MethodNotAllowed);
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    Ok(Head {
        method,
        path,
        keep_alive,
    })
}

/// Maps a request path to a file under `root`: percent-decoded, `.` and
/// `..` refused (no escaping the root), a directory means its `index.html`.
pub fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let mut out = root.to_path_buf();
    for comp in Path::new(&decoded).components() {
        match comp {
            Component::RootDir => {}
            Component::Normal(c) => out.push(c),
            _ => return None,
        }
    }
    if decoded.split('/').any(|seg| seg == "..") {
        return None;
    }
    if out.is_dir() {
        out.push("index.html");
    }
    out.is_file().then_some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
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

/// The content type for a file, from its extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") | Some("htm") => "text/html; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A response head: status line, `Content-Type`, `Content-Length`,
/// `Connection`, blank line.
pub fn response_head(
    code: u16,
    reason: &str,
    ctype: &str,
    len: usize,
    keep_alive: bool,
) -> Vec<u8> {
    let conn = if keep_alive { "keep-alive" } else { "close" };
    format!("HTTP/1.1 {code} {reason}\r\nServer: knot\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\nConnection: {conn}\r\n\r\n")
        .into_bytes()
}

/// Finds the end of the first request head in `buf` (the index just past
/// `\r\n\r\n`).
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = buf.get(from..)?.iter().position(|&b| b == b'\r') {
        let at = from + i;
        if buf.get(at..at + 4) == Some(b"\r\n\r\n") {
            return Some(at + 4);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_defaults_follow_the_version() {
        assert!(
            parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(!parse(b"GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(
            parse(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            !parse(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
    }

    #[test]
    fn each_error_class_has_its_status() {
        let code = |raw: &[u8]| parse(raw).unwrap_err().status().0;
        assert_eq!(code(b"GARBAGE\r\n\r\n"), 400);
        assert_eq!(code(b"GET / HTTP/1.1\r\nno colon\r\n\r\n"), 400);
        assert_eq!(code(b"POST / HTTP/1.1\r\n\r\n"), 405);
        assert_eq!(code(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 413);
        assert_eq!(code(b"GET / HTTP/2.0\r\n\r\n"), 505);
        let many: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
        assert_eq!(
            code(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            431
        );
    }

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = std::env::temp_dir();
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(&root, "/%zz"), None);
    }

    #[test]
    fn query_strings_are_not_part_of_the_path() {
        assert_eq!(
            parse(b"GET /a.html?x=1 HTTP/1.1\r\n\r\n").unwrap().path,
            "/a.html"
        );
    }

    #[test]
    fn pipelined_heads_split_at_the_first_blank_line() {
        let two = b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        let n = head_end(two).unwrap();
        assert_eq!(parse(&two[..n]).unwrap().path, "/a");
        assert_eq!(parse(&two[n..]).unwrap().path, "/b");
    }
}
