//! Ordinary Rust forms in tamed functions, each giving the value the same
//! plain function gives: labeled blocks with break values, if-let
//! chains, `@` and tuple-struct patterns, format-string captures, closures
//! over carried state, slot places (fields, tuple fields, conditional
//! indices), `while let` on a queue, rendezvous forms, generic `Rc<Self>`
//! methods, `impl Trait` parameters, `mut self` with a slot in a field,
//! items nested in a body, statement attributes, recursion, twaits in
//! `while`/`else if` conditions, tuples and struct literals, a rendezvous
//! in a field, `return` inside a `twait! {}` block's loop.

#![deny(warnings)]
use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::rc::Rc;
use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn answer<T: 'static>(x: T, ev: Event<T>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(x)));
}

// labeled block with a twait inside, break with value
#[allow(clippy::let_and_return)] // the form under test
#[tamed]
pub fn labeled_block(x: u32) -> u32 {
    let v = 'found: {
        if x == 0 {
            break 'found 0;
        }
        let y;
        twait! { answer(x * 2, mkevent!(y)); }
        if y > 10 {
            break 'found y;
        }
        y + 1
    };
    v
}

// if let / else if let / else chain with twaits
#[tamed]
pub fn chain(a: Option<u32>, b: Result<u32, String>) -> String {
    if let Some(a) = a {
        let d;
        twait! { answer(a, mkevent!(d)); }
        format!("a {d}")
    } else if let Ok(b) = b {
        twait! { tame::asap(mkevent!()); }
        format!("b {b}")
    } else {
        String::from("none")
    }
}

// @ bindings and tuple-struct patterns across twait
pub struct Pt(pub u32, pub u32);
#[tamed]
pub fn patterns(p: Pt, v: Option<u32>) -> u32 {
    let Pt(x, y) = p;
    match v {
        Some(n @ 1..=9) => {
            twait! { tame::asap(mkevent!()); }
            n + x + y
        }
        Some(n) => n,
        None => 0,
    }
}

// format string implicit captures after twait, write! into String
#[tamed]
pub fn formats(name: String, n: u32) -> String {
    let mut out = String::new();
    twait! { tame::asap(mkevent!()); }
    write!(out, "{name}:{n}").unwrap();
    let tail = format!("{n:>4}");
    twait! { tame::asap(mkevent!()); }
    out += &tail;
    out
}

// closure using state after twait
#[tamed]
pub fn closure_after(x: u32) -> u32 {
    let base = x + 1;
    twait! { tame::asap(mkevent!()); }
    let add = move |y: u32| base + y;
    let v: Vec<u32> = (0..3).map(add).collect();
    v.iter().sum()
}

// slots: struct field, tuple field, two slots, index in loop conditionally
#[allow(clippy::needless_range_loop)] // the form under test
#[derive(Default)]
pub struct Stats {
    pub latest: u32,
    pub count: u32,
}
#[allow(clippy::needless_range_loop)] // the form under test
#[tamed]
pub fn slot_places() -> (u32, u32, u32, Vec<u32>) {
    let mut stats = Stats::default();
    let mut pair = (0u32, 0u32);
    let mut v = vec![0u32; 4];
    twait! {
        answer(5, mkevent!(stats.latest));
        answer(6, mkevent!(pair.1));
        for i in 0..4 {
            if i % 2 == 0 {
                answer(i as u32 * 10, mkevent!(v[i]));
            }
        }
    }
    stats.count += 1;
    (stats.latest + stats.count, pair.0, pair.1, v)
}

// while let pop_front with twait
#[tamed]
pub fn drain_queue(mut q: VecDeque<u32>) -> u32 {
    let mut sum = 0;
    while let Some(x) = q.pop_front() {
        let d;
        twait! { answer(x * 2, mkevent!(d)); }
        sum += d;
        if d == 4 {
            q.push_back(100);
        }
    }
    sum
}

// let _ = twait!(r); and twait!(r) in a match guard-free loop
#[allow(clippy::while_let_loop)] // the form under test
#[tamed]
pub fn rendezvous_forms() -> usize {
    let r = Rendezvous::<u32>::new();
    for i in 0..3 {
        tame::asap(mkevent!(r, i));
    }
    let _ = twait!(r);
    let mut n = 1;
    loop {
        match twait!(r) {
            Some(_) => n += 1,
            None => break,
        }
    }
    n
}

// generic method in generic impl with self: Rc<Self>
pub struct Cache<T> {
    pub v: Cell<Option<T>>,
}
impl<T: Clone + 'static> Cache<T> {
    #[tamed]
    pub fn get_or(self: Rc<Self>, make: T) -> T {
        if let Some(v) = self.v.take() {
            self.v.set(Some(v.clone()));
            return v;
        }
        twait! { tame::asap(mkevent!()); }
        self.v.set(Some(make.clone()));
        make
    }
}

