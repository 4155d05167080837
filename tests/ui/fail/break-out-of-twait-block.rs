//! `break` inside a `twait! { .. }` block: the block only makes the
//! events; the wait begins when it ends, so it must run to its end. Leave
//! the loop after the `twait!`, once the events have come back.
use tame::{mkevent, tamed, twait, Event};

fn fetch(i: u32, ev: Event<u32>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(i * 2)));
}

#[tamed]
fn fetch_until_limit(limit: u32, done: Event<u32>) {
    let mut total = 0;
    let mut i = 0;
    loop {
        let mut v = 0;
        twait! {
            if total > limit {
                break;
            }
            fetch(i, mkevent!(v));
        }
        total += v;
        i += 1;
    }
    done.trigger(total);
}

fn main() {}
