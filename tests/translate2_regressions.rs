//! Small tamed functions in shapes that real programs use, each behaving
//! as the same plain function does (or as the README promises). The
//! clippy cases rely on `cargo clippy --all-targets -- -D warnings`
//! checking this file.

#![deny(warnings)]
// Pedantic, but a guard named `_guard` is common: the machine's own moves of
// it must not count as uses.
#![warn(clippy::used_underscore_binding, clippy::no_effect_underscore_binding)]
// Pedantic: the last statement of a `twait! {}` block written over several
// lines ends with `;`, and the lint shadow's stand-in must not say otherwise.
#![warn(clippy::semicolon_if_nothing_returned)]

use std::cell::{Cell, RefCell};
use std::io::{self, Write as _};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tame::net::TcpStream;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Runs `f` with an event, then the loop; what the event got.
fn result_of<T: 'static>(f: impl FnOnce(Event<T>)) -> Option<T> {
    tame::run_with(f)
}

// ---- `let x = match .. { .. => return e, }` with a twait in another arm

/// `let x = match .. { .. => return e, }` beside an arm with a twait: each
/// `return` ends the function with its value, and the function is as clean
/// under clippy as the plain one (the machine must not assign a diverging
/// arm's value, which clippy would report as `diverging_sub_expression` at
/// the user's `return`).
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

// ---- a socket read inside `twait! {}` and not mentioned after it

/// Reads one line and returns it: the last use of `conn` is the read.
#[tamed]
fn read_reply(conn: TcpStream) -> io::Result<Vec<u8>> {
    let got;
    twait! { conn.read_until(Vec::new(), b"\n", 64, mkevent!(got)); }
    let (buf, n) = got;
    n?;
    Ok(buf)
}

/// A socket used only as the receiver of a read inside `twait! {}` (the
/// most common client shape: connect, write, read the reply, return it) is
/// dropped at the twait (README: the rule on receivers in twait blocks), but
/// tame's descriptors keep themselves open while an operation on them runs,
/// so the read still ends with the line, as in a plain function.
#[test]
fn a_socket_used_only_as_the_receiver_of_a_read_in_a_twait_block_lives_until_the_read_ends() {
    on_fresh_loop(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let conn = TcpStream::from_std(client).unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            server.write_all(b"hello\n").unwrap();
            server
        });
        let got = result_of(|ev| read_reply(conn, ev));
        drop(writer.join().unwrap());
        assert_eq!(
            got.map(|r| r.map_err(|e| e.kind())),
            Some(Ok(b"hello\n".to_vec()))
        );
    });
}

// ---- struct field init shorthand

#[derive(Debug, PartialEq)]
struct Pair {
    a: u32,
    b: u32,
}

/// Struct field init shorthand (`Pair { a, b }`) builds the struct, and the
/// function is as clean under clippy as the plain one: the machine keeps
/// the shorthand rather than writing `a: a` at the user's spans, which
/// clippy would report as `redundant_field_names`.
#[tamed]
fn pair_later(a: u32) -> Pair {
    let b = a + 1;
    twait! { tame::asap(mkevent!()); }
    Pair { a, b }
}

#[test]
fn struct_field_init_shorthand_is_clippy_clean() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| pair_later(1, ev)), Some(Pair { a: 1, b: 2 }));
    });
}

// ---- the locals are dropped before the value is delivered

type Log = Rc<RefCell<Vec<String>>>;

/// Logs `drop <name>` when dropped (a pooled connection going back, a
/// permit released).
struct Guard(Log, &'static str);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.borrow_mut().push(format!("drop {}", self.1));
    }
}

#[tamed]
fn guarded_tail(log: Log) -> u32 {
    let _g = Guard(log.clone(), "g");
    twait! { tame::asap(mkevent!()); }
    7
}

#[tamed]
fn guarded_return(log: Log, stop_at: u32) -> Result<u32, String> {
    let mut n = 0;
    loop {
        let _conn = Guard(log.clone(), "conn");
        twait! { tame::asap(mkevent!()); }
        n += 1;
        match n {
            n if n == stop_at => return Err(format!("gave up at {n}")),
            _ => continue,
        }
    }
}

/// An event that logs what it got, as it gets it.
fn logging<T: std::fmt::Debug + 'static>(log: &Log) -> Event<T> {
    let log = log.clone();
    Event::from_fn(move |v: Option<T>| log.borrow_mut().push(format!("got {v:?}")))
}

/// As in a plain function, the locals are dropped before the caller gets
/// the value, by the tail expression or by a `return` inside a loop. It
/// matters when the caller's event runs code at once (an `Event::from_fn`):
/// a callback that empties a connection pool must find a pooled connection
/// already given back, not see it come back afterwards. (Tamed callers are
/// resumed from the queue later; tests/translate2_drops.rs covers them.)
#[test]
fn locals_are_dropped_before_the_callers_event_is_triggered() {
    on_fresh_loop(|| {
        let log = Log::default();
        guarded_tail(log.clone(), logging(&log));
        tame::run();
        assert_eq!(*log.borrow(), ["drop g", "got Some(7)"]);

        let log = Log::default();
        guarded_return(log.clone(), 2, logging(&log));
        tame::run();
        assert_eq!(
            *log.borrow(),
            ["drop conn", "drop conn", "got Some(Err(\"gave up at 2\"))"]
        );
    });
}

// ---- a slot of an explicit rendezvous is stored when its id is returned

/// Both events come back before the first `twait!(r)`: each value is
/// stored by the `twait!(r)` that returns its event's id, not earlier (a
/// store of every value that had come back would show `b` at the first).
#[tamed]
fn stored_with_its_id() -> Vec<String> {
    tvars! {
        let r = Rendezvous::<char>::new();
        let mut a = 0u32;
        let mut b = 0u32;
        let mut seen = Vec::new();
    }
    let ea = mkevent!(r, 'a', a);
    let eb = mkevent!(r, 'b', b);
    ea.trigger(1);
    eb.trigger(2);
    while let Some(id) = twait!(r) {
        seen.push(format!("{id} a={a} b={b}"));
    }
    seen
}

#[test]
fn an_explicit_slot_is_stored_by_the_twait_that_returns_its_id() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(stored_with_its_id),
            Some(vec!["a a=1 b=0".to_string(), "b a=1 b=2".to_string()])
        );
    });
}

// ---- `place op= value` with a twait in the value

struct Counter {
    hits: Vec<u32>,
}

impl Counter {
    fn first(&mut self) -> &mut u32 {
        &mut self.hits[0]
    }
}

fn zero() -> usize {
    0
}

#[derive(Default, Debug, PartialEq)]
struct Stats {
    total: u64,
}

/// Compound assignments whose value waits, into places that are not plain
/// variables: each update lands in the place itself (a copy of the place
/// taken before the twait would swallow it).
#[tamed]
fn compound_into_places(stats: Rc<RefCell<Stats>>) -> (Vec<u32>, Vec<u32>, Counter, [u32; 2]) {
    let r = Rendezvous::<u32>::new();
    for i in 1..=8 {
        tame::asap(r.event(i * 10));
    }
    let mut v = vec![1u32, 1];
    let mut w = vec![1u32];
    let mut c = Counter { hits: vec![1] };
    let mut a = [1u32, 1];
    let i = 0;
    v[i + 1] += twait!(r).unwrap();
    *w.last_mut().unwrap() += twait!(r).unwrap();
    *c.first() *= twait!(r).unwrap();
    a[zero()] -= 1;
    a[zero() + 1] <<= {
        twait! { tame::asap(mkevent!()); }
        twait!(r).unwrap() / 10
    };
    stats.borrow_mut().total += u64::from(twait!(r).unwrap());
    // A twait in the place's index: the index is read after the value.
    v[(twait!(r).unwrap() / 60) as usize] += 100;
    (v, w, c, a)
}

#[test]
fn a_compound_assignment_whose_value_waits_updates_the_place_itself() {
    on_fresh_loop(|| {
        let stats = Rc::new(RefCell::new(Stats::default()));
        let (v, w, c, a) = result_of(|ev| compound_into_places(stats.clone(), ev)).unwrap();
        assert_eq!(v, [1, 111]);
        assert_eq!(w, [21]);
        assert_eq!(c.hits, [30]);
        assert_eq!(a, [0, 1 << 4]);
        assert_eq!(*stats.borrow(), Stats { total: 50 });
    });
}

// ---- a computed place borrowed before a twait in the same expression

fn row(log: &RefCell<Vec<&'static str>>) -> usize {
    log.borrow_mut().push("row");
    1
}

fn show(v: &[u32], x: u32) -> String {
    format!("{v:?}+{x}")
}

/// A method's receiver and a `&place` operand that index with a computed
/// index, before a twait in the arguments: the index is computed first, as
/// in Rust, and the place stays a place (a temporary of it would move out
/// of the index, or borrow the vector across the wait).
#[tamed]
fn into_computed_places(log: Rc<RefCell<Vec<&'static str>>>) -> (Vec<Vec<u32>>, String, u32) {
    let r = Rendezvous::<u32>::new();
    for i in 0..4 {
        tame::asap(r.event(10 + i));
    }
    let mut grid = vec![vec![], vec![]];
    grid[row(&log)].push({
        log.borrow_mut().push("wait");
        twait!(r).unwrap()
    });
    let i = 0;
    let shown = show(&grid[i + 1], twait!(r).unwrap());
    grid[i + 1].push(twait!(r).unwrap());
    let nums = [2u32, 3];
    let p = nums[i + 1].pow(twait!(r).unwrap() - 11);
    (grid, shown, p)
}

#[test]
fn a_computed_place_borrowed_before_a_twait_is_indexed_once_and_stays_a_place() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let (grid, shown, p) = result_of(|ev| into_computed_places(log.clone(), ev)).unwrap();
        assert_eq!(grid, [vec![], vec![10, 12]]);
        assert_eq!(shown, "[10]+11");
        assert_eq!(p, 9);
        assert_eq!(*log.borrow(), ["row", "wait"]);
    });
}

// ---- `.into()` and `#[cfg]`-removed assignments before a twait

/// `name.into()` takes `name` by value (`Into::into(self)`): the shadowing
/// `name` is a new value and the old one is gone (this was rustc's "use of
/// moved value" at the twait).
#[tamed]
fn greeting(name: impl Into<String> + 'static) -> String {
    let name: String = name.into();
    twait! { tame::asap(mkevent!()); }
    format!("hello {name}")
}

#[test]
fn into_moves_its_receiver() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| greeting("ann", ev)),
            Some("hello ann".to_string())
        );
    });
}

/// An assignment that `#[cfg]` may compile out happens on some builds
/// only: the parameter keeps its value where it is compiled out (this was
/// "used binding isn't initialized" at the twait). (`x`'s `mut` is unused
/// in this build, and `y`'s value passed in never read, as in a plain
/// function.)
#[allow(unused_mut, unused_assignments)]
#[tamed]
fn cfg_assigned(mut x: u32, mut y: u32) -> (u32, u32) {
    #[cfg(not(test))]
    {
        x = 5;
    }
    #[cfg(test)]
    {
        y = 7;
    }
    twait! { tame::asap(mkevent!()); }
    (x, y)
}

#[test]
fn an_assignment_cfg_compiles_out_leaves_the_value() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| cfg_assigned(1, 2, ev)), Some((1, 7)));
    });
}

/// A variable whose `let` `#[cfg]` may compile out, used after a twait by
/// code under the same `cfg` (`#[cfg(debug_assertions)] let start =
/// Instant::now();` .. `#[cfg(debug_assertions)] log(start.elapsed())`):
/// where the `let` is gone, so is the state's field for it (this was
/// "cannot find value `start`" at the twait, in release builds only).
/// (A test build has `cfg(test)`, so `not(test)` is the one compiled out.)
#[tamed]
fn cfg_declared(t: Rc<RefCell<Vec<String>>>) -> usize {
    #[cfg(not(test))]
    let gone = String::from("never made");
    #[cfg(test)]
    let kept = String::from("kept");
    #[cfg(test)]
    let _guard = Note("guard", t.clone());
    twait! { tame::asap(mkevent!()); }
    #[cfg(not(test))]
    t.borrow_mut().push(gone);
    #[cfg(test)]
    t.borrow_mut().push(kept);
    twait! { tame::asap(mkevent!()); }
    t.borrow_mut().push("end".into());
    t.borrow().len()
}

/// One `let` per configuration, each a value with a drop, kept across a
/// twait: each build has one of them (the two were packed into one state
/// under one name: "identifier bound more than once").
#[tamed]
fn cfg_alternatives(n: u32) -> String {
    #[cfg(test)]
    let label = String::from("test");
    #[cfg(not(test))]
    let label = String::from("other");
    #[cfg(test)]
    let slot;
    #[cfg(not(test))]
    let slot;
    twait! { later_value(n, mkevent!(slot)); }
    let out = format!("{label}-{slot}");
    drop(label);
    twait! { tame::asap(mkevent!()); }
    out
}

/// A parameter under `#[cfg(..)]`: in the builds without it, its fields go
/// too (it was "cannot find value" there).
#[tamed]
fn cfg_parameter(#[cfg(not(test))] gone: String, kept: String) -> String {
    twait! { tame::asap(mkevent!()); }
    #[cfg(not(test))]
    drop(gone);
    kept
}

#[test]
fn a_let_per_configuration_keeps_the_one_the_build_has() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| cfg_parameter("k".into(), ev)),
            Some("k".to_string())
        );
    });
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| cfg_alternatives(1, ev)),
            Some("test-1".to_string())
        );
    });
}

#[test]
fn a_variable_cfg_compiles_out_takes_its_state_field_with_it() {
    on_fresh_loop(|| {
        let t = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(result_of(|ev| cfg_declared(t.clone(), ev)), Some(2));
        assert_eq!(*t.borrow(), ["kept", "end", "drop guard"]);
    });
}

/// `#[cfg_attr(p, cfg(q))]` is a `cfg` (compiled out where `p` holds and
/// `q` does not): a match arm, a `return`, a `let`, a parameter under one
/// are under it in the machine too (the arm was kept in every build, the
/// `return` taken in every one, the `let`'s variable not found).
#[tamed]
fn cfg_attr_spelled(
    #[cfg_attr(test, cfg(any()))] gone: String,
    k: u32,
    t: Rc<RefCell<Vec<String>>>,
) -> String {
    #[cfg_attr(test, cfg(any()))]
    let out = String::from("compiled out");
    #[cfg_attr(all(), cfg_attr(test, cfg(all())))]
    let out = String::from("kept");
    let arm = match k {
        0 => {
            twait! { tame::asap(mkevent!()); }
            "zero"
        }
        #[cfg_attr(test, cfg(any()))]
        1 => "one (compiled out)",
        // (Giving a `cfg` and another attribute: the same.)
        #[cfg_attr(test, cfg(any()), allow(unreachable_patterns))]
        2 => "two (compiled out)",
        _ => "other",
    };
    t.borrow_mut().push(arm.into());
    #[cfg_attr(test, allow(unreachable_code), cfg(any()))]
    return gone;
    twait! { tame::asap(mkevent!()); }
    out
}

#[test]
fn a_cfg_attr_that_gives_a_cfg_is_that_cfg() {
    on_fresh_loop(|| {
        for k in [0, 1, 2] {
            let t = Rc::new(RefCell::new(Vec::new()));
            assert_eq!(
                result_of(|ev| cfg_attr_spelled(k, t.clone(), ev)),
                Some("kept".to_string())
            );
            assert_eq!(*t.borrow(), [if k == 0 { "zero" } else { "other" }]);
        }
    });
}

/// A `return` or a panic under `#[cfg(..)]` as the last statement of a
/// branch or a block does not end it: in the builds without it the code
/// after the construct runs (the machine took the construct for one that
/// always returned, and dropped that code: "resumed while it ran").
#[tamed]
fn cfg_return_last_in_branches(k: u32, t: Rc<RefCell<Vec<String>>>) -> u32 {
    let g = Note("g", t.clone());
    if k == 0 {
        drop(g);
        #[cfg(not(test))]
        return 1;
    } else if k == 1 {
        return 2;
    }
    match k {
        0 => {
            #[cfg(not(test))]
            panic!("compiled out");
        }
        _ => return 3,
    }
    {
        #[cfg(not(test))]
        return k;
    }
    twait! { tame::asap(mkevent!()); }
    t.borrow_mut().push("after".into());
    4
}

#[test]
fn a_cfg_return_that_ends_a_branch_may_be_compiled_out() {
    on_fresh_loop(|| {
        let t = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(
            result_of(|ev| cfg_return_last_in_branches(0, t.clone(), ev)),
            Some(4)
        );
        assert_eq!(*t.borrow(), ["drop g", "after"]);
        let t = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(
            result_of(|ev| cfg_return_last_in_branches(1, t.clone(), ev)),
            Some(2)
        );
        assert_eq!(*t.borrow(), ["drop g"]);
    });
}

// ---- names that start with an uppercase letter

/// A `let`, a `for` and a parameter pattern cannot fail to match, so every
/// name in them is a variable, whatever its case (this was "cannot find
/// value `N`" when the variable was kept across a twait: the name was
/// taken for a constant). rustc's `non_snake_case` still has its say.
#[allow(non_snake_case)]
#[tamed]
fn uppercase_names((A, b): (u32, u32), v: Vec<u32>) -> u32 {
    let N = 3u32;
    let mut Total = 0;
    for Item in v {
        twait! { tame::asap(mkevent!()); }
        Total += Item;
    }
    twait! { tame::asap(mkevent!()); }
    N * 100 + A * 10 + b + Total
}

#[test]
fn uppercase_names_in_irrefutable_patterns_are_variables() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| uppercase_names((1, 2), vec![4, 5], ev)),
            Some(300 + 10 + 2 + 9)
        );
    });
}

/// The lint levels of a `let`, a parameter and a `for` loop reach the
/// machine's bindings of their variables in each state that keeps them
/// (they did not: `non_snake_case` and clippy's naming lints fired there,
/// at the user's names, once a variable was kept across a twait). An
/// `#[expect]` is fulfilled once, by the lint shadow, and the machine's
/// copies allow the lint. `cargo clippy --all-targets -- -D warnings`
/// checks the clippy lints; rustc's are errors here.
#[warn(clippy::min_ident_chars)]
#[tamed]
fn lint_levels_of_kept_names(
    #[allow(non_snake_case)] Kp: u32,
    #[allow(clippy::min_ident_chars)] k: u32,
    #[allow(non_snake_case)] (Pa, pb): (u32, u32),
    opt: Option<u32>,
) -> u32 {
    #[allow(non_snake_case, clippy::min_ident_chars)]
    let N = 3u32;
    #[expect(non_snake_case)]
    let Mm = 4u32;
    #[allow(clippy::disallowed_names)]
    let foo = 5u32;
    let mut sum = 0;
    #[allow(non_snake_case, clippy::min_ident_chars)]
    for I in 0..2u32 {
        twait! { tame::asap(mkevent!()); }
        sum += I;
    }
    let got = match opt {
        #[allow(clippy::disallowed_names)]
        Some(quux) => {
            twait! { tame::asap(mkevent!()); }
            quux
        }
        None => 0,
    };
    // (An `else` that waits is the machine's code.)
    #[allow(clippy::disallowed_names)]
    let Some(bar) = opt
    else {
        twait! { tame::asap(mkevent!()); }
        return 0;
    };
    twait! { tame::asap(mkevent!()); }
    N + Mm + Kp + k + foo + Pa + pb + sum + got + bar
}

#[test]
fn lint_levels_of_a_let_a_parameter_and_a_for_reach_the_machines_bindings() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| lint_levels_of_kept_names(1, 7, (2, 3), Some(10), ev)),
            Some(3 + 4 + 1 + 7 + 5 + 2 + 3 + 1 + 10 + 10)
        );
        assert_eq!(
            result_of(|ev| lint_levels_of_kept_names(1, 7, (2, 3), None, ev)),
            Some(0)
        );
    });
}

// ---- `_`-named variables kept across a twait

/// A guard named `_guard`, a parameter `_unused` and a slot `_late` are
/// only held, passed and filled: under `clippy::used_underscore_binding`
/// the function is as clean as its plain twin (the machine packed them
/// into its state and drew the lint).
#[tamed]
fn underscore_names(_unused: String, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    let _guard = Noisy("guard", log.clone());
    let mut _late = 0u32;
    twait! { tame::asap(mkevent!()); }
    twait! { give(7, mkevent!(_late)); }
    log.borrow_mut().push("body end");
    1
}

struct Noisy(&'static str, Rc<RefCell<Vec<&'static str>>>);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.borrow_mut().push(self.0);
    }
}

fn give(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

#[test]
fn underscore_names_are_held_to_their_scope_end() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(
            result_of(|ev| underscore_names(String::new(), log.clone(), ev)),
            Some(1)
        );
        assert_eq!(*log.borrow(), ["body end", "guard"]);
    });
}

// ---- seven parameters and a value

/// Seven parameters are within clippy's limit; the `done` event the
/// translator adds for the value does not count (this drew
/// `too_many_arguments` under `cargo clippy -D warnings`).
#[tamed]
fn seven(a: u32, b: u32, c: u32, d: u32, e: u32, f: u32, g: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    a + b + c + d + e + f + g
}

#[test]
fn seven_parameters_and_a_value() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| seven(1, 2, 3, 4, 5, 6, 7, ev)), Some(28));
    });
}

// ---- block-like statements that have a value

fn bump(n: &Cell<u32>) -> u32 {
    n.set(n.get() + 1);
    n.get()
}

/// `{ f() };`, `unsafe { .. };`, `if c { 1 } else { 2 };`: a block-like
/// expression ended by `;` is a statement whatever its value's type (this
/// was "expected `()`, found `u32`" in the machine, which had dropped the
/// user's `;`). clippy says of `{ bump(&n) };` what it says in a plain
/// function; the shape is what is under test.
#[allow(clippy::unnecessary_operation)]
#[tamed]
fn block_statements_with_values(n: Rc<Cell<u32>>, c: bool) -> u32 {
    {
        bump(&n)
    };
    // SAFETY: nothing unsafe happens; the block's value is what matters.
    #[allow(unused_unsafe)]
    unsafe {
        bump(&n)
    };
    if c {
        bump(&n)
    } else {
        0
    };
    twait! { tame::asap(mkevent!()); }
    match c {
        true => bump(&n),
        false => 0,
    };
    {
        bump(&n)
    };
    n.get()
}

#[test]
fn block_statements_with_values_compile_and_run() {
    on_fresh_loop(|| {
        let n = Rc::new(Cell::new(0));
        assert_eq!(
            result_of(|ev| block_statements_with_values(n.clone(), true, ev)),
            Some(5)
        );
    });
}

// ---- one variable filled by the events of several branches of a block

/// Triggers `done` with `x` after a turn of the loop.
#[tamed]
fn later(x: u32, done: Event<u32>) {
    twait! { tame::asap(mkevent!()); }
    done.trigger(x);
}

/// `v` has no value before the block; whichever branch runs makes its
/// event, and the wait fills `v` from it (it was "cannot assign twice to
/// immutable variable", and with `let mut v` a panic for the second branch:
/// the first site's value was required though its event was never made).
#[tamed]
fn picked(which: u8) -> u32 {
    let v: u32;
    twait! {
        match which {
            0 => later(10, mkevent!(v)),
            1 => later(11, mkevent!(v)),
            _ => later(12, mkevent!(v)),
        }
    }
    v
}

/// The same with a value before the block: an event dropped untriggered
/// leaves it, whichever branch made it.
#[tamed]
fn picked_or_kept(first: bool, drop_it: bool) -> u32 {
    let mut v = 7;
    twait! {
        if first {
            let ev = mkevent!(v);
            if drop_it { drop(ev) } else { later(1, ev) }
        } else {
            later(2, mkevent!(v));
        }
    }
    v
}

#[test]
fn a_variable_filled_by_the_event_of_whichever_branch_ran_gets_that_value() {
    on_fresh_loop(|| {
        for (which, want) in [(0, 10), (1, 11), (2, 12)] {
            assert_eq!(result_of(|done| picked(which, done)), Some(want));
        }
        assert_eq!(result_of(|done| picked_or_kept(true, false, done)), Some(1));
        assert_eq!(
            result_of(|done| picked_or_kept(false, false, done)),
            Some(2)
        );
        assert_eq!(result_of(|done| picked_or_kept(true, true, done)), Some(7));
    });
}

// ---- a slot moved into the operation that gives it back

/// Gives `s` back through `ev` with a `!` added, a turn later.
fn append(mut s: String, ev: Event<String>) {
    s.push('!');
    tame::asap(Event::from_fn(move |_| ev.trigger(s)));
}

/// `s` goes into the call that gives it back (it was "use of moved value:
/// `s`" at the twait: the machine kept the old `s` across the wait as if
/// the store might leave it).
#[tamed]
fn appended_twice() -> String {
    let mut s = String::from("hi");
    twait! { append(s, mkevent!(s)); }
    twait! { append(s, mkevent!(s)); }
    s
}

/// The README's form: one buffer, moved into each read and given back by
/// it, until the end of the stream.
#[tamed]
fn read_all(r: tame::io::Fd) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(4);
    let mut all = Vec::new();
    loop {
        let n: io::Result<usize>;
        twait! { r.read(buf, mkevent!(buf, n)); }
        if n? == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&buf);
        buf.clear();
    }
}

#[test]
fn a_slot_moved_into_the_operation_that_gives_it_back_gets_it_back() {
    on_fresh_loop(|| {
        assert_eq!(result_of(appended_twice).as_deref(), Some("hi!!"));
        let (r, w) = tame::io::pipe().unwrap();
        w.try_write(b"more than four bytes").unwrap();
        w.close();
        let all = result_of(|done| read_all(r, done)).unwrap().unwrap();
        assert_eq!(all, b"more than four bytes");
    });
}

// ---- a site with a slot that has a value and one that has none

/// `b` has no value before the block, `a` has one: the wait assigns both
/// (it was "cannot assign twice to immutable variable `b`" and "`b` is
/// possibly-uninitialized": only the first slot decided).
#[tamed]
fn mixed_slots() -> (u32, String) {
    let mut a = 0;
    let b: String;
    twait! { later_pair((1, "x".to_string()), mkevent!(a, b)); }
    (a, b)
}

/// Triggers `done` with `v` after a turn of the loop.
#[tamed]
fn later_pair(v: (u32, String), done: Event<(u32, String)>) {
    twait! { tame::asap(mkevent!()); }
    done.trigger(v);
}

#[test]
fn a_site_with_one_slot_without_a_value_assigns_all_its_slots() {
    on_fresh_loop(|| {
        assert_eq!(result_of(mixed_slots), Some((1, "x".to_string())));
    });
}

// ---- a variable without a value filled on some paths of a block only

/// `_v` is filled only if `c`, and read only then in a way rustc accepts:
/// not at all (it was a panic at the wait when `c` was false: "no value
/// came for `_v`").
#[tamed]
fn filled_if(c: bool) -> u32 {
    let _v: u32;
    twait! {
        if c { later(1, mkevent!(_v)); }
    }
    if c {
        1
    } else {
        0
    }
}

/// One variable per branch, each without a value; neither is read after.
#[tamed]
fn one_of_two(c: bool) -> u32 {
    let _a: u32;
    let _b: u32;
    twait! {
        if c { later(5, mkevent!(_a)); } else { later(6, mkevent!(_b)); }
    }
    7
}

/// Filled only if `c`, then given a value of its own: what it holds after
/// the block no longer matters (and rustc says the slot's value is never
/// read, as of the plain function's `if c { v = 1 } v = 3;`).
#[allow(unused_assignments)]
#[tamed]
fn filled_then_assigned(c: bool) -> u32 {
    let mut v: u32;
    twait! {
        if c { later(1, mkevent!(v)); }
    }
    v = 3;
    v
}

/// Every path that reaches the wait fills `v` (the other returns): it is
/// read after the block.
#[tamed]
fn filled_or_returned(c: bool) -> u32 {
    let v: u32;
    twait! {
        if c { later(1, mkevent!(v)); } else { return 9; }
    }
    v + 1
}

/// A guard filled on the one path that makes its event, and one filled on
/// every path: each is kept to its scope's end, across the next twait, as
/// a plain function keeps it (the first was dropped at that twait).
#[tamed]
fn guard_filled(c: bool, t: Rc<RefCell<Vec<String>>>) {
    let _maybe: Note;
    let _always: Note;
    twait! {
        if c { later_note(Note("maybe", t.clone()), mkevent!(_maybe)); }
        later_note(Note("always", t.clone()), mkevent!(_always));
    }
    twait! { tame::asap(mkevent!()); }
    t.borrow_mut().push("end".into());
}

/// Logs its name when dropped.
struct Note(&'static str, Rc<RefCell<Vec<String>>>);

impl Drop for Note {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("drop {}", self.0));
    }
}

/// Triggers `done` with `n` after a turn of the loop.
#[tamed]
fn later_note(n: Note, done: Event<Note>) {
    twait! { tame::asap(mkevent!()); }
    done.trigger(n);
}

#[test]
fn a_variable_filled_on_some_paths_only_is_what_rust_allows() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|d| filled_if(true, d)), Some(1));
        assert_eq!(result_of(|d| filled_if(false, d)), Some(0));
        assert_eq!(result_of(|d| one_of_two(true, d)), Some(7));
        assert_eq!(result_of(|d| one_of_two(false, d)), Some(7));
        assert_eq!(result_of(|d| filled_then_assigned(true, d)), Some(3));
        assert_eq!(result_of(|d| filled_then_assigned(false, d)), Some(3));
        assert_eq!(result_of(|d| filled_or_returned(true, d)), Some(2));
        assert_eq!(result_of(|d| filled_or_returned(false, d)), Some(9));
        for c in [false, true] {
            let t = Rc::new(RefCell::new(Vec::new()));
            result_of(|d: Event<()>| {
                guard_filled(c, t.clone());
                d.trigger(());
            });
            // As the plain function: both held to their scope's end, and
            // dropped there in reverse order of declaration.
            let want: &[&str] = if c {
                &["end", "drop always", "drop maybe"]
            } else {
                &["end", "drop always"]
            };
            assert_eq!(*t.borrow(), want);
        }
    });
}

