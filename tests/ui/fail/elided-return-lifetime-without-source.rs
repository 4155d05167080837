// A reference in the return type with no parameter to take its lifetime
// from: plain Rust says "missing lifetime specifier"; tame's error says the
// value must be `&'static` (not rustc's about a `done` parameter).
use tame::{mkevent, tamed, twait};

#[tamed]
fn name(i: usize) -> &str {
    twait! { tame::asap(mkevent!()); }
    ["a", "b"][i]
}

#[tamed]
fn either(a: &'static str, b: &'static str) -> &str {
    twait! { tame::asap(mkevent!()); }
    if a.len() > b.len() { a } else { b }
}

#[tamed]
fn with_a_callback(a: &'static str, f: Box<dyn Fn() + 'static>) -> &str {
    twait! { tame::asap(mkevent!()); }
    f();
    a
}

fn main() {
    let _ = (name, either, with_a_callback);
}
