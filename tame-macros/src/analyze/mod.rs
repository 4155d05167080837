//! Analyze: what each state keeps.
//!
//! Three passes over the states' code, each repeated until nothing
//! changes (loops make states depend on each other):
//!
//! * liveness (backward): a binding is live at a state if some path from
//!   there uses it before assigning it;
//! * definite initialization (forward): declared with a value or assigned
//!   on every path to the state;
//! * moves (forward): used by value on some path to the state, on every
//!   path, and moved where only Rust's own drop flag knows whether it was
//!   (a move inside a branch of ordinary code).
//!
//! (`liveness.rs` holds the first pass, `forward.rs` the other two, and
//! `report.rs` the errors they find; this file combines their results.)
//!
//! A state keeps (its enum variant holds) every binding of its scopes that
//! is initialized there and either live, or not moved out and worth
//! dropping at its scope's end: Rust's scoping, as an `async fn` keeps its
//! locals. Translator temporaries are kept only while live.
//!
//! A binding moved on some paths to a state and not on others is kept as
//! an `Option` (a *flag*): each jump to the state packs `Some(x)` or
//! `None`, as the moves on its own path say, so that the value is dropped
//! at its scope's end exactly when Rust would drop it. An arm that names
//! the binding (it can only assign it again) unpacks the flag into the
//! binding, whose own Rust drop flag takes over; what it packs then is
//! the binding where assigned. Where a jump cannot tell (the move sits
//! inside a branch of ordinary code) the binding is not kept: it is
//! dropped when its arm ends, at the twait. `ir::Promotion` is how the
//! translator avoids that case for `if`/`match` statements.

use std::collections::{HashMap, HashSet};

use quote::ToTokens;

use crate::errors::Errors;
use crate::ir::{
    self, BindingId, BindingKind, Effects, Function, LoopHead, Plain, TempKind, WaitKind,
};
use crate::lower::{Code, Machine, StateId, StateKind};

mod forward;
mod liveness;
mod report;

use forward::forward;
pub use forward::StoreKind;
use liveness::liveness;
use report::{
    report_borrows, report_cfg_shadows, report_slot_problems, report_unvalued_rendezvous_slots,
};

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

    pub fn subtract(&mut self, other: &Set) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= !b;
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

/// Where a jump to a state is made: the `Code` node (or, for a jump
/// inside ordinary code, the `Plain`) by address, and the jump's id.
pub type EdgeKey = (usize, usize);

/// The key of an edge made by a `Code` node itself.
pub fn code_edge(c: &Code) -> EdgeKey {
    (c as *const Code as usize, usize::MAX)
}

/// The key of jump `j` inside a statement of ordinary code.
pub fn plain_edge(p: &Plain, j: usize) -> EdgeKey {
    (p as *const Plain as usize, j)
}

/// What the analysis found.
pub struct Analysis {
    /// Per state: the bindings its variant holds, in declaration order.
    pub kept: Vec<Vec<BindingId>>,
    /// Per state: which of the kept bindings are flags (`Option`s).
    pub flagged: Vec<Set>,
    /// Per edge: the bindings certainly moved out when it is taken (a
    /// target's flag is packed `None` for them).
    pub moved_at: HashMap<EdgeKey, Set>,
    /// Per (state, slot site): how the values that came back are stored.
    pub stores: HashMap<(StateId, usize), StoreKind>,
    /// The (state, binding) pairs where an `Optional` store fills the
    /// binding's flag rather than the binding (see `Forward::flag_storable`).
    pub flag_stores: HashSet<(StateId, BindingId)>,
    /// Per state: whether any path leads there.
    pub reached: Vec<bool>,
    /// Per state: the bindings its code mentions (uses, assigns, declares).
    pub mentions: Vec<HashSet<BindingId>>,
    /// Per loop head's state: the flags it keeps that only its loop's body
    /// names. Each is turned back into its variable where the body begins,
    /// not where the state's code does, so the loop's exit passes the flag
    /// on as it came (`for .. { v = make(); if c { eat(v); } twait!{..} }`:
    /// what `v` held at the last round lives to its scope's end).
    pub restored_in_body: Vec<Set>,
}

