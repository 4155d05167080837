//! The errors the analysis finds: borrows kept across a twait, slots a
//! wait cannot store as Rust would, `cfg` alternatives it cannot keep.

use std::collections::HashMap;

use super::liveness::moved_into_block;
use super::{Set, StoreKind};
use crate::errors::Errors;
use crate::ir::{BindingId, BindingKind, Function, TempKind};
use crate::lower::StateId;

/// A slot of `mkevent!(r, id, slot)` gets its value at the `twait!(r)`
/// that returns its id, and the translator cannot tell which that is: a
/// place with no value before must get one, or later code could read it
/// unassigned.
pub(super) fn report_unvalued_rendezvous_slots(
    f: &Function,
    stores: &HashMap<(StateId, usize), StoreKind>,
    errors: &mut Errors,
) {
    let mut reported = Vec::new();
    // (An optional store is one whose places nothing reads unassigned
    // after the wait: `a` used up by value before it, `let y = twait!(r);`
    // with `a` read no more.)
    let mut stores: Vec<(usize, bool)> = stores
        .iter()
        .map(|(&(_, s), &k)| (s, k != StoreKind::Required))
        .collect();
    stores.sort_unstable();
    for (site, init) in stores {
        let s = &f.slot_sites[site];
        if init || reported.contains(&site) || matches!(s.owner, crate::ir::SlotOwner::Join(_)) {
            continue;
        }
        reported.push(site);
        let name = s
            .roots
            .first()
            .copied()
            .flatten()
            .map_or("the slot".to_owned(), |r| {
                format!("`{}`", f.bindings[r].name)
            });
        errors.push(syn::Error::new(
            s.span,
            format!(
                "{name} has no value yet, but a `mkevent!(r, id, slot)` slot is filled at the \
                 `twait!(r)` that returns its id, which the translator cannot tell apart from \
                 the others; give {name} a value first (`let mut x = 0;`, `let mut x = None;`), \
                 or use `twait! {{ .. }}`, which fills its slots before it ends"
            ),
        ));
    }
}

/// Why a `twait! {}` block's store could not give a variable with no value
/// before the block the value a plain function would have: reported at the
/// slot, with what to write instead.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum SlotProblem {
    /// The block's code assigns it on the paths without the slot (`if c {
    /// f(mkevent!(v)) } else { v = 5 }`): that value is not kept across
    /// the wait.
    AssignedElsewhere,
    /// It is moved into the operation that gives it back on some paths
    /// only (`if c { read(buf, mkevent!(buf, n)) }`): on the others it
    /// kept its value, which the wait cannot tell from a lost one.
    MovedOnSomePaths,
    /// Another site of the block fills it with other slots beside it
    /// (`mkevent!(w, x)` and `mkevent!(w, y)`): each site's slots are
    /// stored together, so each would require its own value.
    FilledByOtherSlots,
    /// A rendezvous' slot moved before the `twait!(r)` that fills it
    /// (`op(buf, mkevent!(r, 1, buf))`): it keeps its old value when no
    /// value comes, so it must have one there.
    MovedBeforeItsWait,
    /// A rendezvous' slot moved out on some paths to the `twait!(r)` that
    /// fills it (`let m = msg;` after an earlier wait, in a loop): the
    /// same, where the fix is to take the value and leave one.
    MovedOutBeforeItsWait,
    /// `with_timeout(d, mkevent!(x))` where `x` has no value before the
    /// wait and needs one after: when the time runs out no value comes.
    TimeoutWithoutValue,
}

