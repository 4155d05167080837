//! The syntax of our own macros inside a tamed body: recognizing
//! `twait!`, `mkevent!` and `tvars!`, and parsing their arguments.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Macro, MacroDelimiter, Stmt, Token};

/// Which of our macros an invocation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Twait,
    Mkevent,
    Tvars,
}

/// Recognizes `twait!`, `tame::twait!` (and likewise for the others) by
/// the last path segment.
/// The error for a `twait!` in the arguments of a macro the translator
/// cannot see into (check.rs finds it outside a statement's value,
/// normalize where a statement's value is such a macro).
pub const TWAIT_IN_MACRO_ARGUMENTS: &str =
    "twait! cannot be used inside this macro's arguments (only std's that take a list of \
     expressions do: `assert_eq!`, `println!`, `format!`, `write!`, `vec!`, ..); bind its value \
     first (`let x = twait!(r);`) and pass `x`; for a block the macro runs (perhaps more than \
     once), write out what it expands to, or move the block into a #[tamed] function and wait \
     for that";

pub fn which(mac: &Macro) -> Option<Which> {
    let last = mac.path.segments.last()?;
    if !last.arguments.is_none() {
        return None;
    }
    match last.ident.to_string().as_str() {
        "twait" => Some(Which::Twait),
        "mkevent" => Some(Which::Mkevent),
        "tvars" => Some(Which::Tvars),
        _ => None,
    }
}

/// The macro of a statement, if it is one of ours.
pub fn stmt_macro(stmt: &Stmt) -> Option<(&Macro, Which)> {
    match stmt {
        Stmt::Macro(m) => which(&m.mac).map(|w| (&m.mac, w)),
        Stmt::Expr(Expr::Macro(m), _) => which(&m.mac).map(|w| (&m.mac, w)),
        _ => None,
    }
}

/// Parses the tokens of `mac` with `parser`, inside the macro's own
/// delimiters: an error at their end ("expected `;`") points at the
/// closing one, where a bare token stream's end would be `#[tamed]`.
fn parse_body<T>(
    mac: &Macro,
    parser: impl FnOnce(ParseStream) -> syn::Result<T>,
) -> syn::Result<T> {
    let (delimiter, span) = match &mac.delimiter {
        MacroDelimiter::Paren(p) => (Delimiter::Parenthesis, p.span),
        MacroDelimiter::Brace(b) => (Delimiter::Brace, b.span),
        MacroDelimiter::Bracket(b) => (Delimiter::Bracket, b.span),
    };
    let mut group = Group::new(delimiter, mac.tokens.clone());
    group.set_span(span.join());
    let within = move |input: ParseStream| -> syn::Result<T> {
        let content;
        match delimiter {
            Delimiter::Parenthesis => drop(syn::parenthesized!(content in input)),
            Delimiter::Bracket => drop(syn::bracketed!(content in input)),
            _ => drop(syn::braced!(content in input)),
        }
        let parsed = parser(&content)?;
        if !content.is_empty() {
            return Err(content.error("unexpected token"));
        }
        Ok(parsed)
    };
    within.parse2(TokenTree::Group(group).into())
}

/// The two forms of `twait!`.
pub enum TwaitForm {
    /// `twait! { stmts }`: the implicit rendezvous.
    Block(Vec<Stmt>),
    /// `twait!(r)`: the next id of rendezvous `r`.
    Rendezvous(Expr),
}

/// Braces make the block form, parentheses (or brackets) the rendezvous form.
/// A description (see [`twait_description`]) is left out.
pub fn twait_form(mac: &Macro) -> syn::Result<TwaitForm> {
    match mac.delimiter {
        MacroDelimiter::Brace(_) => {
            let mut stmts = parse_body(mac, syn::Block::parse_within)?;
            if stmts.first().is_some_and(|s| description_stmt(s).is_some()) {
                stmts.remove(0);
            }
            Ok(TwaitForm::Block(stmts))
        }
        _ => {
            let needs_rendezvous = || {
                syn::Error::new_spanned(
                    mac,
                    "twait!() needs a rendezvous: write twait!(r), or twait! { ... } to wait for \
                     the events made inside the block",
                )
            };
            if mac.tokens.is_empty() {
                return Err(needs_rendezvous());
            }
            let mut args = Punctuated::<Expr, Token![,]>::parse_terminated
                .parse2(mac.tokens.clone())?
                .into_iter();
            let expr = args.next().ok_or_else(needs_rendezvous)?;
            match (args.next(), args.next()) {
                (None, _) => Ok(TwaitForm::Rendezvous(expr)),
                (Some(Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. })), None) => {
                    Ok(TwaitForm::Rendezvous(expr))
                }
                (Some(other), _) => Err(syn::Error::new_spanned(
                    other,
                    "twait!(r) takes one rendezvous, and optionally a description: twait!(r, \"a reply\")",
                )),
            }
        }
    }
}

