use std::time::Duration;

use tame::{mkevent, tamed, twait, Rendezvous};

// The block's only event is one of `r`: the block does not wait for it, and
// would go on at once.
#[tamed]
fn f() -> Option<u32> {
    let r = Rendezvous::<u32>::new();
    twait! { tame::timer(Duration::from_millis(50), mkevent!(r, 1)); }
    twait!(r)
}

fn main() {
    let _ = tame::run_with(f);
}