pub(super) fn report_slot_problems(
    f: &Function,
    problems: &[(usize, SlotProblem)],
    errors: &mut Errors,
) {
    let mut reported = Vec::new();
    for &(site, problem) in problems {
        let s = &f.slot_sites[site];
        // The place the problem is about: for a move into the block's
        // operation, the one moved (`mkevent!(x, y)` with `y` passed).
        let moved = s
            .roots
            .iter()
            .flatten()
            .find(|&&r| moved_into_block(f, s, r));
        let first = s.roots.iter().flatten().next();
        let root = match problem {
            SlotProblem::MovedOnSomePaths => moved.or(first),
            _ => first,
        };
        let Some(root) = root else {
            continue;
        };
        if reported.contains(&(*root, problem)) {
            continue;
        }
        reported.push((*root, problem));
        let name = &f.bindings[*root].name;
        let msg = match problem {
            SlotProblem::AssignedElsewhere => format!(
                "`{name}` has no value before this twait! block, which fills it from this slot \
                 on some paths and assigns it on others; the translator keeps only the slot's \
                 value across the wait. Give `{name}` a value before the block (`let mut {name} \
                 = ..;`): the wait then keeps the value assigned in the block when no event \
                 fills the slot"
            ),
            SlotProblem::MovedOnSomePaths => format!(
                "`{name}` is moved into the operation that gives it back on some paths of this \
                 twait! block only; on the others it keeps its value, which the wait cannot \
                 tell from one that did not come back. Wait inside the branch instead: \
                 `if c {{ twait! {{ op({name}, mkevent!({name})); }} }}`"
            ),
            SlotProblem::MovedBeforeItsWait => format!(
                "`{name}` is moved before a `twait!(r)` that may fill this slot (moved into \
                 the operation that gives it back, or taken after an earlier `twait!(r)` \
                 brought its value: the translator cannot tell which `twait!(r)` returns the \
                 slot's id), but a `mkevent!(r, id, slot)` slot keeps its old value when no \
                 value comes, so it must still have one there. If the operation takes it, use \
                 `twait! {{ op({name}, mkevent!({name})); }}`, whose wait gives the value \
                 back, or pass the operation a clone; if you take the value that came, take \
                 it with `std::mem::replace(&mut {name}, v)`, which leaves `v` in its place \
                 (or `std::mem::take(&mut {name})`, for a type with a `Default`)"
            ),
            SlotProblem::MovedOutBeforeItsWait => format!(
                "`{name}` may be moved out (by a use after an earlier wait filled it, in a \
                 loop that comes back here) when the `twait!(r)` that fills this slot runs, \
                 but a `mkevent!(r, id, slot)` slot keeps its old value when no value comes, \
                 so it must still have one there. Take the value that came with \
                 `std::mem::replace(&mut {name}, v)`, which leaves `v` in its place (or \
                 `std::mem::take(&mut {name})`, for a type with a `Default`)"
            ),
            SlotProblem::TimeoutWithoutValue => format!(
                "`{name}` may have no value at this wait (none before it, or moved into the \
                 operation, as `buf` in `fd.read(buf, with_timeout(d, mkevent!(buf, n)))`), \
                 but `with_timeout` keeps a slot's old value when the time runs out (its event \
                 comes back empty), and `{name}` would have none: the wait would panic. Use \
                 `add_timeout` with one `Result` slot for the whole value, which gets \
                 `Err(Timeout)` then, or give `{name}` a value of its own first \
                 (`let mut {name} = ..;`)"
            ),
            SlotProblem::FilledByOtherSlots => format!(
                "`{name}` has no value before this twait! block and is filled by `mkevent!` \
                 sites with different slots beside it; the wait stores each site's slots \
                 together, so each would need a value of its own. Give every site the same \
                 slots in the same order (one variable for the other value at each, moved to \
                 where it belongs after the block), or give `{name}` a value before the block"
            ),
        };
        errors.push(syn::Error::new(s.span, msg));
    }
}

