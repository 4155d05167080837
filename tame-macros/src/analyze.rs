//! Analyze: what each state keeps.
//!
//! Three passes over the states' code, each repeated until nothing
//! changes (loops make states depend on each other):
//!
//! * liveness (backward): a binding is live at a state if some path from
//!   there uses it before assigning it;
//! * definite initialization (forward): declared with a value or assigned
//!   on every path to the state;
//! * possible moves (forward): used by value on some path to the state.
//!
//! A state keeps (its enum variant holds) every binding of its scopes that
//! is initialized there and either live, or not moved out and worth
//! dropping at its scope's end: Rust's scoping, as an `async fn` keeps its
//! locals. Translator temporaries are kept only while live.

use std::collections::HashMap;

use crate::errors::Errors;
use crate::ir::{BindingId, BindingKind, Effect, Effects, Function, LoopHead, Plain, WaitKind};
use crate::lower::{Code, Machine, StateId};

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

    pub fn intersect(&mut self, other: &Set) {
        for (i, a) in self.0.iter_mut().enumerate() {
            *a &= other.0.get(i).copied().unwrap_or(0);
        }
    }

    fn normalized(mut self) -> Set {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }
}

/// What the analysis found.
pub struct Analysis {
    /// Per state: the bindings its variant holds, in declaration order.
    pub kept: Vec<Vec<BindingId>>,
    /// Per (state, slot site): whether the site's first place's binding is
    /// initialized where the values are stored (else the store must write
    /// it, whatever came back).
    pub store_init: HashMap<(StateId, usize), bool>,
    /// Per state: whether any path leads there.
    pub reached: Vec<bool>,
}

pub fn analyze(f: &Function, m: &Machine, errors: &mut Errors) -> Analysis {
    let live = liveness(f, m);
    let (init, moved, store_init, reached) = forward(f, m, &live);
    let mut kept = Vec::new();
    for (s, state) in m.states.iter().enumerate() {
        let mut k = Vec::new();
        for &b in &state.env {
            let binding = &f.bindings[b];
            if !init[s].contains(b) {
                continue;
            }
            let worth_dropping =
                binding.kind == BindingKind::User && !binding.trivial && !moved[s].contains(b);
            if live[s].contains(b) || worth_dropping {
                k.push(b);
            }
        }
        kept.push(k);
    }
    report_borrows(f, &kept, errors);
    report_unvalued_rendezvous_slots(f, &store_init, errors);
    Analysis {
        kept,
        store_init,
        reached,
    }
}

/// A slot of `mkevent!(r, id, slot)` gets its value at the `twait!(r)`
/// that returns its id, and the translator cannot tell which that is: a
/// place with no value before must get one, or later code could read it
/// unassigned.
fn report_unvalued_rendezvous_slots(
    f: &Function,
    store_init: &HashMap<(StateId, usize), bool>,
    errors: &mut Errors,
) {
    let mut reported = Vec::new();
    let mut stores: Vec<(usize, bool)> = store_init.iter().map(|(&(_, s), &i)| (s, i)).collect();
    stores.sort_unstable();
    for (site, init) in stores {
        let s = &f.slot_sites[site];
        if init || reported.contains(&site) || matches!(s.owner, crate::ir::SlotOwner::Join(_)) {
            continue;
        }
        reported.push(site);
        let name = s
            .roots
            .first()
            .copied()
            .flatten()
            .map_or("the slot".to_owned(), |r| {
                format!("`{}`", f.bindings[r].name)
            });
        errors.push(syn::Error::new(
            s.span,
            format!(
                "{name} has no value yet, but a `mkevent!(r, id, slot)` slot is filled at the \
                 `twait!(r)` that returns its id, which the translator cannot tell apart from \
                 the others; give {name} a value first (`let mut x = 0;`, `let mut x = None;`), \
                 or use `twait! {{ .. }}`, which fills its slots before it ends"
            ),
        ));
    }
}

