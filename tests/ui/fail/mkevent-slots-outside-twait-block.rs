use tame::{mkevent, tamed, twait, Event};

fn give(ev: Event<(u32, u32)>) {
    ev.trigger((1, 2));
}

// The twait! { } around the call was forgotten: `a` is no rendezvous.
#[tamed]
fn f() -> u32 {
    let mut a = 0;
    let mut b = 0;
    give(mkevent!(a, b));
    twait! { tame::asap(mkevent!()); }
    a + b
}

fn main() {
    let _ = tame::run_with(f);
}
