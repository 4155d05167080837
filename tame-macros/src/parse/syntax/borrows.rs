//! Borrows: which initializers obviously borrow a variable (methods,
//! iterator chains, closures), which make guards, which types may hold a
//! borrow.

use proc_macro2::Ident;
use syn::{Expr, Pat};

use super::*;

/// Whether `e` is obviously an iterator: a chain of calls that only
/// iterators have (`v.into_iter()`, `.rev()`, `.enumerate()`), or of the
/// adapters they share with `Option` (`map`, `filter`) on one of those, or
/// on a range (`(0..n).map(..)`).
pub fn iterator_chain(e: &Expr) -> bool {
    let Expr::MethodCall(m) = e else {
        return false;
    };
    let name = m.method.to_string();
    let receiver_iterates = || match &*m.receiver {
        Expr::Paren(p) => matches!(&*p.expr, Expr::Range(_)),
        Expr::Range(_) => true,
        other => iterator_chain(other),
    };
    match name.as_str() {
        "into_iter" | "drain" | "rev" | "enumerate" | "chain" | "step_by" | "peekable" | "fuse"
        | "cycle" | "filter_map" | "flat_map" | "take_while" | "skip_while" | "map_while"
        | "scan" | "skip" => true,
        // `Option::take()` has no argument.
        "take" => !m.args.is_empty(),
        "map" | "filter" | "zip" | "inspect" | "cloned" | "copied" | "flatten" => {
            receiver_iterates()
        }
        other => ITERATOR_SOURCES.contains(&other),
    }
}

/// Methods that move an iterator (see [`iterator_chain`]) besides those of
/// [`consumes_receiver`]: names other types give to methods that borrow.
pub fn consumes_iterator(method: &str, args: usize) -> bool {
    matches!(
        method,
        "count"
            | "max"
            | "min"
            | "skip"
            | "last"
            | "is_sorted"
            | "is_sorted_by"
            | "is_sorted_by_key"
            | "eq"
            | "ne"
            | "cmp"
            | "partial_cmp"
            | "lt"
            | "le"
            | "gt"
            | "ge"
            | "cmp_by"
            | "partial_cmp_by"
            | "eq_by"
    )
        // `Iterator::take(n)`; `Option::take()` has no argument.
        || (method == "take" && args == 1)
}

/// Whether `e` makes a tame `Timer` (`Timer::after(..)`, `Timer::at(..)`).
pub fn makes_timer(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p)
        if p.path.segments.len() >= 2
            && p.path.segments[p.path.segments.len() - 2].ident == "Timer"))
}

/// Methods whose result borrows their receiver (`s.as_str()`,
/// `m.lock()`), besides the [`ITERATOR_SOURCES`].
/// How a guard borrows (`cell.borrow_mut()`, `m.lock()`): the report of a
/// guard kept across a twait says what to do with one.
pub const GUARD: &str = "a guard, which borrows what it locks";

const BORROWING_METHODS: &[&str] = &[
    "as_str",
    "as_slice",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "get_mut",
    "first",
    "last",
    "borrow",
    "borrow_mut",
    "trim",
    "trim_start",
    "trim_end",
    "trim_matches",
    "trim_start_matches",
    "trim_end_matches",
    "strip_prefix",
    "strip_suffix",
    "split_once",
    "rsplit_once",
    "split_at",
    "split_first",
    "split_last",
    "get_key_value",
    "entry",
    "or_insert",
    "or_insert_with",
    "or_insert_with_key",
    "or_default",
    "as_bytes",
    "as_path",
    "as_os_str",
    "to_str",
    "lock",
    "try_borrow",
    "try_borrow_mut",
    "try_lock",
    "try_read",
    "try_write",
    "peek",
    "peek_mut",
    "front",
    "front_mut",
    "back",
    "back_mut",
    "first_mut",
    "last_mut",
    "first_key_value",
    "last_key_value",
];

