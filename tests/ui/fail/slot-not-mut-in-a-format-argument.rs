//! A slot whose variable is not `mut`, filled by a twait among a
//! formatting macro's arguments: rustc's error at the slot, as for a twait
//! anywhere else (the lint copy of the body did not fill the slot there,
//! so the function compiled and changed the variable).
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn give(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

#[tamed]
fn in_a_block() {
    let t = 1u32;
    println!("{:?} t={}", { twait! { give(42, mkevent!(t)); } 0 }, t);
}

#[tamed]
fn by_a_rendezvous(done: Event<String>) {
    let r = Rendezvous::<u8>::new();
    let t = 1u32;
    give(42, mkevent!(r, 9, t));
    done.trigger(format!("id {:?} t {t}", twait!(r)));
}

fn main() {}
