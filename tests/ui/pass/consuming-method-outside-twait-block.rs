//! Outside twait blocks, `trigger`, `close` and `into_*` consume their
//! receiver: the binding is not kept across the next twait.
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait, Event};

struct Conn(Rc<Cell<bool>>);

impl Conn {
    fn close(self) {
        self.0.set(true);
    }
}

struct Wrapper(String);

impl Wrapper {
    fn into_inner(self) -> String {
        self.0
    }
}

#[tamed]
fn finish(conn: Conn, w: Wrapper, ev: Event<String>) {
    conn.close();
    let s = w.into_inner();
    twait! { tame::asap(mkevent!()); }
    ev.trigger(s);
    twait! { tame::asap(mkevent!()); }
}

fn main() {
    let closed = Rc::new(Cell::new(false));
    let r = tame::Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    finish(Conn(closed.clone()), Wrapper("inner".into()), ev);
    assert!(closed.get());
    tame::run();
    assert_eq!(slot.take().as_deref(), Some("inner"));
}
