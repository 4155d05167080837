//! Check: misuses of the tame macros, each a spanned error that says what
//! to do instead. All errors are collected and reported together.
//!
//! These are the misuses visible in the syntax alone. Those that need
//! names resolved (a slot declared inside its own `twait!` block, a jump
//! out of a `twait!` block) are found by `parse`, and a borrow kept across
//! a twait by `analyze`; all go through [`Errors`].

use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{FnArg, ItemFn, ReturnType, Stmt, Type};

use crate::errors::Errors;
use crate::parse::macros::{self, Which};

/// Checks the signature: what a tamed function may look like.
pub fn signature(f: &ItemFn, errors: &mut Errors) {
    let sig = &f.sig;
    if let Some(a) = &sig.asyncness {
        errors.spanned(
            a,
            "#[tamed] cannot be used on an `async fn`; remove `async`: the function becomes its own state machine",
        );
    }
    attributes(f, errors);
    // The program's entry point takes no parameters (`App::main(self)`,
    // `cli::main(args)` are functions like any other).
    if sig.ident == "main" && sig.inputs.is_empty() {
        errors.spanned(
            &sig.ident,
            "#[tamed] cannot be used on `main`: it returns at its first twait that waits, and \
             nothing would run the loop; put the body in a #[tamed] function, call it from `main`, \
             then call `tame::run()`",
        );
    }
    if let Some(abi) = &sig.abi {
        // `extern fn` is `extern "C"`; `extern "Rust"` changes nothing.
        let rust = abi.name.as_ref().is_some_and(|n| n.value() == "Rust");
        if !rust {
            errors.spanned(
                abi,
                "#[tamed] cannot be used on an `extern` function of another ABI: a tamed function \
                 gets an event parameter for its value and returns at its first twait that waits, \
                 which a foreign caller cannot use; keep the `extern` function plain and have it \
                 start a tamed one (or run one with `tame::run_with`)",
            );
        }
    }
    if let Some(c) = &sig.constness {
        errors.spanned(c, "#[tamed] cannot be used on a `const fn`: calling it starts a task on the loop; remove `const`");
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        // `Box<impl Display>`: the `impl` inside, where it is.
        let mut nested = NestedImpl(None);
        nested.visit_type(ty);
        match &**ty {
            Type::ImplTrait(_) => errors.spanned(
                ty,
                "a #[tamed] function cannot return `impl Trait`: its value is delivered through an \
                 `Event<T>`, which needs a type; name the type, or return a `Box<dyn Trait>`",
            ),
            Type::Never(_) => errors.spanned(
                ty,
                "a #[tamed] function cannot return `!`; leave the return type out",
            ),
            _ => {
                if let Some(it) = nested.0 {
                    errors.spanned(
                        it,
                        "a #[tamed] function cannot return a type with an `impl Trait` in it: its \
                         value is delivered through an `Event<T>`, which needs a type; name the \
                         type, or use a `dyn Trait` (`Box<dyn Display>`)",
                    );
                }
            }
        }
    }
    if output_elision(sig) == Some(false) {
        if let Some(at) = elided_output(sig) {
            errors.spanned(
                at,
                "this reference in a #[tamed] function's return type has no lifetime to take \
                 (no `&self`, and not exactly one lifetime among the parameters, as for a plain \
                 function); its value is delivered through an event after the call returns: \
                 write `&'static`",
            );
        }
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                // `&self`, `self: &Self`, `self: Pin<&mut Self>`; not
                // `&'static self`.
                let mut finder = BorrowFinder::of(sig);
                finder.visit_type(&r.ty);
                if finder.found.is_some() {
                    errors.spanned(
                        r,
                        "a #[tamed] method cannot borrow `self`: its state outlives the call. \
                         Take `self` by value, `self: Rc<Self>`, or `&'static self`",
                    );
                }
            }
            FnArg::Typed(t) => {
                let mut finder = BorrowFinder::of(sig);
                finder.visit_type(&t.ty);
                if let Some(at) = finder.found {
                    errors.spanned(
                        at,
                        &format!(
                            "a #[tamed] function cannot take a borrowed parameter: its state \
                             outlives the call. {}",
                            owned_instead(&t.ty)
                        ),
                    );
                }
            }
        }
    }
}

