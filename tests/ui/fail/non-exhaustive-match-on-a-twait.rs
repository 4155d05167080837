use tame::{tamed, twait, Rendezvous};

// A `match` on `twait!(r)` that leaves ids out: rustc's E0004 once, at
// `twait!(r)` (the machine's copy of the scrutinee gave it a second time,
// at `twait`).
#[tamed]
fn f() {
    let r: Rendezvous<u32> = Rendezvous::new();
    tame::asap(r.event(1));
    match twait!(r) {
        Some(1) => println!("one"),
        None => println!("none"),
    }
}

fn main() {
    f();
    tame::run();
}
