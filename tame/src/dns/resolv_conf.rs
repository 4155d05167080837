//! Reading the nameservers out of `/etc/resolv.conf`.
//!
//! Only `nameserver` lines are used (the stub resolver asks for names as
//! given: no search list, no `ndots`). With no usable line, the answer is
//! `127.0.0.1:53`, as the C library does.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The nameservers listed in the text of a resolv.conf, port 53, in order.
/// Comments (`#`, `;`), other options and unparsable addresses are skipped;
/// an IPv6 zone suffix (`%eth0`) is not supported and such a line is
/// skipped too.
pub(crate) fn parse(text: &str) -> Vec<SocketAddr> {
    let mut servers: Vec<SocketAddr> = text
        .lines()
        .filter_map(|line| {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            if words.next() != Some("nameserver") {
                return None;
            }
            let addr: IpAddr = words.next()?.parse().ok()?;
            Some(SocketAddr::new(addr, 53))
        })
        .collect();
    if servers.is_empty() {
        servers.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 53));
    }
    servers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_lines_are_read_in_order() {
        let text = "# generated\nsearch example.com\nnameserver 10.0.0.1\n\
                    nameserver  ::1 # local\n;nameserver 10.9.9.9\n\
                    nameserver fe80::1%eth0\nnameserver bogus\noptions ndots:2\n";
        assert_eq!(
            parse(text),
            vec![
                "10.0.0.1:53".parse::<SocketAddr>().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
    }

    #[test]
    fn no_nameserver_means_localhost() {
        assert_eq!(parse(""), vec!["127.0.0.1:53".parse().unwrap()]);
    }
}
