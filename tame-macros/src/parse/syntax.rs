//! What the translator can tell from syntax alone, with no types: which
//! names a pattern binds, which values obviously need no drop, which
//! initializers obviously borrow, which method calls consume their
//! receiver, which macros only format their arguments.
//!
//! Each judgement errs on the side that fails loudly: a wrong "this is a
//! borrow" is a rustc error at the user's code, never a silent change.

use proc_macro2::{Ident, Span};
use syn::visit::Visit;
use syn::{Expr, Pat};

/// One variable bound by a pattern.
#[derive(Clone)]
pub struct PatBinding {
    pub ident: Ident,
    pub by_ref: bool,
}

/// Where a pattern stands: whether it can fail to match.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PatPlace {
    /// A `let` without `else`, a `for`, a parameter, a closure's parameter:
    /// every identifier in it is a new binding, whatever its case (rustc
    /// only warns about `let N = 3;`).
    Irrefutable,
    /// A `match` arm, `if let`, `while let`, `let .. else`: an identifier
    /// may also name a constant or a unit variant.
    Refutable,
}

/// The place of a `let`'s pattern.
pub fn local_place(l: &syn::Local) -> PatPlace {
    if l.init.as_ref().is_some_and(|i| i.diverge.is_some()) {
        PatPlace::Refutable
    } else {
        PatPlace::Irrefutable
    }
}

/// The variables a pattern binds, in order. In a refutable place, an
/// identifier pattern that starts with an uppercase letter and has no
/// `mut`/`ref`/`@` is taken as a constant or unit variant (`None`, `MAX`),
/// as rustc's naming lints assume.
pub fn pattern_bindings(pat: &Pat, place: PatPlace) -> Vec<PatBinding> {
    struct Collect(Vec<PatBinding>, PatPlace);
    impl<'ast> Visit<'ast> for Collect {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if !looks_constant(p, self.1) {
                self.0.push(PatBinding {
                    ident: p.ident.clone(),
                    by_ref: p.by_ref.is_some(),
                });
            }
            if let Some((_, sub)) = &p.subpat {
                self.visit_pat(sub);
            }
        }
        // Paths and expressions inside patterns (`Some`, ranges) bind nothing.
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut c = Collect(Vec::new(), place);
    c.visit_pat(pat);
    c.0
}

/// The variables a pattern binds inside struct-pattern fields under
/// `#[cfg(..)]` (`S { a, #[cfg(feature = "tls")] tls, .. }`), each with the
/// `cfg` attributes of the fields around it: they exist only where those
/// hold.
pub fn cfg_field_bindings(pat: &Pat, place: PatPlace) -> Vec<(String, Vec<syn::Attribute>)> {
    struct Collect {
        out: Vec<(String, Vec<syn::Attribute>)>,
        cfg: Vec<syn::Attribute>,
        place: PatPlace,
    }
    impl<'ast> Visit<'ast> for Collect {
        fn visit_field_pat(&mut self, f: &'ast syn::FieldPat) {
            let outer = self.cfg.len();
            let cfgs = f.attrs.iter().filter(|a| a.path().is_ident("cfg"));
            self.cfg.extend(cfgs.cloned());
            if self.cfg.is_empty() {
                syn::visit::visit_field_pat(self, f);
            } else {
                for b in pattern_bindings(&f.pat, self.place) {
                    self.out.push((b.ident.to_string(), self.cfg.clone()));
                }
            }
            self.cfg.truncate(outer);
        }
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut c = Collect {
        out: Vec::new(),
        cfg: Vec::new(),
        place,
    };
    c.visit_pat(pat);
    c.out
}

/// Whether an identifier pattern names a constant rather than binding a
/// variable (see [`pattern_bindings`]).
pub fn looks_constant(p: &syn::PatIdent, place: PatPlace) -> bool {
    place == PatPlace::Refutable
        && p.ident.to_string().starts_with(|c: char| c.is_uppercase())
        && p.mutability.is_none()
        && p.by_ref.is_none()
        && p.subpat.is_none()
}

/// Whether a pattern binds something by value (so matching a variable
/// against it may move out of the variable).
pub fn binds_by_value(pat: &Pat, place: PatPlace) -> bool {
    pattern_bindings(pat, place).iter().any(|b| !b.by_ref)
}

/// The type of a pattern with a type ascription (`let v: u32`).
pub fn pattern_type(pat: &Pat) -> Option<syn::Type> {
    match pat {
        Pat::Type(t) => Some((*t.ty).clone()),
        _ => None,
    }
}

/// The single identifier of a path expression (`x`, not `a::b` or `X::<T>`).
pub fn as_ident(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident(),
        _ => None,
    }
}

/// Whether `op` gives a `bool` whatever its operands: a comparison, `&&`
/// or `||`.
pub fn gives_bool(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_) | And(_) | Or(_)
    )
}

/// Whether `op` is a compound assignment (`+=`, `<<=`, ...).
pub fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// Whether an initializer obviously gives a value whose drop does
/// nothing: literals, comparisons, arithmetic on such values, casts,
/// `len()`-style queries. Such bindings are not kept across a twait just for their drop.
pub fn trivially_undroppable(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) => true,
        // `x as u32`; not `b as Box<dyn Any>`.
        Expr::Cast(c) => trivially_undroppable_type(&c.ty),
        // A comparison or `&&`/`||` gives a `bool` whatever its operands;
        // arithmetic may be overloaded to give anything (a guard, say),
        // unless its operands are plain values themselves.
        Expr::Binary(b) => {
            gives_bool(&b.op) || (trivially_undroppable(&b.left) && trivially_undroppable(&b.right))
        }
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Not(_) | syn::UnOp::Neg(_)),
        Expr::Paren(p) => trivially_undroppable(&p.expr),
        Expr::Tuple(t) => t.elems.iter().all(trivially_undroppable),
        Expr::Range(r) => {
            r.start.as_deref().is_none_or(trivially_undroppable)
                && r.end.as_deref().is_none_or(trivially_undroppable)
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            matches!(
                name.as_str(),
                "len"
                    | "count"
                    | "capacity"
                    | "is_empty"
                    | "is_some"
                    | "is_none"
                    | "is_ok"
                    | "is_err"
            ) || name.starts_with("is_")
        }
        Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| i.to_string().chars().all(|c| c.is_uppercase() || c == '_')),
        // A choice between such values (`if d { 0 } else { 5 }`), a branch
        // that leaves instead counting as one.
        Expr::If(i) => {
            i.else_branch
                .as_ref()
                .is_some_and(|(_, e)| trivially_undroppable(e))
                && value_trivially_undroppable(&i.then_branch)
        }
        Expr::Match(m) => m
            .arms
            .iter()
            .all(|a| trivially_undroppable(&a.body) || expr_diverges(&a.body)),
        Expr::Block(b) if b.label.is_none() => value_trivially_undroppable(&b.block),
        _ => false,
    }
}

