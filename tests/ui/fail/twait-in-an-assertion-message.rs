// An assertion's message is made only when the assertion fails: a twait
// there is refused (a twait in what is compared is taken, as in any
// expression).
use tame::{tamed, twait, Rendezvous};

#[tamed]
fn f(r: Rendezvous<u32>, n: u32) {
    assert_eq!(n, 5, "{:?}", twait!(r));
    assert!(n > 0, "{:?}", twait!(r));
}

fn main() {}
