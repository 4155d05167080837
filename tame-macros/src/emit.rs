//! Emit: the state enum, the closure, the one `match`.
//!
//! Input: the lowered states and their live bindings.
//! Output, for `fn f(a: A) { ... }`:
//!
//! ```text
//! fn f(a: A) {
//!     enum __TameState<T0, T1> { Start { a: T0 }, Twait1 { a: T0, x: T1 }, ..., __Taken }
//!     static __TAME_SITE_0: TwaitSite = ...;          // one per twait
//!     let mut __tame_state = __TameState::Start { a: a };
//!     let __tame_body = move |__tame_cx: &TaskContext<'_>| -> Poll<()> {
//!         'tame_drive: loop {
//!             match mem::replace(&mut __tame_state, __TameState::__Taken) {
//!                 __TameState::Start { a } => { ...; __tame_state = __TameState::Twait1 { a, x }; continue 'tame_drive; }
//!                 __TameState::Twait1 { a, x } => { if wait_join(..).is_pending() { ...; return Poll::Pending; } ... }
//!                 __TameState::__Taken => unreachable!(),
//!             }
//!         }
//!     };
//!     ::tame::__private::start("f", __tame_body);
//! }
//! ```
//!
//! Each enum field has its own type parameter, inferred by rustc from the
//! variant constructions: no type annotations are needed.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::visit_mut::VisitMut;
use syn::{Expr, Lifetime, Stmt};

use crate::analyze::Set;
use crate::check::Errors;
use crate::lower::{jump_target, BindingId, LoopCtx, Lowered, Node, StateKind, Target};

pub struct Emitter<'a> {
    l: &'a Lowered,
    live: &'a [Set],
    errors: &'a mut Errors,
    /// Per binding: its field name and type parameter, if it is carried.
    fields: Vec<Option<(Ident, Ident)>>,
    state_ty: Ident,
    state_var: Ident,
    cx: Ident,
    drive: Lifetime,
    variants: Vec<Ident>,
    /// Bindings already reported as hidden (one error each).
    reported_hidden: Vec<BindingId>,
    /// The bindings the code of the state being emitted assigns or uses.
    arm_mentions: Vec<BindingId>,
}

impl<'a> Emitter<'a> {
    pub fn new(l: &'a Lowered, live: &'a [Set], errors: &'a mut Errors) -> Self {
        let mut carried = Set::default();
        for s in live {
            carried.union(s);
        }
        let mut fields = vec![None; l.bindings.len()];
        let mut used_names: Vec<String> = Vec::new();
        for (n, b) in carried.iter().enumerate() {
            let base = l.bindings[b].ident.to_string();
            let base = match base.strip_prefix("__tame_").unwrap_or(&base) {
                "self" => "this".to_owned(),
                other => other.to_owned(),
            };
            let mut name = base.clone();
            let mut k = 1;
            while used_names.contains(&name) {
                name = format!("{base}_{k}");
                k += 1;
            }
            used_names.push(name.clone());
            let field = Ident::new(&name, Span::call_site());
            let tparam = format_ident!("T{}", n, span = Span::mixed_site());
            fields[b] = Some((field, tparam));
        }
        // Variants are numbered in source order (the order of the arms).
        let mut variants = vec![format_ident!("Start"); l.states.len()];
        for (pos, &s) in l.order.iter().enumerate() {
            variants[s] = match l.states[s].kind {
                StateKind::Entry => format_ident!("Start"),
                StateKind::AfterTwait => format_ident!("Twait{}", pos),
                StateKind::LoopHead => format_ident!("LoopHead{}", pos),
                StateKind::Join => format_ident!("Join{}", pos),
            };
        }
        Emitter {
            l,
            live,
            errors,
            fields,
            state_ty: Ident::new("__TameState", Span::mixed_site()),
            state_var: Ident::new("__tame_state", Span::mixed_site()),
            cx: crate::rewrite::cx_ident(),
            drive: Lifetime::new("'tame_drive", Span::mixed_site()),
            variants,
            reported_hidden: Vec::new(),
            arm_mentions: Vec::new(),
        }
    }

    /// Reports carried bindings that look like borrows.
    pub fn check_borrows(&mut self) {
        for (b, binding) in self.l.bindings.iter().enumerate() {
            if self.fields[b].is_none() {
                continue;
            }
            if let Some(why) = &binding.borrow {
                let msg = if binding.synthetic {
                    format!("this loop's body contains a twait, so its iterator is kept across it, but {why}")
                } else {
                    format!(
                        "`{}` is used after a twait, but {why}; a borrow cannot be kept across a twait because \
                         the function's variables move between resumes. Borrow again after the twait, or keep \
                         an owned value or an index instead",
                        binding.ident
                    )
                };
                self.errors.push(syn::Error::new(binding.span, msg));
            }
        }
    }