/// Whether a block's value (its tail) obviously has no drop, or it gives
/// none because it leaves.
fn value_trivially_undroppable(b: &syn::Block) -> bool {
    match tail_of(b) {
        Some(e) => trivially_undroppable(e) || expr_diverges(e),
        None => block_diverges(b),
    }
}

/// Whether an initializer obviously gives a `Copy` value: a number, a
/// `bool` or a `char` (literals, comparisons, arithmetic and casts of
/// them, `len()`-style queries), a string literal, or a choice or tuple of
/// such, or a constant (`LIMIT`: a `const` of a type that is not `Copy`,
/// rare, draws rustc's "use of moved value" where it is taken for one).
/// Not a range, which [`trivially_undroppable`] allows.
pub fn copy_like(e: &Expr) -> bool {
    match e {
        Expr::Range(_) => false,
        Expr::Binary(b) => gives_bool(&b.op) || (copy_like(&b.left) && copy_like(&b.right)),
        Expr::Paren(p) => copy_like(&p.expr),
        Expr::Tuple(t) => t.elems.iter().all(copy_like),
        Expr::If(i) => {
            i.else_branch.as_ref().is_some_and(|(_, e)| copy_like(e))
                && tail_of(&i.then_branch).is_some_and(|e| copy_like(e) || expr_diverges(e))
        }
        Expr::Match(m) => m
            .arms
            .iter()
            .all(|a| copy_like(&a.body) || expr_diverges(&a.body)),
        Expr::Block(b) if b.label.is_none() => {
            tail_of(&b.block).is_some_and(|e| copy_like(e) || expr_diverges(e))
        }
        other => trivially_undroppable(other),
    }
}

/// Whether an expression may be a constant rustc promotes to `'static`
/// (`&[1, 2]`, `&("a", 3)`, `&None`): literals, paths, and arrays, tuples,
/// struct literals and references made of them.
pub fn constant_like(e: &Expr) -> bool {
    let upper = |p: &syn::Path| {
        p.segments
            .last()
            .is_some_and(|s| s.ident.to_string().starts_with(|c: char| c.is_uppercase()))
    };
    match e {
        Expr::Lit(_) => true,
        // `None`, `MAX`, `Kind::A`; not a variable (`&(g1, g2)` moves them).
        Expr::Path(p) => upper(&p.path),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && constant_like(&u.expr),
        Expr::Reference(r) => r.mutability.is_none() && constant_like(&r.expr),
        Expr::Paren(p) => constant_like(&p.expr),
        Expr::Array(a) => a.elems.iter().all(constant_like),
        Expr::Tuple(t) => t.elems.iter().all(constant_like),
        Expr::Struct(s) => s.rest.is_none() && s.fields.iter().all(|f| constant_like(&f.expr)),
        _ => false,
    }
}

/// Whether a written type obviously has no drop: the primitive types,
/// shared references and raw pointers.
pub fn trivially_undroppable_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => r.mutability.is_none(),
        syn::Type::Ptr(_) => true,
        syn::Type::Paren(p) => trivially_undroppable_type(&p.elem),
        syn::Type::Group(g) => trivially_undroppable_type(&g.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(trivially_undroppable_type),
        _ => primitive_scalar_type(ty),
    }
}

/// Whether a written type is a number, `bool` or `char`.
pub fn primitive_scalar_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Paren(p) => primitive_scalar_type(&p.elem),
        syn::Type::Group(g) => primitive_scalar_type(&g.elem),
        syn::Type::Path(p) if p.qself.is_none() => p.path.get_ident().is_some_and(|i| {
            matches!(
                i.to_string().as_str(),
                "u8" | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "f32"
                    | "f64"
                    | "bool"
                    | "char"
            )
        }),
        _ => false,
    }
}

/// Methods that take their receiver by value, whatever its type: a
/// variable used last as their receiver is moved out. Every other method
/// is taken to borrow its receiver (`guard.note()` keeps `guard` alive to
/// the end of its scope); if it did not, rustc says so at the call.
pub fn consumes_receiver(method: &str) -> bool {
    const BY_VALUE: &[&str] = &[
        // tame's own.
        "trigger",
        "close",
        // Option and Result.
        "unwrap",
        "expect",
        "unwrap_or",
        "unwrap_or_else",
        "unwrap_or_default",
        "unwrap_err",
        "expect_err",
        "ok",
        "err",
        "map",
        "map_err",
        "map_or",
        "map_or_else",
        "and_then",
        "or_else",
        "ok_or",
        "ok_or_else",
        "is_some_and",
        "is_none_or",
        "is_ok_and",
        "is_err_and",
        "inspect_err",
        "flatten",
        "transpose",
        "zip",
        "xor",
        "filter",
        "inspect",
        "or",
        "and",
        "cloned",
        "copied",
        // Iterators and collections by value. (Not `last`, `nth` or
        // `find`: a slice's `last` borrows, and the other two take `&mut
        // self`; nor `count`, `max`, `min` or `skip`, names that types of
        // one's own give to `&self` or `&mut self` methods, whose guard
        // would then be dropped early without a word.)
        "collect",
        "sum",
        "product",
        "fold",
        "for_each",
        "join",
        "leak",
        "max_by",
        "min_by",
        "max_by_key",
        "min_by_key",
        "reduce",
        "partition",
        "unzip",
        "rev",
        "enumerate",
        "chain",
        "step_by",
        "peekable",
        "fuse",
        "cycle",
        "filter_map",
        "flat_map",
        "take_while",
        "skip_while",
        "map_while",
        "scan",
        // `Into::into` takes `self`, whatever the type.
        "into",
    ];
    BY_VALUE.contains(&method) || method.starts_with("into_")
}

