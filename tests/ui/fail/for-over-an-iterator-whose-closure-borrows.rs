use tame::{mkevent, tamed, twait};

pub struct Cfg {
    pub min: u32,
}

// The iterator the loop keeps across its twait holds the closure, which
// borrows `cfg`: tame says so (rustc would point at the machine).
#[tamed]
pub fn total(v: Vec<u32>, cfg: Cfg) -> u32 {
    let mut s = 0;
    for x in v.into_iter().filter(|x| *x >= cfg.min) {
        twait! { tame::asap(mkevent!()); }
        s += x;
    }
    s
}

fn main() {
    let _ = tame::run_with(|d| total(vec![1, 2], Cfg { min: 1 }, d));
}
