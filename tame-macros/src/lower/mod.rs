//! Lower: cut the body into numbered states at its twaits.
//!
//! Only the *spine* of the body is cut: the statements that contain a
//! `twait!`, and the `if`/`match`/loops/blocks around them. Everything else
//! stays ordinary Rust inside one state's code. The states are:
//!
//! * the entry (state 0),
//! * one after each `twait!` (its resume point),
//! * one at the head of each loop that contains a `twait!`,
//! * one after each `if`/`match`/loop/block that contains a `twait!` and is
//!   followed by more statements (the point where its branches join).
//!
//! Each state's code ends in a jump to another state (or the end of the
//! function). `while`, `while let` and `for` are lowered as `loop` with an
//! `if`/`match` at its head. Names are resolved as they are declared, so
//! every use in the code is a binding id (liveness works on those).

use std::collections::HashSet;
use std::rc::Rc;

use proc_macro2::{Ident, Span};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Pat, Stmt};

use crate::check::Errors;
use crate::names::{pattern_bindings, FreeNames, PatBinding};
use crate::parse::{self, TwaitForm, Which};
use crate::rewrite::Events;

pub type BindingId = usize;
pub type StateId = usize;

/// A variable of the tamed function.
pub struct Binding {
    pub ident: Ident,
    /// Where errors about it point.
    pub span: Span,
    pub mutable: bool,
    /// `_guard`-style: kept to the end of its scope for its `Drop`.
    pub guard: bool,
    /// Why keeping it across a twait cannot work, if it looks like a borrow.
    pub borrow: Option<String>,
    pub ty: Option<syn::Type>,
    /// Made by the translator (slot lists, iterators, twait results).
    pub synthetic: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    State(StateId),
    /// The end of the function.
    Return,
}

/// A loop (or labeled block) of the spine that `break`/`continue` can target.
#[derive(Clone)]
pub struct LoopCtx {
    pub label: Option<String>,
    pub is_loop: bool,
    pub head: Target,
    pub exit: Target,
}

pub struct StmtNode {
    pub stmt: Stmt,
    pub uses: Vec<BindingId>,
    pub defs: Vec<BindingId>,
    pub kills: Vec<BindingId>,
    /// Where `break`/`continue` inside it jump to.
    pub jumps: Vec<Target>,
    pub loops: Rc<Vec<LoopCtx>>,
    pub env: Rc<Vec<BindingId>>,
}

pub struct ArmNode {
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub guard_uses: Vec<BindingId>,
    pub defs: Vec<BindingId>,
    pub body: Vec<Node>,
}

pub enum Node {
    Stmt(StmtNode),
    Block(Vec<Node>),
    If {
        cond: Expr,
        uses: Vec<BindingId>,
        defs: Vec<BindingId>,
        then: Vec<Node>,
        els: Vec<Node>,
    },
    Match {
        expr: Expr,
        uses: Vec<BindingId>,
        arms: Vec<ArmNode>,
    },
    Goto {
        target: Target,
        env: Rc<Vec<BindingId>>,
        span: Span,
    },
    /// The start of a state after `twait! { ... }`: wait for the join.
    /// `keep`: variables the block only borrowed (`conn.read(..)`,
    /// `&buf`), kept alive until the wait is over: an operation started
    /// in the block must not lose its socket at the twait.
    WaitJoin {
        state: StateId,
        site: usize,
        keep: Vec<BindingId>,
    },
    /// The start of a state after `twait!(r)`: take the next id into `tmp`.
    PollRendezvous {
        state: StateId,
        rendezvous: Expr,
        uses: Vec<BindingId>,
        tmp: BindingId,
        site: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    Entry,
    AfterTwait,
    LoopHead,
    Join,
}

pub struct State {
    pub kind: StateKind,
    /// Bindings in scope where the state begins.
    pub env: Rc<Vec<BindingId>>,
    pub code: Vec<Node>,
}

/// The lowered function.
pub struct Lowered {
    pub bindings: Vec<Binding>,
    pub states: Vec<State>,
    /// Spans of the twait sites, for their `TwaitSite` statics.
    pub sites: Vec<Span>,
    /// Parameters carried into the entry state: (binding, outer name).
    pub params: Vec<(BindingId, Ident)>,
    /// States in the order their code begins in the source: the order of
    /// the match arms.
    pub order: Vec<StateId>,
    /// The items (`use`, `const`, `fn`, `struct`, ...) declared in the
    /// spine's blocks, moved to the function's top: every state sees them.
    pub items: Vec<Stmt>,
}

pub struct Lowerer<'a> {
    pub bindings: Vec<Binding>,
    pub states: Vec<State>,
    sites: Vec<Span>,
    env: Vec<BindingId>,
    scope_marks: Vec<usize>,
    loops: Vec<LoopCtx>,
    events: &'a Events,
    errors: &'a mut Errors,
    tmp_counter: usize,
    order: Vec<StateId>,
    items: Vec<Stmt>,
    /// Rendezvous sites whose values some `twait!(r)` stores.
    stored_sites: HashSet<usize>,
}

