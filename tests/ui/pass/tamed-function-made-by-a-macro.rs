// A `macro_rules!` that makes a tamed function, splicing a `$body:block`
// between its statements (the block comes without delimiters around its
// braces), and a `let` as a `$s:stmt` whose variable the body uses after
// the twait.
use tame::{mkevent, tamed, twait};

macro_rules! handler {
    ($name:ident, $first:stmt, $body:block, $tail:block) => {
        #[tamed]
        fn $name() -> u32 {
            $first;
            twait! { tame::asap(mkevent!()); }
            $body
            $tail
        }
    };
}

handler!(h, let n = 7, {
    println!("body");
}, {
    n + 1
});

fn main() {
    assert_eq!(tame::run_with(h), Some(8));
}