// ---- a trait declares a tamed method; an inner attribute of the body

/// The trait says what its implementations' tamed methods are, written as
/// they are (the declaration was refused: "goes on a function").
trait Greeter: 'static {
    #[tamed]
    fn greet(self: Rc<Self>, name: String) -> String;
}

struct Polite;

impl Greeter for Polite {
    #[tamed]
    fn greet(self: Rc<Self>, name: String) -> String {
        twait! { tame::asap(mkevent!()); }
        format!("good day, {name}")
    }
}

/// `#![allow(..)]` at the top of the body is the function's, as in a plain
/// one (it was "an inner attribute is not permitted in this context").
#[tamed]
fn inner_attribute(x: u32) -> u32 {
    #![allow(unused_variables)]
    let unused = 5;
    twait! { tame::asap(mkevent!()); }
    x + 1
}

#[test]
fn a_trait_declares_a_tamed_method_and_a_body_has_an_inner_attribute() {
    on_fresh_loop(|| {
        let g: Rc<dyn Greeter> = Rc::new(Polite);
        assert_eq!(
            result_of(|ev| g.greet("ann".into(), ev)),
            Some("good day, ann".to_string())
        );
        assert_eq!(result_of(|ev| inner_attribute(1, ev)), Some(2));
    });
}

// ---- `Option::take` through a guard

/// `slot.borrow_mut().take()` moves the value out of the cell: an owned
/// `Option`, kept across a twait (it was refused as a borrow of `slot`,
/// `take` being also `Iterator::take(n)`, which keeps its borrow).
#[tamed]
fn hand_over(slot: Rc<RefCell<Option<String>>>) -> String {
    let conn = slot.borrow_mut().take();
    twait! { tame::asap(mkevent!()); }
    conn.unwrap_or_default()
}

#[test]
fn a_value_taken_out_of_a_cell_is_owned() {
    on_fresh_loop(|| {
        let slot = Rc::new(RefCell::new(Some("conn".to_string())));
        assert_eq!(
            result_of(|ev| hand_over(slot.clone(), ev)),
            Some("conn".to_string())
        );
        assert_eq!(*slot.borrow(), None);
    });
}

// ---- the drop order of a pattern parameter and those after it

/// Rust drops parameters in reverse order after the locals, a pattern's
/// bindings with the others: `permit`, `addr`, `conn`, `first` here (the
/// pattern's bindings were dropped before `permit`).
#[tamed]
fn pattern_parameter_drop_order(
    first: Note,
    (conn, addr): (Note, Note),
    permit: Note,
    t: Rc<RefCell<Vec<String>>>,
) {
    twait! { tame::asap(mkevent!()); }
    let _ = (&first, &conn, &addr, &permit);
    t.borrow_mut().push("end".into());
}

#[test]
fn a_pattern_parameter_drops_in_parameter_order() {
    on_fresh_loop(|| {
        let t = Rc::new(RefCell::new(Vec::new()));
        let note = |name| Note(name, t.clone());
        pattern_parameter_drop_order(
            note("first"),
            (note("conn"), note("addr")),
            note("permit"),
            t.clone(),
        );
        tame::run();
        assert_eq!(
            *t.borrow(),
            ["end", "drop permit", "drop addr", "drop conn", "drop first"]
        );
    });
}

// ---- the parts a pattern parameter does not bind

/// The parts a pattern parameter does not bind stay in the argument, to
/// the function's end, dropped after the pattern's bindings (they were
/// dropped at the function's start).
#[tamed]
fn pattern_parameter_with_unbound_parts(
    first: Note,
    (conn, _): (Note, Note),
    (_, mut n, _): (Note, u32, Note),
    [x, _]: [Note; 2],
    t: Rc<RefCell<Vec<String>>>,
) {
    twait! { tame::asap(mkevent!()); }
    n += 1;
    let _ = (&first, &conn, &x);
    t.borrow_mut().push(format!("end {n}"));
}

/// The plain twin of [`pattern_parameter_with_unbound_parts`].
fn pattern_parameter_with_unbound_parts_plain(
    first: Note,
    (conn, _): (Note, Note),
    (_, mut n, _): (Note, u32, Note),
    [x, _]: [Note; 2],
    t: Rc<RefCell<Vec<String>>>,
) {
    n += 1;
    let _ = (&first, &conn, &x);
    t.borrow_mut().push(format!("end {n}"));
}

#[test]
fn the_unbound_parts_of_a_pattern_parameter_live_to_the_end() {
    on_fresh_loop(|| {
        let run = |tamed: bool| {
            let t = Rc::new(RefCell::new(Vec::new()));
            let note = |name| Note(name, t.clone());
            let args = (
                note("first"),
                (note("conn"), note("addr")),
                (note("a"), 1, note("c")),
                [note("x"), note("y")],
            );
            if tamed {
                pattern_parameter_with_unbound_parts(args.0, args.1, args.2, args.3, t.clone());
                tame::run();
            } else {
                pattern_parameter_with_unbound_parts_plain(
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    t.clone(),
                );
            }
            let trace = t.borrow().clone();
            trace
        };
        let plain = run(false);
        assert_eq!(
            plain,
            [
                "end 2",
                "drop x",
                "drop y",
                "drop a",
                "drop c",
                "drop conn",
                "drop addr",
                "drop first"
            ]
        );
        assert_eq!(run(true), plain);
    });
}

// ---- the names of a typed pattern, each of its part's type

/// Names of a typed pattern declared without a value, or moved and given
/// another value, assigned after a twait (in the branches of an `if`
/// too): the machine declares each again with its own part's type (it
/// wrote the whole type on each: "expected `(String, u8)`, found
/// `String`"; an array's elements had none, and a value given by
/// `.into()` failed with "type annotations needed").
#[tamed]
fn typed_pattern_parts(k: u32, t: Rc<RefCell<Vec<String>>>) -> String {
    let (a, b): (String, u8);
    twait! { tame::asap(mkevent!()); }
    a = format!("k{k}");
    b = 5;
    let (mut n, m): (Note, u32) = (Note("n1", t.clone()), k);
    drop(n);
    twait! { tame::asap(mkevent!()); }
    n = Note("n2", t.clone());
    let ((x, y), z): ((u8, u16), Note);
    if k > 1 {
        twait! { tame::asap(mkevent!()); }
        x = 1;
        y = 2;
    } else {
        x = 3;
        y = 4;
    }
    z = Note("z", t.clone());
    let [p, .., q]: [String; 3];
    twait! { tame::asap(mkevent!()); }
    p = "p".into();
    q = char::from_digit(k, 10).unwrap_or('?').into();
    format!("{a} {b} {} {m} {x} {y} {} {p}{q}", n.0, z.0)
}

/// The plain twin of [`typed_pattern_parts`].
fn typed_pattern_parts_plain(k: u32, t: Rc<RefCell<Vec<String>>>) -> String {
    let (a, b): (String, u8);
    a = format!("k{k}");
    b = 5;
    let (mut n, m): (Note, u32) = (Note("n1", t.clone()), k);
    drop(n);
    n = Note("n2", t.clone());
    let ((x, y), z): ((u8, u16), Note);
    if k > 1 {
        x = 1;
        y = 2;
    } else {
        x = 3;
        y = 4;
    }
    z = Note("z", t.clone());
    let [p, .., q]: [String; 3];
    p = "p".into();
    q = char::from_digit(k, 10).unwrap_or('?').into();
    format!("{a} {b} {} {m} {x} {y} {} {p}{q}", n.0, z.0)
}

/// A struct's fields.
struct Spot {
    x: u32,
    label: String,
}

/// The names of a struct pattern and of a `let .. else`'s pattern, whose
/// written types are the whole value's, declared again after a twait:
/// with no type written, as rustc infers it (they were given the whole
/// type: "expected `Spot`, found `u32`"). Names of one pattern with no
/// type, given their values in different states (the pattern was
/// declared whole in the first: "type annotations needed").
#[tamed]
fn untyped_pattern_parts(k: u32, o: Option<Note>, t: Rc<RefCell<Vec<String>>>) -> String {
    let Spot { x, label }: Spot;
    twait! { tame::asap(mkevent!()); }
    x = k;
    label = String::from("spot");
    let Some(mut w): Option<Note> = o else {
        return String::from("none");
    };
    drop(w);
    twait! { tame::asap(mkevent!()); }
    w = Note("w2", t.clone());
    let (p, q);
    if k > 1 {
        twait! { tame::asap(mkevent!()); }
        p = 1u8;
    } else {
        p = 2;
    }
    q = Note("q", t.clone());
    twait! { tame::asap(mkevent!()); }
    format!("{x} {label} {} {p} {}", w.0, q.0)
}

/// The plain twin of [`untyped_pattern_parts`].
fn untyped_pattern_parts_plain(k: u32, o: Option<Note>, t: Rc<RefCell<Vec<String>>>) -> String {
    let Spot { x, label }: Spot;
    x = k;
    label = String::from("spot");
    let Some(mut w): Option<Note> = o else {
        return String::from("none");
    };
    drop(w);
    w = Note("w2", t.clone());
    let (p, q);
    if k > 1 {
        p = 1u8;
    } else {
        p = 2;
    }
    q = Note("q", t.clone());
    format!("{x} {label} {} {p} {}", w.0, q.0)
}

/// Two blocks, each with a rendezvous of its own named `r` and a slot of
/// its own: a `twait!(r)` stores the slots of the `r` it names (the lint
/// shadow wrote the first block's slot at the second's wait too: "cannot
/// find value `a`", or "mismatched types" for a same-named slot).
#[tamed]
fn two_blocks_each_with_its_own_r(flag: bool) -> String {
    if flag {
        let mut a: u32 = 0;
        let r = Rendezvous::<u8>::new();
        give_later(7u32, mkevent!(r, 1, a));
        let _ = twait!(r);
        a.to_string()
    } else {
        let mut a = String::new();
        let r = Rendezvous::<u8>::new();
        give_later("eight".to_string(), mkevent!(r, 1, a));
        let _ = twait!(r);
        a
    }
}

#[test]
fn a_twait_on_r_stores_the_slots_of_its_own_r_not_those_of_an_earlier_block() {
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(|d| two_blocks_each_with_its_own_r(true, d)),
            Some("7".to_string())
        );
        assert_eq!(
            tame::run_with(|d| two_blocks_each_with_its_own_r(false, d)),
            Some("eight".to_string())
        );
    });
}

/// A slot's variable hidden, after the wait that filled it, by another of
/// its name before a later wait on the rendezvous (a `let` of another
/// type, a `for` pattern, an `if let`): the later wait stores into the
/// variable the site named, and the new one keeps its value. The lint
/// shadow wrote into the new one ("mismatched types", or "cannot borrow
/// as mutable" naming the new variable).
#[tamed]
fn a_slot_hidden_before_a_later_wait(o: Option<&'static str>) -> String {
    let r = Rendezvous::<u32>::new();
    let mut got = 0u32;
    give_later(1u32, mkevent!(r, 1, got));
    let a = twait!(r);
    let got = got.to_string();
    give_later((), mkevent!(r, 2));
    let b = twait!(r);
    let mut n = 5u32;
    give_later(9u32, mkevent!(r, 3, n));
    let mut seen = Vec::new();
    for n in ["x", "z"] {
        seen.push(format!("{n} {:?}", twait!(r)));
    }
    if let Some(n) = o {
        seen.push(n.to_string());
    }
    // (A wait where `n` is itself again: without one, the lint shadow,
    // which cannot name the hidden `n` at the loop's wait, would take its
    // `mut` for unneeded.)
    give_later((), mkevent!(r, 4));
    let c = twait!(r);
    format!("{a:?} {b:?} {got} {seen:?} {c:?} {n}")
}

/// A `let` inside a `twait! {}` block that hides the block's slot: the
/// value goes to the slot, not to the block's variable.
#[tamed]
fn a_slot_hidden_inside_its_twait_block() -> u32 {
    let mut x = 0u32;
    twait! {
        give_later(3u32, mkevent!(x));
        let x = "s";
        assert_eq!(x, "s");
    }
    x
}

#[test]
fn a_slot_hidden_by_a_later_binding_of_its_name_is_still_the_one_filled() {
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(|d| a_slot_hidden_before_a_later_wait(Some("y"), d)).as_deref(),
            Some("Some(1) Some(2) 1 [\"x Some(3)\", \"z None\", \"y\"] Some(4) 9")
        );
        assert_eq!(
            tame::run_with(a_slot_hidden_inside_its_twait_block),
            Some(3)
        );
    });
}

/// Two blocks, each with a `Vec` of rendezvous of its own named `rs`,
/// waited on as `rs[0]`: each wait stores its own block's slot (paired by
/// their text alone, they crossed: tame's error said the slot was out of
/// scope at the other block's wait).
#[tamed]
fn two_blocks_each_with_its_own_rs() -> String {
    let first = {
        let mut a = 0u32;
        let rs = vec![Rendezvous::<u8>::new()];
        give_later(1u32, mkevent!(rs[0], 1, a));
        let id = twait!(rs[0]);
        format!("{id:?} {a}")
    };
    let second = {
        let mut a = String::new();
        let rs = vec![Rendezvous::<u8>::new()];
        give_later("two".to_string(), mkevent!(rs[0], 2, a));
        let id = twait!(rs[0]);
        format!("{id:?} {a}")
    };
    format!("{first}, {second}")
}

#[test]
fn an_indexed_rendezvous_is_paired_with_the_waits_on_its_own_variable() {
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(two_blocks_each_with_its_own_rs).as_deref(),
            Some("Some(1) 1, Some(2) two")
        );
    });
}

/// A parameter `r` that is a number, a slot of a `twait! {}` block, in a
/// function where a block declares a rendezvous `r` of its own: the
/// parameter is no rendezvous (the lint shadow took the name for the
/// block's, "expected `&Rendezvous<_>`, found `&u32`").
#[tamed]
fn a_parameter_named_like_a_blocks_rendezvous(mut r: u32) -> String {
    let mut x = 0u32;
    twait! { give_later((5u32, 6u32), mkevent!(r, x)); }
    let mut a = 0u32;
    {
        let r = Rendezvous::<u32>::new();
        give_later(1u32, mkevent!(r, 1, a));
        twait!(r);
    }
    format!("{a} {r} {x}")
}

#[test]
fn a_parameter_is_a_rendezvous_by_its_own_type_not_by_a_blocks_name() {
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(|d| a_parameter_named_like_a_blocks_rendezvous(0, d)).as_deref(),
            Some("1 5 6")
        );
    });
}

/// A slot declared without a value, assigned, read, then given to a
/// rendezvous' event: no "value assigned is never read" (the lint shadow
/// took the slot for one without a value and wrote it at the event's
/// making, over the assignment; this file denies warnings).
#[tamed]
fn a_slot_assigned_after_its_let_then_read() -> (String, u32) {
    let r = Rendezvous::<u32>::new();
    let mut tmp;
    let before;
    {
        tmp = 5u32;
        give_later(10u32, mkevent!(r, 1, tmp));
        before = tmp.to_string();
    }
    let _ = twait!(r);
    (before, tmp)
}

#[test]
fn a_slot_assigned_after_its_let_keeps_that_value_until_its_wait() {
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(a_slot_assigned_after_its_let_then_read),
            Some(("5".to_string(), 10))
        );
    });
}

/// The parts a `..` leaves unbound in a pattern parameter: README's row
/// says they are dropped at the function's first twait, as it waits (a
/// plain function drops them at its end). This pins what the row says.
#[tamed]
fn pattern_parameter_with_rest((a, ..): (Note, Note, Note), t: Rc<RefCell<Vec<String>>>) {
    t.borrow_mut().push("before the twait".to_string());
    twait! { tame::asap(mkevent!()); }
    t.borrow_mut().push("after the twait".to_string());
    let _ = &a;
}

#[test]
fn the_parts_a_rest_pattern_leaves_unbound_are_dropped_at_the_first_twait() {
    on_fresh_loop(|| {
        let t = Rc::new(RefCell::new(Vec::new()));
        let note = |name| Note(name, t.clone());
        pattern_parameter_with_rest((note("a"), note("b"), note("c")), t.clone());
        t.borrow_mut().push("call returned".to_string());
        tame::run();
        assert_eq!(
            *t.borrow(),
            [
                "before the twait",
                "drop b",
                "drop c",
                "call returned",
                "after the twait",
                "drop a"
            ]
        );
    });
}

/// A pattern parameter's part moved, then given another value after a
/// twait (it was declared again as of the whole parameter's type).
#[tamed]
fn pattern_parameter_part_reassigned((mut a, n): (Note, u32), t: Rc<RefCell<Vec<String>>>) -> u32 {
    drop(a);
    twait! { tame::asap(mkevent!()); }
    a = Note("a2", t.clone());
    t.borrow_mut().push(format!("{} {n}", a.0));
    n
}

/// The plain twin of [`pattern_parameter_part_reassigned`].
fn pattern_parameter_part_reassigned_plain(
    (mut a, n): (Note, u32),
    t: Rc<RefCell<Vec<String>>>,
) -> u32 {
    drop(a);
    a = Note("a2", t.clone());
    t.borrow_mut().push(format!("{} {n}", a.0));
    n
}

#[test]
fn the_names_of_a_typed_pattern_have_their_parts_types() {
    on_fresh_loop(|| {
        // What each gives and the trace of its drops, tamed then plain.
        type Run = dyn Fn(bool, Rc<RefCell<Vec<String>>>) -> String;
        let cases: [(&str, Box<Run>); 6] = [
            (
                "tuple k=2",
                Box::new(|tamed, t| match tamed {
                    true => result_of(|d| typed_pattern_parts(2, t, d)).unwrap(),
                    false => typed_pattern_parts_plain(2, t),
                }),
            ),
            (
                "tuple k=1",
                Box::new(|tamed, t| match tamed {
                    true => result_of(|d| typed_pattern_parts(1, t, d)).unwrap(),
                    false => typed_pattern_parts_plain(1, t),
                }),
            ),
            (
                "struct, let else",
                Box::new(|tamed, t| {
                    let o = Some(Note("w1", t.clone()));
                    match tamed {
                        true => result_of(|d| untyped_pattern_parts(3, o, t, d)).unwrap(),
                        false => untyped_pattern_parts_plain(3, o, t),
                    }
                }),
            ),
            (
                "struct, let else, k=1",
                Box::new(|tamed, t| {
                    let o = Some(Note("w1", t.clone()));
                    match tamed {
                        true => result_of(|d| untyped_pattern_parts(1, o, t, d)).unwrap(),
                        false => untyped_pattern_parts_plain(1, o, t),
                    }
                }),
            ),
            (
                "let else, no match",
                Box::new(|tamed, t| match tamed {
                    true => result_of(|d| untyped_pattern_parts(3, None, t, d)).unwrap(),
                    false => untyped_pattern_parts_plain(3, None, t),
                }),
            ),
            (
                "parameter",
                Box::new(|tamed, t| {
                    let arg = (Note("a1", t.clone()), 4);
                    let n = match tamed {
                        true => result_of(|d| pattern_parameter_part_reassigned(arg, t, d)),
                        false => Some(pattern_parameter_part_reassigned_plain(arg, t)),
                    };
                    format!("{n:?}")
                }),
            ),
        ];
        for (name, run) in cases {
            let trace = |tamed: bool| {
                let t = Rc::new(RefCell::new(Vec::new()));
                let value = run(tamed, t.clone());
                let log = t.borrow().clone();
                (value, log)
            };
            assert_eq!(trace(true), trace(false), "{name}");
        }
        let t = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(
            result_of(|d| typed_pattern_parts(2, t.clone(), d)).as_deref(),
            Some("k2 5 n2 2 1 2 z p2")
        );
        assert_eq!(*t.borrow(), ["drop n1", "drop z", "drop n2"]);
    });
}

// ---- the value a `let .. else` did not match

/// Hands back the queue's guard when it has no job, as a parser hands
/// back its input.
fn next_job(q: std::cell::RefMut<'_, Vec<u32>>) -> Result<u32, std::cell::RefMut<'_, Vec<u32>>> {
    let mut q = q;
    q.pop().ok_or(q)
}

/// The value that did not match is dropped before the `else` block runs
/// (it lived to the block's first twait: the block's `borrow_mut` found
/// the guard still held and panicked).
#[tamed]
fn let_else_drops_the_unmatched_value(q: &'static RefCell<Vec<u32>>) -> u32 {
    twait! { tame::asap(mkevent!()); }
    let Ok(job) = next_job(q.borrow_mut()) else {
        q.borrow_mut().push(99);
        twait! { tame::asap(mkevent!()); }
        return 0;
    };
    job
}

#[test]
fn a_let_else_drops_the_value_it_did_not_match_before_its_else_block() {
    on_fresh_loop(|| {
        let q: &'static RefCell<Vec<u32>> = Box::leak(Box::default());
        assert_eq!(
            result_of(|ev| let_else_drops_the_unmatched_value(q, ev)),
            Some(0)
        );
        assert_eq!(*q.borrow(), [99]);
        assert_eq!(
            result_of(|ev| let_else_drops_the_unmatched_value(q, ev)),
            Some(99)
        );
    });
}

// ---- a temporary receiver with a twait in the arguments

/// The receiver, made before the twait, is a temporary of the statement
/// and is dropped at its end (the `RefMut` lived to the block's end, and
/// the next statement's `borrow` panicked).
#[tamed]
fn push_after_a_wait(q: &'static RefCell<Vec<u32>>) -> usize {
    let r = Rendezvous::<u32>::new();
    tame::asap(r.event(2));
    q.borrow_mut().push(twait!(r).unwrap());
    tame::asap(r.event(1));
    let first = q.borrow()[twait!(r).unwrap() as usize - 1];
    q.borrow().len() + first as usize
}

/// A field of a temporary as the receiver (`st.borrow_mut().0.push(..)`):
/// the temporary is kept and the field reached in it after the twait (the
/// field was moved out of the guard: "cannot move out of dereference").
#[tamed]
fn push_to_a_field_after_a_wait(st: &'static RefCell<(Vec<u32>, u32)>) -> usize {
    let r = Rendezvous::<u32>::new();
    tame::asap(r.event(4));
    st.borrow_mut().0.push(twait!(r).unwrap());
    st.borrow().0.len()
}

#[test]
fn a_temporary_receiver_is_dropped_at_its_statements_end() {
    on_fresh_loop(|| {
        let q: &'static RefCell<Vec<u32>> = Box::leak(Box::default());
        assert_eq!(result_of(|ev| push_after_a_wait(q, ev)), Some(3));
        assert_eq!(*q.borrow(), [2]);
        let st: &'static RefCell<(Vec<u32>, u32)> = Box::leak(Box::default());
        assert_eq!(
            result_of(|ev| push_to_a_field_after_a_wait(st, ev)),
            Some(1)
        );
        assert_eq!(st.borrow().0, [4]);
    });
}

// ---- moving out of a `Box`

enum Tree {
    Leaf(u32),
    Node(Box<Tree>, Box<Tree>),
}

/// `*tree` by value moves out of a variable whose written type is a `Box`
/// (it was taken for a copy, and the box kept: "use of moved value" at the
/// twait). A binding of a pattern has no written type: `let l: Box<Tree>
/// = l;` gives it one.
#[tamed]
fn sum_tree(tree: Box<Tree>) -> u32 {
    let tree = *tree;
    twait! { tame::asap(mkevent!()); }
    match tree {
        Tree::Leaf(n) => n,
        Tree::Node(l, r) => {
            let l: Box<Tree> = l;
            let (mut a, mut b) = (0, 0);
            twait! {
                sum_tree(Box::new(*l), mkevent!(a));
                sum_tree(r, mkevent!(b));
            }
            a + b
        }
    }
}

#[test]
fn a_box_can_be_moved_out_of_before_a_twait() {
    on_fresh_loop(|| {
        let leaf = |n| Box::new(Tree::Leaf(n));
        let tree = Box::new(Tree::Node(leaf(1), Box::new(Tree::Node(leaf(2), leaf(3)))));
        assert_eq!(result_of(|ev| sum_tree(tree, ev)), Some(6));
    });
}

// ---- owned values out of borrowing calls

/// `cloned()` / `map(..)` of an `Option` out of a borrowing call is owned
/// (the same names over a borrowing iterator keep its borrow).
#[tamed]
fn owned_out_of_borrows(v: Vec<String>, o: Option<String>) -> (Option<String>, Option<usize>) {
    let first = v.first().cloned();
    let len = o.as_ref().map(|s| s.len());
    twait! { tame::asap(mkevent!()); }
    (first, len)
}

#[test]
fn cloned_and_map_of_an_option_are_owned() {
    on_fresh_loop(|| {
        let got = result_of(|ev| owned_out_of_borrows(vec!["a".into()], Some("xyz".into()), ev));
        assert_eq!(got, Some((Some("a".to_string()), Some(3))));
    });
}

// ---- a `for` loop over a `&'static` parameter

/// Iterating over a `&'static` slice or string borrows nothing of the
/// function's (it was refused as a borrow kept across the twait).
#[tamed]
fn over_static(words: &'static [&'static str], csv: &'static str) -> usize {
    let mut n = 0;
    for w in words.iter() {
        twait! { tame::asap(mkevent!()); }
        n += w.len();
    }
    for part in csv.split(',') {
        twait! { tame::asap(mkevent!()); }
        n += part.len();
    }
    n
}

#[test]
fn a_loop_over_a_static_parameter_may_wait() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| over_static(&["ab", "c"], "x,yz", ev)),
            Some(6)
        );
    });
}

// ---- raw identifiers

/// A raw identifier as a parameter or a variable kept across a twait (the
/// macro panicked: "`\"r#type\"` is not a valid identifier").
#[tamed]
fn raw_names(r#type: String, r#loop: u32) -> String {
    let r#match = r#loop + 1;
    twait! { tame::asap(mkevent!()); }
    let r#gen = format!("{}:{}", r#type, r#match);
    twait! { tame::asap(mkevent!()); }
    r#gen
}

#[test]
fn raw_identifiers_are_variables_like_any_other() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| raw_names("ping".into(), 1, ev)),
            Some("ping:2".to_string())
        );
    });
}

// ---- `_` as a slot

/// Gives back `(n, k)` after a turn of the loop.
#[tamed]
fn later_note_and(n: Note, k: u32) -> (Note, u32) {
    twait! { tame::asap(mkevent!()); }
    (n, k)
}

/// `_` as a slot drops that part of the value where it comes back, as
/// `(_, k) = later_note_and(..)` does; `mkevent!(_)` is an event of any type
/// whose value is dropped.
#[tamed]
fn underscore_slots(t: Rc<RefCell<Vec<String>>>) -> u32 {
    let k;
    twait! { later_note_and(Note("first", t.clone()), 5, mkevent!(_, k)); }
    t.borrow_mut().push(format!("k={k}"));
    twait! { later_note(Note("whole", t.clone()), mkevent!(_)); }
    t.borrow_mut().push("joined".into());
    let r = Rendezvous::<u32>::new();
    later_note(Note("by r", t.clone()), mkevent!(r, 1, _));
    let id = twait!(r);
    t.borrow_mut().push(format!("id={id:?}"));
    k
}

/// Gives `v` back after a turn of the loop.
#[tamed]
fn later_value<T: 'static>(v: T) -> T {
    twait! { tame::asap(mkevent!()); }
    v
}

/// `_` slots of `Copy` values and references draw no lint about dropping
/// them (they drew `dropping_copy_types`, `dropping_references`).
#[tamed]
fn underscore_slots_of_copy_values() -> u32 {
    let x;
    twait! { later_value((1u32, 2u32), mkevent!(x, _)); }
    twait! { later_value("text", mkevent!(_)); }
    twait! { later_value(&5u32, mkevent!(_)); }
    x
}

#[test]
fn an_underscore_slot_drops_its_part_where_it_comes_back() {
    on_fresh_loop(|| {
        assert_eq!(result_of(underscore_slots_of_copy_values), Some(1));
    });
    on_fresh_loop(|| {
        let t = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(result_of(|ev| underscore_slots(t.clone(), ev)), Some(5));
        assert_eq!(
            *t.borrow(),
            [
                "drop first",
                "k=5",
                "drop whole",
                "joined",
                "drop by r",
                "id=Some(1)"
            ]
        );
    });
}

// ---- the last expression borrows a parameter (edition 2021)

/// A guard made in the last expression from a parameter: fine in a plain
/// 2021 function, where parameters outlive the tail's temporaries (it was
/// "`c` does not live long enough": the lint shadow bound the parameters
/// again as locals).
#[tamed]
fn count_after_a_wait(c: Rc<RefCell<Vec<u32>>>) -> usize {
    twait! { tame::asap(mkevent!()); }
    c.borrow().len()
}

// The tail without `;` is the form under test.
#[allow(clippy::semicolon_if_nothing_returned)]
#[tamed]
fn push_one(c: Rc<RefCell<Vec<u32>>>) {
    c.borrow_mut().push(1)
}

