// `v.` half typed at the end of a block: the error points at the block's
// closing brace, not at the whole block.
use tame::{mkevent, tamed, twait, Event};

fn wait(_e: Event<u32>) {}

#[tamed]
fn typing() {
    let mut a = 0u32;
    twait! { wait(mkevent!(a)); }
    if a > 0 {
        let v = vec![1u8];
        v.
    }
}

fn main() {
    typing();
}
