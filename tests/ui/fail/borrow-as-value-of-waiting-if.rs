use tame::{mkevent, tamed, twait};

// The value of a waiting `if` is kept where its branches meet: it cannot
// be a borrow of the function's variable.
#[tamed]
fn first_after_wait(c: bool) -> usize {
    let v = vec![1usize, 2];
    let o = if c {
        twait! { tame::asap(mkevent!()); }
        v.first()
    } else {
        None
    };
    let n = o.copied().unwrap_or(0);
    twait! { tame::asap(mkevent!()); }
    n + v.len()
}

#[tamed]
fn arm_after_wait(k: u32) -> u32 {
    let mut v = vec![1u32, 2];
    let r = match k {
        0 => {
            twait! { tame::asap(mkevent!()); }
            &mut v[0]
        }
        _ => &mut v[1],
    };
    *r += 1;
    twait! { tame::asap(mkevent!()); }
    v[0] + v[1]
}

fn main() {}