#[test]
fn a_last_expression_that_borrows_a_parameter_compiles_and_runs() {
    on_fresh_loop(|| {
        let c = Rc::new(RefCell::new(vec![7]));
        push_one(c.clone());
        assert_eq!(result_of(|d| count_after_a_wait(c.clone(), d)), Some(2));
    });
}

// ---- names the translator judged by their spelling (a user probe)

/// A closure that captures nothing, next to locals named as its
/// parameters, fields and paths: kept across a twait (it was "a closure
/// that borrows `len`").
#[tamed]
fn closures_that_capture_nothing(v: Vec<String>) -> usize {
    let len = 3;
    let x = 1usize;
    let max = 2usize;
    let by_len = |s: &str| s.len();
    let larger = |a: usize, b: usize| std::cmp::max(a, b);
    let next = |x: usize| x + 1;
    let doubled = |a: usize| {
        let len = a * 2;
        len + 1
    };
    let named = |a: usize| format!("{len}", len = a).len();
    twait! { tame::asap(mkevent!()); }
    by_len(&v[0]) + len + larger(1, 2) + next(1) + doubled(1) + x + max + named(7)
}

/// Owned values whatever their initializer's method is named, and a
/// borrow of a `&'static` parameter: kept across a twait (each was "is
/// kept across a twait, but it borrows ...").
#[tamed]
fn owned_by_type_or_static(m: std::collections::HashMap<u32, u32>, v: &'static [u32]) -> u32 {
    let got: u32 = m.get(&1).copied().unwrap_or(0);
    let first = &v[0];
    let Some(&copied) = m.get(&2) else { return 0 };
    twait! { tame::asap(mkevent!()); }
    got + *first + copied
}

/// A `ref` binding not used after the twait: it is not kept (it was "is
/// kept across a twait").
#[tamed]
fn ref_binding_used_before(o: Option<String>) -> usize {
    match o {
        Some(ref s) => {
            let n = s.len();
            twait! { tame::asap(mkevent!()); }
            n
        }
        None => 0,
    }
}

/// A generic callback bound by `FnOnce`, called between twaits (it was
/// "use of moved value: `cb`" at the next twait).
#[tamed]
fn call_once_between<F>(cb: F) -> u32
where
    F: FnOnce(u32) -> u32 + 'static,
{
    twait! { tame::asap(mkevent!()); }
    let x = cb(1);
    twait! { tame::asap(mkevent!()); }
    x
}

/// A `thread_local!` declared in the body, used after a twait (it was
/// "cannot find value `COUNT`").
#[tamed]
fn thread_local_in_body(x: u32) -> u32 {
    thread_local! { static COUNT: Cell<u32> = const { Cell::new(0) }; }
    COUNT.with(|c| c.set(x));
    twait! { tame::asap(mkevent!()); }
    COUNT.with(Cell::get)
}

#[test]
fn code_the_translator_judged_by_its_names_compiles_and_runs() {
    static V: [u32; 1] = [5];
    on_fresh_loop(|| {
        let v = vec!["ab".to_string()];
        assert_eq!(result_of(|d| closures_that_capture_nothing(v, d)), Some(16));
        let m = std::collections::HashMap::from([(1, 2), (2, 3)]);
        assert_eq!(result_of(|d| owned_by_type_or_static(m, &V, d)), Some(10));
        assert_eq!(
            result_of(|d| ref_binding_used_before(Some("abc".into()), d)),
            Some(3)
        );
        let s = String::from("ab");
        let cb = move |x: u32| x + s.len() as u32;
        assert_eq!(result_of(|d| call_once_between(cb, d)), Some(3));
        assert_eq!(result_of(|d| thread_local_in_body(4, d)), Some(4));
    });
}

/// Triggers `ev` with a pair at once.
fn pair_now(ev: Event<(u32, u32)>) {
    ev.trigger((3, 4));
}

/// A name that was a rendezvous, declared again as a number: inside a
/// later block, `mkevent!(r, x)` fills the slots `r` and `x` (it was
/// "expected `&Rendezvous<u32>`, found `&u32`").
#[tamed]
fn rendezvous_name_declared_again() -> u32 {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 1));
    let got = twait!(r).unwrap_or(0);
    let mut r = 0u32;
    let mut x = 0u32;
    twait! { pair_now(mkevent!(r, x)); }
    got + r + x
}

#[test]
fn a_name_declared_again_is_what_its_last_let_says() {
    on_fresh_loop(|| {
        assert_eq!(result_of(rendezvous_name_declared_again), Some(8));
    });
}

// ---- a borrowed temporary before a twait in the same call

fn len_plus(s: &str, n: u32) -> u32 {
    s.len() as u32 + n
}

fn push_len_plus(s: &mut String, n: u32) -> u32 {
    s.push('!');
    s.len() as u32 + n
}

/// `f(&make(), twait!(r)?)`: the temporary is made before the wait and
/// borrowed after it (it was rustc's "temporary value dropped while
/// borrowed", naming `__tame_state`).
#[tamed]
fn borrowed_temporaries() -> u32 {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 1));
    tame::asap(mkevent!(r, 2));
    let a = len_plus(&String::from("abc"), twait!(r).unwrap_or(0));
    let b = push_len_plus(&mut String::from("abc"), twait!(r).unwrap_or(0));
    a + b
}

#[test]
fn a_temporary_borrowed_by_a_call_with_a_twait_in_its_arguments() {
    on_fresh_loop(|| {
        assert_eq!(result_of(borrowed_temporaries), Some(10));
    });
}

// ---- a second user probe of the day's changes

/// A `let v;` slot at the function's top, a guard declared after it: the
/// guard is dropped first, in reverse order of declaration (the slot was
/// dropped first).
#[tamed]
fn slot_then_guard(log: Rc<RefCell<Vec<String>>>) {
    let v: Note;
    let g = Note("g", log.clone());
    twait! { later_note(Note("v", log.clone()), mkevent!(v)); }
    log.borrow_mut().push(format!("got {} {}", v.0, g.0));
}

fn borrowed_len(l: &Note, n: Option<u32>) -> u32 {
    l.0.len() as u32 + n.unwrap_or(0)
}

/// A value borrowed by a call with a twait in its later arguments is
/// dropped at the end of its statement, as in Rust (it lived to the next
/// twait).
#[tamed]
fn borrowed_value_dropped_at_its_statement_end(log: Rc<RefCell<Vec<String>>>) -> u32 {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 1));
    let n = borrowed_len(&Note("tmp", log.clone()), twait!(r));
    log.borrow_mut().push("after".into());
    twait! { tame::asap(mkevent!()); }
    n
}

/// A destructuring parameter with an `impl Trait` in its type (it was
/// "`impl Trait` is not allowed in the type of variable bindings").
#[tamed]
fn pattern_parameter_with_impl((a, _b): (u32, impl Clone + 'static)) -> u32 {
    twait! { tame::asap(mkevent!()); }
    a
}

#[test]
fn drops_at_statement_and_scope_ends_and_an_impl_in_a_pattern_parameter() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        result_of(|d: Event<()>| {
            slot_then_guard(log.clone());
            d.trigger(());
        });
        assert_eq!(*log.borrow(), ["got v g", "drop g", "drop v"]);
        let log = Rc::new(RefCell::new(Vec::new()));
        let n = result_of(|d| borrowed_value_dropped_at_its_statement_end(log.clone(), d));
        assert_eq!(n, Some(4));
        assert_eq!(*log.borrow(), ["drop tmp", "after"]);
        assert_eq!(
            result_of(|d| pattern_parameter_with_impl((3, 5u8), d)),
            Some(3)
        );
    });
}

// ---- methods of generic impls and trait default methods

/// A type whose `impl` has a type parameter with no `'static` bound.
struct Wrapped<T> {
    v: T,
}

impl<T: std::fmt::Debug> Wrapped<T> {
    /// The task keeps `self`: the method itself bounds `Self` by
    /// `'static` (it was E0310 at `#[tamed]`, asking for the bound on the
    /// `impl`).
    #[tamed]
    fn shown(self) -> String {
        twait! { tame::asap(mkevent!()); }
        format!("{:?}", self.v)
    }
}

trait Handler {
    /// A trait's default tamed method (it was E0310 on `Self`).
    #[tamed]
    fn handle(self: Rc<Self>, x: u32) -> u32 {
        twait! { tame::asap(mkevent!()); }
        x + 1
    }
}

struct Plain;
impl Handler for Plain {}

#[test]
fn methods_of_generic_impls_and_default_methods() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| Wrapped { v: vec![3] }.shown(d)).as_deref(),
            Some("[3]")
        );
        assert_eq!(result_of(|d| Rc::new(Plain).handle(5, d)), Some(6));
    });
}

// ---- several slots, one of them indexed

/// Gives `v` to `ev` on the loop's next turn.
fn give_later<T: 'static>(v: T, ev: Event<T>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(v)));
}

/// `mkevent!(a[0], b)`, `mkevent!(_, a[1])` and a rendezvous' `mkevent!(r,
/// i, bufs[i], counts[i])`: each part of the value goes to its slot (they
/// were E0282 "type annotations needed" at `#[tamed]`, or a `_` misused).
#[tamed]
fn indexed_slots_beside_others(n: usize) -> String {
    let mut a = [0u32; 2];
    let mut b = 0u32;
    twait! { give_later((1u32, 2u32), mkevent!(a[0], b)); }
    twait! { give_later((3u32, 4u32), mkevent!(_, a[1])); }
    // Beside a slot declared without a value (it was E0596/E0381).
    let c: u32;
    twait! { give_later((5u32, 6u32), mkevent!(a[0], c)); }
    b += c;
    let r = Rendezvous::<usize>::new();
    let mut bufs = vec![Vec::<u8>::new(); n];
    let mut counts = vec![0usize; n];
    for i in 0..n {
        give_later((vec![i as u8], i * 10), mkevent!(r, i, bufs[i], counts[i]));
    }
    for _ in 0..n {
        twait!(r);
    }
    format!("{a:?} {b} {bufs:?} {counts:?}")
}

#[test]
fn indexed_slots_take_their_parts_of_a_value() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| indexed_slots_beside_others(2, d)).as_deref(),
            Some("[5, 4] 8 [[0], [1]] [0, 10]")
        );
    });
}

// ---- a rendezvous' site after its twait in a loop

/// Waits at the top of the loop, makes the next event at its bottom: the
/// slot `x` is filled by the `twait!(r)` of the next turn. Its `mut` is
/// needed, and this file's `deny(warnings)` holds that rustc says so (the
/// lint shadow wrote the slot only at waits after its site, and rustc
/// called the `mut` needless).
#[tamed]
fn wait_then_issue(n: u32) -> u32 {
    let r = Rendezvous::<u32>::new();
    let mut x = 0u32;
    let mut sum = 0;
    for k in 0..=n {
        if k > 0 {
            twait!(r);
            sum += x;
        }
        if k < n {
            give_later(k + 1, mkevent!(r, k, x));
        }
    }
    sum
}

#[test]
fn a_slot_made_after_its_wait_in_a_loop_is_filled_there() {
    on_fresh_loop(|| assert_eq!(result_of(|d| wait_then_issue(3, d)), Some(6)));
}

// ---- items declared in a block that waits

fn helper() -> u32 {
    1
}
const K: u32 = 100;

/// Items of an inner block that waits are that block's, in every state
/// its code runs in, as in a plain function: they shadow the function's
/// outer ones only there, and two blocks may declare the same name (they
/// were moved to the function's top: 404 here, and E0428/E0252 for the
/// branches).
#[tamed]
fn items_of_blocks(c: bool) -> String {
    let a = helper() + K;
    twait! { tame::asap(mkevent!()); }
    let b = {
        fn helper() -> u32 {
            2
        }
        const K: u32 = 200;
        let before = helper();
        twait! { tame::asap(mkevent!()); }
        before + helper() + K
    };
    let mut s = String::new();
    if c {
        use std::fmt::Write;
        macro_rules! pick {
            () => {
                10
            };
        }
        twait! { tame::asap(mkevent!()); }
        write!(s, "fmt {}", pick!()).unwrap();
    } else {
        use std::io::Write;
        macro_rules! pick {
            () => {
                20
            };
        }
        twait! { tame::asap(mkevent!()); }
        let mut v: Vec<u8> = Vec::new();
        write!(v, "io {}", pick!()).unwrap();
        s = String::from_utf8(v).unwrap();
    }
    format!("{a} {b} {s} {}", helper())
}

#[test]
fn items_of_a_block_that_waits_are_that_blocks() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| items_of_blocks(true, d)).as_deref(),
            Some("101 204 fmt 10 1")
        );
        assert_eq!(
            result_of(|d| items_of_blocks(false, d)).as_deref(),
            Some("101 204 io 20 1")
        );
    });
}

/// A block that waits and declares a `static` (one value, however many
/// pieces of the block the machine runs it in) and a type whose value
/// crosses the twait: its items stay at the function's top.
#[tamed]
fn block_with_a_static_and_a_type() -> u32 {
    let mut total = 0;
    for _ in 0..3 {
        static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        struct Count(u32);
        let c = Count(CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        twait! { tame::asap(mkevent!()); }
        total += c.0 + CALLS.load(std::sync::atomic::Ordering::Relaxed);
    }
    total
}

#[test]
fn a_static_of_a_block_that_waits_is_one() {
    // 0+1, 1+2, 2+3.
    on_fresh_loop(|| assert_eq!(result_of(block_with_a_static_and_a_type), Some(9)));
}

// ---- borrows the translator knows by their written type

/// Borrows returned by calls it cannot judge, typed (`&str`, `&mut u32`),
/// used before a twait only: not kept across it (the `&mut` one was, and
/// rustc said `counts` did not live long enough).
#[tamed]
fn typed_borrows_used_before_a_twait(buf: Vec<u8>) -> String {
    let mut counts: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    let e: &mut u32 = counts.entry(1).or_insert(0);
    *e += 1;
    let s: &str = std::str::from_utf8(&buf).unwrap();
    let first = s.len();
    twait! { tame::asap(mkevent!()); }
    format!("{first} {counts:?} {buf:?}")
}

/// Pairs of `&mut` borrows a call the translator cannot judge returns,
/// typed, taken apart or not, used before a twait only: not kept across it
/// (they were, and rustc said `v` did not live long enough).
#[tamed]
fn typed_mut_borrow_pairs_used_before_a_twait(k: u32) -> Vec<u32> {
    let mut v = vec![1u32, 2, 3];
    let (a, b): (&mut [u32], &mut [u32]) = v.split_at_mut(1);
    a[0] += b[0];
    let halves: (&mut [u32], (&mut [u32], u8)) = {
        let (x, y) = v.split_at_mut(2);
        (x, (y, 0))
    };
    halves.1 .0[0] += halves.0[1];
    twait! { tame::asap(mkevent!()); }
    v.push(k);
    v
}

#[test]
fn typed_borrows_used_before_a_twait_are_not_kept() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| typed_borrows_used_before_a_twait(b"ab".to_vec(), d)).as_deref(),
            Some("2 {1: 1} [97, 98]")
        );
        assert_eq!(
            result_of(|d| typed_mut_borrow_pairs_used_before_a_twait(7, d)),
            Some(vec![3, 2, 5, 7])
        );
    });
}

/// A function of a waiting block that holds a `static`, or returns an
/// `impl Trait` whose value crosses the twait, is one function (declared
/// again per piece, its `static` was two, and its two opaque types
/// mismatched).
#[tamed]
fn block_fns_that_must_stay_one() -> String {
    let out = {
        fn next() -> u32 {
            static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
        }
        fn adder(k: u32) -> impl Fn(u32) -> u32 {
            move |x| x + k
        }
        let first = next();
        let mut f = adder(1);
        twait! { tame::asap(mkevent!()); }
        let second = next();
        let one = f(0);
        f = adder(2);
        format!("{first} {second} {one} {}", f(0))
    };
    out
}

#[test]
fn a_blocks_function_with_a_static_or_an_opaque_type_is_one() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(block_fns_that_must_stay_one).as_deref(),
            Some("1 2 1 2")
        );
    });
}

// ---- a trait's tamed declaration and an implementation by hand

pub trait Handle {
    #[tamed]
    fn handle(self: Rc<Self>, n: u32) -> u32;
}

/// A hand-written implementation for a type that borrows (a mock).
pub struct Mock<'a>(&'a u32);

impl Handle for Mock<'_> {
    fn handle(self: Rc<Self>, n: u32, done: Event<u32>) {
        done.trigger(n + *self.0);
    }
}

#[test]
fn a_tamed_declaration_asks_nothing_of_self() {
    // (The declaration had `where Self: 'static`: "`base` does not live
    // long enough".)
    on_fresh_loop(|| {
        let base = 5u32;
        let m = Rc::new(Mock(&base));
        assert_eq!(result_of(|d| m.handle(1, d)), Some(6));
    });
}

/// A slot declared in the loop after its `twait!(r)`, shadowing an outer
/// variable of another type: the wait does not store into the outer one
/// (the lint shadow did: "expected `u32`, found `String`"). And a wait in
/// an inner loop, whose slot's site is later in the outer loop: the slot
/// is filled there, its `mut` needed (rustc called it needless).
#[tamed]
fn later_sites_in_loops() -> String {
    let r = Rendezvous::<u32>::new();
    let v = String::from("outer");
    let mut seen = Vec::new();
    give_later((), mkevent!(r, 0));
    for k in 1..3u32 {
        twait!(r);
        let mut v = 0u32;
        give_later(k * 10, mkevent!(r, k, v));
        twait!(r);
        seen.push(v);
    }
    let q = Rendezvous::<u32>::new();
    let mut x = 0u32;
    give_later(1, mkevent!(q, 9, x));
    for round in 0..2u32 {
        for _ in 0..1 {
            twait!(q);
            seen.push(x);
        }
        give_later(round + 10, mkevent!(q, 1, x));
    }
    twait!(q);
    format!("{v} {seen:?} {x}")
}

#[test]
fn later_sites_of_a_rendezvous_fill_their_own_slots() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(later_sites_in_loops).as_deref(),
            Some("outer [10, 20, 1, 10] 11")
        );
    });
}

// ---- views of `self`, and items of waiting blocks that must be one

/// A value with a name, for methods.
pub struct Named {
    name: String,
}

impl Named {
    /// A view of `self` used before a twait only: a borrow, not kept (it
    /// was E0716/E0505: `self` is renamed in the machine, and the view was
    /// not judged).
    #[tamed]
    fn shown(self) -> String {
        let name = &self.name;
        let first = name.len();
        twait! { tame::asap(mkevent!()); }
        format!("{first} {}", self.name)
    }
}

#[test]
fn a_view_of_self_used_before_a_twait_is_a_borrow() {
    on_fresh_loop(|| {
        let n = Named { name: "abc".into() };
        assert_eq!(result_of(|d| n.shown(d)).as_deref(), Some("3 abc"));
    });
}

/// A type for an `impl` written in a waiting block.
pub struct Shown(u32);

/// An `impl` in a waiting block (it conflicted with the lint shadow's
/// copy: E0119), an `async fn` (declared again per piece, its future
/// types differed: E0308), and a `fn` that names `'static` in each branch
/// (it was taken for one holding a `static`, and the two branches' `fn
/// label` clashed: E0428).
#[tamed]
fn items_that_must_be_one(c: bool) -> String {
    if c {
        // (As in a plain function, rustc would rather see it outside.)
        #[allow(non_local_definitions)]
        impl std::fmt::Display for Shown {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "shown {}", self.0)
            }
        }
        async fn fetch(k: u32) -> u32 {
            k
        }
        fn label() -> &'static str {
            "yes"
        }
        let mut fut = fetch(1);
        twait! { tame::asap(mkevent!()); }
        drop(fut);
        fut = fetch(2);
        drop(fut);
        format!("{} {}", Shown(1), label())
    } else {
        fn label() -> &'static str {
            "no"
        }
        twait! { tame::asap(mkevent!()); }
        label().to_string()
    }
}

#[test]
fn impls_async_fns_and_static_lifetimes_in_waiting_blocks() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| items_that_must_be_one(true, d)).as_deref(),
            Some("shown 1 yes")
        );
        assert_eq!(
            result_of(|d| items_that_must_be_one(false, d)).as_deref(),
            Some("no")
        );
    });
}

// ---- `assert!(cond)`'s panic shows `cond` as written

struct Door {
    open: bool,
    v: Vec<u32>,
}

impl Door {
    /// Asserts on `self` and on a name declared three times after a twait:
    /// the machine calls them `__tame_self` and a renamed `x`, and the
    /// panic must show neither.
    #[tamed]
    fn knock(self: Rc<Self>, which: u32) {
        let x = 1;
        let x = x + 1;
        let x = x + 1;
        twait! { tame::asap(mkevent!()); }
        match which {
            0 => assert!(self.open),
            1 => debug_assert!(x == 4,),
            2 => assert!(self.v[0] == 1 || -(x * 2) == 5),
            _ => assert!(self.v.iter().any(|&e| e > 42)),
        }
    }
}

fn panic_text(which: u32) -> String {
    let text = Arc::new(Mutex::new(String::new()));
    let out = text.clone();
    on_fresh_loop(move || {
        Rc::new(Door {
            open: false,
            v: vec![2],
        })
        .knock(which);
        let payload = std::panic::catch_unwind(tame::run).expect_err("the assert fails");
        *out.lock().unwrap() = (payload.downcast_ref::<String>().cloned())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
    });
    let text = text.lock().unwrap().clone();
    text
}

#[test]
fn a_failed_assert_shows_its_condition_as_written() {
    let msg = panic_text(0);
    assert!(msg.contains("assertion failed: self.open"), "{msg}");
    if cfg!(debug_assertions) {
        let msg = panic_text(1);
        assert!(msg.contains("assertion failed: x == 4"), "{msg}");
    }
    // As rustc prints a condition: its own spacing, on one line.
    let msg = panic_text(2);
    assert!(
        msg.contains("assertion failed: self.v[0] == 1 || -(x * 2) == 5"),
        "{msg}"
    );
    let msg = panic_text(3);
    assert!(
        msg.contains("assertion failed: self.v.iter().any(|&e| e > 42)"),
        "{msg}"
    );
}

// ---- names the machine makes its own names of

struct Held(&'static str, Rc<RefCell<Vec<String>>>);

impl Drop for Held {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("drop {}", self.0));
    }
}

fn made() -> String {
    "made".into()
}

/// A name that is `_` and a keyword (`_type`, `_ref`) or a number (`_0`),
/// or a raw identifier, kept across a twait or naming an extended
/// temporary: the machine's fields and holders named after them were no
/// identifiers ("expected identifier, found keyword", or a panic).
#[tamed]
// The names under test (clippy would have them named otherwise).
#[allow(clippy::just_underscores_and_digits, clippy::used_underscore_binding)]
fn odd_names(_type: String, log: Rc<RefCell<Vec<String>>>) {
    let _ref = Held("ref", log.clone());
    let (_0, _1) = (Held("0", log.clone()), Held("1", log.clone()));
    let r#type = &made();
    let _2 = &made();
    let type_ = &made();
    log.borrow_mut()
        .push(format!("{type} {_2} {type_}", type = r#type));
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("waited".into());
}

#[test]
fn underscored_keywords_numbers_and_raw_names_are_names() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        odd_names("t".into(), log.clone());
        tame::run();
        assert_eq!(
            *log.borrow(),
            ["made made made", "waited", "drop 1", "drop 0", "drop ref"]
        );
    });
}

// ---- a field's shorthand in another macro's tokens

const FLAG: bool = true;

/// A macro whose arguments are no list of expressions.
macro_rules! pick {
    (sel: $e:expr) => {
        $e
    };
}

struct V2 {
    x: i32,
}

impl Pt {
    const BIG: i32 = 3;
}

struct Gen<T> {
    x: i32,
    g: T,
}

impl<T> Gen<T> {
    fn g(&self) -> &T {
        &self.g
    }
}

#[derive(Clone, Copy)]
struct Pt {
    x: i32,
    y: i32,
}

/// `matches!(p, Pt { x, .. } if x == 3)` where a variable `x` is declared a
/// third time (the machine renames it): the pattern's shorthand is a field
/// name too, and must stay one (E0026: "no field named `x_3`").
#[tamed]
fn shorthand_in_a_pattern(p: Pt) -> String {
    let x = 1;
    let x = x + 1;
    let x = x + 1;
    twait! { tame::asap(mkevent!()); }
    let three = matches!(p, Pt { x, .. } if x == 3);
    let same = matches!(Pt { x, y: 0 }, Pt { x: 3, .. });
    // Braces that are a block, after a constant, stay one; a turbofish
    // is a type's.
    let block = matches!(x, n if if FLAG { x } else { n } == 3);
    // In a macro's arguments that are no expressions: a block after a
    // path in a condition, and a struct named with a digit.
    let picked = pick!(sel: if x == Pt::BIG { x } else { 0 })
        + pick!(sel: V2 { x }.x)
        + pick!(sel: {
            let mut n = 0;
            if FLAG {
                n += 1;
            }
            V2 { x }.x + n - 1
        })
        + pick!(sel: Some(x).and_then(|v| -> Option<i32> { v.checked_add(x) })).unwrap_or(0);
    // A binding mode on a name that is not renamed stays a shorthand
    // (`y: ref y` would draw `non_shorthand_field_patterns`).
    let y = 7;
    let seven = matches!(p, Pt { ref y, .. } if *y == 7) && y == 7;
    let turbo = matches!(Gen::<u8> { x, g: 0 }, Gen::<u8> { x: 3, .. })
        && *Gen::<u8> { x, g: 1 }.g() == 1
        && matches!(p, Pt { ref x, .. } if *x > 0);
    format!(
        "{three} {same} {block} {turbo} {x} {} {picked} {seven}",
        p.y
    )
}

#[test]
fn a_field_shorthand_in_a_macros_pattern_names_the_field() {
    on_fresh_loop(|| {
        let got = result_of(|d| shorthand_in_a_pattern(Pt { x: 3, y: 7 }, d));
        assert_eq!(got.as_deref(), Some("true true true true 3 7 15 true"));
        let got = result_of(|d| shorthand_in_a_pattern(Pt { x: 4, y: 7 }, d));
        assert_eq!(got.as_deref(), Some("false true true true 3 7 15 true"));
    });
}

// ---- methods that take `self` by their receiver's kind

/// A deadline raced against the work and cancelled (`Timer::cancel(mut
/// self)`), a timer let go (`detach`), an owned iterator's `take(n)` and
/// `eq`, and `Result::inspect_err`, each before a twait: they move their
/// receiver (E0382 at the twait, where the machine kept it).
#[tamed]
fn race_a_deadline(work_ms: u64) -> Result<String, String> {
    let r = Rendezvous::<&'static str>::new();
    let deadline = tame::time::Timer::after(Duration::from_millis(50), r.event("deadline"));
    tame::timer(Duration::from_millis(work_ms), r.event("work"));
    let first = twait!(r).unwrap_or("none");
    let cancelled = deadline.cancel();
    let r2 = Rendezvous::<u32>::new();
    let let_go = tame::time::Timer::after(Duration::from_millis(1), r2.event(1));
    let_go.detach();
    let fired = twait!(r2);
    let it = vec![3u32, 1, 2].into_iter().map(|x| x * 2);
    let head: Vec<u32> = it.take(2).collect();
    let same = vec![1u32].into_iter().eq([1u32]);
    let res: Result<u32, String> = Ok(5);
    let seen = res.inspect_err(|e| eprintln!("{e}"))?;
    twait! { tame::asap(mkevent!()); }
    Ok(format!(
        "{first} {cancelled} {fired:?} {head:?} {same} {seen}"
    ))
}

#[test]
fn timers_cancelled_or_let_go_and_owned_iterators_taken_are_moved() {
    on_fresh_loop(|| {
        tame::time::pause();
        assert_eq!(
            result_of(|d| race_a_deadline(5, d)),
            Some(Ok("work true Some(1) [6, 2] true 5".into()))
        );
        assert_eq!(
            result_of(|d| race_a_deadline(500, d)),
            Some(Ok("deadline false Some(1) [6, 2] true 5".into()))
        );
    });
}

// ---- `#[expect(..)]` on a statement before a twait

/// Variables kept across the twait for their drops, each under an
/// `#[expect(unused_variables)]`: the lint is expected in the body as
/// written, and the machine's copy (which moves them into its state) must
/// not report the expectation unfulfilled.
#[tamed]
fn expected_lints(x: u32) -> u32 {
    #[expect(unused_variables)]
    let tmp = x * 2;
    #[expect(unused_variables)]
    let label = String::from("debug");
    twait! { tame::asap(mkevent!()); }
    x + 1
}

#[test]
fn an_expected_lint_is_fulfilled_once() {
    on_fresh_loop(|| assert_eq!(result_of(|d| expected_lints(1, d)), Some(2)));
}

/// Lint levels on a statement or an arm mean in a tamed function what
/// they mean in a plain one (this file denies warnings): a `deny` on a
/// `let` whose variable a later piece of the machine assigns did not reach
/// the machine's allowances there (`unused_mut` in the first piece), an
/// `allow` on an arm that does not wait did not cover the machine's copy
/// of the arm, and a `let` with an attribute, assigned again after a twait,
/// drew "unused variable" in the machine.
#[deprecated(note = "a lint to allow")]
fn old_port() -> u32 {
    80
}

/// Starts an operation, and says whether it could (a `Result` to use).
fn started(ev: Event<()>) -> Result<(), ()> {
    tame::asap(ev);
    Ok(())
}

