//! Analyze: which bindings are live where each state begins.
//!
//! A backward pass over every state's code, repeated until nothing changes
//! (loops make the states depend on each other). A binding is live at a
//! state if some path from there uses it before assigning it; a `_guard`
//! binding is live wherever it is in scope. The live bindings of a state are
//! exactly the fields of its enum variant: everything else is dropped when
//! the function leaves the previous state (the drop rule).

use crate::lower::{Lowered, Node, Target};

/// A set of binding ids.
#[derive(Clone, PartialEq, Eq, Default, Debug)]
pub struct Set(Vec<u64>);

impl Set {
    pub fn insert(&mut self, i: usize) {
        let (w, b) = (i / 64, i % 64);
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << b;
    }

    pub fn remove(&mut self, i: usize) {
        let (w, b) = (i / 64, i % 64);
        if let Some(word) = self.0.get_mut(w) {
            *word &= !(1 << b);
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub fn union(&mut self, other: &Set) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            (0..64)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| w * 64 + b)
        })
    }

    fn normalized(mut self) -> Set {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }
}

/// Live bindings at the start of each state.
pub fn liveness(l: &Lowered) -> Vec<Set> {
    let mut live = vec![Set::default(); l.states.len()];
    loop {
        let mut changed = false;
        for s in (0..l.states.len()).rev() {
            let mut set = seq(&l.states[s].code, &live);
            for &b in l.states[s].env.iter() {
                if l.bindings[b].guard {
                    set.insert(b);
                }
            }
            let set = set.normalized();
            if set != live[s] {
                live[s] = set;
                changed = true;
            }
        }
        if !changed {
            return live;
        }
    }
}

fn target(t: Target, live: &[Set]) -> Set {
    match t {
        Target::State(s) => live[s].clone(),
        Target::Return => Set::default(),
    }
}

/// Live bindings before a sequence of nodes.
pub fn seq(nodes: &[Node], live: &[Set]) -> Set {
    let mut after = Set::default();
    for n in nodes.iter().rev() {
        after = node(n, after, live);
    }
    after
}

fn node(n: &Node, after: Set, live: &[Set]) -> Set {
    match n {
        Node::Stmt(s) => {
            let mut l = after;
            for &d in s.defs.iter().chain(&s.kills) {
                l.remove(d);
            }
            for &u in &s.uses {
                l.insert(u);
            }
            for &j in &s.jumps {
                l.union(&target(j, live));
            }
            l
        }
        Node::Block(nodes) => {
            let mut l = seq(nodes, live);
            l.union(&after);
            l
        }
        Node::If {
            uses,
            defs,
            then,
            els,
            ..
        } => {
            let mut t = seq(then, live);
            for &d in defs {
                t.remove(d);
            }
            t.union(&seq(els, live));
            t.union(&after);
            for &u in uses {
                t.insert(u);
            }
            t
        }
        Node::Match { uses, arms, .. } => {
            let mut l = after;
            for arm in arms {
                let mut a = seq(&arm.body, live);
                for &u in &arm.guard_uses {
                    a.insert(u);
                }
                for &d in &arm.defs {
                    a.remove(d);
                }
                l.union(&a);
            }
            for &u in uses {
                l.insert(u);
            }
            l
        }
        Node::Goto { target: t, .. } => target(*t, live),
        Node::WaitJoin { state, keep, .. } => {
            let mut l = after;
            l.union(&live[*state]);
            for &k in keep {
                l.insert(k);
            }
            l
        }
        Node::PollRendezvous {
            state, uses, tmp, ..
        } => {
            let mut l = after;
            l.remove(*tmp);
            l.union(&live[*state]);
            for &u in uses {
                l.insert(u);
            }
            l
        }
    }
}
