//! Values and types that obviously need no drop, or are `Copy`, and
//! methods that consume their receiver.

use syn::Expr;

use super::*;

/// Whether an initializer obviously gives a value whose drop does
/// nothing: literals, comparisons, arithmetic on such values, casts,
/// `len()`-style queries. Such bindings are not kept across a twait just for their drop.
pub fn trivially_undroppable(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) => true,
        // `x as u32`; not `b as Box<dyn Any>`.
        Expr::Cast(c) => trivially_undroppable_type(&c.ty),
        // A comparison or `&&`/`||` gives a `bool` whatever its operands;
        // arithmetic may be overloaded to give anything (a guard, say),
        // unless its operands are plain values themselves.
        Expr::Binary(b) => {
            gives_bool(&b.op) || (trivially_undroppable(&b.left) && trivially_undroppable(&b.right))
        }
        // `!` and `-` may be overloaded too (`!Flags(1)`, a type with a
        // drop): on such operands only.
        Expr::Unary(u) => {
            matches!(u.op, syn::UnOp::Not(_) | syn::UnOp::Neg(_)) && trivially_undroppable(&u.expr)
        }
        Expr::Paren(p) => trivially_undroppable(&p.expr),
        Expr::Tuple(t) => t.elems.iter().all(trivially_undroppable),
        Expr::Range(r) => {
            r.start.as_deref().is_none_or(trivially_undroppable)
                && r.end.as_deref().is_none_or(trivially_undroppable)
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            matches!(
                name.as_str(),
                "len"
                    | "count"
                    | "capacity"
                    | "is_empty"
                    | "is_some"
                    | "is_none"
                    | "is_ok"
                    | "is_err"
            ) || name.starts_with("is_")
        }
        // A constant's name (`MAX_LINE`, `EMPTY_BUF`): taken for a value
        // with no drop, as constants nearly always are (a `const` of a type
        // whose drop does something is the README's limit), so that an
        // array bound from one is not kept across a twait for nothing.
        Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| i.to_string().chars().all(|c| c.is_uppercase() || c == '_')),
        // A choice between such values (`if d { 0 } else { 5 }`), a branch
        // that leaves instead counting as one.
        Expr::If(i) => {
            i.else_branch
                .as_ref()
                .is_some_and(|(_, e)| trivially_undroppable(e))
                && value_trivially_undroppable(&i.then_branch)
        }
        Expr::Match(m) => m
            .arms
            .iter()
            .all(|a| trivially_undroppable(&a.body) || expr_diverges(&a.body)),
        Expr::Block(b) if b.label.is_none() => value_trivially_undroppable(&b.block),
        _ => false,
    }
}

/// Whether a block's value (its tail) obviously has no drop, or it gives
/// none because it leaves.
fn value_trivially_undroppable(b: &syn::Block) -> bool {
    match tail_of(b) {
        Some(e) => trivially_undroppable(e) || expr_diverges(e),
        None => block_diverges(b),
    }
}

/// Whether an initializer obviously gives a `Copy` value: a number, a
/// `bool` or a `char` (literals, comparisons, arithmetic and casts of
/// them, `len()`-style queries), a string literal, or a choice or tuple of
/// such, or a constant (`LIMIT`: a `const` of a type that is not `Copy`,
/// rare, draws rustc's "use of moved value" where it is taken for one).
/// Not a range, which [`trivially_undroppable`] allows.
pub fn copy_like(e: &Expr) -> bool {
    match e {
        Expr::Range(_) => false,
        Expr::Binary(b) => gives_bool(&b.op) || (copy_like(&b.left) && copy_like(&b.right)),
        Expr::Paren(p) => copy_like(&p.expr),
        Expr::Tuple(t) => t.elems.iter().all(copy_like),
        Expr::If(i) => {
            i.else_branch.as_ref().is_some_and(|(_, e)| copy_like(e))
                && tail_of(&i.then_branch).is_some_and(|e| copy_like(e) || expr_diverges(e))
        }
        Expr::Match(m) => m
            .arms
            .iter()
            .all(|a| copy_like(&a.body) || expr_diverges(&a.body)),
        Expr::Block(b) if b.label.is_none() => {
            tail_of(&b.block).is_some_and(|e| copy_like(e) || expr_diverges(e))
        }
        other => trivially_undroppable(other),
    }
}

