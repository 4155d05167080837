// #[tamed] on a closure: rustc refuses attributes on expressions, and
// #[tamed] says where it goes; nothing more (the closure is not echoed,
// to be read as another expression and its twaits reported).
use tame::{mkevent, tamed, twait};

fn main() {
    let c = #[tamed] || { twait! { tame::asap(mkevent!()); } };
    c();
    tame::run();
}