/// `$body` with `$x` bound to the expression's node, for the kinds of
/// expression that carry attributes as statements (`#[cfg(..)] { .. }`);
/// `$none` for the others. One list for [`expr_attrs`] and
/// [`expr_attrs_mut`].
macro_rules! with_attr_node {
    ($e:expr, $x:ident => $body:expr, $none:expr) => {
        match $e {
            Expr::Assign($x) => $body,
            Expr::Binary($x) => $body,
            Expr::Block($x) => $body,
            Expr::Call($x) => $body,
            Expr::ForLoop($x) => $body,
            Expr::If($x) => $body,
            Expr::Loop($x) => $body,
            Expr::Macro($x) => $body,
            Expr::Match($x) => $body,
            Expr::MethodCall($x) => $body,
            Expr::Paren($x) => $body,
            Expr::Unsafe($x) => $body,
            Expr::While($x) => $body,
            _ => $none,
        }
    };
}

/// The attributes written on an expression (`#[cfg(..)] { .. }`).
pub fn expr_attrs(e: &Expr) -> &[syn::Attribute] {
    with_attr_node!(e, x => &x.attrs[..], &[])
}

/// [`expr_attrs`], to change (`None`: the expression carries none).
pub fn expr_attrs_mut(e: &mut Expr) -> Option<&mut Vec<syn::Attribute>> {
    with_attr_node!(e, x => Some(&mut x.attrs), None)
}

/// The attributes of a statement or arm of the user's, as the machine's
/// copy of it carries them: its `cfg`s, and its `allow`s, with each
/// `expect` made an `allow`. The lint shadow has the code as written and
/// says what its levels ask (an `expect` fulfilled there, or a `deny`'s
/// error); on the machine's copy a `deny` or `warn` would also reach the
/// machine's own code there, past the lints it allows (an unused `mut` in
/// a piece that does not assign), and an `expect` could go unfulfilled.
pub fn machine_attrs(attrs: &mut Vec<syn::Attribute>) {
    attrs.retain_mut(|a| machine_meta(&mut a.meta));
}

/// [`machine_attrs`] for one attribute's meta: whether it stays, as
/// changed. A `cfg_attr` keeps what of its attributes would stay.
fn machine_meta(meta: &mut syn::Meta) -> bool {
    let path = meta.path();
    if path.is_ident("cfg") || path.is_ident("allow") {
        return true;
    }
    let syn::Meta::List(l) = meta else {
        return false;
    };
    if l.path.is_ident("expect") {
        l.path = syn::parse_quote_spanned!(syn::spanned::Spanned::span(&l.path)=> allow);
        return true;
    }
    if !l.path.is_ident("cfg_attr") {
        return false;
    }
    let Ok(parts) = l.parse_args_with(
        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
    ) else {
        return true;
    };
    let mut parts = parts.into_iter();
    let Some(when) = parts.next() else {
        return false;
    };
    let kept: Vec<syn::Meta> = parts
        .filter_map(|mut m| machine_meta(&mut m).then_some(m))
        .collect();
    if kept.is_empty() {
        return false;
    }
    l.tokens = quote::quote!(#when, #(#kept),*);
    true
}

/// `e` as a value where an attribute on an expression is not allowed on
/// stable Rust (`let x = #[allow(..)] match ..;`): an expression with
/// attributes (a block-like tail of the user's, where they are allowed)
/// goes in a block of its own, as that block's tail.
pub fn attributes_in_block(e: Expr) -> Expr {
    if expr_attrs(&e).is_empty() {
        return e;
    }
    syn::parse_quote_spanned!(syn::spanned::Spanned::span(&e)=> { #e })
}

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
            return tail_value(&b.block).is_some_and(|v| !trivially_undroppable(v));
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
    values.iter().any(|v| {
        !(trivially_undroppable(v) || matches!(v, Expr::Reference(_)) || borrow_root(v).is_some())
    })
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

/// `attrs` before a statement's own (a `twait! {}` statement's lint
/// levels on each statement of its block); an expression that carries
/// none as a statement is left as it is.
pub fn prepend_attrs(s: &mut syn::Stmt, attrs: &[syn::Attribute]) {
    if attrs.is_empty() {
        return;
    }
    let own = match s {
        syn::Stmt::Local(l) => &mut l.attrs,
        syn::Stmt::Macro(m) => &mut m.attrs,
        syn::Stmt::Expr(e, _) => match expr_attrs_mut(e) {
            Some(a) => a,
            None => return,
        },
        syn::Stmt::Item(_) => return,
    };
    own.splice(0..0, attrs.iter().cloned());
}

/// Whether code may be compiled out (`#[cfg(..)]`, `#[cfg_attr(..)]`).
pub fn may_be_compiled_out(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
}

/// Macros whose arguments are only formatted or compared (borrowed): a
/// variable mentioned in them is not moved.
pub fn is_formatting_macro(path: &syn::Path) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    matches!(
        last.ident.to_string().as_str(),
        "print"
            | "println"
            | "eprint"
            | "eprintln"
            | "format"
            | "format_args"
            | "write"
            | "writeln"
            | "panic"
            | "assert"
            | "assert_eq"
            | "assert_ne"
            | "debug_assert"
            | "debug_assert_eq"
            | "debug_assert_ne"
            | "unreachable"
            | "todo"
            | "unimplemented"
            | "matches"
            | "trace"
            | "debug"
            | "info"
            | "warn"
            | "error"
            | "log"
    )
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

/// Whether a macro is one of std's that give a value and neither jump nor
/// make events (`vec!`, `dbg!`, `cfg!`, `line!`, `concat!`, ..): a macro
/// by any other name may be the user's, and expand to anything.
pub fn is_std_value_macro(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "vec"
                | "dbg"
                | "cfg"
                | "line"
                | "column"
                | "file"
                | "module_path"
                | "stringify"
                | "concat"
                | "env"
                | "option_env"
                | "include_str"
                | "include_bytes"
        )
    })
}

