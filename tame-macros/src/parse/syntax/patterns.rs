//! Patterns: the variables they bind, where they stand, their written
//! types, and parameters written as patterns.

use proc_macro2::{Ident, Span};
use syn::visit::Visit;
use syn::{Expr, Pat};

/// One variable bound by a pattern.
#[derive(Clone)]
pub struct PatBinding {
    pub ident: Ident,
    pub by_ref: bool,
    /// `mut x`.
    pub mutable: bool,
}

/// Where a pattern stands: whether it can fail to match.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PatPlace {
    /// A `let` without `else`, a `for`, a parameter, a closure's parameter:
    /// every identifier in it is a new binding, whatever its case (rustc
    /// only warns about `let N = 3;`).
    Irrefutable,
    /// A `match` arm, `if let`, `while let`, `let .. else`: an identifier
    /// may also name a constant or a unit variant.
    Refutable,
}

/// The place of a `let`'s pattern.
pub fn local_place(l: &syn::Local) -> PatPlace {
    if l.init.as_ref().is_some_and(|i| i.diverge.is_some()) {
        PatPlace::Refutable
    } else {
        PatPlace::Irrefutable
    }
}

/// The variables a pattern binds, in order. In a refutable place, an
/// identifier pattern that starts with an uppercase letter and has no
/// `mut`/`ref`/`@` is taken as a constant or unit variant (`None`, `MAX`),
/// as rustc's naming lints assume.
pub fn pattern_bindings(pat: &Pat, place: PatPlace) -> Vec<PatBinding> {
    struct Collect(Vec<PatBinding>, PatPlace);
    impl<'ast> Visit<'ast> for Collect {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if !looks_constant(p, self.1) {
                self.0.push(PatBinding {
                    ident: p.ident.clone(),
                    by_ref: p.by_ref.is_some(),
                    mutable: p.mutability.is_some(),
                });
            }
            if let Some((_, sub)) = &p.subpat {
                self.visit_pat(sub);
            }
        }
        // Paths and expressions inside patterns (`Some`, ranges) bind nothing.
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut c = Collect(Vec::new(), place);
    c.visit_pat(pat);
    c.0
}

