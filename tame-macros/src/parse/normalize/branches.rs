//! `if` and `match` of the spine: their conditions, patterns and guards,
//! and each branch delivering the construct's value.

use super::*;

/// A `break`/`continue` in the condition of an `if`, `while` or `while
/// let`, or in the scrutinee of a `match`, whose body waits: the machine
/// evaluates it outside the code that knows where the jump goes.
pub(crate) const JUMP_IN_A_WAITING_CONDITION: &str = "a `break` or `continue` inside the condition or scrutinee of an `if`, `while` or `match` whose body has a twait is not supported; compute the condition first, in a statement of its own (`let go = match line.parse::<u32>() { Ok(n) => n > 1, Err(_) => continue };` then `if go { .. }`; in a loop, `loop { let Some(x) = .. else { break }; .. }`)";

impl Builder<'_> {
    pub(super) fn if_(&mut self, i: syn::ExprIf, dest: Dest, out: &mut Vec<ir::Stmt>) {
        let i = match chain_as_match(i) {
            Ok(m) => return self.match_(m, dest, out),
            Err(i) => i,
        };
        let then = Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: i.then_branch.clone(),
        });
        let els = i.else_branch.as_ref().map(|e| &*e.1);
        if let Some(nested) = split_let_chain(
            &i.cond,
            &then,
            els,
            || self.chain_label(),
            dest != Dest::Discard,
        ) {
            return self.split_chain(nested, dest, out);
        }
        let mut cond = *i.cond;
        match &mut cond {
            Expr::Let(l) => self.make_twait_free(&mut l.expr, out),
            other => self.make_twait_free(other, out),
        }
        let then = Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: i.then_branch,
        });
        let els = i.else_branch.map(|(_, e)| *e);
        self.if_parts(cond, then, els, dest, out);
    }

    /// A let chain split by [`split_let_chain`], delivered to `dest`.
    /// Promoted (see [`Builder::promoted`]), its labeled block is one of
    /// the spine: as ordinary code the whole of it would stay one
    /// statement, and the move on some paths it was promoted for would go
    /// unseen by the machine.
    pub(super) fn split_chain(&mut self, nested: Expr, dest: Dest, out: &mut Vec<ir::Stmt>) {
        match nested {
            Expr::Block(b) if b.label.is_some() && std::mem::take(&mut self.force_spine) => {
                self.block_of_spine(b, dest, out)
            }
            other => self.value(other, dest, out),
        }
    }

    /// A label of the translator's for a let chain's block (see
    /// [`split_let_chain`]), one the user cannot name.
    pub(super) fn chain_label(&self) -> syn::Lifetime {
        let name = format!("'__tame_chain{}", self.f.loops.len());
        syn::Lifetime::new(&name, Span::mixed_site())
    }

    /// An `if` whose condition has no twait; its branches may.
    pub(in crate::parse) fn if_parts(
        &mut self,
        cond: Expr,
        then: Expr,
        els: Option<Expr>,
        dest: Dest,
        out: &mut Vec<ir::Stmt>,
    ) {
        // `else` takes a block or another `if`.
        let els = els.map(|e| match e {
            Expr::Block(_) | Expr::If(_) => e,
            other => syn::parse_quote!({ #other }),
        });
        if let Some(nested) = split_let_chain(
            &cond,
            &then,
            els.as_ref(),
            || self.chain_label(),
            dest != Dest::Discard,
        ) {
            return self.split_chain(nested, dest, out);
        }
        let branches_wait = std::mem::take(&mut self.force_spine)
            || has_twait(&then)
            || els.as_ref().is_some_and(has_twait);
        if !branches_wait {
            // Ordinary code now (a twait in the condition went before it),
            // which may still move a variable on some paths. Its `if` has
            // the span of the user's condition, so that it has the user's
            // edition: an `if let`'s scrutinee temporaries are dropped
            // before the `else` in edition 2024, after it in 2021 (the
            // macro's own spans would give it this crate's edition).
            let span = cond.span();
            let e: Expr = match els {
                Some(els) => syn::parse_quote_spanned!(span=> if #cond #then else #els),
                None => syn::parse_quote_spanned!(span=> if #cond #then),
            };
            self.value(e, dest, out);
            return;
        }
        // The condition's `let` bindings live in the `then` branch.
        let then_scope = self.push_scope();
        let mut cond = cond;
        let mut r = Resolver::new(self);
        r.expr(&mut cond, Use::Read);
        let jumps = !r.jumps.is_empty();
        let mut fx = r.fx;
        if jumps {
            self.errors
                .push(syn::Error::new(cond.span(), JUMP_IN_A_WAITING_CONDITION));
        }
        // `if let P = x` moves `x` (by value) when it matches: in `then`.
        let bound_from = match &cond {
            Expr::Let(l) if syntax::binds_by_value(&l.pat, syntax::PatPlace::Refutable) => {
                syntax::as_ident(&l.expr)
                    .and_then(|i| self.resolve(&i.to_string()))
                    .inspect(|&b| moved_by_arms(&mut fx, b))
            }
            _ => None,
        };
        let defs = match &mut cond {
            Expr::Let(l) => self.declare_let(l),
            _ => Vec::new(),
        };
        let mut then_stmts = Vec::new();
        self.block_expr(then, dest, &mut then_stmts);
        self.pop_scope();
        let els = match els {
            Some(e) => {
                let scope = self.push_scope();
                let mut stmts = Vec::new();
                self.block_expr(e, dest, &mut stmts);
                self.pop_scope();
                Some(ir::Block { scope, stmts })
            }
            None => match dest {
                Dest::Assign(t) => {
                    let scope = self.push_scope();
                    let stmts = vec![self.assign(t, syn::parse_quote!(()))];
                    self.pop_scope();
                    Some(ir::Block { scope, stmts })
                }
                _ => None,
            },
        };
        out.push(ir::Stmt::If(ir::If {
            promoted: None,
            cond,
            fx,
            defs,
            bound_from,
            then: ir::Block {
                scope: then_scope,
                stmts: then_stmts,
            },
            els,
        }));
    }

    /// The statements of a branch (a block, an `else if`, an arm's
    /// expression) in the current scope.
    pub(super) fn block_expr(&mut self, e: Expr, dest: Dest, out: &mut Vec<ir::Stmt>) {
        match e {
            Expr::Block(b) if b.label.is_none() => self.stmts(b.block.stmts, dest, out),
            other => self.value(other, dest, out),
        }
    }

    pub(super) fn match_(&mut self, m: syn::ExprMatch, dest: Dest, out: &mut Vec<ir::Stmt>) {
        let mut scrutinee = *m.expr;
        self.make_twait_free(&mut scrutinee, out);
        let arms_wait = std::mem::take(&mut self.force_spine)
            || m.arms
                .iter()
                .any(|a| has_twait(&a.body) || a.guard.as_ref().is_some_and(|(_, g)| has_twait(g)));
        if !arms_wait {
            // As for an `if` above.
            let arms = &m.arms;
            let e: Expr = syn::parse_quote!(match #scrutinee { #(#arms)* });
            self.value(e, dest, out);
            return;
        }
        let moves = m
            .arms
            .iter()
            .any(|a| syntax::binds_by_value(&a.pat, syntax::PatPlace::Refutable));
        let mut r = Resolver::new(self);
        r.expr(&mut scrutinee, if moves { Use::Consume } else { Use::Read });
        let jumps = !r.jumps.is_empty();
        let mut fx = r.fx;
        if jumps {
            self.errors.push(syn::Error::new(
                scrutinee.span(),
                JUMP_IN_A_WAITING_CONDITION,
            ));
        }
        // A variable matched on is moved by the arms that bind by value.
        let bound_from = moves
            .then(|| syntax::as_ident(&scrutinee))
            .flatten()
            .and_then(|i| self.resolve(&i.to_string()))
            .inspect(|&b| moved_by_arms(&mut fx, b));
        let borrowed = self
            .borrow_of_local(&scrutinee)
            .map(|(root, how)| {
                format!(
                    "it is bound from a borrow of `{}` ({how})",
                    self.shown_name(&root)
                )
            })
            .or_else(|| {
                // A variable that holds a borrow (`let state = &st;` then
                // `match state`): what the arms bind borrows what it does.
                let held =
                    syntax::as_ident(&scrutinee).and_then(|i| self.resolve(&i.to_string()))?;
                let binding = &self.f.bindings[held];
                let why = binding.borrow.as_ref()?;
                Some(format!("it is bound from `{}`, and {why}", binding.name))
            });
        // No drop: kept only while used (see `syntax::binds_references`).
        let references = syntax::binds_references(&scrutinee);
        let passes_handle = self.passes_tame_handle(&scrutinee);
        let mut arms = Vec::new();
        for arm in m.arms {
            let scope = self.push_scope();
            let mut pat = arm.pat;
            let taken = self.taken_from(&pat, &scrutinee);
            let field_cfg = syntax::cfg_field_bindings(&pat, syntax::PatPlace::Refutable);
            self.scope.keep_names = !field_cfg.is_empty();
            let defs = self.declare_pat(
                &mut pat,
                syntax::PatPlace::Refutable,
                None,
                None,
                borrowed.clone(),
            );
            self.scope.keep_names = false;
            if passes_handle {
                for &id in &defs {
                    self.f.bindings[id].tame_handle = true;
                }
            }
            self.cfg_fields(&defs, &field_cfg);
            self.mark_taken(&defs, taken);
            if references {
                for &d in &defs {
                    self.f.bindings[d].trivial = true;
                }
            }
            let mut defs = defs;
            let guard = arm.guard.map(|(_, g)| {
                let mut g = *g;
                if has_twait(&g) {
                    self.errors.spanned(
                        &g,
                        "twait! cannot be used in a match guard; wait before the match, or inside the arm",
                    );
                }
                let mut fx = ir::Effects::default();
                self.guard(&mut g, &mut fx, &mut defs);
                (g, fx)
            });
            // The arm's lint levels cover its pattern's and its guard's
            // names (see `ir::Binding::lint_levels`).
            let levels = syntax::lint_levels(&arm.attrs);
            for &d in &defs {
                self.f.bindings[d].lint_levels.clone_from(&levels);
            }
            // The body's last token (a block's `}`): the machine's braces
            // around the arm's code end there, so that rustc's fix-its that
            // go after the last arm (a missing pattern's) land in the
            // user's code.
            let end = match &*arm.body {
                Expr::Block(b) if b.label.is_none() => b.block.brace_token.span.close(),
                other => other.span(),
            };
            let mut stmts = Vec::new();
            self.block_expr(*arm.body, dest, &mut stmts);
            self.pop_scope();
            // Its `#[cfg]`s and `allow`s (see `syntax::machine_attrs`):
            // the other lint levels and doc comments are the lint shadow's,
            // which has the arm as written.
            let mut attrs = arm.attrs;
            syntax::machine_attrs(&mut attrs);
            arms.push(ir::Arm {
                attrs,
                bound_from: bound_from
                    .filter(|_| syntax::binds_by_value(&pat, syntax::PatPlace::Refutable)),
                pat,
                guard,
                defs,
                body: ir::Block { scope, stmts },
                end,
            });
        }
        out.push(ir::Stmt::Match(ir::Match {
            promoted: None,
            scrutinee,
            fx,
            arms,
        }));
    }

    /// The variables of a condition's `let` (its expression resolved),
    /// declared for the code it guards.
    pub(super) fn declare_let(&mut self, l: &mut syn::ExprLet) -> Vec<BindingId> {
        let init = (*l.expr).clone();
        // (`while let Some(job) = queue.pop_front()` of `FnOnce` jobs.)
        let taken = self.taken_from(&l.pat, &init);
        let field_cfg = syntax::cfg_field_bindings(&l.pat, syntax::PatPlace::Refutable);
        self.scope.keep_names = !field_cfg.is_empty();
        let defs = self.declare_pat(
            &mut l.pat,
            syntax::PatPlace::Refutable,
            Some(&init),
            None,
            None,
        );
        self.scope.keep_names = false;
        self.cfg_fields(&defs, &field_cfg);
        self.mark_taken(&defs, taken);
        // (See `match` above.)
        if syntax::binds_references(&init) {
            for &d in &defs {
                self.f.bindings[d].trivial = true;
            }
        }
        defs
    }

    /// The bindings of pattern fields under `#[cfg]` (see
    /// [`syntax::cfg_field_bindings`]) are under it in the machine too.
    pub(super) fn cfg_fields(
        &mut self,
        defs: &[BindingId],
        field_cfg: &[(String, Vec<syn::Attribute>)],
    ) {
        for &d in defs {
            if let Some((_, cfg)) = field_cfg
                .iter()
                .find(|(n, _)| *n == self.f.bindings[d].name)
            {
                self.f.bindings[d].cfg.clone_from(cfg);
            }
        }
    }

    /// A match guard: its effects go to `fx`. An `if let` guard (or a
    /// chain of them, `if let Some(a) = x && let Ok(b) = a.parse()`) binds
    /// variables for the arm as its pattern does: they are declared, in
    /// order, after the expression each is matched against (a guard
    /// cannot move, so every use is a read).
    pub(super) fn guard(&mut self, g: &mut Expr, fx: &mut ir::Effects, defs: &mut Vec<BindingId>) {
        match g {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                self.guard(&mut b.left, fx, defs);
                self.guard(&mut b.right, fx, defs);
            }
            Expr::Let(l) => {
                let mut r = Resolver::new(self);
                r.expr(&mut l.expr, Use::Read);
                fx.0.extend(r.fx.0);
                let bound = self.declare_let(l);
                defs.extend(bound);
            }
            other => {
                let mut r = Resolver::new(self);
                r.expr(other, Use::Read);
                fx.0.extend(r.fx.0);
            }
        }
    }
}

/// A long `else if` chain of plain conditions (no `let`, no twait), as
/// the `match` it means: `if a { .. } else if b { .. } else { .. }` is
/// `match () { _ if a => { .. } _ if b => { .. } _ => { .. } }`, each
/// condition evaluated in turn until one holds, its temporaries dropped
/// before its branch. The machine takes a `match`'s arms side by side and
/// an `else if` inside its `else`: a chain of hundreds of branches (a
/// dispatch on a command or an opcode) would nest as deep, and each of
/// the translator's passes recurses once per nesting, on rustc's stack,
/// which it would overflow. Where the chain meets a condition with a `let`
/// or a twait, the rest stays an `if`, as the last arm's body. Shorter
/// chains stay as they are.
fn chain_as_match(i: syn::ExprIf) -> Result<syn::ExprMatch, syn::ExprIf> {
    // Past this many branches a chain is taken as a `match`.
    const LONG: usize = 16;
    let plain = |c: &Expr| !binds(c) && !has_twait(c);
    let mut n = 0;
    let mut at = &i;
    while plain(&at.cond) {
        n += 1;
        match at.else_branch.as_ref().map(|(_, e)| &**e) {
            Some(Expr::If(next)) => at = next,
            _ => break,
        }
    }
    if n < LONG || !i.attrs.is_empty() {
        return Err(i);
    }
    let span = i.if_token.span;
    let mut arms: Vec<syn::Arm> = Vec::with_capacity(n);
    let mut at = i;
    let rest: Option<Expr> = loop {
        if arms.len() == n {
            break Some(Expr::If(at));
        }
        let syn::ExprIf {
            cond,
            then_branch,
            else_branch,
            ..
        } = at;
        arms.push(syn::parse_quote_spanned!(span=> _ if #cond => #then_branch));
        match else_branch.map(|(_, e)| *e) {
            Some(Expr::If(next)) => at = next,
            other => break other,
        }
    };
    let rest = rest.unwrap_or_else(|| syn::parse_quote_spanned!(span=> {}));
    Ok(syn::parse_quote_spanned!(span=> match () { #(#arms)* _ => #rest }))
}

/// Whether an `if`'s condition is or chains a `let` (`let Some(x) = o`,
/// `a && let Some(x) = o`).
fn binds(cond: &Expr) -> bool {
    match cond {
        Expr::Let(_) => true,
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => binds(&b.left) || binds(&b.right),
        _ => false,
    }
}
