//! [`LineReader`]: lines from a stream, with the bytes read past a line
//! kept for the next one.
//!
//! A `read_line` is a chain of the stream's own reads: each read's event
//! is a `Then` (in `event.rs`), which is live while the caller's event is (so the read
//! is cancelled, and `run()` stops waiting for it, when the caller's event
//! dies) and which, when the read comes back, appends its bytes to the
//! reader's buffer at once, before anything else runs. A `#[tamed]`
//! function would hold the bytes of a read that came back in its own state
//! until it ran again, and lose them if it were cancelled in between; the
//! chain never holds a byte outside the shared buffer, so a cancelled
//! `read_line` loses nothing and the next one goes on where it stopped.
//! (A line it delivered is the caller's: see `LineReader`'s docs for a
//! race that drops it.)

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::rc::Rc;

use super::ops;
use super::stream::ReadStream;
use crate::driver::Registration;
use crate::event::Liveness;
use crate::Event;

/// What [`LineReader::read_line`] delivers.
type LineResult = io::Result<Option<Vec<u8>>>;

/// Reads a stream line by line, keeping what it read past a line for the
/// next call: tokio's `BufReader` and its `read_line`, for
/// [`ReadStream`]s.
///
/// It owns its stream and a buffer of the bytes read and not given out
/// yet. [`read_line`](Self::read_line) gives the next line with its `\n`,
/// from the buffer if a whole line is there (without reading), else after
/// as many reads of the stream as it takes; several lines that arrive in
/// one read come out one per call, and a line that arrives in pieces comes
/// out whole. (It is named for what it does: it reads lines, and has no
/// `fill_buf`/`consume` as a `BufReader` would.)
///
/// * **One `read_line` at a time.** The reader's state is shared with the
///   `read_line` in flight (its reads outlive the call); a second call
///   while one is in flight is refused through its event with
///   `ResourceBusy`, and the first goes on untouched.
/// * **Cancelling**: if the event of a `read_line` dies (its rendezvous
///   cancelled, a timeout), its read is cancelled; the bytes read so far
///   stay in the buffer and the next `read_line` starts from them, also
///   when it is called at once, before the loop has dropped that read (a
///   line-or-timeout race each round). A line already delivered is no
///   longer in the buffer: one that completed in the same turn as the
///   timer that won a race on one rendezvous waits there behind the
///   timer's id, and dropping the rendezvous then drops the line. Take
///   what is queued before the rendezvous goes (`while r.queued() > 0 {
///   twait!(r); }`), or put the timeout on the `read_line` itself
///   (`read_line(limit, add_timeout(d, mkevent!(line)))`, which gives the
///   line or `Err(Timeout)`, and loses no line): see
///   [`tame::io`](crate::io#races-on-a-rendezvous).
/// * **Dropping** the reader while a `read_line` is in flight lets it
///   finish and deliver (as dropping a handle does); the stream closes
///   after it.
/// * The reads are the stream's own [`read`](ReadStream::read); the first
///   waits for input before it reserves its 4 KiB chunk, so a new reader
///   that waits for its first line holds no read buffer. The chunk is then
///   kept for the next reads, and so is the buffer of the lines read,
///   emptied as they are given out, while it is at most 16 KiB (lines of
///   the usual sizes do not allocate it again); one a long line grew past
///   that is given up once that line is given out, what follows the line
///   moving to one of the usual size. A reader holds at most those 20 KiB
///   once its lines fit them, whatever the longest line it read.
///
/// # Examples
///
/// Lines from a socket, three of them sent in one write:
///
/// ```
/// use std::io;
/// use tame::io::LineReader;
/// use tame::net::UnixStream;
/// use tame::{mkevent, tamed, twait};
///
/// /// Every line until the end of the stream, each at most 80 bytes.
/// #[tamed]
/// fn all_lines(reader: LineReader<UnixStream>) -> io::Result<Vec<String>> {
///     let mut lines = Vec::new();
///     loop {
///         let mut line: io::Result<Option<String>> = Ok(None);
///         twait! { reader.read_line_string(80, mkevent!(line)); }
///         match line? {
///             Some(line) => lines.push(line),
///             None => return Ok(lines), // the end of the stream
///         }
///     }
/// }
///
/// let (a, b) = UnixStream::pair().unwrap();
/// b.try_write(b"one\ntwo\nthree, with no newline").unwrap();
/// b.close();
/// let lines = tame::run_with(|done| all_lines(LineReader::new(a), done)).unwrap();
/// assert_eq!(lines.unwrap(), ["one\n", "two\n", "three, with no newline"]);
/// ```
pub struct LineReader<S> {
    shared: Rc<Shared<S>>,
}

