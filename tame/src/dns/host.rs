//! Host text: an IP literal in any form the system's resolver reads as
//! one, or a name to look up, or neither (with the reason).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a host with a port in it is not one ([`parse_host`]'s error).
pub(crate) const HOST_WITH_PORT: &str =
    "it has a port (`host:port`): give a host name or an IP address alone";

/// Why a URL is not a host ([`parse_host`]'s error).
const HOST_IN_URL: &str = "a URL: give its host name or IP address alone";

/// Why an IPv6 address with a zone is not a host ([`parse_host`]'s error).
const HOST_WITH_ZONE: &str = "an IPv6 address with a zone is not supported";

/// Reads `host` as [`Resolver::lookup_ip`](super::Resolver::lookup_ip) and
/// [`TcpStream::connect_host`](crate::net::TcpStream::connect_host) both
/// do: `Some` IP literal (an IPv6 one may be in brackets, `[::1]`, as in a
/// URL), or `None`, a name to look up. What is neither is refused, with
/// the reason: a name with a port in it, an IPv6 address with a zone
/// (which a `Vec<IpAddr>` has no room for), an unmatched bracket, and a
/// colon that is not part of an IPv6 address (no name has one).
pub(crate) fn parse_host(host: &str) -> Result<Option<IpAddr>, &'static str> {
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.strip_suffix(']') {
            Some(inner) => match inner.parse::<Ipv6Addr>() {
                Ok(ip) => Ok(Some(IpAddr::V6(ip))),
                Err(_) if inner.contains('%') => Err(HOST_WITH_ZONE),
                Err(_) => Err("not an IPv6 address in brackets"),
            },
            None if rest.contains("]:") => Err(HOST_WITH_PORT),
            None => Err("a '[' without its closing ']'"),
        };
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Some(ip));
    }
    if let Some(ip) = numbers_and_dots(host) {
        return Ok(Some(IpAddr::V4(ip)));
    }
    if host.contains(']') {
        return Err("a ']' without its opening '['");
    }
    if !host.contains(':') {
        return Ok(None);
    }
    if host.contains('%') {
        return Err(HOST_WITH_ZONE);
    }
    if host
        .strip_suffix('.')
        .is_some_and(|h| h.parse::<Ipv6Addr>().is_ok())
    {
        // An IPv4 address with a trailing dot is a name (glibc asks for
        // it); one with colons cannot be.
        return Err("an IPv6 address with a trailing dot");
    }
    if host.contains("://") {
        return Err(HOST_IN_URL);
    }
    match host.matches(':').count() {
        // `name:port`, `1.2.3.4:port`.
        1 => Err(HOST_WITH_PORT),
        _ => Err("not an IPv6 address, and a name has no ':'"),
    }
}

/// An IPv4 address in one of the shorter forms `inet_aton` reads, and so
/// glibc's `getaddrinfo` (and std's `ToSocketAddrs`, through it) before it
/// would ask a nameserver: one to four parts, each decimal, octal (`0`
/// first) or hexadecimal (`0x` first), the last filling the bits the
/// others leave (`127.1` is 127.0.0.1, `0x7f000001` too, `10.1.257`
/// 10.1.1.1). `None` for anything else, which is then a name.
pub(super) fn numbers_and_dots(host: &str) -> Option<Ipv4Addr> {
    let mut parts = Vec::with_capacity(4);
    for part in host.split('.') {
        let (digits, radix) = match part.as_bytes() {
            [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
            [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
            digits => (digits, 10),
        };
        // (An empty part, or a sign `from_str_radix` would take, is no
        // number here.)
        if digits.is_empty() || !digits.iter().all(|d| (*d as char).is_digit(radix)) {
            return None;
        }
        let text = std::str::from_utf8(digits).ok()?;
        parts.push(u32::from_str_radix(text, radix).ok()?);
        if parts.len() > 4 {
            return None;
        }
    }
    let (last, first) = parts.split_last()?;
    // Each part but the last is one octet; the last fills the rest.
    let rest_bits = 32 - 8 * first.len() as u32;
    if first.iter().any(|&p| p > 0xff) || (rest_bits < 32 && *last >> rest_bits != 0) {
        return None;
    }
    let high = first.iter().fold(0u32, |acc, &p| acc << 8 | p);
    let high = high.checked_shl(rest_bits).unwrap_or(0);
    Some(Ipv4Addr::from(high | last))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_numbers_and_dots_forms_are_ipv4_literals_as_glibc_reads_them() {
        use super::numbers_and_dots as n;
        let ip = |s: &str| s.parse::<std::net::Ipv4Addr>().unwrap();
        assert_eq!(n("127.1"), Some(ip("127.0.0.1")));
        assert_eq!(n("10.1.257"), Some(ip("10.1.1.1")));
        assert_eq!(n("0x7f000001"), Some(ip("127.0.0.1")));
        assert_eq!(n("2130706433"), Some(ip("127.0.0.1")));
        assert_eq!(n("1234"), Some(ip("0.0.4.210")));
        assert_eq!(n("127.000.000.001"), Some(ip("127.0.0.1")));
        assert_eq!(n("0177.0.0.1"), Some(ip("127.0.0.1")));
        assert_eq!(n("0"), Some(ip("0.0.0.0")));
        assert_eq!(n("255.255.255.255"), Some(ip("255.255.255.255")));
        assert_eq!(n("4294967295"), Some(ip("255.255.255.255")));
        for name in [
            "",
            ".",
            "1.",
            ".1",
            "1..2",
            "1.2.3.4.5",
            "256.1",
            "1.2.3.256",
            "1.65536.1",
            "4294967296",
            "0x",
            "08",
            "1e3",
            "+1",
            "-1",
            "a.b",
            "127.0.0.1x",
            "0x1g",
            "１２",
        ] {
            assert_eq!(n(name), None, "{name:?}");
        }
    }
}