/// Whether an expression may be a constant rustc promotes to `'static`
/// (`&[1, 2]`, `&("a", 3)`, `&None`): literals, paths, and arrays, tuples,
/// struct literals and references made of them.
pub fn constant_like(e: &Expr) -> bool {
    let upper = |p: &syn::Path| {
        p.segments
            .last()
            .is_some_and(|s| s.ident.to_string().starts_with(|c: char| c.is_uppercase()))
    };
    match e {
        Expr::Lit(_) => true,
        // `None`, `MAX`, `Kind::A`; not a variable (`&(g1, g2)` moves them).
        Expr::Path(p) => upper(&p.path),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && constant_like(&u.expr),
        Expr::Reference(r) => r.mutability.is_none() && constant_like(&r.expr),
        Expr::Paren(p) => constant_like(&p.expr),
        Expr::Array(a) => a.elems.iter().all(constant_like),
        Expr::Tuple(t) => t.elems.iter().all(constant_like),
        Expr::Struct(s) => s.rest.is_none() && s.fields.iter().all(|f| constant_like(&f.expr)),
        _ => false,
    }
}

/// Whether a written type obviously has no drop: the primitive types,
/// shared references, raw pointers and function pointers, std's
/// `Duration` and `Instant`, and tuples, arrays and `Option`s of them.
pub fn trivially_undroppable_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => r.mutability.is_none(),
        syn::Type::Ptr(_) | syn::Type::BareFn(_) => true,
        syn::Type::Path(p)
            if p.qself.is_none()
                && p.path.segments.last().is_some_and(|s| {
                    s.arguments.is_empty() && (s.ident == "Duration" || s.ident == "Instant")
                }) =>
        {
            true
        }
        syn::Type::Paren(p) => trivially_undroppable_type(&p.elem),
        syn::Type::Group(g) => trivially_undroppable_type(&g.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(trivially_undroppable_type),
        syn::Type::Array(a) => trivially_undroppable_type(&a.elem),
        _ => option_of(ty).map_or_else(|| primitive_scalar_type(ty), trivially_undroppable_type),
    }
}

/// `T` of a written `Option<T>` (`std::option::Option<T>` too).
fn option_of(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let names = segment_names(&p.path);
    let named = match &names[..] {
        [one] => one == "Option",
        [.., m, last] => last == "Option" && m == "option",
        [] => false,
    };
    let last = p.path.segments.last()?;
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) if named && a.args.len() == 1 => match &a.args[0] {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a written type obviously has no drop, a `&mut` reference
/// counted too (not `Copy`, so not [`trivially_undroppable_type`]): a
/// value of it is kept only while it is used (`let (a, b): (&mut [u32],
/// &mut [u32]) = v.split_at_mut(1);`).
pub fn undroppable_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(_) => true,
        syn::Type::Paren(p) => undroppable_type(&p.elem),
        syn::Type::Group(g) => undroppable_type(&g.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(undroppable_type),
        syn::Type::Array(a) => undroppable_type(&a.elem),
        _ => option_of(ty).map_or_else(|| trivially_undroppable_type(ty), undroppable_type),
    }
}

/// Whether a written type is a number, `bool` or `char`.
pub fn primitive_scalar_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Paren(p) => primitive_scalar_type(&p.elem),
        syn::Type::Group(g) => primitive_scalar_type(&g.elem),
        syn::Type::Path(p) if p.qself.is_none() => p.path.get_ident().is_some_and(|i| {
            matches!(
                i.to_string().as_str(),
                "u8" | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "f32"
                    | "f64"
                    | "bool"
                    | "char"
            )
        }),
        _ => false,
    }
}

