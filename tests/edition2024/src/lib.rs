//! Tamed functions written in edition 2024, each beside the plain function
//! with the same body, whose result it must give.

use std::cell::RefCell;

use tame::{Rendezvous, mkevent, tamed, twait};

/// `if let .. && let .. && cond` with a twait inside, and an `else`.
#[tamed]
pub fn chained(a: Option<u32>, b: Result<String, ()>) -> String {
    if let Some(x) = a
        && let Ok(s) = b
        && x > 1
    {
        twait! { tame::asap(mkevent!()); }
        return format!("{s}{x}");
    } else if let Some(x) = a
        && x == 1
    {
        twait! { tame::asap(mkevent!()); }
        return format!("one {x}");
    } else {
        twait! { tame::asap(mkevent!()); }
    }
    "none".into()
}

pub fn chained_plain(a: Option<u32>, b: Result<String, ()>) -> String {
    if let Some(x) = a
        && let Ok(s) = b
        && x > 1
    {
        return format!("{s}{x}");
    } else if let Some(x) = a
        && x == 1
    {
        return format!("one {x}");
    }
    "none".into()
}

/// A log of what happened, and a value that logs its drop.
pub type Log = std::rc::Rc<RefCell<Vec<String>>>;

pub struct Noisy(&'static str, Log);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("drop {}", self.0));
    }
}

/// A chain that fails at a later test: its first binding and the
/// temporaries of its scrutinees are gone when the `else` runs (a
/// `RefMut` there would otherwise find the `Ref` still held).
#[tamed]
pub fn chain_else(log: Log, flag: bool, inner: bool) -> u32 {
    if let Some(x) = Some(Noisy("x", log.clone()))
        && let Some(n) = shared().borrow().map(|n| n + 1)
        && flag
    {
        twait! { tame::asap(mkevent!()); }
        let _ = &x;
        log.borrow_mut().push(format!("then {n}"));
        n
    } else {
        *shared().borrow_mut() = Some(7);
        log.borrow_mut().push("else".into());
        twait! { tame::asap(mkevent!()); }
        // A chain with an `else` inside the `else` of another.
        let v = if let Some(m) = *shared().borrow()
            && inner
        {
            twait! { tame::asap(mkevent!()); }
            m * 10
        } else {
            twait! { tame::asap(mkevent!()); }
            1
        };
        log.borrow_mut().push(format!("inner {v}"));
        v
    }
}

pub fn chain_else_plain(log: Log, flag: bool, inner: bool) -> u32 {
    if let Some(x) = Some(Noisy("x", log.clone()))
        && let Some(n) = shared().borrow().map(|n| n + 1)
        && flag
    {
        let _ = &x;
        log.borrow_mut().push(format!("then {n}"));
        n
    } else {
        *shared().borrow_mut() = Some(7);
        log.borrow_mut().push("else".into());
        let v = if let Some(m) = *shared().borrow()
            && inner
        {
            m * 10
        } else {
            1
        };
        log.borrow_mut().push(format!("inner {v}"));
        v
    }
}

/// `while let .. && let ..` with a twait in the body.
#[tamed]
pub fn sum_until_negative(v: Vec<i64>) -> u32 {
    let mut it = v.into_iter();
    let mut s = 0;
    while let Some(x) = it.next()
        && let Ok(n) = u32::try_from(x)
    {
        twait! { tame::asap(mkevent!()); }
        s += n;
    }
    s
}

pub fn sum_until_negative_plain(v: Vec<i64>) -> u32 {
    let mut it = v.into_iter();
    let mut s = 0;
    while let Some(x) = it.next()
        && let Ok(n) = u32::try_from(x)
    {
        s += n;
    }
    s
}

/// `while c && let P = twait!(r)`: the twait in a later operand of the
/// chain waits only while the operands before it hold (a window drained
/// to its last answer), as `&&` evaluates them.
#[tamed]
pub fn drain_window(r: Rendezvous<u32>, mut outstanding: u32) -> (u32, u32) {
    let mut sum = 0;
    while outstanding > 0
        && let Some(i) = twait!(r)
    {
        outstanding -= 1;
        sum += i;
    }
    (sum, outstanding)
}

