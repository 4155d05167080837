//! Shapes a randomized differential search found (random tamed functions
//! run beside their plain twins, their traces compared), each minimized to
//! the construct that mattered and kept here with its twin: the trace of
//! the tamed function must be the plain function's, for every path.

#![deny(warnings)]

use tame::{mkevent, tamed, twait, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, traced, Trace};

#[path = "support/twin.rs"]
mod twin;
use twin::{as_plain, deliver, delivered, later, tick, Noisy};

/// A value with one field, for patterns.
pub struct Named {
    name: String,
}

const NAMES: [&str; 2] = ["a", "b"];
static HOSTS: [&str; 2] = ["h1", "h2"];
const CSV: &str = "x,y";

fn bump(v: &mut [u32]) {
    v[0] += 100;
}

fn type_of<T>(_: T) -> &'static str {
    std::any::type_name::<T>()
}

/// `Some(Noisy)` named `name`, logging `made <name>`, unless `n` is 0.
fn made(t: &Trace, name: &str, n: u32) -> Option<Noisy> {
    log(t, format!("made {name}"));
    (n > 0).then(|| Noisy::new(name, t))
}

/// A type of one's own with a `&self` method named as an iterator's.
pub struct Pool {
    _n: Noisy,
    free: Vec<u32>,
}

impl Pool {
    pub fn count(&self) -> usize {
        self.free.len()
    }
}

/// A wrapper of `format!`, as error crates' macros are.
macro_rules! my_fmt {
    ($($a:tt)*) => { format!($($a)*) };
}

/// A macro whose arguments are no list of expressions (as log's
/// `info!(target: "t", "{x}")`).
macro_rules! tagged {
    (tag: $tag:literal, $($a:tt)*) => { format!("{}: {}", $tag, format!($($a)*)) };
}

/// A macro that expands to statements (a `let`, and a trailing `;`).
macro_rules! log_twice {
    ($t:expr, $($a:tt)*) => {
        let line = format!($($a)*);
        log($t, line.clone());
        log($t, line);
    };
}

/// A macro whose format string comes after a literal of its own.
macro_rules! cat {
    ($cat:literal, $($a:tt)*) => { format!("{}: {}", $cat, format!($($a)*)) };
}

/// A trait of the test's, for `impl`s of closures' own types.
pub trait Go {
    fn go(&self) -> u32;
}

/// A number computed by a call (its type not written where it is bound).
fn g_len(n: &Noisy) -> usize {
    n.name.len()
}

/// Logs `maybe <v> <c>`; `Some(v)` if `c`.
fn maybe(t: &Trace, v: u32, c: bool) -> Option<u32> {
    log(t, format!("maybe {v} {c}"));
    c.then_some(v)
}

fn consume(n: Noisy, t: &Trace) {
    log(t, format!("consumed {}", n.name));
}

/// Gives `(a, b)` to `ev` on the loop's next turn, logging `fire <a> <b>`.
fn deliver2(t: &Trace, a: u32, b: u32, ev: tame::Event<(u32, u32)>) {
    let t = t.clone();
    tame::asap(tame::Event::from_fn(move |_: Option<()>| {
        log(&t, format!("fire {a} {b}"));
        ev.trigger((a, b));
    }));
}

/// Gives `n` to `ev` on the loop's next turn, logging `hand <name>`.
fn hand(t: &Trace, n: Noisy, ev: tame::Event<Noisy>) {
    let t = t.clone();
    tame::asap(tame::Event::from_fn(move |_: Option<()>| {
        log(&t, format!("hand {}", n.name));
        ev.trigger(n);
    }));
}

/// The plain twin of [`hand`].
fn handed(t: &Trace, n: Noisy) -> Noisy {
    log(t, format!("hand {}", n.name));
    n
}

mod tamed {
    use super::*;

    /// A branch with a twait beside one that moves a guard on some paths
    /// only (a nested `if`): where the branches meet is a state, which
    /// carries the guard on the paths that kept it.
    #[tamed]
    pub fn nested_move_beside_a_wait(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        if c {
            twait! { tick(&t, "waited", mkevent!()); }
        } else {
            #[allow(clippy::collapsible_else_if)]
            if d {
                drop(g);
            }
        }
        log(&t, "after");
    }

    /// The same with `else if`.
    #[tamed]
    pub fn else_if_move_beside_a_wait(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        if c {
            twait! { tick(&t, "waited", mkevent!()); }
        } else if d {
            drop(g);
        } else {
            log(&t, "else");
        }
        log(&t, "after");
    }

