//! The hosts file (`/etc/hosts`): names answered before any nameserver is
//! asked, as the system resolver does with the usual `hosts: files dns` of
//! `/etc/nsswitch.conf` (which tame does not read: nor does it ask NSS
//! modules such as `myhostname` or `mdns`).

use std::collections::HashMap;
use std::net::IpAddr;

/// Names and their addresses, from a hosts file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hosts {
    /// Lowercase name, as written (a trailing dot kept) → addresses in
    /// file order.
    names: HashMap<String, Vec<IpAddr>>,
}

impl Hosts {
    /// Parses the text of a hosts file: `ADDRESS NAME [ALIAS...]` per line,
    /// `#` starts a comment; lines whose address does not parse (a zone
    /// suffix, say) are skipped.
    pub(crate) fn parse(text: &str) -> Hosts {
        let mut names: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            // The C locale's `isspace` blanks only, as glibc splits (a
            // vertical tab among them, which Rust's ASCII whitespace is
            // not): a no-break space is part of a name (which no lookup can
            // ask for then).
            let mut words = line
                .split(|c: char| c == ' ' || ('\t'..='\r').contains(&c))
                .filter(|w| !w.is_empty());
            let Some(Ok(addr)) = words.next().map(str::parse::<IpAddr>) else {
                continue;
            };
            for name in words {
                let addrs = names.entry(name.to_ascii_lowercase()).or_default();
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
            }
        }
        Hosts { names }
    }

    /// The addresses of `name`, IPv4 first (the order lookups deliver), if
    /// the file names it: as written, in any case, or, for a name asked
    /// with a trailing dot, also without it (`localhost.` finds
    /// `localhost`). An entry written with the dot (`db.`) answers only a
    /// name asked with it, as glibc's does.
    pub(crate) fn lookup(&self, name: &str) -> Option<Vec<IpAddr>> {
        let name = name.to_ascii_lowercase();
        let addrs = self.names.get(&name).or_else(|| {
            // (One dot only: `db..` has an empty label, which no entry
            // answers.)
            let bare = name.strip_suffix('.').filter(|n| !n.ends_with('.'))?;
            self.names.get(bare)
        })?;
        let mut out: Vec<IpAddr> = addrs.iter().copied().filter(IpAddr::is_ipv4).collect();
        out.extend(addrs.iter().copied().filter(IpAddr::is_ipv6));
        Some(out)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Hosts;

    #[test]
    fn names_and_aliases_answer_ipv4_first_case_insensitively() {
        let h = Hosts::parse(
            "# comment\n::1 localhost ip6-localhost\n127.0.0.1\tlocalhost  # v4\n\
             10.0.0.2 db.test DB # alias\nfe80::1%eth0 linklocal\nnot-an-ip name\n",
        );
        assert_eq!(
            h.lookup("LocalHost.").unwrap(),
            [
                "127.0.0.1".parse::<std::net::IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        assert_eq!(
            h.lookup("db").unwrap(),
            ["10.0.0.2".parse::<std::net::IpAddr>().unwrap()]
        );
        assert!(h.lookup("linklocal").is_none());
        assert!(h.lookup("name").is_none());
        assert!(h.lookup("other").is_none());
    }

    #[test]
    fn an_entry_written_with_a_trailing_dot_answers_only_a_name_asked_with_it() {
        let h = Hosts::parse(
            "10.0.0.6 dotted.
10.0.0.1 .
",
        );
        assert_eq!(
            h.lookup("Dotted.").unwrap(),
            ["10.0.0.6".parse::<std::net::IpAddr>().unwrap()]
        );
        assert!(h.lookup("dotted").is_none(), "glibc asks DNS for it");
        assert!(h.lookup("").is_none());
        assert!(h.lookup("dotted..").is_none() && h.lookup("..").is_none());
    }
}
