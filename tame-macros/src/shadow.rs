//! The lint shadow: the user's body as a plain closure that rustc
//! type-checks and lints but that never runs.
//!
//! The machine moves the function's variables in and out of its state,
//! which hides from rustc what it would say about the body as written (an
//! unused variable, an unneeded `mut`, unreachable code). So next to the
//! machine goes the body itself, with each twait and event replaced by a
//! stand-in that has the same types and the same effect on variables: a
//! `twait!(r)` reads `r` and gives an `Option<I>`, an event's slot is
//! written where the wait ends. rustc's lints and errors about the user's
//! code then come from this copy, once, in the user's terms; the machine
//! carries the allowances for what its own rearrangement would trigger.
//!
//! The same body is what a rejected function expands to, so rustc's own
//! errors in it still show next to the translator's.

use std::collections::HashSet;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Pat, Stmt};

use crate::parse::macros::{self, is_slot, Which};
use crate::parse::syntax;

/// The shadow of a body: its statements with our macros replaced.
///
/// `rendezvous`: names declared as rendezvous (how `mkevent!(x, y)` in a
/// `twait!{}` block is told apart from two slots, as `parse` does).
/// `try_reported`: the check reported each `?` of the body (outside
/// closures), so the shadow's copy of it says nothing more. `params`:
/// the function's, whose names hide those of the body's `let`s elsewhere
/// (a parameter `r: u32` is no rendezvous for a block's `let r =
/// Rendezvous::new()`).
pub fn body(
    params: &Punctuated<syn::FnArg, syn::Token![,]>,
    stmts: &[Stmt],
    rendezvous: &HashSet<String>,
    try_reported: bool,
) -> TokenStream {
    let new = || Shadow {
        try_reported,
        rendezvous,
        phantoms: Vec::new(),
        block: None,
        sites: Vec::new(),
        site_loops: Vec::new(),
        site_lets: Vec::new(),
        site_rendezvous: Vec::new(),
        later: Vec::new(),
        lets_seen: 0,
        loops: Vec::new(),
        loops_seen: 0,
        scopes: vec![param_scope(params)],
        local_types: Vec::new(),
        consumed: HashSet::new(),
        hidden_at_wait: HashSet::new(),
        written_at_wait: HashSet::new(),
        needed_mut: HashSet::new(),
        unwritten: HashSet::new(),
    };
    let mut stmts = stmts.to_vec();
    tvars_as_lets(&mut stmts);
    stmts.retain(|s| !matches!(s, Stmt::Item(_)));
    // The first pass only finds the rendezvous sites (the same walk, so
    // the same phantoms).
    let mut first = new();
    for s in &mut stmts.clone() {
        first.visit_stmt_mut(s);
    }
    let mut sh = new();
    // The slots of a site that no wait can name (each wait on its
    // rendezvous comes where another `let` hides one of them) are not
    // written in the shadow, though the machine assigns them: their `mut`
    // is needed. (Written where the event is made, they would conflict
    // with a borrow of the slot still alive there, which the machine's
    // store at the wait does not.)
    sh.unwritten = &first.hidden_at_wait - &first.written_at_wait;
    sh.needed_mut = (sh.unwritten.iter())
        .filter_map(|&i| first.site_lets.get(i))
        .flatten()
        .flatten()
        .copied()
        .collect();
    sh.later = (first.sites.into_iter().zip(first.site_loops))
        .zip(first.site_lets)
        .zip(first.site_rendezvous)
        .map(|(((site, loops), lets), rendezvous)| LaterSite {
            site,
            loops,
            lets,
            rendezvous,
        })
        .collect();
    for s in &mut stmts {
        sh.visit_stmt_mut(s);
    }
    let phantoms = sh
        .phantoms
        .iter()
        .map(|p| quote!(let #p = ::tame::__private::Phantom::new();));
    quote!(#(#phantoms)* #(#stmts)*)
}

/// Each `tvars!` statement of `stmts` as its `let`s, in its place: the
/// function's own at its top, and a misplaced one (reported), whose
/// variables the statements after it then still name, as its author
/// meant (in a block of their own, each use would be a second error,
/// "cannot find value").
fn tvars_as_lets(stmts: &mut Vec<Stmt>) {
    if !(stmts.iter()).any(|s| matches!(macros::stmt_macro(s), Some((_, Which::Tvars)))) {
        return;
    }
    *stmts = std::mem::take(stmts)
        .into_iter()
        .flat_map(|s| match macros::stmt_macro(&s) {
            Some((mac, Which::Tvars)) => macros::tvars_stmts(mac).0,
            _ => vec![s],
        })
        .collect();
}

/// A site that may write its block's places first (see
/// [`BlockSites::placed`]): its phantom, and its statement's `cfg`
/// predicate.
type FirstSite = (Ident, Option<TokenStream>);

/// The slot sites of a `twait! {}` block being replaced.
#[derive(Default)]
struct BlockSites {
    /// The phantom of each site, with the `#[cfg(..)]`s of its statement.
    phantoms: Vec<(Ident, TokenStream)>,
    /// What follows the block's statements: a write per place (or a tie of
    /// a later site's value to the first's).
    writes: Vec<TokenStream>,
    /// The places written so far (their tokens), with the sites that may
    /// write them first, in order: each site's phantom and the predicate
    /// of its statement's `#[cfg(..)]`s (`None`: in every build, so that
    /// no site after it writes them).
    placed: Vec<(String, Vec<FirstSite>)>,
    /// The predicate of the `#[cfg(..)]`s of the block's statement being
    /// visited, if it has any.
    stmt_cfg: Option<TokenStream>,
    /// The `#[cfg(..)]`s of the statements and arms around the site being
    /// visited, inside the block: the phantom of a site that writes its
    /// places where its event is made is declared under them (in a build
    /// without the site, nothing would give it a type).
    nested_cfg: Vec<syn::Attribute>,
    /// The variables without a value its sites fill where their events
    /// are made: they have one after the block (see
    /// [`Shadow::mark_assigned`]).
    filled: Vec<String>,
}

/// An explicit-rendezvous site: the rendezvous' tokens (see [`key`]), the
/// phantom of its value, its slots.
type Site = (String, Ident, Vec<Expr>);

/// A site of `Shadow::later`: the site, the loops it is in, and which
/// `let` (see [`Declared::id`]) each of its slots' variables is.
struct LaterSite {
    site: Site,
    loops: Vec<usize>,
    lets: Vec<Option<usize>>,
    rendezvous: Option<usize>,
}

/// A name a `let` declared.
struct Declared {
    /// The `let`'s binding, numbered in the order the walk meets them.
    id: usize,
    name: String,
    /// Without a value.
    uninit: bool,
    /// Given one by an assignment since (`x = 5;`, on some path at
    /// least: a slot assigned on some paths only is the translator's
    /// error).
    assigned: bool,
    /// As a `Rendezvous` (by its type or value).
    rendezvous: bool,
    /// `mut x`.
    mutable: bool,
    /// A `Rendezvous` itself, not a value with one in it (see
    /// [`Shadow::is_a_rendezvous`]).
    itself: bool,
    /// A plain value by its initializer or written type (`let mut a = 0;`),
    /// as the translator judges one: an event of it as a rendezvous
    /// (`mkevent!(a, b)` outside a `twait! {}` block) was reported.
    plain: bool,
}

struct Shadow<'a> {
    rendezvous: &'a HashSet<String>,
    /// Phantoms of explicit-rendezvous sites, declared at the top.
    phantoms: Vec<Ident>,
    /// The `twait! {}` block being replaced: its phantoms and slot writes.
    block: Option<BlockSites>,
    /// Explicit-rendezvous sites: (rendezvous tokens, phantom, places).
    sites: Vec<Site>,
    /// The loops each site of `sites` is in (see `loops`).
    site_loops: Vec<Vec<usize>>,
    /// The `let`s of each site's slots' variables (see [`LaterSite`]).
    site_lets: Vec<Vec<Option<usize>>>,
    /// The `let` of each site's rendezvous (its root variable's), if one
    /// declared it: a `twait!(r)` stores the sites of the `r` it names,
    /// not those of another `r` of a block before it.
    site_rendezvous: Vec<Option<usize>>,
    /// Every site of the body, from a first pass, in the order this pass
    /// meets them, each with its loops: a `twait!(r)` in a loop also
    /// writes the slots of the sites later in that loop (`loop { let id =
    /// twait!(r); .. start(mkevent!(r, k, x)); }`), whose events the
    /// machine stores there on the next turns.
    later: Vec<LaterSite>,
    /// How many `let` bindings were met so far.
    lets_seen: usize,
    /// The loops open here, innermost last, by number.
    loops: Vec<usize>,
    /// How many loops were entered so far.
    loops_seen: usize,
    /// Names declared by `let`, per open block.
    scopes: Vec<Vec<Declared>>,
    /// The types and traits the open inner blocks declare (see
    /// [`left_out`]).
    local_types: Vec<String>,
    /// Names passed by value in the current `twait! {}` block.
    consumed: HashSet<String>,
    /// The sites (by their index in `sites`) a `twait!(r)` on their
    /// rendezvous met while another `let` hid a slot's variable, and
    /// those one stored.
    hidden_at_wait: HashSet<usize>,
    written_at_wait: HashSet<usize>,
    /// The `let`s (see [`Declared::id`]) of slots the first pass found
    /// hidden at every wait that met their site: their `let` allows
    /// `unused_mut` (see [`body`]).
    needed_mut: HashSet<usize>,
    /// Those sites (by their index in `sites`): their slots' types are
    /// tied to their event's where it is made (see [`tie`]).
    unwritten: HashSet<usize>,
    /// A `?` of the body (outside closures) is one the check reported:
    /// the function returns nothing, or nothing `?` returns through.
    try_reported: bool,
}

impl Shadow<'_> {
    fn next_phantom(&self) -> Ident {
        let n = self.phantoms.len() + self.block.as_ref().map_or(0, |b| b.phantoms.len());
        format_ident!(
            "__tame_p{}_{}",
            n,
            self.sites.len(),
            span = Span::mixed_site()
        )
    }

    /// The writes at a `twait!(r)` (`r` spelled `k`) of the sites of `r`
    /// later in a loop around it: those the loop's next turns make, whose
    /// values this wait may store. Only sites whose slots are variables
    /// with a value, the very `let`s visible here (a slot declared later
    /// in the loop is another variable each turn, whatever its name).
    fn writes_of_later_sites(&self, k: &str, rendezvous: Option<usize>) -> Vec<TokenStream> {
        let here = |p: &Expr, at: &Option<usize>| match p {
            Expr::Infer(_) => true,
            _ => {
                let now = root_name(p).and_then(|n| self.declared(&n)).map(|d| d.id);
                at.is_some() && now == *at && !self.uninit(p)
            }
        };
        (self.later.iter().skip(self.sites.len()))
            .filter(|l| {
                let (rk, _, places) = &l.site;
                rk == k
                    && l.rendezvous == rendezvous
                    && l.loops.iter().any(|lp| self.loops.contains(lp))
                    && places.iter().zip(&l.lets).all(|(p, at)| here(p, at))
            })
            .map(|l| self.writes(&l.site.2, &l.site.1, false))
            .collect()
    }

    /// The `let` that declared the variable `e` starts with, if it is
    /// one of the body's (see [`Declared::id`]).
    fn let_of(&self, e: &Expr) -> Option<usize> {
        let e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Group(g) => &g.expr,
            e => e,
        };
        root_name(e).and_then(|n| self.declared(&n)).map(|d| d.id)
    }

    /// Whether a slot's variable is hidden here by another `let` of its
    /// name (`let got = got.to_string();` after the wait that filled it):
    /// a later wait on the rendezvous stores into the variable the site
    /// named, which the shadow cannot name here, and the new one keeps
    /// its value. (A variable out of scope here is the translator's error,
    /// reported at the site.)
    fn hidden(&self, places: &[Expr], lets: &[Option<usize>]) -> bool {
        places
            .iter()
            .zip(lets)
            .any(|(p, at)| match (p, self.let_of(p)) {
                (Expr::Infer(_), _) => false,
                (_, Some(now)) => Some(now) != *at,
                (_, None) => false,
            })
    }

    /// The variable `name` (the innermost so named) has a value from here
    /// on.
    fn mark_assigned(&mut self, name: &str) {
        if let Some(d) = self.declared_mut(name) {
            d.assigned = true;
        }
    }

    /// The innermost declaration of `name`, to update.
    fn declared_mut(&mut self, name: &str) -> Option<&mut Declared> {
        (self.scopes.iter_mut().rev())
            .find_map(|scope| scope.iter_mut().rev().find(|d| d.name == name))
    }

    /// Whether a slot's variable is declared without a value (then the
    /// wait assigns it; otherwise it may keep its old value).
    fn uninit(&self, place: &Expr) -> bool {
        let Some(root) = root_name(place) else {
            return false;
        };
        self.declared(&root).is_some_and(|d| {
            d.uninit && !d.assigned && matches!(unparenthesized(place), Expr::Path(_))
        })
    }

    /// The innermost `let` of `name` open here, if any.
    fn declared(&self, name: &str) -> Option<&Declared> {
        self.scopes
            .iter()
            .rev()
            .find_map(|scope| scope.iter().rev().find(|d| d.name == name))
    }

    /// The write of a slot's value where its wait ends: an assignment if
    /// the place has no value then (declared without one, or moved into
    /// the operation: `read(buf, mkevent!(buf, n))`), else a store that
    /// may keep the old value (an event can come back empty). `exact`: the
    /// write stands where the machine stores (a `twait! {}` block's end),
    /// not at each `twait!(r)` that might.
    fn write(&self, place: &Expr, value: TokenStream, exact: bool) -> TokenStream {
        if let Expr::Infer(u) = place {
            return quote_spanned!(u.span()=> _ = #value;);
        }
        let moved = root_name(place).is_some_and(|n| self.consumed.contains(&n));
        // (A variable in parentheses, `(a)`, is the variable.)
        let variable = matches!(unparenthesized(place), Expr::Path(_));
        if self.uninit(place) || (moved && variable) {
            quote_spanned!(place.span()=> #place = #value;)
        } else if exact || !variable {
            // The old value is read (kept if the event comes back empty),
            // then the new one assigned: rustc's "value assigned is never
            // read" reports a slot that nothing reads after its wait, as it
            // would the plain function's `res = write_all(..);`, and a
            // value of the wrong type is the plain assignment's error. A
            // statement (`;`): the last of a stand-in block is no tail of
            // the user's (clippy's `semicolon_if_nothing_returned`).
            quote_spanned!(place.span()=>
                #[allow(clippy::used_underscore_binding)]
                {
                    let _ = &#place;
                    #place = #value;
                };
            )
        } else {
            // A variable filled at some `twait!(r)`, written at each one
            // that might: a store that may keep the old value, and is no
            // assignment for rustc, which would take the writes at the
            // other waits for values never read. It stands for an
            // assignment (`_x = v`), which is no use of an `_x` for clippy.
            quote_spanned!(place.span()=>
                #[allow(clippy::used_underscore_binding)]
                {
                    *::tame::__private::shadow_store(&mut #place) = #value;
                };
            )
        }
    }

    fn writes(&self, places: &[Expr], phantom: &Ident, exact: bool) -> TokenStream {
        // The value is located at the slot (its names keep their
        // hygiene): a slot of the wrong type is reported there, not at
        // `#[tamed]`.
        let at = |p: &Expr| {
            let mut ph = phantom.clone();
            ph.set_span(phantom.span().located_at(p.span()));
            ph
        };
        // The value is `phantom_value(&ph)`, which begins with a path
        // spanned at the slot: an assignment whose value begins with the
        // phantom's name (its span mixed-site) is the macro's for rustc's
        // liveness lint, which then says nothing of a value without drop
        // glue that is never read.
        // It is spanned at the place's last token (the whole place when it
        // is one): rustc's "try using a conversion method" goes after the
        // value's span, which must then be after the place
        // (`s.x.to_string()`, not `s.to_string().x`).
        let end =
            |p: &Expr| (p.to_token_stream().into_iter().last()).map_or(p.span(), |t| t.span());
        let value =
            |p: &Expr, ph: &Ident| quote_spanned!(end(p)=> ::tame::__private::phantom_value(&#ph));
        if places.len() == 1 {
            let p = &places[0];
            let ph = at(p);
            return self.write(p, value(p, &ph), exact);
        }
        places
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // The field at the slot: a slot more than the value has is
                // reported there ("no field `2`").
                let i = syn::Index {
                    index: i as u32,
                    span: end(p),
                };
                let ph = at(p);
                let v = value(p, &ph);
                self.write(p, quote_spanned!(end(p)=> #v.#i), exact)
            })
            .collect()
    }

    /// The writes of a site's places where its event is made. The value's
    /// type is not known there yet (the event is made after, and passed on
    /// later), so a value of several places is taken apart by a pattern,
    /// which needs no type, not by fields.
    fn writes_at_site(&self, places: &[Expr], phantom: &Ident, span: Span) -> TokenStream {
        if places.len() == 1 {
            return self.writes(places, phantom, true);
        }
        let parts: Vec<Ident> = (0..places.len())
            .map(|i| format_ident!("__tame_part{}", i, span = Span::mixed_site()))
            .collect();
        let writes = places
            .iter()
            .zip(&parts)
            .map(|(p, part)| self.write(p, quote!(#part), true));
        quote_spanned!(span=>
            let (#(#parts,)*) = #phantom.value();
            #(#writes)*
        )
    }

    fn mkevent(&mut self, mac: &syn::Macro) -> Option<Expr> {
        let span = mac.span();
        // A misused `mkevent!` was reported; its stand-in says nothing more.
        let Ok(mut args) = macros::mkevent_args(mac) else {
            let mut args = macros::mkevent_args_lenient(mac);
            for a in &mut args {
                self.visit_expr_mut(a);
            }
            return Some(self.rejected_mkevent(&args, span));
        };
        for a in &mut args {
            self.visit_expr_mut(a);
        }
        let any = self.rejected_mkevent(&args, span);
        let explicit = match &self.block {
            None => true,
            Some(_) => args.len() >= 2 && (self.names_rendezvous(&args[0]) || !is_slot(&args[1])),
        };
        if explicit {
            let plain = || {
                (syntax::as_ident(&args[0]))
                    .and_then(|i| self.declared(&i.to_string()))
                    .is_some_and(|d| d.plain)
            };
            if args.len() < 2 || (self.block.is_none() && plain()) {
                return Some(any);
            }
            let places = args.split_off(2);
            if !places.iter().all(is_slot) {
                return Some(any);
            }
            let (r, id) = (&args[0], &args[1]);
            let rid = quote_spanned!(span=>
                ::tame::__private::RendezvousId { rendezvous: &(#r), __tame_id: #id });
            if places.is_empty() {
                return Some(syn::parse_quote_spanned!(span=>
                    ::tame::__private::shadow_rendezvous_event(#rid)));
            }
            if places.iter().any(has_index) {
                let store = self.closure_store(&places);
                return Some(syn::parse_quote_spanned!(span=>
                    ::tame::__private::shadow_rendezvous_event_with(#rid, #store)));
            }
            if places.iter().any(|p| self.uninit(p)) {
                // A slot with no value yet (an error the translator reports):
                // assigned here, once, so that rustc says nothing more.
                let p = self.next_phantom();
                let writes = self.writes(&places, &p, false);
                let counted = counted(&p, places.len(), span);
                return Some(syn::parse_quote_spanned!(span=> {
                    let #p = ::tame::__private::Phantom::new();
                    #writes
                    ::tame::__private::shadow_rendezvous_event_for(#rid, #counted)
                }));
            }
            let p = self.next_phantom();
            self.phantoms.push(p.clone());
            let tie = (self.unwritten.contains(&self.sites.len())).then(|| tie(&places, &p, span));
            self.sites.push((key(r), p.clone(), places));
            self.site_loops.push(self.loops.clone());
            let lets = (self.sites.last().into_iter())
                .flat_map(|(_, _, places)| places)
                .map(|p| root_name(p).and_then(|n| self.declared(&n)).map(|d| d.id))
                .collect();
            self.site_lets.push(lets);
            self.site_rendezvous.push(self.let_of(r));
            let counted = counted(&p, self.sites.last().map_or(0, |s| s.2.len()), span);
            Some(match tie {
                Some(tie) => syn::parse_quote_spanned!(span=> {
                    #tie
                    ::tame::__private::shadow_rendezvous_event_for(#rid, #counted)
                }),
                None => syn::parse_quote_spanned!(span=>
                    ::tame::__private::shadow_rendezvous_event_for(#rid, #counted)),
            })
        } else if args.is_empty() {
            Some(syn::parse_quote_spanned!(span=> ::tame::__private::shadow_event()))
        } else if !args.iter().all(is_slot) || (args.len() == 1 && self.is_a_rendezvous(&args[0])) {
            // (`mkevent!(r)` of a rendezvous `r`, its id forgotten, was
            // reported.)
            Some(any)
        } else if args.iter().any(|a| self.uninit(a)) {
            // A variable with no value yet is written where its event is
            // made, as a blocking call there would assign it: rustc then
            // judges, as of a plain function, whether it has a value where
            // it is read (a branch that made no event leaves it without).
            // (So is a slot with an index beside it.)
            let p = self.next_phantom();
            let writes = self.writes_at_site(&args, &p, span);
            if let Some(b) = &mut self.block {
                let cfg = &b.nested_cfg;
                b.phantoms.push((p.clone(), quote!(#(#cfg)*)));
            }
            // Given a value here: a later block's slot of it is a store at
            // that block's wait (a borrow of this value may live through
            // that block), which keeps the old value if no event comes (a
            // path that made none), as after `x = v;`; unless the value
            // was moved out whole meanwhile (`let (s, n) = got;`: see
            // `visit_local_mut`).
            // (From the block's end: the other branches of a `match` in
            // the block fill it where their events are made too.)
            let names = (args.iter().filter(|a| matches!(a, Expr::Path(_))))
                .filter_map(syntax::as_ident)
                .map(|i| i.to_string());
            match &mut self.block {
                Some(b) => b.filled.extend(names),
                None => {
                    for name in names.collect::<Vec<_>>() {
                        self.mark_assigned(&name);
                    }
                }
            }
            let at = located(&p, span);
            Some(syn::parse_quote_spanned!(span=> { #writes #at.event() }))
        } else if args.iter().any(has_index) {
            // The index may name a variable of the block's own loop: store
            // where the event is made.
            let store = self.closure_store(&args);
            Some(syn::parse_quote_spanned!(span=> ::tame::__private::shadow_event_with(#store)))
        } else {
            let p = self.next_phantom();
            let places = args.iter().map(key).collect::<Vec<_>>().join(", ");
            // `mkevent!(_)` is no place: such sites are not tied (their
            // values may differ in type, each dropped where it comes).
            let wild = args.iter().all(|a| matches!(a, Expr::Infer(_)));
            let firsts = self
                .block
                .as_ref()
                .filter(|_| !wild)
                .and_then(|b| b.placed.iter().find(|(k, _)| *k == places))
                .map(|(_, firsts)| firsts.clone());
            // Sites of the same places (in the branches of a `match`, say)
            // are written once: the wait fills them from whichever event
            // was made. The others' values are tied to the first's type:
            // in each build, the first site there (one under a `cfg` is
            // not in every build).
            let (w, written) = match &firsts {
                Some(firsts) => {
                    let mut w = TokenStream::new();
                    let mut before: Vec<&TokenStream> = Vec::new();
                    for (first, pred) in firsts {
                        let tie = quote_spanned!(span=>
                            ::tame::__private::shadow_same_value(&#first, &#p););
                        let here = pred.iter().collect::<Vec<_>>();
                        w.extend(if before.is_empty() && here.is_empty() {
                            tie
                        } else {
                            quote!(#[cfg(all(#(#here,)* not(any(#(#before),*))))] { #tie })
                        });
                        before.extend(pred);
                    }
                    let every_build = firsts.iter().any(|(_, pred)| pred.is_none());
                    if !every_build {
                        let writes = self.writes(&args, &p, true);
                        w.extend(quote!(#[cfg(not(any(#(#before),*)))] { #writes }));
                    }
                    (w, !every_build)
                }
                None => (self.writes(&args, &p, true), true),
            };
            if let Some(b) = &mut self.block {
                b.phantoms.push((p.clone(), TokenStream::new()));
                b.writes.push(w);
                if written {
                    let pred = b.stmt_cfg.clone();
                    match b.placed.iter_mut().find(|(k, _)| *k == places) {
                        Some((_, firsts)) => firsts.push((p.clone(), pred)),
                        None => b.placed.push((places, vec![(p.clone(), pred)])),
                    }
                }
            }
            if (2..=MAX_COUNTED).contains(&args.len()) {
                let counted = counted(&p, args.len(), span);
                return Some(syn::parse_quote_spanned!(span=> #counted.event()));
            }
            // At the `mkevent!`: an event passed where it does not go is
            // reported there (at `#[tamed]`, rustc suggested swapping the
            // arguments into `double(5, #[tamed])`).
            let at = located(&p, span);
            Some(syn::parse_quote_spanned!(span=> #at.event()))
        }
    }

    /// The stand-in of a rejected `mkevent!` (the error is reported): an
    /// event of any type that uses its arguments as the macro would have,
    /// so that rustc says nothing more. A `let mut` variable named in it
    /// is taken for a slot the event would fill (`mkevent!(Some(r))`
    /// meant `r`): borrowed mutably, it is not reported as needing no
    /// `mut`. The rest is read, each argument a statement of its own (an
    /// `x as u32` is no operand of `&`, `_` no expression).
    fn rejected_mkevent(&self, args: &[Expr], span: Span) -> Expr {
        let mut uses = Vec::new();
        for a in args {
            if matches!(a, Expr::Infer(_)) {
                continue;
            }
            let mut slots = Vec::new();
            for name in syntax::idents_in(a) {
                let d = self.declared(&name.to_string());
                if d.is_some_and(|d| d.mutable && !d.rendezvous) && !slots.contains(&name) {
                    slots.push(name);
                }
            }
            if slots.is_empty() || !is_slot(a) {
                uses.push(quote_spanned!(a.span()=> let _ = &(#a);));
            }
            uses.extend(
                slots
                    .iter()
                    .map(|n| quote_spanned!(n.span()=> let _ = &mut #n;)),
            );
        }
        syn::parse_quote_spanned!(span=> {
            #(#uses)*
            ::tame::__private::shadow_any_event()
        })
    }

    /// `|v| { *shadow_store(&mut a[i]) = v; }`: a slot with an index, stored
    /// where its event is made. Several slots take the value apart in the
    /// closure's parameter (`|(v0, v1)|`), which tells rustc its type is a
    /// tuple before the stores use its parts; a `_` slot binds nothing.
    fn closure_store(&self, places: &[Expr]) -> TokenStream {
        if let [p] = places {
            let v = syntax::hygienic("__tame_v");
            return quote_spanned!(p.span()=> |#v| { *::tame::__private::shadow_store(&mut #p) = #v; });
        }
        let mut parts = Vec::new();
        let mut stores = Vec::new();
        for (i, p) in places.iter().enumerate() {
            if matches!(p, Expr::Infer(_)) {
                parts.push(quote!(_));
                continue;
            }
            let v = syntax::hygienic(&format!("__tame_v{i}"));
            stores.push(quote_spanned!(p.span()=> *::tame::__private::shadow_store(&mut #p) = #v;));
            parts.push(quote!(#v));
        }
        quote!(|(#(#parts),*)| { #(#stores)* })
    }

    /// Whether `e` names a variable that is a `Rendezvous` itself (as
    /// `parse` tells `mkevent!(r)` with its id forgotten from a slot).
    fn is_a_rendezvous(&self, e: &Expr) -> bool {
        syntax::as_ident(e).is_some_and(|i| {
            let name = i.to_string();
            self.declared(&name)
                .map_or_else(|| self.rendezvous.contains(&name), |d| d.itself)
        })
    }

    fn names_rendezvous(&self, e: &Expr) -> bool {
        let e = match e {
            Expr::Reference(r) => &*r.expr,
            other => other,
        };
        match e {
            // The innermost `let` of the name says (a later `let r = 0;`
            // hides a rendezvous `r`); a parameter, the function's names.
            Expr::Path(_) => syntax::as_ident(e).is_some_and(|i| {
                let name = i.to_string();
                self.declared(&name)
                    .map_or_else(|| self.rendezvous.contains(&name), |d| d.rendezvous)
            }),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => self.rendezvous.contains(&n.to_string()),
                syn::Member::Unnamed(_) => false,
            },
            _ => false,
        }
    }

    /// `twait!` → its stand-in.
    fn twait(&mut self, mac: &syn::Macro) -> Option<Expr> {
        let span = mac.span();
        let form = match macros::twait_form(mac) {
            // `twait!(f(mkevent!()))`, reported by check.rs.
            Ok(macros::TwaitForm::Rendezvous(_))
                if macros::tokens_mention_macro(&mac.tokens, "mkevent") =>
            {
                None
            }
            form => form.ok(),
        };
        let Some(form) = form else {
            // Rejected (and reported): a stand-in of any type, so that the
            // macro itself does not report a second error.
            return Some(syn::parse_quote_spanned!(span=> ::tame::__private::shadow_rejected()));
        };
        match form {
            macros::TwaitForm::Block(mut stmts) => {
                let outer = self.block.replace(BlockSites::default());
                let outer_consumed = std::mem::replace(&mut self.consumed, consumed_names(&stmts));
                self.scopes.push(Vec::new());
                for s in &mut stmts {
                    let before = self
                        .block
                        .as_ref()
                        .map(|b| (b.phantoms.len(), b.writes.len()));
                    if let Some(b) = &mut self.block {
                        b.stmt_cfg = cfg_predicate(s);
                    }
                    self.visit_stmt_mut(s);
                    // The sites of a statement under `#[cfg(..)]` are
                    // declared and written under it too: in a build
                    // without it, their phantoms would have no type and
                    // their writes no variable.
                    let cfg = stmt_cfg(s);
                    if let (Some(b), Some((ps, ws)), false) =
                        (&mut self.block, before, cfg.is_empty())
                    {
                        for p in &mut b.phantoms[ps..] {
                            p.1.extend(cfg.iter().map(|a| a.to_token_stream()));
                        }
                        for w in &mut b.writes[ws..] {
                            *w = quote!(#(#cfg)* { #w });
                        }
                    }
                }
                self.scopes.pop();
                let BlockSites {
                    phantoms: ps,
                    writes: ws,
                    filled,
                    ..
                } = std::mem::replace(&mut self.block, outer).unwrap_or_default();
                self.consumed = outer_consumed;
                for name in filled {
                    self.mark_assigned(&name);
                }
                // The block is a statement: its last expression too (a
                // `match` left as the value of a block statement is an
                // "unnecessary operation" to clippy).
                let n = stmts.len();
                let stmts = stmts.into_iter().enumerate().map(|(i, s)| match s {
                    Stmt::Expr(e, None) if i + 1 == n => Stmt::Expr(e, Some(Default::default())),
                    other => other,
                });
                // A `let` of the block's own may hide a slot declared
                // before it (`let x = "s";` after `mkevent!(x)`): its
                // statements then go in a block of their own, ended before
                // the writes, as the machine drops the block's locals before
                // its wait.
                let stmts: Vec<Stmt> = stmts.collect();
                let stmts = if !ws.is_empty() && stmts.iter().any(|s| matches!(s, Stmt::Local(_))) {
                    quote_spanned!(span=> { #(#stmts)* })
                } else {
                    quote!(#(#stmts)*)
                };
                let ps = ps
                    .iter()
                    .map(|(p, cfg)| quote!(#cfg let #p = ::tame::__private::Phantom::new();));
                // (A slot the parse rejected, as `mkevent!(crate)`, makes
                // writes that are no statements: a stand-in then.)
                let Ok(mut block) = syn::parse2::<syn::ExprBlock>(quote_spanned!(span=> {
                    #(#ps)*
                    #stmts
                    #(#ws)*
                })) else {
                    return Some(
                        syn::parse_quote_spanned!(span=> ::tame::__private::shadow_rejected()),
                    );
                };
                // The block's braces are the macro's own: the stand-in then
                // starts at `{`, not at `twait`, and a lint that reads the
                // text before it finds the macro's name there (clippy's
                // `suspicious_else_formatting` took `if c {..} twait! {..}`
                // on one line for an `if` with its `else` left out). Each
                // brace spans the whole block, as rustc marks a block with
                // no value where one is expected: all of it, not its `}`.
                if let syn::MacroDelimiter::Brace(b) = &mac.delimiter {
                    let mut whole =
                        proc_macro2::Group::new(proc_macro2::Delimiter::Brace, TokenStream::new());
                    whole.set_span(b.span.join());
                    block.block.brace_token = syn::token::Brace(whole.delim_span());
                }
                Some(Expr::Block(block))
            }
            macros::TwaitForm::Rendezvous(mut r) => {
                self.visit_expr_mut(&mut r);
                let k = key(&r);
                let here = self.let_of(&r);
                let mut writes = Vec::new();
                for (i, (((rk, p, places), at), lets)) in (self.sites.iter())
                    .zip(&self.site_rendezvous)
                    .zip(&self.site_lets)
                    .enumerate()
                {
                    if *rk != k || *at != here {
                        continue;
                    }
                    if self.hidden(places, lets) {
                        self.hidden_at_wait.insert(i);
                    } else {
                        self.written_at_wait.insert(i);
                        writes.push(self.writes(places, p, false));
                    }
                }
                writes.extend(self.writes_of_later_sites(&k, here));
                // The rendezvous is taken as the machine takes it, at the
                // same place: a `twait!(x)` on what is not one is one error.
                let rv = quote_spanned!(r.span()=> ::tame::__private::WaitsOn::rendezvous(&(#r)));
                // The call's parentheses at the macro's own closing one: the
                // stand-in then spans `twait!(r)` whole, and a lint that
                // quotes the expression (clippy's `while_let_loop`) quotes
                // that, not `twait`.
                let mut args = Group::new(Delimiter::Parenthesis, rv);
                if let syn::MacroDelimiter::Paren(p) = &mac.delimiter {
                    args.set_span(p.span.close());
                }
                if writes.is_empty() {
                    return Some(syn::parse_quote_spanned!(span=>
                        ::tame::__private::shadow_twait #args));
                }
                let id = syntax::hygienic("__tame_id");
                // The block's value, where an error about its type points
                // (`while c { twait!(r) }`, a `()` expected): at the twait.
                let value = Ident::new("__tame_id", Span::mixed_site().located_at(span));
                Some(syn::parse_quote_spanned!(span=> {
                    let #id = ::tame::__private::shadow_twait #args;
                    #(#writes)*
                    #value
                }))
            }
        }
    }

    /// The arguments of a std macro that takes a list of expressions
    /// (`println!`, `assert_eq!`, `vec![a, b]`), with a twait among them:
    /// each visited as the expression it is, so that a twait's stand-in
    /// writes its slots as anywhere else (and a slot that is not `mut` is
    /// rustc's error, an unneeded `mut` its lint). The same for any macro's
    /// arguments with a `?` the check reported. Returns whether it did.
    fn expression_args(&mut self, mac: &mut syn::Macro) -> bool {
        use syn::punctuated::Punctuated;
        let waits =
            syntax::takes_expression_args(&mac.path) && macros::tokens_mention_twait(&mac.tokens);
        // A reported `?` among any macro's arguments that parse as
        // expressions (the machine takes them so, see check.rs).
        let reported = self.try_reported && macros::tokens_mention_question(&mac.tokens);
        if !waits && !reported {
            return false;
        }
        let Ok(mut args) =
            mac.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        else {
            return false;
        };
        for a in &mut args {
            match a {
                // A format argument's name stays; its value is visited.
                Expr::Assign(a) if syntax::as_ident(&a.left).is_some() => {
                    self.visit_expr_mut(&mut a.right);
                }
                other => self.visit_expr_mut(other),
            }
        }
        mac.tokens = args.into_token_stream();
        true
    }

    fn tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = Vec::with_capacity(trees.len());
        let mut i = 0;
        while i < trees.len() {
            if let TokenTree::Ident(id) = &trees[i] {
                let is_bang =
                    matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                if id == "twait" && is_bang {
                    // A twait inside another macro's arguments (an error
                    // reported): its stand-in says nothing more.
                    if let Some(TokenTree::Group(g)) = trees.get(i + 2) {
                        let inner = self.tokens(g.stream());
                        // A block stands for `twait! {}`, so that the
                        // statements after it need no `;` between.
                        let (delimiter, new) = match g.delimiter() {
                            Delimiter::Brace => (Delimiter::Brace, inner),
                            _ => (
                                Delimiter::Parenthesis,
                                quote!(::tame::__private::shadow_twait(&(#inner))),
                            ),
                        };
                        out.push(TokenTree::Group(Group::new(delimiter, new)));
                        i += 3;
                        continue;
                    }
                }
                if id == "mkevent" && is_bang {
                    let call = match trees.get(i + 2) {
                        Some(TokenTree::Group(g)) => syntax::macro_call(id, g),
                        _ => None,
                    };
                    if let Some(mac) = call {
                        if let Some(new) = self.mkevent(&mac) {
                            out.push(TokenTree::Group(Group::new(
                                Delimiter::Parenthesis,
                                new.to_token_stream(),
                            )));
                            i += 3;
                            continue;
                        }
                    }
                }
            }
            if let TokenTree::Group(g) = &trees[i] {
                let mut ng = Group::new(g.delimiter(), self.tokens(g.stream()));
                ng.set_span(g.span());
                out.push(TokenTree::Group(ng));
            } else {
                out.push(trees[i].clone());
            }
            i += 1;
        }
        out.into_iter().collect()
    }
}

impl Shadow<'_> {
    /// Opens a scope holding the bindings of `pats` (a `for`'s, an arm's,
    /// an `if let`'s, a closure's parameters): a slot's name bound there
    /// is another variable (see [`Shadow::hidden`]).
    fn pattern_scope<'p>(
        &mut self,
        pats: impl IntoIterator<Item = &'p Pat>,
        place: syntax::PatPlace,
    ) {
        let mut scope = Vec::new();
        for pat in pats {
            for b in syntax::pattern_bindings(pat, place) {
                let id = self.lets_seen;
                self.lets_seen += 1;
                scope.push(Declared {
                    id,
                    name: b.ident.to_string(),
                    uninit: false,
                    assigned: false,
                    rendezvous: false,
                    mutable: b.mutable,
                    itself: false,
                    plain: false,
                });
            }
        }
        self.scopes.push(scope);
    }
}

impl Shadow<'_> {
    /// An `if`'s or `while`'s condition, then its block, in which the
    /// condition's `let`s bind.
    fn guarded_block(&mut self, cond: &mut Expr, body: &mut syn::Block) {
        self.visit_expr_mut(cond);
        let pats: Vec<Pat> = condition_lets(cond).into_iter().cloned().collect();
        self.pattern_scope(&pats, syntax::PatPlace::Refutable);
        self.visit_block_mut(body);
        self.scopes.pop();
    }
}

/// The patterns of the `let`s of an `if`/`while` condition (`if let`, a
/// chain of them with `&&`).
fn condition_lets(cond: &Expr) -> Vec<&Pat> {
    match cond {
        Expr::Let(l) => vec![&*l.pat],
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            let mut v = condition_lets(&b.left);
            v.extend(condition_lets(&b.right));
            v
        }
        Expr::Paren(p) => condition_lets(&p.expr),
        _ => Vec::new(),
    }
}

/// What a `twait! {}` block's statements under `#[cfg(..)]` make.
impl Shadow<'_> {
    /// Inside a `twait! {}` block: the `cfg`s of a statement or arm being
    /// visited hold for the sites it makes (see [`BlockSites::nested_cfg`]);
    /// what [`leave_cfgs`](Self::leave_cfgs) takes back.
    fn enter_cfgs(&mut self, attrs: &[syn::Attribute]) -> usize {
        let Some(b) = &mut self.block else {
            return 0;
        };
        let outer = b.nested_cfg.len();
        let cfgs = attrs.iter().filter(|a| a.path().is_ident("cfg"));
        b.nested_cfg.extend(cfgs.cloned());
        outer
    }

    fn leave_cfgs(&mut self, outer: usize) {
        if let Some(b) = &mut self.block {
            b.nested_cfg.truncate(outer);
        }
    }

    fn visit_arm_itself(&mut self, a: &mut syn::Arm) {
        self.pattern_scope([&a.pat], syntax::PatPlace::Refutable);
        if let Some((_, guard)) = &mut a.guard {
            self.visit_expr_mut(guard);
        }
        self.visit_expr_mut(&mut a.body);
        self.scopes.pop();
    }

    fn visit_stmt_itself(&mut self, s: &mut Stmt) {
        if let Stmt::Macro(m) = s {
            let new = match macros::which(&m.mac) {
                Some(Which::Twait) => self.twait(&m.mac),
                Some(Which::Mkevent) => self
                    .mkevent(&m.mac)
                    .map(|e| crate::parse::syntax::spanning_macro(e, &m.mac)),
                Some(Which::Tvars) => {
                    // A misplaced `tvars!` (reported): its `let`s.
                    let (lets, _reported) = macros::tvars_stmts(&m.mac);
                    *s = syn::parse_quote!({ #(#lets)* });
                    return;
                }
                None => {
                    if !self.expression_args(&mut m.mac) {
                        m.mac.tokens = self.tokens(std::mem::take(&mut m.mac.tokens));
                    }
                    return;
                }
            };
            if let Some(mut e) = new {
                // The statement's attributes (lint levels, a doc comment)
                // on the stand-in, as on the statement written.
                if !m.attrs.is_empty() {
                    let attrs = std::mem::take(&mut m.attrs);
                    match crate::parse::syntax::expr_attrs_mut(&mut e) {
                        Some(at) => {
                            at.splice(0..0, attrs);
                        }
                        None => e = syn::parse_quote!(#(#attrs)* { #e }),
                    }
                }
                // A semicolon of the user's span, so that rustc's span of
                // the statement (in "unreachable statement") is the user's.
                let semi = m
                    .semi_token
                    .unwrap_or_else(|| syn::Token![;](m.mac.delimiter.span().close()));
                *s = Stmt::Expr(e, Some(semi));
            }
            return;
        }
        visit_mut::visit_stmt_mut(self, s);
    }
}

impl VisitMut for Shadow<'_> {
    fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
        for a in &mut f.attrs {
            self.visit_attribute_mut(a);
        }
        self.visit_expr_mut(&mut f.expr);
        self.pattern_scope([&*f.pat], syntax::PatPlace::Irrefutable);
        self.visit_block_mut(&mut f.body);
        self.scopes.pop();
    }

    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        let outer = self.enter_cfgs(&a.attrs);
        self.visit_arm_itself(a);
        self.leave_cfgs(outer);
    }

    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        let before = self.assigned_flags();
        self.guarded_block(&mut i.cond, &mut i.then_branch);
        if let Some((_, e)) = &mut i.else_branch {
            // The `else` does not see what the `then` branch assigned
            // (`if let Some(c) = cached { v = c } else { twait! { fetch(
            // mkevent!(v)); } }` fills `v` by its slot, an assignment).
            let then = self.assigned_flags();
            self.set_assigned_flags(&before);
            self.visit_expr_mut(e);
            self.join_assigned_flags(&then);
        }
    }

    fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
        for a in &mut m.attrs {
            self.visit_attribute_mut(a);
        }
        self.visit_expr_mut(&mut m.expr);
        // Each arm sees what was assigned before the `match`, not what
        // the arms before it assigned.
        let before = self.assigned_flags();
        let mut arms = Vec::new();
        for arm in &mut m.arms {
            self.set_assigned_flags(&before);
            self.visit_arm_mut(arm);
            arms.push(self.assigned_flags());
        }
        self.set_assigned_flags(&before);
        for flags in &arms {
            self.join_assigned_flags(flags);
        }
    }

    fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
        self.guarded_block(&mut w.cond, &mut w.body);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        let pats: Vec<Pat> = c.inputs.iter().cloned().collect();
        self.pattern_scope(&pats, syntax::PatPlace::Irrefutable);
        self.visit_expr_mut(&mut c.body);
        self.scopes.pop();
    }

    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        visit_mut::visit_local_mut(self, l);
        // `let (s, n) = got;`: a variable declared without a value, whose
        // value is moved out here, has none again (a slot of it is then
        // written where its event is made, an assignment of the whole).
        if let Some(init) = &l.init {
            let moved = (syntax::as_ident(&init.expr).map(|i| i.to_string()))
                .filter(|_| syntax::binds_by_value(&l.pat, syntax::local_place(l)));
            if let Some(d) = moved.and_then(|n| self.declared_mut(&n)) {
                d.assigned = false;
            }
        }
        let uninit = l.init.is_none();
        let rendezvous = declares_rendezvous(l);
        let itself = rendezvous
            && match &l.pat {
                syn::Pat::Type(t) => rendezvous_type(&t.ty),
                _ => true,
            };
        let plain = !rendezvous && {
            let (pat, ty) = match &l.pat {
                syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
                other => (other, None),
            };
            matches!(pat, syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none())
                && (l.init.as_ref().is_some_and(|i| syntax::copy_like(&i.expr))
                    || ty.is_some_and(syntax::trivially_undroppable_type))
        };
        let mut needs_mut = false;
        for b in syntax::pattern_bindings(&l.pat, syntax::local_place(l)) {
            let id = self.lets_seen;
            self.lets_seen += 1;
            needs_mut |= self.needed_mut.contains(&id);
            if let Some(scope) = self.scopes.last_mut() {
                scope.push(Declared {
                    id,
                    name: b.ident.to_string(),
                    uninit,
                    assigned: false,
                    rendezvous,
                    mutable: b.mutable,
                    itself,
                    plain,
                });
            }
        }
        if needs_mut {
            l.attrs.push(syn::parse_quote!(#[allow(unused_mut)]));
        }
    }

    fn visit_stmt_mut(&mut self, s: &mut Stmt) {
        let attrs = syntax::stmt_attrs(s).to_vec();
        let outer = self.enter_cfgs(&attrs);
        self.visit_stmt_itself(s);
        self.leave_cfgs(outer);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let mark = self.local_types.len();
        self.local_types.extend(declared_types(&b.stmts));
        let local = &self.local_types;
        // The machine moves a waiting block's items to the function's top
        // unless it may declare them again (see `syntax::declared_again`).
        let items: Vec<syn::Item> = (b.stmts.iter())
            .filter_map(|s| match s {
                Stmt::Item(i) => Some(i.clone()),
                _ => None,
            })
            .collect();
        let waits = macros::has_twait(&Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: b.clone(),
        }));
        let hoisted = waits && !syntax::declared_again(&items);
        b.stmts.retain(|s| !left_out(s, local, hoisted));
        tvars_as_lets(&mut b.stmts);
        self.scopes.push(Vec::new());
        visit_mut::visit_block_mut(self, b);
        self.scopes.pop();
        self.local_types.truncate(mark);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if matches!(e, Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_)) {
            self.loops.push(self.loops_seen);
            self.loops_seen += 1;
            self.expr(e);
            self.loops.pop();
        } else {
            self.expr(e);
        }
    }
}

impl Shadow<'_> {
    /// Whether each name declared here was assigned, innermost last: a
    /// branch's own scopes are gone when it ends, so the list is the same
    /// before and after one.
    fn assigned_flags(&self) -> Vec<bool> {
        self.scopes.iter().flatten().map(|d| d.assigned).collect()
    }

    fn set_assigned_flags(&mut self, flags: &[bool]) {
        for (d, f) in self.scopes.iter_mut().flatten().zip(flags) {
            d.assigned = *f;
        }
    }

    /// Assigned after either of two branches: on some path at least.
    fn join_assigned_flags(&mut self, other: &[bool]) {
        for (d, f) in self.scopes.iter_mut().flatten().zip(other) {
            d.assigned |= *f;
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        if let Expr::Assign(a) = e {
            // `x = v;` (or `(x, y) = v;`) of a variable declared without a
            // value: it has one from here on (a slot of it is then a store,
            // not the assignment that would take `x = v` for a value never
            // read).
            let mut names = Vec::new();
            assigned_names(&a.left, &mut names);
            visit_mut::visit_expr_mut(self, e);
            for name in names {
                self.mark_assigned(&name);
            }
            return;
        }
        if let (Expr::Try(t), true) = (&mut *e, self.try_reported) {
            // The check reported this `?`; here it says nothing more.
            self.visit_expr_mut(&mut t.expr);
            let inner = &t.expr;
            *e = syn::parse_quote_spanned!(t.question_token.span=>
                ::tame::__private::shadow_try(#inner));
            return;
        }
        if let Expr::Closure(_) | Expr::Async(_) = e {
            let saved = std::mem::replace(&mut self.try_reported, false);
            let loops = std::mem::take(&mut self.loops);
            visit_mut::visit_expr_mut(self, e);
            self.loops = loops;
            self.try_reported = saved;
            return;
        }
        // An unlabeled `break`/`continue` outside every loop was reported;
        // here, where the body is a closure's, rustc would add "`break`
        // inside of a closure".
        let stray = match e {
            Expr::Break(b) if b.label.is_none() => Some(b.break_token.span),
            Expr::Continue(c) if c.label.is_none() => Some(c.continue_token.span),
            _ => None,
        };
        if let (Some(span), true) = (stray, self.loops.is_empty()) {
            *e = syn::parse_quote_spanned!(span=> ::tame::__private::shadow_rejected());
            return;
        }
        if let Expr::Macro(m) = e {
            let new = match macros::which(&m.mac) {
                Some(Which::Twait) => self.twait(&m.mac),
                Some(Which::Mkevent) => self
                    .mkevent(&m.mac)
                    .map(|e| crate::parse::syntax::spanning_macro(e, &m.mac)),
                Some(Which::Tvars) => None,
                None => {
                    if !self.expression_args(&mut m.mac) {
                        m.mac.tokens = self.tokens(std::mem::take(&mut m.mac.tokens));
                    }
                    return;
                }
            };
            if let Some(new) = new {
                *e = new;
            }
            return;
        }
        visit_mut::visit_expr_mut(self, e);
    }
}

/// What pairs `mkevent!(r, ..)` with `twait!(r)` here: `r`'s tokens
/// without `&`, `*` and parentheses.
fn key(e: &Expr) -> String {
    match e {
        Expr::Reference(x) => key(&x.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => key(&u.expr),
        Expr::Paren(p) => key(&p.expr),
        Expr::Group(g) => key(&g.expr),
        other => other.to_token_stream().to_string(),
    }
}

/// The most slots a site's count is checked for (`Slots` is implemented
/// up to it).
const MAX_COUNTED: usize = 8;

/// `&p`, the phantom of a site of `n` slots, passed where the event is
/// made; for several slots, through a check that the event's value has no
/// more parts than slots (`tame::__private::Slots`): the places take their
/// parts by field, which lets a shorter list of slots compile and drop the
/// rest. Spanned at the `mkevent!`, whose error it is. (A site whose
/// places are taken by a tuple pattern is checked by the pattern.)
/// A phantom's name located at `span`, with its own hygiene.
fn located(p: &Ident, span: Span) -> Ident {
    let mut p = p.clone();
    p.set_span(p.span().located_at(span));
    p
}

/// Ties the types of a site's `places` to its event's (phantom `p`)
/// without writing them (see `Shadow::unwritten`): a value of several
/// places is taken apart by a pattern, which needs no type, not by fields.
fn tie(places: &[Expr], p: &Ident, span: Span) -> TokenStream {
    if let [place] = places {
        return quote_spanned!(span=>
            ::tame::__private::same_type(&(#place), &::tame::__private::phantom_value(&#p)););
    }
    let parts: Vec<Ident> = (0..places.len())
        .map(|i| format_ident!("__tame_part{}", i, span = Span::mixed_site()))
        .collect();
    quote_spanned!(span=>
        let (#(#parts,)*) = #p.value();
        #(::tame::__private::same_type(&(#places), &#parts);)*
    )
}

fn counted(p: &Ident, n: usize, span: Span) -> TokenStream {
    let p = located(p, span);
    if !(2..=MAX_COUNTED).contains(&n) {
        return quote_spanned!(span=> &#p);
    }
    let n = proc_macro2::Literal::usize_unsuffixed(n);
    quote_spanned!(span=> ::tame::__private::shadow_slots::<#n, _>(&#p))
}

fn has_index(e: &Expr) -> bool {
    match e {
        Expr::Index(_) => true,
        Expr::Field(f) => has_index(&f.base),
        Expr::Paren(p) => has_index(&p.expr),
        Expr::Unary(u) => has_index(&u.expr),
        _ => false,
    }
}

/// The variables a block passes by value to a call (`read(buf, ..)`), and
/// the receivers its operations give back (`b.with(x, mkevent!(b))`).
fn consumed_names(stmts: &[Stmt]) -> HashSet<String> {
    struct Find(HashSet<String>);
    impl Find {
        fn arg(&mut self, e: &Expr) {
            if let Some(i) = syntax::as_ident(e) {
                self.0.insert(i.to_string());
            }
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            for a in &c.args {
                self.arg(a);
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            for a in &m.args {
                self.arg(a);
            }
            // `b.with(x, mkevent!(b))`: the receiver given back.
            if let Some(r) = syntax::as_ident(&m.receiver) {
                if m.args.iter().any(|a| macros::refills_receiver(a, r)) {
                    self.0.insert(r.to_string());
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Find(HashSet::new());
    for s in stmts {
        syn::visit::Visit::visit_stmt(&mut f, s);
    }
    f.0
}

/// The variables the left side of an assignment gives a value to: a
/// name, or the names of a destructuring assignment (`(x, y) = ..`,
/// `[a, b] = ..`, `S { f: x, .. } = ..`, `T(x, _) = ..`).
fn assigned_names(left: &Expr, out: &mut Vec<String>) {
    match left {
        Expr::Path(_) => out.extend(syntax::as_ident(left).map(|i| i.to_string())),
        Expr::Paren(p) => assigned_names(&p.expr, out),
        Expr::Tuple(t) => t.elems.iter().for_each(|e| assigned_names(e, out)),
        Expr::Array(a) => a.elems.iter().for_each(|e| assigned_names(e, out)),
        Expr::Call(c) => c.args.iter().for_each(|e| assigned_names(e, out)),
        Expr::Struct(st) => st.fields.iter().for_each(|f| assigned_names(&f.expr, out)),
        _ => {}
    }
}

fn root_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(_) => syntax::as_ident(e).map(|i| i.to_string()),
        Expr::Field(f) => root_name(&f.base),
        Expr::Index(i) => root_name(&i.expr),
        Expr::Paren(p) => root_name(&p.expr),
        Expr::Unary(u) => root_name(&u.expr),
        _ => None,
    }
}

/// The names a function declares as rendezvous: parameters and `let`s
/// whose type or initializer names `Rendezvous`.
pub fn rendezvous_names(f: &syn::ItemFn) -> HashSet<String> {
    struct Scan(HashSet<String>);
    impl<'ast> syn::visit::Visit<'ast> for Scan {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if declares_rendezvous(l) {
                for b in syntax::pattern_bindings(&l.pat, syntax::local_place(l)) {
                    self.0.insert(b.ident.to_string());
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if macros::which(m) == Some(Which::Tvars) {
                for s in &macros::tvars_stmts(m).0 {
                    self.visit_stmt(s);
                }
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut scan = Scan(HashSet::new());
    for input in &f.sig.inputs {
        if let syn::FnArg::Typed(t) = input {
            if mentions_rendezvous(t.ty.to_token_stream()) {
                for b in syntax::pattern_bindings(&t.pat, syntax::PatPlace::Irrefutable) {
                    scan.0.insert(b.ident.to_string());
                }
            }
        }
    }
    syn::visit::Visit::visit_block(&mut scan, &f.block);
    scan.0
}

fn mentions_rendezvous(t: TokenStream) -> bool {
    t.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "Rendezvous",
        TokenTree::Group(g) => mentions_rendezvous(g.stream()),
        _ => false,
    })
}

/// Whether a written type is a `Rendezvous` (or a reference to one).
/// The parameters as the outermost scope's names. Their ids are past
/// every `let`'s (no `let` is hidden by one).
fn param_scope(params: &Punctuated<syn::FnArg, syn::Token![,]>) -> Vec<Declared> {
    let mut scope = Vec::new();
    for p in params {
        let syn::FnArg::Typed(t) = p else { continue };
        // As `rendezvous_names` and a `let` judge them.
        let rendezvous = mentions_rendezvous(t.ty.to_token_stream());
        let itself = rendezvous && rendezvous_type(&t.ty);
        for b in syntax::pattern_bindings(&t.pat, syntax::PatPlace::Irrefutable) {
            scope.push(Declared {
                id: usize::MAX - scope.len(),
                name: b.ident.to_string(),
                uninit: false,
                assigned: false,
                rendezvous,
                mutable: b.mutable,
                itself,
                plain: false,
            });
        }
    }
    scope
}

pub fn rendezvous_type(t: &syn::Type) -> bool {
    match t {
        syn::Type::Reference(r) => rendezvous_type(&r.elem),
        syn::Type::Path(p) => (p.path.segments.last()).is_some_and(|s| s.ident == "Rendezvous"),
        _ => false,
    }
}

/// Whether a `let` declares a rendezvous: its type or value names one.
fn declares_rendezvous(l: &syn::Local) -> bool {
    let by_value = l
        .init
        .as_ref()
        .is_some_and(|i| mentions_rendezvous(i.expr.to_token_stream()));
    let by_type =
        matches!(&l.pat, syn::Pat::Type(t) if mentions_rendezvous(t.ty.to_token_stream()));
    by_value || by_type
}

/// Whether the lint shadow leaves an inner item out, its machine's copy
/// the only one: an `impl` of a type and trait both declared outside the
/// inner blocks (`impl Display for Outer`: an `impl` is the crate's
/// wherever it is written, and two would conflict), or a function
/// exported by its symbol. `local` names the types and traits the inner
/// blocks around it declare: the shadow has its own of those, which need
/// their own `impl`s.
pub fn left_out(s: &Stmt, local: &[String], hoisted: bool) -> bool {
    match s {
        Stmt::Item(syn::Item::Impl(i)) => {
            // A local trait's `impl` stays where the machine's copy is
            // scoped (a closure, a plain block, a waiting block whose items
            // are declared again in each piece); where the machine moved
            // it to the function's top, both would be seen here.
            let trait_local = (i.trait_.as_ref())
                .and_then(|(_, p, _)| p.segments.last())
                .is_some_and(|s| local.contains(&s.ident.to_string()));
            if trait_local && !hoisted {
                return false;
            }
            // Kept when its type mentions a local type (`impl P`, `impl Tr
            // for &P`, `Box<P>`), or the trait's arguments do (`impl
            // From<P> for String`); not for a local trait's `impl` for an
            // outer type, whose machine's copy (with the machine's trait,
            // at the function's top) the shadow sees too.
            let args = i.trait_.as_ref().map(|(_, p, _)| {
                let args = p.segments.iter().map(|s| s.arguments.to_token_stream());
                args.collect::<TokenStream>()
            });
            let mentioned = |t: TokenStream| names_any(t, local);
            !(mentioned(i.self_ty.to_token_stream()) || args.is_some_and(mentioned))
        }
        Stmt::Item(syn::Item::Fn(f)) => syntax::exported(&f.attrs),
        _ => false,
    }
}

/// Whether tokens (at any depth) name one of `names`.
fn names_any(tokens: TokenStream, names: &[String]) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => names.iter().any(|n| i == n.as_str()),
        TokenTree::Group(g) => names_any(g.stream(), names),
        _ => false,
    })
}

/// The types and traits a block's items declare.
pub fn declared_types(stmts: &[Stmt]) -> Vec<String> {
    stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Item(syn::Item::Struct(i)) => Some(i.ident.to_string()),
            Stmt::Item(syn::Item::Enum(i)) => Some(i.ident.to_string()),
            Stmt::Item(syn::Item::Union(i)) => Some(i.ident.to_string()),
            Stmt::Item(syn::Item::Trait(i)) => Some(i.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// `e` without the parentheses around it.
fn unparenthesized(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparenthesized(&p.expr),
        Expr::Group(g) => unparenthesized(&g.expr),
        e => e,
    }
}

/// The predicate of a statement's `#[cfg(..)]`s (`all` of them), if it
/// has any.
fn cfg_predicate(s: &Stmt) -> Option<TokenStream> {
    let preds: Vec<TokenStream> = (stmt_cfg(s).iter())
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| a.parse_args::<TokenStream>().ok())
        .collect();
    match &preds[..] {
        [] => None,
        [one] => Some(one.clone()),
        _ => Some(quote!(all(#(#preds),*))),
    }
}

/// The `#[cfg(..)]` and `#[cfg_attr(..)]` attributes of a statement.
fn stmt_cfg(s: &Stmt) -> Vec<syn::Attribute> {
    syntax::stmt_attrs(s)
        .iter()
        .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
        .cloned()
        .collect()
}
