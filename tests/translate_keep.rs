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
