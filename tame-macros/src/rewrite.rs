//! Rewrite: the token-level changes made before lowering.
//!
//! * `self` becomes an ordinary variable (`__tame_self`), since the body
//!   moves into a closure where `self` cannot be bound.
//! * Every `mkevent!` becomes code that makes the event and remembers its
//!   slot (if it has one) in a slot list, with the slot's index expressions
//!   evaluated now, as Tame took the slot's address when the event was made.
//!   The matching store code (slot list → slot place) is kept for lowering,
//!   which puts it where the function resumes.

use std::collections::HashSet;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Stmt};

use crate::check::Errors;
use crate::parse::{self, Which};

/// The name `self` is renamed to inside the state machine.
pub fn self_ident(span: Span) -> Ident {
    Ident::new("__tame_self", span)
}

/// Renames `self` to `__tame_self` in the body (not in nested items, and
/// not in paths like `self::x`).
pub fn rename_self(stmts: &mut [Stmt]) {
    struct Rename;
    impl VisitMut for Rename {
        fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
            if p.qself.is_none() && p.path.segments.len() == 1 && p.path.segments[0].ident == "self"
            {
                let span = p.path.segments[0].ident.span();
                p.path.segments[0].ident = self_ident(span);
            }
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            m.tokens = rename_in_tokens(std::mem::take(&mut m.tokens));
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    for s in stmts {
        Rename.visit_stmt_mut(s);
    }
}

fn rename_in_tokens(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    for (i, tt) in trees.iter().enumerate() {
        match tt {
            TokenTree::Ident(id) if id == "self" => {
                let path_follows = matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':')
                    && matches!(trees.get(i + 2), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if path_follows {
                    out.push(tt.clone());
                } else {
                    out.push(TokenTree::Ident(self_ident(id.span())));
                }
            }
            TokenTree::Group(g) => {
                let mut ng = proc_macro2::Group::new(g.delimiter(), rename_in_tokens(g.stream()));
                ng.set_span(g.span());
                out.push(TokenTree::Group(ng));
            }
            other => out.push(other.clone()),
        }
    }
    out.into_iter().collect()
}

/// Names declared as rendezvous: a `let` or parameter whose type or
/// initializer mentions `Rendezvous`. Inside `twait! { ... }`, a
/// `mkevent!(x, ...)` whose `x` is such a name is an event of that
/// rendezvous; otherwise `x` is a slot.
pub fn rendezvous_names(inputs: &[(Ident, Option<&syn::Type>)], stmts: &[Stmt]) -> HashSet<String> {
    struct Scan(HashSet<String>);
    fn mentions_rendezvous(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => i == "Rendezvous",
            TokenTree::Group(g) => mentions_rendezvous(g.stream()),
            _ => false,
        })
    }
    impl VisitMut for Scan {
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            let mut mentions = l
                .init
                .as_ref()
                .is_some_and(|i| mentions_rendezvous(i.expr.to_token_stream()));
            if let syn::Pat::Type(t) = &l.pat {
                mentions |= mentions_rendezvous(t.ty.to_token_stream());
            }
            if mentions {
                for b in crate::names::pattern_bindings(&l.pat) {
                    self.0.insert(b.ident.to_string());
                }
            }
            visit_mut::visit_local_mut(self, l);
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            if parse::which(m) == Some(Which::Tvars) {
                if let Ok(mut stmts) = parse::tvars_stmts(m) {
                    for s in &mut stmts {
                        self.visit_stmt_mut(s);
                    }
                }
            }
        }
    }
    let mut scan = Scan(HashSet::new());
    for (name, ty) in inputs {
        if ty.is_some_and(|t| mentions_rendezvous(t.to_token_stream())) {
            scan.0.insert(name.to_string());
        }
    }
    let mut copy = stmts.to_vec();
    for s in &mut copy {
        scan.visit_stmt_mut(s);
    }
    scan.0
}

