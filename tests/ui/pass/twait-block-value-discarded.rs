use tame::{mkevent, tamed, twait};

// A `twait! {}` block whose last expression starts the operation it waits
// for, its `()` bound or discarded: no value is lost.
#[tamed]
fn f(c: bool) -> u32 {
    let _ = twait! { tame::asap(mkevent!()) };
    let () = twait! { tame::asap(mkevent!()) };
    let _x = if c {
        twait! { tame::asap(mkevent!()) }
    };
    7
}

fn main() {
    assert_eq!(tame::run_with(|d| f(true, d)), Some(7));
}
