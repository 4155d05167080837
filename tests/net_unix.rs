//! `tame::net::{UnixListener, UnixStream}`: an echo server and clients
//! written as `#[tamed]` functions over a socket file.

use std::cell::Cell;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;

use tame::net::{UnixListener, UnixStream};

#[path = "support/socket_dir.rs"]
mod socket_dir;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Echoes lines on `conn` until the client closes its side.
#[tamed]
fn echo_conn(conn: UnixStream, served: Rc<Cell<usize>>) {
    tvars! {
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
        let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
    }
    loop {
        twait! { conn.read_until(std::mem::take(&mut got.0), b"\n", 1024, mkevent!(got)); }
        // An error ends it like the end of the stream.
        let n = got.1.as_ref().map_or(0, |&n| n);
        if n == 0 {
            break;
        }
        let line: Vec<u8> = got.0.drain(..n).collect();
        twait! { conn.write_all(line, mkevent!(sent)); }
        if sent.1.is_err() {
            break;
        }
    }
    conn.close();
    served.set(served.get() + 1);
}

/// Accepts `n` connections and serves each with `echo_conn`; then closes
/// the listener.
#[tamed]
fn echo_server(listener: UnixListener, n: usize, served: Rc<Cell<usize>>) {
    tvars! { let mut accepted: io::Result<UnixStream> = Err(io::ErrorKind::NotConnected.into()); }
    for _ in 0..n {
        twait! { listener.accept(mkevent!(accepted)); }
        match std::mem::replace(&mut accepted, Err(io::ErrorKind::NotConnected.into())) {
            Ok(conn) => echo_conn(conn, served.clone()),
            Err(e) => panic!("accept: {e}"),
        }
    }
    listener.close();
}

/// Connects to `path`, sends two lines, reads them back.
#[tamed]
fn client(path: PathBuf, tag: usize, done: Event<Vec<u8>>) {
    tvars! {
        let mut conn: io::Result<UnixStream> = Err(io::ErrorKind::NotConnected.into());
        let mut sent: (Vec<u8>, io::Result<()>) = (Vec::new(), Ok(()));
        let mut got: (Vec<u8>, io::Result<usize>) = (Vec::new(), Ok(0));
    }
    twait! { UnixStream::connect(&path, mkevent!(conn)); }
    let conn = conn.unwrap();
    twait! { conn.write_all(format!("{tag} one\n{tag} two\n").into_bytes(), mkevent!(sent)); }
    assert!(sent.1.is_ok());
    twait! { conn.read_until(Vec::new(), b"two\n", 1024, mkevent!(got)); }
    conn.close();
    done.trigger(got.0);
}

