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

    pub fn take(&mut self) -> Option<syn::Error> {
        self.0.take()
    }
}
