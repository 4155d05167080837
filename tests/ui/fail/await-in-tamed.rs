//! `.await` in a tamed body (code ported from async): tame's error at the
//! `.await`, saying how a tamed function waits for a future.
use tame::{mkevent, tamed, twait};

#[tamed]
fn uses_await(x: u32) -> u32 {
    let y = async { 1 }.await;
    twait! { tame::asap(mkevent!()); }
    x + y
}

fn main() {}