// impl Trait and closure params
#[tamed]
pub fn apply(f: impl FnOnce(u32) -> u32 + 'static, x: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    f(x)
}

// by-value mut self, slot into self field
pub struct Counter {
    pub n: u32,
}
impl Counter {
    #[tamed]
    pub fn bump(mut self) -> Counter {
        twait! { answer(self.n + 1, mkevent!(self.n)); }
        self
    }
}

// by-value mut self: a field assigned, then moved out (no warning that the
// value it held is never read, as in a method)
pub struct Named {
    pub name: String,
}
impl Named {
    #[tamed]
    pub fn renamed(mut self, name: String) -> String {
        self.name = name;
        twait! { tame::asap(mkevent!()); }
        self.name
    }
}

// nested items in body
#[tamed]
pub fn nested_items(x: u32) -> u32 {
    const K: u32 = 3;
    fn helper(v: u32) -> u32 {
        v * K
    }
    struct Local {
        v: u32,
    }
    let l = Local { v: x };
    twait! { tame::asap(mkevent!()); }
    helper(l.v)
}

// explicit unit return type and return; in nested loops
#[tamed]
pub fn unit_return(xs: Vec<Vec<u32>>, out: Rc<Cell<u32>>) -> () {
    for row in xs {
        for x in row {
            twait! { tame::asap(mkevent!()); }
            if x == 0 {
                return;
            }
            out.set(out.get() + x);
        }
    }
}

// Result<(), E> with ? and Ok(())
#[tamed]
pub fn unit_result(
    xs: Vec<&'static str>,
    out: Rc<Cell<u32>>,
) -> Result<(), std::num::ParseIntError> {
    for s in xs {
        twait! { tame::asap(mkevent!()); }
        out.set(out.get() + s.parse::<u32>()?);
    }
    Ok(())
}

// statement attributes
#[tamed]
pub fn attrs(x: u32) -> u32 {
    #[allow(unused_mut)]
    let mut y = x;
    twait! { tame::asap(mkevent!()); }
    y
}

#[test]
fn probed_forms_1() {
    let r = Rendezvous::<()>::new();
    macro_rules! check {
        ($call:ident ( $($a:expr),* ) => $want:expr) => {{
            let (ev, slot) = r.event_with_slot(());
            $call($($a,)* ev);
            tame::run();
            assert_eq!(slot.take(), Some($want), stringify!($call));
        }};
    }
    check!(labeled_block(0) => 0);
    check!(labeled_block(3) => 7);
    check!(labeled_block(6) => 12);
    check!(chain(Some(1), Ok(2)) => "a 1".to_string());
    check!(chain(None, Ok(2)) => "b 2".to_string());
    check!(chain(None, Err("x".into())) => "none".to_string());
    check!(patterns(Pt(1, 2), Some(3)) => 6);
    check!(patterns(Pt(1, 2), Some(30)) => 30);
    check!(formats("n".into(), 7) => "n:7   7".to_string());
    check!(closure_after(1) => 9);
    check!(slot_places() => (6, 0, 6, vec![0, 0, 20, 0]));
    check!(drain_queue(VecDeque::from(vec![1, 2])) => 2 + 4 + 200);
    check!(rendezvous_forms() => 3);
    let c = Rc::new(Cache { v: Cell::new(None) });
    check!(get_or_probe(c.clone(), 5) => 5);
    check!(get_or_probe(c.clone(), 6) => 5);
    check!(apply(|x| x + 1, 1) => 2);
    check!(nested_items(2) => 6);
    check!(attrs(4) => 4);
    let out = Rc::new(Cell::new(0));
    unit_return(vec![vec![1, 2], vec![3, 0, 5]], out.clone());
    tame::run();
    assert_eq!(out.get(), 6);
    let out = Rc::new(Cell::new(0));
    check!(unit_result(vec!["1", "2"], out.clone()) => Ok(()));
    assert_eq!(out.get(), 3);
    let (ev, slot) = r.event_with_slot(());
    Counter { n: 1 }.bump(ev);
    tame::run();
    assert_eq!(slot.take().map(|c| c.n), Some(2));
    let renamed = tame::run_with(|d| Named { name: "a".into() }.renamed("b".into(), d));
    assert_eq!(renamed.as_deref(), Some("b"));
}

fn get_or_probe(c: Rc<Cache<u32>>, v: u32, ev: Event<u32>) {
    c.get_or(v, ev);
}

pub struct Node {
    pub v: u32,
    pub kids: Vec<Rc<Node>>,
}

// recursion: sum of a tree, children in parallel
#[tamed]
pub fn tree_sum(node: Rc<Node>) -> u32 {
    let mut sums = vec![0; node.kids.len()];
    twait! {
        for (i, kid) in node.kids.iter().enumerate() {
            tree_sum(kid.clone(), mkevent!(sums[i]));
        }
    }
    node.v + sums.iter().sum::<u32>()
}

