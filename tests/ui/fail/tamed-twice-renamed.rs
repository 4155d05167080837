//! `#[tamed]` written twice, once imported under another name: one error
//! at the second, not the translation of a translation.
use tame::tamed as tamed_again;
use tame::{mkevent, tamed, twait};

#[tamed]
#[tamed_again]
fn twice() -> u32 {
    twait! { tame::asap(mkevent!()); }
    1
}

fn main() {
    let _ = tame::run_with(twice);
}
