// A slot of `u32` for an event of `Result<u32, String>`: the mismatch is at
// the slot, and no help of rustc's lands on `#[tamed]` (it suggested
// `#[tamed].expect("REASON")`).
use tame::{mkevent, tamed, twait};

#[tamed]
fn get() -> Result<u32, String> {
    twait! { tame::asap(mkevent!()); }
    Ok(3)
}

#[tamed]
fn f() -> u32 {
    let mut v = 0u32;
    twait! { get(mkevent!(v)); }
    v
}

fn main() {}