/// Methods that take their receiver by value when their value is the
/// operand of a `?` (see [`consumes_receiver`]): anyhow's `Context` on a
/// `Result` or an `Option`, `got.context("reading")?`. (A `&self` method
/// of that name whose value is `?`-ed is taken as a move too, as any of
/// [`consumes_receiver`]'s names is.)
pub fn consumes_receiver_tried(method: &str) -> bool {
    matches!(method, "context" | "with_context")
}

/// Methods that take their receiver by value, whatever its type: a
/// variable used last as their receiver is moved out. Every other method
/// is taken to borrow its receiver (`guard.note()` keeps `guard` alive to
/// the end of its scope); if it did not, rustc says so at the call.
pub fn consumes_receiver(method: &str) -> bool {
    const BY_VALUE: &[&str] = &[
        // tame's own.
        "trigger",
        "close",
        // Option and Result.
        "unwrap",
        "expect",
        "unwrap_or",
        "unwrap_or_else",
        "unwrap_or_default",
        "unwrap_unchecked",
        "unwrap_err",
        "unwrap_err_unchecked",
        "expect_err",
        "ok",
        "err",
        "map",
        "map_err",
        "map_or",
        "map_or_else",
        "and_then",
        "or_else",
        "ok_or",
        "ok_or_else",
        "is_some_and",
        "is_none_or",
        "is_ok_and",
        "is_err_and",
        "inspect_err",
        "flatten",
        "transpose",
        "zip",
        "xor",
        "filter",
        "inspect",
        "or",
        "and",
        "cloned",
        "copied",
        // Iterators and collections by value. (Not `last`, `nth` or
        // `find`: a slice's `last` borrows, and the other two take `&mut
        // self`; nor `count`, `max`, `min` or `skip`, names that types of
        // one's own give to `&self` or `&mut self` methods, whose guard
        // would then be dropped early without a word.)
        "collect",
        "sum",
        "product",
        "fold",
        "for_each",
        "join",
        "leak",
        "max_by",
        "min_by",
        "max_by_key",
        "min_by_key",
        "reduce",
        "partition",
        "unzip",
        "rev",
        "enumerate",
        "chain",
        "step_by",
        "peekable",
        "fuse",
        "cycle",
        "filter_map",
        "flat_map",
        "take_while",
        "skip_while",
        "map_while",
        "scan",
        // `Into::into` takes `self`, whatever the type.
        "into",
    ];
    BY_VALUE.contains(&method) || method.starts_with("into_")
}

/// Whether a written type is one of tame's handles, whose operations
/// (`conn.read(buf, mkevent!(got))`, `sem.acquire(mkevent!())`) borrow
/// their receiver, also behind a reference or a `Box`/`Rc`/`Arc`
/// (`Rc<TcpStream>`).
pub fn names_tame_handle(ty: &syn::Type) -> bool {
    const TAME_HANDLES: &[&str] = &[
        "Channel",
        "Fd",
        "Interval",
        "Latch",
        "LineReader",
        "Mailbox",
        "Mutex",
        "Poster",
        "ReadHalf",
        "Resolver",
        "Semaphore",
        "TcpListener",
        "TcpStream",
        "UdpSocket",
        "UnixListener",
        "UnixStream",
        "WriteHalf",
    ];
    match ty {
        syn::Type::Reference(r) => names_tame_handle(&r.elem),
        syn::Type::Paren(p) => names_tame_handle(&p.elem),
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            if name == "Rc" || name == "Arc" || name == "Box" {
                return match &last.arguments {
                    syn::PathArguments::AngleBracketed(a) => a.args.iter().any(
                        |arg| matches!(arg, syn::GenericArgument::Type(t) if names_tame_handle(t)),
                    ),
                    _ => false,
                };
            }
            TAME_HANDLES.contains(&name.as_str())
        }
        _ => false,
    }
}

