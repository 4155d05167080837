// A slot moved into the operation that gives it back in one branch of the
// block only: on the other path it keeps its value, which the wait cannot
// tell from one that did not come back.
use tame::{mkevent, tamed, twait, Event};

fn roundtrip(v: Vec<u8>, ev: Event<Vec<u8>>) {
    ev.trigger(v);
}

#[tamed]
fn maybe_round(c: bool) -> usize {
    let mut buf = vec![0u8];
    twait! {
        if c { roundtrip(buf, mkevent!(buf)); }
    }
    buf.len()
}

fn main() {
    tame::run_with(|done| maybe_round(true, done));
}
