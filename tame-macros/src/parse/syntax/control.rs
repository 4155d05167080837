//! How control leaves a block or expression: its value, its `break`s,
//! `return`s, `?`s and panics.

use syn::visit::Visit;
use syn::Expr;

use super::*;

/// Whether a block or `loop` used as a statement gives a value that may
/// own something with a drop (a tail expression, a `break` with a value
/// to it), which Rust drops at the statement's end, after the block's
/// variables. A number has nothing to drop; nor has a borrow, which a
/// `break` would keep across the machine's states to the statement's end.
pub fn gives_value(e: &Expr) -> bool {
    let mut values = Vec::new();
    match e {
        // An unlabeled block's value is made in the state the block ends
        // in, and dropped there: a borrow too (a guard judged one by its
        // method's name, `pool.get(2)`, is dropped after the variables).
        Expr::Block(b) if b.label.is_none() => {
            return tail_value(&b.block).is_some_and(|v| may_own(v, true));
        }
        Expr::Block(b) => {
            values.extend(tail_value(&b.block));
            if let Some(l) = &b.label {
                breaks_with_value(
                    &b.block,
                    Some(&l.name.ident.to_string()),
                    false,
                    &mut values,
                );
            }
        }
        Expr::Loop(l) => {
            let label = l.label.as_ref().map(|l| l.name.ident.to_string());
            breaks_with_value(&l.body, label.as_deref(), true, &mut values);
        }
        _ => {}
    }
    values.iter().any(|v| may_own(v, false))
}

/// Whether a block's value `v` may own something with a drop (see
/// [`gives_value`]); `borrows` counts a borrow as such a value. A
/// construct whose branches all end in statements gives `()` (`{
/// twait!{..}; if c { eat(x); } }`, a `loop` that `break`s with no value):
/// the block is then a statement like any other, not a value to keep.
fn may_own(v: &Expr, borrows: bool) -> bool {
    match v {
        Expr::Block(_) | Expr::Loop(_) => gives_value(v),
        Expr::If(i) => match &i.else_branch {
            None => false,
            Some((_, els)) => {
                tail_value(&i.then_branch).is_some_and(|t| may_own(t, borrows))
                    || may_own(els, borrows)
            }
        },
        Expr::Match(m) => m.arms.iter().any(|a| may_own(&a.body, borrows)),
        Expr::Assign(_) => false,
        Expr::Binary(b) if is_compound_assign(&b.op) => false,
        _ if trivially_undroppable(v) => false,
        _ => borrows || !(matches!(v, Expr::Reference(_)) || borrow_root(v).is_some()),
    }
}

/// The expression a block ends with and gives as its value (not `()`, not
/// a jump or a panic, not a `while` or `for`).
fn tail_value(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None))
            if !matches!(e, Expr::Tuple(t) if t.elems.is_empty())
                && !matches!(e, Expr::While(_) | Expr::ForLoop(_))
                && !expr_diverges(e) =>
        {
            Some(e)
        }
        _ => None,
    }
}

/// The values a `loop` gives: those of the `break`s that leave it.
pub fn loop_break_values(l: &syn::ExprLoop) -> Vec<&Expr> {
    let label = l.label.as_ref().map(|l| l.name.ident.to_string());
    let mut values = Vec::new();
    breaks_with_value(&l.body, label.as_deref(), true, &mut values);
    values
}

