// A twait in a constant context (a `const` block, a const generic
// argument) of a condition cannot wait: the machine cannot lift it out,
// and the twait! says it is not in a tamed body (the translator once
// rewrote such a condition forever, until rustc overflowed its stack).
use tame::{tamed, twait, Rendezvous};

fn width<const N: usize>() -> usize {
    N
}

#[tamed]
fn checks(r: Rendezvous<usize>) {
    if const { twait!(r) } {}
    match width::<{ twait!(r) }>() {
        _ => {}
    }
}

fn main() {
    checks(Rendezvous::new());
}
