//! What a `macro_rules!` splices into a `#[tamed]` function (`$e:expr`,
//! `$p:pat`, `$t:ty`, `$l:lifetime`, `$body:block`, `$s:stmt`) comes as a
//! group without delimiters, which keeps it one operand for the macro's
//! parser. rustc honours such a group only as the macro made it: one that
//! a procedural macro builds again (as `#[tamed]` does with every token it
//! gives back) is dropped, and the fragment's tokens read as if written out
//! (`$x.pow(2)` with `-2` would be `-2.pow(2)`, -4). [`as_read`] writes
//! each fragment as it must read alone, before the function is parsed:
//!
//! * braces of a `$body:block` stand alone (syn would take the group for
//!   an expression statement that needs a `;`, rustc takes it for a
//!   block), and so does a `let` spliced as a statement (the translator
//!   must see it to keep its variable);
//! * one token, a lifetime (`'outer` of a label) and a negative number
//!   stand alone where nothing binds more tightly than their sign;
//! * an expression or a pattern gets parentheses where an operator next to
//!   it binds more tightly than its own loosest one ([`needs_parentheses`]:
//!   `$lim * 2` with `3 + 1`), where an `if let`'s scrutinee would run
//!   into a let chain (`if let P = $e {` with `a && b`), where a struct
//!   literal would end an `if`'s, a `while`'s, a `match`'s or a `for`'s
//!   head (`match $p {`), where an expression led by a block (`match n
//!   {..} * 10`) starts a statement or an arm's value, and where a cast it
//!   ends with would take a `<` after it for generic arguments (`$e < 200`
//!   with `x as u8`); nowhere else, where rustc would call them unneeded
//!   (`matches!(n, $p)` with `4 | 5`);
//! * a trait object or `impl Trait` with bounds behind a pointer gets
//!   parentheses (`&$t` with `dyn Fn() + Sync`);
//! * anything else keeps its group (a type, a path).
//!
//! Not inside an attribute (`#[$m]`), whose tokens are not an expression.
//! Inside another macro's arguments the judgement is the same: it cannot
//! tell what that macro does with them (a macro that takes `tt`s and
//! writes `2 * $($t)*` reads `4 + 1` apart).

use proc_macro2::{Delimiter, Group, Spacing, Span, TokenStream, TokenTree};

/// `input` with each spliced fragment written as it must read alone (see
/// the module's docs).
pub fn as_read(input: TokenStream) -> TokenStream {
    // The `fn` keyword: in a function a macro made, the macro wrote it
    // (see `read`'s braces).
    let made_by = (input.clone().into_iter())
        .find_map(|tt| match tt {
            TokenTree::Ident(i) if i == "fn" => Some(i.span()),
            _ => None,
        })
        .unwrap_or_else(Span::call_site);
    read(input, made_by).0
}