/// What a twait says it waits for (Tamer's `twait ["text"]`):
/// `twait!(r, "a reply")`, or a string literal as the first statement of
/// `twait! { "the lookups"; .. }`. Shown by `tame::blocked()`.
pub fn twait_description(mac: &Macro) -> Option<syn::LitStr> {
    match mac.delimiter {
        MacroDelimiter::Brace(_) => {
            let stmts = syn::Block::parse_within.parse2(mac.tokens.clone()).ok()?;
            stmts.first().and_then(description_stmt)
        }
        _ => {
            let args = Punctuated::<Expr, Token![,]>::parse_terminated
                .parse2(mac.tokens.clone())
                .ok()?;
            match args.iter().nth(1) {
                Some(Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) => Some(s.clone()),
                _ => None,
            }
        }
    }
}

fn description_stmt(s: &Stmt) -> Option<syn::LitStr> {
    match s {
        Stmt::Expr(
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(l),
                ..
            }),
            Some(_),
        ) => Some(l.clone()),
        _ => None,
    }
}

/// The arguments of `mkevent!(a, b, ...)`, not yet told apart into
/// rendezvous, id and slots (that depends on where the invocation is).
pub struct MkeventArgs(pub Vec<Expr>);

impl Parse for MkeventArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let args = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        Ok(MkeventArgs(args.into_iter().collect()))
    }
}

pub fn mkevent_args(mac: &Macro) -> syn::Result<Vec<Expr>> {
    parse_body(mac, MkeventArgs::parse).map(|a| a.0)
}

/// Whether `arg`, an argument of a method call, is a `mkevent!` one of
/// whose arguments is `receiver` itself (`b.with(x, mkevent!(b))`): the
/// operation takes its receiver and gives it back through the event, so
/// the receiver is moved into it (by-value `self`, as a builder's), as an
/// argument is in `read(buf, mkevent!(buf, n))`.
pub fn refills_receiver(arg: &Expr, receiver: &proc_macro2::Ident) -> bool {
    matches!(arg, Expr::Macro(m) if which(&m.mac) == Some(Which::Mkevent)
        && mkevent_args_lenient(&m.mac)
            .iter()
            .any(|a| matches!(a, Expr::Path(p) if p.path.is_ident(receiver))))
}

/// The arguments of a `mkevent!` whose arguments do not parse
/// (`mkevent!(a,,b)`, reported): those between commas that do.
pub fn mkevent_args_lenient(mac: &Macro) -> Vec<Expr> {
    let mut pieces = vec![TokenStream::new()];
    for tt in mac.tokens.clone() {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => pieces.push(TokenStream::new()),
            _ => {
                if let Some(piece) = pieces.last_mut() {
                    piece.extend([tt]);
                }
            }
        }
    }
    pieces
        .into_iter()
        .filter_map(|p| syn::parse2::<Expr>(p).ok())
        .collect()
}

/// The statements of `tvars! { ... }`, and the error if one is not a
/// `let` (all are kept, so that the names it declares stay declared and a
/// misuse is reported once).
pub fn tvars_stmts(mac: &Macro) -> (Vec<Stmt>, Option<syn::Error>) {
    let stmts = match parse_body(mac, syn::Block::parse_within) {
        Ok(stmts) => stmts,
        Err(e) => {
            // The usual slip: the last `let` without its `;`.
            let last = mac.tokens.clone().into_iter().last();
            let e = match last {
                Some(TokenTree::Punct(p)) if p.as_char() == ';' => {
                    return tvars_by_declaration(mac).unwrap_or((Vec::new(), Some(e)));
                }
                Some(last) => syn::Error::new_spanned(
                    last,
                    "expected `;` after this: each `let` in tvars! ends with one",
                ),
                None => e,
            };
            return (Vec::new(), Some(e));
        }
    };
    let error = stmts
        .iter()
        .find(|s| !matches!(s, Stmt::Local(_)))
        .map(|s| {
            syn::Error::new_spanned(
            s,
            "tvars! holds only `let` declarations, such as `let mut n = 0;` or `let v: Vec<u8>;`; \
             move other statements after it",
        )
        });
    (stmts, error)
}

