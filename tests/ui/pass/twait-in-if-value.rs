//! `let x = if c { twait!(r) } else { None };`
#![deny(warnings)]
use tame::{tamed, twait, Event, Rendezvous};

#[tamed]
fn pick(c: bool, r: Rendezvous<u32>, done: Event<Option<u32>>) {
    let x = if c { twait!(r) } else { None };
    done.trigger(x.map(|i| i + 1));
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
