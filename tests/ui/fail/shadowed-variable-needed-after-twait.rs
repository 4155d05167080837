use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    let n = String::from("outer");
    loop {
        let n = 5;
        twait! { tame::asap(mkevent!()); }
        if n > 3 {
            break;
        }
    }
    println!("{n}");
}

fn main() {}
