//! An arm's binding that borrows a temporary of the scrutinee, surely an
//! owned one (`Type::new()`'s), used after the arm's twait: the machine
//! drops the temporary at that twait, so the translator says so at the
//! binding (rather than rustc's "temporary value dropped while borrowed"
//! at `#[tamed]`).
use tame::{mkevent, tamed, twait};

struct Config {
    name: String,
}

impl Config {
    fn new() -> Config {
        Config { name: "a".to_owned() }
    }
}

#[tamed]
fn f() {
    match &Config::new() {
        c => {
            twait! { tame::asap(mkevent!()); }
            println!("{}", c.name);
        }
    }
}

fn main() {
    f();
    tame::run();
}
