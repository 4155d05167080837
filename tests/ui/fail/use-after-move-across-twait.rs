use tame::{mkevent, tamed, twait};

#[tamed]
fn f(name: String) {
    let moved = name;
    twait! { tame::asap(mkevent!()); }
    println!("{name} {moved}");
}

fn main() {
    f(String::new());
    tame::run();
}