#[tamed]
fn lint_levels_on_statements(k: u32) -> u32 {
    // (On a `twait!` statement: the lint shadow's stand-in for it had lost
    // them, and reported the `Result` unused.)
    #[allow(unused_must_use)]
    twait! { started(mkevent!()); }
    // (And on the machine's copy of the block's statements.)
    #[allow(deprecated)]
    twait! {
        tame::asap(mkevent!());
        let _old = old_port();
    }
    #[deny(unused_mut)]
    let mut x = 5;
    // (The same through a `cfg_attr`.)
    #[cfg_attr(test, deny(unused_mut))]
    let mut z = 0;
    #[allow(unused_assignments)]
    let mut y = 1;
    let port = match k {
        #[allow(deprecated)]
        0 => old_port(),
        _ => {
            twait! { tame::asap(mkevent!()); }
            1
        }
    };
    twait! { tame::asap(mkevent!()); }
    x += 1;
    y = 2;
    z += 1;
    x + y + port + z - 1
}

#[test]
fn lint_levels_on_statements_are_the_bodys() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|d| lint_levels_on_statements(0, d)), Some(88));
        assert_eq!(result_of(|d| lint_levels_on_statements(1, d)), Some(9));
    });
}

/// A loop that waits and breaks with a value that nothing takes (`loop {
/// .. break v; };`, `'b: { .. break 'b v; .. };`): the value is made and
/// dropped where the loop ends, as in Rust (it was refused with an error
/// meant for `while` and `for`, which rustc's E0571 still refuses).
/// (rustfmt would take the `;` after the loop away, and with it the
/// statement whose value is discarded.)
#[rustfmt::skip]
#[tamed]
fn discarded_break_values(t: Rc<RefCell<Vec<String>>>) -> u32 {
    let mut i = 0;
    loop {
        i += 1;
        twait! { tame::asap(mkevent!()); }
        if i > 2 {
            break Note("loop value", t.clone());
        }
    };
    t.borrow_mut().push("after the loop".into());
    'b: {
        twait! { tame::asap(mkevent!()); }
        if i == 3 {
            break 'b Note("block value", t.clone());
        }
        Note("tail", t.clone())
    };
    t.borrow_mut().push("after the block".into());
    i
}

#[test]
fn a_discarded_loop_value_is_made_and_dropped() {
    on_fresh_loop(|| {
        let t = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(result_of(|d| discarded_break_values(t.clone(), d)), Some(3));
        assert_eq!(
            *t.borrow(),
            [
                "drop loop value",
                "after the loop",
                "drop block value",
                "after the block"
            ]
        );
    });
}

// ---- `FnOnce` jobs taken out of a collection

/// Jobs that are `FnOnce`, as the written type of their collection says,
/// called between twaits: each call moves the job (E0382 at the next
/// twait, where the machine kept it).
#[tamed]
fn run_jobs(
    jobs: Vec<Box<dyn FnOnce() -> u32>>,
    mut queue: std::collections::VecDeque<Box<dyn FnOnce() -> u32>>,
    more: Vec<Box<dyn FnOnce() -> u32>>,
    mut last: Vec<Box<dyn FnOnce() -> u32>>,
) -> u32 {
    let mut total = 0;
    for job in jobs {
        twait! { tame::asap(mkevent!()); }
        total += job();
        twait! { tame::asap(mkevent!()); }
    }
    while let Some(job) = queue.pop_front() {
        total += job();
        twait! { tame::asap(mkevent!()); }
    }
    for (i, job) in more.into_iter().enumerate() {
        total += job() * i as u32;
        twait! { tame::asap(mkevent!()); }
    }
    match last.pop() {
        Some(job) => {
            total += job();
            twait! { tame::asap(mkevent!()); }
        }
        None => total += 1000,
    }
    total
}

#[test]
fn fn_once_jobs_out_of_a_collection_are_moved_by_their_call() {
    on_fresh_loop(|| {
        let name = String::from("four");
        let jobs: Vec<Box<dyn FnOnce() -> u32>> =
            vec![Box::new(|| 1), Box::new(move || name.len() as u32)];
        let mut queue = std::collections::VecDeque::new();
        queue.push_back(Box::new(|| 10u32) as Box<dyn FnOnce() -> u32>);
        let more: Vec<Box<dyn FnOnce() -> u32>> = vec![Box::new(|| 100), Box::new(|| 200)];
        let last: Vec<Box<dyn FnOnce() -> u32>> = vec![Box::new(|| 3000)];
        assert_eq!(
            result_of(|d| run_jobs(jobs, queue, more, last, d)),
            Some(3215)
        );
    });
}

/// Jobs of a type parameter bound by `FnOnce`, taken out of variables
/// whose written types hold it (`Vec<F>`, `[F; 2]`, `VecDeque<F>`,
/// `Option<F>`), called between twaits: each call moves the job (E0382 at
/// the next twait: only a variable of type `F` itself was known for one).
#[tamed]
fn run_generic_jobs<F>(
    jobs: Vec<F>,
    pair: [F; 2],
    mut queue: std::collections::VecDeque<F>,
    spare: Option<F>,
) -> u32
where
    F: FnOnce() -> u32 + 'static,
{
    let mut total = 0;
    for job in jobs {
        total += job();
        twait! { tame::asap(mkevent!()); }
    }
    let more: Vec<F> = pair.into_iter().collect();
    for (i, job) in more.into_iter().enumerate() {
        total += job() * (i as u32 + 1);
        twait! { tame::asap(mkevent!()); }
    }
    while let Some(job) = queue.pop_front() {
        total += job();
        twait! { tame::asap(mkevent!()); }
    }
    if let Some(job) = spare {
        total += job();
        twait! { tame::asap(mkevent!()); }
    }
    total
}

#[test]
fn fn_once_jobs_of_a_generic_type_are_moved_by_their_call() {
    on_fresh_loop(|| {
        let name = String::from("four");
        let job = |n: u32| {
            let name = name.clone();
            move || {
                drop(name);
                n
            }
        };
        let queue = std::collections::VecDeque::from([job(100)]);
        assert_eq!(
            result_of(|d| run_generic_jobs(
                vec![job(1), job(2)],
                [job(10), job(20)],
                queue,
                Some(job(1000)),
                d
            )),
            Some(1153)
        );
    });
}

// ---- a rendezvous' slot of a number read before its wait

fn give_four(ev: Event<u32>) {
    ev.trigger(4);
}

/// A `u32` slot read by value (`x * 2`) between its `mkevent!(r, id, x)`
/// and the `twait!(r)` that fills it: a copy, not a move into the
/// operation (it was refused as one).
#[tamed]
fn progress_read_before_its_wait() -> u32 {
    let mut x: u32 = 0;
    let r = Rendezvous::<()>::new();
    give_four(mkevent!(r, (), x));
    let y = x * 2 + 1;
    twait!(r);
    x * 10 + y
}

#[test]
fn a_number_slot_read_before_its_wait_is_a_copy() {
    on_fresh_loop(|| assert_eq!(result_of(progress_read_before_its_wait), Some(41)));
}

// ---- operands with a twait inside that borrow, before a later one

fn shown(a: &dyn std::fmt::Display, b: u32) -> String {
    format!("{a}{b}")
}
fn length(a: &str, b: u32) -> usize {
    a.len() + b as usize
}
fn boxed(s: &str) -> Box<dyn std::fmt::Display> {
    Box::new(s.to_string())
}
fn owned(s: &str) -> String {
    s.to_string()
}

/// Borrows of a projection of a value whose making waits (`&*boxed(..)`,
/// `&owned(..)[1..]`), before an operand that waits: the value is made
/// first, as Rust makes it, and the projection borrowed after the later
/// twait (moving the projection into a variable would be unsized, E0277).
/// And an index into a variable's place computed before the later operand
/// changes what it reads.
#[tamed]
fn borrowing_operands_before_a_wait() -> String {
    let s = shown(
        &*boxed({
            twait! { tame::asap(mkevent!()); }
            "a"
        }),
        {
            twait! { tame::asap(mkevent!()); }
            2
        },
    );
    let n = length(
        &owned({
            twait! { tame::asap(mkevent!()); }
            "abc"
        })[1..],
        {
            twait! { tame::asap(mkevent!()); }
            2
        },
    );
    let mut c = [0u32; 3];
    let mut i = 0;
    add_to(
        &mut c[{
            twait! { tame::asap(mkevent!()); }
            0
        } + i],
        {
            i += 1;
            twait! { tame::asap(mkevent!()); }
            5
        },
    );
    format!("{s} {n} {c:?} {i}")
}

fn add_to(slot: &mut u32, by: u32) {
    *slot += by;
}

#[test]
fn borrowing_operands_with_a_twait_inside_before_a_later_twait_compile() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(borrowing_operands_before_a_wait).as_deref(),
            Some("a2 4 [5, 0, 0] 1")
        );
    });
}

/// A handler that is a `Fn` taking a `FnOnce` (its collection's type
/// mentions `FnOnce` only in the handler's arguments): calling it borrows
/// it, so it lives to its iteration's end, across the twait (it was taken
/// for a `FnOnce`, moved by its call, and dropped at the twait).
#[tamed]
#[allow(clippy::type_complexity)] // the type under test
fn run_handlers(
    hs: Vec<Box<dyn Fn(Box<dyn FnOnce() -> u32>) -> u32>>,
    log: Rc<RefCell<Vec<String>>>,
) -> u32 {
    let mut total = 0;
    for h in hs {
        total += h(Box::new(|| 1));
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push("iteration ends".into());
    }
    total
}

#[test]
#[allow(clippy::type_complexity)] // the type under test
fn a_fn_taking_a_fn_once_lives_to_its_scope_end() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let held = Held("handler", log.clone());
        let double: Box<dyn Fn(Box<dyn FnOnce() -> u32>) -> u32> = Box::new(move |f| {
            let _ = &held;
            f() * 2
        });
        assert_eq!(
            result_of(|d| run_handlers(vec![double], log.clone(), d)),
            Some(2)
        );
        assert_eq!(*log.borrow(), ["iteration ends", "drop handler"]);
    });
}

// ---- a statement's lint levels reach the operands computed before its twait

/// `#[allow(clippy::eq_op)]` (a lint clippy denies by default) on a `let`
/// whose operand before the twait is computed into a variable of the
/// machine's: the allowance is that code's too.
#[tamed]
fn allowed_on_hoisted_operands(k: u32) -> u32 {
    #[allow(clippy::eq_op, clippy::identity_op)]
    let x = u32::from(k == k) + k + 0 + {
        twait! { tame::asap(mkevent!()); }
        1
    };
    x
}

#[test]
fn a_statements_lint_levels_reach_its_hoisted_operands() {
    on_fresh_loop(|| assert_eq!(result_of(|d| allowed_on_hoisted_operands(5, d)), Some(7)));
}

// ---- an indexed place whose outer index is computed, inner one waits

fn ix(i: usize) -> usize {
    i
}

/// `grid[ix(1)][{ twait!{..}; 0 }] = 7`: the outer index is computed
/// before the twait and the place reached after it (E0507: the row was
/// moved out of the grid into a variable).
#[tamed]
fn fill_grid() -> Vec<Vec<u32>> {
    let mut grid = vec![vec![0u32; 2]; 2];
    grid[ix(1)][{
        twait! { tame::asap(mkevent!()); }
        0
    }] = 7;
    grid[ix(0)][{
        twait! { tame::asap(mkevent!()); }
        1
    }] += 3;
    grid
}

#[test]
fn an_index_computed_before_a_waiting_inner_index_reaches_the_place() {
    on_fresh_loop(|| assert_eq!(result_of(fill_grid), Some(vec![vec![0, 3], vec![7, 0]])));
}

// ---- a `matches!` pattern binds names of its own

struct Labelled {
    name: String,
}

/// `matches!(s, Labelled { name, .. } if ..)` after the function's own `name`
/// was moved: the pattern's `name` is a new binding, no use of the moved
/// one (E0382: it was taken for one).
#[tamed]
fn pattern_names_are_the_patterns(name: String, s: Labelled) -> bool {
    drop(name);
    twait! { tame::asap(mkevent!()); }
    matches!(s, Labelled { ref name } if name.is_empty())
        || matches!(&s, Labelled { name } if name == "x")
}

#[test]
fn a_matches_pattern_binds_its_own_names() {
    on_fresh_loop(|| {
        let run = |n: &str| {
            result_of(|d| {
                pattern_names_are_the_patterns("outer".into(), Labelled { name: n.into() }, d);
            })
        };
        assert_eq!(run(""), Some(true));
        assert_eq!(run("x"), Some(true));
        assert_eq!(run("y"), Some(false));
    });
}

// ---- a twait right after an `if` on one line

/// `if c { .. } twait! { .. }` on one line: clippy's
/// `suspicious_else_formatting` took the twait's stand-in in the lint
/// shadow for a block with its `else` left out.
#[tamed]
#[rustfmt::skip]
fn a_twait_after_an_if_on_one_line(c: bool) -> u32 {
    let mut n = 0;
    if c { n += 1; } twait! { tame::asap(mkevent!()); }
    n + 1
}

#[test]
fn a_twait_after_an_if_on_one_line_waits() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| a_twait_after_an_if_on_one_line(true, d)),
            Some(2)
        );
        assert_eq!(
            result_of(|d| a_twait_after_an_if_on_one_line(false, d)),
            Some(1)
        );
    });
}

// ---- a `twait! {}` block over several lines

#[tamed]
fn two_slots_on_two_lines(k: u32) -> u32 {
    let (mut a, mut b) = (0, 0);
    twait! {
        tame::asap(mkevent!(a).map(move |()| k));
        tame::asap(mkevent!(b).map(move |()| k + 1));
    }
    a + b
}

#[test]
fn a_twait_block_over_several_lines_fills_its_slots() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|d| two_slots_on_two_lines(3, d)), Some(7));
    });
}

// ---- strict clippy lints that the machine's own code must not trip

/// Under clippy's restriction lint `shadow_unrelated`, a tamed function's
/// parameters are not reported: the machine binds them again in each
/// state, the lint shadow as its closure's parameters, neither of which
/// is the user's shadowing.
#[warn(clippy::shadow_unrelated)]
#[tamed]
fn parameters_bound_again(names: Vec<String>, limit: usize) -> usize {
    twait! { tame::asap(mkevent!()); }
    names.len().min(limit)
}

/// A returned `HashMap` becomes the type of the `done` parameter, which
/// clippy's pedantic `implicit_hasher` does not ask a plain function's
/// return type to generalize.
#[warn(clippy::implicit_hasher)]
#[tamed]
pub fn returns_a_map(n: u32) -> std::collections::HashMap<String, u32> {
    twait! { tame::asap(mkevent!()); }
    std::collections::HashMap::from([("n".to_owned(), n)])
}

#[test]
fn strict_lints_on_parameters_and_return_types_are_the_users_alone() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| parameters_bound_again(vec!["a".into()], 5, d)),
            Some(1)
        );
        assert_eq!(result_of(|d| returns_a_map(7, d)).map(|m| m["n"]), Some(7));
    });
}

// ---- attributes on the arms of a match that waits

/// `#[cfg(..)]` on an arm that does not wait, in a `match` another arm of
/// which waits: the arm is there only where the `cfg` holds, as in a plain
/// `match` (a test is built with `cfg(test)`).
#[tamed]
fn configured_arms(k: u32) -> u32 {
    match k {
        #[cfg(not(test))]
        1 => 10,
        #[cfg(test)]
        2 => 30,
        _ => {
            twait! { tame::asap(mkevent!()); }
            20
        }
    }
}

#[test]
fn a_configured_out_arm_of_a_waiting_match_is_not_taken() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|d| configured_arms(1, d)), Some(20));
        assert_eq!(result_of(|d| configured_arms(2, d)), Some(30));
    });
}

// ---- a struct pattern's field under `#[cfg]`

pub struct Settings {
    pub host: String,
    #[cfg(test)]
    pub port: u16,
    #[cfg(not(test))]
    pub socket: String,
}

/// The bindings of fields under `#[cfg]` exist only where the `cfg` holds,
/// across the twait too (a test is built with `cfg(test)`).
#[tamed]
fn address(s: Settings) -> String {
    let Settings {
        host,
        #[cfg(test)]
        port,
        #[cfg(not(test))]
        socket,
    } = s;
    twait! { tame::asap(mkevent!()); }
    // A `return` under `#[cfg]` is compiled out with it, and what follows
    // it is reached.
    #[cfg(not(test))]
    return format!("{host} via {socket}");
    #[cfg(test)]
    let addr = format!("{host}:{port}");
    #[cfg(not(test))]
    let addr = String::new();
    addr
}

#[test]
fn a_configured_field_binding_lives_across_a_twait() {
    on_fresh_loop(|| {
        let s = Settings {
            host: "db".into(),
            port: 5432,
        };
        assert_eq!(result_of(|d| address(s, d)).as_deref(), Some("db:5432"));
    });
}

// ---- an assert's panic payload

/// What a caught panic carries: its text if it is a `&'static str`, as an
/// `assert!` without a message makes it.
fn static_str_payload(r: std::thread::Result<()>) -> Option<&'static str> {
    r.err()?.downcast_ref::<&'static str>().copied()
}

/// An `assert!` on a name the machine renames (declared three times) panics
/// with a `&'static str`, as in a plain function: code that downcasts the
/// payload sees the same type.
#[tamed]
fn asserted(k: u32) -> Option<&'static str> {
    let x = k;
    let x = x + 1;
    let x = x + 1;
    twait! { tame::asap(mkevent!()); }
    static_str_payload(std::panic::catch_unwind(|| assert!(x < 5)))
}

#[test]
fn an_assert_on_a_renamed_name_panics_with_a_static_str() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| asserted(9, d)),
            Some(Some("assertion failed: x < 5"))
        );
    });
}

// ---- calling an `impl FnOnce` by moving it: `{ f }(x)`

fn suffixer(s: String) -> impl FnOnce(u32) -> String + 'static {
    move |n| format!("{n}{s}")
}

/// A closure returned as `impl FnOnce` cannot be named as one; `{ f }(n)`
/// moves it into the call, as in Rust, so it is not kept across the twait.
#[tamed]
fn called_through_a_block(n: u32) -> String {
    let f = suffixer("th".into());
    let s = { f }(n);
    twait! { tame::asap(mkevent!()); }
    s
}

#[test]
fn a_closure_moved_into_its_call_by_a_block_is_gone_after_it() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| called_through_a_block(4, d)).as_deref(),
            Some("4th")
        );
    });
}

/// The same binding in the pattern of an `if let` and of a `match` arm
/// whose body waits.
#[tamed]
fn address_if_any(s: Option<Settings>) -> String {
    if let Some(Settings {
        host,
        #[cfg(test)]
        port,
        ..
    }) = s
    {
        twait! { tame::asap(mkevent!()); }
        #[cfg(test)]
        let port = port.to_string();
        #[cfg(not(test))]
        let port = String::from("-");
        format!("{host}:{port}")
    } else {
        let fallback = Settings {
            host: "none".into(),
            port: 0,
        };
        match fallback {
            Settings {
                host,
                #[cfg(test)]
                port,
                ..
            } if !host.is_empty() => {
                twait! { tame::asap(mkevent!()); }
                format!("{host}:{port}")
            }
            _ => String::new(),
        }
    }
}

#[test]
fn configured_field_bindings_of_waiting_patterns_live_across_a_twait() {
    on_fresh_loop(|| {
        let s = Settings {
            host: "db".into(),
            port: 5432,
        };
        assert_eq!(
            result_of(|d| address_if_any(Some(s), d)).as_deref(),
            Some("db:5432")
        );
        assert_eq!(
            result_of(|d| address_if_any(None, d)).as_deref(),
            Some("none:0")
        );
    });
}

/// A waiting block whose value is discarded (`{ twait!{..}; Wrapper(c) };`):
/// the machine's copy of the value is a statement of its own, which
/// clippy's `no_effect` would report at `#[tamed]`; the block as written
/// has an effect (its wait).
pub struct Wrapper(pub u32);

#[tamed]
fn discarded_block_value(c: u32) -> u32 {
    {
        twait! { tame::asap(mkevent!()); }
        Wrapper(c)
    };
    c
}

#[test]
fn a_discarded_waiting_block_value_is_no_statement_without_effect() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|d| discarded_block_value(2, d)), Some(2));
    });
}

/// The same binding in the pattern of a `for` loop that waits (its
/// compiled-out binding was "cannot find value" at the twait).
#[tamed]
fn addresses(all: Vec<Settings>) -> Vec<String> {
    let mut out = Vec::new();
    for Settings {
        host,
        #[cfg(not(test))]
        port,
        ..
    } in all
    {
        twait! { tame::asap(mkevent!()); }
        #[cfg(not(test))]
        out.push(format!("{host}:{port}"));
        #[cfg(test)]
        out.push(host);
    }
    out
}

#[test]
fn configured_field_bindings_of_a_waiting_for_pattern() {
    on_fresh_loop(|| {
        let s = Settings {
            host: "db".into(),
            port: 5432,
        };
        assert_eq!(
            result_of(|d| addresses(vec![s], d)),
            Some(vec!["db".to_string()])
        );
    });
}

/// A variable declared without a value and given it by statements under
/// complementary `#[cfg]`s, one per build, read after a twait (it was
/// rustc's "used binding isn't initialized": the translator, which cannot
/// tell which build it is in, took each assignment for one on some paths).
#[tamed]
fn configured_late_init() -> (char, String) {
    let sep;
    let name: String;
    #[cfg(test)]
    {
        sep = '/';
        name = String::from("test build");
    }
    #[cfg(not(test))]
    {
        sep = '\\';
        name = String::from("other build");
    }
    twait! { tame::asap(mkevent!()); }
    (sep, name)
}

#[test]
fn a_variable_given_its_value_once_per_build_is_kept() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(configured_late_init),
            Some(('/', "test build".to_string()))
        );
    });
}

/// A struct literal's field under `#[cfg]` whose value is a constant
/// (`TlsConfig { verify: true }`), before a field that waits: it stays
/// under its `cfg`, made after the wait (it was made before it in every
/// build: here, of a type the test build does not have).
#[cfg(not(test))]
struct TlsConfig {
    verify: bool,
}

struct Connection {
    #[cfg(not(test))]
    tls: TlsConfig,
    port: u32,
}

#[tamed]
fn connect_configured(port: u32) -> u32 {
    let c = Connection {
        #[cfg(not(test))]
        tls: TlsConfig { verify: true },
        port: {
            twait! { tame::asap(mkevent!()); }
            port
        },
    };
    #[cfg(not(test))]
    assert!(c.tls.verify);
    c.port
}

#[test]
fn a_constant_field_under_cfg_before_a_waiting_one_stays_under_it() {
    on_fresh_loop(|| assert_eq!(result_of(|d| connect_configured(443, d)), Some(443)));
}

/// A lint level on the function's tail expression, or a waiting block's
/// (`#[allow(..)] match ..`, allowed there on stable Rust): the machine
/// puts such a value in a block of its own (it was E0658, "attributes on
/// expressions are experimental", where it assigned it).
#[tamed]
fn attributed_tails(k: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    let inner = {
        twait! { tame::asap(mkevent!()); }
        #[allow(deprecated)]
        if k == 0 {
            old_port()
        } else {
            k
        }
    };
    #[allow(deprecated)]
    match k {
        0 => old_port() + inner,
        _ => inner + 1,
    }
}

#[test]
fn a_lint_level_on_a_tail_expression_is_allowed() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|d| attributed_tails(0, d)), Some(160));
        assert_eq!(result_of(|d| attributed_tails(2, d)), Some(3));
    });
}

/// An `#[expect(..)]` on a parameter is fulfilled once, by the body as
/// written (the generated function's parameter, which only moves into the
/// machine, reported it unfulfilled).
#[tamed]
fn expected_on_parameters(
    #[expect(unused_mut)] mut p: u32,
    #[expect(unused_variables)] (a, b): (u32, u32),
) -> u32 {
    twait! { tame::asap(mkevent!()); }
    p + a
}

#[test]
fn an_expectation_on_a_parameter_is_fulfilled_once() {
    on_fresh_loop(|| assert_eq!(result_of(|d| expected_on_parameters(1, (2, 3), d)), Some(3)));
}

thread_local! {
    static MARKS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// A constant with a drop of its own (its drop logs).
struct Mark {
    n: u32,
}

impl Drop for Mark {
    fn drop(&mut self) {
        MARKS.with(|m| m.borrow_mut().push("drop mark"));
    }
}

/// A constant operand (`Mark { n: 1 }`), then one that waits and may leave the
/// function: Rust makes the constant first and drops it as the function
/// leaves (it was made in place, after the wait, and so never made on the
/// path that leaves).
#[tamed]
fn constant_then_leaving(k: u32) -> u32 {
    let pair = (Mark { n: 1 }, {
        twait! { tame::asap(mkevent!()); }
        if k == 0 {
            return 0;
        }
        k
    });
    MARKS.with(|m| m.borrow_mut().push("made"));
    pair.1 * pair.0.n
}

/// A loop that waits, whose `break` gives a borrow nobody takes: nothing
/// to drop at the statement's end, nothing kept across a twait.
#[rustfmt::skip]
#[tamed]
fn discarded_borrow(v: Vec<u32>) -> usize {
    let mut turns = 0;
    loop {
        twait! { tame::asap(mkevent!()); }
        turns += 1;
        if turns == 2 {
            break &v;
        }
    };
    v.len() + turns
}

#[test]
fn a_constant_before_a_waiting_operand_that_leaves_is_dropped() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|d| constant_then_leaving(0, d)), Some(0));
        assert_eq!(MARKS.with(|m| m.take()), ["drop mark"]);
        assert_eq!(result_of(|d| constant_then_leaving(2, d)), Some(2));
        assert_eq!(MARKS.with(|m| m.take()), ["made", "drop mark"]);
        assert_eq!(result_of(|d| discarded_borrow(vec![1, 2], d)), Some(4));
    });
}

// ---- an owned value from a `get` of a guard made in the same statement

/// A store whose `get` gives an owned value (named as std's borrowing
/// `get` is).
struct Prices(Vec<(String, i64)>);

impl Prices {
    fn get(&self, k: &str) -> Option<i64> {
        self.0.iter().find(|(n, _)| n == k).map(|&(_, v)| v)
    }
}

/// `let cached = store.borrow().get(&k);` then `if let Some(v) = cached`
/// (a move on some paths) and a twait: the value cannot borrow the guard,
/// which is gone at the `let`'s end, so it is kept as an owned value (it
/// was refused as a borrow of `store` kept across the twait).
#[tamed]
fn total_of(keys: Vec<String>, store: RefCell<Prices>) -> i64 {
    let mut total = 0;
    for k in keys {
        let cached = store.borrow().get(&k);
        if let Some(v) = cached {
            total += v;
        }
        twait! { tame::asap(mkevent!()); }
        total += 1;
    }
    total
}

#[test]
fn a_value_from_a_get_of_a_temporary_guard_is_owned() {
    let store = RefCell::new(Prices(vec![("a".into(), 10)]));
    let keys = vec!["a".to_string(), "b".to_string()];
    assert_eq!(tame::run_with(|d| total_of(keys, store, d)), Some(12));
}

// ---- a user's variable named as the translator's own

/// The body's own `__tame_v_value` and `__tame_self` are its variables,
/// not the ones the translator makes (the value `let v = &mk()` borrows,
/// and `self`).
#[allow(clippy::used_underscore_binding)]
mod translator_names {
    use super::*;

    pub struct Base(pub u32);

    impl Base {
        #[tamed]
        pub fn add(self, k: u32) -> String {
            let __tame_self = 1000u32;
            let __tame_v_value = String::from("mine");
            let v = &k.to_string();
            let before = format!("{v} {__tame_v_value}");
            twait! { tame::asap(mkevent!()); }
            format!("{before} {} {}", self.0 + k + __tame_self, __tame_v_value)
        }
    }
}

/// A slot whose place is a variable named as the machine's name for the
/// value it stores (it read the value's `.0`: "`u32` is a primitive type
/// and therefore doesn't have fields").
#[tamed]
#[allow(clippy::used_underscore_binding)]
fn slot_named_as_the_stored_value(k: u32) -> (u32, u32) {
    let mut __tame_v = (0u32, 0u32);
    twait! { twice(k, mkevent!(__tame_v.0)); }
    __tame_v
}

#[tamed]
fn twice(k: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    k * 2
}

#[test]
fn a_variable_named_as_a_translator_holder_is_the_users() {
    assert_eq!(
        tame::run_with(|d| slot_named_as_the_stored_value(20, d)),
        Some((40, 0))
    );
    assert_eq!(
        tame::run_with(|d| translator_names::Base(10).add(1, d)),
        Some("1 mine 1011 mine".to_string())
    );
}

// ---- the parts of a tuple `let`, each judged by its own value

/// A number beside a borrow in one tuple `let` is a number: kept across
/// a twait (it was taken for the borrow: "`n` is kept across a twait, but
/// it borrows `v`"). The borrow beside it, used before the twait only,
/// is no error; written part types are each part's.
#[tamed]
fn parts_of_a_tuple_let(v: Vec<u32>) -> u32 {
    let (n, r) = (5u32, &v);
    let total = r.iter().sum::<u32>();
    let (k, (s, w)): (u32, (&str, &Vec<u32>)) = (7, ("ab", &v));
    let width = w.len() as u32;
    twait! { tame::asap(mkevent!()); }
    n * 100 + total + k * 1000 + s.len() as u32 * 10_000 + width
}

#[test]
fn a_number_beside_a_borrow_in_one_tuple_let_is_kept_across_a_twait() {
    assert_eq!(
        tame::run_with(|d| parts_of_a_tuple_let(vec![1, 2, 3], d)),
        Some(500 + 6 + 7000 + 20_000 + 3)
    );
}

// ---- the body's items and the signature

/// The crate's own `Message`, named by a parameter's type.
pub struct Message(pub String);

