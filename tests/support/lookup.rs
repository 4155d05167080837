//! Driving a [`Resolver`] from a test: look names up, run the loop, get the
//! results in the order asked.
#![allow(dead_code)]

use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;

use tame::dns::{LookupResult, Resolver};
use tame::Event;

/// Parses an address written in a test.
pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Looks up each name (all at once) and runs the loop; results in order.
pub fn lookup_all(resolver: &Resolver, names: &[&str]) -> Vec<LookupResult> {
    let results: Rc<RefCell<Vec<Option<LookupResult>>>> =
        Rc::new(RefCell::new((0..names.len()).map(|_| None).collect()));
    for (i, name) in names.iter().enumerate() {
        let results = results.clone();
        resolver.lookup_ip(
            name,
            Event::from_fn(move |res: Option<LookupResult>| {
                results.borrow_mut()[i] = Some(res.expect("the resolver dropped its event"));
            }),
        );
    }
    tame::run();
    let results = results.take();
    results
        .into_iter()
        .map(|r| r.expect("a lookup never reported"))
        .collect()
}

/// Looks up one name and runs the loop.
pub fn lookup_one(resolver: &Resolver, name: &str) -> LookupResult {
    lookup_all(resolver, &[name]).pop().unwrap()
}
