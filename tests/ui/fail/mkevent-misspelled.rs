use tame::{mkevent, tamed, twait, Event};

fn give(n: u32, ev: Event<u32>) {
    ev.trigger(n)
}

// A misspelled `mkevent!` is named for what it is, not taken for a macro
// of the user's own that might make the block's events.
#[tamed]
fn f() {
    let x: u32;
    twait! { give(1, mkevnt!(x)); }
    println!("{x}");
    let y: u32;
    twait! { give(2, mkevent!(y)); }
    println!("{y}");
}

fn main() {
    f();
    tame::run();
}
