//! By-value receivers inside `twait! {}`: `limiter.acquire(mkevent!())`
//! with `self: Rc<Self>`, `t.send(mkevent!(back))` with `self` (issue 8,
//! item 1), also in a loop body.
#![deny(warnings)]
use std::cell::Cell;
use std::rc::Rc;
use tame::{mkevent, tamed, twait, Event};

struct Limiter {
    acquired: Cell<u32>,
}

impl Limiter {
    #[tamed]
    fn acquire(self: Rc<Self>, done: Event<()>) {
        twait! { tame::asap(mkevent!()); }
        self.acquired.set(self.acquired.get() + 1);
        done.trigger(());
    }
}

struct Token(u32);

impl Token {
    fn send(self, ev: Event<Token>) {
        let n = self.0;
        tame::asap(Event::from_fn(move |_: Option<()>| {
            ev.trigger(Token(n + 1))
        }));
    }
}

#[tamed]
fn worker(limiter: Rc<Limiter>, out: Rc<Cell<u32>>) {
    for _ in 0..2 {
        let l = limiter.clone();
        twait! { l.acquire(mkevent!()); }
    }
    twait! { limiter.acquire(mkevent!()); }
    let mut back = Token(0);
    assert_eq!(back.0, 0);
    let t = Token(41);
    twait! { t.send(mkevent!(back)); }
    out.set(back.0);
}

fn main() {
    let limiter = Rc::new(Limiter {
        acquired: Cell::new(0),
    });
    let out = Rc::new(Cell::new(0));
    worker(limiter.clone(), out.clone());
    tame::run();
    assert_eq!(limiter.acquired.get(), 3);
    assert_eq!(out.get(), 42);
    assert_eq!(Rc::strong_count(&limiter), 1);
}
