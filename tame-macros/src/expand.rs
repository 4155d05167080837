//! The `#[tamed]` pipeline: parse → check → rewrite → lower → analyze → emit.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::{FnArg, GenericParam, ItemFn, Pat, Stmt, Type};

use crate::check::{self, Errors};
use crate::emit::Emitter;
use crate::lower::Lowerer;
use crate::names::PatBinding;
use crate::{analyze, rewrite};

pub fn tamed(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    let mut f: ItemFn = syn::parse2(input)?;
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.spanned(&args, "#[tamed] takes no arguments");
    }
    check::signature(&f, &mut errors);
    check::body(&f.block.stmts, &mut errors);
    errors.finish()?;
    let mut errors = Errors::default();

    let name = f.sig.ident.to_string();
    let mut body = std::mem::take(&mut f.block.stmts);
    rewrite::rename_self(&mut body);

    // Parameters: simple names are carried as they are; patterns are bound
    // from a fresh name at the start of the body.
    let mut params = Vec::new();
    let mut outer = Vec::new();
    let mut prelude: Vec<Stmt> = Vec::new();
    let mut typed = Vec::new();
    for (i, input) in f.sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(r) => {
                let ident = rewrite::self_ident(Span::call_site());
                params.push(PatBinding {
                    ident,
                    mutable: r.mutability.is_some(),
                    by_ref: false,
                });
                r.mutability = None;
                outer.push(quote!(self));
            }
            FnArg::Typed(t) => {
                add_static_to_impl_trait(&mut t.ty);
                match &mut *t.pat {
                    Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => {
                        params.push(PatBinding {
                            ident: p.ident.clone(),
                            mutable: p.mutability.is_some(),
                            by_ref: false,
                        });
                        typed.push((p.ident.clone(), Some((*t.ty).clone())));
                        p.mutability = None;
                        outer.push(quote!(#p));
                    }
                    pat => {
                        let arg = format_ident!("__tame_arg{}", i, span = Span::mixed_site());
                        let user_pat = pat.clone();
                        prelude.push(syn::parse_quote!(let #user_pat = #arg;));
                        params.push(PatBinding {
                            ident: arg.clone(),
                            mutable: false,
                            by_ref: false,
                        });
                        outer.push(quote!(#arg));
                        *pat = syn::parse_quote!(#arg);
                    }
                }
            }
        }
    }
    // The task outlives the call: its type parameters must be 'static.
    // The bound goes where the user bounds the parameter already (inline or
    // in the where clause), so that clippy sees one bound location.
    let in_where: Vec<String> = f
        .sig
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
    for g in &mut f.sig.generics.params {
        if let GenericParam::Type(t) = g {
            if t.bounds.is_empty() && in_where.contains(&t.ident.to_string()) {
                where_static.push(t.ident.clone());
            } else {
                t.bounds.push(syn::parse_quote!('static));
            }
        }
    }
    for ident in where_static {
        f.sig
            .generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(#ident: 'static));
    }

    let typed_refs: Vec<(Ident, Option<&Type>)> =
        typed.iter().map(|(i, t)| (i.clone(), t.as_ref())).collect();
    let rendezvous = rewrite::rendezvous_names(&typed_refs, &body);
    let events = rewrite::rewrite_events(&mut body, &rendezvous, &mut errors);
    let mut first = Vec::new();
    for site in &events.rendezvous_sites {
        let list = &site.list;
        first.push(syn::parse_quote!(let mut #list = ::tame::__private::SlotList::new();));
    }
    first.extend(prelude);
    errors.finish()?;
    let mut errors = Errors::default();

    let lowered = Lowerer::new(&events, &mut errors).lower(params, first, &body);
    errors.finish()?;
    let mut errors = Errors::default();
    let live = analyze::liveness(&lowered);

    let mut em = Emitter::new(&lowered, &live, &mut errors);
    em.check_borrows();
    let enum_def = em.state_enum();
    let sites = em.sites(&name);
    let param_outer: Vec<(usize, TokenStream)> = lowered
        .params
        .iter()
        .zip(&outer)
        .map(|((b, _), value)| (*b, value.clone()))
        .collect();
    let initial = em.initial(&param_outer);
    let arms: Vec<TokenStream> = lowered.order.iter().map(|&s| em.arm(s)).collect();
    let (ty, var, cx, drive) = em.state_names();
    let (ty, var, cx, drive) = (ty.clone(), var.clone(), cx.clone(), drive.clone());
    drop(em);
    errors.finish()?;

    let body_ident = Ident::new("__tame_body", Span::mixed_site());
    let paths = &events.macro_paths;
    let used = quote!(#(#paths!{@used})*);
    let attrs = &f.attrs;
    let vis = &f.vis;
    let sig = &f.sig;
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #used
            #enum_def
            #sites
            let mut #var = #initial;
            #[allow(unused_mut, unused_variables, unreachable_code, unused_labels, unused_assignments, clippy::all)]
            let #body_ident = move |#cx: &::tame::__private::TaskContext<'_>| -> ::core::task::Poll<()> {
                #drive: loop {
                    match ::core::mem::replace(&mut #var, #ty::__Taken) {
                        #(#arms)*
                        #ty::__Taken => ::core::unreachable!("a #[tamed] function was resumed while it ran"),
                    }
                }
            };
            ::tame::__private::start(#name, #body_ident);
        }
    })
}

/// `impl Trait` in argument position gets a `'static` bound.
fn add_static_to_impl_trait(ty: &mut Type) {
    if let Type::ImplTrait(it) = ty {
        it.bounds.push(syn::parse_quote!('static));
    }
}

/// What is emitted when the input is wrong: the errors, and the function
/// with an empty body so that the rest of the crate still type-checks.
pub fn fallback(err: syn::Error, input: TokenStream) -> TokenStream {
    let errors = err.into_compile_error();
    match syn::parse2::<ItemFn>(input) {
        Ok(mut f) => {
            let paths = crate::parse::macro_paths(&f.block);
            f.block.stmts = paths
                .iter()
                .map(|p| syn::parse_quote!(#p!(@used);))
                .collect();
            f.sig.asyncness = None;
            f.sig.output = syn::ReturnType::Default;
            quote! {
                #errors
                #[allow(unused_variables, unused_mut)]
                #f
            }
        }
        Err(_) => errors,
    }
}
