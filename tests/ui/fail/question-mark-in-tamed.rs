use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn f(text: String, done: Event<u32>) {
    let n: u32 = text.parse()?;
    twait! { tame::asap(mkevent!()); }
    done.trigger(n);
}

fn main() {}
