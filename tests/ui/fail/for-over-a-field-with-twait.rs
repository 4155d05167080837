// A `for` loop over a borrow of a field (`&self.routes`, `&mut
// self.routes`, a range of one, `self.map.iter()`), with a twait in its
// body: the error suggests what reaches the field again after the twait
// (indices, a clone, a snapshot, a map's keys), written with the field.
use std::collections::HashMap;
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

struct Router {
    routes: Vec<Rc<String>>,
    map: HashMap<u32, u32>,
}

impl Router {
    #[tamed]
    fn all(self: Rc<Self>) -> usize {
        let mut n = 0;
        for r in &self.routes {
            twait! { tame::asap(mkevent!()); }
            n += r.len();
        }
        for r in &self.routes[1..] {
            twait! { tame::asap(mkevent!()); }
            n += r.len();
        }
        for (k, _) in self.map.iter() {
            twait! { tame::asap(mkevent!()); }
            n += *k as usize;
        }
        n
    }

    #[tamed]
    fn clear(mut self) -> Self {
        for r in &mut self.routes {
            twait! { tame::asap(mkevent!()); }
            *r = Rc::new(String::new());
        }
        self
    }
}

fn main() {}
