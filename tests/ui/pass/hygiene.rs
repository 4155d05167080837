//! The expansion names everything by absolute path or by hygienic names:
//! a crate that shadows `core`, `Option`, `Poll` and our internal names
//! still compiles and runs.
#![allow(dead_code, non_camel_case_types)]
use tame::{mkevent, tamed, twait, tvars, Event, Rendezvous};

mod core {}
mod std {}
struct Option;
struct Some;
struct None;
struct Poll;
struct __TameState;
fn start() {}

#[tamed]
fn shadowing(done: Event<u32>) {
    tvars! { let mut total = 0u32; let r = Rendezvous::<u32>::new(); }
    for i in 0..3u32 {
        tame::asap(mkevent!(r, i));
    }
    while let ::core::option::Option::Some(i) = twait!(r) {
        total += i;
    }
    done.trigger(total);
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    shadowing(ev);
    tame::run();
    assert_eq!(slot.take(), ::core::option::Option::Some(3));
}
