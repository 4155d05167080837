//! A tamed method taking `self: Rc<Self>` returns a value.
#![deny(warnings)]
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tame::{mkevent, tamed, twait, Rendezvous};

struct Cache {
    map: RefCell<HashMap<u32, String>>,
}

impl Cache {
    #[tamed]
    fn get(self: Rc<Self>, k: u32) -> Option<String> {
        twait! { tame::asap(mkevent!()); }
        self.map.borrow().get(&k).cloned()
    }
}

fn main() {
    let cache = Rc::new(Cache {
        map: RefCell::new(HashMap::from([(1, "one".to_string())])),
    });
    let r = Rendezvous::<()>::new();
    let (hit, hit_slot) = r.event_with_slot(());
    let (miss, miss_slot) = r.event_with_slot(());
    cache.clone().get(1, hit);
    cache.clone().get(2, miss);
    tame::run();
    assert_eq!(hit_slot.take(), Some(Some("one".to_string())));
    assert_eq!(miss_slot.take(), Some(None));
}
