use std::rc::Rc;
use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn echo_later<T: Clone>(value: T, done: Event<T>) {
    twait! { tame::asap(mkevent!()); }
    done.trigger(value);
}

#[tamed]
fn shown(value: impl std::fmt::Display, done: Event<String>) {
    twait! { tame::asap(mkevent!()); }
    done.trigger(value.to_string());
}

struct Counter {
    step: u32,
}

impl Counter {
    #[tamed]
    fn by_value(self, done: Event<u32>) {
        twait! { tame::asap(mkevent!()); }
        done.trigger(self.step);
    }

    #[tamed]
    fn shared(self: Rc<Self>, done: Event<u32>) {
        twait! { tame::asap(mkevent!()); }
        done.trigger(self.step * 2);
    }
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    let (a, sa) = r.event_with_slot(());
    let (b, sb) = r.event_with_slot(());
    let (c, sc) = r.event_with_slot(());
    let (d, sd) = r.event_with_slot(());
    echo_later(String::from("x"), a);
    shown(7, b);
    Counter { step: 3 }.by_value(c);
    Rc::new(Counter { step: 4 }).shared(d);
    tame::run();
    assert_eq!(sa.take().as_deref(), Some("x"));
    assert_eq!(sb.take().as_deref(), Some("7"));
    assert_eq!(sc.take(), Some(3));
    assert_eq!(sd.take(), Some(8));
}
