use tame::{mkevent, tamed, twait};

fn take(n: u32) -> u32 {
    n + 1
}

// A number used by value in a closure is copied where the closure runs:
// the closure borrows it (unlike a value it moves, which it owns).
#[tamed]
fn f() {
    let n = 5u32;
    let next = || take(n);
    twait! { tame::asap(mkevent!()); }
    println!("{}", next());
}

fn main() {}
