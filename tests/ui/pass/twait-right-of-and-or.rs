//! `&&`/`||` with a twait on the right: short-circuit respected.
#![deny(warnings)]
use tame::{tamed, twait, Event, Rendezvous};

#[tamed]
fn gate(open: bool, r: Rendezvous<u32>, done: Event<(bool, usize, bool)>) {
    let waited = open && twait!(r).is_some();
    let pending = r.pending();
    let skipped = !open || twait!(r).is_none();
    done.trigger((waited, pending, skipped));
}

fn main() {
    let out = Rendezvous::<()>::new();
    let (a, sa) = out.event_with_slot(());
    let (b, sb) = out.event_with_slot(());
    let r = Rendezvous::new();
    tame::asap(r.event(1));
    gate(true, r, a);
    let closed = Rendezvous::new();
    tame::asap(closed.event(1));
    gate(false, closed, b);
    tame::run();
    assert_eq!(sa.take(), Some((true, 0, true)));
    assert_eq!(sb.take(), Some((false, 1, true)));
}
