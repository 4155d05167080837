//! A receiver that borrows, written with its type: `self: &Self`,
//! `self: Pin<&mut Self>`. The state outlives the call, as with `&self`.
use std::pin::Pin;
use tame::{mkevent, tamed, twait};

struct S {
    v: u32,
}

impl S {
    #[tamed]
    fn explicit(self: &Self) -> u32 {
        twait! { tame::asap(mkevent!()); }
        self.v
    }

    #[tamed]
    fn pinned(self: Pin<&mut Self>) -> u32 {
        twait! { tame::asap(mkevent!()); }
        self.v
    }
}

fn main() {}
