//! `into_std`/`into_owned` with the fd table full: the handle gives back
//! the very descriptor it held (no duplicate, which would fail with
//! `EMFILE`), so the connection goes on. It used to close the descriptor
//! and return `EMFILE`: the peer read the end of the stream. Asking a Unix
//! listener its address needs no descriptor either (it asked through a
//! duplicate). One test alone in its binary: it uses up every fd of the
//! process for a moment.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};

use tame::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};

#[path = "support/socket_dir.rs"]
mod socket_dir;

#[path = "support/fd_table.rs"]
mod fd_table;
use fd_table::FullFdTable;

#[test]
fn into_std_with_the_fd_table_full_keeps_the_descriptor() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(std_listener.local_addr().unwrap()).unwrap();
    let tcp = TcpStream::from_std(std_listener.accept().unwrap().0).unwrap();
    let tcp_fd = tcp.as_raw_fd();
    let (unix, unix_peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let unix = UnixStream::from_std(unix).unwrap();
    let unix_fd = unix.as_raw_fd();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_fd = udp.as_raw_fd();
    let tcp_listener = TcpListener::from_std(std_listener).unwrap();
    let tcp_listener_fd = tcp_listener.as_raw_fd();
    let dir = socket_dir::short_temp_dir().join(format!("tame-into-std-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let unix_listener = UnixListener::bind(dir.join("sock")).unwrap();
    let unix_listener_fd = unix_listener.as_raw_fd();
    let (pipe_reader, mut pipe_writer) = std::io::pipe().unwrap();
    let fd = tame::io::Fd::new(pipe_reader).unwrap();
    let fd_fd = fd.as_raw_fd();

    let full = FullFdTable::new();
    let unix_addr = unix_listener.local_addr().expect("local_addr at EMFILE");
    assert_eq!(unix_addr.as_pathname(), Some(dir.join("sock").as_path()));
    let tcp = tcp.into_std().expect("TcpStream::into_std at EMFILE");
    let unix = unix.into_std().expect("UnixStream::into_std at EMFILE");
    let udp = udp.into_std().expect("UdpSocket::into_std at EMFILE");
    let tcp_listener = tcp_listener
        .into_std()
        .expect("TcpListener::into_std at EMFILE");
    let unix_listener = unix_listener
        .into_std()
        .expect("UnixListener::into_std at EMFILE");
    let owned: OwnedFd = fd.into_owned().expect("Fd::into_owned at EMFILE");
    drop(full);

    // The very descriptors, still open on what they were.
    assert_eq!(tcp.as_raw_fd(), tcp_fd);
    assert_eq!(unix.as_raw_fd(), unix_fd);
    assert_eq!(udp.as_raw_fd(), udp_fd);
    assert_eq!(tcp_listener.as_raw_fd(), tcp_listener_fd);
    assert_eq!(unix_listener.as_raw_fd(), unix_listener_fd);
    assert_eq!(owned.as_raw_fd(), fd_fd);

    // The connections go on both ways (the descriptors are non-blocking
    // still: made blocking here for plain std reads).
    tcp.set_nonblocking(false).unwrap();
    ping_pong(&tcp, &peer);
    unix.set_nonblocking(false).unwrap();
    ping_pong(&unix, &unix_peer);
    udp.set_nonblocking(false).unwrap();
    udp.send_to(b"x", udp.local_addr().unwrap()).unwrap();
    assert_eq!(udp.recv(&mut [0; 1]).unwrap(), 1);
    pipe_writer.write_all(b"y").unwrap();
    let mut pipe = std::fs::File::from(owned);
    let mut got = [0; 1];
    pipe.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"y");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `theirs` sends "ping" to `ours`, which answers "pong".
fn ping_pong(mut ours: impl Read + Write, mut theirs: impl Read + Write) {
    theirs.write_all(b"ping").unwrap();
    let mut got = [0; 4];
    ours.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
    ours.write_all(b"pong").unwrap();
    theirs.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"pong");
}
