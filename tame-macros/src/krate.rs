//! `#[tamed(crate = path)]`: the path the expansion names tame by.
//!
//! The expansion calls the runtime as `::tame::__private::..`, which
//! resolves only where the dependency is called `tame`. A crate that
//! renames it (`my_tame = { package = "tame", .. }`) or reaches it through
//! another crate's re-export says where it is, as with serde's and tokio's
//! `crate` options; the finished expansion then has every `::tame::` path
//! rewritten to start with that path instead. Rewriting the output once,
//! rather than threading the path through every phase, keeps the phases
//! free of it: they emit one spelling, and this module owns the other.

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use quote::ToTokens;

/// The arguments of `#[tamed(..)]`: nothing, or `crate = path` (the path
/// bare or as a string, as serde and tokio accept it).
pub fn parse_args(args: TokenStream) -> syn::Result<Option<syn::Path>> {
    if args.is_empty() {
        return Ok(None);
    }
    let hint = "#[tamed] has one option, `crate = path`, for a renamed tame dependency \
                (`#[tamed(crate = my_tame)]`); otherwise write `#[tamed]` (a description for \
                `tame::blocked()` goes on the wait: `twait!(r, \"text\")`)";
    let parsed = syn::parse::Parser::parse2(
        |input: syn::parse::ParseStream<'_>| {
            input.parse::<syn::Token![crate]>()?;
            input.parse::<syn::Token![=]>()?;
            let path = if input.peek(syn::LitStr) {
                input.parse::<syn::LitStr>()?.parse::<syn::Path>()?
            } else {
                input.parse::<syn::Path>()?
            };
            input.parse::<Option<syn::Token![,]>>()?;
            Ok(path)
        },
        args.clone(),
    );
    match parsed {
        Ok(path) if path.segments.iter().all(|s| s.arguments.is_none()) => Ok(Some(path)),
        _ => Err(syn::Error::new_spanned(args, hint)),
    }
}

/// `tokens` with every `::tame::` that starts a path replaced by `path::`.
pub fn rename(tokens: TokenStream, path: &syn::Path) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < trees.len() {
        if starts_absolute_tame(&trees, i) {
            path.to_tokens(&mut out);
            // Keep the `::` after `tame`, and go on from it.
            i += 3;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), rename(g.stream(), path));
                inner.set_span(g.span());
                out.extend([TokenTree::Group(inner)]);
            }
            other => out.extend([other.clone()]),
        }
        i += 1;
    }
    out
}

/// Whether `trees[i..]` is `:: tame ::` and the `::` begins a path (it does
/// not follow a segment, as in `a::tame::b`).
fn starts_absolute_tame(trees: &[TokenTree], i: usize) -> bool {
    let colon = |t: Option<&TokenTree>, spacing: Spacing| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == spacing);
    let is_tame = matches!(trees.get(i + 2), Some(TokenTree::Ident(id)) if id == "tame");
    if !(colon(trees.get(i), Spacing::Joint)
        && colon(trees.get(i + 1), Spacing::Alone)
        && is_tame
        && colon(trees.get(i + 3), Spacing::Joint))
    {
        return false;
    }
    match i.checked_sub(1).map(|p| &trees[p]) {
        // A keyword before `::` (`return ::tame::..`, `as ::tame::..`) ends
        // no path; a name or `self`/`super`/`crate`/`Self` is a segment.
        Some(TokenTree::Ident(id)) => {
            let id = id.to_string();
            !matches!(id.as_str(), "self" | "super" | "crate" | "Self") && is_keyword(&id)
        }
        // `<T as X>::tame::..` or `T<U>::tame` would be an item of a type;
        // after a `=>` (a match arm's value) or a `->`, a path starts.
        Some(TokenTree::Punct(p)) if p.as_char() == '>' => matches!(
            i.checked_sub(2).map(|p| &trees[p]),
            Some(TokenTree::Punct(q)) if matches!(q.as_char(), '=' | '-') && q.spacing() == Spacing::Joint
        ),
        Some(TokenTree::Punct(_)) => true,
        // A macro_rules fragment (`$seg::tame`) may be a segment.
        Some(TokenTree::Group(g)) => g.delimiter() != Delimiter::None,
        _ => true,
    }
}

fn is_keyword(id: &str) -> bool {
    matches!(
        id,
        "as" | "async"
            | "await"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "yield"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn renamed(tokens: TokenStream) -> String {
        rename(tokens, &syn::parse_quote!(my::tame_again)).to_string()
    }

    #[test]
    fn only_paths_that_start_at_tame_are_rewritten() {
        let out = renamed(quote! {
            ::tame::__private::proceed();
            return ::tame::x(<T as ::tame::Exit>::Exit);
            a::tame::b; self::tame::c; <T>::tame::d; tame::e;
            { let v: Vec<::tame::Event<u8>> = f(::tame::y); }
            match s { X => ::tame::z(), }
            fn g() -> ::tame::Event<u8> {}
        });
        let want = quote! {
            my::tame_again::__private::proceed();
            return my::tame_again::x(<T as my::tame_again::Exit>::Exit);
            a::tame::b; self::tame::c; <T>::tame::d; tame::e;
            { let v: Vec<my::tame_again::Event<u8>> = f(my::tame_again::y); }
            match s { X => my::tame_again::z(), }
            fn g() -> my::tame_again::Event<u8> {}
        };
        assert_eq!(out, want.to_string());
    }

    #[test]
    fn the_option_is_crate_equals_a_path_bare_or_quoted() {
        let path = |args: TokenStream| parse_args(args).map(|p| p.map(|p| quote!(#p).to_string()));
        assert_eq!(path(quote!()).unwrap(), None);
        assert_eq!(
            path(quote!(crate = my_tame)).unwrap().as_deref(),
            Some("my_tame")
        );
        assert_eq!(
            path(quote!(crate = "a::b")).unwrap().as_deref(),
            Some("a :: b")
        );
        assert_eq!(path(quote!(crate = ::a,)).unwrap().as_deref(), Some(":: a"));
        for bad in [
            quote!(name = "x"),
            quote!(crate),
            quote!(crate = a<u8>),
            quote!(crate = a b),
        ] {
            let e = path(bad).unwrap_err().to_string();
            assert!(e.contains("`crate = path`"), "{e}");
        }
    }
}
