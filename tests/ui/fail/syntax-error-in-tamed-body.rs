use tame::{mkevent, tamed, twait};

// A syntax error in a tamed body is reported (by rustc and, at the same
// place, by the translator) and nothing else: not the twaits, not the
// callers.
#[tamed]
fn f(n: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    let x = n +;
    x
}

fn main() {
    println!("{:?}", tame::run_with(|d| f(1, d)));
}
