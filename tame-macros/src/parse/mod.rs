//! Parse: a tamed function's tokens → the IR, once.
//!
//! One walk over the body builds the spine ([`crate::ir`]), resolves every
//! name to a binding id (with Rust's scoping: shadowing makes a second
//! binding), resolves which loop each `break`/`continue` leaves for, and
//! normalizes expressions that hold a twait (`normalize.rs`). Later phases
//! never look at the user's tokens again except to copy them.
//!
//! This file walks the signature and the statements; the rest is split by
//! role: `declare.rs` makes bindings of patterns, `borrows.rs` judges what
//! a value borrows or holds, `wait.rs` parses a `twait!`, `events.rs` its
//! `mkevent!`s, `plain.rs` resolves ordinary code and records its effects
//! (`flow.rs` follows its jumps, `macro_calls.rs` reads macro calls),
//! `normalize.rs` splits expressions around twaits, `scope.rs` holds
//! Rust's scoping rules, `macros.rs` recognizes our own macros, and
//! `syntax/` judges what syntax alone tells.

mod borrows;
mod declare;
pub mod events;
mod flow;
pub mod fragments;
mod macro_calls;
pub mod macros;
mod normalize;
pub mod plain;
mod scope;
pub mod syntax;
mod wait;

use std::collections::HashSet;

use proc_macro2::{Ident, Span};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, Pat, ReturnType};

use crate::errors::Errors;
use crate::ir::{
    self, BindingId, BindingKind, Effect, Effects, Function, LoopId, Param, ScopeId, SlotSiteId,
    TempKind, WaitId,
};
use borrows::{bound_fn_once, fn_once_params, mentions_fn_once};
use declare::Unbind;
use macros::Which;
use plain::Resolver;
use wait::{declares_items, wait_value};

/// Builds the IR of one function.
pub struct Builder<'e> {
    pub f: Function,
    pub errors: &'e mut Errors,
    scope: scope::Scopes,
    /// Spine loops around the current point, innermost last.
    loop_stack: Vec<LoopId>,
    /// The lint levels written on the `twait! {}` statement about to be
    /// read, as `allow`s: they go on each of its statements.
    wait_levels: Vec<syn::Attribute>,
    /// Inside a `twait! {}` block: its wait and scope.
    pub in_wait: Option<WaitId>,
    pub wait_scope: Option<ScopeId>,
    /// Slot sites made in the current `twait! {}` block.
    pub wait_lists: Vec<SlotSiteId>,
    /// How many events of `twait! {}` blocks (`mkevent!()`,
    /// `mkevent!(slot)`) were made so far: a block that made none waits
    /// for nothing.
    pub join_events: usize,
    /// Declarations that go to the start of the body (slot lists of
    /// explicit-rendezvous sites).
    prelude: Vec<ir::Stmt>,
    /// Names declared as rendezvous anywhere (for `mkevent!(self.r, ..)`).
    pub rendezvous_names: HashSet<String>,
    /// The task context parameter of the machine.
    pub cx: Ident,
    /// The `Delivery` holding the function's `done` event.
    pub done: Ident,
    /// The function's return type, as written (with its spans).
    ret: Option<syn::Type>,
    /// The body's scope (slot inboxes of explicit sites are declared there).
    body_scope: ScopeId,
    temps: usize,
    /// Parse the next `if`/`match` as a construct of the spine although
    /// it has no twait (a [`ir::Promotion`]); taken by the first that looks.
    force_spine: bool,
    /// While a promoted construct is parsed again as a construct of the
    /// spine: the slot sites its parse as ordinary code recorded, which its
    /// `mkevent!`s, met again in the same order, take in turn (both parses
    /// then fill the same slot lists, and either may be the one lowered).
    pub sites_again: Option<std::ops::Range<usize>>,
    /// The `mkevent!` being parsed is `with_timeout`'s event (`with_timeout(d,
    /// mkevent!(x))`): on a timeout its event comes back empty.
    pub in_with_timeout: bool,
    /// The `#[cfg(..)]`s of the `twait! {}` block's statement being
    /// parsed (see [`ir::SlotSite::stmt_cfg`]).
    pub block_stmt_cfg: Vec<syn::Attribute>,
    /// The next `let`'s bindings are judged (borrows, drops) by this
    /// initializer rather than the one written: the user's, where a
    /// waiting `let .. else` binds out of a temporary holding its value.
    judged_init: Option<Expr>,
    /// The type the next temporary is declared with: a typed `let`'s, whose
    /// value a waiting `if`/`match` gives (`let b: Box<dyn Fn()> = if c {
    /// twait!{..}; Box::new(f) } else { Box::new(g) };`), so that each
    /// branch's value is coerced to it, as the `let` would.
    temp_type: Option<syn::Type>,
    /// The variables the next `let`'s initializer moves (a closure that
    /// moves a variable it mentions captures it by value: it owns it, and
    /// does not borrow it).
    init_moves: Vec<BindingId>,
    /// Every identifier the body spells: a name the translator makes up
    /// for a variable of its own must be none of them, or the user's
    /// variable of that name would resolve to it.
    user_names: HashSet<String>,
    /// The function's type parameters bound by `FnOnce`: what is taken
    /// out of a variable whose written type holds one may be a `FnOnce`
    /// (`for f in fs` of `fs: Vec<F>`).
    pub fn_once_params: Vec<Ident>,
}

/// Where the value of an expression goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dest {
    Discard,
    Assign(BindingId),
    /// The function's result (`return`).
    Return,
}

