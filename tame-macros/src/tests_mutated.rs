//! The tamed functions of this repository's examples and tests, broken a
//! few tokens at a time, as an editor's buffer is while someone types
//! (rust-analyzer expands the attribute at each keystroke): `#[tamed]`
//! answers each with tokens, never a panic (rustc's "custom attribute
//! panicked", with no span) nor an endless rewrite (a stack overflow that
//! kills rustc).
//!
//! Where `tests_generated.rs` builds well-formed bodies from a grammar,
//! this one damages real ones: a token deleted, doubled, swapped with the
//! next, replaced by a keyword or punctuation, a group emptied or given
//! other delimiters (or none, as a `macro_rules!` fragment has), the rest
//! of a group cut off. Fixed seed: each run tries the same inputs.
//! `TAME_MUTATED=N` tries N (the default keeps the test to a few
//! seconds; 40,000 ran clean when it was written, and 20,000 found a
//! panic the translator had then); a failure prints the input.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// A small fixed-seed generator (xorshift64*): the same inputs each run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// The `#[tamed]` functions (free and in impls) of the repository's
/// examples and tests, without the attribute.
fn seeds() -> Vec<TokenStream> {
    struct Collect(Vec<TokenStream>);
    fn tamed(attrs: &mut Vec<syn::Attribute>) -> bool {
        let before = attrs.len();
        attrs.retain(|a| a.path().segments.last().is_none_or(|s| s.ident != "tamed"));
        attrs.len() < before
    }
    impl<'a> syn::visit::Visit<'a> for Collect {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            let mut f2 = f.clone();
            if tamed(&mut f2.attrs) {
                self.0.push(f2.to_token_stream());
            }
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
            let mut f2 = f.clone();
            if tamed(&mut f2.attrs) {
                self.0.push(f2.to_token_stream());
            }
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["examples", "examples/knot", "tests"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        files.extend(entries.flatten().map(|e| e.path()));
    }
    files.retain(|p| p.extension().is_some_and(|x| x == "rs"));
    files.sort();
    let mut c = Collect(Vec::new());
    for p in files {
        let src = std::fs::read_to_string(&p).unwrap();
        if let Ok(file) = syn::parse_file(&src) {
            syn::visit::Visit::visit_file(&mut c, &file);
        }
    }
    c.0
}

/// A token of the kinds that make code half typed.
fn stray(rng: &mut Rng) -> TokenTree {
    const PUNCT: &[char] = &[
        '.', ';', ',', '=', '!', '?', '&', '*', '#', ':', '<', '>', '|', '\'',
    ];
    const WORDS: &[&str] = &[
        "twait", "mkevent", "tvars", "let", "if", "else", "match", "loop", "while", "for", "in",
        "break", "continue", "return", "async", "move", "mut", "ref", "x", "r", "_", "self",
        "Self", "crate", "super", "fn", "const", "unsafe", "static", "impl", "dyn", "yield",
        "struct", "use", "where", "as", "type", "pub", "try",
    ];
    match rng.below(4) {
        0 => TokenTree::Punct(Punct::new(PUNCT[rng.below(PUNCT.len())], Spacing::Alone)),
        1 => {
            let d = [Delimiter::Brace, Delimiter::Parenthesis, Delimiter::Bracket][rng.below(3)];
            TokenTree::Group(Group::new(d, TokenStream::new()))
        }
        2 => TokenTree::Literal(Literal::u32_unsuffixed(1)),
        _ => TokenTree::Ident(Ident::new(WORDS[rng.below(WORDS.len())], Span::call_site())),
    }
}

fn size(ts: &TokenStream) -> usize {
    (ts.clone().into_iter())
        .map(|t| match t {
            TokenTree::Group(g) => 1 + size(&g.stream()),
            _ => 1,
        })
        .sum()
}

/// `ts` with one change of kind `kind` at the token `at` counts down to
/// (counting into groups, depth first); `at` is `None` once made.
fn mutate(ts: TokenStream, at: &mut Option<usize>, kind: usize, rng: &mut Rng) -> TokenStream {
    let toks: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = Vec::with_capacity(toks.len() + 2);
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i].clone();
        i += 1;
        match *at {
            None => out.push(t),
            Some(0) => {
                *at = None;
                match kind {
                    0 => {}
                    1 => out.extend([t.clone(), t]),
                    2 => out.push(stray(rng)),
                    3 => out.extend([stray(rng), t]),
                    4 => return out.into_iter().collect(),
                    5 if i < toks.len() => {
                        out.extend([toks[i].clone(), t]);
                        i += 1;
                    }
                    6 => {
                        // With the next tokens, in a group without delimiters.
                        let end = (i + rng.below(3)).min(toks.len());
                        let inner = std::iter::once(t).chain(toks[i..end].iter().cloned());
                        out.push(TokenTree::Group(Group::new(
                            Delimiter::None,
                            inner.collect(),
                        )));
                        i = end;
                    }
                    _ => match t {
                        TokenTree::Group(g) => {
                            let d = [
                                Delimiter::Brace,
                                Delimiter::Parenthesis,
                                Delimiter::Bracket,
                                Delimiter::None,
                            ];
                            let inner = if rng.below(2) == 0 {
                                g.stream()
                            } else {
                                TokenStream::new()
                            };
                            let mut ng = Group::new(d[rng.below(4)], inner);
                            ng.set_span(g.span());
                            out.push(TokenTree::Group(ng));
                        }
                        t => out.push(t),
                    },
                }
            }
            Some(n) => {
                *at = Some(n - 1);
                match t {
                    TokenTree::Group(g) => {
                        let mut ng = Group::new(g.delimiter(), mutate(g.stream(), at, kind, rng));
                        ng.set_span(g.span());
                        out.push(TokenTree::Group(ng));
                    }
                    t => out.push(t),
                }
            }
        }
    }
    out.into_iter().collect()
}