mod borrows;
mod hoist;
mod jumps;

use borrows::{borrow_root, borrowed_only};
use hoist::hoist;
pub use jumps::{find_jumps, jump_target};

impl<'a> Lowerer<'a> {
    pub fn new(events: &'a Events, errors: &'a mut Errors) -> Self {
        Lowerer {
            bindings: Vec::new(),
            states: Vec::new(),
            sites: Vec::new(),
            env: Vec::new(),
            scope_marks: Vec::new(),
            loops: Vec::new(),
            events,
            errors,
            tmp_counter: 0,
            order: Vec::new(),
            items: Vec::new(),
            stored_sites: HashSet::new(),
        }
    }

    /// Lowers the function: `params` are the parameter bindings (already
    /// simple identifiers), `prelude` the statements that run first (slot
    /// lists, parameter patterns), then the body.
    pub fn lower(mut self, params: Vec<PatBinding>, prelude: Vec<Stmt>, body: &[Stmt]) -> Lowered {
        let mut param_ids = Vec::new();
        for p in params {
            let ident = p.ident.clone();
            let id = self.declare(&p, None, None, false);
            param_ids.push((id, ident));
        }
        let entry = self.new_state(StateKind::Entry, Span::call_site());
        let mut stmts = prelude;
        stmts.extend(body.iter().cloned());
        self.order.push(entry);
        let mut code = Vec::new();
        self.lower_seq(&stmts, &mut code, Target::Return);
        self.states[entry].code = code;
        for (i, site) in self.events.rendezvous_sites.iter().enumerate() {
            if !self.stored_sites.contains(&i) {
                self.errors.push(syn::Error::new(
                    site.span,
                    "this event's value is stored into its slot when `twait!(r)` returns its id, \
                     but this function never waits on that rendezvous with `twait!`; wait on it \
                     here, or make the event without a slot and keep the value another way",
                ));
            }
        }
        Lowered {
            bindings: self.bindings,
            states: self.states,
            sites: self.sites,
            params: param_ids,
            order: self.order,
            items: self.items,
        }
    }

    // ---- scopes and bindings ----

    fn push_scope(&mut self) {
        self.scope_marks.push(self.env.len());
    }

    fn pop_scope(&mut self) {
        let mark = self.scope_marks.pop().unwrap_or(0);
        self.env.truncate(mark);
    }

    fn resolve(&self, name: &str) -> Option<BindingId> {
        self.env
            .iter()
            .rev()
            .copied()
            .find(|&b| self.bindings[b].ident == name)
    }

