// #[tamed] on `main`: the program would end at the first wait.
use tame::{mkevent, tamed, twait};

#[tamed]
fn main() {
    twait! { tame::asap(mkevent!()); }
    println!("never printed");
}
