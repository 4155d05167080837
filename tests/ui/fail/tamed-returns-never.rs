//! A `#[tamed]` function declared `-> !` because it loops forever: the
//! call returns at the first twait, so the caller does get control back.
//! Leave the return type out.
use std::time::Duration;
use tame::{mkevent, tamed, twait};

#[tamed]
fn tick_forever() -> ! {
    loop {
        twait! { tame::timer(Duration::from_secs(1), mkevent!()); }
        println!("tick");
    }
}

fn main() {}
