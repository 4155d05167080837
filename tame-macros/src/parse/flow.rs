//! Where a variable's value comes from at each point of one piece of
//! ordinary code, path by path through its loops and branches, as Rust's
//! own analysis finds it.
//!
//! A loop without a twait that moves a variable and gives it a new value
//! before it goes round again or leaves (`for x in xs { if full(&batch) {
//! send(batch); batch = Vec::new(); } batch.push(x); }`) leaves the
//! variable with a value on every path. Its effects alone say "moved on
//! some paths, assigned on some": the state after a later twait would
//! not carry the value, which would then be dropped at that twait rather
//! than at its scope's end. [`Flow`] follows each variable through the
//! loop's body (branches, `break`, `continue`) to the loop's exits, so
//! that such a loop counts as a use of the value it found and an
//! assignment.
//!
//! At each point of the code, a variable touched there may hold the value
//! it held at the innermost loop's head (outside loops: where the code
//! begins), one given since, or none (moved since): a [`Src`], the set of
//! those. Branches join by union; a `continue` and the end of the body go
//! round to the head, a `break` (and, for `for` and `while`, the head
//! itself) leave the loop; a labeled block is left by its end and its
//! `break`s; a jump past inner loops is settled when each of them ends
//! and its head is known. What a closure does is not followed: it may be
//! anything, and a loop's effects then stay as they are.
//!
//! The same record tells a branch that assigned a variable and then moved
//! it (`else { a = make(); eat(a); }`) from one that left it assigned.

use crate::ir::BindingId;

/// Where a variable's value may come from at a point of a loop's body.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Src(u8);

impl Src {
    /// The value it held at the innermost loop's head (outside any loop:
    /// where the code begins).
    pub const HEAD: Src = Src(1);
    /// A value given to it since.
    pub const GIVEN: Src = Src(2);
    /// No value: moved out since.
    pub const MOVED: Src = Src(4);
    /// Not followed: any of them.
    pub const ANY: Src = Src(7);
    const NONE: Src = Src(0);

    fn union(self, o: Src) -> Src {
        Src(self.0 | o.0)
    }

    pub fn has(self, o: Src) -> bool {
        self.0 & o.0 == o.0
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Where the value comes from when the head held `head`.
    fn at(self, head: Src) -> Src {
        let rest = Src(self.0 & !Src::HEAD.0);
        if self.has(Src::HEAD) {
            rest.union(head)
        } else {
            rest
        }
    }
}

/// Each variable's source at some point, for the variables touched there.
pub type Snapshot = Vec<(BindingId, Src)>;

struct Frame {
    label: Option<String>,
    /// A loop (else a labeled block, which no unlabeled jump leaves).
    is_loop: bool,
    /// Where this loop's entries in the log begin.
    start: usize,
    /// Paths that go round to the head: `continue`s.
    backs: Vec<Snapshot>,
    /// Paths that leave the loop: `break`s (and a `while`'s condition).
    exits: Vec<Snapshot>,
    /// Jumps from inside it to an enclosing loop or block (the index of
    /// that frame, whether a `break`), with where each variable's value
    /// comes from there, relative to this frame's head: settled when this
    /// frame ends and its head is known.
    onward: Vec<(usize, bool, Snapshot)>,
    /// Jumps from inside it out of the code walked (to a loop of the
    /// machine: the jump's number), likewise.
    out: Vec<(usize, Snapshot)>,
}

impl Frame {
    /// A jump from this frame (the `at`th) to the `target`th, with the
    /// sources where it is made.
    fn record(&mut self, at: usize, target: usize, is_break: bool, snapshot: Snapshot) {
        if target < at {
            self.onward.push((target, is_break, snapshot));
        } else if is_break {
            self.exits.push(snapshot);
        } else {
            self.backs.push(snapshot);
        }
    }
}

/// The walk's record of sources.
#[derive(Default)]
pub struct Flow {
    /// On the path walked so far: a variable's new source, in order.
    log: Vec<(BindingId, Src)>,
    frames: Vec<Frame>,
    /// Jumps out of the code walked (see [`Flow::jump_out`]) whose sources
    /// are known, relative to where the code begins.
    settled: Vec<(usize, Snapshot)>,
}

impl Flow {
    /// Whether the code walked is inside a loop of its own.
    pub fn in_loop(&self) -> bool {
        self.frames.iter().any(|f| f.is_loop)
    }

