// Events with slots on `rs[i]` are stored at a `twait!` written `rs[i]`:
// no variable names the rendezvous, so the expression pairs them.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn give(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

#[tamed]
fn f() -> u32 {
    let rs = [Rendezvous::<u32>::new(), Rendezvous::<u32>::new()];
    let mut vals = [0u32; 2];
    for i in 0..2 {
        give(7, mkevent!(rs[i], 5, vals[i]));
    }
    twait!(rs[0]);
    twait!(rs[1]);
    vals[0] + vals[1]
}

fn main() {
    tame::run_with(f);
}
