//! `break value` out of a `for` loop whose body waits, from inside an
//! `if`: only a `loop` (or a labeled block) gives its `break` a value.
//! Assign a variable declared before the loop and `break;`, or use
//! `loop { .. }`.
use tame::{mkevent, tamed, twait, Event};

fn lookup(key: u32, ev: Event<Option<String>>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(Some(key.to_string()))));
}

#[tamed]
fn first_found(keys: Vec<u32>, done: Event<Option<String>>) {
    let mut found = None;
    for k in keys {
        twait! { lookup(k, mkevent!(found)); }
        if let Some(v) = found.take() {
            break Some(v);
        }
    }
    done.trigger(found);
}

fn main() {}
