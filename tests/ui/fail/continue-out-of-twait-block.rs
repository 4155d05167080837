//! `continue` inside a `twait! { .. }` block to skip an item: the block
//! must run to its end so that the wait can begin. Decide before the
//! `twait!` (`if skip { continue; }`), or skip inside the block without
//! leaving it (`if !skip { fetch(..); }`).
use tame::{mkevent, tamed, twait, Event};

fn fetch(i: u32, ev: Event<u32>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(i * 2)));
}

#[tamed]
fn fetch_odd(n: u32, done: Event<u32>) {
    let mut total = 0;
    for i in 0..n {
        let mut v = 0;
        twait! {
            if i % 2 == 0 {
                continue;
            }
            fetch(i, mkevent!(v));
        }
        total += v;
    }
    done.trigger(total);
}

fn main() {}