pub fn analyze(f: &Function, m: &Machine, errors: &mut Errors) -> Analysis {
    let (live, store_live) = liveness(f, m);
    let mentions: Vec<HashSet<BindingId>> = m
        .states
        .iter()
        .map(|s| {
            let mut out = HashSet::new();
            collect_mentions(f, &s.code, &mut out);
            out
        })
        .collect();
    let unstored: Vec<HashSet<BindingId>> = m
        .states
        .iter()
        .map(|s| mentions_besides_stores(f, &s.code))
        .collect();
    let body_only = named_in_loop_body_only(f, m, &unstored);
    let fwd = forward(f, m, &live, &store_live, &unstored, &body_only);
    let mut kept = Vec::new();
    let mut flagged = Vec::new();
    for (s, state) in m.states.iter().enumerate() {
        let mut k = Vec::new();
        let mut flags = Set::default();
        let facts = &fwd.facts[s];
        for &b in &state.env {
            let binding = &f.bindings[b];
            // A `for` loop's iterator holds the items not taken yet: kept
            // to the loop's end, as Rust keeps it, not only while read.
            let worth_dropping = match binding.kind {
                BindingKind::User => !binding.trivial,
                BindingKind::Temp(kind) => kind == TempKind::Iter,
            };
            if !facts.init.contains(b)
                && binding.kind == BindingKind::User
                && binding.deferred
                && live[s].contains(b)
                && facts.native.contains(b)
            {
                // Read after the state, with a value on some paths only as
                // far as the translator sees: given it by statements under
                // `#[cfg]`s, one per build (`let sep; #[cfg(unix)] { sep =
                // '/'; } #[cfg(not(unix))] { sep = '\\'; }`). Rust's check
                // of the build is the judge: kept as it is, which reads it
                // where the state is stored (and in a plain function that
                // would not compile either, rustc says so there).
                k.push(b);
                continue;
            }
            if !facts.init.contains(b) {
                // Given its value on some paths only: kept on those.
                if worth_dropping
                    && fwd.reached[s]
                    && facts.maybe_init(b)
                    && !facts.vacant.contains(b)
                    && !facts.native.contains(b)
                    && (!mentions[s].contains(&b) || !polls(&state.code))
                {
                    k.push(b);
                    flags.insert(b);
                }
                continue;
            }
            // A slot moved out for good (on every path, and surely no
            // copy) that the wait before this state fills again (see
            // `Forward`'s stores): nothing is left to keep, though the read
            // of the value the wait gives it makes it live.
            let gone = facts.mmoved.contains(b)
                && binding.deferred
                && (binding.ty.as_ref()).is_some_and(crate::parse::syntax::surely_not_copy)
                && fwd.stores.iter().any(|(&(st, site), &kind)| {
                    st == s
                        && kind == StoreKind::Required
                        && f.slot_sites[site].roots.contains(&Some(b))
                });
            if gone {
                continue;
            }
            if live[s].contains(b) || (worth_dropping && !facts.moved.contains(b)) {
                k.push(b);
            } else if worth_dropping
                && !facts.mmoved.contains(b)
                && !facts.native.contains(b)
                && (!mentions[s].contains(&b) || !polls(&state.code))
            {
                k.push(b);
                flags.insert(b);
            }
        }
        kept.push(k);
        flagged.push(flags);
    }
    // Per state where a promoted construct's branches meet: the variables
    // it moves (or gives a value) on some paths only, which make that
    // point a state of its own.
    // (Those the state carries as a flag: what a path that reaches it may
    // have moved, or not given its value.)
    let mut promoted_joins: HashMap<StateId, Vec<(BindingId, bool)>> = HashMap::new();
    for &(p, join) in &m.promoted {
        let some_paths = p.plain.fx.0.iter().enumerate().filter_map(|(i, &(b, e))| {
            (p.plain.sets_value_on_some_paths(&f.bindings[b], i) && flagged[join].contains(b))
                .then_some((b, e == crate::ir::Effect::MaybeWrite))
        });
        let at = promoted_joins.entry(join).or_default();
        for (b, given) in some_paths {
            if !at.iter().any(|&(seen, _)| seen == b) {
                at.push((b, given));
            }
        }
    }
    // Likewise the joins of constructs with a twait that are states only
    // for what their branches that run through move.
    for (join, moved) in &m.moving_joins {
        let at = promoted_joins.entry(*join).or_default();
        for &(b, given) in moved {
            if flagged[*join].contains(b) && !at.iter().any(|&(seen, _)| seen == b) {
                at.push((b, given));
            }
        }
    }
    report_borrows(f, &kept, &flagged, &promoted_joins, errors);
    report_cfg_shadows(f, &kept, errors);
    report_unvalued_rendezvous_slots(f, &fwd.stores, errors);
    report_slot_problems(f, &fwd.slot_problems, errors);
    let restored_in_body = (fwd.body_flags.iter().zip(&flagged))
        .map(|(deferred, flags)| {
            let mut both = deferred.clone();
            both.intersect(flags);
            both
        })
        .collect();
    Analysis {
        restored_in_body,
        kept,
        flagged,
        moved_at: fwd.moved_at,
        stores: fwd.stores,
        flag_stores: fwd.flag_stores,
        reached: fwd.reached,
        mentions,
    }
}

