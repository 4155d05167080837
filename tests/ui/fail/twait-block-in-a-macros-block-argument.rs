use tame::{mkevent, tamed, twait};

macro_rules! twice {
    ($b:block) => {
        $b;
        $b;
    };
}

// One error, at the twait: the statements after it in the block are fine.
#[tamed]
fn f() -> usize {
    let mut n = 0;
    twice!({
        twait! { tame::asap(mkevent!()); }
        n += 1;
    });
    n
}

fn main() {
    println!("{:?}", tame::run_with(f));
}
