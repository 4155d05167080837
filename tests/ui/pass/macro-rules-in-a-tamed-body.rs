// A body's `macro_rules!`, defined before its uses, is seen after a twait
// as in a plain function; one of an inner block that waits too.
use tame::{mkevent, tamed, twait};

#[tamed]
fn f() -> u32 {
    macro_rules! twice {
        ($e:expr) => {
            2 * $e
        };
    }
    let a = twice!(1);
    let b = {
        macro_rules! inner {
            () => {
                10
            };
        }
        twait! { tame::asap(mkevent!()); }
        inner!()
    };
    twait! { tame::asap(mkevent!()); }
    a + twice!(b)
}

fn main() {
    assert_eq!(tame::run_with(f), Some(22));
}
