use tame::{mkevent, tamed, twait, Rendezvous};

// The two forms of `twait!` mixed: rustc's missing `;`, then the
// translator's error telling the forms apart.
#[tamed]
fn f() {
    let r: Rendezvous<u32> = Rendezvous::new();
    twait!(r) {
        tame::asap(mkevent!(r, 1));
    }
}

fn main() {
    f();
    tame::run();
}
