//! Connecting by name: a lookup on the loop, then each address in turn.

use std::io;
use std::net::SocketAddr;

use super::TcpStream;
use crate::dns::{self, LookupResult};
use crate::{mkevent, tamed, twait, Event};

impl TcpStream {
    /// Connects to `port` on `host`, a name or an IP literal, and triggers
    /// `ev` with the stream: what tokio's `TcpStream::connect("host:port")`
    /// does, on the loop.
    ///
    /// The name is looked up with this thread's
    /// [`default_resolver`](crate::dns::default_resolver) (the hosts file,
    /// then the nameservers of `/etc/resolv.conf`; an IP literal needs no
    /// lookup), never with std's resolver, which would block the loop. Its
    /// addresses are then tried one at a time, in the order the lookup gave
    /// them (IPv4 before IPv6), until one connects. `host` may be an IPv6
    /// literal in brackets (`[::1]`), as in a URL.
    ///
    /// Each call looks the name up itself (nothing is cached or shared
    /// between calls, as with tokio's): a program that opens many
    /// connections to one host looks it up once
    /// ([`Resolver::lookup_ip`](crate::dns::Resolver::lookup_ip)) and
    /// connects to the address with [`connect`](TcpStream::connect).
    ///
    /// There is no timeout of its own, per address or overall, as with
    /// std's and tokio's `connect`: an address that drops the handshake
    /// (a firewall) is given up on by the kernel after about two minutes,
    /// and only then is the next tried. Wrap `ev` with
    /// [`add_timeout`](crate::add_timeout) to bound the whole attempt.
    ///
    /// # Errors
    ///
    /// Delivered through `ev`: a failed lookup, as the `io::Error` a
    /// [`crate::dns::Error`] converts to (its kind `NotFound`
    /// for a name that does not exist, `TimedOut`, `InvalidInput` for a
    /// name that cannot be asked for, `Other` when the nameservers failed
    /// or could not be reached, the kind of the OS error when the
    /// resolver's files could not be read (`EMFILE` opening
    /// `/etc/resolv.conf`, say); the `dns::Error` is its inner error);
    /// or, if no address connects, the last address's error
    /// (`ConnectionRefused`, say), of that kind, its message naming the
    /// host, the address and the OS error; its inner error is a
    /// [`ConnectError`], which keeps the OS error whole (its number, for
    /// the errors whose kind std cannot name: `EMFILE`, `ENOBUFS`). A `host` with a
    /// port in it (`"example.com:80"`) or an IPv6 zone (`"fe80::1%lo"`) is
    /// `InvalidInput`, at once.
    ///
    /// If `ev` dies untriggered (its rendezvous cancelled, a timeout gave
    /// up), the whole attempt is cancelled as a tamed function is: the
    /// lookup or the connect under way stops, no later address is tried.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::net::{TcpListener, TcpStream};
    /// use tame::{mkevent, tamed, twait, tvars};
    ///
    /// #[tamed]
    /// fn hello(port: u16) -> io::Result<()> {
    ///     tvars! { let mut conn: io::Result<TcpStream> = Err(io::ErrorKind::NotConnected.into()); }
    ///     twait! { TcpStream::connect_host("localhost", port, mkevent!(conn)); }
    ///     let conn = conn?;
    ///     assert!(conn.peer_addr()?.ip().is_loopback());
    ///     Ok(())
    /// }
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    /// let port = listener.local_addr().unwrap().port();
    /// assert!(matches!(tame::run_with(|done| hello(port, done)), Some(Ok(()))));
    /// ```
    pub fn connect_host(host: &str, port: u16, ev: Event<io::Result<TcpStream>>) {
        // Nobody would take the stream: no lookup, no connection.
        if !ev.is_live() {
            return;
        }
        match host_to_look_up(host) {
            Ok(host) => connect_by_name(host, port, ev),
            Err(e) => ev.trigger(Err(e)),
        }
    }
}

/// The name or literal to look up for `host`: what the lookup reads as a
/// literal or refuses (a port, an IPv6 zone), it reads so here, and what
/// it refuses is refused here, before the resolver is made.
fn host_to_look_up(host: &str) -> io::Result<String> {
    match dns::parse_host(host) {
        Ok(_) => Ok(host.to_owned()),
        Err(why) => {
            // The lookup's reason, and where the port goes.
            let hint = if why == dns::HOST_WITH_PORT {
                " (the port is the next argument)"
            } else {
                ""
            };
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{}`: {why}{hint}", dns::Escaped(host)),
            ))
        }
    }
}

/// The inner error of [`TcpStream::connect_host`]'s `io::Error` when no
/// address of the name connected: the name, the last address tried, and
/// its OS error, whole.
///
/// ```
/// use std::io;
/// use tame::net::{ConnectError, TcpStream};
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn try_port(port: u16) -> io::Result<TcpStream> {
///     let conn: io::Result<TcpStream>;
///     twait! { TcpStream::connect_host("127.0.0.1", port, mkevent!(conn)); }
///     conn
/// }
///
/// // A port nobody listens on.
/// let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
/// let e = tame::run_with(|done| try_port(port, done)).unwrap().unwrap_err();
/// assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
/// let why = e.get_ref().and_then(|e| e.downcast_ref::<ConnectError>()).unwrap();
/// assert_eq!(why.host(), "127.0.0.1");
/// assert_eq!(why.addr().port(), port);
/// assert!(why.io_error().raw_os_error().is_some()); // ECONNREFUSED
/// ```
#[derive(Debug)]
pub struct ConnectError {
    host: String,
    addr: SocketAddr,
    source: io::Error,
}

impl ConnectError {
    /// The name that was looked up.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The last address tried.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its connect's error, as the OS gave it
    /// ([`raw_os_error`](io::Error::raw_os_error) keeps the number).
    pub fn io_error(&self) -> &io::Error {
        &self.source
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            dns::Escaped(&self.host),
            self.addr,
            self.source
        )
    }
}

// `Display` writes the cause's message; its own source comes next (see
// `dns::Error`'s `source`), and the kind is the returned `io::Error`'s.
impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}

/// [`TcpStream::connect_host`]'s body: a lookup, then a connect per address
/// until one succeeds. It watches `ev`, so it is cancelled when `ev` dies.
#[tamed]
fn connect_by_name(host: String, port: u16, ev: Event<io::Result<TcpStream>>) {
    let resolver = match dns::resolver_for(&host) {
        Ok(r) => r,
        Err(source) => return ev.trigger(Err(dns::Error::io(host, source).into())),
    };
    // Stays as it is only if the lookup's event were dropped untriggered.
    let mut found: LookupResult = Err(dns::Error::NoResult { name: host.clone() });
    twait! { resolver.lookup_ip(&host, mkevent!(found)); }
    let addrs = match found {
        Ok(addrs) => addrs,
        Err(e) => return ev.trigger(Err(e.into())),
    };
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{host}: the lookup gave no address"),
    );
    for ip in addrs {
        let addr = SocketAddr::new(ip, port);
        let mut conn: io::Result<TcpStream> = Err(io::ErrorKind::NotConnected.into());
        twait! { TcpStream::connect(addr, mkevent!(conn)); }
        match conn {
            Ok(stream) => return ev.trigger(Ok(stream)),
            Err(source) => {
                let failed = ConnectError {
                    host: host.clone(),
                    addr,
                    source,
                };
                last = io::Error::new(failed.source.kind(), failed);
            }
        }
    }
    ev.trigger(Err(last));
}
