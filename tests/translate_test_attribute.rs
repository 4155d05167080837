//! `#[test]` written above `#[tamed]`: the harness's attribute is expanded
//! first, so the translator cannot refuse it; the function refuses to run
//! as the harness's test instead, so that the test fails rather than pass
//! at its first twait without running the rest.

use std::cell::Cell;

use tame::{mkevent, tamed, twait};

thread_local! {
    static REACHED: Cell<u32> = const { Cell::new(0) };
}

#[test]
#[should_panic(
    expected = "`refused_at_the_crates_top` is a #[tamed] function run by the test harness"
)]
#[tamed]
fn refused_at_the_crates_top() {
    twait! { tame::asap(mkevent!()); }
    panic!("unreachable: the harness does not run the loop");
}

#[test]
#[should_panic(expected = "`r#match` is a #[tamed] function run by the test harness")]
#[tamed]
fn r#match() {
    twait! { tame::asap(mkevent!()); }
    panic!("unreachable: the harness does not run the loop");
}

mod nested {
    use tame::{mkevent, tamed, twait};

    #[test]
    #[should_panic(
        expected = "`refused_in_a_module` is a #[tamed] function run by the test harness"
    )]
    #[tamed]
    fn refused_in_a_module() {
        twait! { tame::asap(mkevent!()); }
    }
}

/// A tamed function without parameters, started by a test of another name.
#[tamed]
fn counts_after_a_wait() {
    twait! { tame::asap(mkevent!()); }
    REACHED.with(|r| r.set(r.get() + 1));
}

#[test]
fn a_tamed_function_started_by_a_test_runs_on_the_loop() {
    counts_after_a_wait();
    tame::run();
    assert_eq!(REACHED.with(Cell::get), 1);
}

mod counts_after_a_wait {
    /// A test whose path ends as the tamed function's name does, in
    /// another module: the function is not the test, and runs.
    #[test]
    fn counts_after_a_wait() {
        super::counts_after_a_wait();
        tame::run();
        assert_eq!(super::REACHED.with(std::cell::Cell::get), 1);
    }
}

// Calls the harness's check must let through: code of one's own that
// starts a tamed function named as the test, or the thread, that runs it.

thread_local! {
    static HIT: Cell<u32> = const { Cell::new(0) };
}

#[tamed]
fn worker() {
    twait! { tame::asap(mkevent!()); }
    HIT.with(|h| h.set(h.get() + 1));
}

#[test]
fn a_thread_named_as_a_tamed_function_runs_it() {
    let t = std::thread::Builder::new()
        .name("worker".into())
        .spawn(|| {
            worker();
            tame::run();
            HIT.with(Cell::get)
        })
        .unwrap();
    assert_eq!(t.join().unwrap(), 1);
}

#[test]
fn ping() {
    // Nested in the test, of the test's name and path.
    #[tamed]
    fn ping() {
        twait! { tame::asap(mkevent!()); }
        HIT.with(|h| h.set(h.get() + 10));
    }
    ping();
    tame::run();
    assert_eq!(HIT.with(Cell::get), 10);
}

struct Job;

impl Job {
    #[tamed]
    fn start() {
        twait! { tame::asap(mkevent!()); }
        HIT.with(|h| h.set(h.get() + 100));
    }
}

#[test]
fn start() {
    Job::start();
    tame::run();
    assert_eq!(HIT.with(Cell::get), 100);
}

/// The same calls, the tamed functions defined below them.
mod defined_below {
    use std::cell::Cell;

    use tame::{mkevent, tamed, twait};

    thread_local! {
        static HIT: Cell<u32> = const { Cell::new(0) };
    }

    #[test]
    fn start() {
        Job::start();
        tame::run();
        assert_eq!(HIT.with(Cell::get), 100);
    }

    struct Job;

    impl Job {
        #[tamed]
        fn start() {
            twait! { tame::asap(mkevent!()); }
            HIT.with(|h| h.set(h.get() + 100));
        }
    }

    #[test]
    fn ping() {
        ping();
        tame::run();
        assert_eq!(HIT.with(Cell::get), 10);
        #[tamed]
        fn ping() {
            twait! { tame::asap(mkevent!()); }
            HIT.with(|h| h.set(h.get() + 10));
        }
    }

    #[test]
    fn a_thread_named_as_a_tamed_function_defined_below_runs_it() {
        let t = std::thread::Builder::new()
            .name("defined_below::worker".into())
            .spawn(|| {
                worker();
                tame::run();
                HIT.with(Cell::get)
            })
            .unwrap();
        assert_eq!(t.join().unwrap(), 1);
    }

    #[tamed]
    fn worker() {
        twait! { tame::asap(mkevent!()); }
        HIT.with(|h| h.set(h.get() + 1));
    }
}

/// `#[test]` and `#[tamed]` on the function's own line.
#[rustfmt::skip]
mod one_line {
    use tame::{mkevent, tamed, twait};

    #[test] #[should_panic(expected = "`refused_on_one_line` is a #[tamed] function run by the test harness")] #[tamed] fn refused_on_one_line() {
        twait! { tame::asap(mkevent!()); }
    }
}

/// `#[cfg_attr(test, test)]`, as crates write tests gated on a feature:
/// the harness's call is located at the inner `test`.
#[cfg_attr(test, test)]
#[should_panic(
    expected = "`refused_through_cfg_attr` is a #[tamed] function run by the test harness"
)]
#[tamed]
fn refused_through_cfg_attr() {
    twait! { tame::asap(mkevent!()); }
}

/// The same `cfg_attr` over several lines, as rustfmt writes a long one,
/// and with a path to the attribute.
#[rustfmt::skip]
mod cfg_attr_spellings {
    use tame::{mkevent, tamed, twait};

    #[cfg_attr(
        test,
        test
    )]
    #[should_panic(expected = "`refused_over_lines` is a #[tamed] function run by the test harness")]
    #[tamed]
    fn refused_over_lines() {
        twait! { tame::asap(mkevent!()); }
    }

    #[cfg_attr(test, core::prelude::v1::test)]
    #[should_panic(expected = "`refused_by_path` is a #[tamed] function run by the test harness")]
    #[tamed]
    fn refused_by_path() {
        twait! { tame::asap(mkevent!()); }
    }
}