/// Whether a loop's body may leave it or go round in a way that only the
/// expanded code shows: a macro other than tame's, the formatting ones and
/// std's that give values (a `macro_rules!` of the user's may expand to
/// `break`), or one whose arguments hold a `break` or `continue`.
pub fn hides_jumps(body: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let known = crate::parse::macros::which(m).is_some()
                || is_formatting_macro(&m.path)
                || is_std_value_macro(&m.path);
            self.0 |= !known || tokens_jump(&m.tokens);
        }
    }
    fn tokens_jump(ts: &proc_macro2::TokenStream) -> bool {
        ts.clone().into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => i == "break" || i == "continue",
            proc_macro2::TokenTree::Group(g) => tokens_jump(&g.stream()),
            _ => false,
        })
    }
    let mut f = Finder(false);
    f.visit_block(body);
    f.0
}

/// Identifiers captured inline by a format string literal: `"{x} {y:?}
/// {{z}} {:>w$.p$}"` gives `x`, `y`, `w` and `p`.
pub fn format_captures(lit: &str) -> Vec<String> {
    format_names(lit, false)
}

/// The names a format string literal captures as widths or precisions
/// only (`w` and `p` of `"{:>w$.p$}"`).
pub fn format_counts(lit: &str) -> Vec<String> {
    format_names(lit, true)
}

fn format_names(lit: &str, counts_only: bool) -> Vec<String> {
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
        if !counts_only && starts_ok && name != "_" && !out.contains(&name) {
            out.push(name);
        }
        // A width or precision named by a variable (`{:>w$}`, `{x:.p$}`).
        let mut spec = String::new();
        for c in chars.by_ref() {
            if c == '}' {
                break;
            }
            spec.push(c);
        }
        if let Some(spec) = spec.strip_prefix(':') {
            let pieces: Vec<&str> = spec.split('$').collect();
            for count in &pieces[..pieces.len() - 1] {
                let tail = count.len()
                    - count
                        .chars()
                        .rev()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .map(char::len_utf8)
                        .sum::<usize>();
                let name = &count[tail..];
                let named = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
                if named && name != "_" && !out.iter().any(|n| n == name) {
                    out.push(name.to_owned());
                }
            }
        }
    }
    out
}

/// Whether `e` is obviously an iterator: a chain of calls that only
/// iterators have (`v.into_iter()`, `.rev()`, `.enumerate()`), or of the
/// adapters they share with `Option` (`map`, `filter`) on one of those, or
/// on a range (`(0..n).map(..)`).
pub fn iterator_chain(e: &Expr) -> bool {
    let Expr::MethodCall(m) = e else {
        return false;
    };
    let name = m.method.to_string();
    let receiver_iterates = || match &*m.receiver {
        Expr::Paren(p) => matches!(&*p.expr, Expr::Range(_)),
        Expr::Range(_) => true,
        other => iterator_chain(other),
    };
    match name.as_str() {
        "into_iter" | "drain" | "rev" | "enumerate" | "chain" | "step_by" | "peekable" | "fuse"
        | "cycle" | "filter_map" | "flat_map" | "take_while" | "skip_while" | "map_while"
        | "scan" | "skip" => true,
        // `Option::take()` has no argument.
        "take" => !m.args.is_empty(),
        "map" | "filter" | "zip" | "inspect" | "cloned" | "copied" | "flatten" => {
            receiver_iterates()
        }
        other => ITERATOR_SOURCES.contains(&other),
    }
}

/// Methods that move an iterator (see [`iterator_chain`]) besides those of
/// [`consumes_receiver`]: names other types give to methods that borrow.
pub fn consumes_iterator(method: &str, args: usize) -> bool {
    matches!(method, "count" | "max" | "min" | "skip" | "last" | "is_sorted" | "eq" | "ne")
        // `Iterator::take(n)`; `Option::take()` has no argument.
        || (method == "take" && args == 1)
}

/// Whether `e` makes a tame `Timer` (`Timer::after(..)`, `Timer::at(..)`).
pub fn makes_timer(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p)
        if p.path.segments.len() >= 2
            && p.path.segments[p.path.segments.len() - 2].ident == "Timer"))
}

/// Methods whose result borrows their receiver (`s.as_str()`,
/// `m.lock()`), besides the [`ITERATOR_SOURCES`].
const BORROWING_METHODS: &[&str] = &[
    "as_str",
    "as_slice",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "get_mut",
    "first",
    "last",
    "borrow",
    "borrow_mut",
    "trim",
    "trim_start",
    "trim_end",
    "trim_matches",
    "trim_start_matches",
    "trim_end_matches",
    "strip_prefix",
    "strip_suffix",
    "split_once",
    "rsplit_once",
    "split_at",
    "split_first",
    "split_last",
    "get_key_value",
    "as_bytes",
    "as_path",
    "as_os_str",
    "to_str",
    "lock",
];

/// Methods that give an iterator over what their receiver holds, borrowing
/// it: the adapters in [`ITERATOR_ADAPTERS`] keep their borrow.
const ITERATOR_SOURCES: &[&str] = &[
    "iter",
    "iter_mut",
    "chars",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "keys",
    "values",
    "values_mut",
    "windows",
    "chunks",
    "chunks_exact",
    "rchunks",
    "drain",
    "char_indices",
    "rsplit",
    "splitn",
    "split_terminator",
    "matches",
    "match_indices",
    "by_ref",
];

