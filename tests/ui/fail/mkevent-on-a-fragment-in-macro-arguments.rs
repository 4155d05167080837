// `mkevent!$e` in another macro's arguments, with a `macro_rules!`
// fragment where its parentheses belong: rustc's error (a macro call
// needs delimiters); the translator once panicked on it.
use tame::{mkevent, tamed, twait, Event};

fn wait_all(_e: Vec<Event<u32>>) {}

macro_rules! waiter {
    ($slot:expr) => {
        #[tamed]
        fn waits() {
            let mut a = (0u32,);
            twait! { wait_all(vec![mkevent!$slot]); }
            drop(a);
        }
    };
}

waiter!(a.0);

fn main() {
    waits();
}
