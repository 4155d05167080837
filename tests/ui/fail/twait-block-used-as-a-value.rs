use tame::{mkevent, tamed, twait, Event};

fn give(e: Event<u32>, v: u32) {
    e.trigger(v);
}

// The block's value is `()`: its last expression runs before the wait.
#[tamed]
fn f() -> String {
    let mut a = 0u32;
    let label = twait! { give(mkevent!(a), 5); a.to_string() };
    format!("{label:?} {a}")
}

fn main() {
    let _ = tame::run_with(f);
}