/// [`as_read`], and whether it changed anything: a group with no fragment
/// inside is given back as it came, which keeps the spans of its two
/// delimiters (a group built again has one span for both, and syn's error
/// at a half-typed block's end, `v. }`, would cover the whole block).
fn read(input: TokenStream, made_by: Span) -> (TokenStream, bool) {
    let trees: Vec<TokenTree> = input.into_iter().collect();
    let mut out = TokenStream::new();
    let mut changed = false;
    for (i, tt) in trees.iter().enumerate() {
        let TokenTree::Group(g) = tt else {
            out.extend([tt.clone()]);
            continue;
        };
        if g.delimiter() == Delimiter::Bracket && in_attribute(&trees[..i]) {
            out.extend([tt.clone()]);
            continue;
        }
        let (inner, inner_changed) = read(g.stream(), made_by);
        if g.delimiter() != Delimiter::None && !inner_changed {
            out.extend([tt.clone()]);
            continue;
        }
        changed = true;
        if g.delimiter() == Delimiter::None {
            let parts: Vec<TokenTree> = inner.clone().into_iter().collect();
            let (before, after) = (&trees[..i], &trees[i + 1..]);
            match parts.as_slice() {
                [TokenTree::Group(b)] if b.delimiter() == Delimiter::Brace => {
                    // Braces the macro's `$body:block` needs. A block of
                    // one expression (`{ v + 1 }`) gets the macro's span,
                    // as rustc sees it in a plain function (`unused_braces`
                    // would ask to remove the braces, which breaks the
                    // call), resolved at the `fn` the macro wrote (of the
                    // macro's edition, not `#[tamed]`'s own 2021). A block
                    // of statements, which that lint leaves alone, keeps
                    // the span it came with: the edition of the crate that
                    // wrote it rules its tail's temporaries (dropped before
                    // its locals in 2024, after them before), as in a plain
                    // function.
                    let statements = b
                        .stream()
                        .into_iter()
                        .any(|t| matches!(&t, TokenTree::Punct(p) if p.as_char() == ';'));
                    let mut b = b.clone();
                    if !statements {
                        b.set_span(b.span().resolved_at(made_by));
                    }
                    out.extend([TokenTree::Group(b)]);
                    continue;
                }
                [TokenTree::Ident(i), ..] if i == "let" => {
                    out.extend(inner);
                    continue;
                }
                [TokenTree::Group(b)] if b.delimiter() == Delimiter::None => {}
                [_] => {
                    out.extend(inner);
                    continue;
                }
                [TokenTree::Punct(p), TokenTree::Ident(_)] if p.as_char() == '\'' => {
                    out.extend(inner);
                    continue;
                }
                _ if bounded_type(&parts) && behind_a_pointer(before)
                    || needs_parentheses(&parts, before, after) =>
                {
                    let mut paren = Group::new(Delimiter::Parenthesis, inner);
                    paren.set_span(g.span());
                    out.extend([TokenTree::Group(paren)]);
                    continue;
                }
                // A negative number that needs no parentheses: as written (a
                // range pattern's bound, `-5..=5`, cannot be in parentheses,
                // nor can a const argument).
                [TokenTree::Punct(p), TokenTree::Literal(_)] if p.as_char() == '-' => {
                    out.extend(inner);
                    continue;
                }
                _ => {}
            }
        }
        let mut group = Group::new(g.delimiter(), inner);
        group.set_span(g.span());
        out.extend([TokenTree::Group(group)]);
    }
    (out, changed)
}

/// Whether a bracket group after `before` is an attribute's (`#[..]`,
/// `#![..]`).
fn in_attribute(before: &[TokenTree]) -> bool {
    let punct =
        |t: Option<&TokenTree>, c: char| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c);
    let mut back = before.iter().rev();
    match back.next() {
        t if punct(t, '#') => true,
        t if punct(t, '!') => punct(back.next(), '#'),
        _ => false,
    }
}

/// The operator that the punctuation at the end of `trees` spells
/// (`=>`, `+=`, `,`), with the number of its characters; or at its start
/// when `forward`.
fn operator(trees: &[TokenTree], forward: bool) -> Option<(String, usize)> {
    let mut chars = Vec::new();
    if forward {
        for t in trees {
            let TokenTree::Punct(p) = t else { break };
            chars.push(p.as_char());
            if p.spacing() == Spacing::Alone {
                break;
            }
        }
    } else {
        for (k, t) in trees.iter().rev().enumerate() {
            let TokenTree::Punct(p) = t else { break };
            if k > 0 && p.spacing() == Spacing::Alone {
                break;
            }
            chars.insert(0, p.as_char());
        }
    }
    let n = chars.len();
    (n > 0).then(|| (chars.into_iter().collect(), n))
}

/// How tightly an operator binds, loosest first (the Rust reference's
/// table): what nothing binds (a separator, a keyword, nothing at all) is
/// [`APART`].
const APART: u8 = 0;
const ASSIGN: u8 = 1;
const RANGE: u8 = 2;
const OR: u8 = 3;
const AND: u8 = 4;
const COMPARE: u8 = 5;
const BIT_OR: u8 = 6;
const CAST: u8 = 12;
const PREFIX: u8 = 13;
const POSTFIX: u8 = 14;

/// How tightly binary operator `op` binds.
fn binary(op: &str) -> Option<u8> {
    Some(match op {
        "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "^=" | "&=" | "|=" | "<<=" | ">>=" => ASSIGN,
        ".." | "..=" => RANGE,
        "||" => OR,
        "&&" => AND,
        "==" | "!=" | "<" | ">" | "<=" | ">=" => COMPARE,
        "|" => BIT_OR,
        "^" => 7,
        "&" => 8,
        "<<" | ">>" => 9,
        "+" | "-" => 10,
        "*" | "/" | "%" => 11,
        _ => return None,
    })
}