/// What to take instead of a borrowed parameter of type `ty`: the owned
/// form of what it borrows when that is plain (a closure, a string, a
/// slice, a path), else the usual choices.
fn owned_instead(ty: &syn::Type) -> String {
    let general = "Take an owned value (String instead of &str, Vec<T> instead of &[T], Rc<T> \
                   to share), or a `&'static` one (`&'static str` for a string literal)";
    let syn::Type::Reference(r) = ty else {
        return general.to_owned();
    };
    let mut inner = crate::parse::syntax::code_text(&r.elem);
    for (from, to) in [(" < ", "<"), (" <", "<"), ("< ", "<"), (" >", ">")] {
        inner = inner.replace(from, to);
    }
    let closure = ["Fn(", "FnMut(", "FnOnce("]
        .iter()
        .any(|f| inner.starts_with(&format!("dyn {f}")) || inner.starts_with(f));
    if closure {
        let bare = inner.trim_start_matches("dyn ");
        return format!(
            "Take the closure itself: `Box<dyn {bare}>`, or `impl {bare} + 'static`, whose \
             captures the task may keep; to share state with the caller, capture an `Rc<Cell<..>>` \
             or `Rc<RefCell<..>>` in it"
        );
    }
    let shared = match inner.as_str() {
        "str" => Some("`String` (or a `&'static str` for a string literal)".to_owned()),
        "Path" | "std::path::Path" => Some("`PathBuf`".to_owned()),
        "[u8]" => Some("`Vec<u8>` (or `Rc<[u8]>` to share)".to_owned()),
        slice if slice.starts_with('[') && slice.ends_with(']') && !slice.contains(';') => {
            let item = &slice[1..slice.len() - 1];
            Some(format!("`Vec<{item}>` (or `Rc<[{item}]>` to share)"))
        }
        _ => None,
    };
    if let Some(owned) = shared.filter(|_| r.mutability.is_none()) {
        return format!("Take a {owned}");
    }
    // What is unsized cannot be taken by value: its owned form, and how
    // to share it.
    let unsized_owned = match inner.as_str() {
        "str" => Some(("String".to_owned(), "Rc<str>".to_owned())),
        "OsStr" | "std::ffi::OsStr" => Some(("OsString".to_owned(), "Rc<OsStr>".to_owned())),
        "CStr" | "std::ffi::CStr" => Some(("CString".to_owned(), "Rc<CStr>".to_owned())),
        "Path" | "std::path::Path" => Some(("PathBuf".to_owned(), "Rc<Path>".to_owned())),
        dyn_trait if dyn_trait.starts_with("dyn ") => {
            Some((format!("Box<{dyn_trait}>"), format!("Rc<{dyn_trait}>")))
        }
        slice if slice.starts_with('[') && slice.ends_with(']') && !slice.contains(';') => {
            let item = &slice[1..slice.len() - 1];
            Some((format!("Vec<{item}>"), format!("Rc<[{item}]>")))
        }
        _ => None,
    };
    if let Some((owned, shared)) = unsized_owned {
        return if r.mutability.is_some() {
            format!(
                "Take an owned `{owned}` and give it back in the return value, or share it as \
                 `Rc<RefCell<{owned}>>`"
            )
        } else {
            format!("Take an owned `{owned}`, or share it as `{shared}`")
        };
    }
    if r.mutability.is_some() {
        return format!(
            "Take the value itself (`{inner}`) and give it back in the return value, or share it \
             as `Rc<RefCell<{inner}>>`"
        );
    }
    format!("Take the value itself (`{inner}`), or share it as `Rc<{inner}>`")
}

/// What Rust's elision gives the elided lifetimes of the return type
/// (`-> &str`, `-> Ref<'_>`): `None` when it has none; `Some(true)` when
/// they take the lifetime of the receiver's reference to `Self` (`&self`,
/// `self: Pin<&mut Self>`), or of the one parameter with lifetimes, all one
/// lifetime (which in a tamed function can only be `'static`: a borrow is
/// refused); `Some(false)` where plain Rust says "missing lifetime
/// specifier" (no parameter with one, several, or one with several).
pub fn output_elision(sig: &syn::Signature) -> Option<bool> {
    elided_output(sig)?;
    let mut with_lifetimes = Vec::new();
    for input in &sig.inputs {
        let ty = match input {
            FnArg::Receiver(r) => {
                let mut refs = RefToSelf(false);
                refs.visit_type(&r.ty);
                if refs.0 {
                    return Some(true);
                }
                &r.ty
            }
            FnArg::Typed(t) => &t.ty,
        };
        let mut lifetimes = ParamLifetimes::default();
        lifetimes.visit_type(ty);
        if lifetimes.elided > 0 || !lifetimes.named.is_empty() {
            with_lifetimes.push(lifetimes.elided + lifetimes.named.len());
        }
    }
    Some(with_lifetimes == [1])
}

/// Whether a receiver's type has a reference to `Self` in it (`&Self`,
/// `Pin<&mut Self>`), whose lifetime elision gives the output.
struct RefToSelf(bool);

impl<'ast> Visit<'ast> for RefToSelf {
    fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
        if matches!(&*r.elem, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self")) {
            self.0 = true;
        }
        visit::visit_type_reference(self, r);
    }
}

