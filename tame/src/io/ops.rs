//! The operations every byte-stream descriptor shares ([`Fd`](super::Fd),
//! TCP and Unix streams and their halves): readiness waits, `read`,
//! `write`, `write_all`, `read_until`, `read_to_end`, each an [`Op`] of
//! the one mechanism in [`super::op`].

use std::io;
use std::rc::Rc;

use super::op::{self, Op, Parked, Progress, Watch};
use super::source::Source;
use super::sys;
use crate::driver::Ready;
use crate::Event;

/// How much `read` and `read_until` reserve when the buffer has no room.
pub(crate) const READ_CHUNK: usize = 4096;

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

/// Triggers `ev` with `Ok(())` once `src` is ready for `kind`: parked as
/// it is, with no node (see [`Parked::Ready`]).
pub(crate) fn ready(src: &Rc<Source>, kind: Ready, ev: Event<io::Result<()>>) {
    src.park(kind, false, Parked::Ready(ev, src.clone()));
}

/// [`crate::wait_on_fd`]: a readiness wait with a bare event.
pub(crate) struct RawWait {
    pub(crate) kind: Ready,
    pub(crate) ev: Event<()>,
}

impl Op for RawWait {
    fn kind(&self) -> Ready {
        self.kind
    }

    fn attempt(self, _src: &Rc<Source>, ready: bool) -> Progress<Self> {
        if ready {
            self.ev.trigger(());
            Progress::Done
        } else {
            let kind = self.kind;
            Progress::Wait(self, kind)
        }
    }

    /// The event carries no error: it comes back untriggered.
    fn fail(self, _err: io::Error) {}

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

/// Reads what is there into `buf`, without waiting. An empty `buf` reads
/// `Ok(0)` at once, as std's `Read` contract allows: the kernel answers a
/// socket's empty read with `EAGAIN` when nothing is queued, and a
/// datagram socket's by throwing the next datagram away.
pub(crate) fn try_read(src: &Source, buf: &mut [u8]) -> io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let r = sys::read_slice(src.fd(), buf, src.is_socket());
    if matches!(&r, Err(e) if would_block(e)) {
        src.would_block(Ready::READ);
    }
    r
}

/// [`try_read`] on a stream socket (TCP, Unix): on a TCP stream, a read
/// that leaves room in `buf` drained the socket, so it uses up the
/// readiness seen as `EAGAIN` would, and a readable wait after it costs no
/// syscall (see [`Source::drained`] for when it does not). Bytes that
/// arrive afterwards are a new edge. Not so for a datagram, a tty, or a
/// pipe end that another process may read too: there a short read proves
/// nothing.
pub(crate) fn try_read_stream(src: &Source, buf: &mut [u8]) -> io::Result<usize> {
    let r = try_read(src, buf);
    if matches!(r, Ok(n) if n > 0 && n < buf.len()) {
        src.drained();
    }
    r
}

/// Writes what fits now, without waiting.
pub(crate) fn try_write(src: &Source, buf: &[u8]) -> io::Result<usize> {
    let r = sys::write(src.fd(), buf, src.is_socket());
    if matches!(&r, Err(e) if would_block(e)) {
        src.would_block(Ready::WRITE);
    }
    r
}

/// [`try_write`] on a stream socket: a write that took less than it was
/// given filled the socket's buffer, so it uses up the writability seen as
/// `EAGAIN` would, and a writable wait after it costs no syscall (the
/// kernel reports the room it frees later as a new edge).
pub(crate) fn try_write_stream(src: &Source, buf: &[u8]) -> io::Result<usize> {
    let r = try_write(src, buf);
    if matches!(r, Ok(n) if n < buf.len()) {
        src.would_block(Ready::WRITE);
    }
    r
}

/// One read into the spare capacity of `buf`; see `TcpStream::read`.
pub(crate) fn read(src: &Rc<Source>, buf: Vec<u8>, ev: Event<(Vec<u8>, io::Result<usize>)>) {
    op::start(src, ReadOp { buf, ev });
}

struct ReadOp {
    buf: Vec<u8>,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
}

impl Op for ReadOp {
    fn kind(&self) -> Ready {
        Ready::READ
    }