    fn floor(&self) -> usize {
        self.frames.last().map_or(0, |f| f.start)
    }

    /// Where `b`'s value comes from here.
    pub fn source(&self, b: BindingId) -> Src {
        self.log[self.floor()..]
            .iter()
            .rev()
            .find(|&&(x, _)| x == b)
            .map_or(Src::HEAD, |&(_, s)| s)
    }

    /// From here on `b`'s value comes from `s`.
    pub fn set(&mut self, b: BindingId, s: Src) {
        self.log.push((b, s));
    }

    pub fn mark(&self) -> usize {
        self.log.len()
    }

    /// The sources at the end of the code walked since `mark` (of the
    /// variables it touched), taken off the path: for a branch, which the
    /// next branch does not follow.
    pub fn take_since(&mut self, mark: usize) -> Snapshot {
        let tail = self.log.split_off(mark.min(self.log.len()));
        last_of_each(&tail)
    }

    /// After branches that began at the same point (`None`: one that does
    /// not finish): a variable any of them touched may come from any that
    /// finishes, or from before the branches for one that did not touch it.
    pub fn join(&mut self, branches: &[Option<Snapshot>]) {
        let finishing: Vec<&Snapshot> = branches.iter().flatten().collect();
        let mut touched: Vec<BindingId> = finishing
            .iter()
            .flat_map(|s| s.iter().map(|e| e.0))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        for b in touched {
            let before = self.source(b);
            let joined = finishing.iter().fold(Src::NONE, |acc, s| {
                acc.union(s.iter().find(|e| e.0 == b).map_or(before, |e| e.1))
            });
            self.log.push((b, joined));
        }
    }

    /// The code since `mark` is a closure's (or an `async` block's) body,
    /// which does what it does when it is called, if ever: past it, a
    /// variable the body gave a value may hold that one or what it held
    /// before. (One the body moves, it captures by value: the caller
    /// records that move where the closure is made.)
    pub fn lose_since(&mut self, mark: usize) {
        for (b, inside) in self.take_since(mark) {
            let before = self.source(b);
            let given = Src(inside.0 & Src::GIVEN.0);
            self.set(b, before.union(given));
        }
    }

    /// A loop's body begins (`is_loop`), or a labeled block's.
    pub fn enter(&mut self, label: Option<String>, is_loop: bool) {
        let start = self.log.len();
        self.frames.push(Frame {
            label,
            is_loop,
            start,
            backs: Vec::new(),
            exits: Vec::new(),
            onward: Vec::new(),
            out: Vec::new(),
        });
    }

    /// The path here leaves the innermost loop (`break`) or goes round
    /// (`continue`), or, with `label`, the loop of that label. Returns
    /// whether that loop is one being followed.
    pub fn jump(&mut self, label: Option<&str>, is_break: bool) -> bool {
        let found = match label {
            None => self.frames.iter().rposition(|f| f.is_loop),
            Some(l) => self
                .frames
                .iter()
                .rposition(|f| f.label.as_deref() == Some(l)),
        };
        let Some(i) = found else { return false };
        let snapshot = last_of_each(&self.log[self.floor()..]);
        // (Past inner frames, whose heads are not known yet: onward.)
        let innermost = self.frames.len() - 1;
        self.frames[innermost].record(innermost, i, is_break, snapshot);
        true
    }

    /// The path here leaves the code walked: jump number `k`, to a loop
    /// of the machine. Where each variable's value comes from there is
    /// known once the loops and blocks around it end (see
    /// [`take_settled`](Self::take_settled)).
    pub fn jump_out(&mut self, k: usize) {
        let snapshot = last_of_each(&self.log[self.floor()..]);
        match self.frames.last_mut() {
            Some(f) => f.out.push((k, snapshot)),
            None => self.settled.push((k, snapshot)),
        }
    }

