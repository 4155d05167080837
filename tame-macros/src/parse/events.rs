//! `mkevent!`: the code that makes an event, and the slot sites whose
//! values are stored when the function resumes.
//!
//! Tame's C++ events wrote straight into the waiting function's
//! variables. Here the variables move in and out of the state between
//! resumes, so an event carries its value in its own cell (a `Slot`), the
//! slot goes into the site's slot list next to the index values the place
//! needed when the event was made (Tame took the address then), and the
//! wait that resumes the function moves each value into its place.
//!
//! The resolver (`plain.rs`) meets `mkevent!` in ordinary code and calls
//! the methods here, which extend it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::Expr;

use super::plain::{Resolver, Use};
use super::syntax;
use crate::ir::{BindingId, RendezvousKey, SlotOwner, SlotSite, TempKind};

impl Resolver<'_, '_> {
    /// `mkevent!()` or `mkevent!(slot, ..)` inside `twait! {}`.
    ///
    /// Input: `mkevent!(a[i])`. Output:
    /// `{ let (ev, slot) = join_event_with_slot(cx); SlotList::push(&mut list, slot, (i,)); ev }`
    /// and a slot site storing into `a[c0]` at the block's wait.
    pub fn mkevent_join(&mut self, places: &mut [Expr], span: Span) -> Option<Expr> {
        let cx = self.b.cx.clone();
        self.b.join_events += 1;
        if places.is_empty() {
            return Some(syn::parse_quote_spanned!(span=> ::tame::__private::join_event(#cx)));
        }
        let wait = self.b.in_wait?;
        let place_spans: Vec<Span> = places.iter().map(syn::spanned::Spanned::span).collect();
        let Site {
            id: site,
            list,
            captures,
            again,
        } = self.slot_site(places, SlotOwner::Join(wait), span)?;
        let list_ident = self.b.f.bindings[list].ident.clone();
        if let (Some(scope), false) = (self.b.wait_scope, again) {
            let roots = self.b.f.slot_sites[site].roots.clone();
            for (i, root) in roots.into_iter().enumerate() {
                let Some(root) = root else { continue };
                if self.b.f.bindings[root].scope == scope {
                    self.b.errors.push(syn::Error::new(
                        place_spans.get(i).copied().unwrap_or(span),
                        "this slot is declared inside the twait! block, so it is gone by the time the \
                         event's value is stored (after the wait); declare it before the twait!",
                    ));
                }
            }
            self.b.wait_lists.push(site);
            if let Some(key) = self.b.f.slot_sites[site].place_key() {
                self.slot_made(key);
            }
        }
        let maker = quote_spanned!(span=> ::tame::__private::join_event_with_slot(#cx));
        Some(with_slot(maker, &list_ident, captures, span))
    }

    /// `mkevent!(r, id)` or `mkevent!(r, id, slot, ..)`.
    ///
    /// Input: `mkevent!(r, id, a[i])`. Output: `inbox_event(&mut inbox, RendezvousId { rendezvous: &r, __tame_id: id }, (i,))`,
    /// and a slot site storing into `a[c0]` at each `twait!(r)`.
    pub fn mkevent_explicit(
        &mut self,
        rdv: Expr,
        id: Expr,
        places: &mut [Expr],
        key: RendezvousKey,
        span: Span,
    ) -> Option<Expr> {
        // As a struct literal: see `tame::__private::RendezvousId`.
        let rid = quote_spanned!(span=>
            ::tame::__private::RendezvousId { rendezvous: &(#rdv), __tame_id: #id });
        if places.is_empty() {
            return Some(syn::parse_quote_spanned!(span=>
                ::tame::__private::rendezvous_event(#rid)));
        }
        let Site {
            list,
            captures,
            again,
            ..
        } = self.slot_site(places, SlotOwner::Rendezvous(key), span)?;
        // An explicit site may be waited on anywhere later: its inbox lives
        // from the function's start.
        if !again {
            self.b.declare_at_start(list);
        }
        let list = self.b.f.bindings[list].ident.clone();
        Some(syn::parse_quote_spanned!(span=>
            ::tame::__private::inbox_event(&mut #list, #rid, (#(#captures,)*))))
    }

    /// Records a slot site, or takes the next of a construct parsed again.
    fn slot_site(&mut self, places: &mut [Expr], owner: SlotOwner, span: Span) -> Option<Site> {
        let mut captures = Vec::new();
        let mut templates = Vec::new();
        let mut roots = Vec::new();
        for place in places.iter() {
            match template(self, place, &mut captures) {
                Ok((t, root)) => {
                    templates.push(t);
                    roots.push(root);
                }
                Err(e) => {
                    self.b.errors.push(e);
                    return None;
                }
            }
        }
        for c in &mut captures {
            self.expr(c, Use::Consume);
        }
        if let Some(id) = self.b.sites_again.as_mut().and_then(Iterator::next) {
            return Some(Site {
                id,
                list: self.b.f.slot_sites[id].list,
                captures,
                again: true,
            });
        }
        let list = self.b.temp(TempKind::Slots);
        let stmt_cfg = if captures.is_empty() || !matches!(owner, SlotOwner::Join(_)) {
            Vec::new()
        } else {
            self.b.block_stmt_cfg.clone()
        };
        self.b.f.slot_sites.push(SlotSite {
            list,
            places: templates,
            captures: captures.len(),
            roots,
            owner,
            certain: false,
            under_timeout: self.b.in_with_timeout,
            stmt_cfg,
            span,
        });
        Some(Site {
            id: self.b.f.slot_sites.len() - 1,
            list,
            captures,
            again: false,
        })
    }

    /// What pairs `mkevent!(r, ..)` with `twait!(r)`: the binding and field
    /// path `r` names (through `&`, `*` and parentheses), or its tokens.
    pub fn rendezvous_key(&self, e: &Expr) -> RendezvousKey {
        fn strip(e: &Expr) -> &Expr {
            match e {
                Expr::Reference(x) => strip(&x.expr),
                Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
                Expr::Paren(p) => strip(&p.expr),
                Expr::Group(g) => strip(&g.expr),
                other => other,
            }
        }
        fn path(r: &Resolver, e: &Expr) -> Option<(BindingId, Vec<String>)> {
            match strip(e) {
                Expr::Path(_) => {
                    let ident = syntax::as_ident(strip(e))?;
                    let b = r.lookup(&ident.to_string())?;
                    Some((b, Vec::new()))
                }
                Expr::Field(f) => {
                    let (b, mut fields) = path(r, &f.base)?;
                    fields.push(f.member.to_token_stream().to_string());
                    Some((b, fields))
                }
                _ => None,
            }
        }
        fn root(r: &Resolver, e: &Expr) -> Option<BindingId> {
            match strip(e) {
                Expr::Path(_) => r.lookup(&syntax::as_ident(strip(e))?.to_string()),
                Expr::Field(f) => root(r, &f.base),
                Expr::Index(i) => root(r, &i.expr),
                Expr::MethodCall(m) => root(r, &m.receiver),
                _ => None,
            }
        }
        match path(self, e) {
            Some((b, fields)) => RendezvousKey::Binding(b, fields),
            None => RendezvousKey::Tokens(strip(e).to_token_stream().to_string(), root(self, e)),
        }
    }
}

/// A slot site, as [`Resolver::slot_site`] found it.
struct Site {
    id: usize,
    /// Its slot list.
    list: BindingId,
    /// The capture expressions (walked for their effects).
    captures: Vec<Expr>,
    /// Recorded by an earlier parse of the same code (see
    /// `Builder::sites_again`): its list is declared, and the block's
    /// certainty judged, by that parse.
    again: bool,
}

/// The block is located at the `mkevent!` (`span`): an event passed where
/// it does not go is reported there (at `#[tamed]`, rustc suggested
/// swapping the arguments into `double(5, #[tamed])`).
fn with_slot(
    maker: TokenStream,
    list: &proc_macro2::Ident,
    captures: Vec<Expr>,
    span: Span,
) -> Expr {
    let ev = syntax::hygienic("__tame_ev");
    let slot = syntax::hygienic("__tame_slot");
    let mut tail = ev.clone();
    tail.set_span(ev.span().located_at(span));
    syn::parse_quote_spanned!(span=> {
        let (#ev, #slot) = #maker;
        ::tame::__private::SlotList::push(&mut #list, #slot, (#(#captures,)*));
        #tail
    })
}

/// A slot place with its index expressions replaced by captures
/// (`a[i].x` → `a[__tame_c0].x`, with `i` pushed to `captures`), and the
/// binding it stores into.
fn template(
    r: &mut Resolver,
    place: &Expr,
    captures: &mut Vec<Expr>,
) -> syn::Result<(TokenStream, Option<BindingId>)> {
    match place {
        Expr::Infer(u) => Ok((u.to_token_stream(), None)),
        Expr::Path(p) if p.path.get_ident().is_some() => {
            let ident = p.path.get_ident().cloned();
            let Some(ident) = ident else {
                return Ok((p.to_token_stream(), None));
            };
            match r.lookup(&ident.to_string()) {
                Some(b) => {
                    let used = r.b.use_ident(b, ident.span());
                    Ok((used.to_token_stream(), Some(b)))
                }
                // Declared in the statement that makes the event (a block
                // of ordinary code, ended before any wait stores it).
                None if r.is_hidden(&ident.to_string()) => Err(syn::Error::new_spanned(
                    place,
                    format!(
                        "`{ident}` is declared inside this statement's block, which ends before \
                         the twait! that stores the event's value in it; declare `{ident}` before \
                         the block"
                    ),
                )),
                None => Err(syn::Error::new_spanned(
                    place,
                    "a mkevent! slot must be a variable of the tamed function declared before the twait!; \
                     its value is stored there when the function resumes",
                )),
            }
        }
        Expr::Field(f) => {
            let (base, root) = template(r, &f.base, captures)?;
            let member = &f.member;
            Ok((quote!(#base.#member), root))
        }
        Expr::Index(ix) => {
            let (base, root) = template(r, &ix.expr, captures)?;
            // At the user's index: an index of the wrong type is reported
            // there (the same error as the lint shadow's), not at `#[tamed]`.
            let at = Span::mixed_site().located_at(syn::spanned::Spanned::span(&*ix.index));
            let c = format_ident!("__tame_c{}", captures.len(), span = at);
            captures.push((*ix.index).clone());
            // The user's brackets: a store into the place that does not
            // type-check is reported at the slot, not at `#[tamed]`.
            let mut index = proc_macro2::Group::new(
                proc_macro2::Delimiter::Bracket,
                c.to_token_stream(),
            );
            index.set_span(ix.bracket_token.span.join());
            Ok((quote!(#base #index), root))
        }
        Expr::Paren(p) => template(r, &p.expr, captures),
        // A place a `macro_rules!` spliced in (`mkevent!($slot)`).
        Expr::Group(g) => template(r, &g.expr, captures),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            let (inner, root) = template(r, &u.expr, captures)?;
            Ok((quote!((*#inner)), root))
        }
        // `mkevent!(n?)`, `mkevent!(n.expect(".."))`: what rustc suggests
        // for a slot of the wrong type, as it would for a call's value.
        taken_apart if unwraps_a_place(taken_apart) => {
            let place = match taken_apart {
                Expr::Try(t) => t.expr.to_token_stream(),
                Expr::MethodCall(m) => m.receiver.to_token_stream(),
                other => other.to_token_stream(),
            };
            Err(syn::Error::new_spanned(
                taken_apart,
                format!(
                    "a mkevent! slot is where the event's value goes, whole: it cannot be taken \
                     apart there (`?`, `.unwrap()`, `.expect(..)`); give `{place}` the event's \
                     whole type (for a read, `io::Result<usize>`, with a value such as `Ok(0)`; \
                     for an event `add_timeout` wraps, `Result<T, Timeout>` around the \
                     operation's `T`, such as `Result<io::Result<TcpStream>, Timeout>`) and \
                     take it apart after the twait (`{place}?`)"
                ),
            ))
        }
        other => Err(syn::Error::new_spanned(
            other,
            "a mkevent! slot must be a place: a variable, a field (x.y), an index (a[i]) or a combination, \
             or `_` to drop that value; the event's value is stored there when the function resumes",
        )),
    }
}

/// Whether a slot is a place taken apart (`n?`, `n.unwrap()`,
/// `n.expect("..")`), as rustc's help for a slot of the wrong type writes.
fn unwraps_a_place(e: &Expr) -> bool {
    match e {
        Expr::Try(t) => matches!(&*t.expr, Expr::Path(_) | Expr::Field(_) | Expr::Index(_)),
        Expr::MethodCall(m) => {
            matches!(m.method.to_string().as_str(), "unwrap" | "expect")
                && matches!(
                    &*m.receiver,
                    Expr::Path(_) | Expr::Field(_) | Expr::Index(_)
                )
        }
        _ => false,
    }
}
