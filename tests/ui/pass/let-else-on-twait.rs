//! `let Some(i) = twait!(r) else { .. };`
#![deny(warnings)]
use tame::{tamed, twait, Event, Rendezvous};

#[tamed]
fn next_doubled(r: Rendezvous<u32>, done: Event<u32>) {
    let Some(i) = twait!(r) else {
        done.trigger(0);
        return;
    };
    done.trigger(i * 2);
}

fn main() {
    let out = Rendezvous::<()>::new();
    let (a, sa) = out.event_with_slot(());
    let (b, sb) = out.event_with_slot(());
    let r = Rendezvous::new();
    tame::asap(r.event(21));
    next_doubled(r, a);
    next_doubled(Rendezvous::new(), b);
    tame::run();
    assert_eq!((sa.take(), sb.take()), (Some(42), Some(0)));
}
