//! Expressions that hold a twait, taken apart into statements.
//!
//! * A twait, `if`, `match`, loop or block in an operand position sends
//!   its value into a temporary first: `f(a(), twait!(r))` becomes
//!   `let t0 = a(); <wait into t1>; f(t0, t1)`. Operands to the left of
//!   the twait are evaluated before it, in order, as Rust does; those that
//!   only read a place (`x`, `self.n`, `&v[i]`, a literal) stay where they
//!   are and are read after it; an element taken by value (`f(v[i],
//!   twait!(r))`) is copied first, as Rust copies it (see
//!   [`takes_by_value`]).
//! * `place op= value` and `place = value` evaluate the value first and
//!   keep the place a place: its operands that run before the twait go
//!   into temporaries (`v[next()] += twait!(r)` reads `next()` after the
//!   twait, as the value comes first), the place itself is written after.
//! * `a && twait!(..)` becomes an `if`, so the right side still runs only
//!   when it has to.
//! * An `if`, `match` or loop whose value is used delivers it through a
//!   temporary assigned at the end of each branch (or by `break value`).
//!
//! `branches.rs` parses the `if`s and `match`es of the spine, `loops.rs`
//! its loops; this file the rest (values, promotions, hoisting).

mod branches;
mod loops;

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::macros::{self, has_twait, Which};
use super::plain::{Resolver, Use};
use super::syntax::{self, stays_in_place};
use super::{Builder, Dest};
use crate::ir::{self, BindingId, LoopHead, LoopInfo, TempKind};

