use tame::{tamed, tvars};

#[tamed]
fn f() {
    tvars! { let a = 0; }
    tvars! { let b = 1; }
    println!("{a} {b}");
}

fn main() {}