mod wire {
    /// Another `Message`, imported by a body for its own use.
    pub struct Message;
}

/// A body's `use` does not change what the signature's types mean, as in
/// a plain function: `std::io::*` brings a `Result` of one parameter, and
/// `wire::Message` another `Message` (they were read in the body's scope:
/// "type alias takes 1 generic argument but 2 generic arguments were
/// supplied", "no field `0` on type `wire::Message`").
#[tamed]
fn body_imports(path: String, msg: Message) -> Result<usize, String> {
    use std::io::*;
    use wire::Message;
    // The body's `Message` is wire's (of no size).
    assert_eq!(std::mem::size_of::<Message>(), 0);
    twait! { tame::asap(mkevent!()); }
    let mut buf = Vec::new();
    Cursor::new(path.into_bytes())
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(buf.len() + msg.0.len())
}

/// The same with no value: the parameter's type alone.
#[tamed]
fn body_import_no_value(msg: Message, done: Event<usize>) {
    use wire::Message;
    // The body's `Message` is wire's (of no size).
    assert_eq!(std::mem::size_of::<Message>(), 0);
    twait! { tame::asap(mkevent!()); }
    done.trigger(msg.0.len());
}

/// The same with the `use` in a `twait! {}` block (its items are hoisted
/// too), and nine parameters.
#[tamed]
#[allow(clippy::too_many_arguments)]
fn block_imports(
    a: u8,
    b: u8,
    c: u8,
    d: u8,
    e: u8,
    f: u8,
    g: u8,
    h: u8,
    r: Result<u8, String>,
) -> Result<u32, String> {
    twait! {
        use std::io::*;
        let _ = Cursor::new(vec![1u8]);
        tame::asap(mkevent!());
    }
    Ok(u32::from(a + b + c + d + e + f + g + h + r?))
}

/// The same with parameters under `cfg`, one present and one not: the
/// lint shadow's closure has a number of parameters per configuration, and
/// was typed as written, in the body's scope, so that `Result` was the
/// body's (E0107) and `Message` wire's (E0609).
#[tamed]
fn cfg_param_imports(
    #[cfg(unix)] fd: i32,
    #[cfg(not(unix))] other: u64,
    msg: Message,
    #[cfg(any())] never: u8,
) -> Result<usize, String> {
    use std::io::Result;
    use wire::Message;
    assert_eq!(std::mem::size_of::<Message>(), 0);
    twait! { tame::asap(mkevent!()); }
    let r: Result<()> = Ok(());
    r.map_err(|e| e.to_string())?;
    Ok(msg.0.len() + usize::try_from(fd).unwrap_or(0))
}

/// A parameter under `cfg` beside an `impl Trait` one, borrowed by the
/// tail expression (edition 2021): the closure's parameter outlives the
/// tail's temporaries (bound by a `let` in the closure, it did not: E0597).
#[tamed]
fn cfg_param_impl_tail(#[cfg(unix)] k: u32, c: impl AsRef<RefCell<Vec<u32>>> + 'static) -> usize {
    twait! { tame::asap(mkevent!()); }
    #[cfg(unix)]
    let _ = k;
    c.as_ref().borrow().len()
}

/// Thirteen parameters and a body's `use`: past the twelve the helpers
/// had, the shadow was typed as written, in the body's scope.
#[tamed]
#[allow(clippy::too_many_arguments)]
fn thirteen_imports(
    a: u8,
    b: u8,
    c: u8,
    d: u8,
    e: u8,
    f: u8,
    g: u8,
    h: u8,
    i: u8,
    j: u8,
    k: u8,
    l: u8,
    r: Result<u8, String>,
) -> Result<u32, String> {
    use std::io::*;
    let _ = Cursor::new(vec![1u8]);
    twait! { tame::asap(mkevent!()); }
    Ok(u32::from(
        a + b + c + d + e + f + g + h + i + j + k + l + r?,
    ))
}

#[test]
fn a_use_in_the_body_does_not_change_the_signature_beside_cfg_parameters() {
    assert_eq!(
        tame::run_with(|d| cfg_param_imports(3, Message("de".into()), d)),
        Some(Ok(5))
    );
    let v = RefCell::new(vec![1, 2]);
    assert_eq!(
        tame::run_with(|d| cfg_param_impl_tail(1, Rc::new(v), d)),
        Some(2)
    );
    assert_eq!(
        tame::run_with(|d| thirteen_imports(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, Ok(2), d)),
        Some(Ok(14))
    );
}

#[test]
fn a_use_in_the_body_does_not_change_the_signature() {
    assert_eq!(
        tame::run_with(|done| block_imports(1, 1, 1, 1, 1, 1, 1, 1, Ok(2), done)),
        Some(Ok(10))
    );
    assert_eq!(
        tame::run_with(|d| body_imports("abc".into(), Message("de".into()), d)),
        Some(Ok(5))
    );
    assert_eq!(
        tame::run_with(|d| body_import_no_value(Message("xy".into()), d)),
        Some(2)
    );
}

// ---- a trait's default method taking `self` by value

/// A trait's default tamed method taking `self` by value: the machine
/// keeps `self` in its state, which needs it sized, and says so itself
/// (rustc reported the state's parameter unsized, four times, in terms
/// of the expansion).
trait Doubled {
    fn base(&self) -> u32;

    #[tamed]
    fn doubled(self, k: u32) -> u32 {
        twait! { tame::asap(mkevent!()); }
        self.base() * 2 + k
    }
}

struct Five;

impl Doubled for Five {
    fn base(&self) -> u32 {
        5
    }
}

#[test]
fn a_default_method_may_take_self_by_value() {
    assert_eq!(tame::run_with(|d| Five.doubled(1, d)), Some(11));
}

// ---- lifetimes that are 'static by another name

/// A parameter borrowing for a lifetime bound to outlive `'static` is a
/// `'static` one (it was refused: "cannot take a borrowed parameter").
#[tamed]
fn static_by_bound<'a: 'static, 'b>(s: &'a str, t: &'b str) -> usize
where
    'b: 'static,
{
    twait! { tame::asap(mkevent!()); }
    s.len() + t.len()
}

/// A return type naming a lifetime of the function's own: the value is
/// delivered after the call returned, so the lifetime outlives `'static`
/// (it failed with "borrowed data escapes outside of function", of
/// `done`, which the plain function does not).
#[tamed]
fn label<'a>(k: u32) -> Option<&'a str> {
    twait! { tame::asap(mkevent!()); }
    Some(if k > 0 { "positive" } else { "zero" })
}

#[test]
fn lifetimes_that_outlive_static_are_accepted() {
    assert_eq!(tame::run_with(|d| static_by_bound("abc", "de", d)), Some(5));
    assert_eq!(tame::run_with(|d| label(1, d)), Some(Some("positive")));
}

// ---- a tail that borrows a parameter the lint shadow binds again

/// A tail expression borrowing an `impl Trait` parameter, a pattern
/// parameter's part, or a parameter after a pattern one: the parameters
/// outlive the tail's temporaries, as in a plain function (they failed
/// with "`c` does not live long enough").
#[tamed]
fn tail_of_impl(c: impl AsRef<RefCell<Vec<u8>>>) -> usize {
    twait! { tame::asap(mkevent!()); }
    c.as_ref().borrow().len()
}

#[tamed]
fn tail_of_pattern((c, k): (Rc<RefCell<Vec<u8>>>, usize), d: Rc<RefCell<Vec<u8>>>) -> usize {
    twait! { tame::asap(mkevent!()); }
    c.borrow().len() + k + d.borrow().len()
}

#[test]
fn a_tail_may_borrow_any_parameter() {
    let v = || Rc::new(RefCell::new(vec![1u8, 2]));
    assert_eq!(
        tame::run_with(|d| tail_of_impl(Rc::new(RefCell::new(vec![7u8])), d)),
        Some(1)
    );
    assert_eq!(
        tame::run_with(|done| tail_of_pattern((v(), 10), v(), done)),
        Some(14)
    );
}

// ---- the items of a `twait! {}` block are the block's

mod block_wire {
    pub fn kind() -> &'static str {
        "wire"
    }
}

fn kind() -> &'static str {
    "outer"
}

/// A `use` inside a `twait! {}` block names its item inside the block
/// only: after the block, `kind` is the module's again, and a glob import
/// of the block (`std::io::*` brings a `Result` of one parameter) does not
/// change what `Result<u8, String>` means after it.
#[tamed]
fn block_use_is_the_blocks(k: u8) -> (&'static str, &'static str, u8) {
    let inner;
    twait! {
        use std::io::*;
        use block_wire::kind;
        inner = kind();
        let _ = Cursor::new(vec![k]);
        tame::asap(mkevent!());
    }
    let r: Result<u8, String> = k.checked_sub(1).ok_or_else(|| "zero".to_owned());
    (inner, kind(), r.unwrap_or(0))
}

/// The same with a construct the block runs in pieces (an `if` that moves
/// a variable on one path), and a `fn` and a `macro_rules!` of the block.
#[tamed]
fn block_items_with_a_promoted_if(s: String, c: bool) -> (&'static str, &'static str, usize) {
    let inner;
    let mut n = 0;
    twait! {
        fn kind() -> &'static str {
            "block fn"
        }
        macro_rules! twice {
            ($e:expr) => {
                $e * 2
            };
        }
        if c {
            n = twice!(s.len());
            drop(s);
        }
        inner = kind();
        tame::asap(mkevent!());
    }
    (inner, kind(), n)
}

#[test]
fn a_twait_blocks_items_are_seen_in_the_block_only() {
    assert_eq!(
        result_of(|d| block_use_is_the_blocks(7, d)),
        Some(("wire", "outer", 6))
    );
    assert_eq!(
        result_of(|d| block_items_with_a_promoted_if("abc".into(), true, d)),
        Some(("block fn", "outer", 6))
    );
    assert_eq!(
        result_of(|d| block_items_with_a_promoted_if("abc".into(), false, d)),
        Some(("block fn", "outer", 0))
    );
}

// ---- a move on some paths in a branch with a local of its own

mod marks {
    use std::cell::RefCell;

    thread_local! {
        pub static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    /// Logs its drop; made of a literal only, so it borrows nothing.
    pub struct Mark(pub &'static str);

    impl Drop for Mark {
        fn drop(&mut self) {
            note(&format!("drop {}", self.0));
        }
    }

    pub fn note(s: &str) {
        LOG.with(|l| l.borrow_mut().push(s.to_owned()));
    }

    pub fn consume(m: Mark) {
        note(&format!("consume {}", m.0));
    }

    pub fn take() -> Vec<String> {
        LOG.with(|l| l.take())
    }
}

fn branch_local_plain(c: bool, d: bool) -> i64 {
    let x = marks::Mark("x");
    let _y = marks::Mark("y");
    let n = if c {
        1
    } else {
        let _z = marks::Mark("z");
        if d {
            marks::consume(x);
        }
        2
    };
    marks::note("after");
    n
}

/// `x` is moved on some paths of a branch that has a local of its own
/// (`_z`, which the state after the inner `if` must keep): where it was
/// not moved, it lives to its scope's end, after `_y`'s drop, as in the
/// plain function (it was dropped where the branches met, `_z` being taken
/// for a value that may borrow).
#[tamed]
fn branch_local(c: bool, d: bool) -> i64 {
    let x = marks::Mark("x");
    let _y = marks::Mark("y");
    let n = if c {
        twait! { tame::asap(mkevent!()); }
        1
    } else {
        let _z = marks::Mark("z");
        if d {
            marks::consume(x);
        }
        2
    };
    marks::note("after");
    n
}

#[test]
fn a_move_on_some_paths_beside_a_branch_local_keeps_the_drop_order() {
    on_fresh_loop(|| {
        for (c, d) in [(true, false), (false, false), (false, true)] {
            let n = branch_local_plain(c, d);
            let plain = marks::take();
            assert_eq!(result_of(|ev| branch_local(c, d, ev)), Some(n));
            assert_eq!(marks::take(), plain, "c = {c}, d = {d}");
        }
    });
}

fn lookup(n: i64) -> Option<i64> {
    (n % 3 != 0).then_some(n)
}

// The tamed twin's shape (its other arm waits), kept as it is.
#[allow(clippy::single_match)]
fn arm_binding_plain(a: i64) -> i64 {
    let y = marks::Mark("y");
    match lookup(a) {
        Some(_k) => {
            if a > 2 {
                marks::consume(y);
            }
            marks::note("in the arm");
        }
        None => {}
    }
    marks::note("after");
    0
}

/// `y` moved on some paths of an `if` inside an arm that binds a part of a
/// call's value (`Some(_k)` of `lookup(a)`, `a` a number): the binding
/// borrows nothing, so the state where the arms meet may keep it, and `y`
/// lives to its scope's end where it was not moved (it was dropped where
/// the arms met, `_k` being taken for a value that may borrow).
#[tamed]
fn arm_binding(a: i64) -> i64 {
    let y = marks::Mark("y");
    match lookup(a) {
        Some(_k) => {
            if a > 2 {
                marks::consume(y);
            }
            marks::note("in the arm");
        }
        None => {
            twait! { tame::asap(mkevent!()); }
        }
    }
    marks::note("after");
    0
}

#[test]
fn a_move_on_some_paths_inside_an_arm_binding_a_calls_part_keeps_the_drop_order() {
    on_fresh_loop(|| {
        for a in [1, 3, 4] {
            let n = arm_binding_plain(a);
            let plain = marks::take();
            assert_eq!(result_of(|ev| arm_binding(a, ev)), Some(n));
            assert_eq!(marks::take(), plain, "a = {a}");
        }
    });
}

fn mark_for(n: i64) -> marks::Mark {
    marks::Mark(if n > 0 { "z+" } else { "z-" })
}

fn local_of_a_number_plain(c: bool, d: bool, k: i64) -> i64 {
    let x = marks::Mark("x");
    let n = if c {
        1
    } else {
        let _z = mark_for(k - 3);
        if d {
            marks::consume(x);
        }
        2
    };
    marks::note("after");
    n
}

/// As `branch_local`, the branch's local made by a call on a number
/// variable (`mark_for(k - 3)`): it borrows nothing, so `x`, moved on some
/// paths, lives to its scope's end where it was not moved.
#[tamed]
fn local_of_a_number(c: bool, d: bool, k: i64) -> i64 {
    let x = marks::Mark("x");
    let n = if c {
        twait! { tame::asap(mkevent!()); }
        1
    } else {
        let _z = mark_for(k - 3);
        if d {
            marks::consume(x);
        }
        2
    };
    marks::note("after");
    n
}

#[test]
fn a_move_on_some_paths_beside_a_local_made_from_a_number_keeps_the_drop_order() {
    on_fresh_loop(|| {
        for (c, d) in [(true, false), (false, false), (false, true)] {
            let n = local_of_a_number_plain(c, d, 5);
            let plain = marks::take();
            assert_eq!(result_of(|ev| local_of_a_number(c, d, 5, ev)), Some(n));
            assert_eq!(marks::take(), plain, "c = {c}, d = {d}");
        }
    });
}

// ---- a slot's variable read by value (a copy) before its wait

fn five() -> u32 {
    5
}

/// A variable of a `Copy` type read by value before a twait (`let y =
/// x;`, which the translator cannot tell from a move), filled by a slot
/// whose event is dropped untriggered, and not read after: nothing needs
/// a value for it, and the function goes on, as a plain one would (it
/// panicked, "no value came for `x`"). (What the slot would bring is never
/// read, and rustc says so.)
#[tamed]
#[allow(unused_assignments)]
fn copied_then_slot_dropped() -> u32 {
    let mut x = five();
    let y = x;
    twait! {
        let e: Event<u32> = mkevent!(x);
        drop(e);
    }
    y
}

/// The same, read after: the slot keeps the value it had.
#[tamed]
fn copied_then_slot_dropped_read() -> u32 {
    let mut x = five();
    let y = x;
    twait! {
        let e: Event<u32> = mkevent!(x);
        drop(e);
    }
    x + y
}

#[test]
fn a_copied_slot_variable_whose_event_is_dropped_goes_on() {
    on_fresh_loop(|| {
        assert_eq!(result_of(copied_then_slot_dropped), Some(5));
        assert_eq!(result_of(copied_then_slot_dropped_read), Some(10));
    });
}

// ---- values and locals made from a part bound out of a call on a number

fn opt(n: i64) -> Option<i64> {
    (n % 3 != 0).then_some(n)
}

fn tripled(n: i64) -> i64 {
    n * 3
}

fn part_local_plain(a: i64, c: bool) -> i64 {
    let x = marks::Mark("x");
    let v = if let Some(k) = lookup(a) {
        let _z = mark_for(k - 3);
        if c {
            marks::consume(x);
        }
        k
    } else {
        marks::note("waited");
        0
    };
    marks::note("after");
    v
}

/// A branch local made by a call on `k`, a part bound by value out of a
/// call on a number (`lookup(a)`): it borrows nothing, and `x`, moved on
/// some paths, lives to its scope's end where it was not moved (it was
/// dropped where the branches met).
#[tamed]
fn part_local(a: i64, c: bool) -> i64 {
    let x = marks::Mark("x");
    let v = if let Some(k) = lookup(a) {
        let _z = mark_for(k - 3);
        if c {
            marks::consume(x);
        }
        k
    } else {
        twait! { tame::asap(noting("waited", mkevent!())); }
        0
    };
    marks::note("after");
    v
}

fn part_value_plain(a: i64, b: i64) -> i64 {
    let x = marks::Mark("x");
    let v = if a > 2 {
        marks::note("waited");
        tripled(a)
    } else if let Some(q) = opt(b) {
        marks::consume(x);
        q + 1
    } else {
        tripled(a)
    };
    marks::note("after");
    v
}

/// The value of a waiting `if` made by calls on numbers and of a part
/// bound out of one (`q + 1` with `Some(q)` of `opt(b)`): it borrows
/// nothing, so the state after the `if` may keep it, and `x` lives to its
/// scope's end where it was not moved.
#[tamed]
fn part_value(a: i64, b: i64) -> i64 {
    let x = marks::Mark("x");
    let v = if a > 2 {
        twait! { tame::asap(noting("waited", mkevent!())); }
        tripled(a)
    } else if let Some(q) = opt(b) {
        marks::consume(x);
        q + 1
    } else {
        tripled(a)
    };
    marks::note("after");
    v
}

/// `ev`, noting `what` when it fires.
fn noting(what: &'static str, ev: Event) -> Event {
    ev.map(move |()| marks::note(what))
}

#[test]
fn values_and_locals_made_from_a_part_of_a_call_on_a_number_keep_the_drop_order() {
    on_fresh_loop(|| {
        for (a, c) in [(0, false), (0, true), (1, false)] {
            let n = part_local_plain(a, c);
            let plain = marks::take();
            assert_eq!(result_of(|ev| part_local(a, c, ev)), Some(n));
            assert_eq!(marks::take(), plain, "a = {a}, c = {c}");
        }
        for (a, b) in [(3, 0), (0, 3), (0, 1), (0, 0)] {
            let n = part_value_plain(a, b);
            let plain = marks::take();
            assert_eq!(result_of(|ev| part_value(a, b, ev)), Some(n));
            assert_eq!(marks::take(), plain, "a = {a}, b = {b}");
        }
    });
}

/// An item taken out of an iterator variable whose items borrow
/// (`words.next()`, `words` bound to `line.split_whitespace()`) is a
/// borrow, as `line.split_whitespace().next()` is: used only before the
/// twait, it is not kept across it (it was, for its drop, with `line` in
/// the same state: rustc's "`line` does not live long enough").
#[tamed]
fn command_of(line: String) -> String {
    let mut words = line.split_whitespace();
    let cmd = words.next();
    let arg = words.next().unwrap_or("");
    let is_ping = cmd == Some("PING");
    let arg_len = arg.len();
    twait! { tame::asap(mkevent!()); }
    if is_ping {
        format!("PONG {arg_len}")
    } else {
        "?".into()
    }
}

/// The other ways to take items: `peek`, a pair of `next`s, a `_`
/// binding, `splitn`, `lines`, `v.iter()`; and the type written as
/// `Option<&T>`, which obviously has no drop (it was kept for one).
#[tamed]
fn items_taken_before_a_wait(text: String, v: Vec<u32>) -> usize {
    let mut lines = text.lines().peekable();
    let first = lines.peek();
    let mut total = first.map_or(0, |l| l.len());
    let mut parts = text.splitn(3, ' ');
    let (a, b) = (parts.next().unwrap(), parts.next().unwrap());
    let _rest = parts.next();
    total += a.len() + b.len();
    let mut it = v.iter();
    let x: Option<&u32> = it.next();
    total += *x.unwrap_or(&0) as usize;
    let mut words = text.split(' ');
    let w: Option<&str> = words.next();
    total += w.map_or(0, str::len);
    twait! { tame::asap(mkevent!()); }
    total + text.len() + v.len()
}

#[test]
fn items_of_an_iterator_variable_that_borrow_are_not_kept_across_a_twait() {
    on_fresh_loop(|| {
        let got = result_of(|ev| command_of("PING now".to_owned(), ev));
        assert_eq!(got.as_deref(), Some("PONG 3"));
        let got = result_of(|ev| command_of("QUIT".to_owned(), ev));
        assert_eq!(got.as_deref(), Some("?"));
        // "ab c de": first line 7, "ab" + "c" 3, v[0] 5, "ab" 2, then
        // 7 + 2.
        let got = result_of(|ev| items_taken_before_a_wait("ab c de".to_owned(), vec![5, 6], ev));
        assert_eq!(got, Some(7 + 3 + 5 + 2 + 7 + 2));
    });
}

/// A variable given a value in a labeled block that a `break` may leave
/// before the assignment (`'b: { if skip { break 'b; } c = 1; }`), after a
/// twait: its old value is kept for the path that skips it (the machine
/// declared it without one: E0381 at its read).
#[tamed]
fn set_unless_skipped(skip: bool) -> u32 {
    let mut c = 7;
    twait! { tame::asap(mkevent!()); }
    'b: {
        if skip {
            break 'b;
        }
        c = 1;
    }
    let k = 'v: {
        if skip {
            break 'v 10;
        }
        c += 1;
        20
    };
    c + k
}

/// The same with an `if` that assigns on both branches inside the labeled
/// block, and an assignment after a `continue` in a block statement of a
/// loop that waits: neither is certain.
#[tamed]
fn set_on_both_branches_unless_skipped(skip: bool, c: bool) -> u32 {
    let mut x = 7;
    twait! { tame::asap(mkevent!()); }
    'b: {
        if skip {
            break 'b;
        }
        if c {
            x = 1;
        } else {
            x = 2;
        }
    }
    let mut b = 1;
    for i in 0..2u32 {
        twait! { tame::asap(mkevent!()); }
        {
            if skip {
                continue;
            }
            b = i + 5;
        }
    }
    x * 100 + b
}

/// A closure that assigns a variable, made after a twait, the variable
/// not read after it: the capture needs the variable's value (the machine
/// declared it without one: E0381 at the closure).
#[tamed]
#[allow(unused_assignments)]
fn set_by_a_closure(n: u32) -> u32 {
    let mut c = 0;
    twait! { tame::asap(mkevent!()); }
    let mut set = |v| c = v;
    set(n);
    n
}

/// `write!`/`writeln!` lints after a twait reach the user's statement,
/// where an `#[expect]` takes them (unfulfilled, it would be a warning).
#[tamed]
fn written() -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    twait! { tame::asap(mkevent!()); }
    #[expect(clippy::write_with_newline)]
    let _ = write!(s, "x\n");
    #[expect(clippy::writeln_empty_string)]
    let _ = writeln!(s, "");
    s
}

#[test]
fn writes_a_labeled_block_or_a_closure_may_skip_keep_the_old_value() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| set_unless_skipped(true, ev)), Some(17));
        assert_eq!(result_of(|ev| set_unless_skipped(false, ev)), Some(22));
        assert_eq!(result_of(|ev| set_by_a_closure(4, ev)), Some(4));
        for (skip, c, want) in [(true, true, 701), (false, true, 106), (false, false, 206)] {
            let got = result_of(|ev| set_on_both_branches_unless_skipped(skip, c, ev));
            assert_eq!(got, Some(want), "skip = {skip}, c = {c}");
        }
        assert_eq!(result_of(written).as_deref(), Some("x\n\n"));
    });
}

/// A `move` closure made in a loop without a twait that gave the captured
/// variable a new value first, after a branch that moved it or waited:
/// the capture moves the loop's value, not the one the variable had (it
/// was taken to move that one, and the state after the branch to have
/// none to keep: E0382 at the branch).
#[tamed]
fn closures_over_new_values(c: bool) -> usize {
    let mut v = String::from("v");
    if c {
        drop(v);
    } else {
        twait! { tame::asap(mkevent!()); }
    }
    let mut lens = 0;
    for i in 0..2 {
        v = format!("v{i}");
        let f = move || String::into_bytes(v).len();
        if c {
            lens += f();
        }
    }
    twait! { tame::asap(mkevent!()); }
    lens
}

#[test]
fn a_move_closure_over_a_value_a_loop_gave_compiles_and_runs() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| closures_over_new_values(true, ev)), Some(4));
        assert_eq!(result_of(|ev| closures_over_new_values(false, ev)), Some(0));
    });
}

#[tamed]
fn give_after_a_turn(v: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    v
}

/// A raw pointer made after a twait, as the limits table advises, to a
/// variable that nothing else reads (a number, a slot): `&raw const x` and
/// `&raw mut x` are uses of `x` (the translator did not see them: "cannot
/// find value `n`", or E0381 naming a loop at `#[tamed]`).
#[tamed]
fn raw_pointers_after_a_twait(x: u32) -> u32 {
    let n = x + 1;
    let mut m = x + 2;
    let mut got = 0;
    twait! { give_after_a_turn(x, mkevent!(got)); }
    let p = &raw const n;
    let q = &raw mut m;
    let s = &raw const got;
    // SAFETY: each points to a live local of this resumption, and nothing
    // else uses them meanwhile.
    unsafe {
        *q += 1;
        *p + *q + *s
    }
}

#[test]
fn raw_pointers_made_after_a_twait_reach_their_variables() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|ev| raw_pointers_after_a_twait(5, ev)),
            Some(6 + 8 + 5)
        );
    });
}

/// A trait whose tamed method returns `<Self as Projected>::Out`, the
/// qualified form of `Self::Out`: that is no `Self` by value, and the
/// method stays callable from a default method and on a `dyn` (it was
/// given `where Self: Sized`: E0277 "the size for values of type `Self`
/// cannot be known").
trait Projected {
    type Out: Default + std::fmt::Debug + 'static;
    #[tamed]
    fn produce(self: std::rc::Rc<Self>) -> <Self as Projected>::Out;
    #[tamed]
    fn described(self: std::rc::Rc<Self>) -> String {
        let mut o = <Self as Projected>::Out::default();
        twait! { self.clone().produce(mkevent!(o)); }
        format!("{o:?}")
    }
}

struct Sevens;

impl Projected for Sevens {
    type Out = u32;
    #[tamed]
    fn produce(self: std::rc::Rc<Self>) -> u32 {
        twait! { tame::asap(mkevent!()); }
        7
    }
}

#[test]
fn a_method_returning_a_qualified_projection_of_self_stays_object_safe() {
    on_fresh_loop(|| {
        let dynamic: std::rc::Rc<dyn Projected<Out = u32>> = std::rc::Rc::new(Sevens);
        assert_eq!(result_of(|ev| dynamic.produce(ev)), Some(7));
        let described = result_of(|ev| Projected::described(std::rc::Rc::new(Sevens), ev));
        assert_eq!(described.as_deref(), Some("7"));
    });
}

/// A `let .. else` in a loop without a twait whose `else` moves a
/// variable and breaks, with a twait after the loop: the loop's end sees
/// the move (it was taken for a path leaving the function: the machine
/// kept the moved variable across the twait, rustc's E0382 there).
#[tamed]
fn let_else_moves_and_breaks(items: Vec<Option<u32>>, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    let x = Noisy("drop x", log.clone());
    let mut sum = 0;
    let mut i = 0;
    loop {
        let Some(y) = items[i] else {
            drop(x);
            break;
        };
        sum += y;
        i += 1;
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after the twait");
    sum
}

#[test]
fn a_let_else_that_moves_and_breaks_out_of_a_loop_moves_for_good() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let items = vec![Some(1), Some(2), None];
        let got = result_of(|ev| let_else_moves_and_breaks(items, log.clone(), ev));
        assert_eq!(got, Some(3));
        assert_eq!(*log.borrow(), ["drop x", "after the twait"]);
    });
}

fn give_written(ev: Event<(Noisy, io::Result<()>)>, log: Rc<RefCell<Vec<&'static str>>>) {
    ev.trigger((Noisy("drop buf", log), Ok(())));
}

/// `sent.1?` on a `(buf, result)` slot, as one writes `write_all(..).await?`,
/// with a twait after it and nothing of `sent` used after: it compiles,
/// and the rest of `sent` is dropped at that twait (a partly moved
/// variable cannot be kept: rustc's "use of partially moved value" there).
#[tamed]
fn write_then_wait(log: Rc<RefCell<Vec<&'static str>>>) -> io::Result<u32> {
    let sent: (Noisy, io::Result<()>);
    twait! { give_written(mkevent!(sent), log.clone()); }
    sent.1?;
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after the second twait");
    Ok(1)
}

#[test]
fn a_field_taken_by_question_mark_from_a_slot_compiles_across_a_later_twait() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let got = result_of(|ev| write_then_wait(log.clone(), ev));
        assert_eq!(got.map(|r| r.ok()), Some(Some(1)));
        assert_eq!(*log.borrow(), ["drop buf", "after the second twait"]);
    });
}