/// Whether a written type holds one of tame's handles as its value: a
/// `Result` or `Option` of one (`io::Result<TcpStream>`, the slot of a
/// `connect`), or of a tuple with one (`io::Result<(TcpStream,
/// SocketAddr)>`, the slot of an `accept`).
pub fn wraps_tame_handle(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Result" && last.ident != "Option" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return false;
    };
    match a.args.first() {
        Some(syn::GenericArgument::Type(syn::Type::Tuple(t))) => {
            t.elems.iter().any(names_tame_handle)
        }
        Some(syn::GenericArgument::Type(t)) => names_tame_handle(t),
        _ => false,
    }
}

/// The variable an initializer takes its value from, unwrapped or as it
/// is: `x`, `x?`, `x.unwrap()`, `x.expect(..)`, `(x)`.
pub fn unwrapped_variable(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Try(t) => unwrapped_variable(&t.expr),
        Expr::Paren(p) => unwrapped_variable(&p.expr),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "unwrap" | "expect") => {
            unwrapped_variable(&m.receiver)
        }
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    }
}

/// The variable a `LineReader::new(x)` reads (also imported or
/// path-qualified): the reader is one of tame's handles when `x` is (see
/// `passes_tame_handle`); a `LineReader` of one's own made of a type of
/// one's own is not taken for one.
pub fn line_reader_of(e: &Expr) -> Option<&Ident> {
    let Expr::Call(c) = e else {
        return None;
    };
    let Expr::Path(p) = &*c.func else {
        return None;
    };
    let n = p.path.segments.len();
    let made = n >= 2
        && p.path.segments[n - 2].ident == "LineReader"
        && p.path.segments[n - 1].ident == "new";
    match (made, c.args.first(), c.args.len()) {
        (true, Some(arg), 1) => unwrapped_variable(arg),
        _ => None,
    }
}

/// Whether an initializer obviously gives one of tame's descriptors: a
/// constructor of one of their types (`TcpListener::bind(addr)?`,
/// `UnixStream::from_std(s).unwrap()`). Not of the toolkit's types, whose
/// names programs give their own types too (a `LineReader` of one's own
/// with a tamed `next_line(self)`): those are known by a written type.
pub fn makes_tame_handle(e: &Expr) -> bool {
    const DESCRIPTORS: &[&str] = &[
        "Fd",
        "TcpListener",
        "TcpStream",
        "UdpSocket",
        "UnixListener",
        "UnixStream",
    ];
    match e {
        Expr::Try(t) => makes_tame_handle(&t.expr),
        Expr::Paren(p) => makes_tame_handle(&p.expr),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "unwrap" | "expect") => {
            makes_tame_handle(&m.receiver)
        }
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p)
        if p.path.segments.len() >= 2 && {
            let ty = &p.path.segments[p.path.segments.len() - 2].ident;
            DESCRIPTORS.iter().any(|d| ty == d)
        } || makes_fds(&p.path) && (c.args.is_empty() || is_bounded_mailbox(&p.path))),
        _ => false,
    }
}

/// `tame::io::pipe()` (a pair of `Fd`s) and `tame::io::stdin()`, also
/// imported (`pipe()`): std has neither a `pipe()` nor a `stdin()` whose
/// value a tame operation takes, so one of those names is tame's here.
/// And `tame::sync::mailbox()` and `bounded_mailbox(n)` (a `Poster` and a
/// `Mailbox`, which cannot be cloned: dropped at the wait, it would end
/// its receive empty).
fn makes_fds(path: &syn::Path) -> bool {
    let segments = segment_names(path);
    match segments.as_slice() {
        [.., last] if last == "mailbox" || last == "bounded_mailbox" => match segments.as_slice() {
            [_] => true,
            [.., module, _] => module == "sync",
            [] => false,
        },
        [.., last] if last != "pipe" && last != "stdin" => false,
        [_] => true,
        [.., module, _] => module == "io",
        [] => false,
    }
}

