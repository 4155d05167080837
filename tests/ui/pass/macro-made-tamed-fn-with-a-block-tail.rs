// A tamed function made by a `macro_rules!` whose `$body:block` is its tail
// or a value: the braces are the macro's, which rustc does not lint, as in
// a plain function (`unused_braces` would ask to remove them, and the call
// would no longer match `$body:block`).
#![deny(unused_braces)]
use tame::{mkevent, tamed, twait};

macro_rules! handler {
    ($name:ident, $v:ident, $body:block) => {
        #[tamed]
        fn $name($v: u32) -> u32 {
            twait! { tame::asap(mkevent!()); }
            $body
        }
    };
}

macro_rules! valued {
    ($name:ident, $v:ident, $body:block) => {
        #[tamed]
        fn $name($v: u32) -> u32 {
            let w = $body;
            twait! { tame::asap(mkevent!()); }
            w
        }
    };
}

handler!(plus_one, v, { v + 1 });
valued!(plus_two, v, { v + 2 });

fn main() {
    assert_eq!(tame::run_with(|d| plus_one(1, d)), Some(2));
    assert_eq!(tame::run_with(|d| plus_two(1, d)), Some(3));
}
