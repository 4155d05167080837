//! Parse: a typed view of the tamed function and of the macro invocations in
//! its body (`twait!`, `mkevent!`, `tvars!`).

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Macro, MacroDelimiter, Stmt, Token};

/// Which of our macros an invocation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Twait,
    Mkevent,
    Tvars,
}

/// Recognizes `twait!`, `tame::twait!` (and likewise for the others) by the
/// last path segment.
pub fn which(mac: &Macro) -> Option<Which> {
    let last = mac.path.segments.last()?;
    if !last.arguments.is_none() {
        return None;
    }
    match last.ident.to_string().as_str() {
        "twait" => Some(Which::Twait),
        "mkevent" => Some(Which::Mkevent),
        "tvars" => Some(Which::Tvars),
        _ => None,
    }
}

/// The macro of an expression or statement, if it is one of ours.
pub fn expr_macro(expr: &Expr) -> Option<(&Macro, Which)> {
    match expr {
        Expr::Macro(m) => which(&m.mac).map(|w| (&m.mac, w)),
        _ => None,
    }
}

pub fn stmt_macro(stmt: &Stmt) -> Option<(&Macro, Which)> {
    match stmt {
        Stmt::Macro(m) => which(&m.mac).map(|w| (&m.mac, w)),
        Stmt::Expr(e, _) => expr_macro(e),
        _ => None,
    }
}

/// The two forms of `twait!`.
pub enum TwaitForm {
    /// `twait! { stmts }`: the implicit rendezvous.
    Block(Vec<Stmt>),
    /// `twait!(r)`: the next id of rendezvous `r`.
    Rendezvous(Expr),
}

/// Braces make the block form, parentheses (or brackets) the rendezvous form.
pub fn twait_form(mac: &Macro) -> syn::Result<TwaitForm> {
    match mac.delimiter {
        MacroDelimiter::Brace(_) => {
            let stmts = syn::Block::parse_within.parse2(mac.tokens.clone())?;
            Ok(TwaitForm::Block(stmts))
        }
        _ => {
            if mac.tokens.is_empty() {
                return Err(syn::Error::new_spanned(
                    mac,
                    "twait!() needs a rendezvous: write twait!(r), or twait! { ... } to wait for the events made inside the block",
                ));
            }
            let expr: Expr = syn::parse2(mac.tokens.clone())?;
            Ok(TwaitForm::Rendezvous(expr))
        }
    }
}

/// The arguments of `mkevent!(a, b, ...)`, not yet told apart into
/// rendezvous, id and slots (that depends on where the invocation is).
pub struct MkeventArgs {
    pub args: Vec<Expr>,
    pub span: Span,
}

impl Parse for MkeventArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let span = input.span();
        let args = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        Ok(MkeventArgs {
            args: args.into_iter().collect(),
            span,
        })
    }
}

pub fn mkevent_args(mac: &Macro) -> syn::Result<MkeventArgs> {
    let mut parsed: MkeventArgs = syn::parse2(mac.tokens.clone())?;
    parsed.span = mac.span();
    Ok(parsed)
}

/// The `let` statements of `tvars! { ... }`.
pub fn tvars_stmts(mac: &Macro) -> syn::Result<Vec<Stmt>> {
    let stmts = syn::Block::parse_within.parse2(mac.tokens.clone())?;
    for s in &stmts {
        if !matches!(s, Stmt::Local(_)) {
            return Err(syn::Error::new_spanned(
                s,
                "tvars! holds only `let` declarations, such as `let mut n = 0;` or `let v: Vec<u8>;`",
            ));
        }
    }
    Ok(stmts)
}

/// Every path our macros are named by in `block` (`twait`, `tame::twait`),
/// once each, so that an expansion can keep the user's imports used.
pub fn macro_paths(block: &syn::Block) -> Vec<syn::Path> {
    struct Collect(Vec<syn::Path>);
    impl<'ast> syn::visit::Visit<'ast> for Collect {
        fn visit_macro(&mut self, m: &'ast Macro) {
            if which(m).is_some() {
                let key = quote::ToTokens::to_token_stream(&m.path).to_string();
                if !self
                    .0
                    .iter()
                    .any(|p| quote::ToTokens::to_token_stream(p).to_string() == key)
                {
                    self.0.push(m.path.clone());
                }
                // Nested invocations (mkevent! inside twait!).
                if let Ok(stmts) = syn::Block::parse_within.parse2(m.tokens.clone()) {
                    for s in &stmts {
                        self.visit_stmt(s);
                    }
                } else if let Ok(args) = syn::parse2::<MkeventArgs>(m.tokens.clone()) {
                    for a in &args.args {
                        self.visit_expr(a);
                    }
                }
            }
        }
    }
    let mut c = Collect(Vec::new());
    syn::visit::Visit::visit_block(&mut c, block);
    c.0
}
