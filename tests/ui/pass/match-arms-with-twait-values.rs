//! `match` arms that contain twaits and yield values.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn classify(x: Option<u32>, r: Rendezvous<u32>, done: Event<u32>) {
    let v = match x {
        Some(n) if n > 10 => {
            twait! { tame::asap(mkevent!()); }
            n + 1
        }
        Some(n) => twait!(r).unwrap_or(0) + n,
        None => 0,
    };
    done.trigger(v * 2);
}

fn main() {
    let out = Rendezvous::<()>::new();
    let (a, sa) = out.event_with_slot(());
    let (b, sb) = out.event_with_slot(());
    let (c, sc) = out.event_with_slot(());
    classify(Some(20), Rendezvous::new(), a);
    let r = Rendezvous::new();
    tame::asap(r.event(5));
    classify(Some(1), r, b);
    classify(None, Rendezvous::new(), c);
    tame::run();
    assert_eq!(
        (sa.take(), sb.take(), sc.take()),
        (Some(42), Some(12), Some(0))
    );
}
