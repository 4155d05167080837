//! Items declared in an inner block that waits, in a crate that forbids
//! a lint of the `unused` group the machine does not allow
//! (`unused_variables`): it compiles (E0453 when the machine's copies of
//! the items allowed the whole group).
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