/// Methods that give an iterator over what their receiver holds, borrowing
/// it: the adapters in [`ITERATOR_ADAPTERS`] keep their borrow.
const ITERATOR_SOURCES: &[&str] = &[
    "iter",
    "iter_mut",
    "chars",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "keys",
    "values",
    "values_mut",
    "windows",
    "chunks",
    "chunks_exact",
    "rchunks",
    "drain",
    "char_indices",
    "rsplit",
    "splitn",
    "split_terminator",
    "matches",
    "match_indices",
    "by_ref",
];

/// Iterator adapters that keep a borrow only over a borrowing iterator
/// (`v.iter().cloned()`, `s.lines().map(..)`; so do those of
/// [`BORROW_PRESERVING_METHODS`]). Not preserving on their own, because on
/// an `Option` the same names give an owned value (`v.first().cloned()`,
/// `o.as_ref().map(..)`).
const ITERATOR_ADAPTERS: &[&str] = &[
    "cloned",
    "copied",
    "map",
    "filter_map",
    "flat_map",
    "flatten",
    "inspect",
    "map_while",
    "scan",
];

/// Whether the items of `e`, iterated by a `for`, are numbers: a range
/// (`0..n`, `'a'..='z'`: only the `Step` types of std iterate), through
/// adapters that pass its items on as they are (`(0..n).rev().step_by(2)`).
pub fn yields_numbers(e: &Expr) -> bool {
    match e {
        Expr::Range(r) => r.start.is_some(),
        Expr::Paren(p) => yields_numbers(&p.expr),
        Expr::Group(g) => yields_numbers(&g.expr),
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "rev"
                    | "step_by"
                    | "skip"
                    | "take"
                    | "filter"
                    | "skip_while"
                    | "take_while"
                    | "peekable"
                    | "fuse"
                    | "cycle"
                    | "inspect"
            ) && yields_numbers(&m.receiver)
        }
        _ => false,
    }
}

/// Whether `e` is a borrowing iterator: a call of an iterator source
/// through adapters only (`v.iter().cloned().enumerate()`).
fn borrowing_iterator(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let adapter = ITERATOR_ADAPTERS.contains(&name.as_str()) || preserves_borrow(&name);
            ITERATOR_SOURCES.contains(&name.as_str())
                || (adapter && borrowing_iterator(&m.receiver))
        }
        Expr::Paren(p) => borrowing_iterator(&p.expr),
        _ => false,
    }
}

/// Iterator sources whose items are owned values (`chars`, `bytes`): the
/// iterator borrows, what it yields does not.
/// (`by_ref` gives the items of the iterator it borrows, which only that
/// iterator's source tells.)
const OWNED_ITEM_SOURCES: &[&str] = &["chars", "bytes", "char_indices", "drain", "by_ref"];

/// Adapters whose items are those of the iterator they adapt: the
/// borrow-preserving ones, and `inspect`, `by_ref`.
fn passes_items_on(name: &str) -> bool {
    BORROW_PRESERVING_METHODS.contains(&name) || matches!(name, "inspect" | "by_ref")
}

/// Methods that give one item of an iterator (`v.iter().max()`,
/// `s.split(',').next()`).
const ITEM_TAKING_METHODS: &[&str] = &[
    "next",
    "next_back",
    "nth",
    "max",
    "min",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "find",
];

/// Whether the items of iterator `e` borrow what it iterates over: a
/// borrowing source (`iter`, `split`, `lines`) through adapters that pass
/// its items on (`v.iter().cloned()` yields owned values).
pub fn items_borrow(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let name = name.as_str();
            // `map(String::as_str)`, `map(|s| s.trim())`: items that
            // borrow what the items they were made of borrow.
            let mapped = matches!(name, "map" | "filter_map" | "map_while")
                && m.args.last().is_some_and(closure_borrows_its_argument);
            (ITERATOR_SOURCES.contains(&name) && !OWNED_ITEM_SOURCES.contains(&name))
                || ((passes_items_on(name) || mapped) && items_borrow(&m.receiver))
        }
        Expr::Paren(p) => items_borrow(&p.expr),
        _ => false,
    }
}