/// An explicit-rendezvous `mkevent!` site that has slots.
pub struct RendezvousSite {
    /// The rendezvous expression, as a string, to match `twait!(r)` sites.
    pub rendezvous_key: String,
    /// The slot list variable (declared at the function's start).
    pub list: Ident,
    /// `list.store_returned(|v, c| { place = v; })`.
    pub store: Stmt,
    /// The `mkevent!`, for the error when nothing ever waits on `r`.
    pub span: Span,
}

/// One `twait! { ... }` block after rewriting.
pub struct TwaitBlock {
    pub stmts: Vec<Stmt>,
    /// Slot lists of the block's implicit events: declared before the block.
    pub lists: Vec<Ident>,
    /// Their store statements, run once the block's events all came back.
    pub stores: Vec<Stmt>,
}

/// The result of rewriting the body's events.
pub struct Events {
    pub rendezvous_sites: Vec<RendezvousSite>,
    pub blocks: Vec<TwaitBlock>,
    /// The paths the body named our macros by (`twait`, `tame::twait`):
    /// the expansion mentions each once so the user's imports count as used.
    pub macro_paths: Vec<syn::Path>,
}

pub fn cx_ident() -> Ident {
    Ident::new("__tame_cx", Span::mixed_site())
}

/// Rewrites every `mkevent!` of the body. Each `twait! { ... }` is replaced
/// by `twait! { N }`, N indexing `Events::blocks`.
pub fn rewrite_events(
    stmts: &mut [Stmt],
    rendezvous: &HashSet<String>,
    errors: &mut Errors,
) -> Events {
    let mut r = EventRewriter {
        rendezvous,
        errors,
        events: Events {
            rendezvous_sites: Vec::new(),
            blocks: Vec::new(),
            macro_paths: Vec::new(),
        },
        block: None,
    };
    for s in stmts {
        r.visit_stmt_mut(s);
    }
    r.events
}

struct EventRewriter<'a> {
    rendezvous: &'a HashSet<String>,
    errors: &'a mut Errors,
    events: Events,
    /// The twait block being rewritten: (lists, stores).
    block: Option<(Vec<Ident>, Vec<Stmt>)>,
}