/// What a reader shares with its `read_line` in flight.
struct Shared<S> {
    stream: S,
    state: RefCell<State>,
}

struct State {
    /// The bytes read and not given out yet are `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    /// `buf[start..searched]` holds no `\n`: a search goes on from there.
    searched: usize,
    /// What the reads fill, emptied into `buf` when each comes back (so a
    /// read cancelled with its event takes nothing of `buf` with it), and
    /// reused.
    chunk: Vec<u8>,
    /// The last `read_line` started, until it ends. It is in flight while
    /// its event is live; one whose event died holds nothing up, although
    /// its read may still wait to be dropped by the loop.
    reading: Option<Call>,
    /// How many `read_line`s have started: the number of each tells its
    /// chain of reads from a newer call's (see [`State::end`]).
    calls: u64,
    /// The line under way is skipped (see [`LineReader::skip_line`]): its
    /// bytes are dropped up to its `\n`, read as they come.
    skipping: bool,
    /// The last `read_line` found the line under way too long (reset as
    /// each starts): what `skip_line` skips.
    too_long: bool,
    /// A read error came with part of a line in the buffer, and no byte
    /// since: if the stream ends now, that line was cut off (a connection
    /// reset reads as the end after its error), not a final line.
    cut: bool,
}

/// A `read_line` started: its number, and its event's liveness (the event
/// itself is with its chain of reads).
struct Call {
    number: u64,
    ev: Liveness<LineResult>,
}

