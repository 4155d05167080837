//! A `#[tamed]` function declared `-> !` because it loops forever: the
//! call returns at the first twait, so the caller does get control back.
//! Leave the return type out. The same for a trait's declaration of one
//! (no second error about `!` being experimental).
use std::rc::Rc;
use std::time::Duration;
use tame::{mkevent, tamed, twait};

#[tamed]
fn tick_forever() -> ! {
    loop {
        twait! { tame::timer(Duration::from_secs(1), mkevent!()); }
        println!("tick");
    }
}

trait Ticker {
    #[tamed]
    fn tick(self: Rc<Self>) -> !;
}

fn main() {}
