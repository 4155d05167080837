use tame::{mkevent, tamed, twait, Event};

fn count(ev: Event<u32>) {
    ev.trigger(1);
}

struct Stats {
    label: String,
}

// A field slot of the wrong type: the mismatch is at the field, and the
// hint converts the value given to it (`s.label.to_string()`).
#[tamed]
fn f() -> String {
    let mut s = Stats {
        label: String::new(),
    };
    twait! { count(mkevent!(s.label)); }
    s.label
}

fn main() {
    f(Event::from_fn(|_| ()));
    tame::run();
}
