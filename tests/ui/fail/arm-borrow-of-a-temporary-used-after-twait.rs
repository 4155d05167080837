//! An arm's binding that borrows a temporary of the scrutinee, used after
//! the arm's twait: the machine drops the temporary at that twait (as the
//! README says of a scrutinee's temporaries), so rustc refuses it, E0716
//! "temporary value dropped while borrowed" at `#[tamed]`. (The translator
//! leaves it to rustc: what such a name holds may outlive the temporary, a
//! promoted constant's or a `&'static`'s, and then it is kept.)
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
