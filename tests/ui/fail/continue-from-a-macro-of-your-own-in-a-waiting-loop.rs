use tame::{mkevent, tamed, twait};

// The translator cannot see the `continue` a macro of one's own expands
// to; in a loop that waits it would jump inside the machine. It is an
// error instead (write the `if .. { continue; }` in the function).
macro_rules! skip_if {
    ($c:expr) => {
        if $c {
            continue;
        }
    };
}

#[tamed]
fn odd(v: Vec<u32>) -> Vec<u32> {
    let mut out = Vec::new();
    for x in v {
        twait! { tame::asap(mkevent!()); }
        skip_if!(x % 2 == 0);
        out.push(x);
    }
    out
}

fn main() {
    println!("{:?}", tame::run_with(|d| odd(vec![1, 2, 3], d)));
}
