//! A DNS stub resolver on the loop, and the paper's `gethost_ev`.
//!
//! * [`Resolver`]: answers from a hosts file (`/etc/hosts` for the
//!   system's resolver), else asks nameservers over UDP
//!   ([`tame::net::UdpSocket`](crate::net::UdpSocket)) for A and AAAA
//!   records, with random ids and source ports, strict matching of
//!   replies, and retransmission with backoff until a total deadline; a
//!   truncated reply (TC set) is asked again over TCP
//!   ([`tame::net::TcpStream`](crate::net::TcpStream)) of the same
//!   nameserver, as glibc does (RFC 7766). Each lookup is a `#[tamed]`
//!   function.
//! * [`gethost_ev`]: the paper's `gethost_ev(name, ev)`, over this thread's
//!   default resolver ([`set_default_resolver`], else `/etc/resolv.conf`).
//! * [`Error`]: why a lookup failed, naming the name.
//! * [`server`]: a small DNS server on the loop, for tests and demos (a
//!   `#[tamed]` function too).
//! * [`wire`]: the message format, encoding and decoding.
//!
//! What it does not do: EDNS (so a reply over UDP is at most 512 octets,
//! and a longer one comes truncated and is read over TCP, as is a datagram
//! of 4096 octets or more, which a lookup does not read whole), DNSSEC,
//! search lists, caching. Names are asked for as written
//! (with or without a trailing dot): of `/etc/resolv.conf`, only the
//! `nameserver` lines are read (`search`, `ndots` and `options
//! timeout:`/`attempts:` are not applied).
//!
//! Lookups retransmit on the loop's clock. Under a paused clock
//! ([`tame::time::pause`](crate::time::pause)) a lookup asking a
//! nameserver on another thread or process times out in virtual time
//! while the reply is on its way: run the test [`server`] on the same loop
//! ([`server::Builder::start`]) instead, or do not pause.
//!
//! # Examples
//!
//! Resolve three names in parallel against a server running on the same
//! loop, with a plain callback:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use tame::dns::{server::Server, Resolver};
//!
//! let srv = Server::builder()
//!     .host("a.test", "10.0.0.1".parse().unwrap())
//!     .host("b.test", "fd00::2".parse().unwrap())
//!     .start()
//!     .unwrap();
//! let resolver = Resolver::new(vec![srv.local_addr()]);
//! let results = Rc::new(RefCell::new(Vec::new()));
//! for name in ["a.test", "b.test", "nope.test"] {
//!     let (results, srv) = (results.clone(), srv.clone());
//!     resolver.lookup_ip(name, tame::Event::from_fn(move |res: Option<tame::dns::LookupResult>| {
//!         let mut results = results.borrow_mut();
//!         results.push(res.unwrap().map_err(|e| e.to_string()));
//!         if results.len() == 3 {
//!             srv.stop(); // lets tame::run() return
//!         }
//!     }));
//! }
//! tame::run();
//! let results = results.borrow();
//! assert!(results.contains(&Ok(vec!["10.0.0.1".parse().unwrap()])));
//! assert!(results.contains(&Ok(vec!["fd00::2".parse().unwrap()])));
//! assert!(results.contains(&Err("nope.test: no such domain (NXDOMAIN)".into())));
//! ```

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::net::IpAddr;

use crate::{mkevent, tamed, tvars, twait, Event};

mod host;
mod hosts;
mod resolv_conf;
mod resolver;
pub mod server;
mod tcp;
pub mod wire;

pub(crate) use host::{parse_host, HOST_WITH_PORT};
#[doc(hidden)]
pub use resolver::__replies;
pub use resolver::__reply_addresses;
pub use resolver::Resolver;

/// What a lookup delivers: the addresses (IPv4 first), or why not.
///
/// # Examples
///
/// ```
/// let ev = tame::Event::from_fn(|res: Option<tame::dns::LookupResult>| {
///     assert!(res.unwrap().is_ok());
/// });
/// ev.trigger(Ok(vec!["127.0.0.1".parse().unwrap()]));
/// ```
pub type LookupResult = Result<Vec<IpAddr>, Error>;