// twait in while condition
#[tamed]
pub fn count_ids(n: u32) -> u32 {
    let r = Rendezvous::<u32>::new();
    for i in 0..n {
        tame::asap(mkevent!(r, i));
    }
    let mut c = 0;
    while twait!(r).is_some() {
        c += 1;
    }
    c
}

// rendezvous as a struct field, explicit events into self's field
pub struct Hub {
    pub r: Rendezvous<usize>,
    pub names: Vec<&'static str>,
}
impl Hub {
    #[tamed]
    pub fn first(self) -> Option<&'static str> {
        for i in 0..self.names.len() {
            tame::timer(
                std::time::Duration::from_millis(10 * (3 - i as u64)),
                mkevent!(self.r, i),
            );
        }
        let i = twait!(self.r)?;
        Some(self.names[i])
    }
}

// two twaits in one tuple expression
#[tamed]
pub fn two_in_tuple() -> (Option<u32>, Option<u32>) {
    let r = Rendezvous::<u32>::new();
    let r2 = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 1));
    tame::asap(mkevent!(r2, 2));
    let (a, b) = (twait!(r), twait!(r2));
    (a, b)
}

// twait in else-if condition
#[allow(clippy::manual_unwrap_or, clippy::manual_unwrap_or_default)] // the form under test
#[tamed]
pub fn else_if_cond(flag: bool) -> u32 {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 7));
    if flag {
        1
    } else if let Some(x) = twait!(r) {
        x
    } else {
        0
    }
}

// a method chain on a twait value
#[tamed]
pub fn chain_on_value() -> String {
    let mut s = String::new();
    twait! { answer(String::from("  hi  "), mkevent!(s)); }
    s.trim().to_uppercase()
}

// a struct literal with twaits in field values
pub struct P {
    pub a: Option<u32>,
    pub b: u32,
}
#[tamed]
pub fn struct_of_twaits() -> P {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 4));
    P { a: twait!(r), b: 5 }
}

// array / vec of twait values
#[tamed]
pub fn vec_of_twaits() -> Vec<Option<u32>> {
    let r = Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 1));
    tame::asap(mkevent!(r, 2));
    let (a, b, c) = (twait!(r), twait!(r), twait!(r));
    vec![a, b, c]
}

// return of a value from a loop inside a twait!{} block
#[tamed]
pub fn return_in_block(xs: Vec<u32>) -> u32 {
    let mut got = vec![0; xs.len()];
    twait! {
        for (i, x) in xs.iter().enumerate() {
            if *x == 0 {
                return 99;
            }
            answer(*x, mkevent!(got[i]));
        }
    }
    got.iter().sum()
}

#[test]
#[allow(clippy::redundant_closure)]
fn probed_forms_2() {
    let r = Rendezvous::<()>::new();
    macro_rules! check {
        ($call:expr => $want:expr) => {{
            let (ev, slot) = r.event_with_slot(());
            ($call)(ev);
            tame::run();
            assert_eq!(slot.take(), Some($want), "{}", stringify!($call));
        }};
    }
    let leaf = |v| Rc::new(Node { v, kids: vec![] });
    let t = Rc::new(Node {
        v: 1,
        kids: vec![
            leaf(2),
            Rc::new(Node {
                v: 3,
                kids: vec![leaf(4)],
            }),
        ],
    });
    check!(|ev| tree_sum(t.clone(), ev) => 10);
    check!(|ev| count_ids(4, ev) => 4);
    check!(|ev| Hub { r: Rendezvous::new(), names: vec!["a", "b", "c"] }.first(ev) => Some("c"));
    check!(|ev| two_in_tuple(ev) => (Some(1), Some(2)));
    check!(|ev| else_if_cond(false, ev) => 7);
    check!(|ev| else_if_cond(true, ev) => 1);
    check!(|ev| chain_on_value(ev) => "HI".to_string());
    check!(|ev: Event<(Option<u32>, u32)>| struct_of_twaits(ev.map(|p: P| (p.a, p.b))) => (Some(4), 5));
    check!(|ev| vec_of_twaits(ev) => vec![Some(1), Some(2), None]);
    check!(|ev| return_in_block(vec![1, 2], ev) => 3);
    check!(|ev| return_in_block(vec![1, 0, 2], ev) => 99);
}

/// A trait's tamed constructor and builder, declared without a body: their
/// value is `Self`, as a plain declaration may say without `Sized`.
trait Connect {
    #[tamed]
    fn connect(addr: String) -> Self;
    #[tamed]
    fn renamed(self, k: u32) -> Self;
}

struct Conn(String);

