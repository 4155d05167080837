//! The expansion names what it uses by paths that do not depend on the
//! prelude: tamed functions and methods in a `#![no_implicit_prelude]`
//! module, beside a trait of the user's called `Sized`, compile and run. A
//! `_` slot is a plain `(_, got) = ..`, which `let_underscore_drop` does
//! not flag.
#![deny(let_underscore_drop)]

#[no_implicit_prelude]
mod m {
    use ::std::string::String;
    use ::tame::{mkevent, tamed, tvars, twait, Event};

    pub trait Sized {}

    pub struct Counter(pub u32);

    impl Counter {
        /// `self` by value: the machine bounds `Self` by the real `Sized`.
        #[tamed]
        pub fn bumped(self) -> Self {
            twait! { ::tame::asap(mkevent!()); }
            Counter(self.0 + 1)
        }
    }

    #[tamed]
    pub fn labelled(n: u32, done: Event<(String, u32)>) {
        twait! { ::tame::asap(mkevent!()); }
        done.trigger((::std::format!("n{}", n), n));
    }

    /// Keeps only the number of `labelled`'s pair.
    #[tamed]
    pub fn number_of(n: u32) -> u32 {
        tvars! { let got: u32; }
        twait! { labelled(n, mkevent!(_, got)); }
        got
    }
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    let (ev, counter) = r.event_with_slot(());
    m::Counter(41).bumped(ev);
    let (ev, number) = r.event_with_slot(());
    m::number_of(5, ev);
    tame::run();
    assert_eq!(counter.take().map(|c| c.0), Some(42));
    assert_eq!(number.take(), Some(5));
}