/// The values of the `break`s that leave the block or loop `body` is of:
/// those with its `label`, and those without a label that are not in an
/// inner loop when `unlabeled` (the body is a loop's).
fn breaks_with_value<'a>(
    body: &'a syn::Block,
    label: Option<&str>,
    unlabeled: bool,
    out: &mut Vec<&'a Expr>,
) {
    struct Find<'l, 'a> {
        label: Option<&'l str>,
        unlabeled: bool,
        depth: u32,
        found: Vec<&'a Expr>,
    }
    impl<'a> Visit<'a> for Find<'_, 'a> {
        fn visit_expr_break(&mut self, b: &'a syn::ExprBreak) {
            if let Some(v) = &b.expr {
                let ours = match &b.label {
                    Some(l) => self.label == Some(l.ident.to_string().as_str()),
                    None => self.unlabeled && self.depth == 0,
                };
                if ours {
                    self.found.push(v);
                }
            }
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, l);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.depth += 1;
            syn::visit::visit_expr_while(self, w);
            self.depth -= 1;
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.depth += 1;
            syn::visit::visit_expr_for_loop(self, f);
            self.depth -= 1;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find {
        label,
        unlabeled,
        depth: 0,
        found: Vec::new(),
    };
    f.visit_block(body);
    out.extend(f.found);
}

/// Whether a body may leave by `?`, or by a `return Err(..)` a macro of
/// the user's expands to (anyhow's `bail!`): a `?` of its own (not one of a
/// closure, an `async` block or a nested item), or a `?` in a macro's
/// arguments, or a macro that is neither tame's nor a formatting one. A
/// `Result`/`Option` function whose body has none needs no machine shaped
/// for `?` (see `ir::Function::try_shaped`), and so nothing of the type.
pub fn may_leave_early(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
            self.0 = true;
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let ours = crate::parse::macros::which(m).is_some();
            self.0 |= (!ours && !is_formatting_macro(&m.path)) || tokens_hold_try(&m.tokens);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    fn tokens_hold_try(ts: &proc_macro2::TokenStream) -> bool {
        ts.clone().into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Punct(p) => p.as_char() == '?',
            proc_macro2::TokenTree::Group(g) => tokens_hold_try(&g.stream()),
            _ => false,
        })
    }
    let mut f = Finder(false);
    f.visit_block(block);
    f.0
}

/// Whether a loop's body may leave it or go round in a way that only the
/// expanded code shows: it calls a macro that [`macro_may_jump`].
pub fn hides_jumps(body: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.0 |= macro_may_jump(m);
        }
    }
    let mut f = Finder(false);
    f.visit_block(body);
    f.0
}

/// Whether a macro call may expand to a `break` or `continue`: a macro
/// other than tame's, the formatting ones and std's that give values (a
/// `macro_rules!` of the user's may), or one whose arguments hold one.
pub fn macro_may_jump(m: &syn::Macro) -> bool {
    fn tokens_jump(ts: &proc_macro2::TokenStream) -> bool {
        ts.clone().into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => i == "break" || i == "continue",
            proc_macro2::TokenTree::Group(g) => tokens_jump(&g.stream()),
            _ => false,
        })
    }
    let known = crate::parse::macros::which(m).is_some()
        || is_formatting_macro(&m.path)
        || is_std_value_macro(&m.path);
    !known || tokens_jump(&m.tokens)
}

/// Whether a block certainly does not finish: it ends in `return`,
/// `break`, `continue` or a panicking macro.
pub fn block_diverges(b: &syn::Block) -> bool {
    block_ends(b, Ends::Diverges)
}

/// Whether an expression certainly does not finish.
pub fn expr_diverges(e: &Expr) -> bool {
    expr_ends(e, Ends::Diverges)
}

/// Whether an expression certainly returns or panics (a `break` or
/// `continue` in it is not counted).
pub fn expr_returns(e: &Expr) -> bool {
    expr_ends(e, Ends::Leaves)
}

/// Whether a walked block (its jumps to the spine already markers) never
/// lets control past the statement it is in: it returns, panics, or jumps
/// to a loop of the spine. A `break`/`continue` left is one of an inner
/// loop or labeled block, after which the statement may go on.
pub fn block_leaves(b: &syn::Block) -> bool {
    block_ends(b, Ends::Leaves)
}

/// See [`block_leaves`].
pub fn expr_leaves(e: &Expr) -> bool {
    expr_ends(e, Ends::Leaves)
}