impl Connect for Conn {
    #[tamed]
    fn connect(addr: String) -> Self {
        twait! { tame::asap(mkevent!()); }
        Conn(addr)
    }
    #[tamed]
    fn renamed(self, k: u32) -> Self {
        twait! { tame::asap(mkevent!()); }
        Conn(format!("{}{k}", self.0))
    }
}

#[test]
fn a_trait_declares_tamed_methods_that_give_self() {
    let c = tame::run_with(|d| Conn::connect("a".into(), d)).unwrap();
    assert_eq!(c.0, "a");
    assert_eq!(tame::run_with(|d| c.renamed(1, d)).unwrap().0, "a1");
}

/// A value of its own, moved out of a boxed receiver before a twait.
pub struct Boxed {
    name: String,
}

impl Boxed {
    #[tamed]
    pub fn unbox(self: Box<Self>) -> String {
        let inner = *self;
        twait! { tame::asap(mkevent!()); }
        inner.name
    }

    #[tamed]
    pub fn unbox_fields(self: Box<Self>) -> String {
        let Boxed { name } = *self;
        twait! { tame::asap(mkevent!()); }
        name
    }
}

/// The same out of a variable `Box::new` made (its type not written).
#[tamed]
pub fn unbox_made(name: String) -> String {
    let b = Box::new(Boxed { name });
    let Boxed { name } = *b;
    twait! { tame::asap(mkevent!()); }
    name
}

#[test]
fn a_box_made_by_box_new_moved_out_of_before_a_twait_is_moved_as_a_box_variable_is() {
    assert_eq!(tame::run_with(|d| unbox_made("z".into(), d)).unwrap(), "z");
}

#[test]
fn a_boxed_receiver_moved_out_of_before_a_twait_is_moved_as_a_box_variable_is() {
    let b = Box::new(Boxed { name: "x".into() });
    assert_eq!(tame::run_with(|d| b.unbox(d)).unwrap(), "x");
    let b = Box::new(Boxed { name: "y".into() });
    assert_eq!(tame::run_with(|d| b.unbox_fields(d)).unwrap(), "y");
}

/// `let ref` of values of every shape, and of a call whose value borrows a
/// parameter, used before a twait only: each compiles and gives what a
/// plain function gives.
#[allow(clippy::toplevel_ref_arg)] // the forms under test
#[tamed]
pub fn ref_bindings(k: u32, buf: Vec<u8>) -> String {
    let ref n = k + 1;
    let ref mut m = 5u32;
    *m += 1;
    let ref s = match k {
        0 => String::new(),
        _ => "x".to_string(),
    };
    let ref b = *Box::new(String::from("b"));
    let ref text = std::str::from_utf8(&buf).unwrap();
    let before = format!("{n} {m} {s} {b} {text}");
    twait! { tame::asap(mkevent!()); }
    format!("{before} {}", buf.len())
}

#[test]
fn ref_bindings_of_any_value_used_before_a_twait_compile() {
    assert_eq!(
        tame::run_with(|d| ref_bindings(1, b"hi".to_vec(), d)).unwrap(),
        "2 6 x b hi 2"
    );
}

fn maybe_word(ok: bool) -> Result<String, String> {
    if ok {
        Ok("w".into())
    } else {
        Err("no word".into())
    }
}

/// `let g = &<a value computed>;` of every shape, used before a twait
/// only: each compiles and gives what a plain function gives.
#[tamed]
pub fn borrowed_values(k: u32) -> Result<String, String> {
    let m = &match k {
        0 => String::new(),
        _ => "m".to_string(),
    };
    let i = &if k > 0 { k * 2 } else { 0 };
    let b = &{
        let s = String::from("b");
        s + "!"
    };
    let w = &maybe_word(k > 0)?;
    let before = format!("{m} {i} {b} {w}");
    twait! { tame::asap(mkevent!()); }
    Ok(before)
}

#[test]
fn a_borrow_of_a_value_computed_by_a_match_an_if_a_block_or_a_question_mark_compiles() {
    assert_eq!(
        tame::run_with(|d| borrowed_values(1, d)).unwrap().unwrap(),
        "m 2 b! w"
    );
    assert_eq!(
        tame::run_with(|d| borrowed_values(0, d))
            .unwrap()
            .unwrap_err(),
        "no word"
    );
}

fn show<T: AsRef<str>>(s: &T) -> usize {
    s.as_ref().len()
}

