//! Two mutable borrows of a variable kept across a twait: rustc's one
//! error, naming the variable as for a plain function (the machine's copy
//! of it named the variable "value", and rustc showed both).
use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    let mut v = vec![1u32];
    twait! { tame::asap(mkevent!()); }
    let a = &mut v;
    let b = &mut v;
    a.push(1);
    b.push(2);
}

fn main() {
    f();
    tame::run();
}
