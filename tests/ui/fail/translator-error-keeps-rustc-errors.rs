use std::collections::HashMap;
use tame::{mkevent, tamed, twait};

#[tamed]
fn f(v: Vec<u32>) {
    let later = || {
        twait! { tame::asap(mkevent!()); }
    };
    let m: HashMap<u32, u32> = HashMap::new();
    let n: u32 = v.len();
    println!("{n} {}", m.len());
    later();
}

fn main() {}