/// The promotions (see `ir::Promotion`) that do not pay: no binding the
/// construct moves on some paths is kept by a state that can follow it
/// (ordinary code would leave it moved or not where only Rust knows, so no
/// such state could keep it: it would be dropped where its arm ends, at a
/// twait, or where a branch with a twait meets one without). One that pays
/// stays even when the state after it keeps a binding that may borrow:
/// a borrow it cannot keep is then an error, where demoting the construct
/// would drop what it moves on some paths early, without a word.
pub fn useless_promotions(f: &Function, m: &Machine, a: &Analysis) -> Vec<usize> {
    let resume = |s: StateId| matches!(m.states[s].kind, StateKind::Resume(_)) && a.reached[s];
    let next: Vec<Vec<StateId>> = m
        .states
        .iter()
        .map(|state| {
            let mut out = Vec::new();
            successors(f, m, &state.code, &mut out);
            out
        })
        .collect();
    // The states that jump to each: a join reached from two is a state
    // whatever the constructs before it.
    let mut entered_from: Vec<Vec<StateId>> = vec![Vec::new(); m.states.len()];
    for (s, targets) in next.iter().enumerate() {
        let mut distinct = targets.clone();
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            entered_from[t].push(s);
        }
    }
    // The joins of the promotions inside each one: they jump to its join
    // (`if c { if d { drop(g) } h()?; }`), and the two would otherwise
    // justify each other, the inner by the outer's join that it enters,
    // the outer by its join entered from two states, one of them the
    // inner's, with no twait anywhere.
    let join_of: HashMap<usize, StateId> = m.promoted.iter().map(|&(p, j)| (p.id, j)).collect();
    let mut inner_joins: HashMap<usize, Vec<StateId>> = HashMap::new();
    promotions_inside(&f.body, &mut Vec::new(), &mut |outer, inner| {
        if let Some(&j) = join_of.get(&inner) {
            inner_joins.entry(outer).or_default().push(j);
        }
    });
    // Whether a state that can follow the construct keeps `b`: a twait's,
    // and a join that a branch with a twait reaches too (`if c {
    // twait!{..} } else { if d { drop(g) } }` then code after: `g` is
    // carried into that join on the paths that kept it), but not the
    // construct's own join when nothing else jumps there (the promotion
    // alone makes it a state). A state whose code declares `b` again
    // (the next iteration of its loop) ends the walk: what follows it keeps
    // another value of `b`.
    // (From the construct's join, and from the states its `break`s and
    // `continue`s go to: a path that moved `b` and jumped meets there one
    // that did not.)
    // A state whose code gives `b` a value as a whole before it can leave
    // (`d = D::new(4);` after the construct, then a twait) ends the walk
    // too, after that state's own check: the states after it keep the new
    // value, and the one the construct left is dropped at the assignment,
    // by Rust's drop flag where the join is inline.
    // (Also the construct's own join when code besides its branches jumps
    // there from the same state: the join of a construct around it
    // (`if a { if b { twait!{..}; return; } } else if c { drop(g) }`,
    // then a twait), which stays a state with the promotion undone, and
    // would drop `g` where the branches meet. Not when only ordinary
    // statements follow that construct: undoing the promotion makes its
    // join inline, and Rust's drop flag keeps `g`.)
    let kept_later = |p: usize, join: StateId, jumped_to: &[StateId], b: BindingId| {
        let inner = inner_joins.get(&p).map_or(&[][..], Vec::as_slice);
        let entries = (entered_from[join].iter())
            .filter(|s| !inner.contains(s))
            .count()
            + (m.states.iter().enumerate())
                .filter(|(s, _)| !inner.contains(s) && !m.quiet_joins.contains(&join))
                .map(|(_, st)| gotos_besides(&st.code, join, p))
                .sum::<usize>();
        let mut seen = vec![false; m.states.len()];
        let mut todo = vec![join];
        todo.extend(jumped_to);
        while let Some(s) = todo.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            if a.reached[s] && (s != join || entries > 1 || resume(s)) && a.kept[s].contains(&b) {
                return true;
            }
            let code = &m.states[s].code;
            if !declares(code, b) && first_of(code, b) != First::Written {
                todo.extend(&next[s]);
            }
        }
        false
    };
    let mut across = Set::default();
    for s in (0..m.states.len()).filter(|&s| resume(s)) {
        for &b in &a.kept[s] {
            across.insert(b);
        }
    }
    let mut useless = Vec::new();
    for &(p, join) in &m.promoted {
        let jumped_to: Vec<StateId> = (p.plain.jumps.iter())
            .filter_map(|&j| {
                let info = &f.jumps[j];
                let &(head, exit) = m.loops.get(&info.target)?;
                Some(if info.is_break { exit } else { head })
            })
            .collect();
        let paying: Vec<BindingId> = (p.plain.fx.0.iter().enumerate())
            .filter(|&(i, &(b, _))| {
                p.plain.sets_value_on_some_paths(&f.bindings[b], i)
                    && !no_drop(&f.bindings[b])
                    && kept_later(p.id, join, &jumped_to, b)
            })
            .map(|(_, &(b, _))| b)
            .collect();
        // Whether the state after it keeps only what surely borrows
        // nothing (or what a twait keeps anyway).
        let safe = a.kept[join]
            .iter()
            .all(|&b| across.contains(b) || surely_owned(f, b));
        // Whether a state after it must carry one of them as a flag: a
        // path that moved it reaches it. That is the join, or the state a
        // `break` or `continue` of the construct goes to, where the path
        // that moved it meets one that did not (`loop { if d { drop(g);
        // break; } .. twait!{..}; break; }`: as ordinary code, the loop's
        // exit would drop `g` on the path that kept it, before its scope
        // ends). (One whose moving paths all return is there on every
        // path that goes on: as ordinary code, the construct loses
        // nothing.)
        let flag_needed = paying.iter().any(|&b| {
            a.flagged[join].contains(b) || jumped_to.iter().any(|&t| a.flagged[t].contains(b))
        });
        // Kept even when a binding the state after it keeps may borrow, if
        // a flag is needed: as ordinary code the construct would leave the
        // variables it moves on some paths to be dropped early, at the
        // next twait, where Rust drops them at their scope's end. A borrow
        // that then cannot be kept is an error (`report_borrows`), not a
        // silent change of when a value is dropped.
        if paying.is_empty() || (!safe && !flag_needed) {
            useless.push(p.id);
        }
    }
    useless
}