/// `while let A = x && let B = twait!(r)`: each turn pops, then waits.
#[tamed]
pub fn pop_then_wait(mut stack: Vec<u32>, r: Rendezvous<u32>) -> (u32, usize) {
    let mut sum = 0;
    while let Some(x) = stack.pop()
        && let Some(i) = twait!(r)
    {
        sum += x * i;
    }
    (sum, stack.len())
}

/// An `if` let chain without `else` whose body waits and leaves: the code
/// after it runs on in the same state, so a borrow made before it lives on.
/// (`if let Some(f) = flag && ..` would bind out of `flag` by value, a move
/// on the path that goes on past the first test only: a state of its own
/// joins those paths then.)
#[tamed]
pub fn first_unless_flagged(v: Vec<u32>, flag: Option<u32>) -> u32 {
    let first = v.first();
    if let Some(&f) = flag.as_ref()
        && f > 10
    {
        twait! { tame::asap(mkevent!()); }
        return f;
    }
    first.copied().unwrap_or_default()
}

/// A cell of the thread's that lives forever (a `RefCell` a function
/// borrows through a temporary without borrowing a variable of its own).
pub fn shared() -> &'static RefCell<Option<u32>> {
    thread_local! {
        static CELL: &'static RefCell<Option<u32>> = Box::leak(Box::new(RefCell::new(None)));
    }
    CELL.with(|c| *c)
}

/// Edition 2024 drops an `if let` scrutinee's temporaries (here a `Ref`)
/// before `else`: the `else` may borrow the cell mutably, whichever branch
/// waits.
#[tamed]
pub fn rescoped(wait_in_else: bool) -> u32 {
    if let Some(v) = *shared().borrow() {
        twait! { tame::asap(mkevent!()); }
        return v;
    } else {
        if wait_in_else {
            twait! { tame::asap(mkevent!()); }
        }
        *shared().borrow_mut() = Some(5);
    }
    0
}

/// The same with no twait in the `else`.
#[tamed]
pub fn rescoped_waiting_only_in_then() -> u32 {
    if let Some(v) = *shared().borrow() {
        twait! { tame::asap(mkevent!()); }
        return v;
    } else {
        *shared().borrow_mut() = Some(5);
    }
    0
}

/// The same with the twait in the scrutinee, before the temporary is
/// made: the `if let` is ordinary code after the wait, and keeps the
/// user's edition (a `Ref` kept into the `else` would make its
/// `borrow_mut` panic).
#[tamed]
pub fn rescoped_waiting_in_the_scrutinee() -> u32 {
    if let Some(v) = first_of(
        {
            twait! { tame::asap(mkevent!()); }
            None
        },
        *shared().borrow(),
    ) {
        return v;
    } else {
        *shared().borrow_mut() = Some(5);
    }
    0
}

fn first_of(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    a.or(b)
}

pub fn rescoped_plain() -> u32 {
    if let Some(v) = *shared().borrow() {
        return v;
    } else {
        *shared().borrow_mut() = Some(5);
    }
    0
}

/// Let chains that rustc and clippy do not lint, whose body waits: an
/// irrefutable `let` binding a value inside the chain, `let Some(_)`, and
/// a `while let` whose second `let` takes apart the first's binding. The
/// machine nests them as `if let`s, which would be linted (the crate is
/// checked by `cargo clippy -- -D warnings`).
#[tamed]
pub fn unlinted_chains(mut q: Vec<Option<u32>>, o: Option<u32>, limit: u32) -> u32 {
    let mut s = 0;
    while let Some(top) = q.pop()
        && let Some(x) = top
        && s < limit
    {
        twait! { tame::asap(mkevent!()); }
        s += x;
    }
    if let Some(x) = o
        && let y = x + 1
        && y > 2
    {
        twait! { tame::asap(mkevent!()); }
        s += y;
    }
    if let Some(_) = o
        && s > 0
    {
        twait! { tame::asap(mkevent!()); }
        s += 1000;
    }
    s
}