/// Operators whose operands may be regrouped without changing the value
/// (`a | (b | c)` is `a | b | c`): a right operand as loose as they needs
/// no parentheses either. Not `+` or `*`, which are not so for floats.
fn associative(op: &str) -> bool {
    matches!(op, "|" | "^" | "&" | "||" | "&&")
}

/// How tightly what stands before a fragment binds it, and the operator.
fn bound_before(before: &[TokenTree]) -> (u8, String) {
    let apart = (APART, String::new());
    match before.last() {
        None | Some(TokenTree::Group(_) | TokenTree::Literal(_)) => apart,
        // `&mut $e`; a `mut` or `ref mut` binding takes a name, not a
        // fragment with an operator.
        Some(TokenTree::Ident(i)) if i == "mut" => (PREFIX, "&mut".into()),
        Some(TokenTree::Ident(_)) => apart,
        Some(TokenTree::Punct(_)) => {
            let Some((op, n)) = operator(before, false) else {
                return apart;
            };
            // A binary operator has an operand before it; otherwise it is a
            // prefix one (`-`, `!`, `*`, `&`, `&&` of a double borrow).
            let k = before.len().checked_sub(n + 1);
            let operand = match k.map(|k| &before[k]) {
                // Not a label's name (`break 'l -$e`).
                Some(TokenTree::Ident(i)) => {
                    !is_keyword(&i.to_string())
                        && !matches!(k.and_then(|k| k.checked_sub(1)).map(|j| &before[j]),
                            Some(TokenTree::Punct(p)) if p.as_char() == '\'')
                }
                Some(TokenTree::Literal(_)) => true,
                // Not a spliced label (`break $l -$e`).
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::None => {
                    !matches!(g.stream().into_iter().next(), Some(TokenTree::Punct(p)) if p.as_char() == '\'')
                }
                Some(TokenTree::Group(g)) => g.delimiter() != Delimiter::Brace,
                Some(TokenTree::Punct(p)) => p.as_char() == '?',
                None => false,
            };
            match op.as_str() {
                "@" => (PREFIX, op),
                // A closure's first parameter (`|$p: T|`), which an
                // or-pattern must not run out of.
                "|" if !operand => (PREFIX, op),
                _ if !operand && matches!(op.as_str(), "-" | "!" | "*" | "&" | "&&") => {
                    (PREFIX, op)
                }
                _ if !operand && matches!(op.as_str(), ".." | "..=") => (RANGE, op),
                _ => match binary(&op) {
                    Some(p) => (p, op),
                    None => apart,
                },
            }
        }
    }
}

/// How tightly what stands after a fragment binds it.
fn bound_after(after: &[TokenTree]) -> u8 {
    match after.first() {
        Some(TokenTree::Group(g))
            if matches!(g.delimiter(), Delimiter::Parenthesis | Delimiter::Bracket) =>
        {
            POSTFIX
        }
        Some(TokenTree::Ident(i)) if i == "as" => CAST,
        Some(TokenTree::Punct(p)) if p.as_char() == '?' => POSTFIX,
        Some(TokenTree::Punct(_)) => match operator(after, true) {
            Some((op, _)) if op == "." => POSTFIX,
            Some((op, _)) => binary(&op).unwrap_or(APART),
            None => APART,
        },
        _ => APART,
    }
}

/// Words after which a fragment starts an expression of its own.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "return"
            | "break"
            | "in"
            | "if"
            | "while"
            | "match"
            | "let"
            | "else"
            | "move"
            | "yield"
            | "mut"
            | "for"
    )
}

/// What a fragment is, for [`needs_parentheses`]: how tightly its loosest
/// operator binds (`POSTFIX` for a path, a call, a literal, a struct), and
/// whether it holds a struct literal outside parentheses or starts with a
/// block (`match n {..} * 10`) it does not end with.
struct Shape {
    binds: u8,
    struct_literal: bool,
    led_by_a_block: bool,
}

