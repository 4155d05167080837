//! The intermediate representation: a tamed function's body as the later
//! phases see it, built once by `parse`.
//!
//! Only the *spine* of the body is structured here: the statements that
//! contain a twait, and the blocks, `if`s, `match`es and loops around them.
//! Everything else stays a `syn` statement ([`Plain`]), already rewritten
//! (our macros replaced, names of renamed bindings changed) and summarized
//! by its [`Effects`] on the function's bindings.
//!
//! Expressions with a twait inside are normalized while parsing: the value
//! of a twait, `if`, `match`, loop or block that sits inside an expression
//! goes into a temporary binding first, so that in this IR a twait is
//! always a statement of its own ([`Stmt::Wait`]) and every construct that
//! contains one is a statement of a block.

use proc_macro2::{Ident, Span, TokenStream};

pub type BindingId = usize;
pub type ScopeId = usize;
pub type LoopId = usize;
pub type WaitId = usize;
pub type SlotSiteId = usize;
pub type JumpId = usize;

/// The whole function.
pub struct Function {
    /// The function's name, for `blocked()` and panic messages.
    pub name: String,
    pub bindings: Vec<Binding>,
    /// Each scope's parent (`None` for the parameters' scope).
    pub scopes: Vec<Option<ScopeId>>,
    /// Parameters in order, each moved into the first state.
    pub params: Vec<Param>,
    /// The body; its scope's parent is the parameters' scope.
    pub body: Block,
    pub loops: Vec<LoopInfo>,
    pub waits: Vec<WaitInfo>,
    pub slot_sites: Vec<SlotSite>,
    pub jumps: Vec<JumpInfo>,
    /// Items declared in the body (`fn`, `struct`, `use`, `macro_rules!`):
    /// visible everywhere in the body, so they go to the function's top.
    pub items: Vec<syn::Stmt>,
    /// Items declared in inner blocks of the spine (and in `twait! {}`
    /// blocks) that go to the function's top (see `parse::Builder::items`):
    /// the lint shadow holds them where the user wrote them.
    pub nested_items: Vec<syn::Stmt>,
    /// Items declared in an inner block of the spine, by its scope: each
    /// piece of code of that block, in whatever state, declares them again
    /// (a block's items are visible in the whole block and nowhere else).
    pub scope_items: Vec<(ScopeId, Vec<syn::Stmt>)>,
    /// Whether the function returns a value (through its `done` event).
    pub returns_value: bool,
    /// The return type is a `Result` or an `Option` (by its name), and the
    /// body may leave by `?` or by a macro (`syntax::may_leave_early`):
    /// the machine then runs in a closure returning `Result<P, E>` or
    /// `Option<P>` (`P` a marker of tame's, not `()`), so that `?` and a
    /// `return Err(..)` that a user's macro expands to work as in a plain
    /// function, and its `return Ok(())` is an error, not a lost value.
    pub try_shaped: bool,
    /// An `unsafe` block of the body waits: its code is cut into states
    /// like any block's, and the machine runs in an `unsafe` block of its
    /// own (the lint shadow, which keeps the user's blocks as written, is
    /// where rustc checks that every unsafe operation is inside one).
    pub unsafe_waits: bool,
    /// How many `if`/`match` statements carry a [`Promotion`].
    pub promotions: usize,
    /// (a binding of a `#[cfg(..)]` `let`, the binding of the same name it
    /// shadows): the two keep one name in the machine, so that later code
    /// reaches whichever the build has (see `analyze::report_cfg_shadows`).
    pub cfg_shadows: Vec<(BindingId, BindingId)>,
}

impl Function {
    /// Whether wait `w` on a rendezvous stores slot site `site`: its
    /// variables were declared before the wait.
    pub fn wait_stores(&self, w: WaitId, site: SlotSiteId) -> bool {
        let before = self.waits[w].bindings_before;
        self.slot_sites[site]
            .roots
            .iter()
            .flatten()
            .all(|&b| b < before)
    }