/// Calls `found(outer, inner)` for each promotion `inner` nested inside a
/// promotion `outer` of `block` (`outers`: those around `block`).
fn promotions_inside(
    block: &ir::Block,
    outers: &mut Vec<usize>,
    found: &mut impl FnMut(usize, usize),
) {
    for stmt in &block.stmts {
        let (promoted, blocks): (_, Vec<&ir::Block>) = match stmt {
            ir::Stmt::If(i) => (
                &i.promoted,
                [Some(&i.then), i.els.as_ref()]
                    .into_iter()
                    .flatten()
                    .collect(),
            ),
            ir::Stmt::Match(m) => (&m.promoted, m.arms.iter().map(|a| &a.body).collect()),
            ir::Stmt::Loop(lp) => (&None, vec![&lp.body]),
            ir::Stmt::Block(b, _) => (&None, vec![b]),
            ir::Stmt::Plain(_) | ir::Stmt::Jump(_) | ir::Stmt::Wait(_) => continue,
        };
        if let Some(p) = promoted {
            for &o in outers.iter() {
                found(o, p.id);
            }
            outers.push(p.id);
        }
        for b in blocks {
            promotions_inside(b, outers, found);
        }
        if promoted.is_some() {
            outers.pop();
        }
    }
}

/// Whether a state's code declares `b` (a `let`, a pattern of an arm,
/// an `if let` or a loop's head).
fn declares(c: &Code, b: BindingId) -> bool {
    match c {
        Code::Seq(items) => items.iter().any(|i| declares(i, b)),
        Code::Reopen(_, c) | Code::Open(_, c) | Code::Head(c) => declares(c, b),
        Code::Plain(p) => p.defs.contains(&b),
        Code::If { stmt, then, els } => {
            stmt.defs.contains(&b) || declares(then, b) || declares(els, b)
        }
        Code::Match { stmt, arms } => {
            stmt.arms.iter().any(|arm| arm.defs.contains(&b)) || arms.iter().any(|c| declares(c, b))
        }
        Code::While { lp, body, exit } | Code::For { lp, body, exit } => {
            let head = match &lp.head {
                LoopHead::While { defs, .. } | LoopHead::For { defs, .. } => defs.contains(&b),
                LoopHead::Loop => false,
            };
            head || declares(body, b) || declares(exit, b)
        }
        _ => false,
    }
}