    /// A `let y = if ..` that moves a guard on some paths, inside a branch
    /// of a `let z = if ..`, a twait after both.
    #[tamed]
    pub fn nested_let_ifs_move(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        let z = if c {
            let _y = if d {
                drop(g);
                0u32
            } else {
                5u32
            };
            1
        } else {
            2
        };
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("z={z}"));
    }

    /// A `continue` that is a statement of its own, in a block arm of a
    /// `match` on a wait whose value a `let` takes.
    #[tamed]
    pub fn continue_in_a_valued_match_on_a_wait(t: Trace) {
        let r = Rendezvous::<u32>::new();
        for k in 0..2u32 {
            later(&t, &r, if k == 0 { 49 } else { 7 });
            let z = match twait!(r).filter(|&v| v == 7) {
                Some(_) => {
                    log(&t, "skip");
                    continue;
                }
                None => 0,
            };
            log(&t, format!("z={z}"));
        }
        log(&t, "end");
    }

    /// A valued `match` whose arm waits, then leaves by a `let .. else`
    /// or moves the guard in both branches of an `if`: on the other arm
    /// the guard lives to its scope's end.
    #[tamed]
    pub fn moved_by_both_branches_after_a_let_else(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        let y = match c {
            true => 5u32,
            false => {
                twait! { tick(&t, "waited", mkevent!()); }
                let Some(_z) = Some(1) else {
                    return;
                };
                if d {
                    drop(g);
                } else {
                    consume(g, &t);
                }
                12u32
            }
        };
        log(&t, format!("y={y}"));
    }

    /// In a loop with no twait, a branch that ends with `return` but may
    /// `break` out of the loop first, the guard moved before the `break`.
    #[tamed]
    pub fn moved_before_a_break_in_a_returning_branch(t: Trace, c: bool, d: bool, lim: u32) {
        let g = Noisy::new("g", &t);
        for i in 0..2u32 {
            if c {
                let y = if d {
                    1u32
                } else {
                    if i >= lim {
                        drop(g);
                        break;
                    }
                    2u32
                };
                log(&t, format!("y={y}"));
                return;
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// A rendezvous' slot declared after an earlier wait on the
    /// rendezvous: that wait cannot return the slot's id, and stores
    /// nothing.
    #[tamed]
    pub fn slot_declared_after_an_earlier_wait(t: Trace) -> (Option<u32>, Option<u32>, u32) {
        let r = Rendezvous::<u32>::new();
        later(&t, &r, 1);
        let first = twait!(r);
        let mut s = 0u32;
        deliver(&t, 5, mkevent!(r, 2, s));
        let second = twait!(r);
        (first, second, s)
    }

    /// A slot read by value before its block (a `Copy` value, taken for a
    /// move) and never read after it, then another twait.
    #[tamed]
    #[allow(unused_assignments)]
    pub fn slot_read_by_value_before_its_block(t: Trace, a: u32) -> u32 {
        let mut x = a;
        let x2 = x % 7;
        twait! { deliver(&t, 11u32, mkevent!(x)); }
        twait! { tick(&t, "waited", mkevent!()); }
        x2
    }

    /// A two-place site in a loop of a block, the second place passed to
    /// the operation, the first read (by value) before and after: the
    /// first keeps its value where no event came.
    #[tamed]
    #[allow(unused_assignments)]
    pub fn pair_slot_in_a_loop(t: Trace, n: u32) -> u32 {
        let mut x = 1u32;
        let mut y = 3u32 ^ x;
        twait! {
            for _ in 0..n {
                deliver2(&t, y, 2, mkevent!(x, y));
            }
        }
        x
    }

    /// A two-place site in a branch of a block, the second place read by
    /// value before it, neither after.
    #[tamed]
    #[allow(unused_assignments)]
    pub fn pair_slot_in_a_branch(t: Trace, a: u32, c: bool) -> u32 {
        let mut x = a;
        let mut y = a;
        let z = y + 1;
        twait! {
            if c {
                deliver2(&t, 5, 6, mkevent!(x, y));
            }
        }
        z
    }

    /// One place filled by two sites in a loop of a block, read by value
    /// before it.
    #[tamed]
    #[allow(unused_assignments)]
    pub fn place_of_two_sites_in_a_loop(t: Trace, a: u32) -> u32 {
        let mut x = a;
        let mut y = a;
        let z = x + 1;
        twait! {
            for i in 0..2u32 {
                deliver2(&t, i, z, mkevent!(x, y));
                deliver(&t, 5u32, mkevent!(x));
            }
        }
        y
    }

    /// A valued `if` whose branch waits on a rendezvous, then moves the
    /// guard on some paths: the other branch keeps it to its scope's end.
    #[tamed]
    pub fn valued_if_waiting_on_a_rendezvous_then_moving(t: Trace, c: bool) {
        let r = Rendezvous::<u32>::new();
        let g = Noisy::new("g", &t);
        let y = if c {
            later(&t, &r, 50);
            let z = twait!(r);
            if z.is_none() {
                drop(g);
            }
            7
        } else {
            2
        };
        log(&t, format!("y={y}"));
    }

    /// A closure that captures by value in an inner `move` closure: a
    /// `FnOnce`, gone after its call.
    #[tamed]
    pub fn closure_moving_into_an_inner_closure(t: Trace) {
        let g = Noisy::new("g", &t);
        let h = move |x: u32| {
            let inner = move || g.name.len() as u32;
            inner() + x
        };
        let y = h(1);
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("y={y}"));
    }

    /// Values of different types, each dropped where it comes back.
    #[tamed]
    pub fn discarded_values_of_two_types(t: Trace) {
        twait! {
            deliver(&t, 1u32, mkevent!(_));
            hand(&t, Noisy::new("n", &t), mkevent!(_));
        }
        log(&t, "after");
    }

    /// A closure that moves a guard it mentions owns it (captured by
    /// value): kept across the twait, the guard goes with the closure at
    /// its scope's end, or at its call.
    #[tamed]
    pub fn closure_owning_a_guard(t: Trace, call: bool) {
        let g = Noisy::new("g", &t);
        let c = || {
            let k = g;
            log(&k.t, "called");
        };
        twait! { tick(&t, "waited", mkevent!()); }
        if call {
            c();
        }
        log(&t, "after");
    }

    /// An `if` or `match` that moves a guard on some paths, inside an
    /// expression: assigned, an argument, the value of a `let` with a
    /// pattern, a `let`'s operand (`shape`).
    #[tamed]
    pub fn moved_inside_an_expression(t: Trace, c: bool, shape: u32) {
        let g = Noisy::new("g", &t);
        let mut y = 0u32;
        let mut v = Vec::new();
        match shape {
            0 => {
                y = if c {
                    drop(g);
                    1
                } else {
                    7
                }
            }
            1 => v.push(if c {
                consume(g, &t);
                2
            } else {
                8
            }),
            2 => {
                let (a, b) = if c {
                    drop(g);
                    (1, 2)
                } else {
                    (3, 4)
                };
                y = a + b;
            }
            _ => {
                let n = u32::max(
                    y,
                    match c {
                        true => {
                            drop(g);
                            3
                        }
                        false => 9,
                    },
                );
                y = n;
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("y={y} v={v:?}"));
    }

    #[tamed]
    pub fn operand_read_before_a_moving_if(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let mut x = 5u32;
        let y = u32::max(
            x,
            if c {
                x += 10;
                drop(g);
                1
            } else {
                2
            },
        );
        let z = (
            x,
            if c {
                x = 0;
                3
            } else {
                4
            },
        );
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("y={y} z={z:?} x={x}"));
    }

    #[tamed]
    pub fn moved_in_a_let_else(t: Trace, o: Option<u32>) {
        let g = Noisy::new("g", &t);
        let Some(x) = o else {
            drop(g);
            return;
        };
        let mut n = 0;
        for i in 0..2u32 {
            let h = Noisy::new(format!("h{i}"), &t);
            let Some(_) = o.filter(|&v| v > i) else {
                drop(h);
                continue;
            };
            n += 1;
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, format!("i={i}"));
        }
        log(&t, format!("x={x} n={n}"));
    }

    #[tamed]
    pub fn moved_in_an_if_let_on_an_owned_value(t: Trace, o: Option<Noisy>, d: bool) {
        let g = Noisy::new("g", &t);
        if let Some(n) = o {
            if d {
                drop(g);
            }
            log(&t, format!("got {}", n.name));
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// A moving `if` whose branches' values need the type the call gives
    /// them (`Box<dyn Debug>`): it must compile.
    #[tamed]
    pub fn moving_if_coerced_by_its_call(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let mut v: Vec<Box<dyn std::fmt::Debug>> = Vec::new();
        v.push(if c {
            drop(g);
            Box::new(1u32)
        } else {
            Box::new("x")
        });
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("{v:?}"));
    }

    /// The same inside a `twait! {}` block.
    #[tamed]
    pub fn moved_inside_an_expression_in_a_twait_block(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let mut v = Vec::new();
        twait! {
            v.push(if c {
                drop(g);
                1u32
            } else {
                2
            });
            tick(&t, "waited", mkevent!());
        }
        log(&t, format!("v={v:?}"));
    }

    /// A moving `if` after an operand it changes through a `&mut` passed
    /// on, and one whose literal takes its type from the other branch
    /// (`u64`) in a generic call.
    #[tamed]
    pub fn moving_if_typed_by_its_sibling(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        let mut data = vec![1u32];
        let r = &mut data;
        let first = u32::max(
            r[0],
            if c {
                bump(r);
                5
            } else {
                0
            },
        );
        let kind = type_of(if d {
            drop(g);
            1u64
        } else {
            2
        });
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("first={first} kind={kind}"));
    }

    /// `let r = &make();`: the value lives to the end of the block, across
    /// the twait, as in Rust (it was E0716 at `#[tamed]`).
    #[tamed]
    pub fn extended_temporaries(t: Trace, a: String) {
        let name = &Noisy::new("f", &t).name;
        let w = &Named {
            name: format!("w{name}"),
        };
        let parts = &[a.as_str(), "x"];
        log(&t, format!("{} {}", w.name, parts.len()));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    #[tamed]
    pub fn extended_temporary(t: Trace) {
        let r = &Noisy::new("r", &t);
        let n = &mut vec![1u32];
        n.push(2);
        log(&t, format!("{} {n:?}", r.name));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }

    /// Fields of a parameter's `Rc` bound by reference (`&*cfg`), not used
    /// after the twait: borrows of `cfg`, not kept (it was E0597).
    #[tamed]
    pub fn fields_borrowed_through_an_rc(t: Trace, cfg: std::rc::Rc<Named>) {
        let g = Noisy::new("g", &t);
        let Named { name } = &*cfg;
        log(&t, name.clone());
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("end {}", g.name));
    }
    /// `if let` guards (a chain of them, one shadowing the arm's own
    /// binding) bind for the arm, across its twait; the value a guard
    /// binds drops at the arm's end (it was E0425 at `#[tamed]`).
    #[tamed]
    pub fn if_let_guards(t: Trace, v: Option<u32>, name: &'static str) {
        let g = Noisy::new("g", &t);
        match v {
            Some(n)
                if let Some(n) = n.checked_sub(1)
                    && let Some(m) = made(&t, name, n) =>
            {
                twait! { tick(&t, "waited", mkevent!()); }
                log(&t, format!("arm 1: {n} {}", m.name));
            }
            Some(n) if let Ok(k) = u8::try_from(n + 200) => {
                twait! { tick(&t, "waited", mkevent!()); }
                log(&t, format!("arm 2: {k}"));
            }
            _ => log(&t, "other"),
        }
        log(&t, format!("end {}", g.name));
    }
    /// Or-patterns bind one variable whatever the alternative (`Ok(x) |
    /// Err(x)`, nested ones too), shadowing an outer one of the same name,
    /// kept across a twait (it was E0408 at `#[tamed]`: each alternative's
    /// `x` became a variable of its own).
    #[tamed]
    pub fn or_patterns(t: Trace, r: Result<Noisy, (u32, Noisy)>) {
        let x = Noisy::new("outer", &t);
        match r {
            Ok(x) | Err((0 | 1, x)) => {
                twait! { tick(&t, "waited", mkevent!()); }
                log(&t, format!("arm 1: {}", x.name));
            }
            Err((n, x)) => {
                let (Ok(k) | Err(k)) = u8::try_from(n).map_err(|_| 255u8);
                twait! { tick(&t, "waited", mkevent!()); }
                log(&t, format!("arm 2: {} {k}", x.name));
            }
        }
        log(&t, format!("end {}", x.name));
    }
    /// A `move` closure that uses a captured number by value (`+ k`) is a
    /// `Fn`, not gone after its call: the guard it owns lives to the
    /// closure's scope end (it was dropped at the next twait).
    #[tamed]
    pub fn move_closure_copying_a_number(t: Trace) {
        let g = Noisy::new("g", &t);
        let k = 3usize;
        let f = move || g.name.len() + k;
        log(&t, format!("{}", f()));
        let h = Noisy::new("h", &t);
        let n = g_len(&h);
        let f2 = move || h.name.len() + n;
        log(&t, format!("{}", f2()));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }
    /// Views of `const` and `static` items (`NAMES.iter()`, `CSV.split`)
    /// borrow nothing of the function's: a `for` over one, or a `let ..
    /// else` out of one, keeps them across a twait (they were "a borrow
    /// of `NAMES`").
    #[tamed]
    pub fn views_of_items(t: Trace) {
        for n in NAMES.iter() {
            twait! { tick(&t, format!("w{n}"), mkevent!()); }
        }
        for h in HOSTS.iter() {
            twait! { tick(&t, format!("w{h}"), mkevent!()); }
        }
        let Some((a, b)) = CSV.split_once(',') else {
            return;
        };
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("{a}{b}"));
    }
    /// `Option::or` and the iterator methods that take `self` (`rev`,
    /// `enumerate`) move their receiver: it is not kept across the twait
    /// (it was E0382 at the twait, the receiver taken for a borrow).
    #[tamed]
    pub fn consuming_std_methods(t: Trace, c: bool) {
        let a = if c { Some(Noisy::new("a", &t)) } else { None };
        let b = Some(Noisy::new("b", &t));
        let x = a.or(b);
        let v: Vec<Noisy> = (0..2).map(|i| Noisy::new(format!("v{i}"), &t)).collect();
        let it = v.into_iter();
        let n = it.rev().count();
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("{n} {:?}", x.map(|n| n.name.clone())));
    }
    /// A name declared a third time (a parameter refined twice): a borrow
    /// of it used before the twait is not kept (it was E0716/E0505), and
    /// an `if let` on it moves it only when it matches (it was dropped at
    /// the next twait on the other path).
    #[tamed]
    pub fn third_declaration(t: Trace, line: String, ok: bool) {
        let line = line.trim().to_string();
        let line = line.to_uppercase();
        let parts: Vec<&str> = line.split(',').collect();
        let n = parts.len();
        let r = ok;
        let r = if r { 1 } else { 0 };
        let r = if r == 1 {
            Ok(Noisy::new("ok", &t))
        } else {
            Err(Noisy::new("err", &t))
        };
        if let Ok(g) = r {
            log(&t, format!("got {}", g.name));
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("end {line} {n}"));
    }
    /// A width and a precision named by a shadowing variable (`{:>w$}`):
    /// the shadowing one's value, across a twait too (the first `w`'s was
    /// used; after a twait, `w` was not found).
    #[tamed]
    pub fn named_widths(t: Trace) {
        let w = 3;
        let w = w + 5;
        let p = 1;
        let p = p + 2;
        log(&t, format!("[{:>w$}]", 1));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("[{:>w$.p$}] [{x:>w$}]", 1.23456, x = 7));
    }
    /// A typed `let` (or an assignment to a typed variable) whose value a
    /// waiting `if`/`match` gives: each branch's value is coerced to the
    /// type (it was E0308, the first branch's type taken for all).
    #[tamed]
    pub fn coerced_branches(t: Trace, c: bool) {
        let b: Box<dyn Fn(u32) -> u32> = if c {
            twait! { tick(&t, "waited", mkevent!()); }
            Box::new(|x| x + 1)
        } else {
            Box::new(|x| x * 2)
        };
        let s: &[u32] = match c {
            true => {
                twait! { tick(&t, "waited", mkevent!()); }
                &[1, 2]
            }
            false => &[1, 2, 3],
        };
        let mut f: Box<dyn Fn(u32) -> u32> = Box::new(|x| x);
        log(&t, format!("{}", f(0)));
        f = if c {
            twait! { tick(&t, "waited", mkevent!()); }
            Box::new(|x| x + 10)
        } else {
            Box::new(|x| x * 20)
        };
        log(&t, format!("{} {s:?} {}", b(3), f(1)));
    }
    /// A macro of one's own that formats (`my_fmt!("{x}")`, as anyhow's
    /// `bail!` does) reads the shadowing `x`, and a width `w$` (it read
    /// the first `x`: a macro's string cannot be given named arguments).
    #[tamed]
    pub fn captured_by_other_macros(t: Trace, k: u32) {
        twait! { tick(&t, "waited", mkevent!()); }
        let x = k;
        let x = x * 10 + 1;
        let w = 2usize;
        let w = w + 4;
        log(&t, my_fmt!("d{x} [{:>w$}]", 7));
    }
    /// An iterator's `last` (`v.iter().copied().last()`,
    /// `v.into_iter().last()`) is an owned item when the items are: kept
    /// across a twait (it was "borrows `v`", as a slice's `last`).
    #[tamed]
    pub fn iterator_last(t: Trace, v: Vec<u32>) {
        let last = v.iter().copied().last();
        let w: Vec<Noisy> = (0..2).map(|i| Noisy::new(format!("w{i}"), &t)).collect();
        let l = w.into_iter().last();
        twait! { tick(&t, "waited", mkevent!()); }
        log(
            &t,
            format!("{last:?} {:?}", l.as_ref().map(|n| n.name.clone())),
        );
    }
    /// A `&self` method of one's own named `count` borrows its receiver
    /// (kept to its scope's end); a closure that sums a captured range,
    /// or adds to a captured `String`, moves it out of itself (gone after
    /// its call, as its `FnOnce` type says).
    #[tamed]
    pub fn names_and_closures(t: Trace) {
        let pool = Pool {
            _n: Noisy::new("pool", &t),
            free: vec![1, 2],
        };
        let n = pool.count();
        let r = 0..4u32;
        let total = move || r.sum::<u32>();
        let sum = total();
        let s = String::from("hi");
        let shout = move || s + "!";
        let loud = shout();
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, format!("{n} {sum} {loud}"));
    }
    /// A round of shapes a probe found (each was refused or differed):
    /// a struct with its `impl` in a closure, in a plain block and in a
    /// waiting one (E0599: the lint shadow's struct had no `impl`); a
    /// promoted constant (`&Some(5)`, E0716); a variable named like the
    /// translator's holder of an extended temporary (read the holder);
    /// two extended temporaries of one name (E0416); a struct or tuple of
    /// borrows (E0597), of guards (E0716); a macro whose arguments are no
    /// expressions, or that expands to statements, given a format string
    /// capturing a shadowing `x` (read the first `x`; refused); a named
    /// argument `x = 5` beside a renamed `x` (duplicate argument).
    #[tamed]
    pub fn probe_round(t: Trace, c: bool) {
        let f = || {
            struct P(u32);
            impl P {
                fn get(&self) -> u32 {
                    self.0
                }
            }
            P(3).get()
        };
        let n = {
            struct Q(u32);
            impl Q {
                fn get(&self) -> u32 {
                    self.0
                }
            }
            Q(4).get()
        };
        let constant: &'static Option<u32> = &Some(5);
        let total_value = 1u32;
        let total = &g_len(&Noisy::new("sum", &t));
        let r = &Noisy::new("r1", &t).name;
        log(&t, format!("{} {n} {constant:?} {total} {r}", f()));
        let r = &Noisy::new("r2", &t);
        r.touch();
        let line = String::from("ab");
        let v = &Named { name: line.clone() };
        let p = &(line.as_str(), 1);
        log(&t, format!("{} {}", v.name, p.0));
        let g1 = Noisy::new("g1", &t);
        let pair = &(g1, 2);
        pair.0.touch();
        let _ = &Noisy::new("kept", &t);
        let abs3 = || {
            unsafe extern "C" {
                safe fn abs(x: i32) -> i32;
            }
            abs(-3)
        };
        let x = 1;
        log(&t, format!("{x}"));
        let x = 2;
        twait! { tick(&t, "waited", mkevent!()); }
        assert_eq!(format!("{x}"), "2", "{x} is not 2");
        log(&t, format!("{}", abs3()));
        if c {
            struct W(u32);
            impl W {
                fn get(&self) -> u32 {
                    self.0
                }
            }
            let w = W(7);
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, format!("{}", w.get()));
        }
        log(&t, tagged!(tag: "k", "{x}"));
        log_twice!(&t, "{x}!");
        log(&t, format!("{x} {x}", x = 5));
        log(&t, format!("{total_value} {x} {line}"));
    }
    /// The next round's shapes: `&Tk(1)` of a type with a drop is extended
    /// (it was taken for a promoted constant: E0716), as `let _: &Tk =
    /// &..;` and `let _g = &..;` are (the holder's name drew
    /// `non_snake_case`); an `impl` for `&L` or `Box<L>` of a closure's own
    /// type stays with it, one of a block's own trait for `u32` does not
    /// (E0599, E0034); another macro's second literal is its format
    /// string (`cat!("net", "{x}")` read the first `x`); a statement
    /// macro keeps its `#[cfg]`.
    #[tamed]
    pub fn probe_round_2(t: Trace) {
        let tk = &Noisy::new("tk", &t);
        let tk_name = tk.name.clone();
        let _: &Noisy = &Noisy::new("typed", &t);
        let _g = &Noisy::new("g", &t);
        let f = || {
            struct L(u32);
            impl Go for &L {
                fn go(&self) -> u32 {
                    self.0
                }
            }
            impl Go for Box<L> {
                fn go(&self) -> u32 {
                    self.0 + 10
                }
            }
            (&L(3)).go() + Box::new(L(4)).go()
        };
        let x = "outer";
        log(&t, x);
        let x = "inner";
        {
            trait Twice {
                fn twice(&self) -> u32;
            }
            impl Twice for u32 {
                fn twice(&self) -> u32 {
                    *self * 2
                }
            }
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, format!("{} {} {tk_name}", 5u32.twice(), f()));
        }
        log(&t, cat!("net", "{x}"));
        #[cfg(any())]
        log_twice!(&t, "never {x}");
        log_twice!(&t, "always {x}");
    }
    /// A statement macro of one's own whose format string uses a renamed
    /// inner `w`, then a twait: the outer `w` is the machine's to keep
    /// (the names the string needed went before the call in the
    /// enclosing block, and the twait kept the inner `w` as the outer).
    #[tamed]
    pub fn statement_macro_beside_an_outer_name(t: Trace) {
        let w: usize = 2;
        {
            let w: usize = 6;
            twait! { tick(&t, "waited", mkevent!()); }
            log_twice!(&t, "[{:w$}]", "a");
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, format!("inner {w}"));
        }
        log(&t, format!("outer {w}"));
    }
    /// A `let .. else` whose `else` declares a name of the spine (`a`)
    /// and leaves the loop: after the loop `a` is the outer one (the jump
    /// packed the `else`'s `a` into the state).
    #[tamed]
    pub fn a_let_else_shadowing_a_kept_name_breaks(t: Trace) {
        let a = Noisy::new("a1", &t);
        let mut n = 0;
        loop {
            twait! { tick(&t, "waited", mkevent!()); }
            n += 1;
            let Some(_y) = (n < 2).then_some(n) else {
                let a = Noisy::new("a2", &t);
                log(&t, format!("else {}", a.name));
                break;
            };
        }
        log(&t, format!("after {}", a.name));
    }
    /// A call whose own argument waits, then an operand that waits: the
    /// call is made before the second operand's wait (it was made after
    /// it), and its `?` returns before that operand runs at all.
    #[tamed]
    pub fn an_operand_call_waiting_inside_before_a_later_wait(t: Trace, c: bool) -> Option<u32> {
        let m = maybe(
            &t,
            maybe(
                &t,
                {
                    twait! { tick(&t, "w1", mkevent!()); }
                    6
                },
                c,
            )
            .unwrap_or(1),
            {
                twait! { tick(&t, "w2", mkevent!()); }
                true
            },
        )?;
        let q = maybe(
            &t,
            maybe(
                &t,
                {
                    twait! { tick(&t, "w1", mkevent!()); }
                    7
                },
                c,
            )?,
            {
                twait! { tick(&t, "w2", mkevent!()); }
                true
            },
        )?;
        Some(m + q)
    }
    /// A guarded arm binding a part of a plain number (`k` out of `v:
    /// u32`) that moves a variable on some paths: where it kept it, the
    /// variable lives to its scope's end (it was dropped at the twait).
    #[tamed]
    pub fn a_move_in_an_arm_binding_a_number(t: Trace, n: u32, c: bool) {
        let o = Noisy::new("o", &t);
        let v: u32 = n + 1;
        match v {
            k if k > 5 => {
                if c {
                    drop(o);
                }
                log(&t, format!("k={k}"));
            }
            _ => {
                twait! { tick(&t, "waited", mkevent!()); }
            }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }
    /// A number computed from a parameter (`s % 7`, a tuple of such, a
    /// `let` of one), bound by an arm or used after an `if` that moves a
    /// variable on some paths: a number borrows nothing, and the variable
    /// lives to its scope's end on the other paths.
    #[tamed]
    pub fn a_move_beside_a_computed_number(t: Trace, s: u32) {
        let o = Noisy::new("o", &t);
        match s % 7 {
            k @ 1..=2 => {
                if s > 7 {
                    drop(o);
                }
                log(&t, format!("k={k}"));
            }
            0 => log(&t, "zero"),
            _ => {}
        }
        let p = (s % 3, 1u32);
        let q = Noisy::new("q", &t);
        if s == 9 {
            drop(q);
        }
        log(&t, format!("p={p:?}"));
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }
    /// A `for` over a range whose arm binds its number by value, moving
    /// a variable on some paths and leaving the loop: on the other paths
    /// the variable lives to the function's end.
    #[tamed]
    pub fn a_move_in_an_arm_binding_a_range_item(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        for i in (0..3u32).rev() {
            match i {
                k if k > 1 => {
                    if c {
                        drop(a);
                        break;
                    }
                    log(&t, format!("k={k}"));
                }
                _ => {}
            }
            twait! { tick(&t, "waited", mkevent!()); }
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }
    /// A `match` that moves a variable in some arms (a construct of the
    /// machine) and returns from another: the scrutinee's temporary drops
    /// before the variable, as a statement's do (the machine's `match`
    /// was its block's tail: in edition 2021 its temporary outlived it).
    #[tamed]
    pub fn return_beside_a_move_under_a_scrutinee_temporary(t: Trace, c: bool) {
        let p = Noisy::new("p", &t);
        match Noisy::new("tmp", &t).name.len() {
            3 => {
                if c {
                    return;
                }
            }
            _ => drop(p),
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }
    /// The same with an `if let`.
    #[tamed]
    pub fn return_beside_a_move_under_an_if_let_temporary(t: Trace, c: bool) {
        let p = Noisy::new("p", &t);
        if let 3 = Noisy::new("tmp", &t).name.len() {
            if c {
                return;
            }
        } else {
            drop(p);
        }
        twait! { tick(&t, "waited", mkevent!()); }
        log(&t, "end");
    }
    /// A `break` out of a block in a `match`'s scrutinee after a move: the
    /// `match` stays ordinary code (it was taken for a construct of the
    /// machine, whose scrutinee cannot leave: "cannot find macro").
    #[tamed]
    #[allow(clippy::blocks_in_conditions)] // the shape under test
    pub fn a_break_in_a_scrutinee_block(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        let mut n = 0;
        loop {
            twait! { tick(&t, "waited", mkevent!()); }
            n += 1;
            match {
                if c && n == 2 {
                    drop(a);
                    break;
                }
                n
            } {
                1 => log(&t, "one"),
                _ => log(&t, "more"),
            }
            if n == 3 {
                break;
            }
        }
        log(&t, "after");
    }
    /// A variable moved on some paths only (the machine keeps it in a
    /// flag), then a twait inside a block that gives a `let` its value:
    /// where it was kept, it drops before the variables declared before it.
    #[tamed]
    pub fn flagged_variable_drops_in_its_place_after_a_valued_block(t: Trace, c: bool) {
        let _a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        if c {
            drop(b);
        }
        let v = {
            twait! { tick(&t, "waited", mkevent!()); }
            2
        };
        log(&t, format!("v={v}"));
    }
    /// `count`, `max`, `min`, `skip` and `last` on a variable bound to an
    /// owned iterator chain move it (E0382 at the twait: the variable was
    /// kept for its drop), and its items are dropped where Rust drops them.
    #[tamed]
    pub fn owned_iterators_consumed_by_count_and_the_like(t: Trace) {
        let named = |s: &str| Noisy::new(s, &t);
        let v = vec![named("a"), named("b")];
        let it = v.into_iter().filter(|n| n.name != "x");
        let n = it.count();
        let w = vec![3u32, 1, 2];
        let big = w.clone().into_iter().map(|x| x * 10);
        let most = big.max();
        let least = (0..5u32).map(|x| x + 1).min();
        let rest = vec![named("c"), named("d")].into_iter().enumerate();
        let mut after = rest.skip(1);
        let tail = w.into_iter().take_while(|x| *x > 0);
        let last = tail.last();
        twait! { tick(&t, "waited", mkevent!()); }
        let d = after.next().map(|(i, n)| format!("{i} {}", n.name));
        log(&t, format!("{n} {most:?} {least:?} {last:?} {d:?}"));
    }

    /// A `let ... else` whose `else` waits, on a place: a field (moved out
    /// of on a match, left whole otherwise), and a slice (below).
    #[tamed]
    pub fn a_let_else_on_a_field(t: Trace, name: Option<u32>) {
        let job = (
            Noisy::new("job", &t),
            name.map(|n| Noisy::new(format!("name{n}"), &t)),
        );
        let Some(named) = job.1 else {
            twait! { tick(&t, "waited", mkevent!()); }
            log(&t, "anonymous");
            return;
        };
        log(&t, "named");
        drop(named);
        log(&t, "end");
    }

    #[tamed]
    pub fn a_let_else_on_a_slice(t: Trace, v: Vec<u32>) {
        let g = Noisy::new("g", &t);
        let [a, b] = v[..] else {
            twait! { tick(&t, "waited", mkevent!()); }
            drop(g);
            log(&t, "not a pair");
            return;
        };
        log(&t, format!("{a} {b}"));
    }

    /// A block without a twait that hides a name the loop's exit keeps,
    /// leaves the loop from inside, and assigns a variable read after it:
    /// the machine leaves the block before it jumps, and the variable's
    /// value before the block is kept for the path that goes on.
    #[tamed]
    pub fn assigned_in_a_block_a_break_leaves(t: Trace, k: u32) {
        let a: u32 = k;
        let mut b: u32 = 1;
        log(&t, format!("b={b}"));
        for _ in 0..2u32 {
            {
                let a = a + 100;
                if a.is_multiple_of(2) {
                    break;
                }
                b = a + k;
            }
            let mut turns = 0;
            b += 'o: loop {
                twait! { tick(&t, "waited", mkevent!()); }
                turns += 1;
                if turns == 2 {
                    break 'o if a > 3 { a } else { 0 };
                }
            };
            log(&t, format!("b={b}"));
        }
        b = 1;
        log(&t, format!("a+b={}", a + b));
    }

    /// A `break` with a value out of a loop without a twait that hides the
    /// outer loop's variable (`for j` in `for j`): the value is given
    /// before the jump leaves the inner loop, and is the outer loop's.
    #[tamed]
    pub fn a_break_value_given_where_a_name_is_hidden(t: Trace, k: u32) {
        let mut b: u32 = 1;
        for j in 0..3u32 {
            let x;
            let mut turns = 0;
            b += 'o: loop {
                for j in j..j + 2 {
                    if j + k > 3 {
                        break 'o j * 10;
                    }
                }
                twait! { tick(&t, "waited", mkevent!()); }
                turns += 1;
                if turns == 2 {
                    break 0;
                }
            };
            (x, b) = (j, b + 1);
            log(&t, format!("j={j} x={x} b={b}"));
        }
        log(&t, format!("b={b}"));
    }
}