    /// Whether scope `inner` is `outer` or nested in it.
    pub fn scope_within(&self, inner: ScopeId, outer: ScopeId) -> bool {
        let mut s = Some(inner);
        while let Some(x) = s {
            if x == outer {
                return true;
            }
            s = self.scopes[x];
        }
        false
    }

    /// The sites of `site`'s `twait! {}` block whose places are `site`'s
    /// (with no index captured), in order; empty for a rendezvous' site or
    /// one with captures.
    pub fn same_places(&self, site: SlotSiteId) -> Vec<SlotSiteId> {
        let s = &self.slot_sites[site];
        let Some(mine) = s
            .place_key()
            .filter(|_| matches!(s.owner, SlotOwner::Join(_)))
        else {
            return Vec::new();
        };
        (0..self.slot_sites.len())
            .filter(|&i| {
                let other = &self.slot_sites[i];
                other.owner == s.owner && other.place_key().as_deref() == Some(mine.as_str())
            })
            .collect()
    }

    /// Whether an event for `site`'s places is made on every path through
    /// its `twait! {}` block (see [`SlotSite::certain`]).
    pub fn slot_certain(&self, site: SlotSiteId) -> bool {
        self.slot_sites[site].certain
            || self
                .same_places(site)
                .iter()
                .any(|&i| self.slot_sites[i].certain)
    }
}

/// A variable of the function (or a temporary of the translator's).
pub struct Binding {
    /// The identifier used in generated code: the user's, or the user's
    /// name with other hygiene when it would clash with another binding
    /// that the same state carries (see `parse::scope`).
    pub ident: Ident,
    /// The name as the user wrote it (for messages and field names).
    pub name: String,
    pub span: Span,
    /// The user's `mut` (the receiver's binding always has it: see
    /// `parse::params`).
    pub mutable: bool,
    /// Assigned somewhere in the body (`x = ..`, `x += ..`): the machine
    /// declares it `mut` even without the user's, so that rustc's error
    /// about a change of a variable that is not `mut` comes once, from the
    /// lint shadow, rather than again of the machine's rebinding.
    pub assigned: bool,
    /// A type written at the declaration (`let v: u32;`).
    pub ty: Option<syn::Type>,
    pub scope: ScopeId,
    pub kind: BindingKind,
    /// The initializer obviously gives a value with no destructor (a
    /// literal number, a comparison, `.len()`): dropping it early is
    /// unobservable, so it is not kept only for its drop.
    pub trivial: bool,
    /// Why keeping this binding across a twait cannot work (it borrows).
    pub borrow: Option<String>,
    /// Declared as a `Rendezvous` (by type or initializer).
    pub rendezvous: bool,
    /// A closure that moves what it captured, or of a `FnOnce` type:
    /// calling it moves it.
    pub fn_once: bool,
    /// Obviously `Copy` (a number, a `bool`, a shared reference, by its
    /// initializer or written type): a closure that uses it by value
    /// copies it, and does not move it out of itself.
    pub copy: bool,
    /// Bound to an iterator chain (`let it = v.into_iter().filter(..);`):
    /// `count`, `max`, `min`, `skip` and `last` move it, as they move any
    /// iterator (they are not taken for moves of other receivers).
    pub iterator: bool,
    /// Bound to an iterator whose items borrow what it iterates over
    /// (`let mut words = line.split_whitespace();`): an item taken out of
    /// it (`words.next()`) is a borrow, as it is of the chain written out.
    pub items_borrow: bool,
    /// Made by a constructor of one of std's readers (`BufReader::new(f)`,
    /// `io::stdin()`; see `syntax::makes_reader`), or of a written type
    /// naming one: its `lines`, `split` and `bytes` move it, and their
    /// iterators borrow nothing (a string's of the same names borrow it).
    pub reader: bool,
    /// Made by `Timer::after`/`Timer::at` (or of a written type `Timer`):
    /// its `cancel` and `detach` move it (other types' `cancel` borrows,
    /// a rendezvous' among them).
    pub timer: bool,
    /// Made by `Box::new(..)` (its type not written): `*b` used by value
    /// moves out of it, as out of a variable of a written `Box` type.
    pub boxed: bool,
    /// One of tame's handles, by its written type (`w: WriteHalf<..>`,
    /// `conn: Rc<TcpStream>`) or its initializer (`TcpListener::bind(a)?`,
    /// `let (r, w) = s.into_split();`): its operations borrow it, so as
    /// their receiver in a `twait! {}` block it is kept to its scope's end
    /// (see [`Effect::Receiver`]).
    pub tame_handle: bool,
    /// Declared without a value (`let x;`): its value comes from an
    /// assignment, perhaps on some paths only.
    pub deferred: bool,
    /// The `#[cfg(..)]` attributes of its `let`: in a build where they
    /// remove it, the machine's fields and moves of it go too.
    pub cfg: Vec<syn::Attribute>,
    /// The lint levels of its declaration (a `let`'s, a parameter's, a
    /// `for` loop's `#[allow(..)]`), as the machine's copies of the user's
    /// statements carry them (see `syntax::machine_attrs`): the machine
    /// binds a kept variable again in each state that has it, at the
    /// user's name, where rustc and clippy lint the name
    /// (`non_snake_case`, `clippy::disallowed_names`) as at the `let`.
    pub lint_levels: Vec<syn::Attribute>,
    /// Its value surely borrows nothing: what a `twait!(r)` gave (an id of
    /// a rendezvous, owned), as written (`let z = twait!(r);`), a value
    /// made of nothing of the function's (`let g = D("x");`), or a
    /// temporary holding a construct's value that is a number or the like.
    pub owned: bool,
    /// The translator's holder of a temporary a `let` extends (`let r =
    /// &make();`), which the user never named: a borrow of it is said to
    /// borrow "the value its `let` makes".
    pub kept_temporary: bool,
}