#[test]
fn unix_echo_server_and_clients() {
    on_fresh_loop(|| {
        let path = socket_dir::short_temp_dir()
            .join(format!("tame-unix-echo-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap();
        let served = Rc::new(Cell::new(0));
        echo_server(listener, 5, served.clone());
        let r = Rendezvous::<usize>::new();
        let mut slots = Vec::new();
        for tag in 0..5 {
            let (ev, slot) = r.event_with_slot(tag);
            client(path.clone(), tag, ev);
            slots.push(slot);
        }
        tame::run();
        std::fs::remove_file(&path).unwrap();
        for (tag, slot) in slots.iter().enumerate() {
            assert_eq!(
                slot.take().unwrap(),
                format!("{tag} one\n{tag} two\n").as_bytes()
            );
        }
        assert_eq!(served.get(), 5);
    });
}

#[test]
fn connecting_to_a_missing_socket_file_is_an_error_through_the_event() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot::<io::Result<UnixStream>>(());
    UnixStream::connect("/nonexistent/tame.sock", ev);
    let err = slot.take().unwrap().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
}

#[test]
fn connecting_to_a_path_no_socket_can_have_is_invalid_input_as_in_std() {
    let too_long = format!("/tmp/{}", "x".repeat(200));
    for path in ["", too_long.as_str(), "/tmp/a\0b"] {
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot::<io::Result<UnixStream>>(());
        UnixStream::connect(path, ev);
        let err = slot.take().unwrap().unwrap_err();
        let std_err = std::os::unix::net::UnixStream::connect(path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{path:?}: {err}");
        assert_eq!(err.kind(), std_err.kind(), "{path:?}");
    }
}

/// Binding an empty path (an unset variable's) is refused as connecting
/// to one is, not bound to a name of the kernel's choosing that nothing
/// can find, as std binds it.
#[test]
fn binding_an_empty_path_is_invalid_input() {
    let err = tame::net::UnixListener::bind("").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.to_string(), "an empty path names no socket");
}

#[test]
fn unix_streams_tell_their_addresses_as_std_does() {
    let path =
        socket_dir::short_temp_dir().join(format!("tame-unix-addr-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    // Nothing waiting yet: try_accept says so instead of waiting.
    let err = listener.try_accept().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);

    let std_client = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let server = listener.try_accept().unwrap();
    let client = UnixStream::from_std(std_client.try_clone().unwrap()).unwrap();
    let pathname = |a: io::Result<std::os::unix::net::SocketAddr>| {
        a.unwrap().as_pathname().map(|p| p.to_path_buf())
    };
    // The accepted end is bound to the listener's path, the client's end is
    // unnamed: as std's own streams say.
    assert_eq!(pathname(server.local_addr()), Some(path.clone()));
    assert_eq!(pathname(server.peer_addr()), None);
    assert_eq!(pathname(client.peer_addr()), Some(path.clone()));
    assert_eq!(pathname(client.local_addr()), None);
    assert_eq!(
        pathname(client.peer_addr()),
        pathname(std_client.peer_addr())
    );
    assert!(server.take_error().unwrap().is_none());
    // Their Debug shows the addresses as std's does, beside the descriptor.
    let shown = |d: String| d.split_once(", ").map(|(_, rest)| rest.to_owned());
    assert_eq!(
        shown(format!("{client:?}")),
        shown(format!("{std_client:?}")),
        "{client:?}"
    );
    assert!(
        format!("{listener:?}").contains(&format!("{:?}", path)),
        "{listener:?}"
    );

    // The halves of a split stream tell the same.
    let (r, w) = server.into_split();
    assert_eq!(pathname(r.local_addr()), Some(path.clone()));
    assert_eq!(pathname(w.local_addr()), Some(path.clone()));
    assert_eq!(pathname(r.peer_addr()), None);
    assert_eq!(pathname(w.peer_addr()), None);
    let (r, w) = client.into_split();
    assert_eq!(pathname(r.peer_addr()), Some(path.clone()));
    assert_eq!(pathname(w.peer_addr()), Some(path.clone()));
    std::fs::remove_file(&path).unwrap();
}

/// Halves go back together from either side, as tokio's do; halves of
/// different streams are given back, the read half first, still usable.
#[test]
fn halves_reunite_from_either_side_and_strangers_are_given_back() {
    let (a, b) = UnixStream::pair().unwrap();
    let (ra, wa) = a.into_split();
    let (rb, wb) = b.into_split();
    let (ra, wb) = match wb.reunite(ra) {
        Err(halves) => halves,
        Ok(_) => panic!("halves of two streams were put together"),
    };
    let (rb, wa) = match rb.reunite(wa) {
        Err(halves) => halves,
        Ok(_) => panic!("halves of two streams were put together"),
    };
    // Given back whole: b's write half still reaches a's read half.
    assert_eq!(wb.try_write(b"x").unwrap(), 1);
    let mut buf = [0u8; 4];
    assert_eq!(ra.try_read(&mut buf).unwrap(), 1);
    let a = wa.reunite(ra).expect("a's own halves");
    let b = wb.reunite(rb).expect("b's own halves");
    assert_eq!(a.try_write(b"yz").unwrap(), 2);
    assert_eq!(b.try_read(&mut buf).unwrap(), 2);
}

/// An abstract name (Linux) as the module docs say: std binds and
/// connects, tame takes the sockets over, and they work as any.
#[test]
fn abstract_names_are_bound_and_connected_with_std_and_taken_over() {
    use std::os::linux::net::SocketAddrExt;
    use tame::io::ReadStream;
    on_fresh_loop(|| {
        let name = format!("tame-test-abstract-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let std_listener = std::os::unix::net::UnixListener::bind_addr(&addr).unwrap();
        let listener = UnixListener::from_std(std_listener).unwrap();
        let std_client = std::os::unix::net::UnixStream::connect_addr(&addr).unwrap();
        let client = UnixStream::from_std(std_client).unwrap();
        let served = Rc::new(Cell::new(0));
        echo_server(listener, 1, served.clone());
        client.try_write(b"over an abstract name\n").unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let r = Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot(());
        client.read_to_end(Vec::new(), 1 << 10, ev);
        tame::run();
        let (got, n) = slot.take().unwrap();
        assert_eq!(n.unwrap(), got.len());
        assert_eq!(got, b"over an abstract name\n");
        assert_eq!(served.get(), 1);
    });
}
