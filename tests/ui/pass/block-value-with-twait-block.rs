//! `let v = { twait!{..}; v * 2 };`
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn answer(ev: Event<u32>) {
    ev.trigger(21);
}

#[tamed]
fn doubled(done: Event<u32>) {
    let mut v = 0;
    assert_eq!(v, 0);
    let v = {
        twait! {
            answer(mkevent!(v));
            tame::asap(mkevent!());
        }
        v * 2
    };
    done.trigger(v);
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    doubled(ev);
    tame::run();
    assert_eq!(slot.take(), Some(42));
}
