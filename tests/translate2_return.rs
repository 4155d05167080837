//! Translator 2's return values: `#[tamed] fn f(args) -> T` becomes
//! `fn f(args, done: Event<T>)`; `return e`, the tail expression and `?`
//! deliver the value through that last event and end the function; a panic
//! drops it untriggered. Callers get the value into a slot through
//! `mkevent!`, or through any `Event<T>`.

#![deny(warnings)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// What an event got: unset while it is outstanding, then `Some(v)` if it
/// was triggered with `v` or `None` if it was dropped untriggered.
type Got<T> = Rc<RefCell<Option<Option<T>>>>;

/// An event recording what it gets.
fn catcher<T: 'static>() -> (Event<T>, Got<T>) {
    let got: Got<T> = Rc::default();
    let g = got.clone();
    let ev = Event::from_fn(move |v: Option<T>| *g.borrow_mut() = Some(v));
    (ev, got)
}

/// Calls `f` with a recording event, runs the loop, returns what the event
/// got (`Some(None)`: dropped untriggered; `None`: never came back).
fn result_of<T: 'static>(f: impl FnOnce(Event<T>)) -> Option<Option<T>> {
    let (ev, got) = catcher();
    f(ev);
    tame::run();
    let out = got.borrow_mut().take();
    out
}

// ---- the tail expression ----

#[tamed]
fn double_later(x: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    x * 2
}

#[test]
fn a_return_type_becomes_a_last_event_parameter() {
    let _: fn(u32, Event<u32>) = double_later;
}

#[test]
fn the_tail_expression_is_delivered_through_the_event_once_the_function_ends() {
    let (ev, got) = catcher();
    double_later(21, ev);
    assert_eq!(*got.borrow(), None, "delivered before the twait was over");
    tame::run();
    assert_eq!(*got.borrow(), Some(Some(42)));
}

#[tamed]
fn later<T: 'static>(v: T) -> T {
    twait! { tame::asap(mkevent!()); }
    v
}

#[test]
fn a_generic_tamed_function_returns_its_type_parameter() {
    assert_eq!(
        result_of(|ev| later(String::from("s"), ev)),
        Some(Some("s".into()))
    );
    assert_eq!(result_of(|ev| later(vec![1u8], ev)), Some(Some(vec![1u8])));
}

#[tamed]
fn tail_is_a_twait(r: Rendezvous<u32>) -> u32 {
    match twait!(r) {
        Some(i) => i + 100,
        None => 0,
    }
}

#[test]
fn a_tail_expression_containing_a_twait() {
    let r = Rendezvous::new();
    tame::asap(r.event(5));
    assert_eq!(result_of(|ev| tail_is_a_twait(r, ev)), Some(Some(105)));
    assert_eq!(
        result_of(|ev| tail_is_a_twait(Rendezvous::new(), ev)),
        Some(Some(0))
    );
}

// ---- return ----

#[tamed]
fn first_even(xs: Vec<u32>) -> Option<u32> {
    for x in xs {
        twait! { tame::asap(mkevent!()); }
        if x % 2 == 0 {
            return Some(x);
        }
    }
    None
}

#[test]
fn return_from_inside_a_loop_delivers_its_value() {
    assert_eq!(
        result_of(|ev| first_even(vec![1, 3, 4, 6], ev)),
        Some(Some(Some(4)))
    );
    assert_eq!(result_of(|ev| first_even(vec![1, 3], ev)), Some(Some(None)));
}

#[test]
fn a_tamed_call_that_never_blocks_delivers_its_value_inside_the_call() {
    let (ev, got) = catcher();
    first_even(Vec::new(), ev);
    assert_eq!(*got.borrow(), Some(Some(None)));
}

#[tamed]
fn checked_half(x: u32) -> Result<u32, String> {
    if x % 2 == 1 {
        return Err(format!("{x} is odd"));
    }
    twait! { tame::asap(mkevent!()); }
    Ok(x / 2)
}