/// The first elided lifetime of the return type: a `&` without one, or
/// `'_`.
fn elided_output(sig: &syn::Signature) -> Option<proc_macro2::TokenStream> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let mut find = ElidedLifetime(None);
    find.visit_type(ty);
    find.0
}

/// `'static` for each elided lifetime of a return type whose elision
/// [`output_elision`] says gives it.
pub fn static_output(ty: &mut Type) {
    struct Fill;
    impl syn::visit_mut::VisitMut for Fill {
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            if r.lifetime.is_none() {
                r.lifetime = Some(syn::Lifetime::new("'static", r.and_token.span));
            }
            syn::visit_mut::visit_type_reference_mut(self, r);
        }
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            if l.ident == "_" {
                *l = syn::Lifetime::new("'static", l.apostrophe);
            }
        }
        fn visit_type_bare_fn_mut(&mut self, _: &mut syn::TypeBareFn) {}
        fn visit_parenthesized_generic_arguments_mut(
            &mut self,
            _: &mut syn::ParenthesizedGenericArguments,
        ) {
        }
    }
    syn::visit_mut::VisitMut::visit_type_mut(&mut Fill, ty);
}

/// The lifetimes of a parameter's type, as elision sees them: each elided
/// one (a `&` without one, `'_`) is a lifetime of its own, a named one is
/// one however often it appears (`&'static &'static str`); not those of a
/// function type, which are its own.
#[derive(Default)]
struct ParamLifetimes {
    elided: usize,
    named: Vec<String>,
}

impl<'ast> Visit<'ast> for ParamLifetimes {
    fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
        if r.lifetime.is_none() {
            self.elided += 1;
        }
        visit::visit_type_reference(self, r);
    }
    fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
        let name = l.ident.to_string();
        if name == "_" {
            self.elided += 1;
        } else if !self.named.contains(&name) {
            self.named.push(name);
        }
    }
    fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}
    fn visit_parenthesized_generic_arguments(
        &mut self,
        _: &'ast syn::ParenthesizedGenericArguments,
    ) {
    }
}

/// The first elided lifetime in a type, outside function types.
struct ElidedLifetime(Option<proc_macro2::TokenStream>);

impl<'ast> Visit<'ast> for ElidedLifetime {
    fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
        if self.0.is_none() && r.lifetime.is_none() {
            self.0 = Some(r.and_token.to_token_stream());
        }
        visit::visit_type_reference(self, r);
    }
    fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
        if self.0.is_none() && l.ident == "_" {
            self.0 = Some(l.to_token_stream());
        }
    }
    fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}
    fn visit_parenthesized_generic_arguments(
        &mut self,
        _: &'ast syn::ParenthesizedGenericArguments,
    ) {
    }
}

/// Whether `signature` rejects a return type (`impl Trait`, `!`, a type
/// with an `impl Trait` in it).
pub fn rejected_return(ty: &Type) -> bool {
    let mut nested = NestedImpl(None);
    nested.visit_type(ty);
    nested.0.is_some() || matches!(ty, Type::Never(_))
}

/// The first `impl Trait` inside a type.
struct NestedImpl(Option<proc_macro2::TokenStream>);

impl<'ast> Visit<'ast> for NestedImpl {
    fn visit_type_impl_trait(&mut self, it: &'ast syn::TypeImplTrait) {
        if self.0.is_none() {
            self.0 = Some(it.to_token_stream());
        }
    }
}

/// Attributes that cannot mean on a tamed function what they mean on a
/// plain one.
fn attributes(f: &ItemFn, errors: &mut Errors) {
    for a in &f.attrs {
        if let Some(msg) = rejected_attribute(a) {
            errors.spanned(a, msg);
        }
    }
}

/// Why an attribute cannot go on a tamed function, if it cannot (a
/// rejected function is emitted without it: see `tamed::fallback`).
pub fn rejected_attribute(a: &syn::Attribute) -> Option<&'static str> {
    let last = a.path().segments.last()?;
    let msg = match last.ident.to_string().as_str() {
        "tamed" => "#[tamed] is given twice; remove one",
        // `#[test]`, and the test attributes of other crates
        // (`tokio::test`, `test_case::test_case`): the harness calls the
        // function and takes its return for the test's end.
        "test" | "test_case" | "rstest" | "rustc_test_marker" => {
            "a #[tamed] function cannot be a test: it returns at its first twait that waits, \
             and the test would end there, passed, before the rest of it ran; write a plain \
             #[test] that runs it: `tame::run_with(|done| my_test(done))` (give the tamed \
             function a return value or a `done: Event` of its own)"
        }
        // With `#[test]` above `#[tamed]` (which the translator does not
        // see), the function refuses to run as a test by panicking: a
        // `#[should_panic]` test would take that panic for its own and
        // pass. One that expects the refusal's own words tests it.
        "should_panic" if !expects_the_refusal(a) => {
            "#[should_panic] on a #[tamed] function: run as a test, it would return at its \
             first twait that waits, and its refusal to run so would pass for the panic; \
             write a plain #[test] #[should_panic] that runs it: \
             `tame::run_with(|done| my_test(done))`"
        }
        "must_use" => {
            "#[must_use] on a #[tamed] function would warn at every call, the right ones too: \
             the function itself returns `()`, and what it gives back comes through an event \
             (its value's, which `mkevent!(x)` uses, or one it takes); remove it"
        }
        "track_caller" => {
            "#[track_caller] is refused on a #[tamed] function, where it would have no \
             effect: its body runs as a task \
             of the loop, not in its caller's frame, so `Location::caller()` and a panic in \
             it would not name the caller; remove it, or put it on a plain function that \
             checks its arguments, then calls the tamed one"
        }
        _ => return None,
    };
    Some(msg)
}

