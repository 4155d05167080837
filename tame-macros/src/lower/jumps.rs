//! Jumps: where a `break`/`continue` inside ordinary code goes when it
//! leaves for a loop of the spine (which is no longer a Rust loop).

use syn::visit::Visit;
use syn::Stmt;

use super::{LoopCtx, Target};

/// The spine targets of the `break`/`continue`/`return` inside a plain
/// statement (those that leave it), in the order they appear.
pub fn find_jumps(stmt: &Stmt, loops: &[LoopCtx]) -> Vec<Target> {
    let mut f = JumpFinder {
        loops,
        inner: Vec::new(),
        found: Vec::new(),
    };
    f.visit_stmt(stmt);
    f.found
}

struct JumpFinder<'a> {
    loops: &'a [LoopCtx],
    /// Labels of plain loops (and labeled blocks) inside the statement;
    /// `None` for unlabeled loops.
    inner: Vec<(Option<String>, bool)>,
    found: Vec<Target>,
}

/// Which spine loop a `break`/`continue` refers to, given the plain loops
/// around it inside its statement. `None`: it stays inside the statement.
pub fn jump_target(
    loops: &[LoopCtx],
    inner: &[(Option<String>, bool)],
    label: Option<&syn::Lifetime>,
    is_break: bool,
) -> Option<Target> {
    match label {
        Some(l) => {
            let name = l.ident.to_string();
            if inner.iter().any(|(n, _)| n.as_deref() == Some(&name)) {
                return None;
            }
            let ctx = loops
                .iter()
                .rev()
                .find(|c| c.label.as_deref() == Some(&name))?;
            Some(if is_break { ctx.exit } else { ctx.head })
        }
        None => {
            if inner.iter().any(|(_, is_loop)| *is_loop) {
                return None;
            }
            let ctx = loops.iter().rev().find(|c| c.is_loop)?;
            Some(if is_break { ctx.exit } else { ctx.head })
        }
    }
}

impl<'ast> Visit<'ast> for JumpFinder<'_> {
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if let Some(t) = jump_target(self.loops, &self.inner, b.label.as_ref(), true) {
            self.found.push(t);
        }
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
        if let Some(t) = jump_target(self.loops, &self.inner, c.label.as_ref(), false) {
            self.found.push(t);
        }
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.inner
            .push((l.label.as_ref().map(|l| l.name.ident.to_string()), true));
        syn::visit::visit_expr_loop(self, l);
        self.inner.pop();
    }
    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.visit_expr(&w.cond);
        self.inner
            .push((w.label.as_ref().map(|l| l.name.ident.to_string()), true));
        self.visit_block(&w.body);
        self.inner.pop();
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.inner
            .push((f.label.as_ref().map(|l| l.name.ident.to_string()), true));
        self.visit_block(&f.body);
        self.inner.pop();
    }
    fn visit_expr_block(&mut self, b: &'ast syn::ExprBlock) {
        let labeled = b.label.is_some();
        if labeled {
            self.inner
                .push((b.label.as_ref().map(|l| l.name.ident.to_string()), false));
        }
        syn::visit::visit_expr_block(self, b);
        if labeled {
            self.inner.pop();
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
