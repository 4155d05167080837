//! Scopes and name resolution for the spine's bindings.
//!
//! Resolution follows Rust: the innermost visible binding of a name wins.
//! Shadowing makes a second binding with its own id, so both can be kept
//! across a twait (the outer one is still dropped at its own scope's end).
//!
//! In the generated code the two live side by side in one state and one
//! arm, so they need different identifiers there. The later one gets the
//! same name with other hygiene (`Span::mixed_site()`, located at the
//! user's token): the user's code still reads and reports `x`, but the
//! machine can name both. A third clash gets a suffixed name.

use std::collections::HashSet;

use proc_macro2::{Ident, Span};

use crate::ir::{Binding, BindingId, ScopeId};

#[derive(Default)]
pub struct Scopes {
    /// Each scope's parent.
    pub parents: Vec<Option<ScopeId>>,
    stack: Vec<ScopeId>,
    /// Visible user bindings by name, innermost last.
    visible: Vec<(String, BindingId)>,
    /// `visible.len()` when each open scope began.
    marks: Vec<usize>,
    /// Bindings whose identifier is not the user's.
    pub renamed: HashSet<BindingId>,
    /// Declare with the user's identifiers whatever they hide (a `let`
    /// under `#[cfg]`, which may not exist).
    pub keep_names: bool,
}

impl Scopes {
    pub fn push(&mut self) -> ScopeId {
        let id = self.parents.len();
        self.parents.push(self.stack.last().copied());
        self.stack.push(id);
        self.marks.push(self.visible.len());
        id
    }

    pub fn pop(&mut self) {
        self.stack.pop();
        if let Some(mark) = self.marks.pop() {
            self.visible.truncate(mark);
        }
    }

    pub fn current(&self) -> ScopeId {
        self.stack.last().copied().unwrap_or(0)
    }

    pub fn resolve(&self, name: &str) -> Option<BindingId> {
        self.visible
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, b)| *b)
    }

    /// The visible binding whose identifier in the machine is `ident`, when
    /// that is not its user's name (`s_7`, for a third `let s`; `self`'s):
    /// code the resolver has rewritten names it so.
    pub fn resolve_renamed(&self, ident: &str, bindings: &[Binding]) -> Option<BindingId> {
        self.visible
            .iter()
            .rev()
            .find(|(name, b)| name != ident && bindings[*b].ident == ident)
            .map(|(_, b)| *b)
    }

    pub fn make_visible(&mut self, id: BindingId, name: String) {
        self.visible.push((name, id));
    }

    /// The identifier for a new binding `id` written as `ident`: the
    /// user's, unless a visible binding of the same name would clash.
    pub fn ident_for(&mut self, bindings: &[Binding], id: BindingId, ident: &Ident) -> Ident {
        let name = ident.to_string();
        if self.keep_names || self.resolve(&name).is_none() {
            return ident.clone();
        }
        self.renamed.insert(id);
        let span = Span::mixed_site().located_at(ident.span());
        let mixed_taken = self.visible.iter().any(|(n, b)| {
            *n == name && self.renamed.contains(b) && bindings[*b].ident == name.as_str()
        });
        if mixed_taken {
            super::syntax::ident_named(&format!("{name}_{id}"), span)
        } else {
            super::syntax::ident_named(&name, span)
        }
    }
}
