//! Errors of the translator, collected and reported together.

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

    /// What has been collected so far, to go back to with [`Errors::restore`].
    pub fn snapshot(&self) -> Option<syn::Error> {
        self.0.clone()
    }

    pub fn restore(&mut self, snapshot: Option<syn::Error>) {
        self.0 = snapshot;
    }

    pub fn take(&mut self) -> Option<syn::Error> {
        self.0.take()
    }
}

/// `e` as `compile_error! { "..." }` invocations, one per message, spanned
/// as syn spans them. syn writes `::core::compile_error!`, and in an
/// edition 2015 crate `::core` starts at the crate root: every error of the
/// translator came out as "cannot find `core` in the crate root". The
/// builtin macro by its bare name resolves in every edition (and under
/// `#![no_implicit_prelude]`).
pub fn compile_errors(e: syn::Error) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = e.into_compile_error().into_iter().collect();
    let mut out = proc_macro2::TokenStream::new();
    let mut i = 0;
    while i < tokens.len() {
        let path = tokens.get(i..i + 6).is_some_and(|t| {
            matches!(&t[0], TokenTree::Punct(p) if p.as_char() == ':')
                && matches!(&t[1], TokenTree::Punct(p) if p.as_char() == ':')
                && matches!(&t[2], TokenTree::Ident(c) if c == "core")
                && matches!(&t[3], TokenTree::Punct(p) if p.as_char() == ':')
                && matches!(&t[4], TokenTree::Punct(p) if p.as_char() == ':')
                && matches!(&t[5], TokenTree::Ident(c) if c == "compile_error")
        });
        if path {
            i += 5;
        }
        out.extend([tokens[i].clone()]);
        i += 1;
    }
    out
}