#[test]
fn return_before_the_first_twait_delivers_at_once() {
    let (ev, got) = catcher();
    checked_half(3, ev);
    assert_eq!(*got.borrow(), Some(Some(Err("3 is odd".to_string()))));
    assert_eq!(result_of(|ev| checked_half(8, ev)), Some(Some(Ok(4))));
}

// The `return` is the shape under test; clippy says of it what it says of
// a plain function's.
#[allow(clippy::needless_return)]
#[tamed]
fn return_a_twait(r: Rendezvous<u32>, t: Trace) -> u32 {
    log(&t, "before");
    return twait!(r).map_or(0, |i| i * 3);
}

#[test]
fn a_return_whose_value_is_a_twait() {
    let r = Rendezvous::new();
    tame::asap(r.event(5));
    let t = Trace::default();
    assert_eq!(
        result_of(|ev| return_a_twait(r, t.clone(), ev)),
        Some(Some(15))
    );
    assert_eq!(*t.borrow(), ["before"]);
}

// ---- ? ----

#[derive(Debug, PartialEq)]
struct ParseError(String);

#[derive(Debug, PartialEq)]
enum AppError {
    Parse(String),
    TooBig(u32),
}

impl From<ParseError> for AppError {
    fn from(e: ParseError) -> AppError {
        AppError::Parse(e.0)
    }
}

fn parse_digit(s: &str) -> Result<u32, ParseError> {
    s.parse::<u32>()
        .ok()
        .filter(|n| *n < 10)
        .ok_or_else(|| ParseError(format!("not a digit: {s}")))
}

#[tamed]
fn sum_digits(texts: Vec<&'static str>, t: Trace) -> Result<u32, AppError> {
    let mut total = 0;
    for s in texts {
        twait! { tame::asap(mkevent!()); }
        total += parse_digit(s)?;
        log(&t, format!("total {total}"));
        if total > 10 {
            return Err(AppError::TooBig(total));
        }
    }
    Ok(total)
}

#[test]
fn question_mark_converts_the_error_with_from_and_ends_the_function() {
    let t = Trace::default();
    assert_eq!(
        result_of(|ev| sum_digits(vec!["1", "x", "2"], t.clone(), ev)),
        Some(Some(Err(AppError::Parse("not a digit: x".into()))))
    );
    assert_eq!(*t.borrow(), ["total 1"]);
    assert_eq!(
        result_of(|ev| sum_digits(vec!["1", "2"], Trace::default(), ev)),
        Some(Some(Ok(3)))
    );
    assert_eq!(
        result_of(|ev| sum_digits(vec!["9", "9", "9"], Trace::default(), ev)),
        Some(Some(Err(AppError::TooBig(18))))
    );
}

#[tamed]
fn parse_sum(a: &'static str, b: &'static str) -> Result<u32, Box<dyn std::error::Error>> {
    let x: u32 = a.parse()?;
    twait! { tame::asap(mkevent!()); }
    let y: u32 = b.parse()?;
    Ok(x + y)
}

#[test]
fn question_mark_boxes_a_std_error() {
    let ok = result_of(|ev| parse_sum("1", "2", ev)).unwrap().unwrap();
    assert_eq!(ok.unwrap(), 3);
    let err = result_of(|ev| parse_sum("1", "two", ev)).unwrap().unwrap();
    assert_eq!(
        err.unwrap_err().to_string(),
        "invalid digit found in string"
    );
    let err = result_of(|ev| parse_sum("", "2", ev)).unwrap().unwrap();
    assert_eq!(
        err.unwrap_err().to_string(),
        "cannot parse integer from empty string"
    );
}

#[tamed]
fn second_word_len(text: String) -> Option<usize> {
    twait! { tame::asap(mkevent!()); }
    let n = text.split_whitespace().nth(1)?.len();
    twait! { tame::asap(mkevent!()); }
    Some(n * 10)
}

#[test]
fn question_mark_on_an_option() {
    assert_eq!(
        result_of(|ev| second_word_len("a bcd".into(), ev)),
        Some(Some(Some(30)))
    );
    assert_eq!(
        result_of(|ev| second_word_len("a".into(), ev)),
        Some(Some(None))
    );
}

