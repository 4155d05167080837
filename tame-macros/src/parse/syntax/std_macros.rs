//! std's macros: which only format their arguments, which give a value
//! and nothing else, and what a format string captures.

/// std's formatting and assertion macros whose arguments are a list of
/// expressions, evaluated in order as a call's (a format string a literal
/// among them, a format argument `name = value`).
const FORMATTING_LISTS: &[&str] = &[
    "print",
    "println",
    "eprint",
    "eprintln",
    "format",
    "write",
    "writeln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "unreachable",
    "todo",
    "unimplemented",
];

/// The last segment of a macro's path, as a string.
fn macro_name(path: &syn::Path) -> Option<String> {
    path.segments.last().map(|s| s.ident.to_string())
}

/// Macros whose arguments are only formatted or compared (borrowed): a
/// variable mentioned in them is not moved.
pub fn is_formatting_macro(path: &syn::Path) -> bool {
    macro_name(path).is_some_and(|name| {
        FORMATTING_LISTS.contains(&name.as_str())
            || matches!(
                name.as_str(),
                "format_args" | "matches" | "trace" | "debug" | "info" | "warn" | "error" | "log"
            )
    })
}

/// std's macros whose arguments are a list of expressions, evaluated in
/// order, as a call's (see [`FORMATTING_LISTS`]), and `vec!`: a twait may
/// be one of them. (Not `matches!`, whose second argument is a pattern,
/// nor the `log` crate's, which may take `target: ..`, nor `dbg!`, which
/// shows its argument's text.)
pub fn takes_expression_args(path: &syn::Path) -> bool {
    macro_name(path).is_some_and(|name| name == "vec" || FORMATTING_LISTS.contains(&name.as_str()))
}

/// `debug_assert!(..)`, `debug_assert_eq!(..)` or `debug_assert_ne!(..)` as
/// the `if cfg!(debug_assertions) { assert!(..) }` it stands for (`None`
/// for any other macro): without `debug_assertions` none of its arguments
/// is evaluated.
pub fn debug_assert_as_if(m: &syn::ExprMacro) -> Option<syn::Expr> {
    let name = macro_name(&m.mac.path)?;
    let plain = name.strip_prefix("debug_")?;
    if !matches!(plain, "assert" | "assert_eq" | "assert_ne") {
        return None;
    }
    let plain = syn::Ident::new(plain, m.mac.path.segments.last()?.ident.span());
    let tokens = &m.mac.tokens;
    Some(
        syn::parse_quote_spanned! {m.mac.path.segments.last()?.ident.span()=>
            if ::tame::__private::core::cfg!(debug_assertions) {
                ::tame::__private::core::#plain!(#tokens);
            }
        },
    )
}

/// Whether a macro is one of std's that give a value and neither jump nor
/// make events (`vec!`, `dbg!`, `cfg!`, `line!`, `concat!`, ..): a macro
/// by any other name may be the user's, and expand to anything.
pub fn is_std_value_macro(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "vec"
                | "dbg"
                | "cfg"
                | "line"
                | "column"
                | "file"
                | "module_path"
                | "stringify"
                | "concat"
                | "env"
                | "option_env"
                | "include_str"
                | "include_bytes"
        )
    })
}

/// Identifiers captured inline by a format string literal: `"{x} {y:?}
/// {{z}} {:>w$.p$}"` gives `x`, `y`, `w` and `p`.
pub fn format_captures(lit: &str) -> Vec<String> {
    format_names(lit, false)
}

/// The names a format string literal captures as widths or precisions
/// only (`w` and `p` of `"{:>w$.p$}"`).
pub fn format_counts(lit: &str) -> Vec<String> {
    format_names(lit, true)
}

fn format_names(lit: &str, counts_only: bool) -> Vec<String> {
    if !lit.starts_with('"') && !lit.starts_with('r') {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut chars = lit.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_alphanumeric() || c == '_' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        let starts_ok = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        if !counts_only && starts_ok && name != "_" && !out.contains(&name) {
            out.push(name);
        }
        // A width or precision named by a variable (`{:>w$}`, `{x:.p$}`).
        let mut spec = String::new();
        for c in chars.by_ref() {
            if c == '}' {
                break;
            }
            spec.push(c);
        }
        if let Some(spec) = spec.strip_prefix(':') {
            let pieces: Vec<&str> = spec.split('$').collect();
            for count in &pieces[..pieces.len() - 1] {
                let tail = count.len()
                    - count
                        .chars()
                        .rev()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .map(char::len_utf8)
                        .sum::<usize>();
                let name = &count[tail..];
                let named = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
                if named && name != "_" && !out.iter().any(|n| n == name) {
                    out.push(name.to_owned());
                }
            }
        }
    }
    out
}