/// Whether a branch has a `break` or `continue` of its own (not of a loop
/// or labeled block inside it, but a labeled one through them, `loop {
/// break 'outer; }`): one that takes control out of it, past whatever it
/// would have ended with (`if c { if k { drop(g); break; } ..; return; }`
/// in a loop goes on after the loop with `g` moved).
pub fn jumps_out(e: &Expr) -> bool {
    #[derive(Default)]
    struct Finder {
        out: bool,
        /// Loops entered inside the branch.
        loops: usize,
        /// Labels of the loops and blocks entered inside the branch.
        labels: Vec<String>,
    }
    impl Finder {
        fn jump(&mut self, label: Option<&syn::Lifetime>) {
            self.out |= match label {
                Some(l) => !self.labels.contains(&l.ident.to_string()),
                None => self.loops == 0,
            };
        }
        fn inside(&mut self, label: Option<&syn::Label>, is_loop: bool, f: impl FnOnce(&mut Self)) {
            if let Some(l) = label {
                self.labels.push(l.name.ident.to_string());
            }
            self.loops += usize::from(is_loop);
            f(self);
            self.loops -= usize::from(is_loop);
            if label.is_some() {
                self.labels.pop();
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            self.jump(b.label.as_ref());
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
            self.jump(c.label.as_ref());
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            // The iterator is evaluated out here.
            self.visit_expr(&f.expr);
            self.inside(f.label.as_ref(), true, |s| s.visit_block(&f.body));
        }
        fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
            // Its label is in scope in its condition too (`'w: while {
            // if c { break 'w; } k } {}`).
            self.inside(w.label.as_ref(), true, |s| {
                s.visit_expr(&w.cond);
                s.visit_block(&w.body);
            });
        }
        fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
            self.inside(l.label.as_ref(), true, |s| s.visit_block(&l.body));
        }
        fn visit_expr_block(&mut self, b: &'ast syn::ExprBlock) {
            self.inside(b.label.as_ref(), false, |s| s.visit_block(&b.block));
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder::default();
    f.visit_expr(e);
    f.out
}

/// How far a block's end must take control away.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// Anywhere else (a `break`/`continue` counts).
    Diverges,
    /// Out of the statement (a `break`/`continue` of an inner loop does not).
    Leaves,
}

/// Whether a statement certainly does not finish (see [`block_diverges`]).
pub fn stmt_ends(s: &syn::Stmt) -> bool {
    stmt_ends_how(s, Ends::Diverges)
}

fn stmt_ends_how(s: &syn::Stmt, how: Ends) -> bool {
    match s {
        syn::Stmt::Expr(e, _) => expr_ends(e, how),
        syn::Stmt::Macro(m) => {
            (is_panicking(&m.mac.path) || m.mac.path.is_ident("__tame_jump"))
                && !may_be_compiled_out(&m.attrs)
        }
        _ => false,
    }
}

fn block_ends(b: &syn::Block, how: Ends) -> bool {
    // Any statement, not only the last: what follows one that ends is
    // unreachable (rustc warns), and a move there never happens, so the
    // block's moves are those of a path that left (`if d { return;
    // drop(y); }` leaves `y` to its scope's end, as rustc's drop flags do).
    b.stmts.iter().any(|s| stmt_ends_how(s, how))
}

fn expr_ends(e: &Expr, how: Ends) -> bool {
    // Under `#[cfg(..)]` it may be compiled out, and code after it reached
    // in that build.
    let attrs = match e {
        Expr::Return(r) => &r.attrs[..],
        Expr::Break(b) => &b.attrs,
        Expr::Continue(c) => &c.attrs,
        other => expr_attrs(other),
    };
    if may_be_compiled_out(attrs) {
        return false;
    }
    match e {
        Expr::Return(_) => true,
        Expr::Break(_) | Expr::Continue(_) => how == Ends::Diverges,
        Expr::Macro(m) => is_panicking(&m.mac.path) || m.mac.path.is_ident("__tame_jump"),
        Expr::Call(_) => is_process_exit(e),
        Expr::Block(b) if b.label.is_none() => block_ends(&b.block, how),
        Expr::Paren(p) => expr_ends(&p.expr, how),
        // Every branch ends (`match k { 1 => return a, _ => return b }`).
        Expr::If(i) => {
            block_ends(&i.then_branch, how)
                && i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| expr_ends(e, how))
        }
        Expr::Match(m) => !m.arms.is_empty() && m.arms.iter().all(|a| expr_ends(&a.body, how)),
        // A `loop` no `break` leaves (one to a loop around it, or out of
        // the code, leaves that too): of type `!`, as rustc has it.
        Expr::Loop(l) => how == Ends::Diverges && loop_never_finishes(l),
        _ => false,
    }
}