#[tamed]
fn next_id_doubled(r: Rendezvous<u32>) -> Option<u32> {
    let id = twait!(r)?;
    Some(id * 2)
}

#[test]
fn question_mark_on_a_twait_of_an_explicit_rendezvous() {
    let r = Rendezvous::new();
    tame::asap(r.event(4));
    assert_eq!(result_of(|ev| next_id_doubled(r, ev)), Some(Some(Some(8))));
    assert_eq!(
        result_of(|ev| next_id_doubled(Rendezvous::new(), ev)),
        Some(Some(None))
    );
}

#[tamed]
fn parse_later(s: &'static str) -> Result<u32, ParseError> {
    twait! { tame::asap(mkevent!()); }
    parse_digit(s)
}

#[tamed]
fn add_parsed(a: &'static str, b: &'static str) -> Result<u32, AppError> {
    let mut x: Result<u32, ParseError> = Err(ParseError("unset".into()));
    let mut y: Result<u32, ParseError> = Err(ParseError("unset".into()));
    twait! {
        parse_later(a, mkevent!(x));
        parse_later(b, mkevent!(y));
    }
    Ok(x? * 10 + y?)
}

#[test]
fn question_mark_on_values_tamed_callees_delivered_into_slots() {
    assert_eq!(result_of(|ev| add_parsed("4", "2", ev)), Some(Some(Ok(42))));
    assert_eq!(
        result_of(|ev| add_parsed("4", "z", ev)),
        Some(Some(Err(AppError::Parse("not a digit: z".into()))))
    );
}

// ---- macro_rules! that return ----

macro_rules! bail {
    ($e:expr) => {
        return Err($e.into())
    };
}

macro_rules! ensure {
    ($cond:expr, $e:expr) => {
        if !$cond {
            return Err($e.into());
        }
    };
}

#[tamed]
fn checked(x: u32, t: Trace) -> Result<u32, AppError> {
    twait! { tame::asap(mkevent!()); }
    ensure!(x < 100, AppError::TooBig(x));
    if x == 0 {
        bail!(ParseError("zero".into()));
    }
    log(&t, "checks passed");
    Ok(x)
}

#[test]
fn a_macro_that_expands_to_return_delivers_its_value() {
    let t = Trace::default();
    assert_eq!(
        result_of(|ev| checked(500, t.clone(), ev)),
        Some(Some(Err(AppError::TooBig(500))))
    );
    assert_eq!(
        result_of(|ev| checked(0, t.clone(), ev)),
        Some(Some(Err(AppError::Parse("zero".into()))))
    );
    assert_eq!(result_of(|ev| checked(7, t.clone(), ev)), Some(Some(Ok(7))));
    assert_eq!(*t.borrow(), ["checks passed"]);
}

#[tamed]
fn store(into: Rc<RefCell<Vec<u32>>>, x: u32) -> Result<(), AppError> {
    twait! { tame::asap(mkevent!()); }
    ensure!(x < 10, AppError::TooBig(x));
    into.borrow_mut().push(x);
    Ok(())
}

#[test]
fn a_unit_result_with_ok_unit_as_its_tail() {
    let v = Rc::new(RefCell::new(Vec::new()));
    assert_eq!(result_of(|ev| store(v.clone(), 3, ev)), Some(Some(Ok(()))));
    assert_eq!(
        result_of(|ev| store(v.clone(), 30, ev)),
        Some(Some(Err(AppError::TooBig(30))))
    );
    assert_eq!(*v.borrow(), [3]);
}

// ---- callers: slots, tuples, explicit rendezvous ----

#[tamed]
fn caller(t: Trace) {
    let mut a = 0;
    let mut b = 0;
    log(&t, format!("a = {a}, b = {b}"));
    twait! {
        double_later(1, mkevent!(a));
        double_later(20, mkevent!(b));
    }
    log(&t, format!("a = {a}, b = {b}"));
}

#[test]
fn a_tamed_caller_gets_return_values_into_slots() {
    assert_eq!(traced(caller), ["a = 0, b = 0", "a = 2, b = 40"]);
}

