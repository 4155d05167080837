//! `#[tamed]` written twice: one error, not the translation of a
//! translation.
use tame::{mkevent, tamed, twait};

#[tamed]
#[tamed]
fn twice() -> u32 {
    twait! { tame::asap(mkevent!()); }
    1
}

fn main() {
    let _ = tame::run_with(twice);
}
