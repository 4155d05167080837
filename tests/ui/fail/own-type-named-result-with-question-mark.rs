//! A return type of one's own named `Result`, in a body that uses `?`:
//! #[tamed] takes it for std's; the error says so, and how to rename it.
use tame::{mkevent, tamed, twait};

mod game {
    pub enum Result {
        Win,
        Lose,
    }
}

#[tamed]
fn play(score: Option<u32>) -> game::Result {
    twait! { tame::asap(mkevent!()); }
    if score? > 3 {
        game::Result::Win
    } else {
        game::Result::Lose
    }
}

fn main() {}