/// A tuple literal, and the value of an `if` or a `match`, moves the
/// variables it is made of, whatever uses it: under a `&`, a field
/// access, a method call or a formatting macro, as a `match` scrutinee
/// or bound by `ref`. Each variable is gone before the twait, as in a
/// plain function (kept, it drew E0382 there).
#[tamed]
pub fn moved_into_values(map: HashMap<(String, u16), u32>, c: bool) -> String {
    let name = String::from("x");
    let found = map.contains_key(&(name, 80u16));
    let b = String::from("b");
    let w = (b, 1u8).0;
    let a = String::from("a");
    let one = (a, 1u32).1;
    let f = String::from("f");
    let shown = format!("{:?}", (f, 1));
    let r = String::from("r");
    let same = (r, 1u8).eq(&(String::from("r"), 1u8));
    let (i1, i2) = (String::from("i1"), String::from("i2"));
    let via_if = show(&if c { i1 } else { i2 });
    let (f1, f2) = (String::from("f1"), String::from("f2"));
    let fmt_if = format!("<{}>", if c { f1 } else { f2 });
    let (m1, m2) = (String::from("m1"), String::from("m2"));
    let via_match = show(&match c {
        true => m1,
        false => m2,
    });
    let s = String::from("s");
    let scrutinee = match (s, 2u8) {
        (_, 2) => 2,
        _ => 0,
    };
    let t = String::from("t");
    let (ref t_ref, _) = (t, 3u8);
    let t_len = t_ref.len();
    twait! { tame::asap(mkevent!()); }
    format!("{found} {w} {one} {shown} {same} {via_if} {fmt_if} {via_match} {scrutinee} {t_len}")
}

/// ... while `&x`, `&x.0` and `&(x)` only borrow it: it is still there
/// after the twait.
#[tamed]
pub fn borrowed_places() -> String {
    let x = (String::from("x"), 1u8);
    let a = show(&x.0);
    let b = (x).1;
    let c = show(&(x.0));
    twait! { tame::asap(mkevent!()); }
    format!("{a} {b} {c} {}", x.0)
}

#[test]
fn a_tuple_or_an_if_under_a_borrow_moves_its_variables_and_a_place_does_not() {
    let mut map = HashMap::new();
    map.insert((String::from("x"), 80u16), 1);
    assert_eq!(
        tame::run_with(|d| moved_into_values(map, true, d)).unwrap(),
        "true b 1 (\"f\", 1) true 2 <f1> 2 2 1"
    );
    assert_eq!(
        tame::run_with(|d| moved_into_values(HashMap::new(), false, d)).unwrap(),
        "false b 1 (\"f\", 1) true 2 <f2> 2 2 1"
    );
    assert_eq!(tame::run_with(borrowed_places).unwrap(), "1 1 1 x");
}

const LIMIT: u32 = 7;

/// A lone capitalized name in a `let .. else` pattern is a constant or a
/// unit variant (the pattern can fail), as in a `match` arm.
#[tamed]
fn let_else_matching_a_constant(o: Option<u32>, v: u32) -> u32 {
    let (Some(x), LIMIT) = (o, v) else { return 0 };
    twait! { tame::asap(mkevent!()); }
    x + LIMIT
}

#[tamed]
fn let_else_matching_a_glob_imported_variant(o: Option<std::cmp::Ordering>) -> u32 {
    use std::cmp::Ordering::*;
    let Some(Greater) = o else { return 0 };
    twait! { tame::asap(mkevent!()); }
    1
}

#[test]
fn a_let_else_pattern_matches_constants_and_variants_named_alone() {
    let f = |o, v| tame::run_with(|done| let_else_matching_a_constant(o, v, done)).unwrap();
    assert_eq!((f(Some(1), 7), f(Some(1), 8), f(None, 7)), (8, 0, 0));
    let g = |o| tame::run_with(|done| let_else_matching_a_glob_imported_variant(o, done)).unwrap();
    use std::cmp::Ordering::{Greater, Less};
    assert_eq!((g(Some(Greater)), g(Some(Less)), g(None)), (1, 0, 0));
}

/// Clippy's lints that read a pattern across statements (a counter kept by
/// hand in a `for` loop, a `Vec` pushed to right after it is made) are
/// silenced by the user's `#[expect]` where the code is, in the machine's
/// copy of it too, and the expectations are fulfilled (`cargo clippy --
/// -D warnings` checks this file).
#[tamed]
fn patterns_clippy_reads_across_statements(v: Vec<u32>) -> usize {
    let mut n = 0;
    for _ in 0..2 {
        twait! { tame::asap(mkevent!()); }
        let mut i = 0;
        #[expect(clippy::explicit_counter_loop)]
        for x in &v {
            n += x + i;
            i += 1;
        }
    }
    #[expect(clippy::vec_init_then_push)]
    let w = {
        let mut w = Vec::new();
        w.push(1);
        w.push(2);
        w
    };
    twait! { tame::asap(mkevent!()); }
    w.len() + n as usize
}

#[test]
fn clippy_s_pattern_lints_are_silenced_by_the_user_s_expect() {
    let n = tame::run_with(|done| patterns_clippy_reads_across_statements(vec![1, 2], done));
    // Each round adds 1 + 0 and 2 + 1.
    assert_eq!(n, Some(2 + 8));
}

