use tame::{mkevent, tamed, twait};

#[tamed]
fn f(stop: bool) {
    twait! {
        if stop {
            return;
        }
        tame::asap(mkevent!());
    }
}

fn main() {}
