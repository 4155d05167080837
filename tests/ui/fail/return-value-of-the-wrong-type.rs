// A value of the wrong type is reported against the return type as
// written, at the user's value (not as an argument of a function inside
// tame).
use tame::{mkevent, tamed, twait};

#[tamed]
fn f(c: bool) -> u32 {
    if c {
        return "early";
    }
    twait! { tame::asap(mkevent!()); }
    "late"
}

fn main() {
    let _ = f;
}
