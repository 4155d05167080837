// `twait!(r)` as a `while` body's value (a `()` expected), on a rendezvous
// whose events carry slots: the error points at the twait, as it does
// without slots, not at `#[tamed]`.
use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn drain() {
    let r = Rendezvous::<u8>::new();
    let mut v = 0u32;
    tame::spawn(async { 1u32 }, mkevent!(r, 1, v));
    while r.queued() > 0 { twait!(r) }
    println!("{v}");
}

fn main() {
    drain();
}
