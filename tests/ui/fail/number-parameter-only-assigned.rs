// A number parameter given a new value before it is read draws what a
// plain function draws (the value assigned is never read, the variable
// never used), once, and not also "unused variable" at the parameter the
// machine does not take.
#![deny(unused_variables, unused_assignments)]
use tame::{mkevent, tamed, twait};

#[tamed]
fn f(mut k: u32) -> u32 {
    k = 5;
    twait! { tame::asap(mkevent!()); }
    3
}

fn main() {
    let _ = tame::run_with(|done| f(1, done));
}
