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