impl<S: ReadStream + 'static> LineReader<S> {
    /// A reader of `stream`, with an empty buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// let (r, _w) = tame::io::pipe().unwrap();
    /// let reader = tame::io::LineReader::new(r);
    /// assert!(reader.buffer().is_empty());
    /// ```
    pub fn new(stream: S) -> LineReader<S> {
        LineReader::with_buffer(stream, Vec::new())
    }

    /// A reader of `stream` whose buffer starts with `buffered`: bytes of
    /// the stream read already (what [`into_inner`](Self::into_inner)
    /// gave back, or the rest after a preamble read with `read_until`),
    /// given out before anything read from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::io::LineReader;
    ///
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// b.try_write(b"ond\n").unwrap();
    /// let reader = LineReader::with_buffer(a, b"first\nsec".to_vec());
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, line) = r.event_with_slot::<io::Result<Option<Vec<u8>>>>(());
    /// reader.read_line(64, ev); // in the buffer: at once
    /// assert_eq!(line.take().unwrap().unwrap().unwrap(), b"first\n");
    /// let (ev, line) = r.event_with_slot::<io::Result<Option<Vec<u8>>>>(());
    /// reader.read_line(64, ev);
    /// tame::run();
    /// assert_eq!(line.take().unwrap().unwrap().unwrap(), b"second\n");
    /// ```
    pub fn with_buffer(stream: S, buffered: Vec<u8>) -> LineReader<S> {
        LineReader {
            shared: Rc::new(Shared {
                stream,
                state: RefCell::new(State {
                    buf: buffered,
                    start: 0,
                    searched: 0,
                    chunk: Vec::new(),
                    reading: None,
                    calls: 0,
                    skipping: false,
                    too_long: false,
                    cut: false,
                }),
            }),
        }
    }

    /// Triggers `ev` with the next line, `\n` included: `Ok(Some(line))`.
    ///
    /// * A whole line in the buffer is given at once, without a read; the
    ///   bytes after it stay in the buffer for the next call.
    /// * At the end of the stream, the bytes left after the last `\n` (the
    ///   final line, unterminated) come as a line of their own;
    ///   `Ok(None)` when nothing is left.
    /// * A line longer than `limit` bytes (its `\n` included) is an error,
    ///   found as soon as more than `limit` bytes hold no `\n` (the reader
    ///   reads at most one chunk past it). A final line of exactly `limit`
    ///   bytes with no `\n` is no error: at `limit` bytes the reader reads
    ///   on to tell the end of the stream from more of the line, as
    ///   [`read_until`](ReadStream::read_until) does. Its bytes stay in the buffer: call again
    ///   with a larger limit, take them with
    ///   [`into_inner`](Self::into_inner), or drop the line with
    ///   [`skip_line`](Self::skip_line) and read the next. Called again
    ///   with the same limit, `read_line` gives the same error at once: a
    ///   loop that only logs it would never wait, and keep every other task
    ///   of the thread from running.
    ///
    /// # Errors
    ///
    /// Through `ev`: `InvalidData` for a line longer than `limit`;
    /// `ResourceBusy` if another `read_line` of this reader is in flight (or
    /// another read waits on the stream; a `read_line` whose event died is
    /// not in flight, even before the loop drops its read); the stream's
    /// read errors (the bytes read before stay in the buffer; if the
    /// stream then ends with no byte more, as a reset connection reads,
    /// the next call gives `UnexpectedEof` for that line cut off, its
    /// bytes dropped, rather than the bytes as a final line). If the
    /// stream's read is cancelled (the stream closed under it), `ev` comes
    /// back untriggered, as the read's own event would.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::io::LineReader;
    /// use tame::net::UnixStream;
    ///
    /// let (a, b) = UnixStream::pair().unwrap();
    /// let reader = LineReader::new(a);
    /// b.try_write(b"first\nsecond\n").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, line) = r.event_with_slot::<io::Result<Option<Vec<u8>>>>(());
    /// reader.read_line(1024, ev);
    /// tame::run();
    /// assert_eq!(line.take().unwrap().unwrap().unwrap(), b"first\n");
    /// assert_eq!(reader.buffer(), b"second\n"); // read, and kept for the next call
    /// ```
    pub fn read_line(&self, limit: usize, ev: Event<LineResult>) {
        let number;
        {
            let mut state = self.shared.state.borrow_mut();
            if state.in_flight() {
                drop(state);
                return ev.trigger(Err(io::Error::new(
                    io::ErrorKind::ResourceBusy,
                    "read_line: another read_line of this LineReader is in flight",
                )));
            }
            // An earlier call whose event died is given up here: its read,
            // dead, is never tried again, so it reads no byte this call
            // would miss; when it is dropped (the loop's next turn, or this
            // call's read taking its slot) it ends nothing but itself.
            state.calls += 1;
            number = state.calls;
            state.reading = Some(Call {
                number,
                ev: ev.liveness(),
            });
            // What `skip_line` skips is this call's finding, not an
            // earlier one's.
            state.too_long = false;
        }
        step(self.shared.clone(), number, limit, ev);
    }

    /// As [`read_line`](Self::read_line), the line as a `String`.
    ///
    /// # Errors
    ///
    /// Those of [`read_line`](Self::read_line), and `InvalidData` for a
    /// line that is not UTF-8: the line is consumed, and the error wraps a
    /// [`FromUtf8Error`](std::string::FromUtf8Error) that holds its bytes
    /// (`err.into_inner()`, then `downcast`). Both are `InvalidData`: tell
    /// this one from a line too long by what it wraps,
    /// `e.get_ref().is_some_and(|inner| inner.is::<std::string::FromUtf8Error>())`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::io::LineReader;
    ///
    /// let (r, w) = tame::io::pipe().unwrap();
    /// let reader = LineReader::new(r);
    /// w.try_write(b"caf\xc3\xa9\n\xff\n").unwrap();
    /// let rdv = tame::Rendezvous::<()>::new();
    /// let (ev, line) = rdv.event_with_slot::<io::Result<Option<String>>>(());
    /// reader.read_line_string(64, ev);
    /// tame::run();
    /// assert_eq!(line.take().unwrap().unwrap().unwrap(), "café\n");
    /// let (ev, line) = rdv.event_with_slot::<io::Result<Option<String>>>(());
    /// reader.read_line_string(64, ev); // in the buffer already: at once
    /// assert_eq!(line.take().unwrap().unwrap_err().kind(), io::ErrorKind::InvalidData);
    /// ```
    pub fn read_line_string(&self, limit: usize, ev: Event<io::Result<Option<String>>>) {
        self.read_line(
            limit,
            ev.map(|line: LineResult| {
                let line = line?.map(String::from_utf8).transpose();
                line.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }),
        );
    }

    /// A copy of the bytes read and not given out yet (while a `read_line`
    /// is in flight: the start of the line it is reading).
    ///
    /// A copy, not a borrow: the buffer is shared with the `read_line` in
    /// flight, which the loop may run while a borrow is held.
    ///
    /// # Examples
    ///
    /// See [`read_line`](Self::read_line).
    pub fn buffer(&self) -> Vec<u8> {
        let state = self.shared.state.borrow();
        state.buf[state.start..].to_vec()
    }

    /// Whether a whole line is buffered already: the next
    /// [`read_line`](Self::read_line) then gives it (or, for a limit below
    /// its length, the error of a line too long) without reading. A server
    /// that answers pipelined requests can go on with the next while this
    /// holds, and write its answers out together when it does not.
    ///
    /// # Examples
    ///
    /// ```
    /// use tame::io::LineReader;
    /// use tame::net::UnixStream;
    ///
    /// let (a, b) = UnixStream::pair().unwrap();
    /// let reader = LineReader::new(a);
    /// b.try_write(b"one\ntwo\nth").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// reader.read_line(64, r.event(()).map(|_| ()));
    /// tame::run();
    /// assert!(reader.line_buffered()); // "two\n" is there
    /// reader.read_line(64, r.event(()).map(|_| ())); // given at once
    /// assert!(!reader.line_buffered()); // "th" is half a line
    /// ```
    pub fn line_buffered(&self) -> bool {
        let state = self.shared.state.borrow();
        let mut ends = state.buf[state.start..].iter().filter(|&&b| b == b'\n');
        // A line being skipped ends at the first `\n`: the next is the one.
        if state.skipping {
            ends.nth(1).is_some()
        } else {
            ends.next().is_some()
        }
    }

    /// After a [`read_line`] that found a line too long for its limit:
    /// drops that line, up to and including its `\n`, what of it is
    /// buffered now and the rest as the next `read_line` reads it (never
    /// more than a chunk of it held at once); that `read_line` then gives
    /// the line after it, as tokio's `LinesCodec` does by itself. Does
    /// nothing otherwise (after a line given whole, or called twice): the
    /// next line is not under way, and is not dropped.
    ///
    /// [`read_line`]: Self::read_line
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::io::LineReader;
    /// use tame::net::UnixStream;
    /// use tame::{mkevent, tamed, twait};
    ///
    /// /// The lines that fit in 8 bytes; longer ones are skipped.
    /// #[tamed]
    /// fn short_lines(reader: LineReader<UnixStream>) -> Vec<Vec<u8>> {
    ///     let mut lines = Vec::new();
    ///     loop {
    ///         let got: io::Result<Option<Vec<u8>>>;
    ///         twait! { reader.read_line(8, mkevent!(got)); }
    ///         match got {
    ///             Ok(Some(line)) => lines.push(line),
    ///             Ok(None) => break,
    ///             Err(e) if e.kind() == io::ErrorKind::InvalidData => reader.skip_line(),
    ///             Err(_) => break,
    ///         }
    ///     }
    ///     lines
    /// }
    ///
    /// let (a, b) = UnixStream::pair().unwrap();
    /// b.try_write(b"ok\nmuch too long for eight\nfine\n").unwrap();
    /// drop(b);
    /// let lines = tame::run_with(|done| short_lines(LineReader::new(a), done)).unwrap();
    /// assert_eq!(lines, [b"ok\n".to_vec(), b"fine\n".to_vec()]);
    /// ```
    pub fn skip_line(&self) {
        let mut state = self.shared.state.borrow_mut();
        if std::mem::take(&mut state.too_long) {
            state.skipping = true;
            state.skip();
        }
    }

    /// The stream, for what the reader does not do (writing a reply on a
    /// full-duplex stream, its address, its options). Reading from it
    /// directly bypasses the buffer; while a `read_line` is in flight such a
    /// read is refused (`ResourceBusy`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let reader = tame::io::LineReader::new(a);
    /// assert_eq!(reader.get_ref().try_write(b"hello").unwrap(), 5);
    /// assert_eq!(b.try_read(&mut [0; 8]).unwrap(), 5);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.shared.stream
    }

    /// Stops reading, for good: a `read_line` in flight comes back
    /// untriggered (its event dropped, as a stream's `close` drops its
    /// operations' events), and the reader goes with its stream and the
    /// bytes not given out (the stream closes if the reader held it alone,
    /// as when it is dropped). What a server does to a client gone silent
    /// mid-line: dropping the reader alone leaves its read in flight, and
    /// the read holds the stream open until the read's event dies. (A
    /// regular file's read never waits: it comes back by itself.)
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::io::LineReader;
    ///
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let reader = LineReader::new(a);
    /// let r = tame::Rendezvous::<&str>::new();
    /// // The peer says nothing: the read waits.
    /// reader.read_line(64, r.event("line").map(|_: io::Result<Option<Vec<u8>>>| ()));
    /// reader.close();
    /// assert_eq!(r.try_next(), Some("line")); // back, untriggered
    /// assert_eq!(b.try_read(&mut [0; 8]).unwrap(), 0); // and the stream closed
    /// tame::run(); // nothing left to wait for
    /// ```
    pub fn close(self) {
        let reading = self.shared.state.borrow().in_flight();
        if reading {
            (self.shared.stream.source().0).cancel(crate::driver::Ready::READ);
        }
    }

    /// The stream and the bytes read from it and not given out yet.
    ///
    /// # Errors
    ///
    /// Gives the reader back if a `read_line` is in flight (its reads hold
    /// the reader's state): wait for its event, then call again. A
    /// `read_line` whose event died is not in flight: its read is dropped
    /// here (on a regular file, whose reads wait in the loop's queue, on
    /// the loop's next turn: until then the reader is given back).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use tame::io::LineReader;
    ///
    /// let (a, b) = tame::net::UnixStream::pair().unwrap();
    /// let reader = LineReader::new(a);
    /// b.try_write(b"HELO\nbinary data").unwrap();
    /// let r = tame::Rendezvous::<()>::new();
    /// let (ev, line) = r.event_with_slot::<io::Result<Option<Vec<u8>>>>(());
    /// reader.read_line(64, ev);
    /// tame::run();
    /// assert_eq!(line.take().unwrap().unwrap().unwrap(), b"HELO\n");
    /// let (a, rest) = reader.into_inner().ok().unwrap();
    /// assert_eq!(rest, b"binary data");
    /// # drop(a);
    /// ```
    #[allow(clippy::result_large_err)]
    pub fn into_inner(self) -> Result<(S, Vec<u8>), LineReader<S>> {
        let shared = self.shared;
        if Rc::strong_count(&shared) > 1 && !shared.state.borrow().in_flight() {
            // A read_line given up holds the state through its dead read
            // until the loop drops it: dropped now, its chain lets go.
            shared.stream.source().0.reap();
        }
        match Rc::try_unwrap(shared) {
            Ok(shared) => {
                let mut state = shared.state.into_inner();
                state.buf.drain(..state.start);
                Ok((shared.stream, state.buf))
            }
            Err(shared) => Err(LineReader { shared }),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for LineReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("LineReader");
        d.field("stream", &self.shared.stream);
        if let Ok(state) = self.shared.state.try_borrow() {
            d.field("buffered", &(state.buf.len() - state.start));
            d.field("reading", &state.in_flight());
        }
        d.finish()
    }
}

