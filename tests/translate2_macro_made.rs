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

// An expression spliced in by a macro (`$e:expr`, `$l:literal`) is one
// operand wherever it stands, as in a plain function: `$x.pow(2)` with
// `-2` squares -2, `$lim * 2` with `3 + 1` doubles 4.
macro_rules! arithmetic {
    ($square:ident, $x:expr, $scaled:ident, $lim:expr, $abs:ident, $l:literal, $apply:ident, $f:expr) => {
        #[tamed]
        fn $square() -> i32 {
            let before = $x.pow(2);
            twait! { tame::asap(mkevent!()); }
            before + $x.pow(2)
        }
        #[tamed]
        fn $scaled(n: u32) -> bool {
            let before = n < $lim * 2;
            twait! { tame::asap(mkevent!()); }
            before && n < $lim * 2
        }
        #[tamed]
        fn $abs() -> i64 {
            twait! { tame::asap(mkevent!()); }
            $l.abs()
        }
        #[tamed]
        fn $apply(n: u32) -> u32 {
            twait! { tame::asap(mkevent!()); }
            $f(n)
        }
    };
}
arithmetic!(
    square,
    -2i32,
    under_twice,
    3 + 1,
    absolute,
    -5i64,
    apply,
    |i: u32| i * 2
);

#[test]
fn an_expression_fragment_is_one_operand() {
    assert_eq!(tame::run_with(square), Some(8));
    assert_eq!(tame::run_with(|d| under_twice(6, d)), Some(true));
    assert_eq!(tame::run_with(|d| under_twice(8, d)), Some(false));
    assert_eq!(tame::run_with(absolute), Some(5));
    assert_eq!(tame::run_with(|d| apply(21, d)), Some(42));
}

