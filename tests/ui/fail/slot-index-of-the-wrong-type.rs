use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn count(ev: Event<u32>) {
    ev.trigger(1);
}

// An indexed slot (`a[i]`) of the wrong type: the store's mismatch is at
// the slot too, not at `#[tamed]`.
#[tamed]
fn f() -> Vec<String> {
    let r = Rendezvous::<()>::new();
    let mut a = vec![String::new(); 2];
    for i in 0..2 {
        count(mkevent!(r, (), a[i]));
    }
    twait!(r);
    twait!(r);
    a
}

fn main() {
    f(Event::detached());
    tame::run();
}
