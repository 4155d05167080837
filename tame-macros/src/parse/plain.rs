//! Ordinary code (no twait inside): resolve its names once, record what it
//! does to the function's bindings, and rewrite in place what the machine
//! needs rewritten.
//!
//! * A name that refers to a binding of the spine gets that binding's
//!   identifier (a binding renamed to avoid a clash keeps the user's name
//!   but not its hygiene, see `scope.rs`), and its use is recorded as an
//!   [`Effect`]: read, consumed (used by value), written.
//! * `self` becomes the variable `__tame_self`.
//! * `mkevent!(..)` becomes the code that makes the event (`events.rs`).
//! * `break`/`continue` that leave for a loop of the spine become
//!   `__tame_jump!(k)` markers, replaced by `emit` with the jump.
//! * `return e` and `e?` deliver the function's value through its `done`
//!   event when it has one.
//!
//! Closures, `async` blocks and nested items are boundaries: names inside
//! closures still resolve (they capture), but their `return`, `?` and
//! jumps are their own.

use proc_macro2::{Ident, Span};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Expr, Stmt};

use super::flow::{Flow, Snapshot, Src};
use super::macros::{self, makes_event};
use super::syntax::{self, pattern_bindings, PatPlace, PatPlace::Irrefutable, PatPlace::Refutable};
use super::Builder;
use crate::ir::{BindingId, Effect, Effects, JumpInfo};

/// What a branch assigns on its way through.
struct Written {
    bindings: Vec<BindingId>,
    /// Slot places (see [`Resolver::path_slots`]).
    slots: Vec<String>,
    /// Bindings moved out (see [`Resolver::path_moves`]).
    moves: Vec<BindingId>,
    /// Where the variables it touched get their values at its end (see
    /// [`Flow`]).
    flow: Snapshot,
}

/// How an expression's value is used by its context.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// By value: a variable here is moved out (unless `Copy`).
    Consume,
    /// Borrowed or only read.
    Read,
}

/// Walks one piece of ordinary code.
pub struct Resolver<'a, 'e> {
    pub b: &'a mut Builder<'e>,
    pub fx: Effects,
    pub jumps: Vec<usize>,
    /// Names bound inside this piece of code (they hide spine bindings).
    hidden: Vec<Vec<String>>,
    /// Labels of loops and labeled blocks inside this piece, innermost
    /// last (`None` for an unlabeled loop; `false` for a labeled block).
    inner_loops: Vec<(Option<String>, bool)>,
    /// Inside a closure or `async` block: `return`, `?` and jumps are its own.
    pub(super) closure_depth: usize,
    /// Inside a branch, loop or closure: an assignment may not happen.
    cond_depth: usize,
    /// The labeled blocks this code is inside, innermost last: whether a
    /// `break` out of it (or a macro of the user's, which may expand to
    /// one) came before, so that it may skip what follows (a move or an
    /// assignment there may not happen). Code before a block's first
    /// `break` runs on every path through it (`'b: { d = make(); if c {
    /// break 'b; } .. }`).
    labeled: Vec<bool>,
    /// Bindings assigned on the path walked so far (a branch's own
    /// assignments are forgotten when it ends).
    path_writes: Vec<BindingId>,
    /// The places of the `twait! {}` block's slot sites made on the path
    /// walked so far (as [`crate::ir::SlotSite::place_key`]s), as `path_writes`.
    path_slots: Vec<String>,
    /// Bindings moved out on the path walked so far, as `path_writes`:
    /// a move made by every branch of a construct that finishes
    /// (`if d { drop(g) } else { consume(g) }`) is a move on every path
    /// past the construct.
    path_moves: Vec<BindingId>,
    /// A closure in this code moves a variable it captured out of itself
    /// (so it is a `FnOnce`, moved by its call).
    pub closure_moves: bool,
    /// The method call being resolved is the operand of a `?`
    /// (`got.context("..")?`), which only a value can be (see
    /// [`syntax::consumes_receiver_tried`]).
    tried: bool,
    /// Where each variable's value comes from, path by path (loops,
    /// branches, jumps).
    flow: Flow,
    /// A macro that may expand to a `break` or `continue` was met: the
    /// paths [`Flow`] follows may not be all, and the jumps out of this
    /// code settled from now on are not followed (see [`JumpInfo::moved`]).
    hidden_paths: bool,
}

impl<'a, 'e> Resolver<'a, 'e> {
    pub fn new(b: &'a mut Builder<'e>) -> Self {
        Resolver {
            b,
            fx: Effects::default(),
            jumps: Vec::new(),
            hidden: Vec::new(),
            inner_loops: Vec::new(),
            closure_depth: 0,
            cond_depth: 0,
            labeled: Vec::new(),
            path_writes: Vec::new(),
            path_slots: Vec::new(),
            path_moves: Vec::new(),
            closure_moves: false,
            tried: false,
            flow: Flow::default(),
            hidden_paths: false,
        }
    }

    pub fn is_hidden(&self, name: &str) -> bool {
        self.hidden.iter().any(|s| s.iter().any(|n| n == name))
    }

    pub(super) fn hide_pat(&mut self, pat: &syn::Pat, place: PatPlace) {
        let names: Vec<String> = pattern_bindings(pat, place)
            .iter()
            .map(|p| p.ident.to_string())
            .collect();
        if let Some(top) = self.hidden.last_mut() {
            top.extend(names);
        } else {
            self.hidden.push(names);
        }
    }

