//! Macro calls in ordinary code, for the resolver (`plain.rs`): our
//! `mkevent!` (lowered by `events.rs`), and every other macro, whose
//! tokens are scanned for the names they use (`println!("{x}")` reads
//! `x`; `vec![a]` moves `a`), since a macro's meaning is not known.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Token};

use super::macros::{self, Which};
use super::plain::{Resolver, Use};
use super::syntax::{self, PatPlace::Refutable};
use crate::ir::Effect;

impl Resolver<'_, '_> {
    /// Our macros and others'. Returns a replacement expression for
    /// `mkevent!`.
    pub(super) fn macro_call(&mut self, mac: &mut syn::Macro) -> Option<Expr> {
        match macros::which(mac) {
            Some(Which::Mkevent) => {
                if self.closure_depth > 0 {
                    // check.rs reported it.
                    return None;
                }
                let event = self.mkevent(mac)?;
                Some(syntax::spanning_macro(event, mac))
            }
            Some(Which::Twait) | Some(Which::Tvars) => {
                // check.rs or the statement walk reported it.
                None
            }
            None => {
                let aliases = self.foreign_macro(mac)?;
                Some(syn::parse_quote!({ #aliases #mac }))
            }
        }
    }

    /// Whether `e` names a variable whose written type is a `Box`, or that
    /// `Box::new(..)` made.
    pub(super) fn written_box(&self, e: &Expr) -> bool {
        let Some(b) = syntax::as_ident(e).and_then(|i| self.lookup(&i.to_string())) else {
            return false;
        };
        let b = &self.b.f.bindings[b];
        b.boxed
            || matches!(&b.ty, Some(syn::Type::Path(p))
            if p.path.segments.last().is_some_and(|s| s.ident == "Box"))
    }

    /// `mkevent!(..)` → the code that makes the event.
    fn mkevent(&mut self, mac: &syn::Macro) -> Option<Expr> {
        let mut args = match macros::mkevent_args(mac) {
            Ok(a) => a,
            Err(e) => {
                self.b.errors.push(e);
                return None;
            }
        };
        let span = mac.span();
        let explicit = match self.b.in_wait {
            None => true,
            Some(_) => {
                args.len() >= 2
                    && (self.names_rendezvous(&args[0]) || !super::macros::is_slot(&args[1]))
            }
        };
        if explicit && args.len() < 2 {
            // check.rs reported it.
            return None;
        }
        if let ([r], true) = (&args[..], matches!(args.first(), Some(Expr::Path(_)))) {
            if self.names_rendezvous(r) && self.is_a_rendezvous(r) {
                let name = r.to_token_stream().to_string();
                self.b.errors.push(syn::Error::new_spanned(
                    mac,
                    format!(
                        "mkevent!({name}) with one argument makes an event whose value fills the \
                         slot `{name}`, but `{name}` is a rendezvous; for an event of the \
                         rendezvous `{name}`, give it an id, mkevent!({name}, id), and make it outside \
                         the twait! {{ }} block: a block waits for its own events, those of a \
                         rendezvous are waited for with twait!({name})"
                    ),
                ));
                // Meant for the block (no second error that it makes none).
                self.b.join_events += 1;
                return None;
            }
        }
        // `give(mkevent!(a, b))` outside `twait! {}` with `a` a number: the
        // block was forgotten, not a rendezvous named.
        let plain_value = (args.first())
            .filter(|_| explicit)
            .and_then(syntax::as_ident)
            .and_then(|i| self.lookup(&i.to_string()))
            .map(|b| &self.b.f.bindings[b])
            .filter(|b| b.copy && !b.rendezvous && b.borrow.is_none());
        if let (None, Some(b)) = (self.b.in_wait, plain_value) {
            let name = &b.name;
            self.b.errors.push(syn::Error::new(
                args[0].span(),
                format!(
                    "outside twait! {{ ... }}, mkevent!({name}, ..) is an event of the rendezvous \
                     `{name}`, but `{name}` is a plain value; to fill the slots, make the event \
                     inside a twait! {{ ... }} block: twait! {{ op(mkevent!(..)); }}"
                ),
            ));
            return None;
        }
        if explicit {
            let mut rest = args.split_off(2);
            let mut id = args.pop()?;
            let mut r = args.pop()?;
            let key = self.rendezvous_key(&r);
            self.expr(&mut r, Use::Read);
            self.expr(&mut id, Use::Consume);
            self.mkevent_explicit(r, id, &mut rest, key, span)
        } else {
            self.mkevent_join(&mut args, span)
        }
    }

    /// Whether `e` names a variable that is a rendezvous itself, by its
    /// written type (`Rendezvous<u32>`, `&Rendezvous<u32>`), or without one
    /// by its value (`Rendezvous::new()`): not a value with rendezvous in
    /// it (`Option<Rendezvous<u32>>`), which a slot may be.
    fn is_a_rendezvous(&self, e: &Expr) -> bool {
        let Some(b) = syntax::as_ident(e).and_then(|i| self.lookup(&i.to_string())) else {
            return false;
        };
        let b = &self.b.f.bindings[b];
        b.rendezvous && b.ty.as_ref().is_none_or(crate::shadow::rendezvous_type)
    }

    /// Whether `mkevent!(x, ..)`'s first argument names a rendezvous.
    fn names_rendezvous(&self, e: &Expr) -> bool {
        let e = match e {
            Expr::Reference(r) => &*r.expr,
            other => other,
        };
        match e {
            Expr::Path(_) => syntax::as_ident(e)
                .and_then(|i| self.lookup(&i.to_string()))
                .is_some_and(|b| self.b.f.bindings[b].rendezvous),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => self.b.rendezvous_names.contains(&n.to_string()),
                syn::Member::Unnamed(_) => false,
            },
            _ => false,
        }
    }

    /// Another macro: names in its tokens count as uses; its arguments are
    /// walked as expressions when they parse as such. Returns the
    /// statements that must come before the call, if any (see below).
    pub(super) fn foreign_macro(&mut self, mac: &mut syn::Macro) -> Option<TokenStream> {
        self.macro_may_leave(mac);
        if mac.path.is_ident("matches") && self.matches_macro(mac) {
            return None;
        }
        let formatting = syntax::is_formatting_macro(&mac.path);
        if !formatting && !syntax::is_std_value_macro(&mac.path) {
            // A macro of the user's may assign what it names (`inc!(n)`
            // doing `$v += 1`): `mut` in the machine, so that rustc's error
            // for one that is not `mut` comes once (see `ir::Binding`).
            let mut names = Vec::new();
            for tt in mac.tokens.clone() {
                super::collect_idents(tt, &mut names);
            }
            for name in names {
                if let Some(b) = self.lookup(&name) {
                    self.b.f.bindings[b].assigned = true;
                }
            }
        }
        // An unknown macro's arguments are taken by value (`vec![x]` moves
        // `x`); a formatting macro's are borrowed.
        let arg_use = if formatting { Use::Read } else { Use::Consume };
        // A `mkevent!` or `self` inside must be rewritten; names resolved.
        let parsed = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone());
        match parsed {
            Ok(mut args) if !mac.tokens.is_empty() => {
                let mut extra = Vec::new();
                // The format string is the first string literal (`write!`'s
                // destination and `assert!`'s condition come before it),
                // after `assert_eq!`'s two values; another is a value
                // (`format!("{}", "{x}")`).
                let name = mac.path.segments.last().map(|s| s.ident.to_string());
                let compared = matches!(
                    name.as_deref(),
                    Some("assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne")
                );
                // `assert!(cond)`'s panic shows `cond` as written: keep the
                // text from before the names in it are the machine's.
                let as_written = (matches!(name.as_deref(), Some("assert" | "debug_assert"))
                    && args.len() == 1)
                    .then(|| args[0].to_token_stream());
                let mut format_seen = false;
                let mut index = 0;
                for a in args.iter_mut() {
                    index += 1;
                    if let Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = a
                    {
                        // (Another macro's format string may come after a
                        // literal of its own, `cat!("net", "{x}")`: each
                        // gets the names it captures.)
                        let skip = formatting && (format_seen || (compared && index <= 2));
                        if !skip {
                            format_seen = true;
                            self.format_string(&s.token().to_string(), s.span(), &mut extra);
                        }
                        continue;
                    }
                    // Named format arguments `name = value`.
                    if let Expr::Assign(asg) = a {
                        if formatting && syntax::as_ident(&asg.left).is_some() {
                            self.expr(&mut asg.right, arg_use);
                            continue;
                        }
                    }
                    self.expr(a, arg_use);
                }
                // A name the call gives itself (`x = 5`) is the user's.
                let given: Vec<String> = (args.iter())
                    .filter_map(|a| match a {
                        Expr::Assign(asg) => syntax::as_ident(&asg.left).map(|i| i.to_string()),
                        _ => None,
                    })
                    .collect();
                extra.retain(|c| !given.contains(&c.name.to_string()));
                let mut tokens = args.to_token_stream();
                if let Some(written) = as_written {
                    if written.to_string() != args[0].to_token_stream().to_string() {
                        if !args.trailing_punct() {
                            tokens.extend(quote!(,));
                        }
                        match as_written_text(mac) {
                            // A message without arguments: the panic's
                            // payload is a `&'static str`, as `assert!`'s own.
                            Some(t) => {
                                let escaped = t.replace('{', "{{").replace('}', "}}");
                                let msg = syn::LitStr::new(
                                    &format!("assertion failed: {escaped}"),
                                    Span::call_site(),
                                );
                                tokens.extend(quote!(#msg));
                            }
                            None => tokens.extend(quote!(
                                "{}",
                                ::tame::__private::core::concat!(
                                    "assertion failed: ",
                                    ::tame::__private::core::stringify!(#written)
                                )
                            )),
                        }
                    }
                }
                if !extra.is_empty() && formatting {
                    if !args.trailing_punct() {
                        tokens.extend(quote!(,));
                    }
                    let named = extra.iter().map(|c| {
                        let (n, ident) = (&c.name, &c.ident);
                        quote_spanned!(n.span()=> #n = #ident)
                    });
                    tokens.extend(quote!(#(#named),*));
                }
                mac.tokens = tokens;
                if !formatting {
                    return aliases(&extra);
                }
            }
            _ => {
                // Not expressions (`macro_rules!` syntax of its own, log's
                // `info!(target: "t", "{x}")`): scan the tokens for names
                // and our macros.
                let tokens = std::mem::take(&mut mac.tokens);
                let mut extra = Vec::new();
                mac.tokens = self.scan_tokens(tokens, Some(&mut extra));
                return aliases(&extra);
            }
        }
        None
    }

    /// `matches!(e, pattern if guard)`: `e` is read; the pattern binds
    /// names of its own (`P { name, .. }` is no use of a variable `name`),
    /// which the guard sees. Whether it parsed so.
    fn matches_macro(&mut self, mac: &mut syn::Macro) -> bool {
        let parsed = (|input: syn::parse::ParseStream| {
            let e: Expr = input.parse()?;
            input.parse::<Token![,]>()?;
            let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
            let guard = if input.peek(Token![if]) {
                input.parse::<Token![if]>()?;
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            let comma: Option<Token![,]> = input.parse()?;
            Ok((e, pat, guard, comma))
        })
        .parse2(mac.tokens.clone());
        let Ok((mut e, pat, mut guard, comma)) = parsed else {
            return false;
        };
        self.expr(&mut e, Use::Read);
        self.scoped(|r| {
            r.hide_pat(&pat, Refutable);
            if let Some(g) = &mut guard {
                r.expr(g, Use::Read);
            }
        });
        let guard = guard.map(|g| quote!(if #g));
        mac.tokens = quote!(#e, #pat #guard #comma);
        true
    }

    /// Names captured by a format string (`"{x}"`) are read; a renamed
    /// binding is passed explicitly (`x = x`) since the string cannot name
    /// it: those go to `extra`.
    fn format_string(&mut self, lit: &str, span: Span, extra: &mut Vec<Capture>) {
        let counts = syntax::format_counts(lit);
        for name in syntax::format_captures(lit) {
            if let Some(id) = self.lookup(&name) {
                self.effect(id, Effect::Read);
                let ident = self.b.use_ident(id, span);
                if ident != name.as_str() || self.b.is_renamed(id) {
                    extra.push(Capture {
                        name: syntax::ident_named(&name, span),
                        ident,
                        count: counts.contains(&name),
                    });
                }
            }
        }
    }

    /// `extra`: where the renamed names a string literal captures go (only
    /// the macro's own literals, not those in groups inside it, which may
    /// be a closure's `format!("{x}")` of its own parameter `x`).
    fn scan_tokens(
        &mut self,
        tokens: TokenStream,
        extra: Option<&mut Vec<Capture>>,
    ) -> TokenStream {
        self.scan_group(tokens, extra, false)
    }

    /// [`Self::scan_tokens`] of a group; `fields`: the braces of a struct
    /// literal or pattern (after a name that starts with an uppercase
    /// letter, `P { x, .. }`), where a field's shorthand `x` renamed is
    /// `x: x_3`.
    fn scan_group(
        &mut self,
        tokens: TokenStream,
        extra: Option<&mut Vec<Capture>>,
        fields: bool,
    ) -> TokenStream {
        let mut extra = extra;
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = Vec::with_capacity(trees.len());
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                // `P { ref x, .. }`: a shorthand with a binding mode.
                TokenTree::Ident(mode)
                    if fields
                        && (mode == "ref" || mode == "mut")
                        && (i == 0
                            || matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == ',')) =>
                {
                    let mut k = i;
                    let mut modes = Vec::new();
                    while let Some(TokenTree::Ident(m)) = trees.get(k) {
                        if m != "ref" && m != "mut" {
                            break;
                        }
                        modes.push(m.clone());
                        k += 1;
                    }
                    let shorthand = match (trees.get(k), trees.get(k + 1)) {
                        (Some(TokenTree::Ident(name)), None) => Some(name),
                        (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(p)))
                            if p.as_char() == ',' =>
                        {
                            Some(name)
                        }
                        _ => None,
                    };
                    let renamed = shorthand
                        .and_then(|n| Some((n, self.lookup(&n.to_string())?)))
                        .map(|(n, b)| (n, self.b.use_ident(b, n.span())))
                        .filter(|(n, used)| used != *n);
                    match renamed {
                        Some((name, used)) => {
                            out.extend(quote!(#name: #(#modes)* #used));
                            i = k + 1;
                        }
                        None => {
                            out.push(trees[i].clone());
                            i += 1;
                        }
                    }
                    continue;
                }
                TokenTree::Ident(id) => {
                    // `mkevent!(..)` inside: rewrite it.
                    let is_bang =
                        matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    if id == "mkevent" && is_bang {
                        let call = match trees.get(i + 2) {
                            Some(TokenTree::Group(g)) => syntax::macro_call(id, g),
                            _ => None,
                        };
                        if let Some(mut mac) = call {
                            if let Some(new) = self.macro_call(&mut mac) {
                                out.push(TokenTree::Group(Group::new(
                                    Delimiter::Parenthesis,
                                    new.to_token_stream(),
                                )));
                            }
                            i += 3;
                            continue;
                        }
                    }
                    let path_follows =
                        matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                    let field_before =
                        i > 0 && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
                    if !path_follows && !field_before {
                        let name = id.to_string();
                        if let Some(b) = self.lookup(&name) {
                            self.effect(b, Effect::Read);
                            let used = self.b.use_ident(b, id.span());
                            let shorthand = fields
                                && (i == 0
                                    || matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == ','))
                                && match trees.get(i + 1) {
                                    None => true,
                                    Some(TokenTree::Punct(p)) => p.as_char() == ',',
                                    Some(_) => false,
                                };
                            if shorthand && used != *id {
                                out.extend(quote!(#id: #used));
                            } else {
                                out.push(TokenTree::Ident(used));
                            }
                            i += 1;
                            continue;
                        }
                    }
                    out.push(trees[i].clone());
                }
                TokenTree::Group(g) => {
                    let fields = g.delimiter() == Delimiter::Brace && struct_braces(&trees[..i]);
                    let inner = self.scan_group(g.stream(), None, fields);
                    let mut ng = Group::new(g.delimiter(), inner);
                    ng.set_span(g.span());
                    out.push(TokenTree::Group(ng));
                }
                TokenTree::Literal(lit) => {
                    let mut inner = Vec::new();
                    let to = match extra.as_deref_mut() {
                        Some(e) => e,
                        None => &mut inner,
                    };
                    self.format_string(&lit.to_string(), lit.span(), to);
                    out.push(trees[i].clone());
                }
                TokenTree::Punct(_) => out.push(trees[i].clone()),
            }
            i += 1;
        }
        out.into_iter().collect()
    }
}

/// Whether braces after `before` are a struct literal's or pattern's: they
/// follow a name that starts with an uppercase letter (`P`, `Self`, `V2`,
/// `Pt::<u32>`), outside the condition of an `if`, `while`, `match` or
/// `for`, where braces are a block (`if FLAG { x }`).
fn struct_braces(before: &[TokenTree]) -> bool {
    let mut end = before.len();
    // `Pt::<u32>`: back over the generic arguments and the `::`.
    if let Some(TokenTree::Punct(p)) = before.last() {
        if p.as_char() != '>' {
            return false;
        }
        let mut depth = 0;
        loop {
            let Some(k) = end.checked_sub(1) else {
                return false;
            };
            end = k;
            if let TokenTree::Punct(p) = &before[k] {
                match p.as_char() {
                    '>' => depth += 1,
                    '<' => depth -= 1,
                    _ => {}
                }
            }
            if depth == 0 {
                break;
            }
        }
        while let Some(TokenTree::Punct(p)) = end.checked_sub(1).map(|k| &before[k]) {
            if p.as_char() != ':' {
                break;
            }
            end -= 1;
        }
    }
    let Some(TokenTree::Ident(name)) = end.checked_sub(1).map(|k| &before[k]) else {
        return false;
    };
    // (`|| -> Option<u32> { x }`: a closure's body after its return type.)
    let return_type = matches!(
        (end.checked_sub(3).map(|k| &before[k]), end.checked_sub(2).map(|k| &before[k])),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == '-' && b.as_char() == '>'
    );
    let type_like = name.to_string().starts_with(|c: char| c.is_uppercase()) && !return_type;
    // A struct literal cannot stand in a condition: braces after an `if`,
    // `while`, `match` or `for .. in` of the same expression (back to a
    // `,` or `;`) are its block (`if k == Kind::Big { x }`).
    let in_condition = before[..end]
        .iter()
        .rev()
        .take_while(|t| match t {
            TokenTree::Punct(p) => p.as_char() != ',' && p.as_char() != ';',
            // A block ends an `if`'s condition: what follows is another
            // statement (`if c { n += 1 } V2 { x }`).
            TokenTree::Group(g) => g.delimiter() != Delimiter::Brace,
            _ => true,
        })
        .any(|t| {
            matches!(t, TokenTree::Ident(k)
                if ["if", "while", "match", "in"].contains(&k.to_string().as_str()))
        });
    type_like && !in_condition
}

/// The text of a one-argument macro's argument as the source has it, with
/// its runs of white space made one space (`self.v[0] == 1`, as rustc
/// prints a condition; `stringify!` would space it otherwise, `self.v
/// [0]`). `None` where the source is not at hand (a macro's expansion),
/// or holds a literal, a lifetime, a comment or a macro's `$` (the text
/// of a `macro_rules!` that wrote the call).
fn as_written_text(mac: &syn::Macro) -> Option<String> {
    let group = match &mac.delimiter {
        syn::MacroDelimiter::Paren(d) => d.span.join(),
        syn::MacroDelimiter::Brace(d) => d.span.join(),
        syn::MacroDelimiter::Bracket(d) => d.span.join(),
    };
    let text = group.source_text()?;
    // (A literal's or a comment's white space is not to be touched: those
    // go by `stringify!`.)
    if text.contains(['"', '\'', '/', '$']) {
        return None;
    }
    let inner = text.get(1..text.len().checked_sub(1)?)?.trim();
    let inner = inner.strip_suffix(',').unwrap_or(inner).trim_end();
    let words: Vec<&str> = inner.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// What must come before another macro's call whose format string
/// captures renamed variables (anyhow's `bail!("{x}")`, a wrapper of
/// `format!`), which cannot be given named arguments: each such variable
/// under the name the string gives it (a reference, or a copy of a width's
/// number), for the string to find.
fn aliases(extra: &[Capture]) -> Option<TokenStream> {
    if extra.is_empty() {
        return None;
    }
    let lets = extra.iter().map(|c| {
        let (n, ident) = (&c.name, &c.ident);
        let value = if c.count {
            quote!(#ident)
        } else {
            quote!(&#ident)
        };
        quote!(let #n = #value; let _ = &#n;)
    });
    Some(quote!(#(#lets)*))
}

/// A renamed variable a format string captures: the name it is written
/// by, the machine's identifier of it, and whether it is a width or
/// precision (`{:w$}`, a `usize`).
struct Capture {
    name: Ident,
    ident: Ident,
    count: bool,
}