/// Iterator adapters that keep a borrow only over a borrowing iterator
/// (`v.iter().cloned()`, `s.lines().map(..)`; so do those of
/// [`BORROW_PRESERVING_METHODS`]). Not preserving on their own, because on
/// an `Option` the same names give an owned value (`v.first().cloned()`,
/// `o.as_ref().map(..)`).
const ITERATOR_ADAPTERS: &[&str] = &[
    "cloned",
    "copied",
    "map",
    "filter_map",
    "flat_map",
    "flatten",
    "inspect",
    "map_while",
    "scan",
];

/// Whether the items of `e`, iterated by a `for`, are numbers: a range
/// (`0..n`, `'a'..='z'`: only the `Step` types of std iterate), through
/// adapters that pass its items on as they are (`(0..n).rev().step_by(2)`).
pub fn yields_numbers(e: &Expr) -> bool {
    match e {
        Expr::Range(r) => r.start.is_some(),
        Expr::Paren(p) => yields_numbers(&p.expr),
        Expr::Group(g) => yields_numbers(&g.expr),
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "rev"
                    | "step_by"
                    | "skip"
                    | "take"
                    | "filter"
                    | "skip_while"
                    | "take_while"
                    | "peekable"
                    | "fuse"
                    | "cycle"
                    | "inspect"
            ) && yields_numbers(&m.receiver)
        }
        _ => false,
    }
}

/// Whether `e` is a borrowing iterator: a call of an iterator source
/// through adapters only (`v.iter().cloned().enumerate()`).
fn borrowing_iterator(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let adapter = ITERATOR_ADAPTERS.contains(&name.as_str()) || preserves_borrow(&name);
            ITERATOR_SOURCES.contains(&name.as_str())
                || (adapter && borrowing_iterator(&m.receiver))
        }
        Expr::Paren(p) => borrowing_iterator(&p.expr),
        _ => false,
    }
}

/// Iterator sources whose items are owned values (`chars`, `bytes`): the
/// iterator borrows, what it yields does not.
/// (`by_ref` gives the items of the iterator it borrows, which only that
/// iterator's source tells.)
const OWNED_ITEM_SOURCES: &[&str] = &["chars", "bytes", "char_indices", "drain", "by_ref"];

/// Adapters whose items are those of the iterator they adapt: the
/// borrow-preserving ones, and `inspect`, `by_ref`.
fn passes_items_on(name: &str) -> bool {
    BORROW_PRESERVING_METHODS.contains(&name) || matches!(name, "inspect" | "by_ref")
}

/// Methods that give one item of an iterator (`v.iter().max()`,
/// `s.split(',').next()`).
const ITEM_TAKING_METHODS: &[&str] = &[
    "next",
    "next_back",
    "nth",
    "max",
    "min",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "find",
];

/// Whether the items of iterator `e` borrow what it iterates over: a
/// borrowing source (`iter`, `split`, `lines`) through adapters that pass
/// its items on (`v.iter().cloned()` yields owned values).
fn items_borrow(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let name = name.as_str();
            // `map(String::as_str)`, `map(|s| s.trim())`: items that
            // borrow what the items they were made of borrow.
            let mapped = matches!(name, "map" | "filter_map" | "map_while")
                && m.args.last().is_some_and(closure_borrows_its_argument);
            (ITERATOR_SOURCES.contains(&name) && !OWNED_ITEM_SOURCES.contains(&name))
                || ((passes_items_on(name) || mapped) && items_borrow(&m.receiver))
        }
        Expr::Paren(p) => items_borrow(&p.expr),
        _ => false,
    }
}

/// Iterator adapters whose result still borrows what their receiver
/// borrows (`v.iter().enumerate()`); with [`UNWRAPPING_METHODS`], the
/// methods that do. Any other method is assumed to give an owned value
/// (`v.iter().sum()`, `s.trim().len()`).
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
];

/// The borrow-preserving methods of `Option`/`Result` (not of iterators):
/// `v.first().unwrap()`, and `line.split(',').next().unwrap_or("")`, whose
/// fallback is a value of the same type, so the result borrows whatever
/// the option held.
const UNWRAPPING_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "ok_or",
    "ok_or_else",
    "or",
    "or_else",
];

/// Whether a method's result still borrows what its receiver borrows
/// (see the two lists above).
fn preserves_borrow(name: &str) -> bool {
    BORROW_PRESERVING_METHODS.contains(&name) || UNWRAPPING_METHODS.contains(&name)
}

