// A rendezvous' slot whose value is moved out after its wait, in a loop
// that re-arms it: when the wait fills it again, it may have no value, and
// a slot keeps its old value when no value comes.
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn give(v: String, ev: Event<String>) {
    ev.trigger(v);
}

#[tamed]
fn select_loop() -> usize {
    let r = Rendezvous::<u8>::new();
    let mut msg = String::new();
    give("a".into(), mkevent!(r, 1, msg));
    let mut total = 0;
    while let Some(_id) = twait!(r) {
        let m = msg;
        total += m.len();
        if total > 3 {
            break;
        }
        give("bb".into(), mkevent!(r, 1, msg));
    }
    total
}

fn main() {
    tame::run_with(select_loop);
}
