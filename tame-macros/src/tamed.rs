//! `#[tamed]`: check → parse → lower → analyze → emit, and the function
//! around the machine.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{FnArg, GenericParam, ItemFn, Pat, ReturnType, Type};

use crate::check;
use crate::emit::Emitter;
use crate::errors::Errors;
use crate::{analyze, krate, lower, parse, shadow};

pub fn tamed(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let krate = krate::parse_args(args).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let out = translate(input, errors);
    match krate {
        Some(path) => krate::rename(out, &path),
        None => out,
    }
}

/// Whether `f` is the output of `#[tamed]` already: its body declares the
/// machine's state type.
fn already_translated(f: &ItemFn) -> bool {
    f.block
        .stmts
        .iter()
        .any(|s| matches!(s, syn::Stmt::Item(syn::Item::Enum(e)) if e.ident == "__TameState"))
}

fn translate(input: TokenStream, mut errors: Errors) -> TokenStream {
    let input = parse::fragments::as_read(input);
    let mut f: ItemFn = match syn::parse2(input.clone()) {
        Ok(f) => f,
        Err(e) => {
            if let Ok(decl) = syn::parse2::<syn::TraitItemFn>(input.clone()) {
                return trait_declaration(decl, errors);
            }
            // A syntax error in the body: the function as it would be,
            // without its body, so that its callers and the twaits in it
            // see no second error (`add #[tamed]`, a missing argument).
            if let Ok(f) = syn::parse::Parser::parse2(function_without_body, input.clone()) {
                return syntax_error(e, &f, &input);
            }
            return not_a_function(e, input);
        }
    };
    if already_translated(&f) {
        // A second `#[tamed]` under another name (`use tame::tamed as t;`
        // and both on one function: the first did not know the second by
        // its name). Its output stays as it is.
        let e = syn::Error::new(
            Span::call_site(),
            "#[tamed] is given twice (once under another name); remove one",
        );
        let mut out = crate::errors::compile_errors(e);
        out.extend(input);
        return out;
    }
    ungroup_types(&mut f);
    cfg_attrs_as_cfgs(&mut f);
    // An inner attribute of the body (`#![allow(..)]`) is the function's:
    // it goes before the generated function, which holds the body twice.
    for a in &mut f.attrs {
        a.style = syn::AttrStyle::Outer;
    }
    check::signature(&f, &mut errors);
    check::body(&f, &mut errors);
    if let Some(e) = errors.take() {
        return fallback(e, &f);
    }
    let ir = parse::function(&f, &mut errors);
    if let Some(e) = errors.take() {
        return fallback(e, &f);
    }
    let (machine, analysis) = lower_and_analyze(&ir, &mut errors);
    if let Some(e) = errors.take() {
        return fallback(e, &f);
    }
    let reached = analysis.reached.clone();
    let mut em = Emitter::new(&ir, &machine, &analysis, reached);
    let enum_def = em.state_enum();
    let sites = em.sites();
    let initial = em.initial();
    let untaken = em.untaken_params();
    let ties = em.type_ties(parse::syntax::calls_statement_macros(&f.block));
    let arms: Vec<TokenStream> = machine.order.iter().map(|&s| em.arm(s)).collect();

    let sig = Signature::of(&f);
    let lint_shadow = lint_shadow(&f, &sig, &shadow::rendezvous_names(&f), false);
    let items = &ir.items;
    let local = crate::emit::nested_types(&ir);
    let nested_items = (ir.nested_items.iter()).map(|i| crate::emit::nested_item(i, &local, true));
    let name = &ir.name;
    let var = em.state_var();
    let ty = em.state_ty();
    let drive = em.drive();
    let cx = parse::syntax::hygienic("__tame_cx");
    let body = parse::syntax::hygienic("__tame_body");
    let done_holder = match &sig.done {
        Some(done) => {
            let holder = parse::syntax::hygienic("__tame_done");
            quote!(let mut #holder = ::tame::__private::Delivery::new(#done);)
        }
        None => TokenStream::new(),
    };
    // A function the test harness could call (no parameters, no value):
    // see `refuse_test_harness`.
    let harness_callable = f.sig.inputs.is_empty() && sig.done.is_none() && f.sig.abi.is_none();
    let harness_check = harness_callable.then(|| {
        // As written (`r#match`): the harness names its thread so.
        let ident = f.sig.ident.to_string();
        quote! {
            #[cfg(test)]
            ::tame::__private::refuse_test_harness(
                ::tame::__private::core::module_path!(),
                #ident,
                ::tame::__private::core::panic::Location::caller(),
                ::tame::__private::core::option_env!("CARGO_MANIFEST_DIR"),
            );
        }
    });
    // (For `Location::caller()` above: the outer function's caller.)
    let track_caller = harness_callable.then(|| quote!(#[track_caller]));
    let start = quote!(#harness_check ::tame::__private::start_machine(#name, #body););
    let attrs = &f.attrs;
    let vis = &f.vis;
    let sig_tokens = &sig.item;
    // The states run inside a labeled block: a `break` or `continue`
    // without a label that the translator cannot see (one a `macro_rules!`
    // of the user's expands to, in a loop that waits and so is the drive
    // loop now) is then rustc's error E0695, not a jump of the machine's.
    let arms_label = syn::Lifetime::new("'__tame_states", Span::mixed_site());
    let machine = quote! {
        #drive: loop {
            #arms_label: {
                match ::tame::__private::take_state(&mut #var, #ty::__Taken) {
                    #(#arms)*
                    #ty::__Taken => ::tame::__private::unreachable_state("a #[tamed] function was resumed while it ran"),
                }
            }
        }
    };
    // A function with a value runs its machine in an inner closure, so
    // that its locals are dropped before its value is delivered. For a
    // `Result`/`Option` function that closure returns `Result<P, E>` /
    // `Option<P>` (`P` the marker `OnlyErrOrNoneReturnsFromAMacro`): a `?`
    // or a `return Err(..)` (also from a user's macro) leaves it, and
    // `finish` keeps the error as the value.
    // An `unsafe` block of the user's that waits is cut into states: the
    // whole machine is then in an `unsafe` block, and the lint shadow keeps
    // rustc's check of the user's own blocks (an unsafe operation outside
    // them is its E0133 there).
    let (machine, unsafe_allow) = if ir.unsafe_waits {
        (
            quote!(unsafe { #machine }),
            quote!(#[allow(unused_unsafe, unsafe_code)]),
        )
    } else {
        (machine, TokenStream::new())
    };
    let holder = parse::syntax::hygienic("__tame_done");
    let machine = match (&f.sig.output, ir.try_shaped, ir.returns_value) {
        (ReturnType::Type(_, r), true, _) => {
            let exit = parse::syntax::hygienic("__tame_exit");
            // Where the body's items are in scope here (see
            // `syntax::has_items`), the type comes from `done`, the
            // signature's, and is not written again.
            let run = if parse::syntax::has_items(&f.block) {
                quote! {
                    ::tame::__private::run_exit(
                        ::tame::__private::delivery_type(&#holder),
                        || { #machine },
                    )
                }
            } else {
                // The closure spans the user's body, as the lint shadow's
                // does: rustc's report of a `?` that cannot return through
                // the function's type labels the same closure in both, so
                // it is given once.
                let bars = quote_spanned!(f.block.brace_token.span.join()=> ||);
                let body = user_braces(&f.block, machine);
                quote!((#bars -> <#r as ::tame::__private::Exit>::Exit #body)())
            };
            quote! {
                let #exit = #run;
                ::tame::__private::Exit::finish(#exit, &mut #holder);
                #holder.flush();
            }
        }
        (_, false, true) => quote! {
            (|| { #machine })();
            #holder.flush();
        },
        _ => machine,
    };
    // A unit function's `return x;` stays the user's own in the machine:
    // its closure says `-> ()` as the lint shadow's does, at the same place,
    // so that rustc's report of an `x` that is not `()` is the shadow's
    // word for word, and rustc gives it once (without it, a second report
    // said the return type was inferred at `#[tamed]`).
    let (witnesses, state_tie) = (&ties.witnesses, &ties.state);
    let machine_ret = match &f.sig.output {
        ReturnType::Default if !ir.returns_value => {
            let at = Span::call_site().located_at(f.sig.paren_token.span.close());
            quote_spanned!(at=> -> ())
        }
        _ => TokenStream::new(),
    };
    let inner = quote! {
            #(#items)*
            #(#nested_items)*
            #witnesses
            #lint_shadow
            #enum_def
            #sites
            // A parameter named `_x` is moved into the state: a use of it
            // that is ours, not the user's.
            #[allow(clippy::used_underscore_binding)]
            let mut #var = #initial;
            #state_tie
            #untaken
            #done_holder
            // The lint shadow above reports what rustc and clippy say about
            // the body as written, once; the user's code keeps every lint
            // there. Here each allowance is for a lint that would only
            // repeat it in other words, or misfire on the machine's
            // rearrangement: a variable declared again in a state where it
            // is assigned later (`unused_mut`, `unused_assignments`); the
            // tail value of a branch of a discarded `if`/`match`, which
            // becomes a statement of its own (`unused_must_use`), or an
            // assignment where its braces are needless (`unused_braces`,
            // which rustc words otherwise for the user's copy); the `;`
            // the machine puts after every block-like statement
            // (`redundant_semicolons`, clippy's `unnecessary_semicolon`:
            // its `if`/`match` are statements, for their temporaries' sake,
            // where the user's were a block's tail); the machine's own `return`s and
            // labels; a `_guard` packed into the state
            // (`used_underscore_binding`, `no_effect_underscore_binding`);
            // and clippy's rewrites of a `match` or loop whose suggestion
            // would carry the machine's tokens (`manual_let_else`,
            // `manual_memcpy`, `question_mark`, `let_unit_value`; a
            // `let .. else` whose `else` waits becomes `if !matches!(..)`
            // with an `else`: `if_not_else`, `redundant_else`). rustc
            // drops a diagnostic identical to one it gave already, not one
            // the machine words differently: clippy's `useless_format`
            // and `uninlined_format_args` give the machine's copy of a
            // `format!` without the note the first report has, so it would
            // be shown twice. An edition 2024 let chain is nested `if
            // let`s here, which rustc and clippy lint where they do not
            // lint a chain: an irrefutable `let` inside it
            // (`irrefutable_let_patterns`), `let Some(_) = o`
            // (`redundant_pattern_matching`), a `let` of the previous
            // one's binding (`collapsible_match`), branches ending alike
            // (`branches_sharing_code`). A `while let` on an iterator the
            // machine keeps in its state is one it cannot `for`
            // (`while_let_on_iterator`, which the lint shadow reports as
            // written), and a closure the machine calls where it made it
            // (`redundant_closure_call`) is its own rearrangement; the
            // value of a block that waits, discarded (`{ twait!{..}; c + 1
            // };`), is a statement of its own here (`no_effect`). Lints
            // that read a pattern across statements or through a `for`
            // loop's or macro's expansion see the machine's copy spelled
            // otherwise (a regenerated `let` carries `#[tamed]`'s span, a
            // `for` is desugared apart), so they would report it a second
            // time, at `#[tamed]` or with another suggestion:
            // `for_loops_over_fallibles`, `vec_init_then_push`,
            // `reserve_after_initialization`, `explicit_counter_loop`,
            // `single_element_loop`, `format_in_format_args`,
            // `format_collect`, `manual_unwrap_or(_default)` (an
            // `#[expect]` of one, `allow` here, made clippy fall back to
            // the other), `manual_assert`, `write_with_newline` and
            // `writeln_empty_string` (the machine's `write!` carries no
            // note of the lint's default level, so rustc does not merge
            // the two reports). clippy's `arithmetic_side_effects` knows
            // an operand's value where the user's code has it (`let x = 5;
            // .. x + 1`), not where the machine reads it from its state:
            // the machine's copy would be its only report. The 2024
            // edition's drop-order lints (`tail_expr_drop_order`,
            // `if_let_rescope`) report the user's code in the lint
            // shadow; the machine's copy would be reported again at
            // `#[tamed]`, and its `if let` for a `while let` with a
            // suggestion that `cargo fix --edition` cannot apply (it
            // is a `match` now: an irrefutable `while let`, which the
            // lint shadow reports as written, has an unreachable arm
            // there, `unreachable_patterns`). clippy's
            // `manual_range_patterns` reads the machine's copy of a
            // pattern with a negative bound (`-5..=-1 | 0`) otherwise, and
            // its fix there (`-..=0`) would not compile; its
            // `manual_is_ascii_check`, whose report of the machine's copy
            // of `matches!(x, b'a'..=b'z')` rustc would show beside the
            // lint shadow's (the two differ in their notes). The
            // unused-variable lint is never allowed here: see
            // `Emitter::touch_defs`.
            #[allow(
                unused_mut,
                unused_assignments,
                unused_must_use,
                unreachable_code,
                unused_labels,
                unused_parens,
                unused_braces,
                redundant_semicolons,
                clippy::unnecessary_semicolon,
                clippy::needless_late_init,
                clippy::needless_return,
                clippy::used_underscore_binding,
                clippy::no_effect_underscore_binding,
                clippy::manual_let_else,
                clippy::manual_memcpy,
                clippy::question_mark,
                clippy::let_unit_value,
                clippy::if_not_else,
                clippy::redundant_else,
                clippy::useless_format,
                clippy::uninlined_format_args,
                clippy::write_with_newline,
                clippy::writeln_empty_string,
                irrefutable_let_patterns,
                clippy::redundant_pattern_matching,
                clippy::collapsible_match,
                clippy::branches_sharing_code,
                clippy::while_let_on_iterator,
                clippy::redundant_closure_call,
                clippy::indexing_slicing,
                clippy::shadow_unrelated,
                clippy::shadow_same,
                clippy::shadow_reuse,
                clippy::no_effect,
                clippy::unit_arg,
                for_loops_over_fallibles,
                clippy::vec_init_then_push,
                clippy::reserve_after_initialization,
                clippy::explicit_counter_loop,
                clippy::single_element_loop,
                clippy::format_in_format_args,
                clippy::format_collect,
                clippy::manual_unwrap_or,
                clippy::manual_unwrap_or_default,
                clippy::manual_assert,
                clippy::arithmetic_side_effects,
                tail_expr_drop_order,
                if_let_rescope,
                unreachable_patterns,
                clippy::manual_range_patterns,
                clippy::manual_is_ascii_check
            )]
            #unsafe_allow
            let #body = move |#cx: &::tame::__private::TaskContext<'_>| #machine_ret {
                #machine
            };
            #start
    };
    let block = user_braces(&f.block, inner);
    // The `done` parameter is ours: it does not count against clippy's
    // limit of seven the user's parameters are held to (a custom limit in
    // clippy.toml is one off either way).
    let too_many = (sig.done.is_some() && f.sig.inputs.len() <= CLIPPY_MAX_ARGUMENTS)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]));
    // A `new` that returns `Self` delivers it through `done`: clippy would
    // take the generated `fn new(.., done: Event<Self>)` for a constructor
    // that returns nothing.
    let new_ret = (sig.done.is_some() && f.sig.ident == "new")
        .then(|| quote!(#[allow(clippy::new_ret_no_self)]));
    // A `HashMap` or `HashSet` returned becomes the type of `done`, which
    // clippy's `implicit_hasher` would ask to make generic over its hasher
    // as it asks of a parameter (not of a return type). Unless one of the
    // user's parameters is such a map, where the lint is theirs.
    let hashed = |t: TokenStream| {
        let text = t.to_string();
        text.contains("HashMap") || text.contains("HashSet")
    };
    let hasher = match &f.sig.output {
        ReturnType::Type(_, ty) if sig.done.is_some() => {
            hashed(ty.to_token_stream()) && !hashed(f.sig.inputs.to_token_stream())
        }
        _ => false,
    };
    let hasher = hasher.then(|| quote!(#[allow(clippy::implicit_hasher)]));
    let done_doc = done_doc(&f, &sig);
    let (doc_twin, not_doc) = match doc_twin(&f, &sig) {
        Some(twin) => {
            let twin = quote! {
                #(#attrs)*
                #done_doc
                #twin
            };
            (Some(twin), Some(quote!(#[cfg(not(doc))])))
        }
        None => (None, None),
    };
    quote! {
        #doc_twin
        // clippy's `cognitive_complexity` does not look into closures, and
        // both copies of the body are in one: it would score every tamed
        // function alike, by the wrapper. Before the user's attributes, so
        // that one of theirs on the function still decides.
        #not_doc
        #[allow(clippy::cognitive_complexity)]
        #(#attrs)*
        #done_doc
        #too_many
        #new_ret
        #hasher
        #track_caller
        #vis #sig_tokens #block
    }
}

/// What rustdoc documents in place of a function with a pattern parameter
/// (`(a, b): (u32, u32)`): the machine takes such a parameter whole under
/// a name of its own (`a_b`, so that the pattern's parts are dropped when
/// the function ends, not when it first waits), and rustdoc prints
/// parameters as the signature binds them. Under `cfg(doc)` the function
/// is this twin instead: the translated signature (its `done` parameter,
/// its bounds) with the user's patterns, and a body that is never run nor
/// compiled into anything. `None` for a function without such a parameter.
fn doc_twin(f: &ItemFn, sig: &Signature) -> Option<TokenStream> {
    if sig.patterns.is_empty() {
        return None;
    }
    let mut item = sig.item.clone();
    for (ours, theirs) in item.inputs.iter_mut().zip(&f.sig.inputs) {
        if let (FnArg::Typed(o), FnArg::Typed(t)) = (ours, theirs) {
            if !matches!(&*t.pat, Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none()) {
                o.pat.clone_from(&t.pat);
            }
        }
    }
    let vis = &f.vis;
    Some(quote! {
        #[cfg(doc)]
        #vis #item {
            loop {}
        }
    })
}

/// The function's own lifetimes that its return type names (`fn label<'a>()
/// -> &'a str`) outlive `'static`: the value is delivered after the call
/// returned, so no borrow of the caller's can be in it (rustc said
/// "borrowed data escapes outside of function", of `done`). A parameter
/// that borrows for one is refused by the check, as any borrow is.
fn outlive_static(generics: &mut syn::Generics, ty: &Type) {
    struct Named(Vec<proc_macro2::Ident>);
    impl<'ast> syn::visit::Visit<'ast> for Named {
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            self.0.push(l.ident.clone());
        }
    }
    let mut named = Named(Vec::new());
    syn::visit::Visit::visit_type(&mut named, ty);
    for l in generics.lifetimes_mut() {
        let bounded = l.bounds.iter().any(|b| b.ident == "static");
        if named.0.contains(&l.lifetime.ident) && !bounded {
            if l.colon_token.is_none() {
                l.colon_token = Some(Default::default());
            }
            l.bounds
                .push(syn::Lifetime::new("'static", Span::call_site()));
        }
    }
}

/// The most parameters of a lint shadow's closure that `tame::__private`
/// has a `shadow_returningN` helper for.
const SHADOW_RETURNING_MAX: usize = 16;

/// clippy's default `too-many-arguments-threshold`.
const CLIPPY_MAX_ARGUMENTS: usize = 7;

/// `tokens` in braces with the span of the user's body's braces: the item
/// then spans the user's code, and rustc's lints on it (`dead_code` for a
/// function nobody calls) are not taken for a macro's own.
fn user_braces(block: &syn::Block, tokens: TokenStream) -> proc_macro2::Group {
    let mut g = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, tokens);
    g.set_span(block.brace_token.span.join());
    g
}

/// The generated function's signature: a pattern parameter gets a fresh
/// name, a return type becomes a last `done: Event<T>` parameter, type
/// parameters and `impl Trait` arguments get `'static` (the task outlives
/// the call).
struct Signature {
    item: syn::Signature,
    /// The `done` parameter's identifier (its hygiene is ours, so a user
    /// parameter named `done` is another variable).
    done: Option<proc_macro2::Ident>,
    /// Pattern parameters: (pattern, type, fresh name, attributes).
    patterns: Vec<(Pat, Type, proc_macro2::Ident, Vec<syn::Attribute>)>,
}

impl Signature {
    fn of(f: &ItemFn) -> Signature {
        let mut sig = f.sig.clone();
        let mut patterns = Vec::new();
        let rebound = parse::syntax::rebound_params(&sig);
        for (i, input) in sig.inputs.iter_mut().enumerate() {
            if let FnArg::Typed(t) = input {
                // `impl Display`, and one inside the type (`Vec<impl
                // Display>`, `Option<impl Fn()>`).
                StaticImpls.visit_type_mut(&mut t.ty);
                // Its lint levels as the machine's copies of the body's
                // statements carry them: the lint shadow's parameter is the
                // one the body uses (an `expect` here would go unfulfilled).
                // Any other attribute stays where the user wrote it, for
                // rustc to judge as on a plain function's parameter (a doc
                // comment there is an error, not documentation).
                let others: Vec<syn::Attribute> = (t.attrs.iter())
                    .filter(|a| !is_lint_attr(a) && !a.path().is_ident("cfg"))
                    .cloned()
                    .collect();
                parse::syntax::machine_attrs(&mut t.attrs);
                t.attrs.extend(others);
                let simple = !rebound[i];
                if let (true, Pat::Ident(p)) = (simple, &mut *t.pat) {
                    // The parameter itself only moves into the state; the
                    // lint shadow's copy of it is the one the body mutates
                    // (and where rustc judges the `mut`).
                    p.mutability = None;
                }
                if !simple {
                    let arg = parse::syntax::rebound_param_name(&f.sig, i);
                    patterns.push((
                        (*t.pat).clone(),
                        (*t.ty).clone(),
                        arg.clone(),
                        t.attrs.clone(),
                    ));
                    // `ref mut v: Vec<u32>` borrows the argument mutably.
                    let m = parse::syntax::binds_ref_mut(&t.pat).then(|| quote!(mut));
                    *t.pat = syn::parse_quote!(#m #arg);
                }
            }
        }
        let mut done = None;
        if let ReturnType::Type(_, ty) = &sig.output {
            let unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
            if !unit {
                // Named for the documentation (rustdoc prints the name):
                // `done`, or, when a parameter of the user's (or a name
                // its pattern binds) is so called, `tame_done`, `tame_done2`,
                // .., so that the docs name it apart.
                let taken: Vec<String> = (f.sig.inputs.iter())
                    .filter_map(|i| match i {
                        FnArg::Typed(t) => Some(parse::syntax::pattern_bindings(
                            &t.pat,
                            parse::syntax::PatPlace::Irrefutable,
                        )),
                        FnArg::Receiver(_) => None,
                    })
                    .flatten()
                    .map(|b| b.ident.to_string())
                    .collect();
                let name = ["done".to_owned(), "tame_done".to_owned()]
                    .into_iter()
                    .chain((2..).map(|n| format!("tame_done{n}")))
                    .find(|n| !taken.contains(n))
                    .unwrap_or_default();
                let d = proc_macro2::Ident::new(&name, Span::mixed_site());
                // `-> &str` of `&'static self` or of one `&'static str`
                // parameter: the lifetime elision gives it, written out
                // (in a parameter's type it would be a fresh one).
                let mut ty = ty.clone();
                if crate::check::output_elision(&f.sig) == Some(true) {
                    crate::check::static_output(&mut ty);
                }
                outlive_static(&mut sig.generics, &ty);
                // At the return type: an implementation of a trait's
                // method whose type differs is reported there, as for a
                // plain one (at `#[tamed]`, rustc's help replaced the
                // attribute with `Event<String>`; here it offers that for
                // the return type, which the message beside it corrects:
                // "expected `String`, found `usize`"). Of the macro's
                // hygiene: clippy's lints on a signature's types
                // (`type_complexity`) are not about the `Event` around it.
                let at = Span::call_site().located_at(ty.span());
                sig.inputs
                    .push(syn::parse_quote_spanned!(at=> #d: ::tame::Event<#ty>));
                done = Some(d);
            }
        }
        // `missing_docs` is about an undocumented `pub` item only.
        let documented = f.attrs.iter().any(|a| a.path().is_ident("doc"))
            || !matches!(f.vis, syn::Visibility::Public(_));
        add_sized_self(&mut sig, &f.sig.output, documented);
        sig.output = ReturnType::Default;
        add_static_bounds(&mut sig, documented);
        Signature {
            item: sig,
            done,
            patterns,
        }
    }
}

/// A lint level (`#[allow(..)]`, `#[deny(..)]`, ..): on a parameter, it
/// goes where the lint shadow binds the parameter, which is where rustc
/// lints its uses.
fn is_lint_attr(a: &syn::Attribute) -> bool {
    ["allow", "warn", "deny", "forbid", "expect", "cfg_attr"]
        .iter()
        .any(|l| a.path().is_ident(l))
}

/// Bounds every `impl Trait` of a parameter's type by `'static`.
struct StaticImpls;

impl syn::visit_mut::VisitMut for StaticImpls {
    fn visit_type_impl_trait_mut(&mut self, it: &mut syn::TypeImplTrait) {
        syn::visit_mut::visit_type_impl_trait_mut(self, it);
        // With the `impl`'s span: the type then spans the user's code, where
        // lints on it (clippy's `impl_trait_in_params`) point.
        let at = it.impl_token.span;
        if !it.bounds.empty_or_trailing() {
            it.bounds.push_punct(syn::Token![+](at));
        }
        it.bounds
            .push_value(syn::TypeParamBound::Lifetime(syn::Lifetime::new(
                "'static", at,
            )));
    }

    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        let is_static = r.lifetime.as_ref().is_some_and(|l| l.ident == "static");
        match &mut *r.elem {
            // `&'static impl Trait` bounds it by `'static` already (a
            // parameter's type implies it): left as written, the lints
            // that quote the type (clippy's) quote the user's.
            Type::ImplTrait(it) if is_static => {
                syn::visit_mut::visit_type_impl_trait_mut(self, it);
            }
            _ => {
                syn::visit_mut::visit_type_reference_mut(self, r);
                parenthesize_impl(&mut r.elem);
            }
        }
    }

    fn visit_type_ptr_mut(&mut self, p: &mut syn::TypePtr) {
        syn::visit_mut::visit_type_ptr_mut(self, p);
        parenthesize_impl(&mut p.elem);
    }
}

/// `*const impl A + 'static` does not parse (rustc: "ambiguous `+` in a
/// type"): behind a reference or pointer, an `impl` with more than one
/// bound needs parentheses.
fn parenthesize_impl(elem: &mut Box<Type>) {
    if let Type::ImplTrait(it) = &**elem {
        if it.bounds.len() > 1 {
            let span = it.impl_token.span;
            let inner = std::mem::replace(&mut **elem, Type::Verbatim(TokenStream::new()));
            **elem = Type::Paren(syn::TypeParen {
                paren_token: syn::token::Paren(span),
                elem: Box::new(inner),
            });
        }
    }
}

/// The task outlives the call: its type parameters must be `'static`. The
/// bound goes where the user bounds the parameter already (inline or in
/// the where clause), so that clippy sees one bound location.
fn add_static_bounds(sig: &mut syn::Signature, documented: bool) {
    let in_where: Vec<String> = sig
        .generics
        .where_clause
        .iter()
        .flat_map(|w| w.predicates.iter())
        .filter_map(|p| match p {
            syn::WherePredicate::Type(t) => {
                Some(quote::ToTokens::to_token_stream(&t.bounded_ty).to_string())
            }
            _ => None,
        })
        .collect();
    let mut where_static = Vec::new();
    for g in &mut sig.generics.params {
        if let GenericParam::Type(t) = g {
            if t.bounds.is_empty() && in_where.contains(&t.ident.to_string()) {
                where_static.push(t.ident.clone());
            } else {
                t.bounds.push(syn::parse_quote!('static));
            }
        }
    }
    for ident in where_static {
        // Located at the parameter, but the macro's own: rustc makes no
        // suggestion of its edits there (it took the predicate for a bound
        // written in `<..>`, and suggested `<U + Debug>`).
        let span = Span::call_site().located_at(ident.span());
        let ident = parse::syntax::ident_named(&ident.to_string(), span);
        push_where(
            sig,
            syn::parse_quote_spanned!(span=> #ident: 'static),
            documented,
        );
    }
    // A method keeps `self` in its task: the type parameters of its `impl`
    // (`impl<T: Debug> W<T>`), or a trait's `Self` in a default method,
    // must be `'static` too, which only the method's own clause can say.
    if sig.receiver().is_some() {
        let span = where_span(sig, documented);
        push_where(
            sig,
            syn::parse_quote_spanned!(span=> Self: 'static),
            documented,
        );
    }
}

/// Where the `where` clause the machine adds to a signature goes: at the
/// parameters' closing parenthesis. It ends the signature, and rustc
/// points at the whole signature for some lints (`missing_docs` on a
/// method), which a clause of the macro's hygiene would stretch to point at
/// `#[tamed]` instead; but rustc suggests its edits of the clause there
/// (`fn show(self: Rc<Self>), Self: Debug -> String`, not Rust), which it
/// does not in a clause of the macro's. So a function no such lint is
/// about (a documented one, or one that is not `pub`) gets the macro's.
fn where_span(sig: &syn::Signature, documented: bool) -> Span {
    let at = sig.paren_token.span.close();
    if documented {
        Span::call_site().located_at(at)
    } else {
        at
    }
}

/// Adds a predicate to the signature's `where` clause, starting one at
/// [`where_span`] if it has none. The predicates added go first: a clause
/// of the user's ends with the user's own predicate, after which rustc's
/// suggestions (`, Self: Debug`) are right.
fn push_where(sig: &mut syn::Signature, predicate: syn::WherePredicate, documented: bool) {
    let span = where_span(sig, documented);
    let clause = sig
        .generics
        .where_clause
        .get_or_insert_with(|| syn::WhereClause {
            where_token: syn::Token![where](span),
            predicates: syn::punctuated::Punctuated::new(),
        });
    clause.predicates.insert(0, predicate);
}

/// `Self: Sized` for a method that takes `self` by value, or whose value
/// holds `Self` by value (`-> Self`, `-> Option<Self>`): its state, or its
/// `done: Event<Self>`, needs it, which a trait's
/// declaration (`fn connect(addr: String) -> Self;`) does not say by
/// itself, as a plain one needs not. Such a method cannot be called on a
/// `dyn` trait object anyway; in an `impl`, `Self` is sized and the bound
/// says nothing.
fn add_sized_self(sig: &mut syn::Signature, output: &ReturnType, documented: bool) {
    struct ByValue(bool);
    impl<'ast> syn::visit::Visit<'ast> for ByValue {
        fn visit_type_path(&mut self, p: &'ast syn::TypePath) {
            if p.qself.is_none() && p.path.is_ident("Self") {
                self.0 = true;
                return;
            }
            // `<Self as Tr>::Out` is another type: only its arguments may
            // hold `Self` by value.
            if p.qself.is_some() {
                for segment in &p.path.segments {
                    syn::visit::visit_path_arguments(self, &segment.arguments);
                }
                return;
            }
            // Behind a pointer, `Self` may be unsized (`-> Box<Self>`).
            let pointer = p.path.segments.last().is_some_and(|s| {
                ["Box", "Rc", "Arc", "Weak", "Pin", "NonNull"]
                    .contains(&s.ident.to_string().as_str())
            });
            if !pointer {
                syn::visit::visit_type_path(self, p);
            }
        }
        fn visit_type_reference(&mut self, _: &'ast syn::TypeReference) {}
        fn visit_type_ptr(&mut self, _: &'ast syn::TypePtr) {}
        fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}
        fn visit_type_trait_object(&mut self, _: &'ast syn::TypeTraitObject) {}
    }
    let mut by_value = ByValue(false);
    if let ReturnType::Type(_, ty) = output {
        syn::visit::Visit::visit_type(&mut by_value, ty);
    }
    // `self` by value: the machine keeps it in its state, which needs it
    // sized (a trait's default method says nothing of it by itself; there
    // rustc reported the state's parameter unsized, in terms of the
    // expansion, four times).
    let self_by_value = sig.receiver().is_some_and(|r| {
        r.reference.is_none() && matches!(&*r.ty, Type::Path(p) if p.path.is_ident("Self"))
    });
    if by_value.0 || self_by_value {
        let span = where_span(sig, documented);
        push_where(
            sig,
            syn::parse_quote_spanned!(span=> Self: ::tame::__private::core::marker::Sized),
            documented,
        );
    }
}

/// `if false { <paths used>; let _ = || -> T { <shadow body> }; return; }`
///
/// Never runs: rustc only type-checks and lints it (see `shadow.rs`). It
/// comes before the state is made, and leaves the function, so that what
/// it captures does not conflict with the machine's moves.
///
/// For a `rejected` function, a misused macro in the body is a stand-in
/// that diverges; the code after it is not reported as unreachable (a
/// variable it would have read may still be reported unused, next to the
/// error).
fn lint_shadow(
    f: &ItemFn,
    sig: &Signature,
    rendezvous: &std::collections::HashSet<String>,
    rejected: bool,
) -> TokenStream {
    // A `?` the check reported (no value to return through, or a value no
    // `?` can return through) says nothing more here.
    let try_reported = sig.done.is_none()
        || matches!(&f.sig.output, ReturnType::Type(_, ty) if check::surely_not_try(ty));
    let body = shadow::body(&f.sig.inputs, &f.block.stmts, rendezvous, try_reported);
    let paths = parse::macros::macro_paths(&f.block);
    // A pattern parameter (and one after it, which the machine binds
    // again) is a parameter of the closure with its pattern, as below;
    // one whose type has an `impl Trait` in it, which a closure cannot
    // name, is destructured from its argument in the closure.
    let mut patterns = Vec::new();
    let mut rebound_params = sig.patterns.iter();
    // Each parameter is a parameter of the closure, or else (its type is
    // an `impl Trait`, which a closure cannot name) bound again inside
    // it: one the body never uses is reported there, at the parameter's
    // name (the machine moves every parameter that needs a drop into its
    // state, a use that is ours). As a parameter it also outlives the
    // temporaries of the body's tail expression, as in a plain function
    // (`c.borrow().len()` as the last expression).
    let mut closure_params = Vec::new();
    // The same, typed by a helper instead (see `returning` below), which
    // takes the `impl Trait` ones too.
    let (mut untyped_params, mut param_types) = (Vec::new(), Vec::new());
    // Each of those parameters' `cfg` predicate, if it has one.
    let mut param_cfgs = Vec::new();
    let mut params = Vec::new();
    let mut impl_params = false;
    // A rejected function has no machine to move its parameters: they are
    // borrowed here, once, so that only the closure's own go unused.
    let mut touches = Vec::new();
    let rebound = parse::syntax::rebound_params(&f.sig);
    for (a, rebound) in f.sig.inputs.iter().zip(rebound) {
        let syn::FnArg::Typed(t) = a else { continue };
        if rebound {
            let Some((pat, ty, arg, attrs)) = rebound_params.next() else {
                continue;
            };
            let cfg: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
            let lints: Vec<_> = attrs.iter().filter(|a| is_lint_attr(a)).collect();
            untyped_params.push(quote!(#(#lints)* #pat));
            param_types.push(quote!(::tame::__private::type_of(&#arg)));
            param_cfgs.push(cfg_predicate(&cfg));
            if parse::syntax::mentions_impl(ty) {
                impl_params = true;
                patterns.push(quote!(#(#lints)* let #pat = #arg;));
            } else {
                closure_params.push(quote!(#(#cfg)* #(#lints)* #pat: #ty));
            }
            continue;
        }
        let Pat::Ident(p) = &*t.pat else { continue };
        let (m, ident, ty) = (&p.mutability, &p.ident, &t.ty);
        // A parameter under `#[cfg(..)]` is bound, and touched, under it;
        // one under a lint level of the user's (`#[allow(unused_mut)]`) is bound
        // under that level.
        let cfg: Vec<&syn::Attribute> = (t.attrs.iter())
            .filter(|a| a.path().is_ident("cfg"))
            .collect();
        let lints: Vec<&syn::Attribute> = t.attrs.iter().filter(|a| is_lint_attr(a)).collect();
        if parse::syntax::mentions_impl(ty) {
            // Passing `_x` on is no use of it.
            let allow = ident.to_string().starts_with('_').then(|| {
                quote!(#[allow(clippy::used_underscore_binding, clippy::no_effect_underscore_binding)])
            });
            params.push(quote!(#(#cfg)* #(#lints)* #allow let #m #ident = #ident;));
            untyped_params.push(quote!(#(#lints)* #allow #m #ident));
            param_types.push(quote!(::tame::__private::type_of(&#ident)));
            param_cfgs.push(cfg_predicate(&cfg));
            impl_params = true;
        } else {
            // The function binds it already: clippy's restriction lint
            // takes the closure's parameter for a shadowing of it.
            closure_params.push(
                quote!(#(#cfg)* #[allow(clippy::shadow_unrelated)] #(#lints)* #m #ident: #ty),
            );
            untyped_params.push(quote!(#[allow(clippy::shadow_unrelated)] #(#lints)* #m #ident));
            param_types.push(quote!(::tame::__private::type_of(&#ident)));
            param_cfgs.push(cfg_predicate(&cfg));
            if rejected {
                touches.push(quote!(#(#cfg)* let _ = &#ident;));
            }
        }
    }
    // Where the body has items, in scope here (see `syntax::has_items`),
    // or a parameter's type has an `impl Trait`, the closure's parameters
    // and value are typed from the signature's (the function's parameters
    // and `done`), by a helper of the closure's number of parameters:
    // `use std::io::*;` in the body has a `Result` of its own, which must
    // not change what the signature says, and an `impl Trait` parameter
    // is then the closure's too (bound by a `let`, it would not outlive
    // the temporaries of the body's tail: `c.as_ref().borrow().len()`).
    // Parameters under `cfg` make the number one per configuration: a
    // closure for each, under its own `cfg`. As written where there is no
    // helper for the number, or the configurations are too many.
    let cfg_params: Vec<usize> = (param_cfgs.iter().enumerate())
        .filter_map(|(i, c)| c.is_some().then_some(i))
        .collect();
    let counted = (parse::syntax::has_items(&f.block) || impl_params)
        && untyped_params.len() <= SHADOW_RETURNING_MAX
        && cfg_params.len() <= SHADOW_CFG_PARAMS_MAX;
    let (ret, returning) = match (&f.sig.output, &sig.done) {
        (ReturnType::Type(..), Some(done)) if counted => {
            let ty = quote!(::tame::__private::return_type(&#done));
            (TokenStream::new(), Some(ty))
        }
        // `-> ()` as no return type.
        (output, _)
            if counted
                && match output {
                    ReturnType::Default => true,
                    ReturnType::Type(_, ty) => {
                        matches!(&**ty, Type::Tuple(t) if t.elems.is_empty())
                    }
                } =>
        {
            (
                TokenStream::new(),
                Some(quote!(::tame::__private::unit_type())),
            )
        }
        (ReturnType::Type(_, ty), _) => (quote!(-> #ty), None),
        // Said: without it, `return n;` gave the closure `n`'s type, and
        // rustc reported the body's end as the mismatch, suggesting to
        // return `n` there.
        // (Not for a rejected function, whose return type the check may
        // have left out.)
        (ReturnType::Default, _) if !rejected => {
            let at = Span::call_site().located_at(f.sig.paren_token.span.close());
            (quote_spanned!(at=> -> ()), None)
        }
        (ReturnType::Default, _) => (TokenStream::new(), None),
    };
    let allow = rejected.then(|| quote!(#[allow(unreachable_code, unused_assignments)]));
    // The closure spans the user's body (its bars and braces carry the
    // body's span), so that clippy's lints on a function's body as a whole
    // (`needless_return`) look at it as the user's code.
    let span = f.block.brace_token.span.join();
    // A closure captures the fields it uses of a `mut self` one by one,
    // and takes an assignment to a field it moves (`self.0 = t; self.0`)
    // for a write over a captured value never read; a method does not.
    // Borrowing `self` whole makes the closure capture `self` itself.
    let whole_self = f.sig.inputs.iter().any(
        |a| matches!(a, syn::FnArg::Receiver(r) if r.reference.is_none() && r.mutability.is_some()),
    );
    let whole_self = whole_self.then(|| quote!(let _ = &self;));
    // (Typed by the helper, every parameter is the closure's.)
    let (params, patterns) = match returning {
        Some(_) => (Vec::new(), Vec::new()),
        None => (params, patterns),
    };
    let block = user_braces(
        &f.block,
        quote! {
            #whole_self
            #(#params)*
            #(#patterns)*
            #body
        },
    );
    let closures: Vec<TokenStream> = match returning {
        Some(ty) => configurations(&param_cfgs, &cfg_params)
            .into_iter()
            .map(|(cfg, present)| {
                let helper = quote::format_ident!("shadow_returning{}", present.len());
                let params = present.iter().map(|&i| &untyped_params[i]);
                let types = present.iter().map(|&i| &param_types[i]);
                let bars = quote_spanned!(span=> | #(#params),* |);
                quote! {
                    #cfg
                    #allow
                    let _ = ::tame::__private::#helper(#ty, (#(#types,)*), #bars #block);
                }
            })
            .collect(),
        None => {
            let bars = quote_spanned!(span=> | #(#closure_params),* |);
            vec![quote!(#allow let _ = #bars #ret #block;)]
        }
    };
    quote! {
        if false {
            #(#paths!(@used);)*
            #(#touches)*
            #(#closures)*
            return;
        }
    }
}

/// What a rejected function expands to: the errors, and the function with
/// its body as the lint shadow, so that rustc's own errors in the body
/// show too and the rest of the crate type-checks (as tokio's macros do).
///
/// A return type rejected by the check (`impl Trait`, `!`) is left out, so
/// that rustc does not report it again, in terms of the expansion.
/// `#[tamed]` on something that is not a function: an `impl` block or a
/// trait says where the attribute goes instead, and the item is kept as
/// written, so that nothing else in the crate fails because it is gone.
/// `#[tamed] fn f(self, a: A) -> T;` in a trait: the signature its tamed
/// implementations get (`fn f(self, a: A, done: Event<T>);`), so that a
/// trait can declare it as it is written in the impls.
fn trait_declaration(decl: syn::TraitItemFn, mut errors: Errors) -> TokenStream {
    let mut f = ItemFn {
        attrs: decl.attrs,
        vis: syn::Visibility::Inherited,
        sig: decl.sig,
        block: Box::new(syn::parse_quote!({})),
    };
    check::signature(&f, &mut errors);
    // A return type the check rejected is left out, as for a function
    // with a body: rustc would report it again (`Event<!>`: "the `!` type
    // is experimental").
    if let ReturnType::Type(_, ty) = &f.sig.output {
        if check::rejected_return(ty) {
            f.sig.output = ReturnType::Default;
        }
    }
    let errors = errors.take().map(crate::errors::compile_errors);
    let mut sig = Signature::of(&f);
    // A declaration keeps no `self`: its implementations say what they
    // need (`where Self: 'static` on each tamed one), and one written by
    // hand for a type that borrows (a mock) may be called as any method.
    if let Some(w) = &mut sig.item.generics.where_clause {
        let self_static: syn::WherePredicate = syn::parse_quote!(Self: 'static);
        w.predicates = std::mem::take(&mut w.predicates)
            .into_iter()
            .filter(|p| *p != self_static)
            .collect();
        if w.predicates.is_empty() {
            sig.item.generics.where_clause = None;
        }
    }
    // Nothing is bound again without a body: each parameter is as written
    // (`_: u8`; rustdoc showed the machine's name for it).
    for (ours, theirs) in sig.item.inputs.iter_mut().zip(&f.sig.inputs) {
        if let (FnArg::Typed(o), FnArg::Typed(t)) = (ours, theirs) {
            o.pat.clone_from(&t.pat);
        }
    }
    let attrs = &f.attrs;
    let item = &sig.item;
    let done_doc = done_doc(&f, &sig);
    quote! {
        #errors
        #(#attrs)*
        #done_doc
        #item;
    }
}

/// A paragraph added to the documentation of a documented function whose
/// return type became a `done` parameter: rustdoc shows the signature the
/// translator made (`fn f(a: u32, done: Event<u32>)`), and its reader
/// would not know what `done` is. An undocumented function gets none, so
/// that `missing_docs` still reports it (`#[doc(alias ..)]` and
/// `#[doc(hidden)]` are no documentation).
///
/// The paragraph leaves the user's text as rustdoc would render it alone:
/// it is indented as the least indented of the user's lines (rustdoc takes
/// that much off every line; a paragraph indented less would leave the
/// user's lines indented, four spaces making a code block of them), and
/// it closes a code fence the user's text leaves open (rustdoc closes it
/// at the end, which would otherwise take the paragraph in).
fn done_doc(f: &syn::ItemFn, sig: &Signature) -> Option<TokenStream> {
    let done = sig.done.as_ref()?;
    let docs: Vec<&syn::Expr> = (f.attrs.iter())
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => Some(&nv.value),
            _ => None,
        })
        .collect();
    if docs.is_empty() {
        return None;
    }
    // The text of each (`doc = include_str!(..)` has none to look at).
    let text: Vec<String> = (docs.iter())
        .filter_map(|e| match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        })
        .collect();
    let lines = || text.iter().flat_map(|t| t.lines());
    let indent = lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().take_while(|c| c.is_whitespace()).count())
        .min()
        .unwrap_or(0);
    let mut open_fence: Option<(char, usize)> = None;
    for line in lines() {
        let line = line.trim_start();
        let Some(c) = line.chars().next().filter(|&c| c == '`' || c == '~') else {
            continue;
        };
        let run = line.chars().take_while(|&x| x == c).count();
        match open_fence {
            None if run >= 3 => open_fence = Some((c, run)),
            Some((fc, frun)) if fc == c && run >= frun && line[run..].trim().is_empty() => {
                open_fence = None;
            }
            _ => {}
        }
    }
    let pad = " ".repeat(indent);
    let close = open_fence.map_or(String::new(), |(c, run)| {
        format!("\n{pad}{}", c.to_string().repeat(run))
    });
    let text = format!(
        "{close}\n\n{pad}*Tamed* (`#[tamed]`): a call returns when the body first waits, \
         and the body's value is given to `{done}`, the event it takes last, \
         when the body ends (`{done}` is dropped untriggered if the body \
         panics or is cancelled)."
    );
    Some(quote!(#[doc = #text]))
}

/// A type spliced in by a `macro_rules!` (`$t:ty`) comes as a group
/// without delimiters, which the translator's judgements by the written
/// type (an `Event` parameter it watches, a `Result` return that `?`
/// leaves, a `()` return, a `Box` that `*b` moves out of) would not see
/// through: the type stands alone. Not a trait object or `impl Trait`,
/// whose bounds the group keeps together for syn (behind a pointer, where
/// rustc would read them apart, `parse::fragments` has given them
/// parentheses).
fn ungroup_types(f: &mut ItemFn) {
    struct Ungroup;
    impl syn::visit_mut::VisitMut for Ungroup {
        fn visit_type_mut(&mut self, t: &mut Type) {
            while let Type::Group(g) = t {
                if matches!(&*g.elem, Type::TraitObject(_) | Type::ImplTrait(_)) {
                    break;
                }
                *t = (*g.elem).clone();
            }
            syn::visit_mut::visit_type_mut(self, t);
        }
    }
    syn::visit_mut::VisitMut::visit_item_fn_mut(&mut Ungroup, f);
}

/// `#[cfg_attr(p, cfg(q))]` is `#[cfg(any(not(p), q))]`, and is written so
/// (nested `cfg_attr`s and several `cfg`s in one are folded the same way):
/// rustc has not configured the body when `#[tamed]` sees it, and the
/// translator knows code that may be compiled out by its `cfg` attribute
/// alone. A `cfg_attr` that also gives other attributes is left as it is.
fn cfg_attrs_as_cfgs(f: &mut ItemFn) {
    struct Fold;
    impl syn::visit_mut::VisitMut for Fold {
        fn visit_attribute_mut(&mut self, a: &mut syn::Attribute) {
            if a.path().is_ident("cfg_attr") {
                if let Some(pred) = cfg_attr_predicate(&a.meta) {
                    let span = a.span();
                    let pound = a.pound_token;
                    let style = a.style;
                    *a = syn::parse_quote_spanned!(span=> #[cfg(#pred)]);
                    a.pound_token = pound;
                    a.style = style;
                }
            }
        }
        // Where code the translator takes apart may be under a `cfg`: a
        // `cfg_attr` that gives a `cfg` and other attributes is split in
        // two there first.
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            split_cfg_attrs(&mut l.attrs);
            syn::visit_mut::visit_local_mut(self, l);
        }
        fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
            split_cfg_attrs(&mut a.attrs);
            syn::visit_mut::visit_arm_mut(self, a);
        }
        fn visit_field_value_mut(&mut self, f: &mut syn::FieldValue) {
            split_cfg_attrs(&mut f.attrs);
            syn::visit_mut::visit_field_value_mut(self, f);
        }
        fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
            split_cfg_attrs(&mut f.attrs);
            syn::visit_mut::visit_field_pat_mut(self, f);
        }
        fn visit_pat_type_mut(&mut self, p: &mut syn::PatType) {
            split_cfg_attrs(&mut p.attrs);
            syn::visit_mut::visit_pat_type_mut(self, p);
        }
        fn visit_stmt_macro_mut(&mut self, m: &mut syn::StmtMacro) {
            split_cfg_attrs(&mut m.attrs);
            syn::visit_mut::visit_stmt_macro_mut(self, m);
        }
        // The statements of a `twait! {}` block and a `tvars! {}` are the
        // body's too (syn does not look into a macro's tokens): folded
        // alike, and written back as tokens, only where one has a
        // `cfg_attr` (the others are left as they came).
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            let ours = matches!(
                parse::macros::which(m),
                Some(parse::macros::Which::Twait | parse::macros::Which::Tvars)
            );
            if !ours || !matches!(m.delimiter, syn::MacroDelimiter::Brace(_)) {
                return;
            }
            if !m.tokens.to_string().contains("cfg_attr") {
                return;
            }
            let Ok(mut stmts) =
                syn::parse::Parser::parse2(syn::Block::parse_within, m.tokens.clone())
            else {
                return;
            };
            for s in &mut stmts {
                self.visit_stmt_mut(s);
            }
            m.tokens = quote!(#(#stmts)*);
        }
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let attrs = match &mut *e {
                syn::Expr::Return(r) => Some(&mut r.attrs),
                syn::Expr::Break(b) => Some(&mut b.attrs),
                syn::Expr::Continue(c) => Some(&mut c.attrs),
                other => parse::syntax::expr_attrs_mut(other),
            };
            if let Some(attrs) = attrs {
                split_cfg_attrs(attrs);
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    syn::visit_mut::VisitMut::visit_item_fn_mut(&mut Fold, f);
}

/// `#[cfg_attr(p, cfg(q), allow(x))]` as `#[cfg(any(not(p), q))]` and
/// `#[cfg_attr(p, allow(x))]`: the `cfg` part on its own (folded by
/// [`cfg_attrs_as_cfgs`]), the others kept.
fn split_cfg_attrs(attrs: &mut Vec<syn::Attribute>) {
    let mut out = Vec::with_capacity(attrs.len());
    for a in attrs.drain(..) {
        let syn::Meta::List(list) = &a.meta else {
            out.push(a);
            continue;
        };
        if !list.path.is_ident("cfg_attr") {
            out.push(a);
            continue;
        }
        let Ok(parts) = list.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        ) else {
            out.push(a);
            continue;
        };
        let mut parts = parts.into_iter();
        let Some(when) = parts.next() else {
            out.push(a);
            continue;
        };
        let (cfgs, others): (Vec<syn::Meta>, Vec<syn::Meta>) = parts.partition(|m| {
            m.path().is_ident("cfg")
                || (m.path().is_ident("cfg_attr") && cfg_attr_predicate(m).is_some())
        });
        if cfgs.is_empty() || others.is_empty() {
            out.push(a);
            continue;
        }
        let span = a.span();
        out.push(syn::parse_quote_spanned!(span=> #[cfg_attr(#when, #(#cfgs),*)]));
        out.push(syn::parse_quote_spanned!(span=> #[cfg_attr(#when, #(#others),*)]));
    }
    *attrs = out;
}

/// The predicate under which a `cfg_attr(..)` that only gives `cfg`s (or
/// such `cfg_attr`s) keeps what it is on.
fn cfg_attr_predicate(meta: &syn::Meta) -> Option<TokenStream> {
    let syn::Meta::List(list) = meta else {
        return None;
    };
    let parts = list
        .parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut parts = parts.into_iter();
    let when = parts.next()?;
    let mut kept = Vec::new();
    for m in parts {
        match &m {
            syn::Meta::List(l) if l.path.is_ident("cfg") => kept.push(l.tokens.clone()),
            syn::Meta::List(l) if l.path.is_ident("cfg_attr") => kept.push(cfg_attr_predicate(&m)?),
            _ => return None,
        }
    }
    if kept.is_empty() {
        return None;
    }
    Some(quote!(any(not(#when), all(#(#kept),*))))
}

/// A function whose body does not parse: its attributes, visibility and
/// signature, with a body that stands for any.
fn function_without_body(input: syn::parse::ParseStream) -> syn::Result<ItemFn> {
    let attrs = input.call(syn::Attribute::parse_outer)?;
    let vis: syn::Visibility = input.parse()?;
    let sig: syn::Signature = input.parse()?;
    let body: proc_macro2::Group = input.parse()?;
    if body.delimiter() != proc_macro2::Delimiter::Brace || !input.is_empty() {
        return Err(input.error("not a function"));
    }
    // A body of any type, which uses no parameter (they go unlinted).
    let stmt: syn::Stmt =
        syn::parse_quote_spanned!(body.span()=> ::tame::__private::core::unreachable!(););
    Ok(ItemFn {
        attrs,
        vis,
        sig,
        block: Box::new(syn::Block {
            brace_token: syn::token::Brace(body.delim_span()),
            stmts: vec![stmt],
        }),
    })
}

/// What a function whose body does not parse expands to: the error, and
/// the function with a body that never runs. Nothing of the body is
/// checked, so nothing in it is reported unused: not the parameters (each
/// is touched), nor the imports of tame's macros it calls (they are marked
/// used).
fn syntax_error(err: syn::Error, f: &ItemFn, input: &TokenStream) -> TokenStream {
    let err = rendezvous_wait_with_a_block(input.clone()).unwrap_or(err);
    let errors = crate::errors::compile_errors(err);
    let mut f = f.clone();
    f.attrs.retain(|a| check::rejected_attribute(a).is_none());
    let sig = Signature::of(&f);
    let mut item = sig.item.clone();
    item.asyncness = None;
    item.constness = None;
    let attrs = &f.attrs;
    let vis = &f.vis;
    let mut used = Vec::new();
    parse::macros::macro_paths_in(input.clone(), &mut used);
    used.sort();
    used.dedup();
    let used = used.iter().filter_map(|path| {
        let path: TokenStream = path.parse().ok()?;
        Some(quote!(#path!(@used);))
    });
    // Each parameter touched: the body that would use them is not there.
    let touched = f.sig.inputs.iter().filter_map(|a| {
        let syn::FnArg::Typed(t) = a else { return None };
        let Pat::Ident(p) = &*t.pat else { return None };
        let cfg = t.attrs.iter().filter(|a| a.path().is_ident("cfg"));
        let ident = &p.ident;
        Some(quote!(#(#cfg)* let _ = &#ident;))
    });
    quote! {
        #errors
        #(#attrs)*
        #vis #item {
            #(#touched)*
            #(#used)*
            ::tame::__private::core::unreachable!()
        }
    }
}

/// `twait!(r) { .. }`, the two forms of `twait!` mixed, which rustc
/// reports as a missing `;` alone: the error with the forms told apart.
fn rendezvous_wait_with_a_block(tokens: TokenStream) -> Option<syn::Error> {
    use proc_macro2::{Delimiter, TokenTree};
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        if let TokenTree::Group(g) = tt {
            if let Some(e) = rendezvous_wait_with_a_block(g.stream()) {
                return Some(e);
            }
        }
        let Some(
            [TokenTree::Ident(name), TokenTree::Punct(bang), TokenTree::Group(args), TokenTree::Group(block)],
        ) = tts.get(i..i + 4)
        else {
            continue;
        };
        if name == "twait"
            && bang.as_char() == '!'
            && args.delimiter() == Delimiter::Parenthesis
            && block.delimiter() == Delimiter::Brace
        {
            return Some(syn::Error::new(
                name.span(),
                "`twait!(r)` waits on the rendezvous `r` and takes no block: make its events \
                 (`op(r.event(id))`, `mkevent!(r, id)`) before it, then `let id = twait!(r);`; \
                 to wait for the events made in a block, write `twait! { .. }`",
            ));
        }
    }
    None
}

fn not_a_function(err: syn::Error, input: TokenStream) -> TokenStream {
    let err = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Impl(i)) => syn::Error::new_spanned(
            i.impl_token,
            "#[tamed] goes on a function, not on an impl block: put it on each method that waits",
        ),
        Ok(syn::Item::Trait(t)) => syn::Error::new_spanned(
            t.trait_token,
            "#[tamed] goes on a function, not on a trait: put it on each method body that waits",
        ),
        Ok(other) => syn::Error::new_spanned(
            other,
            "#[tamed] goes on a function (`fn`) whose body waits with twait!",
        ),
        Err(_) => match syn::parse2::<syn::Expr>(input.clone()) {
            // On an expression (a closure), in an expression's place: the
            // error alone stands there, of no type (an echo would be read
            // as `compile_error!(..) || { .. }`, a `bool`, and its twaits
            // reported as outside a tamed function); the imports of tame's
            // macros it calls are marked used.
            Ok(e) => {
                let what = match e {
                    syn::Expr::Closure(_) => "a closure",
                    syn::Expr::Async(_) => "an async block",
                    _ => "an expression",
                };
                let err = crate::errors::compile_errors(syn::Error::new_spanned(
                    &e,
                    format!(
                        "#[tamed] goes on a function (`fn`), not on {what}: write a #[tamed] fn \
                         whose body waits, and call it (from the closure, if need be)"
                    ),
                ));
                let mut used = Vec::new();
                parse::macros::macro_paths_in(input, &mut used);
                used.sort();
                used.dedup();
                let used = used.iter().filter_map(|path| {
                    let path: TokenStream = path.parse().ok()?;
                    Some(quote!(#path!(@used);))
                });
                return quote!({ #(#used)* (#err) });
            }
            Err(_) => err,
        },
    };
    let mut out = crate::errors::compile_errors(err);
    out.extend(input);
    out
}

fn fallback(err: syn::Error, f: &ItemFn) -> TokenStream {
    let errors = crate::errors::compile_errors(err);
    let mut f = f.clone();
    if let ReturnType::Type(_, ty) = &f.sig.output {
        if check::rejected_return(ty) {
            f.sig.output = ReturnType::Default;
        }
    }
    // A second `#[tamed]` would translate this again; a test attribute
    // would report the generated signature.
    f.attrs.retain(|a| check::rejected_attribute(a).is_none());
    let f = &f;
    let sig = Signature::of(f);
    let shadow = lint_shadow(f, &sig, &shadow::rendezvous_names(f), true);
    let attrs = &f.attrs;
    let vis = &f.vis;
    let mut item = sig.item.clone();
    item.asyncness = None;
    item.constness = None;
    let done = sig.done.iter();
    // The body's own items, which the shadow leaves to the function (as a
    // translated one has them): without them, each use would be a second
    // error ("cannot find function").
    let items = (f.block.stmts.iter()).filter(|s| matches!(s, syn::Stmt::Item(_)));
    quote! {
        #errors
        #(#attrs)*
        #vis #item {
            #(#items)*
            #(let _ = #done;)*
            #shadow
        }
    }
}

/// Lowers and analyzes `ir` until no promotion (see `ir::Promotion`) turns
/// out useless: each round demotes at least one, so this ends.
pub(crate) fn lower_and_analyze<'ir>(
    ir: &'ir crate::ir::Function,
    errors: &mut Errors,
) -> (lower::Machine<'ir>, analyze::Analysis) {
    let mut demoted = HashSet::new();
    loop {
        let machine = lower::lower(ir, &demoted);
        let mut round = Errors::default();
        let analysis = analyze::analyze(ir, &machine, &mut round);
        let useless = analyze::useless_promotions(ir, &machine, &analysis);
        if useless.is_empty() {
            if let Some(e) = round.take() {
                errors.push(e);
            }
            return (machine, analysis);
        }
        demoted.extend(useless);
    }
}

/// The most parameters under `cfg` for which the lint shadow has a closure
/// per configuration (see [`configurations`]): 2^3 copies of the body.
const SHADOW_CFG_PARAMS_MAX: usize = 3;

/// A parameter's `cfg` predicate (`all(..)` of its `#[cfg]`s), if it has
/// any.
fn cfg_predicate(attrs: &[&syn::Attribute]) -> Option<TokenStream> {
    if attrs.is_empty() {
        return None;
    }
    let preds = attrs
        .iter()
        .filter_map(|a| a.meta.require_list().ok())
        .map(|l| &l.tokens);
    Some(quote!(all(#(#preds),*)))
}

/// Each configuration of the parameters under `cfg` (`cfgs[i]` for the
/// `i`-th parameter, `cfg_params` those that have one): its `#[cfg(..)]`
/// (none if no parameter has one) and the parameters it has, in order.
fn configurations(
    cfgs: &[Option<TokenStream>],
    cfg_params: &[usize],
) -> Vec<(Option<TokenStream>, Vec<usize>)> {
    if cfg_params.is_empty() {
        return vec![(None, (0..cfgs.len()).collect())];
    }
    (0..1u32 << cfg_params.len())
        .map(|mask| {
            let has = |k: usize| mask & (1 << k) != 0;
            let preds = cfg_params.iter().enumerate().map(|(k, &i)| {
                let p = &cfgs[i];
                if has(k) {
                    quote!(#p)
                } else {
                    quote!(not(#p))
                }
            });
            let present = (0..cfgs.len())
                .filter(|i| match cfg_params.iter().position(|j| j == i) {
                    Some(k) => has(k),
                    None => true,
                })
                .collect();
            (Some(quote!(#[cfg(all(#(#preds),*))])), present)
        })
        .collect()
}
