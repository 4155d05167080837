use tame::{mkevent, tamed, twait};

// A `match` that leaves a pattern out, whose arm waits: rustc's error
// once, its fix-it after the user's last arm (the machine's copy of the
// `match` gave it a second time, with the new arm after `#[tamed]`).
#[tamed]
fn f(o: Option<u32>) {
    match o {
        Some(v) => {
            twait! { tame::asap(mkevent!()); }
            println!("{v}")
        }
    }
}

fn main() {
    f(Some(1));
    tame::run();
}
