use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn lookup(key: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    key
}

// An event without a slot given to a callee that gives a value: the error
// says to give the event a slot (rustc said "expected `Event<u32>`, found
// `Event`", with nothing about slots).
#[tamed]
fn f() {
    twait! { lookup(1, mkevent!()); }
    let r: Rendezvous<u32> = Rendezvous::new();
    lookup(2, mkevent!(r, 1));
    twait!(r);
}

fn main() {
    f();
    tame::run();
}
