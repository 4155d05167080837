//! `tvars!` inside a closure of a tamed function: it declares the state
//! of the tamed function itself. Declare the variables in the one
//! `tvars!` at the top of the function, or use plain `let`s in the
//! closure.
use tame::{mkevent, tamed, tvars, twait};

#[tamed]
fn report() {
    let show = |x: u32| {
        tvars! { let doubled = x * 2; }
        println!("{doubled}");
    };
    twait! { tame::asap(mkevent!()); }
    show(1);
}

fn main() {}
