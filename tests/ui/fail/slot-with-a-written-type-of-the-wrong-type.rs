// A slot whose written type is not the event's: the error is at the slot,
// and the second report (the machine's) speaks of the event's type, with
// none of the machine's names.
use tame::{mkevent, tamed, twait, Event};

fn answer(ev: Event<u32>) {
    ev.trigger(3);
}

#[tamed]
fn name() {
    let mut s: String = String::new();
    twait! { answer(mkevent!(s)); }
    println!("{s}");
}

fn main() {
    name();
}
