//! A misuse of the runtime's API that panics says so at the user's line:
//! the panic's location is the call written in the user's code (as
//! `RefCell::borrow_mut`'s is), not a line inside tame.
//!
//! One test in this file: it installs a panic hook, which is the
//! process's.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

thread_local! {
    static LAST: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
}

/// Runs `f`, which must panic, and returns where the panic said it was.
fn panic_location(f: impl FnOnce()) -> (String, u32) {
    LAST.with(|l| l.borrow_mut().take());
    let caught = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(caught.is_err(), "it panicked");
    LAST.with(|l| l.borrow_mut().take())
        .expect("the hook saw it")
}

#[test]
fn misuses_that_panic_are_reported_at_the_users_call() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        if let Some(at) = info.location() {
            let _ = LAST.try_with(|l| *l.borrow_mut() = Some((at.file().to_string(), at.line())));
        }
    }));

    // `run()` from a callback the loop runs.
    let nested = std::rc::Rc::new(std::cell::Cell::new(0));
    let at = nested.clone();
    let (file, line) = panic_location(move || {
        tame::asap(tame::Event::from_fn(move |_: Option<()>| {
            at.set(line!() + 1);
            tame::run();
        }));
        tame::run();
    });
    assert_eq!((file.as_str(), line), (file!(), nested.get()));
    // The loop is usable afterwards.
    assert_eq!(tame::run_with(|d: tame::Event<u8>| d.trigger(3)), Some(3));

    let (file, line) = panic_location(|| {
        let _ = tame::time::Interval::new(Duration::ZERO);
    });
    assert_eq!((file.as_str(), line), (file!(), line!() - 2));

    let s = tame::sync::Semaphore::new(1);
    let (file, line) = panic_location(|| s.add_permits(usize::MAX));
    assert_eq!((file.as_str(), line), (file!(), line!() - 1));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = || {
        let s = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        tame::net::TcpStream::from_std(s).unwrap()
    };
    let (a, b) = (stream(), stream());
    let (file, line) = panic_location(|| {
        tame::io::copy_bidirectional_idle(&a, &b, Duration::ZERO, tame::Event::detached());
    });
    assert_eq!((file.as_str(), line), (file!(), line!() - 2));

    panic::set_hook(previous);
}
