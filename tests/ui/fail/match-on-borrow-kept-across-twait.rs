//! A binding of a `match` on a borrow, used after a twait in its arm: it
//! points into the matched variable, which moves between resumes. Match on
//! an owned value (`match config.name.clone()`), or take what is needed
//! out before the twait.
use tame::{mkevent, tamed, twait};

struct Config {
    name: Option<String>,
}

#[tamed]
fn greet(config: Config) {
    match &config.name {
        Some(name) => {
            twait! { tame::asap(mkevent!()); }
            println!("hello {name}");
        }
        None => println!("hello"),
    }
}

fn main() {}
