// An event passed where the callee takes a value (`double(mkevent!(d), 5)`):
// reported at the mkevent!, not at `#[tamed]` (rustc suggested swapping the
// arguments into `double(5, #[tamed])`).
use tame::{mkevent, tamed, twait, Event};
#[tamed]
fn double(k: u32) -> u32 { twait! { tame::asap(mkevent!()); } k * 2 }
#[tamed]
fn f() -> u32 {
    let mut d = 0;
    twait! { double(mkevent!(d), 5); }
    d
}
fn main() { let _: fn(Event<u32>) = f; }