/// Why a lookup failed. Every variant names the name that was looked up,
/// as it was given (`"x.test."` with its trailing dot), and `Display` says
/// which name and why (the empty name as `""`, and a name with a space at
/// an end in quotes, `"127.0.0.1 "`, so that the space shows; a character that is not
/// printable, and a backslash, escaped as `{:?}` escapes them: `\t`, `\0`,
/// `\u{1b}`, `\\`, so that a name from anywhere cannot garble the message).
///
/// # Examples
///
/// ```
/// let e = tame::dns::Error::Timeout { name: "example.com".into() };
/// assert_eq!(e.to_string(), "example.com: no matching reply from any nameserver before the deadline");
/// assert_eq!(e.name(), "example.com");
///
/// let e = tame::dns::Error::InvalidName { name: "".into(), reason: "empty name" };
/// assert_eq!(e.to_string(), r#""": not a valid name: empty name"#);
///
/// let e = tame::dns::Error::NxDomain { name: "example.com ".into() };
/// assert_eq!(e.to_string(), r#""example.com ": no such domain (NXDOMAIN)"#);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The name does not exist (response code 3).
    NxDomain {
        /// The name looked up.
        name: String,
    },
    /// The nameserver failed to answer (response code 2).
    ServFail {
        /// The name looked up.
        name: String,
    },
    /// The nameserver refused to answer (response code 5).
    Refused {
        /// The name looked up.
        name: String,
    },
    /// Another response code (FORMERR and NOTIMP named in the message).
    ///
    /// ```
    /// let e = tame::dns::Error::Rcode { name: "a.test".into(), rcode: 4 };
    /// assert_eq!(e.to_string(), "a.test: nameserver answered with response code 4 (NOTIMP)");
    /// ```
    Rcode {
        /// The name looked up.
        name: String,
        /// The response code.
        rcode: u8,
    },
    /// No matching reply came before the deadline.
    Timeout {
        /// The name looked up.
        name: String,
    },
    /// No usable answer came from a nameserver that replied: a reply that
    /// matched the query (source, id, question) could not be parsed, its
    /// CNAME chain was too long or looped, or it came truncated and its
    /// retry over TCP gave no usable reply (one that does not match, cut
    /// short, or truncated again). `reason` says which. A retry that could
    /// not connect is [`Error::Unreachable`]; one unanswered by the
    /// deadline, [`Error::Timeout`].
    Malformed {
        /// The name looked up.
        name: String,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The name exists but has neither A nor AAAA records.
    NoAddresses {
        /// The name looked up.
        name: String,
    },
    /// The name cannot be asked for (empty label, label over 63 octets,
    /// more than 255 octets, a character that is not printable ASCII).
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No result was delivered: the lookup's event was dropped untriggered
    /// (for instance its rendezvous was cancelled). The resolver never
    /// triggers an event with it; it is the value to put in a slot place
    /// before `mkevent!(r, id, a[i])`, since a dropped event leaves its
    /// slot as it was.
    ///
    /// ```
    /// use tame::dns::{Error, LookupResult};
    /// let names = ["a.test", "b.test"];
    /// let a: Vec<LookupResult> = names.iter().map(|n| Err(Error::NoResult { name: n.to_string() })).collect();
    /// assert_eq!(a[1].as_ref().unwrap_err().to_string(), "b.test: no result (the lookup was cancelled)");
    /// ```
    NoResult {
        /// The name looked up.
        name: String,
    },
    /// The nameserver could not be reached: asking it drew an ICMP error
    /// (its port closed, its host or network unreachable or down, a
    /// firewall's rule refusing it), or any other error on the socket
    /// asking it, as glibc's resolver takes one; there is no
    /// route to it, or the retry over TCP that a truncated reply asks for
    /// failed (refused, reset). Like [`Error::ServFail`] and [`Error::Refused`], this
    /// says something about the nameserver, not the name; as an
    /// `io::Error` its kind is `Other`, not the kind of `source`
    /// (`ConnectionRefused`, ...), which would read as the refusal of
    /// whatever the name was looked up for.
    ///
    /// ```
    /// let e = tame::dns::Error::Unreachable {
    ///     name: "db.test".into(),
    ///     nameserver: "127.0.0.1:53".parse().unwrap(),
    ///     source: std::io::ErrorKind::ConnectionRefused.into(),
    /// };
    /// assert_eq!(e.to_string(), "db.test: nameserver 127.0.0.1:53 unreachable: connection refused");
    /// assert_eq!(std::io::Error::from(e).kind(), std::io::ErrorKind::Other);
    /// ```
    Unreachable {
        /// The name looked up.
        name: String,
        /// The nameserver that could not be reached (the first of them,
        /// if every one failed so).
        nameserver: std::net::SocketAddr,
        /// What the socket said.
        source: io::Error,
    },
    /// A socket operation failed, or there is no nameserver to ask. Make it
    /// with [`Error::io`], which keeps the name inside the `io::Error`
    /// (so that `Display` and [`name`](Error::name) can say it).
    Io(io::Error),
}