/// Whether method `m` gives an item of its receiver, an iterator whose
/// items borrow (`words.next()`, `words.collect()`; `it.peek()` borrows
/// the iterator itself), its receiver a variable bound to one (see
/// `crate::ir::Binding::items_borrow`).
pub fn takes_item(m: &syn::ExprMethodCall) -> bool {
    let name = m.method.to_string();
    ITEM_TAKING_METHODS.contains(&name.as_str())
        || matches!(name.as_str(), "peek" | "last")
        || (name == "collect" && !turbofish_owned(m))
}

/// Iterator adapters whose result still borrows what their receiver
/// borrows (`v.iter().enumerate()`); with [`UNWRAPPING_METHODS`], the
/// methods that do. Any other method is assumed to give an owned value
/// (`v.iter().sum()`, `s.trim().len()`).
const BORROW_PRESERVING_METHODS: &[&str] = &[
    "enumerate",
    "zip",
    "skip",
    "take",
    "rev",
    "chain",
    "peekable",
    "step_by",
    "take_while",
    "skip_while",
    "fuse",
    "cycle",
    "filter",
];

/// The borrow-preserving methods of `Option`/`Result` (not of iterators):
/// `v.first().unwrap()`, and `line.split(',').next().unwrap_or("")`, whose
/// fallback is a value of the same type, so the result borrows whatever
/// the option held.
const UNWRAPPING_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "ok_or",
    "ok_or_else",
    "or",
    "or_else",
];

/// Whether a method's result still borrows what its receiver borrows
/// (see the two lists above).
fn preserves_borrow(name: &str) -> bool {
    BORROW_PRESERVING_METHODS.contains(&name) || UNWRAPPING_METHODS.contains(&name)
}

/// The variable an expression borrows from, if it obviously does
/// (`&v`, `&mut v[..]`, `v.iter()`, `v.as_str()`), and how.
pub fn borrow_root(e: &Expr) -> Option<(Ident, &'static str)> {
    borrow_root_in(e, &|_| false)
}

