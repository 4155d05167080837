//! The translator behind [`tame`](https://docs.rs/tame): `#[tamed]` rewrites
//! a function into one explicit state-machine closure run by tame's loop.
//!
//! Use it through the `tame` crate, which re-exports these macros.
//!
//! The pipeline, one module per phase:
//!
//! 1. `parse.rs`: a typed view of the function and of `twait!`/`mkevent!`/`tvars!`.
//! 2. `check.rs`: misuses become spanned errors with a hint.
//! 3. `rewrite.rs`: `self` becomes a variable; each `mkevent!` becomes code
//!    that makes the event and remembers its slot.
//! 4. `lower/`: the body is cut into states at its twaits (`hoist.rs`:
//!    `twait!(r)` inside expressions; `jumps.rs`: break/continue across
//!    states; `borrows.rs`: the borrow heuristics).
//! 5. `analyze.rs`: which variables are live where each state begins.
//! 6. `emit.rs`: the state enum, the closure, the `match`.

mod analyze;
mod check;
mod emit;
mod expand;
mod lower;
mod names;
mod parse;
mod rewrite;

use proc_macro::TokenStream;

/// Rewrites a function into a Tame state machine. See the `tame` crate.
#[proc_macro_attribute]
pub fn tamed(args: TokenStream, input: TokenStream) -> TokenStream {
    let input2 = proc_macro2::TokenStream::from(input);
    expand::tamed(args.into(), input2.clone())
        .unwrap_or_else(|e| expand::fallback(e, input2))
        .into()
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
    let msg = format!(
        "{name} can only be used inside a #[tamed] function; add #[tamed] to the enclosing fn"
    );
    syn::Error::new(span, msg).to_compile_error().into()
}