/// `bounded_mailbox` (also `sync::bounded_mailbox`), whose one argument
/// is its capacity.
fn is_bounded_mailbox(path: &syn::Path) -> bool {
    path.segments
        .last()
        .is_some_and(|s| s.ident == "bounded_mailbox")
}

/// The written types of a tuple pattern's parts, for a `let` whose type is
/// a tuple (`let (r, w): (UnixStream, UnixStream) = make()?;`): per part,
/// whether its type is one of tame's handles, with the number of names the
/// part binds (in the pattern's order). `None` for any other shape.
pub fn tuple_parts_naming_handles(pat: &syn::Pat, ty: &syn::Type) -> Option<Vec<(bool, usize)>> {
    let pat = match pat {
        syn::Pat::Type(t) => &*t.pat,
        other => other,
    };
    let (syn::Pat::Tuple(p), syn::Type::Tuple(t)) = (pat, ty) else {
        return None;
    };
    if p.elems.len() != t.elems.len() {
        return None;
    }
    struct Names(usize);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0 += 1;
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let parts = p.elems.iter().zip(&t.elems).map(|(part, ty)| {
        let mut names = Names(0);
        syn::visit::Visit::visit_pat(&mut names, part);
        (names_tame_handle(ty), names.0)
    });
    Some(parts.collect())
}

/// Whether an initializer splits one of tame's streams into its halves
/// (`let (r, w) = stream.into_split();`): both are tame's handles.
pub fn splits_tame_stream(e: &Expr) -> bool {
    matches!(e, Expr::MethodCall(m) if m.method == "into_split" && m.args.is_empty())
}

/// Whether the written type `t` names the same type wherever the function
/// spells it: no `_` or `impl` left to inference (which may find a
/// closure's type, a new one at each closure), no type of `local` (the
/// items of inner blocks, declared again in the lint shadow), no borrow
/// but a `'static` one, no macro.
pub fn names_one_type(t: &syn::Type, local: &[String]) -> bool {
    struct Judge<'a> {
        local: &'a [String],
        same: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Judge<'_> {
        fn visit_type(&mut self, t: &'ast syn::Type) {
            match t {
                syn::Type::Infer(_) | syn::Type::ImplTrait(_) | syn::Type::Macro(_) => {
                    self.same = false;
                }
                syn::Type::Reference(r) if r.lifetime.is_none() => self.same = false,
                _ => syn::visit::visit_type(self, t),
            }
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            if l.ident != "static" {
                self.same = false;
            }
        }
        fn visit_macro(&mut self, _: &'ast syn::Macro) {
            // (`[u8; width!()]`: a macro that may be an inner block's.)
            self.same = false;
        }
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            if self.local.iter().any(|n| s.ident == n) {
                self.same = false;
            }
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut judge = Judge { local, same: true };
    syn::visit::Visit::visit_type(&mut judge, t);
    judge.same
}

