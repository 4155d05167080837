use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn count(ev: Event<u32>) {
    ev.trigger(1);
}

// A rendezvous' slot of the wrong type: the mismatch is the plain
// assignment's, at the slot.
#[tamed]
fn f() -> String {
    let r = Rendezvous::<u8>::new();
    let mut label = String::new();
    count(mkevent!(r, 1, label));
    twait!(r);
    label
}

fn main() {
    f(Event::detached());
    tame::run();
}
