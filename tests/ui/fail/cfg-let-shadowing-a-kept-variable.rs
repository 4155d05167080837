//! A `#[cfg(..)]` `let` that shadows a variable a twait keeps (for its drop
//! at its scope's end): the two have one name in the machine, so that
//! later code reaches whichever the build has, and one state cannot hold
//! both. tame's error at the shadowing `let`, with the fix.
#![allow(unexpected_cfgs)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn maybe_wrapped(name: String) -> String {
    let name = name + "-base";
    #[cfg(feature = "wrap")]
    let name = format!("[{name}]");
    twait! { tame::asap(mkevent!()); }
    name
}

fn main() {}
