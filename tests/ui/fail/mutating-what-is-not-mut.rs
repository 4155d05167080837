// A `self` or a parameter changed without `mut`: rustc's own error, once,
// at the user's code (not again of the machine's variables, with a `mut`
// suggested before `#[tamed]`).
use tame::{mkevent, tamed, twait};

struct S(Vec<u32>);

impl S {
    #[tamed]
    fn push(self, x: u32) -> usize {
        twait! { tame::asap(mkevent!()); }
        self.0.push(x);
        self.0.len()
    }
}

#[tamed]
fn count(n: u32) -> u32 {
    n += 1;
    twait! { tame::asap(mkevent!()); }
    n
}

macro_rules! inc {
    ($v:ident) => {
        $v += 1
    };
}

#[tamed]
fn by_macro(n: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    inc!(n);
    n
}

#[tamed]
fn parenthesized(n: u32) -> u32 {
    let k = 1;
    twait! { tame::asap(mkevent!()); }
    (k) += n;
    k
}

fn main() {
    let _ = (S::push, count, by_macro, parenthesized);
}