/// Whether a binding's value surely has no destructor (a number, a
/// shared reference, by its written type or its initializer): a move of
/// it is a copy, or leaves nothing to drop, so no flag of it pays.
fn no_drop(b: &ir::Binding) -> bool {
    b.trivial
        || b.ty
            .as_ref()
            .is_some_and(crate::parse::syntax::undroppable_type)
}

/// Per state: the bindings that a loop head's state (one that does not go
/// round within itself) names in its loop's body and nowhere else (not in
/// a `while` condition); empty for other states.
fn named_in_loop_body_only(
    f: &Function,
    m: &Machine,
    unstored: &[HashSet<BindingId>],
) -> Vec<HashSet<BindingId>> {
    (m.states.iter().enumerate())
        .map(|(s, state)| {
            let Some(Code::While { lp, body, .. } | Code::For { lp, body, .. }) =
                loop_head_of(&state.code)
            else {
                return HashSet::new();
            };
            let mut next = Vec::new();
            successors(f, m, &state.code, &mut next);
            if next.contains(&s) {
                return HashSet::new();
            }
            let in_body = mentions_besides_stores(f, body);
            let mut in_head = HashSet::new();
            if let LoopHead::While { fx, defs, .. } = &lp.head {
                in_head.extend(fx.0.iter().map(|&(b, _)| b));
                in_head.extend(defs);
            }
            (unstored[s].iter())
                .filter(|b| in_body.contains(b) && !in_head.contains(b))
                .copied()
                .collect()
        })
        .collect()
}