/// The variable an expression borrows from, if it obviously does
/// (`&v`, `&mut v[..]`, `v.iter()`, `v.as_str()`), and how.
pub fn borrow_root(e: &Expr) -> Option<(Ident, &'static str)> {
    fn root(e: &Expr) -> Option<&Ident> {
        match e {
            Expr::Path(_) => as_ident(e),
            Expr::Field(f) => root(&f.base),
            Expr::Index(i) => root(&i.expr),
            Expr::Paren(p) => root(&p.expr),
            Expr::Reference(r) => root(&r.expr),
            Expr::MethodCall(m) => root(&m.receiver),
            // `&*cfg`: through the box or `Rc` the variable holds.
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => root(&u.expr),
            _ => None,
        }
    }
    match e {
        Expr::Paren(p) => borrow_root(&p.expr),
        Expr::Reference(r) => root(&r.expr).map(|i| (i.clone(), "a reference")),
        // `v.get(i)?` borrows as `v.get(i).unwrap()` does.
        Expr::Try(t) => borrow_root(&t.expr),
        // A value chosen among borrows (`if c { &a } else { &b }`): the
        // first branch that borrows.
        Expr::If(i) => tail_of(&i.then_branch)
            .and_then(borrow_root)
            .or_else(|| i.else_branch.as_ref().and_then(|(_, e)| borrow_root(e))),
        Expr::Match(m) => m.arms.iter().find_map(|a| borrow_root(&a.body)),
        Expr::Block(b) if b.label.is_none() => tail_of(&b.block).and_then(borrow_root),
        // An array, tuple or struct holding a borrow (`[a.as_str(), "x"]`).
        Expr::Array(a) => a.elems.iter().find_map(borrow_root),
        Expr::Tuple(t) => t.elems.iter().find_map(borrow_root),
        Expr::Struct(s) => s.fields.iter().find_map(|f| borrow_root(&f.expr)),
        // A constructor's (`Some(g.name.as_str())`).
        Expr::Call(c)
            if matches!(&*c.func, Expr::Path(p) if p.path.segments.last()
                .is_some_and(|s| s.ident.to_string().starts_with(|c: char| c.is_uppercase()))) =>
        {
            c.args.iter().find_map(borrow_root)
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            // `v.get(i)`, `map.get(&k)` borrow; `cell.get()` copies.
            let borrowing_get = name == "get" && !m.args.is_empty();
            // `v.last()` borrows `v`; `v.iter().copied().last()`, an
            // iterator's last item, borrows only if its items do (below).
            let iterator_last = name == "last"
                && matches!(&*m.receiver, Expr::MethodCall(r) if {
                    let r = r.method.to_string();
                    let r = r.as_str();
                    ITERATOR_SOURCES.contains(&r)
                        || ITERATOR_ADAPTERS.contains(&r)
                        || passes_items_on(r)
                        || matches!(r, "into_iter" | "filter" | "rev")
                });
            if (BORROWING_METHODS.contains(&name.as_str()) && !iterator_last)
                || ITERATOR_SOURCES.contains(&name.as_str())
                || borrowing_get
            {
                // Names that types of users' own also give to methods
                // returning owned values say so: the error then suggests
                // writing the type.
                let how = match name.as_str() {
                    "get" => "`get`, a method that borrows its receiver in std's collections",
                    "first" => "`first`, a method that borrows its receiver in std's collections",
                    "last" => "`last`, a method that borrows its receiver in std's collections",
                    _ => "a method that borrows its receiver",
                };
                root(&m.receiver).map(|i| (i.clone(), how))
            } else {
                let preserving = preserves_borrow(&name)
                    // `Option::take()` moves the value out of the place it
                    // borrows (`slot.borrow_mut().take()`); `Iterator::take(n)`
                    // keeps the borrow.
                    && !(name == "take" && m.args.is_empty());
                let adapted =
                    ITERATOR_ADAPTERS.contains(&name.as_str()) && borrowing_iterator(&m.receiver);
                // `v.iter().max()`, `s.split(',').next()`: an item of a
                // borrowing iterator.
                // `v.iter().max()`, and `s.split(' ').collect()` (a
                // collection of its items; one named owned by a turbofish,
                // `collect::<String>()`, is not).
                let item = (ITEM_TAKING_METHODS.contains(&name.as_str())
                    || iterator_last
                    || (name == "collect" && !turbofish_owned(m)))
                    && items_borrow(&m.receiver);
                // `o.as_ref().map(|s| s.as_str())`: what the closure gives
                // back borrows what it was given, so the result borrows
                // what the receiver borrows (`map(|s| s.len())` is owned).
                let mapped = matches!(name.as_str(), "map" | "and_then" | "map_or")
                    && m.args.last().is_some_and(closure_borrows_its_argument);
                if !(preserving || adapted || item || mapped) {
                    return None;
                }
                // `o.unwrap_or(&fallback)`: what the fallback borrows.
                let fallback = || {
                    matches!(name.as_str(), "unwrap_or" | "or")
                        .then(|| m.args.first())
                        .flatten()
                        .and_then(borrow_root)
                };
                let (root, how) = borrow_root(&m.receiver).or_else(fallback)?;
                let how = if item && name == "collect" {
                    "a collection of the items of an iterator over it, as the methods are named in std"
                } else if item {
                    "an item of an iterator over it, as the methods are named in std"
                } else if mapped {
                    "what a closure gives back of what it is given, as `map` is named in std"
                } else {
                    how
                };
                Some((root, how))
            }
        }
        _ => None,
    }
}

/// Whether a method call's turbofish names a type that borrows nothing
/// (`collect::<String>()`, `collect::<Vec<u8>>()`).
fn turbofish_owned(m: &syn::ExprMethodCall) -> bool {
    m.turbofish.as_ref().is_some_and(|t| {
        t.args.iter().all(|a| match a {
            syn::GenericArgument::Type(t) => !may_borrow_type(t),
            _ => false,
        })
    })
}

/// A block's last expression, if it ends in one.
fn tail_of(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => Some(e),
        _ => None,
    }
}

/// A closure of one parameter whose value borrows it (`|s| s.as_str()`,
/// `|p| &p.name`).
fn closure_borrows_its_argument(e: &Expr) -> bool {
    // `map(String::as_str)`: a borrowing method named by its path.
    if let Expr::Path(p) = e {
        return (p.path.segments.last())
            .is_some_and(|s| BORROWING_METHODS.contains(&s.ident.to_string().as_str()));
    }
    let Expr::Closure(c) = e else { return false };
    let [Pat::Ident(p)] = c.inputs.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let body = match &*c.body {
        Expr::Block(b) => match tail_of(&b.block) {
            Some(e) => e,
            None => return false,
        },
        other => other,
    };
    borrow_root(body).is_some_and(|(root, _)| root == p.ident)
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
/// inside it): one that takes control out of it, past whatever it would
/// have ended with (`if c { if k { drop(g); break; } ..; return; }` in a
/// loop goes on after the loop with `g` moved).
pub fn jumps_out(e: &Expr) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
            self.0 = true;
        }
        fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
            self.0 = true;
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            // The iterator is evaluated out here.
            self.visit_expr(&f.expr);
        }
        fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
            self.visit_expr(&w.cond);
        }
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder(false);
    f.visit_expr(e);
    f.0
}

/// How far a block's end must take control away.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// Anywhere else (a `break`/`continue` counts).
    Diverges,
    /// Out of the statement (a `break`/`continue` of an inner loop does not).
    Leaves,
}

fn block_ends(b: &syn::Block, how: Ends) -> bool {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(e, _)) => expr_ends(e, how),
        Some(syn::Stmt::Macro(m)) => {
            (is_panicking(&m.mac.path) || m.mac.path.is_ident("__tame_jump"))
                && !may_be_compiled_out(&m.attrs)
        }
        _ => false,
    }
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
        _ => false,
    }
}

