// rustc's suggestions for a missing bound on a tamed function are Rust: they
// extend the user's `where` clause after its own predicates (the machine's
// `T: 'static` and `Self: 'static` came last, at `<T>` or at the `)`, and
// rustc suggested `fn all<T, <T as Iterator>::Item: Debug T: Iterator`, or
// `<U + Debug>`), and suggest nothing where the machine's clause alone is
// there, on a documented function (it suggested `fn show(self: Rc<Self>),
// Self: Debug -> String`).
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

#[tamed]
fn all<T>(t: T) -> String
where
    T: Iterator,
{
    twait! { tame::asap(mkevent!()); }
    format!("{:?}", t.collect::<Vec<_>>())
}

trait Show {
    /// Shows it.
    #[tamed]
    fn show(self: Rc<Self>) -> String {
        twait! { tame::asap(mkevent!()); }
        format!("{:?}", self)
    }
}

struct W;

impl W {
    #[tamed]
    fn m<U>(self, u: U) -> String
    where
        U: Clone,
    {
        twait! { tame::asap(mkevent!()); }
        format!("{:?}", u.clone())
    }
}

fn main() {}