/// The payload of an [`Error::Io`]'s `io::Error`: the name and the cause.
#[derive(Debug)]
struct NamedIo {
    name: String,
    source: io::Error,
}

impl fmt::Display for NamedIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)
    }
}

// Its `Display` is its cause's message: the cause's own source comes next
// (as `io::Error` does for the error it wraps), not the cause again, which
// a reader of the chain would print twice.
impl std::error::Error for NamedIo {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}

impl Error {
    /// An [`Error::Io`] for the lookup of `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// let e = tame::dns::Error::io("x.test", io::Error::new(io::ErrorKind::Other, "boom"));
    /// assert_eq!(e.to_string(), "x.test: boom");
    /// assert!(matches!(&e, tame::dns::Error::Io(inner) if inner.kind() == io::ErrorKind::Other));
    /// ```
    pub fn io(name: impl Into<String>, source: io::Error) -> Error {
        let kind = source.kind();
        Error::Io(io::Error::new(
            kind,
            NamedIo {
                name: name.into(),
                source,
            },
        ))
    }

    /// The name whose lookup failed (empty for an [`Error::Io`] made without
    /// one, not by [`Error::io`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = tame::dns::Error::NxDomain { name: "x.test".into() };
    /// assert_eq!(e.name(), "x.test");
    /// ```
    pub fn name(&self) -> &str {
        match self {
            Error::NxDomain { name }
            | Error::ServFail { name }
            | Error::Refused { name }
            | Error::Rcode { name, .. }
            | Error::Timeout { name }
            | Error::Malformed { name, .. }
            | Error::NoAddresses { name }
            | Error::InvalidName { name, .. }
            | Error::Unreachable { name, .. }
            | Error::NoResult { name } => name,
            Error::Io(e) => e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<NamedIo>())
                .map_or("", |n| n.name.as_str()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An empty name would leave the message starting with a bare colon.
        // An `Io` made without a name (not by `Error::io`) names none.
        let named = !matches!(self, Error::Io(e)
            if e.get_ref().is_none_or(|inner| !inner.is::<NamedIo>()));
        match self.name() {
            _ if !named => {}
            "" => f.write_str("\"\": ")?,
            // A space at an end (a copied name's trailing one) would not
            // show.
            name if name.starts_with(' ') || name.ends_with(' ') => {
                write!(f, "\"{}\": ", Escaped(name))?
            }
            name => write!(f, "{}: ", Escaped(name))?,
        }
        match self {
            Error::NxDomain { .. } => f.write_str("no such domain (NXDOMAIN)"),
            Error::ServFail { .. } => f.write_str("nameserver failure (SERVFAIL)"),
            Error::Refused { .. } => f.write_str("the nameserver refused the query (REFUSED)"),
            Error::Rcode { rcode, .. } => {
                write!(f, "nameserver answered with response code {rcode}")?;
                match *rcode {
                    wire::RCODE_FORMERR => f.write_str(" (FORMERR)"),
                    wire::RCODE_NOTIMP => f.write_str(" (NOTIMP)"),
                    _ => Ok(()),
                }
            }
            Error::Timeout { .. } => {
                f.write_str("no matching reply from any nameserver before the deadline")
            }
            Error::Malformed { reason, .. } => write!(f, "malformed reply: {reason}"),
            Error::NoAddresses { .. } => f.write_str("the name has no A or AAAA records"),
            Error::InvalidName { reason, .. } => write!(f, "not a valid name: {reason}"),
            Error::NoResult { .. } => f.write_str("no result (the lookup was cancelled)"),
            Error::Unreachable {
                nameserver, source, ..
            } => write!(f, "nameserver {nameserver} unreachable: {source}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

/// A name as `Display` writes it: what is not printable (a tab, a NUL, an
/// escape that would drive a terminal) and the backslash escaped as `{:?}`
/// escapes them; the rest, quotes and non-ASCII letters among it, as is.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '"' | '\'' => write!(f, "{c}")?,
                c => write!(f, "{}", c.escape_debug())?,
            }
        }
        Ok(())
    }
}

/// `Display` writes the message of an [`Error::Io`]'s or an
/// [`Error::Unreachable`]'s `io::Error`, so `source()` is that error's own
/// source, as `io::Error`'s is for the error it wraps: a report that walks
/// the chain (`{:#}` of anyhow) says each cause once. The `io::Error`
/// itself is the variant's field.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) | Error::Unreachable { source: e, .. } => e.source(),
            _ => None,
        }
    }
}

