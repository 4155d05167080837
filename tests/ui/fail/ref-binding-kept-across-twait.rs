//! A `ref` binding used after a twait: it borrows a variable of the
//! function, and the variables move between resumes, so a borrow cannot
//! be kept across a twait. Bind by value (or clone), or bind again after
//! the twait.
use tame::{mkevent, tamed, twait};

#[tamed]
fn greet(user: Option<String>) {
    if let Some(ref name) = user {
        twait! { tame::asap(mkevent!()); }
        println!("hello {name}");
    }
}

fn main() {}