/// Whether a `#[should_panic(expected = "..")]` expects the words of
/// the refusal to run a tamed function as a test (see
/// `tame::__private::refuse_test_harness`).
fn expects_the_refusal(a: &syn::Attribute) -> bool {
    a.to_token_stream()
        .to_string()
        .contains("is a #[tamed] function run by the test harness")
}

/// The first borrow in a parameter's type, at any depth (`&str`,
/// `Vec<&str>`, `Parser<'a>`): a reference or a lifetime other than
/// `'static`. Without this, rustc reports such a parameter as data that
/// escapes the function, at `#[tamed]`.
#[derive(Default)]
struct BorrowFinder {
    found: Option<proc_macro2::TokenStream>,
    /// Lifetimes bound by an enclosing `for<'a>`: a trait object's or
    /// bound's own, for any lifetime its user picks, not a borrow; and the
    /// function's that outlive `'static` (`<'a: 'static>`, `where 'a:
    /// 'static`), which are `'static` by another name.
    higher_ranked: Vec<proc_macro2::Ident>,
}

impl BorrowFinder {
    /// A finder for the parameters of `sig`.
    fn of(sig: &syn::Signature) -> Self {
        BorrowFinder {
            found: None,
            higher_ranked: static_lifetimes(&sig.generics),
        }
    }

    /// Whether `l` is a borrow: not `'static`, not higher-ranked.
    fn borrows(&self, l: &syn::Lifetime) -> bool {
        l.ident != "static" && !self.higher_ranked.contains(&l.ident)
    }
}

/// The lifetimes of `generics` bound to outlive `'static`.
fn static_lifetimes(generics: &syn::Generics) -> Vec<proc_macro2::Ident> {
    let is_static = |b: &syn::Lifetime| b.ident == "static";
    let mut out: Vec<proc_macro2::Ident> = (generics.lifetimes())
        .filter(|l| l.bounds.iter().any(is_static))
        .map(|l| l.lifetime.ident.clone())
        .collect();
    for p in generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Lifetime(l) = p {
            if l.bounds.iter().any(is_static) {
                out.push(l.lifetime.ident.clone());
            }
        }
    }
    out
}

impl<'ast> Visit<'ast> for BorrowFinder {
    fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
        if self.found.is_some() {
            return;
        }
        if r.lifetime.as_ref().is_some_and(|l| !self.borrows(l)) {
            visit::visit_type_reference(self, r);
        } else {
            self.found = Some(quote::ToTokens::to_token_stream(r));
        }
    }

    fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
        if self.found.is_none() && self.borrows(l) {
            self.found = Some(quote::ToTokens::to_token_stream(l));
        }
    }

    // `dyn for<'a> Parse<'a>`: the bound's `'a` is its own.
    fn visit_trait_bound(&mut self, b: &'ast syn::TraitBound) {
        let Some(bound) = &b.lifetimes else {
            return visit::visit_trait_bound(self, b);
        };
        let before = self.higher_ranked.len();
        self.higher_ranked
            .extend(bound.lifetimes.iter().filter_map(|p| match p {
                syn::GenericParam::Lifetime(l) => Some(l.lifetime.ident.clone()),
                _ => None,
            }));
        self.visit_path(&b.path);
        self.higher_ranked.truncate(before);
    }

    // What a closure or function-pointer type borrows in its own
    // arguments is its business (`fn(&str)`, `impl Fn(&[u8])`).
    fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}

    fn visit_parenthesized_generic_arguments(
        &mut self,
        _: &'ast syn::ParenthesizedGenericArguments,
    ) {
    }
}

