//! A slot is assigned by the wait on its rendezvous even where another
//! `let` hides its name: as in a plain function, a variable that is
//! assigned must be `mut`.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[tamed]
fn f(done: Event<u32>) {
    let r = Rendezvous::<()>::new();
    let x = 0u32;
    mkevent!(r, (), x).trigger(7);
    {
        let x = 5u32;
        twait!(r);
        assert_eq!(x, 5);
    }
    done.trigger(x);
}

fn main() {
    tame::run_with(f);
}