/// So that `?` on an `io::Result` works in a function returning
/// `Result<T, dns::Error>`: an [`Error::Io`] that names no name (make one
/// with [`Error::io`] to name it).
///
/// ```
/// fn read_config(path: &str) -> Result<String, tame::dns::Error> {
///     Ok(std::fs::read_to_string(path)?)
/// }
/// let e = read_config("/no/such/file").unwrap_err();
/// assert!(matches!(&e, tame::dns::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound));
/// assert_eq!(e.name(), "");
/// ```
/// An `io::Error` made from a lookup's error (by `?` in a function that
/// returns `io::Result`) gives that error back, variant and all.
///
/// ```
/// use std::io;
/// use tame::dns::Error;
///
/// let e: io::Error = Error::Timeout { name: "x.test".into() }.into();
/// assert_eq!(e.kind(), io::ErrorKind::TimedOut);
/// let back = Error::from(e);
/// assert!(matches!(&back, Error::Timeout { .. }));
/// assert_eq!(back.name(), "x.test");
/// ```
impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        match e.get_ref() {
            Some(inner) if inner.is::<Error>() => {
                let inner = e.into_inner().and_then(|b| b.downcast::<Error>().ok());
                *inner.expect("an io::Error holding a lookup's error")
            }
            _ => Error::Io(e),
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match &e {
            Error::Timeout { .. } => io::ErrorKind::TimedOut,
            Error::NxDomain { .. } | Error::NoAddresses { .. } => io::ErrorKind::NotFound,
            Error::InvalidName { .. } => io::ErrorKind::InvalidInput,
            Error::Malformed { .. } => io::ErrorKind::InvalidData,
            Error::Io(e) => e.kind(),
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

thread_local! {
    static DEFAULT: RefCell<Option<Resolver>> = const { RefCell::new(None) };
}

/// Makes `resolver` the one [`gethost_ev`] uses on this thread.
///
/// # Examples
///
/// ```
/// use tame::dns::{self, Resolver};
/// dns::set_default_resolver(Resolver::new(vec!["127.0.0.1:5353".parse().unwrap()]));
/// assert_eq!(dns::default_resolver().unwrap().nameservers(), ["127.0.0.1:5353".parse().unwrap()]);
/// ```
pub fn set_default_resolver(resolver: Resolver) {
    // At thread exit (a callback of a dropped event) there is nothing left
    // to set it for.
    let _ = DEFAULT.try_with(|d| *d.borrow_mut() = Some(resolver));
}

/// This thread's default resolver: the one given to
/// [`set_default_resolver`], else the system's (made once, see
/// [`Resolver::from_system`]: `/etc/hosts`, then `/etc/resolv.conf`).
///
/// # Errors
///
/// If there is none yet and `/etc/resolv.conf` exists and cannot be read
/// (see [`Resolver::from_system`]).
///
/// # Examples
///
/// ```no_run
/// let r = tame::dns::default_resolver().unwrap();
/// println!("asking {:?}", r.nameservers());
/// ```
pub fn default_resolver() -> io::Result<Resolver> {
    if let Some(r) = DEFAULT.try_with(|d| d.borrow().clone()).ok().flatten() {
        return Ok(r);
    }
    let r = Resolver::from_system()?;
    set_default_resolver(r.clone());
    Ok(r)
}

/// The resolver that looks `name` up: this thread's default one, or, if
/// the system's files cannot be read, for a name that needs none (an IP
/// literal, or what [`Resolver::lookup_ip`] refuses without a query), one
/// with nothing configured: a literal never waits on `/etc/hosts`.
pub(crate) fn resolver_for(name: &str) -> io::Result<Resolver> {
    or_for_literal(default_resolver(), name)
}

/// [`resolver_for`] given the default resolver's result.
fn or_for_literal(default: io::Result<Resolver>, name: &str) -> io::Result<Resolver> {
    match default {
        Ok(r) => Ok(r),
        Err(_) if !matches!(parse_host(name), Ok(None)) => Ok(Resolver::new(Vec::new())),
        Err(e) => Err(e),
    }
}

/// The paper's `gethost_ev`: looks up `name` with this thread's
/// [`default_resolver`] and triggers `ev` with its addresses.
///
/// A `#[tamed]` function, written as in the paper: it waits for the
/// resolver's event in a `twait!{}` block, then triggers its own.
///
/// # Examples
///
/// ```
/// use tame::dns::{self, server::Server, Resolver};
///
/// let srv = Server::builder().host("paper.test", "10.9.8.7".parse().unwrap()).start().unwrap();
/// dns::set_default_resolver(Resolver::new(vec![srv.local_addr()]));
/// let stop = srv.clone();
/// dns::gethost_ev("paper.test".into(), tame::Event::from_fn(move |res: Option<dns::LookupResult>| {
///     let addrs = res.unwrap().unwrap();
///     assert_eq!(addrs, ["10.9.8.7".parse::<std::net::IpAddr>().unwrap()]);
///     stop.stop();
/// }));
/// tame::run();
/// ```
#[tamed]
pub fn gethost_ev(name: String, ev: Event<LookupResult>) {
    // Stays as it is if the lookup's event were dropped untriggered.
    tvars! { let mut res: LookupResult = Err(Error::NoResult { name: name.clone() }); }
    match resolver_for(&name) {
        Ok(resolver) => {
            twait! { resolver.lookup_ip(&name, mkevent!(res)); }
        }
        Err(source) => res = Err(Error::io(name, source)),
    }
    ev.trigger(res);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_is_read_even_if_the_systems_files_cannot_be() {
        let unreadable = || {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "/etc/hosts: bad",
            ))
        };
        for literal in ["127.0.0.1", "::1", "[::1]"] {
            let r = or_for_literal(unreadable(), literal).unwrap();
            let got = crate::run_with(|done| r.lookup_ip(literal, done)).unwrap();
            assert_eq!(got.unwrap().len(), 1, "{literal}");
        }
        let err = or_for_literal(unreadable(), "example.test").unwrap_err();
        assert_eq!(err.to_string(), "/etc/hosts: bad");
    }

    #[test]
    fn an_io_error_made_without_a_name_names_none() {
        let bare = Error::Io(io::Error::other("x"));
        assert_eq!(bare.to_string(), "x");
        assert_eq!(bare.name(), "");
        let named = Error::io("", io::Error::other("x"));
        assert_eq!(named.to_string(), "\"\": x");
    }

    #[test]
    fn display_escapes_what_is_not_printable_in_the_name() {
        let e = Error::NxDomain {
            name: "a\tb\0c\u{1b}[2J\\.test".into(),
        };
        assert_eq!(
            e.to_string(),
            r"a\tb\0c\u{1b}[2J\\.test: no such domain (NXDOMAIN)"
        );
        assert_eq!(
            e.name(),
            "a\tb\0c\u{1b}[2J\\.test",
            "the name stays as given"
        );
        // Printable text, quotes and letters beyond ASCII among it, as is.
        let e = Error::io("café's \"x\".test", io::Error::other("boom"));
        assert_eq!(e.to_string(), "café's \"x\".test: boom");
    }
}
