use tame::{mkevent, tamed, twait};

pub struct S {
    pub a: u32,
    #[cfg(any())]
    pub b: u32,
}

fn side(n: u32) -> u32 {
    n
}

// The field under `#[cfg]` comes before the one that waits: the machine
// would compute it before the wait whatever the configuration.
#[tamed]
fn make(k: u32) -> S {
    S {
        #[cfg(any())]
        b: side(2),
        a: {
            twait! { tame::asap(mkevent!()); }
            k
        },
    }
}

// The same before a `..base` that waits, computed after every field.
#[tamed]
fn make_from(k: u32) -> S {
    S {
        #[cfg(any())]
        b: side(2),
        ..{
            twait! { tame::asap(mkevent!()); }
            S { a: k }
        }
    }
}

fn main() {
    let _ = tame::run_with(|d| make_from(1, d)).map(|s| s.a);
    let _ = tame::run_with(|d| make(1, d)).map(|s| s.a);
}
