use tame::{mkevent, tamed, twait};

#[tamed]
fn f(names: Vec<String>) {
    for name in names.iter() {
        twait! { tame::asap(mkevent!()); }
        println!("{name}");
    }
}

fn main() {}
