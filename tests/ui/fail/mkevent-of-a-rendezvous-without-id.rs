// `mkevent!(r)` in a twait! {} block, `r` a rendezvous: its id was
// forgotten (one argument is a slot to fill); said so, not as a slot of
// the wrong type.
use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn f() -> Option<u32> {
    let r = Rendezvous::<u32>::new();
    twait! { tame::asap(mkevent!(r)); }
    twait!(r)
}

fn main() {}
