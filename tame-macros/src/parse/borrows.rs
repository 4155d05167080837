//! What a value borrows or holds: the judgments that decide whether a
//! binding may be kept across a twait (a borrow of a local may not), and
//! which bindings hold `FnOnce`s (a call moves them).

use proc_macro2::Ident;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::{collect_idents, macros, syntax, Builder};
use crate::ir::BindingId;

/// What a pattern's bindings take from the value they are matched against
/// (see [`Builder::taken_from`]).
#[derive(Clone, Copy)]
pub(super) struct Taken {
    owned: bool,
    fn_once: bool,
}

impl Builder<'_> {
    /// The variable of the function `e` obviously borrows from (see
    /// [`syntax::borrow_root`]), unless it is a `&'static` one, whose
    /// views borrow nothing of the function's (`words.iter()`). A name
    /// that is no variable here is a `const` or `static` item's (`NAMES.iter()`):
    /// no borrow of the function's either.
    pub fn borrow_of_local(&self, e: &Expr) -> Option<(Ident, &'static str)> {
        // `it.last()` of an owned iterator (`let it = v.into_iter()..`), or
        // of one whose items borrow nothing (`v.iter().copied()`), is an
        // owned item, not a slice's borrow.
        if let Expr::MethodCall(m) = e {
            let owned_iterator = syntax::as_ident(&m.receiver)
                .and_then(|i| self.resolve(&i.to_string()))
                .is_some_and(|b| {
                    let b = &self.f.bindings[b];
                    b.iterator && (b.borrow.is_none() || !b.items_borrow)
                });
            if owned_iterator && syntax::consumes_iterator(&m.method.to_string(), m.args.len()) {
                return None;
            }
        }
        // `words.next()`, `words` bound to `line.split_whitespace()`: an
        // item of it borrows what it borrows, a local (the iterator stands
        // for it). One over a `static`'s items borrows nothing of ours.
        let iterates = |i: &Ident| {
            self.resolve(&i.to_string()).is_some_and(|b| {
                let b = &self.f.bindings[b];
                b.items_borrow && b.borrow.is_some()
            })
        };
        let (root, how) = syntax::borrow_root_in(e, &iterates)?;
        let b = self.resolve(&root.to_string())?;
        // `reader.lines()`, `reader.lines().map(..)`: `BufRead::lines`
        // takes the reader by value.
        if self.reads_by_value(e, &root) {
            return None;
        }
        let of_static = (self.f.bindings[b].ty.as_ref()).is_some_and(syntax::is_static_reference);
        (!of_static).then_some((root, how))
    }

    /// Whether the chain `e` starts with a method that takes `root`, one
    /// of std's readers, by value (`root.lines()`, see
    /// [`syntax::reader_consumes`]).
    fn reads_by_value(&self, mut e: &Expr, root: &Ident) -> bool {
        loop {
            e = match e {
                Expr::Paren(p) => &p.expr,
                Expr::Try(t) => &t.expr,
                Expr::MethodCall(m) if syntax::as_ident(&m.receiver) == Some(root) => {
                    return syntax::reader_consumes(&m.method.to_string()) && self.is_reader(root);
                }
                Expr::MethodCall(m) => &m.receiver,
                _ => return false,
            }
        }
    }

    /// Whether `name` holds one of std's readers, by its initializer or
    /// its written type (see [`crate::ir::Binding::reader`]).
    pub fn is_reader(&self, name: &Ident) -> bool {
        self.resolve(&name.to_string()).is_some_and(|b| {
            let b = &self.f.bindings[b];
            b.reader || b.ty.as_ref().is_some_and(syntax::reader_type)
        })
    }

    /// A variable's name as the user wrote it (`self`, not the machine's
    /// `__tame_self`; a kept temporary's shown name).
    pub fn shown_name(&self, root: &Ident) -> String {
        self.resolve(&root.to_string())
            .map_or_else(|| root.to_string(), |b| self.f.bindings[b].name.clone())
    }

    /// Whether `root` is the translator's holder of a temporary a `let`
    /// extends (`let r = &make();`, see `extended_temporary`), which the
    /// user never named.
    pub fn is_kept_temporary(&self, root: &Ident) -> bool {
        (self.resolve(&root.to_string())).is_some_and(|b| self.f.bindings[b].kept_temporary)
    }

    /// Whether `e` is, or is taken out of, a variable that is a `FnOnce`
    /// or whose written type mentions one (`jobs: Vec<Box<dyn FnOnce()>>`,
    /// then `jobs.pop()`, `jobs.remove(0).unwrap()`): a variable bound to
    /// it is taken for a `FnOnce` (its call moves it).
    pub fn holds_fn_once(&self, mut e: &Expr) -> bool {
        loop {
            e = match e {
                Expr::MethodCall(m) => &m.receiver,
                Expr::Field(f) => &f.base,
                Expr::Index(i) => &i.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Try(t) => &t.expr,
                Expr::Reference(r) => &r.expr,
                Expr::Unary(u) => &u.expr,
                Expr::Path(_) => {
                    let Some(b) = syntax::as_ident(e).and_then(|i| self.resolve(&i.to_string()))
                    else {
                        return false;
                    };
                    let b = &self.f.bindings[b];
                    return b.fn_once
                        || (b.ty.as_ref())
                            .is_some_and(|t| mentions_fn_once_or(t, &self.fn_once_params));
                }
                _ => return false,
            }
        }
    }

    /// `let r = &make();` keeps `make()`'s value to the end of the block
    /// (a temporary the `let` extends): as a variable of its own, `let
    /// r_value = make(); let r = &r_value;`, which the machine keeps to
    /// its scope's end across twaits as it keeps any (a temporary of the
    /// `let` could not be: rustc's E0716 at `#[tamed]`). Returns that
    /// `let`, and points `l` at it. Only a value computed (a call's, a
    /// macro's, a `?`'s, an `if`'s, a `match`'s or a block's): a
    /// literal's (`&[1, 2]`) may be a `'static` constant.
    pub(super) fn extended_temporary(
        &mut self,
        l: &mut syn::Local,
    ) -> Option<(syn::Local, String)> {
        // (A `let` under `#[cfg]` or a lint level stays as written.)
        if !l.attrs.is_empty() {
            return None;
        }
        let init = l.init.as_mut().filter(|i| i.diverge.is_none())?;
        let (pat, ty) = match &l.pat {
            Pat::Type(t) => (&*t.pat, Some(&t.ty)),
            other => (other, None),
        };
        // A `'static` borrow asks for a constant rustc promotes (`let r:
        // &'static Option<u32> = &Some(5);`): it stays as written.
        if ty.is_some_and(|t| t.to_token_stream().to_string().contains("'static")) {
            return None;
        }
        // (`let _ = &lock();` keeps the value, as a lock's guard.)
        let (ident, shown) = match pat {
            Pat::Ident(p) => {
                let name = p.ident.to_string();
                // (`__tame_type_value`, `__tame_0_value` are identifiers.)
                let bare = name.strip_prefix("r#").unwrap_or(&name);
                (bare.trim_matches('_').to_owned(), format!("{name}_value"))
            }
            Pat::Wild(_) => ("underscore".to_owned(), "_".to_owned()),
            _ => return None,
        };
        let span = l.pat.span();
        let Expr::Reference(r) = &mut *init.expr else {
            return None;
        };
        if macros::has_twait(&r.expr) {
            return None;
        }
        // The temporary: the value borrowed, or the one whose field is
        // (`&make().name`); an array, tuple or struct literal only when it
        // is no constant (`&[1, 2]` may be a `'static` one).
        let mut made = &mut *r.expr;
        while let Expr::Field(f) = made {
            made = &mut *f.base;
        }
        // (Also what computes a value: `&r()?`, `&match ..`, `&if ..`,
        // `&{ .. }`, whose value the `let` extends as well.)
        let shape = matches!(
            made,
            Expr::Array(_)
                | Expr::Tuple(_)
                | Expr::Struct(_)
                | Expr::Call(_)
                | Expr::MethodCall(_)
                | Expr::Macro(_)
                | Expr::Try(_)
                | Expr::Match(_)
                | Expr::If(_)
                | Expr::Unsafe(_)
        ) || matches!(made, Expr::Block(b) if b.label.is_none());
        // (`&Some(5)`, `&[1, 2]` may be `'static` constants.)
        if !shape || syntax::constant_like(made) {
            return None;
        }
        // None the body spells: a user's `__tame_v_value` is another
        // variable. (At the user's span, not a hygienic one: two holders of
        // one name, `r#type`'s and `type_`'s, are told apart as any two
        // bindings of one name are, by the second's other hygiene.)
        let mut held = format!("__tame_{ident}_value");
        while self.user_names.contains(&held) {
            held.push('_');
        }
        let name = syn::Ident::new(&held, span);
        let value = std::mem::replace(made, syn::parse_quote!(#name));
        let held: syn::Stmt = match r.mutability {
            Some(_) => syn::parse_quote!(let mut #name = #value;),
            None => syn::parse_quote!(let #name = #value;),
        };
        match held {
            syn::Stmt::Local(held) => Some((held, shown)),
            _ => None,
        }
    }

    /// What the bindings of `pat`, matched against `scrutinee`, take from
    /// it, judged before they are declared (one may shadow a variable the
    /// scrutinee names: `if let Some(cb) = cb`); [`Self::mark_taken`]
    /// marks them.
    ///
    /// Owned (see [`crate::ir::Binding::owned`]) when the scrutinee is a
    /// variable whose value borrows nothing of the function's (a
    /// parameter, or an owned value) and the pattern binds nothing by
    /// `ref`: they hold parts of it (`if let Some(job) = o`). `FnOnce`s
    /// when the scrutinee holds some (see [`Self::holds_fn_once`]): any of
    /// them may be one, and the others are not called (`for (i, job) in
    /// jobs.into_iter().enumerate()`).
    pub(super) fn taken_from(&self, pat: &Pat, scrutinee: &Expr) -> Taken {
        Taken {
            owned: self.owned_parts(pat, scrutinee),
            fn_once: self.holds_fn_once(scrutinee),
        }
    }

    /// Marks the bindings `defs` with what [`Self::taken_from`] judged.
    pub(super) fn mark_taken(&mut self, defs: &[BindingId], taken: Taken) {
        for &d in defs {
            let b = &mut self.f.bindings[d];
            b.owned |= taken.owned;
            b.fn_once |= taken.fn_once;
        }
    }

    /// Whether the bindings of `pat` hold owned parts of `scrutinee` (see
    /// [`Self::taken_from`]).
    fn owned_parts(&self, pat: &Pat, scrutinee: &Expr) -> bool {
        let by_ref = || {
            syntax::pattern_bindings(pat, syntax::PatPlace::Refutable)
                .iter()
                .any(|b| b.by_ref)
        };
        let Some(src) = syntax::as_ident(scrutinee).and_then(|i| self.resolve(&i.to_string()))
        else {
            // `match s % 7 { k @ 1..=2 => .. }`: parts of a number;
            // `match lookup(n) { Some(k) => .. }`: parts of a value that
            // borrows nothing of the function's, taken by value.
            return self.plain_number(scrutinee) || (self.made_in_place(scrutinee) && !by_ref());
        };
        // (A plain value, `v: u32`, has parts that are plain values.)
        let b = &self.f.bindings[src];
        let plain_value = b.trivial
            && b.borrow.is_none()
            && b.ty.as_ref().is_some_and(|t| !syntax::may_borrow_type(t));
        let src_owned = b.owned || plain_value || self.f.params.iter().any(|p| p.binding == src);
        src_owned && !by_ref()
    }

    /// Whether `e` surely gives a number (or a `bool`, a `char`): literals,
    /// casts, comparisons, and arithmetic of the function's variables
    /// known to hold such values (`s: u32`, `let n = 5;`), or a tuple of
    /// such (`(s % 3, 1u32)`). Such a value borrows nothing and has no
    /// drop.
    pub(super) fn plain_number(&self, e: &Expr) -> bool {
        match e {
            Expr::Lit(l) => !matches!(l.lit, syn::Lit::Str(_) | syn::Lit::ByteStr(_)),
            Expr::Cast(c) => syntax::primitive_scalar_type(&c.ty),
            Expr::Paren(p) => self.plain_number(&p.expr),
            Expr::Group(g) => self.plain_number(&g.expr),
            Expr::Unary(u) => {
                matches!(u.op, syn::UnOp::Not(_) | syn::UnOp::Neg(_)) && self.plain_number(&u.expr)
            }
            Expr::Binary(b) => {
                !syntax::is_compound_assign(&b.op)
                    && (syntax::gives_bool(&b.op)
                        || (self.plain_number(&b.left) && self.plain_number(&b.right)))
            }
            Expr::Tuple(t) => t.elems.iter().all(|e| self.plain_number(e)),
            Expr::Path(_) => syntax::as_ident(e)
                .and_then(|i| self.resolve(&i.to_string()))
                .is_some_and(|b| {
                    let b = &self.f.bindings[b];
                    b.copy && b.borrow.is_none() && !b.rendezvous
                }),
            _ => false,
        }
    }

    /// Whether `e` surely gives a number (see [`Self::plain_number`]),
    /// directly or as the value of an `if`, a `match`, a block or a `loop`
    /// one of whose values is such a number: `if c { eat(y); n + 1 } else
    /// { step(n) }` with `n: u32`. One value is enough, as the construct's
    /// values all have one type, and a number coerces to nothing else. A
    /// name bound inside `e` (a `let` in a branch, an arm's binding) may
    /// hide the variable of that name: a value naming one does not count.
    pub(super) fn number_valued(&self, e: &Expr) -> bool {
        self.number_valued_in(e, &bound_inside(e))
    }

    fn number_valued_in(&self, e: &Expr, bound: &[String]) -> bool {
        let block_value =
            |b: &syn::Block| syntax::tail_of(b).is_some_and(|t| self.number_valued_in(t, bound));
        match e {
            Expr::If(i) => {
                i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| self.number_valued_in(e, bound))
                    || (i.else_branch.is_some() && block_value(&i.then_branch))
            }
            Expr::Match(m) => m.arms.iter().any(|a| self.number_valued_in(&a.body, bound)),
            Expr::Block(b) if b.label.is_none() => block_value(&b.block),
            Expr::Loop(l) => syntax::loop_break_values(l)
                .iter()
                .any(|v| self.number_valued_in(v, bound)),
            Expr::Paren(p) => self.number_valued_in(&p.expr, bound),
            Expr::Group(g) => self.number_valued_in(&g.expr, bound),
            _ => !mentions_any(e, bound) && self.plain_number(e),
        }
    }

    /// Whether every value `e` may give (each branch's of an `if` or a
    /// `match`, a block's, each `break`'s of a `loop`) is made in place
    /// (see [`Self::made_in_place`]), or leaves: `if c { twait!{..};
    /// String::new() } else if d { eat(y); String::new() } else {
    /// Mark("z") }`. Such a value borrows no local. (A name bound inside
    /// `e` counts as a local: `if let Some(m) = v.first() { m } ..`.)
    pub(super) fn values_made_in_place(&self, e: &Expr) -> bool {
        self.values_made_in_place_in(e, &bound_inside(e))
    }

    fn values_made_in_place_in(&self, e: &Expr, bound: &[String]) -> bool {
        let leaf = |v: &Expr| self.values_made_in_place_in(v, bound) || syntax::expr_diverges(v);
        let block_value = |b: &syn::Block| match syntax::tail_of(b) {
            Some(t) => leaf(t),
            None => syntax::block_diverges(b),
        };
        // The names an `if let` or an arm binds by value out of a value
        // made in place are owned in its branch (`if let Some(q) =
        // opt(b) { q + 0 }`), unless `e` binds them elsewhere too.
        let owned_in = |pat: &Pat, scrutinee: &Expr| -> Vec<String> {
            if mentions_any(scrutinee, bound) || !self.made_in_place(scrutinee) {
                return bound.to_vec();
            }
            let here = bound_inside_pat(pat);
            let once = |n: &String| bound.iter().filter(|b| *b == n).count() == 1;
            (bound.iter())
                .filter(|n| !(here.contains(n) && once(n)))
                .cloned()
                .collect()
        };
        match e {
            Expr::If(i) => {
                let then_bound = match &*i.cond {
                    Expr::Let(l) => owned_in(&l.pat, &l.expr),
                    _ => bound.to_vec(),
                };
                let then_value = match syntax::tail_of(&i.then_branch) {
                    Some(t) => {
                        self.values_made_in_place_in(t, &then_bound) || syntax::expr_diverges(t)
                    }
                    None => syntax::block_diverges(&i.then_branch),
                };
                i.else_branch.as_ref().is_some_and(|(_, e)| leaf(e)) && then_value
            }
            Expr::Match(m) => {
                !m.arms.is_empty()
                    && m.arms.iter().all(|a| {
                        let arm_bound = owned_in(&a.pat, &m.expr);
                        self.values_made_in_place_in(&a.body, &arm_bound)
                            || syntax::expr_diverges(&a.body)
                    })
            }
            Expr::Block(b) if b.label.is_none() => block_value(&b.block),
            Expr::Loop(l) => {
                let values = syntax::loop_break_values(l);
                !values.is_empty() && values.into_iter().all(leaf)
            }
            Expr::Paren(p) => self.values_made_in_place_in(&p.expr, bound),
            Expr::Group(g) => self.values_made_in_place_in(&g.expr, bound),
            _ => !mentions_any(e, bound) && self.made_in_place(e),
        }
    }

    /// Whether `e` is made of nothing of the function's but numbers:
    /// literals, the function's variables known to hold numbers (passed by
    /// value, a copy), and constants, functions and constructors called
    /// with such values (`D("third")`, `Vec::new()`, `String::from("x")`,
    /// `Point { x: 1, y: 2 }`, `lookup(n)` with `n: u32`). Its value can
    /// borrow no local (a `&'static` at most), so a state may keep it. (A
    /// method call is not: `r.clone()` of a reference is a reference.)
    pub(super) fn made_in_place(&self, e: &Expr) -> bool {
        let not_local = |p: &syn::ExprPath| {
            syntax::as_ident(&Expr::Path(p.clone()))
                .is_none_or(|i| self.resolve(&i.to_string()).is_none())
        };
        // A variable whose value surely borrows nothing (a part bound by
        // value out of such a value, `Some(k)` of `lookup(n)`; a
        // parameter): what is made of it borrows no local either.
        let owned = |e: &Expr| {
            syntax::as_ident(e)
                .and_then(|i| self.resolve(&i.to_string()))
                .is_some_and(|b| {
                    let binding = &self.f.bindings[b];
                    (binding.owned || self.f.params.iter().any(|p| p.binding == b))
                        && binding.borrow.is_none()
                        && !binding.rendezvous
                })
        };
        match e {
            Expr::Lit(_) => true,
            Expr::Path(p) => not_local(p) || self.plain_number(e) || owned(e),
            Expr::Call(c) => {
                matches!(&*c.func, Expr::Path(p) if not_local(p))
                    && c.args.iter().all(|a| self.made_in_place(a))
            }
            Expr::Struct(s) => {
                s.rest.is_none() && s.fields.iter().all(|f| self.made_in_place(&f.expr))
            }
            Expr::Tuple(t) => t.elems.iter().all(|e| self.made_in_place(e)),
            Expr::Array(a) => a.elems.iter().all(|e| self.made_in_place(e)),
            Expr::Paren(p) => self.made_in_place(&p.expr),
            Expr::Group(g) => self.made_in_place(&g.expr),
            Expr::Cast(c) => self.made_in_place(&c.expr),
            Expr::Unary(u) => {
                matches!(u.op, syn::UnOp::Not(_) | syn::UnOp::Neg(_)) && self.made_in_place(&u.expr)
            }
            Expr::Binary(b) => {
                !syntax::is_compound_assign(&b.op)
                    && self.made_in_place(&b.left)
                    && self.made_in_place(&b.right)
            }
            _ => false,
        }
    }

    /// Why a non-`move` closure cannot be kept: it borrows the function's
    /// variables it mentions (those its body moves it owns).
    pub(super) fn closure_borrow(&self, init: &Expr) -> Option<String> {
        let Expr::Closure(c) = init else {
            return self.adapter_closure_borrow(init, false).map(|(method, first)| {
                format!(
                    "it holds a closure that borrows `{first}` (given to `.{method}(..)`); make it a \
                     `move` closure over owned values, or build the iterator again after the twait"
                )
            });
        };
        if c.capture.is_some() {
            // A `move` closure owns what it captures: a capture that is a
            // borrow itself (a closure that borrows, a reference) is held.
            return closure_captures(c).into_iter().find_map(|n| {
                let b = &self.f.bindings[self.resolve(&n)?];
                let why = b.borrow.as_ref()?;
                Some(format!(
                    "it is a `move` closure that holds `{}`, and {why}",
                    b.name
                ))
            });
        }
        let first = self.borrowed_by(c)?;
        if assigns_to(&c.body, &first) {
            // A `move` closure would count in a copy of its own.
            return Some(format!(
                "it is a closure that changes `{first}`; build it again after the twait, or \
                 share `{first}` with it (`let {first} = Rc::new(Cell::new(..));`, a clone moved \
                 into a `move` closure): a `move` closure over `{first}` itself would change a \
                 copy of its own, not the function's"
            ));
        }
        Some(format!(
            "it is a closure that borrows `{first}`; make it a `move` closure over owned values, \
             or build it again after the twait"
        ))
    }

    /// The first variable of the function a non-`move` closure borrows
    /// (those the initializer around it moves are its own), by the name
    /// the user knows it by (`self`, not the machine's `__tame_self`; a
    /// variable declared again, not its renamed copy).
    pub(super) fn borrowed_by(&self, c: &syn::ExprClosure) -> Option<String> {
        if c.capture.is_some() {
            return None;
        }
        closure_captures(c)
            .into_iter()
            .filter_map(|n| self.resolve(&n))
            .find(|b| !self.init_moves.contains(b))
            .map(|b| self.f.bindings[b].name.clone())
    }

    /// A non-`move` closure given to a method of a chain
    /// (`v.into_iter().filter(|x| *x >= cfg.min)`), which the chain's value
    /// holds: the method and the variable the closure borrows.
    /// Only the lazy part of the chain counts: a chain that ends in
    /// `.collect()`, `.sum()`, ... has run its closures already.
    ///
    /// `map`, `filter`, `inspect`, `take`, `zip`, ... are `Option`'s and
    /// `Result`'s methods too, which run the closure at once and keep
    /// nothing of it (`deadline.map(|d| Timer::after(d, r.event(1)))` is an
    /// `Option<Timer>`, to be kept to its scope's end like any value). So a
    /// chain counts as an iterator's only where it shows one: a method only
    /// iterators have (`filter_map`, `enumerate`, `rev`, ...), or a source
    /// of one (`.iter()`, `.into_iter()`, `.chars()`, a range, `iter::..`).
    /// Where nothing shows it, `iterator_unless_shown_otherwise` decides: a
    /// `for` loop's expression is most likely an iterator, a `let`'s value
    /// (`opt.map(..)`) most likely not.
    pub(super) fn adapter_closure_borrow(
        &self,
        e: &Expr,
        iterator_unless_shown_otherwise: bool,
    ) -> Option<(String, String)> {
        // Adapters that keep the closure they are given, in the iterator
        // they return: `Option`'s and `Result`'s methods too (which run it
        // at once), and iterators' alone.
        const HOLDING_ANY: &[&str] = &["map", "filter", "inspect"];
        const HOLDING_ITER: &[&str] = &[
            "filter_map",
            "flat_map",
            "take_while",
            "skip_while",
            "map_while",
            "scan",
        ];
        // Adapters that keep the iterator they are called on: `Option`'s
        // methods too, and iterators' alone.
        const PASSING_ANY: &[&str] = &["take", "zip", "cloned", "copied", "flatten"];
        const PASSING_ITER: &[&str] = &[
            "enumerate",
            "rev",
            "chain",
            "skip",
            "step_by",
            "peekable",
            "fuse",
            "cycle",
        ];
        // Methods that make an iterator of a collection, a string, a map.
        const SOURCES: &[&str] = &[
            "iter",
            "iter_mut",
            "into_iter",
            "chars",
            "char_indices",
            "bytes",
            "lines",
            "split",
            "rsplit",
            "splitn",
            "rsplitn",
            "split_whitespace",
            "split_terminator",
            "matches",
            "windows",
            "chunks",
            "chunks_exact",
            "keys",
            "values",
            "values_mut",
            "into_keys",
            "into_values",
            "drain",
        ];
        let mut found = None;
        let mut shown = false;
        let mut e = e;
        while let Expr::MethodCall(m) = e {
            let method = m.method.to_string();
            let method = method.as_str();
            let iterators_only = HOLDING_ITER.contains(&method) || PASSING_ITER.contains(&method);
            if iterators_only || HOLDING_ANY.contains(&method) {
                let holding = !PASSING_ITER.contains(&method);
                if holding && found.is_none() {
                    found = m.args.iter().find_map(|a| match a {
                        Expr::Closure(c) => self.borrowed_by(c).map(|b| (method.to_string(), b)),
                        _ => None,
                    });
                }
            } else if !PASSING_ANY.contains(&method) {
                // The lazy part ends here: a source, or what it is called on.
                shown |= SOURCES.contains(&method);
                e = &m.receiver;
                break;
            }
            shown |= iterators_only;
            e = &m.receiver;
        }
        let found = found?;
        while let Expr::Paren(p) = e {
            e = &p.expr;
        }
        let base_is_iterator = match e {
            Expr::Range(_) => true,
            // `iter::repeat(..)`, `std::iter::from_fn(..)`, ...
            Expr::Call(c) => matches!(&*c.func, Expr::Path(p)
                if p.path.segments.iter().rev().nth(1).is_some_and(|s| s.ident == "iter")),
            _ => false,
        };
        (shown || base_is_iterator || iterator_unless_shown_otherwise).then_some(found)
    }
}

/// `Event<T>`, `tame::Event<T>`: a parameter the function delivers to.
/// Whether a type names `FnOnce` (`Box<dyn FnOnce()>`, `impl FnOnce(u32)`).
pub(super) fn mentions_fn_once(ty: &syn::Type) -> bool {
    mentions_fn_once_or(ty, &[])
}

/// Whether a type names `FnOnce` or one of the type parameters `bound`
/// (those bound by `FnOnce`: see [`fn_once_params`]), so that what is
/// taken out of a value of it may be a `FnOnce` (`fs: Vec<F>`, `for f in
/// fs`).
pub(super) fn mentions_fn_once_or(ty: &syn::Type, bound: &[Ident]) -> bool {
    /// `FnOnce` outside the argument lists of closure types (`Fn(Box<dyn
    /// FnOnce()>)` is a `Fn`).
    fn outside_arguments(tokens: proc_macro2::TokenStream, bound: &[Ident]) -> bool {
        let mut after_fn_trait = false;
        for tt in tokens {
            match tt {
                proc_macro2::TokenTree::Ident(i) => {
                    if is_fn_once_trait(&i) || bound.contains(&i) {
                        return true;
                    }
                    after_fn_trait = i == "Fn"
                        || i == "FnMut"
                        || i == "AsyncFn"
                        || i == "AsyncFnMut"
                        || i == "fn";
                }
                proc_macro2::TokenTree::Group(g) => {
                    let arguments =
                        after_fn_trait && g.delimiter() == proc_macro2::Delimiter::Parenthesis;
                    if !arguments && outside_arguments(g.stream(), bound) {
                        return true;
                    }
                    after_fn_trait = false;
                }
                _ => after_fn_trait = false,
            }
        }
        false
    }
    outside_arguments(ty.to_token_stream(), bound)
}

/// Whether a written type is a closure type that is no `FnOnce`
/// (`Box<dyn Fn() -> u32>`, `impl FnMut(u32)`, `&dyn Fn()`): a value of
/// it is kept after its call, whatever the closure it holds moves.
pub(super) fn names_a_reusable_closure(ty: &syn::Type) -> bool {
    let mut idents = Vec::new();
    for tt in ty.to_token_stream() {
        collect_idents(tt, &mut idents);
    }
    idents.iter().any(|i| i == "Fn" || i == "FnMut") && !mentions_fn_once(ty)
}

/// `FnOnce` or `AsyncFnOnce`: a value of it is gone once called (as
/// [`bound_fn_once`] reads a bound).
fn is_fn_once_trait(i: &Ident) -> bool {
    i == "FnOnce" || i == "AsyncFnOnce"
}

/// The function's type parameters bound by `FnOnce` (see
/// [`bound_fn_once`]).
pub(super) fn fn_once_params(generics: &syn::Generics) -> Vec<Ident> {
    (generics.type_params())
        .map(|t| t.ident.clone())
        .filter(|i| bound_fn_once(generics, &syn::parse_quote!(#i)))
        .collect()
}

/// Whether `ty` is a type parameter bound by `FnOnce` (`<F: FnOnce()>`,
/// or in the `where` clause).
pub(super) fn bound_fn_once(generics: &syn::Generics, ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(name) = p.path.get_ident() else {
        return false;
    };
    let says_fn_once =
        |bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>| {
            bounds.iter().any(|b| {
                let mut idents = Vec::new();
                for tt in b.to_token_stream() {
                    collect_idents(tt, &mut idents);
                }
                idents.iter().any(|i| i == "FnOnce" || i == "AsyncFnOnce")
            })
        };
    let inline = generics
        .type_params()
        .any(|t| &t.ident == name && says_fn_once(&t.bounds));
    let in_where = generics.where_clause.as_ref().is_some_and(|w| {
        w.predicates.iter().any(|pred| match pred {
            syn::WherePredicate::Type(pt) => {
                matches!(&pt.bounded_ty, syn::Type::Path(bp) if bp.path.get_ident() == Some(name))
                    && says_fn_once(&pt.bounds)
            }
            _ => false,
        })
    });
    inline || in_where
}

/// The names a closure's body reads as variables of its surroundings: the
/// one-segment paths it uses, not the names it binds itself (its
/// parameters, its `let`s and patterns, wherever they are in it), and the
/// names in its macros' arguments, inline format arguments (`"{x}"`)
/// included. Field and method names are not paths, so they do not count.
pub(super) fn closure_captures(c: &syn::ExprClosure) -> Vec<String> {
    use syn::visit::Visit;

    #[derive(Default)]
    struct Names {
        used: Vec<String>,
        bound: Vec<String>,
    }

    impl<'a> Visit<'a> for Names {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if p.qself.is_none() {
                if let Some(i) = p.path.get_ident() {
                    self.used.push(i.to_string());
                }
            }
        }

        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.bound.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }

        fn visit_macro(&mut self, m: &'a syn::Macro) {
            use syn::parse::Parser;
            let args = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated
                .parse2(m.tokens.clone());
            let Ok(args) = args else {
                // Not expressions: every name in it may be a capture.
                for tt in m.tokens.clone() {
                    collect_idents(tt.clone(), &mut self.used);
                    inline_format_args(tt, &mut self.used);
                }
                return;
            };
            // A named format argument (`k = x + 1`) names no variable, and
            // `{k}` in the string is that argument.
            let named: Vec<String> = args
                .iter()
                .filter_map(|a| match a {
                    Expr::Assign(asg) => syntax::as_ident(&asg.left).map(|i| i.to_string()),
                    _ => None,
                })
                .collect();
            for a in &args {
                match a {
                    Expr::Assign(asg) if syntax::as_ident(&asg.left).is_some() => {
                        self.visit_expr(&asg.right);
                    }
                    Expr::Lit(l) => {
                        let mut names = Vec::new();
                        for tt in l.to_token_stream() {
                            inline_format_args(tt, &mut names);
                        }
                        self.used
                            .extend(names.into_iter().filter(|n| !named.contains(n)));
                    }
                    other => self.visit_expr(other),
                }
            }
        }
    }

    let mut names = Names::default();
    for p in &c.inputs {
        names.visit_pat(p);
    }
    names.visit_expr(&c.body);
    let Names { used, bound } = names;
    used.into_iter().filter(|n| !bound.contains(n)).collect()
}

/// The names a format string in these tokens reads (`"{x}"`, `"{x:?}"`).
pub(super) fn inline_format_args(tt: proc_macro2::TokenTree, out: &mut Vec<String>) {
    match tt {
        proc_macro2::TokenTree::Literal(l) => {
            let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&l.to_string()) else {
                return;
            };
            let text = s.value();
            for part in text.split('{').skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let starts_like_a_name = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_');
                if starts_like_a_name {
                    out.push(name);
                }
            }
        }
        proc_macro2::TokenTree::Group(g) => {
            for t in g.stream() {
                inline_format_args(t, out);
            }
        }
        _ => {}
    }
}

/// The names bound inside `e` (by a `let`, an arm's pattern, a closure's
/// parameters), which may hide variables of the function's there.
fn bound_inside(e: &Expr) -> Vec<String> {
    struct Bound(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Bound {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut bound = Bound(Vec::new());
    syn::visit::Visit::visit_expr(&mut bound, e);
    bound.0
}

/// The names a pattern binds (and what it mentions that looks like one).
fn bound_inside_pat(p: &Pat) -> Vec<String> {
    struct Bound(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Bound {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.by_ref.is_none() {
                self.0.push(p.ident.to_string());
            }
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut bound = Bound(Vec::new());
    syn::visit::Visit::visit_pat(&mut bound, p);
    bound.0
}

/// Whether `e` mentions one of `names`.
fn mentions_any(e: &Expr, names: &[String]) -> bool {
    let mut idents = Vec::new();
    for tt in quote::ToTokens::to_token_stream(e) {
        super::collect_idents(tt, &mut idents);
    }
    idents.iter().any(|n| names.contains(n))
}

/// Whether `body` assigns to the variable `name` or a part of it (`count
/// += 1`, `total = 0`, `s.n = 1`), outside closures nested in it.
fn assigns_to(body: &Expr, name: &str) -> bool {
    struct Find<'a>(&'a str, bool);
    impl Find<'_> {
        fn place(&mut self, e: &Expr) {
            let mut e = e;
            loop {
                e = match e {
                    Expr::Field(f) => &f.base,
                    Expr::Index(i) => &i.expr,
                    Expr::Paren(p) => &p.expr,
                    Expr::Path(_) => {
                        self.1 |= syntax::as_ident(e).is_some_and(|i| i == self.0);
                        return;
                    }
                    _ => return,
                }
            }
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.place(&a.left);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if syntax::is_compound_assign(&b.op) {
                self.place(&b.left);
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut f = Find(name, false);
    syn::visit::Visit::visit_expr(&mut f, body);
    f.1
}