impl EventRewriter<'_> {
    fn note_path(&mut self, mac: &syn::Macro) {
        let key = mac.path.to_token_stream().to_string();
        if !self
            .events
            .macro_paths
            .iter()
            .any(|p| p.to_token_stream().to_string() == key)
        {
            self.events.macro_paths.push(mac.path.clone());
        }
    }

    fn rewrite_twait_block(&mut self, mac: &mut syn::Macro) {
        self.note_path(mac);
        let Ok(parse::TwaitForm::Block(mut stmts)) = parse::twait_form(mac) else {
            // twait!(r): rewrite events made in `r`'s expression, if any.
            if let Ok(parse::TwaitForm::Rendezvous(mut e)) = parse::twait_form(mac) {
                self.visit_expr_mut(&mut e);
                mac.tokens = e.to_token_stream();
            }
            return;
        };
        let outer = self.block.replace((Vec::new(), Vec::new()));
        for s in &mut stmts {
            self.visit_stmt_mut(s);
        }
        let (lists, stores) = std::mem::replace(&mut self.block, outer).unwrap_or_default();
        let index = self.events.blocks.len();
        self.events.blocks.push(TwaitBlock {
            stmts,
            lists,
            stores,
        });
        let lit = proc_macro2::Literal::usize_unsuffixed(index);
        mac.tokens = quote!(#lit);
    }

    /// The replacement of one `mkevent!(...)`.
    fn mkevent(&mut self, mac: &syn::Macro) -> Option<Expr> {
        self.note_path(mac);
        let args = match parse::mkevent_args(mac) {
            Ok(a) => a,
            Err(e) => {
                self.errors.push(e);
                return None;
            }
        };
        let span = mac.span();
        let explicit = match &self.block {
            None => true,
            // `mkevent!(r, id, ..)` inside a block: `r` is known to be a
            // rendezvous, or `id` is no place a value could be stored in
            // (`mkevent!(self.r, 5, self.x)`: a field of unknown type).
            Some(_) => {
                args.args.len() >= 2
                    && (is_rendezvous_name(&args.args[0], self.rendezvous)
                        || !is_place(&args.args[1]))
            }
        };
        let cx = cx_ident();
        if explicit {
            if args.args.len() < 2 {
                // check.rs reported it.
                return None;
            }
            let r = &args.args[0];
            let id = &args.args[1];
            let slots = &args.args[2..];
            if slots.is_empty() {
                return Some(
                    syn::parse_quote_spanned!(span=> ::tame::__private::rendezvous_event(&(#r), #id)),
                );
            }
            let (captures, store) = self.slots(slots)?;
            let list = format_ident!(
                "__tame_rslots_{}",
                self.events.rendezvous_sites.len(),
                span = Span::mixed_site()
            );
            let store_stmt = store_stmt(&list, store);
            self.events.rendezvous_sites.push(RendezvousSite {
                rendezvous_key: rendezvous_key(r),
                list: list.clone(),
                store: store_stmt,
                span,
            });
            let maker =
                quote_spanned!(span=> ::tame::__private::rendezvous_event_with_slot(&(#r), #id));
            Some(make_with_slot(maker, &list, captures))
        } else {
            if args.args.is_empty() {
                return Some(syn::parse_quote_spanned!(span=> ::tame::__private::join_event(#cx)));
            }
            let (captures, store) = self.slots(&args.args)?;
            let (lists, stores) = self.block.as_mut()?;
            let list = format_ident!(
                "__tame_slots_{}_{}",
                self.events.blocks.len(),
                lists.len(),
                span = Span::mixed_site()
            );
            stores.push(store_stmt(&list, store));
            lists.push(list.clone());
            let maker = quote_spanned!(span=> ::tame::__private::join_event_with_slot(#cx));
            Some(make_with_slot(maker, &list, captures))
        }
    }

    /// Slot places → (capture expressions, closure storing the values).
    fn slots(&mut self, places: &[Expr]) -> Option<(Vec<Expr>, TokenStream)> {
        let mut captures = Vec::new();
        let mut assigns = Vec::new();
        let mut values = Vec::new();
        for (i, place) in places.iter().enumerate() {
            let template = match slot_template(place, &mut captures) {
                Ok(t) => t,
                Err(e) => {
                    self.errors.push(e);
                    return None;
                }
            };
            let v = if places.len() == 1 {
                Ident::new("__tame_v", Span::mixed_site())
            } else {
                format_ident!("__tame_v{}", i, span = Span::mixed_site())
            };
            assigns.push(quote_spanned!(place.span()=> #template = #v;));
            values.push(v);
        }
        let caps: Vec<Ident> = (0..captures.len())
            .map(|i| format_ident!("__tame_c{}", i, span = Span::mixed_site()))
            .collect();
        let vpat = if values.len() == 1 {
            values[0].to_token_stream()
        } else {
            quote!((#(#values),*))
        };
        let closure = quote!(|#vpat, (#(#caps,)*)| { #(#assigns)* });
        Some((captures, closure))
    }
}

/// What matches a `mkevent!(r, ..)` site to its `twait!(r)`: the tokens of
/// the rendezvous expression without `&`, `*` and parentheses, so that
/// `mkevent!(&r, ..)` or `mkevent!(r, ..)` with `r: Rc<Rendezvous>` match
/// `twait!(r)` and `twait!(*r)`.
pub fn rendezvous_key(r: &Expr) -> String {
    match r {
        Expr::Reference(x) => rendezvous_key(&x.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => rendezvous_key(&u.expr),
        Expr::Paren(p) => rendezvous_key(&p.expr),
        Expr::Group(g) => rendezvous_key(&g.expr),
        other => other.to_token_stream().to_string(),
    }
}

fn is_rendezvous_name(e: &Expr, names: &HashSet<String>) -> bool {
    let e = match e {
        Expr::Reference(r) => &*r.expr,
        other => other,
    };
    match e {
        Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| names.contains(&i.to_string())),
        Expr::Field(f) => {
            matches!(&f.member, syn::Member::Named(n) if names.contains(&n.to_string()))
        }
        _ => false,
    }
}

/// Whether `e` can be a slot place (see `slot_template`).
fn is_place(e: &Expr) -> bool {
    match e {
        Expr::Path(p) => p.path.get_ident().is_some(),
        Expr::Field(f) => is_place(&f.base),
        Expr::Index(ix) => is_place(&ix.expr),
        Expr::Paren(p) => is_place(&p.expr),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && is_place(&u.expr),
        _ => false,
    }
}

fn store_stmt(list: &Ident, closure: TokenStream) -> Stmt {
    syn::parse_quote!(#list.store_returned(#closure);)
}

fn make_with_slot(maker: TokenStream, list: &Ident, captures: Vec<Expr>) -> Expr {
    let ev = Ident::new("__tame_ev", Span::mixed_site());
    let slot = Ident::new("__tame_slot", Span::mixed_site());
    syn::parse_quote!({
        let (#ev, #slot) = #maker;
        #list.push(#slot, (#(#captures,)*));
        #ev
    })
}

/// A slot place with its index expressions replaced by captures:
/// `a[i].x` → `a[__tame_c0].x`, with `i` pushed to `captures`.
fn slot_template(place: &Expr, captures: &mut Vec<Expr>) -> syn::Result<TokenStream> {
    match place {
        Expr::Path(p) if p.path.get_ident().is_some() => Ok(p.to_token_stream()),
        Expr::Field(f) => {
            let base = slot_template(&f.base, captures)?;
            let member = &f.member;
            Ok(quote!(#base.#member))
        }
        Expr::Index(ix) => {
            let base = slot_template(&ix.expr, captures)?;
            let c = format_ident!("__tame_c{}", captures.len(), span = Span::mixed_site());
            captures.push((*ix.index).clone());
            Ok(quote!(#base[#c]))
        }
        Expr::Paren(p) => slot_template(&p.expr, captures),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            let inner = slot_template(&u.expr, captures)?;
            Ok(quote!((*#inner)))
        }
        other => Err(syn::Error::new_spanned(
            other,
            "a mkevent! slot must be a place: a variable, a field (x.y), an index (a[i]) or a combination; \
             the event's value is stored there when the function resumes",
        )),
    }
}

impl VisitMut for EventRewriter<'_> {
    fn visit_stmt_mut(&mut self, s: &mut Stmt) {
        if let Stmt::Macro(m) = s {
            match parse::which(&m.mac) {
                Some(Which::Twait) => return self.rewrite_twait_block(&mut m.mac),
                Some(Which::Mkevent) => {
                    if let Some(e) = self.mkevent(&m.mac) {
                        *s = Stmt::Expr(e, Some(Default::default()));
                    }
                    return;
                }
                _ => {}
            }
        }
        visit_mut::visit_stmt_mut(self, s);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Macro(m) = e {
            match parse::which(&m.mac) {
                Some(Which::Twait) => return self.rewrite_twait_block(&mut m.mac),
                Some(Which::Mkevent) => {
                    if let Some(new) = self.mkevent(&m.mac) {
                        *e = new;
                    }
                    return;
                }
                _ => {}
            }
        }
        visit_mut::visit_expr_mut(self, e);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // tvars! holds lets whose initializers may make events (rare);
        // other macros' tokens are left alone.
        if parse::which(m) == Some(Which::Tvars) {
            self.note_path(m);
            if let Ok(mut stmts) = parse::tvars_stmts(m) {
                for s in &mut stmts {
                    self.visit_stmt_mut(s);
                }
                m.tokens = quote!(#(#stmts)*);
            }
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
