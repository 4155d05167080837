// `#[should_panic]` on a tamed function (a test, with `#[test]` above
// `#[tamed]`): the refusal to run it as a test is a panic, which would
// pass the test; refused at compile time, with what to write instead.
use tame::{mkevent, tamed, twait};

#[should_panic]
#[tamed]
fn overflow_panics() {
    twait! { tame::asap(mkevent!()); }
}

fn main() {
    overflow_panics();
}
