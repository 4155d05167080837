//! An accept that fails for lack of file descriptors delivers `EMFILE`
//! through its event; the connection stays queued and a later accept, once
//! fds are free again, gets it. One test alone in its binary: it uses up
//! every fd of the process for a moment.

use tame::net::TcpListener;
use tame::Rendezvous;

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::FullFdTable;

#[test]
fn accept_out_of_fds_delivers_emfile_then_recovers() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let _client = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();

    let mut full = FullFdTable::new();

    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    l.accept(ev);
    let err = slot
        .take()
        .expect("a queued connection is tried at once")
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(24), "{err:?}");

    // Free some fds: the same connection is still there to accept.
    full.free(8);
    let (ev, slot) = r.event_with_slot(());
    l.accept(ev);
    tame::run();
    let (_stream, _peer) = slot.take().unwrap().unwrap();
    drop(full);
}
