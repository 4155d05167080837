use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    let later = || {
        twait! { tame::asap(mkevent!()); }
    };
    later();
}

fn main() {}