/// Checks the body for misuses that do not depend on names.
pub fn body(f: &ItemFn, errors: &mut Errors) {
    let stmts = &f.block.stmts;
    let first_is_tvars = stmts
        .first()
        .is_some_and(|s| matches!(macros::stmt_macro(s), Some((_, Which::Tvars))));
    for stmt in stmts.iter().skip(1) {
        if let Some((mac, Which::Tvars)) = macros::stmt_macro(stmt) {
            let msg = if first_is_tvars {
                "tvars! is given twice; declare all state variables in the one tvars! at the top"
            } else {
                "tvars! must be the first statement of a #[tamed] function; move it to the top"
            };
            errors.spanned(mac, msg);
        }
    }
    if let Some(guard) = instrument_guard(stmts) {
        if macros::tokens_mention_twait(&f.block.to_token_stream()) {
            errors.spanned(guard, INSTRUMENT_ABOVE);
        }
    }
    let returns_value = match &f.sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => !matches!(&**ty, Type::Tuple(t) if t.elems.is_empty()),
    };
    let not_try =
        matches!(&f.sig.output, ReturnType::Type(_, ty) if returns_value && surely_not_try(ty));
    let mut v = BodyCheck {
        errors,
        closure_depth: 0,
        twait_block_depth: 0,
        loop_depth: 0,
        top_level: true,
        returns_value,
        not_try,
    };
    for stmt in stmts {
        v.visit_stmt(stmt);
    }
}

/// The refusal of a span guard that `#[tracing::instrument]` above
/// `#[tamed]` put in the body: without it, rustc's "cannot move out of
/// value because it is borrowed" at the attribute names nothing.
const INSTRUMENT_ABOVE: &str = "`#[tracing::instrument]` above `#[tamed]` holds its span \
    entered from the function's start to its end, across its twaits, through a guard that \
    borrows the span (which the machine cannot keep), and a span entered while the function \
    waits would hold the events of other tasks too; enter a span of your own between twaits \
    instead (`let span = tracing::info_span!(\"f\"); span.in_scope(|| ..); twait! {..}; \
    let _e = span.enter(); ..`), or put the attribute below `#[tamed]`, where its span lasts \
    until the first twait";

/// The guard `tracing::instrument` (0.1) declares at the top of a function
/// it wraps (`let __tracing_attr_guard;`), if the body starts with one, or
/// with a block that does (its expansion without `err` or `ret`).
fn instrument_guard(stmts: &[Stmt]) -> Option<&syn::Ident> {
    stmts.iter().take(4).find_map(|s| match s {
        Stmt::Local(syn::Local {
            pat: syn::Pat::Ident(p),
            ..
        }) if p.ident == "__tracing_attr_guard" => Some(&p.ident),
        Stmt::Expr(syn::Expr::Block(b), _) => instrument_guard(&b.block.stmts),
        _ => None,
    })
}

struct BodyCheck<'a> {
    errors: &'a mut Errors,
    /// Inside a closure or async block: a boundary for twait and `?`.
    closure_depth: usize,
    /// Inside a `twait! { ... }` block.
    twait_block_depth: usize,
    /// Loops around here (a closure's own count from 0).
    loop_depth: usize,
    /// Walking the function's own statements (not a nested block).
    top_level: bool,
    returns_value: bool,
    /// The return type, when it is one `?` can never return through
    /// (see [`surely_not_try`]).
    not_try: bool,
}

/// Whether a return type is one no `?` can return through: a primitive, a
/// tuple, a reference, an array, or a std container named as std names it.
/// (Only `Result`, `Option` and aliases of them can be; a `u32` aliased to
/// a `Result` is not worth a worse error for everyone else.)
pub(crate) fn surely_not_try(ty: &Type) -> bool {
    match ty {
        Type::Paren(p) => surely_not_try(&p.elem),
        Type::Group(g) => surely_not_try(&g.elem),
        Type::Tuple(_)
        | Type::Reference(_)
        | Type::Array(_)
        | Type::Slice(_)
        | Type::Never(_)
        | Type::Ptr(_)
        | Type::BareFn(_) => true,
        Type::Path(p) if p.qself.is_none() => {
            let segments = &p.path.segments;
            let std_path = segments.len() == 1
                || segments
                    .first()
                    .is_some_and(|s| ["std", "core", "alloc"].iter().any(|k| s.ident == k));
            std_path
                && segments.last().is_some_and(|s| {
                    const NOT_TRY: &[&str] = &[
                        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8",
                        "i16", "i32", "i64", "i128", "isize", "f32", "f64", "String", "Vec", "Box",
                        "Rc", "Arc", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "VecDeque",
                    ];
                    NOT_TRY.iter().any(|n| s.ident == n)
                })
        }
        _ => false,
    }
}

