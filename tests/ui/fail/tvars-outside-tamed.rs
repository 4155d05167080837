//! `tvars!` in a function without `#[tamed]`: it declares the state of a
//! tamed function. Add `#[tamed]` to the function, or use plain `let`s.
use tame::tvars;

fn count() {
    tvars! { let mut n = 0; }
    n += 1;
    println!("{n}");
}

fn main() {
    count();
}