/// [`borrow_root`], knowing which variables are iterators whose items
/// borrow (`iterates`: `words`, bound to `line.split_whitespace()`), so
/// that an item taken out of one (`words.next().unwrap_or("")`) borrows
/// it, as the chain written out would.
pub fn borrow_root_in(
    e: &Expr,
    iterates: &dyn Fn(&Ident) -> bool,
) -> Option<(Ident, &'static str)> {
    fn root(e: &Expr) -> Option<&Ident> {
        match e {
            Expr::Path(_) => as_ident(e),
            Expr::Field(f) => root(&f.base),
            Expr::Index(i) => root(&i.expr),
            Expr::Paren(p) => root(&p.expr),
            Expr::Reference(r) => root(&r.expr),
            Expr::MethodCall(m) => root(&m.receiver),
            // `&*cfg`: through the box or `Rc` the variable holds.
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => root(&u.expr),
            _ => None,
        }
    }
    match e {
        Expr::Paren(p) => borrow_root_in(&p.expr, iterates),
        Expr::Reference(r) => root(&r.expr).map(|i| (i.clone(), "a reference")),
        // A raw pointer to a variable or a field of one (`&raw mut x`,
        // `addr_of_mut!(s.f)`) points into the machine's state, which
        // moves at a twait: kept across one, it would dangle where a plain
        // function's stays valid. (Through a `*` or an index it may point
        // into a heap allocation, which does not move.)
        Expr::RawAddr(r) => variable_place(&r.expr).map(|i| (i.clone(), RAW_POINTER)),
        Expr::Macro(m)
            if m.mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "addr_of" || s.ident == "addr_of_mut") =>
        {
            let place: Expr = m.mac.parse_body().ok()?;
            variable_place(&place).map(|i| (i.clone(), RAW_POINTER))
        }
        // `v.get(i)?` borrows as `v.get(i).unwrap()` does.
        Expr::Try(t) => borrow_root_in(&t.expr, iterates),
        // A value chosen among borrows (`if c { &a } else { &b }`): the
        // first branch that borrows.
        Expr::If(i) => tail_of(&i.then_branch)
            .and_then(|e| borrow_root_in(e, iterates))
            .or_else(|| {
                i.else_branch
                    .as_ref()
                    .and_then(|(_, e)| borrow_root_in(e, iterates))
            }),
        Expr::Match(m) => m
            .arms
            .iter()
            .find_map(|a| borrow_root_in(&a.body, iterates)),
        Expr::Block(b) if b.label.is_none() => {
            tail_of(&b.block).and_then(|e| borrow_root_in(e, iterates))
        }
        // An array, tuple or struct holding a borrow (`[a.as_str(), "x"]`).
        Expr::Array(a) => a.elems.iter().find_map(|e| borrow_root_in(e, iterates)),
        Expr::Tuple(t) => t.elems.iter().find_map(|e| borrow_root_in(e, iterates)),
        Expr::Struct(s) => s
            .fields
            .iter()
            .find_map(|f| borrow_root_in(&f.expr, iterates)),
        // A constructor's (`Some(g.name.as_str())`).
        Expr::Call(c)
            if matches!(&*c.func, Expr::Path(p) if p.path.segments.last()
                .is_some_and(|s| s.ident.to_string().starts_with(|c: char| c.is_uppercase()))) =>
        {
            c.args.iter().find_map(|e| borrow_root_in(e, iterates))
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            // `v.get(i)`, `map.get(&k)` borrow; `cell.get()` copies.
            let borrowing_get = name == "get" && !m.args.is_empty();
            // `rw.read()`, `rw.write()` lock; `Read::read(buf)` and
            // `Write::write(buf)` take a buffer.
            let locking = matches!(name.as_str(), "read" | "write") && m.args.is_empty();
            // `v.last()` borrows `v`; `v.iter().copied().last()`, an
            // iterator's last item, borrows only if its items do (below).
            let iterator_last = name == "last"
                && matches!(&*m.receiver, Expr::MethodCall(r) if {
                    let r = r.method.to_string();
                    let r = r.as_str();
                    ITERATOR_SOURCES.contains(&r)
                        || ITERATOR_ADAPTERS.contains(&r)
                        || passes_items_on(r)
                        || matches!(r, "into_iter" | "filter" | "rev")
                });
            if (BORROWING_METHODS.contains(&name.as_str()) && !iterator_last)
                || ITERATOR_SOURCES.contains(&name.as_str())
                || borrowing_get
                || locking
            {
                // Names that types of users' own also give to methods
                // returning owned values say so: the error then suggests
                // writing the type.
                let how = match name.as_str() {
                    "borrow" | "borrow_mut" | "lock" | "read" | "write" | "try_borrow"
                    | "try_borrow_mut" | "try_lock" | "try_read" | "try_write" => GUARD,
                    "get" => "`get`, a method that borrows its receiver in std's collections",
                    "first" => "`first`, a method that borrows its receiver in std's collections",
                    "last" => "`last`, a method that borrows its receiver in std's collections",
                    "entry" => "`entry`, a method that borrows its receiver in std's maps",
                    "or_insert" => "`or_insert`, a method that borrows the map in std's entries",
                    "or_insert_with" => {
                        "`or_insert_with`, a method that borrows the map in std's entries"
                    }
                    "or_insert_with_key" => {
                        "`or_insert_with_key`, a method that borrows the map in std's entries"
                    }
                    "or_default" => "`or_default`, a method that borrows the map in std's entries",
                    // A reader of a type the translator does not see.
                    "lines" | "split" | "bytes" => STRING_OR_READER,
                    _ => "a method that borrows its receiver",
                };
                root(&m.receiver).map(|i| (i.clone(), how))
            } else {
                let preserving = preserves_borrow(&name)
                    // `Option::take()` moves the value out of the place it
                    // borrows (`slot.borrow_mut().take()`); `Iterator::take(n)`
                    // keeps the borrow.
                    && !(name == "take" && m.args.is_empty());
                let adapted =
                    ITERATOR_ADAPTERS.contains(&name.as_str()) && borrowing_iterator(&m.receiver);
                // `v.iter().max()`, `s.split(',').next()`: an item of a
                // borrowing iterator.
                // `v.iter().max()`, and `s.split(' ').collect()` (a
                // collection of its items; one named owned by a turbofish,
                // `collect::<String>()`, is not).
                let item = (ITEM_TAKING_METHODS.contains(&name.as_str())
                    || iterator_last
                    || (name == "collect" && !turbofish_owned(m)))
                    && items_borrow(&m.receiver);
                // `words.next()`: an item of a variable that iterates so.
                let iterator = as_ident(&m.receiver).filter(|i| takes_item(m) && iterates(i));
                if let Some(i) = iterator {
                    let how = "an item of it, an iterator whose items borrow, as the methods are named in std";
                    return Some((i.clone(), how));
                }
                // `o.as_ref().map(|s| s.as_str())`: what the closure gives
                // back borrows what it was given, so the result borrows
                // what the receiver borrows (`map(|s| s.len())` is owned).
                let mapped = matches!(name.as_str(), "map" | "and_then" | "map_or")
                    && m.args.last().is_some_and(closure_borrows_its_argument);
                if !(preserving || adapted || item || mapped) {
                    return None;
                }
                // `o.unwrap_or(&fallback)`: what the fallback borrows.
                let fallback = || {
                    matches!(name.as_str(), "unwrap_or" | "or")
                        .then(|| m.args.first())
                        .flatten()
                        .and_then(|e| borrow_root_in(e, iterates))
                };
                let (root, how) = borrow_root_in(&m.receiver, iterates).or_else(fallback)?;
                let how = if item && name == "collect" {
                    "a collection of the items of an iterator over it, as the methods are named in std"
                } else if item {
                    "an item of an iterator over it, as the methods are named in std"
                } else if mapped {
                    "what a closure gives back of what it is given, as `map` is named in std"
                } else {
                    how
                };
                Some((root, how))
            }
        }
        _ => None,
    }
}

