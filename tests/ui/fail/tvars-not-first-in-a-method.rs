use tame::{tamed, tvars};

struct Counter;

impl Counter {
    // The variables of a misplaced tvars! are still known after it: the
    // translator's error is the only one, in a method as in a function.
    #[tamed]
    fn count(self) {
        println!("start");
        tvars! { let n = 0; }
        println!("{n}");
        {
            tvars! { let m = 1; }
            println!("{m}");
        }
    }
}

fn main() {}