/// Iterator comparisons take both iterators by value, and so do the
/// `unsafe` unwraps of `Option` and `Result`: the variable used as the
/// receiver is gone before the twait, as in a plain function (kept, it
/// drew "use of moved value" at the twait).
#[tamed]
fn compared_after_consuming(a: Vec<String>, b: Vec<String>, x: Option<String>) -> String {
    let it = a.clone().into_iter().map(|w| w.to_lowercase());
    let ord = it.cmp(b.clone().into_iter().map(|w| w.to_lowercase()));
    let lens = a.clone().into_iter().map(|w| w.len());
    let shorter = lens.lt(b.into_iter().map(|w| w.len()));
    let sizes = a.into_iter().map(|w| w.len());
    let sorted = sizes.is_sorted_by_key(|n| n);
    let some = x.is_some();
    let got = if some {
        // SAFETY: checked just above.
        unsafe { x.unwrap_unchecked() }
    } else {
        String::new()
    };
    twait! { tame::asap(mkevent!()); }
    format!("{ord:?} {shorter} {sorted} {got}")
}

#[test]
fn iterator_comparisons_and_unchecked_unwraps_move_their_receiver() {
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let got = tame::run_with(|d| {
        compared_after_consuming(words(&["A", "bb"]), words(&["a", "c"]), Some("x".into()), d)
    });
    assert_eq!(got.as_deref(), Some("Less false true x"));
}

/// `last` of a variable bound to an iterator whose items borrow nothing
/// (`v.iter().copied()`) is an owned item, kept across a twait as any
/// value; it was judged by the method's name as a slice's `last`, a borrow
/// of the variable.
#[tamed]
fn last_of_a_copying_iterator(k: u32) -> u32 {
    let v: Vec<u32> = (0..k).collect();
    let it = v.iter().copied();
    let l = it.last();
    twait! { tame::asap(mkevent!()); }
    l.unwrap_or(0) + v.len() as u32
}

#[test]
fn the_last_item_of_an_iterator_variable_whose_items_are_owned_is_kept() {
    assert_eq!(
        tame::run_with(|d| last_of_a_copying_iterator(3, d)),
        Some(2 + 3)
    );
}

// std's readers: `BufRead::lines`, `BufRead::split` and `Read::bytes` take
// the reader by value, so the iterator borrows nothing of the function's
// and may be kept across a twait (a string's `lines` borrows it).
#[tamed]
fn line_lengths_of_a_reader(text: &'static str) -> Vec<usize> {
    let reader = std::io::BufReader::new(std::io::Cursor::new(text));
    let mut out = Vec::new();
    for line in std::io::BufRead::lines(reader) {
        let n;
        twait! { answer(line.unwrap().len(), mkevent!(n)); }
        out.push(n);
    }
    out
}

#[tamed]
fn lines_of_a_reader_in_a_for_loop(text: &'static str) -> Vec<usize> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(std::io::Cursor::new(text));
    let mut out = Vec::new();
    for line in reader.lines() {
        let n;
        twait! { answer(line.unwrap().len(), mkevent!(n)); }
        out.push(n);
    }
    out
}

#[allow(clippy::while_let_on_iterator)] // the form under test
#[tamed]
fn lines_of_a_reader_kept_in_a_variable(text: &'static str) -> Vec<usize> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(std::io::Cursor::new(text));
    let mut lines = reader.lines().map(|l| l.unwrap());
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        let n;
        twait! { answer(line.len(), mkevent!(n)); }
        out.push(n);
    }
    out
}

#[allow(clippy::while_let_on_iterator)] // the form under test
#[tamed]
fn bytes_and_splits_of_readers_of_written_types(
    r: std::io::Cursor<Vec<u8>>,
    b: std::io::BufReader<&'static [u8]>,
) -> (usize, usize) {
    use std::io::{BufRead, Read};
    let mut bytes = r.bytes();
    let mut seen = 0;
    while let Some(byte) = bytes.next() {
        twait! { answer(byte.unwrap(), mkevent!(_)); }
        seen += 1;
    }
    let mut parts = 0;
    for part in b.split(b',') {
        twait! { answer(part.unwrap(), mkevent!(_)); }
        parts += 1;
    }
    (seen, parts)
}

/// Readers of any type, owned: boxed behind `dyn BufRead`, and an
/// `impl Read` parameter.
#[allow(clippy::unbuffered_bytes)] // the form under test
#[tamed]
fn lines_and_bytes_of_boxed_and_impl_readers(
    r: Box<dyn std::io::BufRead + Send>,
    b: impl std::io::Read + 'static,
) -> (usize, usize) {
    use std::io::BufRead;
    let mut total = 0;
    for line in r.lines() {
        let n;
        twait! { answer(line.unwrap().len(), mkevent!(n)); }
        total += n;
    }
    let mut seen = 0;
    for byte in b.bytes() {
        twait! { answer(byte.unwrap(), mkevent!(_)); }
        seen += 1;
    }
    (total, seen)
}

