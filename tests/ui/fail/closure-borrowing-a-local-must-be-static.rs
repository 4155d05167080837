use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn f() {
    let name = String::from("x");
    twait! { tame::asap(mkevent!()); }
    tame::asap(Event::from_fn(|_: Option<()>| println!("{name}")));
}

fn main() {
    f();
    tame::run();
}