/// Whether a scrutinee is syntactically a reference (`&make()`,
/// `&make().items[0]`, `&vec![..][..]`), or a tuple or array of such beside
/// literals (`(&make(), 1)`): what its patterns bind, by Rust's binding
/// modes, is then a reference into it, or a `Copy` value taken out through
/// a `&` pattern (or, in edition 2021, a `mut` name), since nothing else
/// can be moved out of a reference. So no name it binds has a drop of its
/// own, and none needs to be kept across a twait that it is not used
/// after. (A reference into a temporary of the scrutinee, which the
/// machine drops at the arm's first twait, could not be kept; one into a
/// promoted constant or a `&'static`, `&config().name`, is.)
///
/// Only the syntax of a reference is trusted: what a method gives
/// (`make().as_ref()`, `reg().lock()`) may own a value with a drop, a guard
/// or a type's own `first()`, whatever its name says.
pub fn binds_references(e: &Expr) -> bool {
    let parts = |parts: &mut dyn Iterator<Item = &Expr>| {
        let mut any = false;
        for p in parts {
            if binds_references(p) {
                any = true;
            } else if !matches!(p, Expr::Lit(_)) {
                return false;
            }
        }
        any
    };
    match e {
        Expr::Paren(p) => binds_references(&p.expr),
        Expr::Group(g) => binds_references(&g.expr),
        Expr::Tuple(t) => parts(&mut t.elems.iter()),
        Expr::Array(a) => parts(&mut a.elems.iter()),
        Expr::Reference(_) => true,
        _ => false,
    }
}

/// Whether a method call's turbofish names a type that borrows nothing
/// (`collect::<String>()`, `collect::<Vec<u8>>()`).
fn turbofish_owned(m: &syn::ExprMethodCall) -> bool {
    m.turbofish.as_ref().is_some_and(|t| {
        t.args.iter().all(|a| match a {
            syn::GenericArgument::Type(t) => !may_borrow_type(t),
            _ => false,
        })
    })
}

