//! `?` on a `Result` in a tamed function that returns an `Option`: rustc's
//! one error, with its hint, as for a plain function (the machine's copy
//! of the `?` is the same report, which rustc gives once).
use tame::{mkevent, tamed, twait};

#[tamed]
fn parse(s: String) -> Option<u32> {
    twait! { tame::asap(mkevent!()); }
    let n: u32 = s.parse()?;
    Some(n)
}

fn main() {
    parse(String::new(), tame::Event::detached());
}
