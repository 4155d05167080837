// `mkevent!(_)` outside a `twait! {}` block, to start an operation without
// waiting for it: the error says what to pass instead.
use tame::{mkevent, tamed, twait};

#[tamed]
fn eat(s: String) -> usize {
    twait! { tame::asap(mkevent!()); }
    s.len()
}

#[tamed]
fn start() {
    eat("x".to_string(), mkevent!(_));
    twait! { tame::asap(mkevent!()); }
}

fn main() {
    start();
    tame::run();
}
