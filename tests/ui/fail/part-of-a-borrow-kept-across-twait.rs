// A part of a variable that borrows (a reference by match ergonomics),
// used after a twait: the error names it and what it borrows, as for the
// variable itself.
use tame::{mkevent, tamed, twait};

#[tamed]
fn f(pair: (String, String)) {
    let r = &pair;
    let (a, _b) = r;
    twait! { tame::asap(mkevent!()); }
    println!("{a}");
}

fn main() {
    f(("a".into(), "b".into()));
}