/// A binding that borrows another cannot be kept in the state.
///
/// `promoted_joins`: the states where a construct that moves variables on
/// some paths only ends, with those variables; a borrow kept only there
/// gets a message that names the construct's moves rather than a twait.
pub(super) fn report_borrows(
    f: &Function,
    kept: &[Vec<BindingId>],
    flagged: &[Set],
    promoted_joins: &HashMap<StateId, Vec<(BindingId, bool)>>,
    errors: &mut Errors,
) {
    let mut reported = Vec::new();
    for (k, flags) in kept.iter().zip(flagged) {
        for &b in k {
            let binding = &f.bindings[b];
            let Some(why) = &binding.borrow else { continue };
            if reported.contains(&b) {
                continue;
            }
            reported.push(b);
            let judged = if why.contains("in std") && binding.ty.is_none() {
                format!(
                    ". (Judged by the method's name: if it gives an owned value, write its \
                     type, `let {}: T = ..`, and it is kept as one; a binding of a pattern \
                     (`if let`, a `match` arm) has no place for a type: bind the value with \
                     its type first, `let v: Option<T> = ..;`, or call the method by its \
                     path, `Type::method(&x)`.)",
                    binding.name
                )
            } else {
                String::new()
            };
            let kept_at: Vec<StateId> = (0..kept.len()).filter(|&s| kept[s].contains(&b)).collect();
            let at_joins = kept_at.iter().try_fold(Vec::new(), |mut all, s| {
                let there = promoted_joins.get(s).filter(|m| !m.is_empty())?;
                for &(m, given) in there {
                    if !all.contains(&(m, given)) {
                        all.push((m, given));
                    }
                }
                Some(all)
            });
            if let (BindingKind::User, Some(at_joins)) = (&binding.kind, at_joins) {
                let names = |given: bool| {
                    let names: Vec<String> = (at_joins.iter())
                        .filter(|&&(_, g)| g == given)
                        .map(|&(m, _)| format!("`{}`", f.bindings[m].name))
                        .collect();
                    names.join(", ")
                };
                let (moved, given) = (names(false), names(true));
                let does = match (moved.is_empty(), given.is_empty()) {
                    (false, true) => format!("moves {moved}"),
                    (true, false) => format!("gives {given} a value"),
                    _ => format!("moves {moved} and gives {given} a value"),
                };
                let all = (at_joins.iter())
                    .map(|&(m, _)| format!("`{}`", f.bindings[m].name))
                    .collect::<Vec<_>>()
                    .join(", ");
                errors.push(syn::Error::new(
                    binding.span,
                    format!(
                        "`{name}` is used after an `if` or `match` that {does} on some of its \
                         paths only, but {why}. A later twait keeps {all} on the paths where it \
                         has a value (to be dropped at its scope's end, as Rust drops it), so the code after \
                         that construct is a state of its own, and a borrow cannot be kept in a \
                         state: the function's variables move between resumes. Keep an owned \
                         value instead (`.copied()`, a clone, an index), or borrow again after \
                         the construct{judged}",
                        name = binding.name,
                    ),
                ));
                continue;
            }
            let msg = match binding.kind {
                BindingKind::Temp(TempKind::Value) => format!(
                    "this value of a branch is kept where the branches meet, a state of its own \
                     since a branch waits, but {why}: a borrow cannot be kept across a twait. \
                     Give an owned value (`.copied()`, `.cloned()`, an index), or borrow again \
                     after the `if`/`match`"
                ),
                BindingKind::Temp(_) => format!(
                    "this loop's body contains a twait, so its iterator is kept across it, but {why}"
                ),
                BindingKind::User
                    if why.starts_with("it is a closure") || why.starts_with("it is a `move` closure") =>
                {
                    format!("`{}` is kept across a twait, but {why}", binding.name)
                }
                BindingKind::User if why == crate::parse::syntax::PINNED => format!(
                    "`{name}` is kept across a twait, but {why}: a borrow cannot be kept across \
                     a twait, because the function's variables move between resumes. Pin it on \
                     the heap instead, `let {name} = Box::pin(..);`, which `{name}.as_mut()` \
                     polls the same way",
                    name = binding.name,
                ),
                BindingKind::User if why.contains(crate::parse::syntax::GUARD) => format!(
                    "`{name}` is kept across a twait{paths}, but {why}: a borrow cannot be kept \
                     across a twait, because the function's variables move between resumes. \
                     End the guard before the twait (`drop({name})`{every}, or an inner block) \
                     and take it again after; to hold a lock across a wait, use \
                     `tame::sync::Mutex`, whose guard borrows nothing and is kept across \
                     waits{judged}",
                    name = binding.name,
                    // (`read`, `write`, `lock` are names of users' own
                    // methods too, giving owned values: tungstenite's
                    // `WebSocket::read` gives a message.)
                    judged = match (&binding.ty, why.strip_prefix("it is bound from `")) {
                        (Some(_), _) => String::new(),
                        (None, Some(rest)) => format!(
                            ". (Judged by the method's name: if it gives an owned value, not a \
                             guard, write its type where `{}` is declared, `let {0}: T = ..`, \
                             and it is kept as one.)",
                            rest.split('`').next().unwrap_or_default()
                        ),
                        (None, None) => format!(
                            ". (Judged by the method's name: if it gives an owned value, not a \
                             guard, write its type, `let {}: T = ..`, and it is kept as one.)",
                            binding.name
                        ),
                    },
                    paths = if flags.contains(b) {
                        " on the paths that did not move it"
                    } else {
                        ""
                    },
                    every = if flags.contains(b) { " on every path" } else { "" },
                ),
                BindingKind::User => format!(
                    "`{}` is kept across a twait{}, but {why}: a borrow cannot be kept across a \
                     twait, because the function's variables move between resumes. Borrow again \
                     after the twait, or keep an owned value (a clone, or a match on a whole \
                     owned value: take a field out first with `let S {{ field, .. }} = s;`, as \
                     a variable partly moved cannot be kept either) or an index instead{}{}{}",
                    binding.name,
                    if flags.contains(b) {
                        " on the paths that did not move it"
                    } else {
                        ""
                    },
                    if flags.contains(b) {
                        "; or move it (`drop(..)`) on every path before the twait"
                    } else {
                        ""
                    },
                    // A type written with a borrow in it says it borrows.
                    judged,
                    if why.contains(crate::parse::syntax::STRING_OR_READER) {
                        "; if it is a reader, write its type where it is declared (`let r: \
                         BufReader<File> = ..`), which shows that its `lines` take it by value"
                    } else {
                        ""
                    },
                ),
            };
            errors.push(syn::Error::new(binding.span, msg));
        }
    }
}

/// A `#[cfg(..)]` `let` that shadows a variable of the same name, where a
/// state would keep both (the shadowed one for its drop at its scope's
/// end): the two have one name in the machine (later code must reach
/// whichever the build has), which one state cannot hold twice.
pub(super) fn report_cfg_shadows(f: &Function, kept: &[Vec<BindingId>], errors: &mut Errors) {
    for &(b, prev) in &f.cfg_shadows {
        if kept.iter().any(|k| k.contains(&b) && k.contains(&prev)) {
            let name = &f.bindings[b].name;
            errors.push(syn::Error::new(
                f.bindings[b].span,
                format!(
                    "this `#[cfg(..)]` `let` shadows another `{name}`, and a twait keeps both: \
                     the machine cannot tell them apart; choose the value in one `let` (`let \
                     {name} = if cfg!(..) {{ .. }} else {{ .. }};`), or give the two different \
                     names"
                ),
            ));
        }
    }
}
