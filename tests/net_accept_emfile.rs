//! An accept that fails for lack of file descriptors delivers `EMFILE`
//! through its event; the connection stays queued and a later accept, once
//! fds are free again, gets it. One test alone in its binary: it uses up
//! every fd of the process for a moment.

use std::fs::File;

use rustix::process::{Resource, Rlimit};
use tame::net::TcpListener;
use tame::Rendezvous;

#[test]
fn accept_out_of_fds_delivers_emfile_then_recovers() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let _client = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();

    // Use up the fd table. The soft limit is lowered to a little above the
    // fds open now, so that this is quick and certain whatever the limit the
    // test runs under (above 10^6 fds it used to pass without testing).
    let open_now = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    let limit = rustix::process::getrlimit(Resource::Nofile);
    rustix::process::setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(open_now + 64),
            maximum: limit.maximum,
        },
    )
    .unwrap();
    let mut hog = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(f) => hog.push(f),
            Err(e) if e.raw_os_error() == Some(24) => break, // EMFILE
            Err(e) => panic!("unexpected error filling the fd table: {e}"),
        }
        assert!(hog.len() <= 128, "no EMFILE at the lowered limit");
    }

    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    l.accept(ev);
    let err = slot
        .take()
        .expect("a queued connection is tried at once")
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(24), "{err:?}");

    // Free some fds: the same connection is still there to accept.
    hog.truncate(hog.len() - 8);
    let (ev, slot) = r.event_with_slot(());
    l.accept(ev);
    tame::run();
    let (_stream, _peer) = slot.take().unwrap().unwrap();
    drop(hog);
    rustix::process::setrlimit(Resource::Nofile, limit).unwrap();
}
