// `mkevent!(crate)`, as an editor's buffer holds it while `crate::..` is
// typed: an error at the slot, in a call and in another macro's
// arguments (the translator once panicked on it).
use tame::{mkevent, tamed, twait, Event};

fn wait(_e: Event<u32>) {}
fn wait_all(_e: Vec<Event<u32>>) {}

#[tamed]
fn in_a_call() {
    twait! { wait(mkevent!(crate)); }
}

#[tamed]
fn in_macro_arguments() {
    twait! { wait_all(vec![mkevent!(crate)]); }
}

fn main() {
    in_a_call();
    in_macro_arguments();
}
