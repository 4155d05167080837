//! `?` in a #[tamed] function whose return type no `?` can return through
//! (a number, a `String`, a tuple, a `Vec`, a reference): one error at the
//! `?` that says what to change, not a second in tame's own words.
use tame::{mkevent, tamed, twait};

#[tamed]
fn count(text: String) -> u32 {
    let n: u32 = text.parse()?;
    twait! { tame::asap(mkevent!()); }
    n
}

#[tamed]
fn name(text: String) -> String {
    twait! { tame::asap(mkevent!()); }
    let n: u32 = text.parse()?;
    n.to_string()
}

#[tamed]
fn pair(a: Option<u8>) -> (u8, u8) {
    twait! { tame::asap(mkevent!()); }
    (a?, 1)
}

#[tamed]
fn bytes(a: Option<u8>) -> std::vec::Vec<u8> {
    twait! { tame::asap(mkevent!()); }
    vec![a?]
}

#[tamed]
fn word(a: Option<u8>) -> &'static str {
    twait! { tame::asap(mkevent!()); }
    if a? > 3 { "big" } else { "small" }
}

macro_rules! first {
    ($a:expr, $b:expr) => {
        $a
    };
}

#[tamed]
fn in_macros(a: Option<u8>) -> u8 {
    twait! { tame::asap(mkevent!()); }
    println!("{}", first!(a?, 2));
    a.unwrap_or(0)
}

#[tamed]
fn unit_in_macro(a: Option<u8>) {
    twait! { tame::asap(mkevent!()); }
    assert_eq!(a?, 1);
}

fn main() {}