#[tamed]
fn pair_later(n: u32) -> (u32, String) {
    twait! { tame::asap(mkevent!()); }
    (n, n.to_string().repeat(2))
}

#[tamed]
fn pair_caller(t: Trace) {
    let mut n = 0;
    let mut s = String::new();
    log(&t, format!("{n} {s:?}"));
    twait! { pair_later(7, mkevent!(n, s)); }
    log(&t, format!("{n} {s:?}"));
}

#[test]
fn a_tuple_return_value_fills_two_slots() {
    assert_eq!(traced(pair_caller), ["0 \"\"", "7 \"77\""]);
}

#[tamed]
fn after_turns(turns: u32, x: u32) -> u32 {
    for _ in 0..turns {
        twait! { tame::asap(mkevent!()); }
    }
    x * 2
}

#[tamed]
fn race(t: Trace) {
    let r = Rendezvous::<char>::new();
    let mut a = 0;
    let mut b = 0;
    after_turns(3, 1, mkevent!(r, 'a', a));
    after_turns(1, 5, mkevent!(r, 'b', b));
    let first = twait!(r);
    log(&t, format!("{first:?} a = {a} b = {b}"));
    let second = twait!(r);
    log(&t, format!("{second:?} a = {a} b = {b}"));
    let third = twait!(r);
    log(&t, format!("{third:?}"));
}

#[test]
fn return_values_through_an_explicit_rendezvous_are_in_their_slots_with_their_ids() {
    assert_eq!(
        traced(race),
        ["Some('b') a = 0 b = 10", "Some('a') a = 2 b = 10", "None"]
    );
}

// ---- methods ----

struct Cache {
    map: RefCell<HashMap<u32, String>>,
}

impl Cache {
    #[tamed]
    fn get(self: Rc<Self>, k: u32) -> Option<String> {
        twait! { tame::asap(mkevent!()); }
        self.map.borrow().get(&k).cloned()
    }

    #[tamed]
    fn into_len(self) -> usize {
        twait! { tame::asap(mkevent!()); }
        self.map.into_inner().len()
    }
}

#[test]
fn a_method_becomes_a_method_with_a_last_event_parameter() {
    let _: fn(Rc<Cache>, u32, Event<Option<String>>) = Cache::get;
    let _: fn(Cache, Event<usize>) = Cache::into_len;
}

#[tamed]
fn cache_user(t: Trace, cache: Rc<Cache>) {
    let mut hit: Option<String> = None;
    let mut miss: Option<String> = Some(String::from("unset"));
    log(&t, format!("{hit:?} {miss:?}"));
    twait! {
        cache.clone().get(1, mkevent!(hit));
        cache.clone().get(2, mkevent!(miss));
    }
    log(&t, format!("{hit:?} {miss:?}"));
}

#[test]
fn methods_return_values_to_callers() {
    let cache = Rc::new(Cache {
        map: RefCell::new(HashMap::from([(1, "one".to_string())])),
    });
    assert_eq!(
        result_of(|ev| cache.clone().get(1, ev)),
        Some(Some(Some("one".into())))
    );
    assert_eq!(
        traced(|t| cache_user(t, cache.clone())),
        ["None Some(\"unset\")", "Some(\"one\") None"]
    );
    let owned = Cache {
        map: RefCell::new(HashMap::from([(1, "a".into()), (2, "b".into())])),
    };
    assert_eq!(result_of(|ev| owned.into_len(ev)), Some(Some(2)));
    assert_eq!(Rc::strong_count(&cache), 1);
}

// ---- the generated parameter does not clash with the user's names ----

#[tamed]
fn user_named_done(done: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    done + 1
}

#[test]
fn a_parameter_named_done_is_the_users_own() {
    assert_eq!(result_of(|ev| user_named_done(1, ev)), Some(Some(2)));
}

// ---- panics ----

#[tamed]
fn doomed(x: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    if x > 0 {
        panic!("doomed {x}");
    }
    x
}

#[tamed]
fn doomed_at_once(x: u32) -> u32 {
    if x > 0 {
        panic!("doomed at once {x}");
    }
    twait! { tame::asap(mkevent!()); }
    x
}