/// `tvars! { .. }` whose statements do not parse (`mut n: u32 = 0;`,
/// `n: u32;`, `u32 n;`, written as in other languages or Tame's C++), taken
/// one `;`-ended piece at a time: the statements that parse, each piece
/// that parses with `let` before it as that `let` (its name stays declared:
/// no second error where it is used), and the error at the first piece
/// that needed one. `None` if every piece parses (the error is elsewhere).
fn tvars_by_declaration(mac: &Macro) -> Option<(Vec<Stmt>, Option<syn::Error>)> {
    let mut pieces = vec![TokenStream::new()];
    for tt in mac.tokens.clone() {
        let end = matches!(&tt, TokenTree::Punct(p) if p.as_char() == ';');
        if let Some(piece) = pieces.last_mut() {
            piece.extend([tt]);
        }
        if end {
            pieces.push(TokenStream::new());
        }
    }
    let mut stmts = Vec::new();
    let mut error = None;
    for piece in pieces.into_iter().filter(|p| !p.is_empty()) {
        if let Ok(parsed) = syn::Block::parse_within.parse2(piece.clone()) {
            stmts.extend(parsed);
            continue;
        }
        let with_let = syn::Block::parse_within.parse2(quote::quote!(let #piece));
        let declared = with_let
            .as_ref()
            .is_ok_and(|s| matches!(s[..], [Stmt::Local(_)]));
        let msg = if declared {
            "tvars! holds only `let` declarations, such as `let mut n = 0;` or `let v: Vec<u8>;`; \
             write `let` before this one"
        } else {
            "tvars! holds only `let` declarations, such as `let mut n = 0;` or `let v: Vec<u8>;`, \
             in Rust's order: `let` [`mut`] name [`:` type] [`=` value] `;`"
        };
        if error.is_none() {
            // Without its `;`.
            let mut trees: Vec<TokenTree> = piece.into_iter().collect();
            trees.pop();
            let at: TokenStream = trees.into_iter().collect();
            error = Some(syn::Error::new_spanned(at, msg));
        }
        if let (true, Ok(s)) = (declared, with_let) {
            stmts.extend(s);
        }
    }
    error.map(|e| (stmts, Some(e)))
}

/// Whether tokens contain a `twait!` invocation (used where the code is
/// not parsed: other macros' arguments).
pub fn tokens_mention_twait(ts: &TokenStream) -> bool {
    tokens_mention_macro(ts, "twait")
}

/// Whether tokens contain a `?` (a macro's arguments the machine takes
/// as expressions may return early through it).
pub fn tokens_mention_question(ts: &TokenStream) -> bool {
    ts.clone().into_iter().any(|tt| match tt {
        TokenTree::Punct(p) => p.as_char() == '?',
        TokenTree::Group(g) => tokens_mention_question(&g.stream()),
        _ => false,
    })
}

/// Whether tokens contain an invocation `name!` (by its last segment).
pub fn tokens_mention_macro(ts: &TokenStream, name: &str) -> bool {
    macro_call_in(ts, name).is_some()
}

/// Whether tokens contain a call `name!(..)` (by its last segment) with
/// its arguments: not a `name!` half written (`vec![mkevent!]`) nor one
/// followed by a `macro_rules!` fragment (`mkevent!$e`), which rustc
/// reports.
pub fn tokens_call_macro(ts: &TokenStream, name: &str) -> bool {
    let trees: Vec<TokenTree> = ts.clone().into_iter().collect();
    trees.iter().enumerate().any(|(i, tt)| match tt {
        TokenTree::Ident(id) => {
            id == name
                && matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!')
                && matches!(trees.get(i + 2), Some(TokenTree::Group(g)) if g.delimiter() != Delimiter::None)
        }
        TokenTree::Group(g) => tokens_call_macro(&g.stream(), name),
        _ => false,
    })
}

/// Where tokens first invoke `name!` (by its last segment): the name's span.
pub fn macro_call_in(ts: &TokenStream, name: &str) -> Option<proc_macro2::Span> {
    let mut named = None;
    for tt in ts.clone() {
        match tt {
            TokenTree::Ident(i) => named = (i == name).then(|| i.span()),
            TokenTree::Punct(p) => {
                if let (Some(span), '!') = (named, p.as_char()) {
                    return Some(span);
                }
                named = None;
            }
            TokenTree::Group(g) => {
                if let Some(span) = macro_call_in(&g.stream(), name) {
                    return Some(span);
                }
                named = None;
            }
            TokenTree::Literal(_) => named = None,
        }
    }
    None
}

/// Whether an expression contains a twait of the function's own body:
/// closures, `async` blocks and nested items are other bodies (a twait
/// there is a misuse that `check` reports). So are constant contexts (a
/// `const { .. }` block, an array's length, a const generic argument, a
/// type) and the unstable `yield` and `try` blocks, which the machine
/// cannot wait in: a twait there stays in ordinary code, where the
/// `twait!` macro itself says it is not in a tamed body. (Counted here,
/// it would be a twait that no rewrite can lift out of the expression,
/// and a condition holding one would be rewritten forever.)
pub fn has_twait(e: &Expr) -> bool {
    struct Find(bool);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_macro(&mut self, m: &'ast Macro) {
            match which(m) {
                Some(Which::Twait) => self.0 = true,
                Some(_) => {}
                None => self.0 |= tokens_mention_twait(&m.tokens),
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_const(&mut self, _: &'ast syn::ExprConst) {}
        fn visit_expr_repeat(&mut self, r: &'ast syn::ExprRepeat) {
            self.visit_expr(&r.expr);
        }
        fn visit_generic_argument(&mut self, _: &'ast syn::GenericArgument) {}
        fn visit_type(&mut self, _: &'ast syn::Type) {}
        fn visit_expr_yield(&mut self, _: &'ast syn::ExprYield) {}
        fn visit_expr_try_block(&mut self, _: &'ast syn::ExprTryBlock) {}
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}

/// Every path our macros are named by in the tokens (`twait`,
/// `tame::twait`), once each, so that an expansion can keep the user's
/// imports of them used.
pub fn macro_paths(block: &syn::Block) -> Vec<syn::Path> {
    struct Collect(Vec<syn::Path>);
    impl Collect {
        fn note(&mut self, path: &syn::Path) {
            let key = quote::ToTokens::to_token_stream(path).to_string();
            let seen = self
                .0
                .iter()
                .any(|p| quote::ToTokens::to_token_stream(p).to_string() == key);
            if !seen {
                self.0.push(path.clone());
            }
        }
        fn scan(&mut self, tokens: &TokenStream) {
            // Our macros nested in other macros' tokens (`vec![mkevent!()]`)
            // or in ours: parse what parses.
            if let Ok(stmts) = syn::Block::parse_within.parse2(tokens.clone()) {
                for s in &stmts {
                    syn::visit::Visit::visit_stmt(self, s);
                }
            } else if let Ok(args) = syn::parse2::<MkeventArgs>(tokens.clone()) {
                for a in &args.0 {
                    syn::visit::Visit::visit_expr(self, a);
                }
            } else {
                // Tokens that do not parse (`vec![mkevent!]` half typed,
                // which rustc reports): the import stays used all the same.
                let mut found = Vec::new();
                macro_paths_in(tokens.clone(), &mut found);
                for path in found.iter().filter_map(|p| syn::parse_str(p).ok()) {
                    self.note(&path);
                }
            }
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Collect {
        fn visit_macro(&mut self, m: &'ast Macro) {
            if which(m).is_some() {
                self.note(&m.path);
            }
            self.scan(&m.tokens);
        }
    }
    let mut c = Collect(Vec::new());
    syn::visit::Visit::visit_block(&mut c, block);
    c.0
}

/// The paths of tame's macros called in `tokens` (`twait !`, `tame ::
/// twait !`), at any depth, as written.
pub fn macro_paths_in(tokens: TokenStream, out: &mut Vec<String>) {
    let mut path: Vec<proc_macro2::TokenTree> = Vec::new();
    for tt in tokens {
        match &tt {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '!' => {
                let last = path.last().map(ToString::to_string);
                if matches!(last.as_deref(), Some("twait" | "mkevent" | "tvars")) {
                    out.push(path.iter().map(ToString::to_string).collect());
                }
                path.clear();
            }
            proc_macro2::TokenTree::Ident(_) => {
                // A path goes on after `::` only: `match twait!(r)` is the
                // keyword, then the path `twait`.
                let after_colons = path.last().is_some_and(
                    |t| matches!(t, proc_macro2::TokenTree::Punct(p) if p.as_char() == ':'),
                );
                if !after_colons {
                    path.clear();
                }
                path.push(tt);
            }
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' => path.push(tt),
            proc_macro2::TokenTree::Group(g) => {
                macro_paths_in(g.stream(), out);
                path.clear();
            }
            _ => path.clear(),
        }
    }
}

/// What `mkevent!` takes as a slot: a place, or `_` (the value, or that
/// part of it, is dropped where it comes back, as `(x, _) = f()` drops it).
pub fn is_slot(e: &Expr) -> bool {
    matches!(e, Expr::Infer(_)) || (super::syntax::is_place(e) && !is_slice(e))
}

/// Whether a place is indexed by a range somewhere (`a[..2]`, `v[i].b[1..]`):
/// a slice, of no size known to a value stored into it.
pub fn is_slice(e: &Expr) -> bool {
    match e {
        Expr::Index(ix) => matches!(&*ix.index, Expr::Range(_)) || is_slice(&ix.expr),
        Expr::Field(f) => is_slice(&f.base),
        Expr::Paren(p) => is_slice(&p.expr),
        Expr::Unary(u) => is_slice(&u.expr),
        _ => false,
    }
}

/// Whether an expression makes an event (`mkevent!` in it, also inside
/// another macro's arguments).
pub(super) fn makes_event(e: &Expr) -> bool {
    struct Find(bool);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if which(m) == Some(Which::Mkevent) {
                self.0 = true;
            } else {
                self.0 |= m.tokens.to_string().contains("mkevent !");
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}
