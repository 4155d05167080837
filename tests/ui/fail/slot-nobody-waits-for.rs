use tame::{mkevent, tamed, tvars, Event, Rendezvous};

#[tamed]
fn f(done: Event<u32>) {
    tvars! { let r = Rendezvous::<u8>::new(); let mut n = 0u32; }
    tame::asap(mkevent!(r, 1, n));
    done.trigger(n);
}

fn main() {}