/// `sent.1.unwrap()` and `sent.1.expect(..)` on such a slot, as
/// `sent.1?`: the rest of `sent` is dropped at the next twait (it was
/// rustc's "use of partially moved value" there, with a hint to clone).
#[tamed]
fn unwrap_then_wait(log: Rc<RefCell<Vec<&'static str>>>, expect: bool) -> u32 {
    let sent: (Noisy, io::Result<()>);
    twait! { give_written(mkevent!(sent), log.clone()); }
    if expect {
        sent.1.expect("written");
    } else {
        sent.1.unwrap();
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after the second twait");
    1
}

fn give_pair(ev: Event<(Noisy, Option<u32>)>, log: Rc<RefCell<Vec<&'static str>>>) {
    ev.trigger((Noisy("drop pair", log), Some(7)));
}

/// A field that `unwrap` copies (an `Option<u32>`) leaves the slot whole:
/// it is still kept across the twait for a use after it.
#[tamed]
fn copied_field_then_wait(log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    let got: (Noisy, Option<u32>);
    twait! { give_pair(mkevent!(got), log.clone()); }
    let n = got.1.unwrap();
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after the second twait");
    let _kept = &got.0;
    n + got.1.unwrap()
}

#[test]
fn a_field_unwrapped_from_a_slot_compiles_across_a_later_twait() {
    on_fresh_loop(|| {
        for expect in [false, true] {
            let log = Rc::new(RefCell::new(Vec::new()));
            let got = result_of(|ev| unwrap_then_wait(log.clone(), expect, ev));
            assert_eq!(got, Some(1));
            assert_eq!(*log.borrow(), ["drop buf", "after the second twait"]);
        }
        let log = Rc::new(RefCell::new(Vec::new()));
        let got = result_of(|ev| copied_field_then_wait(log.clone(), ev));
        assert_eq!(got, Some(14));
        assert_eq!(*log.borrow(), ["after the second twait", "drop pair"]);
    });
}

/// A `let .. else` (or a `match` arm) that moves a variable and leaves the
/// loop by a labeled `break` from inside a loop of its own: the move is
/// seen after the outer loop (a `break 'outer` through an inner loop was
/// not taken for a jump out, and the move was forgotten: E0382 at the
/// twait after the loop).
#[tamed]
fn labeled_break_through_an_inner_loop(
    items: Vec<Option<u32>>,
    log: Rc<RefCell<Vec<&'static str>>>,
) -> u32 {
    let x = Noisy("drop x", log.clone());
    let y = Noisy("drop y", log.clone());
    let mut sum = 0;
    let mut i = 0;
    'outer: loop {
        let Some(v) = items[i] else {
            for k in 0..3 {
                if k == 1 {
                    drop(x);
                    break 'outer;
                }
            }
            return 0;
        };
        sum += v;
        i += 1;
    }
    'again: for v in &items {
        match v {
            Some(v) => sum += v,
            None => {
                for k in 0..3 {
                    if k == 2 {
                        drop(y);
                        break 'again;
                    }
                }
            }
        }
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after the twait");
    sum
}

#[test]
fn a_labeled_break_through_an_inner_loop_keeps_the_branch_moves() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let items = vec![Some(1), Some(2), None];
        let got = result_of(|ev| labeled_break_through_an_inner_loop(items, log.clone(), ev));
        assert_eq!(got, Some(6));
        assert_eq!(*log.borrow(), ["drop x", "drop y", "after the twait"]);
    });
}

struct Session {
    _held: Noisy,
    quota: Option<u32>,
}

/// A `Copy` field read by `?` out of a struct that holds a guard: nothing
/// is moved, and the struct lives to its scope's end, guard and all (a
/// field taken by `?` was counted as a move of the whole variable: the
/// guard went at the twait, inside what the function took for its
/// critical section).
#[tamed]
fn copy_field_by_question_mark(log: Rc<RefCell<Vec<&'static str>>>) -> Option<u32> {
    let s = Session {
        _held: Noisy("drop the guard", log.clone()),
        quota: Some(3),
    };
    let q = s.quota?;
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after the twait");
    Some(q)
}

#[test]
fn a_copy_field_read_by_question_mark_keeps_its_struct_to_the_end() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(
            result_of(|ev| copy_field_by_question_mark(log.clone(), ev)),
            Some(Some(3))
        );
        assert_eq!(*log.borrow(), ["after the twait", "drop the guard"]);
    });
}

/// A `break 'w` in a labeled `while`'s own condition, inside a branch
/// that then returns: it stays in the branch, and a variable the branch
/// moves is kept on the other paths to its scope's end (it was taken for
/// a jump out of the branch: the variable went at the twait).
#[allow(clippy::while_immutable_condition)]
#[tamed]
fn break_in_a_while_condition(k: u32, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    let x = Noisy("drop x", log.clone());
    for i in 0..3 {
        if i == k {
            'w: while {
                if i == 1 {
                    break 'w;
                }
                false
            } {}
            drop(x);
            return 0;
        }
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after the twait");
    1
}

#[test]
fn a_break_in_a_while_condition_stays_in_its_branch() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(
            result_of(|ev| break_in_a_while_condition(5, log.clone(), ev)),
            Some(1)
        );
        assert_eq!(*log.borrow(), ["after the twait", "drop x"]);
    });
}

#[tamed]
fn fetch_name(k: u32) -> String {
    twait! { tame::asap(mkevent!()); }
    format!("v{k}")
}

/// The cache-or-fetch shape: a variable declared without a value,
/// assigned by one branch and filled by a slot in a later one (the slot
/// was taken for a store that keeps the value the earlier branch had
/// assigned: rustc's "possibly-uninitialized" (E0381) at the slot).
#[tamed]
fn cached_or_fetched(cached: Option<String>, k: u32) -> String {
    let v: String;
    if let Some(c) = cached {
        v = c;
    } else {
        twait! { fetch_name(k, mkevent!(v)); }
    }
    let n: String;
    match k {
        0 => n = "zero".to_owned(),
        _ => {
            twait! { fetch_name(k + 10, mkevent!(n)); }
        }
    }
    format!("{v}/{n}")
}

#[tamed]
fn assigned_first_then_slot(fast: bool, k: u32) -> String {
    let x: String;
    if fast {
        x = "fast".to_owned();
    } else if k == 7 {
        twait! { fetch_name(k, mkevent!(x)); }
    } else {
        x = "slow".to_owned();
    }
    x
}

#[test]
fn a_branch_fills_by_a_slot_what_an_earlier_branch_assigns() {
    on_fresh_loop(|| {
        let got = |c: Option<&str>, k| result_of(|ev| cached_or_fetched(c.map(Into::into), k, ev));
        assert_eq!(got(Some("c"), 0).as_deref(), Some("c/zero"));
        assert_eq!(got(None, 1).as_deref(), Some("v1/v11"));
        assert_eq!(got(None, 2).as_deref(), Some("v2/v12"));
        let got = |fast, k| result_of(|ev| assigned_first_then_slot(fast, k, ev));
        assert_eq!(got(true, 7).as_deref(), Some("fast"));
        assert_eq!(got(false, 7).as_deref(), Some("v7"));
        assert_eq!(got(false, 8).as_deref(), Some("slow"));
    });
}

/// A future pinned with `pin!` and polled before a twait only is not kept
/// across it (its borrow ends there), as in a plain function.
#[tamed]
fn pinned_before_a_twait_only(x: u32) -> u32 {
    let got = {
        let mut f = std::pin::pin!(async move { x + 1 });
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        std::future::Future::poll(f.as_mut(), &mut cx)
    };
    let mut f = std::pin::pin!(async move { x * 10 });
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let more = std::future::Future::poll(f.as_mut(), &mut cx);
    twait! { tame::asap(mkevent!()); }
    match (got, more) {
        (std::task::Poll::Ready(a), std::task::Poll::Ready(b)) => a + b,
        _ => 0,
    }
}

#[test]
fn a_pinned_future_used_before_a_twait_only_compiles() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| pinned_before_a_twait_only(2, ev)), Some(23));
    });
}

/// Appends "!" to `s` after a turn, with a count.
#[tamed]
fn bump_later(s: String, done: Event<(String, u32)>) {
    twait! { tame::asap(mkevent!()); }
    let n = u32::try_from(s.len()).unwrap_or(0);
    done.trigger((s + "!", n));
}

/// A slot taken apart (moved out whole) and filled again by a later wait,
/// with no loop: as `got = bump(s);` in a plain function, the wait gives it
/// its new value (it was rustc's "use of partially moved value" at the
/// twait, with a hint to borrow in the pattern).
#[tamed]
fn refill_after_moving_out() -> (String, u32) {
    let mut got: (String, u32);
    twait! { bump_later("a".into(), mkevent!(got)); }
    let (s, first) = got;
    twait! { bump_later(s, mkevent!(got)); }
    (got.0, first + got.1)
}

#[test]
fn a_slot_moved_out_whole_is_filled_again_by_a_later_wait() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(refill_after_moving_out),
            Some(("a!!".to_owned(), 3))
        );
    });
}

/// A variable given its value in every branch but one that exits the
/// process through `std::process::exit`: the translator knows that call
/// does not return (it was rustc's "possibly-uninitialized" at the read
/// after the twait), as it knows `panic!`. (The late `let x;` is the shape
/// under test, which clippy would write as `let x = match ..`.)
#[allow(clippy::needless_late_init)]
#[tamed]
fn value_or_exit(arg: Option<u32>) -> u32 {
    let x;
    match arg {
        Some(n) => x = n,
        None => std::process::exit(2),
    }
    let y;
    if let Some(n) = arg {
        y = n + 1;
    } else {
        std::process::abort();
    }
    twait! { tame::asap(mkevent!()); }
    x + y
}

#[test]
fn a_branch_that_exits_the_process_leaves_no_variable_unset() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| value_or_exit(Some(3), ev)), Some(7));
    });
}

/// Raw pointers that a twait leaves valid: one into a `Box` (the heap does
/// not move with the function's variables) kept across the wait, and one
/// to a variable used before the wait only.
#[tamed]
fn raw_pointers_that_stay_valid() -> u32 {
    let mut boxed = Box::new(5u32);
    let into_box = &raw mut *boxed;
    let mut x = 1u32;
    let to_x = &raw mut x;
    // SAFETY: `x` is alive and not borrowed otherwise here.
    unsafe { *to_x += 1 };
    twait! { tame::asap(mkevent!()); }
    // SAFETY: the box is alive and its heap memory never moved.
    unsafe { *into_box = 7 };
    *boxed + x
}

#[test]
fn a_raw_pointer_into_a_box_is_kept_across_a_twait() {
    on_fresh_loop(|| {
        assert_eq!(result_of(raw_pointers_that_stay_valid), Some(9));
    });
}

/// A variable that borrows, copied or taken apart before a twait and not
/// used after it: the copies and parts borrow what it borrows, and go as
/// it goes (they were kept to their scope's end, holding the borrow across
/// the twait: rustc's "does not live long enough" at `#[tamed]`).
#[tamed]
fn parts_of_a_borrow(pair: (String, String)) -> usize {
    let r = &pair;
    let (a, b) = r;
    let r2 = r;
    let s = a.len() + b.len() + r2.0.len();
    twait! { tame::asap(mkevent!()); }
    s + pair.0.len()
}

struct Item {
    name: String,
}

#[tamed]
fn field_of_a_borrowed_item(items: Vec<Item>) -> usize {
    let n = if let Some(item) = items.first() {
        let Item { name } = item;
        let n = name.len();
        twait! { tame::asap(mkevent!()); }
        n
    } else {
        0
    };
    n + items.len()
}

#[test]
fn copies_and_parts_of_a_borrow_go_with_their_last_use() {
    on_fresh_loop(|| {
        let pair = ("ab".to_owned(), "c".to_owned());
        assert_eq!(result_of(|ev| parts_of_a_borrow(pair, ev)), Some(7));
        let items = vec![Item { name: "xyz".into() }];
        assert_eq!(result_of(|ev| field_of_a_borrowed_item(items, ev)), Some(4));
    });
}

/// An `AsyncFnOnce` parameter is gone once called, as a `FnOnce` is: its
/// call before a twait moves it (it was rustc's "use of moved value" at the
/// twait, inside a loop the user did not write).
#[tamed]
fn run_async_job(job: impl AsyncFnOnce() -> u32 + 'static) -> u32 {
    let fut = job();
    let mut r = 0;
    twait! { tame::spawn(fut, mkevent!(r)); }
    r
}

#[test]
fn an_async_fn_once_parameter_is_moved_by_its_call() {
    on_fresh_loop(|| {
        let s = String::from("four");
        assert_eq!(
            result_of(|ev| run_async_job(async move || s.len() as u32, ev)),
            Some(4)
        );
    });
}

/// Triggers `ev` with `v` at once.
fn give_now(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

/// A slot declared under a `cfg` and filled by an event made under it: in
/// a build without it, neither is there (the store of its value was not
/// under the `cfg`, and named the machine's variable for it).
#[tamed]
fn cfg_slot_compiled_out() -> u32 {
    #[cfg(not(test))]
    let extra;
    let mut a = 0;
    twait! {
        give_now(1, mkevent!(a));
        #[cfg(not(test))]
        give_now(2, mkevent!(extra));
    }
    a
}

/// The same in a build with it.
#[tamed]
fn cfg_slot_compiled_in() -> (u32, u32) {
    #[cfg(test)]
    let extra;
    let mut a = 0;
    twait! {
        give_now(1, mkevent!(a));
        #[cfg(test)]
        give_now(2, mkevent!(extra));
    }
    (a, extra)
}

#[test]
fn a_slot_under_a_cfg_is_stored_under_it() {
    on_fresh_loop(|| {
        assert_eq!(result_of(cfg_slot_compiled_out), Some(1));
        assert_eq!(result_of(cfg_slot_compiled_in), Some((1, 2)));
    });
}

// ---- a `FnOnce` taken out of a variable of its own name

/// `if let Some(cb) = cb` with `cb` an `Option<Box<dyn FnOnce>>`: the new
/// `cb` holds the closure, which its call moves (the scrutinee is judged
/// before the pattern's `cb` shadows it).
#[tamed]
fn notify_then_wait(cb: Option<Box<dyn FnOnce(u32)>>, log: Rc<RefCell<Vec<String>>>) {
    if let Some(cb) = cb {
        cb(5);
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push("waited".into());
    }
}

/// The same in a `match` of a `Result`, and of a generic `FnOnce`.
#[tamed]
#[allow(clippy::type_complexity)]
fn notify_by_match<F: FnOnce(u32) + 'static>(
    cb: Result<F, String>,
    jobs: Option<Vec<Box<dyn FnOnce(u32)>>>,
) -> u32 {
    let mut n = 0;
    match cb {
        Ok(cb) => {
            cb(6);
            twait! { tame::asap(mkevent!()); }
            n += 1;
        }
        Err(e) => panic!("{e}"),
    }
    if let Some(jobs) = jobs {
        for job in jobs {
            job(7);
            twait! { tame::asap(mkevent!()); }
            n += 1;
        }
    }
    n
}

#[test]
fn a_fn_once_taken_out_of_a_variable_of_its_own_name_is_called() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        notify_then_wait(
            Some(Box::new(move |n| l.borrow_mut().push(format!("cb {n}")))),
            log.clone(),
        );
        tame::run();
        assert_eq!(*log.borrow(), ["cb 5", "waited"]);
        let l = log.clone();
        let cb = move |n| l.borrow_mut().push(format!("match {n}"));
        let jobs: Vec<Box<dyn FnOnce(u32)>> = (0..2)
            .map(|i| {
                let l = log.clone();
                Box::new(move |n| l.borrow_mut().push(format!("job {i} {n}")))
                    as Box<dyn FnOnce(u32)>
            })
            .collect();
        assert_eq!(
            result_of(|d| notify_by_match(Ok(cb), Some(jobs), d)),
            Some(3)
        );
        assert_eq!(log.borrow()[2..], ["match 6", "job 0 7", "job 1 7"]);
    });
}

// ---- what `peek`, `front` and `back` lend, used before a twait

/// The item `peek()` lends is read before the twait, the iterator goes on
/// after it; so for a `VecDeque`'s `front()` and `back()`.
#[tamed]
fn pairs_by_peeking(v: Vec<u32>) -> Vec<u32> {
    let mut out = Vec::new();
    let mut it = v.into_iter().peekable();
    while let Some(p) = it.peek() {
        let q = *p;
        twait! { tame::asap(mkevent!()); }
        out.push(q + it.next().unwrap());
    }
    let mut d: std::collections::VecDeque<u32> = out.iter().copied().collect();
    if let Some(f) = d.front() {
        let f = *f;
        twait! { tame::asap(mkevent!()); }
        d.push_back(f);
    }
    if let Some(b) = d.back() {
        let b = *b + 1;
        twait! { tame::asap(mkevent!()); }
        d.push_back(b);
    }
    d.into_iter().collect()
}

#[test]
fn an_item_peeked_or_at_the_front_is_read_before_a_twait() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| pairs_by_peeking(vec![1, 2], d)),
            Some(vec![2, 4, 2, 3])
        );
    });
}

// ---- one `let` per configuration, of a value with no drop

/// `#[cfg(a)] let y: u32 = ..; #[cfg(not(a))] let y: u32 = ..;` kept across
/// a twait: the compiled-out `let` leaves nothing of its own behind (this
/// was "cannot find value `y`" at the first `let`).
#[tamed]
fn one_let_per_configuration() -> u32 {
    #[cfg(not(test))]
    let y: u32 = 1;
    #[cfg(test)]
    let y: u32 = 2;
    twait! { tame::asap(mkevent!()); }
    y
}

#[test]
fn a_number_declared_once_per_configuration_is_kept() {
    on_fresh_loop(|| assert_eq!(result_of(one_let_per_configuration), Some(2)));
}

// ---- an arm's borrow of the scrutinee's own temporary, used before a twait

/// A value that logs its drop.
struct Temp(&'static str, Rc<RefCell<Vec<String>>>);

impl Drop for Temp {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("drop {}", self.0));
    }
}

fn temp(name: &'static str, log: &Rc<RefCell<Vec<String>>>) -> Temp {
    Temp(name, log.clone())
}

/// `match &make() { x => .. }` and its kin bind references into a
/// temporary of the scrutinee; used before the arm's twait only, they are
/// not kept (this was E0716, "temporary value dropped while borrowed", at
/// `#[tamed]`). The temporary is dropped at the first twait, as the README
/// says of a scrutinee's temporaries.
// One-arm matches are among the shapes under test.
#[allow(clippy::match_single_binding, clippy::single_match)]
#[tamed]
fn arms_borrowing_a_temporary(log: Rc<RefCell<Vec<String>>>) {
    match &temp("a", &log) {
        x => {
            log.borrow_mut().push(x.0.to_owned());
            twait! { tame::asap(mkevent!()); }
            log.borrow_mut().push("after a".to_owned());
        }
    }
    if let Some(x) = &Some(temp("b", &log)) {
        log.borrow_mut().push(x.0.to_owned());
        twait! { tame::asap(mkevent!()); }
    }
    let mut rounds = 0;
    while let Some(x) = &Some(temp("c", &log)) {
        log.borrow_mut().push(x.0.to_owned());
        twait! { tame::asap(mkevent!()); }
        rounds += 1;
        if rounds == 2 {
            break;
        }
    }
    match (&temp("d", &log), 1) {
        (x, _) => {
            log.borrow_mut().push(x.0.to_owned());
            twait! { tame::asap(mkevent!()); }
        }
    }
    match &vec![temp("e", &log)][..] {
        [x] => {
            log.borrow_mut().push(x.0.to_owned());
            twait! { tame::asap(mkevent!()); }
        }
        _ => {}
    }
    // A promoted constant is `'static`: kept, and read after the twait.
    if let Some(n) = &Some(5) {
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push(n.to_string());
    }
    // So is what a function gives by `&'static`, reached through a
    // reference to its temporary: kept too.
    if let [n] = &static_names()[0..1] {
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push((*n).to_owned());
    }
    // A copy taken out through a `&` pattern is kept.
    if let &Some(n) = &static_names().first().copied() {
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push(format!("{n} copy"));
    }
}

fn static_names() -> &'static [&'static str] {
    &["static"]
}

fn static_name() -> Option<&'static str> {
    Some("typed")
}

/// What is bound of a reference to a temporary and is kept across a twait
/// compiles as in a plain function where the plain one's value outlives
/// the temporary: a `&'static` taken out by a typed `let`, a promoted
/// constant the translator cannot judge (`&(1 + 2)`), a copy a `mut`
/// name takes in edition 2021.
#[allow(clippy::match_single_binding)]
#[tamed]
fn references_kept_across_a_twait(log: Rc<RefCell<Vec<String>>>) {
    if let Some(x) = &static_name() {
        let v: &str = x;
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push(v.to_owned());
    }
    match &(1 + 2) {
        c => {
            twait! { tame::asap(mkevent!()); }
            log.borrow_mut().push(c.to_string());
        }
    }
    match &(1, temp("pair", &log)) {
        (mut a, _) => {
            a += 1;
            twait! { tame::asap(mkevent!()); }
            log.borrow_mut().push(a.to_string());
        }
    }
}

#[test]
fn what_outlives_a_scrutinees_temporary_is_kept_across_a_twait() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        references_kept_across_a_twait(log.clone());
        tame::run();
        assert_eq!(*log.borrow(), ["typed", "3", "drop pair", "2"]);
    });
}

#[test]
fn an_arm_may_borrow_the_scrutinees_temporary_before_its_twait() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        arms_borrowing_a_temporary(log.clone());
        tame::run();
        assert_eq!(
            *log.borrow(),
            [
                "a",
                "drop a",
                "after a",
                "b",
                "drop b",
                "c",
                "drop c",
                "c",
                "drop c",
                "d",
                "drop d",
                "e",
                "drop e",
                "5",
                "static",
                "static copy"
            ]
        );
    });
}

/// What a method gives is judged by no name when the scrutinee makes it: a
/// guard (`registry().lock()`) or a value of a type's own `first()` is
/// kept to the end of its arm, as in a plain function, and a view of a
/// `&'static` (`Path::new(p).to_str()`) is kept across the twait.
#[tamed]
fn values_a_scrutinee_makes_by_method(log: Rc<RefCell<Vec<String>>>) {
    if let Ok(mut g) = registry().lock() {
        g.push(1);
        twait! { tame::asap(mkevent!()); }
        let held = registry().try_lock().is_err();
        log.borrow_mut().push(format!("held {held}"));
    }
    if let Some(_t) = (Shelf(log.clone())).first() {
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push("end of if let".to_owned());
    }
    if let Some(s) = std::path::Path::new("/tmp/x").to_str() {
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push(s.to_owned());
    }
}

fn registry() -> &'static Mutex<Vec<u32>> {
    static R: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    &R
}

/// A type whose `first()` gives an owned value, which drops.
struct Shelf(Rc<RefCell<Vec<String>>>);

impl Shelf {
    fn first(&self) -> Option<Temp> {
        Some(Temp("first", self.0.clone()))
    }
}

#[test]
fn a_value_a_scrutinees_method_makes_is_kept_to_the_end_of_its_arm() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        values_a_scrutinee_makes_by_method(log.clone());
        tame::run();
        assert_eq!(
            *log.borrow(),
            ["held true", "end of if let", "drop first", "/tmp/x"]
        );
    });
}

// ---- anyhow's `.context(..)?` on a variable, then a twait

/// What anyhow's `Context` is: by-value methods of `Result` (and `Option`).
trait Context<T> {
    fn context(self, what: &str) -> Result<T, String>;
    fn with_context<F: FnOnce() -> String>(self, what: F) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Context<T> for Result<T, E> {
    fn context(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
    fn with_context<F: FnOnce() -> String>(self, what: F) -> Result<T, String> {
        self.map_err(|e| format!("{}: {e}", what()))
    }
}

/// `got.context("..")?` moves `got` (its value is the `?`'s operand), so
/// nothing keeps it across the twait after (this was rustc's E0382 "use of
/// moved value" at that twait for a value that is no copy).
#[tamed]
fn context_then_wait(
    got: Result<String, String>,
    more: Result<String, String>,
) -> Result<String, String> {
    let line = got.context("reading")?;
    twait! { tame::asap(mkevent!()); }
    let next = more.with_context(|| format!("after {line}"))?;
    twait! { tame::asap(mkevent!()); }
    Ok(format!("{line} {next}"))
}

#[test]
fn a_value_given_to_context_and_tried_is_moved() {
    on_fresh_loop(|| {
        assert_eq!(
            result_of(|d| context_then_wait(Ok("a".into()), Ok("b".into()), d)),
            Some(Ok("a b".to_owned()))
        );
        assert_eq!(
            result_of(|d| context_then_wait(Ok("a".into()), Err("eof".into()), d)),
            Some(Err("after a: eof".to_owned()))
        );
        assert_eq!(
            result_of(|d| context_then_wait(Err("eof".into()), Ok("b".into()), d)),
            Some(Err("reading: eof".to_owned()))
        );
    });
}

/// A borrowing `context` of a type of one's own, whose value is not the
/// `?`'s operand (`y.and(s.context(1))?`): `s` is no move, and lives to
/// its scope's end (the `?`'s judgement leaked to it); and a parenthesized
/// operand, `(got.context(..))?`, is one.
struct Owner(Temp);

impl Owner {
    fn context(&self, n: u32) -> Result<u32, String> {
        Ok(n + self.0 .0.len() as u32)
    }
}

#[tamed]
fn context_beside_a_tried_call(
    log: Rc<RefCell<Vec<String>>>,
    got: Result<String, String>,
) -> Result<u32, String> {
    let s = Owner(temp("s", &log));
    let y: Result<u32, String> = Ok(3);
    let v = y.and(s.context(1))?;
    let line = (got.context("reading"))?;
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push(format!("after the twait {v} {line}"));
    Ok(v)
}

#[test]
fn only_the_tried_call_is_judged_a_move() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        assert_eq!(
            result_of(move |d| context_beside_a_tried_call(l, Ok("x".into()), d)),
            Some(Ok(2))
        );
        assert_eq!(*log.borrow(), ["after the twait 2 x", "drop s"]);
    });
}

// ---- a shadowing `let` whose construct moves a variable on some paths

/// `let n = if c { eat(g); n + 1 } else { n + 2 };` names the `n` it
/// shadows (or a field named like it, `p.name`): the value is held by a
/// variable of another name meanwhile, so the move of `g` on one path is
/// the construct's, and on the other `g` lives to its scope's end (it was
/// dropped at the next twait).
#[tamed]
fn shadowing_let_moving_on_some_paths(c: bool, log: Rc<RefCell<Vec<String>>>) {
    let g = temp("g", &log);
    let x = temp("x", &log);
    let z = temp("z", &log);
    let n = 5u32;
    let n = if c {
        drop(g);
        n + 1
    } else {
        n + 2
    };
    let x = match c {
        true => {
            drop(x);
            temp("x2", &log)
        }
        false => temp("x2b", &log),
    };
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push(format!("end {n} {}", x.0));
    let _ = &z;
}

#[test]
fn a_shadowing_let_that_moves_on_some_paths_drops_in_rusts_order() {
    on_fresh_loop(|| {
        for (c, want) in [
            (
                false,
                &["end 7 x2b", "drop x2b", "drop z", "drop x", "drop g"][..],
            ),
            (
                true,
                &["drop g", "drop x", "end 6 x2", "drop x2", "drop z"][..],
            ),
        ] {
            let log = Rc::new(RefCell::new(Vec::new()));
            shadowing_let_moving_on_some_paths(c, log.clone());
            tame::run();
            assert_eq!(*log.borrow(), want, "c = {c}");
        }
    });
}

/// The holder of such a `let`'s value is named from the variable's name:
/// a raw identifier's (`r#type`: the attribute panicked, "not a valid
/// identifier"), one that is no snake case name to rustc once joined
/// (`n_`, `N`: "should have a snake case name" at the user's `let`, an
/// error under `deny(warnings)`, as here). A value that borrows the
/// shadowed variable (`&s[..1]`) is left to the plain code, which compiles
/// (the holder's state kept the variable it borrows).
#[allow(non_snake_case)]
#[tamed]
fn shadowing_lets_of_unusual_names(c: bool, log: Rc<RefCell<Vec<String>>>) {
    let g = temp("g", &log);
    let h = temp("h", &log);
    let k = temp("k", &log);
    let r#type = 5u32;
    let r#type = if c {
        drop(g);
        r#type + 1
    } else {
        r#type + 2
    };
    let n_ = 1u32;
    let n_ = if c {
        drop(h);
        n_ + 1
    } else {
        n_
    };
    let N = 1u32;
    let N = if c { N + 1 } else { N };
    let s = String::from("hello");
    let s = if c {
        drop(k);
        &s[..1]
    } else {
        &s[..]
    };
    log.borrow_mut().push(s.to_owned());
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push(format!("end {} {n_} {N}", r#type));
}

#[test]
fn shadowing_lets_of_raw_or_unusual_names_compile_and_drop_in_order() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        shadowing_lets_of_unusual_names(true, log.clone());
        tame::run();
        assert_eq!(
            *log.borrow(),
            ["drop g", "drop h", "drop k", "h", "end 6 2 2"]
        );
    });
}