    fn attempt(mut self, src: &Rc<Source>, ready: bool) -> Progress<Self> {
        if self.buf.capacity() == self.buf.len() {
            if !ready && !src.never_blocks() {
                // No room: allocate only once there is something to read,
                // so that an idle connection holds no buffer.
                return Progress::Wait(self, Ready::READ);
            }
            self.buf.reserve_exact(READ_CHUNK);
        }
        match sys::read(src.fd(), &mut self.buf, src.is_socket()) {
            Err(e) if would_block(&e) => Progress::Blocked(self, Ready::READ),
            r => {
                self.ev.trigger((self.buf, r));
                Progress::Done
            }
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

/// One write from `buf`; see `TcpStream::write`.
pub(crate) fn write<B>(src: &Rc<Source>, buf: B, ev: Event<(B, io::Result<usize>)>)
where
    B: AsRef<[u8]> + 'static,
{
    op::start(src, WriteOp { buf, ev });
}

struct WriteOp<B> {
    buf: B,
    ev: Event<(B, io::Result<usize>)>,
}

impl<B: AsRef<[u8]> + 'static> Op for WriteOp<B> {
    fn kind(&self) -> Ready {
        Ready::WRITE
    }

    fn attempt(self, src: &Rc<Source>, _ready: bool) -> Progress<Self> {
        match try_write(src, self.buf.as_ref()) {
            Err(e) if would_block(&e) => Progress::Blocked(self, Ready::WRITE),
            r => {
                self.ev.trigger((self.buf, r));
                Progress::Done
            }
        }
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

/// All of `buf`; see `TcpStream::write_all`.
pub(crate) fn write_all<B>(src: &Rc<Source>, buf: B, ev: Event<(B, io::Result<()>)>)
where
    B: AsRef<[u8]> + 'static,
{
    op::start(src, WriteAllOp { buf, done: 0, ev });
}

struct WriteAllOp<B> {
    buf: B,
    /// How much of `buf` is written.
    done: usize,
    ev: Event<(B, io::Result<()>)>,
}

impl<B: AsRef<[u8]> + 'static> Op for WriteAllOp<B> {
    fn kind(&self) -> Ready {
        Ready::WRITE
    }

    fn attempt(mut self, src: &Rc<Source>, _ready: bool) -> Progress<Self> {
        let result = loop {
            let rest = &self.buf.as_ref()[self.done..];
            if rest.is_empty() {
                break Ok(());
            }
            match try_write(src, rest) {
                Ok(0) => {
                    break Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write_all: the descriptor accepted no bytes",
                    ))
                }
                Ok(n) => self.done += n,
                Err(e) if would_block(&e) => return Progress::Blocked(self, Ready::WRITE),
                Err(e) => break Err(e),
            }
        };
        self.ev.trigger((self.buf, result));
        Progress::Done
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

/// Reads until `delim`; see `TcpStream::read_until`.
pub(crate) fn read_until<D>(
    src: &Rc<Source>,
    buf: Vec<u8>,
    delim: D,
    limit: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
) where
    D: AsRef<[u8]> + 'static,
{
    op::start(
        src,
        ReadUntilOp {
            buf,
            delim,
            limit,
            searched: 0,
            ev,
        },
    );
}

struct ReadUntilOp<D> {
    buf: Vec<u8>,
    delim: D,
    limit: usize,
    /// How much of `buf` was searched already.
    searched: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
}

impl<D: AsRef<[u8]> + 'static> Op for ReadUntilOp<D> {
    fn kind(&self) -> Ready {
        Ready::READ
    }

    fn attempt(mut self, src: &Rc<Source>, ready: bool) -> Progress<Self> {
        // Whether reading now is worth a buffer: readiness was reported, or
        // bytes just came.
        let mut flowing = ready;
        let result = loop {
            if let Some(found) = check(
                &self.buf,
                self.delim.as_ref(),
                self.limit,
                &mut self.searched,
            ) {
                break found;
            }
            if self.buf.capacity() == self.buf.len() {
                if !flowing && !src.never_blocks() {
                    // Nothing to read into: allocate only once there is
                    // data, so that an idle connection holds no buffer.
                    return Progress::Wait(self, Ready::READ);
                }
                // `check` saw at most `limit` bytes; at exactly `limit`, one
                // byte more tells a final record from one too long.
                let room = (self.limit - self.buf.len()).min(READ_CHUNK);
                self.buf.reserve_exact(room.max(1));
            }
            match sys::read(src.fd(), &mut self.buf, src.is_socket()) {
                Ok(0) => break Ok(0),
                Ok(_) => flowing = true,
                Err(e) if would_block(&e) => return Progress::Blocked(self, Ready::READ),
                Err(e) => break Err(e),
            }
        };
        self.ev.trigger((self.buf, result));
        Progress::Done
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

/// Reads until the end of the stream, appending to `buf`, at most `limit`
/// bytes; `ev` gets `buf` and how many bytes were read.
pub(crate) fn read_to_end(
    src: &Rc<Source>,
    buf: Vec<u8>,
    limit: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
) {
    let start = buf.len();
    op::start(
        src,
        ReadToEndOp {
            buf,
            start,
            limit,
            ev,
        },
    );
}

struct ReadToEndOp {
    buf: Vec<u8>,
    /// The length of `buf` as it came: what was there is not counted.
    start: usize,
    limit: usize,
    ev: Event<(Vec<u8>, io::Result<usize>)>,
}

impl Op for ReadToEndOp {
    fn kind(&self) -> Ready {
        Ready::READ
    }

    fn attempt(mut self, src: &Rc<Source>, ready: bool) -> Progress<Self> {
        let mut flowing = ready;
        let result = loop {
            let read = self.buf.len() - self.start;
            if read > self.limit {
                break Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "more than {} bytes before the end of the stream",
                        self.limit
                    ),
                ));
            }
            // One byte past `limit` at most, which tells a stream of
            // exactly `limit` bytes from one too long.
            let want = (self.limit - read).saturating_add(1);
            let Some(got) = read_growing(src, &mut self.buf, read, want, flowing) else {
                return Progress::Wait(self, Ready::READ);
            };
            match got {
                Ok(0) => break Ok(self.buf.len() - self.start),
                Ok(_) => flowing = true,
                Err(e) if would_block(&e) => return Progress::Blocked(self, Ready::READ),
                Err(e) => break Err(e),
            }
        };
        self.ev.trigger((self.buf, result));
        Progress::Done
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

/// Reads once into `buf`, at most `want` bytes, for a read of a stream
/// that has taken `read` bytes so far (`read_to_end`, `read_exact`): the
/// room grows as a `Vec` does, doubling what came from a chunk, and only
/// once there is data (`flowing`), so that an idle stream holds no buffer
/// and a length a peer announced costs nothing before its bytes come.
/// `None`: nothing to read into yet; wait for the descriptor.
fn read_growing(
    src: &Rc<Source>,
    buf: &mut Vec<u8>,
    read: usize,
    want: usize,
    flowing: bool,
) -> Option<io::Result<usize>> {
    if buf.capacity() == buf.len() {
        if !flowing && !src.never_blocks() {
            return None;
        }
        buf.reserve_exact(want.min(read.max(READ_CHUNK)));
    }
    Some(sys::read_at_most(src.fd(), buf, want, src.is_socket()))
}

/// Reads exactly `n` bytes, appended to `buf` (see
/// `ReadStream::read_exact`).
pub(crate) fn read_exact(
    src: &Rc<Source>,
    buf: Vec<u8>,
    n: usize,
    ev: Event<(Vec<u8>, io::Result<()>)>,
) {
    let start = buf.len();
    op::start(
        src,
        ReadExactOp {
            buf,
            start,
            end: start.saturating_add(n),
            ev,
        },
    );
}

struct ReadExactOp {
    buf: Vec<u8>,
    /// The length of `buf` as it came.
    start: usize,
    /// The length it has when the read is done.
    end: usize,
    ev: Event<(Vec<u8>, io::Result<()>)>,
}

impl Op for ReadExactOp {
    fn kind(&self) -> Ready {
        Ready::READ
    }

    fn attempt(mut self, src: &Rc<Source>, ready: bool) -> Progress<Self> {
        let mut flowing = ready;
        let result = loop {
            let len = self.buf.len();
            if len == self.end {
                break Ok(());
            }
            // Never past `end`: what follows is the next reader's.
            let (read, want) = (len - self.start, self.end - len);
            let Some(got) = read_growing(src, &mut self.buf, read, want, flowing) else {
                return Progress::Wait(self, Ready::READ);
            };
            match got {
                Ok(0) => {
                    break Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "read_exact: the stream ended after {} of {} bytes",
                            len - self.start,
                            self.end - self.start
                        ),
                    ))
                }
                Ok(_) => flowing = true,
                Err(e) if would_block(&e) => return Progress::Blocked(self, Ready::READ),
                Err(e) => break Err(e),
            }
        };
        self.ev.trigger((self.buf, result));
        Progress::Done
    }

