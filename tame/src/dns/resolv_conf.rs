//! Reading the nameservers out of `/etc/resolv.conf`.
//!
//! Only `nameserver` lines are used (the stub resolver asks for names as
//! given: no search list, no `ndots`, no `options timeout:`/`attempts:`).
//! With no usable line, the answer is `127.0.0.1:53`, as the C library
//! does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

/// The most nameservers read, as glibc's `MAXNS`: later lines are ignored.
pub(crate) const MAX_NAMESERVERS: usize = 3;

/// The nameservers listed in the text of a resolv.conf, port 53, in order,
/// the first [`MAX_NAMESERVERS`] usable ones, read as glibc's `res_init`
/// reads them: a line that starts with `nameserver` and a space or a tab
/// (so not one indented), then the address, up to the next blank (what
/// follows is ignored). The address is IPv4 in any form `inet_aton` takes
/// whole (`10.0.0.1`, `127.1`, `0x7f000001`), or IPv6, with a zone
/// (`fe80::1%eth0`, or `%2` by index): an interface name is turned into its
/// index; a line whose interface does not exist is skipped. Comment lines
/// (`#` or `;` first), other options and lines whose address does not read
/// (`10.0.0.1#dns`) are skipped.
pub(crate) fn parse(text: &str) -> Vec<SocketAddr> {
    parse_with(text, interface_index)
}

/// [`parse`], with `index` giving the index of an interface name.
fn parse_with(text: &str, index: impl Fn(&str) -> Option<u32>) -> Vec<SocketAddr> {
    // Lines end at `\n` only: a `\r` before it is part of the address, which
    // then does not read, as in glibc (a file with CRLF line ends gives
    // `127.0.0.1`, as for the other programs of the machine).
    let mut servers: Vec<SocketAddr> = text
        .split('\n')
        .filter_map(|line| {
            let rest = line.strip_prefix("nameserver")?;
            if !rest.starts_with([' ', '\t']) {
                return None;
            }
            let word = rest.trim_start_matches([' ', '\t']);
            let word = word.split([' ', '\t']).next()?;
            if let Some(v4) = super::host::numbers_and_dots(word) {
                return Some(SocketAddr::new(IpAddr::V4(v4), 53));
            }
            if let Some((addr, zone)) = word.split_once('%') {
                let addr: Ipv6Addr = addr.parse().ok()?;
                let scope = match zone.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => index(zone)?,
                };
                return Some(SocketAddrV6::new(addr, 53, 0, scope).into());
            }
            let addr: Ipv6Addr = word.parse().ok()?;
            Some(SocketAddr::new(IpAddr::V6(addr), 53))
        })
        .take(MAX_NAMESERVERS)
        .collect();
    if servers.is_empty() {
        servers.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 53));
    }
    servers
}

/// The index of the network interface `name` (glibc's `if_nametoindex`
/// asks the kernel the same way, with an ioctl on a throwaway socket), or
/// `None` if there is no such interface.
fn interface_index(name: &str) -> Option<u32> {
    use rustix::net::{socket_with, AddressFamily, SocketFlags, SocketType};
    let sock = socket_with(
        AddressFamily::INET,
        SocketType::DGRAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .ok()?;
    rustix::net::netdevice::name_to_index(&sock, name)
        .ok()
        .filter(|&i| i != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_lines_are_read_in_order() {
        let text = "# generated\nsearch example.com\nnameserver 10.0.0.1\n\
                    nameserver  ::1 # local\n;nameserver 10.9.9.9\n\
                    nameserver bogus\noptions ndots:2\n";
        assert_eq!(
            parse(text),
            vec![
                "10.0.0.1:53".parse::<SocketAddr>().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
    }

    #[test]
    fn lines_are_read_as_glibc_reads_them() {
        let ns =
            |text: &str| -> Vec<String> { parse(text).iter().map(ToString::to_string).collect() };
        // inet_aton's shorter forms.
        assert_eq!(ns("nameserver 127.2\n"), ["127.0.0.2:53"]);
        assert_eq!(ns("nameserver\t0x7f000003\n"), ["127.0.0.3:53"]);
        // An address that does not read whole, or a line indented: skipped.
        let skipped = "nameserver 10.0.0.1#dns\nnameserver 10.0.0.2;x\n  nameserver 10.0.0.3\n\
                       nameservers 10.0.0.4\nnameserver 10.0.0.5 trailing words\n";
        assert_eq!(ns(skipped), ["10.0.0.5:53"]);
        // A CRLF line end: the `\r` is part of the address, which does not
        // read (glibc then asks 127.0.0.1, as here).
        assert_eq!(ns("nameserver 192.0.2.53\r\n"), ["127.0.0.1:53"]);
        assert_eq!(
            ns("nameserver ::1\r\nnameserver 192.0.2.54\n"),
            ["192.0.2.54:53"]
        );
    }

    #[test]
    fn no_nameserver_means_localhost() {
        assert_eq!(parse(""), vec!["127.0.0.1:53".parse().unwrap()]);
    }

    #[test]
    fn a_zone_is_the_scope_of_the_address() {
        let index = |name: &str| (name == "eth0").then_some(7);
        let text = "nameserver fe80::1%eth0\nnameserver fe80::2%3\n\
                    nameserver fe80::3%nosuch0\nnameserver 10.0.0.1%eth0\n";
        let scoped = |ip: &str, scope| {
            SocketAddr::from(SocketAddrV6::new(ip.parse().unwrap(), 53, 0, scope))
        };
        assert_eq!(
            parse_with(text, index),
            vec![scoped("fe80::1", 7), scoped("fe80::2", 3)]
        );
        // The only line, its interface unknown: as if there were none.
        assert_eq!(
            parse_with("nameserver fe80::3%nosuch0\n", index),
            vec!["127.0.0.1:53".parse().unwrap()]
        );
        // The kernel's own names: the loopback interface exists everywhere.
        let lo = parse("nameserver fe80::1%lo\n");
        assert!(
            matches!(lo[..], [SocketAddr::V6(a)] if a.scope_id() != 0 && a.ip() == &"fe80::1".parse::<Ipv6Addr>().unwrap()),
            "{lo:?}"
        );
    }

    #[test]
    fn at_most_three_nameservers_are_read_as_glibc_reads_them() {
        let text = "nameserver bogus\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n\
                    nameserver 10.0.0.3\nnameserver 10.0.0.4\n";
        let ns: Vec<String> = parse(text).iter().map(ToString::to_string).collect();
        assert_eq!(ns, ["10.0.0.1:53", "10.0.0.2:53", "10.0.0.3:53"]);
    }
}
