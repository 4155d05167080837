//! Signatures a plain function may have, as a tamed one: higher-ranked
//! lifetimes in a parameter's type (not borrows), an `impl Trait` inside a
//! parameter's type, `ref mut` and `ref` parameters, `&'static self`,
//! functions named `main` that are not the program's entry point, a lint
//! level on a parameter, and a return type of one's own named `Result` in
//! a body without `?`.
#![deny(warnings)]
use std::fmt::Display;
use tame::{mkevent, tamed, twait};

trait Parse<'a> {
    fn parse(&self, s: &'a str) -> &'a str;
}

struct First;

impl<'a> Parse<'a> for First {
    fn parse(&self, s: &'a str) -> &'a str {
        &s[..1]
    }
}

#[tamed]
fn with_dyn_fn(f: Box<dyn for<'a> Fn(&'a str) -> &'a str>) -> String {
    twait! { tame::asap(mkevent!()); }
    f("hello").to_string()
}

#[tamed]
fn with_dyn_trait(p: Box<dyn for<'a> Parse<'a>>) -> String {
    twait! { tame::asap(mkevent!()); }
    p.parse("world").to_string()
}

#[tamed]
fn joined(v: Vec<impl Display>, f: Option<impl Fn() -> u32>) -> String {
    twait! { tame::asap(mkevent!()); }
    let mut s: String = v.iter().map(|x| x.to_string()).collect();
    s.push_str(&f.map_or(0, |f| f()).to_string());
    s
}

/// The bindings borrow the arguments, so they are used before the twait
/// only (a borrow is not kept across one).
#[tamed]
fn pushed(ref mut v: Vec<u32>, ref name: String) -> usize {
    v.push(1);
    let n = v.len() + name.len();
    twait! { tame::asap(mkevent!()); }
    n
}

struct App {
    v: u32,
}

impl App {
    #[tamed]
    fn main(&'static self) -> u32 {
        twait! { tame::asap(mkevent!()); }
        self.v
    }
}

#[tamed]
fn second(#[allow(unused_variables)] (a, b): (u32, u32), #[allow(unused_variables)] c: u32) -> u32 {
    twait! { tame::asap(mkevent!()); }
    b
}

mod game {
    #[derive(Debug, PartialEq)]
    pub enum Result {
        Win,
        Lose,
    }
}

#[tamed]
fn play(score: u32) -> game::Result {
    twait! { tame::asap(mkevent!()); }
    if score > 3 {
        game::Result::Win
    } else {
        game::Result::Lose
    }
}

mod cli {
    use tame::{mkevent, tamed, twait};

    #[tamed]
    pub fn main(args: Vec<String>) -> usize {
        twait! { tame::asap(mkevent!()); }
        args.len()
    }
}

fn main() {
    let got = tame::run_with(|d| with_dyn_fn(Box::new(|s| &s[1..]), d));
    assert_eq!(got.as_deref(), Some("ello"));
    let got = tame::run_with(|d| with_dyn_trait(Box::new(First), d));
    assert_eq!(got.as_deref(), Some("w"));
    let got = tame::run_with(|d| joined(vec![1, 2], Some(|| 3), d));
    assert_eq!(got.as_deref(), Some("123"));
    assert_eq!(tame::run_with(|d| pushed(vec![], "ab".into(), d)), Some(3));
    let app: &'static App = Box::leak(Box::new(App { v: 7 }));
    assert_eq!(tame::run_with(|d| app.main(d)), Some(7));
    assert_eq!(tame::run_with(|d| cli::main(vec!["x".into()], d)), Some(1));
    assert_eq!(tame::run_with(|d| second((1, 2), 3, d)), Some(2));
    assert_eq!(tame::run_with(|d| play(5, d)), Some(game::Result::Win));
    assert_eq!(tame::run_with(|d| play(1, d)), Some(game::Result::Lose));
}