#[test]
fn a_readers_lines_bytes_and_splits_are_kept_across_twaits() {
    let boxed: Box<dyn std::io::BufRead + Send> = Box::new(
        &b"ab
cde
"[..],
    );
    assert_eq!(
        tame::run_with(|e| lines_and_bytes_of_boxed_and_impl_readers(boxed, &b"xyz"[..], e)),
        Some((5, 3))
    );
    let text = "a\nbb\nccc\n";
    assert_eq!(
        tame::run_with(|e| line_lengths_of_a_reader(text, e)),
        Some(vec![1, 2, 3])
    );
    assert_eq!(
        tame::run_with(|e| lines_of_a_reader_in_a_for_loop(text, e)),
        Some(vec![1, 2, 3])
    );
    assert_eq!(
        tame::run_with(|e| lines_of_a_reader_kept_in_a_variable(text, e)),
        Some(vec![1, 2, 3])
    );
    let r = std::io::Cursor::new(vec![1, 2, 3, 4]);
    let b = std::io::BufReader::new(&b"x,y,z"[..]);
    assert_eq!(
        tame::run_with(|e| bytes_and_splits_of_readers_of_written_types(r, b, e)),
        Some((4, 3))
    );
}

// An operand made before a later operand's twait keeps the type the call
// gives it: a constructor stays where it is (`Some(Box::new(..))` coerced
// to an `Option<Box<dyn ..>>`, a boxed closure's parameter typed by the
// parameter), its parts computed before the twait, in order.
pub trait Shape {
    fn area(&self) -> u32;
}

struct Square(u32);

impl Shape for Square {
    fn area(&self) -> u32 {
        self.0 * self.0
    }
}

fn area_plus(s: Option<Box<dyn Shape>>, k: u32) -> u32 {
    s.map_or(0, |s| s.area()) + k
}

fn call_on_abc(cb: Box<dyn Fn(&str) -> usize>, k: usize) -> usize {
    cb("abc") + k
}

fn pair_sum(p: (Box<dyn Shape>, u32), k: u32) -> u32 {
    p.0.area() + p.1 + k
}

struct Holder {
    shape: Option<Box<dyn Shape>>,
    k: u32,
}

fn noted(log: &mut Vec<&'static str>, what: &'static str, v: u32) -> u32 {
    log.push(what);
    v
}

#[tamed]
fn constructors_before_a_waiting_operand() -> (u32, usize, u32, u32, Vec<&'static str>) {
    let mut log = Vec::new();
    let a = area_plus(Some(Box::new(Square(2))), {
        twait! { answer(1, mkevent!(_)); }
        1
    });
    let b = call_on_abc(Box::new(|s| s.len()), {
        twait! { answer(1, mkevent!(_)); }
        1
    });
    let c = pair_sum((Box::new(Square(noted(&mut log, "side", 3))), 1), {
        log.push("wait");
        twait! { answer(1, mkevent!(_)); }
        1
    });
    let h = Holder {
        shape: Some(Box::new(Square(1))),
        k: {
            twait! { answer(1, mkevent!(_)); }
            2
        },
    };
    let typed: (Option<Box<dyn Shape>>, u32) = (Some(Box::new(Square(3))), {
        twait! { answer(1, mkevent!(_)); }
        5
    });
    let shapes: Vec<Box<dyn Shape>> = vec![Box::new(Square(1)), {
        twait! { answer(1, mkevent!(_)); }
        Box::new(Square(2))
    }];
    let d = h.shape.map_or(0, |s| s.area()) + h.k + typed.0.map_or(0, |s| s.area()) + typed.1;
    let d = d + shapes.iter().map(|s| s.area()).sum::<u32>();
    (a, b, c, d, log)
}

#[test]
fn a_constructor_before_a_waiting_operand_takes_the_type_of_where_it_goes() {
    assert_eq!(
        tame::run_with(constructors_before_a_waiting_operand),
        Some((5, 4, 11, 1 + 2 + 9 + 5 + 5, vec!["side", "wait"]))
    );
}

// A receiver taken by value by its operation and given back through the
// operation's own event (`b.with(k, mkevent!(b))`, a builder's or a state
// machine's step), as an argument is in `read(buf, mkevent!(buf, n))`.
#[derive(Debug, PartialEq)]
pub struct Built {
    parts: Vec<&'static str>,
}

impl Built {
    #[tamed]
    fn with(mut self, part: &'static str) -> Built {
        twait! { answer((), mkevent!()); }
        self.parts.push(part);
        self
    }

    #[tamed]
    fn twice(mut self) -> Built {
        twait! { self.with("x", mkevent!(self)); }
        twait! { self.with("y", mkevent!(self)); }
        self
    }
}

