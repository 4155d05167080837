//! A borrow used after a `match` whose waiting arm returns and of whose
//! other arms one moves a variable, a twait after that: the variable must
//! be kept on the other paths, so the code after the `match` is a state of
//! its own, which cannot keep the borrow. tame's error at the borrow,
//! naming the moved variable, not "kept across a twait" (it is not, in
//! the source). With no twait after the `match`, this compiles.
use tame::{mkevent, tamed, twait};

struct Guard;
impl Drop for Guard {
    fn drop(&mut self) {}
}

fn eat(_g: Guard) {}

#[tamed]
fn with_borrow(v: Vec<u32>, k: u32) {
    let s = Guard;
    let x = v.first();
    match k {
        0 => {
            twait! { tame::asap(mkevent!()); }
            return;
        }
        1 => eat(s),
        _ => {}
    }
    println!("{x:?}");
    twait! { tame::asap(mkevent!()); }
    println!("resumed");
}

fn main() {}
