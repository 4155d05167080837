//! `tvars! { .. }` holding a statement other than `let`: it only declares
//! the function's state variables. Put the other statements after it.
use tame::{mkevent, tamed, tvars, twait, Event};

fn read_chunk(ev: Event<Vec<u8>>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(vec![1, 2, 3])));
}

#[tamed]
fn read_all(done: Event<Vec<u8>>) {
    tvars! {
        let mut buf = Vec::new();
        buf.reserve(4096);
        let mut chunk = Vec::new();
    }
    twait! { read_chunk(mkevent!(chunk)); }
    buf.extend(chunk);
    done.trigger(buf);
}

fn main() {}
