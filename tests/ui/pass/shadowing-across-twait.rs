//! An outer binding hidden by an inner one and used after the twait (after
//! the inner scope ends), and `let x = x + 1;` across twaits (issue 8,
//! item 9).
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn shadows(done: Event<String>) {
    let n = String::from("outer");
    loop {
        let n = 5;
        twait! { tame::asap(mkevent!()); }
        if n > 3 {
            break;
        }
    }
    let x = 1;
    twait! { tame::asap(mkevent!()); }
    let x = x + 1;
    twait! { tame::asap(mkevent!()); }
    let x = x + 1;
    done.trigger(format!("{n} {x}"));
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    shadows(ev);
    tame::run();
    assert_eq!(slot.take().as_deref(), Some("outer 3"));
}
