use tame::{mkevent, tamed, twait};

#[tamed]
fn f(v: Vec<u32>) {
    let plus_len = |x: usize| x + v.len();
    twait! { tame::asap(mkevent!()); }
    println!("{}", plus_len(1));
}

fn main() {}
