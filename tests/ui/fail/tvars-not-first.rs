use tame::{tamed, tvars};

#[tamed]
fn f() {
    println!("start");
    tvars! { let n = 0; }
    println!("{n}");
}

fn main() {}
