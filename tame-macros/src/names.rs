//! Names: which variables a pattern binds, and which outer variables a piece
//! of code mentions (its free names), with Rust's shadowing rules.
//!
//! Liveness (analyze.rs) is computed over these names, so they must be
//! precise where it matters: an inner `let x` hides an outer `x`, closure
//! parameters and match-arm bindings hide outer names, and names used inside
//! macro invocations (including `format!("{x}")`) count as uses.

use std::collections::HashSet;

use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Expr, Pat};

/// One variable bound by a pattern.
#[derive(Clone)]
pub struct PatBinding {
    pub ident: Ident,
    pub mutable: bool,
    pub by_ref: bool,
}

/// The variables a pattern binds, in order. An identifier pattern that
/// starts with an uppercase letter and has no `mut`/`ref`/`@` is taken as a
/// constant or unit variant (`None`, `MAX`), as rustc's naming lints assume.
pub fn pattern_bindings(pat: &Pat) -> Vec<PatBinding> {
    struct Collect(Vec<PatBinding>);
    impl<'ast> Visit<'ast> for Collect {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            let name = p.ident.to_string();
            let looks_const = name.starts_with(|c: char| c.is_uppercase())
                && p.mutability.is_none()
                && p.by_ref.is_none()
                && p.subpat.is_none();
            if !looks_const {
                self.0.push(PatBinding {
                    ident: p.ident.clone(),
                    mutable: p.mutability.is_some(),
                    by_ref: p.by_ref.is_some(),
                });
            }
            if let Some((_, sub)) = &p.subpat {
                self.visit_pat(sub);
            }
        }
        // Paths inside patterns (`Some`, `Foo::Bar`) bind nothing.
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut c = Collect(Vec::new());
    c.visit_pat(pat);
    c.0
}

/// The free names of some code: names it mentions that it does not bind
/// itself. `assigned` are names only ever written by a plain `x = ...`.
#[derive(Default)]
pub struct FreeNames {
    scopes: Vec<HashSet<String>>,
    pub used: Vec<Ident>,
}

impl FreeNames {
    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(name))
    }

    fn bind_pat(&mut self, pat: &Pat) {
        let names: Vec<String> = pattern_bindings(pat)
            .iter()
            .map(|b| b.ident.to_string())
            .collect();
        if let Some(top) = self.scopes.last_mut() {
            top.extend(names);
        }
    }

    fn mention(&mut self, ident: &Ident) {
        if !self.bound(&ident.to_string()) {
            self.used.push(ident.clone());
        }
    }

    fn scan_tokens(&mut self, tokens: TokenStream) {
        for tt in tokens {
            match tt {
                TokenTree::Ident(i) => self.mention(&i),
                TokenTree::Group(g) => self.scan_tokens(g.stream()),
                TokenTree::Literal(lit) => {
                    for name in format_args_in(&lit.to_string()) {
                        self.mention(&Ident::new(&name, lit.span()));
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }

    fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(HashSet::new());
        f(self);
        self.scopes.pop();
    }
}

/// Identifiers captured inline by a format string: `"{x} {y:?} {{z}}"`
/// gives `x` and `y`.
fn format_args_in(lit: &str) -> Vec<String> {
    if !lit.starts_with('"') && !lit.starts_with('r') {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut chars = lit.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_alphanumeric() || c == '_' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        let starts_ok = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        if starts_ok && name != "_" {
            out.push(name);
        }
    }
    out
}

impl<'ast> Visit<'ast> for FreeNames {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
            let seg = &p.path.segments[0];
            if seg.arguments.is_none() {
                self.mention(&seg.ident);
            }
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.with_scope(|s| {
            for stmt in &b.stmts {
                s.visit_stmt(stmt);
            }
        });
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        self.bind_pat(&l.pat);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.with_scope(|s| {
            for p in &c.inputs {
                s.bind_pat(p);
            }
            s.visit_expr(&c.body);
        });
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.visit_expr(&m.expr);
        for arm in &m.arms {
            self.with_scope(|s| {
                s.bind_pat(&arm.pat);
                if let Some((_, g)) = &arm.guard {
                    s.visit_expr(g);
                }
                s.visit_expr(&arm.body);
            });
        }
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.with_scope(|s| {
            s.bind_pat(&f.pat);
            s.visit_block(&f.body);
        });
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.with_scope(|s| {
            s.visit_expr(&i.cond);
            s.visit_block(&i.then_branch);
        });
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.with_scope(|s| {
            s.visit_expr(&w.cond);
            s.visit_block(&w.body);
        });
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.visit_expr(&l.expr);
        self.bind_pat(&l.pat);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.scan_tokens(m.tokens.clone());
    }

    // Nested items do not see the function's locals.
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    // Field names and method names are not variables.
    fn visit_member(&mut self, _: &'ast syn::Member) {}
}

impl FreeNames {
    pub fn of_expr(e: &Expr) -> Vec<Ident> {
        let mut f = FreeNames {
            scopes: vec![HashSet::new()],
            used: Vec::new(),
        };
        f.visit_expr(e);
        f.used
    }

    pub fn of_stmt(s: &syn::Stmt) -> Vec<Ident> {
        let mut f = FreeNames {
            scopes: vec![HashSet::new()],
            used: Vec::new(),
        };
        match s {
            // A `let`'s own bindings are defs, handled by the caller.
            syn::Stmt::Local(l) => {
                if let Some(init) = &l.init {
                    f.visit_expr(&init.expr);
                    if let Some((_, d)) = &init.diverge {
                        f.visit_expr(d);
                    }
                }
            }
            other => visit::visit_stmt(&mut f, other),
        }
        f.used
    }
}
