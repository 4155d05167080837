//! The translator behind [`tame`](https://docs.rs/tame): `#[tamed]` rewrites
//! a function into one explicit state-machine closure run by tame's loop.
//!
//! Use it through the `tame` crate, which re-exports these macros.
//!
//! The pipeline, one module per phase:
//!
//! 1. `check.rs`: misuses visible in the syntax become spanned errors.
//! 2. `parse/`: the tokens become the IR (`ir.rs`) once: the body's spine
//!    (the statements with a twait and the constructs around them), every
//!    name resolved to a binding, every ordinary statement summarized by
//!    what it does to the bindings.
//! 3. `lower.rs`: the IR is cut into states at its twaits, loop heads and
//!    joins.
//! 4. `analyze/`: which bindings each state keeps (Rust's scoping).
//! 5. `emit.rs`: the state enum, the closure, the `match`; `shadow.rs`:
//!    the body as plain code for rustc's lints.
//!
//! `krate.rs` holds the attribute's one option, `crate = path`, applied to
//! the finished expansion.

mod analyze;
mod check;
mod emit;
mod errors;
mod ir;
mod krate;
mod lower;
mod parse;
mod shadow;
mod tamed;

use proc_macro::TokenStream;

/// Rewrites a function into a Tame state machine. See the `tame` crate.
#[proc_macro_attribute]
pub fn tamed(args: TokenStream, input: TokenStream) -> TokenStream {
    tamed::tamed(args.into(), input.into()).into()
}

/// Blocks a `#[tamed]` function. Only meaningful inside one: `#[tamed]`
/// rewrites every `twait!` of its body, so one left over is misplaced.
#[proc_macro]
pub fn twait(input: TokenStream) -> TokenStream {
    outside("twait!", input)
}

/// Makes an event inside a `#[tamed]` function (see `twait!`).
#[proc_macro]
pub fn mkevent(input: TokenStream) -> TokenStream {
    outside("mkevent!", input)
}

/// Declares the state variables of a `#[tamed]` function.
#[proc_macro]
pub fn tvars(input: TokenStream) -> TokenStream {
    outside("tvars!", input)
}

fn outside(name: &str, input: TokenStream) -> TokenStream {
    let input = proc_macro2::TokenStream::from(input);
    // `#[tamed]` leaves `twait!(@used)` behind so that the user's `use`
    // of the macro counts as used; it expands to nothing.
    if input.to_string() == "@ used" {
        return TokenStream::new();
    }
    let span = proc_macro2::Span::call_site();
    let bare = name.trim_end_matches('!');
    let msg = format!(
        "{name} can only be used inside a #[tamed] function, written in its body; add #[tamed] \
         to the enclosing fn, or, if it is written there, import it (`use tame::tamed;`: \
         without it, rustc reports the attribute after this) (a `fn`, `const` or `static` \
         nested in a tamed body is not its body; a macro of your own that expands to {name} \
         expands after #[tamed] has translated the function: write {name} in the body itself; \
         and #[tamed] finds the macro by its name: one imported under another (`use \
         tame::{bare} as other;`) is not seen, call it `{name}` or `tame::{name}`)"
    );
    let mut out = errors::compile_errors(syn::Error::new(span, msg));
    // The `mkevent!`s in a `twait! {}` block met here are not expanded;
    // left so, the user's `use tame::mkevent` would be reported unused
    // beside the error.
    out.extend(mkevent_uses(input));
    out.into()
}

/// `mkevent!(@used);` for each `mkevent!` in `tokens`, named by the very
/// identifier written (its import is then the one used).
fn mkevent_uses(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree;
    let mut out = proc_macro2::TokenStream::new();
    let mut last: Option<proc_macro2::Ident> = None;
    for tt in tokens {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '!' => {
                if let Some(name) = last.take().filter(|n| n == "mkevent") {
                    out.extend(quote::quote!(#name!(@used);));
                }
            }
            TokenTree::Ident(i) => last = Some(i),
            TokenTree::Group(g) => {
                out.extend(mkevent_uses(g.stream()));
                last = None;
            }
            _ => last = None,
        }
    }
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_generated;
#[cfg(test)]
mod tests_mutated;
