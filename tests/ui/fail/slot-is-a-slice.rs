// A range-indexed slot is a slice, of no size a value can be stored into:
// refused at the slot, once.
use tame::{mkevent, tamed, twait, Event};

fn give(ev: Event<[u32; 2]>) {
    ev.trigger([1, 2]);
}

#[tamed]
fn f() -> [u32; 4] {
    let mut a = [0u32; 4];
    twait! { give(mkevent!(a[..2])); }
    a
}

fn main() {}