/// A closure of one parameter whose value borrows it (`|s| s.as_str()`,
/// `|p| &p.name`).
fn closure_borrows_its_argument(e: &Expr) -> bool {
    // `map(String::as_str)`: a borrowing method named by its path.
    if let Expr::Path(p) = e {
        return (p.path.segments.last())
            .is_some_and(|s| BORROWING_METHODS.contains(&s.ident.to_string().as_str()));
    }
    let Expr::Closure(c) = e else { return false };
    let [Pat::Ident(p)] = c.inputs.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let body = match &*c.body {
        Expr::Block(b) => match tail_of(&b.block) {
            Some(e) => e,
            None => return false,
        },
        other => other,
    };
    borrow_root(body).is_some_and(|(root, _)| root == p.ident)
}

/// The variable whose memory a place is (`x`, `s.field.0`), if it is one
/// of a variable's own bytes, not reached through a pointer or an index.
fn variable_place(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(_) => as_ident(e),
        Expr::Field(f) => variable_place(&f.base),
        Expr::Paren(p) => variable_place(&p.expr),
        _ => None,
    }
}

/// How a raw pointer made of a variable's address borrows it: the report
/// of one kept across a twait says why it cannot be.
pub const RAW_POINTER: &str = "a raw pointer to it, which the twait would leave dangling: \
the function's variables move into its state there";

/// How a value pinned by `pin!` borrows: the report of one kept across a
/// twait says to pin it on the heap.
pub const PINNED: &str =
    "it is pinned where it stands by `pin!`, a borrow of a value of the function";

/// Whether `e` is `pin!(..)` (`std::pin::pin!`, `core::pin::pin!`): its
/// value is a `Pin<&mut T>` into a temporary of the statement.
pub fn is_pin_macro(e: &Expr) -> bool {
    matches!(e, Expr::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "pin"))
}

/// How `lines`, `split` and `bytes` borrow a variable not known to hold a
/// reader: the report of one kept across a twait says how to show a reader.
pub const STRING_OR_READER: &str = "a method that borrows a string; a reader's takes it by value";

/// Methods std's readers take by value (`BufRead::lines`, `BufRead::split`,
/// `Read::bytes`), where a string's of the same names borrow it: on a
/// variable known to hold a reader (see [`makes_reader`], [`reader_type`])
/// they move it, and what they give borrows nothing.
pub fn reader_consumes(method: &str) -> bool {
    matches!(method, "lines" | "split" | "bytes")
}

/// std's readers, by the last segment of a type or of a constructor's
/// path (`BufReader::new(f)`, `Cursor::new(v)`, `File::open(p)?`).
const READERS: &[&str] = &["BufReader", "Cursor", "File", "Stdin", "StdinLock"];

/// Whether an initializer obviously gives one of std's readers: a
/// constructor of one (`BufReader::new(f)`, `Cursor::new(bytes)`,
/// `File::open(path)?`), or std's standard input (`io::stdin()`,
/// `std::io::stdin().lock()`; tame's `stdin()` gives a `Result`).
pub fn makes_reader(e: &Expr) -> bool {
    match e {
        Expr::Try(t) => makes_reader(&t.expr),
        Expr::Paren(p) => makes_reader(&p.expr),
        Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "unwrap" | "expect" => makes_reader(&m.receiver),
            "lock" => matches!(&*m.receiver, Expr::Call(c) if std_stdin(&c.func)),
            _ => false,
        },
        Expr::Call(c) => {
            std_stdin(&c.func)
                || matches!(&*c.func, Expr::Path(p) if p.path.segments.len() >= 2 && {
                    let ty = &p.path.segments[p.path.segments.len() - 2].ident;
                    READERS.iter().any(|r| ty == r)
                })
        }
        _ => false,
    }
}

/// `io::stdin`, `std::io::stdin`: std's (a bare `stdin` may be tame's).
fn std_stdin(func: &Expr) -> bool {
    let Expr::Path(p) = func else {
        return false;
    };
    let names = segment_names(&p.path);
    matches!(names.as_slice(), [.., io, stdin] if io == "io" && stdin == "stdin")
        && names.first().is_none_or(|n| n != "tame")
}

