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
    BindingId, BindingKind, Effect, Effects, Function, LoopHead, Plain, TempKind, WaitKind,
};
use crate::lower::{Code, Machine, StateId, StateKind};

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
    let fwd = forward(f, m, &live, &store_live, &unstored);
    let mut kept = Vec::new();
    let mut flagged = Vec::new();
    for (s, state) in m.states.iter().enumerate() {
        let mut k = Vec::new();
        let mut flags = Set::default();
        let facts = &fwd.facts[s];
        for &b in &state.env {
            let binding = &f.bindings[b];
            let worth_dropping = binding.kind == BindingKind::User && !binding.trivial;
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
    report_borrows(f, &kept, &flagged, errors);
    report_cfg_shadows(f, &kept, errors);
    report_unvalued_rendezvous_slots(f, &fwd.stores, errors);
    report_slot_problems(f, &fwd.slot_problems, errors);
    Analysis {
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
/// twait, or where a branch with a twait meets one without), or the state
/// after the construct keeps a binding that no twait's state keeps
/// (nothing shows that it can be kept: it may borrow).
pub fn useless_promotions(f: &Function, m: &Machine, a: &Analysis) -> Vec<usize> {
    let resume = |s: StateId| matches!(m.states[s].kind, StateKind::Resume(_)) && a.reached[s];
    let mut across = Set::default();
    for s in (0..m.states.len()).filter(|&s| resume(s)) {
        for &b in &a.kept[s] {
            across.insert(b);
        }
    }
    let next: Vec<Vec<StateId>> = m
        .states
        .iter()
        .map(|state| {
            let mut out = Vec::new();
            successors(f, m, &state.code, &mut out);
            out
        })
        .collect();
    // How many states jump to each: a join reached from two is a state
    // whatever the constructs before it.
    let mut entered_from = vec![0usize; m.states.len()];
    for targets in &next {
        let mut distinct = targets.clone();
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            entered_from[t] += 1;
        }
    }
    // Whether a state that can follow the construct keeps `b`: a twait's,
    // and a join that a branch with a twait reaches too (`if c {
    // twait!{..} } else { if d { drop(g) } }` then code after: `g` is
    // carried into that join on the paths that kept it), but not the
    // construct's own join when nothing else jumps there (the promotion
    // alone makes it a state). A state whose code declares `b` again
    // (the next iteration of its loop) ends the walk: what follows it keeps
    // another value of `b`.
    let kept_later = |join: StateId, b: BindingId| {
        let mut seen = vec![false; m.states.len()];
        let mut todo = vec![join];
        while let Some(s) = todo.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            if a.reached[s]
                && (s != join || entered_from[s] > 1 || resume(s))
                && a.kept[s].contains(&b)
            {
                return true;
            }
            if !declares(&m.states[s].code, b) {
                todo.extend(&next[s]);
            }
        }
        false
    };
    let mut useless = Vec::new();
    for &(p, join) in &m.promoted {
        let pays = p.plain.fx.0.iter().enumerate().any(|(i, &(b, _))| {
            p.plain.sets_value_on_some_paths(&f.bindings[b], i) && kept_later(join, b)
        });
        let safe = a.kept[join]
            .iter()
            .all(|&b| across.contains(b) || surely_owned(f, b));
        if !(pays && safe) {
            useless.push(p.id);
        }
    }
    useless
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
fn successors(f: &Function, m: &Machine, c: &Code, out: &mut Vec<StateId>) {
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

/// A slot of `mkevent!(r, id, slot)` gets its value at the `twait!(r)`
/// that returns its id, and the translator cannot tell which that is: a
/// place with no value before must get one, or later code could read it
/// unassigned.
fn report_unvalued_rendezvous_slots(
    f: &Function,
    stores: &HashMap<(StateId, usize), StoreKind>,
    errors: &mut Errors,
) {
    let mut reported = Vec::new();
    let mut stores: Vec<(usize, bool)> = stores
        .iter()
        .map(|(&(_, s), &k)| (s, k == StoreKind::Keep))
        .collect();
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

/// Why a `twait! {}` block's store could not give a variable with no value
/// before the block the value a plain function would have: reported at the
/// slot, with what to write instead.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SlotProblem {
    /// The block's code assigns it on the paths without the slot (`if c {
    /// f(mkevent!(v)) } else { v = 5 }`): that value is not kept across
    /// the wait.
    AssignedElsewhere,
    /// It is moved into the operation that gives it back on some paths
    /// only (`if c { read(buf, mkevent!(buf, n)) }`): on the others it
    /// kept its value, which the wait cannot tell from a lost one.
    MovedOnSomePaths,
    /// Another site of the block fills it with other slots beside it
    /// (`mkevent!(w, x)` and `mkevent!(w, y)`): each site's slots are
    /// stored together, so each would require its own value.
    FilledByOtherSlots,
    /// A rendezvous' slot moved before the `twait!(r)` that fills it
    /// (`op(buf, mkevent!(r, 1, buf))`): it keeps its old value when no
    /// value comes, so it must have one there.
    MovedBeforeItsWait,
}

fn report_slot_problems(f: &Function, problems: &[(usize, SlotProblem)], errors: &mut Errors) {
    let mut reported = Vec::new();
    for &(site, problem) in problems {
        let s = &f.slot_sites[site];
        // The place the problem is about: for a move into the block's
        // operation, the one moved (`mkevent!(x, y)` with `y` passed).
        let moved = s
            .roots
            .iter()
            .flatten()
            .find(|&&r| moved_into_block(f, s, r));
        let first = s.roots.iter().flatten().next();
        let root = match problem {
            SlotProblem::MovedOnSomePaths => moved.or(first),
            _ => first,
        };
        let Some(root) = root else {
            continue;
        };
        if reported.contains(&(*root, problem)) {
            continue;
        }
        reported.push((*root, problem));
        let name = &f.bindings[*root].name;
        let msg = match problem {
            SlotProblem::AssignedElsewhere => format!(
                "`{name}` has no value before this twait! block, which fills it from this slot \
                 on some paths and assigns it on others; the translator keeps only the slot's \
                 value across the wait. Give `{name}` a value before the block (`let mut {name} \
                 = ..;`): the wait then keeps the value assigned in the block when no event \
                 fills the slot"
            ),
            SlotProblem::MovedOnSomePaths => format!(
                "`{name}` is moved into the operation that gives it back on some paths of this \
                 twait! block only; on the others it keeps its value, which the wait cannot \
                 tell from one that did not come back. Wait inside the branch instead: \
                 `if c {{ twait! {{ op({name}, mkevent!({name})); }} }}`"
            ),
            SlotProblem::MovedBeforeItsWait => format!(
                "`{name}` is moved before the `twait!(r)` that fills this slot (into the \
                 operation that gives it back, most likely), but a `mkevent!(r, id, slot)` \
                 slot keeps its old value when no value comes, so it must still have one \
                 there. Use `twait! {{ op({name}, mkevent!({name})); }}`, whose wait gives \
                 the value back, or pass the operation a clone"
            ),
            SlotProblem::FilledByOtherSlots => format!(
                "`{name}` has no value before this twait! block and is filled by `mkevent!` \
                 sites with different slots beside it; the wait stores each site's slots \
                 together, so each would need a value of its own. Give the sites the same \
                 slots (a scratch variable for the one a site does not fill), or give \
                 `{name}` a value before the block"
            ),
        };
        errors.push(syn::Error::new(s.span, msg));
    }
}

/// A binding that borrows another cannot be kept in the state.
fn report_borrows(f: &Function, kept: &[Vec<BindingId>], flagged: &[Set], errors: &mut Errors) {
    let mut reported = Vec::new();
    for (k, flags) in kept.iter().zip(flagged) {
        for &b in k {
            let binding = &f.bindings[b];
            let Some(why) = &binding.borrow else { continue };
            if reported.contains(&b) {
                continue;
            }
            reported.push(b);
            let msg = match binding.kind {
                BindingKind::Temp(TempKind::Value) => format!(
                    "this value of a branch is kept where the branches meet, a state of its own \
                     since a branch waits, but {why}: a borrow cannot be kept across a twait. \
                     Give an owned value (`.copied()`, `.cloned()`, an index), or borrow again \
                     after the `if`/`match`"
                ),
                BindingKind::Temp(_) => format!(
                    "this loop's body contains a twait, so its iterator is kept across it, but {why}"
                ),
                BindingKind::User if why.starts_with("it is a closure") => {
                    format!("`{}` is kept across a twait, but {why}", binding.name)
                }
                BindingKind::User => format!(
                    "`{}` is kept across a twait{}, but {why}: a borrow cannot be kept across a \
                     twait, because the function's variables move between resumes. Borrow again \
                     after the twait, or keep an owned value (a clone, or a match on an owned \
                     value) or an index instead{}{}",
                    binding.name,
                    if flags.contains(b) {
                        " on the paths that did not move it"
                    } else {
                        ""
                    },
                    if flags.contains(b) {
                        "; or move it (`drop(..)`) on every path before the twait"
                    } else {
                        ""
                    },
                    // A type written with a borrow in it says it borrows.
                    if why.contains("in std") && binding.ty.is_none() {
                        format!(
                            ". (Judged by the method's name: if it gives an owned value, write \
                             its type, `let {}: T = ..`, and it is kept as one.)",
                            binding.name
                        )
                    } else {
                        String::new()
                    }
                ),
            };
            errors.push(syn::Error::new(binding.span, msg));
        }
    }
}

/// A `#[cfg(..)]` `let` that shadows a variable of the same name, where a
/// state would keep both (the shadowed one for its drop at its scope's
/// end): the two have one name in the machine (later code must reach
/// whichever the build has), which one state cannot hold twice.
fn report_cfg_shadows(f: &Function, kept: &[Vec<BindingId>], errors: &mut Errors) {
    for &(b, prev) in &f.cfg_shadows {
        if kept.iter().any(|k| k.contains(&b) && k.contains(&prev)) {
            let name = &f.bindings[b].name;
            errors.push(syn::Error::new(
                f.bindings[b].span,
                format!(
                    "this `#[cfg(..)]` `let` shadows another `{name}`, and a twait keeps both: \
                     the machine cannot tell them apart; choose the value in one `let` (`let \
                     {name} = if cfg!(..) {{ .. }} else {{ .. }};`), or give the two different \
                     names"
                ),
            ));
        }
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

// ---- liveness ----

/// Per state, the bindings live where it begins; and per (state, slot
/// site) the variables the site fills that are live after its store.
type Liveness = (Vec<Set>, HashMap<(StateId, usize), Vec<BindingId>>);

fn liveness(f: &Function, m: &Machine) -> Liveness {
    let mut live = vec![Set::default(); m.states.len()];
    let mut store_live = HashMap::new();
    loop {
        let mut changed = false;
        for s in (0..m.states.len()).rev() {
            let mut cx = Backward {
                f,
                m,
                live: &live,
                state: s,
                store_live: &mut store_live,
            };
            let set = cx.code(&m.states[s].code, Set::default()).normalized();
            if set != live[s] {
                live[s] = set;
                changed = true;
            }
        }
        if !changed {
            return (live, store_live);
        }
    }
}

struct Backward<'a> {
    f: &'a Function,
    m: &'a Machine<'a>,
    live: &'a [Set],
    state: StateId,
    store_live: &'a mut HashMap<(StateId, usize), Vec<BindingId>>,
}

impl Backward<'_> {
    fn target(&self, s: StateId) -> Set {
        self.live[s].clone()
    }

    fn jump(&self, j: usize) -> Set {
        let info = &self.f.jumps[j];
        let (head, exit) = self.m.loops.get(&info.target).copied().unwrap_or((0, 0));
        let mut l = self.target(if info.is_break { exit } else { head });
        // Assigned on the way to the jump (`{ b = make(); break; }`): the
        // value the statement found is not what the target reads.
        for &w in &info.writes {
            l.remove(w);
        }
        l
    }

    fn fx(&self, fx: &Effects, mut l: Set) -> Set {
        for &(b, e) in fx.0.iter().rev() {
            match e {
                Effect::Write => l.remove(b),
                Effect::MaybeWrite | Effect::ConsumeAssigned | Effect::MaybeConsumeAssigned => {}
                Effect::Read
                | Effect::Consume
                | Effect::MaybeConsume
                | Effect::ConsumeLeaving
                | Effect::Receiver => l.insert(b),
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
                let s = &self.f.slot_sites[*site];
                let read_after = (s.roots.iter().flatten())
                    .filter(|&&r| l.contains(r))
                    .copied()
                    .collect();
                self.store_live.insert((self.state, *site), read_after);
                // A store may keep the old value (its event came back
                // empty), so a root stays live through it; but one that went
                // into the block's own operation has no old value to keep:
                // not kept across the wait, where it is moved out. (The
                // site's other places keep theirs: `mkevent!(x, y)` with
                // only `y` passed to the operation.)
                for &r in s.roots.iter().flatten() {
                    if moved_into_block(self.f, s, r) {
                        l.remove(r);
                    }
                }
                l.insert(s.list);
                l
            }
            Code::Jump(j) => self.jump(*j),
        }
    }
}

/// Whether `r`, the root of `s`'s place, is moved into the code of the
/// site's own `twait! {}` block (`read(buf, mkevent!(buf, n))`): its value
/// then comes only from the store.
fn moved_into_block(f: &Function, s: &crate::ir::SlotSite, r: BindingId) -> bool {
    let crate::ir::SlotOwner::Join(w) = &s.owner else {
        return false;
    };
    match &f.waits[*w].kind {
        WaitKind::Join { fx, .. } => {
            fx.0.contains(&(r, Effect::Consume)) || fx.0.contains(&(r, Effect::MaybeConsume))
        }
        WaitKind::Rendezvous { .. } => false,
    }
}

/// Whether another site of `site`'s `twait! {}` block, with other places
/// (`mkevent!(w, y)` beside `mkevent!(w, x)`), fills `r` too.
fn filled_by_other_slots(f: &Function, site: usize, r: BindingId) -> bool {
    let s = &f.slot_sites[site];
    if !matches!(s.owner, crate::ir::SlotOwner::Join(_)) {
        return false;
    }
    let mine = s.place_key();
    f.slot_sites.iter().any(|o| {
        o.owner == s.owner && o.place_key() != mine && o.roots.iter().flatten().any(|&x| x == r)
    })
}

/// Whether the code of `s`'s own `twait! {}` block assigns `r` on some
/// paths (`if c { f(mkevent!(v)) } else { v = 5 }`).
fn assigned_in_block(f: &Function, s: &crate::ir::SlotSite, r: BindingId) -> bool {
    let crate::ir::SlotOwner::Join(w) = &s.owner else {
        return false;
    };
    match &f.waits[*w].kind {
        WaitKind::Join { fx, .. } => fx.0.contains(&(r, Effect::MaybeWrite)),
        WaitKind::Rendezvous { .. } => false,
    }
}

// ---- definite initialization and moves ----

#[derive(Clone, Default)]
struct Facts {
    /// Initialized on every path.
    init: Set,
    /// Moved out on some path.
    moved: Set,
    /// Moved out on every path.
    mmoved: Set,
    /// Possibly moved where only Rust's drop flag knows: no jump from here
    /// can say whether the value is there.
    native: Set,
    /// Declared without a value and given none yet, on every path. One
    /// that is neither this nor initialized got its value on some paths
    /// only (`let p; if c { p = take() }`).
    unset: Set,
    /// Without a value on every path: moved out, or never given one
    /// (`let a; if c { a = make(); eat(a); }`). Nothing to keep.
    vacant: Set,
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
    fn maybe_init(&self, b: BindingId) -> bool {
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

struct ForwardResult {
    /// Per state: the facts where it begins.
    facts: Vec<Facts>,
    moved_at: HashMap<EdgeKey, Set>,
    stores: HashMap<(StateId, usize), StoreKind>,
    flag_stores: HashSet<(StateId, BindingId)>,
    /// Sites whose store cannot give a variable its plain function's
    /// value (reported).
    slot_problems: Vec<(usize, SlotProblem)>,
    reached: Vec<bool>,
}

fn forward(
    f: &Function,
    m: &Machine,
    live: &[Set],
    store_live: &HashMap<(StateId, usize), Vec<BindingId>>,
    unstored: &[HashSet<BindingId>],
) -> ForwardResult {
    let mut facts_in: Vec<Option<Facts>> = vec![None; m.states.len()];
    let mut start = Facts::default();
    for p in &f.params {
        start.init.insert(p.binding);
    }
    facts_in[0] = Some(start);
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
            for &b in &m.states[s].env {
                let maybe_moved = facts.moved.contains(b) && !facts.mmoved.contains(b);
                let named = unstored[s].contains(&b) || native_entry.contains(&(s, b));
                if named && (maybe_moved || facts.maybe_init(b)) {
                    facts.native.insert(b);
                }
            }
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
        if !p.jumps.is_empty() {
            // A jump inside may happen anywhere in the statement: before
            // its writes, before or after any of its moves.
            let mut at_jump = facts.clone();
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
            for &j in &p.jumps {
                self.jump(plain_edge(p, j), j, &at_jump);
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
                let has_value = |r: BindingId| {
                    facts.init.contains(r)
                        && !moved_into_block(self.f, s, r)
                        && (!facts.moved.contains(r) || self.live[self.state].contains(r))
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
                        (!facts.init.contains(r) || moved_into_block(self.f, s, r))
                            && read.contains(&r)
                    }),
                };
                let kind = if first_init {
                    StoreKind::Keep
                } else if self.f.slot_certain(*site) || unvalued_read {
                    StoreKind::Required
                } else {
                    StoreKind::Optional
                };
                self.stores.insert((self.state, *site), kind);
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