/// A variable of the user's named as the holder would be, written as a
/// raw identifier, is another variable (it was taken for the holder:
/// "used binding possibly-uninitialized").
#[tamed]
fn holder_name_taken_by_a_raw_identifier(c: bool, log: Rc<RefCell<Vec<String>>>) {
    let g = temp("g", &log);
    let r#__tame_x_value = 100u32;
    let x = 5u32;
    let x = if c {
        drop(g);
        x + r#__tame_x_value
    } else {
        x + 2
    };
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push(format!("{x} {}", r#__tame_x_value));
}

#[test]
fn a_raw_identifier_named_as_the_holder_is_another_variable() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        holder_name_taken_by_a_raw_identifier(true, log.clone());
        tame::run();
        assert_eq!(*log.borrow(), ["drop g", "105 100"]);
    });
}

// ---- a let-else's pattern with fields in shorthand

pub struct Shorthand {
    a: u32,
    b: Option<u32>,
}

/// `let S { a, mut c, b: Some(x) } = s else { <waits> }`: the machine's test
/// of the pattern writes the shorthand fields out (it made `S { _, .. }`,
/// no pattern: "expected field pattern, found `_`" at `#[tamed]`).
#[tamed]
fn let_else_on_shorthand_fields(s: Shorthand) -> u32 {
    let Shorthand { mut a, b: Some(x) } = s else {
        twait! { tame::asap(mkevent!()); }
        return 0;
    };
    a += 100;
    twait! { tame::asap(mkevent!()); }
    a + x
}

#[test]
fn a_let_else_with_fields_in_shorthand_compiles_and_tests_them() {
    on_fresh_loop(|| {
        let s = |b| Shorthand { a: 1, b };
        assert_eq!(
            result_of(|d| let_else_on_shorthand_fields(s(Some(2)), d)),
            Some(103)
        );
        assert_eq!(
            result_of(|d| let_else_on_shorthand_fields(s(None), d)),
            Some(0)
        );
    });
}

/// Sites of one `twait! {}` block filling one variable, some under a
/// `cfg` that holds (`unix`) or not (`any()`), in every order: each build
/// has the sites its `cfg`s keep.
#[tamed]
fn same_slot_under_cfgs() -> [u32; 4] {
    let mut a = 0;
    twait! {
        #[cfg(any())] later(1, mkevent!(a));
        later(2, mkevent!(a));
    }
    let mut b = 0;
    twait! {
        #[cfg(any())] later(1, mkevent!(b));
        #[cfg(any())] later(2, mkevent!(b));
        later(3, mkevent!(b));
    }
    let mut c = 0;
    twait! {
        #[cfg(unix)] later(4, mkevent!(c));
        #[cfg(any())] later(5, mkevent!(c));
    }
    let mut d = 0;
    twait! {
        #[cfg(any())] later(6, mkevent!(d));
        #[cfg(not(any()))] later(7, mkevent!(d));
        later(8, mkevent!(d));
    }
    let e;
    twait! {
        #[cfg(any())] later(9, mkevent!(e));
        later(10, mkevent!(e));
    }
    [a, b, c, d + e]
}

#[test]
fn sites_filling_one_variable_under_cfgs_compile_in_each_build() {
    // (Each was E0425, a name of the lint shadow's, where the first site's
    // `cfg` removed it.)
    on_fresh_loop(|| {
        assert_eq!(tame::run_with(same_slot_under_cfgs), Some([2, 3, 4, 18]));
    });
}

/// `#[cfg_attr(p, cfg(q))]` inside `tvars! {}` and a `twait! {}` block, one
/// `let` per build, and an index slot under a `cfg` that removes it: each
/// build has what its `cfg`s keep.
#[tamed]
fn cfgs_inside_our_macros() -> [u32; 4] {
    tvars! {
        #[cfg_attr(all(), cfg(all()))] let a = 1;
        #[cfg_attr(all(), cfg(any()))] let a = 2;
        let mut n = 0;
    }
    twait! {
        #[cfg_attr(all(), cfg(any()))] let k = 10;
        #[cfg_attr(all(), cfg(all()))] let k = 20;
        later(k, mkevent!(n));
    }
    let mut m = 0;
    twait! {
        #[cfg_attr(all(), cfg(any()))] later(1, mkevent!(m));
        later(2, mkevent!(m));
    }
    let mut v = [0; 3];
    twait! {
        #[cfg(any())] later(3, mkevent!(v[1]));
        later(4, mkevent!(v[2]));
    }
    [a, n, m, v[1] + v[2]]
}

#[test]
fn cfgs_inside_twait_blocks_and_tvars_compile_in_each_build() {
    // (`cfg_attr` there was left unfolded: E0425 for `a` and `k` in both
    // builds, and for a name of the lint shadow's; the index slot's store
    // was outside its `cfg`: E0283 for the index's type.)
    on_fresh_loop(|| {
        assert_eq!(tame::run_with(cfgs_inside_our_macros), Some([1, 20, 2, 4]));
    });
}

/// A variable declared without a value, filled through a slot written in
/// parentheses (`mkevent!((b))`), as `(b) = v;` would.
#[tamed]
fn slot_in_parentheses_without_a_value() -> u32 {
    let b;
    twait! { later(2, mkevent!((b))); }
    b
}

#[test]
fn a_slot_in_parentheses_is_its_variable_also_without_a_value() {
    // (It was E0381: the lint shadow read `(b)` before the store.)
    on_fresh_loop(|| {
        assert_eq!(tame::run_with(slot_in_parentheses_without_a_value), Some(2));
    });
}

/// Slots made under `cfg`s of inner statements and arms of a `twait! {}`
/// block: a variable without a value, and an index slot.
#[tamed]
fn cfgs_on_inner_statements(k: bool) -> [u32; 3] {
    let c: u32;
    twait! {
        if k {
            #[cfg(any())] later(5, mkevent!(c));
            #[cfg(not(any()))] later(7, mkevent!(c));
        } else {
            later(6, mkevent!(c));
        }
    }
    let d: u32;
    twait! {
        match k {
            #[cfg(any())]
            true => later(1, mkevent!(d)),
            _ => later(2, mkevent!(d)),
        }
    }
    let mut v = [0; 2];
    twait! {
        if k {
            #[cfg(any())] later(3, mkevent!(v[0]));
        }
        later(4, mkevent!(v[1]));
        if k {
            // The inner block's value, under the `cfg`.
            #[cfg(any())]
            { later(5, mkevent!(v[0])) }
        }
    }
    [c, d, v[0] + v[1]]
}

#[test]
fn slots_under_cfgs_of_inner_statements_and_arms_compile_in_each_build() {
    // (E0282 at `#[tamed]` for `c` and `d`, E0283 at `v[0]`: only the
    // block's own statements' `cfg`s were followed to their slots.)
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(|e| cfgs_on_inner_statements(true, e)),
            Some([7, 2, 4])
        );
        assert_eq!(
            tame::run_with(|e| cfgs_on_inner_statements(false, e)),
            Some([6, 2, 4])
        );
    });
}

// ---- an `impl Trait` behind a `&'static` (probe 411)

/// The `'static` bound the translator adds to an `impl Trait` parameter
/// goes inside parentheses behind a reference or pointer: it made
/// `&'static impl Display + 'static`, which rustc refused ("ambiguous `+`
/// in a type", its help pointing at the user's code).
#[tamed]
fn shown_later(
    s: &'static impl std::fmt::Display,
    out: Option<&'static (impl std::fmt::Debug + Sync)>,
    more: Option<&'static mut impl std::fmt::Debug>,
    p: *const impl Sized,
) -> String {
    twait! { tame::asap(mkevent!()); }
    format!("{s} {out:?} {more:?} {}", p.is_null())
}

#[test]
fn an_impl_parameter_behind_a_static_reference_or_pointer() {
    static N: u32 = 7;
    on_fresh_loop(|| {
        assert_eq!(
            tame::run_with(|e| shown_later(
                &"seven",
                Some(&N),
                None::<&mut u8>,
                std::ptr::null::<u8>(),
                e
            )),
            Some("seven Some(7) None true".to_string())
        );
    });
}

// ---- nested moves on some paths with a `?` between (probe 411)

fn check(fail: bool) -> Result<(), String> {
    if fail {
        Err("failed".into())
    } else {
        Ok(())
    }
}

/// `g` moved on some paths of an `if` inside an `if` that goes on to a
/// `?`, then a borrow used: as plain Rust (this was refused, "`k` is used
/// after an `if` or `match` that moves `g` ... A later twait keeps `g`",
/// though no twait followed). `g` is dropped at the function's end where
/// it was not moved, after the twait where one comes first.
#[tamed]
fn nested_partial_move(
    v: Vec<u32>,
    g: Noisy,
    c: bool,
    d: bool,
    fail: bool,
    log: Rc<RefCell<Vec<&'static str>>>,
) -> Result<u32, String> {
    twait! { tame::asap(mkevent!()); }
    let k = v.first();
    if c {
        if d {
            drop(g);
        }
        check(fail)?;
    }
    log.borrow_mut().push("body end");
    Ok(*k.unwrap_or(&0))
}

#[tamed]
fn nested_partial_move_before_a_twait(
    g: Noisy,
    c: bool,
    d: bool,
    fail: bool,
    log: Rc<RefCell<Vec<&'static str>>>,
) -> Result<u32, String> {
    if c {
        if d {
            drop(g);
        }
        check(fail)?;
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("body end");
    Ok(1)
}

#[test]
fn nested_moves_on_some_paths_around_a_question_mark_drop_as_plain_rust() {
    on_fresh_loop(|| {
        for (c, d, fail, want, drops) in [
            (false, false, false, Ok(4), &["body end", "g"][..]),
            (true, false, false, Ok(4), &["body end", "g"][..]),
            (true, true, false, Ok(4), &["g", "body end"][..]),
            (true, false, true, Err("failed".to_string()), &["g"][..]),
            (true, true, true, Err("failed".to_string()), &["g"][..]),
        ] {
            let log = Rc::new(RefCell::new(Vec::new()));
            let g = Noisy("g", log.clone());
            let got =
                tame::run_with(|e| nested_partial_move(vec![4], g, c, d, fail, log.clone(), e));
            assert_eq!(got, Some(want.clone()), "{c} {d} {fail}");
            assert_eq!(*log.borrow(), drops, "{c} {d} {fail}");
            let log = Rc::new(RefCell::new(Vec::new()));
            let g = Noisy("g", log.clone());
            let before = nested_partial_move_before_a_twait;
            let got = tame::run_with(|e| before(g, c, d, fail, log.clone(), e));
            assert_eq!(got, Some(want.map(|_| 1)), "before a twait: {c} {d} {fail}");
            assert_eq!(*log.borrow(), drops, "before a twait: {c} {d} {fail}");
        }
    });
}

// ---- a move that breaks out of a waiting loop (review 412)

/// `g` moved on the path that breaks out, kept on the one that waits: it
/// lives to the function's end where it was not moved (the loop's exit
/// dropped it, before "end", when the loop-local `z` was moved before the
/// twait: the `if` was left ordinary code). The plain twin says what Rust
/// does.
#[tamed]
fn break_after_a_move(g: Noisy, d: bool, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    let mut turns = 0;
    loop {
        let z = Noisy("z", log.clone());
        if d {
            drop(g);
            break;
        }
        drop(z);
        twait! { tame::asap(mkevent!()); }
        turns += 1;
        if turns == 2 {
            break;
        }
    }
    log.borrow_mut().push("end");
    1
}

fn break_after_a_move_plain(g: Noisy, d: bool, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    let mut turns = 0;
    loop {
        let z = Noisy("z", log.clone());
        if d {
            drop(g);
            break;
        }
        drop(z);
        turns += 1;
        if turns == 2 {
            break;
        }
    }
    log.borrow_mut().push("end");
    1
}

#[test]
fn a_move_that_breaks_out_of_a_waiting_loop_drops_as_plain_rust() {
    on_fresh_loop(|| {
        for d in [false, true] {
            let (tamed, plain) = (
                Rc::new(RefCell::new(Vec::new())),
                Rc::new(RefCell::new(Vec::new())),
            );
            let g = Noisy("g", tamed.clone());
            assert_eq!(
                tame::run_with(|e| break_after_a_move(g, d, tamed.clone(), e)),
                Some(1)
            );
            let g = Noisy("g", plain.clone());
            assert_eq!(break_after_a_move_plain(g, d, plain.clone()), 1);
            assert_eq!(*tamed.borrow(), *plain.borrow(), "d = {d}");
        }
    });
}

/// The same move and `break` inside an `if` whose other path returns
/// (review 414): the `if`'s own join is never reached, and the loop's exit
/// is where the path that moved `g` meets the ones that kept it. And the
/// README's way to write a `let .. else` whose `else` moves and breaks.
#[tamed]
fn break_or_return(g: Noisy, d: bool, a: bool, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    for _round in 0..2 {
        if d {
            if a {
                drop(g);
                break;
            }
            return 2;
        }
        twait! { tame::asap(mkevent!()); }
    }
    log.borrow_mut().push("end");
    1
}

fn break_or_return_plain(g: Noisy, d: bool, a: bool, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    for _round in 0..2 {
        if d {
            if a {
                drop(g);
                break;
            }
            return 2;
        }
    }
    log.borrow_mut().push("end");
    1
}

#[tamed]
fn else_breaks(g: Noisy, o: Option<u32>, log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    let mut got = 0;
    while got < 6 {
        let x = if let Some(x) = o {
            x
        } else {
            drop(g);
            break;
        };
        twait! { tame::asap(mkevent!()); }
        got += x;
    }
    log.borrow_mut().push("end");
    got
}

#[test]
fn a_move_that_breaks_beside_a_return_or_in_an_else_drops_as_plain_rust() {
    on_fresh_loop(|| {
        let logs = || {
            (
                Rc::new(RefCell::new(Vec::new())),
                Rc::new(RefCell::new(Vec::new())),
            )
        };
        for (d, a) in [(false, false), (true, false), (true, true)] {
            let (tamed, plain) = logs();
            let g = Noisy("g", tamed.clone());
            let got = tame::run_with(|e| break_or_return(g, d, a, tamed.clone(), e));
            let g = Noisy("g", plain.clone());
            assert_eq!(got, Some(break_or_return_plain(g, d, a, plain.clone())));
            assert_eq!(*tamed.borrow(), *plain.borrow(), "d = {d}, a = {a}");
        }
        for o in [Some(3), None] {
            let log = Rc::new(RefCell::new(Vec::new()));
            let g = Noisy("g", log.clone());
            let got = tame::run_with(|e| else_breaks(g, o, log.clone(), e));
            assert_eq!(got, Some(if o.is_some() { 6 } else { 0 }));
            let want: &[&str] = if o.is_some() {
                &["end", "g"]
            } else {
                &["g", "end"]
            };
            assert_eq!(*log.borrow(), want, "{o:?}");
        }
    });
}

/// A macro of one's own that happens to share a name with one of std's
/// that never return.
mod notes {
    macro_rules! todo {
        ($log:expr, $what:expr) => {
            $log.borrow_mut().push(format!("todo: {}", $what))
        };
    }
    pub(crate) use todo;
}

/// `notes::todo!` returns: the code after it runs, in the middle of a
/// block and as its last statement alike.
#[tamed]
fn own_todo(log: Rc<RefCell<Vec<String>>>) -> u32 {
    let mut n = 0;
    twait! { tame::asap(mkevent!()); }
    {
        notes::todo!(log, "first");
        n += 1;
    }
    if n == 1 {
        notes::todo!(log, "second");
    }
    twait! { tame::asap(mkevent!()); }
    n + 1
}

#[test]
fn a_macro_of_ones_own_named_like_todo_returns_and_the_code_after_it_runs() {
    on_fresh_loop(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(result_of(|e| own_todo(log.clone(), e)), Some(2));
        assert_eq!(*log.borrow(), ["todo: first", "todo: second"]);
    });
}

type Names = Rc<RefCell<Vec<&'static str>>>;

/// A borrow used after a `match` whose only waiting arm returns, where
/// another arm moves a variable: nothing waits after the `match`, so the
/// code after it runs on where the arms that did not wait left off, and
/// the moved variable is dropped where Rust drops it.
#[tamed]
fn borrow_after_a_match_that_moves(v: Vec<u8>, k: u8, log: Names) -> usize {
    let first = v.first();
    let s = Noisy("s", log.clone());
    match k {
        0 => {
            twait! { tame::asap(mkevent!()); }
            log.borrow_mut().push("waited");
            return 0;
        }
        1 => drop(s),
        _ => log.borrow_mut().push("kept"),
    }
    log.borrow_mut().push("after");
    usize::from(*first.unwrap_or(&0))
}

fn borrow_after_a_match_that_moves_plain(v: Vec<u8>, k: u8, log: Names) -> usize {
    let first = v.first();
    let s = Noisy("s", log.clone());
    match k {
        0 => {
            log.borrow_mut().push("waited");
            return 0;
        }
        1 => drop(s),
        _ => log.borrow_mut().push("kept"),
    }
    log.borrow_mut().push("after");
    usize::from(*first.unwrap_or(&0))
}

/// The same with an `if`/`else if` chain in a block, and the `let`'s
/// value given on some paths only.
#[tamed]
fn borrow_after_an_if_that_moves(v: Vec<u8>, k: u8, log: Names) -> usize {
    let n;
    {
        let first = v.first();
        let s = Noisy("s", log.clone());
        if k == 0 {
            twait! { tame::asap(mkevent!()); }
            return 0;
        } else if k == 1 {
            drop(s);
            n = 1;
        } else {
            n = 2;
        }
        log.borrow_mut().push("after");
        n + usize::from(*first.unwrap_or(&0))
    }
}

/// The same `match` in a branch of an `if` (whose join is inline too).
#[tamed]
fn borrow_after_a_nested_match_that_moves(k: u8, log: Names) -> usize {
    twait! { tame::asap(mkevent!()); }
    let v = [3u8];
    let first = v.first();
    let s = Noisy("s", log.clone());
    if k < 5 {
        match k {
            0 => {
                twait! { tame::asap(mkevent!()); }
                return 0;
            }
            1 => drop(s),
            _ => log.borrow_mut().push("kept"),
        }
    }
    log.borrow_mut().push("after");
    usize::from(*first.unwrap_or(&0))
}

fn borrow_after_a_nested_match_that_moves_plain(k: u8, log: Names) -> usize {
    let v = [3u8];
    let first = v.first();
    let s = Noisy("s", log.clone());
    if k < 5 {
        match k {
            0 => return 0,
            1 => drop(s),
            _ => log.borrow_mut().push("kept"),
        }
    }
    log.borrow_mut().push("after");
    usize::from(*first.unwrap_or(&0))
}

/// An arm that moves only a variable of its own, a twait after the
/// `match`: nothing declared before it is moved, so the code after it runs
/// on in the same state, and the borrow made before lives on.
#[tamed]
fn borrow_after_an_arm_moving_its_own(v: Vec<u8>, k: u8, log: Names) -> usize {
    let first = v.first();
    match k {
        0 => {
            twait! { tame::asap(mkevent!()); }
            return 0;
        }
        1 => {
            let t = Noisy("t", log.clone());
            drop(t);
            log.borrow_mut().push("moved");
        }
        _ => {}
    }
    let n = usize::from(*first.unwrap_or(&0));
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after");
    n
}

#[test]
fn a_borrow_used_after_a_match_whose_arm_moves_only_its_own_variable_compiles() {
    on_fresh_loop(|| {
        let want: [(usize, &[&str]); 3] =
            [(0, &[]), (7, &["t", "moved", "after"]), (7, &["after"])];
        for (k, (value, log_want)) in (0..3).zip(want) {
            let log = Names::default();
            let got = result_of(|e| borrow_after_an_arm_moving_its_own(vec![7], k, log.clone(), e));
            assert_eq!(got, Some(value), "k = {k}");
            assert_eq!(*log.borrow(), log_want, "k = {k}");
        }
    });
}

#[test]
fn a_borrow_used_after_a_waiting_match_that_returns_and_an_arm_that_moves_compiles() {
    on_fresh_loop(|| {
        for k in 0..3 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| borrow_after_a_match_that_moves(vec![7], k, tamed.clone(), e));
            let want = borrow_after_a_match_that_moves_plain(vec![7], k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
        for k in [0, 1, 2, 7] {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| borrow_after_a_nested_match_that_moves(k, tamed.clone(), e));
            let want = borrow_after_a_nested_match_that_moves_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
        let want: [&[&str]; 3] = [&["s"], &["s", "after"], &["after", "s"]];
        for (k, want) in (0..3).zip(want) {
            let log = Names::default();
            let got = result_of(|e| borrow_after_an_if_that_moves(vec![7], k, log.clone(), e));
            assert_eq!(got, Some([0, 8, 9][usize::from(k)]), "k = {k}");
            assert_eq!(*log.borrow(), want, "k = {k}");
        }
    });
}

/// A variable moved on some paths by an `if` without a twait in a branch
/// of one whose join is a state of its own (another branch waits, inside
/// an inner `if`, and returns; something other than plain code follows):
/// it is kept to its scope's end on the paths that did not move it, as in
/// a plain function. It was dropped where the branches met.
#[tamed]
fn moved_in_a_branch_of_a_join_state(k: u32, log: Names) -> u32 {
    let a = Noisy("a", log.clone());
    let n1 = Noisy("n1", log.clone());
    if k < 2 {
        if k == 0 {
            twait! { tame::asap(mkevent!()); }
            return 1;
        }
    } else if k == 7 {
        drop(n1);
    }
    log.borrow_mut().push("after");
    if k == 9 {
        drop(a);
    }
    2
}

fn moved_in_a_branch_of_a_join_state_plain(k: u32, log: Names) -> u32 {
    let a = Noisy("a", log.clone());
    let n1 = Noisy("n1", log.clone());
    if k < 2 {
        if k == 0 {
            return 1;
        }
    } else if k == 7 {
        drop(n1);
    }
    log.borrow_mut().push("after");
    if k == 9 {
        drop(a);
    }
    2
}

/// The same in a loop, a variable declared without a value given one on
/// some paths.
#[tamed]
fn given_in_a_branch_of_a_join_state(k: u32, log: Names) -> u32 {
    for _ in 0..1 {
        let _x: Noisy;
        if k > 2 {
            if k == 3 {
                _x = Noisy("x", log.clone());
            } else {
                twait! { tame::asap(mkevent!()); }
                break;
            }
        } else if k == 1 {
            _x = Noisy("x1", log.clone());
        }
        log.borrow_mut().push("end of round");
    }
    2
}

fn given_in_a_branch_of_a_join_state_plain(k: u32, log: Names) -> u32 {
    for _ in 0..1 {
        let _x: Noisy;
        if k > 2 {
            if k == 3 {
                _x = Noisy("x", log.clone());
            } else {
                break;
            }
        } else if k == 1 {
            _x = Noisy("x1", log.clone());
        }
        log.borrow_mut().push("end of round");
    }
    2
}