pub fn unlinted_chains_plain(mut q: Vec<Option<u32>>, o: Option<u32>, limit: u32) -> u32 {
    let mut s = 0;
    while let Some(top) = q.pop()
        && let Some(x) = top
        && s < limit
    {
        s += x;
    }
    if let Some(x) = o
        && let y = x + 1
        && y > 2
    {
        s += y;
    }
    if let Some(_) = o
        && s > 0
    {
        s += 1000;
    }
    s
}

/// A tamed function and its plain twin, made by a macro from a
/// `$body:block` value and a `$tail:block` body.
macro_rules! made_with_blocks {
    ($tamed:ident, $plain:ident, $log:ident, $value:block, $tail:block) => {
        #[tamed]
        pub fn $tamed($log: Log) -> u32 {
            twait! { tame::asap(mkevent!()); }
            let n = $value;
            n + $tail
        }

        pub fn $plain($log: Log) -> u32 {
            let n = $value;
            n + $tail
        }
    };
}

made_with_blocks!(
    blocks,
    blocks_plain,
    log,
    {
        let g = Noisy("g", log.clone());
        g.value() + Noisy("t", log.clone()).value()
    },
    { local_len() }
);

/// For a crate of another edition: a tamed function and its plain twin
/// made from a block the caller writes, whose braces are the caller's
/// (and so are the rules for its tail's temporaries, as in the plain
/// twin), not this crate's, which wrote the `fn`.
#[macro_export]
macro_rules! made_with_a_callers_block {
    ($tamed:ident, $plain:ident, $log:ident: $log_ty:ty, $value:block) => {
        #[$crate::__tame::tamed]
        pub fn $tamed($log: $log_ty) -> u32 {
            $crate::__tame::twait! { $crate::__tame::asap($crate::__tame::mkevent!()); }
            let n = $value;
            n
        }

        pub fn $plain($log: $log_ty) -> u32 {
            let n = $value;
            n
        }
    };
}

#[doc(hidden)]
pub use tame as __tame;

/// A body that is a macro's `$body:block` whose tail borrows a local of
/// the block (fine in edition 2024, whose tail temporaries drop before
/// the block's locals).
macro_rules! made_body {
    ($name:ident, $body:block) => {
        #[tamed]
        pub fn $name() -> u32 $body
    };
}

made_body!(borrowing_tail, {
    twait! { tame::asap(mkevent!()); }
    let c = RefCell::new(vec![1u32, 2]);
    c.borrow().len() as u32
});

/// A length read through a temporary `Ref` of a local, in a block's tail.
pub fn local_len() -> u32 {
    let c = RefCell::new(vec![1u32]);
    c.borrow().len() as u32
}

impl Noisy {
    pub fn value(&self) -> u32 {
        self.0.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A let chain of three operands whose `else` waits.
    #[tamed]
    fn three_part_chain(v: Option<u32>, w: Option<u32>) -> u32 {
        if let Some(i) = v
            && i > 0
            && let Some(j) = w
        {
            i + j
        } else {
            twait! { tame::asap(mkevent!()); }
            0
        }
    }

    #[test]
    fn a_three_part_let_chain_with_a_waiting_else() {
        assert_eq!(value_of(|d| three_part_chain(Some(1), Some(2), d)), Some(3));
        assert_eq!(value_of(|d| three_part_chain(Some(0), Some(2), d)), Some(0));
        assert_eq!(value_of(|d| three_part_chain(Some(1), None, d)), Some(0));
    }

    /// Runs a tamed function's loop and returns its value.
    fn value_of<T: 'static>(f: impl FnOnce(tame::Event<T>)) -> Option<T> {
        let r = tame::Rendezvous::<()>::new();
        let (ev, slot) = r.event_with_slot(());
        f(ev);
        tame::run();
        slot.take()
    }

