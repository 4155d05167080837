// A rendezvous' slot whose value came at a first `twait!(r)`, moved out
// (`got?`), then `r` waited on again: the translator cannot tell that the
// second wait will not fill the slot, so it must still have a value there;
// the error says to take the value with `std::mem::replace`.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn give(v: u32, ev: Event<Result<u32, String>>) {
    ev.trigger(Ok(v));
}

#[tamed]
fn sum(n: u32) -> Result<u32, String> {
    let r = Rendezvous::<u8>::new();
    let mut got: Result<u32, String> = Err("none".into());
    give(n, mkevent!(r, 1, got));
    twait!(r);
    let v = got?;
    tame::asap(r.event(2));
    twait!(r);
    Ok(v)
}

fn main() {
    let _ = tame::run_with(|done| sum(4, done));
}
