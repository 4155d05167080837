// Lint levels on a macro statement, which rustc ignores (and says so):
// reported once each, as for the plain function, and never about an
// `allow` the user did not write (the machine's copy of an `expect`).
#![deny(unused_attributes)]

use tame::{mkevent, tamed, twait};

macro_rules! make {
    () => {
        let _made = 1;
    };
}

#[tamed]
pub fn f() {
    #[expect(unused_must_use)]
    println!("before");
    #[cfg_attr(all(), expect(unused_variables))]
    make!();
    twait! { tame::asap(mkevent!()); }
    #[allow(unused_must_use)]
    println!("after");
}

fn main() {
    f();
    tame::run();
}
