//! A `macro_rules!` macro that expands to `return` works inside a tamed body.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Rendezvous};

macro_rules! bail {
    ($msg:expr) => {
        return Err($msg.to_string())
    };
}

#[tamed]
fn check(x: u32) -> Result<u32, String> {
    twait! { tame::asap(mkevent!()); }
    if x == 0 {
        bail!("zero");
    }
    Ok(x)
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (a, sa) = r.event_with_slot(());
    let (b, sb) = r.event_with_slot(());
    check(0, a);
    check(5, b);
    tame::run();
    assert_eq!(sa.take(), Some(Err("zero".to_string())));
    assert_eq!(sb.take(), Some(Ok(5)));
}
