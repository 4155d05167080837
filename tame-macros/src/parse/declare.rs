//! Declaring bindings: a pattern's names become bindings of the current
//! scope (renamed where they clash, as Rust's shadowing keeps them apart),
//! with what the `let` tells of each (its type, whether it has a drop,
//! whether it borrows).

use proc_macro2::{Ident, Span};
use quote::{format_ident, ToTokens};
use syn::{Expr, Pat};

use super::{syntax, Builder};
use crate::ir::{self, BindingId, BindingKind, Effects, TempKind};

impl Builder<'_> {
    /// Declares a user binding in the current scope; a binding of the same
    /// name already visible makes this one get other hygiene (same name),
    /// so that a state can carry both.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn declare(
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
        let scope = self.scope.current();
        self.f.bindings.push(ir::Binding {
            mutable,
            tame_handle: ty.as_ref().is_some_and(syntax::names_tame_handle),
            ty,
            trivial,
            borrow,
            rendezvous,
            ..ir::Binding::new(
                used.clone(),
                name.clone(),
                ident.span(),
                scope,
                BindingKind::User,
            )
        });
        self.scope.make_visible(id, name);
        (id, used)
    }

    /// Declares the bindings of a pattern, renaming its identifiers where
    /// they clash (see `declare`).
    pub(super) fn declare_pat(
        &mut self,
        pat: &mut Pat,
        place: syntax::PatPlace,
        init: Option<&Expr>,
        ty: Option<&syn::Type>,
        borrow_why: Option<String>,
    ) -> Vec<BindingId> {
        // A tuple pattern over a tuple expression of as many parts (`let
        // (n, r) = (5, &v);`): each part is its own value, judged by its
        // own expression and written type, as two `let`s would be.
        if let Some(parts) = tuple_parts(pat, init, ty) {
            let mut ids = Vec::new();
            for (p, e, t) in parts {
                ids.extend(self.declare_pat(p, place, Some(e), t.as_ref(), borrow_why.clone()));
            }
            return ids;
        }
        // A variable that borrows, copied or taken apart (`let r2 = r;`,
        // `let (a, b) = r;` with `r = &pair`, whose parts are references):
        // what it gives borrows what it borrows, kept only while used. A
        // guard moved on (not `trivial`) is the guard, kept for its drop.
        let borrow_why = borrow_why.or_else(|| {
            let mut e = init?;
            while let Expr::Paren(p) = e {
                e = &p.expr;
            }
            let b = &self.f.bindings[self.resolve(&syntax::as_ident(e)?.to_string())?];
            b.borrow.clone().filter(|_| b.trivial)
        });
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
        // One name bound to the whole value (`let v: u32 = ..`): what the
        // `let` tells of the value is told of it. The names of a pattern
        // that takes the value apart have only their own parts' written
        // types (`let (a, b): (String, u8);`), if any.
        let whole = match &*pat {
            Pat::Type(t) => &*t.pat,
            other => other,
        };
        let single = matches!(whole, Pat::Ident(p)
            if p.subpat.as_ref().is_none_or(|(_, sub)| syntax::pattern_bindings(sub, place).is_empty()));
        let types = ty
            .as_ref()
            .map_or_else(Vec::new, |t| syntax::binding_types(pat, t));
        // (A written `&mut T` has no drop either: kept only while used,
        // as a shared one, so `let e: &mut u32 = map.entry(k).or_insert(0);`
        // used before a twait only is no borrow held across it.)
        let number = init.is_some_and(|e| self.number_valued(e));
        let trivial = init.is_some_and(syntax::trivially_undroppable)
            || number
            || ty.as_ref().is_some_and(syntax::undroppable_type);
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
        // `let f = pin!(fut);`: a `Pin<&mut _>` into a temporary.
        let pinned = init.is_some_and(syntax::is_pin_macro);
        let from_borrow = borrow_why.is_some()
            || pinned
            || init.is_some_and(|e| borrows(self, e).is_some() && !syntax::is_guard(e));
        let borrow = borrow_why
            .or_else(|| pinned.then(|| syntax::PINNED.to_owned()))
            .or_else(|| {
                let (root, how) = borrows(self, init?)?;
                // (As the user knows the variable: a translator's holder
                // of an extended temporary by its shown name.)
                Some(match self.is_kept_temporary(&root) {
                    true => format!("it borrows the value its `let` makes ({how})"),
                    false => format!("it borrows `{}` ({how})", self.shown_name(&root)),
                })
            })
            .or_else(|| self.closure_borrow(init?));
        // A reference, or a view like `v.iter()`, has no drop of its own:
        // it is kept across a twait only if used after it (and then it is
        // an error). A guard (`m.lock()`) is kept to its scope's end.
        let trivial = trivial || (borrow.is_some() && !init.is_some_and(syntax::is_guard));
        let rendezvous = init.is_some_and(|e| syntax::mentions_rendezvous(e.to_token_stream()))
            || ty
                .as_ref()
                .is_some_and(|t| syntax::mentions_rendezvous(t.to_token_stream()));
        let mut ids = Vec::new();
        let copy = single
            && (init.is_some_and(syntax::copy_like)
                || number
                || ty.as_ref().is_some_and(syntax::trivially_undroppable_type));
        // (Resolved before the pattern's own names shadow the variable.)
        let passed_handle = init.is_some_and(|e| self.passes_tame_handle(e));
        let mut visit = DeclarePat {
            b: self,
            ids: &mut ids,
            copy,
            types,
            single,
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
        if single && init.is_some_and(syntax::items_borrow) {
            for &id in &ids {
                self.f.bindings[id].items_borrow = true;
            }
        }
        if single && init.is_some_and(syntax::makes_reader) {
            for &id in &ids {
                self.f.bindings[id].reader = true;
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
        let boxed = init.is_some_and(|e| {
            matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p)
                if p.path.segments.len() >= 2
                    && p.path.segments[p.path.segments.len() - 2].ident == "Box"
                    && p.path.segments.last().is_some_and(|s| s.ident == "new")))
        });
        if single && boxed {
            for &id in &ids {
                self.f.bindings[id].boxed = true;
            }
        }
        // Made of nothing of the function's: it borrows nothing (see
        // `crate::ir::Binding::owned`).
        if init.is_some_and(|e| self.made_in_place(e)) {
            for &id in &ids {
                self.f.bindings[id].owned = true;
            }
        }
        // (A written type says it in `declare`; a constructor's value may
        // be a pair of them: `UnixStream::pair()`.)
        let tame_handle = passed_handle
            || init.is_some_and(syntax::makes_tame_handle)
            || init.is_some_and(syntax::splits_tame_stream);
        if tame_handle {
            for &id in &ids {
                self.f.bindings[id].tame_handle = true;
            }
        }
        // A tuple's parts of a written type: `(UnixStream, UnixStream)`.
        let parts = ty
            .as_ref()
            .and_then(|t| syntax::tuple_parts_naming_handles(pat, t));
        if let Some(parts) = parts.filter(|p| p.iter().map(|&(_, n)| n).sum::<usize>() == ids.len())
        {
            let mut next = ids.iter();
            for (handle, names) in parts {
                for &id in next.by_ref().take(names) {
                    self.f.bindings[id].tame_handle |= handle;
                }
            }
        }
        ids
    }

    /// Whether `init` takes its value from a variable that holds one of
    /// tame's handles, or a `Result`/`Option` of one (`let conn =
    /// connected?;`, `match accepted { Ok((conn, _)) => .. }`): what it
    /// binds is one of tame's handles too (or an error, or an address,
    /// which no operation takes as its receiver). So is a `LineReader`
    /// made of one (`LineReader::new(conn)`): the reader of a handle of
    /// tame's is tame's.
    pub(super) fn passes_tame_handle(&self, init: &Expr) -> bool {
        syntax::unwrapped_variable(init)
            .or_else(|| syntax::line_reader_of(init))
            .and_then(|v| self.resolve(&v.to_string()))
            .is_some_and(|b| {
                let b = &self.f.bindings[b];
                b.tame_handle || b.ty.as_ref().is_some_and(syntax::wraps_tame_handle)
            })
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
        let scope = self.scope.current();
        self.f.bindings.push(ir::Binding {
            mutable: true,
            ..ir::Binding::new(
                ident,
                name,
                Span::call_site(),
                scope,
                BindingKind::Temp(kind),
            )
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
}

/// The parts of a tuple pattern bound to a tuple expression of as many
/// parts, each with its written type if the `let` wrote a tuple type
/// (`let (a, b): (u8, &str) = (1, &s);`); `None` if the pattern is not
/// such (a `..` in it, another arity, another initializer).
fn tuple_parts<'p, 'e>(
    pat: &'p mut Pat,
    init: Option<&'e Expr>,
    ty: Option<&syn::Type>,
) -> Option<Vec<(&'p mut Pat, &'e Expr, Option<syn::Type>)>> {
    let mut init = init?;
    while let Expr::Paren(syn::ExprParen { expr, .. }) | Expr::Group(syn::ExprGroup { expr, .. }) =
        init
    {
        init = expr;
    }
    let Expr::Tuple(values) = init else {
        return None;
    };
    let (pat, written) = match pat {
        Pat::Type(t) => (&mut *t.pat, Some(&*t.ty)),
        other => (other, ty),
    };
    let Pat::Tuple(parts) = pat else {
        return None;
    };
    let arity = values.elems.len();
    if parts.elems.len() != arity || parts.elems.iter().any(|p| matches!(p, Pat::Rest(_))) {
        return None;
    }
    let types: Vec<Option<syn::Type>> = match written {
        None => vec![None; arity],
        Some(syn::Type::Tuple(t)) if t.elems.len() == arity => {
            t.elems.iter().cloned().map(Some).collect()
        }
        // Some other spelling of the tuple's type (an alias): judged whole.
        Some(_) => return None,
    };
    Some(
        parts
            .elems
            .iter_mut()
            .zip(&values.elems)
            .zip(types)
            .map(|((p, e), t)| (p, e, t))
            .collect(),
    )
}

/// Replaces a pattern's bindings with `_` (for a `matches!` test).
pub(super) struct Unbind;

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

    /// A field written in shorthand (`Foo { a, mut b }`) is written out
    /// (`Foo { a: _, b: _ }`): a shorthand field whose name became `_`
    /// would read `Foo { _ }`, no pattern at all.
    fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
        if f.colon_token.is_none() {
            f.colon_token = Some(Default::default());
        }
        self.visit_pat_mut(&mut f.pat);
    }

    fn visit_expr_mut(&mut self, _: &mut Expr) {}
}

