// rustc's help for a slot of the wrong type writes `mkevent!(n?)` or
// `mkevent!(n.expect(".."))`: a slot cannot take its value apart, and the
// error says what to write instead, also for an event a timeout wraps
// (whose value is a `Result` around the operation's).
use std::io;
use std::time::Duration;
use tame::{mkevent, tamed, twait, Event};

fn read(ev: Event<io::Result<usize>>) {
    ev.trigger(Ok(3));
}

#[tamed]
fn f() -> io::Result<usize> {
    let mut n = 0;
    twait! { read(mkevent!(n?)); }
    Ok(n)
}

#[tamed]
fn g() -> usize {
    let mut n = 0;
    twait! { read(mkevent!(n.expect("REASON"))); }
    n
}

#[tamed]
fn h() -> io::Result<usize> {
    let mut n: io::Result<usize> = Ok(0);
    twait! { read(tame::add_timeout(Duration::from_secs(1), mkevent!(n?))); }
    n
}

fn main() {
    f(Event::detached());
    g(Event::detached());
    h(Event::detached());
}
