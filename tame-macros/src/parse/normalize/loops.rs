//! `loop`, `while` and `for` of the spine: the head each goes round to,
//! and the value a `loop` gives by `break value`.

use super::*;

impl Builder<'_> {
    /// Where a loop's `break value` goes.
    pub(super) fn loop_dest(&mut self, dest: Dest, out: &mut Vec<ir::Stmt>) -> Option<BindingId> {
        match dest {
            Dest::Discard => None,
            Dest::Assign(t) => Some(t),
            Dest::Return => Some(self.declare_temp(out)),
        }
    }

    /// After a loop with a value: deliver it.
    pub(super) fn after_loop(&mut self, d: Option<BindingId>, dest: Dest, out: &mut Vec<ir::Stmt>) {
        let Some(t) = d else { return };
        match dest {
            Dest::Discard => {}
            Dest::Assign(x) if x == t => {}
            other => {
                let ident = self.f.bindings[t].ident.clone();
                self.plain_to(syn::parse_quote!(#ident), other, out);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn loop_(
        &mut self,
        label: Option<&syn::Label>,
        is_loop: bool,
        dest: Option<BindingId>,
        head: impl FnOnce(&mut Self, &mut Vec<ir::Stmt>) -> Option<LoopHead>,
        body: Vec<syn::Stmt>,
        span: Span,
        out: &mut Vec<ir::Stmt>,
    ) {
        let id = self.f.loops.len();
        self.f.loops.push(LoopInfo {
            label: label.map(|l| l.name.ident.to_string()),
            is_loop,
            dest,
            span,
        });
        self.loop_stack.push(id);
        let scope = self.push_scope();
        let mut stmts = Vec::new();
        let head = head(self, &mut stmts);
        self.stmts(body, Dest::Discard, &mut stmts);
        self.pop_scope();
        self.loop_stack.pop();
        if let Some(head) = head {
            out.push(ir::Stmt::Loop(ir::Loop {
                id,
                head,
                body: ir::Block { scope, stmts },
            }));
        }
    }

    pub(super) fn while_(&mut self, w: syn::ExprWhile, dest: Dest, out: &mut Vec<ir::Stmt>) {
        let span = w.span();
        let label = w.label.clone();
        let cond = *w.cond;
        let body = w.body.stmts;
        if has_twait(&cond) || let_chain(&cond).is_some() {
            // `while c { b }` → `loop { if c { b } else { break } }`, the
            // condition's twait at the loop's head.
            let then: syn::Block = syn::parse_quote!({ #(#body)* });
            let then = Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: then,
            });
            self.loop_(
                label.as_ref(),
                true,
                None,
                |b, stmts| {
                    let brk: Expr = syn::parse_quote!(break);
                    if let_chain(&cond).is_some() {
                        // As an `if`: the chain is split first, so a twait
                        // in any of its operands waits only when the ones
                        // before it held.
                        let Expr::Block(then) = then else {
                            unreachable!("`then` was made a block above")
                        };
                        let span = cond.span();
                        let chain: syn::ExprIf =
                            syn::parse_quote_spanned!(span=> if #cond #then else { #brk });
                        b.if_(chain, Dest::Discard, stmts);
                        return Some(LoopHead::Loop);
                    }
                    let mut cond = cond;
                    match &mut cond {
                        Expr::Let(l) => b.make_twait_free(&mut l.expr, stmts),
                        other => b.make_twait_free(other, stmts),
                    }
                    b.if_parts(cond, then, Some(brk), Dest::Discard, stmts);
                    Some(LoopHead::Loop)
                },
                Vec::new(),
                span,
                out,
            );
        } else {
            self.loop_(
                label.as_ref(),
                true,
                None,
                |b, _| {
                    let mut cond = cond;
                    let mut r = Resolver::new(b);
                    r.expr(&mut cond, Use::Read);
                    let jumps = !r.jumps.is_empty();
                    let fx = r.fx;
                    if jumps {
                        b.errors.push(syn::Error::new(
                            cond.span(),
                            super::branches::JUMP_IN_A_WAITING_CONDITION,
                        ));
                    }
                    let defs = match &mut cond {
                        // As an `if let`'s (`while let Some(job) =
                        // queue.pop_front()` of `FnOnce` jobs, parts of a
                        // parameter bound by value).
                        Expr::Let(l) => b.declare_let(l),
                        _ => Vec::new(),
                    };
                    Some(LoopHead::While { cond, fx, defs })
                },
                body,
                span,
                out,
            );
        }
        self.unit_value(dest, out);
    }

    pub(super) fn for_(&mut self, f: syn::ExprForLoop, dest: Dest, out: &mut Vec<ir::Stmt>) {
        let body_waits = has_twait(&Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: f.body.clone(),
        }));
        if !body_waits {
            // Only the iterable waits (`for x in &{ twait!{..}; v } { .. }`):
            // its twaits come first, and the loop is ordinary code after
            // them, whose iterable's temporaries live to the loop's end as
            // Rust keeps them (a loop of the machine's would keep only the
            // iterator, across its states).
            let mut f = f;
            self.make_twait_free(&mut f.expr, out);
            return self.value(Expr::ForLoop(f), dest, out);
        }
        let span = f.span();
        let mut iter_expr = *f.expr;
        // `for job in jobs` of `FnOnce` jobs (before `jobs` is resolved).
        let items_once = self.holds_fn_once(&iter_expr);
        self.make_twait_free(&mut iter_expr, out);
        let by_ref = matches!(&iter_expr, Expr::MethodCall(m) if m.method == "by_ref");
        let numbers = syntax::yields_numbers(&iter_expr);
        // Iterating over a `&'static` variable borrows nothing of the
        // function's (`words: &'static [&str]`, `words.iter()`).
        let borrow = self.borrow_of_local(&iter_expr);
        let borrow = borrow.map(|(root, how)| {
            if by_ref {
                // An iterator of the function's, used again after the loop.
                format!(
                    "the `for` loop borrows the iterator `{root}` (`by_ref`); take its items \
                     one by one instead: `while let Some(x) = {root}.next() {{ .. }}`"
                )
            } else if matches!(&iter_expr, Expr::Reference(r) if r.mutability.is_some())
                && (self.resolve(&root.to_string())).is_some_and(|b| self.f.bindings[b].iterator)
            {
                // `for x in &mut it` of an iterator the function goes on
                // with after the loop.
                format!(
                    "the `for` loop borrows the iterator `{root}` (`&mut`); take its items one \
                     by one instead: `while let Some(x) = {root}.next() {{ .. }}`"
                )
            } else if borrows_directly(&iter_expr, &root) && iterates_mutably(&iter_expr) {
                // A clone or an owned collection would lose the changes.
                let ty = (self.resolve(&root.to_string()))
                    .and_then(|b| self.f.bindings[b].ty.as_ref())
                    .map(|t| quote::ToTokens::to_token_stream(t).to_string())
                    .unwrap_or_default();
                let indices = format!(
                    "iterate over indices and index after the twait (`for i in 0..{root}.len() \
                     {{ .. {root}[i] .. }}`)"
                );
                let keys = format!(
                    "over its keys taken first (`let keys: Vec<_> = {root}.keys().cloned()\
                     .collect();` then `{root}.get_mut(&k)` after the twait)"
                );
                let fix = if ty.contains("Map") {
                    format!("iterate {keys}")
                } else if ty.is_empty() {
                    format!("{indices}, or, for a map, {keys}")
                } else {
                    indices
                };
                format!(
                    "the `for` loop iterates over a mutable borrow of `{root}` ({how}), which a \
                     clone would not change; {fix}"
                )
            } else if borrows_directly(&iter_expr, &root) {
                let ty = (self.resolve(&root.to_string()))
                    .and_then(|b| self.f.bindings[b].ty.as_ref())
                    .map(|t| quote::ToTokens::to_token_stream(t).to_string())
                    .unwrap_or_default();
                let fix = match source_method(&iter_expr, &root).as_deref() {
                    // A clone would be drained, not `root`.
                    Some("drain") => format!(
                        "`drain` empties `{root}` as it goes, which a clone would not: take its \
                         values out first, `for x in std::mem::take(&mut {root})`"
                    ),
                    Some("lines") => {
                        let owned = format!(
                            "iterate over owned lines taken first (`let lines: Vec<String> = \
                             {root}.lines().map(String::from).collect();` then `for line in lines`)"
                        );
                        let reader = format!(
                            "`BufRead::lines` takes it by value, which the translator sees when \
                             its type is written where it is declared (`let {root}: \
                             BufReader<File> = ..`), or `for line in \
                             std::io::BufRead::lines({root})`"
                        );
                        if ty.contains("str") || ty.contains("String") {
                            owned
                        } else if ty.is_empty() {
                            format!("if `{root}` is a string, {owned}; if it is a reader, {reader}")
                        } else {
                            format!("for a reader, {reader}")
                        }
                    }
                    Some(m)
                        if m.starts_with("split")
                            || m.starts_with("rsplit")
                            || m.contains("char")
                            || m.contains("match")
                            || m == "bytes" =>
                    {
                        format!(
                            "iterate over owned pieces taken first (`let parts: Vec<_> = \
                             {root}.{m}(..).map(|p| p.to_owned()).collect();` then `for p in parts`)"
                        )
                    }
                    Some("keys" | "values") => format!(
                        "iterate over a snapshot taken first (`let keys: Vec<_> = \
                         {root}.keys().cloned().collect();`, then `{root}.get(&k)` after the twait)"
                    ),
                    _ if ty.contains("Map") || ty.contains("Set") => format!(
                        "iterate over a snapshot taken first (`let entries: Vec<_> = \
                         {root}.iter().map(|(k, v)| (k.clone(), v.clone())).collect();`)"
                    ),
                    // Boxed closures and trait objects have no `Clone`.
                    _ if ty.contains("dyn ") => format!(
                        "iterate over indices (`for i in 0..{root}.len()`, then `{root}[i]` after \
                         the twait), or over `{root}` itself if the loop may take it (`for x in \
                         {root}`)"
                    ),
                    _ => format!(
                        "iterate over indices (`for i in 0..{root}.len()`) or over an owned \
                         collection (`{root}.clone()`, `into_iter()`, or a snapshot of what the \
                         loop needs: `let items: Vec<_> = ...iter().map(..).collect();`)"
                    ),
                };
                format!("the `for` loop iterates over a borrow of `{root}` ({how}); {fix}")
            } else if let Some((place, mutably)) = field_iterated(&iter_expr) {
                // `&self.routes`, `self.items.iter_mut()`: a field of
                // `root`, which indices or a clone of the field reach.
                let text = syntax::code_text(place);
                let indices = format!(
                    "iterate over indices and index after the twait (`for i in \
                     0..{text}.len() {{ .. {text}[i] .. }}`)"
                );
                let fix = if matches!(place, Expr::Index(_)) {
                    indices
                } else if mutably {
                    format!(
                        "for a `Vec`, {indices}; for a map, over its keys taken first (`let \
                         keys: Vec<_> = {text}.keys().cloned().collect();` then \
                         `{text}.get_mut(&k)` after the twait)"
                    )
                } else {
                    format!(
                        "for a `Vec`, {indices}; or over a clone (`for x in {text}.clone()`) or a snapshot \
                         of what the loop needs, taken before it (`let items: Vec<_> = \
                         {text}.iter().map(..).collect();` then `for .. in items`)"
                    )
                };
                format!(
                    "the `for` loop iterates over a borrow of `{root}` ({how}), through `{}`, \
                     which must not be held across the twait; {fix}",
                    syntax::code_text(&iter_expr)
                )
            } else {
                // Through a guard or another call (`hub.borrow().iter()`):
                // indices and a clone of `root` would not do.
                let text = syntax::code_text(&iter_expr);
                format!(
                    "the `for` loop iterates over a borrow of `{root}` ({how}), through `{text}`, \
                     which must not be held across the twait; iterate over a snapshot of what the \
                     loop needs, taken before it: `let items: Vec<_> = {text}.map(..).collect();` \
                     then `for .. in items`"
                )
            }
        });
        let borrow = borrow.or_else(|| {
            // `let it = v.iter().filter(..); for x in it`: what `it` holds.
            let held = syntax::as_ident(&iter_expr).and_then(|i| self.resolve(&i.to_string()));
            if let Some(why) = held.and_then(|b| self.f.bindings[b].borrow.clone()) {
                let name = &self.f.bindings[held?].name;
                return Some(format!("the `for` loop iterates over `{name}`, and {why}"));
            }
            let (method, first) = self.adapter_closure_borrow(&iter_expr, true)?;
            Some(format!(
                "the `for` loop's iterator holds a closure that borrows `{first}` (given to \
                 `.{method}(..)`); make it a `move` closure over owned values"
            ))
        });
        let iter_span = iter_expr.span();
        let mut r = Resolver::new(self);
        r.expr(&mut iter_expr, Use::Consume);
        let (fx, jumps) = (r.fx, r.jumps);
        // The iterator and the loop in a block of their own: the items not
        // taken yet are dropped where the loop ends, as Rust drops them,
        // whatever the states after a twait in the body read of them.
        let scope = self.push_scope();
        let mut stmts = Vec::new();
        let iter = self.temp(TempKind::Iter);
        self.f.bindings[iter].borrow = borrow;
        self.f.bindings[iter].span = iter_span;
        let ident = self.f.bindings[iter].ident.clone();
        stmts.push(ir::Stmt::Plain(ir::Plain {
            stmt: syn::parse_quote_spanned!(iter_span=>
                let mut #ident = ::tame::__private::core::iter::IntoIterator::into_iter(#iter_expr);),
            fx,
            defs: vec![iter],
            jumps,
            diverges: false,
        }));
        let pat = *f.pat;
        let levels = syntax::lint_levels(&f.attrs);
        self.loop_(
            f.label.as_ref(),
            true,
            None,
            |b, _| {
                let mut pat = pat;
                let field_cfg = syntax::cfg_field_bindings(&pat, syntax::PatPlace::Irrefutable);
                b.scope.keep_names = !field_cfg.is_empty();
                let defs = b.declare_pat(&mut pat, syntax::PatPlace::Irrefutable, None, None, None);
                b.scope.keep_names = false;
                b.cfg_fields(&defs, &field_cfg);
                for &d in &defs {
                    b.f.bindings[d].lint_levels.clone_from(&levels);
                    b.f.bindings[d].fn_once |= items_once;
                    // A range's items are numbers (or `char`s): they
                    // borrow nothing, and a state may keep them.
                    b.f.bindings[d].owned |= numbers;
                }
                Some(LoopHead::For { iter, pat, defs })
            },
            f.body.stmts,
            span,
            &mut stmts,
        );
        self.pop_scope();
        out.push(ir::Stmt::Block(ir::Block { scope, stmts }, None));
        self.unit_value(dest, out);
    }

    /// A `while`/`for` used as a value gives `()`.
    pub(super) fn unit_value(&mut self, dest: Dest, out: &mut Vec<ir::Stmt>) {
        if dest != Dest::Discard {
            self.plain_to(syn::parse_quote!(()), dest, out);
        }
    }
}

/// Methods that iterate over a collection they borrow.
const ITERATING: &[&str] = &[
    "iter",
    "iter_mut",
    "keys",
    "values",
    "values_mut",
    "chars",
    "bytes",
    "windows",
    "chunks",
    "lines",
    "drain",
    "range",
];

/// Whether the iterable borrows `root` itself (`&root`, `root.iter()`,
/// `root.keys().cloned()`), not through a guard or another call on it
/// (`root.borrow().iter()`, `root.lock().unwrap().iter()`).
fn borrows_directly(mut e: &Expr, root: &syn::Ident) -> bool {
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::MethodCall(m) if syntax::as_ident(&m.receiver).is_some_and(|i| i == root) => {
                let first = m.method.to_string();
                return ITERATING.contains(&first.as_str()) || first.starts_with("split");
            }
            Expr::MethodCall(m) => &m.receiver,
            Expr::Path(_) => return syntax::as_ident(e).is_some_and(|i| i == root),
            _ => return false,
        };
    }
}

/// The field (or a range of one) a loop's iterable borrows directly,
/// and whether mutably: `&self.routes`, `&mut s.items`, `&cfg.v[1..]`,
/// `self.routes.iter()`, `s.items.iter_mut()`.
fn field_iterated(e: &Expr) -> Option<(&Expr, bool)> {
    fn is_field(e: &Expr) -> bool {
        match e {
            Expr::Field(f) => matches!(&*f.base, Expr::Path(_)) || is_field(&f.base),
            Expr::Index(i) => is_field(&i.expr),
            Expr::Paren(p) => is_field(&p.expr),
            _ => false,
        }
    }
    let (place, mutably) = match e {
        Expr::Paren(p) => return field_iterated(&p.expr),
        Expr::Reference(r) => (&*r.expr, r.mutability.is_some()),
        Expr::MethodCall(m)
            if m.args.is_empty() && (m.method == "iter" || m.method == "iter_mut") =>
        {
            (&*m.receiver, m.method == "iter_mut")
        }
        _ => return None,
    };
    is_field(place).then_some((place, mutably))
}

/// The method called on `root` itself in a loop's iterable (`lines` of
/// `text.lines().enumerate()`).
fn source_method(mut e: &Expr, root: &syn::Ident) -> Option<String> {
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::MethodCall(m) if syntax::as_ident(&m.receiver).is_some_and(|i| i == root) => {
                return Some(m.method.to_string());
            }
            Expr::MethodCall(m) => &m.receiver,
            _ => return None,
        };
    }
}

/// Whether a loop's iterable lends its items mutably (`v.iter_mut()`,
/// `&mut v`, `map.values_mut()`).
fn iterates_mutably(e: &Expr) -> bool {
    match e {
        Expr::Reference(r) => r.mutability.is_some(),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            name.ends_with("_mut") || iterates_mutably(&m.receiver)
        }
        Expr::Paren(p) => iterates_mutably(&p.expr),
        _ => false,
    }
}
