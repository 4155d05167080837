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
    /// them (IPv4 before IPv6), until one connects.
    ///
    /// # Errors
    ///
    /// Delivered through `ev`: a failed lookup, as the `io::Error` a
    /// [`dns::Error`](crate::dns::Error) converts to (its kind `NotFound`
    /// for a name that does not exist, `TimedOut`, `InvalidInput` for a
    /// name that cannot be asked for; the `dns::Error` is its inner error);
    /// or, if no address connects, the last address's error
    /// (`ConnectionRefused`, say).
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
        connect_by_name(host.to_owned(), port, ev);
    }
}

/// [`TcpStream::connect_host`]'s body: a lookup, then a connect per address
/// until one succeeds. It watches `ev`, so it is cancelled when `ev` dies.
#[tamed]
fn connect_by_name(host: String, port: u16, ev: Event<io::Result<TcpStream>>) {
    let resolver = match dns::default_resolver() {
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
        let mut conn: io::Result<TcpStream> = Err(io::ErrorKind::NotConnected.into());
        twait! { TcpStream::connect(SocketAddr::new(ip, port), mkevent!(conn)); }
        match conn {
            Ok(stream) => return ev.trigger(Ok(stream)),
            Err(e) => last = e,
        }
    }
    ev.trigger(Err(last));
}