mod plain {
    use super::*;

    pub fn continue_in_a_valued_match_on_a_wait(t: Trace) {
        for id in [49u32, 7] {
            let z = match Some(id).filter(|&v| v == 7) {
                Some(_) => {
                    log(&t, "skip");
                    continue;
                }
                None => 0,
            };
            log(&t, format!("z={z}"));
        }
        log(&t, "end");
    }

    pub fn nested_move_beside_a_wait(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        if c {
            log(&t, "waited");
        } else {
            #[allow(clippy::collapsible_else_if)]
            if d {
                drop(g);
            }
        }
        log(&t, "after");
    }

    pub fn else_if_move_beside_a_wait(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        if c {
            log(&t, "waited");
        } else if d {
            drop(g);
        } else {
            log(&t, "else");
        }
        log(&t, "after");
    }

    pub fn nested_let_ifs_move(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        let z = if c {
            let _y = if d {
                drop(g);
                0u32
            } else {
                5u32
            };
            1
        } else {
            2
        };
        log(&t, "waited");
        log(&t, format!("z={z}"));
    }

    pub fn moved_by_both_branches_after_a_let_else(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        let y = match c {
            true => 5u32,
            false => {
                log(&t, "waited");
                let Some(_z) = Some(1) else {
                    return;
                };
                if d {
                    drop(g);
                } else {
                    consume(g, &t);
                }
                12u32
            }
        };
        log(&t, format!("y={y}"));
    }

