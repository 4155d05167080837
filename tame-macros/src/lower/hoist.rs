//! Hoisting: a `twait!(r)` inside a statement's expression runs first, its
//! result in a fresh variable, and the statement runs after it.

use proc_macro2::{Ident, Span};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Stmt};

use super::contains_twait;
use crate::parse::{self, TwaitForm, Which};

/// Finds the first `twait!(r)` in the statement's expression and replaces
/// it with a fresh variable. Errors for twaits in places the translator
/// cannot cut at (inside blocks of an expression, other macros, `&&`).
pub(super) fn hoist(stmt: &Stmt) -> syn::Result<(Stmt, Expr, Ident, Span)> {
    struct Hoist {
        found: Option<(Expr, Span)>,
        tmp: Ident,
        error: Option<syn::Error>,
    }
    impl Hoist {
        fn deny(&mut self, tokens: &dyn ToTokens, what: &str) -> bool {
            if contains_twait(&tokens.to_token_stream()) && self.error.is_none() {
                self.error = Some(syn::Error::new_spanned(
                    tokens.to_token_stream(),
                    format!(
                        "twait! cannot be used {what}; put it in a statement of its own \
                         (`let x = twait!(r);`) or in an `if`/`match`/loop body"
                    ),
                ));
                return true;
            }
            false
        }
    }
    impl VisitMut for Hoist {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            if self.found.is_some() || self.error.is_some() {
                return;
            }
            match e {
                Expr::Macro(m) if parse::which(&m.mac) == Some(Which::Twait) => {
                    match parse::twait_form(&m.mac) {
                        Ok(TwaitForm::Rendezvous(r)) => {
                            self.found = Some((r, m.mac.span()));
                            let tmp = &self.tmp;
                            *e = syn::parse_quote!(#tmp);
                        }
                        Ok(TwaitForm::Block(_)) => {
                            self.error = Some(syn::Error::new_spanned(
                                &m.mac,
                                "twait! { ... } is a statement and has no value; \
                                 write it on its own and use the slots of its mkevent!s afterwards",
                            ));
                        }
                        Err(err) => self.error = Some(err),
                    }
                }
                Expr::Macro(m) => {
                    self.deny(&m.mac, "inside another macro's arguments");
                }
                Expr::Block(_)
                | Expr::If(_)
                | Expr::Match(_)
                | Expr::Loop(_)
                | Expr::While(_)
                | Expr::ForLoop(_)
                | Expr::Unsafe(_) => {
                    self.deny(e, "inside an expression's block (only in statements of the function's own blocks)");
                }
                Expr::Closure(_) | Expr::Async(_) => {}
                Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
                    self.visit_expr_mut(&mut b.left);
                    if self.found.is_none() {
                        self.deny(
                            &b.right,
                            "on the right of `&&` or `||` (it would run unconditionally)",
                        );
                    }
                }
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_stmt_macro_mut(&mut self, m: &mut syn::StmtMacro) {
            self.deny(&m.mac, "inside another macro's arguments");
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let tmp = Ident::new("__tame_twait_result", Span::mixed_site());
    let mut h = Hoist {
        found: None,
        tmp: tmp.clone(),
        error: None,
    };
    let mut new = stmt.clone();
    match &mut new {
        Stmt::Local(l) => {
            if let Some(init) = &mut l.init {
                h.visit_expr_mut(&mut init.expr);
            }
        }
        Stmt::Expr(Expr::If(i), _) => h.visit_expr_mut(&mut i.cond),
        Stmt::Expr(Expr::Match(m), _) => h.visit_expr_mut(&mut m.expr),
        Stmt::Expr(Expr::ForLoop(f), _) => h.visit_expr_mut(&mut f.expr),
        Stmt::Expr(e, _) => h.visit_expr_mut(e),
        Stmt::Macro(m) => {
            h.deny(&m.mac, "inside another macro's arguments");
        }
        Stmt::Item(_) => {}
    }
    if let Some(e) = h.error {
        return Err(e);
    }
    match h.found {
        Some((r, span)) => Ok((new, r, tmp, span)),
        None => Err(syn::Error::new_spanned(
            stmt,
            "twait! cannot be used here; put it in a statement of its own or in an `if`/`match`/loop body",
        )),
    }
}