/// Declares the identifiers of a pattern.
pub(super) struct DeclarePat<'a, 'b> {
    b: &'a mut Builder<'b>,
    ids: &'a mut Vec<BindingId>,
    /// The binding is obviously `Copy` (see [`ir::Binding::copy`]).
    copy: bool,
    /// The written type of each name (see [`syntax::binding_types`]).
    types: Vec<(String, syn::Type)>,
    /// The pattern is one name, bound to the whole value: `copy`,
    /// `trivial` and `rendezvous` tell of it. A part of a value taken
    /// apart is judged by its own written type.
    single: bool,
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
pub(super) struct OrPattern {
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
        let ty = (self.types.iter())
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone());
        let part = |judge: fn(&syn::Type) -> bool| !self.single && ty.as_ref().is_some_and(judge);
        let (part_copy, part_trivial) = (
            part(syntax::trivially_undroppable_type),
            part(syntax::undroppable_type),
        );
        let part_rendezvous = part(|t| syntax::mentions_rendezvous(t.to_token_stream()));
        // A `ref` binding is a reference, one under `&` a copy: neither
        // has a drop of its own, and only the first borrows.
        let (borrow, trivial) = if p.by_ref.is_some() {
            let why = format!("`{}` is bound by reference (`ref`)", p.ident);
            (Some(why), true)
        } else if self.under_reference > 0 {
            (None, true)
        } else {
            (self.borrow.clone(), self.trivial || part_trivial)
        };
        let (id, used) = self.b.declare(
            &p.ident,
            p.mutability.is_some(),
            ty,
            trivial,
            borrow,
            self.rendezvous || part_rendezvous,
        );
        self.record_for_alternatives(&name, id, &used);
        // A copy out of a `&` pattern, or a shared `ref`, is `Copy` too.
        let shared_ref = p.by_ref.is_some() && p.mutability.is_none();
        self.b.f.bindings[id].copy =
            self.copy || part_copy || self.under_reference > 0 || shared_ref;
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
