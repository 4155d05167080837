// `#[must_use]` on a tamed function: the function returns `()` and its value
// comes through its event, so rustc warned "unused return value" at every
// call (`twait! { answer(mkevent!(a)); }`, which uses it) and suggested
// `let _ = ..`. Refused with a clear error.
use tame::{mkevent, tamed, twait};

#[must_use]
#[tamed]
fn answer() -> u32 {
    twait! { tame::asap(mkevent!()); }
    42
}

#[tamed]
fn caller() -> u32 {
    let mut a = 0;
    twait! { answer(mkevent!(a)); }
    a
}

fn main() {}
