//! The translator behind `tame` (skeleton; see DESIGN.md).
use proc_macro::TokenStream;

#[proc_macro_attribute]
pub fn tamed(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}

#[proc_macro]
pub fn twait(_input: TokenStream) -> TokenStream {
    "compile_error!(\"twait! can only be used inside a #[tamed] function\")"
        .parse()
        .unwrap()
}

#[proc_macro]
pub fn mkevent(_input: TokenStream) -> TokenStream {
    "compile_error!(\"mkevent! can only be used inside a #[tamed] function\")"
        .parse()
        .unwrap()
}

#[proc_macro]
pub fn tvars(_input: TokenStream) -> TokenStream {
    "compile_error!(\"tvars! can only be used inside a #[tamed] function\")"
        .parse()
        .unwrap()
}