impl BodyCheck<'_> {
    fn our_macro(&mut self, mac: &syn::Macro, which: Which) {
        if self.closure_depth > 0 {
            let msg = match which {
                Which::Twait => "twait! cannot be used inside a closure or async block; call a #[tamed] function from the closure instead",
                Which::Mkevent => "mkevent! cannot be used inside a closure or async block; make the event outside the closure and move it in",
                Which::Tvars => "tvars! cannot be used inside a closure; it declares the state of the #[tamed] function itself",
            };
            self.errors.spanned(mac, msg);
            return;
        }
        match which {
            Which::Tvars => {
                // Top-level ones were checked by `body`.
                if !self.top_level || self.twait_block_depth > 0 {
                    self.errors.spanned(mac, "tvars! must be the first statement of a #[tamed] function; move it to the top");
                }
            }
            Which::Twait => {
                if self.twait_block_depth > 0 {
                    self.errors.spanned(
                        mac,
                        "twait! cannot be nested inside a twait! { ... } block; \
                         move the inner wait into a #[tamed] function and call it in this block \
                         with mkevent!() for its event: one that returns a value, or takes \
                         `done: tame::Event` and triggers it at its end (a #[tamed] function \
                         with neither has no event to wait for)",
                    );
                    return;
                }
                match macros::twait_form(mac) {
                    Ok(macros::TwaitForm::Block(stmts)) => {
                        if !macros::tokens_mention_macro(&mac.tokens, "mkevent") {
                            if let Some(user) = user_macro(&stmts) {
                                // The events may well come from it: say why
                                // they do not count, where it is.
                                let name = user.path.segments.last().map(|s| s.ident.to_string());
                                let name = name.unwrap_or_default();
                                let msg = if looks_like_mkevent(&name) {
                                    format!(
                                        "`{name}!` is no macro of tame's: did you mean \
                                         `mkevent!(..)`? (this twait! {{ ... }} block makes no \
                                         event with it)"
                                    )
                                } else {
                                    format!(
                                        "this twait! {{ ... }} block makes no event with mkevent! \
                                         that #[tamed] can see: `{name}!` may make one, but a macro \
                                         of your own expands after #[tamed] has rewritten the \
                                         body; write `mkevent!(..)` in the block itself"
                                    )
                                };
                                self.errors.spanned(user, &msg);
                            } else {
                                self.errors.spanned(
                                    mac,
                                "this twait! { ... } block makes no event with mkevent!, so it \
                                 waits for nothing and goes on at once; make the events it waits \
                                 for inside it (`f(mkevent!())`). A #[tamed] function that returns \
                                 nothing can be waited for only if it takes an `Event` of its own \
                                 (`done: Event`) and triggers it. (Events of a rendezvous of your \
                                 own, `r.event(..)` or `r.event_map(..)`, are waited for with \
                                 `twait!(r)`.)",
                                );
                            }
                        }
                        self.twait_block_depth += 1;
                        let saved = self.top_level;
                        self.top_level = false;
                        for s in &stmts {
                            self.visit_stmt(s);
                        }
                        self.top_level = saved;
                        self.twait_block_depth -= 1;
                    }
                    Ok(macros::TwaitForm::Rendezvous(_))
                        if macros::tokens_mention_macro(&mac.tokens, "mkevent") =>
                    {
                        self.errors.spanned(
                            mac,
                            "twait!(..) (or twait![..]) waits on a rendezvous; to wait for the \
                             events made by mkevent!() in a call, write the block form with \
                             braces: twait! { f(mkevent!()); }",
                        );
                    }
                    Ok(macros::TwaitForm::Rendezvous(e)) => {
                        if !self.twait_in_arguments(mac) {
                            self.visit_expr(&e);
                        }
                    }
                    Err(e) => self.errors.push(e),
                }
            }
            Which::Mkevent => {
                if self.twait_in_arguments(mac) {
                    return;
                }
                let args = match macros::mkevent_args(mac) {
                    Ok(a) => a,
                    Err(e) => {
                        self.errors.push(e);
                        return;
                    }
                };
                // (To start an operation and not wait for it, an event of
                // no one's: `Event::detached()`.)
                if self.twait_block_depth == 0 && args.is_empty() {
                    self.errors.spanned(
                        mac,
                        "mkevent! without a rendezvous must be inside twait! { ... }; \
                         wrap the call in twait! { ... } or name a rendezvous: mkevent!(r, id); \
                         to start it without waiting, pass `tame::Event::detached()`",
                    );
                } else if self.twait_block_depth == 0 && args.len() == 1 {
                    let x = crate::parse::syntax::code_text(&args[0]);
                    let msg = if matches!(args[0], syn::Expr::Infer(_)) {
                        "mkevent!(_) makes an event whose value is dropped when its twait! { ... } \
                         block ends, so it must be inside one; to start the operation without \
                         waiting for it, pass `tame::Event::detached()`"
                            .to_owned()
                    } else {
                        format!(
                            "mkevent!({x}) with one argument makes an event whose value fills \
                             the slot `{x}` when its twait! {{ ... }} block ends, so it must be \
                             inside one; for an event of a rendezvous `{x}`, give it an id: \
                             mkevent!({x}, id)"
                        )
                    };
                    self.errors.spanned(mac, &msg);
                }
                for a in &args {
                    if crate::parse::syntax::is_place(a) && macros::is_slice(a) {
                        let text = crate::parse::syntax::code_text(a);
                        self.errors.spanned(
                            a,
                            &format!(
                                "a mkevent! slot must be one sized place; `{text}` is a slice: \
                                 make the slot a variable of the event's type (an array, a \
                                 `Vec`) and copy it into the slice after the wait \
                                 (`{text}.copy_from_slice(&v)`)"
                            ),
                        );
                        continue;
                    }
                    self.visit_expr(a);
                }
            }
        }
    }

    fn foreign_macro(&mut self, mac: &syn::Macro) {
        // std's macros that take a list of expressions may wait in them
        // (`assert_eq!(twait!(r), Some(1))`): each is checked as code.
        if crate::parse::syntax::takes_expression_args(&mac.path)
            && macros::tokens_mention_twait(&mac.tokens)
        {
            let args = mac.parse_body_with(
                syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            );
            if let Ok(args) = args {
                for a in &args {
                    self.visit_expr(a);
                }
                return;
            }
        }
        self.twait_in_arguments(mac);
        self.try_in_arguments(mac);
    }

    /// A misused `?` in a macro's arguments, which the machine takes as
    /// expressions when they parse as a list of them (`vec![a?]`), as it
    /// takes a `?` anywhere else.
    fn try_in_arguments(&mut self, mac: &syn::Macro) {
        struct Tries<'c, 'e>(&'c mut BodyCheck<'e>);
        impl<'ast> Visit<'ast> for Tries<'_, '_> {
            fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
                self.0.misused_try(t);
                visit::visit_expr_try(self, t);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
            fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
            fn visit_macro(&mut self, m: &'ast syn::Macro) {
                self.0.try_in_arguments(m);
            }
        }
        let misused = !self.returns_value || self.not_try;
        if self.closure_depth > 0 || !misused || !macros::tokens_mention_question(&mac.tokens) {
            return;
        }
        let parsed = mac.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        );
        if let Ok(args) = parsed {
            let mut tries = Tries(self);
            for a in &args {
                tries.visit_expr(a);
            }
        }
    }

    /// Reports `?` where the function returns nothing, or nothing `?`
    /// returns through.
    fn misused_try(&mut self, t: &syn::ExprTry) {
        if self.closure_depth > 0 {
            return;
        }
        if !self.returns_value {
            self.errors.spanned(
                t.question_token,
                "`?` needs the #[tamed] function to return a value: declare its return type \
                 (`-> Result<T, E>` or `-> Option<T>`); callers then pass an event for it as the last argument",
            );
        } else if self.not_try {
            self.errors.spanned(
                t.question_token,
                "`?` returns early through a `Result` or an `Option`, and this #[tamed] function \
                 returns neither: make its return type `Result<T, E>` or `Option<T>`, or handle \
                 the error here with `match`",
            );
        }
    }

    /// Reports a twait in the arguments of a macro (another's, or
    /// `mkevent!(..)`, `twait!(..)`): the machine cuts the body at each
    /// twait, and cannot cut inside a macro call, which it does not expand.
    /// Whether it did.
    fn twait_in_arguments(&mut self, mac: &syn::Macro) -> bool {
        let found = self.closure_depth == 0 && macros::tokens_mention_twait(&mac.tokens);
        if found {
            self.errors.spanned(mac, macros::TWAIT_IN_MACRO_ARGUMENTS);
        }
        found
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.top_level;
        self.top_level = false;
        let r = f(self);
        self.top_level = saved;
        r
    }
}

