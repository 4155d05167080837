use tame::{mkevent, tamed, twait};

fn load() -> String {
    "cfg".to_string()
}

// The value `&load()` borrows lives to the end of the block (it is kept
// across the twait); the borrow itself cannot be.
#[tamed]
fn f() {
    let cfg = &load();
    twait! { tame::asap(mkevent!()); }
    println!("{cfg}");
}

fn main() {}
