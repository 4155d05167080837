// An id of another type than the rendezvous': one mismatch, at the id,
// with no note pointing into tame's private functions.
use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn f() -> Option<u32> {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, "a"));
    twait!(r)
}

fn main() {}
