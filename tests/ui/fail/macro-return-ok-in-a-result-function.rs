// A `return Ok(..)` (or `return Some(..)`) that a macro of the user's
// expands to, in a tamed function returning a `Result` (an `Option`): the
// translator cannot see it, and the machine goes back to the loop by a
// value of that shape; rather than a value lost (the caller's event
// dropped), rustc says what the machine's return takes. A macro's
// `return Err(..)` and `return None` work.
use std::io;
use tame::{mkevent, tamed, twait};

macro_rules! some_or_return {
    ($o:expr) => {
        match $o {
            Some(v) => v,
            None => return Ok(()),
        }
    };
}

macro_rules! or_none {
    ($o:expr) => {
        match $o {
            Some(v) => v,
            None => return Some(0),
        }
    };
}

#[tamed]
fn handle(o: Option<u32>) -> io::Result<()> {
    twait! { tame::asap(mkevent!()); }
    let v = some_or_return!(o);
    println!("got {v}");
    Ok(())
}

#[tamed]
fn first(o: Option<u32>) -> Option<u32> {
    twait! { tame::asap(mkevent!()); }
    let v = or_none!(o);
    Some(v)
}

fn main() {
    handle(None, tame::Event::detached());
    first(None, tame::Event::detached());
}