fn expand_or_panic_message(input: TokenStream) -> Result<(), String> {
    std::panic::catch_unwind(move || crate::tamed::tamed(TokenStream::new(), input))
        .map(drop)
        .map_err(|e| {
            (e.downcast_ref::<String>().cloned())
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        })
}

#[test]
fn damaged_tamed_functions_get_tokens_back_never_a_panic() {
    let seeds = seeds();
    assert!(seeds.len() > 100, "found {} tamed functions", seeds.len());
    let n: usize = std::env::var("TAME_MUTATED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let mut rng = Rng(0x7a3e_5eed);
    let mut failures = Vec::new();
    for _ in 0..n {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(3) {
            let mut at = Some(rng.below(size(&input)));
            let kind = rng.below(8);
            input = mutate(input, &mut at, kind, &mut rng);
        }
        if let Err(msg) = expand_or_panic_message(input.clone()) {
            failures.push(format!("{msg}\n  on: {input}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} panics:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The inputs that once panicked or recursed without end.
#[test]
fn once_fatal_half_typed_inputs_get_tokens_back() {
    let cases = [
        "fn f() { let r = R::new(); if const { twait!(r) } {} }",
        "fn f(x: X) { let r = R::new(); match x.f::<{ twait!(r) }>() {} }",
        "fn f() { let r = R::new(); if [0; { twait!(r) }].len() > 0 {} }",
        "fn f() { let r = R::new(); while const { twait!(r) } {} }",
        "fn f() { twait! { wait(mkevent!(crate)); } }",
        "fn f() { twait! { wait(vec![mkevent!(crate)]); } }",
        "fn f() { let mut a = 0; twait! { wait(vec![mkevent!]); } }",
    ];
    for c in cases {
        let input: TokenStream = c.parse().unwrap();
        if let Err(msg) = expand_or_panic_message(input) {
            panic!("{c}: {msg}");
        }
    }
    // `mkevent!$e` as a `macro_rules!` fragment gives it: no delimiters.
    let fragment = Group::new(Delimiter::None, "a.b".parse().unwrap());
    let args = quote::quote!(vec![mkevent! #fragment]);
    let input = quote::quote!(
        fn f() {
            let mut a = 0;
            twait! { wait(#args); }
        }
    );
    if let Err(msg) = expand_or_panic_message(input) {
        panic!("mkevent! with a fragment: {msg}");
    }
}