/// The `while`/`for` head a loop head's state consists of.
fn loop_head_of<'c, 'ir>(c: &'c Code<'ir>) -> Option<&'c Code<'ir>> {
    match c {
        Code::Reopen(_, b) | Code::Head(b) => loop_head_of(b),
        Code::Seq(items) if items.len() == 1 => loop_head_of(&items[0]),
        Code::While { .. } | Code::For { .. } => Some(c),
        _ => None,
    }
}

/// What comes first in a state's code for a binding: a whole assignment
/// of it, a way out of the state (a wait, a jump, a branch that may leave,
/// a loop), or neither to the code's end.
#[derive(PartialEq, Eq)]
enum First {
    Written,
    Left,
    Through,
}

/// [`First`] for `b` in `c`: only ordinary statements at the code's start
/// are looked into (a construct there counts as a way out).
fn first_of(c: &Code, b: BindingId) -> First {
    match c {
        Code::Seq(items) => {
            for i in items {
                match first_of(i, b) {
                    First::Through => {}
                    found => return found,
                }
            }
            First::Through
        }
        Code::Reopen(_, c) | Code::Open(_, c) => first_of(c, b),
        Code::Plain(p) if !p.jumps.is_empty() => First::Left,
        Code::Plain(p)
            if p.fx
                .0
                .iter()
                .any(|&(x, e)| x == b && e == ir::Effect::Write) =>
        {
            First::Written
        }
        Code::Plain(_) | Code::Store(_) | Code::Poll { .. } => First::Through,
        _ => First::Left,
    }
}

/// Whether a binding surely borrows no other (so a state may keep it):
/// a parameter (a tamed function's parameters cannot borrow), a twait's
/// id or a slot list, or a plain value (a number, a comparison, a `len()`;
/// no reference in a written type).
fn surely_owned(f: &Function, b: BindingId) -> bool {
    let binding = &f.bindings[b];
    match binding.kind {
        BindingKind::Temp(kind) => binding.owned || matches!(kind, TempKind::Id | TempKind::Slots),
        BindingKind::User => {
            binding.owned
                || f.params.iter().any(|p| p.binding == b)
                || (binding.trivial
                    && binding.borrow.is_none()
                    && binding.ty.as_ref().is_none_or(|t| {
                        !t.to_token_stream()
                            .to_string()
                            .chars()
                            .any(|c| c == '&' || c == '\'')
                    }))
        }
    }
}

/// Whether a state's code polls a rendezvous (and may pack the state
/// again, as it came, before its own code runs).
fn polls(c: &Code) -> bool {
    match c {
        Code::Seq(items) => items.iter().any(polls),
        Code::Reopen(_, b) | Code::Head(b) => polls(b),
        Code::Poll { .. } => true,
        _ => false,
    }
}

/// The states a state's code can jump to.
/// How many jumps to `target` code `c` makes outside promotion
/// `promotion`'s construct (see [`useless_promotions`]).
fn gotos_besides(c: &Code, target: StateId, promotion: usize) -> usize {
    let own = |p: &Option<ir::Promotion>| p.as_ref().is_some_and(|p| p.id == promotion);
    match c {
        Code::Seq(items) => items
            .iter()
            .map(|i| gotos_besides(i, target, promotion))
            .sum(),
        Code::Reopen(_, b) | Code::Open(_, b) | Code::Head(b) => {
            gotos_besides(b, target, promotion)
        }
        Code::If { stmt, .. } if own(&stmt.promoted) => 0,
        Code::Match { stmt, .. } if own(&stmt.promoted) => 0,
        Code::If { then, els, .. } => {
            gotos_besides(then, target, promotion) + gotos_besides(els, target, promotion)
        }
        Code::Match { arms, .. } => arms
            .iter()
            .map(|a| gotos_besides(a, target, promotion))
            .sum(),
        Code::While { body, exit, .. } | Code::For { body, exit, .. } => {
            gotos_besides(body, target, promotion) + gotos_besides(exit, target, promotion)
        }
        Code::Goto(t) => usize::from(*t == target),
        _ => 0,
    }
}

