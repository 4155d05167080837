//! `let c = loop { ..twait..; break v; };` and `break 'outer v` from an
//! inner loop.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn third_turn(done: Event<u32>) {
    let mut turns = 0;
    let c = loop {
        twait! { tame::asap(mkevent!()); }
        turns += 1;
        if turns == 3 {
            break turns * 10;
        }
    };
    done.trigger(c + 1);
}

#[tamed]
fn find(wanted: u32, done: Event<Option<(u32, u32)>>) {
    let found = 'search: loop {
        for i in 0..3 {
            for j in 0..3 {
                twait! { tame::asap(mkevent!()); }
                if i * 3 + j == wanted {
                    break 'search Some((i, j));
                }
            }
        }
        break None;
    };
    done.trigger(found);
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (a, sa) = r.event_with_slot(());
    let (b, sb) = r.event_with_slot(());
    let (c, sc) = r.event_with_slot(());
    third_turn(a);
    find(5, b);
    find(50, c);
    tame::run();
    assert_eq!(sa.take(), Some(31));
    assert_eq!(sb.take(), Some(Some((1, 2))));
    assert_eq!(sc.take(), Some(None));
}
