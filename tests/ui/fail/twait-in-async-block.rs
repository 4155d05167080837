use tame::{tamed, twait};

#[tamed]
fn f(r: tame::Rendezvous<u8>) {
    let fut = async move {
        twait!(r);
    };
    drop(fut);
}

fn main() {}
