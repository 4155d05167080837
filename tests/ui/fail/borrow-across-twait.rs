use tame::{mkevent, tamed, twait};

#[tamed]
fn f(v: Vec<String>) {
    let first = &v[0];
    twait! { tame::asap(mkevent!()); }
    println!("{first}");
}

fn main() {}
