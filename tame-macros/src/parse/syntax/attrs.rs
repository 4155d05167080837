//! Attributes on the user's statements and expressions: which stay on
//! the machine's pieces, and which may compile code out.

use quote::ToTokens;
use syn::Expr;

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

/// The attributes written on a statement (an item's are its own).
pub fn stmt_attrs(s: &syn::Stmt) -> &[syn::Attribute] {
    match s {
        syn::Stmt::Local(l) => &l.attrs,
        syn::Stmt::Expr(e, _) => expr_attrs(e),
        syn::Stmt::Macro(m) => &m.attrs,
        syn::Stmt::Item(_) => &[],
    }
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

/// The lint levels among a declaration's attributes, as the machine's
/// copies carry them ([`machine_attrs`] without the `cfg`s, which a
/// binding carries apart).
pub fn lint_levels(attrs: &[syn::Attribute]) -> Vec<syn::Attribute> {
    let mut levels = attrs.to_vec();
    machine_attrs(&mut levels);
    levels.retain(|a| !a.path().is_ident("cfg"));
    levels
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

/// Whether an item's attributes export it by its symbol (`#[no_mangle]`,
/// `#[export_name = ..]`).
pub fn exported(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let t = a.meta.to_token_stream().to_string();
        t.contains("no_mangle") || t.contains("export_name")
    })
}