/// Whether a written type is surely not `Copy`: it is, or holds by value,
/// one of std's owning types (`String`, `Vec<T>`, `Box<T>`, `Rc<T>`, a
/// map), or a `&mut`. Judged by name, so only by names a type of the
/// user's is unlikely to have in that form: the generic ones with their
/// arguments written (a `Copy` `struct Box` of one's own has none), and
/// no `Cell` (a grid's cell). (A type of the user's may or may not be
/// `Copy`: not judged.)
pub fn surely_not_copy(ty: &syn::Type) -> bool {
    const OWNING: &[&str] = &["String", "PathBuf", "OsString", "CString"];
    const OWNING_GENERIC: &[&str] = &[
        "Vec",
        "Box",
        "Rc",
        "Arc",
        "HashMap",
        "HashSet",
        "BTreeMap",
        "BTreeSet",
        "VecDeque",
        "BinaryHeap",
    ];
    match ty {
        syn::Type::Reference(r) => r.mutability.is_some(),
        syn::Type::Paren(p) => surely_not_copy(&p.elem),
        syn::Type::Group(g) => surely_not_copy(&g.elem),
        syn::Type::Tuple(t) => t.elems.iter().any(surely_not_copy),
        syn::Type::Array(a) => surely_not_copy(&a.elem),
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|last| {
            let name = last.ident.to_string();
            let generic = matches!(last.arguments, syn::PathArguments::AngleBracketed(_));
            (OWNING.contains(&name.as_str()) && !generic)
                || (OWNING_GENERIC.contains(&name.as_str()) && generic)
                || (matches!(name.as_str(), "Option" | "Result")
                    && matches!(&last.arguments, syn::PathArguments::AngleBracketed(a)
                        if a.args.iter().any(|g| matches!(g, syn::GenericArgument::Type(t) if surely_not_copy(t)))))
        }),
        _ => false,
    }
}

/// Whether the body calls, as a statement, a macro that is not one of
/// std's or tame's expression macros: such a call may declare items (a
/// `newtype!(Meters);`), which exist only where it stands.
pub fn calls_statement_macros(body: &syn::Block) -> bool {
    struct Calls(bool);
    impl<'ast> syn::visit::Visit<'ast> for Calls {
        fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
            let ours_or_values = m.mac.path.segments.last().is_some_and(|s| {
                matches!(
                    s.ident.to_string().as_str(),
                    "twait" | "mkevent" | "tvars" | "dbg" | "vec"
                )
            });
            if !ours_or_values && !is_formatting_macro(&m.mac.path) {
                self.0 = true;
            }
            syn::visit::visit_stmt_macro(self, m);
        }
        fn visit_item_macro(&mut self, _: &'ast syn::ItemMacro) {
            self.0 = true;
        }
    }
    let mut calls = Calls(false);
    syn::visit::Visit::visit_block(&mut calls, body);
    calls.0
}

/// The names the items among `stmts` declare, a `use`'s included (a glob
/// `use` gives `*`).
pub fn item_names(stmts: &[syn::Stmt]) -> Vec<String> {
    fn use_names(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => use_names(&p.tree, out),
            syn::UseTree::Name(n) => out.push(n.ident.to_string()),
            syn::UseTree::Rename(r) => out.push(r.rename.to_string()),
            syn::UseTree::Glob(_) => out.push("*".to_owned()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_names(t, out)),
        }
    }
    let mut out = Vec::new();
    for s in stmts {
        let syn::Stmt::Item(item) = s else { continue };
        match item {
            syn::Item::Use(u) => use_names(&u.tree, &mut out),
            syn::Item::Struct(i) => out.push(i.ident.to_string()),
            syn::Item::Enum(i) => out.push(i.ident.to_string()),
            syn::Item::Union(i) => out.push(i.ident.to_string()),
            syn::Item::Trait(i) => out.push(i.ident.to_string()),
            syn::Item::Type(i) => out.push(i.ident.to_string()),
            syn::Item::Mod(i) => out.push(i.ident.to_string()),
            syn::Item::Fn(i) => out.push(i.sig.ident.to_string()),
            syn::Item::Const(i) => out.push(i.ident.to_string()),
            syn::Item::Static(i) => out.push(i.ident.to_string()),
            _ => {}
        }
    }
    out
}

/// Whether the type `t` names one of `names` (any of its path segments),
/// or `names` holds a glob (`*`), which may bring any name.
pub fn names_any(t: &syn::Type, names: &[String]) -> bool {
    fn idents(tokens: proc_macro2::TokenStream, names: &[String]) -> bool {
        tokens.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => names.iter().any(|n| i == n),
            proc_macro2::TokenTree::Group(g) => idents(g.stream(), names),
            _ => false,
        })
    }
    names.iter().any(|n| n == "*") || idents(quote::ToTokens::to_token_stream(t), names)
}