/// The variables a pattern binds inside struct-pattern fields under
/// `#[cfg(..)]` (`S { a, #[cfg(feature = "tls")] tls, .. }`), each with the
/// `cfg` attributes of the fields around it: they exist only where those
/// hold.
pub fn cfg_field_bindings(pat: &Pat, place: PatPlace) -> Vec<(String, Vec<syn::Attribute>)> {
    struct Collect {
        out: Vec<(String, Vec<syn::Attribute>)>,
        cfg: Vec<syn::Attribute>,
        place: PatPlace,
    }
    impl<'ast> Visit<'ast> for Collect {
        fn visit_field_pat(&mut self, f: &'ast syn::FieldPat) {
            let outer = self.cfg.len();
            let cfgs = f.attrs.iter().filter(|a| a.path().is_ident("cfg"));
            self.cfg.extend(cfgs.cloned());
            if self.cfg.is_empty() {
                syn::visit::visit_field_pat(self, f);
            } else {
                for b in pattern_bindings(&f.pat, self.place) {
                    self.out.push((b.ident.to_string(), self.cfg.clone()));
                }
            }
            self.cfg.truncate(outer);
        }
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    let mut c = Collect {
        out: Vec::new(),
        cfg: Vec::new(),
        place,
    };
    c.visit_pat(pat);
    c.out
}

/// Whether an identifier pattern names a constant rather than binding a
/// variable (see [`pattern_bindings`]).
pub fn looks_constant(p: &syn::PatIdent, place: PatPlace) -> bool {
    place == PatPlace::Refutable
        && p.ident.to_string().starts_with(|c: char| c.is_uppercase())
        && p.mutability.is_none()
        && p.by_ref.is_none()
        && p.subpat.is_none()
}

/// Whether a pattern binds something by value (so matching a variable
/// against it may move out of the variable).
pub fn binds_by_value(pat: &Pat, place: PatPlace) -> bool {
    pattern_bindings(pat, place).iter().any(|b| !b.by_ref)
}

/// The type of a pattern with a type ascription (`let v: u32`).
pub fn pattern_type(pat: &Pat) -> Option<syn::Type> {
    match pat {
        Pat::Type(t) => Some((*t.ty).clone()),
        _ => None,
    }
}

/// The written type of each name a pattern binds out of a value of the
/// written type `ty`, where the two say it: a name gets the whole type, a
/// tuple pattern over a tuple type gives each part its element's type
/// (`let (a, b): (String, u8)`), a `&` pattern over a reference type its
/// referent's. A name the list leaves out has no written type (rustc
/// infers it): a part of a struct, a tuple struct (`Some(x): Option<D>`)
/// or a slice, or a `ref` binding (a reference to the part).
pub fn binding_types(pat: &Pat, ty: &syn::Type) -> Vec<(String, syn::Type)> {
    fn walk(pat: &Pat, ty: &syn::Type, out: &mut Vec<(String, syn::Type)>) {
        let ty = match ty {
            syn::Type::Paren(p) => return walk(pat, &p.elem, out),
            syn::Type::Group(g) => return walk(pat, &g.elem, out),
            other => other,
        };
        match (pat, ty) {
            (Pat::Type(t), _) => walk(&t.pat, ty, out),
            (Pat::Paren(p), _) => walk(&p.pat, ty, out),
            (Pat::Ident(p), _) => {
                if p.by_ref.is_none() {
                    out.push((p.ident.to_string(), ty.clone()));
                }
                if let Some((_, sub)) = &p.subpat {
                    walk(sub, ty, out);
                }
            }
            (Pat::Reference(p), syn::Type::Reference(r))
                if p.mutability.is_some() == r.mutability.is_some() =>
            {
                walk(&p.pat, &r.elem, out);
            }
            (Pat::Tuple(p), syn::Type::Tuple(t)) => {
                // `(a, .., z)`: the parts before the rest match the first
                // elements, those after it the last ones.
                let rest = p.elems.iter().position(|e| matches!(e, Pat::Rest(_)));
                let (front, back) = match rest {
                    Some(i) => (i, p.elems.len() - i - 1),
                    None if p.elems.len() == t.elems.len() => (p.elems.len(), 0),
                    None => return,
                };
                if front + back > t.elems.len() {
                    return;
                }
                let pats: Vec<&Pat> = p.elems.iter().collect();
                let tys: Vec<&syn::Type> = t.elems.iter().collect();
                for (p, t) in pats[..front].iter().zip(&tys[..front]) {
                    walk(p, t, out);
                }
                let (pats_back, tys_back) = (&pats[pats.len() - back..], &tys[tys.len() - back..]);
                for (p, t) in pats_back.iter().zip(tys_back) {
                    walk(p, t, out);
                }
            }
            // `[a, b]: [String; 2]`, `[first, .., last]`: each element is
            // of the element type (what a `rest @ ..` binds is an array
            // whose length the pattern does not show).
            (Pat::Slice(p), syn::Type::Array(a)) => {
                for e in p.elems.iter().filter(|e| !matches!(e, Pat::Rest(_))) {
                    let rest_binding = matches!(e, Pat::Ident(i)
                        if matches!(i.subpat.as_ref().map(|(_, s)| &**s), Some(Pat::Rest(_))));
                    if !rest_binding {
                        walk(e, &a.elem, out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(pat, ty, &mut out);
    out
}

/// Whether a pattern has a `ref mut` binding: what it binds from must be a
/// mutable place (a parameter `ref mut v: Vec<u32>` is taken under a fresh
/// name that must then be `mut`).
pub fn binds_ref_mut(pat: &Pat) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0 |= p.by_ref.is_some() && p.mutability.is_some();
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut f = Finder(false);
    syn::visit::Visit::visit_pat(&mut f, pat);
    f.0
}

/// Per parameter, whether the function takes it under a fresh name and
/// binds it with a `let` at the body's start: a pattern (`(conn, addr):
/// (A, B)`), and every parameter after the first pattern but an event the
/// function watches. Rust drops parameters in reverse order after the
/// body's locals, a pattern's bindings with them; bound by `let`s in order,
/// the later ones are dropped first, as there.
pub fn rebound_params(sig: &syn::Signature) -> Vec<bool> {
    let mut after_pattern = false;
    sig.inputs
        .iter()
        .map(|input| {
            let syn::FnArg::Typed(t) = input else {
                return false;
            };
            let simple =
                matches!(&*t.pat, Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none());
            if !simple {
                after_pattern = true;
                return true;
            }
            after_pattern
                && !quote::ToTokens::to_token_stream(&*t.ty)
                    .to_string()
                    .contains("Event")
        })
        .collect()
}

/// The name the function takes a rebound parameter under (see
/// [`rebound_params`]), with our hygiene, so the body's names are the
/// `let`'s. It is what rustdoc prints: a plain `x` keeps its name; a
/// pattern is named by the names it binds (`(a, b)` is `a_b`, `Wrap(w)`
/// is `w_arg`), and one that binds none by its place (`_` is `_1`), or
/// `__tame_argN` where that name is another parameter's too.
pub fn rebound_param_name(sig: &syn::Signature, index: usize) -> Ident {
    let readable = |input: &syn::FnArg, i: usize| -> Option<String> {
        let syn::FnArg::Typed(t) = input else {
            return None;
        };
        match &*t.pat {
            Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => {
                Some(syn::ext::IdentExt::unraw(&p.ident).to_string())
            }
            pat => {
                let names: Vec<String> = pattern_bindings(pat, PatPlace::Irrefutable)
                    .iter()
                    .map(|b| syn::ext::IdentExt::unraw(&b.ident).to_string())
                    .collect();
                // (Never one of its own names: `ref v`, `Wrap(w)` are
                // `v_arg`, `w_arg`.)
                Some(match &names[..] {
                    [] => format!("_{i}"),
                    [one] => format!("{one}_arg"),
                    many => many.join("_"),
                })
            }
        }
    };
    let span = proc_macro2::Span::mixed_site();
    let Some(input) = sig.inputs.iter().nth(index) else {
        return quote::format_ident!("__tame_arg{}", index, span = span);
    };
    if let syn::FnArg::Typed(t) = input {
        if let Pat::Ident(p) = &*t.pat {
            if p.subpat.is_none() && p.by_ref.is_none() {
                let mut name = p.ident.clone();
                name.set_span(span);
                return name;
            }
        }
    }
    let mine = readable(input, index);
    let shared = (sig.inputs.iter().enumerate())
        .filter(|&(i, _)| i != index)
        .any(|(i, other)| readable(other, i) == mine);
    // (A name of the machine's own, `done` or `tame_done`, never comes
    // from a pattern: it binds the names its parts are given, not these.)
    match mine {
        // (It must be an identifier, not a keyword.)
        Some(name)
            if !shared
                && name != "done"
                && name != "tame_done"
                && syn::parse_str::<Ident>(&name).is_ok() =>
        {
            Ident::new(&name, span)
        }
        _ => quote::format_ident!("__tame_arg{}", index, span = span),
    }
}

/// The `let` that binds a pattern parameter with parts it does not bind
/// (`(conn, _): (Conn, Permit)`), keeping those parts to the function's
/// end as Rust does (they stay in the argument, dropped after the
/// pattern's bindings): each `_` becomes a hidden binding, and the
/// bindings are declared hidden ones first, in reverse, so that they drop
/// in Rust's order (`let (__p1, conn) = { let (conn, __p1): T = arg;
/// (__p1, conn) };`). `None` where nothing is left unbound, or where the
/// value is reached through a reference (nothing of it to drop), or where
/// a binding borrows from the argument (`ref`, `x @ ..`), or a `..` leaves
/// parts no name can reach.
pub fn unbound_parts_kept(
    pat: &Pat,
    ty: Option<&syn::Type>,
    arg: &Ident,
    param: usize,
) -> Option<syn::Stmt> {
    struct Parts {
        param: usize,
        hidden: Vec<Ident>,
        bindings: Vec<(Ident, bool)>,
        refused: bool,
    }
    impl Parts {
        fn walk(&mut self, p: &mut Pat) {
            match p {
                Pat::Wild(w) => {
                    let name = format!("__tame_unbound{}_{}", self.param, self.hidden.len());
                    let ident = Ident::new(
                        &name,
                        w.underscore_token.span.resolved_at(Span::mixed_site()),
                    );
                    self.hidden.push(ident.clone());
                    *p = Pat::Ident(syn::PatIdent {
                        attrs: Vec::new(),
                        by_ref: None,
                        mutability: None,
                        ident,
                        subpat: None,
                    });
                }
                Pat::Ident(i) => {
                    // An uppercase name may be a unit struct's pattern.
                    let constant = i.ident.to_string().starts_with(char::is_uppercase);
                    if i.by_ref.is_some() || i.subpat.is_some() || constant {
                        self.refused = true;
                        return;
                    }
                    self.bindings
                        .push((i.ident.clone(), i.mutability.is_some()));
                    i.mutability = None;
                }
                Pat::Tuple(t) => t.elems.iter_mut().for_each(|e| self.walk(e)),
                // An array's elements, as a tuple's.
                Pat::Slice(sl) => sl.elems.iter_mut().for_each(|e| self.walk(e)),
                Pat::TupleStruct(t) => t.elems.iter_mut().for_each(|e| self.walk(e)),
                Pat::Struct(st) => {
                    if st.rest.is_some() {
                        self.refused = true;
                    }
                    st.fields.iter_mut().for_each(|f| self.walk(&mut f.pat));
                }
                Pat::Paren(x) => self.walk(&mut x.pat),
                Pat::Type(x) => self.walk(&mut x.pat),
                Pat::Rest(_) | Pat::Reference(_) => self.refused = true,
                _ => self.refused = true,
            }
        }
    }
    if ty.is_some_and(|t| matches!(t, syn::Type::Reference(_))) {
        return None;
    }
    let mut inner = pat.clone();
    let mut parts = Parts {
        param,
        hidden: Vec::new(),
        bindings: Vec::new(),
        refused: false,
    };
    parts.walk(&mut inner);
    if parts.refused || parts.hidden.is_empty() {
        return None;
    }
    let hidden: Vec<&Ident> = parts.hidden.iter().rev().collect();
    let names: Vec<&Ident> = parts.bindings.iter().map(|(i, _)| i).collect();
    let outer = parts.bindings.iter().map(|(i, m)| {
        let m = m.then(|| quote::quote!(mut));
        quote::quote!(#m #i)
    });
    let ty = ty.map(|t| quote::quote!(: #t));
    Some(syn::parse_quote! {
        let (#(#hidden,)* #(#outer,)*) = {
            let #inner #ty = #arg;
            (#(#hidden,)* #(#names,)*)
        };
    })
}
