//! `#[tamed]` in a crate that knows tame only as `my_tame`.
//! That this file compiles is most of the test: without the option the
//! expansion names `::tame`, which does not resolve here.

use my_tame::{mkevent, tamed, twait, Event, Rendezvous};

/// Waits on a block, a rendezvous and a nested call, and returns a value:
/// each of these expands to runtime paths of its own.
#[tamed(crate = my_tame)]
pub fn sum_after_waits(n: u32) -> Result<u32, String> {
    let mut total = 0;
    twait! { my_tame::asap(mkevent!()); }
    let r = Rendezvous::<u32>::new();
    for i in 0..n {
        my_tame::asap(mkevent!(r, i));
    }
    for _ in 0..n {
        if let Some(id) = twait!(r) {
            total += id;
        }
    }
    let doubled;
    twait! { double(total, mkevent!(doubled)); }
    if doubled > 1000 {
        return Err(format!("{doubled} is too many"));
    }
    Ok(doubled)
}

/// The path may also be written as a string, as serde's option is.
#[tamed(crate = "my_tame")]
fn double(x: u32, done: Event<u32>) {
    twait! { my_tame::asap(mkevent!()); }
    done.trigger(x * 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[test]
    fn a_tamed_function_runs_under_a_renamed_dependency() {
        let got = Rc::new(RefCell::new(Vec::new()));
        for n in [4, 40] {
            let got = got.clone();
            sum_after_waits(n, Event::from_fn(move |v| got.borrow_mut().push(v)));
        }
        my_tame::run();
        let want = vec![Some(Ok(12)), Some(Err("1560 is too many".to_string()))];
        assert_eq!(*got.borrow(), want);
    }
}
