// `twait!` in a function without #[tamed]: the macro's own error.
#[macro_use]
extern crate tame;

fn plain() {
    twait! { tame::asap(mkevent!()); }
}

fn main() {
    plain();
}