impl State {
    /// A `read_line` is in flight: started, not ended, and its event live.
    fn in_flight(&self) -> bool {
        self.reading.as_ref().is_some_and(|call| call.ev.is_live())
    }

    /// The chain of `read_line` number `number` ends: the reader is free,
    /// unless a newer call has started meanwhile (this one's event died
    /// first), which is left alone.
    fn end(&mut self, number: u64) {
        if self
            .reading
            .as_ref()
            .is_some_and(|call| call.number == number)
        {
            self.reading = None;
        }
    }

    /// The next line out of the buffer (`Some(Ok(line))`), the error of a
    /// line longer than `limit` (`Some(Err(..))`), or `None`: more bytes
    /// are needed to tell.
    fn take_line(&mut self, limit: usize) -> Option<io::Result<Vec<u8>>> {
        if !self.skip() {
            return None;
        }
        let from = self.searched.max(self.start);
        match self.buf[from..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let end = from + i + 1;
                if end - self.start > limit {
                    self.searched = from + i;
                    self.too_long = true;
                    return Some(Err(too_long(limit)));
                }
                self.too_long = false;
                let line = self.buf[self.start..end].to_vec();
                self.consume_to(end);
                Some(Ok(line))
            }
            None => {
                self.searched = self.buf.len();
                // At exactly `limit` bytes the line may still fit: a final
                // line, unterminated, if the stream ends next.
                let over = self.buf.len() - self.start > limit;
                self.too_long |= over;
                over.then(|| Err(too_long(limit)))
            }
        }
    }

    /// Drops what is buffered of a line being skipped; whether it ended
    /// (its `\n` was there).
    fn skip(&mut self) -> bool {
        if !self.skipping {
            return true;
        }
        match self.buf[self.start..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.consume_to(self.start + i + 1);
                self.skipping = false;
            }
            None => self.consume_to(self.buf.len()),
        }
        !self.skipping
    }

    /// Everything left, at the end of the stream: the final line, if any.
    fn take_rest(&mut self) -> Option<Vec<u8>> {
        self.too_long = false;
        // A line being skipped ends with the stream: bytes that a file
        // grown later (or a tty after ^D) gives are a new line.
        self.skipping = false;
        let rest = (self.start < self.buf.len()).then(|| self.buf[self.start..].to_vec());
        self.consume_to(self.buf.len());
        rest
    }

    fn consume_to(&mut self, end: usize) {
        if end == self.buf.len() {
            if self.buf.capacity() > KEEP_BUF {
                // All given out, from a buffer a long line grew: freed, so
                // that an idle reader does not hold that line's size. The
                // next line allocates what it needs.
                self.buf = Vec::new();
            } else {
                // All given out: start over, keeping the allocation for the
                // next lines.
                self.buf.clear();
            }
            self.start = 0;
            self.searched = 0;
        } else if self.buf.capacity() > KEEP_BUF && self.buf.len() - end <= KEEP_BUF {
            // A long line given out from the buffer it grew, and little
            // after it: that little moves to a buffer of the usual size, or
            // the long line's size would stay for as long as each read
            // ends within a line.
            let mut rest = Vec::with_capacity(KEEP_BUF);
            rest.extend_from_slice(&self.buf[end..]);
            self.buf = rest;
            self.start = 0;
            self.searched = 0;
        } else {
            // The bytes before `start` go at the next append, once for all
            // the lines taken from this read.
            self.start = end;
            self.searched = end;
        }
    }

    fn append(&mut self, bytes: &[u8]) {
        // Bytes after a read error: the stream went on, and the line too.
        self.cut &= bytes.is_empty();
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.searched -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }
}

