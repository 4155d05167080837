//! The paper's multidns (figures 3 and 4) in its three forms, and
//! `add_timeout` (figure 5), over a fake lookup driven by timers.

#![deny(warnings)]

use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous, Timeout};

#[path = "support/trace.rs"]
mod trace;
use trace::{log, ms, Trace};

type Answers = Vec<Option<String>>;

/// Distinct delays per name index (no two timers tie).
const DELAYS: [u64; 5] = [40, 25, 5, 50, 15];

fn names() -> Vec<String> {
    (0..DELAYS.len()).map(|i| format!("n{i}")).collect()
}

/// The fake `gethost_ev`: answers after `delay` ms.
#[tamed]
fn fake_lookup(name: String, delay: u64, t: Trace, ev: Event<Option<String>>) {
    log(&t, format!("ask {name}"));
    twait! { tame::timer(ms(delay), mkevent!()); }
    log(&t, format!("answer {name}"));
    ev.trigger(Some(format!("ip-of-{name}")));
}

/// Figure 3: one lookup after the other.
#[tamed]
fn multidns_seq(names: Vec<String>, t: Trace, done: Event<Answers>) {
    let mut a = vec![None; names.len()];
    for i in 0..names.len() {
        twait! { fake_lookup(names[i].clone(), DELAYS[i], t.clone(), mkevent!(a[i])); }
    }
    done.trigger(a);
}

/// Figure 3, parallel: all lookups inside one twait.
#[tamed]
fn multidns_par(names: Vec<String>, t: Trace, done: Event<Answers>) {
    let mut a = vec![None; names.len()];
    twait! {
        for i in 0..names.len() {
            fake_lookup(names[i].clone(), DELAYS[i], t.clone(), mkevent!(a[i]));
        }
    }
    log(&t, "all answered");
    done.trigger(a);
}

/// Figure 4: at most `window` lookups outstanding.
#[tamed]
fn multidns_win(names: Vec<String>, window: usize, t: Trace, done: Event<Answers>) {
    tvars! {
        let mut sent = 0;
        let mut recv = 0;
        let mut a = vec![None; names.len()];
        let r = Rendezvous::<usize>::new();
    }
    while recv < names.len() {
        if sent < names.len() && sent - recv < window {
            fake_lookup(
                names[sent].clone(),
                DELAYS[sent],
                t.clone(),
                mkevent!(r, sent, a[sent]),
            );
            sent += 1;
        } else {
            let id = twait!(r);
            log(&t, format!("got {}", id.unwrap_or(usize::MAX)));
            recv += 1;
        }
    }
    done.trigger(a);
}

fn all_answers() -> Answers {
    names().iter().map(|n| Some(format!("ip-of-{n}"))).collect()
}

/// Runs one multidns form; returns its answers and trace.
fn run_form(f: impl FnOnce(Vec<String>, Trace, Event<Answers>)) -> (Answers, Vec<String>) {
    // The traces follow the fake lookups' delays; on the paused clock they
    // cannot depend on how late a busy machine runs the timers.
    tame::time::pause();
    let t = Trace::default();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    f(names(), t.clone(), ev);
    tame::run();
    let answers = slot.take().expect("multidns delivered its answers");
    let trace = t.borrow().clone();
    (answers, trace)
}

#[test]
fn sequential_multidns_asks_one_at_a_time() {
    let (answers, trace) = run_form(multidns_seq);
    assert_eq!(answers, all_answers());
    assert_eq!(
        trace,
        [
            "ask n0",
            "answer n0",
            "ask n1",
            "answer n1",
            "ask n2",
            "answer n2",
            "ask n3",
            "answer n3",
            "ask n4",
            "answer n4"
        ]
    );
}

#[test]
fn parallel_multidns_asks_all_then_answers_by_delay() {
    let (answers, trace) = run_form(multidns_par);
    assert_eq!(answers, all_answers());
    assert_eq!(
        trace,
        [
            "ask n0",
            "ask n1",
            "ask n2",
            "ask n3",
            "ask n4",
            // By delay: 5, 15, 25, 40, 50.
            "answer n2",
            "answer n4",
            "answer n1",
            "answer n0",
            "answer n3",
            "all answered"
        ]
    );
}

#[test]
fn windowed_multidns_keeps_two_outstanding() {
    let (answers, trace) = run_form(|n, t, d| multidns_win(n, 2, t, d));
    assert_eq!(answers, all_answers());
    // Window 2: n0 (40) and n1 (25) go out; n1 answers at 25, n2 (5) goes
    // out and answers at 30; n3 (50) goes out; n0 answers at 40, n4 (15)
    // goes out and answers at 55; n3 answers at 80.
    assert_eq!(
        trace,
        [
            "ask n0",
            "ask n1",
            "answer n1",
            "got 1",
            "ask n2",
            "answer n2",
            "got 2",
            "ask n3",
            "answer n0",
            "got 0",
            "ask n4",
            "answer n4",
            "got 4",
            "answer n3",
            "got 3"
        ]
    );
}

#[test]
fn windowed_multidns_with_a_window_of_one_is_sequential() {
    let (answers, trace) = run_form(|n, t, d| multidns_win(n, 1, t, d));
    assert_eq!(answers, all_answers());
    let expected: Vec<String> = (0..5)
        .flat_map(|i| {
            [
                format!("ask n{i}"),
                format!("answer n{i}"),
                format!("got {i}"),
            ]
        })
        .collect();
    assert_eq!(trace, expected);
}

// ---- add_timeout ----

/// A lookup with a deadline, as the paper's figure 5 uses it.
#[tamed]
fn lookup_with_deadline(name: String, delay: u64, limit: u64, t: Trace) {
    let mut res: Result<Option<String>, Timeout> = Ok(None);
    twait! {
        fake_lookup(name, delay, t.clone(), tame::add_timeout(ms(limit), mkevent!(res)));
    }
    log(&t, format!("result {res:?}"));
}

#[test]
fn add_timeout_passes_the_value_when_in_time() {
    let t = Trace::default();
    lookup_with_deadline("fast".into(), 3, 60, t.clone());
    tame::run();
    assert_eq!(
        *t.borrow(),
        ["ask fast", "answer fast", "result Ok(Some(\"ip-of-fast\"))"]
    );
}

#[test]
fn add_timeout_reports_timeout_when_late() {
    let t = Trace::default();
    lookup_with_deadline("slow".into(), 40, 4, t.clone());
    tame::run();
    // The deadline wins, and the lookup it wrapped is cancelled: its
    // event died, so it never answers.
    assert_eq!(*t.borrow(), ["ask slow", "result Err(Timeout)"]);
}

#[tamed]
fn deadline_dropped(t: Trace) {
    let mut res: Result<u8, Timeout> = Ok(0);
    twait! {
        let inner: Event<u8> = tame::add_timeout(ms(1000), mkevent!(res));
        drop(inner);
    }
    log(&t, format!("result {res:?}"));
}

#[test]
fn add_timeout_dropped_inner_event_drops_the_outer_one() {
    let t = Trace::default();
    deadline_dropped(t.clone());
    tame::run();
    // The slot keeps its old value, and the 1 s timer does not hold run().
    assert_eq!(*t.borrow(), ["result Ok(0)"]);
    assert!(tame::blocked().is_empty());
}
