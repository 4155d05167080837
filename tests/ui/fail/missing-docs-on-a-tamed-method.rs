//! `missing_docs` on a tamed method points at the method, as on a plain one.
#![deny(missing_docs)]

use std::rc::Rc;
use tame::{mkevent, tamed, twait};

/// A counter.
pub struct Counter;

impl Counter {
    #[tamed]
    pub fn next(self: Rc<Self>, x: u32) -> u32 {
        twait! { tame::asap(mkevent!()); }
        x + 1
    }
}

fn main() {}
