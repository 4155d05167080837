// `mkevent!` without its arguments yet, inside another macro's: rustc's
// own error, not the translator's guess that the block makes only events
// of a rendezvous.
use tame::{mkevent, tamed, twait, Event};

fn wait_all(_e: Vec<Event<u32>>) {}

#[tamed]
fn half_typed() {
    let mut a = 0u32;
    twait! { wait_all(vec![mkevent!]); }
    a += 1;
    drop(a);
}

fn main() {
    half_typed();
}
