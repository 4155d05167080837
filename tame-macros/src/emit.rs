//! Emit: the state enum, the arms of the one `match`, the closure.
//!
//! Input: the lowered states and what each keeps. Output, for
//! `fn f(a: A) { let x = ..; twait! { .. }; use(a, x); }`:
//!
//! ```text
//! enum __TameState<T0, T1> { Start { a: T0 }, Twait1 { x: T1, a: T0 }, __Taken }
//! static __TAME_SITE_0: TwaitSite = ...;                    // one per twait
//! let mut __tame_state = __TameState::Start { a };
//! let __tame_body = move |__tame_cx: &TaskContext<'_>| -> () { '__tame_drive: loop {
//!     match mem::replace(&mut __tame_state, __TameState::__Taken) {
//!         __TameState::Start { a: a } => {
//!             let x = ..;
//!             { ..the block.. }
//!             if wait_join(__tame_cx, &__TAME_SITE_0).is_pending() {
//!                 set_state(&mut __tame_state, __TameState::Twait1 { a, x }); return;
//!             }
//!             set_state(&mut __tame_state, __TameState::Twait1 { a, x }); continue '__tame_drive;
//!         }
//!         __TameState::Twait1 { a: a, x: x } => { use(a, x); return; }
//!         __TameState::__Taken => unreachable!(),
//!     }
//! } };
//! ```
//!
//! Each field has its own type parameter, inferred by rustc from the
//! variant constructions: no type annotations are needed. An arm rebinds
//! a variant's fields in declaration order, so they drop in reverse
//! declaration order, as Rust drops locals; the variant declares them in
//! reverse, so that a state dropped whole (a cancelled function's, or one
//! torn down with its thread) drops them in that order too.
//!
//! A binding a state keeps as a flag (moved on some paths to it: see
//! `analyze`) has a field of its own, `x_if_kept: Option<_>`, rebound where
//! `x` was declared as a local the user cannot name; a jump packs the flag
//! it holds, or `Some(x)` / `None` as the analysis says for that jump. An
//! arm that names `x` turns the flag back into `x` where `x` is declared
//! (Rust's own drop flag takes over), except a loop head's arm that names
//! it only in the loop's body: there `x` is given the flag's value where
//! the body begins, and the exit passes the flag on.

use std::collections::HashSet;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Lifetime, Stmt};

use crate::analyze::{code_edge, plain_edge, successors, Analysis, EdgeKey, StoreKind};
use crate::ir::{
    BindingId, BindingKind, Function, LoopHead, Plain, ScopeId, SlotOwner, SlotSite, WaitKind,
};
use crate::lower::{Code, Machine, StateId, StateKind};
use crate::parse::plain::as_jump_marker;
use crate::parse::syntax::hygienic;

pub struct Emitter<'a> {
    f: &'a Function,
    m: &'a Machine<'a>,
    a: &'a Analysis,
    /// Per binding: its field name and type parameter, if some state keeps it.
    fields: Vec<Option<(Ident, Ident)>>,
    /// The same for the bindings some state keeps as a flag (an `Option`).
    flag_fields: Vec<Option<(Ident, Ident)>>,
    variants: Vec<Ident>,
    reached: Vec<bool>,
    state_ty: Ident,
    state_var: Ident,
    drive: Lifetime,
    head: Lifetime,
    /// The block a statement with escaping jumps leaves with its value
    /// (see [`Self::escaped`]).
    escaped: Lifetime,
    /// The state whose arm is being emitted.
    current: StateId,
    /// Bindings the current arm's code mentions.
    mentioned: HashSet<BindingId>,
    /// Bindings whose flag the current arm's store fills (the arm declares
    /// the flag where it would declare the binding).
    flag_stored: HashSet<BindingId>,
    /// Flags of the current arm turned back into their variables where its
    /// loop's body begins (see `Analysis::restored_in_body`).
    restored_in_body: std::cell::RefCell<Vec<BindingId>>,
    /// Those of them while the loop's exit is emitted: its jump passes
    /// their flags on.
    passed_on: std::cell::RefCell<Vec<BindingId>>,
    /// Scopes that declare bindings (their blocks keep their braces).
    scoped: HashSet<ScopeId>,
    /// How the machine returns to the loop (`return;`, or for a
    /// `Result`/`Option` machine `return proceed();`).
    ret: TokenStream,
    /// The slot lists [`Self::type_ties`] gave a written type, with their
    /// witness: each is tied to it where it is declared.
    tied_lists: Vec<(BindingId, Ident)>,
}

/// The kept variables' types, told to the machine before rustc checks it.
///
/// rustc infers the state enum's type parameters from the machine's code,
/// in order: until the arm that first stores a variable, its parameter is
/// unknown, and every mention of the enum before it (each arm's pattern,
/// each state stored) leaves work pending that rustc goes over again at
/// each step, which made the type check of a function grow with the cube
/// of its twaits (15 s at a hundred). So each parameter has a witness, a
/// `PhantomData` declared at the top of the body, given the type its
/// variable was written with (or, for a `twait! {}` block's slot list,
/// `SlotList` of its variables' written types), and the machine's state
/// is tied to the witnesses where it is made. A variable without a
/// written type is inferred as before: its type may be told only by the
/// code after its `let` (a `Vec::new()` that a closure is pushed into),
/// and a copy of that code (the lint shadow's) would read the variable,
/// which changes what rustc's liveness lints say of it.
#[derive(Default)]
pub struct TypeTies {
    /// `let __tame_ty_T0: PhantomData<u32> = PhantomData;`, one per type
    /// parameter (none when no type is written).
    pub witnesses: TokenStream,
    /// After the state is made: its type tied to the witnesses.
    pub state: TokenStream,
}

impl<'a> Emitter<'a> {
    pub fn new(f: &'a Function, m: &'a Machine<'a>, a: &'a Analysis, reached: Vec<bool>) -> Self {
        let mut fields: Vec<Option<(Ident, Ident)>> = vec![None; f.bindings.len()];
        let mut flag_fields: Vec<Option<(Ident, Ident)>> = vec![None; f.bindings.len()];
        let mut names: Vec<String> = Vec::new();
        let mut n: usize = 0;
        for &s in &m.order {
            for &b in &a.kept[s] {
                let flag = a.flagged[s].contains(b);
                let fields = if flag { &mut flag_fields } else { &mut fields };
                if fields[b].is_some() {
                    continue;
                }
                let base = match f.bindings[b].name.as_str() {
                    "self" => "this".to_owned(),
                    other => crate::parse::syntax::plain_name(other),
                };
                let base = if flag {
                    format!("{base}_if_kept")
                } else {
                    base
                };
                let mut name = base.clone();
                let mut k = 1;
                while names.contains(&name) {
                    name = format!("{base}_{k}");
                    k += 1;
                }
                names.push(name.clone());
                let field = crate::parse::syntax::ident_named(&name, Span::call_site());
                let tparam = format_ident!("T{}", n, span = Span::mixed_site());
                n += 1;
                fields[b] = Some((field, tparam));
            }
        }
        let mut variants = vec![format_ident!("Start"); m.states.len()];
        for (pos, &s) in m.order.iter().enumerate() {
            variants[s] = match m.states[s].kind {
                StateKind::Start => format_ident!("Start"),
                StateKind::Resume(_) => format_ident!("Twait{}", pos),
                StateKind::LoopHead(_) => format_ident!("LoopHead{}", pos),
                StateKind::Join => format_ident!("Join{}", pos),
            };
        }
        Emitter {
            f,
            m,
            a,
            fields,
            flag_fields,
            variants,
            reached,
            state_ty: hygienic("__TameState"),
            state_var: hygienic("__tame_state"),
            drive: Lifetime::new("'__tame_drive", Span::mixed_site()),
            head: Lifetime::new("'__tame_head", Span::mixed_site()),
            escaped: Lifetime::new("'__tame_escaped", Span::mixed_site()),
            current: 0,
            mentioned: HashSet::new(),
            flag_stored: HashSet::new(),
            restored_in_body: std::cell::RefCell::new(Vec::new()),
            passed_on: std::cell::RefCell::new(Vec::new()),
            scoped: f.bindings.iter().map(|b| b.scope).collect(),
            ret: if f.try_shaped {
                quote!(return ::tame::__private::proceed();)
            } else {
                quote!(return;)
            },
            tied_lists: Vec::new(),
        }
    }

    pub fn state_var(&self) -> &Ident {
        &self.state_var
    }

    pub fn drive(&self) -> &Lifetime {
        &self.drive
    }

    pub fn state_ty(&self) -> &Ident {
        &self.state_ty
    }