/// The [`Shape`] of a fragment's tokens: an expression's, else a pattern's
/// (`A(n) | B(n @ 0..=9)`, which is no expression). `None` for anything
/// else (a type, a statement, an item).
fn shape(trees: &[TokenTree]) -> Option<Shape> {
    use syn::parse::Parser;
    let tokens: TokenStream = trees.iter().cloned().collect();
    let pattern = |tokens: TokenStream| match syn::Pat::parse_multi_with_leading_vert.parse2(tokens)
    {
        Ok(syn::Pat::Or(_)) => Some(BIT_OR),
        Ok(syn::Pat::Range(_)) => Some(RANGE),
        // `mut x`, `ref x`: after `&`, `&mut x` would be another pattern.
        Ok(syn::Pat::Ident(i)) if i.mutability.is_some() || i.by_ref.is_some() => Some(CAST),
        Ok(_) => Some(POSTFIX),
        Err(_) => None,
    };
    let binds = match syn::parse2::<syn::Expr>(tokens.clone()) {
        // `'a'..='z' | '0'` is an or-pattern, which syn reads as a range of
        // `'z' | '0'`.
        Ok(syn::Expr::Range(_)) if pattern(tokens.clone()) == Some(BIT_OR) => BIT_OR,
        Ok(e) => match &e {
            syn::Expr::Closure(_)
            | syn::Expr::Return(_)
            | syn::Expr::Break(_)
            | syn::Expr::Yield(_)
            | syn::Expr::Let(_) => APART,
            syn::Expr::Assign(_) => ASSIGN,
            syn::Expr::Range(_) => RANGE,
            syn::Expr::Binary(b) => binary(
                &quote::ToTokens::to_token_stream(&b.op)
                    .to_string()
                    .replace(' ', ""),
            )
            .unwrap_or(ASSIGN),
            syn::Expr::Cast(_) => CAST,
            syn::Expr::Unary(_) | syn::Expr::Reference(_) | syn::Expr::RawAddr(_) => PREFIX,
            _ => POSTFIX,
        },
        Err(_) => pattern(tokens)?,
    };
    let block_word = |t: &TokenTree| match t {
        TokenTree::Ident(i) => {
            matches!(
                i.to_string().as_str(),
                "if" | "match" | "loop" | "while" | "for" | "unsafe"
            )
        }
        TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
        _ => false,
    };
    // Ends with the block it starts with: all of it is the block-like
    // expression (`if c { a } else { b }`), which reads the same alone.
    let ends_with_a_block =
        matches!(trees.last(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace);
    let led_by_a_block = trees.first().is_some_and(block_word) && !ends_with_a_block;
    // `P { x: 1 }` outside parentheses: a word (not a keyword that takes a
    // block) right before braces.
    // (Or a turbofish's `>`: `G::<i32> { v: 4 }`.)
    let turbofish = trees.windows(3).any(|w| {
        matches!((&w[0], &w[1], &w[2]), (TokenTree::Punct(a), TokenTree::Punct(b), TokenTree::Punct(c))
            if a.as_char() == ':' && b.as_char() == ':' && c.as_char() == '<')
    });
    let struct_literal = trees.windows(2).any(|w| {
        matches!(&w[1], TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
            && match &w[0] {
                TokenTree::Ident(i) => {
                    !block_word(&w[0])
                        && !matches!(
                            i.to_string().as_str(),
                            "else" | "move" | "async" | "const" | "in"
                        )
                }
                TokenTree::Punct(p) => p.as_char() == '>' && turbofish,
                _ => false,
            }
    });
    Some(Shape {
        binds,
        struct_literal,
        led_by_a_block,
    })
}

/// Whether the tokens of a spliced fragment read differently without
/// their group between `before` and `after` (see the module's docs).
fn needs_parentheses(trees: &[TokenTree], before: &[TokenTree], after: &[TokenTree]) -> bool {
    let Some(shape) = shape(trees) else {
        return false;
    };
    let (left, left_op) = bound_before(before);
    // An assignment's right side reads whole, whatever it is.
    let left = if left == ASSIGN { APART } else { left };
    let right = bound_after(after);
    // An operator before the fragment takes its first operand: it needs
    // parentheses if it binds less tightly (or as tightly, unless the
    // operator regroups freely: `a - (b - c)`; a comparison or a range
    // cannot be chained at all).
    let by_left = left != APART
        && (shape.binds < left || shape.binds == left && left != PREFIX && !associative(&left_op));
    // An operator after it takes its last operand (`(a + b).pow(2)`,
    // `(a < b) == c`).
    let by_right = right != APART
        && (shape.binds < right || shape.binds == right && matches!(right, COMPARE | RANGE));
    let before_a_block =
        matches!(after.first(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace);
    // `if let P = $e {`: `a && b` there would be a let chain, and a range
    // would end the scrutinee early.
    let scrutinee = before_a_block && left_op == "=" && shape.binds <= AND;
    let head = shape.struct_literal && in_a_head(before, after);
    // `x as u8 < 200`: written out, `u8 <` starts generic arguments.
    let cast_before_angle = matches!(trees.iter().rev().nth(1), Some(TokenTree::Ident(i)) if i == "as")
        && matches!(after.first(), Some(TokenTree::Punct(p)) if p.as_char() == '<');
    // Where a statement or an arm's value starts, a block ends the
    // expression (`match n {..} * 10` would be the `match`, then `*10`).
    let starts_a_statement = match before.last() {
        None | Some(TokenTree::Group(_)) => true,
        Some(TokenTree::Punct(_)) => {
            matches!(operator(before, false), Some((op, _)) if op == ";" || op == "=>")
        }
        _ => false,
    };
    by_left
        || by_right
        || scrutinee
        || head
        || cast_before_angle
        || shape.led_by_a_block && starts_a_statement
}

/// Whether a fragment between `before` and `after` is in the head of an
/// `if`, a `while`, a `match` or a `for` (its block follows, at this
/// level, before any `;`), where a struct literal would end the head.
fn in_a_head(before: &[TokenTree], after: &[TokenTree]) -> bool {
    let ends_a_part = |t: &TokenTree| match t {
        TokenTree::Punct(p) => p.as_char() == ';',
        TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
        _ => false,
    };
    // Back to the statement's or the arm's start: the head may hold blocks
    // and braced patterns of its own (`if let Msg::Move { x, y } = $m {`).
    let start = (0..before.len())
        .rev()
        .find(|&k| match &before[k] {
            TokenTree::Punct(p) if p.as_char() == ';' => true,
            TokenTree::Punct(p) if p.as_char() == '>' => {
                matches!(k.checked_sub(1).map(|j| &before[j]),
                    Some(TokenTree::Punct(e)) if e.as_char() == '=' && e.spacing() == Spacing::Joint)
            }
            _ => false,
        })
        .map_or(0, |k| k + 1);
    let opened = before[start..].iter().any(|t| {
        matches!(t, TokenTree::Ident(i) if matches!(i.to_string().as_str(), "if" | "while" | "match" | "in"))
    });
    let block = after
        .iter()
        .find(|t| ends_a_part(t))
        .is_some_and(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace));
    opened && block
}

/// Whether a fragment is a trait object or `impl Trait` with more than
/// one bound (a `+` outside its generic arguments).
fn bounded_type(trees: &[TokenTree]) -> bool {
    if !matches!(trees.first(), Some(TokenTree::Ident(i)) if i == "dyn" || i == "impl") {
        return false;
    }
    let mut depth = 0usize;
    let mut arrow = false;
    let mut plus = false;
    for t in trees {
        let TokenTree::Punct(p) = t else {
            arrow = false;
            continue;
        };
        match p.as_char() {
            '<' => depth += 1,
            // Not the `>` of `->`.
            '>' if !arrow => depth = depth.saturating_sub(1),
            '+' if depth == 0 => plus = true,
            _ => {}
        }
        arrow = p.as_char() == '-' && p.spacing() == Spacing::Joint;
    }
    plus && syn::parse2::<syn::Type>(trees.iter().cloned().collect()).is_ok()
}

/// Whether what comes before a fragment makes it a pointer's target type:
/// `&`, `&'a` (written or spliced in), `&mut`, `*const`, `*mut`.
fn behind_a_pointer(before: &[TokenTree]) -> bool {
    let quote =
        |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == '\'');
    let mut back = before.iter().rev().peekable();
    if matches!(back.peek(), Some(TokenTree::Ident(i)) if i == "mut" || i == "const") {
        back.next();
    }
    match back.peek() {
        Some(TokenTree::Group(g))
            if g.delimiter() == Delimiter::None
                && quote(g.stream().into_iter().next().as_ref()) =>
        {
            back.next();
        }
        Some(TokenTree::Ident(_)) => {
            back.next();
            if !quote(back.next()) {
                return false;
            }
        }
        _ => {}
    }
    matches!(back.next(), Some(TokenTree::Punct(p)) if p.as_char() == '&' || p.as_char() == '*')
}
