//! Definite initialization and moves (forward): what each state's
//! bindings hold where it begins, and how each wait stores its slots.

use std::collections::{HashMap, HashSet};

use super::liveness::{assigned_in_block, filled_by_other_slots, moved_into_block};
use super::report::SlotProblem;
use super::{code_edge, plain_edge, EdgeKey, Set};
use crate::ir::{BindingId, BindingKind, Effect, Effects, Function, LoopHead, Plain, WaitKind};
use crate::lower::{Code, Machine, StateId};

#[derive(Clone, Default)]
pub(super) struct Facts {
    /// Initialized on every path.
    pub(super) init: Set,
    /// Moved out on some path.
    pub(super) moved: Set,
    /// Moved out on every path.
    pub(super) mmoved: Set,
    /// Possibly moved where only Rust's drop flag knows: no jump from here
    /// can say whether the value is there.
    pub(super) native: Set,
    /// Declared without a value and given none yet, on every path. One
    /// that is neither this nor initialized got its value on some paths
    /// only (`let p; if c { p = take() }`).
    pub(super) unset: Set,
    /// Without a value on every path: moved out, or never given one
    /// (`let a; if c { a = make(); eat(a); }`). Nothing to keep.
    pub(super) vacant: Set,
}

impl Facts {
    /// At a state reached from two places.
    fn merge(&mut self, other: &Facts) {
        self.init.intersect(&other.init);
        self.moved.union(&other.moved);
        self.mmoved.intersect(&other.mmoved);
        self.native.union(&other.native);
        self.unset.intersect(&other.unset);
        self.vacant.intersect(&other.vacant);
    }

    fn normalized(self) -> Facts {
        Facts {
            init: self.init.normalized(),
            moved: self.moved.normalized(),
            mmoved: self.mmoved.normalized(),
            native: self.native.normalized(),
            unset: self.unset.normalized(),
            vacant: self.vacant.normalized(),
        }
    }

    fn same(&self, other: &Facts) -> bool {
        self.init == other.init
            && self.moved == other.moved
            && self.mmoved == other.mmoved
            && self.native == other.native
            && self.unset == other.unset
            && self.vacant == other.vacant
    }

    /// Given a value on every path.
    fn assign(&mut self, b: BindingId) {
        self.init.insert(b);
        self.moved.remove(b);
        self.mmoved.remove(b);
        self.native.remove(b);
        self.unset.remove(b);
        self.vacant.remove(b);
    }

    /// Given a value on some paths only, as a jump from here can tell
    /// (assigned in some branches of a construct of the spine).
    pub(super) fn maybe_init(&self, b: BindingId) -> bool {
        !self.init.contains(b) && !self.unset.contains(b)
    }

    /// What a jump with these facts packs `None` for, if the target keeps
    /// it as a flag: moved out, or not given its value, on this path.
    fn absent(&self) -> Set {
        let mut out = self.mmoved.clone();
        out.union(&self.unset);
        out
    }

    /// Moved out here, certainly.
    fn consume(&mut self, b: BindingId) {
        self.moved.insert(b);
        self.mmoved.insert(b);
        self.native.remove(b);
        self.vacant.insert(b);
    }

    /// Moved out here on some paths only.
    fn maybe_consume(&mut self, b: BindingId) {
        self.moved.insert(b);
        if !self.mmoved.contains(b) {
            self.native.insert(b);
        }
    }
}

/// The facts after an inline join (see `lower::Lowerer::joins_inline`)
/// from those of the branches that get there. A variable the branches
/// leave differently (given a value by one only) is known only to Rust's
/// drop flag after it.
fn inline_join(a: Option<Facts>, b: Option<Facts>) -> Option<Facts> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            for (x, y) in [
                (&a.init, &b.init),
                (&a.unset, &b.unset),
                (&a.moved, &b.moved),
            ] {
                let mut differ = x.clone();
                differ.union(y);
                let mut both = x.clone();
                both.intersect(y);
                differ.subtract(&both);
                a.native.union(&differ);
            }
            a.merge(&b);
            Some(a)
        }
        (a, b) => a.or(b),
    }
}

/// How a wait stores a slot site's values into its places.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StoreKind {
    /// The places have values: each value that came back replaces its
    /// place's, and a place whose event came back empty keeps its own.
    Keep,
    /// A place has no value and is read after the wait: the last value
    /// that came back is stored, and none coming is a panic (the
    /// variable would have none).
    Required,
    /// A place has no value, the block may not have made an event for it
    /// (a branch without one ran), and nothing reads such a place after
    /// the wait (Rust allows that of a variable assigned on some paths):
    /// the last value that came back is stored, if any; a variable that
    /// had none then has one only as Rust's own flag, or the machine's,
    /// knows, and one that had a value keeps it if none came.
    Optional,
}

