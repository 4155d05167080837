// Declarations in tvars! written without `let` (as in other languages, or
// Tame's C++ `tvars { int n; }`): the error says what it holds, at the
// declaration, and the names it could read stay declared.
use tame::{mkevent, tamed, tvars, twait};

#[tamed]
fn mut_first() -> u32 {
    tvars! { mut n: u32 = 0; }
    twait! { tame::asap(mkevent!()); }
    n += 1;
    n
}

#[tamed]
fn name_and_type() -> u32 {
    tvars! { n: u32; }
    twait! { tame::asap(mkevent!()); }
    n = 1;
    n
}

#[tamed]
fn type_first() {
    tvars! { u32 n; }
    twait! { tame::asap(mkevent!()); }
}

fn main() {}
