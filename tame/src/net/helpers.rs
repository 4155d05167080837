//! `write_all` and `read_until`, written as `#[tamed]` functions (the issue
//! asks for them tamed, as the paper would write them): loops of single
//! non-blocking writes and reads, with a `twait` on the socket's readiness
//! whenever it says `WouldBlock`.
//!
//! Two rules shared with the hand-written operations of `stream.rs`:
//!
//! * If the stream is closed while the function waits, the readiness event
//!   comes back untriggered; the function then returns without triggering
//!   its own event, which so comes back untriggered too.
//! * A write that fits, or a message already in the buffer, completes
//!   before the call returns (a tamed function runs at once up to its first
//!   blocking `twait`).

use std::io;
use std::net;
use std::rc::Rc;

use super::op::{self, Shared};
use super::stream::{read_into, try_write};
use super::READ_CHUNK;
use crate::{mkevent, tamed, tvars, twait, Event, Interest};

type Io = Rc<Shared<net::TcpStream>>;

/// [`TcpStream::write_all`](super::TcpStream::write_all).
#[tamed]
// Bounds inline: the expansion adds its own, and clippy dislikes a
// `where` clause next to them (multiple_bound_locations).
pub(super) fn write_all<B: AsRef<[u8]> + 'static>(io: Io, buf: B, ev: Event<(B, io::Result<()>)>) {
    tvars! {
        let mut done: usize = 0;
        let mut result: io::Result<()> = Ok(());
        let mut readiness: io::Result<()> = Ok(());
    }
    loop {
        let rest = &buf.as_ref()[done..];
        if rest.is_empty() {
            break;
        }
        match try_write(&io, rest) {
            Ok(0) => {
                result = Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "write_all: the socket accepted no bytes",
                ));
                break;
            }
            Ok(n) => {
                done += n;
                continue;
            }
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => {
                result = Err(e);
                break;
            }
            Err(_) => {}
        }
        twait! { op::wait_ready(&io, Interest::Write, mkevent!(readiness)); }
        if io.is_closed() {
            return;
        }
        if let Err(e) = std::mem::replace(&mut readiness, Ok(())) {
            result = Err(e);
            break;
        }
    }
    ev.trigger((buf, result));
}

/// [`TcpStream::read_until`](super::TcpStream::read_until).
#[tamed]
pub(super) fn read_until<D: AsRef<[u8]> + 'static>(
    io: Io,
    buf: Vec<u8>,
    delim: D,
    limit: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
) {
    tvars! {
        let mut buf: Vec<u8> = buf;
        let mut searched: usize = 0;
        let result: io::Result<usize>;
        let mut readiness: io::Result<()> = Ok(());
    }
    loop {
        if let Some(found) = check(&buf, delim.as_ref(), limit, &mut searched) {
            result = found;
            break;
        }
        if buf.capacity() == buf.len() {
            // Nothing to read into: allocate only once there is data, so
            // that an idle connection holds no buffer.
            twait! { op::wait_ready(&io, Interest::Read, mkevent!(readiness)); }
            if io.is_closed() {
                return;
            }
            if let Err(e) = std::mem::replace(&mut readiness, Ok(())) {
                result = Err(e);
                break;
            }
        }
        // `check` saw fewer than `limit` bytes.
        let room = (limit - buf.len()).min(READ_CHUNK);
        match read_into(&io, &mut buf, room) {
            Ok(0) => {
                result = Ok(0);
                break;
            }
            Ok(_) => continue,
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => {
                result = Err(e);
                break;
            }
            Err(_) => {}
        }
        twait! { op::wait_ready(&io, Interest::Read, mkevent!(readiness)); }
        if io.is_closed() {
            return;
        }
        if let Err(e) = std::mem::replace(&mut readiness, Ok(())) {
            result = Err(e);
            break;
        }
    }
    ev.trigger((buf, result));
}

/// Looks for `delim` in `buf`, from a little before `searched` (a match may
/// straddle old and new bytes). `Some(result)` if `read_until` is over.
fn check(
    buf: &[u8],
    delim: &[u8],
    limit: usize,
    searched: &mut usize,
) -> Option<io::Result<usize>> {
    if delim.is_empty() {
        let e = io::Error::new(io::ErrorKind::InvalidInput, "read_until: empty delimiter");
        return Some(Err(e));
    }
    let from = searched.saturating_sub(delim.len() - 1);
    let found = find(&buf[from..], delim).map(|i| from + i + delim.len());
    *searched = buf.len();
    match found {
        Some(end) if end <= limit => Some(Ok(end)),
        _ if buf.len() >= limit => Some(Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("read_until: no delimiter within the first {limit} bytes"),
        ))),
        _ => None,
    }
}

/// The first position of `needle` (not empty) in `hay`: a scan for its
/// first byte, then a comparison of the rest (a `windows(n) == needle`
/// search calls memcmp at every position, which showed in knot's profile).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (first, rest) = needle.split_first()?;
    let mut start = 0;
    while let Some(i) = hay.get(start..)?.iter().position(|b| b == first) {
        let at = start + i;
        if hay.get(at + 1..at + needle.len()) == Some(rest) {
            return Some(at);
        }
        start = at + 1;
    }
    None
}