    pub(super) fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.hidden.push(Vec::new());
        let r = f(self);
        self.hidden.pop();
        r
    }

    /// Code that may run or not (`&&`'s right operand, code under
    /// `#[cfg]`): past it, a variable may hold what it held before.
    fn conditional<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let mark = self.flow.mark();
        let r = self.unsure(f);
        let region = self.flow.take_since(mark);
        self.flow.join(&[Some(region), Some(Vec::new())]);
        r
    }

    /// Code whose assignments and moves may not happen, for the path's
    /// records (see [`Self::conditional`]; a loop's body follows its own).
    fn unsure<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.cond_depth += 1;
        let mark = self.path_writes.len();
        let slots = self.path_slots.len();
        let moves = self.path_moves.len();
        let r = f(self);
        self.path_writes.truncate(mark);
        self.path_slots.truncate(slots);
        self.path_moves.truncate(moves);
        self.cond_depth -= 1;
        r
    }

    /// Walks a branch; returns what it assigns on its way through.
    fn branch(&mut self, f: impl FnOnce(&mut Self)) -> Written {
        self.cond_depth += 1;
        let mark = self.path_writes.len();
        let slots = self.path_slots.len();
        let moves = self.path_moves.len();
        let flow = self.flow.mark();
        f(self);
        let written = Written {
            bindings: self.path_writes.split_off(mark),
            slots: self.path_slots.split_off(slots),
            moves: self.path_moves.split_off(moves),
            flow: self.flow.take_since(flow),
        };
        self.cond_depth -= 1;
        written
    }

    /// After an `if`/`else` or `match`: what every branch that finishes
    /// assigned is assigned (`None`: a branch that does not finish), what
    /// every such branch moved is moved, and a slot place every such
    /// branch made an event for is filled.
    fn written_on_all(&mut self, branches: &[Option<Written>], start: Option<usize>) {
        let flows: Vec<Option<Snapshot>> = (branches.iter())
            .map(|w| w.as_ref().map(|w| w.flow.clone()))
            .collect();
        self.flow.join(&flows);
        if let Some(start) = start {
            self.given_again_where_moved(&flows, start);
        }
        let finishing: Vec<&Written> = branches.iter().flatten().collect();
        let Some((first, rest)) = finishing.split_first() else {
            return;
        };
        // What a branch assigned and then moved (`a = make(); eat(a);`), or
        // moved and then assigned, it left as its last step says.
        let ends =
            |w: &Written, b: BindingId, s: Src| w.flow.iter().any(|&(x, e)| x == b && e == s);
        let mut common: Vec<BindingId> = first.bindings.clone();
        common.retain(|&b| {
            finishing
                .iter()
                .all(|w| w.bindings.contains(&b) && ends(w, b, Src::GIVEN))
        });
        common.dedup();
        for b in common {
            // Certain only where the construct itself is: not under a
            // condition, nor in a labeled block a `break` may leave first.
            if self.cond_depth == 0 && !self.skippable() {
                self.fx.push(b, Effect::Write);
            }
            self.path_writes.push(b);
        }
        let mut slots: Vec<String> = first.slots.clone();
        slots.retain(|k| rest.iter().all(|w| w.slots.contains(k)));
        slots.dedup();
        for k in slots {
            self.slot_made(k);
        }
        let mut moved: Vec<BindingId> = first.moves.clone();
        moved.retain(|&b| {
            finishing
                .iter()
                .all(|w| w.moves.contains(&b) && ends(w, b, Src::MOVED))
        });
        moved.sort_unstable();
        moved.dedup();
        for b in moved {
            if self.cond_depth == 0 && !self.skippable() {
                self.fx.push(b, Effect::Consume);
            }
            self.path_moves.push(b);
        }
    }

    /// After branches (their effects from `start` on): a variable some of
    /// them move and give a value again (`drop(s); s = new();`), and the
    /// others leave alone or give one, holds a value on every path (`if
    /// a { drop(s); s = new(); } else if b { .. } else { }`): the
    /// construct used the value it found and assigned on some paths, as
    /// [`looped`](Self::looped) says of a loop, not moved it on some.
    /// (As moved on some paths, it would be dropped at the next twait, not
    /// at its scope's end.) Not one declared without a value, which the
    /// branches that leave it alone may leave without one; not after a
    /// construct a `break` or `continue` may leave (see
    /// [`jumps_away`]): a path that moved the variable and jumped is not
    /// among the branches that finish, and goes on without it.
    fn given_again_where_moved(&mut self, flows: &[Option<Snapshot>], start: usize) {
        let mut touched: Vec<BindingId> = (flows.iter().flatten())
            .flat_map(|s| s.iter().map(|e| e.0))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        for b in touched {
            let src = self.flow.source(b);
            let binding = &self.b.f.bindings[b];
            if src.has(Src::MOVED) || !src.has(Src::GIVEN) || binding.deferred {
                continue;
            }
            let moves = |e: Effect| {
                matches!(
                    e,
                    Effect::Consume
                        | Effect::MaybeConsume
                        | Effect::ConsumeAssigned
                        | Effect::MaybeConsumeAssigned
                )
            };
            if !self.fx.0[start..].iter().any(|&(x, e)| x == b && moves(e)) {
                continue;
            }
            self.used_not_moved(b, start);
            self.fx.push(b, Effect::MaybeWrite);
        }
    }

    /// The effects on `b` from `start` on, of code that gives it a value
    /// again on every path that moves it: its moves are uses of the value
    /// it found (reads), and its assignments go (the caller sums them up
    /// as one).
    fn used_not_moved(&mut self, b: BindingId, start: usize) {
        let tail = self.fx.0.split_off(start);
        self.fx.0.extend(tail.into_iter().filter_map(|(x, e)| {
            if x != b {
                return Some((x, e));
            }
            match e {
                Effect::Consume | Effect::MaybeConsume => Some((x, Effect::Read)),
                Effect::ConsumeAssigned
                | Effect::MaybeConsumeAssigned
                | Effect::Write
                | Effect::MaybeWrite => None,
                other => Some((x, other)),
            }
        }));
    }

    /// A `twait! {}` block's slot site for the places `key` made here (or
    /// by every branch of a construct that ends here): on every path
    /// through the block when no branch, loop, closure or labeled block
    /// holds it, and then its places are certainly filled at the wait.
    pub fn slot_made(&mut self, key: String) {
        if self.cond_depth == 0 && !self.skippable() {
            if let Some(wait) = self.b.in_wait {
                let owner = crate::ir::SlotOwner::Join(wait);
                for s in &mut self.b.f.slot_sites {
                    if s.owner == owner && s.place_key().as_deref() == Some(key.as_str()) {
                        s.certain = true;
                    }
                }
            }
        }
        self.path_slots.push(key);
    }

    /// The spine binding a name refers to here, if any.
    pub fn lookup(&self, name: &str) -> Option<BindingId> {
        if self.is_hidden(name) {
            return None;
        }
        self.b.resolve(name)
    }

    pub(super) fn effect(&mut self, id: BindingId, e: Effect) {
        // A use of what this code itself assigned on the way here is not a
        // use of the value it found. (A read in a closure stays until the
        // closure ends: a `move` one captures, and moves, what it reads;
        // see `captured`.)
        let e = match e {
            Effect::Read if self.path_writes.contains(&id) && self.closure_depth == 0 => return,
            Effect::Consume if self.path_writes.contains(&id) => Effect::ConsumeAssigned,
            Effect::MaybeConsume if self.path_writes.contains(&id) => Effect::MaybeConsumeAssigned,
            other => other,
        };
        // A closure that uses a captured variable by value moves it out of
        // itself, unless it is a number or a reference (a copy: `move ||
        // g.name.len() + k` is a `Fn`).
        if self.closure_depth > 0
            && matches!(e, Effect::Consume | Effect::MaybeConsume)
            && !self.b.f.bindings[id].copy
        {
            self.closure_moves = true;
        }
        if matches!(
            e,
            Effect::Consume
                | Effect::MaybeConsume
                | Effect::ConsumeAssigned
                | Effect::MaybeConsumeAssigned
        ) {
            self.flow.set(id, Src::MOVED);
        }
        // A move a labeled block's `break` may skip is not one of the path.
        if self.closure_depth == 0
            && !self.skippable()
            && matches!(e, Effect::Consume | Effect::MaybeConsume)
        {
            self.path_moves.push(id);
        }
        self.fx.push(id, e);
    }

    /// After a branch that never finishes (it returns, panics or jumps
    /// out), its effects from `start` on: a move there happened only on a
    /// path that left, not on the one that goes on. A move of what the
    /// branch itself assigned (`d = make(); eat(d); return ..`) is no use
    /// of the value the code found either: it goes.
    fn leaving(&mut self, start: usize) {
        let tail = self.fx.0.split_off(start);
        self.fx
            .0
            .extend(tail.into_iter().filter_map(|(b, e)| match e {
                Effect::Consume | Effect::MaybeConsume => Some((b, Effect::ConsumeLeaving)),
                Effect::ConsumeAssigned | Effect::MaybeConsumeAssigned => None,
                other => Some((b, other)),
            }));
    }

    /// Whether a `break` out of a labeled block this code is inside may
    /// have come before: what follows may not run.
    fn skippable(&self) -> bool {
        self.labeled.iter().any(|&left| left)
    }

    /// A `break` to the labeled block or loop named `label` that stays
    /// inside this code: a labeled block it leaves may skip what follows.
    fn left_labeled_block(&mut self, label: &str) {
        let Some(at) = (self.inner_loops.iter()).rposition(|(n, _)| n.as_deref() == Some(label))
        else {
            return;
        };
        if self.inner_loops[at].1 {
            return;
        }
        let block = self.inner_loops[..at]
            .iter()
            .filter(|(_, is_loop)| !is_loop)
            .count();
        if let Some(left) = self.labeled.get_mut(block) {
            *left = true;
        }
    }

    /// A macro of the user's, or one whose arguments hold a `break`: its
    /// expansion may leave any labeled block this code is inside.
    pub(super) fn macro_may_leave(&mut self, mac: &syn::Macro) {
        if syntax::macro_may_jump(mac) {
            self.labeled.iter_mut().for_each(|left| *left = true);
            self.hidden_paths = true;
        }
    }

    /// After a labeled block that a `break` may leave before its end
    /// (`start`: the effects and jumps before it; `after`: where each
    /// variable's value comes from past it): one given a value on every
    /// path out of it, and not moved since, surely holds one, as past a
    /// loop (see [`looped`](Self::looped)): `'b: { if c { d = a(); break
    /// 'b; } d = b(); }` assigns `d`.
    fn labeled_block_left(&mut self, block: &syn::Block, start: (usize, usize), after: Snapshot) {
        if syntax::hides_jumps(block)
            || self.flow.in_loop()
            || self.closure_depth > 0
            || self.jumps.len() != start.1
        {
            return;
        }
        for (b, src) in after {
            if src != Src::GIVEN || self.cond_depth > 0 || self.skippable() {
                continue;
            }
            self.used_not_moved(b, start.0);
            self.fx.push(b, Effect::Write);
        }
    }

    /// The jumps out of this code whose paths [`Flow`] knows now: what
    /// each may have moved (see [`JumpInfo::moved`]).
    fn settle_jumps(&mut self) {
        let settled = self.flow.take_settled();
        if self.hidden_paths {
            return;
        }
        for (k, there) in settled {
            let moved = (there.iter())
                .filter(|(_, src)| src.has(Src::MOVED))
                .map(|&(b, src)| (b, src == Src::MOVED))
                .collect();
            self.b.f.jumps[k].moved = Some(moved);
        }
    }

    /// A move here: certain, or on some paths only.
    fn consume(&self) -> Effect {
        if self.cond_depth == 0 && !self.skippable() {
            Effect::Consume
        } else {
            Effect::MaybeConsume
        }
    }

    /// After the body of a closure or `async` block (its effects from
    /// `before` on): a variable it moves is captured, moved when the
    /// closure is made, on every path through the body or none (`moved`
    /// is that move, as the closure's own position makes it); a `move`
    /// one captures everything it names.
    fn captured(&mut self, before: usize, by_move: bool, moved: Effect) -> Vec<BindingId> {
        if !by_move && self.closure_depth == 0 {
            // Its reads of what this code assigned on the way to it are
            // borrows of that value, not uses of the one the code found
            // (see `effect`).
            let tail = self.fx.0.split_off(before);
            let writes = &self.path_writes;
            self.fx.0.extend(
                (tail.into_iter()).filter(|(b, e)| !(*e == Effect::Read && writes.contains(b))),
            );
        }
        let mut captured = Vec::new();
        for (b, e) in &mut self.fx.0[before..] {
            let capture = match *e {
                Effect::Consume
                | Effect::MaybeConsume
                | Effect::ConsumeAssigned
                | Effect::MaybeConsumeAssigned
                | Effect::ConsumeLeaving => true,
                Effect::Read | Effect::Receiver => by_move,
                Effect::Write | Effect::MaybeWrite => false,
            };
            if capture {
                // A capture of what this code assigned on the way here
                // moves that value, not the one it found (as a call's).
                *e = match moved {
                    Effect::Consume if self.path_writes.contains(b) => Effect::ConsumeAssigned,
                    Effect::MaybeConsume if self.path_writes.contains(b) => {
                        Effect::MaybeConsumeAssigned
                    }
                    other => other,
                };
                if !captured.contains(b) {
                    captured.push(*b);
                }
            }
        }
        // Captured by value inside an enclosing closure's body (`move |x|
        // { let inner = move || g.id(); .. }`): that closure moves what it
        // captured, so it is a `FnOnce`, gone after its call (not for a
        // copy, as in [`Self::effect`]).
        if self.closure_depth > 0
            && self.fx.0[before..].iter().any(|&(b, e)| {
                matches!(e, Effect::Consume | Effect::MaybeConsume) && !self.b.f.bindings[b].copy
            })
        {
            self.closure_moves = true;
        }
        captured
    }

    /// After [`Self::captured`] and the closure's own flow forgotten: what
    /// it captured by value (not a copy) is moved where the closure is
    /// made, on this path, as a call's argument is (a loop that gave `v` a
    /// value and then made `move || see(&v)` leaves `v` moved).
    fn captures_moved(&mut self, captured: &[BindingId]) {
        for &b in captured {
            if self.b.f.bindings[b].copy {
                continue;
            }
            self.flow.set(b, Src::MOVED);
            if self.closure_depth == 0 && !self.skippable() {
                self.path_moves.push(b);
            }
        }
    }

    // ---- statements ----

    /// A statement of a plain block (inside this piece).
    pub fn stmt(&mut self, s: &mut Stmt) {
        // Inside a `twait! {}` block, the slots of its events are under
        // its `cfg`s too (see `ir::SlotSite::stmt_cfg`).
        let outer_cfg = self.enter_block_cfgs(syntax::stmt_attrs(s));
        self.stmt_itself(s);
        self.b.block_stmt_cfg.truncate(outer_cfg);
    }

    /// Inside a `twait! {}` block: adds the `cfg`s among `attrs` (a
    /// statement's, an arm's) to those its slots are under; the length to
    /// truncate back to after it.
    fn enter_block_cfgs(&mut self, attrs: &[syn::Attribute]) -> usize {
        let outer = self.b.block_stmt_cfg.len();
        if self.b.in_wait.is_some() {
            let cfgs = attrs.iter().filter(|a| a.path().is_ident("cfg"));
            self.b.block_stmt_cfg.extend(cfgs.cloned());
        }
        outer
    }

    fn stmt_itself(&mut self, s: &mut Stmt) {
        match s {
            Stmt::Local(l) => {
                self.local_init(l);
                self.hide_pat(&l.pat, syntax::local_place(l));
            }
            Stmt::Expr(e, semi) => {
                let u = if semi.is_some() {
                    Use::Read
                } else {
                    Use::Consume
                };
                self.expr(e, u);
            }
            Stmt::Macro(m) if macros::which(&m.mac).is_none() => {
                // Another macro as a statement: the names its format string
                // needs go before it, in a block of their own that ends
                // with it (in the enclosing block they would hide the
                // variables they alias from the machine's code after it);
                // the call stays a statement there, `;` and all. (A `let`
                // the macro makes then ends with the block: rustc says so.)
                if let Some(aliases) = self.foreign_macro(&mut m.mac) {
                    let (attrs, mac, semi) = (&m.attrs, &m.mac, m.semi_token);
                    let tail =
                        semi.is_none() && !matches!(mac.delimiter, syn::MacroDelimiter::Brace(_));
                    *s = if tail {
                        Stmt::Expr(syn::parse_quote!(#(#attrs)* { #aliases #mac }), None)
                    } else {
                        let semi = semi.unwrap_or_default();
                        Stmt::Expr(
                            Expr::Verbatim(quote!(#(#attrs)* { #aliases #mac #semi })),
                            None,
                        )
                    };
                }
            }
            Stmt::Macro(m) => {
                if let Some(new) = self.macro_call(&mut m.mac) {
                    *s = Stmt::Expr(new, m.semi_token.or(Some(Default::default())));
                }
            }
            Stmt::Item(_) => {}
        }
    }

    /// The initializer (and `else`) of a `let`; its pattern is the caller's.
    pub fn local_init(&mut self, l: &mut syn::Local) {
        let place = syntax::local_place(l);
        if let Some(init) = &mut l.init {
            let by_value = syntax::binds_by_value(&l.pat, place);
            let u = if by_value { Use::Consume } else { Use::Read };
            self.expr(&mut init.expr, u);
            if let Some((_, diverge)) = &mut init.diverge {
                // The `else` never finishes: what it moves is moved only
                // on a path that leaves (by `return` or a panic), or that
                // jumps out of a loop or block of the function, whose end
                // then sees its moves (as an arm's that breaks).
                let start = self.fx.0.len();
                self.conditional(|r| r.expr(diverge, Use::Read));
                if !syntax::jumps_out(diverge) {
                    self.leaving(start);
                }
            }
        }
    }

    // ---- expressions ----

    pub fn expr(&mut self, e: &mut Expr, u: Use) {
        // Code `#[cfg]` may remove happens on some builds only: what it
        // assigns or moves, it may not.
        if syntax::may_be_compiled_out(syntax::expr_attrs(e)) {
            // Set aside while the expression is walked (or this would
            // come back here).
            let attrs = syntax::expr_attrs_mut(e).map(std::mem::take);
            self.conditional(|r| r.expr(e, u));
            if let (Some(slot), Some(attrs)) = (syntax::expr_attrs_mut(e), attrs) {
                *slot = attrs;
            }
            return;
        }
        match e {
            Expr::Path(p) => self.path(p, u),
            Expr::Assign(a) => {
                self.deferred_borrow(&a.left, &a.right);
                // `_ = place;` reads nothing and moves nothing, as
                // `let _ = place;` (a value is dropped where it is made).
                let kept = matches!(&*a.left, Expr::Infer(_)) && syntax::is_place(&a.right);
                self.expr(&mut a.right, if kept { Use::Read } else { Use::Consume });
                self.assignee(&mut a.left);
            }
            Expr::Binary(b) => {
                use syn::BinOp::*;
                match b.op {
                    And(_) | Or(_) => {
                        self.expr(&mut b.left, Use::Read);
                        self.conditional(|r| r.expr(&mut b.right, Use::Read));
                    }
                    Eq(_) | Lt(_) | Le(_) | Ne(_) | Ge(_) | Gt(_) => {
                        self.expr(&mut b.left, Use::Read);
                        self.expr(&mut b.right, Use::Read);
                    }
                    AddAssign(_) | SubAssign(_) | MulAssign(_) | DivAssign(_) | RemAssign(_)
                    | BitXorAssign(_) | BitAndAssign(_) | BitOrAssign(_) | ShlAssign(_)
                    | ShrAssign(_) => {
                        self.expr(&mut b.right, Use::Consume);
                        self.expr(&mut b.left, Use::Read);
                        let mut place = &*b.left;
                        while let Expr::Paren(p) = place {
                            place = &p.expr;
                        }
                        let target =
                            syntax::as_ident(place).and_then(|i| self.lookup(&i.to_string()));
                        if let Some(id) = target {
                            self.b.f.bindings[id].assigned = true;
                        }
                    }
                    op => {
                        // An operand that is a variable is most often a
                        // number, copied: inside a closure it does not make
                        // the closure move what it captured (`move ||
                        // g.len() + k`, `k` from `req.id`). Not the left one
                        // of a `+`, which may be a `String` (`s + "!"`).
                        let add = matches!(op, Add(_));
                        for (left, side) in [(true, &mut b.left), (false, &mut b.right)] {
                            let bare = syntax::as_ident(side).is_some() && !(left && add);
                            let before = self.closure_moves;
                            self.expr(side, Use::Consume);
                            if bare {
                                self.closure_moves = before;
                            }
                        }
                    }
                }
            }
            Expr::Unary(un) => {
                // `*b` used by value moves out of `b` when `b` is a `Box`
                // (`let s = *b;`), which only its written type tells;
                // otherwise it copies out of a reference or a guard.
                let inner = match un.op {
                    syn::UnOp::Deref(_) if u == Use::Consume && self.written_box(&un.expr) => {
                        Use::Consume
                    }
                    syn::UnOp::Deref(_) => Use::Read,
                    _ => u,
                };
                self.expr(&mut un.expr, inner);
            }
            Expr::Reference(r) => self.expr(&mut r.expr, Use::Read),
            Expr::RawAddr(r) => self.expr(&mut r.expr, Use::Read),
            Expr::Field(f) => self.expr(&mut f.base, Use::Read),
            Expr::Index(i) => {
                self.expr(&mut i.expr, Use::Read);
                self.expr(&mut i.index, Use::Consume);
            }
            Expr::MethodCall(m) => self.method_call(m),
            Expr::Call(c) => {
                // Calling a `FnOnce` closure moves it: one whose body moves
                // what it captured, or of a type that says `FnOnce`. Any
                // other call of a variable borrows it.
                let once = syntax::as_ident(&c.func)
                    .and_then(|i| self.lookup(&i.to_string()))
                    .is_some_and(|b| self.b.f.bindings[b].fn_once);
                self.expr(&mut c.func, if once { Use::Consume } else { Use::Read });
                // `with_timeout(d, mkevent!(x))`: its event comes back empty
                // when the time runs out (the slot keeps its old value).
                let timeout = matches!(&*c.func, Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "with_timeout"));
                for a in &mut c.args {
                    let event = timeout
                        && matches!(a, Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "mkevent"));
                    let was = std::mem::replace(&mut self.b.in_with_timeout, event);
                    self.expr(a, Use::Consume);
                    self.b.in_with_timeout = was;
                }
            }
            Expr::Macro(m) => {
                if let Some(new) = self.macro_call(&mut m.mac) {
                    *e = new;
                }
            }
            Expr::Closure(c) => self.closure(c),
            Expr::Async(a) => {
                let moved = self.consume();
                let before = self.fx.0.len();
                let flow = self.flow.mark();
                self.closure_depth += 1;
                self.conditional(|r| {
                    r.scoped(|r| {
                        for s in &mut a.block.stmts {
                            r.stmt(s);
                        }
                    })
                });
                self.closure_depth -= 1;
                let captured = self.captured(before, a.capture.is_some(), moved);
                self.flow.lose_since(flow);
                self.captures_moved(&captured);
            }
            Expr::Block(b) => {
                let label = b.label.as_ref().map(|l| l.name.ident.to_string());
                let start = (self.fx.0.len(), self.jumps.len());
                if label.is_some() {
                    self.inner_loops.push((label.clone(), false));
                    self.labeled.push(false);
                }
                if let Some(label) = &label {
                    self.flow.enter(Some(label.clone()), false);
                }
                // A block's value is moved out of its tail, whatever uses
                // it: `{ f }(x)` moves `f`, as `&{ v }` moves `v`.
                self.block(&mut b.block, Use::Consume);
                if b.label.is_some() {
                    self.inner_loops.pop();
                    let left = self.labeled.pop() == Some(true);
                    // Left by its end and by its `break`s.
                    if !syntax::block_diverges(&b.block) {
                        self.flow.exit_here();
                    }
                    let after = self.flow.leave(false, false);
                    self.settle_jumps();
                    if left {
                        self.labeled_block_left(&b.block, start, after);
                    }
                }
            }
            Expr::Unsafe(b) => self.block(&mut b.block, Use::Consume),
            Expr::Const(_) => {}
            Expr::If(i) => {
                let construct = (!jumps_away(Expr::If(i.clone()))).then_some(self.fx.0.len());
                let (then_w, then_fx) = self.scoped(|r| {
                    r.cond(&mut i.cond);
                    let start = r.fx.0.len();
                    // An `if`'s value is moved out of its branch's tail,
                    // whatever uses it, as a block's (`&if c { a } else
                    // { b }` moves `a` or `b`).
                    (
                        r.branch(|r| r.block(&mut i.then_branch, Use::Consume)),
                        start,
                    )
                });
                let then_expr = Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: i.then_branch.clone(),
                });
                if syntax::block_leaves(&i.then_branch) && !syntax::jumps_out(&then_expr) {
                    self.leaving(then_fx);
                }
                let then_w = (!syntax::block_diverges(&i.then_branch)).then_some(then_w);
                if let Some((_, els)) = &mut i.else_branch {
                    let start = self.fx.0.len();
                    let else_w = self.branch(|r| r.expr(els, Use::Consume));
                    if syntax::expr_leaves(els) && !syntax::jumps_out(els) {
                        self.leaving(start);
                    }
                    let else_w = (!syntax::expr_diverges(els)).then_some(else_w);
                    self.written_on_all(&[then_w, else_w], construct);
                } else {
                    let flows = [then_w.map(|w| w.flow), Some(Vec::new())];
                    self.flow.join(&flows);
                    if let Some(start) = construct {
                        self.given_again_where_moved(&flows, start);
                    }
                }
            }
            Expr::Match(m) => {
                let leaves = jumps_away(Expr::Match(m.clone()));
                let moves = m
                    .arms
                    .iter()
                    .any(|a| syntax::binds_by_value(&a.pat, Refutable));
                let all_move = m
                    .arms
                    .iter()
                    .all(|a| syntax::binds_by_value(&a.pat, Refutable));
                if !moves {
                    self.expr(&mut m.expr, Use::Read);
                } else if !all_move && syntax::as_ident(&m.expr).is_some() {
                    // A variable moved by the arms that bind by value only.
                    self.conditional(|r| r.expr(&mut m.expr, Use::Consume));
                } else {
                    self.expr(&mut m.expr, Use::Consume);
                }
                let mut all = Vec::new();
                let arms_start = self.fx.0.len();
                for arm in &mut m.arms {
                    let start = self.fx.0.len();
                    let outer_cfg = self.enter_block_cfgs(&arm.attrs);
                    let w = self.branch(|r| {
                        r.scoped(|r| {
                            r.hide_pat(&arm.pat, Refutable);
                            if let Some((_, g)) = &mut arm.guard {
                                r.expr(g, Use::Read);
                            }
                            // The value is moved out of the arm, as
                            // out of an `if`'s branch.
                            r.expr(&mut arm.body, Use::Consume);
                        })
                    });
                    self.b.block_stmt_cfg.truncate(outer_cfg);
                    if syntax::expr_leaves(&arm.body) && !syntax::jumps_out(&arm.body) {
                        self.leaving(start);
                    }
                    all.push((!syntax::expr_diverges(&arm.body)).then_some(w));
                }
                self.written_on_all(&all, (!leaves).then_some(arms_start));
            }
            Expr::Let(l) => {
                // Inside a condition: the caller scopes the bindings. A
                // variable matched by value is moved only if it matches.
                if !syntax::binds_by_value(&l.pat, Refutable) {
                    self.expr(&mut l.expr, Use::Read);
                } else if syntax::as_ident(&l.expr).is_some() {
                    self.conditional(|r| r.expr(&mut l.expr, Use::Consume));
                } else {
                    self.expr(&mut l.expr, Use::Consume);
                }
                self.hide_pat(&l.pat, Refutable);
            }
            Expr::Loop(l) => {
                let label = l.label.as_ref().map(|l| l.name.ident.to_string());
                let shape = (
                    !syntax::block_diverges(&l.body),
                    false,
                    syntax::hides_jumps(&l.body),
                );
                self.looped(label, shape, |r| r.block(&mut l.body, Use::Read));
            }
            Expr::While(w) => {
                let label = w.label.as_ref().map(|l| l.name.ident.to_string());
                let shape = (
                    !syntax::block_diverges(&w.body),
                    false,
                    syntax::hides_jumps(&w.body),
                );
                self.looped(label, shape, |r| {
                    r.scoped(|r| {
                        r.cond(&mut w.cond);
                        r.flow.exit_here();
                        r.block(&mut w.body, Use::Read);
                    })
                });
            }
            Expr::ForLoop(f) => {
                self.expr(&mut f.expr, Use::Consume);
                let label = f.label.as_ref().map(|l| l.name.ident.to_string());
                let shape = (
                    !syntax::block_diverges(&f.body),
                    true,
                    syntax::hides_jumps(&f.body),
                );
                self.looped(label, shape, |r| {
                    r.scoped(|r| {
                        r.hide_pat(&f.pat, Irrefutable);
                        r.block(&mut f.body, Use::Read);
                    })
                });
            }
            Expr::Break(br) => {
                let span = br.span();
                if let Some(v) = &mut br.expr {
                    self.expr(v, Use::Consume);
                }
                let label = br.label.clone();
                let value = br.expr.take();
                let attrs = br.attrs.clone();
                match self.jump(label.as_ref(), true, value.clone(), span) {
                    // (`#[cfg(..)] break;` keeps its `cfg`.)
                    Some(new) => *e = with_attrs(attrs, new),
                    None => {
                        let name = label.as_ref().map(|l| l.ident.to_string());
                        if let Some(name) = &name {
                            self.left_labeled_block(name);
                        }
                        self.flow.jump(name.as_deref(), true);
                        if let Expr::Break(br) = e {
                            br.expr = value;
                        }
                    }
                }
            }
            Expr::Continue(c) => {
                let span = c.span();
                let label = c.label.clone();
                let attrs = c.attrs.clone();
                if let Some(new) = self.jump(label.as_ref(), false, None, span) {
                    *e = with_attrs(attrs, new);
                } else {
                    let name = label.as_ref().map(|l| l.ident.to_string());
                    self.flow.jump(name.as_deref(), false);
                }
            }
            Expr::Return(r) => {
                if let Some(v) = &mut r.expr {
                    self.expr(v, Use::Consume);
                }
                if self.closure_depth == 0 {
                    let value = r.expr.take();
                    let attrs = std::mem::take(&mut r.attrs);
                    *e = with_attrs(attrs, self.b.return_expr(value, r.return_token.span));
                }
            }
            Expr::Try(t) => {
                let root = self.field_root(&t.expr);
                // `(x.context(..))?`, and `$e?` of a macro's fragment.
                let mut operand = &*t.expr;
                while let Expr::Paren(syn::ExprParen { expr, .. })
                | Expr::Group(syn::ExprGroup { expr, .. }) = operand
                {
                    operand = expr;
                }
                self.tried = matches!(operand, Expr::MethodCall(_));
                self.expr(&mut t.expr, Use::Consume);
                self.tried = false;
                self.slot_field_moved(root);
                if self.closure_depth == 0 {
                    let attrs = std::mem::take(&mut t.attrs);
                    *e = with_attrs(attrs, self.b.try_expr(&t.expr, t.question_token.span));
                }
            }
            Expr::Struct(s) => {
                for field in &mut s.fields {
                    self.spell_out_shorthand(field);
                    self.expr(&mut field.expr, Use::Consume);
                }
                if let Some(rest) = &mut s.rest {
                    self.expr(rest, Use::Read);
                }
            }
            Expr::Tuple(t) => {
                // A tuple is a value made of its elements, which it moves
                // in, whatever uses it: `&(name, 80)` and `(b, 1).0` move
                // `name` and `b` as `let t = (name, 80);` does.
                for x in &mut t.elems {
                    self.expr(x, Use::Consume);
                }
            }
            Expr::Array(a) => {
                for x in &mut a.elems {
                    self.expr(x, Use::Consume);
                }
            }
            Expr::Repeat(r) => self.expr(&mut r.expr, Use::Consume),
            Expr::Cast(c) => self.expr(&mut c.expr, Use::Consume),
            Expr::Range(r) => {
                if let Some(x) = &mut r.start {
                    self.expr(x, Use::Consume);
                }
                if let Some(x) = &mut r.end {
                    self.expr(x, Use::Consume);
                }
            }
            Expr::Paren(p) => self.expr(&mut p.expr, u),
            Expr::Group(g) => self.expr(&mut g.expr, u),
            Expr::Await(a) => self.expr(&mut a.base, u),
            Expr::TryBlock(t) => {
                self.closure_depth += 1;
                self.block(&mut t.block, u);
                self.closure_depth -= 1;
            }
            Expr::Yield(y) => {
                if let Some(x) = &mut y.expr {
                    self.expr(x, Use::Consume);
                }
            }
            Expr::Lit(_) | Expr::Infer(_) | Expr::Verbatim(_) => {}
            _ => {}
        }
    }

    fn cond(&mut self, c: &mut Expr) {
        // `if let P = e && ...`: the bindings go into the enclosing scope,
        // which the caller made for the `then` branch.
        self.expr(c, Use::Read);
        keep_chain_edition(c);
    }

    fn block(&mut self, b: &mut syn::Block, u: Use) {
        self.scoped(|r| {
            // Past a statement that never finishes (`break; eat(y);`) the
            // code is unreachable (rustc warns): walked as code that may
            // not run, its moves as those of a path that left, since they
            // never happen.
            let reached = (b.stmts.iter())
                .position(syntax::stmt_ends)
                .map_or(b.stmts.len(), |i| i + 1);
            let (live, dead) = b.stmts.split_at_mut(reached);
            let n = live.len();
            for (i, s) in live.iter_mut().enumerate() {
                if i + 1 == n && dead.is_empty() {
                    if let Stmt::Expr(e, None) = s {
                        let outer_cfg = r.enter_block_cfgs(syntax::expr_attrs(e));
                        r.expr(e, u);
                        r.b.block_stmt_cfg.truncate(outer_cfg);
                        continue;
                    }
                }
                r.stmt(s);
            }
            if dead.is_empty() {
                return;
            }
            let start = r.fx.0.len();
            r.unsure(|r| {
                let n = dead.len();
                for (i, s) in dead.iter_mut().enumerate() {
                    if i + 1 == n {
                        if let Stmt::Expr(e, None) = s {
                            r.expr(e, u);
                            continue;
                        }
                    }
                    r.stmt(s);
                }
            });
            r.leaving(start);
        });
    }

    fn closure(&mut self, c: &mut syn::ExprClosure) {
        let moved = self.consume();
        let before = self.fx.0.len();
        let flow = self.flow.mark();
        self.closure_depth += 1;
        self.conditional(|r| {
            r.scoped(|r| {
                for p in &c.inputs {
                    r.hide_pat(p, Irrefutable);
                }
                let saved = std::mem::take(&mut r.inner_loops);
                r.expr(&mut c.body, Use::Consume);
                r.inner_loops = saved;
            })
        });
        self.closure_depth -= 1;
        let captured = self.captured(before, c.capture.is_some(), moved);
        // What it moves or assigns, it does when it is called: not followed.
        self.flow.lose_since(flow);
        self.captures_moved(&captured);
    }

    /// A loop: its body (`body` walks it, with a `while`'s condition),
    /// followed by [`Flow`]. Its shape: whether the body's end goes round;
    /// whether the head leaves when its iterator ends (a `for`); whether a
    /// macro in the body may jump where the walk does not see.
    fn looped(
        &mut self,
        label: Option<String>,
        (finishes, via_head, hidden_jumps): (bool, bool, bool),
        body: impl FnOnce(&mut Self),
    ) {
        let start = self.fx.0.len();
        let spine_jumps = self.jumps.len();
        self.inner_loops.push((label.clone(), true));
        self.flow.enter(label, true);
        self.unsure(body);
        let after = self.flow.leave(finishes, via_head);
        self.settle_jumps();
        self.inner_loops.pop();
        if hidden_jumps {
            for (b, _) in &after {
                self.flow.set(*b, Src::ANY);
            }
            return;
        }
        if self.flow.in_loop()
            || self.closure_depth > 0
            || (self.jumps.len() != spine_jumps && self.hidden_paths)
        {
            // Inside another loop, which settles what this one did; in a
            // closure, called later; or jumping out of this code where
            // the jumps are not followed, and each takes the moves the
            // code makes, which must stay moves (a jump followed knows
            // what was moved on its way: see `JumpInfo::moved`).
            return;
        }
        for (b, src) in after {
            if src.has(Src::MOVED) || !src.has(Src::GIVEN) {
                continue;
            }
            // Given a value again on every path that moved it: it used
            // the value it found, and has one after the loop.
            self.used_not_moved(b, start);
            let certain = src == Src::GIVEN && self.cond_depth == 0 && !self.skippable();
            self.fx.push(
                b,
                if certain {
                    Effect::Write
                } else {
                    Effect::MaybeWrite
                },
            );
        }
    }

    /// The slot a tuple field place starts with (`sent.1`, `got.0.1`): a
    /// variable an event made before fills, whose value is an operation's
    /// `(buf, result)`. Not a named field (`s.quota`), which may well be
    /// a `Copy` one read out of a struct that holds a guard.
    fn field_root(&self, e: &Expr) -> Option<BindingId> {
        let mut e = e;
        let mut field = false;
        loop {
            e = match e {
                Expr::Field(f) if matches!(f.member, syn::Member::Unnamed(_)) => {
                    field = true;
                    &f.base
                }
                Expr::Field(_) => return None,
                Expr::Paren(p) => &p.expr,
                Expr::Group(g) => &g.expr,
                _ => break,
            };
        }
        let name = syntax::as_ident(e)?.to_string();
        if !field || name == "self" {
            return None;
        }
        let id = self.lookup(&name)?;
        let slot = (self.b.f.slot_sites.iter()).any(|s| s.roots.contains(&Some(id)));
        slot.then_some(id)
    }

    /// `sent.1?` or `sent.1.unwrap()` moves the result out of an
    /// operation's slot (`root`, from [`field_root`](Self::field_root)):
    /// what is left of it is not kept for its drop at its scope's end,
    /// which a partly moved variable cannot be (rustc's "use of partially
    /// moved value" at the next twait); it is dropped there. (A slot read
    /// after the twait is still kept: a field that was copied, not moved,
    /// compiles, and one that was moved is rustc's error.)
    fn slot_field_moved(&mut self, root: Option<BindingId>) {
        if let Some(id) = root {
            let e = self.consume();
            self.effect(id, e);
        }
    }

    fn path(&mut self, p: &mut syn::ExprPath, u: Use) {
        if p.qself.is_some() || p.path.leading_colon.is_some() || p.path.segments.len() != 1 {
            return;
        }
        let seg = &mut p.path.segments[0];
        if !seg.arguments.is_none() {
            return;
        }
        let name = seg.ident.to_string();
        let Some(id) = self.lookup(&name) else {
            return;
        };
        seg.ident = self.b.use_ident(id, seg.ident.span());
        let e = match u {
            Use::Consume => self.consume(),
            Use::Read => Effect::Read,
        };
        self.effect(id, e);
    }

    /// `x = &v[0]` for an `x` declared without a value: what a `let` with
    /// that value would say of `x` (a reference or a view, with no drop of
    /// its own, that may not be kept across a twait), said at its value.
    fn deferred_borrow(&mut self, left: &Expr, right: &Expr) {
        let Some(id) = syntax::as_ident(left).and_then(|i| self.lookup(&i.to_string())) else {
            return;
        };
        if !self.b.f.bindings[id].deferred || syntax::is_guard(right) {
            return;
        }
        let Some((root, how)) = syntax::borrow_root(right) else {
            return;
        };
        if self.lookup(&root.to_string()).is_some() {
            let binding = &mut self.b.f.bindings[id];
            binding.trivial = true;
            binding.borrow = Some(format!("it borrows `{root}` ({how})"));
        }
    }

    /// A shorthand field `S { x }` (in a struct literal, or a struct
    /// pattern assigned to) of a renamed `x`: spelled out as `x: x_2`, so
    /// that the field keeps its name when the variable is renamed.
    fn spell_out_shorthand(&self, field: &mut syn::FieldValue) {
        if field.colon_token.is_some() {
            return;
        }
        if let syn::Member::Named(name) = &field.member {
            let renamed = self
                .lookup(&name.to_string())
                .is_some_and(|b| self.b.is_renamed(b));
            if renamed {
                field.colon_token = Some(Default::default());
                field.expr = syn::parse_quote!(#name);
            }
        }
    }

    /// The left side of `=`.
    fn assignee(&mut self, left: &mut Expr) {
        if let Some(ident) = syntax::as_ident(left).cloned() {
            let name = ident.to_string();
            if let Some(id) = self.lookup(&name) {
                if let Expr::Path(p) = left {
                    p.path.segments[0].ident = self.b.use_ident(id, ident.span());
                }
                // Inside a closure or an `async` block, the assignment
                // captures the variable, which needs its value then (it
                // is assigned when the closure is called, if ever).
                if self.closure_depth > 0 {
                    self.effect(id, Effect::Read);
                }
                // Certain only on every path: not under a condition, nor
                // in a labeled block a `break` may leave before it.
                let e = if self.cond_depth == 0 && !self.skippable() {
                    Effect::Write
                } else {
                    Effect::MaybeWrite
                };
                self.effect(id, e);
                self.flow.set(id, Src::GIVEN);
                self.path_writes.push(id);
                self.b.f.bindings[id].assigned = true;
                return;
            }
        }
        match left {
            // Destructuring assignment: `(a, b) = ..`, `[a, .., b] = ..`,
            // `S { x: a, .. } = ..`, `W(a) = ..` each write the places they
            // name, as `a = ..` does.
            Expr::Tuple(t) => {
                for x in &mut t.elems {
                    self.assignee(x);
                }
            }
            Expr::Array(a) => {
                for x in &mut a.elems {
                    self.assignee(x);
                }
            }
            Expr::Struct(s) => {
                for field in &mut s.fields {
                    self.spell_out_shorthand(field);
                    self.assignee(&mut field.expr);
                }
                // `S { .. } = ..`: the rest is `..`, with nothing to read.
                if let Some(rest) = &mut s.rest {
                    self.assignee(rest);
                }
            }
            // `W(a, b) = ..`: the path names the tuple struct, not a
            // variable; the arguments are the places written.
            Expr::Call(c) => {
                for x in &mut c.args {
                    self.assignee(x);
                }
            }
            Expr::Paren(p) => self.assignee(&mut p.expr),
            // `..` of `(a, ..)` or `[a, .., b]`.
            Expr::Range(r) if r.start.is_none() && r.end.is_none() => {}
            Expr::Infer(_) => {}
            other => self.expr(other, Use::Read),
        }
    }

    fn method_call(&mut self, m: &mut syn::ExprMethodCall) {
        let method = m.method.to_string();
        // (Taken first: the flag is this call's only, whatever it is.)
        let tried = std::mem::take(&mut self.tried);
        let consumes = syntax::consumes_receiver(&method)
            || (tried && syntax::consumes_receiver_tried(&method));
        if let Some(ident) = syntax::as_ident(&m.receiver).cloned() {
            if let Some(id) = self.lookup(&ident.to_string()) {
                if let Expr::Path(p) = &mut *m.receiver {
                    p.path.segments[0].ident = self.b.use_ident(id, ident.span());
                }
                let binding = &self.b.f.bindings[id];
                // Inside a `twait! {}` block, a call that takes an event made
                // there starts an operation: its receiver is handed to it
                // when nothing after the wait uses it (a by-value `self` or
                // `self: Rc<Self>` must compile; see `ir::Effect::Receiver`),
                // unless the variable is known to hold one of tame's
                // handles, whose operations borrow.
                let starts_operation = self.b.in_wait.is_some()
                    && self.closure_depth == 0
                    && !binding.tame_handle
                    && m.args.iter().any(makes_event);
                let e = if consumes
                    || (binding.iterator && syntax::consumes_iterator(&method, m.args.len()))
                    || (binding.timer && matches!(method.as_str(), "cancel" | "detach"))
                    || (starts_operation
                        && m.args.iter().any(|a| macros::refills_receiver(a, &ident)))
                    || (syntax::reader_consumes(&method)
                        && (binding.reader || binding.ty.as_ref().is_some_and(syntax::reader_type)))
                {
                    self.consume()
                } else if starts_operation {
                    Effect::Receiver
                } else {
                    Effect::Read
                };
                self.effect(id, e);
            }
        } else {
            let root = self.field_root(&m.receiver);
            self.expr(&mut m.receiver, Use::Read);
            if consumes {
                // `sent.1.unwrap()`, as `sent.1?`.
                self.slot_field_moved(root);
            }
        }
        for a in &mut m.args {
            self.expr(a, Use::Consume);
        }
    }

    /// A `break`/`continue` that leaves for a loop of the spine becomes a
    /// marker (or an error inside a `twait! {}` block).
    fn jump(
        &mut self,
        label: Option<&syn::Lifetime>,
        is_break: bool,
        value: Option<Box<Expr>>,
        span: Span,
    ) -> Option<Expr> {
        if self.closure_depth > 0 {
            return None;
        }
        let stays = match label {
            Some(l) => {
                let name = l.ident.to_string();
                self.inner_loops
                    .iter()
                    .any(|(n, _)| n.as_deref() == Some(&name))
            }
            None => self.inner_loops.iter().any(|(_, is_loop)| *is_loop),
        };
        if stays {
            return None;
        }
        let target = self.b.jump_target(label, span)?;
        if self.b.in_wait.is_some() {
            let (what, instead) = if is_break {
                (
                    "break",
                    "set a flag in the block and `break` after the twait!",
                )
            } else {
                (
                    "continue",
                    "set a flag in the block and `continue` after the twait!",
                )
            };
            self.b.errors.push(syn::Error::new(
                span,
                format!(
                    "`{what}` cannot leave a twait! {{ ... }} block: the block must finish so the \
                     wait can begin; {instead}"
                ),
            ));
            return None;
        }
        let k = self.b.f.jumps.len();
        // (Not one moved again since.)
        let mut writes = self.path_writes.clone();
        writes.retain(|&b| !self.flow.source(b).has(Src::MOVED));
        let dest = if is_break {
            self.b.f.loops[target].dest
        } else {
            None
        };
        writes.extend(dest);
        let hidden = self.hidden.iter().flatten().cloned().collect();
        self.b.f.jumps.push(JumpInfo {
            target,
            is_break,
            writes,
            hidden,
            moved: None,
        });
        self.jumps.push(k);
        self.flow.jump_out(k);
        self.settle_jumps();
        let marker = jump_marker(k);
        // `break;` out of a loop whose value is used gives it `()`, as in
        // Rust (where it is a type error unless the loop's value is `()`).
        let value = match (dest, value) {
            (Some(_), None) => Some(Box::new(syn::parse_quote_spanned!(span=> ()))),
            (_, value) => value,
        };
        match (dest, value) {
            (Some(d), Some(v)) => {
                let e = if self.cond_depth == 0 {
                    Effect::Write
                } else {
                    Effect::MaybeWrite
                };
                self.fx.push(d, e);
                let d = self.b.f.bindings[d].ident.clone();
                Some(syn::parse_quote_spanned!(span=> { #d = #v; #marker }))
            }
            // A loop whose value is discarded (see `direct_jump`).
            (None, Some(v)) => Some(syn::parse_quote_spanned!(span=> {
                ::tame::__private::discard(#v);
                #marker
            })),
            (_, None) => Some(marker),
        }
    }
}
/// `__tame_jump!(k)`: replaced by `emit` with the jump to its target.
pub fn jump_marker(k: usize) -> Expr {
    let name = Ident::new("__tame_jump", Span::mixed_site());
    let lit = proc_macro2::Literal::usize_unsuffixed(k);
    syn::parse_quote!(#name!(#lit))
}

/// The jump number of a `__tame_jump!(k)` marker.
pub fn as_jump_marker(e: &Expr) -> Option<usize> {
    match e {
        Expr::Macro(m) if m.mac.path.is_ident("__tame_jump") => {
            syn::parse2::<syn::LitInt>(m.mac.tokens.clone())
                .ok()?
                .base10_parse()
                .ok()
        }
        _ => None,
    }
}

/// In a let chain, each `let`'s scrutinee in parentheses spanned at its
/// `let`: rustc takes a `let`'s edition from a span that ends at its
/// scrutinee, and a variable there the translator renamed (a shadowing
/// one, `let g = Some(g); if let Some(x) = g.take() && c`) carries the
/// macro crate's, which would refuse the chain in a 2024 crate. A place in
/// parentheses is the same place.
fn keep_chain_edition(c: &mut Expr) {
    fn is_chain(e: &Expr) -> bool {
        matches!(e, Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)))
    }
    fn wrap(e: &mut Expr) {
        match e {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                wrap(&mut b.left);
                wrap(&mut b.right);
            }
            Expr::Let(l) if !matches!(*l.expr, Expr::Paren(_)) => {
                let span = l.let_token.span;
                let inner = std::mem::replace(&mut *l.expr, Expr::Verbatim(Default::default()));
                *l.expr = Expr::Paren(syn::ExprParen {
                    attrs: Vec::new(),
                    paren_token: syn::token::Paren(span),
                    expr: Box::new(inner),
                });
            }
            _ => {}
        }
    }
    if is_chain(c) {
        wrap(c);
    }
}

/// `e`, rewritten from an expression that had `attrs` (`#[cfg(..)] return
/// x;`): the attributes go on a block around it, so that they still apply.
fn with_attrs(attrs: Vec<syn::Attribute>, e: Expr) -> Expr {
    if attrs.is_empty() {
        return e;
    }
    syn::parse_quote!(#(#attrs)* { #e })
}

/// Whether `e` (an `if` or `match`) holds a `break` or `continue` that may
/// leave it, written out or in a macro of the user's (see
/// [`syntax::hides_jumps`]).
fn jumps_away(e: Expr) -> bool {
    syntax::jumps_out(&e)
        || syntax::hides_jumps(&syn::Block {
            brace_token: Default::default(),
            stmts: vec![syn::Stmt::Expr(e, None)],
        })
}