/// Parses the function; `f` is the user's function with its signature
/// already adjusted by the caller (see `tamed.rs`), `body` its body.
pub fn function(f: &ItemFn, errors: &mut Errors) -> Function {
    let returns_value = match &f.sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => !matches!(&**ty, syn::Type::Tuple(t) if t.elems.is_empty()),
    };
    let try_shaped =
        returns_value && try_shaped(&f.sig.output) && syntax::may_leave_early(&f.block);
    let mut b = Builder {
        f: Function {
            name: f.sig.ident.to_string(),
            bindings: Vec::new(),
            scopes: Vec::new(),
            params: Vec::new(),
            body: ir::Block {
                scope: 0,
                stmts: Vec::new(),
            },
            loops: Vec::new(),
            waits: Vec::new(),
            slot_sites: Vec::new(),
            jumps: Vec::new(),
            items: Vec::new(),
            scope_items: Vec::new(),
            nested_items: Vec::new(),
            returns_value,
            try_shaped,
            unsafe_waits: false,
            promotions: 0,
            cfg_shadows: Vec::new(),
        },
        errors,
        scope: scope::Scopes::default(),
        loop_stack: Vec::new(),
        wait_levels: Vec::new(),
        in_wait: None,
        wait_scope: None,
        wait_lists: Vec::new(),
        join_events: 0,
        prelude: Vec::new(),
        rendezvous_names: HashSet::new(),
        cx: syntax::hygienic("__tame_cx"),
        done: syntax::hygienic("__tame_done"),
        // (Not written again where the body's items would change what it
        // means: see `syntax::has_items`.)
        ret: match &f.sig.output {
            ReturnType::Type(_, ty) if returns_value && !syntax::has_items(&f.block) => {
                Some((**ty).clone())
            }
            _ => None,
        },
        body_scope: 0,
        judged_init: None,
        temp_type: None,
        init_moves: Vec::new(),
        user_names: {
            let mut names = Vec::new();
            for tt in f.block.to_token_stream() {
                collect_idents(tt, &mut names);
            }
            // (As the variables are named: `r#x` is `x`, which a name of
            // ours made from it must not take.)
            names
                .into_iter()
                .map(|n| {
                    n.strip_prefix("r#")
                        .map_or_else(|| n.clone(), str::to_owned)
                })
                .collect()
        },
        fn_once_params: fn_once_params(&f.sig.generics),
        temps: 0,
        force_spine: false,
        sites_again: None,
        in_with_timeout: false,
        block_stmt_cfg: Vec::new(),
    };
    b.push_scope(); // the parameters'
    let mut prelude_lets = Vec::new();
    b.params(f, &mut prelude_lets);
    let body_scope = b.push_scope();
    b.body_scope = body_scope;
    let mut stmts = Vec::new();
    for l in prelude_lets {
        b.local(l, &mut stmts);
    }
    let mut user = f.block.stmts.clone();
    if let Some(first) = user.first() {
        if let Some((mac, Which::Tvars)) = macros::stmt_macro(first) {
            let (lets, error) = macros::tvars_stmts(mac);
            if let Some(e) = error {
                b.errors.push(e);
            }
            user.remove(0);
            user.splice(0..0, lets);
        }
    }
    let dest = if returns_value {
        Dest::Return
    } else {
        Dest::Discard
    };
    b.stmts(user, dest, &mut stmts);
    b.f.scopes = b.scope.parents.clone();
    b.check_slot_owners();
    let mut all = std::mem::take(&mut b.prelude);
    all.extend(stmts);
    b.pop_scope();
    b.pop_scope();
    b.f.body = ir::Block {
        scope: body_scope,
        stmts: all,
    };
    b.f.scopes = b.scope.parents.clone();
    b.f
}

