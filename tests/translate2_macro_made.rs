//! Tamed functions that a `macro_rules!` makes, their types given as `$t:ty`
//! fragments: the translator judges some things by the written type (an
//! `Event` parameter it watches, a `Result` return a `return Err(..)` may
//! leave, a `()` return, a `Box` that `*b` moves out of), and a fragment
//! must mean what the same type written out means.

#![deny(warnings)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

type Log = Rc<RefCell<Vec<&'static str>>>;

/// Logs `cleaned up` when dropped.
struct Held(Log);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.borrow_mut().push("cleaned up");
    }
}

macro_rules! slow_fn {
    ($name:ident, $t:ty) => {
        #[tamed]
        fn $name(log: Log, done: $t) {
            let _held = Held(log.clone());
            twait! { tame::timer(Duration::from_secs(30), mkevent!()); }
            log.borrow_mut().push("finished");
            done.trigger(1);
        }
    };
}
slow_fn!(slow_from_a_fragment, Event<u32>);

/// Starts `f` with an event whose receiver is gone at once; what it logs.
fn with_the_receiver_gone(f: fn(Log, Event<u32>)) -> Vec<&'static str> {
    let log = Log::default();
    let r = Rendezvous::<()>::new();
    let (ev, _value) = r.event_with_slot::<u32>(());
    let (ev, cancel) = tame::cancellable(ev);
    f(log.clone(), ev);
    cancel.cancel();
    tame::run();
    let logged = log.borrow().clone();
    logged
}

#[test]
fn an_event_parameter_of_a_fragment_type_is_watched() {
    // Cancelled when its receiver goes (not after its 30 s timer).
    assert_eq!(with_the_receiver_gone(slow_from_a_fragment), ["cleaned up"]);
}

macro_rules! bail {
    ($e:expr) => {
        return Err($e.to_string())
    };
}

macro_rules! endpoint {
    ($name:ident, $ret:ty) => {
        #[tamed]
        fn $name(x: u32) -> $ret {
            twait! { tame::asap(mkevent!()); }
            if x == 0 {
                bail!("zero");
            }
            Ok(x)
        }
    };
}
endpoint!(result_of_a_fragment, Result<u32, String>);

#[test]
fn a_result_return_of_a_fragment_type_may_be_left_by_a_macros_return() {
    assert_eq!(
        tame::run_with(|d| result_of_a_fragment(0, d)),
        Some(Err("zero".into()))
    );
    assert_eq!(tame::run_with(|d| result_of_a_fragment(4, d)), Some(Ok(4)));
}

struct Big(String);

macro_rules! unbox {
    ($name:ident, $t:ty) => {
        #[tamed]
        fn $name(b: $t) -> usize {
            let inner = *b;
            twait! { tame::asap(mkevent!()); }
            inner.0.len()
        }
    };
}
unbox!(unbox_a_fragment, Box<Big>);

#[test]
fn a_box_parameter_of_a_fragment_type_is_moved_out_of() {
    assert_eq!(
        tame::run_with(|d| unbox_a_fragment(Box::new(Big("ab".into())), d)),
        Some(2)
    );
}

macro_rules! unit_fn {
    ($name:ident, $r:ty) => {
        #[tamed]
        fn $name(log: Log) -> $r {
            twait! { tame::asap(mkevent!()); }
            log.borrow_mut().push("ran");
        }
    };
}
unit_fn!(unit_of_a_fragment, ());

#[test]
fn a_unit_return_of_a_fragment_type_is_no_return_value() {
    let log = Log::default();
    // No `done` parameter, as for `-> ()` written out.
    unit_of_a_fragment(log.clone());
    tame::run();
    assert_eq!(*log.borrow(), ["ran"]);
}