    #[test]
    fn let_chains_with_a_twait_inside() {
        for a in [None, Some(1), Some(2)] {
            for b in [Ok("s".to_string()), Err(())] {
                let want = chained_plain(a, b.clone());
                assert_eq!(value_of(|d| chained(a, b, d)), Some(want));
            }
        }
        let v = vec![1, 2, -1, 5];
        let want = sum_until_negative_plain(v.clone());
        assert_eq!(want, 3);
        assert_eq!(value_of(|d| sum_until_negative(v, d)), Some(want));
    }

    #[test]
    fn a_while_chain_waits_in_a_later_operand_only_while_the_earlier_ones_hold() {
        // Three events out, two to wait for: the third stays unwaited.
        let r = Rendezvous::<u32>::new();
        for i in [1, 10, 100] {
            r.event(i).trigger(());
        }
        assert_eq!(value_of(|d| drain_window(r, 2, d)), Some((11, 0)));

        // Two pops, each with a wait; the third pop finds the rendezvous
        // without events (its twait gives `None`) and ends the loop.
        let r = Rendezvous::<u32>::new();
        for i in [1, 2] {
            r.event(i).trigger(());
        }
        assert_eq!(
            value_of(|d| pop_then_wait(vec![7, 5, 3], r, d)),
            Some((3 + 5 * 2, 0))
        );
    }

    #[test]
    fn a_borrow_lives_on_after_a_chain_whose_waiting_body_leaves() {
        for (flag, want) in [(None, 7), (Some(3), 7), (Some(11), 11)] {
            assert_eq!(
                value_of(|d| first_unless_flagged(vec![7], flag, d)),
                Some(want)
            );
        }
    }

    #[test]
    fn a_chain_that_fails_runs_its_else_without_its_bindings() {
        for (flag, inner, start) in [
            (true, true, Some(1)),
            (false, true, Some(1)),
            (false, false, None),
        ] {
            let run = |tamed: bool| {
                *shared().borrow_mut() = start;
                let log = Log::default();
                let v = if tamed {
                    value_of(|d| chain_else(log.clone(), flag, inner, d))
                } else {
                    Some(chain_else_plain(log.clone(), flag, inner))
                };
                let log = log.borrow().clone();
                (v, log)
            };
            assert_eq!(run(true), run(false), "flag {flag}, inner {inner}");
        }
    }

    /// The braces of a macro's `$x:block` keep the macro's edition: this
    /// crate's tail rule (the temporary `t` drops before the block's local
    /// `g`), not the 2021 rule of `#[tamed]`'s own crate.
    #[test]
    fn a_macro_made_block_keeps_the_tail_rule_of_its_edition() {
        let (tamed, plain) = (Log::default(), Log::default());
        let got = value_of(|d| blocks(tamed.clone(), d));
        assert_eq!(got, Some(blocks_plain(plain.clone())));
        assert_eq!(*tamed.borrow(), ["drop t", "drop g"]);
        assert_eq!(*tamed.borrow(), *plain.borrow());
        assert_eq!(value_of(borrowing_tail), Some(2));
    }

    #[test]
    fn if_let_temporaries_are_dropped_before_else() {
        for wait_in_else in [false, true] {
            *shared().borrow_mut() = None;
            let plain = rescoped_plain();
            assert_eq!(*shared().borrow(), Some(5));
            *shared().borrow_mut() = None;
            assert_eq!(value_of(|d| rescoped(wait_in_else, d)), Some(plain));
            assert_eq!(*shared().borrow(), Some(5));
            assert_eq!(value_of(|d| rescoped(wait_in_else, d)), Some(5));
        }
        *shared().borrow_mut() = None;
        assert_eq!(value_of(rescoped_waiting_only_in_then), Some(0));
        assert_eq!(*shared().borrow(), Some(5));
        *shared().borrow_mut() = None;
        assert_eq!(value_of(rescoped_waiting_in_the_scrutinee), Some(0));
        assert_eq!(*shared().borrow(), Some(5));
        assert_eq!(value_of(rescoped_waiting_in_the_scrutinee), Some(5));
    }

