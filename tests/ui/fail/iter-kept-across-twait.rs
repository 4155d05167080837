use tame::{mkevent, tamed, twait};

#[tamed]
fn f(v: Vec<String>) {
    let mut it = v.iter();
    twait! { tame::asap(mkevent!()); }
    println!("{:?}", it.next());
}

fn main() {}
