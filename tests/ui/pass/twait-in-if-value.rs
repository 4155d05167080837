//! `let x = if c { twait!(r) } else { None };`
#![deny(warnings)]
use tame::{tamed, twait, Rendezvous};

#[tamed]
fn pick(c: bool, r: Rendezvous<u32>) -> Option<u32> {
    let x = if c { twait!(r) } else { None };
    x.map(|i| i + 1)
}

fn main() {
    let out = Rendezvous::<()>::new();
    let (a, sa) = out.event_with_slot(());
    let (b, sb) = out.event_with_slot(());
    let r = Rendezvous::new();
    tame::asap(r.event(4));
    pick(true, r, a);
    pick(false, Rendezvous::new(), b);
    tame::run();
    assert_eq!(sa.take(), Some(Some(5)));
    assert_eq!(sb.take(), Some(None));
}