/// The most capacity the buffer of lines keeps once all its bytes are given
/// out: a few read chunks, so that lines of the usual sizes (a read's worth
/// of them, and the start of the next) reuse one allocation, while a
/// buffer a long line grew does not stay the size of that line for as long
/// as the reader lives.
const KEEP_BUF: usize = 4 * ops::READ_CHUNK;

/// The end of the stream after a read error cut a line off: its `lost`
/// bytes are dropped, not given out as a final line.
fn cut_off(lost: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!(
            "the stream ended after a read error, within a line: its {lost} bytes read \
             before the error are dropped, not given as a final line"
        ),
    )
}

fn too_long(limit: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("read_line: no end of line within {limit} bytes"),
    )
}

/// Gives `ev` the next line from the buffer, or reads more and comes back
/// here with what the read gave ([`read_back`]).
fn step<S: ReadStream + 'static>(
    shared: Rc<Shared<S>>,
    number: u64,
    limit: usize,
    ev: Event<LineResult>,
) {
    let mut state = shared.state.borrow_mut();
    if !ev.is_live() {
        // Nobody would receive the line: it stays in the buffer.
        state.end(number);
        drop(state);
        drop(shared);
        return drop(ev);
    }
    if let Some(line) = state.take_line(limit) {
        drop(state);
        return finish(shared, number, line.map(Some), ev);
    }
    let chunk = std::mem::take(&mut state.chunk);
    drop(state);
    // The stream's read, on its source: the read's event then holds the
    // only `Rc` of the shared state besides the reader's own, also while
    // the read comes back at once (so `into_inner` works from inside
    // `ev`'s callback).
    let source = shared.stream.source().0.clone();
    let read_ev = ev.then(move |got, ev| read_back(shared, number, limit, got, ev));
    ops::read(&source, chunk, read_ev);
}

