// rustc's help for a slot of the wrong type writes `mkevent!(n?)` or
// `mkevent!(n.expect(".."))`: a slot cannot take its value apart, and the
// error says what to write instead.
use std::io;
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

fn main() {
    f(Event::detached());
    g(Event::detached());
}
