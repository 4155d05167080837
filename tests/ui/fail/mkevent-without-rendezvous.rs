use tame::{mkevent, tamed};

#[tamed]
fn f() {
    let mut n = 0u32;
    tame::asap(mkevent!());
    let _ev: tame::Event<u32> = mkevent!(n);
    n += 1;
}

fn main() {}