impl BodyCheck<'_> {
    /// `#[cfg(..)]` on code that waits: the machine cuts such code into
    /// states, which the `cfg` does not reach, so its twaits would stay in
    /// the builds without it (and its other code with them).
    fn cfg_on_waiting_code(&mut self, attrs: &[syn::Attribute], code: &impl ToTokens) {
        let Some(cfg) = attrs.iter().find(|a| a.path().is_ident("cfg")) else {
            return;
        };
        if self.closure_depth == 0 && macros::tokens_mention_twait(&code.to_token_stream()) {
            self.errors.spanned(
                cfg,
                "#[cfg(..)] on code that waits is not supported in a #[tamed] function: its \
                 twaits would stay in the builds without it; write `if cfg!(..) { .. }` when the \
                 code compiles in every build, or move it into a #[tamed] function declared \
                 under the #[cfg] (with one for the other builds) and wait for that",
            );
        }
    }
}

impl<'ast> Visit<'ast> for BodyCheck<'_> {
    fn visit_stmt(&mut self, s: &'ast Stmt) {
        match s {
            Stmt::Local(l) => self.cfg_on_waiting_code(&l.attrs, l),
            Stmt::Macro(m) => self.cfg_on_waiting_code(&m.attrs, m),
            Stmt::Expr(e, _) => self.cfg_on_waiting_code(crate::parse::syntax::expr_attrs(e), e),
            Stmt::Item(_) => {}
        }
        if let Stmt::Macro(m) = s {
            match macros::which(&m.mac) {
                Some(w) => self.our_macro(&m.mac, w),
                None => self.foreign_macro(&m.mac),
            }
            return;
        }
        visit::visit_stmt(self, s);
    }

    fn visit_expr_macro(&mut self, m: &'ast syn::ExprMacro) {
        match macros::which(&m.mac) {
            Some(w) => self.our_macro(&m.mac, w),
            None => self.foreign_macro(&m.mac),
        }
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        self.cfg_on_waiting_code(&a.attrs, &a.body);
        visit::visit_arm(self, a);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.nested(|s| visit::visit_block(s, b));
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.closure_depth += 1;
        let loops = std::mem::take(&mut self.loop_depth);
        self.nested(|s| visit::visit_expr_closure(s, c));
        self.loop_depth = loops;
        self.closure_depth -= 1;
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.closure_depth += 1;
        let loops = std::mem::take(&mut self.loop_depth);
        self.nested(|s| visit::visit_expr_async(s, a));
        self.loop_depth = loops;
        self.closure_depth -= 1;
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.loop_depth += 1;
        visit::visit_expr_loop(self, l);
        self.loop_depth -= 1;
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.loop_depth += 1;
        visit::visit_expr_while(self, w);
        self.loop_depth -= 1;
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.loop_depth += 1;
        visit::visit_expr_for_loop(self, f);
        self.loop_depth -= 1;
    }

    // An unlabeled `break` or `continue` outside every loop (rustc would
    // speak of the closure and the labeled block the function becomes).
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if b.label.is_none() && self.loop_depth == 0 && self.closure_depth == 0 {
            self.errors.spanned(
                b.break_token,
                "`break` outside of a loop: a #[tamed] function leaves with `return`",
            );
        }
        visit::visit_expr_break(self, b);
    }

    fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
        if c.label.is_none() && self.loop_depth == 0 && self.closure_depth == 0 {
            self.errors.spanned(c, "`continue` outside of a loop");
        }
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        self.misused_try(t);
        visit::visit_expr_try(self, t);
    }

    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        let syn::ExprAwait { await_token, .. } = a;
        if self.closure_depth == 0 {
            self.errors.spanned(
                await_token,
                "`await` is for async code; a #[tamed] function waits with twait!: to wait \
                 for another #[tamed] function, pass it an event for its result, \
                 `twait! { f(args, mkevent!(v)); }`; to wait for a future, \
                 `twait! { tame::spawn(fut, mkevent!(v)); }`; the result lands in `v`",
            );
        }
        visit::visit_expr_await(self, a);
    }

    fn visit_expr_try_block(&mut self, t: &'ast syn::ExprTryBlock) {
        self.closure_depth += 1;
        visit::visit_expr_try_block(self, t);
        self.closure_depth -= 1;
    }

    // Nested items are not part of the tamed function.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The first macro call in `stmts` that is neither tame's nor one of std's
