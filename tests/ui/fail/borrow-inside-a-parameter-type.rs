// A borrow anywhere in a parameter's type, not only at its top: the error
// is at the borrow. `'static` borrows and closures' own arguments are fine.
use tame::{mkevent, tamed, twait};

#[tamed]
fn count(words: Vec<&str>) -> usize {
    twait! { tame::asap(mkevent!()); }
    words.len()
}

struct Parser<'a>(&'a [u8]);

#[tamed]
fn parse<'a>(p: Parser<'a>) -> usize {
    twait! { tame::asap(mkevent!()); }
    p.0.len()
}

#[tamed]
fn fine(names: Vec<&'static str>, each: Box<dyn Fn(&str) -> usize>) -> usize {
    twait! { tame::asap(mkevent!()); }
    names.iter().map(|n| each(n)).sum()
}

fn main() {}
