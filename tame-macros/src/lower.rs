//! Lower: cut the IR into the states of the machine.
//!
//! A state is a point where the function can be resumed or joined:
//!
//! * `Start`, the beginning of the body;
//! * after each twait (where the loop resumes it);
//! * the head of each loop of the spine;
//! * after each `if`/`match` of the spine (its branches meet there), after
//!   each spine loop (its exit) and after each labeled spine block.
//!
//! An `if`/`match` whose branches that wait all leave (they end in
//! `return`, `break` or `continue`) has no join state: the branches that
//! run through in the state that starts it meet inline, and the code after
//! it follows in that state (see `Lowerer::joins_inline`).
//!
//! An `if`/`match` with no twait is of the spine when it is promoted (it
//! moves a variable on some paths: see `ir::Promotion`) and not in the
//! `demoted` set the caller passes, which `tamed::lower_and_analyze`
//! fills with the promotions the analysis finds useless. Its join is
//! inline by the same rule as a waiting construct's (`if c { drop(g);
//! break; }` then code that runs on): its branches that leave pack the
//! states they go to as their own statements say, and the one that runs
//! through goes on in the same state, where a borrow made before the
//! construct lives on.
//!
//! Each state's code starts by reopening the scopes that are open at its
//! point (the arm rebinds their kept variables, so Rust's own scoping
//! and drop order apply), runs the rest of the innermost block, and
//! continues outward the way the source does: after an unlabeled block its
//! parent's next statement follows inline; the end of a branch, a loop
//! body or a labeled block jumps to the state where that construct ends.
//! A jump to a state is "pack the state's variables and go there"; a
//! jump to the loop head whose arm one is in is a native `continue`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use proc_macro2::Span;

use crate::ir::{
    self, BindingId, Block, Function, JumpId, LoopHead, LoopId, Plain, ScopeId, SlotSiteId, Stmt,
    WaitId, WaitKind,
};

pub type StateId = usize;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StateKind {
    Start,
    /// After a twait: the loop resumes the function here.
    Resume(WaitId),
    LoopHead(LoopId),
    /// After an `if`/`match`/loop/labeled block of the spine.
    Join,
}

pub struct State<'ir> {
    pub kind: StateKind,
    /// Where the state's point is in the source (statement indices from
    /// the body down): states sort by it.
    pub position: Vec<usize>,
    /// The scopes open at the state's point, outermost first.
    pub path: Vec<ScopeId>,
    /// Bindings declared in those scopes before the point, in order.
    pub env: Vec<BindingId>,
    pub code: Code<'ir>,
    pub span: Span,
}

