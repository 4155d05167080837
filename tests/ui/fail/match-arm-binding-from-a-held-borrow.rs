use std::rc::Rc;
use tame::{mkevent, tamed, twait};

enum St {
    A(String),
    B,
}

struct S {
    state: St,
}

// An arm's binding kept across its twait, bound out of a variable that
// holds a borrow (rustc's three errors naming the machine's state, with
// a `Clone` hint that led nowhere), or out of `&self.state` (the message
// named the machine's `__tame_self`).
#[tamed]
fn f(st: St) {
    let state = &st;
    match state {
        St::A(a) => {
            twait! { tame::asap(mkevent!()); }
            println!("{a}");
        }
        St::B => {}
    }
}

impl S {
    #[tamed]
    fn go(self: Rc<Self>) {
        match &self.state {
            St::A(a) => {
                twait! { tame::asap(mkevent!()); }
                println!("{a}");
            }
            St::B => {}
        }
    }
}

fn main() {
    f(St::B);
    Rc::new(S { state: St::B }).go();
    tame::run();
}
