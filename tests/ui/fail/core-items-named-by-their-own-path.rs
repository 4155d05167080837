// A crate that uses tame sees `core`'s items named by their own paths in
// its diagnostics, inside a tamed function and out of one (not through
// tame's private paths).
#![deny(unused_must_use)]

use tame::{mkevent, tamed, twait};

#[tamed]
fn counts(a: u32) {
    twait! { tame::asap(mkevent!()); }
    a.checked_add(1);
}

fn plain(a: u32) {
    a.checked_mul(2);
}

fn main() {
    counts(1);
    plain(2);
    tame::run();
}
