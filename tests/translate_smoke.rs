use std::rc::Rc;
use std::time::Duration;
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

#[path = "support/trace.rs"]
mod trace;
use trace::Trace;

#[tamed]
fn fake_lookup(name: String, delay: u64, ev: Event<Option<String>>) {
    twait! { tame::timer(Duration::from_millis(delay), mkevent!()); }
    ev.trigger(Some(format!("ip-of-{name}")));
}

#[tamed]
fn windowed(names: Vec<String>, trace: Trace, done: Event<Vec<Option<String>>>) {
    tvars! { let mut sent = 0; let mut recv = 0; let mut a = vec![None; names.len()]; let r = Rendezvous::<usize>::new(); }
    while recv < names.len() {
        if sent < names.len() && sent - recv < 2 {
            fake_lookup(
                names[sent].clone(),
                [40, 30, 5, 50][sent],
                mkevent!(r, sent, a[sent]),
            );
            sent += 1;
        } else {
            let id = twait!(r);
            trace.borrow_mut().push(format!("got {id:?}"));
            recv += 1;
        }
    }
    done.trigger(a);
}

#[test]
fn windowed_smoke() {
    // The order of completions follows the timers' durations; on the
    // paused clock it cannot depend on how late a busy machine runs them.
    tame::time::pause();
    let trace: Trace = Rc::default();
    let r = Rendezvous::<()>::new();
    let (ev, slot) = r.event_with_slot(());
    let names: Vec<String> = (0..4).map(|i| format!("n{i}")).collect();
    windowed(names, trace.clone(), ev);
    tame::run();
    let out = slot.take().unwrap();
    assert_eq!(
        out,
        vec![
            Some("ip-of-n0".to_string()),
            Some("ip-of-n1".into()),
            Some("ip-of-n2".into()),
            Some("ip-of-n3".into())
        ]
    );
    assert_eq!(
        *trace.borrow(),
        vec!["got Some(1)", "got Some(2)", "got Some(0)", "got Some(3)"]
    );
}