    /// A guard moved by some paths of a let chain that has an `else` (no
    /// twait in it), a twait after: on the other paths it lives to the
    /// end of its scope, as in the plain function. `shape` picks where
    /// the move is: 0 the `then` branch, 1 the `else`, 2 the `then` of a
    /// chain whose value is assigned, 3 the `then` of a chain of three
    /// operands.
    #[tamed]
    fn moved_by_a_chain(log: Log, o: Option<u32>, shape: u32) -> u32 {
        let g = Noisy("g", log.clone());
        let mut y = 0;
        if shape == 0 {
            if let Some(x) = o
                && x > 0
            {
                drop(g);
            } else {
                log.borrow_mut().push("else".into());
            }
        } else if shape == 1 {
            if let Some(x) = o
                && x > 0
            {
                log.borrow_mut().push("then".into());
            } else {
                drop(g);
            }
        } else if shape == 2 {
            y = if let Some(x) = o
                && x > 0
            {
                drop(g);
                (x > 1) as u32
            } else {
                7
            };
        } else if let Some(x) = o
            && x > 0
            && let Some(z) = x.checked_sub(1)
        {
            drop(g);
            y = z;
        } else {
            log.borrow_mut().push("else".into());
        }
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push("waited".into());
        y
    }

    fn moved_by_a_chain_plain(log: Log, o: Option<u32>, shape: u32) -> u32 {
        let g = Noisy("g", log.clone());
        let mut y = 0;
        if shape == 0 {
            if let Some(x) = o
                && x > 0
            {
                drop(g);
            } else {
                log.borrow_mut().push("else".into());
            }
        } else if shape == 1 {
            if let Some(x) = o
                && x > 0
            {
                log.borrow_mut().push("then".into());
            } else {
                drop(g);
            }
        } else if shape == 2 {
            y = if let Some(x) = o
                && x > 0
            {
                drop(g);
                (x > 1) as u32
            } else {
                7
            };
        } else if let Some(x) = o
            && x > 0
            && let Some(z) = x.checked_sub(1)
        {
            drop(g);
            y = z;
        } else {
            log.borrow_mut().push("else".into());
        }
        log.borrow_mut().push("waited".into());
        y
    }

    #[test]
    fn a_guard_moved_on_some_paths_of_a_chain_with_an_else_lives_on_the_others() {
        for shape in 0..4 {
            for o in [None, Some(0), Some(3)] {
                let tamed_log = Log::default();
                let v = value_of(|d| moved_by_a_chain(tamed_log.clone(), o, shape, d));
                let plain_log = Log::default();
                let w = moved_by_a_chain_plain(plain_log.clone(), o, shape);
                assert_eq!(v, Some(w), "shape {shape}, {o:?}");
                assert_eq!(
                    *tamed_log.borrow(),
                    *plain_log.borrow(),
                    "shape {shape}, {o:?}"
                );
            }
        }
    }

    /// A chain whose first scrutinee is a shadowing variable (which the
    /// machine renames) compiles as a chain, in an `if` and a `while`,
    /// with a twait or without.
    #[tamed]
    fn shadowed_scrutinee(log: Log, c: bool, waits: bool) -> u32 {
        let g = Noisy("g", log.clone());
        let mut g = Some(g);
        let mut n = 0;
        if let Some(h) = g.take()
            && c
        {
            if waits {
                twait! { tame::asap(mkevent!()); }
            }
            drop(h);
            n += 1;
        }
        let v = vec![1u32, 2, 3];
        let mut v = v;
        while let Some(x) = v.pop()
            && x > 1
        {
            twait! { tame::asap(mkevent!()); }
            n += x;
        }
        log.borrow_mut().push(format!("n={n} left={}", g.is_some()));
        n
    }

    #[test]
    fn a_chain_on_a_shadowing_variable_is_a_chain() {
        for (c, waits) in [(false, false), (true, false), (true, true)] {
            let log = Log::default();
            let n = value_of(|d| shadowed_scrutinee(log.clone(), c, waits, d));
            // The chain takes `g` whether or not `c` holds.
            let n = n.expect("it finished");
            assert_eq!(n, if c { 6 } else { 5 });
            assert_eq!(
                *log.borrow(),
                ["drop g".to_string(), format!("n={n} left=false")]
            );
        }
    }