pub(crate) fn successors(f: &Function, m: &Machine, c: &Code, out: &mut Vec<StateId>) {
    let jump = |j: usize| {
        let info = &f.jumps[j];
        m.loops
            .get(&info.target)
            .map(|&(head, exit)| if info.is_break { exit } else { head })
    };
    match c {
        Code::Seq(items) => {
            for i in items {
                successors(f, m, i, out);
            }
        }
        Code::Reopen(_, b) | Code::Open(_, b) | Code::Head(b) => successors(f, m, b, out),
        Code::If { then, els, .. } => {
            successors(f, m, then, out);
            successors(f, m, els, out);
        }
        Code::Match { arms, .. } => {
            for a in arms {
                successors(f, m, a, out);
            }
        }
        Code::While { body, exit, .. } | Code::For { body, exit, .. } => {
            successors(f, m, body, out);
            successors(f, m, exit, out);
        }
        Code::Goto(t) => out.push(*t),
        Code::Join { resume, .. } | Code::WaitRendezvous { resume, .. } => out.push(*resume),
        Code::Jump(j) => out.extend(jump(*j)),
        Code::Plain(p) => out.extend(p.jumps.iter().filter_map(|&j| jump(j))),
        Code::Poll { .. } | Code::Store(_) | Code::Return => {}
    }
}

/// The bindings a state's code mentions (uses, assigns, declares).
pub fn collect_mentions(f: &Function, c: &Code, out: &mut HashSet<BindingId>) {
    mentions_in(f, c, out, true);
}

/// The same, leaving out what only a wait's store of slot values names.
fn mentions_besides_stores(f: &Function, c: &Code) -> HashSet<BindingId> {
    let mut out = HashSet::new();
    mentions_in(f, c, &mut out, false);
    out
}

fn mentions_in(f: &Function, c: &Code, out: &mut HashSet<BindingId>, stores: bool) {
    fn fx(e: &Effects, out: &mut HashSet<BindingId>) {
        out.extend(e.0.iter().map(|(b, _)| *b));
    }
    match c {
        Code::Seq(items) => {
            for i in items {
                mentions_in(f, i, out, stores);
            }
        }
        Code::Reopen(_, b) | Code::Open(_, b) | Code::Head(b) => mentions_in(f, b, out, stores),
        Code::Plain(p) => fx(&p.fx, out),
        Code::If { stmt, then, els } => {
            fx(&stmt.fx, out);
            mentions_in(f, then, out, stores);
            mentions_in(f, els, out, stores);
        }
        Code::Match { stmt, arms } => {
            fx(&stmt.fx, out);
            for (arm, code) in stmt.arms.iter().zip(arms) {
                if let Some((_, g)) = &arm.guard {
                    fx(g, out);
                }
                mentions_in(f, code, out, stores);
            }
        }
        Code::While { lp, body, exit } | Code::For { lp, body, exit } => {
            match &lp.head {
                LoopHead::While { fx: e, .. } => fx(e, out),
                LoopHead::For { iter, .. } => {
                    out.insert(*iter);
                }
                LoopHead::Loop => {}
            }
            mentions_in(f, body, out, stores);
            mentions_in(f, exit, out, stores);
        }
        Code::Join { wait, .. } => {
            if let WaitKind::Join { body, .. } = &f.waits[*wait].kind {
                for p in body {
                    fx(&p.fx, out);
                }
            }
        }
        Code::WaitRendezvous { wait, .. } | Code::Poll { wait, .. } => {
            if let WaitKind::Rendezvous { fx: e, .. } = &f.waits[*wait].kind {
                fx(e, out);
            }
        }
        Code::Store(site) if stores => {
            let s = &f.slot_sites[*site];
            out.insert(s.list);
            out.extend(s.roots.iter().flatten());
        }
        Code::Store(_) => {}
        Code::Goto(_) | Code::Return | Code::Jump(_) => {}
    }
}
