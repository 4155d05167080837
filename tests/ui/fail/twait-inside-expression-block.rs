use tame::{tamed, twait, Rendezvous};

#[tamed]
fn f(r: Rendezvous<u8>, flag: bool) {
    let x = if flag { twait!(r) } else { None };
    println!("{x:?}");
}

fn main() {}
