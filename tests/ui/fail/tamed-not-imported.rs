// `#[tamed]` written but not imported: the error at the `twait!` (which
// comes first) says to import it, beside rustc's about the attribute.
use tame::{mkevent, twait, Event};

#[tamed]
fn user(done: Event<u32>) {
    twait! { tame::asap(mkevent!()); }
    done.trigger(1);
}

fn main() {
    user(Event::from_fn(|_| ()));
}