/// `panic!` and its relatives.
pub fn is_panicking(p: &syn::Path) -> bool {
    p.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented"
        )
    })
}

/// Whether an initializer makes a guard: a borrow with a drop that
/// matters (`m.lock()`, `cell.borrow_mut()`, `v.drain(..)`).
pub fn is_guard(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            // What a borrowing method gives of a guard (`cell.borrow()
            // .get(&k)`, `m.lock()?.first()`) is a value or a borrow, not
            // the guard: the guard is a temporary of the statement.
            let of_guard = !(BORROWING_METHODS.contains(&name.as_str())
                || ITERATOR_SOURCES.contains(&name.as_str())
                || (name == "get" && !m.args.is_empty()));
            matches!(
                name.as_str(),
                "lock" | "borrow" | "borrow_mut" | "drain" | "read" | "write"
            ) || (of_guard && is_guard(&m.receiver))
        }
        Expr::Try(t) => is_guard(&t.expr),
        Expr::Paren(p) => is_guard(&p.expr),
        // One of several (`if c { a.lock() } else { b.lock() }`).
        Expr::If(i) => {
            tail_of(&i.then_branch).is_some_and(is_guard)
                || i.else_branch.as_ref().is_some_and(|(_, e)| is_guard(e))
        }
        Expr::Match(m) => m.arms.iter().any(|a| is_guard(&a.body)),
        Expr::Block(b) if b.label.is_none() => tail_of(&b.block).is_some_and(is_guard),
        _ => false,
    }
}

/// Whether an operand can be left in place and evaluated after a twait
/// that follows it in the same expression: it reads a place or is a
/// constant, so evaluating it later observes the same thing unless the
/// twait itself changed it. Other operands are evaluated before the twait
/// into a temporary, as Rust evaluates operands left to right.
pub fn stays_in_place(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) | Expr::Path(_) | Expr::Closure(_) => true,
        Expr::Reference(r) => stays_in_place(&r.expr),
        Expr::Field(f) => stays_in_place(&f.base),
        Expr::Paren(p) => stays_in_place(&p.expr),
        Expr::Index(i) => stays_in_place(&i.expr) && stays_in_place(&i.index),
        _ => false,
    }
}

/// Whether a pattern has a `ref mut` binding: what it binds from must be a
/// mutable place (a parameter `ref mut v: Vec<u32>` is taken under a fresh
/// name that must then be `mut`).
pub fn binds_ref_mut(pat: &Pat) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0 |= p.by_ref.is_some() && p.mutability.is_some();
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_pat(&mut f, pat);
    f.0
}

/// Per parameter, whether the function takes it under a fresh name and
/// binds it with a `let` at the body's start: a pattern (`(conn, addr):
/// (A, B)`), and every parameter after the first pattern but an event the
/// function watches. Rust drops parameters in reverse order after the
/// body's locals, a pattern's bindings with them; bound by `let`s in order,
/// the later ones are dropped first, as there.
pub fn rebound_params(sig: &syn::Signature) -> Vec<bool> {
    let mut after_pattern = false;
    sig.inputs
        .iter()
        .map(|input| {
            let syn::FnArg::Typed(t) = input else {
                return false;
            };
            let simple =
                matches!(&*t.pat, Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none());
            if !simple {
                after_pattern = true;
                return true;
            }
            after_pattern
                && !quote::ToTokens::to_token_stream(&*t.ty)
                    .to_string()
                    .contains("Event")
        })
        .collect()
}

