//! A method of one's own named like a borrowing one of std's collections
//! (`get`, `first`, `last`) that returns an owned value: the translator,
//! which sees no types, takes the result for a borrow of the receiver. The
//! error says so, and that writing the type (`let hit: Option<String> =
//! ..`) keeps it as the owned value it is.
use std::collections::HashMap;
use tame::{mkevent, tamed, twait};

struct Cache(HashMap<String, String>);

impl Cache {
    fn get(&self, k: &str) -> Option<String> {
        self.0.get(k).cloned()
    }
}

#[tamed]
fn lookup(cache: Cache, key: String) -> String {
    let hit = cache.get(&key);
    twait! { tame::asap(mkevent!()); }
    drop(cache);
    hit.unwrap_or_default()
}

fn main() {}