/// The code of a state, as a tree (control only goes forward inside a
/// state, except for native loop heads).
pub enum Code<'ir> {
    Seq(Vec<Code<'ir>>),
    /// A scope reopened at the start of an arm: the arm rebinds the
    /// variables of this scope that the state keeps.
    Reopen(ScopeId, Box<Code<'ir>>),
    /// A new block of the user's.
    Open(ScopeId, Box<Code<'ir>>),
    /// Ordinary code.
    Plain(&'ir Plain),
    If {
        stmt: &'ir ir::If,
        then: Box<Code<'ir>>,
        els: Box<Code<'ir>>,
    },
    Match {
        stmt: &'ir ir::Match,
        arms: Vec<Code<'ir>>,
    },
    /// A `while` head: `if cond { body } else { exit }`.
    While {
        lp: &'ir ir::Loop,
        body: Box<Code<'ir>>,
        exit: Box<Code<'ir>>,
    },
    /// A `for` head: `match next(&mut iter) { Some(pat) => body, None => exit }`.
    For {
        lp: &'ir ir::Loop,
        body: Box<Code<'ir>>,
        exit: Box<Code<'ir>>,
    },
    /// Go to a state (pack and continue, or a native `continue`).
    Goto(StateId),
    /// The body's end: the function returns (a unit function).
    Return,
    /// A `twait! {}` block: its statements in their own scope, then the
    /// wait: pending → pack `resume` and return; ready → go to `resume`.
    Join {
        wait: WaitId,
        resume: StateId,
    },
    /// `twait!(r)`: pending → pack `resume` and return; else go there.
    WaitRendezvous {
        wait: WaitId,
        resume: StateId,
    },
    /// At a resume point of `twait!(r)`: take the id into `dest`.
    Poll {
        wait: WaitId,
        dest: Option<BindingId>,
        state: StateId,
    },
    /// Move the values of a slot site's returned events into their places.
    Store(SlotSiteId),
    /// A direct `break`/`continue`.
    Jump(JumpId),
    /// The code at a loop head, in the head's own state: a jump back to
    /// the head from inside is a native `continue`.
    Head(Box<Code<'ir>>),
}

pub struct Machine<'ir> {
    pub states: Vec<State<'ir>>,
    /// States in the order their code begins in the source.
    pub order: Vec<StateId>,
    /// Per loop: (head, exit) states.
    pub loops: HashMap<LoopId, (StateId, StateId)>,
    /// Per twait: its resume state.
    pub resumes: HashMap<WaitId, StateId>,
    /// Per promotion lowered as a construct of the spine: the state where
    /// its branches meet (see `ir::Promotion`).
    pub promoted: Vec<(&'ir ir::Promotion, StateId)>,
    /// Per `if`/`match` with a twait whose join is a state only because
    /// two branches that run through it move variables (or give them
    /// values: `true`), not quiet: that state and those variables, for
    /// the message about a borrow it would keep.
    pub moving_joins: Vec<(StateId, Vec<(BindingId, bool)>)>,
    /// The joins of constructs after which only ordinary statements run
    /// (see [`quiet_tails`]) that are states all the same: one would be
    /// inline but for a promotion in a branch, which undoing makes it.
    pub quiet_joins: Vec<StateId>,
}

/// One step of a path: a block and the index of a statement in it.
#[derive(Clone, Copy)]
struct Pos<'ir> {
    block: &'ir Block,
    index: usize,
}

/// What a state's code is made from, once its turn comes.
enum Pending<'ir> {
    At(Vec<Pos<'ir>>),
    AfterWait(Vec<Pos<'ir>>, WaitId, Option<BindingId>),
    Head(Vec<Pos<'ir>>, &'ir ir::Loop),
}

struct Lowerer<'ir> {
    f: &'ir Function,
    m: Machine<'ir>,
    memo: HashMap<(usize, usize, u8), StateId>,
    queue: Vec<(StateId, Pending<'ir>)>,
    /// Per scope: its bindings in declaration order, filled while lowering.
    scope_defs: HashMap<ScopeId, Vec<BindingId>>,
    /// Promotions lowered as the ordinary statement they also are.
    demoted: HashSet<usize>,
    /// Variables declared without a value (`let x;`).
    unvalued: HashSet<BindingId>,
    /// Per `if`/`match` (by address), whether its join is inline: asked
    /// again for each construct around it (an `else if` chain's links
    /// each ask of the rest), it is worked out once.
    inline_joins: RefCell<HashMap<usize, bool>>,
    /// The `if`s and `match`es (by address) after which only ordinary
    /// statements run to the function's end (see [`quiet_tails`]).
    quiet: HashSet<usize>,
}

/// Lowers `f`; the promotions in `demoted` stay ordinary statements.
pub fn lower<'ir>(f: &'ir Function, demoted: &HashSet<usize>) -> Machine<'ir> {
    let mut l = Lowerer {
        f,
        m: Machine {
            states: Vec::new(),
            order: Vec::new(),
            loops: HashMap::new(),
            resumes: HashMap::new(),
            promoted: Vec::new(),
            moving_joins: Vec::new(),
            quiet_joins: Vec::new(),
        },
        memo: HashMap::new(),
        queue: Vec::new(),
        scope_defs: HashMap::new(),
        demoted: demoted.clone(),
        unvalued: HashSet::new(),
        inline_joins: RefCell::new(HashMap::new()),
        quiet: HashSet::new(),
    };
    each_plain(&f.body, &mut |p| {
        if matches!(&p.stmt, syn::Stmt::Local(l) if l.init.is_none()) {
            l.unvalued.extend(&p.defs);
        }
    });
    // (After `unvalued`, which tells whether a branch moves something.)
    l.find_quiet();
    l.collect_defs();
    let start_path = vec![Pos {
        block: &f.body,
        index: 0,
    }];
    l.state_at(start_path, StateKind::Start, Span::call_site());
    while let Some((id, p)) = l.queue.pop() {
        let code = match p {
            Pending::At(path) => l.resume(&path, Vec::new(), false),
            Pending::AfterWait(path, wait, dest) => {
                let mut head = Vec::new();
                if let WaitKind::Rendezvous { .. } = &f.waits[wait].kind {
                    head.push(Code::Poll {
                        wait,
                        dest,
                        state: id,
                    });
                }
                head.extend(l.stores_after(wait));
                l.resume(&path, head, false)
            }
            Pending::Head(path, lp) => {
                let head = l.loop_head(lp, &path);
                l.resume(&path, vec![Code::Head(Box::new(head))], true)
            }
        };
        l.m.states[id].code = code;
    }
    l.m.order = source_order(&l.m);
    l.m
}

impl<'ir> Lowerer<'ir> {
    /// Fills `quiet`. A construct in a branch of a quiet one is quiet too
    /// only if that one's join is inline: else its branch ends by packing
    /// the join state, which must know what was moved. Whether a join is
    /// inline depends in turn on the constructs in its branches, so all
    /// are taken quiet first and those under a join that is not inline
    /// dropped, until none is (taking fewer quiet makes no join inline that
    /// was not).
    fn find_quiet(&mut self) {
        let mut nested = Vec::new();
        quiet_tails(&self.f.body, true, None, &mut self.quiet, &mut nested);
        loop {
            self.inline_joins.borrow_mut().clear();
            let gone: Vec<usize> = (nested.iter())
                .filter(|&&(_, parent)| {
                    !self.quiet.contains(&construct_key(parent)) || !self.joins_inline_stmt(parent)
                })
                .map(|&(key, _)| key)
                .collect();
            nested.retain(|(key, _)| !gone.contains(key));
            let before = self.quiet.len();
            for key in gone {
                self.quiet.remove(&key);
            }
            if self.quiet.len() == before {
                break;
            }
        }
        self.inline_joins.borrow_mut().clear();
    }

    /// [`joins_inline_if`](Self::joins_inline_if) or
    /// [`joins_inline_match`](Self::joins_inline_match) of a construct.
    fn joins_inline_stmt(&self, s: &Stmt) -> bool {
        // (A promotion's join is a state unless it is demoted, which
        // makes its branches ordinary code.)
        match s {
            Stmt::If(i) if !self.is_demoted(&i.promoted) => self.joins_inline_if(i),
            Stmt::Match(m) if !self.is_demoted(&m.promoted) => self.joins_inline_match(m),
            _ => false,
        }
    }

    /// Whether a construct with this promotion is ordinary code: promoted
    /// and then found useless (`demoted`).
    fn is_demoted(&self, promoted: &Option<ir::Promotion>) -> bool {
        promoted
            .as_ref()
            .is_some_and(|p| self.demoted.contains(&p.id))
    }

    /// Declarations per scope, in source order (the order states rebind
    /// them in).
    fn collect_defs(&mut self) {
        let f = self.f;
        for p in &f.params {
            let b = p.binding;
            self.scope_defs
                .entry(f.bindings[b].scope)
                .or_default()
                .push(b);
        }
        let mut defs = Vec::new();
        block_defs(&f.body, &mut defs);
        for b in defs {
            self.scope_defs
                .entry(f.bindings[b].scope)
                .or_default()
                .push(b);
        }
    }

    fn new_state(&mut self, kind: StateKind, path: Vec<ScopeId>, span: Span) -> StateId {
        self.m.states.push(State {
            kind,
            position: Vec::new(),
            path,
            env: Vec::new(),
            code: Code::Seq(Vec::new()),
            span,
        });
        self.m.states.len() - 1
    }

    /// The scopes of a path and the bindings declared in them before it.
    fn env_of(&self, path: &[Pos<'ir>]) -> (Vec<ScopeId>, Vec<BindingId>) {
        let mut scopes = Vec::new();
        let mut env = Vec::new();
        // The parameters' scope is the body's parent.
        if let Some(params) = self.f.scopes[self.f.body.scope] {
            scopes.push(params);
            env.extend(self.scope_defs.get(&params).into_iter().flatten().copied());
        }
        for (level, pos) in path.iter().enumerate() {
            scopes.push(pos.block.scope);
            let mut before = Vec::new();
            for s in &pos.block.stmts[..pos.index] {
                stmt_defs_here(s, &mut before);
            }
            // Inside a construct at `pos.index`: its own bindings that
            // are in scope in the deeper block (if-let, arm and `for`
            // patterns, `while let`).
            if let Some(next) = path.get(level + 1) {
                construct_defs_for(&pos.block.stmts[pos.index], next.block, &mut before);
            }
            // A variable declared by one `let` per configuration is
            // declared by each of them: it is in scope once.
            for b in before {
                if !env.contains(&b) {
                    env.push(b);
                }
            }
        }
        (scopes, env)
    }

    /// The state at a point (made once).
    fn state_at(&mut self, path: Vec<Pos<'ir>>, kind: StateKind, span: Span) -> StateId {
        let last = path.last().copied();
        let key = last.map_or((0, 0, 0), |p| {
            let tag = match kind {
                StateKind::Start => 0,
                StateKind::Resume(_) => 1,
                StateKind::LoopHead(_) => 2,
                StateKind::Join => 3,
            };
            (p.block as *const Block as usize, p.index, tag)
        });
        if let Some(&id) = self.memo.get(&key) {
            return id;
        }
        let (scopes, mut env) = self.env_of(&path);
        if let StateKind::Resume(w) = kind {
            // `twait!(r)`'s result is declared by the resume code itself.
            if let Some(d) = self.wait_dest(&path, w) {
                env.retain(|&b| b != d);
            }
        }
        let id = self.new_state(kind, scopes, span);
        self.m.states[id].env = env;
        self.m.states[id].position = path.iter().map(|p| p.index).collect();
        self.memo.insert(key, id);
        let pending = match kind {
            StateKind::Resume(w) => {
                let dest = self.wait_dest(&path, w);
                Pending::AfterWait(path, w, dest)
            }
            StateKind::LoopHead(lp) => {
                let pos = path.last().copied();
                let lp_ref = pos.and_then(|p| match &p.block.stmts[p.index] {
                    Stmt::Loop(l) if l.id == lp => Some(l),
                    _ => None,
                });
                match lp_ref {
                    Some(l) => Pending::Head(path, l),
                    None => Pending::At(path),
                }
            }
            _ => Pending::At(path),
        };
        self.queue.push((id, pending));
        id
    }

    fn wait_dest(&self, path: &[Pos<'ir>], w: WaitId) -> Option<BindingId> {
        let pos = path.last()?;
        let prev = pos.index.checked_sub(1)?;
        match &pos.block.stmts[prev] {
            Stmt::Wait(wt) if wt.id == w => wt.dest,
            _ => None,
        }
    }

    /// The code of a state at `path`: reopen its scopes, `head` first,
    /// then the rest of the innermost block, continuing outward.
    /// `at_construct`: the innermost position is a loop whose head `head`
    /// is (the rest of that block is not this state's).
    fn resume(
        &mut self,
        path: &[Pos<'ir>],
        mut head: Vec<Code<'ir>>,
        at_construct: bool,
    ) -> Code<'ir> {
        let mut inner: Option<(Code<'ir>, bool)> = None;
        for level in (0..path.len()).rev() {
            let pos = path[level];
            let mut items = Vec::new();
            let mut falls;
            match inner.take() {
                Some((code, deeper_falls)) => {
                    items.push(code);
                    falls = false;
                    if deeper_falls {
                        // The deeper block ended: what its construct does.
                        let deeper = &path[..=level + 1];
                        match &pos.block.stmts[pos.index] {
                            Stmt::Block(_, None) => {
                                let mut rest_path = path[..level].to_vec();
                                rest_path.push(Pos {
                                    block: pos.block,
                                    index: pos.index + 1,
                                });
                                let (c, f) = self.seq(&rest_path);
                                items.push(c);
                                falls = f;
                            }
                            other => {
                                let goto = self.end_of(other, deeper);
                                items.push(goto);
                            }
                        }
                    }
                }
                None => {
                    items.append(&mut head);
                    if at_construct {
                        falls = false;
                    } else {
                        let (c, f) = self.seq(&path[..=level]);
                        items.push(c);
                        falls = f;
                    }
                }
            }
            inner = Some((
                Code::Reopen(pos.block.scope, Box::new(Code::Seq(items))),
                falls,
            ));
        }
        match inner {
            Some((code, true)) => Code::Seq(vec![code, Code::Return]),
            Some((code, false)) => code,
            None => Code::Return,
        }
    }

    /// Where a construct's block goes when it ends (not an unlabeled
    /// block: that continues inline).
    fn end_of(&mut self, construct: &'ir Stmt, path_to_block: &[Pos<'ir>]) -> Code<'ir> {
        let outer = &path_to_block[..path_to_block.len() - 1];
        match construct {
            Stmt::Loop(lp) => Code::Goto(self.head_of(lp, outer)),
            _ => Code::Goto(self.after(outer)),
        }
    }

    /// The join state after the construct at the end of `path`.
    fn after(&mut self, path: &[Pos<'ir>]) -> StateId {
        // Nothing follows the construct in its block: go where the block's
        // end goes (no state of its own for an empty join).
        if let [.., parent, last] = path {
            if last.index + 1 == last.block.stmts.len() {
                let outer = &path[..path.len() - 1];
                return match &parent.block.stmts[parent.index] {
                    Stmt::Loop(lp) => self.head_of(lp, outer),
                    _ => self.after(outer),
                };
            }
        }
        let mut p = path.to_vec();
        // The construct's head: where rustc reports a value the join
        // cannot take (moved in one branch and kept whole in the state).
        let span = path.last().map_or(Span::call_site(), |pos| {
            self.head_span(&pos.block.stmts[pos.index])
        });
        if let Some(last) = p.last_mut() {
            last.index += 1;
        }
        self.state_at(p, StateKind::Join, span)
    }

    /// Where a construct of the spine begins, for messages.
    fn head_span(&self, s: &Stmt) -> Span {
        use syn::spanned::Spanned;
        match s {
            Stmt::If(i) => i.cond.span(),
            Stmt::Match(m) => m.scrutinee.span(),
            Stmt::Loop(lp) => self.f.loops[lp.id].span,
            Stmt::Block(_, Some(id)) => self.f.loops[*id].span,
            _ => Span::call_site(),
        }
    }

    fn head_of(&mut self, lp: &'ir ir::Loop, path: &[Pos<'ir>]) -> StateId {
        let span = self.f.loops[lp.id].span;
        let id = self.state_at(path.to_vec(), StateKind::LoopHead(lp.id), span);
        let exit = self.after(path);
        self.m.loops.insert(lp.id, (id, exit));
        id
    }

    /// The statements of the innermost block of `path` from its index on.
    /// Returns the code and whether control falls off the block's end.
    fn seq(&mut self, path: &[Pos<'ir>]) -> (Code<'ir>, bool) {
        let pos = *path.last().expect("a path has a block");
        let mut items = Vec::new();
        for (i, s) in pos.block.stmts.iter().enumerate().skip(pos.index) {
            let here = || {
                let mut p = path.to_vec();
                if let Some(last) = p.last_mut() {
                    last.index = i;
                }
                p
            };
            match s {
                Stmt::Plain(p) => {
                    items.push(Code::Plain(p));
                    if p.diverges {
                        return (Code::Seq(items), false);
                    }
                }
                Stmt::Jump(j) => {
                    items.push(Code::Jump(*j));
                    return (Code::Seq(items), false);
                }
                Stmt::Wait(w) => {
                    let mut p = here();
                    if let Some(last) = p.last_mut() {
                        last.index = i + 1;
                    }
                    let span = self.f.waits[w.id].span;
                    let resume = self.state_at(p, StateKind::Resume(w.id), span);
                    self.m.resumes.insert(w.id, resume);
                    items.push(match &self.f.waits[w.id].kind {
                        WaitKind::Join { .. } => Code::Join { wait: w.id, resume },
                        WaitKind::Rendezvous { .. } => Code::WaitRendezvous { wait: w.id, resume },
                    });
                    return (Code::Seq(items), false);
                }
                Stmt::If(ir::If {
                    promoted: Some(p), ..
                })
                | Stmt::Match(ir::Match {
                    promoted: Some(p), ..
                }) if self.demoted.contains(&p.id) => {
                    items.push(Code::Plain(&p.plain));
                    if p.plain.diverges {
                        return (Code::Seq(items), false);
                    }
                }
                Stmt::If(ifs) if self.joins_inline_if(ifs) => {
                    // The branches that get to the join run in this state:
                    // the code after the `if` follows them here.
                    let at = here();
                    let then = self.branch_inline(&at, &ifs.then);
                    let els = match &ifs.els {
                        Some(b) => self.branch_inline(&at, b),
                        None => Code::Seq(Vec::new()),
                    };
                    items.push(Code::If {
                        stmt: ifs,
                        then: Box::new(then),
                        els: Box::new(els),
                    });
                }
                Stmt::Match(m) if self.joins_inline_match(m) => {
                    let at = here();
                    let arms = (m.arms.iter())
                        .map(|a| self.branch_inline(&at, &a.body))
                        .collect();
                    items.push(Code::Match { stmt: m, arms });
                }
                Stmt::If(ifs) => {
                    let at = here();
                    if let Some(p) = &ifs.promoted {
                        let join = self.after(&at);
                        self.m.promoted.push((p, join));
                    } else {
                        let then = (Some(&ifs.then), ifs.bound_from);
                        self.note_moving_join(&at, [then, (ifs.els.as_ref(), None)].into_iter());
                        if self.quiet.contains(&(ifs as *const ir::If as usize)) {
                            let join = self.after(&at);
                            self.m.quiet_joins.push(join);
                        }
                    }
                    let then = self.branch(&at, &ifs.then);
                    let els = match &ifs.els {
                        Some(b) => self.branch(&at, b),
                        None => Code::Goto(self.after(&at)),
                    };
                    items.push(Code::If {
                        stmt: ifs,
                        then: Box::new(then),
                        els: Box::new(els),
                    });
                    return (Code::Seq(items), false);
                }
                Stmt::Match(m) => {
                    let at = here();
                    if let Some(p) = &m.promoted {
                        let join = self.after(&at);
                        self.m.promoted.push((p, join));
                    } else {
                        let arms = m.arms.iter().map(|a| (Some(&a.body), a.bound_from));
                        self.note_moving_join(&at, arms);
                        if self.quiet.contains(&(m as *const ir::Match as usize)) {
                            let join = self.after(&at);
                            self.m.quiet_joins.push(join);
                        }
                    }
                    let arms = m.arms.iter().map(|a| self.branch(&at, &a.body)).collect();
                    items.push(Code::Match { stmt: m, arms });
                    return (Code::Seq(items), false);
                }
                Stmt::Loop(lp) => {
                    let at = here();
                    let head = self.head_of(lp, &at);
                    items.push(Code::Goto(head));
                    return (Code::Seq(items), false);
                }
                Stmt::Block(b, label) => {
                    if let Some(id) = label {
                        let after = self.after(&here());
                        self.m.loops.insert(*id, (after, after));
                    }
                    let mut p = here();
                    p.push(Pos { block: b, index: 0 });
                    let (code, falls) = self.seq(&p);
                    items.push(Code::Open(b.scope, Box::new(code)));
                    if label.is_some() {
                        // Breaks leave for the state after the block.
                        let after = self.after(&here());
                        if falls {
                            items.push(Code::Goto(after));
                        }
                        return (Code::Seq(items), false);
                    }
                    if !falls {
                        return (Code::Seq(items), false);
                    }
                }
            }
        }
        (Code::Seq(items), true)
    }

    /// A branch of an `if`/`match` at `at`: its block, then the join.
    fn branch(&mut self, at: &[Pos<'ir>], b: &'ir Block) -> Code<'ir> {
        let mut p = at.to_vec();
        p.push(Pos { block: b, index: 0 });
        let (code, falls) = self.seq(&p);
        let mut items = vec![Code::Open(b.scope, Box::new(code))];
        if falls {
            items.push(Code::Goto(self.after(at)));
        }
        Code::Seq(items)
    }

    /// A branch of an `if`/`match` whose join is inline (see
    /// [`Lowerer::joins_inline`]): its block, and nothing after it.
    fn branch_inline(&mut self, at: &[Pos<'ir>], b: &'ir Block) -> Code<'ir> {
        let mut p = at.to_vec();
        p.push(Pos { block: b, index: 0 });
        let (code, _) = self.seq(&p);
        Code::Open(b.scope, Box::new(code))
    }

    fn joins_inline_if(&self, ifs: &ir::If) -> bool {
        self.remembered(ifs as *const ir::If as usize, || {
            let then = (Some(&ifs.then), ifs.bound_from);
            let quiet = self.quiet.contains(&(ifs as *const ir::If as usize));
            self.joins_inline([then, (ifs.els.as_ref(), None)].into_iter(), quiet)
        })
    }

    fn joins_inline_match(&self, m: &ir::Match) -> bool {
        self.remembered(m as *const ir::Match as usize, || {
            let arms = m.arms.iter();
            let quiet = self.quiet.contains(&(m as *const ir::Match as usize));
            self.joins_inline(arms.map(|a| (Some(&a.body), a.bound_from)), quiet)
        })
    }

    /// `work()` for the construct at `key`, worked out once.
    fn remembered(&self, key: usize, work: impl FnOnce() -> bool) -> bool {
        if let Some(&known) = self.inline_joins.borrow().get(&key) {
            return known;
        }
        let known = work();
        self.inline_joins.borrow_mut().insert(key, known);
        known
    }

    /// Whether the construct with these branches (`None`: an `if`'s
    /// missing `else`; with the variable the branch's pattern binds out of
    /// by value, which it moves) needs no join state: some branches run
    /// through in the state that starts the construct, and no other gets
    /// to its end, from any state (they wait and then leave: `return`,
    /// `break`, `continue`). The code after the construct then follows the
    /// `if` or `match` in the same state, so a borrow made before the
    /// construct lives on after it, as in a plain function. Two branches or
    /// more that run through must leave the variables alike: what one
    /// moved and another did not would be known only to Rust's drop flags
    /// after them, where a join state packs it branch by branch. So each
    /// moves nothing, or each surely moves (or gives a value to) the same
    /// variables (`Ok(_) => finish(conn), Err(_) => abort(conn)`); or the
    /// construct is `quiet`, no state following it, so that nothing is
    /// packed after it and Rust's drop flags are all there is to know, as
    /// in a plain function.
    fn joins_inline<'b>(
        &self,
        branches: impl Iterator<Item = (Option<&'b Block>, Option<BindingId>)>,
        quiet: bool,
    ) -> bool {
        let mut through = 0;
        let mut alike = true;
        let mut first: Option<Vec<(BindingId, bool)>> = None;
        for (b, bound_from) in branches {
            let moved = match b {
                None => Vec::new(),
                Some(b) if self.runs_through(b) => {
                    let mut moved = Vec::new();
                    self.moves_in(b, &mut moved);
                    moved.retain(|&(v, _)| !self.declared_within(v, b.scope));
                    let mut sure = Vec::new();
                    self.surely_moves_in(b, &mut sure);
                    let bound_from = self.moved_by_pattern(bound_from);
                    moved.extend(bound_from.map(|v| (v, false)));
                    sure.extend(bound_from.map(|v| (v, false)));
                    // Moved and given a value again (`drop(s); s = new()`,
                    // `x = a(); eat(x);` of a `let x;`), on some path or
                    // all: what it holds at the end is not what its moves
                    // say.
                    // Unless every move and assignment of it is one of the
                    // branch's own statements, the last an assignment: it
                    // then ends holding a value, as it came in (or, given
                    // its first value, as `(v, true)` says).
                    let mut written = Vec::new();
                    writes_in(b, &mut written);
                    let conflicting: Vec<BindingId> = (moved.iter())
                        .filter(|&&(v, given)| {
                            !given && (written.contains(&v) || moved.contains(&(v, true)))
                        })
                        .map(|&(v, _)| v)
                        .collect();
                    for v in conflicting {
                        if self.ends_given(b, v) {
                            moved.retain(|&m| m != (v, false));
                            sure.retain(|&m| m != (v, false));
                        } else {
                            alike = false;
                        }
                    }
                    alike &= moved.iter().all(|m| sure.contains(m));
                    moved
                }
                Some(b) if self.may_reach_end(b) => return false,
                Some(_) => continue,
            };
            through += 1;
            let mut moved = moved;
            moved.sort_unstable();
            moved.dedup();
            match &first {
                None => first = Some(moved),
                Some(f) => alike &= *f == moved,
            }
        }
        through == 1 || (through > 1 && (alike || quiet))
    }

    /// The variables `b` moves (`false`) or gives their first value
    /// (`true`) on every path through it, into `out`: in its own
    /// statements (and its unlabeled blocks'), not in its constructs'
    /// branches.
    fn surely_moves_in(&self, b: &Block, out: &mut Vec<(BindingId, bool)>) {
        for s in &b.stmts {
            match s {
                Stmt::Plain(p) => {
                    let sure = p.fx.0.iter().filter(|(_, e)| {
                        matches!(
                            e,
                            ir::Effect::Consume | ir::Effect::ConsumeAssigned | ir::Effect::Write
                        )
                    });
                    self.fx_moved(&ir::Effects(sure.copied().collect()), out);
                }
                Stmt::Block(inner, None) => self.surely_moves_in(inner, out),
                _ => {}
            }
        }
    }

    /// Whether every move and assignment of `v` in `b` is one of its own
    /// statements (or its unlabeled blocks'), made on every path through
    /// it, and the last of them an assignment (`drop(s); s = new();`):
    /// `v` then holds a value at its end.
    fn ends_given(&self, b: &Block, v: BindingId) -> bool {
        let mut last = None;
        self.sure_effects_of(b, v, &mut last) && last == Some(true)
    }

    /// [`ends_given`](Self::ends_given)'s walk: `last` is whether the last
    /// sure effect on `v` so far gave it a value; false if `v` is moved or
    /// assigned on some paths only.
    fn sure_effects_of(&self, b: &Block, v: BindingId, last: &mut Option<bool>) -> bool {
        for s in &b.stmts {
            match s {
                Stmt::Plain(p) => {
                    for &(x, e) in &p.fx.0 {
                        if x != v {
                            continue;
                        }
                        match e {
                            ir::Effect::Write => *last = Some(true),
                            ir::Effect::Consume | ir::Effect::ConsumeAssigned => {
                                *last = Some(false);
                            }
                            ir::Effect::Read => {}
                            _ => return false,
                        }
                    }
                }
                Stmt::Block(inner, None) => {
                    if !self.sure_effects_of(inner, v, last) {
                        return false;
                    }
                }
                Stmt::Jump(_) => {}
                // (Not met in a branch that runs through: a loop, a twait
                // and a labeled block of the spine are states' code.)
                Stmt::Loop(_) | Stmt::Wait(_) | Stmt::Block(_, Some(_)) => return false,
                other => {
                    let (mut moved, mut written) = (Vec::new(), Vec::new());
                    self.moves_in_stmt(other, &mut moved);
                    writes_in_stmt(other, &mut written);
                    if moved.iter().any(|&(x, _)| x == v) || written.contains(&v) {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// The variable a branch's pattern binds out of by value, if that
    /// moves it: not one surely `Copy` (`x if x == 1` on a `k: u32`).
    fn moved_by_pattern(&self, bound_from: Option<BindingId>) -> Option<BindingId> {
        bound_from.filter(|&v| !surely_copy(&self.f.bindings[v]))
    }

    /// Whether variable `v` is declared in `scope` or a scope inside it.
    fn declared_within(&self, v: BindingId, scope: ScopeId) -> bool {
        let mut at = Some(self.f.bindings[v].scope);
        while let Some(s) = at {
            if s == scope {
                return true;
            }
            at = self.f.scopes[s];
        }
        false
    }

    /// Lists in `moving_joins` the join of the construct at the end of
    /// `at`, with these branches (as [`joins_inline`](Self::joins_inline)
    /// takes them, with the variable a pattern binds out of), when what
    /// its branches that run through move is all that makes it a state.
    fn note_moving_join<'b>(
        &mut self,
        at: &[Pos<'ir>],
        branches: impl Iterator<Item = (Option<&'b Block>, Option<BindingId>)>,
    ) {
        let mut through = 0;
        let mut moved = Vec::new();
        for (b, bound_from) in branches {
            match b {
                None => through += 1,
                Some(b) if self.runs_through(b) => {
                    through += 1;
                    moved.extend(self.moved_by_pattern(bound_from).map(|v| (v, false)));
                    let mut in_b = Vec::new();
                    self.moves_in(b, &mut in_b);
                    in_b.retain(|&(v, _)| !self.declared_within(v, b.scope));
                    moved.extend(in_b);
                }
                Some(b) if self.may_reach_end(b) => return,
                Some(_) => {}
            }
        }
        if through > 1 && !moved.is_empty() {
            moved.dedup();
            let join = self.after(at);
            self.m.moving_joins.push((join, moved));
        }
    }

    /// The variables `b` moves (`false`) or gives their first value
    /// (`true`), into `out`: in its statements, and in the branches that
    /// run through of the constructs in it whose joins are inline.
    fn moves_in(&self, b: &Block, out: &mut Vec<(BindingId, bool)>) {
        for s in &b.stmts {
            self.moves_in_stmt(s, out);
        }
    }

    /// [`moves_in`](Self::moves_in) of one statement.
    fn moves_in_stmt(&self, s: &Stmt, out: &mut Vec<(BindingId, bool)>) {
        match s {
            Stmt::Plain(p) => self.fx_moved(&p.fx, out),
            Stmt::If(ir::If {
                promoted: Some(p), ..
            })
            | Stmt::Match(ir::Match {
                promoted: Some(p), ..
            }) if self.demoted.contains(&p.id) => self.fx_moved(&p.plain.fx, out),
            Stmt::If(i) => {
                out.extend(self.moved_by_pattern(i.bound_from).map(|v| (v, false)));
                self.fx_moved(&i.fx, out);
                for branch in [Some(&i.then), i.els.as_ref()].into_iter().flatten() {
                    if self.runs_through(branch) {
                        self.moves_in(branch, out);
                    }
                }
            }
            Stmt::Match(m) => {
                self.fx_moved(&m.fx, out);
                for a in &m.arms {
                    out.extend(self.moved_by_pattern(a.bound_from).map(|v| (v, false)));
                    if let Some((_, fx)) = &a.guard {
                        self.fx_moved(fx, out);
                    }
                    if self.runs_through(&a.body) {
                        self.moves_in(&a.body, out);
                    }
                }
            }
            Stmt::Block(inner, None) => self.moves_in(inner, out),
            _ => {}
        }
    }

    /// The variables these effects move (`false`) or give their first
    /// value (`true`), into `out`.
    fn fx_moved(&self, fx: &ir::Effects, out: &mut Vec<(BindingId, bool)>) {
        for &(b, e) in &fx.0 {
            let given = match e {
                // (A use by value of a `Copy` variable, `k % 2` of a
                // `k: u32`, copies it: one of a written type only if the
                // type is std's, not one of one's own named like it.)
                ir::Effect::Consume | ir::Effect::MaybeConsume
                    if surely_copy(&self.f.bindings[b]) =>
                {
                    continue
                }
                ir::Effect::Consume
                | ir::Effect::MaybeConsume
                | ir::Effect::ConsumeAssigned
                | ir::Effect::MaybeConsumeAssigned => false,
                ir::Effect::Write | ir::Effect::MaybeWrite if self.unvalued.contains(&b) => true,
                _ => continue,
            };
            if !out.contains(&(b, given)) {
                out.push((b, given));
            }
        }
    }

    /// Whether `b`, entered in some state, gets to its end without leaving
    /// that state: no twait, no construct of the spine but one whose join
    /// is inline itself (`else if` after a branch that waits and leaves),
    /// nothing diverging.
    fn runs_through(&self, b: &Block) -> bool {
        b.stmts.iter().all(|s| match s {
            Stmt::Plain(p) => !p.diverges,
            Stmt::If(ir::If {
                promoted: Some(p), ..
            })
            | Stmt::Match(ir::Match {
                promoted: Some(p), ..
            }) if self.demoted.contains(&p.id) => !p.plain.diverges,
            Stmt::If(i) => self.joins_inline_if(i),
            Stmt::Match(m) => self.joins_inline_match(m),
            Stmt::Block(inner, None) => self.runs_through(inner),
            _ => false,
        })
    }

    /// Whether some path gets to the end of `b`, from whatever state runs
    /// it. As the lowering judges it: a loop or a labeled block always has
    /// a state after it (its exit), which may go on to the end.
    fn may_reach_end(&self, b: &Block) -> bool {
        !b.stmts.iter().any(|s| match s {
            Stmt::Plain(p) => p.diverges,
            Stmt::Jump(_) => true,
            Stmt::If(ir::If {
                promoted: Some(p), ..
            })
            | Stmt::Match(ir::Match {
                promoted: Some(p), ..
            }) if self.demoted.contains(&p.id) => p.plain.diverges,
            Stmt::If(i) => i
                .els
                .as_ref()
                .is_some_and(|e| !self.may_reach_end(&i.then) && !self.may_reach_end(e)),
            Stmt::Match(m) => m.arms.iter().all(|a| !self.may_reach_end(&a.body)),
            Stmt::Block(inner, None) => !self.may_reach_end(inner),
            Stmt::Wait(_) | Stmt::Loop(_) | Stmt::Block(_, Some(_)) => false,
        })
    }

    /// The code at a loop's head (the head state's own code).
    fn loop_head(&mut self, lp: &'ir ir::Loop, path: &[Pos<'ir>]) -> Code<'ir> {
        let head = self.head_of(lp, path);
        let exit = self.after(path);
        let mut p = path.to_vec();
        p.push(Pos {
            block: &lp.body,
            index: 0,
        });
        let (code, falls) = self.seq(&p);
        let mut body = vec![Code::Open(lp.body.scope, Box::new(code))];
        if falls {
            body.push(Code::Goto(head));
        }
        let body = Box::new(Code::Seq(body));
        match &lp.head {
            LoopHead::Loop => *body,
            LoopHead::While { .. } => Code::While {
                lp,
                body,
                exit: Box::new(Code::Goto(exit)),
            },
            LoopHead::For { .. } => Code::For {
                lp,
                body,
                exit: Box::new(Code::Goto(exit)),
            },
        }
    }

    /// The stores after a wait: its join sites, or the sites of its
    /// rendezvous.
    fn stores_after(&self, wait: WaitId) -> Vec<Code<'ir>> {
        let f = self.f;
        let mut out = Vec::new();
        match &f.waits[wait].kind {
            WaitKind::Join { lists, .. } => {
                for &s in lists {
                    out.push(Code::Store(s));
                }
            }
            WaitKind::Rendezvous { key, .. } => {
                for (i, site) in f.slot_sites.iter().enumerate() {
                    if site.owner == ir::SlotOwner::Rendezvous(key.clone())
                        && f.wait_stores(wait, i)
                    {
                        out.push(Code::Store(i));
                    }
                }
            }
        }
        out
    }
}

/// The order of the match arms: the order in which states' points appear
/// in the source (Start first).
fn source_order(m: &Machine) -> Vec<StateId> {
    let mut order: Vec<StateId> = (0..m.states.len()).collect();
    order.sort_by(|&a, &b| {
        (a != 0)
            .cmp(&(b != 0))
            .then_with(|| m.states[a].position.cmp(&m.states[b].position))
    });
    order
}

/// Every binding declared in a block and its nested constructs, in
/// source order.
/// Calls `f` on each ordinary statement of the spine (a `twait! {}`
/// block's own statements aside).
/// Marks in `out` (by address) the `if`s and `match`es of `b` after
/// which only ordinary statements run to the function's end (`end_quiet`:
/// whether that holds of `b`'s own end): no twait, no construct of the
/// spine, no loop or labeled block (whose exits are states). Their joins
/// can be inline whatever their branches move. Those inside a branch of
/// another (`parent`) are listed in `nested` with it: they are quiet only
/// if its join is inline (see [`Lowerer::find_quiet`]).
fn quiet_tails<'ir>(
    b: &'ir Block,
    end_quiet: bool,
    parent: Option<&'ir Stmt>,
    out: &mut HashSet<usize>,
    nested: &mut Vec<(usize, &'ir Stmt)>,
) {
    let mut quiet = end_quiet;
    for s in b.stmts.iter().rev() {
        let branches: Vec<&Block> = match s {
            Stmt::If(i) if quiet => [Some(&i.then), i.els.as_ref()]
                .into_iter()
                .flatten()
                .collect(),
            Stmt::Match(m) if quiet => m.arms.iter().map(|a| &a.body).collect(),
            Stmt::Block(inner, None) => {
                quiet_tails(inner, quiet, parent, out, nested);
                Vec::new()
            }
            _ => Vec::new(),
        };
        if matches!(s, Stmt::If(_) | Stmt::Match(_)) && quiet {
            out.insert(construct_key(s));
            if let Some(p) = parent {
                nested.push((construct_key(s), p));
            }
            for branch in branches {
                quiet_tails(branch, true, Some(s), out, nested);
            }
        }
        quiet &= matches!(s, Stmt::Plain(_));
    }
}

/// Whether a binding judged `Copy` surely is: by its initializer (a
/// number, a comparison), or by a written type that is a primitive or a
/// shared reference (a type of one's own may be named `Instant`).
fn surely_copy(b: &ir::Binding) -> bool {
    b.copy
        && match &b.ty {
            None => true,
            Some(syn::Type::Reference(r)) => r.mutability.is_none(),
            Some(ty) => crate::parse::syntax::primitive_scalar_type(ty),
        }
}

/// The variables `b` assigns anywhere in it (in its constructs' branches,
/// its loops, its blocks; a use by value after an assignment counts),
/// into `out`.
fn writes_in(b: &Block, out: &mut Vec<BindingId>) {
    for s in &b.stmts {
        writes_in_stmt(s, out);
    }
}

/// [`writes_in`] of one statement.
fn writes_in_stmt(s: &Stmt, out: &mut Vec<BindingId>) {
    fn fx(fx: &ir::Effects, out: &mut Vec<BindingId>) {
        for &(v, e) in &fx.0 {
            let writes = matches!(
                e,
                ir::Effect::Write
                    | ir::Effect::MaybeWrite
                    | ir::Effect::ConsumeAssigned
                    | ir::Effect::MaybeConsumeAssigned
            );
            if writes && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    match s {
        Stmt::Plain(p) => fx(&p.fx, out),
        Stmt::If(i) => {
            if let Some(p) = &i.promoted {
                fx(&p.plain.fx, out);
            }
            fx(&i.fx, out);
            writes_in(&i.then, out);
            if let Some(e) = &i.els {
                writes_in(e, out);
            }
        }
        Stmt::Match(m) => {
            if let Some(p) = &m.promoted {
                fx(&p.plain.fx, out);
            }
            fx(&m.fx, out);
            for a in &m.arms {
                if let Some((_, g)) = &a.guard {
                    fx(g, out);
                }
                writes_in(&a.body, out);
            }
        }
        Stmt::Loop(l) => {
            match &l.head {
                LoopHead::While { fx: f, .. } => fx(f, out),
                LoopHead::For { .. } | LoopHead::Loop => {}
            }
            writes_in(&l.body, out);
        }
        Stmt::Block(inner, _) => writes_in(inner, out),
        Stmt::Jump(_) | Stmt::Wait(_) => {}
    }
}

/// The key of an `if` or `match` in [`Lowerer::quiet`] (its address).
fn construct_key(s: &Stmt) -> usize {
    match s {
        Stmt::If(i) => i as *const ir::If as usize,
        Stmt::Match(m) => m as *const ir::Match as usize,
        other => other as *const Stmt as usize,
    }
}

fn each_plain<'ir>(b: &'ir Block, f: &mut impl FnMut(&'ir Plain)) {
    for s in &b.stmts {
        match s {
            Stmt::Plain(p) => f(p),
            Stmt::Jump(_) | Stmt::Wait(_) => {}
            Stmt::If(i) => {
                if let Some(p) = &i.promoted {
                    f(&p.plain);
                }
                each_plain(&i.then, f);
                if let Some(e) = &i.els {
                    each_plain(e, f);
                }
            }
            Stmt::Match(m) => {
                if let Some(p) = &m.promoted {
                    f(&p.plain);
                }
                for a in &m.arms {
                    each_plain(&a.body, f);
                }
            }
            Stmt::Loop(l) => each_plain(&l.body, f),
            Stmt::Block(b, _) => each_plain(b, f),
        }
    }
}

fn block_defs(b: &Block, out: &mut Vec<BindingId>) {
    for s in &b.stmts {
        match s {
            Stmt::Plain(p) => out.extend(&p.defs),
            Stmt::Jump(_) => {}
            Stmt::Wait(w) => out.extend(w.dest),
            Stmt::If(i) => {
                out.extend(&i.defs);
                block_defs(&i.then, out);
                if let Some(e) = &i.els {
                    block_defs(e, out);
                }
            }
            Stmt::Match(m) => {
                for a in &m.arms {
                    out.extend(&a.defs);
                    block_defs(&a.body, out);
                }
            }
            Stmt::Loop(l) => {
                match &l.head {
                    LoopHead::Loop => {}
                    LoopHead::While { defs, .. } | LoopHead::For { defs, .. } => out.extend(defs),
                }
                block_defs(&l.body, out);
            }
            Stmt::Block(b, _) => block_defs(b, out),
        }
    }
}

/// The bindings a statement declares in its own block.
fn stmt_defs_here(s: &Stmt, out: &mut Vec<BindingId>) {
    match s {
        Stmt::Plain(p) => out.extend(&p.defs),
        Stmt::Wait(w) => out.extend(w.dest),
        _ => {}
    }
}

/// The bindings a construct declares in the scope of `inner`, one of its
/// blocks (its pattern bindings).
fn construct_defs_for(s: &Stmt, inner: &Block, out: &mut Vec<BindingId>) {
    match s {
        Stmt::If(i) if std::ptr::eq(&i.then, inner) => out.extend(&i.defs),
        Stmt::Match(m) => {
            for a in &m.arms {
                if std::ptr::eq(&a.body, inner) {
                    out.extend(&a.defs);
                }
            }
        }
        Stmt::Loop(l) if std::ptr::eq(&l.body, inner) => match &l.head {
            LoopHead::Loop => {}
            LoopHead::While { defs, .. } | LoopHead::For { defs, .. } => out.extend(defs),
        },
        _ => {}
    }
}
