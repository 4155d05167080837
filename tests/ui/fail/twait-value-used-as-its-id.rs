use tame::{tamed, twait, Rendezvous};

fn take(_n: u32) {}

// `twait!(r)` gives an `Option` of the id: each mistake about that type is
// rustc's error once, at `twait!(r)` whole, its fix-it after the `)` (the
// machine's copy of the value was spanned at `twait` alone, and the
// `.expect(..)` was suggested after `#[tamed]`).
#[tamed]
fn f() {
    let r: Rendezvous<u32> = Rendezvous::new();
    tame::asap(r.event(1));
    let id: u32 = twait!(r);
    println!("{id}");
    tame::asap(r.event(1));
    if twait!(r) == 1 {
        println!("one");
    }
    tame::asap(r.event(1));
    take(twait!(r));
}

fn main() {
    f();
    tame::run();
}