    /// The jumps out of the code walked (see [`jump_out`](Self::jump_out))
    /// whose sources are known, each with them, relative to where the
    /// code begins; taken out.
    pub fn take_settled(&mut self) -> Vec<(usize, Snapshot)> {
        std::mem::take(&mut self.settled)
    }

    /// A `while` loop's condition was false here, or a labeled block's
    /// end: the path leaves.
    pub fn exit_here(&mut self) {
        if let Some(f) = self.frames.last() {
            let snapshot = last_of_each(&self.log[f.start..]);
            if let Some(f) = self.frames.last_mut() {
                f.exits.push(snapshot);
            }
        }
    }

    /// The innermost loop (or labeled block) ends: `finishes` when its
    /// body's end goes round to the head, `via_head` when the head itself
    /// may leave (a `for`).
    /// Returns where each variable the loop touched comes from after it
    /// (relative to the enclosing loop's head, or to before this loop), and
    /// records that on the enclosing loop's path.
    pub fn leave(&mut self, finishes: bool, via_head: bool) -> Snapshot {
        let Some(start) = self.frames.last().map(|f| f.start) else {
            return Vec::new();
        };
        let end = last_of_each(&self.log[start..]);
        let Some(mut frame) = self.frames.pop() else {
            return Vec::new();
        };
        if finishes {
            frame.backs.push(end.clone());
        }
        self.log.truncate(start);
        let mut touched: Vec<BindingId> = end.iter().map(|e| e.0).collect();
        for s in frame.backs.iter().chain(&frame.exits) {
            touched.extend(s.iter().map(|e| e.0));
        }
        touched.sort_unstable();
        touched.dedup();
        let of =
            |s: &Snapshot, b: BindingId| s.iter().find(|e| e.0 == b).map_or(Src::HEAD, |e| e.1);
        // What the head holds: what came in, or what went round.
        let head_of = |flow: &Flow, b: BindingId| {
            let mut head = flow.source(b);
            for s in &frame.backs {
                head = head.union(Src(of(s, b).0 & !Src::HEAD.0));
            }
            head
        };
        let mut out = Vec::new();
        for &b in &touched {
            let head = head_of(self, b);
            let mut after = if via_head { head } else { Src::NONE };
            for s in &frame.exits {
                after = after.union(of(s, b).at(head));
            }
            if !after.is_empty() {
                out.push((b, after));
            }
        }
        // Jumps past this frame: in the enclosing frame's terms now (or
        // the code's, for one out of it when no frame encloses this one).
        let before = last_of_each(&self.log[self.floor()..]);
        let there = |flow: &Flow, snapshot: &Snapshot| -> Snapshot {
            let mut keys: Vec<BindingId> = (before.iter().chain(snapshot))
                .map(|e| e.0)
                .chain(touched.iter().copied())
                .collect();
            keys.sort_unstable();
            keys.dedup();
            (keys.into_iter())
                .map(|b| (b, of(snapshot, b).at(head_of(flow, b))))
                .collect()
        };
        if let Some(parent) = self.frames.len().checked_sub(1) {
            for (target, is_break, snapshot) in std::mem::take(&mut frame.onward) {
                let there = there(self, &snapshot);
                self.frames[parent].record(parent, target, is_break, there);
            }
        }
        for (k, snapshot) in std::mem::take(&mut frame.out) {
            let there = there(self, &snapshot);
            match self.frames.last_mut() {
                Some(parent) => parent.out.push((k, there)),
                None => self.settled.push((k, there)),
            }
        }
        self.log.extend(out.iter().copied());
        out
    }
}

/// The last entry of each variable in `log`.
fn last_of_each(log: &[(BindingId, Src)]) -> Snapshot {
    let mut out: Snapshot = Vec::new();
    for &(b, s) in log.iter().rev() {
        if !out.iter().any(|e| e.0 == b) {
            out.push((b, s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `for .. { eat(a); a = make(); }`: given on every path out.
    #[test]
    fn moved_then_given_each_round_leaves_a_value() {
        let mut f = Flow::default();
        f.enter(None, true);
        f.set(0, Src::MOVED);
        f.set(0, Src::GIVEN);
        let out = f.leave(true, true);
        assert_eq!(out, vec![(0, Src::HEAD.union(Src::GIVEN))]);
    }

    /// `loop { a = make(); if c { break } eat(a); }`: given at the break.
    #[test]
    fn a_break_after_the_assignment_leaves_a_value() {
        let mut f = Flow::default();
        f.enter(None, true);
        f.set(0, Src::GIVEN);
        let m = f.mark();
        assert!(f.jump(None, true));
        let then = f.take_since(m);
        f.join(&[None, Some(then)]);
        f.set(0, Src::MOVED);
        assert_eq!(f.leave(true, false), vec![(0, Src::GIVEN)]);
    }

    /// `for .. { if c { eat(a); break } }`: moved on some paths out.
    #[test]
    fn a_break_after_a_move_leaves_none_on_that_path() {
        let mut f = Flow::default();
        f.enter(None, true);
        let m = f.mark();
        f.set(0, Src::MOVED);
        assert!(f.jump(None, true));
        let _ = f.take_since(m);
        f.join(&[None, Some(Vec::new())]);
        assert_eq!(f.leave(true, true), vec![(0, Src::HEAD.union(Src::MOVED))]);
    }

    /// `for .. { if c { break 'out; } eat(a); a = make(); }`, `'out` a
    /// loop outside the code: at the jump, `a` holds what it came with
    /// or what a round before gave it, never nothing.
    #[test]
    fn a_jump_out_of_the_code_knows_what_the_rounds_before_left() {
        let mut f = Flow::default();
        f.enter(None, true);
        let m = f.mark();
        f.jump_out(0);
        let then = f.take_since(m);
        f.join(&[None, Some(then)]);
        f.set(0, Src::MOVED);
        f.set(0, Src::GIVEN);
        assert!(
            f.take_settled().is_empty(),
            "settled before the loop's head is known"
        );
        f.leave(true, true);
        let settled = f.take_settled();
        assert_eq!(settled, vec![(0, vec![(0, Src::HEAD.union(Src::GIVEN))])]);
    }

    /// `for .. { eat(a); if c { break 'out; } a = make(); }`: moved at the
    /// jump on every path.
    #[test]
    fn a_jump_out_after_a_move_carries_nothing() {
        let mut f = Flow::default();
        f.enter(None, true);
        f.set(0, Src::MOVED);
        let m = f.mark();
        f.jump_out(3);
        let then = f.take_since(m);
        f.join(&[None, Some(then)]);
        f.set(0, Src::GIVEN);
        f.leave(true, true);
        assert_eq!(f.take_settled(), vec![(3, vec![(0, Src::MOVED)])]);
    }

    /// `'o: for .. { for .. { eat(a); a = make(); break; } for .. {
    /// continue 'o; } }`: the `continue` past the second inner loop, which
    /// does not touch `a`, carries what its head held: given or found.
    #[test]
    fn a_jump_past_an_inner_loop_carries_what_its_head_held() {
        let mut f = Flow::default();
        f.enter(Some("o".into()), true);
        f.enter(None, true);
        f.set(0, Src::MOVED);
        f.set(0, Src::GIVEN);
        assert!(f.jump(None, true));
        let _ = f.take_since(f.mark());
        assert_eq!(f.leave(false, true), vec![(0, Src::HEAD.union(Src::GIVEN))]);
        f.enter(None, true);
        assert!(f.jump(Some("o"), false));
        f.leave(false, true);
        assert_eq!(f.leave(true, true), vec![(0, Src::HEAD.union(Src::GIVEN))]);
    }
}
