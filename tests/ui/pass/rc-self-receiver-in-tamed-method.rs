//! `self.clone().method(mkevent!())` and `self.method(mkevent!())` inside a
//! tamed method taking `self: Rc<Self>`.
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait, Event};

struct Pool {
    checks: Cell<u32>,
}

impl Pool {
    #[tamed]
    fn check(self: Rc<Self>, done: Event) {
        twait! { tame::asap(mkevent!()); }
        self.checks.set(self.checks.get() + 1);
        done.trigger(());
    }

    #[tamed]
    fn serve(self: Rc<Self>, done: Event<u32>) {
        twait! { self.clone().check(mkevent!()); }
        let seen = self.checks.get();
        twait! { self.check(mkevent!()); }
        done.trigger(seen);
    }
}

fn main() {
    let pool = Rc::new(Pool {
        checks: Cell::new(0),
    });
    let r = tame::Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    pool.clone().serve(ev);
    tame::run();
    assert_eq!(slot.take(), Some(1));
    assert_eq!(pool.checks.get(), 2);
    assert_eq!(Rc::strong_count(&pool), 1);
}
