// `twait!` inside the arguments of a macro that is not one of std's taking
// a list of expressions (one of the user's, `dbg!`, `matches!`) is refused
// with one error, saying what to do (and no second error claiming it is
// outside a tamed function).
use tame::{tamed, twait, Event, Rendezvous};

macro_rules! twice {
    ($e:expr) => {
        ($e, $e)
    };
}

#[tamed]
fn f(r: Rendezvous<u32>, done: Event<(Option<u32>, Option<u32>)>) {
    done.trigger(twice!(twait!(r)));
}

#[tamed]
fn g(r: Rendezvous<u32>) {
    let _ = dbg!(twait!(r));
}

fn main() {}
