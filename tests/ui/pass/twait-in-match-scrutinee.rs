//! `let v = match twait!(r) { .. };`
#![deny(warnings)]
use tame::{tamed, twait, Event, Rendezvous};

#[tamed]
fn next_or_zero(r: Rendezvous<u32>, done: Event<u32>) {
    let v = match twait!(r) {
        Some(i) => i,
        None => 0,
    };
    done.trigger(v * 10);
}

fn main() {
    let out = Rendezvous::<()>::new();
    let (a, sa) = out.event_with_slot(());
    let (b, sb) = out.event_with_slot(());
    let r = Rendezvous::new();
    tame::asap(r.event(4));
    next_or_zero(r, a);
    next_or_zero(Rendezvous::new(), b);
    tame::run();
    assert_eq!(sa.take(), Some(40));
    assert_eq!(sb.take(), Some(0));
}
