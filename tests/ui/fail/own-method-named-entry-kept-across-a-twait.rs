//! A method of one's own named like std's map `entry`, giving an owned
//! value, kept across a twait: taken for a borrow of its receiver by the
//! name; the error says so and what to write (`let r: Record = ..`).
use tame::{mkevent, tamed, twait};

#[derive(Clone)]
pub struct Record(String);

pub struct Ledger(Vec<Record>);

impl Ledger {
    pub fn entry(&self, i: usize) -> Record {
        self.0[i].clone()
    }
}

#[tamed]
fn own_entry(ledger: Ledger) -> usize {
    let r = ledger.entry(0);
    twait! { tame::asap(mkevent!()); }
    r.0.len()
}

fn main() {}