#[tamed]
fn built_step_by_step() -> Built {
    let mut b = Built { parts: vec![] };
    twait! { b.with("a", mkevent!(b)); }
    for part in ["b", "c"] {
        twait! { b.with(part, mkevent!(b)); }
    }
    twait! { b.twice(mkevent!(b)); }
    b
}

#[test]
fn a_receiver_given_back_by_its_own_operations_event() {
    assert_eq!(
        tame::run_with(built_step_by_step),
        Some(Built {
            parts: vec!["a", "b", "c", "x", "y"]
        })
    );
}

// A `move` closure that passes a captured copy by value (a `fn` pointer,
// a `Duration`, or anything under a written `Fn` type) is a `Fn`, kept to
// its scope's end with what it captured, as in a plain function.
fn apply_op(op: fn(u32) -> u32, x: u32) -> u32 {
    op(x)
}

#[derive(Clone, Copy)]
pub struct Limit(u32);

fn limit_of(l: Limit) -> u32 {
    l.0
}

#[tamed]
fn closures_over_copies_kept(op: fn(u32) -> u32, d: std::time::Duration) -> (bool, bool, bool) {
    let (one, two, three) = (Rc::new(1), Rc::new(2), Rc::new(3));
    let (a, b, c) = (
        Rc::downgrade(&one),
        Rc::downgrade(&two),
        Rc::downgrade(&three),
    );
    let with_op = move |x: u32| {
        let _held = &one;
        apply_op(op, x)
    };
    let with_duration = move || {
        let _held = &two;
        std::thread::sleep(d);
    };
    let limit = Limit(3);
    let typed: Box<dyn Fn() -> u32> = Box::new(move || {
        let _held = &three;
        limit_of(limit)
    });
    assert_eq!(with_op(1), 2);
    with_duration();
    assert_eq!(typed(), 3);
    twait! { answer((), mkevent!()); }
    (
        a.strong_count() > 0,
        b.strong_count() > 0,
        c.strong_count() > 0,
    )
}

#[test]
fn a_move_closure_passing_a_captured_copy_is_kept_to_its_scopes_end() {
    let got =
        tame::run_with(|e| closures_over_copies_kept(|x| x * 2, std::time::Duration::ZERO, e));
    assert_eq!(got, Some((true, true, true)));
}

// `&'static self` is `self: &'static Self`: a borrow of it (a field's, a
// view of one, an iterator over one) borrows nothing of the function's
// and may be kept across a twait, as of a `&'static` parameter.
pub struct StaticConfig {
    name: String,
    items: Vec<u32>,
}

impl StaticConfig {
    #[tamed]
    fn weigh(&'static self) -> usize {
        let name = &self.name;
        let view = self.name.as_str();
        let mut n = 0;
        for x in self.items.iter() {
            twait! { answer((), mkevent!()); }
            n += *x as usize;
        }
        name.len() + view.len() + n
    }
}

#[test]
fn borrows_of_a_static_self_are_kept_across_twaits() {
    let cfg: &'static StaticConfig = Box::leak(Box::new(StaticConfig {
        name: "abc".into(),
        items: vec![1, 2],
    }));
    assert_eq!(tame::run_with(|e| cfg.weigh(e)), Some(9));
}

// A map's entry borrows the map, as its `or_insert` does: used before a
// twait and not after, it ends there (it has no drop of its own), so the
// map can be given back after the wait.
#[tamed]
fn bump_entry(mut map: HashMap<String, u32>, k: String) -> HashMap<String, u32> {
    match map.entry(k) {
        Entry::Occupied(mut o) => {
            *o.get_mut() += 1;
            twait! { answer((), mkevent!()); }
        }
        Entry::Vacant(v) => {
            std::collections::hash_map::VacantEntry::insert(v, 10);
        }
    }
    map
}

#[tamed]
fn count_in(mut map: HashMap<String, u32>, k: String) -> HashMap<String, u32> {
    let c = map.entry(k).or_insert(0);
    *c += 1;
    twait! { answer((), mkevent!()); }
    map
}

#[test]
fn a_map_entry_used_before_a_twait_lets_the_map_go_after_it() {
    let map: HashMap<String, u32> = [("a".to_string(), 1)].into();
    let bumped = tame::run_with(|e| bump_entry(map.clone(), "a".into(), e));
    assert_eq!(bumped, Some([("a".to_string(), 2)].into()));
    let inserted = tame::run_with(|e| bump_entry(map.clone(), "b".into(), e));
    assert_eq!(
        inserted,
        Some([("a".to_string(), 1), ("b".to_string(), 10)].into())
    );
    let counted = tame::run_with(|e| count_in(map.clone(), "a".into(), e));
    assert_eq!(counted, Some([("a".to_string(), 2)].into()));
}
