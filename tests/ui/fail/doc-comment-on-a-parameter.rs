// A doc comment on a parameter is an error of rustc's at it, as on a plain
// function's (it was dropped without a word, the documentation lost).
use tame::{mkevent, tamed, twait};

#[tamed]
fn f(
    /// how many
    n: u32,
) -> u32 {
    twait! { tame::asap(mkevent!()); }
    n
}

fn main() {
    f(1, tame::Event::detached());
}
