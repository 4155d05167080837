//! An element that is a `&mut` reference, passed by value before a later
//! operand's twait: the element is copied before the twait, as Rust copies
//! an element taken by value, and a `&mut` is no copy (Rust would reborrow
//! it in place). rustc refuses the move, E0507; the README's table says to
//! reborrow it by hand, which the second call shows compiles.
use tame::{tamed, twait, Rendezvous};

fn bump(a: &mut u32, b: u32) {
    *a += b;
}

#[tamed]
fn f(mut refs: Vec<&'static mut u32>) {
    let r = Rendezvous::<u32>::new();
    tame::asap(r.event(1));
    bump(refs[0], twait!(r).unwrap_or(0));
    tame::asap(r.event(2));
    bump(&mut *refs[0], twait!(r).unwrap_or(0));
}

fn main() {
    f(vec![Box::leak(Box::new(0))]);
    tame::run();
}
