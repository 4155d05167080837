//! A variable that a `twait! { ... }` block only borrows lives until the
//! wait is over: an operation started in the block keeps its socket (or
//! whatever it borrows) even when nothing after the twait uses it.
#![deny(warnings)]

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::Duration;

use tame::net::TcpStream;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[tamed]
fn read_once(conn: TcpStream, done: Event<io::Result<Vec<u8>>>) {
    tvars! {
        let mut buf: Vec<u8> = Vec::new();
        let mut n: io::Result<usize> = Err(io::ErrorKind::NotConnected.into());
    }
    // `conn` is not used after this twait: it must still live while the
    // read waits, or the read would be cancelled at the twait.
    twait! { conn.read(Vec::new(), mkevent!(buf, n)); }
    done.trigger(n.map(|k| buf[..k].to_vec()));
}

#[test]
fn a_socket_used_only_inside_the_twait_block_lives_until_the_wait_is_over() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let conn = TcpStream::from_std(listener.accept().unwrap().0).unwrap();
    let r = Rendezvous::<()>::new();
    let (done, got) = r.event_with_slot(());
    read_once(conn, done);
    // The peer writes only later, so the read really waits.
    let (later, _) = r.event_with_slot::<()>(());
    tame::timer(
        Duration::from_millis(20),
        tame::Event::from_fn(move |_: Option<()>| {
            peer.write_all(b"hello").unwrap();
            drop(later);
        }),
    );
    tame::run();
    assert_eq!(got.take().unwrap().unwrap(), b"hello");
}

struct Noisy(&'static str, Rc<RefCell<Vec<String>>>);

impl Noisy {
    fn touch(&self) {}
}

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("drop {}", self.0));
    }
}

#[tamed]
fn borrowed_in_block(trace: Rc<RefCell<Vec<String>>>) {
    let used = Noisy("borrowed", trace.clone());
    let unused = Noisy("unmentioned", trace.clone());
    twait! {
        used.touch();
        tame::timer(Duration::from_millis(5), mkevent!());
    }
    trace.borrow_mut().push("resumed".into());
    drop(unused);
}

#[test]
fn a_borrowed_variable_is_dropped_after_the_wait_and_an_unmentioned_one_keeps_the_drop_rule() {
    let trace = Rc::new(RefCell::new(Vec::new()));
    borrowed_in_block(trace.clone());
    trace.borrow_mut().push("call returned".into());
    tame::run();
    // `unmentioned` is used after the twait (drop(unused)), so it crosses;
    // `borrowed` is only borrowed in the block, so it lives until the wait
    // is over and is dropped at the end of the function.
    // Without the rule, "drop borrowed" would come first: at the twait,
    // before the call even returned.
    assert_eq!(
        *trace.borrow(),
        [
            "call returned",
            "resumed",
            "drop unmentioned",
            "drop borrowed"
        ]
    );
}

/// After a write whose block only borrowed `w`: what the reader finds once
/// the written bytes are read (`WouldBlock` while `w` is open, `Ok(0)` once
/// it is closed).
fn after_the_bytes(r: &impl Fn(&mut [u8]) -> io::Result<usize>) -> io::ErrorKind {
    let mut buf = [0u8; 8];
    assert_eq!(r(&mut buf).unwrap(), 2);
    match r(&mut buf) {
        Ok(0) => io::ErrorKind::UnexpectedEof,
        Ok(n) => panic!("{n} more bytes"),
        Err(e) => e.kind(),
    }
}

fn unix_pair() -> io::Result<(tame::net::UnixStream, tame::net::UnixStream)> {
    tame::net::UnixStream::pair()
}

#[tamed]
fn write_through_a_typed_pair() -> io::ErrorKind {
    let (r, w): (tame::net::UnixStream, tame::net::UnixStream) = unix_pair().unwrap();
    let sent: (Vec<u8>, io::Result<()>);
    twait! { w.write_all(b"hi".to_vec(), mkevent!(sent)); }
    sent.1.unwrap();
    after_the_bytes(&|b| r.try_read(b))
}

#[tamed]
fn write_through_a_box() -> io::ErrorKind {
    let (r, w) = unix_pair().unwrap();
    let w: Box<tame::net::UnixStream> = Box::new(w);
    let sent: (Vec<u8>, io::Result<()>);
    twait! { w.write_all(b"hi".to_vec(), mkevent!(sent)); }
    sent.1.unwrap();
    after_the_bytes(&|b| r.try_read(b))
}

#[tamed]
fn write_through_a_pipe() -> io::ErrorKind {
    let (r, w) = tame::io::pipe().unwrap();
    let sent: (Vec<u8>, io::Result<()>);
    twait! { w.write_all(b"hi".to_vec(), mkevent!(sent)); }
    sent.1.unwrap();
    after_the_bytes(&|b| r.try_read(b))
}

#[test]
fn a_handle_known_by_a_tuple_type_a_box_or_a_pipe_lives_to_its_scope_end() {
    // A plain function keeps `w` to its end: the reader sees no EOF yet.
    for f in [
        write_through_a_typed_pair,
        write_through_a_box,
        write_through_a_pipe,
    ] {
        assert_eq!(tame::run_with(f), Some(io::ErrorKind::WouldBlock));
    }
}

/// Reads a line through a `LineReader` made of `conn`, with no type
/// written, then answers with what the far end finds after that line.
#[tamed]
fn read_a_line_through_a_reader(
    conn: tame::net::UnixStream,
    far: tame::net::UnixStream,
) -> io::ErrorKind {
    let reader = tame::io::LineReader::new(conn);
    let line: io::Result<Option<String>>;
    twait! { reader.read_line_string(100, mkevent!(line)); }
    assert_eq!(line.unwrap().as_deref(), Some("hi\n"));
    let mut buf = [0u8; 8];
    match far.try_read(&mut buf) {
        Ok(0) => io::ErrorKind::UnexpectedEof,
        Ok(n) => panic!("{n} bytes"),
        Err(e) => e.kind(),
    }
}

/// A `LineReader` made of one of tame's handles is one too: read through
/// and not mentioned after, it keeps its stream to its scope's end, as in
/// a plain function (it was dropped at the twait, and the peer saw the
/// end of the stream while the function went on).
#[test]
fn a_line_reader_made_of_a_handle_lives_to_its_scope_end() {
    let (ours, far) = unix_pair().unwrap();
    let r = tame::Rendezvous::<()>::new();
    let (wrote, _) = r.event_with_slot::<(Vec<u8>, io::Result<()>)>(());
    far.write_all(b"hi\n".to_vec(), wrote);
    let got = tame::run_with(|done| read_a_line_through_a_reader(ours, far, done));
    assert_eq!(got, Some(io::ErrorKind::WouldBlock));
}
