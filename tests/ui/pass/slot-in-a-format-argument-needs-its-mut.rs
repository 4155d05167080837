//! A slot filled by a twait among a formatting macro's arguments needs
//! its `mut`, and `unused_mut` does not say otherwise.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn give(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

#[tamed]
fn by_a_rendezvous(done: Event<String>) {
    let r = Rendezvous::<u8>::new();
    let mut t = 1u32;
    give(42, mkevent!(r, 9, t));
    done.trigger(format!("id {:?} t {t}", twait!(r)));
}

fn main() {
    assert_eq!(tame::run_with(by_a_rendezvous).as_deref(), Some("id Some(9) t 42"));
}