    /// The field that holds `b` in state `s` (its flag, if `s` keeps one).
    fn field(&self, s: StateId, b: BindingId) -> &(Ident, Ident) {
        let fields = if self.a.flagged[s].contains(b) {
            &self.flag_fields
        } else {
            &self.fields
        };
        fields[b]
            .as_ref()
            .unwrap_or_else(|| unreachable_field(&self.f.bindings[b].name))
    }

    /// Whether the machine declares `b` `mut`: the user's `mut`, the
    /// translator's temporaries, and a slot's variable, which the machine
    /// assigns (one the user did not make `mut` is reported once, by the
    /// lint shadow, as the plain function's assignment would be).
    fn mutable_here(&self, b: BindingId) -> bool {
        self.f.bindings[b].mutable_here()
            || (self.f.slot_sites.iter()).any(|s| s.roots.contains(&Some(b)))
    }

    /// `mut` where [`Self::mutable_here`], spanned at the binding's name,
    /// for a binding the arm also touches (so rustc's unused-variable lint
    /// has nothing to say of it): a binding whose `mut` and name are of
    /// two places is one rustc's borrow checker does not name ("cannot
    /// borrow value as mutable"), and its report of the machine's copy
    /// would not be the lint shadow's word for word, which rustc gives
    /// once.
    fn mut_token(&self, b: BindingId) -> Option<TokenStream> {
        let span = self.f.bindings[b].ident.span();
        self.mutable_here(b).then(|| quote_spanned!(span=> mut))
    }

