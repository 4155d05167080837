//! The syntactic borrow heuristics: which `let` initializers obviously
//! borrow another variable (they cannot cross a twait), and which variables
//! a `twait! {}` block only borrows (they live until the wait is over).

use proc_macro2::Ident;
use syn::visit::Visit;
use syn::{Expr, Stmt};

use super::as_ident;
use crate::names::FreeNames;

const BORROWING_METHODS: &[&str] = &[
    "iter",
    "iter_mut",
    "chars",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "as_str",
    "as_slice",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "keys",
    "values",
    "values_mut",
    "windows",
    "chunks",
    "get_mut",
    "first",
    "last",
    "borrow",
    "borrow_mut",
    "drain",
    "char_indices",
    "trim",
    "as_bytes",
];

/// Methods whose result still borrows what their receiver borrows
/// (`v.iter().enumerate()`, `v.first().unwrap()`). Any other method is
/// assumed to give an owned value (`v.iter().sum()`, `s.trim().len()`):
/// when it does not, rustc's borrow error is the fallback.
const BORROW_PRESERVING_METHODS: &[&str] = &[
    "enumerate",
    "zip",
    "skip",
    "take",
    "rev",
    "chain",
    "peekable",
    "step_by",
    "take_while",
    "skip_while",
    "fuse",
    "cycle",
    "filter",
    "unwrap",
    "expect",
];

/// The variable an expression borrows from, if it obviously does:
/// `&v`, `&mut v[..]`, `v.iter()`, `v.as_str()`.
pub(super) fn borrow_root(e: &Expr) -> Option<(Ident, &'static str)> {
    fn root(e: &Expr) -> Option<&Ident> {
        match e {
            Expr::Path(_) => as_ident(e),
            Expr::Field(f) => root(&f.base),
            Expr::Index(i) => root(&i.expr),
            Expr::Paren(p) => root(&p.expr),
            Expr::Reference(r) => root(&r.expr),
            Expr::MethodCall(m) => root(&m.receiver),
            _ => None,
        }
    }
    match e {
        Expr::Paren(p) => borrow_root(&p.expr),
        Expr::Reference(r) => root(&r.expr).map(|i| (i.clone(), "a reference")),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if BORROWING_METHODS.contains(&name.as_str()) {
                root(&m.receiver).map(|i| (i.clone(), "a method that borrows its receiver"))
            } else if BORROW_PRESERVING_METHODS.contains(&name.as_str()) {
                borrow_root(&m.receiver)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The names that statements mention only in borrowing positions: as the
/// receiver of a method call, under `&`/`&mut`, or as the base of a field
/// or index expression. A name also used any other way (passed by value,
/// captured by a closure, inside a macro) is left out: it may be moved.
pub(super) fn borrowed_only(stmts: &[Stmt]) -> Vec<String> {
    #[derive(Default)]
    struct Uses {
        borrowed: Vec<String>,
        other: Vec<String>,
    }
    impl Uses {
        fn place(&mut self, e: &Expr) {
            match e {
                Expr::Path(_) => {
                    if let Some(i) = as_ident(e) {
                        self.borrowed.push(i.to_string());
                    }
                }
                Expr::Field(f) => self.place(&f.base),
                Expr::Index(i) => {
                    self.place(&i.expr);
                    self.visit_expr(&i.index);
                }
                Expr::Paren(p) => self.place(&p.expr),
                other => self.visit_expr(other),
            }
        }
    }
    impl<'ast> Visit<'ast> for Uses {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::MethodCall(m) => {
                    self.place(&m.receiver);
                    for a in &m.args {
                        self.visit_expr(a);
                    }
                }
                Expr::Reference(r) => self.place(&r.expr),
                Expr::Field(f) => self.place(&f.base),
                Expr::Path(_) => {
                    if let Some(i) = as_ident(e) {
                        self.other.push(i.to_string());
                    }
                }
                Expr::Closure(c) => {
                    for name in FreeNames::of_expr(&c.body) {
                        self.other.push(name.to_string());
                    }
                }
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let mut f = FreeNames::default();
            f.visit_macro(m);
            self.other.extend(f.used.iter().map(|i| i.to_string()));
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut u = Uses::default();
    for s in stmts {
        u.visit_stmt(s);
    }
    let mut out: Vec<String> = u
        .borrowed
        .into_iter()
        .filter(|n| !u.other.contains(n))
        .collect();
    out.sort();
    out.dedup();
    out
}
