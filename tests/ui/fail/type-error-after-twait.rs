use tame::{mkevent, tamed, twait};

#[tamed]
fn f(v: Vec<u32>) {
    twait! { tame::asap(mkevent!()); }
    let n: u32 = v.len();
    println!("{n}");
}

fn main() {
    f(vec![1]);
    tame::run();
}