    fn fail(self, err: io::Error) {
        self.ev.trigger((self.buf, Err(err)));
    }

    fn event(&self) -> &dyn Watch {
        &self.ev
    }
}

/// Looks for `delim` in `buf`, from a little before `searched` (a match may
/// straddle old and new bytes). `Some(result)` if `read_until` is over.
///
/// `limit` bytes with no `delim` are not too many yet: if the stream ends
/// next, they are its final record, as `LineReader` gives a final line of
/// `limit` bytes. Only a byte more is an error.
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
        _ if buf.len() > limit => Some(Err(io::Error::new(
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

#[cfg(test)]
mod tests {
    use super::{check, find};

    #[test]
    fn find_locates_needles_anywhere() {
        assert_eq!(find(b"abc\r\n\r\nx", b"\r\n\r\n"), Some(3));
        assert_eq!(find(b"\r\n\r", b"\r\n\r\n"), None);
        assert_eq!(find(b"aab", b"ab"), Some(1));
    }

    #[test]
    fn check_finds_a_delimiter_straddling_two_reads() {
        let mut searched = 0;
        assert!(check(b"GET /\r\n\r", b"\r\n\r\n", 100, &mut searched).is_none());
        let r = check(b"GET /\r\n\r\nrest", b"\r\n\r\n", 100, &mut searched);
        assert_eq!(r.unwrap().unwrap(), 9);
    }

    #[test]
    fn check_waits_at_exactly_limit_bytes_and_fails_past_them() {
        let mut searched = 0;
        assert!(check(b"abcde", b"\n", 5, &mut searched).is_none());
        let r = check(b"abcdef", b"\n", 5, &mut searched).unwrap();
        assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::InvalidData);
        let r = check(b"abcd\n", b"\n", 5, &mut 0).unwrap();
        assert_eq!(r.unwrap(), 5);
        let r = check(b"abcde\n", b"\n", 5, &mut 0).unwrap();
        assert!(r.is_err(), "a delimiter past the limit");
    }
}