    fn resolve_all(&self, idents: &[Ident]) -> Vec<BindingId> {
        let mut out: Vec<BindingId> = idents
            .iter()
            .filter_map(|i| self.resolve(&i.to_string()))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn declare(
        &mut self,
        p: &PatBinding,
        ty: Option<syn::Type>,
        borrow: Option<String>,
        synthetic: bool,
    ) -> BindingId {
        let name = p.ident.to_string();
        let guard =
            name.starts_with('_') && name.len() > 1 && !synthetic && !name.starts_with("__tame_");
        let borrow = if p.by_ref {
            Some(format!("`{name}` is bound by reference (`ref`)"))
        } else {
            borrow
        };
        self.bindings.push(Binding {
            ident: p.ident.clone(),
            span: p.ident.span(),
            mutable: p.mutable,
            guard,
            borrow,
            ty,
            synthetic,
        });
        let id = self.bindings.len() - 1;
        self.env.push(id);
        id
    }

    fn synthetic(
        &mut self,
        base: &str,
        mutable: bool,
        borrow: Option<String>,
    ) -> (BindingId, Ident) {
        let ident = Ident::new(
            &format!("__tame_{base}_{}", self.tmp_counter),
            Span::mixed_site(),
        );
        self.tmp_counter += 1;
        let p = PatBinding {
            ident: ident.clone(),
            mutable,
            by_ref: false,
        };
        (self.declare(&p, None, borrow, true), ident)
    }

    fn new_state(&mut self, kind: StateKind, span: Span) -> StateId {
        let _ = span;
        self.states.push(State {
            kind,
            env: Rc::new(self.env.clone()),
            code: Vec::new(),
        });
        self.states.len() - 1
    }

    fn goto(&self, target: Target, span: Span) -> Node {
        Node::Goto {
            target,
            env: Rc::new(self.env.clone()),
            span,
        }
    }

    fn new_site(&mut self, span: Span) -> usize {
        self.sites.push(span);
        self.sites.len() - 1
    }

    // ---- sequences ----

    fn lower_seq(&mut self, stmts: &[Stmt], out: &mut Vec<Node>, after: Target) {
        let mut end_span = Span::call_site();
        for (i, stmt) in stmts.iter().enumerate() {
            let rest = &stmts[i + 1..];
            end_span = stmt.span();
            if let Some((mac, which)) = parse::stmt_macro(stmt) {
                match which {
                    Which::Twait => {
                        match parse::twait_form(mac) {
                            Ok(TwaitForm::Block(_)) => {
                                self.lower_twait_block(&mac.tokens, mac.span(), out, rest, after)
                            }
                            Ok(TwaitForm::Rendezvous(r)) => {
                                self.lower_poll(r, mac.span(), None, out, rest, after)
                            }
                            Err(e) => self.errors.push(e),
                        }
                        return;
                    }
                    Which::Tvars => {
                        if let Ok(mut lets) = parse::tvars_stmts(mac) {
                            lets.extend(rest.iter().cloned());
                            self.lower_seq(&lets, out, after);
                        }
                        return;
                    }
                    Which::Mkevent => {}
                }
            }
            if let Stmt::Item(_) = stmt {
                // Items are visible in their whole block, before and after
                // the twaits that cut it into states: declare them once,
                // outside the states.
                self.items.push(stmt.clone());
                continue;
            }
            if !contains_twait(stmt) {
                let node = self.plain(stmt.clone());
                out.push(node);
                if matches!(
                    stmt,
                    Stmt::Expr(Expr::Break(_) | Expr::Continue(_) | Expr::Return(_), _)
                ) {
                    // The statement itself leaves the sequence.
                    return;
                }
                continue;
            }
            // A guard would hide that lowering happens; keep the `if`.
            #[allow(clippy::collapsible_match)]
            match stmt {
                Stmt::Expr(e, _) => {
                    if self.lower_compound(e, out, rest, after) {
                        return;
                    }
                }
                Stmt::Local(l)
                    if l.init.as_ref().is_some_and(|i| {
                        i.diverge.as_ref().is_some_and(|d| contains_twait(&d.1))
                    }) =>
                {
                    self.errors.spanned(
                        l,
                        "twait! cannot be used in the `else` of a `let ... else`; use a `match` instead",
                    );
                    return;
                }
                _ => {}
            }
            // A twait!(r) inside the statement's expression: wait first,
            // then run the statement with the result in its place.
            match hoist(stmt) {
                Ok((rewritten, rendezvous, tmp, span)) => {
                    let mut then = vec![rewritten];
                    then.extend(rest.iter().cloned());
                    self.lower_poll(rendezvous, span, Some(tmp), out, &then, after);
                }
                Err(e) => self.errors.push(e),
            }
            return;
        }
        out.push(self.goto(after, end_span));
    }

    /// A statement with no twait: ordinary code of the current state.
    fn plain(&mut self, stmt: Stmt) -> Node {
        let mut kills = Vec::new();
        let uses = match &stmt {
            Stmt::Expr(Expr::Assign(a), _) if as_ident(&a.left).is_some() => {
                let name = as_ident(&a.left).map(|i| i.to_string()).unwrap_or_default();
                kills.extend(self.resolve(&name));
                self.resolve_all(&FreeNames::of_expr(&a.right))
            }
            other => self.resolve_all(&FreeNames::of_stmt(other)),
        };
        let jumps = find_jumps(&stmt, &self.loops);
        // The env a jump inside the statement sees: before its own `let`.
        let env = Rc::new(self.env.clone());
        let mut defs = Vec::new();
        if let Stmt::Local(l) = &stmt {
            let borrow = l.init.as_ref().and_then(|i| self.borrow_hint(&i.expr));
            let ty = match &l.pat {
                Pat::Type(t) => Some((*t.ty).clone()),
                _ => None,
            };
            for b in pattern_bindings(&l.pat) {
                defs.push(self.declare(&b, ty.clone(), borrow.clone(), false));
            }
        }
        Node::Stmt(StmtNode {
            stmt,
            uses,
            defs,
            kills,
            jumps,
            loops: Rc::new(self.loops.clone()),
            env,
        })
    }

    /// Why a `let` initializer looks like a borrow of another variable.
    fn borrow_hint(&self, init: &Expr) -> Option<String> {
        let (root, how) = borrow_root(init)?;
        let b = self.resolve(&root.to_string())?;
        let _ = b;
        Some(format!("it borrows `{root}` ({how})"))
    }

    // ---- twait ----

    fn lower_twait_block(
        &mut self,
        tokens: &proc_macro2::TokenStream,
        span: Span,
        out: &mut Vec<Node>,
        rest: &[Stmt],
        after: Target,
    ) {
        let Ok(index) =
            syn::parse2::<syn::LitInt>(tokens.clone()).and_then(|l| l.base10_parse::<usize>())
        else {
            self.errors.push(syn::Error::new(
                span,
                "internal error: twait! block was not rewritten",
            ));
            return;
        };
        let events = self.events;
        let block = &events.blocks[index];
        for list in &block.lists {
            let decl: Stmt = syn::parse_quote!(let mut #list = ::tame::__private::SlotList::new(););
            let node = self.plain(decl);
            out.push(node);
            // The list is the translator's, never a user's borrow or guard.
            if let Some(&id) = self.env.last() {
                self.bindings[id].synthetic = true;
            }
        }
        let stmts = &block.stmts;
        let keep: Vec<BindingId> = borrowed_only(stmts)
            .iter()
            .filter_map(|name| self.resolve(name))
            .filter(|&b| !self.bindings[b].synthetic)
            .collect();
        let run: Stmt = syn::parse_quote_spanned!(span=> #[allow(unused_braces)] { #(#stmts)* });
        let node = self.plain(run);
        out.push(node);
        let state = self.new_state(StateKind::AfterTwait, span);
        out.push(self.goto(Target::State(state), span));
        let site = self.new_site(span);
        self.order.push(state);
        let mut code = vec![Node::WaitJoin { state, site, keep }];
        for store in &block.stores {
            let node = self.plain(store.clone());
            code.push(node);
        }
        self.lower_seq(rest, &mut code, after);
        self.states[state].code = code;
    }

    fn lower_poll(
        &mut self,
        rendezvous: Expr,
        span: Span,
        tmp: Option<Ident>,
        out: &mut Vec<Node>,
        rest: &[Stmt],
        after: Target,
    ) {
        let state = self.new_state(StateKind::AfterTwait, span);
        out.push(self.goto(Target::State(state), span));
        let site = self.new_site(span);
        let uses = self.resolve_all(&FreeNames::of_expr(&rendezvous));
        let tmp_id = match tmp {
            Some(ident) => {
                let p = PatBinding {
                    ident,
                    mutable: false,
                    by_ref: false,
                };
                self.declare(&p, None, None, true)
            }
            None => self.synthetic("id", false, None).0,
        };
        let key = crate::rewrite::rendezvous_key(&rendezvous);
        self.order.push(state);
        let mut code = vec![Node::PollRendezvous {
            state,
            rendezvous,
            uses,
            tmp: tmp_id,
            site,
        }];
        let events = self.events;
        for (i, site) in events.rendezvous_sites.iter().enumerate() {
            if site.rendezvous_key != key {
                continue;
            }
            self.stored_sites.insert(i);
            let node = self.plain(site.store.clone());
            code.push(node);
        }
        self.lower_seq(rest, &mut code, after);
        self.states[state].code = code;
    }

    // ---- compound statements ----

    /// Lowers `if`/`match`/loops/blocks whose inside has a twait. Returns
    /// false when the twait is in the statement's head instead (to hoist).
    fn lower_compound(
        &mut self,
        e: &Expr,
        out: &mut Vec<Node>,
        rest: &[Stmt],
        after: Target,
    ) -> bool {
        match e {
            Expr::If(i) if !contains_twait(&i.cond) => {
                self.with_join(out, rest, after, i.span(), |this, out, exit| {
                    this.lower_if(i, out, exit)
                });
                true
            }
            Expr::Match(m) if !contains_twait(&m.expr) => {
                self.with_join(out, rest, after, m.span(), |this, out, exit| {
                    this.lower_match(m, out, exit)
                });
                true
            }
            Expr::While(w) => {
                let cond = &w.cond;
                let body = &w.body;
                let head: Stmt =
                    syn::parse_quote_spanned!(w.span()=> if #cond #body else { break; });
                self.lower_loop(
                    w.label.as_ref(),
                    None,
                    vec![head],
                    w.span(),
                    out,
                    rest,
                    after,
                );
                true
            }
            Expr::Loop(l) => {
                self.lower_loop(
                    l.label.as_ref(),
                    None,
                    l.body.stmts.clone(),
                    l.span(),
                    out,
                    rest,
                    after,
                );
                true
            }
            Expr::ForLoop(f) if !contains_twait(&f.expr) => {
                let borrow = borrow_root(&f.expr).map(|(root, how)| {
                    format!(
                        "the `for` loop iterates over a borrow of `{root}` ({how}); iterate over indices \
                         (`for i in 0..{root}.len()`) or over an owned collection (`{root}.clone()`, `into_iter()`)"
                    )
                });
                let iter = Ident::new(
                    &format!("__tame_iter_{}", self.tmp_counter),
                    Span::mixed_site(),
                );
                self.tmp_counter += 1;
                let expr = &f.expr;
                let pre: Stmt = syn::parse_quote_spanned!(f.expr.span()=>
                    let mut #iter = ::core::iter::IntoIterator::into_iter(#expr);
                );
                let pat = &f.pat;
                let body = &f.body;
                let head: Stmt = syn::parse_quote_spanned!(f.span()=>
                    match ::core::iter::Iterator::next(&mut #iter) {
                        ::core::option::Option::Some(#pat) => #body,
                        ::core::option::Option::None => break,
                    }
                );
                self.lower_loop(
                    f.label.as_ref(),
                    Some((pre, borrow)),
                    vec![head],
                    f.span(),
                    out,
                    rest,
                    after,
                );
                true
            }
            Expr::Block(b) => {
                let label = b.label.as_ref().map(|l| l.name.ident.to_string());
                self.with_join(out, rest, after, b.span(), |this, out, exit| {
                    if let Some(label) = label.clone() {
                        this.loops.push(LoopCtx {
                            label: Some(label),
                            is_loop: false,
                            head: exit,
                            exit,
                        });
                    }
                    this.push_scope();
                    let mut code = Vec::new();
                    this.lower_seq(&b.block.stmts, &mut code, exit);
                    this.pop_scope();
                    out.push(Node::Block(code));
                    if label.is_some() {
                        this.loops.pop();
                    }
                });
                true
            }
            Expr::Unsafe(u) => {
                self.errors.spanned(
                    u.unsafe_token,
                    "twait! cannot be used inside an `unsafe` block; keep the unsafe code in its own block before or after the twait!",
                );
                true
            }
            _ => false,
        }
    }

    /// Runs `f` with the target its branches end in: `after` if nothing
    /// follows, else a new join state whose code is the rest.
    fn with_join(
        &mut self,
        out: &mut Vec<Node>,
        rest: &[Stmt],
        after: Target,
        span: Span,
        f: impl FnOnce(&mut Self, &mut Vec<Node>, Target),
    ) {
        if rest.is_empty() {
            f(self, out, after);
            return;
        }
        let join = self.new_state(StateKind::Join, span);
        f(self, out, Target::State(join));
        self.order.push(join);
        let mut code = Vec::new();
        self.lower_seq(rest, &mut code, after);
        self.states[join].code = code;
    }

    fn lower_if(&mut self, i: &syn::ExprIf, out: &mut Vec<Node>, exit: Target) {
        let uses = self.resolve_all(&FreeNames::of_expr(&i.cond));
        self.push_scope();
        let mut defs = Vec::new();
        for b in let_bindings(&i.cond) {
            defs.push(self.declare(&b, None, None, false));
        }
        let mut then = Vec::new();
        self.lower_seq(&i.then_branch.stmts, &mut then, exit);
        self.pop_scope();
        let mut els = Vec::new();
        match &i.else_branch {
            Some((_, e)) => {
                self.push_scope();
                match &**e {
                    Expr::Block(b) if b.label.is_none() => {
                        self.lower_seq(&b.block.stmts, &mut els, exit)
                    }
                    other => self.lower_seq(&[Stmt::Expr(other.clone(), None)], &mut els, exit),
                }
                self.pop_scope();
            }
            None => els.push(self.goto(exit, i.span())),
        }
        out.push(Node::If {
            cond: (*i.cond).clone(),
            uses,
            defs,
            then,
            els,
        });
    }

    fn lower_match(&mut self, m: &syn::ExprMatch, out: &mut Vec<Node>, exit: Target) {
        let uses = self.resolve_all(&FreeNames::of_expr(&m.expr));
        let borrowed_scrutinee = match &*m.expr {
            Expr::Reference(_) => borrow_root(&m.expr).map(|(root, _)| root.to_string()),
            _ => None,
        };
        let mut arms = Vec::new();
        for arm in &m.arms {
            self.push_scope();
            let mut defs = Vec::new();
            for b in pattern_bindings(&arm.pat) {
                let borrow = borrowed_scrutinee.as_ref().map(|root| {
                    format!(
                        "it is bound from `&{root}`, a borrow; match on an owned value or clone"
                    )
                });
                defs.push(self.declare(&b, None, borrow, false));
            }
            let guard = arm.guard.as_ref().map(|(_, g)| (**g).clone());
            let guard_uses = guard
                .as_ref()
                .map(|g| self.resolve_all(&FreeNames::of_expr(g)))
                .unwrap_or_default();
            let mut body = Vec::new();
            match &*arm.body {
                Expr::Block(b) if b.label.is_none() => {
                    self.lower_seq(&b.block.stmts, &mut body, exit)
                }
                other => self.lower_seq(
                    &[Stmt::Expr(other.clone(), Some(Default::default()))],
                    &mut body,
                    exit,
                ),
            }
            self.pop_scope();
            arms.push(ArmNode {
                pat: arm.pat.clone(),
                guard,
                guard_uses,
                defs,
                body,
            });
        }
        out.push(Node::Match {
            expr: (*m.expr).clone(),
            uses,
            arms,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_loop(
        &mut self,
        label: Option<&syn::Label>,
        pre: Option<(Stmt, Option<String>)>,
        body: Vec<Stmt>,
        span: Span,
        out: &mut Vec<Node>,
        rest: &[Stmt],
        after: Target,
    ) {
        if let Some((pre, borrow)) = pre {
            let node = self.plain(pre);
            // The iterator is the translator's; keep its borrow diagnosis.
            if let Node::Stmt(s) = &node {
                if let (Some(&id), Stmt::Local(l)) = (s.defs.first(), &s.stmt) {
                    self.bindings[id].borrow = borrow;
                    self.bindings[id].synthetic = true;
                    if let Some(init) = &l.init {
                        // Point at the iterated expression, not our code.
                        if let Expr::Call(c) = &*init.expr {
                            if let Some(arg) = c.args.first() {
                                self.bindings[id].span = arg.span();
                            }
                        }
                    }
                }
            }
            out.push(node);
        }
        let join = if rest.is_empty() {
            None
        } else {
            Some(self.new_state(StateKind::Join, span))
        };
        let exit = join.map_or(after, Target::State);
        let head = self.new_state(StateKind::LoopHead, span);
        out.push(self.goto(Target::State(head), span));
        self.loops.push(LoopCtx {
            label: label.map(|l| l.name.ident.to_string()),
            is_loop: true,
            head: Target::State(head),
            exit,
        });
        self.push_scope();
        self.order.push(head);
        let mut code = Vec::new();
        self.lower_seq(&body, &mut code, Target::State(head));
        self.pop_scope();
        self.loops.pop();
        self.states[head].code = code;
        if let Some(join) = join {
            self.order.push(join);
            let mut code = Vec::new();
            self.lower_seq(rest, &mut code, after);
            self.states[join].code = code;
        }
    }
}

fn as_ident(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    }
}

/// The bindings of the `let`s in an `if` condition (`if let P = e && ...`).
fn let_bindings(cond: &Expr) -> Vec<PatBinding> {
    match cond {
        Expr::Let(l) => pattern_bindings(&l.pat),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            let mut v = let_bindings(&b.left);
            v.extend(let_bindings(&b.right));
            v
        }
        Expr::Paren(p) => let_bindings(&p.expr),
        _ => Vec::new(),
    }
}

/// Whether the tokens contain a `twait!` invocation.
pub fn contains_twait(t: &impl ToTokens) -> bool {
    fn scan(ts: proc_macro2::TokenStream) -> bool {
        let mut prev_twait = false;
        for tt in ts {
            match tt {
                proc_macro2::TokenTree::Ident(i) => prev_twait = i == "twait",
                proc_macro2::TokenTree::Punct(p) => {
                    if prev_twait && p.as_char() == '!' {
                        return true;
                    }
                    prev_twait = false;
                }
                proc_macro2::TokenTree::Group(g) => {
                    if scan(g.stream()) {
                        return true;
                    }
                    prev_twait = false;
                }
                proc_macro2::TokenTree::Literal(_) => prev_twait = false,
            }
        }
        false
    }
    scan(t.to_token_stream())
}
