//! `.await` on a call of a tamed function (as an async fn would be
//! awaited): tame's error says how to wait for a tamed function, too.
use tame::{mkevent, tamed, twait};

#[tamed]
fn inner() -> u32 {
    twait! { tame::asap(mkevent!()); }
    1
}

#[tamed]
fn outer() -> u32 {
    let x = inner().await;
    x
}

fn main() {}