/// A read of [`step`] came back (`None`: cancelled, untriggered).
fn read_back<S: ReadStream + 'static>(
    shared: Rc<Shared<S>>,
    number: u64,
    limit: usize,
    got: Option<(Vec<u8>, io::Result<usize>)>,
    ev: Event<LineResult>,
) {
    let mut state = shared.state.borrow_mut();
    let Some((mut chunk, n)) = got else {
        // `ev` died, or the stream was closed: `ev` comes back untriggered
        // (dropped once the reader is whole again).
        state.end(number);
        drop(state);
        drop(shared);
        return drop(ev);
    };
    // The bytes join the buffer before anything else can happen.
    state.append(&chunk);
    chunk.clear();
    state.chunk = chunk;
    match n {
        Ok(0) if ev.is_live() => {
            let cut = std::mem::take(&mut state.cut);
            let rest = state.take_rest();
            drop(state);
            let result = match rest {
                Some(rest) if cut => Err(cut_off(rest.len())),
                rest => Ok(rest),
            };
            finish(shared, number, result, ev);
        }
        Err(e) => {
            // (A read refused, another waiting on the stream, read
            // nothing: the line is whole so far.)
            if e.kind() != io::ErrorKind::ResourceBusy {
                state.cut = state.start < state.buf.len();
            }
            drop(state);
            finish(shared, number, Err(e), ev);
        }
        // More bytes (or the end, with nobody to tell: `step` stops).
        Ok(_) => {
            drop(state);
            step(shared, number, limit, ev);
        }
    }
}

