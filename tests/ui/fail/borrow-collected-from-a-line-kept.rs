use tame::{mkevent, tamed, twait};

// A collection of the pieces of a line borrows the line: used after the
// twait, it is tame's error at the variable (a collection named owned,
// `collect::<String>()` or `let s: String = ..`, is kept as a value).
#[tamed]
fn f(line: String) -> usize {
    let words: Vec<&str> = line.split(' ').collect();
    twait! { tame::asap(mkevent!()); }
    words.len()
}

fn main() {
    f("a b".into(), tame::Event::from_fn(|_: Option<usize>| ()));
    tame::run();
}