    // Input: the states. Output: the user's items of the spine (hoisted,
    // see `Lowered::items`), then
    // `enum __TameState<T0, ..> { Start { a: T0 }, .., __Taken }`.
    pub fn state_enum(&self) -> TokenStream {
        let items = &self.l.items;
        let params: Vec<&Ident> = self.fields.iter().flatten().map(|(_, t)| t).collect();
        let variants = self.l.order.iter().map(|&s| {
            let state = &self.l.states[s];
            let v = &self.variants[s];
            let fs = self.live[s].iter().map(|b| {
                let (f, t) = self.fields[b].as_ref().expect("live bindings are carried");
                quote!(#f: #t)
            });
            let doc = match state.kind {
                StateKind::Entry => "The function's start.",
                StateKind::AfterTwait => "Resume point after a twait!.",
                StateKind::LoopHead => "The head of a loop that contains a twait!.",
                StateKind::Join => "After an if/match/loop/block that contains a twait!.",
            };
            quote!(#[doc = #doc] #v { #(#fs),* })
        });
        let ty = &self.state_ty;
        quote! {
            #(#items)*
            #[allow(non_camel_case_types, non_snake_case, dead_code)]
            enum #ty<#(#params),*> {
                #(#variants,)*
                __Taken,
            }
        }
    }

    /// `__TameState::Variant { field: value, .. }` with the live bindings of
    /// `state`, named as they are visible through `env`.
    fn construct(&mut self, state: usize, env: &[BindingId], span: Span) -> TokenStream {
        let ty = &self.state_ty;
        let v = &self.variants[state];
        let mut fs = Vec::new();
        for b in self.live[state].iter() {
            let binding = &self.l.bindings[b];
            let name = binding.ident.to_string();
            let visible = env
                .iter()
                .rev()
                .find(|&&e| self.l.bindings[e].ident == name)
                .copied();
            if visible != Some(b) && !binding.synthetic && !self.reported_hidden.contains(&b) {
                self.reported_hidden.push(b);
                self.errors.push(syn::Error::new(
                    span,
                    format!(
                        "`{name}` is still needed after this twait, but another variable named `{name}` hides it here; \
                         rename one of them"
                    ),
                ));
            }
            let (f, _) = self.fields[b].as_ref().expect("live bindings are carried");
            let value = &binding.ident;
            fs.push(quote!(#f: #value));
        }
        quote!(#ty::#v { #(#fs),* })
    }

    /// The state construction for the entry, outside the closure.
    pub fn initial(&self, params: &[(BindingId, TokenStream)]) -> TokenStream {
        let ty = &self.state_ty;
        let v = &self.variants[0];
        let fs = self.live[0].iter().map(|b| {
            let (f, _) = self.fields[b].as_ref().expect("live bindings are carried");
            let outer = params
                .iter()
                .find(|(p, _)| *p == b)
                .map(|(_, o)| o.clone())
                .unwrap_or_else(|| quote!(::core::unreachable!()));
            quote!(#f: #outer)
        });
        quote!(#ty::#v { #(#fs),* })
    }

    fn goto(&mut self, target: Target, env: &[BindingId], span: Span) -> TokenStream {
        match target {
            Target::Return => quote!(return ::core::task::Poll::Ready(());),
            Target::State(s) => {
                let c = self.construct(s, env, span);
                let var = &self.state_var;
                let drive = &self.drive;
                quote!({ ::tame::__private::set_state(&mut #var, #c); continue #drive; })
            }
        }
    }

    // Input: one state. Output: its match arm.
    pub fn arm(&mut self, s: usize) -> TokenStream {
        let ty = self.state_ty.clone();
        let v = self.variants[s].clone();
        let mut pats = Vec::new();
        for b in self.live[s].iter() {
            let binding = &self.l.bindings[b];
            let (f, _) = self.fields[b].as_ref().expect("live bindings are carried");
            let ident = &binding.ident;
            let m = binding.mutable.then(|| quote!(mut));
            pats.push(quote!(#f: #m #ident));
        }
        // Variables assigned in this state but not carried into it are
        // declared (uninitialized) so the assignment has a place.
        let mut kills = Vec::new();
        let mut defs = Vec::new();
        collect_kills_defs(&self.l.states[s].code, &mut kills, &mut defs);
        kills.sort_unstable();
        kills.dedup();
        self.arm_mentions = kills.clone();
        collect_uses(&self.l.states[s].code, &mut self.arm_mentions);
        let decls: Vec<TokenStream> = kills
            .into_iter()
            .filter(|b| !defs.contains(b) && !self.live[s].contains(*b))
            .map(|b| {
                let binding = &self.l.bindings[b];
                let ident = &binding.ident;
                let m = binding.mutable.then(|| quote!(mut));
                match &binding.ty {
                    Some(t) => quote!(let #m #ident: #t;),
                    None => quote!(let #m #ident;),
                }
            })
            .collect();
        let code = self.nodes(&self.l.states[s].code);
        quote! {
            #ty::#v { #(#pats),* } => {
                #(#decls)*
                #code
            }
        }
    }

    fn nodes(&mut self, nodes: &[Node]) -> TokenStream {
        let mut out = TokenStream::new();
        for n in nodes {
            let t = self.node(n);
            out.extend(t);
        }
        out
    }

    fn node(&mut self, n: &Node) -> TokenStream {
        match n {
            Node::Stmt(s) => {
                if let Stmt::Local(syn::Local { init: None, .. }) = &s.stmt {
                    if !s.defs.iter().any(|d| self.arm_mentions.contains(d)) {
                        // `let y;` assigned only in a later state: declared
                        // there (see `arm`). Here it would be a variable
                        // rustc cannot infer a type for.
                        return TokenStream::new();
                    }
                }
                let mut stmt = s.stmt.clone();
                if !s.jumps.is_empty() || contains_return(&stmt) {
                    let mut r = JumpRewriter {
                        em: self,
                        loops: &s.loops,
                        env: &s.env,
                        inner: Vec::new(),
                    };
                    r.visit_stmt_mut(&mut stmt);
                    // `break;` became `{ ..; continue 'tame_drive; }`: a
                    // semicolon after that block would be redundant.
                    if let Stmt::Expr(Expr::Verbatim(_), semi) = &mut stmt {
                        *semi = None;
                    }
                }
                stmt.to_token_stream()
            }
            Node::Block(nodes) => {
                let inner = self.nodes(nodes);
                quote!({ #inner })
            }
            Node::If {
                cond, then, els, ..
            } => {
                let t = self.nodes(then);
                let e = self.nodes(els);
                quote!(if #cond { #t } else { #e })
            }
            Node::Match { expr, arms, .. } => {
                let arms: Vec<TokenStream> = arms
                    .iter()
                    .map(|a| {
                        let pat = &a.pat;
                        let guard = a.guard.as_ref().map(|g| quote!(if #g));
                        let body = self.nodes(&a.body);
                        quote!(#pat #guard => { #body })
                    })
                    .collect();
                quote!(match #expr { #(#arms)* })
            }
            Node::Goto { target, env, span } => self.goto(*target, env, *span),
            Node::WaitJoin { state, site, .. } => {
                let env = self.l.states[*state].env.clone();
                let c = self.construct(*state, &env, self.l.sites[*site]);
                let var = &self.state_var;
                let cx = &self.cx;
                let site = site_ident(*site);
                quote! {
                    if ::tame::__private::wait_join(#cx, &#site).is_pending() {
                        ::tame::__private::set_state(&mut #var, #c);
                        return ::core::task::Poll::Pending;
                    }
                }
            }
            Node::PollRendezvous {
                state,
                rendezvous,
                tmp,
                site,
                ..
            } => {
                let env = self.l.states[*state].env.clone();
                let c = self.construct(*state, &env, self.l.sites[*site]);
                let var = &self.state_var;
                let cx = &self.cx;
                let site = site_ident(*site);
                let tmp = &self.l.bindings[*tmp].ident;
                let id = Ident::new("__tame_id", Span::mixed_site());
                quote! {
                    let #tmp = match ::tame::__private::poll_rendezvous(#cx, &(#rendezvous), &#site) {
                        ::core::task::Poll::Ready(#id) => #id,
                        ::core::task::Poll::Pending => {
                            ::tame::__private::set_state(&mut #var, #c);
                            return ::core::task::Poll::Pending;
                        }
                    };
                }
            }
        }
    }

    /// `static __TAME_SITE_n: TwaitSite = ...;` for each twait.
    pub fn sites(&self, function: &str) -> TokenStream {
        let statics = self.l.sites.iter().enumerate().map(|(i, span)| {
            let name = site_ident(i);
            let line = quote_spanned!(*span=> ::core::line!());
            quote! {
                static #name: ::tame::__private::TwaitSite = ::tame::__private::TwaitSite {
                    function: #function,
                    file: ::core::file!(),
                    line: #line,
                };
            }
        });
        quote!(#(#statics)*)
    }

    pub fn state_names(&self) -> (&Ident, &Ident, &Ident, &Lifetime) {
        (&self.state_ty, &self.state_var, &self.cx, &self.drive)
    }
}

fn site_ident(i: usize) -> Ident {
    format_ident!("__TAME_SITE_{}", i, span = Span::mixed_site())
}

fn collect_kills_defs(nodes: &[Node], kills: &mut Vec<BindingId>, defs: &mut Vec<BindingId>) {
    for n in nodes {
        match n {
            Node::Stmt(s) => {
                kills.extend(&s.kills);
                defs.extend(&s.defs);
            }
            Node::Block(b) => collect_kills_defs(b, kills, defs),
            Node::If {
                then, els, defs: d, ..
            } => {
                defs.extend(d);
                collect_kills_defs(then, kills, defs);
                collect_kills_defs(els, kills, defs);
            }
            Node::Match { arms, .. } => {
                for a in arms {
                    defs.extend(&a.defs);
                    collect_kills_defs(&a.body, kills, defs);
                }
            }
            Node::PollRendezvous { tmp, .. } => defs.push(*tmp),
            Node::Goto { .. } | Node::WaitJoin { .. } => {}
        }
    }
}

fn collect_uses(nodes: &[Node], uses: &mut Vec<BindingId>) {
    for n in nodes {
        match n {
            Node::Stmt(s) => uses.extend(&s.uses),
            Node::Block(b) => collect_uses(b, uses),
            Node::If {
                uses: u, then, els, ..
            } => {
                uses.extend(u);
                collect_uses(then, uses);
                collect_uses(els, uses);
            }
            Node::Match { uses: u, arms, .. } => {
                uses.extend(u);
                for a in arms {
                    uses.extend(&a.guard_uses);
                    collect_uses(&a.body, uses);
                }
            }
            Node::PollRendezvous { uses: u, .. } => uses.extend(u),
            Node::Goto { .. } | Node::WaitJoin { .. } => {}
        }
    }
}

fn contains_return(stmt: &Stmt) -> bool {
    struct Find(bool);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_stmt(&mut f, stmt);
    f.0
}

/// Rewrites `break`/`continue` that leave a plain statement for a spine
/// loop into state jumps, and `return` into `return Poll::Ready(())`.
struct JumpRewriter<'e, 'a> {
    em: &'e mut Emitter<'a>,
    loops: &'e [LoopCtx],
    env: &'e [BindingId],
    inner: Vec<(Option<String>, bool)>,
}

impl VisitMut for JumpRewriter<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Break(b) => {
                if let Some(t) = jump_target(self.loops, &self.inner, b.label.as_ref(), true) {
                    if let Some(v) = &b.expr {
                        self.em.errors.spanned(
                            v,
                            "`break` with a value cannot leave a loop that contains a twait!; assign the value to a variable before breaking",
                        );
                    }
                    let span = syn::spanned::Spanned::span(&*b);
                    *e = Expr::Verbatim(self.em.goto(t, self.env, span));
                    return;
                }
            }
            Expr::Continue(c) => {
                if let Some(t) = jump_target(self.loops, &self.inner, c.label.as_ref(), false) {
                    let span = syn::spanned::Spanned::span(&*c);
                    *e = Expr::Verbatim(self.em.goto(t, self.env, span));
                    return;
                }
            }
            Expr::Return(r) => {
                if let Some(v) = &r.expr {
                    self.em.errors.spanned(
                        v,
                        "a #[tamed] function returns nothing; deliver the value through an event (ev.trigger(value)) and `return;`",
                    );
                }
                let span = syn::spanned::Spanned::span(&*r);
                *e = Expr::Verbatim(quote_spanned!(span=> return ::core::task::Poll::Ready(())));
                return;
            }
            Expr::Closure(_) | Expr::Async(_) => return,
            Expr::Loop(l) => {
                self.inner
                    .push((l.label.as_ref().map(|l| l.name.ident.to_string()), true));
                syn::visit_mut::visit_expr_loop_mut(self, l);
                self.inner.pop();
                return;
            }
            Expr::While(w) => {
                self.visit_expr_mut(&mut w.cond);
                self.inner
                    .push((w.label.as_ref().map(|l| l.name.ident.to_string()), true));
                self.visit_block_mut(&mut w.body);
                self.inner.pop();
                return;
            }
            Expr::ForLoop(f) => {
                self.visit_expr_mut(&mut f.expr);
                self.inner
                    .push((f.label.as_ref().map(|l| l.name.ident.to_string()), true));
                self.visit_block_mut(&mut f.body);
                self.inner.pop();
                return;
            }
            Expr::Block(b) if b.label.is_some() => {
                self.inner
                    .push((b.label.as_ref().map(|l| l.name.ident.to_string()), false));
                syn::visit_mut::visit_expr_block_mut(self, b);
                self.inner.pop();
                return;
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