#[test]
fn a_move_on_some_paths_in_a_branch_of_a_join_state_keeps_the_value_to_its_scopes_end() {
    on_fresh_loop(|| {
        for k in [0, 1, 2, 3, 4, 7, 9] {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| moved_in_a_branch_of_a_join_state(k, tamed.clone(), e));
            let want = moved_in_a_branch_of_a_join_state_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| given_in_a_branch_of_a_join_state(k, tamed.clone(), e));
            let want = given_in_a_branch_of_a_join_state_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A `Copy` variable used by value in a branch (`k % 2`) is not moved
/// there: the code after the `if` runs on in the same state, and the
/// borrow made before it lives on, as in a plain function. It was refused
/// with "`first` is kept across a twait".
#[tamed]
fn borrow_after_a_branch_that_copies(k: u32) -> u32 {
    let v = vec![k, 2, 3];
    let first = v.first();
    if k == 3 {
    } else if k % 2 == 1 {
        log_nothing(k);
    } else if k < 2 {
        twait! { tame::asap(mkevent!()); }
        return 5;
    }
    let n = *first.unwrap_or(&0);
    twait! { tame::asap(mkevent!()); }
    n
}

fn log_nothing(_: u32) {}

#[test]
fn a_copy_used_by_value_in_a_branch_does_not_make_the_join_a_state() {
    on_fresh_loop(|| {
        let got: Vec<_> = (0..5)
            .map(|k| result_of(|e| borrow_after_a_branch_that_copies(k, e)))
            .collect();
        assert_eq!(got, [Some(5), Some(1), Some(2), Some(3), Some(4)]);
    });
}

/// The same `if` with only plain code after it: undoing the promotion
/// makes the join inline, so a borrow made before it and used after
/// compiles, and Rust's drop flag keeps `g` (it was refused with "a
/// later twait keeps `g`", with no twait after it).
#[tamed]
fn moved_in_a_branch_of_a_quiet_join(k: u32, log: Names) -> u32 {
    let v = vec![k, 1];
    let first = v.first();
    let g = Noisy("g", log.clone());
    if k < 2 {
        if k == 0 {
            twait! { tame::asap(mkevent!()); }
            return 1;
        }
    } else if k == 7 {
        drop(g);
    }
    log.borrow_mut().push("after");
    *first.unwrap_or(&0)
}

fn moved_in_a_branch_of_a_quiet_join_plain(k: u32, log: Names) -> u32 {
    let v = [k, 1];
    let first = v.first();
    let g = Noisy("g", log.clone());
    if k < 2 {
        if k == 0 {
            return 1;
        }
    } else if k == 7 {
        drop(g);
    }
    log.borrow_mut().push("after");
    *first.unwrap_or(&0)
}

#[test]
fn a_move_on_some_paths_in_a_branch_of_a_quiet_join_lets_a_borrow_live_on() {
    on_fresh_loop(|| {
        for k in [0, 1, 2, 7] {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| moved_in_a_branch_of_a_quiet_join(k, tamed.clone(), e));
            let want = moved_in_a_branch_of_a_quiet_join_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A branch with no twait that moves a variable and leaves its loop
/// (`break`, `continue`) beside code that runs on: the code after the `if`
/// follows in the same state, so a borrow made before the `if` and used
/// after it compiles, while the loop's exit still gets the moved
/// variable's value on exactly the paths that kept it. It was refused with
/// "`first` is kept across a twait".
#[tamed]
fn moved_by_a_branch_that_leaves_the_loop(k: u32, log: Names) -> u32 {
    let v = vec![k, 1];
    let a = Noisy("a", log.clone());
    let mut n = 0;
    for i in 0..4 {
        twait! { tame::asap(mkevent!()); }
        let g = Noisy("g", log.clone());
        let first = v.first();
        if i == k {
            drop(a);
            break;
        } else if i + 2 == k {
            drop(g);
            continue;
        }
        n += *first.unwrap_or(&0);
        log.borrow_mut().push("iter");
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after");
    n
}

fn moved_by_a_branch_that_leaves_the_loop_plain(k: u32, log: Names) -> u32 {
    let v = [k, 1];
    let a = Noisy("a", log.clone());
    let mut n = 0;
    for i in 0..4 {
        let g = Noisy("g", log.clone());
        let first = v.first();
        if i == k {
            drop(a);
            break;
        } else if i + 2 == k {
            drop(g);
            continue;
        }
        n += *first.unwrap_or(&0);
        log.borrow_mut().push("iter");
    }
    log.borrow_mut().push("after");
    n
}

#[test]
fn a_move_in_a_branch_that_leaves_the_loop_lets_a_borrow_live_on() {
    on_fresh_loop(|| {
        for k in 0..6 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| moved_by_a_branch_that_leaves_the_loop(k, tamed.clone(), e));
            let want = moved_by_a_branch_that_leaves_the_loop_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// Two branches that run on and leave the variables alike (each moves
/// `s` and gives `x` its value) beside one that waits and returns: no
/// flag is needed where they meet, so the code after the `match` follows
/// in the same state and the borrow made before it lives on, as in a
/// plain function. It was refused with "`first` is kept across a twait".
#[tamed]
fn moved_alike_by_the_branches_that_run_on(k: u32, log: Names) -> u32 {
    let v = vec![k, 1];
    let first = v.first();
    let s = Noisy("s", log.clone());
    let x: Noisy;
    match k {
        0 => {
            twait! { tame::asap(mkevent!()); }
            return 9;
        }
        1 => {
            drop(s);
            x = Noisy("x1", log.clone());
        }
        _ => {
            x = Noisy("x2", log.clone());
            log.borrow_mut().push("two");
            drop(s);
        }
    }
    let n = *first.unwrap_or(&0);
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push(x.0);
    n
}

fn moved_alike_by_the_branches_that_run_on_plain(k: u32, log: Names) -> u32 {
    let v = [k, 1];
    let first = v.first();
    let s = Noisy("s", log.clone());
    let x: Noisy;
    match k {
        0 => {
            return 9;
        }
        1 => {
            drop(s);
            x = Noisy("x1", log.clone());
        }
        _ => {
            x = Noisy("x2", log.clone());
            log.borrow_mut().push("two");
            drop(s);
        }
    }
    let n = *first.unwrap_or(&0);
    log.borrow_mut().push(x.0);
    n
}

#[test]
fn branches_that_move_alike_let_a_borrow_live_on() {
    on_fresh_loop(|| {
        for k in 0..3 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| moved_alike_by_the_branches_that_run_on(k, tamed.clone(), e));
            let want = moved_alike_by_the_branches_that_run_on_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// Branches that move the same variable, one of which gives it a new
/// value after (`drop(s); s = new()`), or gives a variable declared
/// without one a value, moves it and gives it another: they do not leave
/// it alike, and the new value lives to the end of its scope, past the
/// twait, as in a plain function (it was dropped at the twait).
#[tamed]
#[allow(unused_assignments)] // the values given again are only dropped: the form under test
fn moved_by_both_and_given_again_by_one(k: u32, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    let mut x: Noisy;
    match k {
        1 => {
            drop(s);
            s = Noisy("s2", log.clone());
            x = Noisy("x1", log.clone());
            drop(x);
            x = Noisy("x3", log.clone());
        }
        _ => {
            log.borrow_mut().push("other");
            drop(s);
            x = Noisy("x2", log.clone());
            drop(x);
        }
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
    k
}

#[allow(unused_assignments)]
fn moved_by_both_and_given_again_by_one_plain(k: u32, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    let mut x: Noisy;
    match k {
        1 => {
            drop(s);
            s = Noisy("s2", log.clone());
            x = Noisy("x1", log.clone());
            drop(x);
            x = Noisy("x3", log.clone());
        }
        _ => {
            log.borrow_mut().push("other");
            drop(s);
            x = Noisy("x2", log.clone());
            drop(x);
        }
    }
    log.borrow_mut().push("end");
    k
}

#[test]
fn a_variable_given_a_new_value_by_one_branch_is_not_moved_alike() {
    on_fresh_loop(|| {
        for k in 0..3 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| moved_by_both_and_given_again_by_one(k, tamed.clone(), e));
            let want = moved_by_both_and_given_again_by_one_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// An arm that binds a `Copy` scrutinee by value (`x if x % 2 == 1` on a
/// `k: u32`) moves nothing: beside an arm that waits and returns, the code
/// after the `match` runs on in the same state, and a borrow made before
/// it lives on (it was refused with "kept across a twait").
#[tamed]
fn borrow_after_an_arm_binding_a_copy(k: u32, log: Names) -> u32 {
    let v = vec![k, 1];
    let first = v.first();
    match k {
        6 | 7 => {
            twait! { tame::asap(mkevent!()); }
            return 1;
        }
        x if x % 2 == 1 => log.borrow_mut().push("one"),
        _ => log.borrow_mut().push("other"),
    }
    let n = *first.unwrap_or(&0);
    twait! { tame::asap(mkevent!()); }
    n + k
}

#[test]
fn an_arm_binding_a_copy_does_not_make_the_join_a_state() {
    on_fresh_loop(|| {
        let log: Names = Names::default();
        let got: Vec<_> = [1, 2, 6]
            .into_iter()
            .map(|k| result_of(|e| borrow_after_an_arm_binding_a_copy(k, log.clone(), e)))
            .collect();
        assert_eq!(got, [Some(2), Some(4), Some(1)]);
        assert_eq!(*log.borrow(), ["one", "other"]);
    });
}

/// A `let .. else` whose `else` moves a variable and leaves a loop with a
/// twait (run or not), a twait after the loop: on the paths that kept the
/// variable, it lives to its scope's end and is dropped there, as in a
/// plain function. It was dropped where the loop ended.
#[tamed]
fn moved_by_a_let_else_that_leaves_the_loop(k: u32, wait_in_loop: bool, log: Names) -> u32 {
    let g = Noisy("g", log.clone());
    let mut i = 0;
    loop {
        i += 1;
        if i > 2 {
            break;
        }
        let Some(n) = (i != k).then_some(i) else {
            if k % 2 == 1 {
                drop(g);
            }
            break;
        };
        log.borrow_mut().push(if n == 1 { "one" } else { "two" });
        if wait_in_loop {
            twait! { tame::asap(mkevent!()); }
        }
    }
    log.borrow_mut().push("after loop");
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
    i
}

fn moved_by_a_let_else_that_leaves_the_loop_plain(k: u32, log: Names) -> u32 {
    let g = Noisy("g", log.clone());
    let mut i = 0;
    loop {
        i += 1;
        if i > 2 {
            break;
        }
        let Some(n) = (i != k).then_some(i) else {
            if k % 2 == 1 {
                drop(g);
            }
            break;
        };
        log.borrow_mut().push(if n == 1 { "one" } else { "two" });
    }
    log.borrow_mut().push("after loop");
    log.borrow_mut().push("end");
    i
}

#[test]
fn a_move_in_a_let_else_that_leaves_the_loop_drops_at_scope_end() {
    on_fresh_loop(|| {
        for wait_in_loop in [false, true] {
            for k in 0..4 {
                let (tamed, plain): (Names, Names) = Default::default();
                let got = result_of(|e| {
                    moved_by_a_let_else_that_leaves_the_loop(k, wait_in_loop, tamed.clone(), e);
                });
                let want = moved_by_a_let_else_that_leaves_the_loop_plain(k, plain.clone());
                assert_eq!(got, Some(want), "k = {k}, wait_in_loop = {wait_in_loop}");
                assert_eq!(
                    *tamed.borrow(),
                    *plain.borrow(),
                    "k = {k}, wait_in_loop = {wait_in_loop}"
                );
            }
        }
    });
}

/// Branches that run on and each move `s` and give it a value again (or
/// leave it alone) beside one that waits and returns: `s` holds a value
/// after the `match` whichever ran, so the code after it runs on in the
/// same state and the borrow made before it lives on, as in a plain
/// function; the new value is dropped at the scope's end. It was refused
/// ("`first` is kept across a twait"): a move and an assignment in one
/// branch were taken for leaving the variable differently.
#[tamed]
fn moved_and_given_again_by_the_branches_that_run_on(k: u32, log: Names) -> u32 {
    let v = vec![k, 1];
    let first = v.first();
    let mut s = Noisy("s", log.clone());
    match k {
        0 => {
            twait! { tame::asap(mkevent!()); }
            return 9;
        }
        1 => {
            drop(s);
            s = Noisy("s1", log.clone());
        }
        2 => {
            log.borrow_mut().push("two");
            drop(s);
            {
                s = Noisy("s2", log.clone());
            }
        }
        _ => log.borrow_mut().push("other"),
    }
    let n = *first.unwrap_or(&0);
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push(s.0);
    n
}

fn moved_and_given_again_by_the_branches_that_run_on_plain(k: u32, log: Names) -> u32 {
    let v = [k, 1];
    let first = v.first();
    let mut s = Noisy("s", log.clone());
    match k {
        0 => {
            return 9;
        }
        1 => {
            drop(s);
            s = Noisy("s1", log.clone());
        }
        2 => {
            log.borrow_mut().push("two");
            drop(s);
            {
                s = Noisy("s2", log.clone());
            }
        }
        _ => log.borrow_mut().push("other"),
    }
    let n = *first.unwrap_or(&0);
    log.borrow_mut().push(s.0);
    n
}

#[test]
fn branches_that_move_and_give_a_value_again_let_a_borrow_live_on() {
    on_fresh_loop(|| {
        for k in 0..4 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| {
                moved_and_given_again_by_the_branches_that_run_on(k, tamed.clone(), e);
            });
            let want = moved_and_given_again_by_the_branches_that_run_on_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// Slots that are part of a variable of numbers written out (`p.0` of a
/// `(0u32, 0u32)`, `a[1]` of a `[0u32; 2]`), read by nothing after the wait:
/// the variable is kept for the store, which writes into its value. It
/// was left out of the state (a number is not kept only for its drop),
/// and the store into it did not compile ("type annotations needed", or
/// "partially assigned binding isn't fully initialized" with its type
/// written).
#[tamed]
#[allow(unused)]
fn stores_into_parts_read_by_nothing(log: Names) {
    let mut p = (0u32, 0u32);
    let mut a = [0u32; 2];
    let mut q: (u32, u32) = (0, 0);
    twait! {
        give(7, mkevent!(p.0));
        give(8, mkevent!(a[1]));
    }
    let r = Rendezvous::<u32>::new();
    give(9, mkevent!(r, 2, q.1));
    let _ = twait!(r);
    log.borrow_mut().push("stored");
}

#[test]
fn slots_that_are_parts_of_a_variable_nothing_reads_compile() {
    on_fresh_loop(|| {
        let log: Names = Names::default();
        stores_into_parts_read_by_nothing(log.clone());
        tame::run();
        assert_eq!(*log.borrow(), ["stored"]);
    });
}

/// An `if`/`else if` chain (and a `match` inside an `else`) whose
/// branches move `s` and give it a value again, or leave it alone (or,
/// the first, wait and return), with a borrow made before it and read
/// after it: `s` holds a value on every
/// path, and lives to its scope's end, as in a plain function. It was
/// dropped at the next twait (no error): the chain, ordinary code, was
/// taken for moving `s` on some paths.
// (The new values are only dropped, as a guard's would be.)
#[allow(unused_assignments)]
#[tamed]
fn given_again_by_an_if_chain(k: u32, wait_first: bool, log: Names) -> u32 {
    let v = vec![k, 1];
    let first = v.first();
    let mut s = Noisy("s", log.clone());
    if wait_first && k == 0 {
        twait! { tame::asap(mkevent!()); }
        return 9;
    } else if k == 1 {
        drop(s);
        s = Noisy("s1", log.clone());
    } else if k == 2 {
        drop(s);
        s = Noisy("s2", log.clone());
    } else {
        match k {
            3 => {
                drop(s);
                s = Noisy("s3", log.clone());
            }
            _ => log.borrow_mut().push("other"),
        }
    }
    let n = *first.unwrap_or(&0);
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
    n
}

#[allow(unused_assignments)]
fn given_again_by_an_if_chain_plain(k: u32, wait_first: bool, log: Names) -> u32 {
    let v = [k, 1];
    let first = v.first();
    let mut s = Noisy("s", log.clone());
    if wait_first && k == 0 {
        return 9;
    } else if k == 1 {
        drop(s);
        s = Noisy("s1", log.clone());
    } else if k == 2 {
        drop(s);
        s = Noisy("s2", log.clone());
    } else {
        match k {
            3 => {
                drop(s);
                s = Noisy("s3", log.clone());
            }
            _ => log.borrow_mut().push("other"),
        }
    }
    let n = *first.unwrap_or(&0);
    log.borrow_mut().push("end");
    n
}

#[test]
fn an_if_chain_that_gives_a_value_again_keeps_it_to_the_scope_end() {
    on_fresh_loop(|| {
        for wait_first in [false, true] {
            for k in 0..5 {
                let (tamed, plain): (Names, Names) = Default::default();
                let got =
                    result_of(|e| given_again_by_an_if_chain(k, wait_first, tamed.clone(), e));
                let want = given_again_by_an_if_chain_plain(k, wait_first, plain.clone());
                assert_eq!(got, Some(want), "k = {k}, wait_first = {wait_first}");
                assert_eq!(
                    *tamed.borrow(),
                    *plain.borrow(),
                    "k = {k}, wait_first = {wait_first}"
                );
            }
        }
    });
}

/// An `if` chain in a loop without a twait, one of whose branches moves
/// `s` and leaves the loop while another gives it a value again: the
/// path that left has `s` moved, so the chain is not taken for giving
/// `s` a value on every path (that would keep a moved `s` in the state
/// after the twait, rustc's "use of moved value" in the machine). On the
/// paths that moved it, the drops are a plain function's.
#[allow(unused_assignments)]
#[tamed]
fn moved_by_a_branch_that_leaves_a_loop_beside_one_that_gives_again(k: u32, log: Names) -> u32 {
    let v = vec![k, 1];
    let first = v.first();
    let mut s = Noisy("s", log.clone());
    for i in 0..3 {
        if i == k {
            drop(s);
            break;
        } else if i == 9 {
            drop(s);
            s = Noisy("s9", log.clone());
        }
    }
    let n = *first.unwrap_or(&0);
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
    n
}

#[allow(unused_assignments)]
fn moved_by_a_branch_that_leaves_a_loop_beside_one_that_gives_again_plain(
    k: u32,
    log: Names,
) -> u32 {
    let v = [k, 1];
    let first = v.first();
    let mut s = Noisy("s", log.clone());
    for i in 0..3 {
        if i == k {
            drop(s);
            break;
        } else if i == 9 {
            drop(s);
            s = Noisy("s9", log.clone());
        }
    }
    let n = *first.unwrap_or(&0);
    log.borrow_mut().push("end");
    n
}

#[test]
fn a_branch_that_moves_and_leaves_a_loop_is_not_taken_for_giving_again() {
    on_fresh_loop(|| {
        for k in 0..3 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| {
                moved_by_a_branch_that_leaves_a_loop_beside_one_that_gives_again(
                    k,
                    tamed.clone(),
                    e,
                );
            });
            let want = moved_by_a_branch_that_leaves_a_loop_beside_one_that_gives_again_plain(
                k,
                plain.clone(),
            );
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// An `if` with no twait whose `else` moves `s` and gives it a value again
/// in a loop (on some rounds, as far as Rust's check sees), then code that
/// gives `s` a new value before the next twait: the value the loop gave
/// lives until that assignment, as in a plain function. It was dropped
/// where the `if` ended: the construct was kept as one of the spine for
/// the twait after it, which only ever keeps the new value.
#[tamed]
#[allow(unused_assignments)]
fn given_again_in_a_loop_then_assigned_before_the_twait(k: u32, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    if k == 1 {
        log.borrow_mut().push("kept");
    } else {
        drop(s);
        for _ in 0..k {
            s = Noisy("s1", log.clone());
        }
    }
    log.borrow_mut().push("after the if");
    s = Noisy("s2", log.clone());
    log.borrow_mut().push("assigned");
    twait! { tame::asap(mkevent!()); }
    drop(s);
    k
}

#[allow(unused_assignments)]
fn given_again_in_a_loop_then_assigned_before_the_twait_plain(k: u32, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    if k == 1 {
        log.borrow_mut().push("kept");
    } else {
        drop(s);
        for _ in 0..k {
            s = Noisy("s1", log.clone());
        }
    }
    log.borrow_mut().push("after the if");
    s = Noisy("s2", log.clone());
    log.borrow_mut().push("assigned");
    drop(s);
    k
}

/// The same with a loop that reads nothing of the function's: the `if`
/// was kept for `s` alone, which the assignment after it gives a new value
/// before any twait.
#[tamed]
#[allow(unused_assignments)]
fn given_in_a_fixed_loop_then_assigned_before_the_twait(k: u32, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    if k == 1 {
        log.borrow_mut().push("kept");
    } else {
        drop(s);
        for _ in 0..2 {
            s = Noisy("s1", log.clone());
        }
    }
    log.borrow_mut().push("after the if");
    s = Noisy("s2", log.clone());
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
    drop(s);
    k
}

#[allow(unused_assignments)]
fn given_in_a_fixed_loop_then_assigned_before_the_twait_plain(k: u32, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    if k == 1 {
        log.borrow_mut().push("kept");
    } else {
        drop(s);
        for _ in 0..2 {
            s = Noisy("s1", log.clone());
        }
    }
    log.borrow_mut().push("after the if");
    s = Noisy("s2", log.clone());
    log.borrow_mut().push("end");
    drop(s);
    k
}

#[test]
fn a_value_given_in_a_fixed_loop_lives_to_the_assignment_after_the_if() {
    on_fresh_loop(|| {
        for k in 0..3 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| {
                given_in_a_fixed_loop_then_assigned_before_the_twait(k, tamed.clone(), e);
            });
            let want = given_in_a_fixed_loop_then_assigned_before_the_twait_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

#[test]
fn a_value_given_in_a_loop_lives_to_the_assignment_after_the_if() {
    on_fresh_loop(|| {
        for k in 0..4 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| {
                given_again_in_a_loop_then_assigned_before_the_twait(k, tamed.clone(), e);
            });
            let want = given_again_in_a_loop_then_assigned_before_the_twait_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A waiting loop that gives `s` a new value each round and moves it on
/// some rounds: what `s` holds after the last round lives to its scope's
/// end, as in a plain function (it was dropped where the loop was left,
/// before the code after it: the loop's head turned the flag back into
/// the variable, which the exit could not pass on).
#[tamed]
#[allow(unused_assignments)]
fn given_each_round_moved_on_some(k: u32, use_while: bool, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    if use_while {
        let mut i = 0;
        while i < 3 {
            i += 1;
            s = Noisy("w", log.clone());
            if i == k {
                drop(s);
            }
            twait! { tame::asap(mkevent!()); }
        }
    } else {
        for i in 1..=3 {
            s = Noisy("f", log.clone());
            if i == k {
                drop(s);
            }
            twait! { tame::asap(mkevent!()); }
        }
    }
    log.borrow_mut().push("after the loop");
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("end");
    k
}

#[allow(unused_assignments)]
fn given_each_round_moved_on_some_plain(k: u32, use_while: bool, log: Names) -> u32 {
    let mut s = Noisy("s", log.clone());
    if use_while {
        let mut i = 0;
        while i < 3 {
            i += 1;
            s = Noisy("w", log.clone());
            if i == k {
                drop(s);
            }
        }
    } else {
        for i in 1..=3 {
            s = Noisy("f", log.clone());
            if i == k {
                drop(s);
            }
        }
    }
    log.borrow_mut().push("after the loop");
    log.borrow_mut().push("end");
    k
}

#[test]
fn a_value_given_each_round_of_a_waiting_loop_lives_to_scope_end() {
    on_fresh_loop(|| {
        for use_while in [false, true] {
            for k in 0..5 {
                let (tamed, plain): (Names, Names) = Default::default();
                let got = result_of(|e| {
                    given_each_round_moved_on_some(k, use_while, tamed.clone(), e);
                });
                let want = given_each_round_moved_on_some_plain(k, use_while, plain.clone());
                assert_eq!(got, Some(want), "k = {k}, while = {use_while}");
                assert_eq!(
                    *tamed.borrow(),
                    *plain.borrow(),
                    "k = {k}, while = {use_while}"
                );
            }
        }
    });
}

/// The same with `s` declared in an inner scope the loop's head reopens
/// (a block, and an outer waiting loop's body, holding two such loops):
/// this compiles and keeps what the last round left to the end of that
/// scope. (The flag was listed for the loop's body after the body was
/// written out: the exit packed a variable given no value, E0381, or a
/// later loop's arm named one it did not declare, E0425.)
#[tamed]
#[allow(unused_assignments)]
fn given_each_round_in_an_inner_scope(k: u32, log: Names) -> u32 {
    {
        let mut s = Noisy("s", log.clone());
        for i in 1..=2 {
            s = Noisy("a", log.clone());
            if i == k {
                drop(s);
            }
            twait! { tame::asap(mkevent!()); }
        }
        log.borrow_mut().push("after a");
    }
    for j in 0..2 {
        let mut t = Noisy("t", log.clone());
        for i in 1..=2 {
            t = Noisy("b", log.clone());
            if i + 2 * j == k {
                drop(t);
            }
            twait! { tame::asap(mkevent!()); }
        }
        log.borrow_mut().push("after b");
        for i in 1..=2 {
            t = Noisy("c", log.clone());
            if i + 2 * j == k + 1 {
                drop(t);
            }
            twait! { tame::asap(mkevent!()); }
        }
        log.borrow_mut().push("after c");
    }
    log.borrow_mut().push("end");
    k
}

#[allow(unused_assignments)]
fn given_each_round_in_an_inner_scope_plain(k: u32, log: Names) -> u32 {
    {
        let mut s = Noisy("s", log.clone());
        for i in 1..=2 {
            s = Noisy("a", log.clone());
            if i == k {
                drop(s);
            }
        }
        log.borrow_mut().push("after a");
    }
    for j in 0..2 {
        let mut t = Noisy("t", log.clone());
        for i in 1..=2 {
            t = Noisy("b", log.clone());
            if i + 2 * j == k {
                drop(t);
            }
        }
        log.borrow_mut().push("after b");
        for i in 1..=2 {
            t = Noisy("c", log.clone());
            if i + 2 * j == k + 1 {
                drop(t);
            }
        }
        log.borrow_mut().push("after c");
    }
    log.borrow_mut().push("end");
    k
}

#[test]
fn a_value_given_each_round_in_an_inner_scope_lives_to_that_scope_end() {
    on_fresh_loop(|| {
        for k in 0..6 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| {
                given_each_round_in_an_inner_scope(k, tamed.clone(), e);
            });
            let want = given_each_round_in_an_inner_scope_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A variable moved on some paths, then given a value on every path
/// through a labeled block (before its first `break`, or on each path
/// out of it), and read after a twait: as in a plain function it holds
/// the new value (the `if` that moved it carried it unconditionally into
/// the state after it: E0382 at the `if`).
#[tamed]
#[allow(unused_labels)]
fn given_again_in_a_labeled_block(k: u32, log: Names) -> usize {
    let mut a = Noisy("a", log.clone());
    if k == 0 {
        drop(a);
    }
    'b: {
        a = Noisy("a2", log.clone());
    }
    let mut b = Noisy("b", log.clone());
    if k == 1 {
        drop(b);
    }
    'b: {
        for i in 0..k {
            if i == 2 {
                b = Noisy("b2", log.clone());
                break 'b;
            }
        }
        b = Noisy("b3", log.clone());
    }
    let mut c = Noisy("c", log.clone());
    if k == 2 {
        drop(c);
    }
    'b: {
        c = Noisy("c2", log.clone());
        if k > 1 {
            break 'b;
        }
        log.borrow_mut().push("not left");
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("waited");
    a.0.len() + b.0.len() + c.0.len()
}

#[allow(unused_labels)]
fn given_again_in_a_labeled_block_plain(k: u32, log: Names) -> usize {
    let mut a = Noisy("a", log.clone());
    if k == 0 {
        drop(a);
    }
    'b: {
        a = Noisy("a2", log.clone());
    }
    let mut b = Noisy("b", log.clone());
    if k == 1 {
        drop(b);
    }
    'b: {
        for i in 0..k {
            if i == 2 {
                b = Noisy("b2", log.clone());
                break 'b;
            }
        }
        b = Noisy("b3", log.clone());
    }
    let mut c = Noisy("c", log.clone());
    if k == 2 {
        drop(c);
    }
    'b: {
        c = Noisy("c2", log.clone());
        if k > 1 {
            break 'b;
        }
        log.borrow_mut().push("not left");
    }
    log.borrow_mut().push("waited");
    a.0.len() + b.0.len() + c.0.len()
}

#[test]
fn a_value_given_again_in_a_labeled_block_is_the_one_read_after_a_twait() {
    on_fresh_loop(|| {
        for k in 0..5 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| given_again_in_a_labeled_block(k, tamed.clone(), e));
            let want = given_again_in_a_labeled_block_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A loop without a twait inside one that waits, left by a `break` to the
/// outer loop from a path that did not move the variable (or that surely
/// did), the others moving it and giving it a new value: what it holds
/// past the outer loop lives to its scope's end (it was dropped where the
/// outer loop was left, before the code after it).
#[tamed]
#[allow(clippy::never_loop)] // the shape under test
fn left_by_a_break_out_of_an_inner_loop(k: u32, log: Names) -> u32 {
    let mut a = Noisy("a", log.clone());
    'o: for _ in 0..2 {
        twait! { tame::asap(mkevent!()); }
        for i in 0..3 {
            if (i + k) % 3 == 1 {
                break 'o;
            }
            drop(a);
            a = Noisy("a2", log.clone());
        }
    }
    log.borrow_mut().push("after a");
    let mut b = Noisy("b", log.clone());
    let mut n = 0;
    'p: loop {
        twait! { tame::asap(mkevent!()); }
        loop {
            n += 1;
            if n % 3 == k % 3 {
                break 'p;
            }
            drop(b);
            b = Noisy("b2", log.clone());
        }
    }
    log.borrow_mut().push("after b");
    let mut c = Noisy("c", log.clone());
    'q: for j in 0..3 {
        twait! { tame::asap(mkevent!()); }
        for i in 0..2 {
            drop(c);
            if i + j == k {
                break 'q;
            }
            c = Noisy("c2", log.clone());
        }
    }
    log.borrow_mut().push("after c");
    k
}

#[allow(unused_assignments, clippy::never_loop)]
fn left_by_a_break_out_of_an_inner_loop_plain(k: u32, log: Names) -> u32 {
    let mut a = Noisy("a", log.clone());
    'o: for _ in 0..2 {
        for i in 0..3 {
            if (i + k) % 3 == 1 {
                break 'o;
            }
            drop(a);
            a = Noisy("a2", log.clone());
        }
    }
    log.borrow_mut().push("after a");
    let mut b = Noisy("b", log.clone());
    let mut n = 0;
    'p: loop {
        loop {
            n += 1;
            if n % 3 == k % 3 {
                break 'p;
            }
            drop(b);
            b = Noisy("b2", log.clone());
        }
    }
    log.borrow_mut().push("after b");
    let mut c = Noisy("c", log.clone());
    'q: for j in 0..3 {
        for i in 0..2 {
            drop(c);
            if i + j == k {
                break 'q;
            }
            c = Noisy("c2", log.clone());
        }
    }
    log.borrow_mut().push("after c");
    k
}

#[test]
fn a_value_left_by_a_break_out_of_an_inner_loop_lives_to_its_scope_end() {
    on_fresh_loop(|| {
        for k in 0..6 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| left_by_a_break_out_of_an_inner_loop(k, tamed.clone(), e));
            let want = left_by_a_break_out_of_an_inner_loop_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A `move` closure made in a block after the block gave the variable a
/// value, then a twait: the closure took that value (rustc's E0382 at
/// the twait: the machine stored the variable as if it still held it).
#[tamed]
#[allow(unused_labels)]
fn captured_after_an_assignment_in_a_block(k: u32, log: Names) -> u32 {
    let a;
    {
        a = Noisy("a", log.clone());
        let seen = move || {
            let whole = &a;
            whole.0.len()
        };
        log.borrow_mut()
            .push(if seen() == 1 { "a seen" } else { "?" });
    }
    let mut b = Noisy("b", log.clone());
    if k == 0 {
        drop(b);
    }
    'l: {
        b = Noisy("b2", log.clone());
        let kept = move || {
            let whole = &b;
            whole.0.len()
        };
        drop(kept);
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("waited");
    k
}

#[allow(unused_labels)]
fn captured_after_an_assignment_in_a_block_plain(k: u32, log: Names) -> u32 {
    let a;
    {
        a = Noisy("a", log.clone());
        let seen = move || {
            let whole = &a;
            whole.0.len()
        };
        log.borrow_mut()
            .push(if seen() == 1 { "a seen" } else { "?" });
    }
    let mut b = Noisy("b", log.clone());
    if k == 0 {
        drop(b);
    }
    'l: {
        b = Noisy("b2", log.clone());
        let kept = move || {
            let whole = &b;
            whole.0.len()
        };
        drop(kept);
    }
    log.borrow_mut().push("waited");
    k
}

#[test]
fn a_move_closure_made_after_an_assignment_in_a_block_takes_the_new_value() {
    on_fresh_loop(|| {
        for k in 0..2 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| captured_after_an_assignment_in_a_block(k, tamed.clone(), e));
            let want = captured_after_an_assignment_in_a_block_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A closure that gives a variable a new value, called before a `break`
/// to a loop that waits: the variable holds one value or the other past
/// the loop, kept to its scope's end (not taken for moved by the closure).
#[tamed]
fn assigned_by_a_closure_before_a_break(k: u32, log: Names) -> u32 {
    let mut a = Noisy("a", log.clone());
    'o: for j in 0..2 {
        twait! { tame::asap(mkevent!()); }
        for i in 0..2 {
            let mut set = || a = Noisy("a2", log.clone());
            if i + j == k {
                set();
                break 'o;
            }
        }
    }
    twait! { tame::asap(mkevent!()); }
    log.borrow_mut().push("after");
    k
}

fn assigned_by_a_closure_before_a_break_plain(k: u32, log: Names) -> u32 {
    let mut a = Noisy("a", log.clone());
    'o: for j in 0..2 {
        for i in 0..2 {
            let mut set = || a = Noisy("a2", log.clone());
            if i + j == k {
                set();
                break 'o;
            }
        }
    }
    log.borrow_mut().push("after");
    k
}

#[test]
fn a_closure_that_assigns_before_a_break_to_a_waiting_loop_moves_nothing() {
    on_fresh_loop(|| {
        for k in 0..4 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| assigned_by_a_closure_before_a_break(k, tamed.clone(), e));
            let want = assigned_by_a_closure_before_a_break_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}

/// A variable moved before a twait, given a new value in a branch after
/// it that then moves that value (by a call, or a closure's read) and
/// returns: no use of the value moved before the twait (rustc's E0382 at
/// the twait: the machine kept the variable across it).
#[tamed]
fn given_and_used_in_a_returning_branch(k: u32, log: Names) -> usize {
    let mut a = Noisy("a", log.clone());
    let mut b = Noisy("b", log.clone());
    drop(a);
    drop(b);
    twait! { tame::asap(mkevent!()); }
    if k == 0 {
        a = Noisy("a2", log.clone());
        drop(a);
        return 0;
    }
    if k == 1 {
        b = Noisy("b2", log.clone());
        let len = || b.0.len();
        return len();
    }
    log.borrow_mut().push("on");
    9
}

fn given_and_used_in_a_returning_branch_plain(k: u32, log: Names) -> usize {
    let mut a = Noisy("a", log.clone());
    let mut b = Noisy("b", log.clone());
    drop(a);
    drop(b);
    if k == 0 {
        a = Noisy("a2", log.clone());
        drop(a);
        return 0;
    }
    if k == 1 {
        b = Noisy("b2", log.clone());
        let len = || b.0.len();
        return len();
    }
    log.borrow_mut().push("on");
    9
}

#[test]
fn a_value_given_and_used_in_a_branch_that_returns_after_a_twait_compiles() {
    on_fresh_loop(|| {
        for k in 0..3 {
            let (tamed, plain): (Names, Names) = Default::default();
            let got = result_of(|e| given_and_used_in_a_returning_branch(k, tamed.clone(), e));
            let want = given_and_used_in_a_returning_branch_plain(k, plain.clone());
            assert_eq!(got, Some(want), "k = {k}");
            assert_eq!(*tamed.borrow(), *plain.borrow(), "k = {k}");
        }
    });
}
