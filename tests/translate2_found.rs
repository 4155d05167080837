//! Bugs found by writing the programs in tests/program_*.rs, each reduced to
//! the smallest tamed function that shows it. Every test states the
//! behaviour a plain Rust function (or the README) promises, and the
//! observed behaviour in a comment. Compile failures found the same way are
//! in tests/ui/pass/ (named in the report).

#![deny(warnings)]

use std::cell::RefCell;
use std::io::{self, Write as _};
use std::rc::Rc;

use tame::net::TcpStream;
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Runs `f` with an event, then the loop; what the event got.
fn result_of<T: 'static>(f: impl FnOnce(Event<T>)) -> Option<T> {
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    f(ev);
    tame::run();
    slot.take()
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

/// Found by tests/program_fetcher.rs (`fetch_one`: connect, write the
/// request, read the reply under `add_timeout`, return the value), the
/// most common client shape. `tame::net`'s docs (and README's drop rule)
/// promise: "a socket that a `twait! { ... }` block only borrows
/// (`conn.read(..)`) lives until that wait is over, even if nothing after
/// the twait uses it". Observed: translator 2 treats `conn` as handed over
/// to the operation (the "documented limit" of tests/translate2_drops.rs,
/// `receiver_only_in_block`) and drops it at the twait, which closes the
/// socket and cancels the read; its event comes back untriggered and the
/// function panics: "the event for `got` came back without a value (it
/// was dropped untriggered), and `got` had no value before the twait"
/// (with a slot given a value first: the read silently never happened).
/// Either the socket must live until the wait is over, or the net docs
/// and README must say otherwise; today they contradict the translator.
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

/// Found by tests/program_fetcher.rs (`Report { results, ended, peak }`
/// as the tail of `fetch_windowed`). Compiles and runs, but `cargo clippy
/// --all-targets -- -D warnings` fails on this file: "error: redundant
/// field names in struct initialization (clippy::redundant_field_names)"
/// at the user's `a` and `b` — the user wrote the shorthand; the machine
/// writes `Pair { a: a, b: b }` with the user's spans. Any struct shorthand
/// in a tamed function with a twait does it (before or after the twait).
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

// ---- the value is delivered before the locals are dropped

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

/// Found by tests/program_kv.rs: `kv_get` returns `Err(Busy)` with a
/// pooled connection (a guard that puts the connection back into the
/// pool's idle list on drop) still in scope; the caller's event, an
/// `Event::from_fn`, then closes the pool's idle connections and stops the
/// server. Observed: the callback runs *before* the guard is dropped, so
/// the connection went back into the pool after the pool was emptied, was
/// never closed, and the server's session waited for it forever (the test
/// hung). In a plain function the locals are dropped before the caller
/// gets the value; translate2_drops.rs checks it only with tamed callers,
/// whose resumption is queued. Observed here: `["got Some(7)", "drop g"]`
/// and `["got Some(Err(\"gave up at 2\"))", "drop conn"]` (after the first
/// iteration's `drop conn`).
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
