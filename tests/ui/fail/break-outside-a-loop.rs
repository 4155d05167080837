//! An unlabeled `break` or `continue` outside every loop of a tamed
//! function: tame's error at it, as rustc's for a plain function (rustc
//! spoke of a closure and a labeled block the user never wrote). One
//! inside a closure's own loop, or a labeled block's `break 'a`, is fine.
use tame::{mkevent, tamed, twait};

#[tamed]
fn stop_early(n: u32) {
    if n > 2 {
        break;
    }
    twait! { tame::asap(mkevent!()); }
}

#[tamed]
fn skip(n: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    if n == 0 {
        continue;
    }
    let inner = |k: u32| {
        for i in 0..k {
            if i > 1 {
                break;
            }
        }
    };
    inner(n);
    let m = 'block: {
        if n > 5 {
            break 'block 5;
        }
        n
    };
    m
}

fn main() {}
