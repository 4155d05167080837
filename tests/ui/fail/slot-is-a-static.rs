//! A `mkevent!` slot that is not a variable of the tamed function (here a
//! `static mut`): the value is stored into the function's own variables
//! when it resumes. Use a local variable declared before the `twait!`,
//! then copy it where it should go.
use tame::{mkevent, tamed, twait, Event};

static mut LAST_REPLY: u32 = 0;

fn ask(ev: Event<u32>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(42)));
}

#[tamed]
fn remember_reply() {
    twait! { ask(mkevent!(LAST_REPLY)); }
}

fn main() {}
