// `with_timeout` keeps a slot's old value when the time runs out: a slot
// declared without one would have none, and the wait would panic there.
use std::io;
use std::time::Duration;
use tame::net::UnixStream;
use tame::{mkevent, tamed, twait};

#[tamed]
fn send_with_deadline(conn: UnixStream, data: Vec<u8>) -> io::Result<()> {
    let sent: (Vec<u8>, io::Result<()>);
    twait! { conn.write_all(data, tame::with_timeout(Duration::from_millis(100), mkevent!(sent))); }
    let (_buf, res) = sent;
    res
}

fn main() {
    let (a, _b) = UnixStream::pair().unwrap();
    tame::run_with(|d| send_with_deadline(a, vec![0; 8], d));
}
