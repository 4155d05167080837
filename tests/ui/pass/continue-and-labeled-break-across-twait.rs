//! `continue`, labeled `continue`/`break` after twaits.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn walk(done: Event<Vec<(u32, u32)>>) {
    let mut seen = Vec::new();
    'rows: for i in 0..4 {
        for j in 0..4 {
            twait! { tame::asap(mkevent!()); }
            if j == 1 {
                continue;
            }
            if j == 3 {
                continue 'rows;
            }
            if i == 2 {
                break 'rows;
            }
            seen.push((i, j));
        }
    }
    done.trigger(seen);
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    walk(ev);
    tame::run();
    assert_eq!(slot.take(), Some(vec![(0, 0), (0, 2), (1, 0), (1, 2)]));
}
