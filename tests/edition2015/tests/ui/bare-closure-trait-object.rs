// A closure's trait object without `dyn`, which edition 2015 allows and
// the translator's parser does not: syn's "expected `,`" at the `(`.
#![allow(bare_trait_objects)]
#[macro_use]
extern crate tame;

use tame::tamed;

#[tamed]
fn go(f: Box<Fn(u32) -> u32>) {
    twait! { tame::asap(mkevent!()); }
    println!("{}", f(1));
}

fn main() {
    go(Box::new(|x| x + 1));
}