/// Whether a written type is one of std's readers (`BufReader<File>`,
/// `io::StdinLock<'static>`), or an owned reader of any type: a
/// `Box<dyn BufRead + Send>`, an `impl Read` (std's `Read` and `BufRead`
/// are implemented for the box, whose `lines()` takes it by value).
pub fn reader_type(t: &syn::Type) -> bool {
    match t {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            READERS.iter().any(|r| s.ident == r)
                || (s.ident == "Box"
                    && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a)
                            if a.args.iter().any(|g| matches!(g,
                                syn::GenericArgument::Type(syn::Type::TraitObject(o))
                                    if bounds_a_reader(&o.bounds)))))
        }),
        syn::Type::ImplTrait(i) => bounds_a_reader(&i.bounds),
        syn::Type::Paren(p) => reader_type(&p.elem),
        _ => false,
    }
}

/// Whether trait bounds name `Read` or `BufRead` (`dyn BufRead + Send`).
fn bounds_a_reader(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> bool {
    bounds.iter().any(|b| {
        matches!(b, syn::TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|s| s.ident == "Read" || s.ident == "BufRead"))
    })
}

/// Whether an initializer makes a guard: a borrow with a drop that
/// matters (`m.lock()`, `cell.borrow_mut()`, `v.drain(..)`).
pub fn is_guard(e: &Expr) -> bool {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            // What a borrowing method gives of a guard (`cell.borrow()
            // .get(&k)`, `m.lock()?.first()`) is a value or a borrow, not
            // the guard: the guard is a temporary of the statement.
            let of_guard = !(BORROWING_METHODS.contains(&name.as_str())
                || ITERATOR_SOURCES.contains(&name.as_str())
                || (name == "get" && !m.args.is_empty()));
            matches!(
                name.as_str(),
                "lock"
                    | "borrow"
                    | "borrow_mut"
                    | "drain"
                    | "read"
                    | "write"
                    | "try_lock"
                    | "try_borrow"
                    | "try_borrow_mut"
                    | "try_read"
                    | "try_write"
            ) || (of_guard && is_guard(&m.receiver))
        }
        Expr::Try(t) => is_guard(&t.expr),
        Expr::Paren(p) => is_guard(&p.expr),
        // One of several (`if c { a.lock() } else { b.lock() }`).
        Expr::If(i) => {
            tail_of(&i.then_branch).is_some_and(is_guard)
                || i.else_branch.as_ref().is_some_and(|(_, e)| is_guard(e))
        }
        Expr::Match(m) => m.arms.iter().any(|a| is_guard(&a.body)),
        Expr::Block(b) if b.label.is_none() => tail_of(&b.block).is_some_and(is_guard),
        _ => false,
    }
}

/// Whether a type may hold a borrow: it has a reference, a raw pointer or
/// a lifetime in it (`&str`, `Vec<&str>`, `*mut u8`, `Ref<'_, T>`), or is
/// inferred (`_`) or an `impl Trait`.
pub fn may_borrow_type(t: &syn::Type) -> bool {
    fn walk(ts: proc_macro2::TokenStream) -> bool {
        let mut after_star = false;
        ts.into_iter().any(|tt| {
            let star = matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == '*');
            let borrows = match tt {
                proc_macro2::TokenTree::Punct(p) => p.as_char() == '&' || p.as_char() == '\'',
                // `*const T`, `*mut T`: a raw pointer, which may point at a
                // variable (a `*` of an array's length is no type).
                proc_macro2::TokenTree::Ident(i) => {
                    i == "_" || i == "impl" || (after_star && (i == "const" || i == "mut"))
                }
                proc_macro2::TokenTree::Group(g) => walk(g.stream()),
                proc_macro2::TokenTree::Literal(_) => false,
            };
            after_star = star;
            borrows
        })
    }
    walk(quote::ToTokens::to_token_stream(t))
}

/// `&'static T` or `&'static mut T`.
pub fn is_static_reference(t: &syn::Type) -> bool {
    matches!(t, syn::Type::Reference(r)
        if r.lifetime.as_ref().is_some_and(|l| l.ident == "static"))
}
