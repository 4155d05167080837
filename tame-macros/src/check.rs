//! Check: misuses of the tame macros, each a spanned error that says what to
//! do instead. All errors are collected and reported together.

use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{FnArg, ItemFn, ReturnType, Stmt, Type};

use crate::parse::{self, Which};

/// Collects errors.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub fn spanned(&mut self, tokens: impl quote::ToTokens, msg: &str) {
        self.push(syn::Error::new_spanned(tokens, msg));
    }

    pub fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Checks the signature: what a tamed function may look like.
pub fn signature(f: &ItemFn, errors: &mut Errors) {
    let sig = &f.sig;
    if let Some(a) = &sig.asyncness {
        errors.spanned(
            a,
            "#[tamed] cannot be used on an `async fn`; remove `async`: the function becomes its own state machine",
        );
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        let unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
        if !unit {
            errors.spanned(
                &sig.output,
                "a #[tamed] function cannot return a value; it returns when it first blocks. \
                 Take an `Event<T>` parameter and trigger it with the result instead",
            );
        }
    }
    if let Some(c) = &sig.constness {
        errors.spanned(c, "#[tamed] cannot be used on a `const fn`");
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) if r.reference.is_some() => errors.spanned(
                r,
                "a #[tamed] method cannot borrow `self`: its state outlives the call. \
                 Take `self` by value or `self: Rc<Self>`",
            ),
            FnArg::Typed(t) => {
                if let Type::Reference(r) = &*t.ty {
                    let is_static = r.lifetime.as_ref().is_some_and(|l| l.ident == "static");
                    if !is_static {
                        errors.spanned(
                            &t.ty,
                            "a #[tamed] function cannot take a borrowed parameter: its state outlives the call. \
                             Take an owned value (String instead of &str, Vec<T> instead of &[T], Rc<T> to share)",
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// Checks the body for misuses that do not depend on control flow.
pub fn body(stmts: &[Stmt], errors: &mut Errors) {
    let first_is_tvars = stmts
        .first()
        .is_some_and(|s| matches!(parse::stmt_macro(s), Some((_, Which::Tvars))));
    for stmt in stmts.iter().skip(1) {
        if let Some((mac, Which::Tvars)) = parse::stmt_macro(stmt) {
            let msg = if first_is_tvars {
                "tvars! is given twice; declare all state variables in the one tvars! at the top"
            } else {
                "tvars! must be the first statement of a #[tamed] function; move it to the top"
            };
            errors.spanned(mac, msg);
        }
    }
    let mut v = BodyCheck {
        errors,
        closure_depth: 0,
        twait_block_depth: 0,
        loop_depth_in_block: 0,
        top_level: true,
    };
    for stmt in stmts {
        v.visit_stmt(stmt);
    }
}

struct BodyCheck<'a> {
    errors: &'a mut Errors,
    /// Inside a closure or async block: a boundary for twait and `?`.
    closure_depth: usize,
    /// Inside a `twait! { ... }` block.
    twait_block_depth: usize,
    /// Loops nested inside the current twait block.
    loop_depth_in_block: usize,
    /// Walking the function's own statements (not a nested block).
    top_level: bool,
}

impl BodyCheck<'_> {
    fn our_macro(&mut self, mac: &syn::Macro, which: Which) {
        if self.closure_depth > 0 {
            let msg = match which {
                Which::Twait => "twait! cannot be used inside a closure or async block; call a #[tamed] function from the closure instead",
                Which::Mkevent => "mkevent! cannot be used inside a closure or async block; make the event outside the closure and move it in",
                Which::Tvars => "tvars! cannot be used inside a closure; it declares the state of the #[tamed] function itself",
            };
            self.errors.spanned(mac, msg);
            return;
        }
        match which {
            Which::Tvars => {
                // Top-level ones were checked by `body`.
                if !self.top_level || self.twait_block_depth > 0 {
                    self.errors.spanned(mac, "tvars! must be the first statement of a #[tamed] function; move it to the top");
                }
            }
            Which::Twait => {
                if self.twait_block_depth > 0 {
                    self.errors.spanned(
                        mac,
                        "twait! cannot be nested inside a twait! { ... } block; \
                         move the inner wait into a #[tamed] function and call it with mkevent!() instead",
                    );
                    return;
                }
                if let Ok(parse::TwaitForm::Block(stmts)) = parse::twait_form(mac) {
                    self.twait_block_depth += 1;
                    let saved = (self.loop_depth_in_block, self.top_level);
                    self.loop_depth_in_block = 0;
                    self.top_level = false;
                    for s in &stmts {
                        self.visit_stmt(s);
                    }
                    (self.loop_depth_in_block, self.top_level) = saved;
                    self.twait_block_depth -= 1;
                } else if let Ok(parse::TwaitForm::Rendezvous(e)) = parse::twait_form(mac) {
                    self.visit_expr(&e);
                }
            }
            Which::Mkevent => {
                let Ok(args) = parse::mkevent_args(mac) else {
                    return;
                };
                if self.twait_block_depth == 0 && args.args.len() < 2 {
                    self.errors.spanned(
                        mac,
                        "mkevent! without a rendezvous must be inside twait! { ... }; \
                         wrap the call in twait! { ... } or name a rendezvous: mkevent!(r, id)",
                    );
                }
                for a in &args.args {
                    self.visit_expr(a);
                }
            }
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.top_level;
        self.top_level = false;
        let r = f(self);
        self.top_level = saved;
        r
    }
}

impl<'ast> Visit<'ast> for BodyCheck<'_> {
    fn visit_stmt(&mut self, s: &'ast Stmt) {
        if let Stmt::Macro(m) = s {
            if let Some(w) = parse::which(&m.mac) {
                self.our_macro(&m.mac, w);
                return;
            }
        }
        visit::visit_stmt(self, s);
    }

    fn visit_expr_macro(&mut self, m: &'ast syn::ExprMacro) {
        if let Some(w) = parse::which(&m.mac) {
            self.our_macro(&m.mac, w);
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.nested(|s| visit::visit_block(s, b));
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.closure_depth += 1;
        self.nested(|s| visit::visit_expr_closure(s, c));
        self.closure_depth -= 1;
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.closure_depth += 1;
        self.nested(|s| visit::visit_expr_async(s, a));
        self.closure_depth -= 1;
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        if self.closure_depth == 0 {
            self.errors.spanned(
                t.question_token,
                "`?` cannot be used in a #[tamed] function: it returns nothing. \
                 Match on the result and deliver the error through an event (ev.trigger(Err(e))), then `return`",
            );
        }
        visit::visit_expr_try(self, t);
    }

    fn visit_expr_try_block(&mut self, t: &'ast syn::ExprTryBlock) {
        self.closure_depth += 1;
        visit::visit_expr_try_block(self, t);
        self.closure_depth -= 1;
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if self.twait_block_depth > 0 && self.closure_depth == 0 {
            self.errors.spanned(
                r,
                "`return` cannot be used inside a twait! { ... } block: the block must finish so the wait can begin. \
                 Return after the twait!",
            );
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        self.leave_block_check(b.label.is_some(), b.span());
        visit::visit_expr_break(self, b);
    }

    fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
        self.leave_block_check(c.label.is_some(), c.span());
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.in_loop(|s| visit::visit_expr_loop(s, l));
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.in_loop(|s| visit::visit_expr_while(s, w));
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.in_loop(|s| visit::visit_expr_for_loop(s, f));
    }

    // Nested items are not part of the tamed function.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

impl BodyCheck<'_> {
    fn in_loop(&mut self, f: impl FnOnce(&mut Self)) {
        self.loop_depth_in_block += 1;
        self.nested(f);
        self.loop_depth_in_block -= 1;
    }

    /// `break`/`continue` out of a twait block (labeled ones are assumed to
    /// leave it: labels inside a twait block are rare and the conservative
    /// answer is an error that is easy to act on).
    fn leave_block_check(&mut self, labeled: bool, span: proc_macro2::Span) {
        let leaves = labeled || self.loop_depth_in_block == 0;
        if self.twait_block_depth > 0 && self.closure_depth == 0 && leaves {
            self.errors.push(syn::Error::new(
                span,
                "`break`/`continue` cannot leave a twait! { ... } block: the block must finish so the wait can begin. \
                 Leave the loop after the twait!",
            ));
        }
    }
}
