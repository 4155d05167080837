// A non-`move` closure that changes a variable of the function, kept
// across a twait: the error does not suggest a `move` closure, which would
// change a copy of its own (and the function would return 0, silently),
// but sharing the variable or building the closure again; a `move`
// closure that holds a borrowing closure is told it holds the borrow.
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
    held(tame::Event::from_fn(|_| ()));
}

// A `move` closure holding a closure that borrows: it holds the borrow.
#[tamed]
fn held() -> u32 {
    let s = String::from("ab");
    let f = || s.len() as u32;
    let g = move || f() + 1;
    twait! { tame::asap(mkevent!()); }
    g()
}
