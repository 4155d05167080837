//! Asking a nameserver over TCP, as a stub resolver does when a reply over
//! UDP came truncated (RFC 7766): one query on a connection of its own,
//! the message prefixed by its length in two octets, big-endian (RFC 1035
//! section 4.2.2), and the reply read the same way.

use std::io;
use std::net::SocketAddr;

use crate::net::TcpStream;
use crate::{mkevent, tamed, tvars, twait, Event};

/// The largest message two octets of length can frame.
const MAX_MESSAGE: usize = 65_535;

/// `msg` with its length in front.
fn frame(msg: &[u8]) -> io::Result<Vec<u8>> {
    let len = u16::try_from(msg.len())
        .ok()
        .filter(|_| msg.len() <= MAX_MESSAGE)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "message over 65535 octets"))?;
    let mut framed = Vec::with_capacity(2 + msg.len());
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(msg);
    Ok(framed)
}

/// How many octets the framed message whose start is `read` takes, length
/// included: 2 until the length is there.
fn framed_len(read: &[u8]) -> usize {
    match read {
        [hi, lo, ..] => 2 + usize::from(u16::from_be_bytes([*hi, *lo])),
        _ => 2,
    }
}

/// Connects to `server`, sends `query` framed, and triggers `ev` with the
/// one message that comes back (without its length), then closes the
/// connection.
///
/// # Errors
///
/// Through `ev`: the connect's, the write's or a read's error, and
/// `UnexpectedEof` if the connection ends before the whole message.
///
/// A `#[tamed]` function: when `ev` dies (the lookup ended: its deadline,
/// an answer from elsewhere, its own caller gone), it is cancelled where
/// it waits, and the connection closes with it.
#[tamed]
pub(super) fn exchange(server: SocketAddr, query: Vec<u8>, ev: Event<io::Result<Vec<u8>>>) {
    tvars! {
        let framed = frame(&query);
        let mut connected: io::Result<TcpStream> = Err(io::ErrorKind::NotConnected.into());
        let mut written: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut reply: Vec<u8> = Vec::with_capacity(2 + 512);
    }
    let framed = match framed {
        Ok(framed) => framed,
        Err(e) => {
            ev.trigger(Err(e));
            return;
        }
    };
    twait! { TcpStream::connect(server, mkevent!(connected)); }
    let conn = match connected {
        Ok(conn) => conn,
        Err(e) => {
            ev.trigger(Err(e));
            return;
        }
    };
    twait! { conn.write_all(framed, mkevent!(written)); }
    if let Err(e) = std::mem::replace(&mut written.1, Ok(())) {
        conn.close();
        ev.trigger(Err(e));
        return;
    }
    // Read the length, then as many octets as it says.
    while reply.len() < framed_len(&reply) {
        let need = framed_len(&reply);
        reply.reserve_exact(need - reply.len());
        twait! { conn.read(std::mem::take(&mut reply), mkevent!(got)); }
        reply = std::mem::take(&mut got.0);
        match std::mem::replace(&mut got.1, Ok(0)) {
            Ok(0) => {
                conn.close();
                ev.trigger(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection ended before the whole reply",
                )));
                return;
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                conn.close();
                ev.trigger(Err(e));
                return;
            }
        }
    }
    conn.close();
    // Anything after the message is no part of it.
    reply.truncate(framed_len(&reply));
    reply.drain(..2);
    ev.trigger(Ok(reply));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_framed_by_its_length() {
        assert_eq!(frame(b"abc").unwrap(), b"\x00\x03abc");
        assert_eq!(frame(&[7; 300]).unwrap()[..2], [1, 44]);
        assert_eq!(frame(&vec![0; MAX_MESSAGE]).unwrap().len(), 2 + MAX_MESSAGE);
        assert!(frame(&vec![0; MAX_MESSAGE + 1]).is_err());
        assert_eq!(framed_len(b""), 2);
        assert_eq!(framed_len(b"\x01"), 2);
        assert_eq!(framed_len(b"\xff\xff"), 2 + MAX_MESSAGE);
        assert_eq!(framed_len(b"\x00\x00"), 2);
    }
}
