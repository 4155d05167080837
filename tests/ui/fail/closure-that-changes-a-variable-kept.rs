// A non-`move` closure that changes a variable of the function, kept
// across a twait: the error does not suggest a `move` closure, which would
// change a copy of its own (and the function would return 0, silently),
// but sharing the variable or building the closure again.
use tame::{mkevent, tamed, twait};

#[tamed]
fn counted() -> u32 {
    let mut count = 0;
    let mut inc = || count += 1;
    inc();
    twait! { tame::asap(mkevent!()); }
    inc();
    count
}

fn main() {
    counted(tame::Event::from_fn(|_| ()));
}
