//! Unit tests of the phases, on token input.

use quote::quote;

fn expand(input: proc_macro2::TokenStream) -> String {
    crate::tamed::tamed(proc_macro2::TokenStream::new(), input).to_string()
}

#[test]
fn write_all_like_loop_expands() {
    let out = expand(quote! {
        fn write_all(io: Io, buf: B, ev: Event<(B, io::Result<()>)>) {
            tvars! { let mut done: usize = 0; let mut result: io::Result<()> = Ok(()); let mut readiness: io::Result<()> = Ok(()); }
            loop {
                let rest = &buf.as_ref()[done..];
                if rest.is_empty() { break; }
                match try_write(&io, rest) {
                    Ok(0) => { result = Err(e()); break; }
                    Ok(n) => { done += n; continue; }
                    Err(e) if e.kind() != K => { result = Err(e); break; }
                    Err(_) => {}
                }
                twait! { op::wait_ready(&io, Interest::Write, mkevent!(readiness)); }
                if io.is_closed() { return; }
                if let Err(e) = std::mem::replace(&mut readiness, Ok(())) { result = Err(e); break; }
            }
            ev.trigger((buf, result));
        }
    });
    assert!(out.contains("__TameState"), "{out}");
}

#[test]
fn labeled_block_parses() {
    let l = syn::Lifetime::new("'__tame_escape", proc_macro2::Span::mixed_site());
    let e: syn::Expr = syn::parse_quote!({ let r = #l: { 1 }; r });
    let _ = e;
}

/// Prints the expansion of the function in `TAME_EXPAND` (a file), for
/// looking at by hand: `TAME_EXPAND=f.rs cargo test -p tame-macros print_expansion -- --nocapture`.
#[test]
fn print_expansion() {
    let Ok(path) = std::env::var("TAME_EXPAND") else {
        return;
    };
    let src = std::fs::read_to_string(path).unwrap();
    let input: proc_macro2::TokenStream = src.parse().unwrap();
    println!("{}", expand(input));
}
