// A macro of the user's own that expands to twait!: #[tamed] has
// translated the body before it expands, so twait! is met outside.
use tame::{mkevent, tamed, twait};

macro_rules! nap {
    () => {
        twait! { tame::asap(mkevent!()); }
    };
}

#[tamed]
fn napping() {
    nap!();
}

fn main() {
    napping();
}