// A label spliced in (`$l:lifetime`) labels the loop, waiting or not.
macro_rules! labelled {
    ($name:ident, $l:lifetime) => {
        #[tamed]
        fn $name(wait: bool) -> u32 {
            let mut i = 0;
            $l: loop {
                i += 1;
                if wait {
                    twait! { tame::asap(mkevent!()); }
                }
                loop {
                    if i == 3 {
                        break $l;
                    }
                    continue $l;
                }
            }
            i
        }
    };
}
labelled!(count_to_three, 'outer);

#[test]
fn a_label_fragment_labels_the_loop() {
    assert_eq!(tame::run_with(|d| count_to_three(false, d)), Some(3));
    assert_eq!(tame::run_with(|d| count_to_three(true, d)), Some(3));
}

fn one() -> u32 {
    1
}

// A trait object type spliced in (`$t:ty`) keeps its bounds together
// behind a `&`, as a plain function's `&'static $t` does.
macro_rules! borrowed_object {
    ($param:ident, $local:ident, $t:ty) => {
        #[tamed]
        fn $param(f: &'static $t) -> u32 {
            twait! { tame::asap(mkevent!()); }
            f()
        }
        #[tamed]
        fn $local() -> u32 {
            twait! { tame::asap(mkevent!()); }
            let g: &$t = &one;
            g() + 1
        }
    };
}
borrowed_object!(call_param, call_local, dyn Fn() -> u32 + Sync);

#[test]
fn a_trait_object_fragment_behind_a_reference_keeps_its_bounds() {
    assert_eq!(tame::run_with(|d| call_param(&one, d)), Some(1));
    assert_eq!(tame::run_with(call_local), Some(2));
}

// Where a plain function needs no parentheses around the fragment (a
// `let`, a `return`, the macro's own parentheses, a pattern, a statement,
// a macro's argument), none are asked for (this file denies warnings) and
// the values are the plain function's.
macro_rules! spliced_everywhere {
    ($name:ident, $e:expr, $p:pat) => {
        #[tamed]
        fn $name(early: bool) -> String {
            let mut n = $e;
            twait! { tame::asap(mkevent!()); }
            n += 1;
            let doubled = ($e) * 2;
            let matched = matches!(n, $p);
            if early {
                return format!("{}", $e * 10);
            }
            format!("{n} {doubled} {matched} {} {}", $e * 3, $e)
        }
    };
}
spliced_everywhere!(spliced, 1 + 2, 4 | 5);

#[test]
fn an_expression_fragment_needs_no_parentheses_where_a_plain_function_needs_none() {
    assert_eq!(
        tame::run_with(|d| spliced(false, d)).unwrap(),
        "4 6 true 9 3"
    );
    assert_eq!(tame::run_with(|d| spliced(true, d)).unwrap(), "30");
}

#[derive(Default, PartialEq)]
struct Pt {
    x: i32,
    y: i32,
}

static DATA: [u32; 3] = [1, 2, 3];

fn give(v: u32, ev: Event<u32>) {
    ev.trigger(v);
}

// More places a fragment stands: a reference as a receiver, a struct
// literal in a `match`'s or an `if`'s head, a negative number as a range
// pattern's bound or beside `|`, a place as a `mkevent!` slot, a spliced
// lifetime before a trait object of several bounds, one bound whose `+`
// is inside its generic arguments, `&mut` of a range.
macro_rules! placed {
    ($name:ident, $r:expr, $p:expr, $lo:literal, $hi:literal, $v:ident, $slot:expr,
     $lt:lifetime, $t:ty, $one:ty, $it:expr) => {
        #[tamed]
        fn $name(n: i32) -> String {
            let len: usize = $r.len();
            let first = $r[0];
            let sum = match $p {
                Pt { x, y } => x + y,
            };
            let origin = if $p == Pt::default() { "origin" } else { "away" };
            let in_range = matches!(n, $lo..=$hi);
            let either = matches!(n, $lo | 0);
            let mut $v = vec![0u32; 3];
            twait! { give(7, mkevent!($slot)); }
            let f: &$lt $t = &one;
            let g: &$one = &|s: &str| if s.is_empty() { Err("empty".into()) } else { Ok(()) };
            let it = &mut $it;
            format!(
                "{len} {first} {sum} {origin} {in_range} {either} {:?} {} {} {:?}",
                $v,
                f(),
                g("x").is_ok(),
                it.next()
            )
        }
    };
}
placed!(
    placed_fragments, &DATA, Pt { x: 1, y: 2 }, -5, 5, v, v[1], 'static,
    dyn Fn() -> u32 + Sync,
    dyn Fn(&str) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
    3..5
);

#[test]
fn fragments_read_where_they_stand_as_in_a_plain_function() {
    assert_eq!(
        tame::run_with(|d| placed_fragments(-1, d)).unwrap(),
        "3 1 3 away true false [0, 7, 0] 1 true Some(3)"
    );
}

fn ready() -> bool {
    true
}

fn late() -> bool {
    false
}

#[derive(Clone, Copy)]
#[allow(dead_code)]
enum E {
    A(i32),
    B(i32),
    C,
}

struct S {
    a: i32,
}

struct V {
    n: usize,
}

// Where the fragment meets an `if let`'s scrutinee (no let chain), a
// pattern's `|`, `@`, `&` or a closure's parameter (no parentheses a
// plain function would not need: this file denies warnings), a head with
// a struct literal inside the fragment, and a statement or an arm's value
// that the fragment starts with a block.
macro_rules! more_placed {
    ($name:ident, $n:ident, $p:ident, $a:ident, $cond:expr, $or:pat, $st:pat, $refor:pat,
     $head:expr, $upto:expr, $tail:expr, $arm:expr) => {
        #[tamed]
        fn $name($n: i32, e: E, $p: Pt) -> String {
            twait! { tame::asap(mkevent!()); }
            let chained = if let false = $cond { "false" } else { "true" };
            let or = matches!(e, $or | E::C);
            let (four, five) = (S { a: 4 }, S { a: 5 });
            let bound = match four {
                whole @ $st => whole.a + $a,
            };
            let by_ref = match &five {
                &$st => $a,
            };
            let take = |$st: S| $a;
            let either = match &e {
                &$refor => $n,
                _ => 0,
            };
            let head = if $head { 1 } else { 0 };
            let mut upto = 0;
            for i in 0..$upto {
                upto += i;
            }
            let arm = match $n {
                0 => 0,
                _ => $arm,
            };
            format!(
                "{chained} {or} {bound} {by_ref} {} {either} {head} {upto} {arm} {}",
                take(S { a: 6 }),
                { $tail }
            )
        }
    };
}
more_placed!(
    more_fragments,
    n,
    p,
    a,
    ready() && late(),
    E::A(_) | E::B(_),
    S { a, .. },
    E::A(n) | E::B(n @ 0..=9),
    p == Pt { x: 1, y: 2 },
    V { n: 3 }.n,
    match n { 0 => 1, _ => 2 } * 10,
    if n > 0 { n } else { -n } * 2
);

#[test]
fn fragments_meet_heads_patterns_and_statements_as_in_a_plain_function() {
    let p = Pt { x: 1, y: 2 };
    assert_eq!(
        tame::run_with(|d| more_fragments(3, E::B(7), p, d)).unwrap(),
        "false true 8 5 6 7 1 3 6 20"
    );
}

#[allow(dead_code)]
enum Msg {
    Move { x: i32, y: i32 },
    Quit,
}

struct G<T> {
    v: T,
}

static X: i32 = 1;

// The rest: an or-pattern holding a range beside `|`, a struct literal in
// a head that holds a braced pattern, a prefix operator after a label, a
// `mut` binding behind `&`, an or-pattern as a closure's parameter, a raw
// borrow before a method call, a struct literal with a turbofish.
macro_rules! last_placed {
    ($name:ident, $c:ident, $word:pat, $m:expr, $x:ident, $big:expr, $mx:pat, $v:ident,
     $or:pat, $raw:expr, $g:expr) => {
        #[tamed]
        fn $name($c: char, xs: Vec<i32>) -> String {
            twait! { tame::asap(mkevent!()); }
            let word = matches!($c, $word | '_');
            let moved = if let Msg::Move { x, y } = $m {
                x + y
            } else {
                0
            };
            let none_above = 'scan: {
                for &$x in &xs {
                    if $x > 100 {
                        break 'scan !$big;
                    }
                }
                true
            };
            let counted: Vec<i32> = xs
                .iter()
                .map(|&$mx| {
                    $x += 1;
                    $x
                })
                .collect();
            let either = |$or: Result<i32, i32>| $v;
            let null = $raw.is_null();
            let four = match $g {
                4 => 1,
                _ => 0,
            };
            format!(
                "{word} {moved} {none_above} {counted:?} {} {null} {four}",
                either(Err(4))
            )
        }
    };
}
last_placed!(
    last_fragments,
    c,
    'a'..='z' | '0',
    Msg::Move { x: 1, y: 2 },
    x,
    x > 150,
    mut x,
    v,
    Ok(v) | Err(v),
    &raw const X,
    G::<i32> { v: 4 }.v
);

#[test]
fn the_last_fragments_read_as_in_a_plain_function() {
    assert_eq!(
        tame::run_with(|d| last_fragments('q', vec![1, 120, 3], d)).unwrap(),
        "true 3 true [2, 121, 4] 4 false 1"
    );
}

const BIG: u32 = 300;

// A fragment ending in a cast before `<` or `<<`, and a `mut` binding
// behind a `for` loop's `&`.
macro_rules! cast_and_for {
    ($name:ident, $e:expr, $p:pat, $x:ident) => {
        #[tamed]
        fn $name(v: Vec<i32>) -> (bool, u32, i32) {
            twait! { tame::asap(mkevent!()); }
            let fits = $e < 200;
            let shifted = ($e as u32) << 2;
            let mut t = 0;
            for &$p in v.iter() {
                $x *= 2;
                t += $x;
            }
            (fits, shifted, t)
        }
    };
}
cast_and_for!(cast_then_compare, BIG as u8, mut x, x);

#[test]
fn a_cast_before_a_comparison_and_a_mut_binding_behind_a_for_s_borrow() {
    assert_eq!(
        tame::run_with(|d| cast_then_compare(vec![1, 2], d)),
        Some((true, 176, 6))
    );
}