    /// A chain whose value a `let` takes, its `else` leaving by `return`
    /// or `break`.
    #[tamed]
    fn valued_chain_else_leaves(o: Option<u32>, d: bool) -> u32 {
        let y = if let Some(x) = o
            && d
        {
            x
        } else {
            return 9;
        };
        twait! { tame::asap(mkevent!()); }
        let mut k = 0;
        for i in 0..3u32 {
            let z = if let Some(x) = o
                && x > i
            {
                twait! { tame::asap(mkevent!()); }
                x
            } else {
                break;
            };
            k += z;
        }
        y * 100 + k
    }

    #[test]
    fn a_valued_chain_whose_else_leaves() {
        assert_eq!(
            value_of(|e| valued_chain_else_leaves(None, true, e)),
            Some(9)
        );
        assert_eq!(
            value_of(|e| valued_chain_else_leaves(Some(2), false, e)),
            Some(9)
        );
        assert_eq!(
            value_of(|e| valued_chain_else_leaves(Some(2), true, e)),
            Some(204)
        );
    }

    #[test]
    fn let_chains_rustc_and_clippy_do_not_lint() {
        let queues = [
            vec![],
            vec![Some(1), None, Some(5), Some(7)],
            vec![Some(20), Some(2)],
        ];
        for q in queues {
            for o in [None, Some(0), Some(4)] {
                assert_eq!(
                    value_of(|d| unlinted_chains(q.clone(), o, 10, d)),
                    Some(unlinted_chains_plain(q.clone(), o, 10))
                );
            }
        }
    }

    /// `while let .. && cond` whose body waits.
    #[tamed]
    fn while_chain(log: Log) {
        let mut v = vec![1, 2, 3, 4];
        let _g = Noisy("g", log.clone());
        while let Some(x) = v.pop()
            && x > 1
        {
            let _n = Noisy("n", log.clone());
            twait! { tame::asap(mkevent!()); }
            log.borrow_mut().push(format!("x {x}"));
        }
        log.borrow_mut().push(format!("after {v:?}"));
    }

    fn while_chain_plain(log: Log) {
        let mut v = vec![1, 2, 3, 4];
        let _g = Noisy("g", log.clone());
        while let Some(x) = v.pop()
            && x > 1
        {
            let _n = Noisy("n", log.clone());
            log.borrow_mut().push(format!("x {x}"));
        }
        log.borrow_mut().push(format!("after {v:?}"));
    }

    /// A let chain in a condition that does not wait, between twaits.
    #[tamed]
    fn chain_between_twaits(log: Log, c: bool) {
        let mut g = Some(Noisy("g", log.clone()));
        twait! { tame::asap(mkevent!()); }
        if let Some(x) = g.take()
            && c
        {
            log.borrow_mut().push(format!("took {}", x.0));
        }
        twait! { tame::asap(mkevent!()); }
        log.borrow_mut().push(format!("after {}", g.is_none()));
    }

    fn chain_between_twaits_plain(log: Log, c: bool) {
        let mut g = Some(Noisy("g", log.clone()));
        if let Some(x) = g.take()
            && c
        {
            log.borrow_mut().push(format!("took {}", x.0));
        }
        log.borrow_mut().push(format!("after {}", g.is_none()));
    }

    fn logged(f: impl FnOnce(Log)) -> Vec<String> {
        let log = Log::default();
        f(log.clone());
        tame::run();
        log.borrow().clone()
    }

    #[test]
    fn while_let_chains_and_chains_between_twaits_drop_as_plain_functions_do() {
        let want = [
            "x 4", "drop n", "x 3", "drop n", "x 2", "drop n", "after []", "drop g",
        ];
        assert_eq!(logged(while_chain), want);
        assert_eq!(logged(while_chain_plain), want);
        for c in [true, false] {
            assert_eq!(
                logged(|l| chain_between_twaits(l, c)),
                logged(|l| chain_between_twaits_plain(l, c))
            );
        }
        assert_eq!(
            logged(|l| chain_between_twaits(l, true)),
            ["took g", "drop g", "after true"]
        );
    }
}
