//! `twait!`: a wait of the spine, its block's events and slots, and the
//! value it gives.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::Expr;

use super::macros::{self, Which};
use super::plain::{self, Resolver};
use super::{syntax, Builder, Dest};
use crate::ir::{self, Effects, TempKind};

impl Builder<'_> {
    /// `twait! { .. }` or `twait!(r)` as a statement or value.
    pub(super) fn twait(&mut self, mac: &syn::Macro, dest: Dest, out: &mut Vec<ir::Stmt>) {
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
                        scope: self.scope.current(),
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
                let mut stmts = stmts;
                for s in &mut stmts {
                    syntax::prepend_attrs(s, &levels);
                }
                // The block's items are its own, as an inner block's are.
                self.items(&stmts);
                let mut parsed = Vec::new();
                for s in stmts {
                    self.block_stmt_cfg = (syntax::stmt_attrs(&s).iter())
                        .filter(|a| a.path().is_ident("cfg"))
                        .cloned()
                        .collect();
                    match s {
                        syn::Stmt::Item(_) => {}
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
                self.block_stmt_cfg.clear();
                self.in_wait = None;
                self.wait_scope = None;
                self.pop_scope();
                // (A block that names no `mkevent!` at all was reported by
                // check.rs.)
                if self.join_events == joins_before
                    && macros::tokens_call_macro(&mac.tokens, "mkevent")
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
                    // A list whose places are all variables declared under
                    // `#[cfg(..)]` (filled by an event made under it too)
                    // is there only where they are: elsewhere no event
                    // would give it a type.
                    let roots = &self.f.slot_sites[site].roots;
                    let cfg: Vec<syn::Attribute> = if roots
                        .iter()
                        .all(|r| r.is_some_and(|r| !self.f.bindings[r].cfg.is_empty()))
                    {
                        (roots.iter().flatten())
                            .flat_map(|&r| self.f.bindings[r].cfg.clone())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let cfg: Vec<syn::Attribute> = cfg
                        .into_iter()
                        .chain(self.f.slot_sites[site].stmt_cfg.clone())
                        .collect();
                    self.f.bindings[list].cfg = cfg.clone();
                    out.push(ir::Stmt::Plain(ir::Plain {
                        stmt: syn::parse_quote!(#(#cfg)* let mut #ident = ::tame::__private::SlotList::new();),
                        fx: Effects::default(),
                        defs: vec![list],
                        jumps: Vec::new(),
                        diverges: false,
                    }));
                }
                if let Some(stmts) = spine {
                    out.push(ir::Stmt::Block(ir::Block { scope, stmts }, None));
                }
                self.f.waits[id].kind = ir::WaitKind::Join {
                    body,
                    scope,
                    lists,
                    fx,
                };
                out.push(ir::Stmt::Wait(ir::Wait { id, dest: None }));
                // A block's value is `()`: where it goes (the function's
                // value, when it ends the body), a type error is the
                // block's, not `#[tamed]`'s, and spans all of it, as
                // rustc marks a block with no value.
                let close = match &mac.delimiter {
                    syn::MacroDelimiter::Brace(b) => b.span.join(),
                    syn::MacroDelimiter::Paren(p) => p.span.join(),
                    syn::MacroDelimiter::Bracket(b) => b.span.join(),
                };
                match dest {
                    Dest::Discard => {}
                    other => self.plain_to(syn::parse_quote_spanned!(close=> ()), other, out),
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
}

/// A statement of a `twait! {}` block that may be a promoted construct:
/// an `if`, `match` or unlabeled block with no twait (one inside is an
/// error `check.rs` reports) and no `#[cfg]`.
pub(super) fn promotable(e: &syn::Expr) -> bool {
    let shape = matches!(e, syn::Expr::If(_) | syn::Expr::Match(_))
        || matches!(e, syn::Expr::Block(b) if b.label.is_none());
    shape && !syntax::may_be_compiled_out(syntax::expr_attrs(e)) && !macros::has_twait(e)
}

/// The effects of a `twait! {}` block's statements, in order: of each
/// promoted construct, those of the ordinary statement it also is.
pub(super) fn block_effects(stmts: &[ir::Stmt], out: &mut Effects) {
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
pub(super) fn declares_items(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "thread_local")
}

/// Whether an initializer is what a `twait!(r)` gives (`twait!(r)`,
/// `twait!(r)?`, `twait!(r).unwrap()`): a rendezvous' id, which owns
/// what it holds.
pub(super) fn wait_value(e: &Expr) -> bool {
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
