//! `write_all` and `read_until`: loops of single writes and reads, each
//! waiting for readiness when the socket says `WouldBlock`.

use std::io;
use std::net;
use std::rc::Rc;

use super::op::{self, Op, Shared};
use super::stream::{read_into, try_write};
use super::READ_CHUNK;
use crate::{Event, Interest};

type Io = Rc<Shared<net::TcpStream>>;

/// [`TcpStream::write_all`](super::TcpStream::write_all).
pub(super) fn write_all<B>(io: Io, buf: B, ev: Event<(B, io::Result<()>)>)
where
    B: AsRef<[u8]> + 'static,
{
    WriteAllOp { buf, done: 0, ev }.resume(&io);
}

/// [`TcpStream::read_until`](super::TcpStream::read_until).
pub(super) fn read_until<D>(
    io: Io,
    buf: Vec<u8>,
    delim: D,
    limit: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
) where
    D: AsRef<[u8]> + 'static,
{
    let mut op = ReadUntilOp {
        buf,
        delim,
        limit,
        searched: 0,
        ev,
    };
    match op.check() {
        Some(result) => op.ev.trigger((op.buf, result)),
        // Nothing to read into: allocate only once there is data.
        None if op.buf.capacity() == op.buf.len() => op::wait(&io, Interest::Read, op),
        None => op.resume(&io),
    }
}

struct WriteAllOp<B> {
    buf: B,
    done: usize,
    ev: Event<(B, io::Result<()>)>,
}

impl<B: AsRef<[u8]> + 'static> Op<net::TcpStream> for WriteAllOp<B> {
    fn resume(mut self, io: &Io) {
        loop {
            let rest = &self.buf.as_ref()[self.done..];
            if rest.is_empty() {
                return self.ev.trigger((self.buf, Ok(())));
            }
            match try_write(io, rest) {
                Ok(0) => {
                    let e = io::Error::new(io::ErrorKind::WriteZero, "socket accepted no bytes");
                    return self.ev.trigger((self.buf, Err(e)));
                }
                Ok(n) => self.done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return op::wait(io, Interest::Write, self);
                }
                Err(e) => return self.ev.trigger((self.buf, Err(e))),
            }
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn is_live(&self) -> bool {
        self.ev.is_live()
    }
}

struct ReadUntilOp<D> {
    buf: Vec<u8>,
    delim: D,
    limit: usize,
    /// How much of `buf` was searched without finding `delim`.
    searched: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
}

impl<D: AsRef<[u8]>> ReadUntilOp<D> {
    /// `Some(result)` if the operation is over without reading more.
    fn check(&mut self) -> Option<io::Result<usize>> {
        let delim = self.delim.as_ref();
        if delim.is_empty() {
            let e = io::Error::new(io::ErrorKind::InvalidInput, "read_until: empty delimiter");
            return Some(Err(e));
        }
        // A match may straddle the part searched before and the new bytes.
        let from = self.searched.saturating_sub(delim.len() - 1);
        let found = find(&self.buf[from..], delim).map(|i| from + i + delim.len());
        self.searched = self.buf.len();
        match found {
            Some(end) if end <= self.limit => Some(Ok(end)),
            _ if self.buf.len() >= self.limit => Some(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "read_until: no delimiter within the first {} bytes",
                    self.limit
                ),
            ))),
            _ => None,
        }
    }
}

impl<D: AsRef<[u8]> + 'static> Op<net::TcpStream> for ReadUntilOp<D> {
    fn resume(mut self, io: &Io) {
        loop {
            let room = (self.limit - self.buf.len()).min(READ_CHUNK);
            match read_into(io, &mut self.buf, room) {
                Ok(0) => return self.ev.trigger((self.buf, Ok(0))),
                Ok(_) => {
                    if let Some(result) = self.check() {
                        return self.ev.trigger((self.buf, result));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return op::wait(io, Interest::Read, self);
                }
                Err(e) => return self.ev.trigger((self.buf, Err(e))),
            }
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn is_live(&self) -> bool {
        self.ev.is_live()
    }
}

/// The first position of `needle` (not empty) in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if let [b] = needle {
        return hay.iter().position(|x| x == b);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}