/// Whether a `loop` never finishes: no `break` of its own in its body
/// (one of a loop inside it, of a closure or `async` block is not), nor a
/// macro that may expand to one. (It may still be left by a `break` or
/// `continue` to a loop around it, or a `return`.)
pub fn loop_never_finishes(l: &syn::ExprLoop) -> bool {
    !loop_breaks(l)
}

fn loop_breaks(l: &syn::ExprLoop) -> bool {
    struct Finder<'a> {
        label: Option<&'a syn::Lifetime>,
        /// Loops inside the `loop` around the walk.
        depth: usize,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            self.found |= match &b.label {
                None => self.depth == 0,
                Some(l) => self.label.is_some_and(|own| own.ident == l.ident),
            };
            syn::visit::visit_expr_break(self, b);
        }
        fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
            self.depth += 1;
            syn::visit::visit_expr_loop(self, l);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
            // (Its condition is the enclosing loop's code.)
            self.visit_expr(&w.cond);
            self.depth += 1;
            self.visit_block(&w.body);
            self.depth -= 1;
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            self.depth += 1;
            self.visit_block(&f.body);
            self.depth -= 1;
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.found |= macro_may_jump(m);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder {
        label: l.label.as_ref().map(|l| &l.name),
        depth: 0,
        found: false,
    };
    f.visit_block(&l.body);
    f.found
}

/// A call of `std::process::exit` or `abort`, written with the module
/// (`process::exit(2)`, `std::process::exit(code)`): functions that return
/// `!` which the translator can know by name. A bare `exit(2)` may be a
/// function of one's own that returns.
pub fn is_process_exit(e: &Expr) -> bool {
    let Expr::Call(c) = e else { return false };
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let mut names = p.path.segments.iter().rev().map(|s| &s.ident);
    let (Some(f), Some(module)) = (names.next(), names.next()) else {
        return false;
    };
    (f == "exit" || f == "abort") && module == "process"
}

/// `panic!` and its relatives, written bare or through `std`/`core`
/// (`std::todo!`). A path through a module of one's own (`log::todo!`)
/// names a macro of one's own, which may well return: taken for one that
/// does not, the code after it would be cut off.
pub fn is_panicking(p: &syn::Path) -> bool {
    let through_std = match p.segments.len() {
        1 => p.leading_colon.is_none(),
        2 => matches!(p.segments[0].ident.to_string().as_str(), "std" | "core"),
        _ => false,
    };
    through_std
        && p.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "panic" | "unreachable" | "todo" | "unimplemented"
            )
        })
}

/// Whether a body declares items (`use std::io::*;`, a `struct`, a `fn`),
/// in any of its blocks: the machine hoists them to the top of the
/// function's body, where they are in scope for everything the machine
/// writes there, so it must not write the signature's types again (they
/// would mean what the body's items make them mean).
pub fn has_items(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_item(&mut self, _: &'ast syn::Item) {
            self.0 = true;
        }
        // A closure's or an `async` block's items stay in it.
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        // A `twait! { .. }` block's statements are the body's too (a
        // `struct`, `static` or `impl` among its items goes to the
        // function's top).
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if m.path.segments.last().is_some_and(|s| s.ident == "twait") {
                let stmts = syn::parse::Parser::parse2(syn::Block::parse_within, m.tokens.clone());
                for stmt in stmts.iter().flatten() {
                    self.visit_stmt(stmt);
                }
            }
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_block(&mut finder, block);
    finder.0
}
