// One variable without a value filled by two sites with different slots
// beside it: each site's slots are stored together.
use tame::{mkevent, tamed, twait, Event};

fn pair(ev: Event<(u32, u32)>) {
    ev.trigger((1, 2));
}

#[tamed]
fn either(c: bool) -> u32 {
    let w: u32;
    let mut x = 0u32;
    let mut y = 0u32;
    twait! {
        if c { pair(mkevent!(w, x)); } else { pair(mkevent!(w, y)); }
    }
    w + x + y
}

fn main() {
    tame::run_with(|done| either(true, done));
}
