use tame::{mkevent, tamed, twait};

#[tamed]
fn f() {
    twait! {
        tame::asap(mkevent!());
        twait! { tame::asap(mkevent!()); }
    }
}

fn main() {}
