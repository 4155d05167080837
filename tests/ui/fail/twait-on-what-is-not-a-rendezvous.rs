// twait!(x) where `x` is not a rendezvous: every error is at `x`.
use tame::{tamed, twait};

#[tamed]
fn f(n: u32) {
    let x = twait!(n);
    let _ = x;
}

fn main() {
    f(1);
}
