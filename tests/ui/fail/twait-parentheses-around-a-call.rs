use tame::{mkevent, tamed, twait};

// The block form written with parentheses: `twait!(..)` waits on a
// rendezvous, and a call that makes an event is none.
#[tamed]
fn f() -> u32 {
    twait!(tame::asap(mkevent!()));
    1
}

fn main() {
    let _ = tame::run_with(f);
}
