// A slot whose type is not the event's: the error is at the slot.
use tame::{mkevent, tamed, twait, Event};

fn answer(ev: Event<u32>) {
    ev.trigger(3);
}

#[tamed]
fn name() -> String {
    let mut s = String::new();
    twait! { answer(mkevent!(s)); }
    s
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    name(r.event(()).map(|_| ()));
}