pub(super) struct ForwardResult {
    /// Per state: the facts where it begins.
    pub(super) facts: Vec<Facts>,
    pub(super) moved_at: HashMap<EdgeKey, Set>,
    pub(super) stores: HashMap<(StateId, usize), StoreKind>,
    pub(super) flag_stores: HashSet<(StateId, BindingId)>,
    /// Sites whose store cannot give a variable its plain function's
    /// value (reported).
    pub(super) slot_problems: Vec<(usize, SlotProblem)>,
    pub(super) reached: Vec<bool>,
    /// Per loop head's state: the bindings whose flag its loop's body
    /// turns back into the variable (see `Analysis::restored_in_body`).
    pub(super) body_flags: Vec<Set>,
}

pub(super) fn forward(
    f: &Function,
    m: &Machine,
    live: &[Set],
    store_live: &HashMap<(StateId, usize), Vec<BindingId>>,
    unstored: &[HashSet<BindingId>],
    body_only: &[HashSet<BindingId>],
) -> ForwardResult {
    let mut facts_in: Vec<Option<Facts>> = vec![None; m.states.len()];
    let mut start = Facts::default();
    for p in &f.params {
        start.init.insert(p.binding);
    }
    facts_in[0] = Some(start);
    let mut body_flags = vec![Set::default(); m.states.len()];
    let mut stores = HashMap::new();
    let mut flag_stores = HashSet::new();
    let mut native_entry = HashSet::new();
    let mut slot_problems = Vec::new();
    let mut moved_at = HashMap::new();
    loop {
        let mut changed = false;
        for s in 0..m.states.len() {
            let Some(mut facts) = facts_in[s].clone() else {
                continue;
            };
            // A binding the arm names cannot be carried as a flag: it is
            // declared again, unassigned, and Rust's own flag takes over.
            // One named only by the arm's stores can, if each store fills
            // its flag (a guard filled on some turns of a loop: what came
            // replaces the flag's value, and the flag keeps it if nothing
            // came); a store that cannot says so in `native_entry`.
            // One named only by the body of the loop whose head this is
            // becomes the variable there (Rust's flag takes over in the
            // body), and the exit passes its flag on.
            let mut in_body = Set::default();
            for &b in &m.states[s].env {
                let maybe_moved = facts.moved.contains(b) && !facts.mmoved.contains(b);
                let named = unstored[s].contains(&b) || native_entry.contains(&(s, b));
                if named && (maybe_moved || facts.maybe_init(b)) {
                    if body_only[s].contains(&b) && !native_entry.contains(&(s, b)) {
                        in_body.insert(b);
                    } else {
                        facts.native.insert(b);
                    }
                }
            }
            body_flags[s] = in_body.clone();
            let mut cx = Forward {
                f,
                m,
                live,
                state: s,
                edges: Vec::new(),
                store_live,
                stores: &mut stores,
                unstored,
                flag_stores: &mut flag_stores,
                native_entry: &mut native_entry,
                slot_problems: &mut slot_problems,
                moved_at: &mut moved_at,
                in_body,
            };
            let known = cx.native_entry.len();
            cx.code(&m.states[s].code, facts);
            changed |= cx.native_entry.len() != known;
            for (t, facts) in cx.edges {
                let new = match &facts_in[t] {
                    None => facts,
                    Some(old) => {
                        let mut x = old.clone();
                        x.merge(&facts);
                        x
                    }
                }
                .normalized();
                if !facts_in[t].as_ref().is_some_and(|old| old.same(&new)) {
                    facts_in[t] = Some(new);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let reached = facts_in.iter().map(Option::is_some).collect();
    let facts = facts_in
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    ForwardResult {
        facts,
        moved_at,
        stores,
        flag_stores,
        slot_problems,
        reached,
        body_flags,
    }
}

struct Forward<'a> {
    f: &'a Function,
    m: &'a Machine<'a>,
    live: &'a [Set],
    state: StateId,
    edges: Vec<(StateId, Facts)>,
    store_live: &'a HashMap<(StateId, usize), Vec<BindingId>>,
    stores: &'a mut HashMap<(StateId, usize), StoreKind>,
    /// Per state: the bindings its code names besides its stores.
    unstored: &'a [HashSet<BindingId>],
    flag_stores: &'a mut HashSet<(StateId, BindingId)>,
    /// The (state, binding) pairs where a store names a binding that may
    /// hold a value where the state begins, and does not fill its flag:
    /// Rust's own flag must know it there (see `forward`).
    native_entry: &'a mut HashSet<(StateId, BindingId)>,
    slot_problems: &'a mut Vec<(usize, SlotProblem)>,
    moved_at: &'a mut HashMap<EdgeKey, Set>,
    /// The flags of this state that its loop's body turns back into their
    /// variables: Rust's own flag from there on.
    in_body: Set,
}

impl Forward<'_> {
    /// Whether an `Optional` store (a value may or may not have come, and
    /// nothing reads the variables after the wait) can put what came for
    /// place `i` into its variable's flag, an `Option` the machine carries,
    /// instead of the variable, which the arm then does not declare: the
    /// place is a whole variable worth dropping (a guard filled on some
    /// paths, `let g; twait! { if c { lock(mkevent!(g)); } }`) that the arm
    /// names nowhere else. Stored into the variable itself, the value's
    /// presence is known to Rust's own drop flag only, which no jump can
    /// read, so it would be dropped at the arm's end: at the next twait.
    fn flag_storable(&self, s: &crate::ir::SlotSite, i: usize, facts: &Facts) -> bool {
        let Some(r) = s.roots[i] else { return false };
        let b = &self.f.bindings[r];
        matches!(s.owner, crate::ir::SlotOwner::Join(_))
            && b.kind == BindingKind::User
            && !b.trivial
            && b.ident == s.places[i].to_string()
            && !facts.native.contains(r)
            && !self.unstored[self.state].contains(&r)
    }

    fn fx(&self, fx: &Effects, facts: &mut Facts) {
        for &(b, e) in &fx.0 {
            match e {
                Effect::Write => facts.assign(b),
                Effect::Consume => facts.consume(b),
                Effect::MaybeConsume | Effect::ConsumeAssigned | Effect::MaybeConsumeAssigned => {
                    facts.maybe_consume(b)
                }
                Effect::MaybeWrite => {
                    // Perhaps given a value again after a move, or its
                    // first one: only Rust's flag knows.
                    facts.vacant.remove(b);
                    if facts.moved.contains(b) {
                        facts.mmoved.remove(b);
                        facts.native.insert(b);
                    }
                    if facts.unset.contains(b) {
                        facts.unset.remove(b);
                        facts.native.insert(b);
                    }
                }
                // Moved only on paths that left: at a jump out of the
                // statement (see `plain`), not past it.
                Effect::Read | Effect::Receiver | Effect::ConsumeLeaving => {}
            }
        }
    }

    fn declare(&self, defs: &[BindingId], initialized: bool, facts: &mut Facts) {
        for &d in defs {
            facts.assign(d);
            if !initialized {
                facts.init.remove(d);
                facts.unset.insert(d);
                facts.vacant.insert(d);
            }
        }
    }

    /// A jump to state `t` with these facts, made at `key`.
    fn edge(&mut self, key: EdgeKey, t: StateId, facts: Facts) {
        self.moved_at.insert(key, facts.absent());
        self.edges.push((t, facts));
    }

    fn jump(&mut self, key: EdgeKey, j: usize, facts: &Facts) {
        let info = &self.f.jumps[j];
        let Some(&(head, exit)) = self.m.loops.get(&info.target) else {
            return;
        };
        let mut facts = facts.clone();
        for &w in &info.writes {
            facts.assign(w);
        }
        self.edge(key, if info.is_break { exit } else { head }, facts);
    }

    fn plain(&mut self, p: &Plain, mut facts: Facts) -> Option<Facts> {
        for &j in &p.jumps {
            // A jump inside may happen anywhere in the statement: before
            // its writes, before or after any of its moves, but for those
            // its walk saw on other paths only.
            let mut at_jump = facts.clone();
            match &self.f.jumps[j].moved {
                Some(moved) => {
                    for &(b, surely) in moved {
                        if surely {
                            at_jump.consume(b);
                        } else {
                            at_jump.maybe_consume(b);
                        }
                    }
                }
                None => {
                    for &(b, e) in &p.fx.0 {
                        if matches!(
                            e,
                            Effect::Consume
                                | Effect::MaybeConsume
                                | Effect::ConsumeAssigned
                                | Effect::MaybeConsumeAssigned
                                | Effect::ConsumeLeaving
                        ) {
                            at_jump.maybe_consume(b);
                        }
                    }
                }
            }
            self.jump(plain_edge(p, j), j, &at_jump);
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
                if let Some(b) = stmt.bound_from {
                    t.consume(b);
                }
                // Only an inline join (see `lower::Lowerer::joins_inline`)
                // has branches that go on.
                let then = self.code(then, t);
                let els = self.code(els, facts);
                inline_join(then, els)
            }
            Code::Match { stmt, arms } => {
                let mut facts = facts;
                self.fx(&stmt.fx, &mut facts);
                let mut on = None;
                for (arm, code) in stmt.arms.iter().zip(arms) {
                    let mut a = facts.clone();
                    self.declare(&arm.defs, true, &mut a);
                    if let Some((_, gfx)) = &arm.guard {
                        self.fx(gfx, &mut a);
                    }
                    if let Some(b) = arm.bound_from {
                        a.consume(b);
                    }
                    on = inline_join(on, self.code(code, a));
                }
                on
            }
            Code::While { lp, body, exit } => {
                let mut facts = facts;
                if let LoopHead::While { fx, defs, .. } = &lp.head {
                    self.fx(fx, &mut facts);
                    let mut b = facts.clone();
                    b.native.union(&self.in_body);
                    self.declare(defs, true, &mut b);
                    self.code(body, b);
                }
                self.code(exit, facts);
                None
            }
            Code::For { lp, body, exit } => {
                if let LoopHead::For { defs, .. } = &lp.head {
                    let mut b = facts.clone();
                    b.native.union(&self.in_body);
                    self.declare(defs, true, &mut b);
                    self.code(body, b);
                }
                self.code(exit, facts);
                None
            }
            Code::Goto(t) => {
                self.edge(code_edge(c), *t, facts);
                None
            }
            Code::Return => None,
            Code::Join { wait, resume } => {
                let mut facts = facts;
                if let WaitKind::Join { body, fx, .. } = &self.f.waits[*wait].kind {
                    for p in body {
                        facts = self.plain(p, facts)?;
                    }
                    // A receiver not used after the wait was handed to the
                    // operation.
                    for &(b, e) in &fx.0 {
                        if e == Effect::Receiver && !self.live[*resume].contains(b) {
                            facts.consume(b);
                        }
                    }
                }
                self.edge(code_edge(c), *resume, facts);
                None
            }
            Code::WaitRendezvous { resume, .. } => {
                self.edge(code_edge(c), *resume, facts);
                None
            }
            Code::Poll { dest, .. } => {
                self.edges.push((self.state, facts.clone()));
                let mut facts = facts;
                if let Some(d) = dest {
                    facts.assign(*d);
                }
                Some(facts)
            }
            Code::Store(site) => {
                let mut facts = facts;
                let s = &self.f.slot_sites[*site];
                // A place with no value here must be assigned whatever came
                // back: declared without a value, or moved into the very
                // operation that gives it back (`read(buf, mkevent!(buf, n))`).
                // One place without a value makes the whole site's store
                // required (its places are assigned together).
                // A value moved out before the block (as the syntax judges:
                // `let x2 = x % 7;` before `mkevent!(x)`) is one to keep
                // only if the state carries it, which it does when it is
                // read later (a `Copy` value read by value is one).
                // A value moved out for good (on every path, and of a type
                // that is surely no copy: `let (s, n) = got;` of a
                // `(String, u32)`) is gone, whatever reads the place later:
                // the wait gives it its new value, as an assignment would.
                // (Declared without a value, as the lint shadow judges a slot
                // that the wait assigns rather than one that may keep its
                // old value.)
                let gone = |r: BindingId| {
                    facts.mmoved.contains(r)
                        && self.f.bindings[r].deferred
                        && (self.f.bindings[r].ty.as_ref())
                            .is_some_and(crate::parse::syntax::surely_not_copy)
                };
                let has_value = |r: BindingId| {
                    facts.init.contains(r)
                        && !moved_into_block(self.f, s, r)
                        && (!facts.moved.contains(r)
                            || (self.live[self.state].contains(r) && !gone(r)))
                };
                // Per place: whether it has a value the state carries.
                let valued: Vec<bool> = s.roots.iter().map(|r| r.is_some_and(has_value)).collect();
                let first_init = s.roots.iter().flatten().all(|&r| has_value(r));
                // A place with no value that is read after the wait needs
                // one; a place with a value keeps it if none came
                // (`mkevent!(_g, n)` with `let _g;` and `n` read after).
                let unvalued_read = match self.store_live.get(&(self.state, *site)) {
                    None => true,
                    Some(read) => s.roots.iter().flatten().any(|&r| {
                        (!facts.init.contains(r) || moved_into_block(self.f, s, r) || gone(r))
                            && read.contains(&r)
                    }),
                };
                let kind = if first_init {
                    StoreKind::Keep
                } else if unvalued_read {
                    StoreKind::Required
                } else {
                    StoreKind::Optional
                };
                self.stores.insert((self.state, *site), kind);
                // `with_timeout(d, mkevent!(x))` with `x` needing the value:
                // a timeout brings none, and the wait would panic.
                if kind == StoreKind::Required
                    && s.under_timeout
                    && !self
                        .slot_problems
                        .contains(&(*site, SlotProblem::TimeoutWithoutValue))
                {
                    self.slot_problems
                        .push((*site, SlotProblem::TimeoutWithoutValue));
                }
                if kind == StoreKind::Required && !self.f.slot_certain(*site) {
                    let roots = || s.roots.iter().flatten();
                    let problem = if roots()
                        .any(|&r| !facts.init.contains(r) && assigned_in_block(self.f, s, r))
                    {
                        Some(SlotProblem::AssignedElsewhere)
                    } else if roots().any(|&r| moved_into_block(self.f, s, r)) {
                        Some(SlotProblem::MovedOnSomePaths)
                    } else {
                        None
                    };
                    if let Some(p) = problem {
                        if !self.slot_problems.contains(&(*site, p)) {
                            self.slot_problems.push((*site, p));
                        }
                    }
                }
                let by_rendezvous = matches!(s.owner, crate::ir::SlotOwner::Rendezvous(_));
                // (A `Copy` value used by value, `x * 2`, is still there.)
                if by_rendezvous
                    && (s.roots.iter().flatten())
                        .any(|&r| facts.mmoved.contains(r) && !self.f.bindings[r].copy)
                    && !self
                        .slot_problems
                        .contains(&(*site, SlotProblem::MovedBeforeItsWait))
                {
                    self.slot_problems
                        .push((*site, SlotProblem::MovedBeforeItsWait));
                }
                if kind != StoreKind::Keep
                    && s.roots.iter().flatten().any(|&r| {
                        !facts.init.contains(r) && filled_by_other_slots(self.f, *site, r)
                    })
                    && !self
                        .slot_problems
                        .contains(&(*site, SlotProblem::FilledByOtherSlots))
                {
                    self.slot_problems
                        .push((*site, SlotProblem::FilledByOtherSlots));
                }
                // Moved on some paths only: by a use after an earlier wait
                // filled it, in a loop that comes back to this one.
                if by_rendezvous
                    && (s.roots.iter().flatten()).any(|&r| {
                        facts.moved.contains(r)
                            && !facts.mmoved.contains(r)
                            && !self.f.bindings[r].copy
                    })
                    && !self
                        .slot_problems
                        .contains(&(*site, SlotProblem::MovedOutBeforeItsWait))
                {
                    self.slot_problems
                        .push((*site, SlotProblem::MovedOutBeforeItsWait));
                }
                let maybe_moved = facts.moved.contains(s.list) && !facts.mmoved.contains(s.list);
                if maybe_moved || facts.maybe_init(s.list) {
                    self.native_entry.insert((self.state, s.list));
                }
                // Held where a value came, as a flag the states after carry
                // to the variable's scope end. Judged again at each pass
                // over the state: the last pass has the final facts.
                for (i, &r) in s.roots.iter().enumerate() {
                    let Some(r) = r else { continue };
                    // A place with its value (beside one without) is
                    // assigned where a value came, and keeps its own where
                    // none did: no flag.
                    let flagged = kind == StoreKind::Optional
                        && !valued[i]
                        && self.flag_storable(s, i, &facts);
                    let maybe_moved = facts.moved.contains(r) && !facts.mmoved.contains(r);
                    if !flagged && (maybe_moved || facts.maybe_init(r)) {
                        self.native_entry.insert((self.state, r));
                    }
                    if kind != StoreKind::Optional {
                        facts.assign(r);
                    } else if flagged {
                        facts.unset.remove(r);
                        facts.mmoved.remove(r);
                        facts.vacant.remove(r);
                    }
                    if flagged {
                        self.flag_stores.insert((self.state, r));
                    } else {
                        self.flag_stores.remove(&(self.state, r));
                    }
                }
                Some(facts)
            }
            Code::Jump(j) => {
                self.jump(code_edge(c), *j, &facts);
                None
            }
        }
    }
}