impl Binding {
    /// A binding with nothing known of it yet: not `mut`, no written type,
    /// possibly with a drop, borrowing nothing known; the callers set what
    /// they know (`Binding { mutable, ty, ..Binding::new(..) }`).
    pub fn new(
        ident: Ident,
        name: String,
        span: Span,
        scope: ScopeId,
        kind: BindingKind,
    ) -> Binding {
        Binding {
            ident,
            name,
            span,
            mutable: false,
            assigned: false,
            ty: None,
            scope,
            kind,
            trivial: false,
            borrow: None,
            rendezvous: false,
            fn_once: false,
            copy: false,
            iterator: false,
            items_borrow: false,
            reader: false,
            timer: false,
            boxed: false,
            tame_handle: false,
            deferred: false,
            cfg: Vec::new(),
            lint_levels: Vec::new(),
            owned: false,
            kept_temporary: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BindingKind {
    /// A user's `let`, pattern or parameter binding.
    User,
    /// A translator temporary: kept only while it is live, and dropped
    /// wherever it is last used.
    Temp(TempKind),
}

/// What a temporary holds (it names the state field).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TempKind {
    /// The value of an expression computed before a twait.
    Value,
    /// A `for` loop's iterator.
    Iter,
    /// The slot list of a `mkevent!` site.
    Slots,
    /// A `twait!(r)`'s result.
    Id,
}

/// A parameter of the tamed function.
pub struct Param {
    pub binding: BindingId,
    /// What the generated function passes into the first state: the
    /// parameter's name, `self`, or the fresh name a pattern parameter got.
    pub outer: TokenStream,
}

/// A block of the spine: a scope and its statements.
pub struct Block {
    pub scope: ScopeId,
    pub stmts: Vec<Stmt>,
}

pub enum Stmt {
    /// Ordinary code: no twait inside.
    Plain(Plain),
    /// A jump that is a statement of its own: `break`, `continue` (its
    /// value, if any, was assigned to the loop's destination before it).
    Jump(JumpId),
    /// A twait; `twait!(r)`'s value goes into `dest`.
    Wait(Wait),
    If(If),
    Match(Match),
    Loop(Loop),
    /// A nested block with a twait inside; labeled ones can be left with
    /// `break 'label`.
    Block(Block, Option<LoopId>),
}

/// A statement with no twait in it.
pub struct Plain {
    pub stmt: syn::Stmt,
    pub fx: Effects,
    /// Bindings this statement declares (a `let`), in order.
    pub defs: Vec<BindingId>,
    /// `break`/`continue` nested inside that leave for a spine loop; in
    /// `stmt` they are `__tame_jump!(k)` markers.
    pub jumps: Vec<JumpId>,
    /// Whether the statement is certainly diverging (`return ..;`).
    pub diverges: bool,
}

impl Plain {
    /// Whether effect `e` of this statement is a move on some of the paths
    /// that leave it and not on others: inside a branch, or before a jump
    /// to a loop of the spine (a jump leaves with what was moved so far).
    pub fn moves_on_some_paths(&self, e: Effect) -> bool {
        matches!(e, Effect::MaybeConsume | Effect::MaybeConsumeAssigned)
            || (e == Effect::ConsumeLeaving && !self.jumps.is_empty())
    }

    /// Whether the move at `fx[i]`, made on some paths only, is followed
    /// by a certain one of the same binding (moved by every branch of a
    /// construct that finishes: then it is moved on every path that
    /// leaves the statement).
    pub fn moved_on_every_path_later(&self, i: usize) -> bool {
        let (b, _) = self.fx.0[i];
        self.fx.0[i + 1..]
            .iter()
            .any(|&(x, e)| x == b && e == Effect::Consume)
    }

    /// Whether this statement leaves binding `b` with a value on some of
    /// its paths and without one on others: moved on some paths (see
    /// [`Plain::moves_on_some_paths`]), or, declared without a value,
    /// assigned on some paths only (`if c { permit = take(); }`).
    /// The effect is `fx[i]`.
    pub fn sets_value_on_some_paths(&self, b: &Binding, i: usize) -> bool {
        let e = self.fx.0[i].1;
        (self.moves_on_some_paths(e) && !self.moved_on_every_path_later(i))
            || (e == Effect::MaybeWrite && b.deferred)
    }
}

pub struct Wait {
    pub id: WaitId,
    pub dest: Option<BindingId>,
}

pub struct WaitInfo {
    pub span: Span,
    /// The scope the wait is written in.
    pub scope: ScopeId,
    /// How many bindings were declared before it: a rendezvous' slot
    /// whose variable is declared after it (a binding numbered from here
    /// on) is not stored there, as no event for it can have been made.
    pub bindings_before: usize,
    pub kind: WaitKind,
    /// What it says it waits for (`twait!(r, "a reply")`).
    pub description: Option<syn::LitStr>,
}

pub enum WaitKind {
    /// `twait! { .. }`: run the block, then wait for its events.
    Join {
        /// Its statements, in a scope of their own: bindings made inside
        /// die before the wait.
        body: Vec<Plain>,
        /// The block's scope (its items are declared with `body`: see
        /// `Function::scope_items`).
        scope: ScopeId,
        /// Slot lists declared before the block.
        lists: Vec<SlotSiteId>,
        /// The effects of all its statements, in order (also when they
        /// are not in `body`: a block with a promoted construct is a block
        /// of the spine before the wait, and `body` is empty).
        fx: Effects,
    },
    /// `twait!(r)`.
    Rendezvous {
        expr: syn::Expr,
        fx: Effects,
        key: RendezvousKey,
    },
}

/// Which rendezvous an expression names: a binding and a field path, or
/// (when it cannot be resolved) its tokens.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RendezvousKey {
    Binding(BindingId, Vec<String>),
    /// As written (`rs[i]`), and the variable it starts with, if one of
    /// the function's: `rs[0]` of two blocks' own `rs` are two.
    Tokens(String, Option<BindingId>),
}

/// A `mkevent!` with slots: where the value goes once its event is back.
pub struct SlotSite {
    /// The slot list temporary.
    pub list: BindingId,
    /// The slot places, with index expressions replaced by `__tame_cN`
    /// (evaluated when the event was made).
    pub places: Vec<TokenStream>,
    /// How many index captures the places use.
    pub captures: usize,
    /// The bindings the places store into (their roots).
    pub roots: Vec<Option<BindingId>>,
    /// Stored at this join's wait, or at each `twait!(r)` on this key.
    pub owner: SlotOwner,
    /// A `twait! {}` block's site whose places an event is made for on
    /// every path through the block that reaches its wait (by this site,
    /// or by sites of the same places in every branch of a construct).
    pub certain: bool,
    /// Made as `with_timeout`'s event (`with_timeout(d, mkevent!(x))`),
    /// which comes back empty when the time runs out.
    pub under_timeout: bool,
    /// For a site with an index captured, made by a statement of a
    /// `twait! {}` block under `#[cfg(..)]`s: those, which its list and
    /// store are under too (in a build without it, no event gives the
    /// index its type). Sites of variables need none: their store gives
    /// their list its type.
    pub stmt_cfg: Vec<syn::Attribute>,
    pub span: Span,
}

impl SlotSite {
    /// Its places as text, when they name the same places wherever the
    /// event is made (no index captured): sites of one `twait! {}` block
    /// with the same key fill the same places. `mkevent!(_)` names none:
    /// each such value is dropped where it comes, whatever its type.
    pub fn place_key(&self) -> Option<String> {
        let wild = self.places.iter().all(|p| p.to_string() == "_");
        (self.captures == 0 && !wild).then(|| {
            self.places
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SlotOwner {
    Join(WaitId),
    Rendezvous(RendezvousKey),
}

pub struct If {
    /// Set when the `if` has no twait but moves a variable on some of its
    /// paths (see [`Promotion`]).
    pub promoted: Option<Promotion>,
    pub cond: syn::Expr,
    pub fx: Effects,
    /// `if let` bindings, declared in `then`'s scope.
    pub defs: Vec<BindingId>,
    /// The variable an `if let` pattern binds out of by value: moved when
    /// the pattern matches, at the start of `then`.
    pub bound_from: Option<BindingId>,
    pub then: Block,
    pub els: Option<Block>,
}

pub struct Match {
    /// Set when the `match` has no twait but moves a variable on some of
    /// its paths (see [`Promotion`]).
    pub promoted: Option<Promotion>,
    pub scrutinee: syn::Expr,
    pub fx: Effects,
    pub arms: Vec<Arm>,
}

/// An `if`/`match` statement with no twait that moves a variable of the
/// function on some of its paths and not on others (`if c { drop(g) }`).
///
/// Rust keeps such a variable's value to its scope's end on the paths that
/// did not move it (a drop flag). When a twait comes before that end, the
/// state after it must carry the value on exactly those paths: lowered as
/// a construct of the spine, each branch ends by packing the state after
/// the construct with the value (`Some`) or without it (`None`), and the
/// states after carry an `Option` for it. When that buys nothing (no twait
/// follows while the value could be there) or would make the state after
/// it keep what no twait keeps and might borrow (a reference or a local
/// used only before the next twait), the construct stays the ordinary
/// statement `plain` (see `analyze::useless_promotions`). A
/// `let x = if/match ..;` is promoted as `let x;` and a construct that
/// assigns `x` in each branch.
pub struct Promotion {
    /// Numbers the function's promotions (`lower`'s `demoted` set).
    pub id: usize,
    /// The same statement, parsed as ordinary code.
    pub plain: Plain,
}

pub struct Arm {
    /// Its `#[cfg(..)]` attributes: kept on the arm the machine emits. (One
    /// that waits under `#[cfg]` is refused.)
    pub attrs: Vec<syn::Attribute>,
    /// The variable matched on, when this arm's pattern binds out of it
    /// by value: moved when the arm is taken.
    pub bound_from: Option<BindingId>,
    pub pat: syn::Pat,
    pub guard: Option<(syn::Expr, Effects)>,
    /// Pattern bindings, declared in `body`'s scope.
    pub defs: Vec<BindingId>,
    pub body: Block,
    /// The span of the last token of the arm's body as written.
    pub end: proc_macro2::Span,
}

pub struct Loop {
    pub id: LoopId,
    pub head: LoopHead,
    pub body: Block,
}

pub enum LoopHead {
    Loop,
    /// `while cond` (also `while let`): bindings in the body's scope.
    While {
        cond: syn::Expr,
        fx: Effects,
        defs: Vec<BindingId>,
    },
    /// `for pat in ..`: the iterator was put in `iter` before the loop.
    For {
        iter: BindingId,
        pat: syn::Pat,
        defs: Vec<BindingId>,
    },
}

/// A spine loop or labeled block that `break`/`continue` can target.
pub struct LoopInfo {
    pub label: Option<String>,
    pub is_loop: bool,
    /// Where `break value` puts its value.
    pub dest: Option<BindingId>,
    pub span: Span,
}

/// A `break` or `continue` that leaves for a spine loop.
pub struct JumpInfo {
    pub target: LoopId,
    pub is_break: bool,
    /// Bindings assigned on every path from the start of the jump's
    /// statement to the jump (`{ r = x; break; }`).
    pub writes: Vec<BindingId>,
    /// Names bound inside the jump's statement that are in scope at it:
    /// where one hides a binding the target keeps, the jump first leaves
    /// the statement (see `emit::Emitter::escaped`).
    pub hidden: Vec<String>,
    /// The bindings the jump's statement may have moved on a path to it
    /// (and not given a value again since), each with whether it did on
    /// every path there, as its walk followed them; `None` when not
    /// followed (any move of the statement may come before it). A move on
    /// other paths only (`for .. { if c { break 'outer; } eat(v); v =
    /// make(); }`) leaves the value to the jump.
    pub moved: Option<Vec<(BindingId, bool)>>,
}

/// What a piece of ordinary code does to the function's bindings, in
/// evaluation order (as far as syntax tells).
#[derive(Default, Clone, Debug)]
pub struct Effects(pub Vec<(BindingId, Effect)>);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Effect {
    /// Read or borrowed.
    Read,
    /// Used by value: moved out unless its type is `Copy`.
    Consume,
    /// Used by value on some paths through the code only (inside a branch,
    /// a loop, after a `break` out of a labeled block could have left).
    MaybeConsume,
    /// Used by value after the same code assigned it on the same path
    /// (`if d { a = f(); eat(a) }`): a move, but not of the value the
    /// code found (so not a use of it, for liveness).
    ConsumeAssigned,
    /// [`ConsumeAssigned`](Effect::ConsumeAssigned) on some paths only
    /// (`if d { a = f(); eat(a) }`): the variable keeps the value the
    /// code found on the others.
    MaybeConsumeAssigned,
    /// Used by value in a branch that then leaves the code (`return`, a
    /// panic, a `break` out of it): moved on no path that goes on past it.
    ConsumeLeaving,
    /// The receiver of a method call inside a `twait! {}` block that takes
    /// an event made there (`t.send(mkevent!(x))`): the call starts an
    /// operation, which takes the receiver along (consumed) unless it is
    /// used after the wait. A macro cannot see whether the method takes
    /// `self` or `&self`; a by-value receiver must compile, and a borrowed
    /// one then lives as long as the operation needs it only if the
    /// operation holds its own reference. Not for a variable known to hold
    /// one of tame's handles ([`Binding::tame_handle`]), whose operations
    /// borrow it.
    Receiver,
    /// Assigned as a whole, on every path through the code.
    Write,
    /// Assigned on some paths only.
    MaybeWrite,
}

impl Effects {
    pub fn push(&mut self, b: BindingId, e: Effect) {
        self.0.push((b, e));
    }
}
