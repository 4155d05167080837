//! `if let Some(i) = twait!(r)` and `while let Some(i) = twait!(r)`.
#![deny(warnings)]
use tame::{tamed, twait, Event, Rendezvous};

#[tamed]
fn collect(r: Rendezvous<u32>, done: Event<Vec<u32>>) {
    let mut got = Vec::new();
    if let Some(first) = twait!(r) {
        got.push(first * 100);
    } else {
        done.trigger(got);
        return;
    }
    while let Some(i) = twait!(r) {
        got.push(i);
    }
    done.trigger(got);
}

fn main() {
    let out = Rendezvous::<()>::new();
    let (a, sa) = out.event_with_slot(());
    let (b, sb) = out.event_with_slot(());
    let r = Rendezvous::new();
    for i in 1..4 {
        tame::asap(r.event(i));
    }
    collect(r, a);
    collect(Rendezvous::new(), b);
    tame::run();
    assert_eq!(sa.take(), Some(vec![100, 2, 3]));
    assert_eq!(sb.take(), Some(vec![]));
}
