//! The paper's three multidns loops as `#[tamed]` functions over
//! `dns::gethost_ev` (itself `#[tamed]`), against the built-in server:
//! every answer lands in its own place, and the window is respected.

use std::cell::{Cell, RefCell};
use std::net::IpAddr;
use std::rc::Rc;
use std::time::Duration;

use tame::dns::server::Server;
use tame::dns::{self, gethost_ev, Error, LookupResult, Resolver};
use tame::{mkevent, tamed, tvars, twait, Event, Rendezvous};

fn unresolved(names: &[String]) -> Vec<LookupResult> {
    names
        .iter()
        .map(|n| Err(Error::NoResult { name: n.clone() }))
        .collect()
}

#[tamed]
fn sequential(names: Vec<String>, done: Event<Vec<LookupResult>>) {
    tvars! { let mut a = unresolved(&names); }
    for i in 0..names.len() {
        twait! { gethost_ev(names[i].clone(), mkevent!(a[i])); }
    }
    done.trigger(a);
}

// The paper's figure: an index loop, whose index also names the slot.
#[allow(clippy::needless_range_loop)]
#[tamed]
fn parallel(names: Vec<String>, done: Event<Vec<LookupResult>>) {
    tvars! { let mut a = unresolved(&names); }
    twait! {
        for i in 0..names.len() {
            gethost_ev(names[i].clone(), mkevent!(a[i]));
        }
    }
    done.trigger(a);
}

#[tamed]
fn windowed(
    names: Vec<String>,
    window: usize,
    most: Rc<Cell<usize>>,
    done: Event<Vec<LookupResult>>,
) {
    tvars! {
        let mut sent = 0usize;
        let mut recv = 0usize;
        let mut a = unresolved(&names);
        let r = Rendezvous::<()>::new();
    }
    while recv < names.len() {
        if sent < names.len() && sent - recv < window {
            gethost_ev(names[sent].clone(), mkevent!(r, (), a[sent]));
            sent += 1;
            most.set(most.get().max(r.pending()));
        } else {
            twait!(r);
            recv += 1;
        }
    }
    done.trigger(a);
}

fn addr_of(i: usize) -> IpAddr {
    IpAddr::from([10, 2, (i >> 8) as u8, i as u8])
}

fn run(start: impl FnOnce(Event<Vec<LookupResult>>)) -> Vec<LookupResult> {
    let out = Rc::new(RefCell::new(None));
    let o = out.clone();
    start(Event::from_fn(move |v| *o.borrow_mut() = v));
    tame::run();
    out.take().expect("the loop delivered its results")
}

#[test]
fn the_three_paper_loops_put_every_answer_in_its_place() {
    const N: usize = 60;
    let mut b = Server::builder().delay(Duration::from_millis(2));
    for i in 0..N {
        b = b.host(&format!("h{i}.paper.test"), addr_of(i));
    }
    let srv = b.spawn().unwrap();
    dns::set_default_resolver(Resolver::new(vec![srv.local_addr()]));
    let mut names: Vec<String> = (0..N).map(|i| format!("h{i}.paper.test")).collect();
    names.push("missing.paper.test".into());

    let check = |results: Vec<LookupResult>| {
        assert_eq!(results.len(), N + 1);
        for (i, r) in results[..N].iter().enumerate() {
            assert_eq!(r.as_ref().unwrap(), &vec![addr_of(i)], "name {i}");
        }
        assert!(
            matches!(results[N], Err(Error::NxDomain { .. })),
            "{:?}",
            results[N]
        );
    };
    let list = names.clone();
    check(run(move |done| sequential(list, done)));
    let list = names.clone();
    check(run(move |done| parallel(list, done)));
    let most = Rc::new(Cell::new(0));
    let (list, m) = (names.clone(), most.clone());
    check(run(move |done| windowed(list, 7, m, done)));
    assert_eq!(most.get(), 7);
}
