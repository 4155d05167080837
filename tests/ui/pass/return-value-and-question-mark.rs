//! A tamed function with a return type: the value arrives through the
//! generated last `Event<T>` parameter; `?` converts errors with `From`.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Rendezvous};

#[derive(Debug, PartialEq)]
enum AppError {
    Parse(String),
}

impl From<std::num::ParseIntError> for AppError {
    fn from(e: std::num::ParseIntError) -> AppError {
        AppError::Parse(e.to_string())
    }
}

#[tamed]
fn parse_later(text: String) -> Result<u32, AppError> {
    twait! { tame::asap(mkevent!()); }
    let n: u32 = text.trim().parse()?;
    Ok(n * 2)
}

#[tamed]
fn first_char_later(text: String) -> Option<char> {
    twait! { tame::asap(mkevent!()); }
    let c = text.chars().next()?;
    Some(c.to_ascii_uppercase())
}

#[tamed]
fn both(a: String, b: String) -> Result<(u32, Option<char>), AppError> {
    let mut n = Ok(0);
    let mut c = None;
    assert!(n.is_ok() && c.is_none());
    twait! {
        parse_later(a, mkevent!(n));
        first_char_later(b, mkevent!(c));
    }
    Ok((n?, c))
}

fn main() {
    let r = Rendezvous::<()>::new();
    let (ok, ok_slot) = r.event_with_slot(());
    let (bad, bad_slot) = r.event_with_slot(());
    both(" 21 ".into(), "xy".into(), ok);
    both("x".into(), String::new(), bad);
    tame::run();
    assert_eq!(ok_slot.take(), Some(Ok((42, Some('X')))));
    assert_eq!(
        bad_slot.take(),
        Some(Err(AppError::Parse("invalid digit found in string".into())))
    );
}
