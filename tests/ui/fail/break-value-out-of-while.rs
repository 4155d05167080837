//! `break value` out of a `while` loop that waits: only a `loop` (or a
//! labeled block) gives its `break` a value. Use `loop { .. }` with the
//! condition inside, or assign a variable declared before the loop and
//! `break;`.
use std::time::Duration;
use tame::{mkevent, tamed, twait, Event};

fn poll_ready(ev: Event<bool>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(true)));
}

#[tamed]
fn wait_ready(done: Event<u32>) {
    let mut tries = 0;
    let mut ready = false;
    while tries < 5 {
        twait! { poll_ready(mkevent!(ready)); }
        tries += 1;
        if !ready {
            twait! { tame::timer(Duration::from_millis(10), mkevent!()); }
            continue;
        }
        break tries;
    }
    done.trigger(tries);
}

fn main() {}
