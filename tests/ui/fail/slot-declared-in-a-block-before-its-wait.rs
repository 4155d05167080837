use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn give(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

// The slot's variable ends with its block, before `twait!(r)` stores it.
#[tamed]
fn f() -> u32 {
    let r = Rendezvous::<u32>::new();
    {
        let mut tmp = 5u32;
        give(10, mkevent!(r, 1, tmp));
        println!("{tmp}");
    }
    let _ = twait!(r);
    0
}

fn main() {
    let _ = tame::run_with(f);
}