/// The `let` that binds a pattern parameter with parts it does not bind
/// (`(conn, _): (Conn, Permit)`), keeping those parts to the function's
/// end as Rust does (they stay in the argument, dropped after the
/// pattern's bindings): each `_` becomes a hidden binding, and the
/// bindings are declared hidden ones first, in reverse, so that they drop
/// in Rust's order (`let (__p1, conn) = { let (conn, __p1): T = arg;
/// (__p1, conn) };`). `None` where nothing is left unbound, or where the
/// value is reached through a reference (nothing of it to drop), or where
/// a binding borrows from the argument (`ref`, `x @ ..`), or a `..` leaves
/// parts no name can reach.
pub fn unbound_parts_kept(
    pat: &Pat,
    ty: Option<&syn::Type>,
    arg: &Ident,
    param: usize,
) -> Option<syn::Stmt> {
    struct Parts {
        param: usize,
        hidden: Vec<Ident>,
        bindings: Vec<(Ident, bool)>,
        refused: bool,
    }
    impl Parts {
        fn walk(&mut self, p: &mut Pat) {
            match p {
                Pat::Wild(w) => {
                    let name = format!("__tame_unbound{}_{}", self.param, self.hidden.len());
                    let ident = Ident::new(
                        &name,
                        w.underscore_token.span.resolved_at(Span::mixed_site()),
                    );
                    self.hidden.push(ident.clone());
                    *p = Pat::Ident(syn::PatIdent {
                        attrs: Vec::new(),
                        by_ref: None,
                        mutability: None,
                        ident,
                        subpat: None,
                    });
                }
                Pat::Ident(i) => {
                    // An uppercase name may be a unit struct's pattern.
                    let constant = i.ident.to_string().starts_with(char::is_uppercase);
                    if i.by_ref.is_some() || i.subpat.is_some() || constant {
                        self.refused = true;
                        return;
                    }
                    self.bindings
                        .push((i.ident.clone(), i.mutability.is_some()));
                    i.mutability = None;
                }
                Pat::Tuple(t) => t.elems.iter_mut().for_each(|e| self.walk(e)),
                // An array's elements, as a tuple's.
                Pat::Slice(sl) => sl.elems.iter_mut().for_each(|e| self.walk(e)),
                Pat::TupleStruct(t) => t.elems.iter_mut().for_each(|e| self.walk(e)),
                Pat::Struct(st) => {
                    if st.rest.is_some() {
                        self.refused = true;
                    }
                    st.fields.iter_mut().for_each(|f| self.walk(&mut f.pat));
                }
                Pat::Paren(x) => self.walk(&mut x.pat),
                Pat::Type(x) => self.walk(&mut x.pat),
                Pat::Rest(_) | Pat::Reference(_) => self.refused = true,
                _ => self.refused = true,
            }
        }
    }
    if ty.is_some_and(|t| matches!(t, syn::Type::Reference(_))) {
        return None;
    }
    let mut inner = pat.clone();
    let mut parts = Parts {
        param,
        hidden: Vec::new(),
        bindings: Vec::new(),
        refused: false,
    };
    parts.walk(&mut inner);
    if parts.refused || parts.hidden.is_empty() {
        return None;
    }
    let hidden: Vec<&Ident> = parts.hidden.iter().rev().collect();
    let names: Vec<&Ident> = parts.bindings.iter().map(|(i, _)| i).collect();
    let outer = parts.bindings.iter().map(|(i, m)| {
        let m = m.then(|| quote::quote!(mut));
        quote::quote!(#m #i)
    });
    let ty = ty.map(|t| quote::quote!(: #t));
    Some(syn::parse_quote! {
        let (#(#hidden,)* #(#outer,)*) = {
            let #inner #ty = #arg;
            (#(#hidden,)* #(#names,)*)
        };
    })
}

/// An identifier made from a name as `Ident::to_string` gives it: a raw
/// identifier's name (`r#type`, and what is made from it, `r#type_1`)
/// becomes a raw identifier again (`Ident::new` refuses the `r#`).
pub fn ident_named(name: &str, span: Span) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, span),
        None => Ident::new(name, span),
    }
}

/// A plain identifier made from a user's name, for a field or local of the
/// translator's: no raw prefix, no leading underscores (`_guard` is
/// `guard`), and neither a keyword nor a number once they are gone
/// (`_type` is `type_`, `_0` is `v0`).
pub fn plain_name(name: &str) -> String {
    let base = name
        .strip_prefix("r#")
        .unwrap_or(name)
        .trim_start_matches('_');
    let is_ident = |s: &str| syn::parse_str::<Ident>(s).is_ok();
    // (A keyword is one with a `_` after it; a name that starts with a
    // digit, of any script, or a mark, with a `v` before it.)
    [base.to_owned(), format!("{base}_"), format!("v{base}")]
        .into_iter()
        .find(|n| !base.is_empty() && is_ident(n))
        .unwrap_or_else(|| "v".to_owned())
}

/// A fresh hygienic identifier for the translator's own names.
pub fn hygienic(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Whether a type may hold a borrow: it has a reference or a lifetime in
/// it (`&str`, `Vec<&str>`, `Ref<'_, T>`), or is inferred (`_`) or an
/// `impl Trait`.
pub fn may_borrow_type(t: &syn::Type) -> bool {
    fn walk(ts: proc_macro2::TokenStream) -> bool {
        ts.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Punct(p) => p.as_char() == '&' || p.as_char() == '\'',
            proc_macro2::TokenTree::Ident(i) => i == "_" || i == "impl",
            proc_macro2::TokenTree::Group(g) => walk(g.stream()),
            proc_macro2::TokenTree::Literal(_) => false,
        })
    }
    walk(quote::ToTokens::to_token_stream(t))
}

/// `&'static T` or `&'static mut T`.
pub fn is_static_reference(t: &syn::Type) -> bool {
    matches!(t, syn::Type::Reference(r)
        if r.lifetime.as_ref().is_some_and(|l| l.ident == "static"))
}

/// Whether a type is or holds an `impl Trait` (argument position), which
/// only a function's parameter may be written with.
pub fn mentions_impl(ty: &syn::Type) -> bool {
    fn walk(t: proc_macro2::TokenStream) -> bool {
        t.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => i == "impl",
            proc_macro2::TokenTree::Group(g) => walk(g.stream()),
            _ => false,
        })
    }
    walk(quote::ToTokens::to_token_stream(ty))
}

/// Whether the items of an inner block that waits may be declared again in
/// each piece of the machine's code for that block (each piece is a scope
/// of its own, and sees the block's items as Rust would), rather than go
/// to the function's top. A function declared twice is two functions:
/// unobservable unless it holds a `static` (two values) or returns an
/// `impl Trait` or a future (two types, where a value made before a twait
/// is assigned after it); an exported one would be two symbols. A trait
/// declared twice is two traits, each with its `impl`s (the block's own
/// trait's only). A `static`, a type or any other `impl` must stay one.
pub fn declared_again(items: &[syn::Item]) -> bool {
    let traits: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Trait(t) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect();
    let fn_again = |f: &syn::ItemFn| {
        let holds_static = mentions_static(quote::ToTokens::to_token_stream(&f.block));
        let opaque = f.sig.asyncness.is_some()
            || quote::ToTokens::to_token_stream(&f.sig.output)
                .to_string()
                .contains("impl");
        !holds_static && !opaque && !crate::shadow::exported(&f.attrs)
    };
    items.iter().all(|i| match i {
        syn::Item::Fn(f) => fn_again(f),
        syn::Item::Const(_) | syn::Item::Use(_) | syn::Item::Type(_) | syn::Item::Trait(_) => true,
        syn::Item::Impl(im) => im
            .trait_
            .as_ref()
            .and_then(|(_, p, _)| p.segments.last())
            .is_some_and(|s| traits.contains(&s.ident.to_string())),
        syn::Item::Macro(m) => m.mac.path.is_ident("macro_rules"),
        _ => false,
    })
}

/// Whether tokens (at any depth) hold the keyword `static` (a `static`
/// item), not the lifetime `'static` (a `'` before the name).
fn mentions_static(tokens: proc_macro2::TokenStream) -> bool {
    let mut tick = false;
    tokens.into_iter().any(|t| {
        let found = match &t {
            proc_macro2::TokenTree::Ident(i) => i == "static" && !tick,
            proc_macro2::TokenTree::Group(g) => mentions_static(g.stream()),
            proc_macro2::TokenTree::Punct(_) | proc_macro2::TokenTree::Literal(_) => false,
        };
        tick = matches!(&t, proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'');
        found
    })
}
