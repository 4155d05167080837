//! Items declared in an inner block that waits are the user's, linted
//! once where they are written: a crate that denies `unused_imports` and
//! `dead_code` gets no error for a `use` and a `fn` the block uses (the
//! machine's copies, one of which no piece of it uses, say nothing), and
//! one that forbids another lint of the `unused` group compiles (the
//! copies allow those two by name, not the group: E0453).
#![deny(unused_imports, dead_code)]
#![forbid(unused_variables)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn written() -> String {
    let mut s = String::new();
    {
        use std::fmt::Write;
        fn nine() -> u8 {
            9
        }
        twait! { tame::asap(mkevent!()); }
        s.write_str(&nine().to_string()).unwrap();
    }
    s
}

fn main() {
    assert_eq!(tame::run_with(written).as_deref(), Some("9"));
}
