//! Liveness (backward): a binding is live at a state if some path from
//! there uses it before assigning it.

use std::collections::HashMap;

use super::Set;
use crate::ir::{BindingId, Effect, Effects, Function, LoopHead, Plain, WaitKind};
use crate::lower::{Code, Machine, StateId};

/// Per state, the bindings live where it begins; and per (state, slot
/// site) the variables the site fills that are live after its store.
pub(super) type Liveness = (Vec<Set>, HashMap<(StateId, usize), Vec<BindingId>>);

pub(super) fn liveness(f: &Function, m: &Machine) -> Liveness {
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
        for &d in &p.defs {
            l.remove(d);
        }
        let mut l = self.fx(&p.fx, l);
        // A jump's target after the statement's effects: an assignment
        // after the jump (`{ if skip { continue; } b = 5; }`) does not
        // give the target its value; one before it is the jump's
        // `writes` (see `Self::jump`).
        for &j in &p.jumps {
            l.union(&self.jump(j));
        }
        l
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
                // A place that is part of its root (`p.0`, `a[i]`, `*r`)
                // is stored into the root's value, which must be there
                // whether or not anything reads it later (one dropped
                // only at its scope's end, as a number, is kept for the
                // store).
                for (place, root) in s.places.iter().zip(&s.roots) {
                    if let Some(r) = root {
                        if place.clone().into_iter().nth(1).is_some() {
                            l.insert(*r);
                        }
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
pub(super) fn moved_into_block(f: &Function, s: &crate::ir::SlotSite, r: BindingId) -> bool {
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
pub(super) fn filled_by_other_slots(f: &Function, site: usize, r: BindingId) -> bool {
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
pub(super) fn assigned_in_block(f: &Function, s: &crate::ir::SlotSite, r: BindingId) -> bool {
    let crate::ir::SlotOwner::Join(w) = &s.owner else {
        return false;
    };
    match &f.waits[*w].kind {
        WaitKind::Join { fx, .. } => fx.0.contains(&(r, Effect::MaybeWrite)),
        WaitKind::Rendezvous { .. } => false,
    }
}
