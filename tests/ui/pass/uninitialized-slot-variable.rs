//! `let mut v: u32;` declared without a value, used as a slot, then read
//! (issue 8, item 10).
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn answer(x: u32, ev: Event<u32>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(x)));
}

#[tamed]
fn sum_answers(done: Event<u32>) {
    let mut v: u32;
    let mut total = 0;
    for i in 1..4 {
        twait! { answer(i * 10, mkevent!(v)); }
        total += v;
    }
    done.trigger(total);
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    sum_answers(ev);
    tame::run();
    assert_eq!(slot.take(), Some(60));
}