/// Ends a `read_line`: the reader is whole again (another `read_line` or
/// `into_inner` may follow at once, even from inside `ev`'s callback)
/// before `ev` hears of the result.
fn finish<S>(shared: Rc<Shared<S>>, number: u64, result: LineResult, ev: Event<LineResult>) {
    shared.state.borrow_mut().end(number);
    drop(shared);
    ev.trigger(result);
}

#[cfg(test)]
mod tests {
    use super::{LineReader, KEEP_BUF};
    use std::io;

    /// Reads one line of `reader`, written to `w` meanwhile.
    fn line_through(
        reader: &LineReader<crate::io::Fd>,
        w: &crate::io::Fd,
        line: Vec<u8>,
    ) -> Vec<u8> {
        let r = crate::Rendezvous::<()>::new();
        let (written, _) = r.event_with_slot(());
        w.write_all(line, written);
        let (ev, got) = r.event_with_slot::<io::Result<Option<Vec<u8>>>>(());
        reader.read_line(4 << 20, ev);
        crate::run();
        got.take().unwrap().unwrap().unwrap()
    }

    fn capacity(reader: &LineReader<crate::io::Fd>) -> usize {
        reader.shared.state.borrow().buf.capacity()
    }

    #[test]
    fn a_long_lines_buffer_is_freed_once_it_is_given_out() {
        let (r, w) = crate::io::pipe().unwrap();
        let reader = LineReader::new(r);
        let mut long = vec![b'x'; 1 << 20];
        long.push(b'\n');
        assert_eq!(line_through(&reader, &w, long).len(), (1 << 20) + 1);
        assert!(
            capacity(&reader) <= KEEP_BUF,
            "an idle reader keeps {} bytes after a 1 MiB line",
            capacity(&reader)
        );
    }