/// A binding that borrows another cannot be kept in the state.
fn report_borrows(f: &Function, kept: &[Vec<BindingId>], errors: &mut Errors) {
    let mut reported = Vec::new();
    for k in kept {
        for &b in k {
            let binding = &f.bindings[b];
            let Some(why) = &binding.borrow else { continue };
            if reported.contains(&b) {
                continue;
            }
            reported.push(b);
            let msg = match binding.kind {
                BindingKind::Temp(_) => format!(
                    "this loop's body contains a twait, so its iterator is kept across it, but {why}"
                ),
                BindingKind::User if why.starts_with("it is a closure") => {
                    format!("`{}` is kept across a twait, but {why}", binding.name)
                }
                BindingKind::User => format!(
                    "`{}` is kept across a twait, but {why}: a borrow cannot be kept across a twait, \
                     because the function's variables move between resumes. Borrow again after the \
                     twait, or keep an owned value (a clone, or a match on an owned value) or an \
                     index instead",
                    binding.name
                ),
            };
            errors.push(syn::Error::new(binding.span, msg));
        }
    }
}

// ---- liveness ----

fn liveness(f: &Function, m: &Machine) -> Vec<Set> {
    let mut live = vec![Set::default(); m.states.len()];
    loop {
        let mut changed = false;
        for s in (0..m.states.len()).rev() {
            let mut cx = Backward {
                f,
                m,
                live: &live,
                state: s,
            };
            let set = cx.code(&m.states[s].code, Set::default()).normalized();
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

struct Backward<'a> {
    f: &'a Function,
    m: &'a Machine<'a>,
    live: &'a [Set],
    state: StateId,
}

impl Backward<'_> {
    fn target(&self, s: StateId) -> Set {
        self.live[s].clone()
    }

    fn jump(&self, j: usize) -> Set {
        let info = &self.f.jumps[j];
        let (head, exit) = self.m.loops.get(&info.target).copied().unwrap_or((0, 0));
        self.target(if info.is_break { exit } else { head })
    }

    fn fx(&self, fx: &Effects, mut l: Set) -> Set {
        for &(b, e) in fx.0.iter().rev() {
            match e {
                Effect::Write => l.remove(b),
                Effect::MaybeWrite => {}
                Effect::Read | Effect::Consume | Effect::Receiver => l.insert(b),
            }
        }
        l
    }

    fn plain(&self, p: &Plain, after: Set) -> Set {
        let mut l = if p.diverges { Set::default() } else { after };
        for &j in &p.jumps {
            l.union(&self.jump(j));
        }
        for &d in &p.defs {
            l.remove(d);
        }
        self.fx(&p.fx, l)
    }

    fn code(&mut self, c: &Code, after: Set) -> Set {
        match c {
            Code::Seq(items) => {
                let mut l = after;
                for item in items.iter().rev() {
                    l = self.code(item, l);
                }
                l
            }
            Code::Reopen(_, body) | Code::Open(_, body) | Code::Head(body) => {
                self.code(body, after)
            }
            Code::Plain(p) => self.plain(p, after),
            Code::If { stmt, then, els } => {
                let mut t = self.code(then, after.clone());
                for &d in &stmt.defs {
                    t.remove(d);
                }
                t.union(&self.code(els, after));
                self.fx(&stmt.fx, t)
            }
            Code::Match { stmt, arms } => {
                let mut l = Set::default();
                for (arm, code) in stmt.arms.iter().zip(arms) {
                    let mut a = self.code(code, after.clone());
                    if let Some((_, gfx)) = &arm.guard {
                        a = self.fx(gfx, a);
                    }
                    for &d in &arm.defs {
                        a.remove(d);
                    }
                    l.union(&a);
                }
                self.fx(&stmt.fx, l)
            }
            Code::While { lp, body, exit } => {
                let LoopHead::While { fx, defs, .. } = &lp.head else {
                    return after;
                };
                let mut b = self.code(body, after.clone());
                for &d in defs {
                    b.remove(d);
                }
                b.union(&self.code(exit, after));
                self.fx(fx, b)
            }
            Code::For { lp, body, exit } => {
                let LoopHead::For { iter, defs, .. } = &lp.head else {
                    return after;
                };
                let mut b = self.code(body, after.clone());
                for &d in defs {
                    b.remove(d);
                }
                b.union(&self.code(exit, after));
                b.insert(*iter);
                b
            }
            Code::Goto(t) => self.target(*t),
            Code::Return => Set::default(),
            Code::Join { wait, resume } => {
                let mut l = self.target(*resume);
                if let WaitKind::Join { body, .. } = &self.f.waits[*wait].kind {
                    for p in body.iter().rev() {
                        l = self.plain(p, l);
                    }
                }
                l
            }
            Code::WaitRendezvous { wait, resume } => {
                let l = self.target(*resume);
                match &self.f.waits[*wait].kind {
                    WaitKind::Rendezvous { fx, .. } => self.fx(fx, l),
                    WaitKind::Join { .. } => l,
                }
            }
            Code::Poll { wait, dest, .. } => {
                let mut l = after;
                if let Some(d) = dest {
                    l.remove(*d);
                }
                l.union(&self.target(self.state));
                match &self.f.waits[*wait].kind {
                    WaitKind::Rendezvous { fx, .. } => self.fx(fx, l),
                    WaitKind::Join { .. } => l,
                }
            }
            Code::Store(site) => {
                let mut l = after;
                l.insert(self.f.slot_sites[*site].list);
                l
            }
            Code::Jump(j) => self.jump(*j),
        }
    }
}

// ---- definite initialization and possible moves ----

#[derive(Clone)]
struct Facts {
    init: Set,
    moved: Set,
}

type ForwardResult = (
    Vec<Set>,
    Vec<Set>,
    HashMap<(StateId, usize), bool>,
    Vec<bool>,
);

fn forward(f: &Function, m: &Machine, live: &[Set]) -> ForwardResult {
    let mut init_in: Vec<Option<Set>> = vec![None; m.states.len()];
    let mut moved_in: Vec<Set> = vec![Set::default(); m.states.len()];
    let mut start = Set::default();
    for p in &f.params {
        start.insert(p.binding);
    }
    init_in[0] = Some(start);
    let mut store_init = HashMap::new();
    loop {
        let mut changed = false;
        for s in 0..m.states.len() {
            let Some(init) = init_in[s].clone() else {
                continue;
            };
            let mut cx = Forward {
                f,
                m,
                live,
                state: s,
                edges: Vec::new(),
                store_init: &mut store_init,
            };
            let facts = Facts {
                init,
                moved: moved_in[s].clone(),
            };
            cx.code(&m.states[s].code, facts);
            for (t, facts) in cx.edges {
                let new_init = match &init_in[t] {
                    None => facts.init.clone(),
                    Some(old) => {
                        let mut x = old.clone();
                        x.intersect(&facts.init);
                        x
                    }
                };
                let new_init = new_init.normalized();
                if init_in[t].as_ref() != Some(&new_init) {
                    init_in[t] = Some(new_init);
                    changed = true;
                }
                let mut new_moved = moved_in[t].clone();
                new_moved.union(&facts.moved);
                let new_moved = new_moved.normalized();
                if new_moved != moved_in[t] {
                    moved_in[t] = new_moved;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let reached = init_in.iter().map(Option::is_some).collect();
    let init = init_in.into_iter().map(Option::unwrap_or_default).collect();
    (init, moved_in, store_init, reached)
}

struct Forward<'a> {
    f: &'a Function,
    m: &'a Machine<'a>,
    live: &'a [Set],
    state: StateId,
    edges: Vec<(StateId, Facts)>,
    store_init: &'a mut HashMap<(StateId, usize), bool>,
}

impl Forward<'_> {
    fn fx(&self, fx: &Effects, facts: &mut Facts) {
        for &(b, e) in &fx.0 {
            match e {
                Effect::Write => {
                    facts.init.insert(b);
                    facts.moved.remove(b);
                }
                Effect::Consume => facts.moved.insert(b),
                Effect::MaybeWrite | Effect::Read | Effect::Receiver => {}
            }
        }
    }

    fn declare(&self, defs: &[BindingId], initialized: bool, facts: &mut Facts) {
        for &d in defs {
            if initialized {
                facts.init.insert(d);
            } else {
                facts.init.remove(d);
            }
            facts.moved.remove(d);
        }
    }

    fn jump(&mut self, j: usize, facts: &Facts) {
        let info = &self.f.jumps[j];
        let Some(&(head, exit)) = self.m.loops.get(&info.target) else {
            return;
        };
        let mut facts = facts.clone();
        for &w in &info.writes {
            facts.init.insert(w);
            facts.moved.remove(w);
        }
        self.edges
            .push((if info.is_break { exit } else { head }, facts));
    }

    fn plain(&mut self, p: &Plain, mut facts: Facts) -> Option<Facts> {
        if !p.jumps.is_empty() {
            // A jump inside may happen anywhere in the statement: before
            // its writes, after any of its moves.
            let mut at_jump = facts.clone();
            for &(b, e) in &p.fx.0 {
                if e == Effect::Consume {
                    at_jump.moved.insert(b);
                }
            }
            for &j in &p.jumps {
                self.jump(j, &at_jump);
            }
        }
        self.fx(&p.fx, &mut facts);
        let initialized = match &p.stmt {
            syn::Stmt::Local(l) => l.init.is_some(),
            _ => true,
        };
        self.declare(&p.defs, initialized, &mut facts);
        if p.diverges {
            None
        } else {
            Some(facts)
        }
    }

    fn code(&mut self, c: &Code, facts: Facts) -> Option<Facts> {
        match c {
            Code::Seq(items) => {
                let mut f = Some(facts);
                for item in items {
                    f = self.code(item, f?);
                }
                f
            }
            Code::Reopen(_, body) | Code::Open(_, body) | Code::Head(body) => {
                self.code(body, facts)
            }
            Code::Plain(p) => self.plain(p, facts),
            Code::If { stmt, then, els } => {
                let mut facts = facts;
                self.fx(&stmt.fx, &mut facts);
                let mut t = facts.clone();
                self.declare(&stmt.defs, true, &mut t);
                self.code(then, t);
                self.code(els, facts);
                None
            }
            Code::Match { stmt, arms } => {
                let mut facts = facts;
                self.fx(&stmt.fx, &mut facts);
                for (arm, code) in stmt.arms.iter().zip(arms) {
                    let mut a = facts.clone();
                    self.declare(&arm.defs, true, &mut a);
                    if let Some((_, gfx)) = &arm.guard {
                        self.fx(gfx, &mut a);
                    }
                    self.code(code, a);
                }
                None
            }
            Code::While { lp, body, exit } => {
                let mut facts = facts;
                if let LoopHead::While { fx, defs, .. } = &lp.head {
                    self.fx(fx, &mut facts);
                    let mut b = facts.clone();
                    self.declare(defs, true, &mut b);
                    self.code(body, b);
                }
                self.code(exit, facts);
                None
            }
            Code::For { lp, body, exit } => {
                if let LoopHead::For { defs, .. } = &lp.head {
                    let mut b = facts.clone();
                    self.declare(defs, true, &mut b);
                    self.code(body, b);
                }
                self.code(exit, facts);
                None
            }
            Code::Goto(t) => {
                self.edges.push((*t, facts));
                None
            }
            Code::Return => None,
            Code::Join { wait, resume } => {
                let mut facts = facts;
                if let WaitKind::Join { body, .. } = &self.f.waits[*wait].kind {
                    for p in body {
                        facts = self.plain(p, facts)?;
                        // A receiver not used after the wait was handed
                        // to the operation.
                        for &(b, e) in &p.fx.0 {
                            if e == Effect::Receiver && !self.live[*resume].contains(b) {
                                facts.moved.insert(b);
                            }
                        }
                    }
                }
                self.edges.push((*resume, facts));
                None
            }
            Code::WaitRendezvous { resume, .. } => {
                self.edges.push((*resume, facts));
                None
            }
            Code::Poll { dest, .. } => {
                self.edges.push((self.state, facts.clone()));
                let mut facts = facts;
                if let Some(d) = dest {
                    facts.init.insert(*d);
                    facts.moved.remove(*d);
                }
                Some(facts)
            }
            Code::Store(site) => {
                let mut facts = facts;
                let s = &self.f.slot_sites[*site];
                // A place with no value here must be assigned whatever came
                // back: declared without a value, or moved into the very
                // operation that gives it back (`read(buf, mkevent!(buf, n))`).
                let moved_into_block = |r: BindingId| match (&s.owner, &self.f.waits) {
                    (crate::ir::SlotOwner::Join(w), waits) => match &waits[*w].kind {
                        WaitKind::Join { body, .. } => {
                            body.iter().any(|p| p.fx.0.contains(&(r, Effect::Consume)))
                        }
                        WaitKind::Rendezvous { .. } => false,
                    },
                    _ => false,
                };
                let first_init = s
                    .roots
                    .first()
                    .copied()
                    .flatten()
                    .is_none_or(|r| facts.init.contains(r) && !moved_into_block(r));
                self.store_init.insert((self.state, *site), first_init);
                for r in s.roots.iter().flatten() {
                    facts.init.insert(*r);
                    facts.moved.remove(*r);
                }
                Some(facts)
            }
            Code::Jump(j) => {
                self.jump(*j, &facts);
                None
            }
        }
    }
}
