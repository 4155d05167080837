// A closure kept across a twait that borrows `self`, or a variable declared
// again: the error names them as written (not the machine's copies).
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

struct Counter {
    k: u32,
}

impl Counter {
    #[tamed]
    fn add(self: Rc<Self>, a: u32) -> u32 {
        let plus = |x: u32| x + self.k;
        twait! { tame::asap(mkevent!()); }
        plus(a)
    }
}

#[tamed]
fn shadowed() -> usize {
    let words = "a b";
    let words = words.split(' ');
    let words: Vec<&str> = words.collect();
    let count = || words.len();
    twait! { tame::asap(mkevent!()); }
    count()
}

fn main() {
    Rc::new(Counter { k: 1 }).add(2, tame::Event::detached());
    shadowed(tame::Event::detached());
}