impl Builder<'_> {
    /// The statements that compute `e` and deliver its value to `dest`.
    pub(super) fn value(&mut self, e: Expr, dest: Dest, out: &mut Vec<ir::Stmt>) {
        // A jump that is a statement of its own jumps directly.
        if let Some(()) = self.direct_jump(&e, out) {
            return;
        }
        if !has_twait(&e) {
            // (Under `#[cfg]`, it stays as written; a lint level is the
            // lint shadow's.)
            let unlabeled_block = matches!(&e, Expr::Block(b) if b.label.is_none());
            if dest == Dest::Discard
                && (unlabeled_block || matches!(e, Expr::If(_) | Expr::Match(_)))
                && !syntax::may_be_compiled_out(syntax::expr_attrs(&e))
            {
                return self.maybe_promoted(e, out);
            }
            // The value of a branch of a construct being promoted
            // (`let y = if c { if d { x } else { .. } } else { .. };`), or
            // of one that waits (`else { let g = ..; if d { eat(x) } 2 }`):
            // it may move a variable on some paths too.
            if matches!(dest, Dest::Assign(_))
                && (unlabeled_block || matches!(e, Expr::If(_) | Expr::Match(_)))
                && !syntax::may_be_compiled_out(syntax::expr_attrs(&e))
            {
                if let Err(plain) = self.promoted(e, dest, out) {
                    out.push(ir::Stmt::Plain(*plain));
                }
                return;
            }
            let mut e = e;
            if dest != Dest::Return {
                self.hoist_moving_constructs(&mut e, false, out);
            }
            self.plain_to(e, dest, out);
            return;
        }
        // `debug_assert!(..)` whose arguments wait runs none of them
        // without `debug_assertions`, as the macro would not.
        if let Expr::Macro(m) = &e {
            if let Some(e) = syntax::debug_assert_as_if(m) {
                return self.value(e, dest, out);
            }
        }
        match e {
            Expr::Macro(m) if macros::which(&m.mac) == Some(Which::Twait) => {
                self.twait(&m.mac, dest, out)
            }
            Expr::Paren(p) => self.value(*p.expr, dest, out),
            Expr::Group(g) => self.value(*g.expr, dest, out),
            // A block or `loop` whose value a statement drops (`{ let _g =
            // lock(); twait!{..}; Report::new() };`): the value is dropped
            // after the block's variables, at the statement's end.
            e @ (Expr::Block(_) | Expr::Loop(_))
                if dest == Dest::Discard && syntax::gives_value(&e) =>
            {
                let span = e.span();
                let t = self.declare_temp(out);
                self.value(e, Dest::Assign(t), out);
                let ident = self.f.bindings[t].ident.clone();
                self.plain_to(
                    syn::parse_quote_spanned!(span=> ::tame::__private::discard(#ident)),
                    Dest::Discard,
                    out,
                );
            }
            Expr::If(i) => self.if_(i, dest, out),
            Expr::Match(m) => self.match_(m, dest, out),
            Expr::Loop(l) => {
                let d = self.loop_dest(dest, out);
                let span = l.span();
                let label = l.label.clone();
                let body = l.body.stmts;
                self.loop_(
                    label.as_ref(),
                    true,
                    d,
                    |_, _| Some(LoopHead::Loop),
                    body,
                    span,
                    out,
                );
                self.after_loop(d, dest, out);
            }
            Expr::While(w) => self.while_(w, dest, out),
            Expr::ForLoop(f) => self.for_(f, dest, out),
            Expr::Block(b) => self.block_of_spine(b, dest, out),
            // A block like another, in a machine that is all `unsafe` (see
            // `ir::Function::unsafe_waits`).
            Expr::Unsafe(u) => {
                self.f.unsafe_waits = true;
                let b = syn::ExprBlock {
                    attrs: u.attrs,
                    label: None,
                    block: u.block,
                };
                self.value(Expr::Block(b), dest, out);
            }
            // (A `return` with no value gives `()` at its `return`: a
            // type error is reported there.)
            Expr::Return(r) => match r.expr {
                Some(v) if self.f.returns_value => self.value(*v, Dest::Return, out),
                Some(v) => {
                    self.value(*v, Dest::Discard, out);
                    let at = r.return_token.span;
                    self.plain_to(syn::parse_quote_spanned!(at=> ()), Dest::Return, out);
                }
                None => {
                    let at = r.return_token.span;
                    self.plain_to(syn::parse_quote_spanned!(at=> ()), Dest::Return, out);
                }
            },
            Expr::Binary(b)
                if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_))
                    && has_twait(&b.right) =>
            {
                // `l && r` → `if l { r } else { false }`; `l || r` → `if l { true } else { r }`.
                let and = matches!(b.op, syn::BinOp::And(_));
                let mut cond = *b.left;
                self.make_twait_free(&mut cond, out);
                let d = match dest {
                    Dest::Assign(_) | Dest::Return => dest,
                    Dest::Discard => Dest::Discard,
                };
                let right = *b.right;
                let short: Expr = if and {
                    syn::parse_quote!(false)
                } else {
                    syn::parse_quote!(true)
                };
                let (then_e, else_e) = if and { (right, short) } else { (short, right) };
                self.if_parts(cond, then_e, Some(else_e), d, out);
            }
            mut other => {
                self.make_twait_free(&mut other, out);
                self.plain_to(other, dest, out);
            }
        }
    }

    /// An `if`/`match` statement with no twait: ordinary code, and also a
    /// construct of the spine when it moves a variable of the function on
    /// some of its paths only (see [`ir::Promotion`]; `lower` picks one).
    /// A block statement that does is parsed as a block of the spine (it
    /// costs no state), so that such an `if` inside it is one of those.
    pub(super) fn maybe_promoted(&mut self, e: Expr, out: &mut Vec<ir::Stmt>) {
        if let Err(plain) = self.promoted(e, Dest::Discard, out) {
            out.push(ir::Stmt::Plain(*plain));
        }
    }

    /// `e` (an `if`, `match` or block with no twait) delivered to `dest`
    /// as a promoted construct, if it moves a variable on some paths only;
    /// else `e` as ordinary code, which the caller must use if it made an
    /// event with slots (their sites stay registered); otherwise nothing
    /// its parse registered stays, and the caller may parse it anew.
    fn promoted(
        &mut self,
        e: Expr,
        dest: Dest,
        out: &mut Vec<ir::Stmt>,
    ) -> Result<(), Box<ir::Plain>> {
        let sites = self.f.slot_sites.len();
        let prelude = self.prelude.len();
        // The slot sites the parse as ordinary code records (or takes
        // again, inside a construct itself parsed again): the parse as a
        // construct of the spine takes the same.
        let next_site = |b: &Self| {
            b.sites_again
                .as_ref()
                .map_or(b.f.slot_sites.len(), |r| r.start)
        };
        let first = next_site(self);
        let mut plain = Vec::new();
        self.plain_to(e.clone(), dest, &mut plain);
        let mine = first..next_site(self);
        let makes_slots = !mine.is_empty();
        let plain = match plain.pop() {
            Some(ir::Stmt::Plain(p)) if plain.is_empty() => p,
            // `plain_to` makes one statement; nothing else reaches here.
            _ => unreachable!("ordinary code is one statement"),
        };
        // A `break`/`continue` in the condition or scrutinee would have to
        // pack the state from inside the construct's head: it stays
        // ordinary code (its move on some paths drops at the next twait).
        let head_jumps = match &e {
            Expr::If(i) => syntax::jumps_out(&i.cond),
            Expr::Match(m) => syntax::jumps_out(&m.expr),
            _ => false,
        };
        if head_jumps || !self.moves_a_variable_on_some_paths(&plain) {
            if !makes_slots {
                // Parsed again by the caller if it does not take `plain`.
                self.f.slot_sites.truncate(sites);
                self.prelude.truncate(prelude);
            }
            return Err(Box::new(plain));
        }
        // The same code parsed again: what it reports was reported once.
        let reported = self.errors.snapshot();
        let outer = self.sites_again.replace(mine);
        if let Expr::Block(b) = e {
            let scope = self.push_scope();
            let mut stmts = Vec::new();
            self.stmts(b.block.stmts, dest, &mut stmts);
            self.pop_scope();
            self.errors.restore(reported);
            self.sites_again = outer;
            out.push(ir::Stmt::Block(ir::Block { scope, stmts }, None));
            return Ok(());
        }
        self.force_spine = true;
        let mut spine = Vec::new();
        match e {
            Expr::If(i) => self.if_(i, dest, &mut spine),
            Expr::Match(m) => self.match_(m, dest, &mut spine),
            _ => {}
        }
        self.force_spine = false;
        self.sites_again = outer;
        self.errors.restore(reported);
        let promotion = ir::Promotion {
            id: self.f.promotions,
            plain,
        };
        match spine.pop() {
            Some(ir::Stmt::If(mut i)) if spine.is_empty() => {
                i.promoted = Some(promotion);
                out.push(ir::Stmt::If(i));
            }
            Some(ir::Stmt::Match(mut m)) if spine.is_empty() => {
                m.promoted = Some(promotion);
                out.push(ir::Stmt::Match(m));
            }
            // A let chain with an `else`, split into a labeled block of
            // the spine (see [`Builder::split_chain`]): it stays one,
            // as a plain block would (it cannot be demoted).
            Some(b @ ir::Stmt::Block(_, Some(_))) if spine.is_empty() => {
                out.push(b);
                return Ok(());
            }
            _ => return Err(Box::new(promotion.plain)),
        }
        self.f.promotions += 1;
        Ok(())
    }

    /// `let x = if/match ..;` with no twait, moving a variable on some
    /// paths only: `let x; <promoted construct assigning x>` (see
    /// [`Builder::promoted`]), or, where the construct names `x` (the `x`
    /// it shadows, or a field or method of that name), `let __tame_x_value;
    /// <construct assigning it>; let x = __tame_x_value;`. Returns whether
    /// it was that.
    pub(super) fn promoted_let(&mut self, l: &syn::Local, out: &mut Vec<ir::Stmt>) -> bool {
        let Some(init) = &l.init else { return false };
        // One variable, assigned in each branch (`let x: T;` keeps the type
        // the branches' values coerce to).
        let (ident, ty) = match &l.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => (p, None),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => (p, Some(&*t.ty)),
                _ => return false,
            },
            _ => return false,
        };
        // `let n = match n { .. }` reads the `n` it shadows: declared
        // first, the new one would hide it; a variable of another name
        // holds the value meanwhile.
        let shadows = {
            let name = ident.ident.to_string();
            let mut idents = Vec::new();
            for tt in quote::ToTokens::to_token_stream(&init.expr) {
                super::collect_idents(tt, &mut idents);
            }
            idents.contains(&name)
        };
        let promotable = init.diverge.is_none()
            && (matches!(*init.expr, Expr::If(_) | Expr::Match(_) | Expr::Unsafe(_))
                || matches!(&*init.expr, Expr::Block(b) if b.label.is_none()))
            && !syntax::may_be_compiled_out(syntax::expr_attrs(&init.expr))
            && !has_twait(&init.expr)
            && !syntax::may_be_compiled_out(&l.attrs);
        if !promotable || !self.moves_on_some_paths(&init.expr) {
            return false;
        }
        // A value that borrows the variable it shadows (`let line = if c {
        // eat(g); line.trim() } else { line.as_str() };`) could not be kept
        // by the state after the construct, which would keep that
        // variable too: left to the plain code, as before.
        if shadows && self.borrow_of_local(&init.expr).is_some() {
            return false;
        }
        // (At the user's span, as a `let`'s holder of a temporary is: see
        // `Builder::extended_temporary`; of the raw identifier's name.)
        let holder = shadows.then(|| {
            let name = syn::ext::IdentExt::unraw(&ident.ident);
            let mut held = format!("__tame_{name}_value");
            while self.user_names.contains(&held) {
                held.push('_');
            }
            syn::Ident::new(&held, ident.ident.span())
        });
        let declared_ident = holder.clone().unwrap_or_else(|| ident.ident.clone());
        let m = holder.is_none().then_some(ident.mutability).flatten();
        // (A holder made of `_n` or `N` is no snake case name: the lint
        // would report it at the user's `let`.)
        let allow = holder
            .is_some()
            .then(|| quote::quote!(#[allow(non_snake_case)]));
        let decl: syn::Stmt = match ty {
            Some(ty) => syn::parse_quote!(#allow let #m #declared_ident: #ty;),
            None => syn::parse_quote!(#allow let #m #declared_ident;),
        };
        let e = match (*init.expr).clone() {
            // A block like another, in a machine that is all `unsafe` (see
            // `ir::Function::unsafe_waits`).
            Expr::Unsafe(u) => {
                self.f.unsafe_waits = true;
                Expr::Block(syn::ExprBlock {
                    attrs: u.attrs,
                    label: None,
                    block: u.block,
                })
            }
            e => e,
        };
        let declared = out.len();
        if let syn::Stmt::Local(decl) = decl {
            self.local(decl, out);
        }
        let x = out[declared..]
            .iter()
            .find_map(|s| match s {
                ir::Stmt::Plain(p) => p.defs.first().copied(),
                _ => None,
            })
            .expect("`let x;` declares `x`");
        // Judged by the value written, as the `let` would have been
        // (`let y = if d { 0 } else { 5 };` holds nothing to drop).
        if syntax::trivially_undroppable(&init.expr) || self.number_valued(&init.expr) {
            self.f.bindings[x].trivial = true;
        }
        let trivial = self.f.bindings[x].trivial;
        if let Err(plain) = self.promoted(e, Dest::Assign(x), out) {
            out.push(ir::Stmt::Plain(*plain));
        }
        if let Some(holder) = holder {
            let pat = &l.pat;
            let attrs = &l.attrs;
            let given: syn::Stmt = syn::parse_quote!(#(#attrs)* let #pat = #holder;);
            if let syn::Stmt::Local(given) = given {
                let at = out.len();
                self.local(given, out);
                if trivial {
                    for s in &out[at..] {
                        if let ir::Stmt::Plain(p) = s {
                            for &d in &p.defs {
                                self.f.bindings[d].trivial = true;
                            }
                        }
                    }
                }
            }
        }
        true
    }

    /// Whether a statement moves a variable of the user's, worth dropping,
    /// on some of its paths only (or gives one declared without a value
    /// its value on some paths only).
    fn moves_a_variable_on_some_paths(&self, p: &ir::Plain) -> bool {
        p.fx.0.iter().enumerate().any(|(i, &(b, _))| {
            let binding = &self.f.bindings[b];
            p.sets_value_on_some_paths(binding, i)
                && binding.kind == ir::BindingKind::User
                && !binding.trivial
        })
    }

    /// Whether `e` (ordinary code) moves a variable of the function on some
    /// of its paths only; nothing of this look stays.
    pub(super) fn moves_on_some_paths(&mut self, e: &Expr) -> bool {
        let (e, fx, jumps) = self.walked(e);
        self.moves_a_variable_on_some_paths(&ir::Plain {
            stmt: syn::Stmt::Expr(e, None),
            fx,
            defs: Vec::new(),
            jumps,
            diverges: false,
        })
    }

    /// `e` walked as a `let`'s value is (used by value, so a variable that
    /// is a branch's value, `if c { x } else { .. }`, is moved by it): the
    /// walked copy, its effects and its jumps. Nothing of the walk stays.
    fn walked(&mut self, e: &Expr) -> (Expr, ir::Effects, Vec<usize>) {
        let errors = self.errors.snapshot();
        let (sites, prelude) = (self.f.slot_sites.len(), self.prelude.len());
        let again = self.sites_again.clone();
        let mut e = e.clone();
        let mut r = Resolver::new(self);
        r.expr(&mut e, Use::Consume);
        let (fx, jumps) = (r.fx, r.jumps);
        self.sites_again = again;
        self.errors.restore(errors);
        self.f.slot_sites.truncate(sites);
        self.prelude.truncate(prelude);
        (e, fx, jumps)
    }

    /// `break`/`continue` (with a value) as a statement of the spine.
    fn direct_jump(&mut self, e: &Expr, out: &mut Vec<ir::Stmt>) -> Option<()> {
        let (label, is_break, value) = match e {
            // Under `#[cfg]`: ordinary code, whose jump keeps its `cfg`.
            Expr::Break(b) if b.attrs.is_empty() => (b.label.as_ref(), true, b.expr.as_deref()),
            Expr::Continue(c) if c.attrs.is_empty() => (c.label.as_ref(), false, None),
            _ => return None,
        };
        let target = self.jump_target(label, e.span())?;
        if let Some(v) = value {
            match self.f.loops[target].dest {
                Some(d) => self.value(v.clone(), Dest::Assign(d), out),
                // A loop whose value is discarded (`loop { .. break v; };`):
                // the value is made and dropped where the loop ends. (In a
                // `while` or `for`, rustc's E0571 at the lint shadow.)
                None => {
                    let span = v.span();
                    self.value(
                        syn::parse_quote_spanned!(span=> ::tame::__private::discard(#v)),
                        Dest::Discard,
                        out,
                    );
                }
            }
        } else if let (true, Some(d)) = (is_break, self.f.loops[target].dest) {
            // `break;` out of a loop (or labeled block) whose value is
            // used gives it `()`, as in Rust (see `plain.rs`'s `jump`).
            let span = e.span();
            self.value(syn::parse_quote_spanned!(span=> ()), Dest::Assign(d), out);
        }
        let k = self.f.jumps.len();
        self.f.jumps.push(ir::JumpInfo {
            target,
            is_break,
            writes: Vec::new(),
            hidden: Vec::new(),
            moved: Some(Vec::new()),
        });
        out.push(ir::Stmt::Jump(k));
        Some(())
    }

    /// Makes `e` free of twaits: its twaits, and the operands evaluated
    /// before them, move into statements before it.
    pub(super) fn make_twait_free(&mut self, e: &mut Expr, out: &mut Vec<ir::Stmt>) {
        self.hoist(e, has_twait, out);
    }

    /// Moves the parts of `e` that `needs` says must be statements of
    /// their own (a twait, or a construct that must be one of the spine),
    /// and the operands evaluated before them, into statements before it.
    fn hoist(&mut self, e: &mut Expr, needs: fn(&Expr) -> bool, out: &mut Vec<ir::Stmt>) {
        let taken = Operands::of(e);
        self.hoist_taken(e, taken, needs, out);
    }

    /// [`Builder::hoist`], `e`'s operands taken as `taken` says (a macro's
    /// argument list, a tuple to the parser, is borrowed by most).
    fn hoist_taken(
        &mut self,
        e: &mut Expr,
        taken: Operands,
        needs: fn(&Expr) -> bool,
        out: &mut Vec<ir::Stmt>,
    ) {
        if !needs(e) {
            return;
        }
        let whole = match e {
            Expr::Macro(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Block(_)
            | Expr::Unsafe(_)
            | Expr::Return(_)
            | Expr::Break(_)
            | Expr::Continue(_) => true,
            Expr::Binary(b) => {
                matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) && needs(&b.right)
            }
            _ => false,
        };
        if whole {
            if let Expr::Macro(m) = e {
                if macros::which(&m.mac).is_none() && self.hoist_macro_args(m, needs, out) {
                    return;
                }
                if macros::which(&m.mac).is_none() {
                    self.errors
                        .spanned(&m.mac, macros::TWAIT_IN_MACRO_ARGUMENTS);
                    return;
                }
            }
            let span = e.span();
            let waited_args = waited_args_span(e);
            let mut taken = std::mem::replace(e, Expr::Verbatim(Default::default()));
            unmark(&mut taken);
            // A construct whose values are numbers or the like holds no
            // borrow: its join may keep it.
            let owned = syntax::trivially_undroppable(&taken)
                || self.number_valued(&taken)
                || self.values_made_in_place(&taken);
            let t = self.value_to_temp(taken, out);
            self.f.bindings[t].owned |= owned;
            // A value, as the construct was: a temporary of the statement
            // again, dropped at its end unless the statement moves it (`let
            // _ = { twait!{..}; guard };` drops the guard there, not at the
            // next twait).
            let value = self.temp_expr(t, span);
            *e = match waited_args {
                // `twait!(r)`'s value spans `twait!(r)` whole, as the lint
                // shadow's stand-in does: a type error about it (`let n:
                // u32 = twait!(r);`) is then the shadow's, and reported
                // once, its fix-it (`.expect(..)`) after the `)`.
                Some(close) => {
                    let mut args = proc_macro2::Group::new(
                        proc_macro2::Delimiter::Parenthesis,
                        value.into_token_stream(),
                    );
                    args.set_span(close);
                    syn::parse_quote_spanned!(span=> ::tame::__private::waited #args)
                }
                None => syntax::moved_value(span, &value),
            };
            return;
        }
        let method_call = matches!(e, Expr::MethodCall(_));
        let indexed = matches!(e, Expr::Index(_));
        if let Expr::Struct(s) = &*e {
            // A field before the last that waits is computed before the
            // wait, into a variable of the machine's, which its `#[cfg]`
            // would have to remove in the builds without it.
            // (The field that waits itself too: its wait is made before
            // the literal.)
            // (A `..base` that waits comes after every field.)
            let last = if s.rest.as_deref().is_some_and(needs) {
                s.fields.len().checked_sub(1)
            } else {
                s.fields.iter().rposition(|f| needs(&f.expr))
            };
            let computed = s.fields.iter().take(last.map_or(0, |l| l + 1));
            let computed = computed
                .filter(|f| !syntax::stays_in_place(&f.expr) && !syntax::constant_like(&f.expr));
            for f in computed {
                if let Some(cfg) = f.attrs.iter().find(|a| a.path().is_ident("cfg")) {
                    let name = match &f.member {
                        syn::Member::Named(n) => n.to_string(),
                        syn::Member::Unnamed(_) => "value".to_owned(),
                    };
                    let msg = if needs(&f.expr) {
                        "a field under #[cfg] whose value waits: the machine waits before the \
                         literal, in every build; wait in code every build has, and give the \
                         field a value that does not wait"
                            .to_owned()
                    } else {
                        format!(
                            "a field under #[cfg] before a field (or `..base`) that waits: its value would be \
                             computed before the wait in every build; compute it first \
                             (`#[cfg(..)] let {name} = ..;`) and write `#[cfg(..)] {name}`"
                        )
                    };
                    self.errors.spanned(cfg, &msg);
                }
            }
        }
        // A struct literal's fields under `#[cfg]` (in order, as `children`
        // gives them).
        let cfg_fields: Vec<bool> = match &*e {
            Expr::Struct(s) => s
                .fields
                .iter()
                .map(|f| syntax::may_be_compiled_out(&f.attrs))
                .collect(),
            _ => Vec::new(),
        };
        let mut kids = children(e);
        let last = kids.iter().rposition(|k| needs(k));
        let Some(last) = last else { return };
        for (i, kid) in kids.iter_mut().enumerate() {
            if i > last {
                break;
            }
            if needs(kid) {
                self.hoist(kid, needs, out);
                // What is left of it (`f(tmp).unwrap_or(1)`) is evaluated
                // where it is, after its own twaits; before a later
                // operand's, it is computed as any operand before them (a
                // borrowed place's index now, the place borrowed after; a
                // value that borrows cannot be held across the later twait,
                // and rustc says so: the README says what to write).
                if i == last {
                    continue;
                }
            }
            // A constant (`G { id: 1 }`, `(LIMIT, 1)`) of a field under
            // `#[cfg]` has no effect of its own to order before the later
            // twaits: made where it is, after them, under that `cfg` (made
            // before them, it would be in every build). Any other operand
            // is made before them, as Rust makes it: a value with a drop
            // is dropped if a later operand leaves early.
            let cfg_constant = cfg_fields.get(i) == Some(&true) && syntax::constant_like(kid);
            // (An element of a field under `#[cfg]` stays where it is,
            // under it: made before the twaits, it would be in every
            // build.)
            let copied_element =
                is_element(kid) && takes_by_value(taken, i) && cfg_fields.get(i) != Some(&true);
            if (stays_in_place(kid) && !copied_element) || cfg_constant {
            } else if let Some(place) = borrowed_place(kid, (method_call || indexed) && i == 0) {
                self.pin_place(place, Root::Variable, out);
            } else if let Expr::Reference(r) = &mut **kid {
                if projects_a_value(&r.expr) {
                    // `&*boxed(..)`, `&owned(..)[1..]`, `&make().name`: the
                    // value under the projection is made now, the place in
                    // it reached after the twaits (the projection moved into
                    // a variable would be unsized, or moved out of a `Drop`).
                    self.pin_place(&mut r.expr, Root::Value, out);
                    continue;
                }
                // `&make()`: the value goes into a temporary now, and is
                // borrowed where it is used, after the twaits (a temporary
                // holding the borrow could not be kept across them), as a
                // temporary of that statement again, dropped at its end.
                let span = r.expr.span();
                let taken = std::mem::replace(&mut *r.expr, Expr::Verbatim(Default::default()));
                let t = self.let_temp(taken, out);
                let value = self.temp_expr(t, span);
                *r.expr = syntax::moved_value(span, &value);
            } else if i == 0 && (method_call || indexed) && projects_a_value(kid) {
                // `st.borrow_mut().items.push(twait!(r)?)`: the value under
                // the fields and indexes is the statement's temporary, and
                // the place is reached in it after the twaits (moving the
                // field out would move out of a guard, or drop the rest of
                // the value before the twait).
                self.pin_place(kid, Root::Value, out);
            } else if !(i == 0 && (method_call || indexed)) && constructor_shell(kid) {
                self.hoist_parts(kid, out);
            } else {
                let span = kid.span();
                let taken = std::mem::replace(&mut **kid, Expr::Verbatim(Default::default()));
                let t = self.let_temp(taken, out);
                let value = self.temp_expr(t, span);
                **kid = if i == 0 && (method_call || indexed) {
                    // A receiver or an indexed base made before the twaits
                    // (`q().borrow_mut().push(twait!(r)?)`) is a temporary
                    // of the statement again, dropped at its end, not at
                    // its block's (a guard held on would make the next
                    // statement's `borrow_mut` panic).
                    syntax::moved_value(span, &value)
                } else {
                    value
                };
            }
        }
    }

    /// An operand made before a later operand's twait that is a
    /// constructor (see [`constructor_shell`]): its parts that compute
    /// something go into temporaries now, in order; the constructor stays
    /// where it is, where the type the operand is given reaches inside it.
    fn hoist_parts(&mut self, e: &mut Expr, out: &mut Vec<ir::Stmt>) {
        for part in children(e) {
            // (Every part of a constructor is taken by value: an element
            // is copied now, as Rust copies it.)
            if stays_in_place(part) && !is_element(part) {
                continue;
            }
            if constructor_shell(part) {
                self.hoist_parts(part, out);
                continue;
            }
            let span = part.span();
            let taken = std::mem::replace(part, Expr::Verbatim(Default::default()));
            let t = self.let_temp(taken, out);
            *part = self.temp_expr(t, span);
        }
    }

    /// A twait in the arguments of one of std's macros that take
    /// expressions (`assert_eq!(twait!(r), Some(1))`, `println!("{}",
    /// twait!(r))`, `vec![twait!(a), twait!(b)]`): the arguments are
    /// taken as a call's would be, those that wait and those before them
    /// made first, in order (a place stays where it is, borrowed by the
    /// macro as before), and the macro gets what is left. Returns false,
    /// touching nothing, for any other macro, or arguments that are not a
    /// list of expressions (`vec![x; n]`).
    fn hoist_macro_args(
        &mut self,
        m: &mut syn::ExprMacro,
        needs: fn(&Expr) -> bool,
        out: &mut Vec<ir::Stmt>,
    ) -> bool {
        use syn::punctuated::Punctuated;
        if !syntax::takes_expression_args(&m.mac.path) {
            return false;
        }
        let Ok(args) = m
            .mac
            .parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        else {
            return false;
        };
        // A format argument's name (`x = twait!(r)`) stays; its value is
        // the operand.
        let mut names = Vec::new();
        let mut values = Punctuated::<Expr, syn::Token![,]>::new();
        for a in args {
            match a {
                Expr::Assign(a) if syntax::as_ident(&a.left).is_some() => {
                    names.push(Some(*a.left));
                    values.push(*a.right);
                }
                other => {
                    names.push(None);
                    values.push(other);
                }
            }
        }
        let name = m.mac.path.segments.last().map(|s| s.ident.to_string());
        // A `debug_assert!` runs nothing without `debug_assertions`: as a
        // statement it is `if cfg!(debug_assertions) { assert!(..) }` (see
        // `Builder::value`); inside an expression it stays unwaited.
        if name
            .as_deref()
            .is_some_and(|n| n.starts_with("debug_assert"))
        {
            self.errors.spanned(
                &m.mac,
                "twait! in a `debug_assert!` inside an expression: make it a statement of its own, \
                 or bind the value first (`let x = twait!(r);`)",
            );
            return true;
        }
        // An assertion's message is made only when it fails: a twait
        // there cannot be made before it.
        let always = match name.as_deref() {
            Some("assert") => 1,
            Some("assert_eq" | "assert_ne") => 2,
            _ => values.len(),
        };
        if let Some(message) = values.iter().skip(always).find(|v| has_twait(v)) {
            self.errors.spanned(
                message,
                "twait! in an assertion's message, which is made only when the assertion fails; \
                 bind the value first (`let x = twait!(r);`) and pass `x`",
            );
            return true;
        }
        // `assert!(c)` says "assertion failed: " and the condition's text,
        // which is the user's, not what is left of it.
        let shown = (name.as_deref() == Some("assert") && values.len() == 1)
            .then(|| values[0].to_token_stream());
        let mut operands = Expr::Tuple(syn::ExprTuple {
            attrs: Vec::new(),
            paren_token: syn::token::Paren::default(),
            elems: values,
        });
        // `vec!` moves its elements, the others borrow their arguments
        // (`println!("{}", names[0], ..)` of a `Vec<String>`), or call a
        // method on them (`write!(bufs[0], ..)`).
        let taken = if name.as_deref() == Some("vec") {
            Operands::Values
        } else {
            Operands::Other
        };
        self.hoist_taken(&mut operands, taken, needs, out);
        let Expr::Tuple(operands) = operands else {
            unreachable!("hoisting an operand list keeps it one")
        };
        let args = operands.elems.into_iter().zip(names).map(|(v, n)| match n {
            Some(n) => quote::quote!(#n = #v),
            None => v.into_token_stream(),
        });
        m.mac.tokens = match shown {
            Some(cond) => {
                quote::quote!(#(#args),*, "assertion failed: {}", ::tame::__private::core::stringify!(#cond))
            }
            None => quote::quote!(#(#args),*),
        };
        true
    }

    /// Ordinary code (no twait in it: a statement's expression or a
    /// `let`'s value) with an `if` or `match` inside that moves a variable
    /// on some of its paths only and gives a number or the like (`v.push(if
    /// c { drop(g); 1 } else { 2 })`, `y = match ..`): the construct goes
    /// into a temporary of its own first, as a twait would, where it is
    /// promoted (see [`Builder::promoted`]), so that the variable lives to
    /// its scope's end on the paths that kept it; the temporary, a number,
    /// may be kept by the state after it. As one statement, the
    /// maybe-moved variable would be dropped at the next twait. With
    /// `whole`, `e` itself may be such a construct: a `let`'s value that
    /// [`Builder::promoted_let`] does not take (`let (a, b) = if ..`).
    /// Returns whether it moved one.
    pub(super) fn hoist_moving_constructs(
        &mut self,
        e: &mut Expr,
        whole: bool,
        out: &mut Vec<ir::Stmt>,
    ) -> bool {
        // (Walking an event's slots registers them: a statement that makes
        // one is left as it is.)
        let makes_events = || macros::tokens_mention_macro(&e.to_token_stream(), "mkevent");
        if (!whole && matches!(e, Expr::If(_) | Expr::Match(_))) || makes_events() {
            return false;
        }
        if !self.mark_moving_constructs(e, &mut Before::default()) {
            return false;
        }
        self.hoist(e, has_mark, out);
        unmark(e);
        true
    }

    /// Marks (see [`SPINE_MARK`]) each `if`/`match` that `e` evaluates
    /// for certain and that moves a variable on some of its paths only;
    /// returns whether it marked one. Only where hoisting it changes
    /// nothing else: its value is a number or the like (another would
    /// lose the type the context gives it, `Box<dyn ..>`, and the state
    /// after it could not keep it anyway), and what the statement
    /// evaluates before it is only variables and constants it does not
    /// change (they are read after it; anything else would be computed
    /// into a temporary first, its temporaries dropped before the `if`).
    fn mark_moving_constructs(&mut self, e: &mut Expr, before: &mut Before) -> bool {
        if let Expr::If(_) | Expr::Match(_) = e {
            let attrs = syntax::expr_attrs(e);
            let hoistable = !before.blocked
                && attrs.is_empty()
                && syntax::trivially_undroppable(e)
                && self.moves_on_some_paths(e)
                && !changes_any(e, &before.names);
            before.blocked = true;
            if !hoistable {
                return false;
            }
            let mark: syn::Attribute = syn::parse_quote!(#[__tame_spine]);
            match e {
                Expr::If(i) => i.attrs.push(mark),
                Expr::Match(m) => m.attrs.push(mark),
                _ => unreachable!(),
            }
            return true;
        }
        if stays_in_place(e) {
            for tt in e.to_token_stream() {
                super::collect_idents(tt, &mut before.names);
            }
            return false;
        }
        // The right operand of `&&`/`||` may not run: a construct there is
        // left where it is.
        let short_circuit = matches!(e, Expr::Binary(b)
            if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)));
        // A method's receiver must have its type where it is (`(if c { 1u32 }
        // else { 2 }).pow(2)`): a construct there is left where it is.
        let method_call = matches!(e, Expr::MethodCall(_));
        let mut marked = false;
        let kids = children(e);
        let evaluates_itself = kids.is_empty();
        for (i, kid) in kids.into_iter().enumerate() {
            if short_circuit && i > 0 {
                break;
            }
            if method_call && i == 0 && !stays_in_place(kid) {
                before.blocked = true;
                continue;
            }
            marked |= self.mark_moving_constructs(kid, before);
        }
        // A call runs once its operands are in: what comes after it in the
        // statement comes after code that may have temporaries and effects
        // (a closure, a block, a macro too). A literal, or an operator on
        // plain values, computes the same after the construct.
        let pure = matches!(
            e,
            Expr::Paren(_)
                | Expr::Group(_)
                | Expr::Tuple(_)
                | Expr::Array(_)
                | Expr::Unary(_)
                | Expr::Cast(_)
        ) || matches!(e, Expr::Binary(b) if !short_circuit && !syntax::is_compound_assign(&b.op));
        if evaluates_itself || !pure {
            before.blocked = true;
        }
        marked
    }

    /// Keeps a place a place across the twaits after it: the operands it
    /// computes (an index `i + 1`, `row()`) go into temporaries now, in
    /// order; the place itself is reached after the twaits, where it is
    /// used. `grid[row()].push(twait!(r)?)` becomes
    /// `let t = row(); <wait>; grid[t].push(..)`, where a temporary of
    /// the whole place would move out of the index (or borrow `grid`
    /// across the wait). With `Root::Value`, the place is in a value
    /// (`make().items[i]`), which goes into a temporary now too and is
    /// reached after the twaits as a temporary of the statement again.
    fn pin_place(&mut self, e: &mut Expr, root: Root, out: &mut Vec<ir::Stmt>) {
        match e {
            Expr::Field(f) => self.pin_place(&mut f.base, root, out),
            Expr::Paren(p) => self.pin_place(&mut p.expr, root, out),
            Expr::Unary(u) => self.pin_place(&mut u.expr, root, out),
            Expr::Index(i) => {
                self.pin_place(&mut i.expr, root, out);
                if !stays_in_place(&i.index) {
                    let span = i.index.span();
                    let taken =
                        std::mem::replace(&mut *i.index, Expr::Verbatim(Default::default()));
                    let t = self.let_temp(taken, out);
                    *i.index = self.temp_expr(t, span);
                }
            }
            value if root == Root::Value => {
                let span = value.span();
                let taken = std::mem::replace(value, Expr::Verbatim(Default::default()));
                let t = self.let_temp(taken, out);
                let t = self.temp_expr(t, span);
                *value = syntax::moved_value(span, &t);
            }
            _ => {}
        }
    }

    fn temp_expr(&self, t: BindingId, span: Span) -> Expr {
        let ident = self.use_ident(t, span);
        syn::parse_quote!(#ident)
    }

    /// The value of `e` in a fresh temporary.
    fn value_to_temp(&mut self, e: Expr, out: &mut Vec<ir::Stmt>) -> BindingId {
        if let Expr::Macro(m) = &e {
            if let Ok(macros::TwaitForm::Rendezvous(_)) = macros::twait_form(&m.mac) {
                // `twait!(r)` makes its own temporary.
                let t = self.declare_temp(out);
                self.twait(&m.mac, Dest::Assign(t), out);
                return t;
            }
        }
        let t = self.declare_temp(out);
        self.value(e, Dest::Assign(t), out);
        t
    }

    /// A block of the spine (a labeled one can be left with `break
    /// 'label`), its value delivered to `dest`.
    fn block_of_spine(&mut self, b: syn::ExprBlock, dest: Dest, out: &mut Vec<ir::Stmt>) {
        let span = b.span();
        let label = b.label.as_ref().map(|l| l.name.ident.to_string());
        let d = match (label.is_some(), dest) {
            (false, d) => d,
            (true, Dest::Discard) => Dest::Discard,
            (true, Dest::Assign(t)) => Dest::Assign(t),
            (true, Dest::Return) => Dest::Assign(self.declare_temp(out)),
        };
        let id = label.map(|label| {
            let id = self.f.loops.len();
            self.f.loops.push(LoopInfo {
                label: Some(label),
                is_loop: false,
                dest: match d {
                    Dest::Assign(t) => Some(t),
                    _ => None,
                },
                span,
            });
            self.loop_stack.push(id);
            id
        });
        let scope = self.push_scope();
        let mut stmts = Vec::new();
        self.stmts(b.block.stmts, d, &mut stmts);
        self.pop_scope();
        if id.is_some() {
            self.loop_stack.pop();
        }
        out.push(ir::Stmt::Block(ir::Block { scope, stmts }, id));
        if let (Some(_), Dest::Assign(t)) = (id, d) {
            self.after_loop(Some(t), dest, out);
        }
    }
}

/// The place an operand borrows, if it is a place made of a variable,
/// fields, indexes and derefs: the operand `&place` (or `&mut place`), or
/// a method call's receiver (which the call borrows, unless the method
/// takes `self`: then a `Copy` receiver is read after the twaits instead
/// of before, a difference only arguments that change it could see).
/// What a place passed to `Builder::pin_place` is rooted in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    /// A variable (`grid[row()]`): it stays where it is.
    Variable,
    /// A value (`make().items`): it is kept as a temporary.
    Value,
}

/// A field, index or deref of a value that is not a place
/// (`st.borrow_mut().items`, `pair().0`, `*q.borrow_mut()`).
fn projects_a_value(e: &Expr) -> bool {
    fn root(e: &Expr) -> &Expr {
        match e {
            Expr::Field(f) => root(&f.base),
            Expr::Index(i) => root(&i.expr),
            Expr::Paren(p) => root(&p.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => root(&u.expr),
            other => other,
        }
    }
    let projected = matches!(e, Expr::Field(_) | Expr::Index(_) | Expr::Paren(_))
        || matches!(e, Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)));
    projected && !syntax::is_place(root(e))
}

/// What an expression does with its operands, as far as
/// [`takes_by_value`] needs to know (the expression itself is borrowed
/// mutably while they are rewritten).
#[derive(Clone, Copy)]
enum Operands {
    /// An array, a tuple, a cast, a range, a `-`/`!`: every one by value.
    Values,
    /// A call or a method call: the arguments after the callee or receiver.
    Arguments,
    /// A struct literal with this many fields (a `..base` after them).
    Fields(usize),
    /// `place = value` or `place op= value`: the value, first (as for a
    /// primitive; a user `op=` runs its place first, which a macro cannot
    /// tell: the README's table says so).
    Assigned,
    /// An arithmetic or bitwise operator.
    Arithmetic,
    /// Anything else: a comparison (by reference), `&`, `*`, an index's
    /// base, a field's base, ...
    Other,
}

impl Operands {
    fn of(e: &Expr) -> Operands {
        match e {
            Expr::Array(_) | Expr::Tuple(_) | Expr::Cast(_) | Expr::Range(_) => Operands::Values,
            Expr::Unary(u) if !matches!(u.op, syn::UnOp::Deref(_)) => Operands::Values,
            Expr::Call(_) | Expr::MethodCall(_) => Operands::Arguments,
            Expr::Struct(s) => Operands::Fields(s.fields.len()),
            Expr::Assign(_) => Operands::Assigned,
            Expr::Binary(b) if syntax::is_compound_assign(&b.op) => Operands::Assigned,
            Expr::Binary(b) if !syntax::gives_bool(&b.op) && !syntax::is_compound_assign(&b.op) => {
                Operands::Arithmetic
            }
            _ => Operands::Other,
        }
    }
}

/// Whether operand `i` of an expression that does `what` with its
/// operands is moved or copied out of its place, not borrowed or used as
/// a place: there, an element read before a later twait (`f(v[i],
/// twait!(r))`) is copied into a temporary before it, as Rust copies it,
/// so that an `Index` impl runs (and a missing key or an index out of
/// bounds panics) before the later operands, and a later operand that
/// changes the element is not seen by it. (An element taken by value is
/// `Copy`, or Rust refuses the move out of the index.)
fn takes_by_value(what: Operands, i: usize) -> bool {
    match what {
        Operands::Values | Operands::Arithmetic => true,
        Operands::Arguments => i > 0,
        Operands::Assigned => i == 0,
        Operands::Fields(n) => i < n,
        Operands::Other => false,
    }
}

/// Whether `e` reads an element of a place, or a field of one (`v[i]`,
/// `(v[i])`, `v[i].x`).
fn is_element(e: &Expr) -> bool {
    match e {
        Expr::Index(_) => true,
        Expr::Paren(p) => is_element(&p.expr),
        Expr::Field(f) => is_element(&f.base),
        _ => false,
    }
}

fn borrowed_place(kid: &mut Expr, receiver: bool) -> Option<&mut Expr> {
    let place = match kid {
        Expr::Reference(r) => &mut *r.expr,
        other if receiver => other,
        _ => return None,
    };
    syntax::is_place(place).then_some(place)
}

/// The operands of a condition that joins a `let` to others with `&&`
/// (edition 2024's let chains: `if let Some(x) = a && x > 1`), in order;
/// `None` for any other condition.
fn let_chain(cond: &Expr) -> Option<Vec<Expr>> {
    fn flatten(e: &Expr, out: &mut Vec<Expr>) {
        match e {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                flatten(&b.left, out);
                flatten(&b.right, out);
            }
            other => out.push(other.clone()),
        }
    }
    let mut ops = Vec::new();
    flatten(cond, &mut ops);
    (ops.len() > 1 && ops.iter().any(|e| matches!(e, Expr::Let(_)))).then_some(ops)
}

/// `if a && let P = b { T } else { E }` as `if`s the machine cuts into
/// states like any other. Without `else`, nested: `if a { if let P = b { T
/// } }`. With one, in a labeled block that `T` leaves: `'c: { if a { if let
/// P = b { T; break 'c; } } E }`, so that `E` runs, as in the chain, once
/// the chain's bindings and temporaries are gone (edition 2024 drops them
/// before `else`). `label` names the block (unique in the function).
fn split_let_chain(
    cond: &Expr,
    then: &Expr,
    els: Option<&Expr>,
    label: impl FnOnce() -> syn::Lifetime,
    valued: bool,
) -> Option<Expr> {
    let ops = let_chain(cond)?;
    let first = &ops[0];
    let rest = (ops[1..].iter().cloned())
        .reduce(|a, b| syn::parse_quote!(#a && #b))
        .expect("a chain has two operands or more");
    // The `if`s carry the user's span: rustc judges a let chain by the
    // edition of its `if`, and one of ours would be the macro crate's
    // (2021: "let chains are only allowed in Rust 2024 or later").
    let span = syn::spanned::Spanned::span(cond);
    Some(match els {
        None => syn::parse_quote_spanned!(span=> if #first { if #rest #then }),
        Some(e) => {
            let l = label();
            // The `else` block's statements are the labeled block's last
            // ones: a `break` or `return` there is a statement of its own,
            // which the machine sees leave.
            let tail: Vec<syn::Stmt> = match e {
                Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => b.block.stmts.clone(),
                other => vec![syn::Stmt::Expr(other.clone(), None)],
            };
            if valued {
                syn::parse_quote_spanned!(span=> #l: { if #first { if #rest { break #l #then; } } #(#tail)* })
            } else {
                syn::parse_quote_spanned!(span=> #l: { if #first { if #rest { #then; break #l; } } #(#tail)* })
            }
        }
    })
}

/// The direct operands of an expression, in evaluation order.
/// Whether an operand is a constructor that computes nothing but its
/// parts, and has no drop of its own: a tuple, an array, `Some(..)`,
/// `Ok(..)`, `Err(..)`, `Box::new(..)`, `Rc::new(..)`, `Arc::new(..)`,
/// with at most one part (its own parts' included) that computes
/// something. Made before a later operand's twait, such an operand keeps
/// its place and only that part is computed first: in Rust, the type of
/// where it goes reaches inside it (`Some(Box::new(sq))` passed as an
/// `Option<Box<dyn Shape>>` coerces the box; `Box::new(|s| s.len())`
/// passed as a `Box<dyn Fn(&str) -> usize>` gives the closure's parameter
/// its type), which a temporary of its own would lose. Should the later
/// operand leave, the computed part is dropped as the whole would have
/// been (two such parts would be dropped in the other order, and a
/// struct of one's own may have a drop that runs only once it is made:
/// those operands go into a temporary whole). A part that borrows a value
/// it makes (`Some(&make())`) keeps the operand whole too, where Rust
/// extends that value's life.
fn constructor_shell(e: &Expr) -> bool {
    computed_parts(e).is_some_and(|n| n <= 1)
}

/// The parts of a constructor (see [`constructor_shell`]) that compute
/// something, counted through the constructors in it; `None` for another
/// expression, or one with a part that borrows a value it makes.
fn computed_parts(e: &Expr) -> Option<usize> {
    let mut computed = 0;
    for part in constructor_parts(e)? {
        if stays_in_place(part) {
            continue;
        }
        if matches!(part, Expr::Reference(_)) {
            return None;
        }
        computed += match constructor_parts(part) {
            Some(_) => computed_parts(part)?,
            None => 1,
        };
    }
    Some(computed)
}

/// The parts of a tuple, an array, or a call of `Some`, `Ok`, `Err`,
/// `Box::new`, `Rc::new` or `Arc::new`; `None` for another expression.
fn constructor_parts(e: &Expr) -> Option<Vec<&Expr>> {
    match e {
        Expr::Tuple(t) => Some(t.elems.iter().collect()),
        Expr::Array(a) => Some(a.elems.iter().collect()),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let names = syntax::segment_names(&p.path);
            let wraps = p.qself.is_none()
                && match names.as_slice() {
                    [.., ty, new] if new == "new" => matches!(ty.as_str(), "Box" | "Rc" | "Arc"),
                    [.., last] => matches!(last.as_str(), "Some" | "Ok" | "Err"),
                    [] => false,
                };
            wraps.then(|| c.args.iter().collect())
        }
        _ => None,
    }
}

fn children(e: &mut Expr) -> Vec<&mut Expr> {
    match e {
        Expr::Array(a) => a.elems.iter_mut().collect(),
        Expr::Assign(a) => vec![&mut *a.right, &mut *a.left],
        // `place op= value`: the value first, then the place, as Rust
        // evaluates it for primitive operands. The place stays a place:
        // copied into a temporary before the twait, the update would land
        // in the copy.
        Expr::Binary(b) => {
            if syntax::is_compound_assign(&b.op) {
                vec![&mut *b.right, &mut *b.left]
            } else {
                vec![&mut *b.left, &mut *b.right]
            }
        }
        Expr::Call(c) => {
            let mut v = vec![&mut *c.func];
            v.extend(c.args.iter_mut());
            v
        }
        Expr::Cast(c) => vec![&mut *c.expr],
        Expr::Field(f) => vec![&mut *f.base],
        Expr::Index(i) => vec![&mut *i.expr, &mut *i.index],
        Expr::MethodCall(m) => {
            let mut v = vec![&mut *m.receiver];
            v.extend(m.args.iter_mut());
            v
        }
        Expr::Paren(p) => vec![&mut *p.expr],
        Expr::Group(g) => vec![&mut *g.expr],
        Expr::Range(r) => {
            let mut v = Vec::new();
            if let Some(s) = &mut r.start {
                v.push(&mut **s);
            }
            if let Some(s) = &mut r.end {
                v.push(&mut **s);
            }
            v
        }
        Expr::Reference(r) => vec![&mut *r.expr],
        Expr::Repeat(r) => vec![&mut *r.expr],
        Expr::Struct(s) => {
            let mut v: Vec<&mut Expr> = s.fields.iter_mut().map(|f| &mut f.expr).collect();
            if let Some(rest) = &mut s.rest {
                v.push(&mut **rest);
            }
            v
        }
        Expr::Try(t) => vec![&mut *t.expr],
        Expr::Tuple(t) => t.elems.iter_mut().collect(),
        Expr::Unary(u) => vec![&mut *u.expr],
        Expr::Let(l) => vec![&mut *l.expr],
        Expr::Await(a) => vec![&mut *a.base],
        _ => Vec::new(),
    }
}

/// The scrutinee `b` of an `if let`/`match` is moved by the branches
/// that bind out of it, not before them: its move leaves the condition's
/// effects (a read stays).
fn moved_by_arms(fx: &mut ir::Effects, b: BindingId) {
    for (x, e) in &mut fx.0 {
        if *x == b && matches!(e, ir::Effect::Consume | ir::Effect::MaybeConsume) {
            *e = ir::Effect::Read;
        }
    }
}

/// Whether `e` may change a variable named in `names`: assigns it or a
/// part of it (`x = ..`, `x.n += 1`), borrows it mutably, calls a method
/// on it (which may take `&mut self`), passes it on by name (a `&mut`
/// variable is reborrowed: `bump(r)`), or names it in a macro.
fn changes_any(e: &Expr, names: &[String]) -> bool {
    use syn::visit::Visit;
    fn root(mut e: &Expr) -> Option<String> {
        loop {
            e = match e {
                Expr::Field(f) => &f.base,
                Expr::Index(i) => &i.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Unary(u) => &u.expr,
                Expr::Path(p) => return p.path.get_ident().map(|i| i.to_string()),
                _ => return None,
            }
        }
    }
    struct Find<'n> {
        names: &'n [String],
        found: bool,
    }
    impl Find<'_> {
        fn target(&mut self, e: &Expr) {
            self.found |= root(e).is_some_and(|r| self.names.contains(&r));
        }
        fn passed(&mut self, args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) {
            for a in args {
                if let Expr::Path(_) = a {
                    self.target(a);
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.target(&a.left);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if syntax::is_compound_assign(&b.op) {
                self.target(&b.left);
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
            if r.mutability.is_some() {
                self.target(&r.expr);
            }
            syn::visit::visit_expr_reference(self, r);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.target(&m.receiver);
            self.passed(&m.args);
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            self.passed(&c.args);
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let mut idents = Vec::new();
            for tt in m.tokens.clone() {
                super::collect_idents(tt, &mut idents);
            }
            self.found |= idents.iter().any(|i| self.names.contains(i));
        }
    }
    let mut f = Find {
        names,
        found: false,
    };
    f.visit_expr(e);
    f.found
}

/// What a statement evaluates before a point (see
/// [`Builder::mark_moving_constructs`]).
#[derive(Default)]
struct Before {
    /// The names of the variables it reads there.
    names: Vec<String>,
    /// Whether it runs anything else there.
    blocked: bool,
}

/// The attribute [`Builder::hoist_moving_constructs`] marks a construct to
/// hoist with; never left in the output.
const SPINE_MARK: &str = "__tame_spine";

fn is_mark(a: &syn::Attribute) -> bool {
    a.path().is_ident(SPINE_MARK)
}

/// Whether `e` holds a marked construct where it is evaluated (see
/// [`Builder::mark_moving_constructs`]).
fn has_mark(e: &Expr) -> bool {
    struct Find(bool);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            self.0 |= i.attrs.iter().any(is_mark);
        }
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            self.0 |= m.attrs.iter().any(is_mark);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Removes the marks of [`Builder::mark_moving_constructs`] from `e`.
fn unmark(e: &mut Expr) {
    struct Strip;
    impl syn::visit_mut::VisitMut for Strip {
        fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
            i.attrs.retain(|a| !is_mark(a));
            syn::visit_mut::visit_expr_if_mut(self, i);
        }
        fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
            m.attrs.retain(|a| !is_mark(a));
            syn::visit_mut::visit_expr_match_mut(self, m);
        }
    }
    syn::visit_mut::VisitMut::visit_expr_mut(&mut Strip, e);
}

/// The span of the closing parenthesis of a `twait!(r)` (`None` for any
/// other expression).
fn waited_args_span(e: &Expr) -> Option<Span> {
    let Expr::Macro(m) = e else { return None };
    match (&m.mac.delimiter, macros::twait_form(&m.mac)) {
        (syn::MacroDelimiter::Paren(p), Ok(macros::TwaitForm::Rendezvous(_))) => {
            Some(p.span.close())
        }
        _ => None,
    }
}
