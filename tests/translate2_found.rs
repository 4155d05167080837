//! Bugs found by writing the programs in tests/program_*.rs, each reduced to
//! the smallest tamed function that shows it. Every test states the
//! behaviour a plain Rust function (or the README) promises, and the
//! observed behaviour in a comment. Compile failures found the same way are
//! in tests/ui/pass/ (named in the report).

#![deny(warnings)]

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Triggers `ev` with `x` on the loop's next turn.
fn answer<T: 'static>(x: T, ev: Event<T>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(x)));
}

/// Runs `f` with an event, then the loop; what the event got.
fn result_of<T: 'static>(f: impl FnOnce(Event<T>)) -> Option<T> {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    f(ev);
    tame::run();
    slot.take()
}

// ---- explicit-rendezvous slots declared without a value, waited in a loop

#[tamed]
fn gather_two() -> (u32, u32) {
    let r = Rendezvous::<&'static str>::new();
    let mut a;
    let mut b;
    answer(1, mkevent!(r, "a", a));
    answer(2, mkevent!(r, "b", b));
    while let Some(_who) = twait!(r) {}
    (a, b)
}

/// Found by tests/program_chat.rs (the scenario collecting the clients'
/// transcripts). Observed: the function panics out of `run()` with "tamed
/// function `gather_two` panicked: the event for `a` came back without a
/// value (it was dropped untriggered), and `a` had no value before the
/// twait" — although both events were triggered. The expansion takes
/// *every* slot of the rendezvous (`take_required` on `a` and on `b`) at
/// each `twait!(r)`, whatever id came back, and declares `a`/`b` afresh in
/// the loop's resume state, so a value stored at the first wake is lost.
/// The same body with `let mut a = 0; let mut b = 0;` works, and so do two
/// straight-line `twait!(r);`.
#[test]
fn uninitialized_rendezvous_slots_filled_one_per_twait_in_a_while_let_loop() {
    on_fresh_loop(|| {
        assert_eq!(result_of(gather_two), Some((1, 2)));
    });
}

// ---- `let x = match .. { .. => return e, }` with a twait in another arm

/// Found by tests/program_chat.rs (the session's `let nick = match ..`).
/// Compiles and runs, but `cargo clippy --all-targets -- -D warnings` fails
/// on this file: "error: sub-expression diverges
/// (clippy::diverging_sub_expression)" at the user's `return` in the `None`
/// arm. The same function without the twait, or as a plain function, is
/// clean: the machine lowers the arm to `__tame_value0 = return { deliver(..);
/// proceed() }`, and clippy reports the generated assignment at the user's
/// span.
#[tamed]
fn nick_of(line: String) -> Result<String, String> {
    let nick = match line.strip_prefix("NICK ") {
        Some("") => {
            twait! { tame::asap(mkevent!()); }
            return Err("empty nick".into());
        }
        Some(n) => n.to_string(),
        None => return Err("no NICK".into()),
    };
    Ok(nick)
}

#[test]
fn a_match_arm_returning_beside_an_arm_with_a_twait_is_clippy_clean() {
    on_fresh_loop(|| {
        let nick = |line: &str| result_of(|ev| nick_of(line.to_string(), ev));
        assert_eq!(nick("NICK ann"), Some(Ok("ann".into())));
        assert_eq!(nick("NICK "), Some(Err("empty nick".into())));
        assert_eq!(nick("HELLO"), Some(Err("no NICK".into())));
    });
}
