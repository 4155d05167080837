// A `for` loop over a mutable borrow whose body waits: the fix keeps the
// changes (indices for a `Vec`, the keys for a map), not a clone.
use std::collections::HashMap;
use tame::{mkevent, tamed, twait};
#[tamed]
fn f(mut map: HashMap<String, u32>, mut v: Vec<u32>) {
    for (k, x) in map.iter_mut() {
        twait! { tame::asap(mkevent!()); }
        *x += 1; println!("{k}");
    }
    for x in &mut v {
        twait! { tame::asap(mkevent!()); }
        *x += 1;
    }
    for (i, x) in v.iter_mut().enumerate() {
        twait! { tame::asap(mkevent!()); }
        *x += i as u32;
    }
}
fn main() { f(HashMap::new(), vec![], ); tame::run(); }
