//! What the translator can tell from syntax alone, with no types: which
//! names a pattern binds, which values obviously need no drop, which
//! initializers obviously borrow, which method calls consume their
//! receiver, which macros only format their arguments.
//!
//! Each judgement errs on the side that fails loudly: a wrong "this is a
//! borrow" is a rustc error at the user's code, never a silent change.
//!
//! By subject: `patterns.rs`, `drops.rs`, `borrows.rs`, `control.rs` (how
//! control leaves code), `attrs.rs`, `std_macros.rs`; here, what fits
//! none (names, operators, items).

mod attrs;
mod borrows;
mod control;
mod drops;
mod patterns;
mod std_macros;

pub use attrs::*;
pub use borrows::*;
pub use control::*;
pub use drops::*;
pub use patterns::*;
pub use std_macros::*;

use proc_macro2::{Ident, Span};
use syn::Expr;

/// The variables an expression names (paths of one segment), in order,
/// outside closures.
pub fn idents_in(e: &Expr) -> Vec<Ident> {
    struct Find(Vec<Ident>);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let (None, Some(i)) = (&p.qself, p.path.get_ident()) {
                self.0.push(i.clone());
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Find(Vec::new());
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// The call `name!` with arguments `args`, a group found in tokens (a
/// macro's arguments), made directly: syn's parser panics in
/// `parse_quote!` on what is no call. `None` for a group without
/// delimiters (a `macro_rules!` fragment, `mkevent!$e`), which is no
/// call either: rustc reports it.
pub fn macro_call(name: &Ident, args: &proc_macro2::Group) -> Option<syn::Macro> {
    let span = args.delim_span();
    let delimiter = match args.delimiter() {
        proc_macro2::Delimiter::Brace => syn::MacroDelimiter::Brace(syn::token::Brace(span)),
        proc_macro2::Delimiter::Bracket => syn::MacroDelimiter::Bracket(syn::token::Bracket(span)),
        proc_macro2::Delimiter::Parenthesis => syn::MacroDelimiter::Paren(syn::token::Paren(span)),
        proc_macro2::Delimiter::None => return None,
    };
    Some(syn::Macro {
        path: name.clone().into(),
        bang_token: syn::Token![!](name.span()),
        delimiter,
        tokens: args.stream(),
    })
}

/// The single identifier of a path expression (`x`, not `a::b` or `X::<T>`).
pub fn as_ident(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident(),
        _ => None,
    }
}

/// Whether tokens name the type `Rendezvous` (`Rendezvous::new()`,
/// `Option<tame::Rendezvous<u32>>`), as a name of its own: not a type
/// whose name starts with it (`RendezvousPlan`).
pub fn mentions_rendezvous(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => i == "Rendezvous",
        proc_macro2::TokenTree::Group(g) => mentions_rendezvous(g.stream()),
        _ => false,
    })
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

/// Whether an operand can be left in place and evaluated after a twait
/// that follows it in the same expression: it reads a place or is a
/// constant, so evaluating it later observes the same thing unless the
/// code before the twait changed it (or a `Deref`/`Index` impl on the way
/// does something of its own: the README says so). Other operands are
/// evaluated before the twait into a temporary, as Rust evaluates
/// operands left to right; an element taken by value is copied too
/// (`normalize::takes_by_value`).
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

/// `value` (a temporary of the translator's) as a value, not a place:
/// `({ t })`, so that `&` of it borrows a temporary of the statement, as
/// the expression it stands for made one, and `match`/`let` move it. A
/// block, not a call of a function of tame's: a type error in it is then
/// the user's expression's, with no note about a function of tame's.
pub fn moved_value(span: Span, value: &impl quote::ToTokens) -> syn::Expr {
    syn::parse_quote_spanned!(span=> ({ #value }))
}

/// `e`, the code a macro call `mac` stands for (an event of `mkevent!`),
/// as an expression whose span is the call's, from its name to its
/// closing delimiter: `(e,).0`, its first token spanned at the name and
/// its last at the delimiters. rustc takes an expression's span from its
/// first token to its last, and an error about the argument, or a
/// suggestion to remove it, then covers the whole call (the macro's own
/// span, on stable, is its name's alone: `f(1, mkevent!())` less an
/// argument would be `f(1!())`); the lint shadow's and the machine's
/// copies of an error about it are then one. (A function of tame's
/// around it would be named in rustc's notes about the argument's type.)
pub fn spanning_macro(e: Expr, mac: &syn::Macro) -> Expr {
    let close = match &mac.delimiter {
        syn::MacroDelimiter::Paren(p) => p.span.join(),
        syn::MacroDelimiter::Brace(b) => b.span.join(),
        syn::MacroDelimiter::Bracket(b) => b.span.join(),
    };
    let mut tuple =
        proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, quote::quote!(#e,));
    tuple.set_span(syn::spanned::Spanned::span(&mac.path));
    let index = syn::Index {
        index: 0,
        span: close,
    };
    syn::parse_quote!(#tuple . #index)
}

/// The names of a path's segments, in order (`std::io::stdin` is `["std",
/// "io", "stdin"]`): for matching a path by its last names.
pub fn segment_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// A fresh hygienic identifier for the translator's own names.
pub fn hygienic(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
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
        !holds_static && !opaque && !exported(&f.attrs)
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

/// A block's last expression, if it ends in one.
pub fn tail_of(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => Some(e),
        _ => None,
    }
}

/// Whether `e` is a place a value can be stored into: a variable, a
/// field, an index, a dereference, or a combination (`a[i].x`).
pub fn is_place(e: &Expr) -> bool {
    match e {
        Expr::Path(p) => p.path.get_ident().is_some(),
        Expr::Field(f) => is_place(&f.base),
        Expr::Index(ix) => is_place(&ix.expr),
        Expr::Paren(p) => is_place(&p.expr),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && is_place(&u.expr),
        _ => false,
    }
}

/// Code as a message quotes it: the tokens' text with the spaces
/// `to_string` puts around `.`, `(`, `[` and the like taken out
/// (`hub.borrow().iter()`, not `hub . borrow () . iter ()`).
pub fn code_text(code: &impl quote::ToTokens) -> String {
    let mut text = code.to_token_stream().to_string();
    for (from, to) in [
        (" . ", "."),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" [", "["),
        ("[ ", "["),
        (" ]", "]"),
        (" ..", ".."),
        (".. ", ".."),
        (" ,", ","),
        (" ?", "?"),
        (" :: ", "::"),
        ("& ", "&"),
        ("! (", "!("),
    ] {
        text = text.replace(from, to);
    }
    text
}