    pub fn moved_before_a_break_in_a_returning_branch(t: Trace, c: bool, d: bool, lim: u32) {
        let g = Noisy::new("g", &t);
        for i in 0..2u32 {
            if c {
                let y = if d {
                    1u32
                } else {
                    if i >= lim {
                        drop(g);
                        break;
                    }
                    2u32
                };
                log(&t, format!("y={y}"));
                return;
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn valued_if_waiting_on_a_rendezvous_then_moving(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let y = if c {
            log(&t, "fire 50");
            let z = Some(50u32);
            if z.is_none() {
                drop(g);
            }
            7
        } else {
            2
        };
        log(&t, format!("y={y}"));
    }

    pub fn closure_moving_into_an_inner_closure(t: Trace) {
        let g = Noisy::new("g", &t);
        let h = move |x: u32| {
            let inner = move || g.name.len() as u32;
            inner() + x
        };
        let y = h(1);
        log(&t, "waited");
        log(&t, format!("y={y}"));
    }

    pub fn discarded_values_of_two_types(t: Trace) {
        let _ = delivered(&t, 1u32);
        let _ = handed(&t, Noisy::new("n", &t));
        log(&t, "after");
    }

    pub fn closure_owning_a_guard(t: Trace, call: bool) {
        let g = Noisy::new("g", &t);
        let c = || {
            let k = g;
            log(&k.t, "called");
        };
        log(&t, "waited");
        if call {
            c();
        }
        log(&t, "after");
    }

    pub fn moved_inside_an_expression(t: Trace, c: bool, shape: u32) {
        let g = Noisy::new("g", &t);
        let mut y = 0u32;
        let mut v = Vec::new();
        match shape {
            0 => {
                y = if c {
                    drop(g);
                    1
                } else {
                    7
                }
            }
            1 => v.push(if c {
                consume(g, &t);
                2
            } else {
                8
            }),
            2 => {
                let (a, b) = if c {
                    drop(g);
                    (1, 2)
                } else {
                    (3, 4)
                };
                y = a + b;
            }
            _ => {
                let n = u32::max(
                    y,
                    match c {
                        true => {
                            drop(g);
                            3
                        }
                        false => 9,
                    },
                );
                y = n;
            }
        }
        log(&t, "waited");
        log(&t, format!("y={y} v={v:?}"));
    }

    pub fn operand_read_before_a_moving_if(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let mut x = 5u32;
        let y = u32::max(
            x,
            if c {
                x += 10;
                drop(g);
                1
            } else {
                2
            },
        );
        let z = (
            x,
            if c {
                x = 0;
                3
            } else {
                4
            },
        );
        log(&t, "waited");
        log(&t, format!("y={y} z={z:?} x={x}"));
    }

    pub fn moved_in_a_let_else(t: Trace, o: Option<u32>) {
        let g = Noisy::new("g", &t);
        let Some(x) = o else {
            drop(g);
            return;
        };
        let mut n = 0;
        for i in 0..2u32 {
            let h = Noisy::new(format!("h{i}"), &t);
            let Some(_) = o.filter(|&v| v > i) else {
                drop(h);
                continue;
            };
            n += 1;
            log(&t, "waited");
            log(&t, format!("i={i}"));
        }
        log(&t, format!("x={x} n={n}"));
    }

    pub fn moved_in_an_if_let_on_an_owned_value(t: Trace, o: Option<Noisy>, d: bool) {
        let g = Noisy::new("g", &t);
        if let Some(n) = o {
            if d {
                drop(g);
            }
            log(&t, format!("got {}", n.name));
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn moving_if_coerced_by_its_call(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let mut v: Vec<Box<dyn std::fmt::Debug>> = Vec::new();
        v.push(if c {
            drop(g);
            Box::new(1u32)
        } else {
            Box::new("x")
        });
        log(&t, "waited");
        log(&t, format!("{v:?}"));
    }

    pub fn moved_inside_an_expression_in_a_twait_block(t: Trace, c: bool) {
        let g = Noisy::new("g", &t);
        let mut v = Vec::new();
        v.push(if c {
            drop(g);
            1u32
        } else {
            2
        });
        log(&t, "waited");
        log(&t, format!("v={v:?}"));
    }

    pub fn moving_if_typed_by_its_sibling(t: Trace, c: bool, d: bool) {
        let g = Noisy::new("g", &t);
        let mut data = vec![1u32];
        let r = &mut data;
        let first = u32::max(
            r[0],
            if c {
                bump(r);
                5
            } else {
                0
            },
        );
        let kind = type_of(if d {
            drop(g);
            1u64
        } else {
            2
        });
        log(&t, "waited");
        log(&t, format!("first={first} kind={kind}"));
    }

    pub fn extended_temporaries(t: Trace, a: String) {
        let name = &Noisy::new("f", &t).name;
        let w = &Named {
            name: format!("w{name}"),
        };
        let parts = &[a.as_str(), "x"];
        log(&t, format!("{} {}", w.name, parts.len()));
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn extended_temporary(t: Trace) {
        let r = &Noisy::new("r", &t);
        let n = &mut vec![1u32];
        n.push(2);
        log(&t, format!("{} {n:?}", r.name));
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn fields_borrowed_through_an_rc(t: Trace, cfg: std::rc::Rc<Named>) {
        let g = Noisy::new("g", &t);
        let Named { name } = &*cfg;
        log(&t, name.clone());
        log(&t, "waited");
        log(&t, format!("end {}", g.name));
    }

    pub fn if_let_guards(t: Trace, v: Option<u32>, name: &'static str) {
        let g = Noisy::new("g", &t);
        match v {
            Some(n)
                if let Some(n) = n.checked_sub(1)
                    && let Some(m) = made(&t, name, n) =>
            {
                log(&t, "waited");
                log(&t, format!("arm 1: {n} {}", m.name));
            }
            Some(n) if let Ok(k) = u8::try_from(n + 200) => {
                log(&t, "waited");
                log(&t, format!("arm 2: {k}"));
            }
            _ => log(&t, "other"),
        }
        log(&t, format!("end {}", g.name));
    }

    pub fn or_patterns(t: Trace, r: Result<Noisy, (u32, Noisy)>) {
        let x = Noisy::new("outer", &t);
        match r {
            Ok(x) | Err((0 | 1, x)) => {
                log(&t, "waited");
                log(&t, format!("arm 1: {}", x.name));
            }
            Err((n, x)) => {
                let (Ok(k) | Err(k)) = u8::try_from(n).map_err(|_| 255u8);
                log(&t, "waited");
                log(&t, format!("arm 2: {} {k}", x.name));
            }
        }
        log(&t, format!("end {}", x.name));
    }

    pub fn move_closure_copying_a_number(t: Trace) {
        let g = Noisy::new("g", &t);
        let k = 3usize;
        let f = move || g.name.len() + k;
        log(&t, format!("{}", f()));
        let h = Noisy::new("h", &t);
        let n = g_len(&h);
        let f2 = move || h.name.len() + n;
        log(&t, format!("{}", f2()));
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn views_of_items(t: Trace) {
        for n in NAMES.iter() {
            log(&t, format!("w{n}"));
        }
        for h in HOSTS.iter() {
            log(&t, format!("w{h}"));
        }
        let Some((a, b)) = CSV.split_once(',') else {
            return;
        };
        log(&t, "waited");
        log(&t, format!("{a}{b}"));
    }

    pub fn consuming_std_methods(t: Trace, c: bool) {
        let a = if c { Some(Noisy::new("a", &t)) } else { None };
        let b = Some(Noisy::new("b", &t));
        let x = a.or(b);
        let v: Vec<Noisy> = (0..2).map(|i| Noisy::new(format!("v{i}"), &t)).collect();
        let it = v.into_iter();
        let n = it.rev().count();
        log(&t, "waited");
        log(&t, format!("{n} {:?}", x.map(|n| n.name.clone())));
    }

    pub fn third_declaration(t: Trace, line: String, ok: bool) {
        let line = line.trim().to_string();
        let line = line.to_uppercase();
        let parts: Vec<&str> = line.split(',').collect();
        let n = parts.len();
        let r = ok;
        let r = if r { 1 } else { 0 };
        let r = if r == 1 {
            Ok(Noisy::new("ok", &t))
        } else {
            Err(Noisy::new("err", &t))
        };
        if let Ok(g) = r {
            log(&t, format!("got {}", g.name));
        }
        log(&t, "waited");
        log(&t, format!("end {line} {n}"));
    }

    pub fn named_widths(t: Trace) {
        let w = 3;
        let w = w + 5;
        let p = 1;
        let p = p + 2;
        log(&t, format!("[{:>w$}]", 1));
        log(&t, "waited");
        log(&t, format!("[{:>w$.p$}] [{x:>w$}]", 1.23456, x = 7));
    }

    pub fn coerced_branches(t: Trace, c: bool) {
        let b: Box<dyn Fn(u32) -> u32> = if c {
            log(&t, "waited");
            Box::new(|x| x + 1)
        } else {
            Box::new(|x| x * 2)
        };
        let s: &[u32] = match c {
            true => {
                log(&t, "waited");
                &[1, 2]
            }
            false => &[1, 2, 3],
        };
        let mut f: Box<dyn Fn(u32) -> u32> = Box::new(|x| x);
        log(&t, format!("{}", f(0)));
        f = if c {
            log(&t, "waited");
            Box::new(|x| x + 10)
        } else {
            Box::new(|x| x * 20)
        };
        log(&t, format!("{} {s:?} {}", b(3), f(1)));
    }

    pub fn captured_by_other_macros(t: Trace, k: u32) {
        log(&t, "waited");
        let x = k;
        let x = x * 10 + 1;
        let w = 2usize;
        let w = w + 4;
        log(&t, my_fmt!("d{x} [{:>w$}]", 7));
    }

    pub fn iterator_last(t: Trace, v: Vec<u32>) {
        let last = v.iter().copied().last();
        let w: Vec<Noisy> = (0..2).map(|i| Noisy::new(format!("w{i}"), &t)).collect();
        let l = w.into_iter().last();
        log(&t, "waited");
        log(
            &t,
            format!("{last:?} {:?}", l.as_ref().map(|n| n.name.clone())),
        );
    }

    pub fn names_and_closures(t: Trace) {
        let pool = Pool {
            _n: Noisy::new("pool", &t),
            free: vec![1, 2],
        };
        let n = pool.count();
        let r = 0..4u32;
        let total = move || r.sum::<u32>();
        let sum = total();
        let s = String::from("hi");
        let shout = move || s + "!";
        let loud = shout();
        log(&t, "waited");
        log(&t, format!("{n} {sum} {loud}"));
    }

    pub fn probe_round(t: Trace, c: bool) {
        let f = || {
            struct P(u32);
            impl P {
                fn get(&self) -> u32 {
                    self.0
                }
            }
            P(3).get()
        };
        let n = {
            struct Q(u32);
            impl Q {
                fn get(&self) -> u32 {
                    self.0
                }
            }
            Q(4).get()
        };
        let constant: &'static Option<u32> = &Some(5);
        let total_value = 1u32;
        let total = &g_len(&Noisy::new("sum", &t));
        let r = &Noisy::new("r1", &t).name;
        log(&t, format!("{} {n} {constant:?} {total} {r}", f()));
        let r = &Noisy::new("r2", &t);
        r.touch();
        let line = String::from("ab");
        let v = &Named { name: line.clone() };
        let p = &(line.as_str(), 1);
        log(&t, format!("{} {}", v.name, p.0));
        let g1 = Noisy::new("g1", &t);
        let pair = &(g1, 2);
        pair.0.touch();
        let _ = &Noisy::new("kept", &t);
        let abs3 = || {
            unsafe extern "C" {
                safe fn abs(x: i32) -> i32;
            }
            abs(-3)
        };
        let x = 1;
        log(&t, format!("{x}"));
        let x = 2;
        log(&t, "waited");
        assert_eq!(format!("{x}"), "2", "{x} is not 2");
        log(&t, format!("{}", abs3()));
        if c {
            struct W(u32);
            impl W {
                fn get(&self) -> u32 {
                    self.0
                }
            }
            let w = W(7);
            log(&t, "waited");
            log(&t, format!("{}", w.get()));
        }
        log(&t, tagged!(tag: "k", "{x}"));
        log_twice!(&t, "{x}!");
        log(&t, format!("{x} {x}", x = 5));
        log(&t, format!("{total_value} {x} {line}"));
    }

    pub fn probe_round_2(t: Trace) {
        let tk = &Noisy::new("tk", &t);
        let tk_name = tk.name.clone();
        let _: &Noisy = &Noisy::new("typed", &t);
        let _g = &Noisy::new("g", &t);
        let f = || {
            struct L(u32);
            impl Go for &L {
                fn go(&self) -> u32 {
                    self.0
                }
            }
            impl Go for Box<L> {
                fn go(&self) -> u32 {
                    self.0 + 10
                }
            }
            (&L(3)).go() + Box::new(L(4)).go()
        };
        let x = "outer";
        log(&t, x);
        let x = "inner";
        {
            trait Twice {
                fn twice(&self) -> u32;
            }
            impl Twice for u32 {
                fn twice(&self) -> u32 {
                    *self * 2
                }
            }
            log(&t, "waited");
            log(&t, format!("{} {} {tk_name}", 5u32.twice(), f()));
        }
        log(&t, cat!("net", "{x}"));
        #[cfg(any())]
        log_twice!(&t, "never {x}");
        log_twice!(&t, "always {x}");
    }

    pub fn statement_macro_beside_an_outer_name(t: Trace) {
        let w: usize = 2;
        {
            let w: usize = 6;
            log(&t, "waited");
            log_twice!(&t, "[{:w$}]", "a");
            log(&t, "waited");
            log(&t, format!("inner {w}"));
        }
        log(&t, format!("outer {w}"));
    }

    pub fn a_let_else_shadowing_a_kept_name_breaks(t: Trace) {
        let a = Noisy::new("a1", &t);
        let mut n = 0;
        loop {
            log(&t, "waited");
            n += 1;
            let Some(_y) = (n < 2).then_some(n) else {
                let a = Noisy::new("a2", &t);
                log(&t, format!("else {}", a.name));
                break;
            };
        }
        log(&t, format!("after {}", a.name));
    }

    pub fn an_operand_call_waiting_inside_before_a_later_wait(t: Trace, c: bool) -> Option<u32> {
        let m = maybe(
            &t,
            maybe(
                &t,
                {
                    log(&t, "w1");
                    6
                },
                c,
            )
            .unwrap_or(1),
            {
                log(&t, "w2");
                true
            },
        )?;
        let q = maybe(
            &t,
            maybe(
                &t,
                {
                    log(&t, "w1");
                    7
                },
                c,
            )?,
            {
                log(&t, "w2");
                true
            },
        )?;
        Some(m + q)
    }

    pub fn a_move_in_an_arm_binding_a_number(t: Trace, n: u32, c: bool) {
        let o = Noisy::new("o", &t);
        let v: u32 = n + 1;
        match v {
            k if k > 5 => {
                if c {
                    drop(o);
                }
                log(&t, format!("k={k}"));
            }
            _ => {
                log(&t, "waited");
            }
        }
        log(&t, "waited");
        log(&t, "end");
    }

    /// A number computed from a parameter (`s % 7`, a tuple of such, a
    /// `let` of one), bound by an arm or used after an `if` that moves a
    /// variable on some paths: a number borrows nothing, and the variable
    /// lives to its scope's end on the other paths.
    pub fn a_move_beside_a_computed_number(t: Trace, s: u32) {
        let o = Noisy::new("o", &t);
        match s % 7 {
            k @ 1..=2 => {
                if s > 7 {
                    drop(o);
                }
                log(&t, format!("k={k}"));
            }
            0 => log(&t, "zero"),
            _ => {}
        }
        let p = (s % 3, 1u32);
        let q = Noisy::new("q", &t);
        if s == 9 {
            drop(q);
        }
        log(&t, format!("p={p:?}"));
        log(&t, "waited");
        log(&t, "end");
    }
    /// A `for` over a range whose arm binds its number by value, moving
    /// a variable on some paths and leaving the loop: on the other paths
    /// the variable lives to the function's end.
    pub fn a_move_in_an_arm_binding_a_range_item(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        for i in (0..3u32).rev() {
            match i {
                k if k > 1 => {
                    if c {
                        drop(a);
                        break;
                    }
                    log(&t, format!("k={k}"));
                }
                _ => {}
            }
            log(&t, "waited");
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn return_beside_a_move_under_a_scrutinee_temporary(t: Trace, c: bool) {
        let p = Noisy::new("p", &t);
        match Noisy::new("tmp", &t).name.len() {
            3 => {
                if c {
                    return;
                }
            }
            _ => drop(p),
        }
        log(&t, "waited");
        log(&t, "end");
    }

    pub fn return_beside_a_move_under_an_if_let_temporary(t: Trace, c: bool) {
        let p = Noisy::new("p", &t);
        if let 3 = Noisy::new("tmp", &t).name.len() {
            if c {
                return;
            }
        } else {
            drop(p);
        }
        log(&t, "waited");
        log(&t, "end");
    }

    #[allow(clippy::blocks_in_conditions)]
    pub fn a_break_in_a_scrutinee_block(t: Trace, c: bool) {
        let a = Noisy::new("a", &t);
        let mut n = 0;
        loop {
            log(&t, "waited");
            n += 1;
            match {
                if c && n == 2 {
                    drop(a);
                    break;
                }
                n
            } {
                1 => log(&t, "one"),
                _ => log(&t, "more"),
            }
            if n == 3 {
                break;
            }
        }
        log(&t, "after");
    }

    pub fn flagged_variable_drops_in_its_place_after_a_valued_block(t: Trace, c: bool) {
        let _a = Noisy::new("a", &t);
        let b = Noisy::new("b", &t);
        if c {
            drop(b);
        }
        let v = {
            log(&t, "waited");
            2
        };
        log(&t, format!("v={v}"));
    }

    pub fn owned_iterators_consumed_by_count_and_the_like(t: Trace) {
        let named = |s: &str| Noisy::new(s, &t);
        let v = vec![named("a"), named("b")];
        let it = v.into_iter().filter(|n| n.name != "x");
        let n = it.count();
        let w = vec![3u32, 1, 2];
        let big = w.clone().into_iter().map(|x| x * 10);
        let most = big.max();
        let least = (0..5u32).map(|x| x + 1).min();
        let rest = vec![named("c"), named("d")].into_iter().enumerate();
        let mut after = rest.skip(1);
        let tail = w.into_iter().take_while(|x| *x > 0);
        let last = tail.last();
        log(&t, "waited");
        let d = after.next().map(|(i, n)| format!("{i} {}", n.name));
        log(&t, format!("{n} {most:?} {least:?} {last:?} {d:?}"));
    }

    pub fn a_let_else_on_a_field(t: Trace, name: Option<u32>) {
        let job = (
            Noisy::new("job", &t),
            name.map(|n| Noisy::new(format!("name{n}"), &t)),
        );
        let Some(named) = job.1 else {
            log(&t, "waited");
            log(&t, "anonymous");
            return;
        };
        log(&t, "named");
        drop(named);
        log(&t, "end");
    }

    pub fn a_let_else_on_a_slice(t: Trace, v: Vec<u32>) {
        let g = Noisy::new("g", &t);
        let [a, b] = v[..] else {
            log(&t, "waited");
            drop(g);
            log(&t, "not a pair");
            return;
        };
        log(&t, format!("{a} {b}"));
    }

    pub fn assigned_in_a_block_a_break_leaves(t: Trace, k: u32) {
        let a: u32 = k;
        let mut b: u32 = 1;
        log(&t, format!("b={b}"));
        for _ in 0..2u32 {
            {
                let a = a + 100;
                if a.is_multiple_of(2) {
                    break;
                }
                b = a + k;
            }
            let mut turns = 0;
            b += 'o: loop {
                log(&t, "waited");
                turns += 1;
                if turns == 2 {
                    break 'o if a > 3 { a } else { 0 };
                }
            };
            log(&t, format!("b={b}"));
        }
        b = 1;
        log(&t, format!("a+b={}", a + b));
    }

    pub fn a_break_value_given_where_a_name_is_hidden(t: Trace, k: u32) {
        let mut b: u32 = 1;
        for j in 0..3u32 {
            let x;
            let mut turns = 0;
            b += 'o: loop {
                for j in j..j + 2 {
                    if j + k > 3 {
                        break 'o j * 10;
                    }
                }
                log(&t, "waited");
                turns += 1;
                if turns == 2 {
                    break 0;
                }
            };
            (x, b) = (j, b + 1);
            log(&t, format!("j={j} x={x} b={b}"));
        }
        log(&t, format!("b={b}"));
    }
}

const PATHS: [(bool, bool); 4] = [(true, false), (true, true), (false, false), (false, true)];

#[test]
fn a_guard_moved_on_some_paths_beside_a_branch_that_waits_lives_to_its_scope_end() {
    for (c, d) in PATHS {
        as_plain(
            |t| tamed::nested_move_beside_a_wait(t, c, d),
            |t| plain::nested_move_beside_a_wait(t, c, d),
        );
        as_plain(
            |t| tamed::else_if_move_beside_a_wait(t, c, d),
            |t| plain::else_if_move_beside_a_wait(t, c, d),
        );
    }
    // The path that waits keeps the guard to the end, after "after".
    assert_eq!(
        as_plain(
            |t| tamed::nested_move_beside_a_wait(t, true, false),
            |t| plain::nested_move_beside_a_wait(t, true, false)
        ),
        ["waited", "after", "drop g"]
    );
}

#[test]
fn a_guard_moved_on_some_paths_by_nested_valued_ifs_lives_to_its_scope_end() {
    for (c, d) in PATHS {
        as_plain(
            |t| tamed::nested_let_ifs_move(t, c, d),
            |t| plain::nested_let_ifs_move(t, c, d),
        );
    }
}

#[test]
fn discarded_slots_of_two_types_in_one_block() {
    assert_eq!(
        as_plain(
            tamed::discarded_values_of_two_types,
            plain::discarded_values_of_two_types
        ),
        ["fire 1", "hand n", "drop n", "after"]
    );
}

#[test]
fn a_continue_statement_in_a_block_arm_of_a_valued_match_on_a_wait() {
    let trace = traced(tamed::continue_in_a_valued_match_on_a_wait);
    let plain = traced(plain::continue_in_a_valued_match_on_a_wait);
    // The twin does not fire the rendezvous' events: compare what both log.
    let logged: Vec<&String> = trace.iter().filter(|l| !l.starts_with("fire")).collect();
    assert_eq!(logged, plain.iter().collect::<Vec<_>>());
    assert_eq!(plain, ["z=0", "skip", "end"]);
}

#[test]
fn a_guard_moved_by_every_branch_after_a_let_else_lives_on_the_arm_that_kept_it() {
    for (c, d) in PATHS {
        as_plain(
            |t| tamed::moved_by_both_branches_after_a_let_else(t, c, d),
            |t| plain::moved_by_both_branches_after_a_let_else(t, c, d),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::moved_by_both_branches_after_a_let_else(t, true, false),
            |t| plain::moved_by_both_branches_after_a_let_else(t, true, false)
        ),
        ["y=5", "drop g"]
    );
}

/// It compiles (the move before the `break` was taken for one on a path
/// that returns: "use of moved value" at the twait), and every path that
/// moves the guard, or returns, is the plain function's. (Where the loop
/// neither moves nor returns, the guard, moved on some paths of ordinary
/// code, is dropped at the twait: the README's rule for such code.)
#[test]
fn a_move_before_a_break_out_of_a_branch_that_returns() {
    for (c, d, lim) in [(true, false, 0), (true, false, 5), (true, true, 0)] {
        as_plain(
            |t| tamed::moved_before_a_break_in_a_returning_branch(t, c, d, lim),
            |t| plain::moved_before_a_break_in_a_returning_branch(t, c, d, lim),
        );
    }
}

#[test]
fn a_rendezvous_slot_declared_after_an_earlier_wait_on_it() {
    let got =
        tame::run_with(|done| tamed::slot_declared_after_an_earlier_wait(Trace::default(), done));
    assert_eq!(got, Some((Some(1), Some(2), 5)));
}

#[test]
fn a_slot_read_by_value_before_its_block_and_not_after() {
    let got = tame::run_with(|done| {
        tamed::slot_read_by_value_before_its_block(Trace::default(), 9, done)
    });
    assert_eq!(got, Some(2));
}

#[test]
fn slots_read_by_value_before_their_block_keep_or_take_their_values() {
    let run = |f: &dyn Fn(tame::Event<u32>)| tame::run_with(f);
    // No event: `x` keeps its 1; two: the last one's `x`.
    assert_eq!(
        run(&|d| tamed::pair_slot_in_a_loop(Trace::default(), 0, d)),
        Some(1)
    );
    assert_eq!(
        run(&|d| tamed::pair_slot_in_a_loop(Trace::default(), 2, d)),
        Some(2)
    );
    for c in [false, true] {
        assert_eq!(
            run(&|d| tamed::pair_slot_in_a_branch(Trace::default(), 1, c, d)),
            Some(2)
        );
    }
    assert_eq!(
        run(&|d| tamed::place_of_two_sites_in_a_loop(Trace::default(), 1, d)),
        Some(2)
    );
}

#[test]
fn a_guard_moved_on_some_paths_after_a_rendezvous_wait_in_a_valued_if() {
    for c in [false, true] {
        as_plain(
            |t| tamed::valued_if_waiting_on_a_rendezvous_then_moving(t, c),
            |t| plain::valued_if_waiting_on_a_rendezvous_then_moving(t, c),
        );
    }
}

#[test]
fn a_closure_moving_its_capture_into_an_inner_move_closure_is_gone_after_its_call() {
    assert_eq!(
        as_plain(
            tamed::closure_moving_into_an_inner_closure,
            plain::closure_moving_into_an_inner_closure
        ),
        ["drop g", "waited", "y=2"]
    );
}

#[test]
fn a_closure_that_moves_a_guard_owns_it_across_a_twait() {
    assert_eq!(
        as_plain(
            |t| tamed::closure_owning_a_guard(t, false),
            |t| plain::closure_owning_a_guard(t, false)
        ),
        ["waited", "after", "drop g"]
    );
    assert_eq!(
        as_plain(
            |t| tamed::closure_owning_a_guard(t, true),
            |t| plain::closure_owning_a_guard(t, true)
        ),
        ["waited", "called", "drop g", "after"]
    );
}

#[test]
fn a_guard_moved_on_some_paths_inside_an_expression_lives_to_its_scope_end() {
    for shape in 0..4 {
        for c in [false, true] {
            let trace = as_plain(
                |t| tamed::moved_inside_an_expression(t, c, shape),
                |t| plain::moved_inside_an_expression(t, c, shape),
            );
            if !c {
                assert_eq!(trace.last().map(String::as_str), Some("drop g"), "{shape}");
            }
        }
    }
}

#[test]
fn an_operand_before_a_moving_if_that_changes_it_is_read_before_it() {
    // (The `if` is left in its statement, so `g` falls back to a drop at
    // the twait: the values are what this checks.)
    for c in [false, true] {
        let values = |trace: Vec<String>| {
            trace
                .into_iter()
                .filter(|l| l.starts_with("y="))
                .collect::<Vec<_>>()
        };
        let got = values(traced(|t| tamed::operand_read_before_a_moving_if(t, c)));
        assert_eq!(
            got,
            values(traced(|t| plain::operand_read_before_a_moving_if(t, c)))
        );
        let want = if c {
            "y=5 z=(15, 3) x=0"
        } else {
            "y=5 z=(5, 4) x=5"
        };
        assert_eq!(got, [want]);
    }
}

#[test]
fn a_move_in_a_let_else_leaves_the_paths_that_go_on_alone() {
    for o in [None, Some(0), Some(1), Some(5)] {
        as_plain(
            |t| tamed::moved_in_a_let_else(t, o),
            |t| plain::moved_in_a_let_else(t, o),
        );
    }
}

#[test]
fn a_move_in_an_if_let_on_an_owned_value_lives_to_its_scope_end() {
    for (c, d) in PATHS {
        let o = |t: &Trace| c.then(|| Noisy::new("o", t));
        as_plain(
            |t| tamed::moved_in_an_if_let_on_an_owned_value(t.clone(), o(&t), d),
            |t| plain::moved_in_an_if_let_on_an_owned_value(t.clone(), o(&t), d),
        );
    }
}

#[test]
fn a_moving_if_coerced_by_its_call_compiles() {
    // (Its value is no number: the `if` stays in its statement, and the
    // guard falls back to a drop at the twait. The values are checked.)
    let values = |trace: Vec<String>| {
        trace
            .into_iter()
            .filter(|l| l.starts_with('['))
            .collect::<Vec<_>>()
    };
    for c in [false, true] {
        let got = values(traced(|t| tamed::moving_if_coerced_by_its_call(t, c)));
        assert_eq!(
            got,
            values(traced(|t| plain::moving_if_coerced_by_its_call(t, c)))
        );
        assert_eq!(got, [if c { "[1]" } else { "[\"x\"]" }]);
    }
}

#[test]
fn a_guard_moved_on_some_paths_inside_an_expression_in_a_twait_block() {
    for c in [false, true] {
        as_plain(
            |t| tamed::moved_inside_an_expression_in_a_twait_block(t, c),
            |t| plain::moved_inside_an_expression_in_a_twait_block(t, c),
        );
    }
}

#[test]
fn a_moving_if_reads_what_its_siblings_read_and_types_as_they_type() {
    for (c, d) in PATHS {
        let trace = as_plain(
            |t| tamed::moving_if_typed_by_its_sibling(t, c, d),
            |t| plain::moving_if_typed_by_its_sibling(t, c, d),
        );
        assert!(
            trace.contains(&"first=5 kind=u64".to_string()) == c,
            "{trace:?}"
        );
    }
}

#[test]
fn a_value_a_let_borrows_lives_to_the_end_of_its_block() {
    assert_eq!(
        as_plain(tamed::extended_temporary, plain::extended_temporary),
        ["r [1, 2]", "waited", "end", "drop r"]
    );
}

#[test]
fn fields_bound_through_a_parameters_rc_are_borrows() {
    let cfg = || std::rc::Rc::new(Named { name: "n".into() });
    assert_eq!(
        as_plain(
            |t| tamed::fields_borrowed_through_an_rc(t, cfg()),
            |t| plain::fields_borrowed_through_an_rc(t, cfg())
        ),
        ["n", "waited", "end g", "drop g"]
    );
}

#[test]
fn if_let_guards_bind_for_their_arm_across_a_twait() {
    for v in [None, Some(0), Some(1), Some(2), Some(100)] {
        as_plain(
            |t| tamed::if_let_guards(t, v, "m"),
            |t| plain::if_let_guards(t, v, "m"),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::if_let_guards(t, Some(3), "m"),
            |t| plain::if_let_guards(t, Some(3), "m")
        ),
        [
            "made m",
            "waited",
            "arm 1: 2 m",
            "drop m",
            "end g",
            "drop g"
        ]
    );
}

#[test]
fn or_patterns_bind_one_variable_across_a_twait() {
    for (which, n) in [(0, 0), (1, 1), (1, 7), (1, 300)] {
        let r = move |t: &Trace| match which {
            0 => Ok(Noisy::new("ok", t)),
            _ => Err((n, Noisy::new("err", t))),
        };
        as_plain(
            |t| tamed::or_patterns(t.clone(), r(&t)),
            |t| plain::or_patterns(t.clone(), r(&t)),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::or_patterns(t.clone(), Err((300, Noisy::new("err", &t)))),
            |t| plain::or_patterns(t.clone(), Err((300, Noisy::new("err", &t))))
        ),
        [
            "waited",
            "arm 2: err 255",
            "drop err",
            "end outer",
            "drop outer"
        ]
    );
}

#[test]
fn a_move_closure_copying_a_number_is_kept_to_its_scope_end() {
    assert_eq!(
        as_plain(
            tamed::move_closure_copying_a_number,
            plain::move_closure_copying_a_number
        ),
        ["4", "2", "waited", "end", "drop h", "drop g"]
    );
}

#[test]
fn views_of_consts_and_statics_are_kept_across_a_twait() {
    assert_eq!(
        as_plain(tamed::views_of_items, plain::views_of_items),
        ["wa", "wb", "wh1", "wh2", "waited", "xy"]
    );
}

#[test]
fn std_methods_that_take_self_move_their_receiver() {
    for c in [true, false] {
        as_plain(
            |t| tamed::consuming_std_methods(t, c),
            |t| plain::consuming_std_methods(t, c),
        );
    }
}

#[test]
fn a_name_declared_a_third_time_is_judged_as_the_first_two() {
    for ok in [true, false] {
        as_plain(
            |t| tamed::third_declaration(t, " a,b ".into(), ok),
            |t| plain::third_declaration(t, " a,b ".into(), ok),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::third_declaration(t, " a,b ".into(), false),
            |t| plain::third_declaration(t, " a,b ".into(), false)
        ),
        ["waited", "end A,B 2", "drop err"]
    );
}

#[test]
fn widths_named_by_a_shadowing_variable_are_its() {
    assert_eq!(
        as_plain(tamed::named_widths, plain::named_widths),
        ["[       1]", "waited", "[   1.235] [       7]"]
    );
}

#[test]
fn waiting_branches_are_coerced_to_the_written_type() {
    for c in [true, false] {
        as_plain(
            |t| tamed::coerced_branches(t, c),
            |t| plain::coerced_branches(t, c),
        );
    }
}

#[test]
fn values_borrowed_by_field_literal_or_array_live_to_their_block_end() {
    assert_eq!(
        as_plain(
            |t| tamed::extended_temporaries(t, "a".into()),
            |t| plain::extended_temporaries(t, "a".into())
        ),
        ["wf 2", "waited", "end", "drop f"]
    );
}

#[test]
fn other_macros_format_strings_read_the_shadowing_variable() {
    assert_eq!(
        as_plain(
            |t| tamed::captured_by_other_macros(t, 2),
            |t| plain::captured_by_other_macros(t, 2)
        ),
        ["waited", "d21 [     7]"]
    );
}

#[test]
fn an_iterators_last_owned_item_is_kept() {
    assert_eq!(
        as_plain(
            |t| tamed::iterator_last(t, vec![1, 2]),
            |t| plain::iterator_last(t, vec![1, 2])
        ),
        ["drop w0", "waited", "Some(2) Some(\"w1\")", "drop w1"]
    );
}

#[test]
fn method_names_and_closures_that_move_are_judged_as_rust_does() {
    assert_eq!(
        as_plain(tamed::names_and_closures, plain::names_and_closures),
        ["waited", "2 6 hi!", "drop pool"]
    );
}

#[test]
fn a_probe_rounds_shapes_compile_and_run_as_plain_code() {
    for c in [true, false] {
        as_plain(|t| tamed::probe_round(t, c), |t| plain::probe_round(t, c));
    }
}

#[test]
fn a_second_probe_rounds_shapes_compile_and_run_as_plain_code() {
    assert_eq!(
        as_plain(tamed::probe_round_2, plain::probe_round_2),
        [
            "outer",
            "waited",
            "10 17 tk",
            "net: inner",
            "always inner",
            "always inner",
            "drop g",
            "drop typed",
            "drop tk"
        ]
    );
}

#[test]
fn a_statement_macros_names_do_not_reach_past_it() {
    assert_eq!(
        as_plain(
            tamed::statement_macro_beside_an_outer_name,
            plain::statement_macro_beside_an_outer_name
        ),
        ["waited", "[a     ]", "[a     ]", "waited", "inner 6", "outer 2"]
    );
}

#[test]
fn owned_iterators_are_moved_by_count_max_min_skip_and_last() {
    assert_eq!(
        as_plain(
            tamed::owned_iterators_consumed_by_count_and_the_like,
            plain::owned_iterators_consumed_by_count_and_the_like
        ),
        [
            "drop a",
            "drop b",
            "waited",
            "drop c",
            "drop d",
            "2 Some(30) Some(1) Some(2) Some(\"1 d\")"
        ]
    );
}

#[test]
fn a_flagged_variable_drops_in_its_place_after_a_block_that_waits() {
    for c in [false, true] {
        as_plain(
            |t| tamed::flagged_variable_drops_in_its_place_after_a_valued_block(t, c),
            |t| plain::flagged_variable_drops_in_its_place_after_a_valued_block(t, c),
        );
    }
    assert_eq!(
        as_plain(
            |t| tamed::flagged_variable_drops_in_its_place_after_a_valued_block(t, false),
            |t| plain::flagged_variable_drops_in_its_place_after_a_valued_block(t, false)
        ),
        ["waited", "v=2", "drop b", "drop a"]
    );
}

#[test]
fn a_break_out_of_a_scrutinee_block_after_a_move() {
    // The path that moves leaves the loop by its `break`, which carries
    // nothing; the other keeps `a` to its scope's end, as the plain
    // function does.
    as_plain(
        |t| tamed::a_break_in_a_scrutinee_block(t, true),
        |t| plain::a_break_in_a_scrutinee_block(t, true),
    );
    assert_eq!(
        as_plain(
            |t| tamed::a_break_in_a_scrutinee_block(t, false),
            |t| plain::a_break_in_a_scrutinee_block(t, false),
        ),
        ["waited", "one", "waited", "more", "waited", "more", "after", "drop a"]
    );
}

#[test]
fn a_return_drops_the_scrutinees_temporary_before_the_variables() {
    for c in [false, true] {
        as_plain(
            |t| tamed::return_beside_a_move_under_a_scrutinee_temporary(t, c),
            |t| plain::return_beside_a_move_under_a_scrutinee_temporary(t, c),
        );
        as_plain(
            |t| tamed::return_beside_a_move_under_an_if_let_temporary(t, c),
            |t| plain::return_beside_a_move_under_an_if_let_temporary(t, c),
        );
    }
    assert_eq!(
        traced(|t| plain::return_beside_a_move_under_a_scrutinee_temporary(t, true)),
        ["drop tmp", "drop p"]
    );
}

#[test]
fn a_let_else_that_shadows_and_breaks_leaves_the_outer_variable() {
    assert_eq!(
        as_plain(
            tamed::a_let_else_shadowing_a_kept_name_breaks,
            plain::a_let_else_shadowing_a_kept_name_breaks
        ),
        ["waited", "waited", "else a2", "drop a2", "after a1", "drop a1"]
    );
}

#[test]
fn a_call_waiting_inside_an_operand_is_made_before_a_later_operand_waits() {
    for c in [false, true] {
        as_plain(
            |t| result_of_tamed(t, c),
            |t| {
                plain::an_operand_call_waiting_inside_before_a_later_wait(t, c);
            },
        );
    }
    assert_eq!(
        as_plain(
            |t| result_of_tamed(t, false),
            |t| {
                plain::an_operand_call_waiting_inside_before_a_later_wait(t, false);
            },
        ),
        [
            "w1",
            "maybe 6 false",
            "w2",
            "maybe 1 true",
            "w1",
            "maybe 7 false"
        ]
    );
}

/// Starts the tamed twin (its value is not compared: the traces are).
fn result_of_tamed(t: Trace, c: bool) {
    tamed::an_operand_call_waiting_inside_before_a_later_wait(t, c, tame::Event::detached());
}

#[test]
fn a_move_in_an_arm_that_binds_a_part_of_a_number_keeps_the_drop_flag() {
    for (n, c) in [(9, false), (9, true), (1, false)] {
        as_plain(
            |t| tamed::a_move_in_an_arm_binding_a_number(t, n, c),
            |t| plain::a_move_in_an_arm_binding_a_number(t, n, c),
        );
    }
}

#[test]
fn a_move_in_an_arm_that_binds_a_range_item_keeps_the_drop_flag() {
    assert_eq!(
        as_plain(
            |t| tamed::a_move_in_an_arm_binding_a_range_item(t, false),
            |t| plain::a_move_in_an_arm_binding_a_range_item(t, false),
        ),
        ["k=2", "waited", "waited", "waited", "waited", "end", "drop a"]
    );
    as_plain(
        |t| tamed::a_move_in_an_arm_binding_a_range_item(t, true),
        |t| plain::a_move_in_an_arm_binding_a_range_item(t, true),
    );
}

#[test]
fn a_move_beside_a_computed_number_keeps_the_drop_flag() {
    for s in [0, 1, 8, 9] {
        as_plain(
            |t| tamed::a_move_beside_a_computed_number(t, s),
            |t| plain::a_move_beside_a_computed_number(t, s),
        );
    }
    assert_eq!(
        traced(|t| plain::a_move_beside_a_computed_number(t, 0)),
        ["zero", "p=(0, 1)", "waited", "end", "drop q", "drop o"]
    );
}

#[test]
fn a_let_else_on_a_field_or_a_slice_tests_the_place_where_it_is() {
    for name in [None, Some(1)] {
        as_plain(
            |t| tamed::a_let_else_on_a_field(t, name),
            |t| plain::a_let_else_on_a_field(t, name),
        );
    }
    for v in [vec![1, 2], vec![3]] {
        as_plain(
            |t| tamed::a_let_else_on_a_slice(t, v.clone()),
            |t| plain::a_let_else_on_a_slice(t, v.clone()),
        );
    }
}

#[test]
fn a_value_given_in_a_block_a_jump_leaves_from_hiding_a_name_is_kept() {
    for k in [0, 1, 2, 4] {
        as_plain(
            |t| tamed::assigned_in_a_block_a_break_leaves(t, k),
            |t| plain::assigned_in_a_block_a_break_leaves(t, k),
        );
    }
}

#[test]
fn a_break_value_given_where_a_name_is_hidden_reaches_the_loop() {
    for k in [0, 2, 3, 9] {
        as_plain(
            |t| tamed::a_break_value_given_where_a_name_is_hidden(t, k),
            |t| plain::a_break_value_given_where_a_name_is_hidden(t, k),
        );
    }
}
