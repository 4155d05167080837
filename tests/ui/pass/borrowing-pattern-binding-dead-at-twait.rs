//! A binding that borrows from another variable (a match-arm or `if let`
//! binding out of `line.as_str()` or `names.first()`, a `let-else` binding
//! out of `line.split_once(..)`) and is not used after the twait in its
//! scope compiles and runs, as in a plain function and in an `async fn`
//! (README: only a borrow *used after* a twait is an error). `parse_request`
//! also shadows the borrowed `key` with an owned one before the twait.
#![deny(warnings)]
use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn dispatch(lines: Vec<String>, done: Event<Vec<String>>) {
    let mut out = Vec::new();
    for line in lines {
        match line.as_str() {
            "/quit" => break,
            text => {
                let msg = format!("said {text}");
                twait! { tame::asap(mkevent!()); }
                out.push(msg);
            }
        }
    }
    done.trigger(out);
}

#[tamed]
fn greet(names: Vec<String>, done: Event<String>) {
    let mut greeting = String::new();
    if let Some(first) = names.first() {
        greeting = format!("hello {first}");
        twait! { tame::asap(mkevent!()); }
    }
    done.trigger(greeting);
}

#[tamed]
fn parse_request(line: String, done: Event<(u64, String)>) {
    let Some((ms, key)) = line.split_once(' ') else {
        return;
    };
    let key = key.to_string();
    let ms: u64 = ms.parse().unwrap_or(0);
    twait! { tame::timer(std::time::Duration::from_millis(ms), mkevent!()); }
    done.trigger((ms, key));
}

fn main() {
    let r = tame::Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    dispatch(vec!["a".into(), "b".into(), "/quit".into(), "c".into()], ev);
    let (ev2, slot2) = r.event_with_slot(());
    greet(vec!["ann".into()], ev2);
    let (ev3, slot3) = r.event_with_slot(());
    parse_request("1 k".into(), ev3);
    tame::run();
    assert_eq!(slot.take().unwrap(), ["said a", "said b"]);
    assert_eq!(slot3.take().unwrap(), (1, "k".to_string()));
    assert_eq!(slot2.take().unwrap(), "hello ann");
}
