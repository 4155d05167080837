use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    let r = tame::Rendezvous::<u8>::new();
    let make = || mkevent!(r, 1);
    tame::asap(make());
    twait!(r);
}

fn main() {}
