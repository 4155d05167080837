//! Parse: a tamed function's tokens → the IR, once.
//!
//! One walk over the body builds the spine ([`crate::ir`]), resolves every
//! name to a binding id (with Rust's scoping: shadowing makes a second
//! binding), resolves which loop each `break`/`continue` leaves for, and
//! normalizes expressions that hold a twait (`normalize.rs`). Later phases
//! never look at the user's tokens again except to copy them.

pub mod events;
mod flow;
pub mod macros;
mod normalize;
pub mod plain;
mod scope;
pub mod syntax;

use std::collections::HashSet;

use proc_macro2::{Ident, Span};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, Pat, ReturnType};

use crate::errors::Errors;
use crate::ir::{
    self, BindingId, BindingKind, Effect, Effects, Function, LoopId, Param, ScopeId, SlotSiteId,
    TempKind, WaitId,
};
use macros::Which;
use plain::Resolver;

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
        ret: match &f.sig.output {
            ReturnType::Type(_, ty) if returns_value => Some((**ty).clone()),
            _ => None,
        },
        body_scope: 0,
        judged_init: None,
        temp_type: None,
        init_moves: Vec::new(),
        temps: 0,
        force_spine: false,
        sites_again: None,
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

    /// The variable of the function `e` obviously borrows from (see
    /// [`syntax::borrow_root`]), unless it is a `&'static` one, whose
    /// views borrow nothing of the function's (`words.iter()`). A name
    /// that is no variable here is a `const` or `static` item's (`NAMES.iter()`):
    /// no borrow of the function's either.
    pub fn borrow_of_local(&self, e: &Expr) -> Option<(Ident, &'static str)> {
        // `it.last()` of an owned iterator (`let it = v.into_iter()..`) is
        // an owned item, not a slice's borrow.
        if let Expr::MethodCall(m) = e {
            let owned_iterator = syntax::as_ident(&m.receiver)
                .and_then(|i| self.resolve(&i.to_string()))
                .is_some_and(|b| {
                    self.f.bindings[b].iterator && self.f.bindings[b].borrow.is_none()
                });
            if owned_iterator && syntax::consumes_iterator(&m.method.to_string(), m.args.len()) {
                return None;
            }
        }
        let (root, how) = syntax::borrow_root(e)?;
        let b = self.resolve(&root.to_string())?;
        let of_static = (self.f.bindings[b].ty.as_ref()).is_some_and(syntax::is_static_reference);
        (!of_static).then_some((root, how))
    }

    /// Whether `e` is, or is taken out of, a variable that is a `FnOnce`
    /// or whose written type mentions one (`jobs: Vec<Box<dyn FnOnce()>>`,
    /// then `jobs.pop()`, `jobs.remove(0).unwrap()`): a variable bound to
    /// it is taken for a `FnOnce` (its call moves it).
    pub fn holds_fn_once(&self, mut e: &Expr) -> bool {
        loop {
            e = match e {
                Expr::MethodCall(m) => &m.receiver,
                Expr::Field(f) => &f.base,
                Expr::Index(i) => &i.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Try(t) => &t.expr,
                Expr::Reference(r) => &r.expr,
                Expr::Unary(u) => &u.expr,
                Expr::Path(_) => {
                    let Some(b) = syntax::as_ident(e).and_then(|i| self.resolve(&i.to_string()))
                    else {
                        return false;
                    };
                    let b = &self.f.bindings[b];
                    return b.fn_once || b.ty.as_ref().is_some_and(mentions_fn_once);
                }
                _ => return false,
            }
        }
    }

    /// The variables a pattern binds out of `e`, when `e` holds `FnOnce`s
    /// (see [`Self::holds_fn_once`]): any of them may be one, and the
    /// others are not called (`for (i, job) in jobs.into_iter().enumerate()`).
    pub fn taken_from_fn_once(&mut self, defs: &[BindingId], e: &Expr) {
        if self.holds_fn_once(e) {
            for &d in defs {
                self.f.bindings[d].fn_once = true;
            }
        }
    }

    pub fn is_renamed(&self, id: BindingId) -> bool {
        self.scope.renamed.contains(&id)
    }

    /// Declares a user binding in the current scope; a binding of the same
    /// name already visible makes this one get other hygiene (same name),
    /// so that a state can carry both.
    #[allow(clippy::too_many_arguments)]
    fn declare(
        &mut self,
        ident: &Ident,
        mutable: bool,
        ty: Option<syn::Type>,
        trivial: bool,
        borrow: Option<String>,
        rendezvous: bool,
    ) -> (BindingId, Ident) {
        let name = ident.to_string();
        let id = self.f.bindings.len();
        let used = self.scope.ident_for(&self.f.bindings, id, ident);
        if rendezvous {
            self.rendezvous_names.insert(name.clone());
        }
        self.f.bindings.push(ir::Binding {
            ident: used.clone(),
            name: name.clone(),
            span: ident.span(),
            mutable,
            ty,
            scope: self.scope.current(),
            kind: BindingKind::User,
            trivial,
            borrow,
            rendezvous,
            fn_once: false,
            copy: false,
            iterator: false,
            timer: false,
            deferred: false,
            cfg: Vec::new(),
            owned: false,
        });
        self.scope.make_visible(id, name);
        (id, used)
    }

    /// Declares the bindings of a pattern, renaming its identifiers where
    /// they clash (see `declare`).
    fn declare_pat(
        &mut self,
        pat: &mut Pat,
        place: syntax::PatPlace,
        init: Option<&Expr>,
        ty: Option<&syn::Type>,
        borrow_why: Option<String>,
    ) -> Vec<BindingId> {
        // A string literal's type is known: `let csv = "a,b";` is a
        // `&'static str`, whose views (`csv.split(',')`) borrow nothing of
        // the function's.
        let literal = |e: &Expr| matches!(e, Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_)));
        let ty = ty
            .cloned()
            .or_else(|| syntax::pattern_type(pat))
            .or_else(|| {
                (matches!(pat, Pat::Ident(_)) && init.is_some_and(literal))
                    .then(|| syn::parse_quote!(&'static str))
            });
        let single = matches!(pat, Pat::Ident(_) | Pat::Type(_));
        // (A written `&mut T` has no drop either: kept only while used,
        // as a shared one, so `let e: &mut u32 = map.entry(k).or_insert(0);`
        // used before a twait only is no borrow held across it.)
        let mut_ref = |t: &syn::Type| matches!(t, syn::Type::Reference(_));
        let number = init.is_some_and(|e| self.plain_number(e));
        let trivial = init.is_some_and(syntax::trivially_undroppable)
            || number
            || ty
                .as_ref()
                .is_some_and(|t| syntax::trivially_undroppable_type(t) || mut_ref(t));
        // Bindings out of a borrow (`if let Some(x) = v.first()`,
        // `let (a, b) = s.split_once(' ')?`) are references or views.
        // A type written without a reference or a lifetime is owned,
        // whatever the initializer's method is named (`let n: u32 =
        // store.get(1);`); a borrow of a `&'static` variable may be kept.
        let owned_type = ty.as_ref().is_some_and(|t| !syntax::may_borrow_type(t));
        let borrows = |b: &Self, e: &Expr| {
            let (root, how) = b.borrow_of_local(e)?;
            b.resolve(&root.to_string())?;
            (!owned_type).then_some((root, how))
        };
        let from_borrow = borrow_why.is_some()
            || init.is_some_and(|e| borrows(self, e).is_some() && !syntax::is_guard(e));
        let borrow = borrow_why
            .or_else(|| {
                let (root, how) = borrows(self, init?)?;
                // (As the user knows the variable: a translator's holder
                // of an extended temporary by its shown name.)
                let shown = self
                    .resolve(&root.to_string())
                    .map_or_else(|| root.to_string(), |b| self.f.bindings[b].name.clone());
                Some(format!("it borrows `{shown}` ({how})"))
            })
            .or_else(|| self.closure_borrow(init?));
        // A reference, or a view like `v.iter()`, has no drop of its own:
        // it is kept across a twait only if used after it (and then it is
        // an error). A guard (`m.lock()`) is kept to its scope's end.
        let trivial = trivial || (borrow.is_some() && !init.is_some_and(syntax::is_guard));
        let mentions = |t: proc_macro2::TokenStream| {
            t.into_iter().any(|tt| match tt {
                proc_macro2::TokenTree::Ident(i) => i == "Rendezvous",
                proc_macro2::TokenTree::Group(g) => g.stream().to_string().contains("Rendezvous"),
                _ => false,
            })
        };
        let rendezvous = init.is_some_and(|e| mentions(e.to_token_stream()))
            || ty.as_ref().is_some_and(|t| mentions(t.to_token_stream()));
        let mut ids = Vec::new();
        let copy = single
            && (init.is_some_and(syntax::copy_like)
                || number
                || ty.as_ref().is_some_and(syntax::trivially_undroppable_type));
        let mut visit = DeclarePat {
            b: self,
            ids: &mut ids,
            copy,
            ty: if single { ty.clone() } else { None },
            trivial: (single && trivial) || from_borrow,
            borrow,
            rendezvous: single && rendezvous,
            place,
            under_reference: 0,
            alternatives: Vec::new(),
        };
        syn::visit_mut::VisitMut::visit_pat_mut(&mut visit, pat);
        if single && init.is_some_and(syntax::iterator_chain) {
            for &id in &ids {
                self.f.bindings[id].iterator = true;
            }
        }
        let timer = init.is_some_and(syntax::makes_timer)
            || ty.as_ref().is_some_and(|t| {
                matches!(t, syn::Type::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "Timer"))
            });
        if single && timer {
            for &id in &ids {
                self.f.bindings[id].timer = true;
            }
        }
        ids
    }

    /// `let r = &make();` keeps `make()`'s value to the end of the block
    /// (a temporary the `let` extends): as a variable of its own, `let
    /// r_value = make(); let r = &r_value;`, which the machine keeps to
    /// its scope's end across twaits as it keeps any (a temporary of the
    /// `let` could not be: rustc's E0716 at `#[tamed]`). Returns that
    /// `let`, and points `l` at it. Only a call's or a macro's value: a
    /// literal's (`&[1, 2]`) may be a `'static` constant.
    fn extended_temporary(&mut self, l: &mut syn::Local) -> Option<(syn::Local, String)> {
        // (A `let` under `#[cfg]` or a lint level stays as written.)
        if !l.attrs.is_empty() {
            return None;
        }
        let init = l.init.as_mut().filter(|i| i.diverge.is_none())?;
        let (pat, ty) = match &l.pat {
            Pat::Type(t) => (&*t.pat, Some(&t.ty)),
            other => (other, None),
        };
        // A `'static` borrow asks for a constant rustc promotes (`let r:
        // &'static Option<u32> = &Some(5);`): it stays as written.
        if ty.is_some_and(|t| t.to_token_stream().to_string().contains("'static")) {
            return None;
        }
        // (`let _ = &lock();` keeps the value, as a lock's guard.)
        let (ident, shown) = match pat {
            Pat::Ident(p) => {
                let name = p.ident.to_string();
                // (`__tame_type_value`, `__tame_0_value` are identifiers.)
                let bare = name.strip_prefix("r#").unwrap_or(&name);
                (bare.trim_matches('_').to_owned(), format!("{name}_value"))
            }
            Pat::Wild(_) => ("underscore".to_owned(), "_".to_owned()),
            _ => return None,
        };
        let span = l.pat.span();
        let Expr::Reference(r) = &mut *init.expr else {
            return None;
        };
        if macros::has_twait(&r.expr) {
            return None;
        }
        // The temporary: the value borrowed, or the one whose field is
        // (`&make().name`); an array, tuple or struct literal only when it
        // is no constant (`&[1, 2]` may be a `'static` one).
        let mut made = &mut *r.expr;
        while let Expr::Field(f) = made {
            made = &mut *f.base;
        }
        let shape = matches!(
            made,
            Expr::Array(_)
                | Expr::Tuple(_)
                | Expr::Struct(_)
                | Expr::Call(_)
                | Expr::MethodCall(_)
                | Expr::Macro(_)
        );
        // (`&Some(5)`, `&[1, 2]` may be `'static` constants.)
        if !shape || syntax::constant_like(made) {
            return None;
        }
        let name = syn::Ident::new(&format!("__tame_{ident}_value"), span);
        let value = std::mem::replace(made, syn::parse_quote!(#name));
        let held: syn::Stmt = match r.mutability {
            Some(_) => syn::parse_quote!(let mut #name = #value;),
            None => syn::parse_quote!(let #name = #value;),
        };
        match held {
            syn::Stmt::Local(held) => Some((held, shown)),
            _ => None,
        }
    }

    /// Marks the bindings `defs` of `pat`, matched against `scrutinee`,
    /// owned (see [`ir::Binding::owned`]) when the scrutinee is a variable
    /// whose value borrows nothing of the function's (a parameter, or an
    /// owned value) and the pattern binds nothing by `ref`: they hold
    /// parts of it (`if let Some(job) = o`).
    pub(super) fn owned_from(&mut self, defs: &[BindingId], pat: &Pat, scrutinee: &Expr) {
        let Some(src) = syntax::as_ident(scrutinee).and_then(|i| self.resolve(&i.to_string()))
        else {
            // `match s % 7 { k @ 1..=2 => .. }`: parts of a number.
            if self.plain_number(scrutinee) {
                for &d in defs {
                    self.f.bindings[d].owned = true;
                }
            }
            return;
        };
        // (A plain value, `v: u32`, has parts that are plain values.)
        let b = &self.f.bindings[src];
        let plain_value = b.trivial
            && b.borrow.is_none()
            && b.ty.as_ref().is_some_and(|t| !syntax::may_borrow_type(t));
        let src_owned = b.owned || plain_value || self.f.params.iter().any(|p| p.binding == src);
        let by_ref = syntax::pattern_bindings(pat, syntax::PatPlace::Refutable)
            .iter()
            .any(|b| b.by_ref);
        if src_owned && !by_ref {
            for &d in defs {
                self.f.bindings[d].owned = true;
            }
        }
    }

    /// Whether `e` surely gives a number (or a `bool`, a `char`): literals,
    /// casts, comparisons, and arithmetic of the function's variables
    /// known to hold such values (`s: u32`, `let n = 5;`), or a tuple of
    /// such (`(s % 3, 1u32)`). Such a value borrows nothing and has no
    /// drop.
    pub(super) fn plain_number(&self, e: &Expr) -> bool {
        match e {
            Expr::Lit(l) => !matches!(l.lit, syn::Lit::Str(_) | syn::Lit::ByteStr(_)),
            Expr::Cast(c) => syntax::primitive_scalar_type(&c.ty),
            Expr::Paren(p) => self.plain_number(&p.expr),
            Expr::Group(g) => self.plain_number(&g.expr),
            Expr::Unary(u) => {
                matches!(u.op, syn::UnOp::Not(_) | syn::UnOp::Neg(_)) && self.plain_number(&u.expr)
            }
            Expr::Binary(b) => {
                !syntax::is_compound_assign(&b.op)
                    && (syntax::gives_bool(&b.op)
                        || (self.plain_number(&b.left) && self.plain_number(&b.right)))
            }
            Expr::Tuple(t) => t.elems.iter().all(|e| self.plain_number(e)),
            Expr::Path(_) => syntax::as_ident(e)
                .and_then(|i| self.resolve(&i.to_string()))
                .is_some_and(|b| {
                    let b = &self.f.bindings[b];
                    b.copy && b.borrow.is_none() && !b.rendezvous
                }),
            _ => false,
        }
    }

    /// Why a non-`move` closure cannot be kept: it borrows the function's
    /// variables it mentions (those its body moves it owns).
    fn closure_borrow(&self, init: &Expr) -> Option<String> {
        let Expr::Closure(c) = init else {
            return self.adapter_closure_borrow(init).map(|(method, first)| {
                format!(
                    "it holds a closure that borrows `{first}` (given to `.{method}(..)`); make it a \
                     `move` closure over owned values, or build the iterator again after the twait"
                )
            });
        };
        let first = self.borrowed_by(c)?;
        Some(format!(
            "it is a closure that borrows `{first}`; make it a `move` closure over owned values, \
             or build it again after the twait"
        ))
    }

    /// The first variable of the function a non-`move` closure borrows
    /// (those the initializer around it moves are its own).
    fn borrowed_by(&self, c: &syn::ExprClosure) -> Option<String> {
        if c.capture.is_some() {
            return None;
        }
        closure_captures(c).into_iter().find(|n| {
            self.resolve(n)
                .is_some_and(|b| !self.init_moves.contains(&b))
        })
    }

    /// A non-`move` closure given to a method of a chain
    /// (`v.into_iter().filter(|x| *x >= cfg.min)`), which the chain's value
    /// holds: the method and the variable the closure borrows.
    /// Only the lazy part of the chain counts: a chain that ends in
    /// `.collect()`, `.sum()`, ... has run its closures already.
    pub(super) fn adapter_closure_borrow(&self, e: &Expr) -> Option<(String, String)> {
        // Adapters that keep the closure they are given, in the iterator
        // they return.
        const HOLDING: &[&str] = &[
            "map",
            "filter",
            "filter_map",
            "flat_map",
            "take_while",
            "skip_while",
            "map_while",
            "inspect",
            "scan",
        ];
        // Adapters that keep the iterator they are called on.
        const PASSING: &[&str] = &[
            "enumerate",
            "rev",
            "zip",
            "chain",
            "take",
            "skip",
            "step_by",
            "peekable",
            "fuse",
            "cloned",
            "copied",
            "flatten",
            "cycle",
        ];
        let mut e = e;
        while let Expr::MethodCall(m) = e {
            let method = m.method.to_string();
            if HOLDING.contains(&method.as_str()) {
                for a in &m.args {
                    if let Expr::Closure(c) = a {
                        if let Some(first) = self.borrowed_by(c) {
                            return Some((method, first));
                        }
                    }
                }
            } else if !PASSING.contains(&method.as_str()) {
                return None;
            }
            e = &m.receiver;
        }
        None
    }

    /// A translator temporary in the current scope.
    pub fn temp(&mut self, kind: TempKind) -> BindingId {
        let n = self.temps;
        self.temps += 1;
        let base = match kind {
            TempKind::Value => "value",
            TempKind::Iter => "iter",
            TempKind::Slots => "slots",
            TempKind::Id => "id",
        };
        let name = format!("{base}{n}");
        let id = self.f.bindings.len();
        let ident = format_ident!("__tame_{}", name, span = Span::mixed_site());
        // Visible by its own name (no user's name starts with `__tame_`),
        // so that uses of it resolve like any other.
        self.scope.make_visible(id, ident.to_string());
        self.f.bindings.push(ir::Binding {
            ident,
            name,
            span: Span::call_site(),
            mutable: true,
            ty: None,
            scope: self.scope.current(),
            kind: BindingKind::Temp(kind),
            trivial: false,
            borrow: None,
            rendezvous: false,
            fn_once: false,
            copy: false,
            iterator: false,
            timer: false,
            deferred: false,
            cfg: Vec::new(),
            owned: false,
        });
        id
    }

    /// Declares an explicit site's inbox at the start of the body.
    pub fn declare_at_start(&mut self, list: BindingId) {
        let ident = self.f.bindings[list].ident.clone();
        self.f.bindings[list].scope = self.body_scope;
        self.prelude.push(ir::Stmt::Plain(ir::Plain {
            stmt: syn::parse_quote!(let mut #ident = ::tame::__private::Inbox::new();),
            fx: Effects::default(),
            defs: vec![list],
            jumps: Vec::new(),
            diverges: false,
        }));
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
                    ir::RendezvousKey::Tokens(t) => format!(
                        "this event's value is stored into its slot when `twait!` on its \
                         rendezvous returns its id, and a rendezvous written `{t}` is waited \
                         on only by a `twait!({t})` written the same way (the translator pairs \
                         them by the expression); wait with that expression, or bind the \
                         rendezvous to a variable first"
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
                    let ident = Ident::new("__tame_self", Span::call_site());
                    let id = self.f.bindings.len();
                    self.f.bindings.push(ir::Binding {
                        ident,
                        name: "self".into(),
                        span: r.self_token.span,
                        mutable: r.mutability.is_some(),
                        ty: None,
                        scope: self.scope.current(),
                        kind: BindingKind::User,
                        trivial: false,
                        borrow: None,
                        rendezvous: false,
                        fn_once: false,
                        copy: false,
                        iterator: false,
                        timer: false,
                        deferred: false,
                        cfg: Vec::new(),
                        owned: false,
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
                        let rendezvous = t.ty.to_token_stream().to_string().contains("Rendezvous");
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
                        let outer = p.ident.clone();
                        self.f.params.push(Param {
                            binding: id,
                            outer: quote!(#outer),
                        });
                    }
                    pat => {
                        let arg = format_ident!("__tame_arg{}", i, span = Span::mixed_site());
                        let id = self.f.bindings.len();
                        self.f.bindings.push(ir::Binding {
                            ident: arg.clone(),
                            name: format!("arg{i}"),
                            span: pat.span(),
                            mutable: syntax::binds_ref_mut(pat),
                            ty: Some((*t.ty).clone()),
                            scope: self.scope.current(),
                            kind: BindingKind::User,
                            trivial: false,
                            borrow: None,
                            rendezvous: false,
                            fn_once: false,
                            copy: false,
                            iterator: false,
                            timer: false,
                            deferred: false,
                            cfg: Vec::new(),
                            owned: false,
                        });
                        self.scope.make_visible(id, format!("__tame_arg{i}"));
                        self.f.params.push(Param {
                            binding: id,
                            outer: quote!(#arg),
                        });
                        let user = pat.clone();
                        let ty = &t.ty;
                        // A type with an `impl Trait` in it cannot be
                        // written on a `let`: inferred from the argument.
                        let typed = (!syntax::mentions_impl(ty)).then_some(&**ty);
                        let l: syn::Stmt = match syntax::unbound_parts_kept(&user, typed, &arg, i) {
                            Some(l) => l,
                            None => match typed {
                                None => syn::parse_quote!(let #user = #arg;),
                                Some(ty) => syn::parse_quote!(let #user: #ty = #arg;),
                            },
                        };
                        if let syn::Stmt::Local(l) = l {
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
            if init
                .diverge
                .as_ref()
                .is_some_and(|(_, d)| macros::has_twait(d))
            {
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
        for &d in &defs {
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
            let typed_once = syntax::pattern_type(&l.pat).is_some_and(|t| mentions_fn_once(&t));
            self.f.bindings[d].fn_once = closure_moves || typed_once || from_once;
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

    /// `let P = e else { ..twait.. };`: the `else` block is code of the
    /// spine. Becomes
    /// `let t = e; if !matches!(&t, P') { discard(t); else } let P = moved(t) else { unreachable!() };`
    /// (`P'` is `P` binding nothing): the value is gone before the `else`
    /// block, and what the pattern leaves of it at the statement's end, as
    /// a temporary is in Rust. A variable (`let Ok(x) = res else ..`) is
    /// tested where it is and keeps its value when the pattern does not
    /// match.
    fn let_else_waiting(&mut self, mut l: syn::Local, out: &mut Vec<ir::Stmt>) {
        let Some(init) = l.init.take() else { return };
        let Some((_, els)) = init.diverge else { return };
        let span = els.span();
        let place = syntax::as_ident(&init.expr)
            .filter(|i| self.resolve(&i.to_string()).is_some())
            .cloned();
        let mut judged = None;
        let (subject, gone, bound): (Expr, Option<syn::Stmt>, Expr) = match place {
            Some(var) => (syn::parse_quote!(#var), None, syn::parse_quote!(#var)),
            None => {
                judged = Some((*init.expr).clone());
                let t = self.let_temp(*init.expr, out);
                let t = self.use_ident(t, span);
                // A pattern that borrows (`ref x`) borrows the temporary,
                // which then stays, to the block's end.
                let rest: Expr = if syntax::pattern_bindings(&l.pat, syntax::PatPlace::Refutable)
                    .iter()
                    .any(|b| b.by_ref)
                {
                    syn::parse_quote!(#t)
                } else {
                    syn::parse_quote_spanned!(span=> ::tame::__private::moved(#t))
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
            !::core::matches!(&#subject, #test_pat));
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
        let never = quote_spanned!(Span::mixed_site()=> else { ::core::unreachable!() });
        let rest: syn::Stmt = syn::parse_quote_spanned!(span=> let #pat = #bound #never;);
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

    // ---- twait ----

    /// `twait! { .. }` or `twait!(r)` as a statement or value.
    fn twait(&mut self, mac: &syn::Macro, dest: Dest, out: &mut Vec<ir::Stmt>) {
        let levels = std::mem::take(&mut self.wait_levels);
        if self.in_wait.is_some() {
            // check.rs reported it.
            return;
        }
        let span = mac.span();
        match macros::twait_form(mac) {
            Ok(macros::TwaitForm::Block(stmts)) => {
                let id = self.f.waits.len();
                self.f.waits.push(ir::WaitInfo {
                    span,
                    scope: self.scope.current(),
                    bindings_before: self.f.bindings.len(),
                    kind: ir::WaitKind::Join {
                        body: Vec::new(),
                        lists: Vec::new(),
                        fx: Effects::default(),
                    },
                    description: macros::twait_description(mac),
                });
                let scope = self.push_scope();
                self.in_wait = Some(id);
                self.wait_scope = Some(scope);
                let joins_before = self.join_events;
                // The block's value is `()`: a last expression without `;`
                // where its value is used looks like the block's value,
                // unless it starts an operation (`op(mkevent!())`, `()`).
                let value_tail = match stmts.last() {
                    Some(syn::Stmt::Expr(tail, None)) if dest != Dest::Discard => Some(tail)
                        .filter(|t| !macros::tokens_mention_macro(&t.to_token_stream(), "mkevent")),
                    _ => None,
                };
                if let Some(tail) = value_tail {
                    self.errors.push(syn::Error::new_spanned(
                        tail,
                        "a twait! { ... } block has no value (it is `()`): this last \
                         expression runs before the wait, and its value is dropped; compute \
                         the value after the block: `{ twait! { .. } value }`",
                    ));
                }
                let mut parsed = Vec::new();
                for mut s in stmts {
                    syntax::prepend_attrs(&mut s, &levels);
                    match s {
                        syn::Stmt::Item(item) => self.f.nested_items.push(syn::Stmt::Item(item)),
                        syn::Stmt::Local(l) => self.local(l, &mut parsed),
                        // An `if`/`match` that moves a variable on some paths
                        // only is a construct of the spine here too (see
                        // `ir::Promotion`): the block is then one of the
                        // spine, and the wait follows it.
                        syn::Stmt::Expr(e, _) if promotable(&e) => {
                            self.maybe_promoted(e, &mut parsed)
                        }
                        // So is one inside an expression statement (see
                        // `Builder::hoist_moving_constructs`).
                        syn::Stmt::Expr(mut e, semi) => {
                            self.hoist_moving_constructs(&mut e, false, &mut parsed);
                            let p = self.plain(syn::Stmt::Expr(e, semi));
                            parsed.push(ir::Stmt::Plain(p));
                        }
                        other => {
                            let p = self.plain(other);
                            parsed.push(ir::Stmt::Plain(p));
                        }
                    }
                }
                self.in_wait = None;
                self.wait_scope = None;
                self.pop_scope();
                // (A block that names no `mkevent!` at all was reported by
                // check.rs.)
                if self.join_events == joins_before
                    && macros::tokens_mention_macro(&mac.tokens, "mkevent")
                {
                    self.errors.push(syn::Error::new_spanned(
                        mac,
                        "this twait! { ... } block makes only events of a rendezvous \
                         (mkevent!(r, id)), which it does not wait for: it goes on at once; \
                         wait for them with twait!(r), or make the events the block waits for \
                         with mkevent!() or mkevent!(slot)",
                    ));
                }
                let mut fx = Effects::default();
                block_effects(&parsed, &mut fx);
                let (body, spine) = if parsed.iter().all(|s| matches!(s, ir::Stmt::Plain(_))) {
                    let body = parsed
                        .into_iter()
                        .filter_map(|s| match s {
                            ir::Stmt::Plain(p) => Some(p),
                            _ => None,
                        })
                        .collect();
                    (body, None)
                } else {
                    (Vec::new(), Some(parsed))
                };
                let lists = std::mem::take(&mut self.wait_lists);
                for &site in &lists {
                    let list = self.f.slot_sites[site].list;
                    // Declared before the block, in the enclosing scope.
                    self.f.bindings[list].scope = self.scope.current();
                    let ident = self.f.bindings[list].ident.clone();
                    out.push(ir::Stmt::Plain(ir::Plain {
                        stmt: syn::parse_quote!(let mut #ident = ::tame::__private::SlotList::new();),
                        fx: Effects::default(),
                        defs: vec![list],
                        jumps: Vec::new(),
                        diverges: false,
                    }));
                }
                if let Some(stmts) = spine {
                    out.push(ir::Stmt::Block(ir::Block { scope, stmts }, None));
                }
                self.f.waits[id].kind = ir::WaitKind::Join { body, lists, fx };
                out.push(ir::Stmt::Wait(ir::Wait { id, dest: None }));
                match dest {
                    Dest::Discard => {}
                    other => self.plain_to(syn::parse_quote!(()), other, out),
                }
            }
            Ok(macros::TwaitForm::Rendezvous(mut expr)) => {
                let mut r = Resolver::new(self);
                let key = r.rendezvous_key(&expr);
                r.expr(&mut expr, plain::Use::Read);
                let fx = r.fx;
                let id = self.f.waits.len();
                self.f.waits.push(ir::WaitInfo {
                    span,
                    scope: self.scope.current(),
                    bindings_before: self.f.bindings.len(),
                    kind: ir::WaitKind::Rendezvous { expr, fx, key },
                    description: macros::twait_description(mac),
                });
                match dest {
                    Dest::Discard => out.push(ir::Stmt::Wait(ir::Wait { id, dest: None })),
                    other => {
                        let t = self.temp(TempKind::Id);
                        out.push(ir::Stmt::Wait(ir::Wait { id, dest: Some(t) }));
                        let ident = self.f.bindings[t].ident.clone();
                        self.plain_to(syn::parse_quote!(#ident), other, out);
                    }
                }
            }
            Err(e) => self.errors.push(e),
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
                ::core::ops::ControlFlow::Continue(#v) => #v,
                ::core::ops::ControlFlow::Break(#r) => {
                    return ::tame::__private::deliver(
                        &mut #done,
                        ::tame::__private::FromResidual::from_residual(#r),
                    )
                }
            }
        )
    }
}

/// `Event<T>`, `tame::Event<T>`: a parameter the function delivers to.
/// Whether a type names `FnOnce` (`Box<dyn FnOnce()>`, `impl FnOnce(u32)`).
fn mentions_fn_once(ty: &syn::Type) -> bool {
    /// `FnOnce` outside the argument lists of closure types (`Fn(Box<dyn
    /// FnOnce()>)` is a `Fn`).
    fn outside_arguments(tokens: proc_macro2::TokenStream) -> bool {
        let mut after_fn_trait = false;
        for tt in tokens {
            match tt {
                proc_macro2::TokenTree::Ident(i) => {
                    if i == "FnOnce" {
                        return true;
                    }
                    after_fn_trait = i == "Fn" || i == "FnMut" || i == "fn";
                }
                proc_macro2::TokenTree::Group(g) => {
                    let arguments =
                        after_fn_trait && g.delimiter() == proc_macro2::Delimiter::Parenthesis;
                    if !arguments && outside_arguments(g.stream()) {
                        return true;
                    }
                    after_fn_trait = false;
                }
                _ => after_fn_trait = false,
            }
        }
        false
    }
    outside_arguments(ty.to_token_stream())
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

/// Whether `ty` is a type parameter bound by `FnOnce` (`<F: FnOnce()>`,
/// or in the `where` clause).
fn bound_fn_once(generics: &syn::Generics, ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(name) = p.path.get_ident() else {
        return false;
    };
    let says_fn_once =
        |bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>| {
            bounds.iter().any(|b| {
                let mut idents = Vec::new();
                for tt in b.to_token_stream() {
                    collect_idents(tt, &mut idents);
                }
                idents.iter().any(|i| i == "FnOnce")
            })
        };
    let inline = generics
        .type_params()
        .any(|t| &t.ident == name && says_fn_once(&t.bounds));
    let in_where = generics.where_clause.as_ref().is_some_and(|w| {
        w.predicates.iter().any(|pred| match pred {
            syn::WherePredicate::Type(pt) => {
                matches!(&pt.bounded_ty, syn::Type::Path(bp) if bp.path.get_ident() == Some(name))
                    && says_fn_once(&pt.bounds)
            }
            _ => false,
        })
    });
    inline || in_where
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
        Expr::If(i) => &i.attrs,
        Expr::Match(m) => &m.attrs,
        Expr::Block(b) => &b.attrs,
        _ => return false,
    };
    if has_cfg(attrs) {
        return false;
    }
    match e {
        Expr::Return(_) => true,
        Expr::Macro(m) => is_panicking(&m.mac.path),
        // Every branch returns or panics (`match k { 1 => return a, _ =>
        // return b }`); a `break` or `continue` in them is a jump the
        // statement records, not its end.
        // (A block too: `{ return 9; }`, the `else` of a let chain.)
        Expr::If(_) | Expr::Match(_) | Expr::Block(_) => syntax::expr_returns(e),
        _ => false,
    }
}

fn has_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

fn is_panicking(p: &syn::Path) -> bool {
    syntax::is_panicking(p)
}

/// Replaces a pattern's bindings with `_` (for a `matches!` test).
struct Unbind;

impl syn::visit_mut::VisitMut for Unbind {
    fn visit_pat_mut(&mut self, p: &mut Pat) {
        if let Pat::Ident(pi) = p {
            if !syntax::looks_constant(pi, syntax::PatPlace::Refutable) {
                *p = match pi.subpat.take() {
                    Some((_, sub)) => *sub,
                    None => Pat::Wild(syn::PatWild {
                        attrs: Vec::new(),
                        underscore_token: Default::default(),
                    }),
                };
                self.visit_pat_mut(p);
                return;
            }
        }
        syn::visit_mut::visit_pat_mut(self, p);
    }

    fn visit_expr_mut(&mut self, _: &mut Expr) {}
}

/// Declares the identifiers of a pattern.
struct DeclarePat<'a, 'b> {
    b: &'a mut Builder<'b>,
    ids: &'a mut Vec<BindingId>,
    /// The binding is obviously `Copy` (see [`ir::Binding::copy`]).
    copy: bool,
    ty: Option<syn::Type>,
    trivial: bool,
    borrow: Option<String>,
    rendezvous: bool,
    place: syntax::PatPlace,
    /// Inside a `&` pattern: its bindings are copies (`Some(&n)`).
    under_reference: usize,
    /// The or-patterns being visited, innermost last.
    alternatives: Vec<OrPattern>,
}

/// An or-pattern being visited: its alternatives bind the same variables
/// (`Ok(x) | Err(x)` binds one `x`).
struct OrPattern {
    /// What the first alternative bound: name, binding, the name given it.
    bound: Vec<(String, BindingId, syn::Ident)>,
    /// An alternative after the first is being visited.
    later: bool,
}

impl DeclarePat<'_, '_> {
    /// The variable `name` of an or-pattern's earlier alternative, if an
    /// alternative after the first is being visited.
    fn bound_by_alternative(&self, name: &str) -> Option<(BindingId, syn::Ident)> {
        self.alternatives
            .iter()
            .rev()
            .filter(|o| o.later)
            .find_map(|o| o.bound.iter().find(|(n, ..)| n == name))
            .map(|(_, id, used)| (*id, used.clone()))
    }

    /// Records a variable for the alternatives after the first of each
    /// or-pattern whose first alternative is being visited.
    fn record_for_alternatives(&mut self, name: &str, id: BindingId, used: &syn::Ident) {
        for o in &mut self.alternatives {
            if !o.later && !o.bound.iter().any(|(n, ..)| n == name) {
                o.bound.push((name.to_owned(), id, used.clone()));
            }
        }
    }
}

impl syn::visit_mut::VisitMut for DeclarePat<'_, '_> {
    fn visit_pat_reference_mut(&mut self, r: &mut syn::PatReference) {
        self.under_reference += 1;
        syn::visit_mut::visit_pat_reference_mut(self, r);
        self.under_reference -= 1;
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        if let Some((_, sub)) = &mut p.subpat {
            self.visit_pat_mut(sub);
        }
        if syntax::looks_constant(p, self.place) {
            return;
        }
        let name = p.ident.to_string();
        if let Some((id, used)) = self.bound_by_alternative(&name) {
            p.ident = used.clone();
            self.record_for_alternatives(&name, id, &used);
            return;
        }
        // A `ref` binding is a reference, one under `&` a copy: neither
        // has a drop of its own, and only the first borrows.
        let (borrow, trivial) = if p.by_ref.is_some() {
            let why = format!("`{}` is bound by reference (`ref`)", p.ident);
            (Some(why), true)
        } else if self.under_reference > 0 {
            (None, true)
        } else {
            (self.borrow.clone(), self.trivial)
        };
        let (id, used) = self.b.declare(
            &p.ident,
            p.mutability.is_some(),
            self.ty.clone(),
            trivial,
            borrow,
            self.rendezvous,
        );
        self.record_for_alternatives(&name, id, &used);
        // A copy out of a `&` pattern, or a shared `ref`, is `Copy` too.
        let shared_ref = p.by_ref.is_some() && p.mutability.is_none();
        self.b.f.bindings[id].copy = self.copy || self.under_reference > 0 || shared_ref;
        p.ident = used;
        self.ids.push(id);
    }

    fn visit_pat_or_mut(&mut self, o: &mut syn::PatOr) {
        self.alternatives.push(OrPattern {
            bound: Vec::new(),
            later: false,
        });
        for (i, case) in o.cases.iter_mut().enumerate() {
            if let Some(top) = self.alternatives.last_mut() {
                top.later = i > 0;
            }
            self.visit_pat_mut(case);
        }
        self.alternatives.pop();
    }

    fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
        self.visit_pat_mut(&mut f.pat);
        // Shorthand `S { x }` whose `x` got another name: spell the field
        // out, so that it still matches field `x`.
        if f.colon_token.is_none() {
            if let (syn::Member::Named(m), Pat::Ident(p)) = (&f.member, &*f.pat) {
                if p.ident != m.to_string().as_str() {
                    f.colon_token = Some(Default::default());
                }
            }
        }
    }

    fn visit_expr_mut(&mut self, _: &mut Expr) {}
}

/// A statement of a `twait! {}` block that may be a promoted construct:
/// an `if`, `match` or unlabeled block with no twait (one inside is an
/// error `check.rs` reports) and no `#[cfg]`.
fn promotable(e: &syn::Expr) -> bool {
    let shape = matches!(e, syn::Expr::If(_) | syn::Expr::Match(_))
        || matches!(e, syn::Expr::Block(b) if b.label.is_none());
    shape && !syntax::may_be_compiled_out(syntax::expr_attrs(e)) && !macros::has_twait(e)
}

/// The effects of a `twait! {}` block's statements, in order: of each
/// promoted construct, those of the ordinary statement it also is.
fn block_effects(stmts: &[ir::Stmt], out: &mut Effects) {
    for s in stmts {
        match s {
            ir::Stmt::Plain(p) => out.0.extend(p.fx.0.iter().copied()),
            ir::Stmt::If(ir::If {
                promoted: Some(p), ..
            })
            | ir::Stmt::Match(ir::Match {
                promoted: Some(p), ..
            }) => out.0.extend(p.plain.fx.0.iter().copied()),
            ir::Stmt::Block(b, _) => block_effects(&b.stmts, out),
            // Nothing else is made of a block with no twait.
            _ => {}
        }
    }
}

/// Whether a statement macro is one of std's that expand to items only
/// (`thread_local!`): such a statement declares, and does nothing.
fn declares_items(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "thread_local")
}

/// Whether an initializer is what a `twait!(r)` gives (`twait!(r)`,
/// `twait!(r)?`, `twait!(r).unwrap()`): a rendezvous' id, which owns
/// what it holds.
fn wait_value(e: &Expr) -> bool {
    match e {
        Expr::Macro(m) => macros::which(&m.mac) == Some(Which::Twait),
        Expr::Try(t) => wait_value(&t.expr),
        Expr::Paren(p) => wait_value(&p.expr),
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "unwrap" | "expect" | "unwrap_or" | "unwrap_or_default" | "unwrap_or_else"
            ) && wait_value(&m.receiver)
        }
        _ => false,
    }
}

/// The names a closure's body reads as variables of its surroundings: the
/// one-segment paths it uses, not the names it binds itself (its
/// parameters, its `let`s and patterns, wherever they are in it), and the
/// names in its macros' arguments, inline format arguments (`"{x}"`)
/// included. Field and method names are not paths, so they do not count.
fn closure_captures(c: &syn::ExprClosure) -> Vec<String> {
    use syn::visit::Visit;

    #[derive(Default)]
    struct Names {
        used: Vec<String>,
        bound: Vec<String>,
    }

    impl<'a> Visit<'a> for Names {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if p.qself.is_none() {
                if let Some(i) = p.path.get_ident() {
                    self.used.push(i.to_string());
                }
            }
        }

        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.bound.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }

        fn visit_macro(&mut self, m: &'a syn::Macro) {
            use syn::parse::Parser;
            let args = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated
                .parse2(m.tokens.clone());
            let Ok(args) = args else {
                // Not expressions: every name in it may be a capture.
                for tt in m.tokens.clone() {
                    collect_idents(tt.clone(), &mut self.used);
                    inline_format_args(tt, &mut self.used);
                }
                return;
            };
            // A named format argument (`k = x + 1`) names no variable, and
            // `{k}` in the string is that argument.
            let named: Vec<String> = args
                .iter()
                .filter_map(|a| match a {
                    Expr::Assign(asg) => syntax::as_ident(&asg.left).map(|i| i.to_string()),
                    _ => None,
                })
                .collect();
            for a in &args {
                match a {
                    Expr::Assign(asg) if syntax::as_ident(&asg.left).is_some() => {
                        self.visit_expr(&asg.right);
                    }
                    Expr::Lit(l) => {
                        let mut names = Vec::new();
                        for tt in l.to_token_stream() {
                            inline_format_args(tt, &mut names);
                        }
                        self.used
                            .extend(names.into_iter().filter(|n| !named.contains(n)));
                    }
                    other => self.visit_expr(other),
                }
            }
        }
    }

    let mut names = Names::default();
    for p in &c.inputs {
        names.visit_pat(p);
    }
    names.visit_expr(&c.body);
    let Names { used, bound } = names;
    used.into_iter().filter(|n| !bound.contains(n)).collect()
}

/// The names a format string in these tokens reads (`"{x}"`, `"{x:?}"`).
fn inline_format_args(tt: proc_macro2::TokenTree, out: &mut Vec<String>) {
    match tt {
        proc_macro2::TokenTree::Literal(l) => {
            let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&l.to_string()) else {
                return;
            };
            let text = s.value();
            for part in text.split('{').skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let starts_like_a_name = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_');
                if starts_like_a_name {
                    out.push(name);
                }
            }
        }
        proc_macro2::TokenTree::Group(g) => {
            for t in g.stream() {
                inline_format_args(t, out);
            }
        }
        _ => {}
    }
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