    /// The `#[cfg(..)]` of `b`'s `let`, before each field, field pattern,
    /// field value and statement of `b`: a build whose `cfg` removes the
    /// `let` (a `#[cfg(debug_assertions)] let start = ..;` in release)
    /// loses them with it.
    fn cfg(&self, b: BindingId) -> TokenStream {
        let attrs = &self.f.bindings[b].cfg;
        quote!(#(#attrs)*)
    }

    // Input: the states. Output:
    // `enum __TameState<T0, ..> { Start { a: T0 }, .., __Taken }`.
    pub fn state_enum(&self) -> TokenStream {
        let params = self.enum_params().into_iter().map(|(b, t, _)| {
            let cfg = self.cfg(b);
            quote!(#cfg #t)
        });
        let variants = self.m.order.iter().map(|&s| {
            let state = &self.m.states[s];
            let v = &self.variants[s];
            // Fields in reverse declaration order: a state dropped whole
            // (the function cancelled, or torn down with its thread) drops
            // its fields in this order, as Rust drops locals, the
            // parameters last.
            let fs = self.a.kept[s].iter().rev().map(|&b| {
                let (f, t) = self.field(s, b);
                let cfg = self.cfg(b);
                quote!(#cfg #f: #t)
            });
            let doc = match state.kind {
                StateKind::Start => "The function's start.".to_owned(),
                StateKind::Resume(_) => "Resume point after a twait.".to_owned(),
                StateKind::LoopHead(_) => "The head of a loop that contains a twait.".to_owned(),
                StateKind::Join => {
                    "Where an if/match/loop/block that contains a twait ends.".to_owned()
                }
            };
            quote!(#[doc = #doc] #v { #(#fs),* })
        });
        let ty = &self.state_ty;
        quote! {
            #[allow(non_camel_case_types, non_snake_case, dead_code)]
            enum #ty<#(#params),*> {
                #(#variants,)*
                __Taken,
            }
        }
    }

    /// The state enum's type parameters in their order: each with the
    /// binding whose field has it, and whether that field is its flag.
    fn enum_params(&self) -> Vec<(BindingId, &Ident, bool)> {
        let n = self.fields.len();
        let mut params: Vec<(BindingId, &Ident, bool)> = (self.fields.iter())
            .chain(&self.flag_fields)
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|(_, t)| (i % n, t, i >= n)))
            .collect();
        params.sort_by_key(|(_, t, _)| t.to_string()[1..].parse::<usize>().unwrap_or(0));
        params
    }

    /// The kept variables' written types, told to the machine (see
    /// [`TypeTies`]).
    ///
    /// `item_macros`: the body calls a macro of the user's as a statement.
    /// Call it before the arms are emitted: a slot list tied here is tied
    /// in the arm that declares it too.
    pub fn type_ties(&mut self, item_macros: bool) -> TypeTies {
        let params = self.enum_params();
        // A field under `#[cfg]` has a parameter under it too, which a
        // call's arguments cannot follow. A macro of the user's called as
        // a statement may declare a type that a written type names, in
        // the machine's scope, not where the witnesses are: no witnesses
        // then.
        if params.is_empty()
            || params
                .iter()
                .any(|&(b, _, _)| !self.f.bindings[b].cfg.is_empty())
            || item_macros
        {
            return TypeTies::default();
        }
        let witness = |t: &Ident| hygienic(&format!("__tame_ty_{t}"));
        let tie = quote!(::tame::__private::tie);
        let phantom = quote!(::tame::__private::core::marker::PhantomData);
        let local = nested_names(self.f);
        let written: Vec<Option<TokenStream>> = (params.iter())
            .map(|&(b, _, flag)| {
                if flag {
                    None
                } else {
                    self.written_type(b, &local)
                }
            })
            .collect();
        if written.iter().all(Option::is_none) {
            return TypeTies::default();
        }
        let witnesses: Vec<Ident> = params.iter().map(|(_, t, _)| witness(t)).collect();
        // A slot list's type known where it is made, before the events
        // are: a slot of another type is then reported at the operation
        // given the event, as the event's type, instead of at the twait
        // in the words of the list's inferred type.
        let tied_lists = (params.iter().zip(&witnesses).zip(&written))
            .filter(|((&(b, _, _), _), t)| {
                t.is_some() && self.f.bindings[b].kind != BindingKind::User
            })
            .map(|((&(b, _, _), w), _)| (b, w.clone()))
            .collect();
        let annotations = written
            .iter()
            .map(|t| t.as_ref().map(|t| quote!(: #phantom<#t>)));
        let ts: Vec<&Ident> = params.iter().map(|(_, t, _)| *t).collect();
        let ty = &self.state_ty;
        let var = &self.state_var;
        let types = hygienic("__tame_state_types");
        let ties = TypeTies {
            witnesses: quote!(#(let #witnesses #annotations = #phantom;)*),
            state: quote! {
                #[allow(clippy::too_many_arguments, clippy::type_complexity)]
                fn #types<#(#ts),*>(#(_: &#phantom<#ts>),*) -> #phantom<#ty<#(#ts),*>> {
                    #phantom
                }
                #tie(&#types(#(&#witnesses),*), &#var);
            },
        };
        self.tied_lists = tied_lists;
        ties
    }

    /// The type of `b`'s field when it can be written before the lint
    /// shadow: `b`'s written type, if it names one type (see
    /// `syntax::names_one_type`); for the slot list of a `twait! {}`
    /// block's site whose places are such variables (no index captured),
    /// `SlotList<T, ()>` of their value.
    fn written_type(&self, b: BindingId, local: &[String]) -> Option<TokenStream> {
        let one = |b: BindingId| {
            let t = self.f.bindings[b].ty.as_ref()?;
            let glob = local.iter().any(|n| n == "*");
            (!glob && crate::parse::syntax::names_one_type(t, local)).then(|| t.to_token_stream())
        };
        let binding = &self.f.bindings[b];
        // (A parameter's type is read in the signature's scope, where the
        // body's own `use`s do not reach: it may mean another type at the
        // top of the body. Its field is stored before the machine runs,
        // which tells its type there.)
        if self.f.params.iter().any(|p| p.binding == b) {
            return None;
        }
        if binding.kind == BindingKind::User {
            return one(b);
        }
        let site = self.f.slot_sites.iter().find(|s| s.list == b)?;
        if !matches!(site.owner, SlotOwner::Join(_)) || site.captures > 0 {
            return None;
        }
        let mut tys = Vec::new();
        for (place, root) in site.places.iter().zip(&site.roots) {
            let root = (*root)?;
            if self.f.params.iter().any(|p| p.binding == root) {
                return None;
            }
            // The variable itself, not a part of it.
            if place.to_string() != self.f.bindings[root].name {
                return None;
            }
            tys.push(one(root)?);
        }
        let value = match tys.as_slice() {
            [t] => t.clone(),
            _ => quote!((#(#tys,)*)),
        };
        Some(quote!(::tame::__private::SlotList<#value, ()>))
    }

    /// `__TameState::Start { a: a, .. }`, outside the closure.
    pub fn initial(&self) -> TokenStream {
        let ty = &self.state_ty;
        let v = &self.variants[0];
        let fs = self.a.kept[0].iter().map(|&b| {
            let (f, _) = self.field(0, b);
            let outer = self
                .f
                .params
                .iter()
                .find(|p| p.binding == b)
                .map(|p| p.outer.clone())
                .unwrap_or_else(|| {
                    quote!(::tame::__private::unreachable_state(
                        "a parameter with no state field"
                    ))
                });
            let cfg = self.cfg(b);
            quote!(#cfg #f: #outer)
        });
        quote!(#ty::#v { #(#fs),* })
    }

    /// `let _ = &x;` for each parameter the machine does not take (a
    /// number given a new value before it is read): the function's
    /// parameter is then used, and rustc's "unused variable" comes only
    /// from the lint shadow, where it means what it means in the body.
    pub fn untaken_params(&self) -> TokenStream {
        let untaken = (self.f.params.iter())
            .filter(|p| !self.a.kept[0].contains(&p.binding))
            .map(|p| {
                let cfg = self.cfg(p.binding);
                let outer = &p.outer;
                quote!(#cfg #[allow(clippy::used_underscore_binding)] let _ = &#outer;)
            });
        quote!(#(#untaken)*)
    }

    /// `__TameState::V { f: x, .. }` with the bindings `target` keeps,
    /// for a jump made at `edge` (`None`: the current state packed again
    /// before anything ran).
    fn construct(&self, target: StateId, span: Span, edge: Option<EdgeKey>) -> TokenStream {
        let ty = &self.state_ty;
        let v = &self.variants[target];
        let moved = edge.and_then(|e| self.a.moved_at.get(&e));
        let fs = self.a.kept[target].iter().map(|&b| {
            let (f, _) = self.field(target, b);
            let cfg = self.cfg(b);
            let ident = &self.f.bindings[b].ident;
            let value = crate::parse::syntax::ident_named(
                &ident.to_string(),
                span.resolved_at(ident.span()),
            );
            if !self.a.flagged[target].contains(b) {
                return quote!(#cfg #f: #value);
            }
            // A flag: passed on as it is, or made from what this path did.
            let value = if edge.is_none()
                || (self.a.flagged[self.current].contains(b)
                    && (!self.mentioned.contains(&b) || self.passed_on.borrow().contains(&b)))
                || self.flag_stored.contains(&b)
            {
                flag_ident(b).to_token_stream()
            } else if moved.is_some_and(|m| m.contains(b)) {
                quote!(::tame::__private::core::option::Option::None)
            } else {
                quote!(::tame::__private::core::option::Option::Some(#value))
            };
            quote!(#cfg #f: #value)
        });
        quote!(#ty::#v { #(#fs),* })
    }

    /// `set_state(&mut __tame_state, V { .. });`
    fn pack(&self, target: StateId, span: Span, edge: Option<EdgeKey>) -> TokenStream {
        let c = self.construct(target, span, edge);
        let var = &self.state_var;
        quote!(::tame::__private::set_state(&mut #var, #c);)
    }

    /// A jump to a state, made at `edge`: pack and go round the drive
    /// loop, or, to the loop head whose arm this is, a native `continue`.
    fn goto(&self, target: StateId, edge: EdgeKey) -> TokenStream {
        if target == self.current && matches!(self.m.states[target].kind, StateKind::LoopHead(_)) {
            let head = &self.head;
            return quote!({ continue #head; });
        }
        let pack = self.pack(target, self.m.states[target].span, Some(edge));
        let drive = &self.drive;
        quote!({ #pack continue #drive; })
    }

    fn jump(&self, j: usize, edge: EdgeKey) -> TokenStream {
        let info = &self.f.jumps[j];
        match self.m.loops.get(&info.target) {
            Some(&(head, exit)) => self.goto(if info.is_break { exit } else { head }, edge),
            None => quote!(::tame::__private::unreachable_state(
                "a jump out of no loop"
            )),
        }
    }

    // Input: one state. Output: its match arm.
    pub fn arm(&mut self, s: StateId) -> TokenStream {
        self.current = s;
        let ty = self.state_ty.clone();
        let v = self.variants[s].clone();
        let state = &self.m.states[s];
        if !self.reached[s] {
            let fs = self.a.kept[s].iter().map(|&b| {
                let (f, _) = self.field(s, b);
                let cfg = self.cfg(b);
                quote!(#cfg #f: _)
            });
            return quote! {
                #ty::#v { #(#fs),* } => ::tame::__private::unreachable_state("a state nothing jumps to"),
            };
        }
        self.mentioned = self.a.mentions[s].clone();
        self.restored_in_body.take();
        self.passed_on.take();
        self.flag_stored = (self.a.flag_stores.iter())
            .filter(|&&(st, _)| st == s)
            .map(|&(_, b)| b)
            .collect();
        // The outermost scopes (parameters, body) are bound by the pattern.
        let outer: Vec<ScopeId> = state.path.iter().take(2).copied().collect();
        let mut pats = Vec::new();
        let mut decls = TokenStream::new();
        // A binding of those scopes the arm declares again (not kept, but
        // named: a slot the wait fills, a variable given its value later)
        // must be dropped in declaration order with the kept ones: then
        // every one of them is declared in the arm's body, in order, and
        // the pattern only moves the kept values out.
        // So must one bound under lint levels of the user's: rustc takes
        // none from a field of a pattern (`V { #[allow(..)] N: N }`).
        let redeclared = state.env.iter().any(|b| {
            outer.contains(&self.f.bindings[*b].scope)
                && ((!self.a.kept[s].contains(b) && self.mentioned.contains(b))
                    || (self.a.kept[s].contains(b)
                        && !self.a.flagged[s].contains(*b)
                        && !self.f.bindings[*b].lint_levels.is_empty()))
        });
        if redeclared {
            for &b in &self.a.kept[s] {
                let (f, _) = self.field(s, b);
                let cfg = self.cfg(b);
                let k = kept_ident(b);
                pats.push(quote!(#cfg #f: #k));
            }
            for &b in &state.env {
                let binding = &self.f.bindings[b];
                if !outer.contains(&binding.scope) {
                    continue;
                }
                if self.a.flagged[s].contains(b) {
                    // The flag too is a local of the arm, declared where
                    // the binding was, so that it drops in its place.
                    let flag = self.flag_local(b);
                    let k = kept_ident(b);
                    let cfg = self.cfg(b);
                    decls.extend(quote!(#cfg let #flag = #k;));
                    decls.extend(self.unflag(b));
                } else if self.a.kept[s].contains(&b) {
                    decls.extend(self.take_kept(b));
                } else if self.mentioned.contains(&b) {
                    decls.extend(self.declare_unvalued(b));
                }
            }
        }
        for &b in self.a.kept[s].iter().filter(|_| !redeclared) {
            let binding = &self.f.bindings[b];
            let (f, _) = self.field(s, b);
            let cfg = self.cfg(b);
            if self.a.flagged[s].contains(b) {
                let flag = self.flag_local(b);
                if outer.contains(&binding.scope) {
                    pats.push(quote!(#cfg #f: #flag));
                    decls.extend(self.unflag(b));
                } else {
                    let k = kept_ident(b);
                    pats.push(quote!(#cfg #f: #k));
                }
            } else if outer.contains(&binding.scope) {
                let ident = &binding.ident;
                let m = self.mut_token(b);
                pats.push(quote!(#cfg #f: #m #ident));
                decls.extend(self.touch(b));
            } else {
                let k = kept_ident(b);
                pats.push(quote!(#cfg #f: #k));
            }
        }
        if !redeclared {
            for &sc in &outer {
                decls.extend(self.redeclare(s, sc));
            }
        }
        if state.kind == StateKind::Start {
            decls.extend(self.watch_results());
        } else {
            decls.extend(self.unwatch_handed_on(s));
        }
        let code = self.code(&state.code);
        quote! {
            #ty::#v { #(#pats),* } => {
                #decls
                #code
            }
        }
    }

    /// At the start: the function watches the events it was given (its
    /// `done`, its `Event` parameters), so that it is cancelled when nobody
    /// can receive its result any more.
    fn watch_results(&self) -> TokenStream {
        let cx = hygienic("__tame_cx");
        let mut out = TokenStream::new();
        if self.f.returns_value {
            let done = hygienic("__tame_done");
            out.extend(quote!(#done.watch(#cx);));
        }
        let mut params = self.watched_params().into_iter().peekable();
        if params.peek().is_some() {
            let watches = params.map(|b| {
                let (cfg, ident) = (self.cfg(b), &self.f.bindings[b].ident);
                quote!(#cfg (&::tame::__private::Param(&#ident)).__tame_watch(#cx);)
            });
            out.extend(quote! {{
                use ::tame::__private::{WatchEvent as _, WatchOther as _};
                #(#watches)*
            }});
        }
        out
    }

    /// The parameters the function watches from its start: each that
    /// might be an event (its type decides, see `tame::__private::Param`),
    /// if the function holds it at a wait. One handed on before
    /// (`tame::asap(started)`, another function's argument) is the
    /// receiver's to watch, and its death says nothing of whether this
    /// function's work is still wanted.
    fn watched_params(&self) -> Vec<BindingId> {
        let held_at_a_wait = |b: BindingId| (self.a.kept.iter().skip(1)).any(|k| k.contains(&b));
        (self.f.params.iter())
            .map(|p| p.binding)
            .filter(|&b| {
                !self.f.bindings[b].trivial && self.a.kept[0].contains(&b) && held_at_a_wait(b)
            })
            .collect()
    }

    /// At the start of state `s`, resumed after a wait: the watched
    /// parameters it holds that no state after it holds (its code hands
    /// them on or drops them) are watched no more, so that one handed to
    /// code of the user's (a collection, a callback) and dying there later
    /// does not cancel the function, which no longer holds it; one handed
    /// to tame is watched by its receiver from then on. One held as a flag
    /// here (moved on some paths only) stays watched.
    fn unwatch_handed_on(&self, s: StateId) -> TokenStream {
        let held_here: Vec<BindingId> = (self.watched_params().into_iter())
            .filter(|&b| self.a.kept[s].contains(&b) && !self.a.flagged[s].contains(b))
            .collect();
        if held_here.is_empty() {
            return TokenStream::new();
        }
        // The states that can follow this one's code, however far.
        let mut seen = vec![false; self.m.states.len()];
        let mut todo = Vec::new();
        successors(self.f, self.m, &self.m.states[s].code, &mut todo);
        while let Some(t) = todo.pop() {
            if !std::mem::replace(&mut seen[t], true) {
                successors(self.f, self.m, &self.m.states[t].code, &mut todo);
            }
        }
        let cx = hygienic("__tame_cx");
        let unwatches = (held_here.into_iter())
            .filter(|&b| !(0..seen.len()).any(|t| seen[t] && self.a.kept[t].contains(&b)))
            .map(|b| {
                let (cfg, ident) = (self.cfg(b), &self.f.bindings[b].ident);
                quote!(#cfg (&::tame::__private::Param(&#ident)).__tame_unwatch(#cx);)
            })
            .collect::<Vec<_>>();
        if unwatches.is_empty() {
            return TokenStream::new();
        }
        quote! {{
            use ::tame::__private::{WatchEvent as _, WatchOther as _};
            #(#unwatches)*
        }}
    }

    /// The bindings of scope `sc` that state `s` does not keep but its
    /// code mentions: declared again, uninitialized, so the code can
    /// assign them.
    fn redeclare(&self, s: StateId, sc: ScopeId) -> TokenStream {
        let mut out = TokenStream::new();
        for &b in &self.m.states[s].env {
            let binding = &self.f.bindings[b];
            if binding.scope != sc || self.a.kept[s].contains(&b) || !self.mentioned.contains(&b) {
                continue;
            }
            out.extend(self.declare_unvalued(b));
        }
        out
    }

    /// `let b;` for a binding the arm names but the state does not keep
    /// (the arm's code assigns it), or, where the arm's store fills its
    /// flag instead, `let flag;`.
    fn declare_unvalued(&self, b: BindingId) -> TokenStream {
        let cfg = self.cfg(b);
        if self.flag_stored.contains(&b) {
            // `mut`: two sites of the block may fill it, one after the
            // other (`mkevent!(x, y)` and `mkevent!(x)`).
            let flag = flag_ident(b);
            return quote!(#cfg let mut #flag;);
        }
        self.declaration(b)
    }

    /// `let b;` (with its written type), under its `#[cfg(..)]` and its
    /// declaration's lint levels (see [`crate::ir::Binding::lint_levels`]).
    fn declaration(&self, b: BindingId) -> TokenStream {
        let cfg = self.cfg(b);
        let binding = &self.f.bindings[b];
        let (ident, levels) = (&binding.ident, &binding.lint_levels);
        // (Spanned as ours: a declaration the arm only assigns is not to be
        // reported unused; the lint shadow reports the user's.)
        let m = self.mutable_here(b).then(|| quote!(mut));
        match &binding.ty {
            Some(t) => quote!(#cfg #(#levels)* let #m #ident: #t;),
            None => quote!(#cfg #(#levels)* let #m #ident;),
        }
    }

    /// Rebinding of the kept bindings of an inner scope, at its reopening.
    fn rebind(&self, s: StateId, sc: ScopeId) -> TokenStream {
        let mut out = TokenStream::new();
        for &b in &self.m.states[s].env {
            let binding = &self.f.bindings[b];
            if binding.scope != sc {
                continue;
            }
            if self.a.flagged[s].contains(b) {
                let flag = self.flag_local(b);
                let k = kept_ident(b);
                let cfg = self.cfg(b);
                out.extend(quote!(#cfg let #flag = #k;));
                out.extend(self.unflag(b));
            } else if self.a.kept[s].contains(&b) {
                out.extend(self.take_kept(b));
            } else if self.mentioned.contains(&b) {
                out.extend(self.declare_unvalued(b));
            }
        }
        out
    }

    /// The local holding `b`'s flag in this arm: `mut` where the arm's
    /// store fills it (see `Forward::flag_storable`).
    fn flag_local(&self, b: BindingId) -> TokenStream {
        let flag = flag_ident(b);
        if self.flag_stored.contains(&b) {
            quote!(mut #flag)
        } else {
            quote!(#flag)
        }
    }

    /// `let b = <its field's value>;` and its [`touch`], for a kept
    /// binding the arm declares in its body.
    fn take_kept(&self, b: BindingId) -> TokenStream {
        let (ident, levels) = (&self.f.bindings[b].ident, &self.f.bindings[b].lint_levels);
        let m = self.mut_token(b);
        let k = kept_ident(b);
        let cfg = self.cfg(b);
        let touch = self.touch(b);
        quote!(#cfg #(#levels)* let #m #ident = #k; #touch)
    }

    /// [`touch`] of `b`, under its `#[cfg(..)]`.
    fn touch(&self, b: BindingId) -> TokenStream {
        let cfg = self.cfg(b);
        let t = touch(&self.f.bindings[b].ident);
        quote!(#cfg #t)
    }

    /// In an arm that names a binding it holds as a flag: the binding
    /// itself, assigned where the flag holds a value, so that Rust's own
    /// drop flag takes over (`let mut b; if let Some(v) = flag { b = v; }`).
    fn unflag(&self, b: BindingId) -> TokenStream {
        if !self.mentioned.contains(&b) || self.flag_stored.contains(&b) {
            return TokenStream::new();
        }
        let decl = self.declaration(b);
        if self.a.restored_in_body[self.current].contains(b) {
            // Declared here, in its place among the others; given its
            // value where the loop's body begins.
            self.restored_in_body.borrow_mut().push(b);
            return decl;
        }
        let restore = self.restore(b);
        quote!(#decl #restore)
    }

    /// `if let Some(v) = flag { x = v; }`: the variable `b` given the value
    /// its flag holds, if any.
    fn restore(&self, b: BindingId) -> TokenStream {
        let ident = &self.f.bindings[b].ident;
        let flag = flag_ident(b);
        let v = hygienic("__tame_v");
        let cfg = self.cfg(b);
        quote! {
            #cfg
            if let ::tame::__private::core::option::Option::Some(#v) = #flag {
                #ident = #v;
            }
        }
    }

    /// The code of a loop head's body and exit: the body begins by giving
    /// the variables of [`Self::restored_in_body`] their flags' values;
    /// the exit, which does not name them, passes the flags on.
    fn body_and_exit(&self, body: &Code, exit: &Code) -> (TokenStream, TokenStream) {
        let restored = self.restored_in_body.take();
        let mut b: TokenStream = restored.iter().map(|&x| self.restore(x)).collect();
        b.extend(self.code(body));
        let outer = self.passed_on.replace(restored);
        let e = self.code(exit);
        self.passed_on.replace(outer);
        (b, e)
    }

    /// The items an inner block of the spine declares, for a piece of its
    /// code (see [`nested_item`]).
    fn items_of(&self, sc: ScopeId) -> TokenStream {
        let local = nested_types(self.f);
        let items = (self.f.scope_items.iter())
            .filter(|(s, _)| *s == sc)
            .flat_map(|(_, items)| items);
        items.map(|i| nested_item(i, &local, false)).collect()
    }

    fn code(&self, c: &Code) -> TokenStream {
        match c {
            Code::Seq(items) => items.iter().map(|i| self.code(i)).collect(),
            Code::Reopen(sc, body) => {
                let state = &self.m.states[self.current];
                let outermost = state.path.iter().take(2).any(|x| x == sc);
                if outermost {
                    self.code(body)
                } else {
                    let items = self.items_of(*sc);
                    // Before the code inside: a flag its loop's body gives
                    // back (see `unflag`) is listed for that body here.
                    let rebind = self.rebind(self.current, *sc);
                    let inner = self.code(body);
                    quote!({ #items #rebind #inner })
                }
            }
            Code::Open(sc, body) => {
                let inner = self.code(body);
                let items = self.items_of(*sc);
                // A block that declares nothing needs no braces of its own.
                if self.scoped.contains(sc) || !items.is_empty() {
                    quote!({ #items #inner })
                } else {
                    inner
                }
            }
            Code::Head(body) => {
                let inner = self.code(body);
                if jumps_to(self.f, self.m, body, self.current) {
                    let head = &self.head;
                    quote!(#head: loop { #inner })
                } else {
                    inner
                }
            }
            Code::Plain(p) => self.plain(p),
            Code::If { stmt, then, els } => {
                let cond = &stmt.cond;
                let t = self.code(then);
                let e = self.code(els);
                // The `if` has the user's edition (its span is the
                // condition's): edition 2024 drops an `if let`'s
                // temporaries before `else`, 2021 after it.
                // An inline join's `if` without `else` (see
                // `lower::Lowerer::joins_inline`) gets none.
                // A statement, as the user's is (see `Code::Match`).
                if e.is_empty() {
                    quote_spanned!(cond.span()=> if #cond { #t };)
                } else {
                    quote_spanned!(cond.span()=> if #cond { #t } else { #e };)
                }
            }
            Code::Match { stmt, arms } => {
                let scrutinee = &stmt.scrutinee;
                let arms = stmt.arms.iter().zip(arms).map(|(arm, code)| {
                    let attrs = &arm.attrs;
                    let pat = &arm.pat;
                    let guard = arm.guard.as_ref().map(|(g, _)| quote!(if #g));
                    let mut body = Group::new(Delimiter::Brace, self.code(code));
                    body.set_span(arm.end);
                    quote!(#(#attrs)* #pat #guard => #body)
                });
                // A statement, as the user's is: its scrutinee's
                // temporaries drop at its end, before the arm's locals
                // (as a block's tail, in edition 2021, they would outlive
                // them).
                quote!(match #scrutinee { #(#arms)* };)
            }
            Code::While { lp, body, exit } => {
                let LoopHead::While { cond, .. } = &lp.head else {
                    return TokenStream::new();
                };
                let (b, e) = self.body_and_exit(body, exit);
                // A `while let` is a `match`, as rustc reads it: as an `if
                // let` it would draw the 2024 edition's `if_let_rescope`
                // (a `while let` has none), whose suggestion breaks `cargo
                // fix --edition` (and `cargo fix` applies allowed lints'
                // suggestions there). Its scrutinee's temporaries live
                // through the arms, as a 2021 `if let`'s do; the exit arm
                // only keeps the state and leaves.
                if let Expr::Let(l) = cond {
                    let (pat, scrutinee) = (&l.pat, &l.expr);
                    return quote_spanned!(cond.span()=>
                        match #scrutinee { #pat => { #b } _ => { #e } });
                }
                quote_spanned!(cond.span()=> if #cond { #b } else { #e })
            }
            Code::For { lp, body, exit } => {
                let LoopHead::For { iter, pat, defs } = &lp.head else {
                    return TokenStream::new();
                };
                let iter = &self.f.bindings[*iter].ident;
                let (b, e) = self.body_and_exit(body, exit);
                // The loop's lint levels where its pattern binds (they
                // cover its body in the user's loop too).
                let levels = defs.first().map(|&d| &self.f.bindings[d].lint_levels);
                let levels = levels.into_iter().flatten();
                quote! {
                    match ::tame::__private::core::iter::Iterator::next(&mut #iter) {
                        #(#levels)*
                        ::tame::__private::core::option::Option::Some(#pat) => { #b }
                        ::tame::__private::core::option::Option::None => { #e }
                    }
                }
            }
            Code::Goto(t) => self.goto(*t, code_edge(c)),
            Code::Return => self.ret.clone(),
            Code::Join { wait, resume } => {
                let WaitKind::Join { body, scope, .. } = &self.f.waits[*wait].kind else {
                    return TokenStream::new();
                };
                let n = body.len();
                let stmts: Vec<TokenStream> = body
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let t = self.plain(p);
                        // The block is a statement: its last expression too.
                        if i + 1 == n && matches!(p.stmt, Stmt::Expr(_, None)) {
                            quote!(#t;)
                        } else {
                            t
                        }
                    })
                    .collect();
                let span = self.f.waits[*wait].span;
                let site = site_ident(*wait);
                let cx = hygienic("__tame_cx");
                let pack = self.pack(*resume, span, Some(code_edge(c)));
                let ret = &self.ret;
                let drive = &self.drive;
                let pending = hygienic("__tame_pending");
                // The block's bindings die before the wait, and its items
                // are seen in it only: its own braces.
                let items = self.items_of(*scope);
                let declares = body.iter().any(|p| !p.defs.is_empty());
                let run = if declares || !items.is_empty() {
                    quote!({ #items #(#stmts)* })
                } else {
                    quote!(#(#stmts)*)
                };
                // Packed once, for both ways on (waiting, or resuming at
                // once): each construction of the state costs the type
                // checker all the state's type parameters.
                quote! {
                    #run
                    let #pending = ::tame::__private::wait_join(#cx, &#site).is_pending();
                    #pack
                    if #pending {
                        #ret
                    }
                    continue #drive;
                }
            }
            Code::WaitRendezvous { wait, resume } => {
                let WaitKind::Rendezvous { expr, .. } = &self.f.waits[*wait].kind else {
                    return TokenStream::new();
                };
                let span = self.f.waits[*wait].span;
                let site = site_ident(*wait);
                let cx = hygienic("__tame_cx");
                let pack = self.pack(*resume, span, Some(code_edge(c)));
                let ret = &self.ret;
                let drive = &self.drive;
                let pending = hygienic("__tame_pending");
                // At the user's `r`: a `twait!(x)` on what is not a
                // rendezvous is reported there (once: the lint shadow's
                // stand-in makes the same call at the same place).
                let r =
                    quote_spanned!(expr.span()=> ::tame::__private::WaitsOn::rendezvous(&(#expr)));
                let owned = self.rendezvous_owned(*wait, &cx);
                // Packed once, as for a join.
                quote! {
                    #owned
                    let #pending = ::tame::__private::rendezvous_would_block(#cx, #r, &#site);
                    #pack
                    if #pending {
                        #ret
                    }
                    continue #drive;
                }
            }
            Code::Poll { wait, dest, state } => {
                let WaitKind::Rendezvous { expr, .. } = &self.f.waits[*wait].kind else {
                    return TokenStream::new();
                };
                let span = self.f.waits[*wait].span;
                let site = site_ident(*wait);
                let cx = hygienic("__tame_cx");
                let pack = self.pack(*state, span, None);
                let id = hygienic("__tame_id");
                let bind = match dest {
                    Some(d) => self.f.bindings[*d].ident.to_token_stream(),
                    None => quote!(_),
                };
                let ret = &self.ret;
                let mark = hygienic("__tame_mark");
                let r =
                    quote_spanned!(expr.span()=> ::tame::__private::WaitsOn::rendezvous(&(#expr)));
                let owned = self.rendezvous_owned(*wait, &cx);
                quote! {
                    #owned
                    let (#bind, #mark) = match ::tame::__private::poll_rendezvous(#cx, #r, &#site) {
                        ::tame::__private::core::task::Poll::Ready(#id) => #id,
                        ::tame::__private::core::task::Poll::Pending => {
                            #pack
                            #ret
                        }
                    };
                }
            }
            Code::Store(site) => self.store_under_cfg(*site),
            Code::Jump(j) => self.jump(*j, code_edge(c)),
        }
    }

    /// Before the `twait!(r)` of `wait`: tells the task whether `r` is a
    /// variable of the function held by value (a `Rendezvous`, not an
    /// `Rc` of one or a field), which goes with the function when it is
    /// cancelled (see `tame::__private::rendezvous_owned`).
    fn rendezvous_owned(&self, wait: usize, cx: &Ident) -> TokenStream {
        let WaitKind::Rendezvous { expr, key, .. } = &self.f.waits[wait].kind else {
            return TokenStream::new();
        };
        let held = match key {
            crate::ir::RendezvousKey::Binding(_, fields) if fields.is_empty() => quote! {{
                use ::tame::__private::{HeldByValue as _, HeldOtherwise as _};
                (&::tame::__private::Held(&(#expr))).held_by_value()
            }},
            _ => quote!(false),
        };
        quote!(::tame::__private::rendezvous_owned(#cx, #held);)
    }

    /// [`store`](Self::store), under the `#[cfg(..)]`s of the variables
    /// its places are parts of: a variable a `cfg` removes (`#[cfg(f)] let
    /// extra;` filled by `#[cfg(f)] give(mkevent!(extra))`) takes no store
    /// in the builds without it, as its event is not made there either.
    fn store_under_cfg(&self, site: usize) -> TokenStream {
        let store = self.store(site);
        let s = &self.f.slot_sites[site];
        let cfgs: Vec<TokenStream> = (s.roots.iter())
            .flatten()
            .filter(|&&r| !self.f.bindings[r].cfg.is_empty())
            .map(|&r| self.cfg(r))
            .chain(s.stmt_cfg.iter().map(ToTokens::to_token_stream))
            .collect();
        if cfgs.is_empty() || store.is_empty() {
            store
        } else {
            quote!(#(#cfgs)* { #store })
        }
    }

    /// The store of a slot site's returned values into their places.
    ///
    /// Output: `while let Some((v, (c0,))) = list.pop_returned() { a[c0] = v; }`
    /// (for a rendezvous' site, `inbox_pop(&mut list, mark)`),
    /// or, for a place with no value before the wait, an assignment that
    /// panics if no value came back.
    fn store(&self, site: usize) -> TokenStream {
        let s = &self.f.slot_sites[site];
        let list = &self.f.bindings[s.list].ident;
        // The value is located at its place's last token, as in the lint
        // shadow (rustc's conversion hint goes after it), so that a slot of
        // the wrong type is reported at the slot.
        let end = |p: &TokenStream| (p.clone().into_iter().last()).map_or(p.span(), |t| t.span());
        // The value of each place is named with that token's very span,
        // its hygiene too (a name the user wrote resolves at the call site;
        // the binding and its uses share the span): rustc's help for a slot
        // of the wrong type (`.expect("REASON")`) then goes to the slot,
        // where a mixed-site name would move it to the macro's call site,
        // `#[tamed]`. The value of several places is one mixed-site name
        // whose fields are so named first (a tuple pattern would add its
        // own error to the slot count's for a value of another arity).
        // (Such a name resolves as the user's do: it gets a `_` more for as
        // long as a place names a variable of the user's so called.)
        let mut base = String::from("__tame_v");
        while s.places.iter().any(|p| p.to_string().contains(&base)) {
            base.push('_');
        }
        let vs: Vec<Ident> = match &s.places[..] {
            [p] => vec![Ident::new(&base, end(p))],
            places => (places.iter().enumerate())
                .map(|(i, p)| Ident::new(&format!("{base}{i}"), end(p)))
                .collect(),
        };
        let v = match &vs[..] {
            [one] => one.clone(),
            _ => hygienic("__tame_v"),
        };
        let caps: Vec<Ident> = (0..s.captures)
            .map(|i| format_ident!("__tame_c{}", i, span = Span::mixed_site()))
            .collect();
        // Where the analysis has the store fill a variable's flag (see
        // `Forward::flag_storable`), the flag gets `Some` of its value, or
        // `None` when no value came.
        let dest = |i: usize| match s.roots[i] {
            Some(r) if self.flag_stored.contains(&r) => {
                let flag = flag_ident(r);
                (quote!(#flag), true)
            }
            _ => (s.places[i].clone(), false),
        };
        // A `_` slot drops its value there, as `(_, k) = f()` drops that
        // part at the statement's end (`_ = v.0` would leave it in `v`;
        // `mem::drop` would draw the lints on dropping a `Copy` value).
        let assign = |p: TokenStream, v: TokenStream| {
            if p.to_string() == "_" {
                quote_spanned!(s.span=> ::tame::__private::discard(#v);)
            } else {
                quote_spanned!(s.span=> #p = #v;)
            }
        };
        let parts = (vs.len() > 1).then(|| {
            let index = (0..vs.len()).map(|i| syn::Index {
                index: i as u32,
                span: s.places[i].span(),
            });
            quote!(#(let #vs = #v.#index;)*)
        });
        // A variable given its value here is touched at once: the arm may
        // never read it (the state keeps it only while its value is still
        // read), which rustc before 1.92 reports as "assigned to, but never
        // used" beside the lint shadow.
        let touch_after = |i: usize, flag: bool| match s.roots[i] {
            Some(r) if !flag && syn::parse2::<Ident>(s.places[i].clone()).is_ok() => self.touch(r),
            _ => TokenStream::new(),
        };
        let assigns: Vec<TokenStream> = (parts.into_iter())
            .chain(vs.iter().enumerate().map(|(i, v)| {
                let (p, flag) = dest(i);
                let v = if flag {
                    quote!(::tame::__private::core::option::Option::Some(#v))
                } else {
                    quote!(#v)
                };
                let touch = touch_after(i, flag);
                let assign = assign(p, v);
                quote!(#assign #touch)
            }))
            .collect();
        // A flag this arm was given keeps its value if none came, as the
        // variable a blocking call assigns on some paths keeps its own.
        let absent: Vec<TokenStream> = (0..s.places.len())
            .filter_map(|i| {
                let (p, flag) = dest(i);
                let given = s.roots[i].is_some_and(|r| self.a.flagged[self.current].contains(r));
                (flag && !given)
                    .then(|| quote!(#p = ::tame::__private::core::option::Option::None;))
            })
            .collect();
        let kind = self
            .a
            .stores
            .get(&(self.current, site))
            .copied()
            .unwrap_or(StoreKind::Keep);
        let initialized = kind == StoreKind::Keep;
        let by_rendezvous = matches!(s.owner, SlotOwner::Rendezvous(_));
        // Sites of one `twait! {}` block that fill the same places (in the
        // branches of a `match`, say): one store, by the first, of the last
        // value any of them got. Stored one by one, a variable declared
        // without a value would be assigned twice, and required from a site
        // whose event was never made.
        let group = self.f.same_places(site);
        if group.first() != Some(&site) && group.len() > 1 {
            return TokenStream::new();
        }
        if group.len() > 1 {
            let lists = group.iter().map(|&g| {
                let l = &self.f.bindings[self.f.slot_sites[g].list].ident;
                quote!(#l.take_last())
            });
            let got = hygienic("__tame_got");
            let take = quote! {
                let #got = [#(#lists),*].into_iter().flatten().last();
            };
            return if kind != StoreKind::Required {
                quote! {
                    #take
                    if let ::tame::__private::core::option::Option::Some((#v, (#(#caps,)*))) = #got {
                        #(#assigns)*
                    } else {
                        #(#absent)*
                    }
                }
            } else {
                let name = self.required_name(s);
                // A panic for a value that did not come is reported at
                // the slot (the callee tracks its caller).
                let required = quote_spanned!(s.span=> ::tame::__private::required(#got, #name));
                quote! {
                    #take
                    let (#v, (#(#caps,)*)) = #required;
                    #(#assigns)*
                }
            };
        }
        // A rendezvous' store takes only the values whose ids its
        // `twait!(r)` has returned (the mark bound by the poll just before).
        let mark = hygienic("__tame_mark");
        if initialized && by_rendezvous {
            quote! {
                while let ::tame::__private::core::option::Option::Some((#v, (#(#caps,)*))) =
                    ::tame::__private::inbox_pop(&mut #list, #mark)
                {
                    #(#assigns)*
                }
            }
        } else if initialized {
            quote! {
                while let ::tame::__private::core::option::Option::Some((#v, (#(#caps,)*))) = #list.pop_returned() {
                    #(#assigns)*
                }
            }
        } else if kind == StoreKind::Optional && by_rendezvous {
            // The last of the values whose ids were returned, if any: the
            // places had none (nothing reads them unassigned after).
            let (last, got) = (hygienic("__tame_last"), hygienic("__tame_got"));
            quote! {
                let mut #last = ::tame::__private::core::option::Option::None;
                while let ::tame::__private::core::option::Option::Some(#got) =
                    ::tame::__private::inbox_pop(&mut #list, #mark)
                {
                    #last = ::tame::__private::core::option::Option::Some(#got);
                }
                if let ::tame::__private::core::option::Option::Some((#v, (#(#caps,)*))) = #last {
                    #(#assigns)*
                } else {
                    #(#absent)*
                }
            }
        } else if kind == StoreKind::Optional {
            quote! {
                if let ::tame::__private::core::option::Option::Some((#v, (#(#caps,)*))) = #list.take_last() {
                    #(#assigns)*
                } else {
                    #(#absent)*
                }
            }
        } else if by_rendezvous {
            let name = self.required_name(s);
            let required = quote_spanned!(s.span=>
                ::tame::__private::inbox_take_required(&mut #list, #name, #mark));
            quote! {
                let (#v, (#(#caps,)*)) = #required;
                #(#assigns)*
            }
        } else {
            let name = self.required_name(s);
            let required = quote_spanned!(s.span=>
                ::tame::__private::SlotList::take_required(&mut #list, #name));
            quote! {
                let (#v, (#(#caps,)*)) = #required;
                #(#assigns)*
            }
        }
    }

    /// The variable a slot with no value before its wait belongs to, for
    /// the panic if no value comes.
    fn required_name(&self, s: &SlotSite) -> String {
        s.roots
            .first()
            .copied()
            .flatten()
            .map(|r| self.f.bindings[r].name.clone())
            .unwrap_or_default()
    }

    /// After a `let` with a value: its variables that need no drop, each
    /// borrowed once. Such a variable is kept only while its value is still
    /// read, so the arm that declares it may never read it (`let mut n = 1;
    /// twait!{..}; n = 2;`), which rustc would report as unused in the
    /// machine; the lint shadow says what is true of the body as written.
    fn touch_defs(&self, p: &Plain) -> TokenStream {
        // Under the `let`'s own `cfg` too, where it stands: a variable's
        // `cfg` covers all its `let`s (one per configuration, `#[cfg(unix)]
        // let y = 1; #[cfg(not(unix))] let y = 2;`), and the first `let`'s
        // touch would come where only the second declares it.
        let attrs = match &p.stmt {
            Stmt::Local(l @ syn::Local { init: Some(_), .. }) => &l.attrs,
            Stmt::Expr(Expr::Assign(a), _) => return self.touch_assigned(p, &a.left),
            _ => return TokenStream::new(),
        };
        let cfg = attrs.iter().filter(|a| a.path().is_ident("cfg"));
        let cfg = quote!(#(#cfg)*);
        p.defs
            .iter()
            .filter(|&&d| {
                let b = &self.f.bindings[d];
                b.kind == BindingKind::User && b.trivial
            })
            .map(|&d| {
                let t = self.touch(d);
                quote!(#cfg #t)
            })
            .collect()
    }

    /// After `x = ..;` of a variable declared without a value (`let x;`,
    /// also the machine's own for a `let x = if ..;`), borrowed once: the
    /// state keeps it only while its value is read, so this copy may never
    /// read it, and rustc would say "assigned to, but never used" beside
    /// the lint shadow's "unused variable".
    fn touch_assigned(&self, p: &Plain, left: &Expr) -> TokenStream {
        let Some(left) = crate::parse::syntax::as_ident(left) else {
            return TokenStream::new();
        };
        p.fx.0
            .iter()
            .map(|&(b, _)| &self.f.bindings[b])
            .filter(|b| b.kind == BindingKind::User && b.deferred && b.ident == *left)
            .take(1)
            .map(|b| touch(&b.ident))
            .collect()
    }

    /// After a slot list's declaration, its tie to its witness (see
    /// `tied_lists`).
    fn tie_list(&self, p: &Plain) -> TokenStream {
        let [d] = p.defs[..] else {
            return TokenStream::new();
        };
        let Some((_, w)) = self.tied_lists.iter().find(|(b, _)| *b == d) else {
            return TokenStream::new();
        };
        let ident = &self.f.bindings[d].ident;
        quote!(::tame::__private::tie(&#w, &#ident);)
    }

    /// Ordinary code: its jump markers become jumps.
    fn plain(&self, p: &Plain) -> TokenStream {
        if let Stmt::Local(l) = &p.stmt {
            if l.init.is_none() && !p.defs.iter().any(|d| self.mentioned.contains(d)) {
                // `let x;` assigned only in another state: declared there.
                return TokenStream::new();
            }
            if l.init.is_none() && !p.defs.iter().all(|d| self.mentioned.contains(d)) {
                // `let (x, z);` whose `z` is assigned only in another state:
                // here, it would be unused, of a type rustc cannot infer.
                // The names this state mentions are declared one by one.
                return (p.defs.iter())
                    .filter(|d| self.mentioned.contains(d))
                    .map(|&d| self.declaration(d))
                    .collect();
            }
        }
        if p.jumps.is_empty() {
            let mut out = machine_copy(&p.stmt).to_token_stream();
            out.extend(self.touch_defs(p));
            out.extend(self.tie_list(p));
            return out;
        }
        let escaping: Vec<usize> = p
            .jumps
            .iter()
            .copied()
            .filter(|&j| self.hidden_at(j))
            .collect();
        let mut stmt = machine_copy(&p.stmt);
        let mut marked = Marked {
            escaping: &escaping,
            em: self,
            plain: p,
        };
        if escaping.is_empty() {
            marked.visit_stmt_mut(&mut stmt);
            return stmt.to_token_stream();
        }
        match &mut stmt {
            Stmt::Local(l) => {
                if let Some(init) = &mut l.init {
                    marked.visit_expr_mut(&mut init.expr);
                    *init.expr = self.escaped(&init.expr, &escaping, p);
                    if let Some((_, diverge)) = &mut init.diverge {
                        // The `else` runs where the pattern's names are not,
                        // but its own may hide the spine's (`let a = ..;
                        // break;`): its jumps leave it first too.
                        let mut in_else = Marked {
                            escaping: &escaping,
                            em: self,
                            plain: p,
                        };
                        in_else.visit_expr_mut(diverge);
                        **diverge = self.escaped_else(diverge, &escaping, p);
                    }
                }
                stmt.to_token_stream()
            }
            Stmt::Expr(e, semi) => {
                marked.visit_expr_mut(e);
                let wrapped = self.escaped(e, &escaping, p);
                quote!(#wrapped #semi)
            }
            Stmt::Macro(m) => {
                let mut e = Expr::Macro(syn::ExprMacro {
                    attrs: m.attrs.clone(),
                    mac: m.mac.clone(),
                });
                marked.visit_expr_mut(&mut e);
                let wrapped = self.escaped(&e, &escaping, p);
                quote!(#wrapped;)
            }
            Stmt::Item(_) => stmt.to_token_stream(),
        }
    }

    /// Whether a name bound inside jump `j`'s statement hides a binding
    /// its target keeps.
    fn hidden_at(&self, j: usize) -> bool {
        let info = &self.f.jumps[j];
        if info.hidden.is_empty() {
            return false;
        }
        let Some(target) = jump_state(self.f, self.m, j) else {
            return false;
        };
        self.a.kept[target].iter().any(|&b| {
            let ident = &self.f.bindings[b].ident;
            info.hidden.iter().any(|h| ident == h.as_str())
        })
    }

    /// `'ok: { 'j3: { 'j5: { break 'ok (e); } <jump 5> } <jump 3> }`: the
    /// jumps inside `e` (`break 'j5`) leave it first, so that the state is
    /// packed where only the spine's names are in scope. A block of its own
    /// per jump, not a number to match on after one block: rustc follows
    /// `break`s to labels exactly, so what `e` assigned on the way to each
    /// jump, or to its end, is assigned where the state is packed (a
    /// `break`'s value, `b` in `{ b = 5; continue; }`).
    fn escaped(&self, e: &Expr, jumps: &[usize], p: &Plain) -> Expr {
        let ok = &self.escaped;
        let body = quote!(break #ok (#e););
        let nested = self.escape_blocks(body, jumps, p);
        Expr::Verbatim(quote!(#ok: { #nested }))
    }

    /// `body` inside a labeled block per jump of `jumps`, each followed by
    /// its jump: `'j3: { 'j5: { body } <jump 5> } <jump 3>`.
    fn escape_blocks(&self, body: TokenStream, jumps: &[usize], p: &Plain) -> TokenStream {
        jumps.iter().rev().fold(body, |inner, &j| {
            let label = escape_label(j);
            let go = self.jump(j, plain_edge(p, j));
            quote!(#label: { #inner } #go)
        })
    }

    /// A `let .. else`'s `else` whose jumps leave it first: as
    /// [`Self::escaped`], for a block that never finishes.
    fn escaped_else(&self, e: &Expr, jumps: &[usize], p: &Plain) -> Expr {
        let body = quote!(#e);
        let nested = self.escape_blocks(body, jumps, p);
        Expr::Verbatim(quote!({ #nested }))
    }

    /// `static __TAME_SITE_n: TwaitSite = ...;` for each twait.
    pub fn sites(&self) -> TokenStream {
        let function = &self.f.name;
        self.f
            .waits
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let name = site_ident(i);
                let line = quote_spanned!(w.span=> ::tame::__private::core::line!());
                let described = w.description.as_ref().map(|d| quote!(.described(#d)));
                quote! {
                    static #name: ::tame::__private::TwaitSite =
                        ::tame::__private::TwaitSite::new(#function, ::tame::__private::core::file!(), #line)#described;
                }
            })
            .collect()
    }
}

/// The label of the block that escaping jump `k` leaves (see
/// [`Emitter::escaped`]).
fn escape_label(k: usize) -> Lifetime {
    Lifetime::new(&format!("'__tame_escape{k}"), Span::mixed_site())
}

/// Replaces `__tame_jump!(k)` markers: with the jump itself, or, for the
/// jumps in `escaping`, with `break` out of the block of its own that
/// [`Emitter::escaped`] puts the statement in.
struct Marked<'e, 'a> {
    escaping: &'e [usize],
    em: &'e Emitter<'a>,
    /// The statement being rewritten (its jumps' edges).
    plain: &'e Plain,
}

impl VisitMut for Marked<'_, '_> {
    // `__tame_jump!(k);` read back as a statement of its own (a jump that
    // was a statement, `Some(_) => { continue; }`) is a macro statement.
    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        if let syn::Stmt::Macro(m) = s {
            let e = Expr::Macro(syn::ExprMacro {
                attrs: Vec::new(),
                mac: m.mac.clone(),
            });
            if as_jump_marker(&e).is_some() {
                let mut e = e;
                self.visit_expr_mut(&mut e);
                let semi = m.semi_token.unwrap_or_default();
                *s = syn::Stmt::Expr(e, Some(semi));
                return;
            }
        }
        syn::visit_mut::visit_stmt_mut(self, s);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Some(k) = as_jump_marker(e) {
            let new: TokenStream = if !self.escaping.contains(&k) {
                self.em.jump(k, plain_edge(self.plain, k))
            } else {
                let label = escape_label(k);
                quote!(break #label)
            };
            *e = Expr::Verbatim(new);
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // Markers inside another macro's (parsed and rebuilt) arguments.
        if let Ok(mut args) = syn::parse::Parser::parse2(
            syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
            m.tokens.clone(),
        ) {
            let before = args.to_token_stream().to_string();
            for a in args.iter_mut() {
                self.visit_expr_mut(a);
            }
            if args.to_token_stream().to_string() != before {
                m.tokens = args.to_token_stream();
            }
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A statement as the machine runs it: its `#[expect(..)]`s are
/// `#[allow(..)]`s there. The lint shadow, which holds the body as written,
/// is where the lint is expected; the machine uses a variable more (it
/// moves it into a state), so that the lint may not fire in its copy. A
/// macro statement's lint levels are none of rustc's (it ignores them, and
/// says so once, of the shadow's copy): its copy keeps its attributes as
/// written, but for the levels themselves (an `expect` made an `allow`
/// would draw a warning of its own about an `allow` the user never wrote).
fn machine_copy(stmt: &Stmt) -> Stmt {
    let mut stmt = stmt.clone();
    let attrs = match &mut stmt {
        Stmt::Local(l) => &mut l.attrs,
        Stmt::Macro(m) => {
            m.attrs.retain(|a| {
                !["allow", "expect", "warn", "deny", "forbid"]
                    .iter()
                    .any(|level| a.path().is_ident(level))
            });
            return stmt;
        }
        Stmt::Expr(e, _) => match crate::parse::syntax::expr_attrs_mut(e) {
            Some(a) => a,
            None => return stmt,
        },
        Stmt::Item(_) => return stmt,
    };
    crate::parse::syntax::machine_attrs(attrs);
    stmt
}

fn kept_ident(b: BindingId) -> Ident {
    format_ident!("__tame_k{}", b, span = Span::mixed_site())
}

/// The local that holds a flag (`Option`) in an arm: the user cannot name
/// it, and, declared where the binding was, it drops where it would.
fn flag_ident(b: BindingId) -> Ident {
    format_ident!("__tame_flag{}", b, span = Span::mixed_site())
}

pub fn site_ident(i: usize) -> Ident {
    format_ident!("__TAME_SITE_{}", i, span = Span::mixed_site())
}

fn unreachable_field(name: &str) -> &'static (Ident, Ident) {
    // Only kept bindings are asked for; an error here is the translator's.
    panic!("internal error: `{name}` is not kept by any state")
}

/// Whether the code (of one state) jumps to `target`.
fn jumps_to(f: &Function, m: &Machine, c: &Code, target: StateId) -> bool {
    match c {
        Code::Seq(items) => items.iter().any(|i| jumps_to(f, m, i, target)),
        Code::Reopen(_, b) | Code::Open(_, b) | Code::Head(b) => jumps_to(f, m, b, target),
        Code::If { then, els, .. } => jumps_to(f, m, then, target) || jumps_to(f, m, els, target),
        Code::Match { arms, .. } => arms.iter().any(|a| jumps_to(f, m, a, target)),
        Code::While { body, exit, .. } | Code::For { body, exit, .. } => {
            jumps_to(f, m, body, target) || jumps_to(f, m, exit, target)
        }
        Code::Goto(t) => *t == target,
        Code::Jump(j) => jump_state(f, m, *j) == Some(target),
        Code::Plain(p) => p.jumps.iter().any(|&j| jump_state(f, m, j) == Some(target)),
        Code::Join { resume, .. } | Code::WaitRendezvous { resume, .. } => *resume == target,
        Code::Poll { .. } | Code::Store(_) | Code::Return => false,
    }
}

fn jump_state(f: &Function, m: &Machine, j: usize) -> Option<StateId> {
    let info = &f.jumps[j];
    let &(head, exit) = m.loops.get(&info.target)?;
    Some(if info.is_break { exit } else { head })
}

impl crate::ir::Binding {
    /// Whether the generated code may mutate it: the user's `mut`, what
    /// the body assigns, and the translator's temporaries.
    pub fn mutable_here(&self) -> bool {
        self.mutable || self.assigned || matches!(self.kind, BindingKind::Temp(_))
    }
}

/// A kept variable, as this state's arm sees it: it may not be read here
/// (it is only carried to a later state, or to its drop at its scope's
/// end), which rustc would report as unused in the machine although the
/// lint shadow already judged the body as written. Borrowing it once says
/// it is used, and costs nothing.
fn touch(ident: &Ident) -> TokenStream {
    quote!(let _ = &#ident;)
}

/// The machine's copy of an item declared in an inner block of the body;
/// `local`: the types and traits such items declare. The lint shadow holds
/// the item where the user wrote it, and rustc and clippy lint it there:
/// the copies say nothing (a piece of the machine that does not use one
/// would draw "never used", and a lint inside one would be reported once
/// per copy). The lints of an unused item by name besides `warnings`,
/// which leaves the lints a crate denies: under `#![deny(dead_code)]` a
/// copy no piece uses was an error. (Not the whole `unused` group, which
/// a crate forbidding any other lint of the group would refuse: E0453;
/// see tests/ui/pass/items-in-a-waiting-block-under-denied-unused-lints.rs.)
/// Not what the shadow leaves out (see [`crate::shadow::left_out`]): the
/// machine's one copy is linted.
pub fn nested_item(item: &Stmt, local: &[String], hoisted: bool) -> TokenStream {
    if crate::shadow::left_out(item, local, hoisted) {
        quote!(#item)
    } else {
        quote!(#[allow(warnings, dead_code, unused_imports, unused_macros)] #item)
    }
}

/// The names of the items of the body's inner blocks: the lint shadow
/// declares them again, so a type of one (or one a function of them
/// returns) is another there.
fn nested_names(f: &Function) -> Vec<String> {
    let scoped = f.scope_items.iter().flat_map(|(_, items)| items.iter());
    let all: Vec<Stmt> = f.nested_items.iter().chain(scoped).cloned().collect();
    crate::parse::syntax::item_names(&all)
}

/// The types and traits the items of the body's inner blocks declare.
pub fn nested_types(f: &Function) -> Vec<String> {
    let scoped = f.scope_items.iter().flat_map(|(_, items)| items.iter());
    let all: Vec<Stmt> = f.nested_items.iter().chain(scoped).cloned().collect();
    crate::shadow::declared_types(&all)
}
