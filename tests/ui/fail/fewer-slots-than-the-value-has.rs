// Two slots for a value of three: refused at the mkevent!, which would
// otherwise store the first two values and drop the third unseen (`_`
// drops one on purpose). Both forms: a twait! {} block's and a
// rendezvous' event.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn triple(ev: Event<(u32, u32, String)>) {
    ev.trigger((1, 2, "three".into()));
}

#[tamed]
fn in_block() -> u32 {
    let mut a = 0;
    let mut b = 0;
    twait! { triple(mkevent!(a, b)); }
    a + b
}

#[tamed]
fn of_rendezvous() -> u32 {
    let r = Rendezvous::<u8>::new();
    let mut a = 0;
    let mut b = 0;
    triple(mkevent!(r, 1, a, b));
    twait!(r);
    a + b
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    in_block(r.event(()).map(|_| ()));
    of_rendezvous(r.event(()).map(|_| ()));
}