impl Builder<'_> {
    // ---- scopes and bindings (the rules live in scope.rs) ----

    fn push_scope(&mut self) -> ScopeId {
        self.scope.push()
    }

    fn pop_scope(&mut self) {
        self.scope.pop();
    }

    /// The user binding a name refers to at this point.
    pub fn resolve(&self, name: &str) -> Option<BindingId> {
        self.scope
            .resolve(name)
            .or_else(|| self.scope.resolve_renamed(name, &self.f.bindings))
    }

    /// A binding's identifier as written at `span` (its hygiene, the use's
    /// location).
    pub fn use_ident(&self, id: BindingId, span: Span) -> Ident {
        let ident = &self.f.bindings[id].ident;
        syntax::ident_named(&ident.to_string(), span.resolved_at(ident.span()))
    }

    pub fn is_renamed(&self, id: BindingId) -> bool {
        self.scope.renamed.contains(&id)
    }

    /// An explicit-rendezvous slot is stored when `twait!(r)` returns its
    /// id: a function that never waits on `r` would never see the value.
    fn check_slot_owners(&mut self) {
        for site in &self.f.slot_sites {
            let ir::SlotOwner::Rendezvous(key) = &site.owner else {
                continue;
            };
            let waited =
                self.f.waits.iter().any(
                    |w| matches!(&w.kind, ir::WaitKind::Rendezvous { key: k, .. } if k == key),
                );
            if !waited {
                let msg = match key {
                    // `rs[i]`: no variable names the rendezvous, so a wait is
                    // paired with it by the expression as written.
                    ir::RendezvousKey::Tokens(t, _) => format!(
                        "this event's value is stored into its slot when `twait!` on its \
                         rendezvous returns its id, and a rendezvous written `{t}` is waited \
                         on only by a `twait!({t})` written the same way (the translator pairs \
                         them by the expression); wait with that expression, or move the \
                         rendezvous into a variable of its own first (`let [r0, r1] = rs;`: a \
                         borrow, `&rs[0]`, cannot be kept across a twait)"
                    ),
                    ir::RendezvousKey::Binding(..) => "this event's value is stored into its \
                        slot when `twait!(r)` returns its id, but this function never waits on \
                        that rendezvous with `twait!`; wait on it here, or make the event \
                        without a slot and keep the value another way"
                        .to_owned(),
                };
                self.errors.push(syn::Error::new(site.span, msg));
                continue;
            }
            // Every `twait!(r)` after the variable's declaration stores the
            // slot: each must see the variable.
            let outside = self.f.waits.iter().find(|w| {
                matches!(&w.kind, ir::WaitKind::Rendezvous { key: k, .. } if k == key)
                    && site.roots.iter().flatten().any(|&root| {
                        root < w.bindings_before
                            && !self.f.scope_within(w.scope, self.f.bindings[root].scope)
                    })
            });
            if let (Some(w), Some(&root)) = (outside, site.roots.iter().flatten().next()) {
                let name = &self.f.bindings[root].name;
                let msg = format!(
                    "`{name}` is the slot of an event of a rendezvous, stored at whichever \
                     `twait!` on that rendezvous returns the event's id; the translator cannot \
                     tell which, so every one stores it, but one is outside `{name}`'s scope \
                     (next error). Declare `{name}` where every wait on the rendezvous sees \
                     it, or use a rendezvous of its own for these events"
                );
                self.errors.push(syn::Error::new(site.span, msg));
                self.errors.push(syn::Error::new(
                    w.span,
                    format!("this wait on the rendezvous would store the slot `{name}`, out of its scope here"),
                ));
            }
        }
    }

    // ---- the signature ----

    /// Parameters become bindings of the parameters' scope. A pattern
    /// parameter gets a fresh name and is destructured at the body's start,
    /// and so is every parameter after it (see [`syntax::rebound_params`]).
    fn params(&mut self, f: &ItemFn, prelude: &mut Vec<syn::Local>) {
        let rebound = syntax::rebound_params(&f.sig);
        for (i, input) in f.sig.inputs.iter().enumerate() {
            match input {
                FnArg::Receiver(r) => {
                    // (Hygienic: a user's `__tame_self` is another variable.)
                    let ident = Ident::new("__tame_self", Span::mixed_site());
                    let id = self.f.bindings.len();
                    let (span, scope) = (r.self_token.span, self.scope.current());
                    self.f.bindings.push(ir::Binding {
                        // `mut` in the machine whatever the user wrote: a
                        // change of a `self` that is not `mut` is reported
                        // once, by the lint shadow (which keeps `self`),
                        // not again of `__tame_self` with a `mut` suggested
                        // before `#[tamed]`.
                        mutable: true,
                        // As written (`self: Box<Self>`: `*self` moves out
                        // of the box, as of any `Box` variable), and as the
                        // shorthand `&'static self` means (`&'static Self`:
                        // what borrows from it borrows nothing of the
                        // function's).
                        ty: (r.colon_token.is_some() || r.reference.is_some())
                            .then(|| (*r.ty).clone()),
                        ..ir::Binding::new(ident, "self".into(), span, scope, BindingKind::User)
                    });
                    self.scope.make_visible(id, "self".into());
                    self.f.params.push(Param {
                        binding: id,
                        outer: quote!(self),
                    });
                }
                FnArg::Typed(t) => match &*t.pat {
                    Pat::Ident(p) if !rebound[i] => {
                        let trivial = syntax::trivially_undroppable_type(&t.ty);
                        let rendezvous = syntax::mentions_rendezvous(t.ty.to_token_stream());
                        let (id, _) = self.declare(
                            &p.ident,
                            p.mutability.is_some(),
                            Some((*t.ty).clone()),
                            trivial,
                            None,
                            rendezvous,
                        );
                        self.f.bindings[id].fn_once =
                            mentions_fn_once(&t.ty) || bound_fn_once(&f.sig.generics, &t.ty);
                        self.f.bindings[id].copy = trivial;
                        // A parameter under `#[cfg(..)]` goes with its fields.
                        self.f.bindings[id].cfg = (t.attrs.iter())
                            .filter(|a| a.path().is_ident("cfg"))
                            .cloned()
                            .collect();
                        self.f.bindings[id].lint_levels = syntax::lint_levels(&t.attrs);
                        let outer = p.ident.clone();
                        self.f.params.push(Param {
                            binding: id,
                            outer: quote!(#outer),
                        });
                    }
                    pat => {
                        let arg = syntax::rebound_param_name(&f.sig, i);
                        let id = self.f.bindings.len();
                        let (name, scope) = (format!("arg{i}"), self.scope.current());
                        self.f.bindings.push(ir::Binding {
                            mutable: syntax::binds_ref_mut(pat),
                            ty: Some((*t.ty).clone()),
                            ..ir::Binding::new(
                                arg.clone(),
                                name,
                                pat.span(),
                                scope,
                                BindingKind::User,
                            )
                        });
                        self.scope.make_visible(id, arg.to_string());
                        self.f.params.push(Param {
                            binding: id,
                            outer: quote!(#arg),
                        });
                        let user = pat.clone();
                        let ty = &t.ty;
                        // A type with an `impl Trait` in it cannot be
                        // written on a `let`: inferred from the argument.
                        // Nor can one that names what an item of the body
                        // declares again (`use wire::Message;`): the `let`
                        // stands in the body, the type was read outside it.
                        let hidden = syntax::names_any(ty, &syntax::item_names(&f.block.stmts));
                        let typed = (!syntax::mentions_impl(ty) && !hidden).then_some(&**ty);
                        let l: syn::Stmt = match syntax::unbound_parts_kept(&user, typed, &arg, i) {
                            Some(l) => l,
                            None => match typed {
                                None => syn::parse_quote!(let #user = #arg;),
                                Some(ty) => syn::parse_quote!(let #user: #ty = #arg;),
                            },
                        };
                        // The parameter's lint levels go on the `let` that
                        // binds its names, as the lint shadow's does.
                        if let syn::Stmt::Local(mut l) = l {
                            l.attrs = syntax::lint_levels(&t.attrs);
                            prelude.push(l);
                        }
                    }
                },
            }
        }
    }

    // ---- statements ----

    /// The written type of the variable `e` assigns, when its value is a
    /// waiting `if`, `match` or block (see [`Builder::temp_type`]).
    fn assigned_type(&self, e: &Expr) -> Option<syn::Type> {
        let Expr::Assign(a) = e else { return None };
        if !matches!(&*a.right, Expr::If(_) | Expr::Match(_) | Expr::Block(_))
            || !macros::has_twait(&a.right)
        {
            return None;
        }
        let b = self.resolve(&syntax::as_ident(&a.left)?.to_string())?;
        self.f.bindings[b].ty.clone()
    }

    /// The items of a block of the spine: the function's own go to its
    /// top; an inner block's stay with that block (see
    /// [`ir::Function::scope_items`]) when declaring them again in each
    /// piece of its code changes nothing (`fn`, `const`, `use`, `type`,
    /// `macro_rules!`). A `static` must be one (its value is shared), as
    /// must a type (a value of it may cross a twait) and an `impl`: a
    /// block with one of those keeps all of its items at the function's
    /// top.
    fn items(&mut self, block: &[syn::Stmt]) {
        self.check_macro_definitions(block);
        let items = block.iter().filter_map(|s| match s {
            syn::Stmt::Item(i) => Some(i),
            _ => None,
        });
        let mut items = items.peekable();
        if items.peek().is_none() {
            return;
        }
        let scope = self.scope.current();
        let items: Vec<syn::Item> = items.cloned().collect();
        let stmts = items.iter().cloned().map(syn::Stmt::Item);
        if scope == self.body_scope {
            self.f.items.extend(stmts);
        } else if !syntax::declared_again(&items) {
            self.f.nested_items.extend(stmts);
        } else {
            self.f.scope_items.push((scope, stmts.collect()));
        }
    }

    /// A `macro_rules!` of a block goes to the block's top with its other
    /// items (code after a twait is in another piece, which must see it),
    /// where Rust's scoping of such a macro (textual: from its definition
    /// on, a later one of the same name taking over) would give another
    /// macro to a use before it: those uses, and a second definition of
    /// the name in the block, are refused rather than given the wrong one.
    fn check_macro_definitions(&mut self, block: &[syn::Stmt]) {
        let mut defined: Vec<String> = Vec::new();
        for (i, stmt) in block.iter().enumerate() {
            let syn::Stmt::Item(syn::Item::Macro(m)) = stmt else {
                continue;
            };
            let Some(name) = m
                .ident
                .as_ref()
                .filter(|_| m.mac.path.is_ident("macro_rules"))
            else {
                continue;
            };
            let text = name.to_string();
            if defined.contains(&text) {
                self.errors.push(syn::Error::new(
                    name.span(),
                    format!(
                        "a second `macro_rules! {text}` in this block: #[tamed] moves the macros \
                         a body defines to the top of their block (code after a twait must \
                         see them), where the last definition would take over the uses of the \
                         first; give this macro another name"
                    ),
                ));
                continue;
            }
            defined.push(text.clone());
            let before = block[..i].iter().map(ToTokens::to_token_stream);
            if let Some(span) = before
                .filter_map(|ts| macros::macro_call_in(&ts, &text))
                .next()
            {
                self.errors.push(syn::Error::new(
                    span,
                    format!(
                        "`{text}!` is used before the `macro_rules! {text}` of this block: \
                         #[tamed] moves the macros a body defines to the top of their block \
                         (code after a twait must see them), where that definition would \
                         take this use over from the `{text}` Rust gives it; define the \
                         macro before its first use, or give it another name"
                    ),
                ));
            }
        }
    }

    /// The statements of a block in the current scope; the tail goes to
    /// `dest`.
    fn stmts(&mut self, stmts: Vec<syn::Stmt>, dest: Dest, out: &mut Vec<ir::Stmt>) {
        self.items(&stmts);
        let n = stmts.len();
        let mut had_tail = false;
        for (i, s) in stmts.into_iter().enumerate() {
            let last = i + 1 == n;
            match s {
                syn::Stmt::Item(_) => {}
                syn::Stmt::Local(l) => self.local(l, out),
                syn::Stmt::Macro(m) => match macros::which(&m.mac) {
                    Some(Which::Twait) => {
                        let d = if last && m.semi_token.is_none() {
                            had_tail = true;
                            dest
                        } else {
                            Dest::Discard
                        };
                        // (A `cfg` here is refused by the check.)
                        let mut levels = m.attrs.clone();
                        syntax::machine_attrs(&mut levels);
                        levels.retain(|a| a.path().is_ident("allow"));
                        self.wait_levels = levels;
                        self.twait(&m.mac, d, out);
                    }
                    Some(Which::Tvars) => {}
                    // A macro that declares items (`thread_local!`): with
                    // the body's other items, visible after every twait.
                    _ if declares_items(&m.mac) => self.f.items.push(syn::Stmt::Macro(m)),
                    // One of std's that waits in its arguments
                    // (`assert_eq!(twait!(r), Some(1));`): an expression
                    // whose twaits go first.
                    _ if syntax::takes_expression_args(&m.mac.path)
                        && macros::tokens_mention_twait(&m.mac.tokens) =>
                    {
                        let tail = last && m.semi_token.is_none();
                        let e = Expr::Macro(syn::ExprMacro {
                            attrs: m.attrs,
                            mac: m.mac,
                        });
                        if tail {
                            had_tail = true;
                            self.value(e, dest, out);
                        } else {
                            self.value(e, Dest::Discard, out);
                        }
                    }
                    _ => {
                        let stmt = syn::Stmt::Macro(m);
                        let p = self.plain(stmt);
                        out.push(ir::Stmt::Plain(p));
                    }
                },
                syn::Stmt::Expr(e, semi) => {
                    if last && semi.is_none() {
                        had_tail = true;
                        self.value(e, dest, out);
                    } else {
                        // `f = if c { twait!{..}; a } else { b };` to a
                        // variable of a written type: the branches' values
                        // are coerced to it, as the assignment would.
                        self.temp_type = self.assigned_type(&e);
                        self.value(e, Dest::Discard, out);
                        self.temp_type = None;
                    }
                }
            }
        }
        if !had_tail {
            if let Dest::Assign(t) = dest {
                if !out.last().is_some_and(diverges) {
                    out.push(self.assign(t, syn::parse_quote!(())));
                }
            }
        }
    }

    /// A `let`: its initializer's twaits go first (`normalize.rs`), then
    /// the plain `let`.
    fn local(&mut self, mut l: syn::Local, out: &mut Vec<ir::Stmt>) {
        // Taken at once: it is this `let`'s, whichever way it goes.
        let judged = self.judged_init.take();
        // (Before its twait becomes the machine's temporary.)
        let from_wait = l.init.as_ref().is_some_and(|i| wait_value(&i.expr));
        if let Some(init) = &mut l.init {
            if macros::has_twait(&init.expr) {
                if let (Pat::Type(pt), Expr::If(_) | Expr::Match(_) | Expr::Block(_)) =
                    (&l.pat, &*init.expr)
                {
                    self.temp_type = Some((*pt.ty).clone());
                }
                let start = out.len();
                self.make_twait_free(&mut init.expr, out);
                self.temp_type = None;
                lint_levels_to(&l.attrs, &mut out[start..]);
            }
            let els = init.diverge.as_ref().map(|(_, d)| &**d);
            if els.is_some_and(|d| macros::has_twait(d) || self.else_moves(d)) {
                return self.let_else_waiting(l, out);
            }
        }
        if let Some((held, shown)) = self.extended_temporary(&mut l) {
            let first = self.f.bindings.len();
            self.local(held, out);
            // Named in messages as the user would (`cfg_value`), visible
            // to the code only by the translator's name (a variable of the
            // user's called `cfg_value` is another).
            for b in &mut self.f.bindings[first..] {
                if b.name.starts_with("__tame_") {
                    b.name.clone_from(&shown);
                    b.kept_temporary = true;
                }
            }
        }
        // An `if`/`match` inside the value that moves a variable on some
        // paths and gives a number: into a temporary first.
        if let Some(init) = &mut l.init {
            if init.diverge.is_none() && !macros::has_twait(&init.expr) {
                self.hoist_moving_constructs(&mut init.expr, false, out);
            }
        }
        if self.promoted_let(&l, out) {
            return;
        }
        if let Some(init) = &mut l.init {
            if init.diverge.is_none() {
                self.hoist_moving_constructs(&mut init.expr, true, out);
            }
        }
        let mut r = Resolver::new(self);
        r.local_init(&mut l);
        let (fx, jumps, closure_moves) = (r.fx, r.jumps, r.closure_moves);
        let init = l.init.as_ref().map(|i| (*i.expr).clone());
        // `let run = cb;` of a `FnOnce` closure is one too, and so is one
        // taken out of a collection of them (`let job = queue.pop()?;`).
        let from_once = init.as_ref().is_some_and(|e| self.holds_fn_once(e));
        // A `let` that `#[cfg]` may remove keeps the user's names, so that
        // later uses resolve to whichever binding exists.
        let cfg: Vec<syn::Attribute> = (l.attrs.iter())
            .filter(|a| a.path().is_ident("cfg"))
            .cloned()
            .collect();
        let place = syntax::local_place(&l);
        // Bindings of struct-pattern fields under `#[cfg]`: under it too.
        let field_cfg = syntax::cfg_field_bindings(&l.pat, place);
        self.scope.keep_names = !cfg.is_empty() || !field_cfg.is_empty();
        // A name the `let` shadows is the one later code means where the
        // `let` is compiled out; the machine's uses of the name then reach
        // whichever exists, and its fields stay. A new name's fields go
        // with its `let`.
        let shadowing: Vec<(String, BindingId)> = syntax::pattern_bindings(&l.pat, place)
            .iter()
            .filter_map(|b| {
                let name = b.ident.to_string();
                let prev = self.resolve(&name)?;
                Some((name, prev))
            })
            .collect();
        // One `let` per configuration (`#[cfg(unix)] let sep = ..;
        // #[cfg(not(unix))] let sep = ..;`): one variable, which each build
        // declares once; its fields are under either `cfg`.
        if let Some(prev) = self.cfg_alternative(&l, &cfg, &shadowing) {
            self.scope.keep_names = false;
            let combined = cfg_any(&self.f.bindings[prev].cfg, &cfg);
            self.f.bindings[prev].cfg = combined;
            out.push(ir::Stmt::Plain(ir::Plain {
                stmt: syn::Stmt::Local(l),
                fx,
                defs: vec![prev],
                jumps,
                diverges: false,
            }));
            return;
        }
        let judged = judged.or_else(|| init.clone());
        // (A variable of a plain-number type is `Copy`: a closure that
        // uses it by value still borrows it.)
        self.init_moves = (fx.0.iter())
            .filter(|(_, e)| matches!(e, ir::Effect::Consume | ir::Effect::MaybeConsume))
            .map(|&(b, _)| b)
            .filter(|&b| !self.f.bindings[b].copy)
            .collect();
        let defs = self.declare_pat(&mut l.pat, place, judged.as_ref(), None, None);
        self.init_moves.clear();
        self.scope.keep_names = false;
        let levels = syntax::lint_levels(&l.attrs);
        for &d in &defs {
            self.f.bindings[d].lint_levels.clone_from(&levels);
            let mut cfg = cfg.clone();
            if let Some((_, more)) = field_cfg
                .iter()
                .find(|(n, _)| *n == self.f.bindings[d].name)
            {
                cfg.extend(more.iter().cloned());
            }
            match shadowing
                .iter()
                .find(|(n, _)| *n == self.f.bindings[d].name)
            {
                Some(&(_, prev)) if !cfg.is_empty() => self.f.cfg_shadows.push((d, prev)),
                Some(_) => {}
                None => self.f.bindings[d].cfg = cfg,
            }
        }
        if init.is_none() {
            for &d in &defs {
                self.f.bindings[d].deferred = true;
            }
        }
        if let [d] = defs[..] {
            self.f.bindings[d].owned |= from_wait;
            let written = syntax::pattern_type(&l.pat);
            let typed_once = written.as_ref().is_some_and(mentions_fn_once);
            // `let f: Box<dyn Fn() -> u32> = Box::new(move || ..)`: the
            // written type says what the closure's body cannot.
            let typed_reusable = written
                .as_ref()
                .is_some_and(borrows::names_a_reusable_closure);
            self.f.bindings[d].fn_once =
                (closure_moves && !typed_reusable) || typed_once || from_once;
        } else if from_once {
            // `let (job, name) = jobs.pop()?;`
            for &d in &defs {
                self.f.bindings[d].fn_once = true;
            }
        }
        out.push(ir::Stmt::Plain(ir::Plain {
            stmt: syn::Stmt::Local(l),
            fx,
            defs,
            jumps,
            diverges: false,
        }));
    }

    /// The variable a `#[cfg(..)]` `let x = ..;` is another configuration's
    /// declaration of: an `x` of the same block declared by a `let` under
    /// another `cfg`, with a value or not as this one.
    fn cfg_alternative(
        &self,
        l: &syn::Local,
        cfg: &[syn::Attribute],
        shadowing: &[(String, BindingId)],
    ) -> Option<BindingId> {
        let ident = match &l.pat {
            Pat::Ident(p) => p,
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) => p,
                _ => return None,
            },
            _ => return None,
        };
        if cfg.is_empty() || ident.subpat.is_some() || ident.by_ref.is_some() {
            return None;
        }
        let name = ident.ident.to_string();
        let &(_, prev) = shadowing.iter().find(|(n, _)| *n == name)?;
        let b = &self.f.bindings[prev];
        let tokens = |a: &[syn::Attribute]| quote!(#(#a)*).to_string();
        (b.scope == self.scope.current()
            && !b.cfg.is_empty()
            && tokens(&b.cfg) != tokens(cfg)
            && b.deferred == l.init.is_none())
        .then_some(prev)
    }

    /// Whether `e` is a place that can be read twice, with nothing run
    /// but field accesses, derefs and indexing by a variable, a literal or
    /// a range of them: a variable of the body (`res`, `self`), a field of
    /// one (`job.name`), `v[..]`, `*r`.
    fn is_place(&self, e: &Expr) -> bool {
        let simple_index = |i: &Expr| match i {
            Expr::Lit(_) => true,
            Expr::Path(_) => syntax::as_ident(i).is_some(),
            Expr::Range(r) => [&r.start, &r.end]
                .into_iter()
                .flatten()
                .all(|b| matches!(&**b, Expr::Lit(_)) || syntax::as_ident(b).is_some()),
            _ => false,
        };
        match e {
            Expr::Path(_) => {
                syntax::as_ident(e).is_some_and(|i| self.resolve(&i.to_string()).is_some())
            }
            Expr::Field(f) => f.attrs.is_empty() && self.is_place(&f.base),
            Expr::Paren(p) => p.attrs.is_empty() && self.is_place(&p.expr),
            Expr::Index(i) => {
                i.attrs.is_empty() && simple_index(&i.index) && self.is_place(&i.expr)
            }
            Expr::Unary(u) => {
                matches!(u.op, syn::UnOp::Deref(_)) && u.attrs.is_empty() && self.is_place(&u.expr)
            }
            _ => false,
        }
    }

    /// A place indexed by an operand that is more than a variable or a
    /// literal (`v[i + 1..]`, `names[k as usize]`): each such operand is
    /// evaluated first, into a temporary, so that the place can be read
    /// twice (see [`is_place`](Self::is_place)), as Rust evaluates it once.
    /// Nothing is done to what is not a place of a variable.
    fn index_operands_first(&mut self, e: &mut Expr, out: &mut Vec<ir::Stmt>) {
        fn rooted(r: &Builder<'_>, e: &Expr) -> bool {
            match e {
                Expr::Path(_) => {
                    syntax::as_ident(e).is_some_and(|i| r.resolve(&i.to_string()).is_some())
                }
                Expr::Field(f) => f.attrs.is_empty() && rooted(r, &f.base),
                Expr::Paren(p) => p.attrs.is_empty() && rooted(r, &p.expr),
                Expr::Index(i) => i.attrs.is_empty() && rooted(r, &i.expr),
                Expr::Unary(u) => {
                    matches!(u.op, syn::UnOp::Deref(_)) && u.attrs.is_empty() && rooted(r, &u.expr)
                }
                _ => false,
            }
        }
        if !rooted(self, e) {
            return;
        }
        self.operands_to_temps(e, out);
    }

    /// [`index_operands_first`](Self::index_operands_first)'s walk, base
    /// first (as evaluated).
    fn operands_to_temps(&mut self, e: &mut Expr, out: &mut Vec<ir::Stmt>) {
        let simple = |x: &Expr| matches!(x, Expr::Lit(_)) || syntax::as_ident(x).is_some();
        match e {
            Expr::Field(f) => self.operands_to_temps(&mut f.base, out),
            Expr::Paren(p) => self.operands_to_temps(&mut p.expr, out),
            Expr::Unary(u) => self.operands_to_temps(&mut u.expr, out),
            Expr::Index(i) => {
                self.operands_to_temps(&mut i.expr, out);
                let mut to_temp = |b: &mut Builder<'_>, x: &mut Expr| {
                    if !simple(x) {
                        let span = x.span();
                        let taken = std::mem::replace(x, Expr::Verbatim(Default::default()));
                        let t = b.let_temp(taken, out);
                        let t = b.use_ident(t, span);
                        *x = syn::parse_quote!(#t);
                    }
                };
                match &mut *i.index {
                    Expr::Range(r) => {
                        for bound in [&mut r.start, &mut r.end].into_iter().flatten() {
                            to_temp(self, bound);
                        }
                    }
                    other => to_temp(self, other),
                }
            }
            _ => {}
        }
    }

    /// Whether a `let .. else`'s `else` (with no twait) moves a variable
    /// (`else { drop(g); break; }`): as an `if` of the spine (see
    /// [`let_else_waiting`](Self::let_else_waiting)) it can be promoted,
    /// so that the paths that did not run it keep the variable to its
    /// scope's end.
    fn else_moves(&mut self, els: &Expr) -> bool {
        let span = els.span();
        let taken: Expr = syn::parse_quote_spanned!(span=> if __tame_else_taken #els);
        self.moves_on_some_paths(&taken)
    }

    /// `let P = e else { ..twait.. };`, or one whose `else` moves a
    /// variable (see [`else_moves`](Self::else_moves)): the `else` block is
    /// code of the spine. Becomes
    /// `let t = e; if !matches!(&t, P') { discard(t); else } let P = ({ t }) else { unreachable!() };`
    /// (`P'` is `P` binding nothing): the value is gone before the `else`
    /// block, and what the pattern leaves of it at the statement's end, as
    /// a temporary is in Rust. A place (`let Ok(x) = res else ..`, `let
    /// Some(n) = job.name else ..`, `let [a, b] = v[..] else ..`; see
    /// [`is_place`](Self::is_place)) is tested where it is, and keeps its
    /// value when the pattern does not match, as in Rust.
    fn let_else_waiting(&mut self, mut l: syn::Local, out: &mut Vec<ir::Stmt>) {
        let Some(init) = l.init.take() else { return };
        let Some((_, els)) = init.diverge else { return };
        let span = els.span();
        let mut init_expr = *init.expr;
        self.index_operands_first(&mut init_expr, out);
        let place = self.is_place(&init_expr).then(|| init_expr.clone());
        let mut judged = None;
        let (subject, gone, bound): (Expr, Option<syn::Stmt>, Expr) = match place {
            Some(place) => (place.clone(), None, place),
            None => {
                judged = Some(init_expr.clone());
                let t = self.let_temp(init_expr, out);
                let t = self.use_ident(t, span);
                // A pattern that borrows (`ref x`) borrows the temporary,
                // which then stays, to the block's end.
                let rest: Expr = if syntax::pattern_bindings(&l.pat, syntax::PatPlace::Refutable)
                    .iter()
                    .any(|b| b.by_ref)
                {
                    syn::parse_quote!(#t)
                } else {
                    syntax::moved_value(span, &t)
                };
                let gone = syn::parse_quote_spanned!(span=> ::tame::__private::discard(#t););
                (syn::parse_quote!(#t), Some(gone), rest)
            }
        };
        let mut test_pat = match &l.pat {
            Pat::Type(pt) => (*pt.pat).clone(),
            other => other.clone(),
        };
        syn::visit_mut::VisitMut::visit_pat_mut(&mut Unbind, &mut test_pat);
        // The test at the `let` (one token: the machine's `if` takes its
        // span, and clippy reads a multi-line one's `else` as hidden).
        let at = l.let_token.span;
        let cond: Expr = syn::parse_quote_spanned!(at=>
            !::tame::__private::core::matches!(&#subject, #test_pat));
        let then: Expr = match (*els, gone) {
            (Expr::Block(mut b), gone) => {
                b.block.stmts.splice(0..0, gone);
                Expr::Block(b)
            }
            (other, gone) => syn::parse_quote!({ #gone #other }),
        };
        self.if_parts(cond, then, None, Dest::Discard, out);
        let pat = l.pat;
        // The `else` of no code of the user's: at the user's block, clippy
        // would read the text between its `else` and `{` there.
        // (Reached only when the pattern names a constant of a lowercase
        // name, which the test took for a binding: the README says so.)
        let never = quote_spanned!(Span::mixed_site()=> else { ::tame::__private::unreachable_state("a let-else whose pattern the machine checked: a constant of a lowercase name in it is taken for a binding by #[tamed] (name it in uppercase)") });
        // (With the `let`'s lint levels: its names are bound here.)
        let levels = syntax::lint_levels(&l.attrs);
        let rest: syn::Stmt =
            syn::parse_quote_spanned!(span=> #(#levels)* let #pat = #bound #never;);
        if let syn::Stmt::Local(rest) = rest {
            self.judged_init = judged;
            self.local(rest, out);
        }
    }

    /// Ordinary code.
    fn plain(&mut self, mut stmt: syn::Stmt) -> ir::Plain {
        let diverges = stmt_diverges(&stmt);
        let mut r = Resolver::new(self);
        r.stmt(&mut stmt);
        ir::Plain {
            stmt,
            fx: r.fx,
            defs: Vec::new(),
            jumps: r.jumps,
            diverges,
        }
    }

    /// `t = e;`
    fn assign(&mut self, t: BindingId, e: Expr) -> ir::Stmt {
        let mut e = syntax::attributes_in_block(e);
        // A branch's value that borrows a variable (`if c { twait!{..};
        // v.first() } else { None }`): where the branches meet is a state
        // of its own when one waited, which cannot keep a borrow.
        if self.f.bindings[t].kind == BindingKind::Temp(TempKind::Value)
            && self.f.bindings[t].borrow.is_none()
        {
            if let Some((root, how)) = self.borrow_of_local(&e) {
                let binding = &mut self.f.bindings[t];
                binding.borrow = Some(format!("it borrows `{root}` ({how})"));
                binding.span = e.span();
            }
        }
        let mut r = Resolver::new(self);
        r.expr(&mut e, plain::Use::Consume);
        let (mut fx, jumps) = (r.fx, r.jumps);
        fx.push(t, Effect::Write);
        let ident = &self.f.bindings[t].ident;
        ir::Stmt::Plain(ir::Plain {
            stmt: syn::parse_quote!(#ident = #e;),
            fx,
            defs: Vec::new(),
            jumps,
            diverges: false,
        })
    }

    /// `let t = e;` for a fresh temporary.
    fn let_temp(&mut self, mut e: Expr, out: &mut Vec<ir::Stmt>) -> BindingId {
        let mut r = Resolver::new(self);
        r.expr(&mut e, plain::Use::Consume);
        let (fx, jumps) = (r.fx, r.jumps);
        let t = self.temp(TempKind::Value);
        let ident = &self.f.bindings[t].ident;
        out.push(ir::Stmt::Plain(ir::Plain {
            stmt: syn::parse_quote!(let #ident = #e;),
            fx,
            defs: vec![t],
            jumps,
            diverges: false,
        }));
        t
    }

    /// `let t;` for a temporary assigned in branches.
    fn declare_temp(&mut self, out: &mut Vec<ir::Stmt>) -> BindingId {
        let t = self.temp(TempKind::Value);
        let ty = self.temp_type.take();
        self.f.bindings[t].ty.clone_from(&ty);
        let ident = &self.f.bindings[t].ident;
        let ty = ty.map(|t| quote::quote!(: #t));
        out.push(ir::Stmt::Plain(ir::Plain {
            stmt: syn::parse_quote!(let #ident #ty;),
            fx: Effects::default(),
            defs: vec![t],
            jumps: Vec::new(),
            diverges: false,
        }));
        t
    }

    /// `e` delivered to `dest`, for an `e` with no twait.
    fn plain_to(&mut self, e: Expr, dest: Dest, out: &mut Vec<ir::Stmt>) {
        // `return`, `break`, a panic: nothing to deliver (`t = return x`
        // would only draw lints).
        let dest = if syntax::expr_diverges(&e) {
            Dest::Discard
        } else {
            dest
        };
        match dest {
            Dest::Discard => {
                // Always a statement of its own, as the user's `;` made it:
                // a block, `unsafe` block or `if` with a value (`{ f() };`,
                // `if c { 1 } else { 2 };`) must not become a statement that
                // has to be `()`. (A `;` the user did not write draws
                // `redundant_semicolons` only in the machine, which allows
                // that lint.)
                let stmt = syn::Stmt::Expr(e, Some(Default::default()));
                let p = self.plain(stmt);
                out.push(ir::Stmt::Plain(p));
            }
            Dest::Assign(t) => {
                let s = self.assign(t, e);
                out.push(s);
            }
            Dest::Return => {
                let span = e.span();
                let ret: Expr = syn::parse_quote_spanned!(span=> return #e);
                let p = self.plain(syn::Stmt::Expr(ret, Some(Default::default())));
                out.push(ir::Stmt::Plain(p));
            }
        }
    }

    // ---- jumps, return and `?` ----

    /// The spine loop a `break`/`continue` with this label leaves for.
    pub fn jump_target(&self, label: Option<&syn::Lifetime>, _span: Span) -> Option<LoopId> {
        match label {
            Some(l) => {
                let name = l.ident.to_string();
                self.loop_stack
                    .iter()
                    .rev()
                    .copied()
                    .find(|&id| self.f.loops[id].label.as_deref() == Some(&name))
            }
            None => self
                .loop_stack
                .iter()
                .rev()
                .copied()
                .find(|&id| self.f.loops[id].is_loop),
        }
    }

    /// `return v` in the machine.
    ///
    /// Input: `return v`. Output (a function with a value):
    /// `return ::tame::__private::deliver(&mut done, v)`.
    pub fn return_expr(&self, value: Option<Box<Expr>>, span: Span) -> Expr {
        if !self.f.returns_value {
            return match value.map(|v| syntax::attributes_in_block(*v)) {
                Some(v) => syn::parse_quote_spanned!(span=> return #v),
                None => syn::parse_quote_spanned!(span=> return),
            };
        }
        let done = &self.done;
        let v = match value {
            Some(v) => {
                let v = syntax::attributes_in_block(*v);
                quote!(#v)
            }
            None => quote_spanned!(span=> ()),
        };
        // The value meets the return type as written: a value of the wrong
        // type is rustc's "expected due to this" at the user's return type
        // (next to the lint shadow's own report), not an argument error of
        // a function of ours.
        let v = match &self.ret {
            Some(ty) => {
                let value = syntax::hygienic("__tame_value");
                quote!({ let #value: #ty = #v; #value })
            }
            None => v,
        };
        if self.f.try_shaped {
            return syn::parse_quote_spanned!(span=>
            return {
                ::tame::__private::deliver(&mut #done, #v);
                ::tame::__private::proceed()
            });
        }
        syn::parse_quote_spanned!(span=> return ::tame::__private::deliver(&mut #done, #v))
    }

    /// `e?` in the machine.
    ///
    /// Input: `e?`. Output (a function with a value):
    /// `match branch(e) { Continue(v) => v, Break(r) => return deliver(&mut done, from_residual(r)) }`.
    pub fn try_expr(&self, inner: &Expr, span: Span) -> Expr {
        // A `Result`/`Option` machine returns `Result<(), E>`/`Option<()>`:
        // `?` is native there (see `ir::Function::try_shaped`).
        if !self.f.returns_value || self.f.try_shaped {
            return syn::parse_quote_spanned!(span=> #inner?);
        }
        let done = &self.done;
        let v = syntax::hygienic("__tame_v");
        let r = syntax::hygienic("__tame_r");
        syn::parse_quote_spanned!(span=>
            match ::tame::__private::Try::branch(#inner) {
                ::tame::__private::core::ops::ControlFlow::Continue(#v) => #v,
                ::tame::__private::core::ops::ControlFlow::Break(#r) => {
                    return ::tame::__private::deliver(
                        &mut #done,
                        ::tame::__private::FromResidual::from_residual(#r),
                    )
                }
            }
        )
    }
}

/// The lint levels of a statement (`#[allow(clippy::eq_op)]`) on the
/// variables the machine computes its operands into: they are its code.
/// (An `#[expect]` becomes an `#[allow]` there: the lint is expected where
/// the statement stands as written.)
fn lint_levels_to(attrs: &[syn::Attribute], stmts: &mut [ir::Stmt]) {
    let levels: Vec<syn::Attribute> = attrs
        .iter()
        .filter(|a| {
            ["allow", "expect", "warn", "deny", "forbid"]
                .iter()
                .any(|l| a.path().is_ident(l))
        })
        .map(|a| {
            let mut a = a.clone();
            if let (true, syn::Meta::List(l)) = (a.path().is_ident("expect"), &mut a.meta) {
                l.path = syn::parse_quote!(allow);
            }
            a
        })
        .collect();
    if levels.is_empty() {
        return;
    }
    for s in stmts {
        if let ir::Stmt::Plain(ir::Plain {
            stmt: syn::Stmt::Local(l),
            ..
        }) = s
        {
            l.attrs.extend(levels.iter().cloned());
        }
    }
}

pub(super) fn collect_idents(tt: proc_macro2::TokenTree, out: &mut Vec<String>) {
    match tt {
        proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
        proc_macro2::TokenTree::Group(g) => {
            for t in g.stream() {
                collect_idents(t, out);
            }
        }
        _ => {}
    }
}

/// Whether a return type is named `Result` or `Option` (`io::Result<T>`,
/// `anyhow::Result<T>` too).
pub fn try_shaped(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    match &**ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Result" | "Option")),
        _ => false,
    }
}

/// Whether a statement of the IR certainly does not continue.
pub fn diverges(s: &ir::Stmt) -> bool {
    match s {
        ir::Stmt::Plain(p) => p.diverges,
        ir::Stmt::Jump(_) => true,
        _ => false,
    }
}

/// `return ..;` and the panicking macros.
fn stmt_diverges(s: &syn::Stmt) -> bool {
    let e = match s {
        syn::Stmt::Expr(e, _) => e,
        syn::Stmt::Macro(m) => {
            return is_panicking(&m.mac.path) && !has_cfg(&m.attrs);
        }
        _ => return false,
    };
    // A statement under `#[cfg(..)]` may be compiled out: what follows it
    // is reached in that build.
    let attrs = match e {
        Expr::Return(r) => &r.attrs,
        Expr::Macro(m) => &m.attrs,
        Expr::Call(c) => &c.attrs,
        Expr::If(i) => &i.attrs,
        Expr::Match(m) => &m.attrs,
        Expr::Block(b) => &b.attrs,
        Expr::Loop(l) => &l.attrs,
        _ => return false,
    };
    if has_cfg(attrs) {
        return false;
    }
    match e {
        Expr::Return(_) => true,
        Expr::Macro(m) => is_panicking(&m.mac.path),
        Expr::Call(_) => syntax::is_process_exit(e),
        // Every branch returns or panics (`match k { 1 => return a, _ =>
        // return b }`); a `break` or `continue` in them is a jump the
        // statement records, not its end.
        // (A block too: `{ return 9; }`, the `else` of a let chain.)
        Expr::If(_) | Expr::Match(_) | Expr::Block(_) => syntax::expr_returns(e),
        // A `loop` without a `break` of its own: left only by its jumps.
        Expr::Loop(l) => syntax::loop_never_finishes(l),
        _ => false,
    }
}

fn has_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

fn is_panicking(p: &syn::Path) -> bool {
    syntax::is_panicking(p)
}

/// `#[cfg(any(a, b))]` of `#[cfg(a)]` and `#[cfg(b)]` (each a list of
/// `cfg` attributes, all of which must hold).
fn cfg_any(a: &[syn::Attribute], b: &[syn::Attribute]) -> Vec<syn::Attribute> {
    let all = |attrs: &[syn::Attribute]| {
        let preds: Vec<proc_macro2::TokenStream> = attrs
            .iter()
            .filter_map(|a| a.meta.require_list().ok().map(|l| l.tokens.clone()))
            .collect();
        quote!(all(#(#preds),*))
    };
    let (a, b) = (all(a), all(b));
    vec![syn::parse_quote!(#[cfg(any(#a, #b))])]
}
