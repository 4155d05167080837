// A body's `macro_rules!` goes to the top of its block (code after a twait
// must see it), where it would take over a use before it from the macro
// Rust gives that use: the translator refuses, rather than change values.
use tame::{mkevent, tamed, twait};

macro_rules! m {
    () => {
        1
    };
}

#[tamed]
fn f() -> u32 {
    let a = m!();
    macro_rules! m {
        () => {
            20
        };
    }
    twait! { tame::asap(mkevent!()); }
    a + m!()
}

#[tamed]
fn g() -> u32 {
    macro_rules! k {
        () => {
            100
        };
    }
    let a = k!();
    twait! { tame::asap(mkevent!()); }
    macro_rules! k {
        () => {
            3
        };
    }
    a + k!()
}

fn main() {
    tame::run_with(f);
    tame::run_with(g);
}
