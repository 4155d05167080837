// `twait!` inside another macro's arguments is refused with one error per
// twait, saying what to do. Found while probing forms for
// tests/program_*.rs: today each such twait also gets "twait! can only be
// used inside a #[tamed] function; add #[tamed] to the enclosing fn",
// which is wrong (it is inside one) and sends the user the wrong way.
use tame::{tamed, twait, Event, Rendezvous};

#[tamed]
fn f(r: Rendezvous<u32>, done: Event<Vec<Option<u32>>>) {
    done.trigger(vec![twait!(r)]);
}

fn main() {}
