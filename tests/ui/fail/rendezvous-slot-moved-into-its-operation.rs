// A rendezvous' slot moved into the operation that gives it back: the slot
// keeps its old value when no value comes, so it must still have one at
// the twait!(r) that fills it.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn roundtrip(v: Vec<u8>, ev: Event<Vec<u8>>) {
    ev.trigger(v);
}

#[tamed]
fn round() -> usize {
    let r = Rendezvous::<u32>::new();
    let mut buf = vec![0u8];
    roundtrip(buf, mkevent!(r, 1, buf));
    twait!(r);
    buf.len()
}

fn main() {
    tame::run_with(round);
}