/// (formatting, or giving a value): a user's, which the translator does
/// not expand.
fn user_macro(stmts: &[Stmt]) -> Option<&syn::Macro> {
    struct Find<'a>(Option<&'a syn::Macro>);
    impl<'a> Visit<'a> for Find<'a> {
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            let known = macros::which(m).is_some()
                || crate::parse::syntax::is_formatting_macro(&m.path)
                || crate::parse::syntax::is_std_value_macro(&m.path);
            if !known && self.0.is_none() {
                self.0 = Some(m);
            }
        }
    }
    let mut f = Find(None);
    for s in stmts {
        f.visit_stmt(s);
    }
    f.0
}

/// Whether a macro's name is `mkevent` mistyped (a letter left out, added,
/// changed or two swapped, or the case changed): `mkevnt`, `mkevents`,
/// `mk_event`, `mkEvent`.
fn looks_like_mkevent(name: &str) -> bool {
    let name: Vec<char> = name.to_lowercase().chars().filter(|&c| c != '_').collect();
    let want: Vec<char> = "mkevent".chars().collect();
    // The edit distance (with swaps of neighbours), at most one.
    let (n, m) = (name.len(), want.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(name[i - 1] != want[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && name[i - 1] == want[j - 2] && name[i - 2] == want[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m] <= 1
}
