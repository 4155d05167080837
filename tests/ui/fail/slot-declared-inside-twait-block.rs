//! A `mkevent!` slot declared inside the `twait! { .. }` block: the value
//! is stored after the wait, when the block's variables are gone. Declare
//! the variable before the `twait!`.
use tame::{mkevent, tamed, twait, Event};

fn fetch_len(url: String, ev: Event<usize>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(url.len())));
}

#[tamed]
fn page_len(url: String, done: Event<usize>) {
    twait! {
        let mut len = 0;
        fetch_len(url, mkevent!(len));
    }
    done.trigger(len);
}

fn main() {}
