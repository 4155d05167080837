//! Sockets on the loop: TCP ([`TcpListener`], [`TcpStream`] and its
//! halves [`ReadHalf`]/[`WriteHalf`]), UDP ([`UdpSocket`]) and Unix domain
//! streams ([`UnixListener`], [`UnixStream`]). Their accepts, connects,
//! reads, writes and waits report through [`Event`](crate::Event)s.
//! [`TcpStream::connect_host`] connects by name, the name looked up on the
//! loop by [`tame::dns`](crate::dns).
//!
//! Every type here is a handle on a source of the descriptor layer (see
//! [`tame::io`](crate::io) for how it works), and every operation is one of
//! its operations: tried at once, parked while the socket would block,
//! tried again when the loop reports readiness.
//!
//! Two styles, mixable on one stream:
//!
//! * **Owned buffers**: [`TcpStream::read`], [`TcpStream::write`],
//!   [`TcpStream::write_all`] and [`TcpStream::read_until`] (and the same
//!   on the other types) take a buffer by value and give it back through
//!   the event with the result, so a waiting operation borrows nothing from
//!   its caller.
//! * **Readiness**: [`TcpStream::readable`] / [`TcpStream::writable`] wait
//!   without holding any buffer; [`TcpStream::try_read`] /
//!   [`TcpStream::try_write`] then move the bytes. A server that keeps
//!   thousands of idle keep-alive connections reads this way into one
//!   shared buffer, or with `read`/`read_until` on an empty `Vec` (which
//!   allocates only once data arrived).
//!
//! Every error is delivered through the operation's event (never a panic),
//! together with the buffer. `close()` cancels a handle's waiting
//! operations: their events come back untriggered, so a `twait` on them
//! ends and nothing hangs. Dropping a handle is gentler: an operation whose
//! event can still be delivered finishes first and keeps the socket open
//! until then (so `twait! { conn.read(buf, mkevent!(got)); }` completes even
//! when `conn` is not used after it); one whose event is dead is cancelled
//! at once. Close a listener to stop accepting.
//!
//! Underneath, sockets are non-blocking; `EINTR` is retried, and a
//! readiness that turns out spurious (`WouldBlock`) waits again.
//!
//! # Examples
//!
//! A tamed echo server that serves one connection, and a client:
//!
//! ```
//! use std::io;
//! use std::net::SocketAddr;
//! use tame::net::{TcpListener, TcpStream};
//! use tame::{mkevent, tamed, twait, Event};
//!
//! #[tamed]
//! fn echo_once(listener: TcpListener) {
//!     tvars! {
//!         let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into());
//!         let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
//!         let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
//!     }
//!     twait! { listener.accept(mkevent!(accepted)); }
//!     // The block borrowed `listener`, so it lived until the accept was
//!     // over; this server takes one connection, so close it now.
//!     listener.close();
//!     let Ok((conn, _peer)) = accepted else { return };
//!     loop {
//!         twait! { conn.read(Vec::new(), mkevent!(got)); }
//!         let (buf, n) = std::mem::replace(&mut got, (Vec::new(), Ok(0)));
//!         if !matches!(n, Ok(n) if n > 0) {
//!             break; // peer closed, or an error
//!         }
//!         twait! { conn.write_all(buf, mkevent!(sent)); }
//!         if sent.1.is_err() {
//!             break;
//!         }
//!     }
//!     conn.close();
//! }
//!
//! #[tamed]
//! fn client(addr: SocketAddr, done: Event<Vec<u8>>) {
//!     tvars! {
//!         let mut conn: io::Result<TcpStream> = Err(io::ErrorKind::NotConnected.into());
//!         let mut sent: (&'static [u8], io::Result<()>) = (&[], Ok(()));
//!         let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
//!     }
//!     twait! { TcpStream::connect(addr, mkevent!(conn)); }
//!     let Ok(conn) = conn else { return };
//!     twait! { conn.write_all(&b"hello\n"[..], mkevent!(sent)); }
//!     twait! { conn.read_until(Vec::new(), b"\n", 1024, mkevent!(got)); }
//!     conn.close();
//!     done.trigger(got.0);
//! }
//!
//! # use tame::tvars;
//! let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//! let addr = listener.local_addr().unwrap();
//! echo_once(listener);
//! let r = tame::Rendezvous::<()>::new();
//! let (done, reply) = r.event_with_slot(());
//! client(addr, done);
//! tame::run();
//! assert_eq!(reply.take().unwrap(), b"hello\n");
//! ```

mod connect;
mod listener;
mod split;
mod tcp;
mod udp;
mod unix;

pub use connect::ConnectError;
pub use listener::TcpListener;
pub use split::{ReadHalf, WriteHalf};
pub use tcp::TcpStream;
pub use udp::{RecvFromOutcome, UdpSocket};
pub use unix::{UnixListener, UnixStream};

/// The `Debug` of every socket type: its name, its descriptor, and the
/// addresses it can tell (`peer`: `None` for a type that has none; an
/// address it cannot tell, as an unconnected socket's peer, is left out,
/// as std leaves it out).
fn debug_socket<A: std::fmt::Debug>(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    fd: std::os::fd::RawFd,
    local: std::io::Result<A>,
    peer: Option<std::io::Result<A>>,
) -> std::fmt::Result {
    let mut d = f.debug_struct(name);
    d.field("fd", &fd);
    if let Ok(addr) = local {
        d.field("local", &addr);
    }
    if let Some(Ok(addr)) = peer {
        d.field("peer", &addr);
    }
    d.finish()
}
