//! A `continue` inside the condition of an `if` whose body waits: the
//! translator's error with the rewrite to use (rustc named a macro of the
//! expansion, `__tame_jump`, at `#[tamed]`).
use tame::{mkevent, tamed, twait};

#[tamed]
fn count_big(lines: Vec<&'static str>) -> u32 {
    let mut total = 0;
    for l in lines {
        if match l.parse::<u32>() {
            Ok(n) => n > 1,
            Err(_) => continue,
        } {
            twait! { tame::asap(mkevent!()); }
            total += 1;
        }
    }
    total
}

fn main() {
    tame::run_with(|done| count_big(vec!["1", "x", "5"], done));
}
