use tame::{mkevent, tamed, twait};

fn slot() -> u32 {
    0
}

#[tamed]
fn f() {
    twait! { tame::timer(std::time::Duration::from_millis(1), mkevent!(slot())); }
}

fn main() {}
