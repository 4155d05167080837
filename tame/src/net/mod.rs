//! TCP on the loop: [`TcpListener`] and [`TcpStream`], whose accepts,
//! connects, reads and writes report through [`Event`](crate::Event)s.
//!
//! Two styles, mixable on one stream:
//!
//! * **Owned buffers**: [`TcpStream::read`], [`TcpStream::write`],
//!   [`TcpStream::write_all`] and [`TcpStream::read_until`] take a buffer
//!   by value and give it back through the event with the result, so a
//!   waiting operation borrows nothing from its caller.
//! * **Readiness**: [`TcpStream::readable`] / [`TcpStream::writable`] wait
//!   without holding any buffer; [`TcpStream::try_read`] /
//!   [`TcpStream::try_write`] then move the bytes. A server that keeps
//!   thousands of idle keep-alive connections reads this way into one
//!   shared buffer, or with `read`/`read_until` on an empty `Vec` (which
//!   allocates only once data arrived).
//!
//! In a `#[tamed]` function, a socket that a `twait! { ... }` block only
//! borrows (`conn.read(..)`) lives until that wait is over, even if nothing
//! after the twait uses it; dropping a socket cancels its operations (see
//! [`TcpStream`]), so this is what keeps them running.
//!
//! Every error is delivered through the operation's event (never a panic),
//! together with the buffer. Closing (or dropping) a stream or listener
//! cancels its waiting operations: their events come back untriggered, so a
//! `twait` on them ends and nothing hangs.
//!
//! Underneath are std's sockets in non-blocking mode and the loop's
//! one-shot fd waits ([`wait_on_fd`](crate::wait_on_fd)); `EINTR` is
//! retried, and a readiness that turns out spurious (`WouldBlock`) waits
//! again.
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

mod helpers;
mod listener;
mod op;
mod stream;
mod sys;

pub use listener::TcpListener;
pub use stream::TcpStream;

/// How much `read` and `read_until` reserve when the buffer has no room.
const READ_CHUNK: usize = 4096;