    #[test]
    fn a_long_lines_buffer_is_given_up_when_the_next_line_has_begun() {
        let (r, w) = crate::io::pipe().unwrap();
        let reader = LineReader::new(r);
        let mut long = vec![b'x'; 1 << 20];
        long.extend_from_slice(b"\nsecond, begun");
        assert_eq!(line_through(&reader, &w, long).len(), (1 << 20) + 1);
        assert!(
            capacity(&reader) <= KEEP_BUF,
            "a reader holding half a line keeps {} bytes after a 1 MiB line",
            capacity(&reader)
        );
        assert_eq!(
            line_through(&reader, &w, b" and ended\n".to_vec()),
            b"second, begun and ended\n"
        );
    }

    #[test]
    fn a_short_lines_buffer_is_kept_for_the_next_lines() {
        let (r, w) = crate::io::pipe().unwrap();
        let reader = LineReader::new(r);
        assert_eq!(line_through(&reader, &w, b"short\n".to_vec()), b"short\n");
        let kept = reader.shared.state.borrow().buf.as_ptr();
        assert!(capacity(&reader) > 0, "the buffer stays allocated");
        assert_eq!(
            line_through(&reader, &w, b"another\n".to_vec()),
            b"another\n"
        );
        assert_eq!(
            reader.shared.state.borrow().buf.as_ptr(),
            kept,
            "the same allocation serves the next line"
        );
    }

    #[test]
    fn a_line_being_skipped_is_not_taken_for_a_buffered_line() {
        let (a, b) = crate::net::UnixStream::pair().unwrap();
        let reader = LineReader::new(a);
        b.try_write(b"far too long\nok").unwrap();
        let r = crate::Rendezvous::<()>::new();
        let (ev, got) = r.event_with_slot::<super::LineResult>(());
        reader.read_line(4, ev);
        crate::run();
        assert!(got.take().unwrap().is_err(), "a line over the limit");
        assert!(
            reader.line_buffered(),
            "the long line itself, for its error"
        );
        reader.skip_line();
        assert!(!reader.line_buffered(), "\"ok\" has no end yet");
        b.try_write(b"\n").unwrap();
        let (ev, got) = r.event_with_slot::<super::LineResult>(());
        reader.read_line(4, ev);
        crate::run();
        assert_eq!(got.take().unwrap().unwrap().unwrap(), b"ok\n");
    }
}
