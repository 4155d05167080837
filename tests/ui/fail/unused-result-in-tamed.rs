//! The machine allows `unused_must_use` (a discarded branch value becomes a
//! statement of its own there); the body as written is still linted, so
//! an unused `Result` is reported at the user's call, once.
#![deny(unused_must_use)]

use tame::{mkevent, tamed, twait};

fn send() -> Result<(), String> {
    Ok(())
}

#[tamed]
fn forgets() {
    twait! { tame::asap(mkevent!()); }
    send();
}

fn main() {}