#[test]
fn a_panic_drops_the_result_event_untriggered() {
    on_fresh_loop(|| {
        let (ev, got) = catcher::<u32>();
        doomed(1, ev);
        assert!(catch_unwind(tame::run).is_err());
        assert_eq!(*got.borrow(), Some(None));

        let (ev, got) = catcher::<u32>();
        assert!(catch_unwind(AssertUnwindSafe(move || doomed_at_once(1, ev))).is_err());
        assert_eq!(*got.borrow(), Some(None));
        tame::run();
    });
}

#[tamed]
fn waits_for_doomed(out: Rc<Cell<u32>>) {
    let mut v = 7;
    out.set(v);
    twait! { doomed(1, mkevent!(v)); }
    out.set(v + 100);
}

#[test]
fn a_caller_waiting_on_a_panicked_callee_resumes_with_its_slot_unchanged() {
    on_fresh_loop(|| {
        let out = Rc::new(Cell::new(0));
        waits_for_doomed(out.clone());
        assert_eq!(out.get(), 7);
        assert!(catch_unwind(tame::run).is_err());
        tame::run();
        assert_eq!(out.get(), 107);
    });
}

/// `-> &str` with one `&'static str` parameter: elision gives the value
/// that parameter's lifetime, `'static`, as in a plain function.
#[tamed]
fn initial(s: &'static str) -> &str {
    twait! { tame::asap(mkevent!()); }
    &s[..1]
}

struct Names(Vec<&'static str>);

impl Names {
    /// `-> &str` of `&'static self`: the receiver's lifetime.
    #[tamed]
    fn nth(&'static self, i: usize) -> Option<&str> {
        twait! { tame::asap(mkevent!()); }
        self.0.get(i).copied()
    }
}

#[test]
fn a_reference_returned_with_an_elided_lifetime_is_static_as_elision_says() {
    assert_eq!(result_of(|d| initial("abc", d)), Some(Some("a")));
    let names: &'static Names = Box::leak(Box::new(Names(vec!["x", "y"])));
    assert_eq!(result_of(|d| names.nth(1, d)), Some(Some(Some("y"))));
}

/// Elision as rustc does it: one parameter's one lifetime, however often
/// it appears, or the receiver's reference to `Self` inside a `Pin`.
#[tamed]
fn deref_first(x: &'static &'static str) -> &str {
    twait! { tame::asap(mkevent!()); }
    x
}

#[tamed]
fn pair_first(x: (&'static str, &'static str)) -> &str {
    twait! { tame::asap(mkevent!()); }
    x.0
}

struct Pinned;

impl Pinned {
    #[tamed]
    fn name(self: std::pin::Pin<&'static mut Self>, x: &'static str) -> &str {
        twait! { tame::asap(mkevent!()); }
        x
    }
}

#[test]
fn elision_takes_one_parameters_one_lifetime_or_the_pinned_receivers() {
    assert_eq!(result_of(|d| deref_first(&"a", d)), Some(Some("a")));
    assert_eq!(result_of(|d| pair_first(("b", "c"), d)), Some(Some("b")));
    let p: &'static mut Pinned = Box::leak(Box::new(Pinned));
    assert_eq!(
        result_of(|d| std::pin::Pin::new(p).name("n", d)),
        Some(Some("n"))
    );
}

/// A `Result` under a name of the user's: `?` returns through it (the
/// check that rejects `?` in a function returning a `u32` or a `String`
/// judges only names that cannot be one).
type Parsed = Result<u32, std::num::ParseIntError>;

#[tamed]
fn parse_aliased(text: &'static str) -> Parsed {
    twait! { tame::asap(mkevent!()); }
    let n: u32 = text.parse()?;
    Ok(n + 1)
}

#[test]
fn question_mark_returns_through_an_alias_of_result() {
    assert_eq!(result_of(|d| parse_aliased("41", d)), Some(Some(Ok(42))));
    let got = result_of(|d| parse_aliased("x", d));
    assert!(matches!(got, Some(Some(Err(_)))), "{got:?}");
}
